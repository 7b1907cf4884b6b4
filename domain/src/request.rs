//! Reading what a browser sends: the origin a request claims and the portal's cookie. Pure, so
//! the parsers are fuzzed (`fuzz/`) and tested without a server.

/// `scheme://host[:port]` of a URL (what `Referer` carries); empty when it has no scheme.
pub fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            format!("{scheme}://{host}")
        }
        None => String::new(),
    }
}

/// Whether a state-changing request comes from the portal's own pages: its `Origin` (or, when
/// it has none, its `Referer`'s origin) is the public origin, or, with none configured, the
/// request's own `Host` over http or https. A request with neither header is not.
pub fn same_origin(
    origin: Option<&str>,
    referer: Option<&str>,
    public_origin: Option<&str>,
    host: &str,
) -> bool {
    let claimed = match (origin, referer) {
        (Some(origin), _) => origin.to_owned(),
        (None, Some(referer)) => origin_of(referer),
        (None, None) => return false,
    };
    if claimed.is_empty() {
        return false;
    }
    match public_origin {
        Some(public) => claimed == public,
        None => {
            !host.is_empty()
                && (claimed == format!("http://{host}") || claimed == format!("https://{host}"))
        }
    }
}

/// The value of the cookie `name` in a `Cookie` header, if it is there and not empty.
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn origins_and_referers() {
        let host = "portal.example:3000";
        assert!(same_origin(
            Some("http://portal.example:3000"),
            None,
            None,
            host
        ));
        assert!(same_origin(
            None,
            Some("https://portal.example:3000/vendor?x=1"),
            None,
            host
        ));
        assert!(!same_origin(
            Some("http://evil.example"),
            Some("http://portal.example:3000/"),
            None,
            host
        ));
        assert!(!same_origin(None, None, None, host), "neither header");
        assert!(!same_origin(Some("null"), None, None, host));
        assert!(!same_origin(None, Some("not a url"), None, host));
        assert!(same_origin(
            Some("https://partners.example"),
            None,
            Some("https://partners.example"),
            host
        ));
        assert!(!same_origin(
            Some("http://portal.example:3000"),
            None,
            Some("https://partners.example"),
            host
        ));
        assert!(!same_origin(Some("http://"), None, None, ""));
    }

    #[test]
    fn cookies() {
        assert_eq!(
            cookie_value("a=1; portal_session=abc; b=2", "portal_session"),
            Some("abc")
        );
        assert_eq!(cookie_value("xportal_session=abc", "portal_session"), None);
        assert_eq!(cookie_value("portal_session=", "portal_session"), None);
        assert_eq!(
            cookie_value("__Host-portal_session=t", "portal_session"),
            None
        );
    }

    proptest! {
        #[test]
        fn a_claimed_origin_is_accepted_only_when_it_is_the_portals(origin in "\\PC{0,40}", host in "[a-z.:0-9]{1,20}") {
            let ok = same_origin(Some(&origin), None, None, &host);
            prop_assert_eq!(ok, origin == format!("http://{host}") || origin == format!("https://{host}"));
        }

        #[test]
        fn origin_of_never_panics_and_keeps_the_scheme(url in "\\PC{0,80}") {
            let origin = origin_of(&url);
            prop_assert!(origin.is_empty() || url.starts_with(origin.split("://").next().unwrap_or_default()));
        }
    }
}
