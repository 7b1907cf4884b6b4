//! The company's teammates: list, invite, change role, remove.

use leptos::prelude::*;

use crate::dto::{InviteCreated, TeammatesPage};
use crate::error::AppError;

#[server(prefix = "/api", endpoint = "teammates")]
pub async fn fetch_teammates() -> Result<TeammatesPage, AppError> {
    use crate::dto::TeammateRow;
    use crate::server::{endpoint, invites, require_teammate, viewer};
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
                groups: Vec::new(),
            });
        }
        let restrictions = sqlx::query(
            "SELECT tg.teammate_id, tg.group_id FROM teammate_groups tg JOIN teammates t ON t.id = tg.teammate_id \
             WHERE t.company_id = $1 ORDER BY tg.group_id",
        )
        .bind(me.company_id)
        .fetch_all(&state.db.pool)
        .await?;
        for r in restrictions {
            let (teammate, group): (i64, i64) = (r.try_get(0)?, r.try_get(1)?);
            if let Some(t) = teammates.iter_mut().find(|t| t.id == teammate) {
                t.groups.push(group);
            }
        }
        let all_groups = sqlx::query(
            "SELECT g.id, p.name, g.name FROM partner_groups g JOIN programs p ON p.id = g.program_id \
             WHERE p.company_id = $1 ORDER BY p.name, g.name",
        )
        .bind(me.company_id)
        .fetch_all(&state.db.pool)
        .await?
        .into_iter()
        .map(|r| {
            Ok(crate::dto::Named {
                id: r.try_get(0)?,
                name: format!("{} · {}", r.try_get::<String, _>(1)?, r.try_get::<String, _>(2)?),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
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
            assignable_roles: TeammateRole::ALL.iter().copied().filter(|r| me.role.can_assign(*r)).collect(),
            teammates,
            invites,
            all_groups,
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

/// Restricts a partner manager to some groups (none: every group). They then see and change
/// only partnerships in those groups.
#[server(prefix = "/api", endpoint = "set_teammate_groups")]
pub async fn set_teammate_groups(
    teammate_id: i64,
    groups: Option<Vec<i64>>,
) -> Result<(), AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{endpoint, require_teammate};
    use domain::permissions::{Permission, TeammateRole};

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageTeammates).await?;
        let mut groups = groups.unwrap_or_default();
        groups.sort_unstable();
        groups.dedup();
        let mut tx = state.db.begin().await?;
        let role: String = sqlx::query_scalar("SELECT role FROM teammates WHERE id = $1 AND company_id = $2")
            .bind(teammate_id)
            .bind(me.company_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::not_found("Teammate"))?;
        if role != TeammateRole::PartnerManager.as_str() {
            return Err(AppError::bad_request("Only partner managers can be restricted to groups"));
        }
        for group in &groups {
            let ours: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE g.id = $1 AND p.company_id = $2",
            )
            .bind(group)
            .bind(me.company_id)
            .fetch_one(&mut *tx)
            .await?;
            if ours == 0 {
                return Err(AppError::not_found("Group"));
            }
        }
        let before: Vec<i64> = sqlx::query_scalar("SELECT group_id FROM teammate_groups WHERE teammate_id = $1 ORDER BY group_id")
            .bind(teammate_id)
            .fetch_all(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM teammate_groups WHERE teammate_id = $1").bind(teammate_id).execute(&mut *tx).await?;
        for group in &groups {
            sqlx::query("INSERT INTO teammate_groups (teammate_id, group_id) VALUES ($1, $2)")
                .bind(teammate_id)
                .bind(group)
                .execute(&mut *tx)
                .await?;
        }
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: "teammate.groups_changed",
                subject_type: "teammate",
                subject_id: teammate_id,
                payload: serde_json::json!({ "before": before, "after": groups }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}
