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
