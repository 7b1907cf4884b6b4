//! Emails: what kinds of message the portal sends and where each is in its delivery. The
//! texts are templates (the store renders them); this is the vocabulary.

use serde::{Deserialize, Serialize};

/// What a message is about; each kind has its own template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EmailKind {
    /// An invite into a company, a partner team or a program, with its link.
    Invite,
    /// To the teammates who decide applications: a team applied.
    ApplicationReceived,
    /// To a partner team's owners: their application was approved.
    ApplicationApproved,
    /// To a partner team's owners: their application was rejected, with the reason.
    ApplicationRejected,
    /// To a person who asked: a link to choose a new password.
    PasswordReset,
    /// To a visitor who signed up: the link that confirms their email and creates the account.
    ConfirmSignup,
    /// To the owner of an account someone signed up with again: how to join with it.
    SignupExisting,
    /// A trigger's email to a partner team, written by the vendor.
    Automation,
    /// To a partner team's owners: what happened to their deals, leads, rewards, payouts and
    /// tier.
    DealApproved,
    DealRejected,
    DealWon,
    LeadPassed,
    RewardDeclined,
    PayoutPaid,
    PayoutFailed,
    TierChanged,
    /// To the company's owners: a webhook endpoint failed for days and was turned off.
    WebhookFailing,
    /// Written before messages had kinds.
    Message,
}

crate::stored_names!(EmailKind, "email kind", {
    Invite => "invite",
    ApplicationReceived => "application_received",
    ApplicationApproved => "application_approved",
    ApplicationRejected => "application_rejected",
    PasswordReset => "password_reset",
    ConfirmSignup => "confirm_signup",
    SignupExisting => "signup_existing",
    Automation => "automation",
    DealApproved => "deal_approved",
    DealRejected => "deal_rejected",
    DealWon => "deal_won",
    LeadPassed => "lead_passed",
    RewardDeclined => "reward_declined",
    PayoutPaid => "payout_paid",
    PayoutFailed => "payout_failed",
    TierChanged => "tier_changed",
    WebhookFailing => "webhook_failing",
    Message => "message",
});

impl EmailKind {
    /// Whether the message's text holds a link that acts for its recipient (accepts an invite,
    /// sets a password, makes an account): the outbox shows its subject, never its text.
    pub fn carries_a_secret(self) -> bool {
        matches!(
            self,
            EmailKind::Invite | EmailKind::PasswordReset | EmailKind::ConfirmSignup
        )
    }

    /// Whether its recipient may turn it off: news they can also read in the app. Links that
    /// act for them, decisions on their application, a failed payout and an endpoint turned
    /// off always go out.
    pub fn optional(self) -> bool {
        matches!(
            self,
            EmailKind::ApplicationReceived
                | EmailKind::Automation
                | EmailKind::DealApproved
                | EmailKind::DealRejected
                | EmailKind::DealWon
                | EmailKind::LeadPassed
                | EmailKind::RewardDeclined
                | EmailKind::PayoutPaid
                | EmailKind::TierChanged
        )
    }

    /// The kinds a person acting on one side of the portal may turn off (`partner`: a partner
    /// team's contact, else a vendor's teammate).
    pub fn optional_for(partner: bool) -> Vec<EmailKind> {
        EmailKind::ALL
            .iter()
            .copied()
            .filter(|k| k.optional() && (*k == EmailKind::ApplicationReceived) != partner)
            .collect()
    }

    /// Whether the recipient, when they have an account, also finds the message among their
    /// in-app notifications. Not the messages whose link acts for them (it stays in the
    /// mailbox) nor the replies to a signup, which go to whoever typed the address.
    pub fn notifies(self) -> bool {
        !self.carries_a_secret() && !matches!(self, EmailKind::SignupExisting | EmailKind::Message)
    }

    pub fn label(self) -> &'static str {
        match self {
            EmailKind::Invite => "Invite",
            EmailKind::ApplicationReceived => "Application received",
            EmailKind::ApplicationApproved => "Application approved",
            EmailKind::ApplicationRejected => "Application rejected",
            EmailKind::PasswordReset => "Password reset",
            EmailKind::ConfirmSignup => "Confirm signup",
            EmailKind::SignupExisting => "Signup with an existing account",
            EmailKind::Automation => "Automation",
            EmailKind::DealApproved => "Deal approved",
            EmailKind::DealRejected => "Deal rejected",
            EmailKind::DealWon => "Deal won",
            EmailKind::LeadPassed => "Lead passed",
            EmailKind::RewardDeclined => "Reward declined",
            EmailKind::PayoutPaid => "Payout paid",
            EmailKind::PayoutFailed => "Payout failed",
            EmailKind::TierChanged => "Tier changed",
            EmailKind::WebhookFailing => "Webhook endpoint failing",
            EmailKind::Message => "Message",
        }
    }
}

