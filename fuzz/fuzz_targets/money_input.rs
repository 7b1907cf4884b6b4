//! An amount typed in a money form, in every currency: an accepted amount fits the currency's
//! decimals, converts to minor units and back, and its input text parses to it again.
#![no_main]

use domain::money::{Currency, from_minor, input_text, parse_amount, to_minor};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for currency in Currency::all() {
        let Ok(amount) = parse_amount(text, *currency) else {
            continue;
        };
        assert!(amount.scale() <= currency.exponent());
        if let Ok(minor) = to_minor(amount, *currency) {
            assert_eq!(from_minor(minor, *currency), amount);
            assert_eq!(parse_amount(&input_text(minor, currency.code()), *currency), Ok(amount));
        }
    }
});
