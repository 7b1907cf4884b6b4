//! The texts of the portal's emails: one template per kind (`templates/email/<kind>.subject`,
//! `.txt` and `.html`, the HTML inside `layout.html`), rendered with minijinja. The HTML part
//! escapes every value (minijinja escapes templates whose names end in `.html`); the subject
//! and the text part are plain text.
//!
//! A program may reword the news its partners get (`EmailKind::customizable`): its subject and
//! text replace the default ones, and the HTML part is that text in the layout. A wording runs
//! in an environment of its own, with no statement but `if`, a few string filters and a bound
//! on its steps and output, so no wording can make rendering slow or large.

use std::io::Write;
use std::sync::OnceLock;

use domain::email::{EmailKind, Wording, WordingForm};
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
    render_default(message)
}

/// Renders `message` in a program's `wording` (checked when it was saved). Should the wording
/// fail for this message after all, the default wording is used: the news still goes out.
pub fn render_worded(message: &Message<'_>, wording: &Wording) -> Result<Rendered, AppError> {
    match render_wording(message, wording) {
        Ok(rendered) => Ok(rendered),
        Err(e) => {
            tracing::warn!(kind = message.kind().as_str(), error = %e, "a program's email wording failed; the default is sent");
            render_default(message)
        }
    }
}

fn render_wording(message: &Message<'_>, wording: &Wording) -> Result<Rendered, minijinja::Error> {
    let values = minijinja::Value::from_serialize(message);
    // One line, whatever the placeholders held.
    let subject = fill(&wording.subject, &values)?
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if subject.is_empty() {
        return Err(minijinja::Error::new(
            minijinja::ErrorKind::InvalidOperation,
            "the subject came out empty",
        ));
    }
    let text = fill(&wording.text, &values)?;
    // Like a trigger's email: the text, escaped, in the layout.
    let html = environment()
        .get_template("automation.html")?
        .render(minijinja::context! {
            subject => &subject,
            sender => message.sender(),
            text => &text,
        })?;
    Ok(Rendered {
        subject,
        text,
        html,
    })
}

/// The longest a wording may render to: far above any real email, far below harm.
const WORDING_OUTPUT_MAX: usize = 64 * 1024;

/// The environment a wording runs in: no globals, no statement but `if` (the tags are checked
/// by `domain::email::check_tags`), string filters only, strict about unknown names, and
/// bounded in steps.
fn wording_environment<'s>() -> Environment<'s> {
    use minijinja::filters;
    let mut env = Environment::empty();
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    env.set_fuel(Some(20_000));
    env.add_filter("upper", filters::upper);
    env.add_filter("lower", filters::lower);
    env.add_filter("title", filters::title);
    env.add_filter("capitalize", filters::capitalize);
    env.add_filter("trim", filters::trim);
    env
}

