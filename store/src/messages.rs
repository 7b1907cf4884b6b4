//! The texts of the portal's emails: one template per kind (`templates/email/<kind>.subject`,
//! `.txt` and `.html`, the HTML inside `layout.html`), rendered with minijinja. The HTML part
//! escapes every value (minijinja escapes templates whose names end in `.html`); the subject
//! and the text part are plain text.

use std::sync::OnceLock;

use domain::email::EmailKind;
use minijinja::Environment;
use serde::Serialize;

use crate::error::AppError;

/// A message to render, with what its template reads.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Message<'a> {
    Invite {
        inviter_name: &'a str,
        inviter_email: &'a str,
        workspace: &'a str,
        /// The role, in lower case ("partner manager").
        role: &'a str,
        link: &'a str,
    },
    ApplicationReceived {
        team: &'a str,
        program: &'a str,
    },
    ApplicationApproved {
        company: &'a str,
        program: &'a str,
    },
    ApplicationRejected {
        company: &'a str,
        program: &'a str,
        reason: &'a str,
    },
    PasswordReset {
        name: &'a str,
        link: &'a str,
    },
    ConfirmSignup {
        name: &'a str,
        program: &'a str,
        link: &'a str,
    },
    SignupExisting {
        program: &'a str,
        /// Sign-in, coming back to the program's page.
        sign_in: &'a str,
        forgot_password: &'a str,
    },
    /// A trigger's email, as its author wrote it (placeholders filled).
    Automation {
        program: &'a str,
        heading: &'a str,
        text: &'a str,
    },
    DealApproved {
        program: &'a str,
        deal: &'a str,
        /// The date its protection ends, or empty.
        protected_until: &'a str,
    },
    DealRejected {
        program: &'a str,
        deal: &'a str,
        reason: &'a str,
    },
    DealWon {
        program: &'a str,
        deal: &'a str,
        amount: &'a str,
    },
    LeadPassed {
        program: &'a str,
        company: &'a str,
    },
    RewardDeclined {
        program: &'a str,
        description: &'a str,
        amount: &'a str,
        reason: &'a str,
    },
    PayoutPaid {
        program: &'a str,
        amount: &'a str,
        reference: &'a str,
    },
    PayoutFailed {
        program: &'a str,
        amount: &'a str,
        reason: &'a str,
    },
    TierChanged {
        program: &'a str,
        /// "Promoted from Silver to Gold: …".
        summary: &'a str,
    },
    WebhookFailing {
        program: &'a str,
        url: &'a str,
        /// Since when it failed, as a date.
        since: &'a str,
        /// The last attempt's failure.
        reason: &'a str,
        /// The endpoint's page.
        link: &'a str,
    },
}

