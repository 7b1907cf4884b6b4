//! Money: `Decimal` in code, integer minor units plus the ISO 4217 code in storage.
//!
//! [`round`] is the one place that decides rounding and [`format_minor`] the one place that
//! turns an amount into text, on the server and in the browser alike.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};

use crate::RuleViolation;

/// An ISO 4217 currency the portal knows the minor unit of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    exponent: u32,
    symbol: Option<&'static str>,
}

/// Currencies with their minor-unit exponent (ISO 4217) and, where unambiguous, a symbol.
const CURRENCIES: &[Currency] = &[
    Currency {
        code: "USD",
        exponent: 2,
        symbol: Some("$"),
    },
    Currency {
        code: "EUR",
        exponent: 2,
        symbol: Some("€"),
    },
    Currency {
        code: "GBP",
        exponent: 2,
        symbol: Some("£"),
    },
    Currency {
        code: "CAD",
        exponent: 2,
        symbol: None,
    },
    Currency {
        code: "AUD",
        exponent: 2,
        symbol: None,
    },
    Currency {
        code: "CHF",
        exponent: 2,
        symbol: None,
    },
    Currency {
        code: "SEK",
        exponent: 2,
        symbol: None,
    },
    Currency {
        code: "NOK",
        exponent: 2,
        symbol: None,
    },
    Currency {
        code: "DKK",
        exponent: 2,
        symbol: None,
    },
    Currency {
        code: "PLN",
        exponent: 2,
        symbol: None,
    },
    Currency {
        code: "INR",
        exponent: 2,
        symbol: Some("₹"),
    },
    Currency {
        code: "BRL",
        exponent: 2,
        symbol: None,
    },
    Currency {
        code: "MXN",
        exponent: 2,
        symbol: None,
    },
    Currency {
        code: "JPY",
        exponent: 0,
        symbol: Some("¥"),
    },
    Currency {
        code: "KRW",
        exponent: 0,
        symbol: Some("₩"),
    },
    Currency {
        code: "ISK",
        exponent: 0,
        symbol: None,
    },
    Currency {
        code: "KWD",
        exponent: 3,
        symbol: None,
    },
    Currency {
        code: "BHD",
        exponent: 3,
        symbol: None,
    },
    Currency {
        code: "JOD",
        exponent: 3,
        symbol: None,
    },
    Currency {
        code: "OMR",
        exponent: 3,
        symbol: None,
    },
    Currency {
        code: "TND",
        exponent: 3,
        symbol: None,
    },
];

impl Currency {
    /// Looks up an ISO 4217 code (case-insensitive).
    pub fn parse(code: &str) -> Result<Self, RuleViolation> {
        let code = code.trim();
        CURRENCIES
            .iter()
            .find(|c| c.code.eq_ignore_ascii_case(code))
            .copied()
            .ok_or_else(|| RuleViolation::new(format!("Unsupported currency code: {code}")))
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// Digits after the decimal point in the minor unit (2 for USD, 0 for JPY, 3 for KWD).
    pub fn exponent(&self) -> u32 {
        self.exponent
    }

    pub fn all() -> &'static [Currency] {
        CURRENCIES
    }
}

/// How an amount was rounded; stored beside every computed amount so it can be explained later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoundingMode {
    /// Ties go away from zero (0.125 -> 0.13, -0.125 -> -0.13): what partners expect on a statement.
    HalfAwayFromZero,
}

impl RoundingMode {
    pub const DEFAULT: RoundingMode = RoundingMode::HalfAwayFromZero;

    pub fn as_str(&self) -> &'static str {
        match self {
            RoundingMode::HalfAwayFromZero => "half_away_from_zero",
        }
    }

    pub fn parse(text: &str) -> Result<Self, RuleViolation> {
        match text {
            "half_away_from_zero" => Ok(RoundingMode::HalfAwayFromZero),
            _ => Err(RuleViolation::new(format!("Unknown rounding mode: {text}"))),
        }
    }

    /// How the explanation page names it.
    pub fn label(&self) -> &'static str {
        match self {
            RoundingMode::HalfAwayFromZero => {
                "Half away from zero, to the currency's smallest unit (0.125 → 0.13)"
            }
        }
    }
}

/// The one rounding function: rounds `amount` to the currency's minor unit.
pub fn round(amount: Decimal, currency: Currency) -> (Decimal, RoundingMode) {
    let mode = RoundingMode::DEFAULT;
    let strategy = match mode {
        RoundingMode::HalfAwayFromZero => RoundingStrategy::MidpointAwayFromZero,
    };
    (
        amount.round_dp_with_strategy(currency.exponent, strategy),
        mode,
    )
}