/// Writes until [`WORDING_OUTPUT_MAX`] bytes, then refuses.
struct Capped(Vec<u8>);

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > WORDING_OUTPUT_MAX {
            return Err(std::io::Error::other("the email is too long"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Fills one part of a wording with a message's values.
fn fill(source: &str, values: &minijinja::Value) -> Result<String, minijinja::Error> {
    let env = wording_environment();
    let mut out = Capped(Vec::new());
    env.template_from_str(source)?
        .render_captured_to(values, &mut out)?;
    Ok(String::from_utf8_lossy(&out.0).into_owned())
}

/// The subject and text a program starts from when it rewords `kind`: the default ones.
pub fn default_wording(kind: EmailKind) -> Option<Wording> {
    let source = |suffix: &str| {
        let name = format!("{}.{suffix}", kind.as_str());
        TEMPLATES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, source)| source.trim_end().to_owned())
    };
    Some(Wording {
        subject: source("subject")?,
        text: source("txt")?,
    })
}

/// Checks a program's wording of `kind` and renders it for a made-up message of `program`
/// (what the editor previews). Each problem names its field: the subject or the text.
pub fn try_wording(
    kind: EmailKind,
    form: WordingForm<'_>,
    program: &str,
) -> Result<(Wording, Rendered), Vec<(&'static str, String)>> {
    let wording = domain::email::check_wording(kind, form)?;
    let problems: Vec<_> = [("subject", &wording.subject), ("text", &wording.text)]
        .into_iter()
        .filter_map(|(field, source)| read_part(kind, field, source).err())
        .collect();
    if !problems.is_empty() {
        return Err(problems);
    }
    let Some(message) = sample(kind, program) else {
        return Err(vec![("kind", format!("{} has no sample", kind.label()))]);
    };
    let rendered = render_wording(&message, &wording).map_err(|e| {
        vec![(
            "text",
            format!("The email cannot be filled in: {}", said(&e)),
        )]
    })?;
    Ok((wording, rendered))
}

/// Parses one part of a wording and checks the names it reads.
fn read_part(
    kind: EmailKind,
    field: &'static str,
    source: &str,
) -> Result<(), (&'static str, String)> {
    check_tokens(field, source)?;
    let env = wording_environment();
    let template = env.template_from_str(source).map_err(|e| {
        (
            field,
            format!("This does not read as a template: {}", said(&e)),
        )
    })?;
    let used = template.undeclared_variables(false);
    domain::email::check_placeholders(kind, field, used.iter().map(String::as_str))
}

/// Checks the statements and operators of one part of a wording as the engine's lexer reads
/// them. A part that does not lex passes here: parsing it reports the error with its line.
fn check_tokens(field: &'static str, source: &str) -> Result<(), (&'static str, String)> {
    use minijinja::machinery::{Token, WhitespaceConfig, tokenize};
    let tokens = tokenize(
        source,
        false,
        minijinja::syntax::SyntaxConfig,
        WhitespaceConfig::default(),
    );
    let mut statement_starts = false;
    for token in tokens {
        let Ok((token, _)) = token else {
            return Ok(());
        };
        if statement_starts {
            let keyword = match token {
                Token::Ident(word) => word,
                _ => "",
            };
            domain::email::check_statement(field, keyword)?;
        }
        if matches!(token, Token::Mul | Token::Pow) {
            return Err(domain::email::refuse_multiplying(field));
        }
        statement_starts = matches!(token, Token::BlockStart);
    }
    Ok(())
}

/// What went wrong with a wording, for the person who wrote it (their own text, so safe to
/// show): the engine's words and the line.
fn said(e: &minijinja::Error) -> String {
    let what = e
        .detail()
        .map_or_else(|| e.kind().to_string(), str::to_owned);
    match e.line() {
        Some(line) => format!("{what} (line {line})"),
        None => what,
    }
}

/// A made-up message of `kind` from `program`, as the template editor previews it.
pub fn sample(kind: EmailKind, program: &str) -> Option<Message<'_>> {
    Some(match kind {
        EmailKind::Invite => Message::Invite {
            inviter_name: "Ada",
            inviter_email: "ada@acme.example",
            workspace: program,
            role: "admin",
            link: "https://portal.example/invite/abc",
        },
        EmailKind::ApplicationReceived => Message::ApplicationReceived {
            team: "Northwind",
            program,
        },
        EmailKind::ApplicationApproved => Message::ApplicationApproved {
            company: "Acme",
            program,
        },
        EmailKind::ApplicationRejected => Message::ApplicationRejected {
            company: "Acme",
            program,
            reason: "We work with agencies in Europe only for now",
        },
        EmailKind::PasswordReset => Message::PasswordReset {
            name: "Ada",
            link: "https://portal.example/reset-password/abc",
        },
        EmailKind::ConfirmSignup => Message::ConfirmSignup {
            name: "Pat",
            program,
            link: "https://portal.example/verify-email/abc",
        },
        EmailKind::SignupExisting => Message::SignupExisting {
            program,
            sign_in: "https://portal.example/login?next=/join/acme",
            forgot_password: "https://portal.example/forgot-password",
        },
        EmailKind::Automation => Message::Automation {
            program,
            heading: "You are a VIP now",
            text: "Thanks for the big sale.\n\nThe <Acme> team",
        },
        EmailKind::DealApproved => Message::DealApproved {
            program,
            deal: "Contoso rollout",
            protected_until: "Mar 1, 2027",
        },
        EmailKind::DealRejected => Message::DealRejected {
            program,
            deal: "Contoso rollout",
            reason: "Already in our pipeline",
        },
        EmailKind::DealWon => Message::DealWon {
            program,
            deal: "Contoso rollout",
            amount: "$12,000.00",
        },
        EmailKind::LeadPassed => Message::LeadPassed {
            program,
            company: "Coho Winery",
        },
        EmailKind::RewardDeclined => Message::RewardDeclined {
            program,
            description: "Agencies 20%",
            amount: "$40.00",
            reason: "Duplicate of an earlier reward",
        },
        EmailKind::PayoutPaid => Message::PayoutPaid {
            program,
            amount: "$400.00",
            reference: "ACH-1042",
        },
        EmailKind::PayoutFailed => Message::PayoutFailed {
            program,
            amount: "$400.00",
            reason: "The bank refused the IBAN",
        },
        EmailKind::TierChanged => Message::TierChanged {
            program,
            summary: "Promoted from Silver to Gold: $50,000.00 closed in 90 days",
        },
        EmailKind::WebhookFailing => Message::WebhookFailing {
            program,
            url: "https://crm.example/hooks",
            since: "Dec 1, 2026",
            reason: "HTTP 503",
            link: "https://portal.example/vendor/webhooks/1",
        },
        EmailKind::Message => return None,
    })
}

