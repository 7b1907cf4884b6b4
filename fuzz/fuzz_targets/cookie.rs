//! The `Cookie` header: the session cookie's value is a non-empty piece of the header, found
//! only under its exact name.
#![no_main]

use domain::request::cookie_value;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|header: &str| {
    for name in ["portal_session", "__Host-portal_session"] {
        if let Some(value) = cookie_value(header, name) {
            assert!(!value.is_empty());
            assert!(header.contains(&format!("{name}={value}")));
        }
    }
});
