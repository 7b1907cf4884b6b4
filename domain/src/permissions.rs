//! Roles are presets over named permissions. Server functions ask `role.can(permission)`;
//! a custom role later is only another set.

use serde::{Deserialize, Serialize};

/// What a vendor teammate may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Permission {
    /// See the program overview, partners, leads and deals (read).
    ViewProgram,
    /// See rewards and payouts amounts.
    ViewMoney,
    /// See payout method details (bank/PayPal details) of partners.
    ViewPayoutMethods,
    ManagePartners,
    ManageApplications,
    ManageLeads,
    ManageDeals,
    ManageGroupsTagsTiers,
    ManageProgramSettings,
    ManageApiKeys,
    /// The program's link and tracking settings: default destination, link parameters,
    /// attribution model.
    ManageTracking,
    ManageTransactions,
    ReviewRewards,
    ProcessPayouts,
    ExportPayouts,
    ManageTeammates,
    /// Read the email outbox (its messages carry invite links) and send failed messages again.
    ReadOutbox,
    /// Build, change and turn triggers on and off, read their run logs and dry-run them
    /// (a trigger can make rewards and email partners).
    ManageTriggers,
    /// Add, change and turn off the program's webhook endpoints, read and replay their
    /// deliveries, see their signing secrets.
    ManageWebhooks,
    /// The company's name, brand colour, logo and support address, shown to its partners.
    ManageCompany,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Permission::ViewProgram,
        Permission::ViewMoney,
        Permission::ViewPayoutMethods,
        Permission::ManagePartners,
        Permission::ManageApplications,
        Permission::ManageLeads,
        Permission::ManageDeals,
        Permission::ManageGroupsTagsTiers,
        Permission::ManageProgramSettings,
        Permission::ManageApiKeys,
        Permission::ManageTracking,
        Permission::ManageTransactions,
        Permission::ReviewRewards,
        Permission::ProcessPayouts,
        Permission::ExportPayouts,
        Permission::ManageTeammates,
        Permission::ReadOutbox,
        Permission::ManageTriggers,
        Permission::ManageWebhooks,
        Permission::ManageCompany,
    ];
}

/// A teammate's role in a company.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TeammateRole {
    Owner,
    Admin,
    PartnerManager,
    Technical,
    Finance,
    ReadOnly,
}

crate::stored_names!(TeammateRole, "teammate role", {
    Owner => "owner",
    Admin => "admin",
    PartnerManager => "partner_manager",
    Technical => "technical",
    Finance => "finance",
    ReadOnly => "read_only",
});

impl TeammateRole {
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            TeammateRole::Owner | TeammateRole::Admin => Permission::ALL,
            TeammateRole::PartnerManager => &[
                ViewProgram,
                ViewMoney,
                ManagePartners,
                ManageApplications,
                ManageLeads,
                ManageDeals,
                ManageGroupsTagsTiers,
            ],
            TeammateRole::Technical => {
                &[ViewProgram, ManageApiKeys, ManageTracking, ManageWebhooks]
            }
            TeammateRole::Finance => &[
                ViewProgram,
                ViewMoney,
                ViewPayoutMethods,
                ManageTransactions,
                ReviewRewards,
                ProcessPayouts,
                ExportPayouts,
            ],
            TeammateRole::ReadOnly => &[ViewProgram, ViewMoney],
        }
    }

    pub fn can(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    /// Owners grant any role; admins any but owner; nobody else manages teammates.
    pub fn can_assign(self, role: TeammateRole) -> bool {
        match self {
            TeammateRole::Owner => true,
            TeammateRole::Admin => role != TeammateRole::Owner,
            _ => false,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TeammateRole::Owner => "Owner",
            TeammateRole::Admin => "Admin",
            TeammateRole::PartnerManager => "Partner manager",
            TeammateRole::Technical => "Technical",
            TeammateRole::Finance => "Finance",
            TeammateRole::ReadOnly => "Read-only",
        }
    }
}