impl Message<'_> {
    pub fn kind(&self) -> EmailKind {
        match self {
            Message::Invite { .. } => EmailKind::Invite,
            Message::ApplicationReceived { .. } => EmailKind::ApplicationReceived,
            Message::ApplicationApproved { .. } => EmailKind::ApplicationApproved,
            Message::ApplicationRejected { .. } => EmailKind::ApplicationRejected,
            Message::PasswordReset { .. } => EmailKind::PasswordReset,
            Message::ConfirmSignup { .. } => EmailKind::ConfirmSignup,
            Message::SignupExisting { .. } => EmailKind::SignupExisting,
            Message::Automation { .. } => EmailKind::Automation,
            Message::DealApproved { .. } => EmailKind::DealApproved,
            Message::DealRejected { .. } => EmailKind::DealRejected,
            Message::DealWon { .. } => EmailKind::DealWon,
            Message::LeadPassed { .. } => EmailKind::LeadPassed,
            Message::RewardDeclined { .. } => EmailKind::RewardDeclined,
            Message::PayoutPaid { .. } => EmailKind::PayoutPaid,
            Message::PayoutFailed { .. } => EmailKind::PayoutFailed,
            Message::TierChanged { .. } => EmailKind::TierChanged,
            Message::WebhookFailing { .. } => EmailKind::WebhookFailing,
        }
    }

    /// The page of the portal where its recipient finds the matter (a notification links it).
    pub fn page(&self) -> Option<&'static str> {
        Some(match self {
            Message::ApplicationReceived { .. } => "/vendor/applications",
            Message::ApplicationApproved { .. }
            | Message::Automation { .. }
            | Message::TierChanged { .. } => "/partner",
            Message::DealApproved { .. }
            | Message::DealRejected { .. }
            | Message::DealWon { .. } => "/partner/deals",
            Message::LeadPassed { .. } => "/partner/leads",
            Message::RewardDeclined { .. }
            | Message::PayoutPaid { .. }
            | Message::PayoutFailed { .. } => "/partner/earnings",
            Message::WebhookFailing { .. } => "/vendor/webhooks",
            Message::Invite { .. }
            | Message::ApplicationRejected { .. }
            | Message::PasswordReset { .. }
            | Message::ConfirmSignup { .. }
            | Message::SignupExisting { .. } => return None,
        })
    }

    /// Whose name the message goes out under (the program's, or the workspace's).
    fn sender(&self) -> &str {
        match self {
            Message::Invite { workspace, .. } => workspace,
            Message::ApplicationReceived { program, .. }
            | Message::ApplicationApproved { program, .. }
            | Message::ApplicationRejected { program, .. }
            | Message::ConfirmSignup { program, .. }
            | Message::SignupExisting { program, .. }
            | Message::Automation { program, .. }
            | Message::DealApproved { program, .. }
            | Message::DealRejected { program, .. }
            | Message::DealWon { program, .. }
            | Message::LeadPassed { program, .. }
            | Message::RewardDeclined { program, .. }
            | Message::PayoutPaid { program, .. }
            | Message::PayoutFailed { program, .. }
            | Message::TierChanged { program, .. }
            | Message::WebhookFailing { program, .. } => program,
            Message::PasswordReset { .. } => "Partner portal",
        }
    }
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

macro_rules! templates {
    ($($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!("../templates/email/", $name)))),+]
    };
}

const TEMPLATES: &[(&str, &str)] = templates!(
    "layout.html",
    "invite.subject",
    "invite.txt",
    "invite.html",
    "application_received.subject",
    "application_received.txt",
    "application_received.html",
    "application_approved.subject",
    "application_approved.txt",
    "application_approved.html",
    "application_rejected.subject",
    "application_rejected.txt",
    "application_rejected.html",
    "password_reset.subject",
    "password_reset.txt",
    "password_reset.html",
    "confirm_signup.subject",
    "confirm_signup.txt",
    "confirm_signup.html",
    "signup_existing.subject",
    "signup_existing.txt",
    "signup_existing.html",
    "automation.subject",
    "automation.txt",
    "automation.html",
    "deal_approved.subject",
    "deal_approved.txt",
    "deal_approved.html",
    "deal_rejected.subject",
    "deal_rejected.txt",
    "deal_rejected.html",
    "deal_won.subject",
    "deal_won.txt",
    "deal_won.html",
    "lead_passed.subject",
    "lead_passed.txt",
    "lead_passed.html",
    "reward_declined.subject",
    "reward_declined.txt",
    "reward_declined.html",
    "payout_paid.subject",
    "payout_paid.txt",
    "payout_paid.html",
    "payout_failed.subject",
    "payout_failed.txt",
    "payout_failed.html",
    "tier_changed.subject",
    "tier_changed.txt",
    "tier_changed.html",
    "webhook_failing.subject",
    "webhook_failing.txt",
    "webhook_failing.html",
);

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        for (name, source) in TEMPLATES {
            // The templates are part of the binary and a test renders every one; one that
            // does not parse fails that test, and rendering it answers an error, not a panic.
            if let Err(e) = env.add_template(name, source) {
                tracing::error!(template = name, error = %e, "an email template does not parse");
            }
        }
        env
    })
}