fn render_default(message: &Message<'_>) -> Result<Rendered, AppError> {
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
        let messages: Vec<_> = EmailKind::ALL
            .iter()
            .filter_map(|k| sample(*k, "Acme Partners"))
            .collect();
        assert_eq!(messages.len(), EmailKind::ALL.len() - 1);
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
    fn every_sample_is_of_its_kind_and_every_default_wording_passes_the_editor() {
        for kind in EmailKind::ALL {
            if let Some(message) = sample(*kind, "Acme Partners") {
                assert_eq!(message.kind(), *kind);
            }
        }
        for kind in EmailKind::customizable_kinds() {
            let message = sample(kind, "Acme Partners").unwrap();
            let value = serde_json::to_value(&message).unwrap();
            let mut fields: Vec<&str> = value
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            let mut known: Vec<&str> = kind.placeholders().iter().map(|p| p.name).collect();
            fields.sort_unstable();
            known.sort_unstable();
            assert_eq!(fields, known, "{kind:?}");
            let default = default_wording(kind).unwrap();
            let form = WordingForm {
                subject: &default.subject,
                text: &default.text,
            };
            let (_, worded) = try_wording(kind, form, "Acme Partners").unwrap();
            let plain = render(&message).unwrap();
            assert_eq!(worded.subject, plain.subject, "{kind:?}");
            assert_eq!(worded.text.trim_end(), plain.text.trim_end(), "{kind:?}");
        }
    }

    #[test]
    fn a_wording_that_fails_for_a_message_falls_back_to_the_default() {
        let long = "x".repeat(WORDING_OUTPUT_MAX + 1);
        let message = Message::DealWon {
            program: "Acme Partners",
            deal: &long,
            amount: "$1.00",
        };
        let wording = Wording {
            subject: "Won".to_owned(),
            text: "{{ deal }}".to_owned(),
        };
        assert!(render_wording(&message, &wording).is_err());
        let rendered = render_worded(&message, &wording).unwrap();
        assert_eq!(rendered, render(&message).unwrap());
    }

    fn refusal(kind: EmailKind, subject: &str, text: &str) -> Vec<(&'static str, String)> {
        try_wording(kind, WordingForm { subject, text }, "Acme Partners").unwrap_err()
    }

    #[test]
    fn a_string_holding_a_delimiter_hides_no_statement() {
        // A scan for the first "%}" would read the `set`s below as a comment.
        let payload = r##"{% if "%}{#" %}{% set a = deal ~ deal %}{% set a = a ~ a %}{% if "#}" %}{% endif %}{% endif %}"##;
        assert_eq!(
            refusal(EmailKind::DealWon, "Hi", payload),
            [(
                "text",
                "Only {% if %}, {% elif %}, {% else %} and {% endif %} may be used, not {% set %}"
                    .to_owned()
            )]
        );
        assert_eq!(
            refusal(EmailKind::DealWon, "{{ deal * 3 }}", "Hi"),
            [("subject", "A placeholder may not multiply (*)".to_owned())]
        );
        assert_eq!(
            refusal(EmailKind::DealWon, "Hi", "{{ 2 ** 64 }}")[0].1,
            "A placeholder may not multiply (*)"
        );
        // In a string, "*" and "%}" are text.
        let form = WordingForm {
            subject: r#"{{ "5 * 3 %}" }} {{ deal }}"#,
            text: "Won",
        };
        let (_, rendered) = try_wording(EmailKind::DealWon, form, "Acme").unwrap();
        assert_eq!(rendered.subject, "5 * 3 %} Contoso rollout");
    }

    #[test]
    fn a_subject_that_comes_out_empty_falls_back_to_the_default() {
        let message = Message::DealApproved {
            program: "Acme Partners",
            deal: "Contoso rollout",
            protected_until: "",
        };
        let wording = Wording {
            subject: "{{ protected_until }}".to_owned(),
            text: "Approved".to_owned(),
        };
        assert_eq!(
            render_worded(&message, &wording).unwrap(),
            render(&message).unwrap()
        );
    }

    /// Whether a parsed wording holds nothing but text, values and `if`s.
    fn only_text_values_and_ifs(stmt: &minijinja::machinery::ast::Stmt<'_>) -> bool {
        use minijinja::machinery::ast::Stmt;
        let all = |body: &[Stmt<'_>]| body.iter().all(only_text_values_and_ifs);
        match stmt {
            Stmt::Template(t) => all(&t.children),
            Stmt::EmitExpr(_) | Stmt::EmitRaw(_) => true,
            Stmt::IfCond(c) => all(&c.true_body) && all(&c.false_body),
            _ => false,
        }
    }

    /// Whole tags of every kind.
    const TAGS: &[&str] = &[
        "{% if deal %}",
        "{% elif deal %}",
        "{%- else -%}",
        "{% endif %}",
        "{% for c in deal %}",
        "{% endfor %}",
        "{% set a = deal ~ deal %}",
        "{% raw %}",
        "{% endraw %}",
        "{{ deal }}",
        "{{ \"%}{#\" }}",
        "{# %} #}",
        " text ",
    ];
    /// Loose pieces of tags and strings.
    const PIECES: &[&str] = &["{%", "%}", "#}", "\"", "\n"];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

        /// The parser, not the check, is the judge: whatever the check lets through parses to
        /// text, values and `if`s only.
        #[test]
        fn whatever_the_check_accepts_parses_to_text_values_and_ifs(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    6 => proptest::sample::select(TAGS),
                    1 => proptest::sample::select(PIECES),
                ],
                0..10,
            )
        ) {
            use minijinja::machinery::{WhitespaceConfig, parse};
            let source = parts.concat();
            if read_part(EmailKind::DealWon, "text", &source).is_ok() {
                let ast = parse(
                    &source,
                    "<string>",
                    minijinja::syntax::SyntaxConfig,
                    WhitespaceConfig::default(),
                )
                .unwrap();
                proptest::prop_assert!(only_text_values_and_ifs(&ast), "{source}");
            }
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
