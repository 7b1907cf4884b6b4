//! Webhooks: the events a vendor's own systems can receive, signed per the Standard Webhooks
//! specification (`webhook-id`, `webhook-timestamp`, `webhook-signature`), with their retry
//! schedule and the rules for an endpoint's address and for giving up on it.
//!
//! The public event names are a contract with the vendor's code: they are listed here, apart
//! from the event log's own kinds, so a renamed log kind never renames a webhook.

use std::net::{IpAddr, Ipv4Addr};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::job::AfterFailure;

/// An event a webhook endpoint can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventType {
    PartnerJoined,
    PartnerStatusChanged,
    PartnerTierChanged,
    CustomerReferred,
    TransactionCreated,
    TransactionRefunded,
    LeadRegistered,
    LeadStatusChanged,
    LeadPassed,
    DealRegistered,
    DealStageChanged,
    RewardCreated,
    RewardApproved,
    RewardDeclined,
    PayoutRequested,
    PayoutPaid,
    PayoutFailed,
    /// Sent by "Send test event" only; no endpoint subscribes to it.
    Test,
}

crate::stored_names!(EventType, "webhook event", {
    PartnerJoined => "partner.joined",
    PartnerStatusChanged => "partner.status_changed",
    PartnerTierChanged => "partner.tier_changed",
    CustomerReferred => "customer.referred",
    TransactionCreated => "transaction.created",
    TransactionRefunded => "transaction.refunded",
    LeadRegistered => "lead.registered",
    LeadStatusChanged => "lead.status_changed",
    LeadPassed => "lead.passed",
    DealRegistered => "deal.registered",
    DealStageChanged => "deal.stage_changed",
    RewardCreated => "reward.created",
    RewardApproved => "reward.approved",
    RewardDeclined => "reward.declined",
    PayoutRequested => "payout.requested",
    PayoutPaid => "payout.paid",
    PayoutFailed => "payout.failed",
    Test => "webhook.test",
});

impl EventType {
    /// The webhook event of a logged event of `kind`, if the kind is one vendors receive.
    pub fn of_kind(kind: &str) -> Option<EventType> {
        Some(match kind {
            "partner_joined" => EventType::PartnerJoined,
            "partnership.status_changed" => EventType::PartnerStatusChanged,
            "partnership.tier_changed" => EventType::PartnerTierChanged,
            "customer.attributed" => EventType::CustomerReferred,
            "transaction.created" => EventType::TransactionCreated,
            "transaction.refunded" => EventType::TransactionRefunded,
            "lead.registered" => EventType::LeadRegistered,
            "lead.status_changed" => EventType::LeadStatusChanged,
            "lead.passed" => EventType::LeadPassed,
            "deal.registered" => EventType::DealRegistered,
            "deal.stage_changed" => EventType::DealStageChanged,
            "reward.created" => EventType::RewardCreated,
            "reward.approved" => EventType::RewardApproved,
            "reward.declined" => EventType::RewardDeclined,
            "payout.requested" => EventType::PayoutRequested,
            "payout.paid" => EventType::PayoutPaid,
            "payout.failed" => EventType::PayoutFailed,
            _ => return None,
        })
    }

    /// The events an endpoint may subscribe to (all but the test event).
    pub fn subscribable() -> impl Iterator<Item = EventType> {
        Self::ALL.iter().copied().filter(|t| *t != EventType::Test)
    }

    /// In words, for the subscription form.
    pub fn label(self) -> &'static str {
        match self {
            EventType::PartnerJoined => "A partner joined or applied",
            EventType::PartnerStatusChanged => "A partnership's status changed",
            EventType::PartnerTierChanged => "A partner's tier changed",
            EventType::CustomerReferred => "A partner referred a customer",
            EventType::TransactionCreated => "A transaction was recorded",
            EventType::TransactionRefunded => "A transaction was refunded",
            EventType::LeadRegistered => "A lead was registered",
            EventType::LeadStatusChanged => "A lead's status changed",
            EventType::LeadPassed => "A lead was passed to a partner",
            EventType::DealRegistered => "A deal was registered",
            EventType::DealStageChanged => "A deal changed stage",
            EventType::RewardCreated => "A reward was created",
            EventType::RewardApproved => "A reward was approved",
            EventType::RewardDeclined => "A reward was declined",
            EventType::PayoutRequested => "A payout was requested",
            EventType::PayoutPaid => "A payout was paid",
            EventType::PayoutFailed => "A payout failed",
            EventType::Test => "Test event",
        }
    }
}

/// Where one message to one endpoint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DeliveryStatus {
    /// Not delivered yet: waiting for its first attempt or for a retry.
    Pending,
    Delivered,
    /// Every attempt failed, the endpoint answered 410, or it was turned off.
    Failed,
}

