//! Leads: partner-registered (`submitted -> accepted | rejected`, `accepted -> converted | lost`)
//! or passed by the vendor (`passed -> taken | declined`, then `taken` goes on like `accepted`).

use serde::{Deserialize, Serialize};

use crate::RuleViolation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LeadStatus {
    Submitted,
    Accepted,
    Rejected,
    Converted,
    Lost,
    Passed,
    Taken,
    Declined,
}

crate::stored_names!(LeadStatus, "lead status", {
    Submitted => "submitted",
    Accepted => "accepted",
    Rejected => "rejected",
    Converted => "converted",
    Lost => "lost",
    Passed => "passed",
    Taken => "taken",
    Declined => "declined",
});

impl LeadStatus {
    /// Leads still being worked: counted as "open" on the vendor overview.
    pub const OPEN: &'static [LeadStatus] = &[
        LeadStatus::Submitted,
        LeadStatus::Accepted,
        LeadStatus::Passed,
        LeadStatus::Taken,
    ];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    pub fn can_become(self, next: LeadStatus) -> bool {
        use LeadStatus::*;
        matches!(
            (self, next),
            (Submitted, Accepted | Rejected)
                | (Passed, Taken | Declined)
                | (Accepted | Taken, Converted | Lost)
                | (Declined, Passed)
        )
    }
}

/// Who acts on a lead: a teammate of the vendor, or a contact of the partner team the lead
/// belongs to (or was passed to).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadActor {
    Teammate,
    Partner,
}

/// What can be done to a lead. Reasons are shown to the partner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadAction {
    Accept,
    Reject {
        reason: String,
    },
    Convert,
    MarkLost,
    Take,
    Decline {
        reason: String,
    },
    /// A declined lead goes to another partnership.
    PassAgain,
}

impl LeadAction {
    /// "A submitted lead cannot be …".
    pub fn past(&self) -> &'static str {
        match self {
            LeadAction::Accept => "accepted",
            LeadAction::Reject { .. } => "rejected",
            LeadAction::Convert => "converted",
            LeadAction::MarkLost => "marked lost",
            LeadAction::Take => "taken",
            LeadAction::Decline { .. } => "declined",
            LeadAction::PassAgain => "passed again",
        }
    }
}

/// The one lead state machine: the status `action` leads to from `status` when `actor` does
/// it, or why it cannot be done. Teammates decide on registered leads and close them; the
/// partner a lead was passed to takes or declines it.
pub fn transition(
    status: LeadStatus,
    action: &LeadAction,
    actor: LeadActor,
) -> Result<LeadStatus, RuleViolation> {
    use LeadAction as A;
    use LeadStatus::*;
    let needs_reason = |reason: &str| {
        let reason = reason.trim();
        if reason.is_empty() {
            Err(RuleViolation::new(
                "Give a reason; the other side will see it",
            ))
        } else if reason.chars().count() > 500 {
            Err(RuleViolation::new("Reasons are at most 500 characters"))
        } else {
            Ok(())
        }
    };
    let (who, next) = match (status, action) {
        (Submitted, A::Accept) => (LeadActor::Teammate, Accepted),
        (Submitted, A::Reject { reason }) => {
            needs_reason(reason)?;
            (LeadActor::Teammate, Rejected)
        }
        (Accepted | Taken, A::Convert) => (LeadActor::Teammate, Converted),
        (Accepted | Taken, A::MarkLost) => (LeadActor::Teammate, Lost),
        (Passed, A::Take) => (LeadActor::Partner, Taken),
        (Passed, A::Decline { reason }) => {
            needs_reason(reason)?;
            (LeadActor::Partner, Declined)
        }
        (Declined, A::PassAgain) => (LeadActor::Teammate, Passed),
        (status, action) => {
            return Err(RuleViolation::new(format!(
                "A {} lead cannot be {}",
                status.label(),
                action.past()
            )));
        }
    };
    if who != actor {
        return Err(RuleViolation::new(match who {
            LeadActor::Teammate => "Only the vendor's team can do this",
            LeadActor::Partner => "Only the partner the lead was passed to can do this",
        }));
    }
    debug_assert!(status.can_become(next) || (status, next) == (Declined, Passed));
    Ok(next)
}

impl LeadStatus {
    pub fn label(self) -> &'static str {
        match self {
            LeadStatus::Submitted => "submitted",
            LeadStatus::Accepted => "accepted",
            LeadStatus::Rejected => "rejected",
            LeadStatus::Converted => "converted",
            LeadStatus::Lost => "lost",
            LeadStatus::Passed => "passed",
            LeadStatus::Taken => "taken",
            LeadStatus::Declined => "declined",
        }
    }
}

/// A lead as a partner registers it, checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLead {
    pub company: String,
    /// For conflict checks: [`crate::conflict::normalize_company_name`].
    pub company_key: String,
    pub contact_name: String,
    pub email: String,
    /// The registrable domain, from the domain field or else the contact's email.
    pub domain: Option<String>,
    pub notes: String,
}

