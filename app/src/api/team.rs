//! The partner team's contacts: list, invite, change role, remove, transfer ownership.

use leptos::prelude::*;

use crate::dto::{InviteCreated, TeamPage};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "team")]
pub async fn fetch_team() -> Result<TeamPage, AppError> {
    use crate::dto::ContactRow;
    use crate::server::{endpoint, invites, require_contact, viewer};
    use domain::permissions::{ContactPermission, ContactRole};
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ViewDashboard).await?;
        let rows = sqlx::query(
            "SELECT c.id, u.name, u.email, c.role, c.created_at, c.user_id, c.referral_code FROM contacts c \
             JOIN users u ON u.id = c.user_id WHERE c.partner_team_id = $1 ORDER BY u.name, c.id",
        )
        .bind(me.partner_team_id)
        .fetch_all(&state.db.pool)
        .await?;
        let mut contacts = Vec::with_capacity(rows.len());
        for r in rows {
            let role: String = r.try_get(3)?;
            contacts.push(ContactRow {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                email: r.try_get(2)?,
                role: ContactRole::parse(&role)?,
                joined_at: r.try_get(4)?,
                is_you: r.try_get::<i64, _>(5)? == me.identity.user_id,
                referral_code: r.try_get(6)?,
            });
        }
        let can_manage = me.role.can(ContactPermission::ManageContacts);
        let invites = if can_manage {
            invites::pending(&state.db, invites::Owner::PartnerTeam(me.partner_team_id), None).await?
        } else {
            Vec::new()
        };
        Ok(TeamPage {
            viewer: viewer(&me.partner_team_name, None)?,
            team: me.partner_team_name.clone(),
            your_role: me.role,
            can_manage,
            can_transfer: me.role.can(ContactPermission::TransferOwnership),
            assignable_roles: ContactRole::ALL.iter().copied().filter(|r| me.role.can_assign(*r)).collect(),
            contacts,
            invites,
        })
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
    })
    .await
}

#[server(prefix = "/api", endpoint = "revoke_contact_invite")]
pub async fn revoke_contact_invite(invite_id: i64) -> Result<(), AppError> {
    use crate::server::{endpoint, invites, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageContacts).await?;
        let mut tx = state.db.begin().await?;
        invites::revoke(
            &mut tx,
            invite_id,
            invites::Owner::PartnerTeam(me.partner_team_id),
            &me.identity,
        )
        .await?;
        tx.commit().await?;
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
        let mut tx = state.db.begin().await?;
        contacts::change(&mut tx, &me, contact_id, Some(role)).await?;
        tx.commit().await?;
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
        let mut tx = state.db.begin().await?;
        contacts::change(&mut tx, &me, contact_id, None).await?;
        tx.commit().await?;
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
        let mut tx = state.db.begin().await?;
        contacts::transfer(&mut tx, &me, contact_id).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
