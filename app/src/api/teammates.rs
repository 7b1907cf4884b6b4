//! The company's teammates: list, invite, change role, remove.

use leptos::prelude::*;

use crate::dto::{InviteCreated, TeammatesPage};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "teammates")]
pub async fn fetch_teammates() -> Result<TeammatesPage, AppError> {
    use crate::server::{endpoint, invites, require_teammate, teammates, viewer};
    use domain::permissions::{Permission, TeammateRole};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let listed = teammates::list(&state.db, me.company_id, me.identity.user_id).await?;
        let can_manage = me.role.can(Permission::ManageTeammates);
        let invites = if can_manage {
            invites::pending(&state.db, invites::Owner::Company(me.company_id), None).await?
        } else {
            Vec::new()
        };
        Ok(TeammatesPage {
            viewer: viewer(&me.company_name, None)?,
            company: me.company_name.clone(),
            can_manage,
            assignable_roles: TeammateRole::ALL
                .iter()
                .copied()
                .filter(|r| me.role.can_assign(*r))
                .collect(),
            teammates: listed.teammates,
            invites,
            all_groups: listed.all_groups,
            invite_link: crate::server::notice::take_revealed("teammate_invite"),
        })
    })
    .await
}

/// Invites someone by email with a role. The invite is queued in the email outbox and its link
/// returned so the inviter can share it.
#[server(prefix = "/api", endpoint = "invite_teammate")]
pub async fn invite_teammate(email: String, role: String) -> Result<InviteCreated, AppError> {
    use crate::server::invites::{Place, invite_member};
    use crate::server::{endpoint, require_teammate};
    use domain::permissions::{Permission, TeammateRole};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTeammates).await?;
        let role = TeammateRole::parse(&role)
            .map_err(|_| AppError::invalid_fields(vec![("role", "Choose a role".into())]))?;
        if !me.role.can_assign(role) {
            return Err(AppError::invalid_fields(vec![(
                "role",
                format!("You cannot give the {} role", role.label().to_lowercase()),
            )]));
        }
        let place = Place::Company {
            id: me.company_id,
            name: &me.company_name,
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
        .map(super::invites::invite_made("teammate_invite"))
    })
    .await
}

/// Withdraws a pending invite of the caller's company.
#[server(prefix = "/api", endpoint = "revoke_invite")]
pub async fn revoke_invite(invite_id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, invites, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTeammates).await?;
        invites::revoke(
            &state.db,
            invite_id,
            invites::Owner::Company(me.company_id),
            &me.identity,
        )
        .await?;
        crate::server::notice::notice("Invite withdrawn. Its link no longer works.");
        Ok(())
    })
    .await
}

/// Gives a teammate another role.
#[server(prefix = "/api", endpoint = "change_teammate_role")]
pub async fn change_teammate_role(teammate_id: i64, role: String) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, teammates};
    use domain::permissions::{Permission, TeammateRole};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTeammates).await?;
        let role = TeammateRole::parse(&role)?;
        teammates::change(&state.db, &me, teammate_id, Some(role)).await?;
        crate::server::notice::notice("Role saved. It applies at once.");
        Ok(())
    })
    .await
}

/// Removes a teammate from the company (their account stays).
#[server(prefix = "/api", endpoint = "remove_teammate")]
pub async fn remove_teammate(teammate_id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, teammates};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTeammates).await?;
        teammates::change(&state.db, &me, teammate_id, None).await?;
        crate::server::notice::notice("Teammate removed from the company.");
        Ok(())
    })
    .await
}

/// Restricts a partner manager to some groups (none: every group). They then see and change
/// only partnerships in those groups.
#[server(prefix = "/api", endpoint = "set_teammate_groups")]
pub async fn set_teammate_groups(
    teammate_id: i64,
    groups: Option<Vec<i64>>,
) -> Result<(), AppError> {
    use crate::server::{endpoint, require_teammate, teammates};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTeammates).await?;
        teammates::set_groups(
            &state.db,
            me.company_id,
            me.identity.user_id,
            teammate_id,
            groups.unwrap_or_default(),
        )
        .await?;
        crate::server::notice::notice("Groups saved.");
        Ok(())
    })
    .await
}
