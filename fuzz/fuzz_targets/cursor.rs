//! The partners table's `after` cursor, straight from a URL: a cursor that decodes encodes to
//! text that decodes to it again.
#![no_main]

use domain::listing::Cursor;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Some(cursor) = Cursor::decode(text) {
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
    }
});