/// Renders `message`: subject, text and HTML.
pub fn render(message: &Message<'_>) -> Result<Rendered, AppError> {
    let env = environment();
    let kind = message.kind().as_str();
    let part = |suffix: &str, subject: Option<&str>| -> Result<String, AppError> {
        let template = env
            .get_template(&format!("{kind}.{suffix}"))
            .map_err(AppError::internal)?;
        let values = minijinja::context! {
            subject => subject,
            sender => message.sender(),
            ..minijinja::Value::from_serialize(message)
        };
        template.render(values).map_err(AppError::internal)
    };
    let subject = part("subject", None)?.trim().to_owned();
    let text = part("txt", None)?;
    let html = part("html", Some(&subject))?;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_renders_its_three_parts() {
        let messages = [
            Message::Invite {
                inviter_name: "Ada",
                inviter_email: "ada@acme.example",
                workspace: "Acme",
                role: "admin",
                link: "https://portal.example/invite/abc",
            },
            Message::ApplicationReceived {
                team: "Northwind",
                program: "Acme Partners",
            },
            Message::ApplicationApproved {
                company: "Acme",
                program: "Acme Partners",
            },
            Message::ApplicationRejected {
                company: "Acme",
                program: "Acme Partners",
                reason: "Not a fit",
            },
            Message::PasswordReset {
                name: "Ada",
                link: "https://portal.example/reset-password/abc",
            },
            Message::ConfirmSignup {
                name: "Pat",
                program: "Acme Partners",
                link: "https://portal.example/verify-email/abc",
            },
            Message::Automation {
                program: "Acme Partners",
                heading: "You are a VIP now",
                text: "Thanks for the big sale.\n\nThe <Acme> team",
            },
            Message::DealApproved {
                program: "Acme Partners",
                deal: "Contoso rollout",
                protected_until: "2027-03-01",
            },
            Message::DealRejected {
                program: "Acme Partners",
                deal: "Contoso rollout",
                reason: "Already in our pipeline",
            },
            Message::DealWon {
                program: "Acme Partners",
                deal: "Contoso rollout",
                amount: "$12,000.00",
            },
            Message::LeadPassed {
                program: "Acme Partners",
                company: "Coho Winery",
            },
            Message::RewardDeclined {
                program: "Acme Partners",
                description: "Agencies 20%",
                amount: "$40.00",
                reason: "Duplicate",
            },
            Message::PayoutPaid {
                program: "Acme Partners",
                amount: "$400.00",
                reference: "ACH-1",
            },
            Message::PayoutFailed {
                program: "Acme Partners",
                amount: "$400.00",
                reason: "The IBAN was refused",
            },
            Message::TierChanged {
                program: "Acme Partners",
                summary: "Promoted from Silver to Gold: $50,000.00 closed in 90 days",
            },
            Message::WebhookFailing {
                program: "Acme Partners",
                url: "https://crm.example/hooks",
                since: "Dec 1, 2026",
                reason: "HTTP 503",
                link: "https://portal.example/vendor/webhooks/1",
            },
            Message::SignupExisting {
                program: "Acme Partners",
                sign_in: "https://portal.example/login?next=/join/acme",
                forgot_password: "https://portal.example/forgot-password",
            },
        ];
        for message in &messages {
            let rendered = render(message).unwrap();
            assert!(!rendered.subject.is_empty(), "{message:?}");
            assert!(!rendered.subject.contains('\n'));
            assert!(!rendered.text.contains("{{"), "{}", rendered.text);
            assert!(rendered.html.contains("<!doctype html>"));
            assert!(
                rendered
                    .html
                    .contains(&rendered.subject.replace('\'', "&#x27;"))
            );
        }
    }

    #[test]
    fn the_html_part_escapes_what_people_typed_and_the_text_part_keeps_it() {
        let rendered = render(&Message::ApplicationRejected {
            company: "Acme",
            program: "Acme <Partners>",
            reason: "<script>alert(1)</script> & more",
        })
        .unwrap();
        assert!(
            rendered
                .html
                .contains("&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; more")
        );
        assert!(!rendered.html.contains("<script>"));
        assert!(
            rendered
                .text
                .contains("Reason: <script>alert(1)</script> & more")
        );
        assert_eq!(rendered.subject, "Your application to Acme <Partners>");
    }
}
