//! Programs and joining them: signup modes, slugs, partner types and applications.

use serde::{Deserialize, Serialize};

use crate::RuleViolation;
use crate::partnership::PartnershipStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignupMode {
    /// Anyone who applies is active at once.
    Open,
    /// Applications wait for a teammate to approve or reject them.
    Approval,
    /// Only partners a teammate invited can join.
    InviteOnly,
}

crate::stored_names!(SignupMode, "signup mode", {
    Open => "open",
    Approval => "approval",
    InviteOnly => "invite_only",
});

impl SignupMode {
    /// The status a partnership starts in when someone applies through the public page. A
    /// teammate's invite is the vendor's approval, so invited partners start active.
    pub fn status_on_apply(self, invited: bool) -> Result<PartnershipStatus, RuleViolation> {
        match self {
            _ if invited => Ok(PartnershipStatus::Active),
            SignupMode::Open => Ok(PartnershipStatus::Active),
            SignupMode::Approval => Ok(PartnershipStatus::Applied),
            SignupMode::InviteOnly => Err(RuleViolation::new(
                "This program accepts partners by invitation only.",
            )),
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SignupMode::Open => "Open",
            SignupMode::Approval => "Approval",
            SignupMode::InviteOnly => "Invite only",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PartnerType {
    Affiliate,
    Agency,
    Reseller,
    Msp,
    Referral,
    /// A customer of the vendor referring others through the referral widget.
    CustomerReferral,
}

crate::stored_names!(PartnerType, "partner type", {
    Affiliate => "affiliate",
    Agency => "agency",
    Reseller => "reseller",
    Msp => "msp",
    Referral => "referral",
    CustomerReferral => "customer_referral",
});

impl PartnerType {
    /// The types a team can apply as (customer referrers come only through the widget).
    pub const APPLYING: &'static [PartnerType] = &[
        PartnerType::Affiliate,
        PartnerType::Agency,
        PartnerType::Reseller,
        PartnerType::Msp,
        PartnerType::Referral,
    ];

    pub fn label(self) -> &'static str {
        match self {
            PartnerType::Affiliate => "Affiliate",
            PartnerType::Agency => "Agency",
            PartnerType::Reseller => "Reseller",
            PartnerType::Msp => "MSP",
            PartnerType::Referral => "Referral partner",
            PartnerType::CustomerReferral => "Customer referrer",
        }
    }
}

/// The label of a stored partner type; a free-text type (older data) is shown as stored.
pub fn partner_type_label(stored: &str) -> String {
    PartnerType::parse(stored)
        .map(|t| t.label().to_owned())
        .unwrap_or_else(|_| stored.to_owned())
}

/// Lower-case ASCII letters and digits joined by single hyphens: `Acme Partner Program` ->
/// `acme-partner-program`.
pub fn slugify(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_owned()
}

/// How long the link that confirms a signup's email works.
pub const SIGNUP_CONFIRM_VALID_MS: i64 = 24 * 60 * 60 * 1000;

/// What a signup's confirmation link answers once it was used.
pub const SIGNUP_LINK_USED: &str =
    "This link was used already: your account exists. Sign in with your password.";

/// Whether the link that confirms a signup's email may still be used. A visitor signing up
/// gets no account until they follow it: the signup form answers the same for every address,
/// and only the mailbox's owner learns whether it already had an account.
pub fn signup_confirmable(
    expires_at: i64,
    used_at: Option<i64>,
    now: i64,
) -> Result<(), RuleViolation> {
    crate::password_link::usable_once(
        expires_at,
        used_at,
        now,
        SIGNUP_LINK_USED,
        "This link has expired. Sign up again from the program's page.",
    )
}

/// A partner team's application, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Application {
    pub team_name: String,
    pub partner_type: PartnerType,
    pub website: Option<String>,
    pub country: Option<String>,
}