crate::stored_names!(DeliveryStatus, "delivery status", {
    Pending => "pending",
    Delivered => "delivered",
    Failed => "failed",
});

/// What an endpoint receives: every event, or the ones listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Subscription {
    All,
    Only(std::collections::BTreeSet<EventType>),
}

impl Subscription {
    pub fn wants(&self, event: EventType) -> bool {
        match self {
            Subscription::All => event != EventType::Test,
            Subscription::Only(types) => types.contains(&event),
        }
    }

    /// The stored form: empty for every event, else the names joined by commas.
    pub fn stored(&self) -> String {
        match self {
            Subscription::All => String::new(),
            Subscription::Only(types) => types
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(","),
        }
    }

    /// The subscription of a stored form; unknown names (a type no longer sent) are skipped.
    pub fn from_stored(text: &str) -> Subscription {
        if text.trim().is_empty() {
            return Subscription::All;
        }
        Subscription::Only(
            text.split(',')
                .filter_map(|name| EventType::parse(name.trim()).ok())
                .collect(),
        )
    }
}

/// The waits after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 24 h. The eighth
/// attempt is the last.
pub const RETRY_SCHEDULE_MS: [i64; 7] = [
    5_000,
    5 * 60_000,
    30 * 60_000,
    2 * 3_600_000,
    5 * 3_600_000,
    10 * 3_600_000,
    24 * 3_600_000,
];

/// How many attempts a delivery gets.
pub const MAX_ATTEMPTS: i64 = RETRY_SCHEDULE_MS.len() as i64 + 1;

/// The delivery's next step after its `attempt`-th attempt (1-based) failed at `now`.
pub fn after_failure(attempt: i64, now: i64) -> AfterFailure {
    usize::try_from(attempt - 1)
        .ok()
        .and_then(|i| RETRY_SCHEDULE_MS.get(i))
        .map_or(AfterFailure::Dead, |wait| AfterFailure::RetryAt(now + wait))
}

/// How long an endpoint may fail (every delivery since its last success failing) before it is
/// disabled and the company's owners are told.
pub const DISABLE_AFTER_FAILING_MS: i64 = 5 * 86_400_000;

/// How long a rotated-out secret still signs deliveries, beside the new one, so the receiver
/// can switch secrets without dropping a message.
pub const ROTATION_OVERLAP_MS: i64 = 24 * 3_600_000;

/// How long one delivery attempt may take before it counts as failed.
pub const TIMEOUT_SECS: u64 = 10;

/// What an attempt's answer means for its delivery and its endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A 2xx: delivered.
    Delivered,
    /// 410 Gone: the receiver asks for no more deliveries; the endpoint is disabled.
    Gone,
    /// Anything else (another status, a timeout, a refused connection): try again later.
    Failed,
}

/// The meaning of an HTTP status answered to a delivery (`None`: no answer at all).
pub fn answer(status: Option<u16>) -> Answer {
    match status {
        Some(s) if (200..300).contains(&s) => Answer::Delivered,
        Some(410) => Answer::Gone,
        _ => Answer::Failed,
    }
}

/// Whether an endpoint that has failed since `failing_since` is disabled at `now`.
pub fn gives_up(failing_since: Option<i64>, now: i64) -> bool {
    failing_since.is_some_and(|since| now - since >= DISABLE_AFTER_FAILING_MS)
}

/// The prefix of every signing secret (the Standard Webhooks form).
pub const SECRET_PREFIX: &str = "whsec_";

/// A signing secret of 32 random bytes (the caller draws them).
pub fn secret_of(bytes: &[u8; 32]) -> String {
    format!("{SECRET_PREFIX}{}", BASE64.encode(bytes))
}

