//! A segment from the rule builder's form (field and value per row) or its JSON: never a
//! panic, and every condition a row makes reads back from the row it writes.
#![no_main]

use domain::segment::{Condition, Rule};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str, &str)| {
    let (field, value, json) = input;
    if let Some(condition) = Condition::from_field(field, value) {
        let (field, value) = condition.to_field();
        assert_eq!(Condition::from_field(field, &value), Some(condition));
    }
    if let Ok(rule) = serde_json::from_str::<Rule>(json) {
        let _ = rule.validate();
    }
});
