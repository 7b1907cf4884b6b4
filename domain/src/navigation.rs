//! The sections the portal's header links to, and which of them a role may open: a link is
//! shown only when the page behind it would answer, so nobody is sent to "Forbidden".
//!
//! Each section's permission is the one its page's server function requires; the pages check it
//! again on the server, this only decides what the header offers.

use serde::{Deserialize, Serialize};

use crate::permissions::{ContactPermission, ContactRole, Permission, TeammateRole};
use crate::workspace::WorkspaceKind;

/// Where the signed-in person acts: as a teammate of a company or a contact of a partner team,
/// with their role there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Seat {
    Teammate(TeammateRole),
    Contact(ContactRole),
}

impl Seat {
    pub fn kind(self) -> WorkspaceKind {
        match self {
            Seat::Teammate(_) => WorkspaceKind::Vendor,
            Seat::Contact(_) => WorkspaceKind::Partner,
        }
    }

    /// The side's home page, where the header's brand leads.
    pub fn home(self) -> &'static str {
        self.kind().home()
    }

    /// The sections the header offers.
    pub fn sections(self) -> Vec<SectionGroup> {
        match self {
            Seat::Teammate(role) => vendor_sections(role),
            Seat::Contact(role) => partner_sections(role),
        }
    }
}

/// A page of the portal's header: where it is and what it is called there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Section {
    pub path: &'static str,
    pub label: &'static str,
}

/// Sections shown together under one heading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionGroup {
    /// `None` for the side's home, which stands alone.
    pub heading: Option<&'static str>,
    pub sections: Vec<Section>,
}

const fn section(path: &'static str, label: &'static str) -> Section {
    Section { path, label }
}

/// Sections, each with the permission opening it needs.
type Gated<P> = &'static [(Section, P)];

/// The vendor side's sections in header order, grouped, each with what opening it needs.
const VENDOR: &[(Option<&str>, Gated<Permission>)] = {
    use Permission::*;
    &[
        (None, &[(section("/vendor", "Overview"), ViewProgram)]),
        (
            Some("People"),
            &[
                (section("/vendor/partners", "Partners"), ViewProgram),
                (section("/vendor/applications", "Applications"), ViewProgram),
                (section("/vendor/teammates", "Teammates"), ViewProgram),
            ],
        ),
        (
            Some("Pipeline"),
            &[
                (section("/vendor/leads", "Leads"), ViewProgram),
                (section("/vendor/deals", "Deals"), ViewProgram),
                (section("/vendor/customers", "Customers"), ViewProgram),
            ],
        ),
        (
            Some("Money"),
            &[
                (section("/vendor/transactions", "Transactions"), ViewMoney),
                (section("/vendor/offers", "Offers"), ViewProgram),
                (section("/vendor/rewards", "Rewards"), ViewMoney),
                (section("/vendor/payouts", "Payouts"), ViewMoney),
            ],
        ),
        (
            Some("Program"),
            &[
                (section("/vendor/structure", "Structure"), ViewProgram),
                (section("/vendor/segments", "Segments"), ViewProgram),
                (section("/vendor/triggers", "Triggers"), ManageTriggers),
                (section("/vendor/program", "Settings"), ViewProgram),
            ],
        ),
    ]
};

/// The partner side's sections in header order, each with what opening it needs.
const PARTNER: Gated<ContactPermission> = {
    use ContactPermission::*;
    &[
        (section("/partner", "Dashboard"), ViewDashboard),
        (section("/partner/leads", "Leads"), ManageOwnLeadsDeals),
        (section("/partner/deals", "Deals"), ManageOwnLeadsDeals),
        (section("/partner/customers", "Customers"), ViewDashboard),
        (section("/partner/earnings", "Earnings"), ViewDashboard),
        (section("/partner/team", "My team"), ViewDashboard),
    ]
};

/// The pages the program's settings link to, each with what opening it needs.
const SETTINGS: Gated<Permission> = {
    use Permission::*;
    &[
        (
            section("/vendor/program?new=1", "Create another program"),
            ManageProgramSettings,
        ),
        (section("/vendor/api-keys", "API keys"), ManageApiKeys),
        (section("/vendor/emails", "Emails"), ReadOutbox),
        (
            section("/vendor/emails/templates", "Email templates"),
            ManageProgramSettings,
        ),
        (section("/vendor/triggers", "Triggers"), ManageTriggers),
        (section("/vendor/webhooks", "Webhooks"), ManageWebhooks),
        (
            section("/vendor/company", "Company settings"),
            ManageCompany,
        ),
    ]
};