/// The `v1,<signature>` of one message with one secret: base64 of HMAC-SHA256, keyed with the
/// secret's decoded bytes, over `id.timestamp.body`. `None` for a secret that is not
/// `whsec_` + base64.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = BASE64.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{msg_id}.{timestamp}.").as_bytes());
    mac.update(body.as_bytes());
    Some(format!("v1,{}", BASE64.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header: a signature per secret in force, separated by spaces (two
/// while a rotated-out secret is still in its overlap).
pub fn signature_header(secrets: &[&str], msg_id: &str, timestamp: i64, body: &str) -> String {
    secrets
        .iter()
        .filter_map(|s| sign(s, msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The `webhook-id` of a delivery: the event's for an event (the same on every endpoint and
/// every replay, so a receiver can drop duplicates), the delivery's own for a test.
pub fn message_id(event_id: Option<i64>, delivery_id: i64) -> String {
    match event_id {
        Some(id) => format!("msg_evt_{id}"),
        None => format!("msg_test_{delivery_id}"),
    }
}

/// The longest endpoint address accepted.
pub const MAX_URL_LEN: usize = 2_000;

/// Checks an endpoint's address: absolute `https` or `http`, no credentials in it, and (unless
/// `allow_private`) not a name or address of this machine or a private network. A name that
/// resolves to such an address is refused again when a delivery connects.
pub fn check_url(text: &str, allow_private: bool) -> Result<url::Url, &'static str> {
    let text = text.trim();
    if text.is_empty() {
        return Err("Enter the endpoint's URL");
    }
    if text.len() > MAX_URL_LEN {
        return Err("The URL is too long");
    }
    let url =
        url::Url::parse(text).map_err(|_| "Enter a full URL, like https://example.com/webhooks")?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err("The URL must start with https:// or http://");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("Put no user name or password in the URL");
    }
    let Some(host) = url.host() else {
        return Err("Enter a full URL, like https://example.com/webhooks");
    };
    if !allow_private {
        let private = match host {
            url::Host::Ipv4(ip) => is_private(IpAddr::V4(ip)),
            url::Host::Ipv6(ip) => is_private(IpAddr::V6(ip)),
            url::Host::Domain(name) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost") || name.ends_with(".local")
            }
        };
        if private {
            return Err(
                "Webhooks go to public addresses only, not to this machine or a private network",
            );
        }
    }
    Ok(url)
}

/// Whether a delivery must not connect to `ip`: this machine, a private or shared network,
/// link-local (cloud metadata services live there), multicast, or unroutable.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_private_v4(v4);
            }
            let first = v6.segments()[0];
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                // Unique local fc00::/7 and link-local fe80::/10.
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                // IPv4-compatible and NAT64 forms carry an IPv4 address inside.
                || v6.segments()[..6] == [0; 6]
                || (v6.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0])
        }
    }
}

fn is_private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // Reserved for future use and benchmarking.
        || a >= 240
        || (a == 198 && (b == 18 || b == 19))
}

/// An endpoint as a person typed it.
pub struct EndpointForm<'a> {
    pub url: &'a str,
    pub description: &'a str,
    /// The event names ticked; empty for every event.
    pub events: &'a [String],
}

/// A checked endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointDraft {
    pub url: String,
    pub description: String,
    pub subscription: Subscription,
}

/// The longest description accepted.
pub const MAX_DESCRIPTION: usize = 200;

