//! Transactions the vendor reports (through the API or by hand): what a valid one is, and the
//! stable error codes the API answers with. A negative amount is a refund of an earlier
//! transaction of the same customer.

use std::collections::BTreeMap;

use crate::money::Currency;

/// The most metadata pairs a transaction carries, and their sizes.
pub const MAX_METADATA: usize = 25;
const MAX_METADATA_KEY: usize = 40;
const MAX_METADATA_VALUE: usize = 500;
const MAX_KEY: usize = 255;
/// The largest amount accepted, in minor units (10^13: a hundred billion dollars).
pub const MAX_AMOUNT_MINOR: i64 = 10_000_000_000_000;
/// How far in the future `occurred_at` may be (clock skew between the vendor and us).
const FUTURE_SLACK_MS: i64 = 5 * 60 * 1000;

/// A transaction as sent, before any check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TransactionInput {
    pub customer_key: Option<String>,
    pub customer_email: Option<String>,
    /// `None` when the amount was missing or not a whole number of minor units.
    pub amount_minor: Option<i64>,
    pub currency: String,
    pub transaction_key: String,
    pub product_key: Option<String>,
    /// The transaction key a refund (negative amount) gives back money of.
    pub refunds: Option<String>,
    /// RFC 3339 UTC; the time of receipt when absent.
    pub occurred_at: Option<String>,
    pub metadata: Vec<(String, String)>,
}

/// Which customer a transaction is for: exactly one of the two.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerRef {
    Key(String),
    Email(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTransaction {
    pub customer: CustomerRef,
    pub amount_minor: i64,
    pub transaction_key: String,
    pub product_key: Option<String>,
    pub refunds: Option<String>,
    pub occurred_at: i64,
    pub metadata: BTreeMap<String, String>,
}

impl NewTransaction {
    pub fn is_refund(&self) -> bool {
        self.amount_minor < 0
    }
}

/// Why a transaction was refused: a stable machine code, the field, and a message for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: &'static str,
    pub field: &'static str,
    pub message: String,
}

fn problem(code: &'static str, field: &'static str, message: impl Into<String>) -> Problem {
    Problem {
        code,
        field,
        message: message.into(),
    }
}

