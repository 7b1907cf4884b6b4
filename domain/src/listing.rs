//! Keyset pages of the partners table: where the previous page ended, as the `after` text the
//! page links carry. Decoding reads what anyone can put in a URL, so it is fuzzed (`fuzz/`).

/// Where the previous page ended: the sort value and the id of its last row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cursor {
    Joined(i64, i64),
    Name(String, i64),
}

impl Cursor {
    pub fn encode(&self) -> String {
        match self {
            Cursor::Joined(at, id) => format!("j{at}.{id}"),
            Cursor::Name(name, id) => format!("n{id}.{name}"),
        }
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (kind, rest) = text.split_at_checked(1)?;
        match kind {
            "j" => {
                let (at, id) = rest.split_once('.')?;
                Some(Cursor::Joined(at.parse().ok()?, id.parse().ok()?))
            }
            "n" => {
                let (id, name) = rest.split_once('.')?;
                Some(Cursor::Name(name.to_owned(), id.parse().ok()?))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn cursors_round_trip() {
        for c in [
            Cursor::Joined(1_700_000_000_000, 42),
            Cursor::Name("Acme. Co.".into(), 7),
        ] {
            assert_eq!(Cursor::decode(&c.encode()), Some(c));
        }
        assert_eq!(Cursor::decode("x1.2"), None);
        assert_eq!(Cursor::decode("jabc.1"), None);
        assert_eq!(Cursor::decode(""), None);
    }

    proptest! {
        #[test]
        fn every_cursor_round_trips(at in any::<i64>(), id in any::<i64>(), name in "\\PC{0,40}") {
            for c in [Cursor::Joined(at, id), Cursor::Name(name.clone(), id)] {
                prop_assert_eq!(Cursor::decode(&c.encode()), Some(c));
            }
        }
    }
}
