//! Conflict detection for lead and deal registration: two registrations conflict when their
//! normalised company domains are the same, or (when a domain is missing) their normalised
//! company names are. The first registration wins.

use crate::RuleViolation;

/// Second-level public suffixes under which companies register (`acme.co.uk`). A compact list
/// of the common ones rather than the whole public suffix list: the rest of the world's
/// registrable domains are two labels (`acme-corp.com`).
const SECOND_LEVEL_SUFFIXES: &[&str] = &[
    "co.uk", "org.uk", "ac.uk", "gov.uk", "ltd.uk", "plc.uk", "me.uk", "com.au", "net.au",
    "org.au", "co.nz", "org.nz", "co.jp", "ne.jp", "or.jp", "co.in", "net.in", "org.in", "com.br",
    "net.br", "com.mx", "co.za", "com.cn", "net.cn", "com.sg", "com.hk", "co.kr", "com.tr",
    "com.ar", "co.il", "com.tw", "com.my", "co.id", "com.ph", "com.vn", "com.pl", "com.es",
    "co.at", "or.at", "com.ua", "com.ng", "co.ke", "com.eg", "com.sa", "com.pk",
];

/// The registrable domain a person meant: lower-case, without scheme, credentials, port,
/// path, query, trailing dot, `www.` or any other subdomain.
/// `https://www.app.acme-corp.com/x` -> `acme-corp.com`.
pub fn normalize_domain(input: &str) -> Result<String, RuleViolation> {
    let mut host = input.trim().to_ascii_lowercase();
    if let Some((_, rest)) = host.split_once("://") {
        host = rest.to_owned();
    }
    let host = host
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("")
        .rsplit('@')
        .next()
        .unwrap_or("")
        .split(':')
        .next()
        .unwrap_or("")
        .trim_end_matches('.')
        .to_owned();
    let labels: Vec<&str> = host.split('.').collect();
    let valid_label = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if labels.len() < 2
        || !labels.iter().all(valid_label)
        || labels
            .last()
            .is_some_and(|tld| tld.len() < 2 || tld.chars().all(|c| c.is_ascii_digit()))
    {
        return Err(RuleViolation::new(format!(
            "\"{}\" is not a company domain (like acme.com)",
            input.trim()
        )));
    }
    let n = labels.len();
    let last_two = format!("{}.{}", labels[n - 2], labels[n - 1]);
    let keep = if SECOND_LEVEL_SUFFIXES.contains(&last_two.as_str()) {
        3
    } else {
        2
    };
    if n < keep {
        return Err(RuleViolation::new(format!(
            "\"{}\" is a public suffix, not a company domain",
            input.trim()
        )));
    }
    Ok(labels[n - keep..].join("."))
}

/// Mailbox providers: their domain says nothing about a contact's company.
const FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "yahoo.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "msn.com",
    "icloud.com",
    "me.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "gmx.de",
    "gmx.net",
    "web.de",
    "mail.ru",
    "yandex.ru",
    "qq.com",
    "163.com",
    "zoho.com",
];

/// The company domain an email address tells, unless it is a mailbox provider's.
pub fn company_domain_of_email(email: &str) -> Option<String> {
    let (_, host) = email.rsplit_once('@')?;
    normalize_domain(host)
        .ok()
        .filter(|d| !FREE_MAIL.contains(&d.as_str()))
}

/// Words that do not tell companies apart: legal forms.
const LEGAL_FORMS: &[&str] = &[
    "inc",
    "incorporated",
    "llc",
    "ltd",
    "limited",
    "corp",
    "corporation",
    "co",
    "company",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "nv",
    "plc",
    "pty",
    "oy",
    "ab",
    "as",
    "srl",
    "spa",
    "kk",
    "llp",
    "lp",
];

/// A company name reduced to what identifies it: lower-case letters and digits, words joined
/// by one space, without legal forms. "ACME Corp., Inc." -> "acme".
pub fn normalize_company_name(name: &str) -> String {
    let lowered = name.to_lowercase();
    let words: Vec<String> = lowered
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect();
    let meaningful: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !LEGAL_FORMS.contains(w))
        .collect();
    // A name made only of legal words ("The Company") stays as it is.
    if meaningful.is_empty() {
        words.join(" ")
    } else {
        meaningful.join(" ")
    }
}

/// What a new registration may collide with in the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimKind {
    OpenLead,
    OpenDeal,
    Customer,
}

/// An earlier open lead, open deal or customer of the program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub kind: ClaimKind,
    pub id: i64,
    /// Normalised (see [`normalize_domain`]).
    pub domain: Option<String>,
    /// Normalised (see [`normalize_company_name`]).
    pub company: String,
    pub registered_at: i64,
}

