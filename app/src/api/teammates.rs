//! The company's teammates: list, invite, change role, remove.

use leptos::prelude::*;

use crate::dto::{InviteCreated, TeammatesPage};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "teammates")]
pub async fn fetch_teammates() -> Result<TeammatesPage, AppError> {
    use crate::dto::{InviteRow, TeammateRow};
    use crate::server::{db::now_ms, endpoint, require_teammate, viewer};
    use domain::invite::InviteTimes;
    use domain::permissions::{Permission, TeammateRole};
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let rows = sqlx::query(
            "SELECT t.id, u.name, u.email, t.role, t.created_at, t.user_id FROM teammates t \
             JOIN users u ON u.id = t.user_id WHERE t.company_id = $1 ORDER BY u.name, t.id",
        )
        .bind(me.company_id)
        .fetch_all(&state.db.pool)
        .await?;
        let mut teammates = Vec::with_capacity(rows.len());
        for r in rows {
            let role: String = r.try_get(3)?;
            teammates.push(TeammateRow {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                email: r.try_get(2)?,
                role: TeammateRole::parse(&role)?,
                joined_at: r.try_get(4)?,
                is_you: r.try_get::<i64, _>(5)? == me.identity.user_id,
            });
        }
        let can_manage = me.role.can(Permission::ManageTeammates);
        let mut invites = Vec::new();
        if can_manage {
            let now = now_ms();
            let rows = sqlx::query(
                "SELECT id, email, role, created_at, expires_at, accepted_at, revoked_at FROM invites \
                 WHERE company_id = $1 AND kind = $2 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3 \
                 ORDER BY id DESC LIMIT 100",
            )
            .bind(me.company_id)
            .bind(domain::invite::InviteKind::Teammate.as_str())
            .bind(now)
            .fetch_all(&state.db.pool)
            .await?;
            for r in rows {
                let times = InviteTimes {
                    expires_at: r.try_get(4)?,
                    accepted_at: r.try_get(5)?,
                    revoked_at: r.try_get(6)?,
                };
                if !times.is_pending(now) {
                    continue;
                }
                let role: String = r.try_get(2)?;
                invites.push(InviteRow {
                    id: r.try_get(0)?,
                    email: r.try_get(1)?,
                    role: TeammateRole::parse(&role)?.label().to_owned(),
                    invited_at: r.try_get(3)?,
                    expires_at: times.expires_at,
                });
            }
        }
        Ok(TeammatesPage {
            viewer: viewer(&state, &me.identity, &me.company_name).await?,
            company: me.company_name.clone(),
            can_manage,
            assignable_roles: TeammateRole::ALL.iter().copied().filter(|r| me.role.can_assign(*r)).collect(),
            teammates,
            invites,
        })
    })
    .await
}

/// Invites someone by email with a role. The invite is queued in the email outbox and its link
/// returned so the inviter can share it.
#[server(prefix = "/api", endpoint = "invite_teammate")]
pub async fn invite_teammate(email: String, role: String) -> Result<InviteCreated, AppError> {
    use crate::server::{endpoint, invites, public_origin, require_teammate};
    use domain::invite::InviteKind;
    use domain::permissions::{Permission, TeammateRole};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTeammates).await?;
        let email = domain::identity::normalize_email(&email)
            .map_err(|e| AppError::invalid_fields(vec![("email", e.0)]))?;
        let role = TeammateRole::parse(&role)
            .map_err(|_| AppError::invalid_fields(vec![("role", "Choose a role".into())]))?;
        if !me.role.can_assign(role) {
            return Err(AppError::invalid_fields(vec![(
                "role",
                format!("You cannot give the {} role", role.label().to_lowercase()),
            )]));
        }
        let already: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM teammates t JOIN users u ON u.id = t.user_id \
             WHERE t.company_id = $1 AND u.email_normalized = $2",
        )
        .bind(me.company_id)
        .bind(&email)
        .fetch_one(&state.db.pool)
        .await?;
        if already > 0 {
            return Err(AppError::invalid_fields(vec![(
                "email",
                format!("{email} is already a teammate"),
            )]));
        }
        let mut tx = state.db.begin().await?;
        let link = invites::create(
            &mut tx,
            invites::NewInvite {
                kind: InviteKind::Teammate,
                company_id: Some(me.company_id),
                partner_team_id: None,
                email: &email,
                role: role.as_str(),
                role_label: role.label(),
                workspace_name: &me.company_name,
                invited_by: &me.identity,
                origin: &public_origin(&state),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(InviteCreated { email, link })
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
        let mut tx = state.db.begin().await?;
        invites::revoke(
            &mut tx,
            invite_id,
            invites::Owner::Company(me.company_id),
            &me.identity,
        )
        .await?;
        tx.commit().await?;
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
        let mut tx = state.db.begin().await?;
        teammates::change(&mut tx, &me, teammate_id, Some(role)).await?;
        tx.commit().await?;
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
        let mut tx = state.db.begin().await?;
        teammates::change(&mut tx, &me, teammate_id, None).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
