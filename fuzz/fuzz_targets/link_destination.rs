//! A link destination typed by a partner: whatever passes is an http(s) URL on the allow-list,
//! without credentials, and passes again unchanged.
#![no_main]

use domain::link::{allows, parse_destination};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str)| {
    let (text, domains) = input;
    let allowed: Vec<String> = domains.split(',').map(str::to_owned).collect();
    if let Ok(stored) = parse_destination(text, &allowed) {
        let url = url::Url::parse(&stored).expect("a stored destination parses");
        assert!(matches!(url.scheme(), "http" | "https"), "{stored}");
        assert!(url.username().is_empty() && url.password().is_none(), "{stored}");
        assert!(allows(&allowed, url.host_str().unwrap_or_default()), "{stored}");
        assert_eq!(parse_destination(&stored, &allowed).as_deref(), Ok(stored.as_str()));
    }
});