/// Whether `actor` may change a teammate's role from `current` to `new` (`None`: remove them).
/// A company always keeps at least one owner, nobody changes their own membership, and only
/// owners touch owners.
pub fn check_teammate_change(
    actor: TeammateRole,
    actor_is_target: bool,
    current: TeammateRole,
    new: Option<TeammateRole>,
    owners: i64,
) -> Result<(), crate::RuleViolation> {
    use crate::RuleViolation as R;
    if !actor.can(Permission::ManageTeammates) {
        return Err(R::new("Only owners and admins manage teammates"));
    }
    if actor_is_target {
        return Err(R::new(
            "You cannot change or remove your own membership; ask another owner or admin",
        ));
    }
    if current == TeammateRole::Owner && actor != TeammateRole::Owner {
        return Err(R::new("Only an owner can change another owner"));
    }
    if let Some(new) = new
        && !actor.can_assign(new)
    {
        return Err(R::new(format!(
            "You cannot give the {} role",
            new.label().to_lowercase()
        )));
    }
    let stays_owner = new == Some(TeammateRole::Owner);
    if current == TeammateRole::Owner && !stays_owner && owners <= 1 {
        return Err(R::new("A company needs at least one owner"));
    }
    Ok(())
}

/// What a partner contact may do within their partner team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContactPermission {
    /// See the team's dashboard: team, programs, group and tier.
    ViewDashboard,
    /// See the team's balance, rewards and payouts.
    ViewEarnings,
    /// Set payout details and cash out.
    CashOut,
    TransferOwnership,
    ManageContacts,
    /// All leads and deals of the team.
    ManageTeamLeadsDeals,
    /// The contact's own link, leads and deals.
    ManageOwnLeadsDeals,
    /// Apply to (or accept an invite into) another vendor's program on the team's behalf.
    JoinPrograms,
    /// The contact's own links: share them, see their clicks, make more.
    ShareOwnLinks,
    /// The team's links (the team link and every contact's): see them all, make team links.
    ManageTeamLinks,
    /// The team's name, type, website and country, which every vendor it partners with sees.
    EditTeamProfile,
    /// End the team's partnership in a program. Only the owner: an ended partnership's
    /// earnings are no longer shown, and only the owner cashes out.
    LeavePrograms,
}

/// A contact's role in a partner team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ContactRole {
    Owner,
    Admin,
    Finance,
    Member,
}

crate::stored_names!(ContactRole, "contact role", {
    Owner => "owner",
    Admin => "admin",
    Finance => "finance",
    Member => "member",
});

impl ContactRole {
    pub fn permissions(self) -> &'static [ContactPermission] {
        use ContactPermission::*;
        match self {
            ContactRole::Owner => &[
                ViewDashboard,
                ViewEarnings,
                CashOut,
                TransferOwnership,
                ManageContacts,
                ManageTeamLeadsDeals,
                ManageOwnLeadsDeals,
                JoinPrograms,
                ShareOwnLinks,
                ManageTeamLinks,
                EditTeamProfile,
                LeavePrograms,
            ],
            ContactRole::Admin => &[
                ViewDashboard,
                ManageContacts,
                ManageTeamLeadsDeals,
                ManageOwnLeadsDeals,
                JoinPrograms,
                ShareOwnLinks,
                ManageTeamLinks,
                EditTeamProfile,
            ],
            ContactRole::Finance => &[ViewDashboard, ViewEarnings],
            ContactRole::Member => &[ViewDashboard, ManageOwnLeadsDeals, ShareOwnLinks],
        }
    }

    pub fn can(self, permission: ContactPermission) -> bool {
        self.permissions().contains(&permission)
    }

    /// Roles a contact may give. Nobody gives the owner role: ownership is transferred.
    pub fn can_assign(self, role: ContactRole) -> bool {
        self.can(ContactPermission::ManageContacts) && role != ContactRole::Owner
    }

    pub fn label(self) -> &'static str {
        match self {
            ContactRole::Owner => "Owner",
            ContactRole::Admin => "Admin",
            ContactRole::Finance => "Finance",
            ContactRole::Member => "Member",
        }
    }
}