/// Checks an endpoint form; each problem names its field.
pub fn validate(
    form: &EndpointForm<'_>,
    allow_private: bool,
) -> Result<EndpointDraft, Vec<(&'static str, String)>> {
    let mut problems = Vec::new();
    let url = check_url(form.url, allow_private).map_err(|e| problems.push(("url", e.to_owned())));
    let description = form.description.trim();
    if description.chars().count() > MAX_DESCRIPTION {
        problems.push((
            "description",
            format!("Keep the description to {MAX_DESCRIPTION} characters"),
        ));
    }
    let mut types = std::collections::BTreeSet::new();
    for name in form.events {
        match EventType::parse(name) {
            Ok(t) if t != EventType::Test => {
                types.insert(t);
            }
            _ => problems.push(("events", format!("Unknown event: {name}"))),
        }
    }
    match url {
        Ok(url) if problems.is_empty() => Ok(EndpointDraft {
            url: url.to_string(),
            description: description.to_owned(),
            subscription: if types.is_empty() {
                Subscription::All
            } else {
                Subscription::Only(types)
            },
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn signs_like_the_standard_webhooks_reference() {
        // The example of the Standard Webhooks specification's reference libraries.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let got = sign(
            secret,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1_614_265_330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(
            got.as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
    }

    #[test]
    fn a_rotation_sends_both_signatures() {
        let new = secret_of(&[1; 32]);
        let old = secret_of(&[2; 32]);
        let header = signature_header(&[&new, &old], "msg_1", 10, "{}");
        let parts: Vec<_> = header.split(' ').collect();
        assert_eq!(parts.len(), 2);
        assert_eq!(Some(parts[0]), sign(&new, "msg_1", 10, "{}").as_deref());
        assert_eq!(Some(parts[1]), sign(&old, "msg_1", 10, "{}").as_deref());
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn a_malformed_secret_signs_nothing() {
        assert_eq!(sign("not-a-secret", "m", 1, "{}"), None);
        assert_eq!(sign("whsec_***", "m", 1, "{}"), None);
    }

    #[test]
    fn retries_follow_the_schedule_then_stop() {
        let waits: Vec<_> = (1..MAX_ATTEMPTS)
            .map(|a| match after_failure(a, 0) {
                AfterFailure::RetryAt(at) => at,
                AfterFailure::Dead => panic!("attempt {a} is not the last"),
            })
            .collect();
        assert_eq!(waits, RETRY_SCHEDULE_MS.to_vec());
        assert_eq!(after_failure(MAX_ATTEMPTS, 0), AfterFailure::Dead);
        assert_eq!(MAX_ATTEMPTS, 8);
    }

    #[test]
    fn answers() {
        assert_eq!(answer(Some(200)), Answer::Delivered);
        assert_eq!(answer(Some(204)), Answer::Delivered);
        assert_eq!(answer(Some(410)), Answer::Gone);
        assert_eq!(answer(Some(301)), Answer::Failed);
        assert_eq!(answer(Some(500)), Answer::Failed);
        assert_eq!(answer(None), Answer::Failed);
    }

    #[test]
    fn an_endpoint_is_given_up_after_five_days_of_failing() {
        assert!(!gives_up(None, 10 * DISABLE_AFTER_FAILING_MS));
        assert!(!gives_up(Some(0), DISABLE_AFTER_FAILING_MS - 1));
        assert!(gives_up(Some(0), DISABLE_AFTER_FAILING_MS));
    }

    #[test]
    fn private_and_local_addresses_are_refused() {
        for url in [
            "http://127.0.0.1/hook",
            "http://localhost:8080/hook",
            "https://api.localhost/hook",
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://printer.local/",
        ] {
            assert!(check_url(url, false).is_err(), "{url}");
            assert!(check_url(url, true).is_ok(), "{url} with private allowed");
        }
        for url in [
            "https://hooks.example.com/portal",
            "http://93.184.215.14/x",
            "https://[2606:4700::1111]/",
        ] {
            assert!(check_url(url, false).is_ok(), "{url}");
        }
    }

    #[test]
    fn only_web_urls_without_credentials() {
        assert!(check_url("ftp://example.com/", true).is_err());
        assert!(check_url("https://user:pw@example.com/", true).is_err());
        assert!(check_url("example.com/hook", true).is_err());
        assert!(check_url("", true).is_err());
    }

    #[test]
    fn a_form_names_each_problem() {
        let events = vec!["reward.created".to_owned(), "nope".to_owned()];
        let problems = validate(
            &EndpointForm {
                url: "http://127.0.0.1/",
                description: &"x".repeat(201),
                events: &events,
            },
            false,
        )
        .unwrap_err();
        let fields: Vec<_> = problems.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["url", "description", "events"]);
        let ok = validate(
            &EndpointForm {
                url: " https://example.com/h ",
                description: " CRM ",
                events: &events[..1],
            },
            false,
        )
        .unwrap();
        assert_eq!(ok.url, "https://example.com/h");
        assert_eq!(ok.description, "CRM");
        assert!(ok.subscription.wants(EventType::RewardCreated));
        assert!(!ok.subscription.wants(EventType::PayoutPaid));
    }

    proptest! {
        #[test]
        fn subscriptions_round_trip_their_stored_form(
            picks in proptest::collection::btree_set(0..EventType::ALL.len() - 1, 0..6)
        ) {
            let types: std::collections::BTreeSet<_> =
                picks.into_iter().map(|i| EventType::ALL[i]).collect();
            let sub = if types.is_empty() { Subscription::All } else { Subscription::Only(types) };
            prop_assert_eq!(Subscription::from_stored(&sub.stored()), sub);
        }

        #[test]
        fn every_subscribable_event_has_a_log_kind_and_back(i in 0..EventType::ALL.len() - 1) {
            let t = EventType::ALL[i];
            prop_assert!(Subscription::All.wants(t));
            prop_assert_eq!(EventType::parse(t.as_str()), Ok(t));
        }

        #[test]
        fn a_signature_depends_on_every_part(
            key: [u8; 32], id in "[a-z_0-9]{1,20}", ts in 0_i64..4_000_000_000, body in ".{0,60}"
        ) {
            let secret = secret_of(&key);
            let sig = sign(&secret, &id, ts, &body).unwrap();
            prop_assert!(sig.starts_with("v1,"));
            prop_assert_ne!(Some(sig.clone()), sign(&secret, &id, ts + 1, &body));
            prop_assert_ne!(Some(sig.clone()), sign(&secret, &format!("{id}x"), ts, &body));
            prop_assert_ne!(Some(sig), sign(&secret, &id, ts, &format!("{body} ")));
        }

        #[test]
        fn ipv4_mapped_addresses_follow_their_ipv4_rule(a: u8, b: u8, c: u8, d: u8) {
            let v4 = Ipv4Addr::new(a, b, c, d);
            prop_assert_eq!(is_private(IpAddr::V6(v4.to_ipv6_mapped())), is_private(IpAddr::V4(v4)));
        }
    }
}