/// Converts an amount to integer minor units for storage, rounding with [`round`].
pub fn to_minor(amount: Decimal, currency: Currency) -> Result<i64, RuleViolation> {
    let too_large = || RuleViolation::new("Amount is too large");
    let (rounded, _) = round(amount, currency);
    // Checked: a 28-digit amount typed in a form overflowed the multiplication and panicked
    // (found by the `money_input` fuzz target).
    let scaled = rounded
        .checked_mul(Decimal::from(10_i64.pow(currency.exponent)))
        .ok_or_else(too_large)?;
    i64::try_from(scaled.trunc()).map_err(|_| too_large())
}

/// Converts stored minor units back to a `Decimal` amount.
pub fn from_minor(minor: i64, currency: Currency) -> Decimal {
    Decimal::new(minor, currency.exponent)
}

/// Parses an amount typed by a person ("1,234.50") in the given currency.
pub fn parse_amount(input: &str, currency: Currency) -> Result<Decimal, RuleViolation> {
    let cleaned: String = input
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '_')
        .collect();
    // Plain digits with one optional point and sign: no exponents ("1e3"), no "+", no spaces.
    let digits = cleaned.strip_prefix('-').unwrap_or(&cleaned);
    let plain = !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1
        && digits.chars().any(|c| c.is_ascii_digit());
    let amount: Decimal = cleaned
        .parse()
        .ok()
        .filter(|_| plain)
        .ok_or_else(|| RuleViolation::new(format!("\"{}\" is not an amount", input.trim())))?;
    if amount.scale() > currency.exponent {
        return Err(RuleViolation::new(format!(
            "{} amounts have at most {} decimal places",
            currency.code, currency.exponent
        )));
    }
    Ok(amount)
}

/// A price, deal amount or threshold typed by a person: like [`parse_amount`], and above zero.
pub fn parse_positive_amount(input: &str, currency: Currency) -> Result<Decimal, RuleViolation> {
    let amount = parse_amount(input, currency)?;
    if amount <= Decimal::ZERO {
        return Err(RuleViolation::new("Enter an amount above zero"));
    }
    Ok(amount)
}

/// The one money formatter: `-$1,234.50`, `¥1,235`, `KWD 12.345`.
pub fn format_minor(minor: i64, currency: Currency) -> String {
    let negative = minor < 0;
    let abs = minor.unsigned_abs();
    let unit = 10_u64.pow(currency.exponent);
    let whole = abs / unit;
    let fraction = abs % unit;
    let mut text = group_thousands(whole);
    if currency.exponent > 0 {
        text.push('.');
        text.push_str(&format!(
            "{:0width$}",
            fraction,
            width = currency.exponent as usize
        ));
    }
    let sign = if negative { "-" } else { "" };
    match currency.symbol {
        Some(symbol) => format!("{sign}{symbol}{text}"),
        None => format!("{sign}{} {text}", currency.code),
    }
}

/// Formats stored minor units given the stored currency code; unknown codes are shown raw
/// rather than guessed at.
pub fn format_stored(minor: i64, code: &str) -> String {
    match Currency::parse(code) {
        Ok(currency) => format_minor(minor, currency),
        Err(_) => format!("{code} {minor} (minor units)"),
    }
}

/// Stored minor units as a person types them into a form (`1234.50`); `parse_amount` reads
/// the text back to the same amount.
pub fn input_text(minor: i64, code: &str) -> String {
    match Currency::parse(code) {
        Ok(currency) => from_minor(minor, currency).to_string(),
        Err(_) => minor.to_string(),
    }
}

