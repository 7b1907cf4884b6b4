//! The partner portal's domain rules: pure, no I/O, shared by the server and the browser.
//!
//! Everything here compiles to wasm and native, so the browser renders money and applies
//! the same rules as the server (hydration must produce identical strings).

/// Gives a fieldless enum its storage names: `ALL`, `as_str` and `parse` (which rejects
/// unknown names with a message naming `$what`), as inherent methods and as [`StoredName`].
#[macro_export]
macro_rules! stored_names {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }

            pub fn parse(text: &str) -> Result<Self, $crate::RuleViolation> {
                match text {
                    $($name => Ok($ty::$variant),)+
                    _ => Err($crate::RuleViolation::new(format!("Unknown {}: {text}", $what))),
                }
            }
        }

        impl $crate::StoredName for $ty {
            fn as_str(self) -> &'static str {
                $ty::as_str(self)
            }

            fn parse(text: &str) -> Result<Self, $crate::RuleViolation> {
                $ty::parse(text)
            }
        }
    };
}

/// An enum stored (and sent to the browser) by name: what [`stored_names!`] gives, so code
/// can be generic over it (the wire's `stored` serde helper, the store's row mappings).
pub trait StoredName: Sized + Copy {
    /// The name it is stored by ("active", "closed_won").
    fn as_str(self) -> &'static str;
    /// The value of a stored name; unknown names are a [`RuleViolation`].
    fn parse(text: &str) -> Result<Self, RuleViolation>;
}

pub mod company;
pub mod conflict;
pub mod customer;
pub mod deal;
pub mod email;
pub mod idempotency;
pub mod identity;
pub mod invite;
pub mod job;
pub mod lead;
pub mod lead_fields;
pub mod lead_import;
pub mod ledger;
pub mod link;
pub mod listing;
pub mod money;
pub mod navigation;
pub mod offer;
pub mod partnership;
pub mod password_link;
pub mod payout;
pub mod permissions;
pub mod program;
pub mod request;
pub mod reward;
pub mod segment;
pub mod session;
pub mod throttle;
pub mod tier;
pub mod time;
pub mod transaction;
pub mod trigger;
pub mod webhook;
pub mod workspace;

/// A rule was broken by the input; the message is safe to show to the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleViolation(pub String);

impl std::fmt::Display for RuleViolation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RuleViolation {}

impl RuleViolation {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
