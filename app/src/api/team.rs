//! The partner team: its profile, and its contacts (list, invite, change role, remove,
//! transfer ownership).

use leptos::prelude::*;

use crate::dto::{InviteCreated, TeamPage};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "team")]
pub async fn fetch_team() -> Result<TeamPage, AppError> {
    use crate::server::{contacts, endpoint, invites, require_contact, teams, viewer};
    use domain::permissions::{ContactPermission, ContactRole};

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ViewDashboard).await?;
        let contacts = contacts::list(&state.db, me.partner_team_id, me.identity.user_id).await?;
        let profile = teams::profile(&state.db, me.partner_team_id).await?;
        let can_manage = me.role.can(ContactPermission::ManageContacts);
        let invites = if can_manage {
            invites::pending(
                &state.db,
                invites::Owner::PartnerTeam(me.partner_team_id),
                None,
            )
            .await?
        } else {
            Vec::new()
        };
        Ok(TeamPage {
            viewer: viewer(&me.partner_team_name, None)?,
            team: me.partner_team_name.clone(),
            your_role: me.role,
            can_manage,
            can_transfer: me.role.can(ContactPermission::TransferOwnership),
            assignable_roles: ContactRole::ALL
                .iter()
                .copied()
                .filter(|r| me.role.can_assign(*r))
                .collect(),
            contacts,
            invites,
            invite_link: crate::server::notice::take_revealed("contact_invite"),
            profile,
            can_edit_profile: me.role.can(ContactPermission::EditTeamProfile),
        })
    })
    .await
}

/// The team's owner or an admin changes what the team says of itself: its name, partner
/// type, website and country (checked as on the signup form).
#[server(prefix = "/api", endpoint = "save_team_profile")]
pub async fn save_team_profile(
    team_name: String,
    partner_type: String,
    website: String,
    country: String,
) -> Result<(), AppError> {
    use crate::server::{endpoint, require_contact, teams};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::EditTeamProfile).await?;
        let profile =
            domain::program::validate_application(&team_name, &partner_type, &website, &country)
                .map_err(AppError::invalid_fields)?;
        teams::save_profile(&state.db, &me, &profile).await?;
        crate::server::notice::notice("Team profile saved.");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "invite_contact")]
pub async fn invite_contact(email: String, role: String) -> Result<InviteCreated, AppError> {
    use crate::server::invites::{Place, invite_member};
    use crate::server::{endpoint, require_contact};
    use domain::permissions::{ContactPermission, ContactRole};

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageContacts).await?;
        let role = ContactRole::parse(&role)
            .ok()
            .filter(|r| me.role.can_assign(*r))
            .ok_or_else(|| {
                AppError::invalid_fields(vec![("role", "Choose admin, finance or member".into())])
            })?;
        let place = Place::PartnerTeam {
            id: me.partner_team_id,
            name: &me.partner_team_name,
        };
        invite_member(
            &state.db,
            &crate::server::public_origin(&state),
            &me.identity,
            place,
            &email,
            role.as_str(),
            role.label(),
        )
        .await
        .map(super::invites::invite_made("contact_invite"))
    })
    .await
}

#[server(prefix = "/api", endpoint = "revoke_contact_invite")]
pub async fn revoke_contact_invite(invite_id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, invites, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageContacts).await?;
        invites::revoke(
            &state.db,
            invite_id,
            invites::Owner::PartnerTeam(me.partner_team_id),
            &me.identity,
        )
        .await?;
        crate::server::notice::notice("Invite withdrawn. Its link no longer works.");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "change_contact_role")]
pub async fn change_contact_role(contact_id: i64, role: String) -> Result<(), AppError> {
    use crate::server::{contacts, endpoint, require_contact};
    use domain::permissions::{ContactPermission, ContactRole};

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageContacts).await?;
        let role = ContactRole::parse(&role)?;
        contacts::change(&state.db, &me, contact_id, Some(role)).await?;
        crate::server::notice::notice("Role saved. It applies at once.");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "remove_contact")]
pub async fn remove_contact(contact_id: i64) -> Result<(), AppError> {
    use crate::server::{contacts, endpoint, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageContacts).await?;
        contacts::change(&state.db, &me, contact_id, None).await?;
        crate::server::notice::notice("Contact removed from the team.");
        Ok(())
    })
    .await
}

#[server(prefix = "/api", endpoint = "transfer_ownership")]
pub async fn transfer_team_ownership(contact_id: i64) -> Result<(), AppError> {
    use crate::server::{contacts, endpoint, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::TransferOwnership).await?;
        contacts::transfer(&state.db, &me, contact_id).await?;
        crate::server::notice::notice("Ownership transferred. You are an admin of the team now.");
        Ok(())
    })
    .await
}
