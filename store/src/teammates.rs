//! A company's teammates: listing, changing and removing them, restricting partner managers to
//! groups, and withdrawing teammate invites.

use domain::permissions::{TeammateRole, check_teammate_change};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::context::Teammate;
use super::db::Db;
use super::events::{self, NewEvent};
use crate::dto::{Named, TeammateRow};
use crate::error::AppError;

/// The company's teammates and the groups a restriction can name.
pub struct Teammates {
    /// By name, each with the groups they are restricted to.
    pub teammates: Vec<TeammateRow>,
    /// Every group of the company's programs, as "Program · Group".
    pub all_groups: Vec<Named>,
}

/// The company's teammates (`viewer_user_id` is marked as "you") and its programs' groups.
pub async fn list(db: &Db, company_id: i64, viewer_user_id: i64) -> Result<Teammates, AppError> {
    let rows = sqlx::query(
        "SELECT t.id, u.name, u.email, t.role, t.created_at, t.user_id FROM teammates t \
         JOIN users u ON u.id = t.user_id WHERE t.company_id = $1 ORDER BY u.name, t.id",
    )
    .bind(company_id)
    .fetch_all(&mut db.conn().await?)
    .await?;
    let mut teammates = rows
        .iter()
        .map(|r| teammate_row(r, viewer_user_id))
        .collect::<Result<Vec<_>, _>>()?;
    let restrictions = sqlx::query(
        "SELECT tg.teammate_id, tg.group_id FROM teammate_groups tg JOIN teammates t ON t.id = tg.teammate_id \
         WHERE t.company_id = $1 ORDER BY tg.group_id",
    )
    .bind(company_id)
    .fetch_all(&mut db.conn().await?)
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
    .bind(company_id)
    .fetch_all(&mut db.conn().await?)
    .await?
    .iter()
    .map(group_row)
    .collect::<Result<Vec<_>, _>>()?;
    Ok(Teammates {
        teammates,
        all_groups,
    })
}

/// A row of [`list`]'s teammates, without its groups. An unknown stored role is refused as
/// the domain refuses it.
fn teammate_row(r: &AnyRow, viewer_user_id: i64) -> Result<TeammateRow, AppError> {
    let role: String = r.try_get(3)?;
    Ok(TeammateRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        email: r.try_get(2)?,
        role: TeammateRole::parse(&role)?,
        joined_at: r.try_get(4)?,
        is_you: r.try_get::<i64, _>(5)? == viewer_user_id,
        groups: Vec::new(),
    })
}

fn group_row(r: &AnyRow) -> Result<Named, sqlx::Error> {
    Ok(Named {
        id: r.try_get(0)?,
        name: format!(
            "{} · {}",
            r.try_get::<String, _>(1)?,
            r.try_get::<String, _>(2)?
        ),
    })
}

/// Gives teammate `target_id` of the actor's company the role `new`, or removes them (`None`).
pub async fn change(
    db: &Db,
    actor: &Teammate,
    target_id: i64,
    new: Option<TeammateRole>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query("SELECT user_id, role FROM teammates WHERE id = $1 AND company_id = $2")
        .bind(target_id)
        .bind(actor.company_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("Teammate"))?;
    let user_id: i64 = row.try_get(0)?;
    let current_text: String = row.try_get(1)?;
    let current = TeammateRole::parse(&current_text).map_err(AppError::internal)?;
    let owners: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM teammates WHERE company_id = $1 AND role = $2")
            .bind(actor.company_id)
            .bind(TeammateRole::Owner.as_str())
            .fetch_one(&mut *tx)
            .await?;
    check_teammate_change(
        actor.role,
        user_id == actor.identity.user_id,
        current,
        new,
        owners,
    )?;
    let kind = match new {
        Some(role) => {
            sqlx::query("UPDATE teammates SET role = $1 WHERE id = $2")
                .bind(role.as_str())
                .bind(target_id)
                .execute(&mut *tx)
                .await?;
            "teammate.role_changed"
        }
        None => {
            sqlx::query("DELETE FROM teammates WHERE id = $1")
                .bind(target_id)
                .execute(&mut *tx)
                .await?;
            "teammate.removed"
        }
    };
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor.identity.user_id),
            company_id: Some(actor.company_id),
            kind,
            subject_type: "teammate",
            subject_id: target_id,
            payload: serde_json::json!({
                "user_id": user_id,
                "before": current.as_str(),
                "after": new.map(TeammateRole::as_str),
            }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Restricts partner manager `teammate_id` of the company to `groups` (a set; empty: every
/// group), which must all be groups of the company's programs. Only partner managers can be
/// restricted: the other roles see every partnership by definition.
pub async fn set_groups(
    db: &Db,
    company_id: i64,
    actor_user_id: i64,
    teammate_id: i64,
    mut groups: Vec<i64>,
) -> Result<(), AppError> {
    groups.sort_unstable();
    groups.dedup();
    let mut tx = db.begin().await?;
    let role: String =
        sqlx::query_scalar("SELECT role FROM teammates WHERE id = $1 AND company_id = $2")
            .bind(teammate_id)
            .bind(company_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::not_found("Teammate"))?;
    if role != TeammateRole::PartnerManager.as_str() {
        return Err(AppError::bad_request(
            "Only partner managers can be restricted to groups",
        ));
    }
    for group in &groups {
        let ours: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE g.id = $1 AND p.company_id = $2",
        )
        .bind(group)
        .bind(company_id)
        .fetch_one(&mut *tx)
        .await?;
        if ours == 0 {
            return Err(AppError::not_found("Group"));
        }
    }
    let before: Vec<i64> = sqlx::query_scalar(
        "SELECT group_id FROM teammate_groups WHERE teammate_id = $1 ORDER BY group_id",
    )
    .bind(teammate_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM teammate_groups WHERE teammate_id = $1")
        .bind(teammate_id)
        .execute(&mut *tx)
        .await?;
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
            actor_user_id: Some(actor_user_id),
            company_id: Some(company_id),
            kind: "teammate.groups_changed",
            subject_type: "teammate",
            subject_id: teammate_id,
            payload: serde_json::json!({ "before": before, "after": groups }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
