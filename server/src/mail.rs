//! Sending the outbox over SMTP with lettre (async on tokio, rustls for `smtps://` and
//! STARTTLS). Configured by `PORTAL_SMTP_URL` and `PORTAL_MAIL_FROM`; without a URL nothing is
//! sent and the messages stay queued, readable on the outbox page.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use store::emails::Outgoing;

/// How long one message may take to hand over before the attempt counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// The SMTP server the outbox goes to.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why an attempt failed, in words a person reads on the outbox page, and whether trying again
/// can help (an address the server refuses for good cannot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub reason: String,
    pub permanent: bool,
}

impl Mailer {
    /// `url`: `smtp://host:port` (plain), `smtp://user:pass@host:587?tls=required` (STARTTLS),
    /// `smtps://user:pass@host:465` (TLS). The error never repeats the URL (it may hold a
    /// password).
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("PORTAL_SMTP_URL is not a usable SMTP URL: {}", safe(&e)))?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = from
            .parse::<Mailbox>()
            .map_err(|e| format!("PORTAL_MAIL_FROM {from:?} is not an address: {e}"))?;
        Ok(Self { transport, from })
    }

    /// Hands one message to the SMTP server.
    pub async fn send(&self, message: &Outgoing) -> Result<(), SendError> {
        let to = message.to.parse::<Mailbox>().map_err(|e| SendError {
            reason: format!("{:?} is not a valid address: {e}", message.to),
            permanent: true,
        })?;
        let body = match &message.html {
            Some(html) => MultiPart::alternative()
                .singlepart(SinglePart::plain(message.text.clone()))
                .singlepart(SinglePart::html(html.clone())),
            None => MultiPart::mixed().singlepart(SinglePart::plain(message.text.clone())),
        };
        let email = lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .header(PortalMessageId(message.id))
            .multipart(body)
            .map_err(|e| SendError {
                reason: format!("the message could not be built: {e}"),
                permanent: true,
            })?;
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(email)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(SendError {
                reason: safe(&e),
                permanent: e.is_permanent(),
            }),
            Err(_) => Err(SendError {
                reason: format!(
                    "the SMTP server did not answer within {} s",
                    SEND_TIMEOUT.as_secs()
                ),
                permanent: false,
            }),
        }
    }
}

/// An error's text without a URL's password: lettre's errors name the server, never the URL's
/// credentials, but its URL parse error could quote the URL.
fn safe(e: &dyn std::fmt::Display) -> String {
    let text = e.to_string();
    match (text.find("://"), text.find('@')) {
        (Some(scheme), Some(at)) if scheme < at => {
            format!("{}://…{}", &text[..scheme], &text[at..])
        }
        _ => text,
    }
}

/// `X-Portal-Message-Id`: the outbox id, so a receiving test (or a person reading headers)
/// can tell which message of the outbox this is.
#[derive(Clone)]
struct PortalMessageId(i64);

impl lettre::message::header::Header for PortalMessageId {
    fn name() -> lettre::message::header::HeaderName {
        lettre::message::header::HeaderName::new_from_ascii_str("X-Portal-Message-Id")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Self(s.trim().parse()?))
    }

    fn display(&self) -> lettre::message::header::HeaderValue {
        lettre::message::header::HeaderValue::new(Self::name(), self.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The transport's connection pool starts a task: it is made inside a runtime.
    #[tokio::test]
    async fn a_bad_url_is_refused_without_repeating_its_password() {
        let Err(e) = Mailer::new("smtp://user:hunter2@[bad", "Portal <portal@example.com>") else {
            panic!("a broken URL was accepted");
        };
        assert!(!e.contains("hunter2"), "{e}");
        assert!(
            Mailer::new("smtp://127.0.0.1:2525", "not an address").is_err(),
            "a bad sender address was accepted"
        );
        assert!(Mailer::new("smtp://127.0.0.1:2525", "Portal <portal@example.com>").is_ok());
    }

    #[test]
    fn errors_lose_the_credentials_of_a_quoted_url() {
        assert_eq!(
            safe(&"cannot parse smtps://ann:secret@mail.example:465"),
            "cannot parse smtps://…@mail.example:465"
        );
        assert_eq!(safe(&"connection refused"), "connection refused");
    }
}
