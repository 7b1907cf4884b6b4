//! Payout details of a partner team: how it is paid. Only the owner sets them; everyone else
//! sees them masked.

use serde::{Deserialize, Serialize};

use crate::RuleViolation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PayoutMethod {
    BankTransfer,
    Paypal,
    Wise,
}

crate::stored_names!(PayoutMethod, "payout method", {
    BankTransfer => "bank_transfer",
    Paypal => "paypal",
    Wise => "wise",
});

impl PayoutMethod {
    pub fn label(self) -> &'static str {
        match self {
            PayoutMethod::BankTransfer => "Bank transfer (IBAN)",
            PayoutMethod::Paypal => "PayPal",
            PayoutMethod::Wise => "Wise",
        }
    }
}

/// Checks the details for the method: an IBAN-like account for bank transfers, an email for
/// PayPal and Wise. Returns them normalised.
pub fn validate_details(method: PayoutMethod, details: &str) -> Result<String, RuleViolation> {
    let details = details.trim();
    match method {
        PayoutMethod::BankTransfer => {
            let compact: String = details
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_uppercase();
            let valid = (15..=34).contains(&compact.len())
                && compact.chars().take(2).all(|c| c.is_ascii_uppercase())
                && compact.chars().all(|c| c.is_ascii_alphanumeric());
            if valid {
                Ok(compact)
            } else {
                Err(RuleViolation::new(
                    "Enter the IBAN: two letters, then 13 to 32 letters and digits",
                ))
            }
        }
        PayoutMethod::Paypal | PayoutMethod::Wise => crate::identity::normalize_email(details)
            .map_err(|_| RuleViolation::new("Enter the email address of the account")),
    }
}

/// What others see of the details: of an account email (PayPal, Wise) its domain, of an IBAN
/// its last four characters. An email's last four characters say nothing ("mple" of
/// "….example"), its domain tells the owner which address it is.
pub fn mask(details: &str) -> String {
    if let Some((_, domain)) = details.rsplit_once('@') {
        return format!("••••@{domain}");
    }
    let chars: Vec<char> = details.chars().collect();
    let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
    format!("•••• {tail}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn details_per_method() {
        assert_eq!(
            validate_details(PayoutMethod::BankTransfer, "de89 3704 0044 0532 0130 00").unwrap(),
            "DE89370400440532013000"
        );
        assert!(validate_details(PayoutMethod::BankTransfer, "12345").is_err());
        assert_eq!(
            validate_details(PayoutMethod::Paypal, " Pay@Northwind.example ").unwrap(),
            "pay@northwind.example"
        );
        assert!(validate_details(PayoutMethod::Wise, "not-an-email").is_err());
        assert_eq!(mask("DE89370400440532013000"), "•••• 3000");
        assert_eq!(mask("ab"), "•••• ab");
        assert_eq!(mask("pay@northwind.example"), "••••@northwind.example");
    }

    proptest! {
        /// The mask shows the last four characters and nothing else of the details. (Asking
        /// that the masked text not contain the details was wrong: " 1234" is "•••• " + "1234".)
        #[test]
        fn the_mask_never_shows_more_than_four_characters(details in "[^@]{0,40}") {
            let masked = mask(&details);
            let shown = masked.strip_prefix("•••• ").expect("the mask's prefix");
            prop_assert!(shown.chars().count() <= 4);
            prop_assert!(details.ends_with(shown));
            prop_assert_eq!(shown.chars().count(), details.chars().count().min(4));
        }

        /// Of an email the mask shows the domain and nothing of the local part.
        #[test]
        fn an_email_mask_hides_the_local_part(local in "[a-z0-9.]{1,20}", domain in "[a-z]{1,10}\\.[a-z]{2,5}") {
            let masked = mask(&format!("{local}@{domain}"));
            prop_assert_eq!(masked, format!("••••@{domain}"));
        }
    }
}
