//! Sending webhook deliveries: a signed POST (Standard Webhooks headers) with a 10 s timeout,
//! no redirects followed, no proxy, and (unless `PORTAL_WEBHOOK_ALLOW_PRIVATE=1`) no
//! connection to this machine or a private network: names are resolved here and every address
//! they resolve to is checked before connecting, so a name that points inside cannot be used
//! to reach the portal's own network.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use domain::webhook;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use store::db::now_ms;
use store::webhooks::{Attempted, Outgoing};

/// Resolves names for deliveries, refusing private addresses unless they are allowed.
struct PublicOnly {
    allow_private: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((name.as_str(), 0)).await?.collect();
            if !allow_private && addrs.iter().any(|a| webhook::is_private(a.ip())) {
                return Err(Box::new(Refused) as Box<dyn std::error::Error + Send + Sync>);
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[derive(Debug)]
struct Refused;

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the name resolves to a private address")
    }
}

impl std::error::Error for Refused {}

/// The HTTP client of every delivery.
#[derive(Clone)]
pub struct Sender {
    client: reqwest::Client,
    allow_private: bool,
}

/// How much of an answer's body is read (the log keeps the first part).
const READ_AT_MOST: usize = 8 * 1024;

impl Sender {
    pub fn new(allow_private: bool) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(webhook::TIMEOUT_SECS))
            .connect_timeout(Duration::from_secs(webhook::TIMEOUT_SECS))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!(
                "partner-portal-webhooks/",
                env!("CARGO_PKG_VERSION")
            ))
            .dns_resolver(std::sync::Arc::new(PublicOnly { allow_private }))
            .build()
            .map_err(|e| format!("the webhook client: {e}"))?;
        Ok(Self {
            client,
            allow_private,
        })
    }

    /// Signs and sends one delivery; whatever happens is an [`Attempted`] for the log.
    pub async fn send(&self, out: &Outgoing) -> Attempted {
        let at = now_ms();
        let timestamp = at / 1000;
        let secrets: Vec<&str> = out.secrets.iter().map(String::as_str).collect();
        let signature = webhook::signature_header(&secrets, &out.msg_id, timestamp, &out.body);
        let started = Instant::now();
        let (status, response) = match webhook::check_url(&out.url, self.allow_private) {
            // An address saved while private ones were allowed, or a literal address (which
            // no resolver sees).
            Err(reason) => (None, reason.to_owned()),
            Ok(url) => self.post(url, out, timestamp, &signature).await,
        };
        Attempted {
            at,
            duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
            status,
            response,
            signature,
        }
    }

    async fn post(
        &self,
        url: url::Url,
        out: &Outgoing,
        timestamp: i64,
        signature: &str,
    ) -> (Option<u16>, String) {
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &out.msg_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(out.body.clone())
            .send()
            .await;
        match sent {
            Ok(mut answer) => {
                let status = answer.status().as_u16();
                let mut body = Vec::new();
                // The body may be large or slow; the log needs its beginning only.
                while body.len() < READ_AT_MOST {
                    match answer.chunk().await {
                        Ok(Some(chunk)) => body.extend_from_slice(&chunk),
                        Ok(None) | Err(_) => break,
                    }
                }
                (Some(status), String::from_utf8_lossy(&body).into_owned())
            }
            Err(e) => (None, describe(&e)),
        }
    }
}

/// Why there was no answer, in words for the log (never the URL, which may carry a token).
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    if e.is_timeout() {
        return format!("No answer within {} s", webhook::TIMEOUT_SECS);
    }
    let mut cause: Option<&dyn std::error::Error> = e.source();
    while let Some(c) = cause {
        if c.is::<Refused>() {
            return "Refused: the endpoint's name resolves to a private address".to_owned();
        }
        cause = c.source();
    }
    if e.is_connect() {
        return "Could not connect to the endpoint".to_owned();
    }
    "The request failed before an answer came".to_owned()
}