fn group_thousands(mut value: u64) -> String {
    let mut groups = Vec::new();
    loop {
        groups.push(value % 1000);
        value /= 1000;
        if value == 0 {
            break;
        }
    }
    let mut text = groups.pop().map(|g| g.to_string()).unwrap_or_default();
    while let Some(group) = groups.pop() {
        text.push_str(&format!(",{group:03}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `money_input` fuzz target: this amount parsed, then overflowed the
    /// conversion to minor units with a panic.
    #[test]
    fn an_amount_too_large_for_minor_units_is_refused() {
        for currency in Currency::all() {
            let typed = "-3808888308888888888880808888885.";
            if let Ok(amount) = parse_amount(typed, *currency) {
                assert!(to_minor(amount, *currency).is_err(), "{}", currency.code());
            }
            assert!(to_minor(Decimal::MAX, *currency).is_err());
        }
    }
    use proptest::prelude::*;
    use std::str::FromStr;

    fn usd() -> Currency {
        Currency::parse("usd").unwrap()
    }

    #[test]
    fn rounds_half_away_from_zero() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(round(d("0.125"), usd()).0, d("0.13"));
        assert_eq!(round(d("-0.125"), usd()).0, d("-0.13"));
        assert_eq!(round(d("0.124"), usd()).0, d("0.12"));
        assert_eq!(round(d("2.5"), Currency::parse("JPY").unwrap()).0, d("3"));
    }

    #[test]
    fn minor_units_follow_the_currency_exponent() {
        let d = |s: &str| Decimal::from_str(s).unwrap();
        assert_eq!(to_minor(d("12.34"), usd()).unwrap(), 1234);
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.exponent(), 0);
        assert_eq!(to_minor(d("1234.5"), jpy).unwrap(), 1235);
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(kwd.exponent(), 3);
        assert_eq!(to_minor(d("1.2345"), kwd).unwrap(), 1235);
        assert_eq!(from_minor(1235, kwd), d("1.235"));
    }

    #[test]
    fn formats_money() {
        assert_eq!(format_minor(123456, usd()), "$1,234.56");
        assert_eq!(format_minor(-5, usd()), "-$0.05");
        assert_eq!(format_minor(0, usd()), "$0.00");
        assert_eq!(
            format_minor(1235, Currency::parse("JPY").unwrap()),
            "¥1,235"
        );
        assert_eq!(
            format_minor(12345, Currency::parse("KWD").unwrap()),
            "KWD 12.345"
        );
        assert_eq!(
            format_minor(100_000_000, Currency::parse("CAD").unwrap()),
            "CAD 1,000,000.00"
        );
        assert_eq!(format_stored(150, "XXX"), "XXX 150 (minor units)");
    }

    #[test]
    fn parses_amounts_and_rejects_extra_precision() {
        assert_eq!(
            parse_amount("1,234.50", usd()).unwrap(),
            Decimal::from_str("1234.50").unwrap()
        );
        assert!(parse_amount("1.234", usd()).is_err());
        assert_eq!(
            parse_amount("1234.5", usd()).unwrap(),
            Decimal::new(12345, 1)
        );
        for bad in [
            "1e3", "+5", "1 000", "1.2.3", ".", "-", "0x10", "NaN", "１２",
        ] {
            assert!(parse_amount(bad, usd()).is_err(), "{bad}");
        }
        assert!(parse_positive_amount("-5", usd()).is_err());
        assert!(parse_positive_amount("0.00", usd()).is_err());
        assert_eq!(
            parse_positive_amount("1,234.50", usd()).unwrap(),
            Decimal::new(123450, 2)
        );
        assert!(parse_amount("abc", usd()).is_err());
        assert!(parse_amount("10.5", Currency::parse("JPY").unwrap()).is_err());
    }

    #[test]
    fn unknown_currency_is_rejected() {
        assert!(Currency::parse("ABC").is_err());
    }

    proptest! {
        #[test]
        fn minor_round_trip(minor in -1_000_000_000_000_i64..1_000_000_000_000, idx in 0usize..CURRENCIES.len()) {
            let currency = CURRENCIES[idx];
            prop_assert_eq!(to_minor(from_minor(minor, currency), currency).unwrap(), minor);
        }

        #[test]
        fn input_text_reads_back(minor in -1_000_000_000_000_i64..1_000_000_000_000, idx in 0usize..CURRENCIES.len()) {
            let currency = CURRENCIES[idx];
            let text = input_text(minor, currency.code);
            let amount = parse_amount(&text, currency).unwrap();
            prop_assert_eq!(to_minor(amount, currency).unwrap(), minor);
        }

        #[test]
        fn rounding_is_idempotent_and_close(units in -1_000_000_000_i64..1_000_000_000, scale in 0u32..8, idx in 0usize..CURRENCIES.len()) {
            let currency = CURRENCIES[idx];
            let amount = Decimal::new(units, scale);
            let (once, _) = round(amount, currency);
            prop_assert_eq!(round(once, currency).0, once);
            let half_unit = Decimal::new(5, currency.exponent() + 1);
            prop_assert!((once - amount).abs() <= half_unit);
        }

        #[test]
        fn formatting_keeps_every_digit(minor in -1_000_000_000_000_i64..1_000_000_000_000, idx in 0usize..CURRENCIES.len()) {
            let currency = CURRENCIES[idx];
            let text = format_minor(minor, currency);
            let digits: String = text.chars().filter(|c| c.is_ascii_digit()).collect();
            let expected = minor.unsigned_abs().to_string();
            prop_assert_eq!(digits.trim_start_matches('0'), expected.trim_start_matches('0'));
            prop_assert_eq!(text.starts_with('-'), minor < 0);
        }
    }
}