/// Whether `actor` may change a contact's role from `current` to `new` (`None`: remove them).
/// The team's one owner is changed only by transferring ownership.
pub fn check_contact_change(
    actor: ContactRole,
    actor_is_target: bool,
    current: ContactRole,
    new: Option<ContactRole>,
) -> Result<(), crate::RuleViolation> {
    use crate::RuleViolation as R;
    if !actor.can(ContactPermission::ManageContacts) {
        return Err(R::new("Only the owner and admins manage contacts"));
    }
    if actor_is_target {
        return Err(R::new("You cannot change or remove your own membership"));
    }
    if current == ContactRole::Owner {
        return Err(R::new("The owner stays until they transfer ownership"));
    }
    if let Some(new) = new
        && !actor.can_assign(new)
    {
        return Err(R::new(format!(
            "You cannot give the {} role",
            new.label().to_lowercase()
        )));
    }
    Ok(())
}

/// The roles after the owner hands ownership to `target`: the target becomes the owner and the
/// old owner an admin, so there is exactly one owner before and after.
pub fn transfer_ownership(
    actor: ContactRole,
    actor_is_target: bool,
) -> Result<(ContactRole, ContactRole), crate::RuleViolation> {
    if !actor.can(ContactPermission::TransferOwnership) {
        return Err(crate::RuleViolation::new(
            "Only the owner can transfer ownership",
        ));
    }
    if actor_is_target {
        return Err(crate::RuleViolation::new(
            "Choose another contact to become the owner",
        ));
    }
    Ok((ContactRole::Admin, ContactRole::Owner))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Permission::*;

    #[test]
    fn owner_and_admin_can_do_everything() {
        for p in Permission::ALL {
            assert!(TeammateRole::Owner.can(*p));
            assert!(TeammateRole::Admin.can(*p));
        }
    }

    #[test]
    fn the_matrix_matches_the_domain_table() {
        // Partner managers run the partner side but never approve payouts.
        assert!(TeammateRole::PartnerManager.can(ManagePartners));
        assert!(TeammateRole::PartnerManager.can(ViewMoney));
        assert!(!TeammateRole::PartnerManager.can(ProcessPayouts));
        assert!(!TeammateRole::PartnerManager.can(ManageTracking));
        // Technical: keys and tracking settings; no money, no program settings.
        assert!(TeammateRole::Technical.can(ManageApiKeys));
        assert!(TeammateRole::Technical.can(ManageTracking));
        assert!(TeammateRole::Technical.can(ManageWebhooks));
        assert!(!TeammateRole::Finance.can(ManageWebhooks));
        assert!(!TeammateRole::Technical.can(ManageProgramSettings));
        assert!(!TeammateRole::Technical.can(ViewMoney));
        assert!(!TeammateRole::Technical.can(ManagePartners));
        // Finance: money, no program structure.
        assert!(TeammateRole::Finance.can(ProcessPayouts));
        assert!(TeammateRole::Finance.can(ExportPayouts));
        assert!(!TeammateRole::Finance.can(ManageGroupsTagsTiers));
        assert!(!TeammateRole::Finance.can(ManageProgramSettings));
        // Read-only sees but changes nothing, and never sees payout method details.
        assert!(TeammateRole::ReadOnly.can(ViewProgram));
        assert!(!TeammateRole::ReadOnly.can(ViewPayoutMethods));
        let changes = Permission::ALL
            .iter()
            .filter(|p| !matches!(p, ViewProgram | ViewMoney | ViewPayoutMethods));
        for p in changes {
            assert!(!TeammateRole::ReadOnly.can(*p), "read-only must not {p:?}");
        }
        // Every role sees the program overview.
        for role in TeammateRole::ALL {
            assert!(role.can(ViewProgram));
        }
        // The outbox holds invite links: owners and admins only.
        for role in TeammateRole::ALL {
            let expected = matches!(role, TeammateRole::Owner | TeammateRole::Admin);
            assert_eq!(role.can(ReadOutbox), expected, "{role:?}");
            // Triggers make rewards and email partners.
            assert_eq!(role.can(ManageTriggers), expected, "{role:?}");
        }
    }

    #[test]
    fn contact_roles() {
        use ContactPermission as C;
        assert!(ContactRole::Owner.can(C::CashOut));
        for role in [
            ContactRole::Admin,
            ContactRole::Finance,
            ContactRole::Member,
        ] {
            assert!(!role.can(C::CashOut), "only the owner cashes out");
            assert!(!role.can(C::TransferOwnership));
            assert!(role.can(C::ViewDashboard));
        }
        assert!(ContactRole::Finance.can(C::ViewEarnings));
        assert!(!ContactRole::Finance.can(C::ManageTeamLeadsDeals));
        assert!(!ContactRole::Finance.can(C::ManageOwnLeadsDeals));
        assert!(ContactRole::Admin.can(C::ManageContacts));
        assert!(ContactRole::Member.can(C::ManageOwnLeadsDeals));
        assert!(!ContactRole::Member.can(C::ManageTeamLeadsDeals));
        assert!(!ContactRole::Member.can(C::ViewEarnings));
        assert!(ContactRole::Owner.can(C::EditTeamProfile));
        assert!(ContactRole::Admin.can(C::EditTeamProfile));
        assert!(!ContactRole::Finance.can(C::EditTeamProfile));
        assert!(!ContactRole::Member.can(C::EditTeamProfile));
        assert!(ContactRole::Owner.can(C::LeavePrograms));
        assert!(!ContactRole::Admin.can(C::LeavePrograms));
    }

    #[test]
    fn teammate_changes_keep_an_owner_and_respect_rank() {
        use TeammateRole::*;
        assert!(check_teammate_change(Owner, false, Admin, Some(Finance), 1).is_ok());
        assert!(check_teammate_change(Admin, false, Finance, Some(Technical), 1).is_ok());
        assert!(check_teammate_change(Admin, false, Finance, Some(Owner), 1).is_err());
        assert!(check_teammate_change(Admin, false, Owner, None, 2).is_err());
        assert!(check_teammate_change(Owner, false, Owner, None, 1).is_err());
        assert!(check_teammate_change(Owner, false, Owner, None, 2).is_ok());
        assert!(check_teammate_change(Owner, true, Admin, None, 2).is_err());
        assert!(check_teammate_change(PartnerManager, false, Finance, None, 1).is_err());
        assert!(check_teammate_change(ReadOnly, false, Finance, Some(ReadOnly), 1).is_err());
    }

    #[test]
    fn contact_changes_never_touch_the_owner() {
        use ContactRole::*;
        assert!(check_contact_change(Owner, false, Member, Some(Admin),).is_ok());
        assert!(check_contact_change(Admin, false, Member, Some(Finance)).is_ok());
        assert!(check_contact_change(Admin, false, Member, Some(Owner)).is_err());
        assert!(check_contact_change(Admin, false, Owner, None).is_err());
        assert!(check_contact_change(Member, false, Finance, None).is_err());
        assert!(check_contact_change(Finance, false, Member, None).is_err());
        assert!(check_contact_change(Owner, true, Owner, None).is_err());
        assert_eq!(transfer_ownership(Owner, false), Ok((Admin, Owner)));
        assert!(transfer_ownership(Admin, false).is_err());
        assert!(transfer_ownership(Owner, true).is_err());
    }

    proptest::proptest! {
        #[test]
        fn a_company_never_loses_its_last_owner(actor in 0usize..6, current in 0usize..6, new in proptest::option::of(0usize..6), owners in 1i64..4, is_self: bool) {
            let (actor, current) = (TeammateRole::ALL[actor], TeammateRole::ALL[current]);
            let new = new.map(|n| TeammateRole::ALL[n]);
            let owners = if current == TeammateRole::Owner { owners } else { owners.max(1) };
            if check_teammate_change(actor, is_self, current, new, owners).is_ok() && current == TeammateRole::Owner && new != Some(TeammateRole::Owner) {
                proptest::prop_assert!(owners >= 2);
            }
        }

        #[test]
        fn nobody_becomes_contact_owner_by_a_role_change(actor in 0usize..4, current in 0usize..4, new in 0usize..4, is_self: bool) {
            let (actor, current, new) = (ContactRole::ALL[actor], ContactRole::ALL[current], ContactRole::ALL[new]);
            if check_contact_change(actor, is_self, current, Some(new)).is_ok() {
                proptest::prop_assert!(new != ContactRole::Owner && current != ContactRole::Owner);
            }
        }
    }

    #[test]
    fn roles_round_trip_through_storage_names() {
        for role in TeammateRole::ALL {
            assert_eq!(TeammateRole::parse(role.as_str()).unwrap(), *role);
        }
        for role in ContactRole::ALL {
            assert_eq!(ContactRole::parse(role.as_str()).unwrap(), *role);
        }
        assert!(TeammateRole::parse("superuser").is_err());
    }
}