/// A value a template reads, written `{{ name }}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placeholder {
    pub name: &'static str,
    pub meaning: &'static str,
}

const fn placeholder(name: &'static str, meaning: &'static str) -> Placeholder {
    Placeholder { name, meaning }
}

const PROGRAM: Placeholder = placeholder("program", "the program's name");
const COMPANY: Placeholder = placeholder("company", "your company's name");
const DEAL: Placeholder = placeholder("deal", "the deal's name");
const REASON: Placeholder = placeholder("reason", "the reason your teammate gave");
const AMOUNT: Placeholder = placeholder("amount", "the amount, with its currency");
const PROTECTED_UNTIL: Placeholder = placeholder(
    "protected_until",
    "the date the deal's protection ends (empty when it has none)",
);
const LEAD_COMPANY: Placeholder = placeholder("company", "the lead's company");
const DESCRIPTION: Placeholder = placeholder("description", "what the reward was for");
const REFERENCE: Placeholder = placeholder("reference", "the payment's reference");
const SUMMARY: Placeholder = placeholder("summary", "the old and new tier, and why");

/// The longest subject a program may write.
pub const SUBJECT_MAX_CHARS: usize = 200;
/// The longest text a program may write.
pub const TEXT_MAX_CHARS: usize = 10_000;

impl EmailKind {
    /// Whether a program may reword it: the news its partners get in the program's name. Not
    /// the messages whose link acts for their recipient, nor the replies to a signup (worded
    /// apart, they would tell the vendor which visitors have an account), nor a trigger's
    /// email (its author writes it), nor the portal's mail to teammates.
    pub fn customizable(self) -> bool {
        matches!(
            self,
            EmailKind::ApplicationApproved
                | EmailKind::ApplicationRejected
                | EmailKind::DealApproved
                | EmailKind::DealRejected
                | EmailKind::DealWon
                | EmailKind::LeadPassed
                | EmailKind::RewardDeclined
                | EmailKind::PayoutPaid
                | EmailKind::PayoutFailed
                | EmailKind::TierChanged
        )
    }

    /// The kinds a program may reword, in the order the editor lists them.
    pub fn customizable_kinds() -> impl Iterator<Item = EmailKind> {
        EmailKind::ALL.iter().copied().filter(|k| k.customizable())
    }

    /// What the template of a customizable kind may read (empty for the others).
    pub fn placeholders(self) -> &'static [Placeholder] {
        match self {
            EmailKind::ApplicationApproved => &[PROGRAM, COMPANY],
            EmailKind::ApplicationRejected => &[PROGRAM, COMPANY, REASON],
            EmailKind::DealApproved => &[PROGRAM, DEAL, PROTECTED_UNTIL],
            EmailKind::DealRejected => &[PROGRAM, DEAL, REASON],
            EmailKind::DealWon => &[PROGRAM, DEAL, AMOUNT],
            EmailKind::LeadPassed => &[PROGRAM, LEAD_COMPANY],
            EmailKind::RewardDeclined => &[PROGRAM, DESCRIPTION, AMOUNT, REASON],
            EmailKind::PayoutPaid => &[PROGRAM, AMOUNT, REFERENCE],
            EmailKind::PayoutFailed => &[PROGRAM, AMOUNT, REASON],
            EmailKind::TierChanged => &[PROGRAM, SUMMARY],
            _ => &[],
        }
    }

    /// When it goes out, in the words of the template editor.
    pub fn sent_when(self) -> &'static str {
        match self {
            EmailKind::ApplicationApproved => "A team's application to the program is approved.",
            EmailKind::ApplicationRejected => "A team's application is rejected.",
            EmailKind::DealApproved => "A partner's registered deal is approved.",
            EmailKind::DealRejected => "A partner's registered deal is rejected.",
            EmailKind::DealWon => "A partner's deal is closed won.",
            EmailKind::LeadPassed => "A teammate passes a lead to the partner.",
            EmailKind::RewardDeclined => "A teammate declines one of the partner's rewards.",
            EmailKind::PayoutPaid => "A payout to the partner is paid.",
            EmailKind::PayoutFailed => "A payout to the partner failed.",
            EmailKind::TierChanged => "The partner moves to another tier.",
            _ => "",
        }
    }
}

/// A program's wording of one kind of email, as typed.
#[derive(Debug, Clone, Copy)]
pub struct WordingForm<'a> {
    pub subject: &'a str,
    pub text: &'a str,
}

/// A checked wording: the subject trimmed, the text with its line ends made `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    pub subject: String,
    pub text: String,
}

