//! `Origin`, `Referer` and `Host` as a request may send them: never a panic, and a claimed
//! origin is accepted only when it is exactly the portal's.
#![no_main]

use domain::request::{origin_of, same_origin};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|parts: (&str, &str, &str)| {
    let (origin, referer, host) = parts;
    let _ = origin_of(referer);
    let accepted = same_origin(Some(origin), Some(referer), None, host);
    let expected = !host.is_empty()
        && !origin.is_empty()
        && (origin == format!("http://{host}") || origin == format!("https://{host}"));
    assert_eq!(accepted, expected);
    let by_referer = same_origin(None, Some(referer), Some(origin), host);
    if by_referer {
        assert_eq!(origin_of(referer), origin);
    }
});