/// The links of the settings page a teammate of `role` may follow.
pub fn settings_links(role: TeammateRole) -> Vec<Section> {
    allowed(SETTINGS, |p| role.can(p))
}

/// The sections of `list` whose permission `may` grants.
fn allowed<P: Copy>(list: Gated<P>, may: impl Fn(P) -> bool) -> Vec<Section> {
    list.iter()
        .filter(|(_, needs)| may(*needs))
        .map(|(s, _)| *s)
        .collect()
}

/// The vendor sections a teammate of `role` may open, grouped; empty groups are left out.
pub fn vendor_sections(role: TeammateRole) -> Vec<SectionGroup> {
    VENDOR
        .iter()
        .map(|(heading, sections)| SectionGroup {
            heading: *heading,
            sections: allowed(sections, |p| role.can(p)),
        })
        .filter(|g| !g.sections.is_empty())
        .collect()
}

/// The partner sections a contact of `role` may open, as one group.
pub fn partner_sections(role: ContactRole) -> Vec<SectionGroup> {
    vec![SectionGroup {
        heading: None,
        sections: allowed(PARTNER, |p| role.can(p)),
    }]
}

/// The section a page at `path` belongs to: its own, or the one whose path it lies under
/// ("/vendor/partners/7" belongs to Partners). A side's home owns only its own path.
pub fn is_current(section: &Section, home: &str, path: &str) -> bool {
    path == section.path
        || (section.path != home
            && path
                .strip_prefix(section.path)
                .is_some_and(|rest| rest.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(groups: &[SectionGroup]) -> Vec<&'static str> {
        groups
            .iter()
            .flat_map(|g| g.sections.iter().map(|s| s.label))
            .collect()
    }

    #[test]
    fn owners_see_every_section_once() {
        let vendor = labels(&vendor_sections(TeammateRole::Owner));
        assert_eq!(vendor.len(), 15);
        let mut unique = vendor.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), vendor.len());
        assert_eq!(labels(&partner_sections(ContactRole::Owner)).len(), 6);
    }

    #[test]
    fn technical_teammates_see_no_money_and_no_triggers() {
        let seen = labels(&vendor_sections(TeammateRole::Technical));
        for hidden in ["Transactions", "Rewards", "Payouts", "Triggers"] {
            assert!(!seen.contains(&hidden), "{hidden} shown to technical");
        }
        assert!(seen.contains(&"Offers") && seen.contains(&"Settings"));
    }

    #[test]
    fn finance_contacts_see_no_leads_or_deals() {
        let seen = labels(&partner_sections(ContactRole::Finance));
        assert_eq!(seen, ["Dashboard", "Customers", "Earnings", "My team"]);
        let member = labels(&partner_sections(ContactRole::Member));
        assert!(member.contains(&"Leads") && member.contains(&"Deals"));
    }

    #[test]
    fn every_shown_section_is_one_the_role_may_open() {
        for role in TeammateRole::ALL {
            for group in vendor_sections(*role) {
                assert!(!group.sections.is_empty());
                for s in group.sections {
                    let (_, needs) = VENDOR
                        .iter()
                        .flat_map(|(_, list)| list.iter())
                        .find(|(x, _)| *x == s)
                        .expect("listed");
                    assert!(role.can(*needs));
                }
            }
        }
    }

    #[test]
    fn settings_links_follow_the_role() {
        let labels = |role| -> Vec<&str> { settings_links(role).iter().map(|s| s.label).collect() };
        assert_eq!(labels(TeammateRole::Owner).len(), SETTINGS.len());
        assert!(labels(TeammateRole::Finance).is_empty());
        assert_eq!(labels(TeammateRole::Technical), ["API keys", "Webhooks"]);
    }

    #[test]
    fn a_record_page_belongs_to_its_section() {
        let partners = section("/vendor/partners", "Partners");
        let home = section("/vendor", "Overview");
        assert!(is_current(&partners, "/vendor", "/vendor/partners"));
        assert!(is_current(&partners, "/vendor", "/vendor/partners/7"));
        assert!(!is_current(&partners, "/vendor", "/vendor/partnership"));
        assert!(is_current(&home, "/vendor", "/vendor"));
        assert!(!is_current(&home, "/vendor", "/vendor/partners"));
    }
}
