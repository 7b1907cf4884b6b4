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

/// Whether a `Host` header names this machine: `localhost` or a loopback address, with an
/// optional port. Only such a Host may stand in for a configured public origin in a link
/// that carries a secret.
pub fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        // `[::1]:3000`
        Some(rest) => match rest.split_once(']') {
            Some((name, after)) if after.is_empty() || valid_port(after) => name,
            _ => return false,
        },
        None => match host.rsplit_once(':') {
            Some((name, port)) if valid_port(&format!(":{port}")) => name,
            Some(_) => return false,
            None => host,
        },
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn valid_port(after: &str) -> bool {
    after
        .strip_prefix(':')
        .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()))
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
    #[test]
    fn only_this_machine_is_a_loopback_host() {
        for host in [
            "localhost",
            "LOCALHOST:3000",
            "127.0.0.1",
            "127.0.0.1:41234",
            "[::1]:3000",
            "[::1]",
        ] {
            assert!(super::is_loopback_host(host), "{host}");
        }
        for host in [
            "evil.example",
            "localhost.evil.example",
            "127.0.0.1.evil.example",
            "evil.example:127",
            "10.0.0.1:3000",
            "127.0.0.1:",
            "127.0.0.1:3000/x",
            "[::1]x",
            "",
        ] {
            assert!(!super::is_loopback_host(host), "{host}");
        }
    }

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
