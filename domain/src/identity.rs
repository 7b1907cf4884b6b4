//! Rules for users' identities: emails and passwords.

use crate::RuleViolation;

pub const PASSWORD_MIN_CHARS: usize = 12;
pub const PASSWORD_MAX_CHARS: usize = 128;

/// The form an email is unique in: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> Result<String, RuleViolation> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, host)| {
            !local.is_empty()
                && host.contains('.')
                && !host.starts_with('.')
                && !host.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace)
        && email.matches('@').count() == 1;
    if valid {
        Ok(email)
    } else {
        Err(RuleViolation::new("Enter a valid email address"))
    }
}

/// A new password must be 12 to 128 characters (counted as characters, not bytes).
/// An email shown to someone who may know a customer exists but not who they are:
/// `jane.doe@contoso.com` -> `j•••@contoso.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}•••@{domain}")
        }
        None => "•••".to_owned(),
    }
}

pub fn check_new_password(password: &str) -> Result<(), RuleViolation> {
    let chars = password.chars().count();
    if chars < PASSWORD_MIN_CHARS {
        Err(RuleViolation::new(format!(
            "Password must be at least {PASSWORD_MIN_CHARS} characters"
        )))
    } else if chars > PASSWORD_MAX_CHARS {
        Err(RuleViolation::new(format!(
            "Password must be at most {PASSWORD_MAX_CHARS} characters"
        )))
    } else {
        Ok(())
    }
}

/// A login attempt with a password longer than any we accept is refused before hashing,
/// so nobody can make the server hash megabytes.
pub fn plausible_login_password(password: &str) -> bool {
    !password.is_empty() && password.chars().count() <= PASSWORD_MAX_CHARS
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn emails_are_case_insensitive() {
        assert_eq!(
            normalize_email("  Owner@Acme.Example ").unwrap(),
            "owner@acme.example"
        );
        for bad in [
            "",
            "no-at",
            "a@b",
            "@acme.example",
            "a b@acme.example",
            "a@@acme.example",
            "a@.x",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad} should be rejected");
        }
    }

    #[test]
    fn password_length_bounds() {
        assert!(check_new_password(&"a".repeat(11)).is_err());
        assert!(check_new_password(&"a".repeat(12)).is_ok());
        assert!(check_new_password(&"é".repeat(128)).is_ok());
        assert!(check_new_password(&"a".repeat(129)).is_err());
        assert!(!plausible_login_password(""));
        assert!(!plausible_login_password(&"a".repeat(129)));
    }

    proptest! {
        #[test]
        fn normalizing_is_idempotent(local in "[a-zA-Z0-9._%+-]{1,20}", host in "[a-zA-Z0-9-]{1,20}", tld in "[a-zA-Z]{2,6}") {
            let email = format!("{local}@{host}.{tld}");
            let once = normalize_email(&email).unwrap();
            prop_assert_eq!(normalize_email(&once).unwrap(), once.clone());
            prop_assert_eq!(once, email.to_lowercase());
        }

        #[test]
        fn password_policy_is_about_char_count(len in 0usize..200) {
            let password = "ä".repeat(len);
            prop_assert_eq!(check_new_password(&password).is_ok(), (12..=128).contains(&len));
        }
    }

    #[test]
    fn masked_emails_keep_only_the_first_letter_and_domain() {
        assert_eq!(mask_email("jane.doe@contoso.com"), "j•••@contoso.com");
        assert_eq!(mask_email("x@y.io"), "x•••@y.io");
        assert_eq!(mask_email("broken"), "•••");
    }
}