/// Checks the parts of a wording that need no template engine; each problem names its field.
pub fn check_wording(
    kind: EmailKind,
    form: WordingForm<'_>,
) -> Result<Wording, Vec<(&'static str, String)>> {
    if !kind.customizable() {
        return Err(vec![(
            "kind",
            format!("{} emails keep the portal's wording", kind.label()),
        )]);
    }
    let mut problems = Vec::new();
    let subject = form.subject.trim();
    let text = form.text.replace("\r\n", "\n");
    if subject.is_empty() {
        problems.push(("subject", "Write a subject".to_owned()));
    } else if subject.contains(['\n', '\r']) {
        problems.push(("subject", "Keep the subject to one line".to_owned()));
    } else if subject.chars().count() > SUBJECT_MAX_CHARS {
        problems.push((
            "subject",
            format!("Keep the subject to {SUBJECT_MAX_CHARS} characters"),
        ));
    }
    if text.trim().is_empty() {
        problems.push(("text", "Write the email's text".to_owned()));
    } else if text.chars().count() > TEXT_MAX_CHARS {
        problems.push((
            "text",
            format!("Keep the text to {TEXT_MAX_CHARS} characters"),
        ));
    }
    if problems.is_empty() {
        Ok(Wording {
            subject: subject.to_owned(),
            text,
        })
    } else {
        Err(problems)
    }
}

/// Checks the names a part of a wording reads (`field`: "subject" or "text") against the
/// kind's placeholders.
pub fn check_placeholders<'a>(
    kind: EmailKind,
    field: &'static str,
    used: impl IntoIterator<Item = &'a str>,
) -> Result<(), (&'static str, String)> {
    let known = kind.placeholders();
    let mut unknown: Vec<&str> = used
        .into_iter()
        .filter(|name| !known.iter().any(|p| p.name == *name))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    unknown.sort_unstable();
    unknown.dedup();
    let list = |names: &mut dyn Iterator<Item = &str>| {
        names
            .map(|n| format!("{{{{ {n} }}}}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Err((
        field,
        format!(
            "Unknown placeholder {}: this email can use {}",
            list(&mut unknown.into_iter()),
            list(&mut known.iter().map(|p| p.name)),
        ),
    ))
}

/// The statements a wording may use: choosing what to say, never repeating or storing it.
/// With no `*` either, what a wording renders grows only with its own length and the values
/// it reads. The store reads the keywords and operators with the template engine's own lexer.
pub const WORDING_STATEMENTS: [&str; 4] = ["if", "elif", "else", "endif"];

/// Checks a statement of one part of a wording (`field`); `keyword` is the word after `{%`.
pub fn check_statement(field: &'static str, keyword: &str) -> Result<(), (&'static str, String)> {
    if WORDING_STATEMENTS.contains(&keyword) {
        Ok(())
    } else {
        Err((
            field,
            format!(
                "Only {{% if %}}, {{% elif %}}, {{% else %}} and {{% endif %}} may be used, not {{% {keyword} %}}"
            ),
        ))
    }
}

/// The refusal of a multiplication (`*`, `**`) in one part of a wording.
pub fn refuse_multiplying(field: &'static str) -> (&'static str, String) {
    (field, "A placeholder may not multiply (*)".to_owned())
}

/// An email's delivery status, as the outbox shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EmailStatus {
    /// Not sent yet: waiting for the runner, for a retry, or for an SMTP server to be configured.
    Queued,
    Sent,
    /// Every attempt failed; the reason is kept and a person may send it again.
    Failed,
}

crate::stored_names!(EmailStatus, "email status", {
    Queued => "queued",
    Sent => "sent",
    Failed => "failed",
});

impl EmailStatus {
    pub fn label(self) -> &'static str {
        match self {
            EmailStatus::Queued => "Queued",
            EmailStatus::Sent => "Sent",
            EmailStatus::Failed => "Failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_and_statuses_round_trip_their_stored_names() {
        for k in EmailKind::ALL {
            assert_eq!(EmailKind::parse(k.as_str()), Ok(*k));
            assert!(!k.label().is_empty());
        }
        for s in EmailStatus::ALL {
            assert_eq!(EmailStatus::parse(s.as_str()), Ok(*s));
        }
        assert!(EmailStatus::parse("bounced").is_err());
    }

    #[test]
    fn links_that_act_for_their_recipient_stay_out_of_the_outbox() {
        assert!(EmailKind::Invite.carries_a_secret());
        assert!(EmailKind::PasswordReset.carries_a_secret());
        assert!(EmailKind::ConfirmSignup.carries_a_secret());
        assert!(!EmailKind::ApplicationRejected.carries_a_secret());
        assert!(!EmailKind::SignupExisting.carries_a_secret());
    }

    #[test]
    fn no_notification_repeats_a_secret_link_or_a_signup_reply() {
        for k in EmailKind::ALL {
            if k.notifies() {
                assert!(!k.carries_a_secret(), "{k:?}");
            }
        }
        assert!(!EmailKind::SignupExisting.notifies());
        assert!(EmailKind::DealApproved.notifies());
        assert!(EmailKind::WebhookFailing.notifies());
        assert!(EmailKind::ApplicationReceived.notifies());
    }