/// Field-level problems, keyed by the form field's name.
pub type FieldErrors = Vec<(&'static str, String)>;

pub fn validate_application(
    team_name: &str,
    partner_type: &str,
    website: &str,
    country: &str,
) -> Result<Application, FieldErrors> {
    let mut errors = FieldErrors::new();
    let team_name = team_name.trim();
    if team_name.chars().count() < 2 {
        errors.push(("team_name", "Enter your company or team name".into()));
    } else if team_name.chars().count() > 100 {
        errors.push((
            "team_name",
            "Team name must be at most 100 characters".into(),
        ));
    }
    // Customer referrers come only through the referral widget.
    let partner_type = PartnerType::parse(partner_type)
        .ok()
        .filter(|t| *t != PartnerType::CustomerReferral)
        .ok_or_else(|| errors.push(("partner_type", "Choose a partner type".into())))
        .ok();
    let website = website.trim();
    let website = if website.is_empty() {
        None
    } else {
        let host = website
            .strip_prefix("https://")
            .or_else(|| website.strip_prefix("http://"))
            .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or_default());
        match host {
            Some(host)
                if host.contains('.')
                    && !host.contains(char::is_whitespace)
                    && website.len() <= 200 =>
            {
                Some(website.to_owned())
            }
            _ => {
                errors.push((
                    "website",
                    "Enter a full address such as https://example.com".into(),
                ));
                None
            }
        }
    };
    let country = country.trim().to_ascii_uppercase();
    let country = if country.is_empty() {
        None
    } else if country.len() == 2 && country.chars().all(|c| c.is_ascii_uppercase()) {
        Some(country)
    } else {
        errors.push((
            "country",
            "Use the two-letter country code, such as US or DE".into(),
        ));
        None
    };
    match (errors.is_empty(), partner_type) {
        (true, Some(partner_type)) => Ok(Application {
            team_name: team_name.to_owned(),
            partner_type,
            website,
            country,
        }),
        _ => Err(errors),
    }
}

/// The readable part of a new partner key; a random suffix makes it unique.
pub fn partner_key_base(team_name: &str) -> String {
    let slug = slugify(team_name);
    let base: String = slug.chars().take(20).collect();
    let base = base.trim_end_matches('-');
    if base.is_empty() {
        "partner".to_owned()
    } else {
        base.to_owned()
    }
}

/// A reason shown to a partner (rejections, declines): 1 to 500 characters.
/// The name of a group or tag: 1 to 60 characters after trimming.
pub fn validate_label_name(name: &str) -> Result<String, RuleViolation> {
    let name = name.trim();
    match name.chars().count() {
        0 => Err(RuleViolation::new("Give it a name")),
        1..=60 => Ok(name.to_owned()),
        _ => Err(RuleViolation::new("Names are at most 60 characters")),
    }
}

/// How partners work with deals and customers in a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DealSettings {
    /// How long an approved deal protects its partner.
    pub protection_days: u32,
    /// Whether partners see their customers' emails in full (masked by default).
    pub customer_emails_visible: bool,
}

impl DealSettings {
    pub const DEFAULT: DealSettings = DealSettings {
        protection_days: 90,
        customer_emails_visible: false,
    };
}

/// Reads the deal settings from the program form; missing fields keep the defaults (90
/// days, emails masked), so an API client that leaves them out never unmasks anything.
pub fn validate_deal_settings(
    protection_days: Option<&str>,
    customer_emails: Option<&str>,
) -> Result<DealSettings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let protection_days = match protection_days.map(str::trim) {
        None | Some("") => DealSettings::DEFAULT.protection_days,
        Some(text) => text
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=730).contains(d))
            .unwrap_or_else(|| {
                errors.push((
                    "deal_protection_days",
                    "Enter a number of days from 1 to 730".into(),
                ));
                0
            }),
    };
    let customer_emails_visible = match customer_emails.map(str::trim) {
        None | Some("") | Some("masked") => false,
        Some("visible") => true,
        Some(_) => {
            errors.push(("customer_emails", "Choose masked or visible".into()));
            false
        }
    };
    if errors.is_empty() {
        Ok(DealSettings {
            protection_days,
            customer_emails_visible,
        })
    } else {
        Err(errors)
    }
}