/// Checks a lead registration field by field (field name, message).
pub fn validate_new_lead(
    company: &str,
    contact_name: &str,
    email: &str,
    domain: &str,
    notes: &str,
) -> Result<NewLead, Vec<(&'static str, String)>> {
    let mut errors = Vec::new();
    let company = company.trim();
    if company.is_empty() || company.chars().count() > 200 {
        errors.push((
            "company",
            "Enter the company's name (at most 200 characters)".to_owned(),
        ));
    }
    let contact_name = contact_name.trim();
    if contact_name.chars().count() > 100 {
        errors.push((
            "contact_name",
            "Names are at most 100 characters".to_owned(),
        ));
    }
    let email = crate::identity::normalize_email(email)
        .map_err(|e| errors.push(("email", e.0)))
        .ok();
    let domain = if domain.trim().is_empty() {
        email
            .as_deref()
            .and_then(crate::conflict::company_domain_of_email)
    } else {
        crate::conflict::normalize_domain(domain)
            .map_err(|e| errors.push(("domain", e.0)))
            .ok()
    };
    if notes.chars().count() > 5000 {
        errors.push(("notes", "Notes are at most 5,000 characters".to_owned()));
    }
    match email {
        Some(email) if errors.is_empty() => Ok(NewLead {
            company: company.to_owned(),
            company_key: crate::conflict::normalize_company_name(company),
            contact_name: contact_name.to_owned(),
            email,
            domain,
            notes: notes.trim().to_owned(),
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::LeadStatus::*;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn documented_transitions() {
        assert!(Submitted.can_become(Accepted));
        assert!(Accepted.can_become(Converted));
        assert!(Passed.can_become(Taken));
        assert!(Taken.can_become(Lost));
        assert!(!Submitted.can_become(Converted));
        assert!(!Converted.can_become(Lost));
    }

    proptest! {
        #[test]
        fn closed_leads_stay_closed(a in 0usize..8, b in 0usize..8) {
            let (from, to) = (LeadStatus::ALL[a], LeadStatus::ALL[b]);
            if !from.is_open() && from != Declined { prop_assert!(!from.can_become(to)); }
            prop_assert_eq!(LeadStatus::parse(from.as_str()).unwrap(), from);
        }
    }

    fn action() -> impl Strategy<Value = LeadAction> {
        prop_oneof![
            Just(LeadAction::Accept),
            prop_oneof![Just(""), Just("no budget")]
                .prop_map(|r| LeadAction::Reject { reason: r.into() }),
            Just(LeadAction::Convert),
            Just(LeadAction::MarkLost),
            Just(LeadAction::Take),
            prop_oneof![Just(" "), Just("not our region")]
                .prop_map(|r| LeadAction::Decline { reason: r.into() }),
            Just(LeadAction::PassAgain),
        ]
    }

    fn actor() -> impl Strategy<Value = LeadActor> {
        prop_oneof![Just(LeadActor::Teammate), Just(LeadActor::Partner)]
    }

    proptest! {
        /// No sequence of actions, by anyone, leaves the documented graph; refused actions
        /// change nothing, and closed leads stay closed.
        #[test]
        fn any_sequence_stays_on_the_graph(
            start in prop_oneof![Just(Submitted), Just(Passed)],
            steps in proptest::collection::vec((action(), actor()), 0..12),
        ) {
            let mut status = start;
            for (action, actor) in steps {
                match transition(status, &action, actor) {
                    Ok(next) => {
                        prop_assert!(status.can_become(next), "{status:?} -> {next:?}");
                        prop_assert!(status.is_open() || status == Declined);
                        status = next;
                    }
                    Err(e) => prop_assert!(!e.0.is_empty()),
                }
            }
        }
    }

    #[test]
    fn who_may_do_what() {
        let reason = || "not a fit".to_owned();
        assert_eq!(
            transition(Submitted, &LeadAction::Accept, LeadActor::Teammate),
            Ok(Accepted)
        );
        assert!(transition(Submitted, &LeadAction::Accept, LeadActor::Partner).is_err());
        assert_eq!(
            transition(Passed, &LeadAction::Take, LeadActor::Partner),
            Ok(Taken)
        );
        assert!(transition(Passed, &LeadAction::Take, LeadActor::Teammate).is_err());
        assert_eq!(
            transition(
                Passed,
                &LeadAction::Decline { reason: reason() },
                LeadActor::Partner
            ),
            Ok(Declined)
        );
        assert!(
            transition(
                Passed,
                &LeadAction::Decline { reason: " ".into() },
                LeadActor::Partner
            )
            .is_err()
        );
        assert_eq!(
            transition(Declined, &LeadAction::PassAgain, LeadActor::Teammate),
            Ok(Passed)
        );
        assert_eq!(
            transition(Taken, &LeadAction::Convert, LeadActor::Teammate),
            Ok(Converted)
        );
        let err = transition(Converted, &LeadAction::MarkLost, LeadActor::Teammate).unwrap_err();
        assert_eq!(err.0, "A converted lead cannot be marked lost");
        let err = transition(Taken, &LeadAction::Take, LeadActor::Partner).unwrap_err();
        assert_eq!(err.0, "A taken lead cannot be taken");
        let err = transition(Rejected, &LeadAction::Accept, LeadActor::Teammate).unwrap_err();
        assert_eq!(err.0, "A rejected lead cannot be accepted");
    }

    #[test]
    fn registrations_are_checked_and_normalised() {
        let lead =
            validate_new_lead(" Contoso, Inc. ", "Ann", "Ann@Sales.Contoso.com", "", "").unwrap();
        assert_eq!(lead.company, "Contoso, Inc.");
        assert_eq!(lead.company_key, "contoso");
        assert_eq!(lead.domain.as_deref(), Some("contoso.com"));
        let lead = validate_new_lead(
            "Contoso",
            "",
            "ann@gmail.com",
            "https://www.contoso.co.uk/",
            "",
        )
        .unwrap();
        assert_eq!(lead.domain.as_deref(), Some("contoso.co.uk"));
        let lead = validate_new_lead("Contoso", "", "ann@gmail.com", "", "").unwrap();
        assert_eq!(lead.domain, None, "a mailbox provider is not the company");
        let errors = validate_new_lead("", "", "nope", "not a domain", "").unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|(f, _)| *f).collect();
        assert_eq!(fields, ["company", "email", "domain"]);
    }
}