/// The earlier claims a registration for `domain`/`company` (both normalised) collides with,
/// oldest first: same domain, or same company name where either side has no domain.
pub fn conflicts<'a>(domain: Option<&str>, company: &str, earlier: &'a [Claim]) -> Vec<&'a Claim> {
    let mut hits: Vec<&Claim> = earlier
        .iter()
        .filter(|c| match (domain, c.domain.as_deref()) {
            (Some(a), Some(b)) => a == b,
            _ => !company.is_empty() && c.company == company,
        })
        .collect();
    hits.sort_by_key(|c| (c.registered_at, c.id));
    hits
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn domains_reduce_to_the_registrable_domain() {
        for (input, expected) in [
            ("https://www.app.acme-corp.com/x", "acme-corp.com"),
            ("acme-corp.com", "acme-corp.com"),
            ("ACME-CORP.COM.", "acme-corp.com"),
            (
                "http://user:pw@eu.acme-corp.com:8443/path?q=1#f",
                "acme-corp.com",
            ),
            ("www.shop.acme.co.uk", "acme.co.uk"),
            ("acme.co.uk", "acme.co.uk"),
            ("acme-corp.co", "acme-corp.co"),
        ] {
            assert_eq!(normalize_domain(input).as_deref(), Ok(expected), "{input}");
        }
        for bad in [
            "",
            "acme",
            "co.uk",
            "http://",
            "acme..com",
            "-acme.com",
            "1.2.3.4",
            "acme corp.com",
        ] {
            assert!(normalize_domain(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_issue_examples() {
        let existing = [Claim {
            kind: ClaimKind::Customer,
            id: 1,
            domain: Some(normalize_domain("acme-corp.com").unwrap()),
            company: normalize_company_name("Acme Corp"),
            registered_at: 5,
        }];
        let d = normalize_domain("https://www.app.acme-corp.com/x").unwrap();
        assert_eq!(conflicts(Some(&d), "other", &existing).len(), 1);
        let d = normalize_domain("acme-corp.co").unwrap();
        assert!(conflicts(Some(&d), "other", &existing).is_empty());
        // Without a domain the company name decides.
        assert_eq!(
            conflicts(None, &normalize_company_name("ACME Corp., Inc."), &existing).len(),
            1
        );
    }

    #[test]
    fn free_mail_says_nothing_about_the_company() {
        assert_eq!(
            company_domain_of_email("ann@sales.contoso.com").as_deref(),
            Some("contoso.com")
        );
        assert_eq!(company_domain_of_email("ann@gmail.com"), None);
        assert_eq!(company_domain_of_email("nope"), None);
    }

    #[test]
    fn company_names_drop_case_punctuation_and_legal_forms() {
        assert_eq!(normalize_company_name("ACME Corp., Inc."), "acme");
        assert_eq!(
            normalize_company_name("  Tailspin   Toys GmbH "),
            "tailspin toys"
        );
        assert_eq!(normalize_company_name("The Company"), "the");
        assert_eq!(normalize_company_name("Co"), "co");
        assert_eq!(normalize_company_name("Müller AG"), "müller");
    }

    proptest! {
        #[test]
        fn subdomains_schemes_and_paths_never_change_the_result(
            name in "[a-z][a-z0-9-]{0,20}[a-z0-9]",
            tld in prop_oneof![Just("com"), Just("io"), Just("co.uk"), Just("de")],
            sub in proptest::option::of("[a-z]{1,8}"),
            scheme in prop_oneof![Just(""), Just("http://"), Just("https://")],
            path in prop_oneof![Just(""), Just("/"), Just("/pricing?x=1")],
        ) {
            let base = format!("{name}.{tld}");
            let host = match &sub { Some(s) => format!("{s}.{base}"), None => base.clone() };
            let input = format!("{scheme}{}{path}", host.to_uppercase());
            prop_assert_eq!(normalize_domain(&input), Ok(base.clone()));
            prop_assert_eq!(normalize_domain(&base).map(|d| normalize_domain(&d)), Ok(Ok(base)));
        }

        #[test]
        fn conflicts_are_oldest_first_and_symmetric(times in proptest::collection::vec(0i64..100, 1..6)) {
            let claims: Vec<Claim> = times.iter().enumerate().map(|(i, t)| Claim {
                kind: ClaimKind::OpenDeal, id: i as i64, domain: Some("acme.com".into()),
                company: "acme".into(), registered_at: *t,
            }).collect();
            let hits = conflicts(Some("acme.com"), "acme", &claims);
            prop_assert_eq!(hits.len(), claims.len());
            prop_assert!(hits.windows(2).all(|w| (w[0].registered_at, w[0].id) <= (w[1].registered_at, w[1].id)));
        }
    }
}