pub fn validate_reason(reason: &str) -> Result<String, RuleViolation> {
    let reason = reason.trim();
    match reason.chars().count() {
        0 => Err(RuleViolation::new("Give a reason; the partner will see it")),
        1..=500 => Ok(reason.to_owned()),
        _ => Err(RuleViolation::new(
            "The reason must be at most 500 characters",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn deal_settings_default_to_masked_and_ninety_days() {
        assert_eq!(
            validate_deal_settings(None, None),
            Ok(DealSettings::DEFAULT)
        );
        assert_eq!(
            validate_deal_settings(Some("30"), Some("visible")),
            Ok(DealSettings {
                protection_days: 30,
                customer_emails_visible: true
            })
        );
        let errors = validate_deal_settings(Some("0"), Some("yes")).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(validate_deal_settings(Some("731"), None).is_err());
        assert!(validate_deal_settings(Some("-1"), None).is_err());
    }

    #[test]
    fn signup_modes_decide_the_first_status() {
        assert_eq!(
            SignupMode::Open.status_on_apply(false),
            Ok(PartnershipStatus::Active)
        );
        assert_eq!(
            SignupMode::Approval.status_on_apply(false),
            Ok(PartnershipStatus::Applied)
        );
        assert!(SignupMode::InviteOnly.status_on_apply(false).is_err());
        for mode in SignupMode::ALL {
            assert_eq!(mode.status_on_apply(true), Ok(PartnershipStatus::Active));
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Acme Partner Program"), "acme-partner-program");
        assert_eq!(slugify("  Ünïcode & Co. -- 2026 "), "n-code-co-2026");
        assert_eq!(partner_key_base("Northwind Agency"), "northwind-agency");
        assert_eq!(partner_key_base("!!!"), "partner");
    }

    #[test]
    fn applications_report_every_bad_field() {
        let ok = validate_application("Brightside", "agency", "https://brightside.example", "ca")
            .unwrap();
        assert_eq!(ok.country.as_deref(), Some("CA"));
        assert_eq!(ok.partner_type, PartnerType::Agency);
        let errors = validate_application(" ", "spy", "brightside", "Canada").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["team_name", "partner_type", "website", "country"]);
        assert!(validate_application("Solo", "affiliate", "", "").is_ok());
    }

    #[test]
    fn reasons() {
        assert!(validate_reason("  ").is_err());
        assert_eq!(validate_reason(" Not a fit ").unwrap(), "Not a fit");
        assert!(validate_reason(&"x".repeat(501)).is_err());
    }

    proptest! {
        #[test]
        fn slugs_are_clean(text in ".{0,60}") {
            let slug = slugify(&text);
            prop_assert!(slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
            prop_assert!(!slug.starts_with('-') && !slug.ends_with('-') && !slug.contains("--"));
            prop_assert_eq!(slugify(&slug), slug.clone());
        }
    }
}

/// A program's settings as a teammate enters them, checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramSettings {
    pub name: String,
    pub slug: String,
    pub currency: crate::money::Currency,
    pub attribution_window_days: i64,
    pub hold_days: i64,
    pub min_cashout_minor: i64,
    pub signup_mode: SignupMode,
    pub allowed_domains: Vec<String>,
    pub terms: String,
}

#[expect(clippy::too_many_arguments, reason = "one value per form field")]
pub fn validate_program(
    name: &str,
    slug: &str,
    currency: &str,
    attribution_window_days: &str,
    hold_days: &str,
    min_cashout: &str,
    signup_mode: &str,
    allowed_domains: &str,
    terms: &str,
) -> Result<ProgramSettings, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(("name", "Names are 1 to 100 characters".into()));
    }
    let slug = if slug.trim().is_empty() {
        slugify(name)
    } else {
        slugify(slug)
    };
    if slug.len() < 3 || slug.len() > 60 {
        errors.push((
            "slug",
            "The address needs 3 to 60 letters, digits or hyphens".into(),
        ));
    }
    let currency = crate::money::Currency::parse(currency)
        .map_err(|e| errors.push(("currency", e.0)))
        .ok();
    let mut days = |field: &'static str, text: &str, max: i64| {
        text.trim()
            .parse::<i64>()
            .ok()
            .filter(|d| (0..=max).contains(d))
            .or_else(|| {
                errors.push((field, format!("Enter a number of days from 0 to {max}")));
                None
            })
    };
    let window = days("attribution_window_days", attribution_window_days, 3650);
    let hold = days("hold_days", hold_days, 365);
    let min_cashout_minor = currency.and_then(|c| {
        crate::money::parse_amount(
            if min_cashout.trim().is_empty() {
                "0"
            } else {
                min_cashout
            },
            c,
        )
        .and_then(|a| crate::money::to_minor(a, c))
        .ok()
        .filter(|m| *m >= 0)
        .or_else(|| {
            errors.push((
                "min_cashout",
                format!("Enter an amount in {} such as 50.00", c.code()),
            ));
            None
        })
    });
    let mode = SignupMode::parse(signup_mode)
        .map_err(|_| errors.push(("signup_mode", "Choose a signup mode".into())))
        .ok();
    let mut domains = Vec::new();
    for domain in allowed_domains
        .split([',', '\n', ' '])
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        let domain = domain.to_ascii_lowercase();
        let valid = domain.contains('.')
            && domain.len() <= 253
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
            && !domain.starts_with(['.', '-'])
            && !domain.ends_with(['.', '-']);
        if valid {
            domains.push(domain);
        } else {
            errors.push((
                "allowed_domains",
                format!("\"{domain}\" is not a domain such as example.com"),
            ));
            break;
        }
    }
    let terms = terms.trim();
    if terms.chars().count() > 20_000 {
        errors.push(("terms", "Terms are at most 20,000 characters".into()));
    }
    match (
        currency,
        window,
        hold,
        min_cashout_minor,
        mode,
        errors.is_empty(),
    ) {
        (Some(currency), Some(w), Some(h), Some(m), Some(mode), true) => Ok(ProgramSettings {
            name: name.to_owned(),
            slug,
            currency,
            attribution_window_days: w,
            hold_days: h,
            min_cashout_minor: m,
            signup_mode: mode,
            allowed_domains: domains,
            terms: terms.to_owned(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod settings_tests {
    use super::*;

    #[test]
    fn program_settings() {
        let ok = validate_program(
            "Acme Partner Program",
            "",
            "usd",
            "90",
            "30",
            "50.00",
            "approval",
            "acme.example, www.acme.example",
            "Be nice.",
        )
        .unwrap();
        assert_eq!(ok.slug, "acme-partner-program");
        assert_eq!(ok.min_cashout_minor, 5_000);
        assert_eq!(ok.allowed_domains, ["acme.example", "www.acme.example"]);
        let jpy = validate_program(
            "Yen",
            "yen-program",
            "JPY",
            "30",
            "0",
            "5000",
            "open",
            "",
            "",
        )
        .unwrap();
        assert_eq!(jpy.min_cashout_minor, 5_000);
        let errors = validate_program(
            "",
            "x",
            "ABC",
            "-1",
            "400",
            "1",
            "secret",
            "not a domain",
            "",
        )
        .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(
            fields,
            [
                "name",
                "slug",
                "currency",
                "attribution_window_days",
                "hold_days",
                "signup_mode",
                "allowed_domains"
            ]
        );
    }

    #[test]
    fn label_names_are_trimmed_and_bounded() {
        assert_eq!(validate_label_name("  VIP ").unwrap(), "VIP");
        assert!(validate_label_name("   ").is_err());
        assert!(validate_label_name(&"é".repeat(60)).is_ok());
        assert!(validate_label_name(&"é".repeat(61)).is_err());
    }

    proptest::proptest! {
        #[test]
        fn a_signup_is_confirmed_once_within_a_day(
            created in 0i64..1_000_000,
            after in 0i64..(2 * SIGNUP_CONFIRM_VALID_MS),
            used in proptest::option::of(0i64..10),
        ) {
            let ok = signup_confirmable(created + SIGNUP_CONFIRM_VALID_MS, used, created + after).is_ok();
            proptest::prop_assert_eq!(ok, used.is_none() && after < SIGNUP_CONFIRM_VALID_MS);
        }
    }
}