    #[test]
    fn a_program_rewords_only_its_news_to_partners() {
        for k in EmailKind::ALL {
            if k.customizable() {
                assert!(!k.carries_a_secret(), "{k:?}");
                assert!(k.notifies(), "{k:?}");
                assert!(!k.sent_when().is_empty(), "{k:?}");
                assert_eq!(k.placeholders()[0].name, "program", "{k:?}");
            } else {
                assert!(k.placeholders().is_empty(), "{k:?}");
            }
        }
        assert!(!EmailKind::SignupExisting.customizable());
        assert!(!EmailKind::ConfirmSignup.customizable());
        assert!(!EmailKind::Automation.customizable());
        assert_eq!(EmailKind::customizable_kinds().count(), 10);
    }

    #[test]
    fn a_wording_is_checked_field_by_field() {
        let ok = check_wording(
            EmailKind::DealWon,
            WordingForm {
                subject: "  {{ deal }} is won!  ",
                text: "Well done.\r\nThe team",
            },
        )
        .unwrap();
        assert_eq!(ok.subject, "{{ deal }} is won!");
        assert_eq!(ok.text, "Well done.\nThe team");
        let problems = check_wording(
            EmailKind::DealWon,
            WordingForm {
                subject: "Two\nlines",
                text: " ",
            },
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                ("subject", "Keep the subject to one line".to_owned()),
                ("text", "Write the email's text".to_owned()),
            ]
        );
        let long = "x".repeat(SUBJECT_MAX_CHARS + 1);
        let problems = check_wording(
            EmailKind::DealWon,
            WordingForm {
                subject: &long,
                text: "Hi",
            },
        )
        .unwrap_err();
        assert_eq!(problems[0].0, "subject");
        let problems = check_wording(
            EmailKind::PasswordReset,
            WordingForm {
                subject: "Hi",
                text: "Hi",
            },
        )
        .unwrap_err();
        assert_eq!(problems[0].0, "kind");
    }

    #[test]
    fn a_wording_reads_only_its_kinds_placeholders() {
        assert_eq!(
            check_placeholders(EmailKind::DealWon, "text", ["deal", "amount", "program"]),
            Ok(())
        );
        let (field, message) = check_placeholders(
            EmailKind::DealWon,
            "subject",
            ["partner", "deal", "partner"],
        )
        .unwrap_err();
        assert_eq!(field, "subject");
        assert_eq!(
            message,
            "Unknown placeholder {{ partner }}: this email can use {{ program }}, {{ deal }}, {{ amount }}"
        );
    }

    #[test]
    fn a_wording_chooses_what_to_say_but_never_loops_or_stores() {
        for keyword in WORDING_STATEMENTS {
            assert_eq!(check_statement("text", keyword), Ok(()));
        }
        let (field, message) = check_statement("text", "for").unwrap_err();
        assert_eq!(field, "text");
        assert_eq!(
            message,
            "Only {% if %}, {% elif %}, {% else %} and {% endif %} may be used, not {% for %}"
        );
        for keyword in [
            "set", "macro", "include", "raw", "call", "with", "filter", "",
        ] {
            assert!(check_statement("subject", keyword).is_err(), "{keyword}");
        }
        assert_eq!(refuse_multiplying("subject").0, "subject");
    }

    proptest::proptest! {
        #[test]
        fn an_accepted_wording_fits_the_limits(subject in "\\PC{0,250}", text in "(\\PC|\n){0,300}") {
            if let Ok(w) = check_wording(EmailKind::TierChanged, WordingForm { subject: &subject, text: &text }) {
                proptest::prop_assert!(!w.subject.is_empty());
                proptest::prop_assert!(w.subject.chars().count() <= SUBJECT_MAX_CHARS);
                proptest::prop_assert!(!w.subject.contains('\n'));
                proptest::prop_assert!(!w.text.trim().is_empty());
                proptest::prop_assert!(!w.text.contains("\r\n"));
            }
        }
    }

    #[test]
    fn what_a_person_may_turn_off() {
        for k in EmailKind::ALL {
            if k.optional() {
                assert!(!k.carries_a_secret(), "{k:?}");
                assert!(k.notifies(), "{k:?}: turned off, it is still in the app");
            }
        }
        assert!(!EmailKind::PayoutFailed.optional());
        assert!(!EmailKind::WebhookFailing.optional());
        assert_eq!(
            EmailKind::optional_for(false),
            [EmailKind::ApplicationReceived]
        );
        let partner = EmailKind::optional_for(true);
        assert!(partner.contains(&EmailKind::DealWon));
        assert!(!partner.contains(&EmailKind::ApplicationReceived));
    }
}