fn optional(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Checks a transaction against the program's currency, at `now`.
pub fn validate(
    input: TransactionInput,
    program_currency: Currency,
    now: i64,
) -> Result<NewTransaction, Problem> {
    let customer = match (
        optional(input.customer_key),
        optional(input.customer_email).map(|e| e.to_lowercase()),
    ) {
        (Some(key), None) => CustomerRef::Key(key),
        (None, Some(email)) => CustomerRef::Email(email),
        _ => {
            return Err(problem(
                "invalid_customer",
                "customer",
                "Give exactly one of customer_key or customer_email",
            ));
        }
    };
    let amount_minor = input.amount_minor.ok_or_else(|| {
        problem(
            "invalid_amount",
            "amount",
            "amount is a whole number of minor units (cents), e.g. 50000 for $500.00",
        )
    })?;
    if amount_minor == 0 || amount_minor.abs() > MAX_AMOUNT_MINOR {
        return Err(problem(
            "invalid_amount",
            "amount",
            "amount is not zero and at most 10^13 minor units either way",
        ));
    }
    if input.currency.trim().to_uppercase() != program_currency.code() {
        return Err(problem(
            "currency_mismatch",
            "currency",
            format!(
                "currency must be the program's, {}",
                program_currency.code()
            ),
        ));
    }
    let transaction_key = input.transaction_key.trim().to_owned();
    if transaction_key.is_empty() || transaction_key.len() > MAX_KEY {
        return Err(problem(
            "invalid_transaction_key",
            "transaction_key",
            "transaction_key is required: your own id of the transaction, up to 255 characters",
        ));
    }
    let product_key = optional(input.product_key);
    if product_key.as_ref().is_some_and(|p| p.len() > MAX_KEY) {
        return Err(problem(
            "invalid_product_key",
            "product_key",
            "product_key is at most 255 characters",
        ));
    }
    let refunds = optional(input.refunds);
    match (amount_minor < 0, &refunds) {
        (true, None) => {
            return Err(problem(
                "refund_needs_original",
                "refunds",
                "A negative amount is a refund: name the refunded transaction in refunds",
            ));
        }
        (false, Some(_)) => {
            return Err(problem(
                "invalid_amount",
                "amount",
                "A refund's amount is negative",
            ));
        }
        _ => {}
    }
    let occurred_at = match optional(input.occurred_at) {
        Some(text) => crate::time::parse_timestamp(&text)
            .map_err(|e| problem("invalid_occurred_at", "occurred_at", e.0))?,
        None => now,
    };
    if occurred_at > now + FUTURE_SLACK_MS {
        return Err(problem(
            "invalid_occurred_at",
            "occurred_at",
            "occurred_at is in the future",
        ));
    }
    if input.metadata.len() > MAX_METADATA {
        return Err(problem(
            "invalid_metadata",
            "metadata",
            format!("metadata has at most {MAX_METADATA} pairs"),
        ));
    }
    let mut metadata = BTreeMap::new();
    for (key, value) in input.metadata {
        if key.is_empty() || key.len() > MAX_METADATA_KEY || value.len() > MAX_METADATA_VALUE {
            return Err(problem(
                "invalid_metadata",
                "metadata",
                format!(
                    "metadata keys are 1 to {MAX_METADATA_KEY} characters and values at most {MAX_METADATA_VALUE}"
                ),
            ));
        }
        metadata.insert(key, value);
    }
    Ok(NewTransaction {
        customer,
        amount_minor,
        transaction_key,
        product_key,
        refunds,
        occurred_at,
        metadata,
    })
}

/// How much of `original_minor` a refund may still give back after `refunded_minor` (both
/// positive); the refund's amount is negative.
pub fn check_refund(
    original_minor: i64,
    refunded_minor: i64,
    refund_minor: i64,
) -> Result<(), Problem> {
    if original_minor <= 0 {
        return Err(problem(
            "invalid_refund",
            "refunds",
            "Only a payment (a positive transaction) can be refunded",
        ));
    }
    if refunded_minor - refund_minor > original_minor {
        return Err(problem(
            "refund_exceeds_transaction",
            "amount",
            "The refunds would exceed the refunded transaction's amount",
        ));
    }
    Ok(())
}

/// A record form's own key (`VendorTransactionsPage::form_key`): 16 to 64 lower-case hex
/// characters. Anything else is ignored and the transaction gets a random key.
pub fn is_form_key(key: &str) -> bool {
    (16..=64).contains(&key.len()) && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[cfg(test)]
mod form_key_tests {
    #[test]
    fn form_keys_are_hex_of_a_sane_length() {
        assert!(super::is_form_key("0123456789abcdef"));
        assert!(!super::is_form_key("0123456789abcde"));
        assert!(!super::is_form_key("0123456789ABCDEF"));
        assert!(!super::is_form_key(&"a".repeat(65)));
        assert!(!super::is_form_key("0123456789abcdeg"));
    }
}

/// API keys: `pp_` + 12 characters of prefix (shown in lists, finds the key's row) + `_` + the
/// secret. Only a hash of the whole key is stored.
pub mod api_key {
    pub const PREFIX_LEN: usize = 15;
    /// 32 random bytes in hex.
    pub const SECRET_LEN: usize = 64;

    /// The prefix of a well-formed key.
    pub fn prefix(key: &str) -> Option<&str> {
        let well_formed = key.is_ascii()
            && key.len() == PREFIX_LEN + 1 + SECRET_LEN
            && key.starts_with("pp_")
            && key.as_bytes()[PREFIX_LEN] == b'_'
            && key[3..PREFIX_LEN]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
            && key[PREFIX_LEN + 1..].bytes().all(|b| b.is_ascii_hexdigit());
        well_formed.then(|| &key[..PREFIX_LEN])
    }

    /// The key for a prefix body (12 alphanumeric characters) and a secret (64 hex digits).
    pub fn compose(prefix_body: &str, secret: &str) -> String {
        format!("pp_{prefix_body}_{secret}")
    }

    /// Checks the name a teammate gives a key.
    pub fn validate_name(name: &str) -> Result<String, crate::RuleViolation> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(crate::RuleViolation::new(
                "Name the key (1 to 80 characters), e.g. the system that uses it",
            ));
        }
        Ok(name.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    fn input() -> TransactionInput {
        TransactionInput {
            customer_key: Some("cus_1".into()),
            amount_minor: Some(50_000),
            currency: "usd".into(),
            transaction_key: "tx_1".into(),
            ..TransactionInput::default()
        }
    }

    #[test]
    fn a_payment_is_valid_with_one_customer_reference() {
        let t = validate(input(), usd(), 1_000).unwrap();
        assert_eq!(t.customer, CustomerRef::Key("cus_1".into()));
        assert_eq!(t.occurred_at, 1_000);
        assert!(!t.is_refund());
        let both = TransactionInput {
            customer_email: Some("a@b.co".into()),
            ..input()
        };
        assert_eq!(
            validate(both, usd(), 0).unwrap_err().code,
            "invalid_customer"
        );
        let email = TransactionInput {
            customer_key: None,
            customer_email: Some(" Ann@B.co ".into()),
            ..input()
        };
        assert_eq!(
            validate(email, usd(), 0).unwrap().customer,
            CustomerRef::Email("ann@b.co".into())
        );
    }

    #[test]
    fn the_stable_codes() {
        let code = |i: TransactionInput| validate(i, usd(), 0).unwrap_err().code;
        assert_eq!(
            code(TransactionInput {
                amount_minor: None,
                ..input()
            }),
            "invalid_amount"
        );
        assert_eq!(
            code(TransactionInput {
                amount_minor: Some(0),
                ..input()
            }),
            "invalid_amount"
        );
        assert_eq!(
            code(TransactionInput {
                currency: "EUR".into(),
                ..input()
            }),
            "currency_mismatch"
        );
        assert_eq!(
            code(TransactionInput {
                transaction_key: " ".into(),
                ..input()
            }),
            "invalid_transaction_key"
        );
        assert_eq!(
            code(TransactionInput {
                amount_minor: Some(-5),
                ..input()
            }),
            "refund_needs_original"
        );
        assert_eq!(
            code(TransactionInput {
                refunds: Some("tx_0".into()),
                ..input()
            }),
            "invalid_amount"
        );
        assert_eq!(
            code(TransactionInput {
                occurred_at: Some("yesterday".into()),
                ..input()
            }),
            "invalid_occurred_at"
        );
        assert_eq!(
            code(TransactionInput {
                metadata: (0..26).map(|i| (format!("k{i}"), "v".into())).collect(),
                ..input()
            }),
            "invalid_metadata"
        );
        assert_eq!(
            validate(
                TransactionInput {
                    occurred_at: Some("2030-01-01T00:00:00Z".into()),
                    ..input()
                },
                usd(),
                0
            )
            .unwrap_err()
            .code,
            "invalid_occurred_at"
        );
    }

    #[test]
    fn refunds_never_exceed_the_original() {
        assert!(check_refund(50_000, 0, -25_000).is_ok());
        assert!(check_refund(50_000, 25_000, -25_000).is_ok());
        assert_eq!(
            check_refund(50_000, 25_000, -25_001).unwrap_err().code,
            "refund_exceeds_transaction"
        );
        assert_eq!(check_refund(-5, 0, -1).unwrap_err().code, "invalid_refund");
    }

    #[test]
    fn api_keys_have_a_visible_prefix() {
        let key = api_key::compose("abcdefghijkl", &"a1".repeat(32));
        assert_eq!(api_key::prefix(&key), Some("pp_abcdefghijkl"));
        assert_eq!(api_key::prefix("pp_short_x"), None);
        assert_eq!(api_key::prefix(&key.replace('1', "x")), None);
        assert!(api_key::validate_name("  ").is_err());
        assert_eq!(api_key::validate_name(" CRM ").unwrap(), "CRM");
    }

    proptest! {
        /// Any amount within the bounds and not zero is taken as sent; refunds only with an
        /// original.
        #[test]
        fn amounts_are_kept_exactly(amount in -MAX_AMOUNT_MINOR..=MAX_AMOUNT_MINOR) {
            let refunds = (amount < 0).then(|| "tx_0".to_owned());
            let result = validate(TransactionInput { amount_minor: Some(amount), refunds, ..input() }, usd(), 0);
            if amount == 0 {
                prop_assert!(result.is_err());
            } else {
                prop_assert_eq!(result.unwrap().amount_minor, amount);
            }
        }
    }
}
