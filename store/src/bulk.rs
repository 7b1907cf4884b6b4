//! Bulk actions on a selection of partnerships, in one transaction with one event per
//! partnership changed.

use std::collections::BTreeSet;

use domain::partnership::{PartnershipStatus, StatusAction};
use domain::permissions::Permission;
use sqlx::Row;

use super::context::Teammate;
use super::db::{Db, Tx, now_ms};
use super::events::{self, NewEvent};
use super::structure::{Owned, owned};
use crate::error::AppError;

pub const MAX_IDS: usize = 500;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    AddTag(i64),
    RemoveTag(i64),
    MoveGroup(i64),
    SetTier(Option<i64>),
    AssignManager(Option<i64>),
    /// Suspend, reactivate, archive or unarchive; partnerships it does not apply to are skipped.
    Status(StatusAction),
}

impl BulkAction {
    pub fn permission(self) -> Permission {
        match self {
            BulkAction::AddTag(_)
            | BulkAction::RemoveTag(_)
            | BulkAction::MoveGroup(_)
            | BulkAction::SetTier(_) => Permission::ManageGroupsTagsTiers,
            BulkAction::AssignManager(_) | BulkAction::Status(_) => Permission::ManagePartners,
        }
    }
}

pub struct Target {
    pub id: i64,
    status: PartnershipStatus,
    archived_from: Option<PartnershipStatus>,
    group_id: i64,
    tier_id: Option<i64>,
    manager_id: Option<i64>,
}

/// Applies `action` to `ids` (all must be partnerships of `program_id` within `allowed`
/// groups); returns how many changed.
pub async fn apply(
    db: &Db,
    actor: &Teammate,
    program_id: i64,
    ids: &[i64],
    allowed: Option<&[i64]>,
    action: BulkAction,
) -> Result<i64, AppError> {
    match action {
        BulkAction::AddTag(t) | BulkAction::RemoveTag(t) => {
            owned(db, Owned::Tag, t, program_id).await?
        }
        BulkAction::MoveGroup(g) => owned(db, Owned::Group, g, program_id).await?,
        BulkAction::SetTier(Some(t)) => owned(db, Owned::Tier, t, program_id).await?,
        BulkAction::AssignManager(Some(m)) => owned(db, Owned::Manager, m, program_id).await?,
        _ => {}
    }
    if let (BulkAction::MoveGroup(g), Some(allowed)) = (action, allowed)
        && !allowed.contains(&g)
    {
        return Err(AppError::not_found("Group"));
    }
    let unique: BTreeSet<i64> = ids.iter().copied().collect();
    let mut tx = db.begin().await?;
    let targets = load(&mut tx, program_id, &unique).await?;
    let visible = |t: &Target| allowed.is_none_or(|groups| groups.contains(&t.group_id));
    if targets.len() != unique.len() || !targets.iter().all(visible) {
        return Err(AppError::not_found("Some of the selected partners"));
    }
    let now = now_ms();
    let mut changed = 0;
    for t in &targets {
        let by = Actor {
            user_id: Some(actor.identity.user_id),
            company_id: actor.company_id,
            program_id,
            reason: None,
        };
        if change(&mut tx, &by, t, action, now).await? {
            changed += 1;
        }
    }
    tx.commit().await?;
    Ok(changed)
}

/// Who makes a change to a partnership, in which program.
pub struct Actor {
    /// `None`: the portal itself (a trigger).
    pub user_id: Option<i64>,
    pub company_id: i64,
    pub program_id: i64,
    /// Why, where the change keeps a reason (a tier set by a trigger says which).
    pub reason: Option<String>,
}

/// Applies `action` to one partnership loaded by [`load`], with its event; `false` when it
/// changed nothing (the tag was there already, the group is the same, ...).
pub async fn change(
    tx: &mut Tx,
    by: &Actor,
    t: &Target,
    action: BulkAction,
    now: i64,
) -> Result<bool, AppError> {
    let (kind, payload) = match action {
        BulkAction::AddTag(tag) => {
            let done = sqlx::query(
                "INSERT INTO partnership_tags (partnership_id, tag_id, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (partnership_id, tag_id) DO NOTHING",
            )
            .bind(t.id)
            .bind(tag)
            .bind(now)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            (
                "partnership.tag_added",
                serde_json::json!({ "tag_id": tag }),
            )
        }
        BulkAction::RemoveTag(tag) => {
            let done = sqlx::query(
                "DELETE FROM partnership_tags WHERE partnership_id = $1 AND tag_id = $2",
            )
            .bind(t.id)
            .bind(tag)
            .execute(&mut **tx)
            .await?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            (
                "partnership.tag_removed",
                serde_json::json!({ "tag_id": tag }),
            )
        }
        BulkAction::MoveGroup(group) if group != t.group_id => {
            let by = (by.user_id, by.company_id);
            super::partnerships::move_group(tx, by, t.id, (t.group_id, group)).await?;
            return Ok(true);
        }
        BulkAction::SetTier(tier) if tier != t.tier_id => {
            // The change goes into the tier history (with its own event), which rewards read.
            super::tiers::set_by_teammate(
                tx,
                (by.program_id, by.company_id),
                t.id,
                (t.tier_id, tier),
                (by.user_id, by.reason.as_deref()),
                now,
            )
            .await?;
            return Ok(true);
        }
        BulkAction::AssignManager(manager) if manager != t.manager_id => {
            sqlx::query("UPDATE partnerships SET manager_teammate_id = $1 WHERE id = $2")
                .bind(manager)
                .bind(t.id)
                .execute(&mut **tx)
                .await?;
            (
                "partnership.manager_changed",
                serde_json::json!({ "before": t.manager_id, "after": manager }),
            )
        }
        BulkAction::Status(change) => {
            let Ok(next) = change.next(t.status, t.archived_from) else {
                return Ok(false);
            };
            let by = (by.user_id, by.company_id);
            super::partnerships::write_status(tx, by, t.id, (t.status, next), None).await?;
            return Ok(true);
        }
        _ => return Ok(false),
    };
    events::append(
        tx,
        NewEvent {
            actor_user_id: by.user_id,
            company_id: Some(by.company_id),
            kind,
            subject_type: "partnership",
            subject_id: t.id,
            payload,
        },
    )
    .await?;
    Ok(true)
}

/// The partnerships of `program_id` among `ids`, by id.
pub async fn load(
    tx: &mut Tx,
    program_id: i64,
    ids: &BTreeSet<i64>,
) -> Result<Vec<Target>, AppError> {
    let placeholders = super::db::placeholders(1, ids.len());
    let sql = format!(
        "SELECT id, status, group_id, tier_id, manager_teammate_id, archived_from FROM partnerships \
         WHERE program_id = $1 AND id IN ({}) ORDER BY id",
        placeholders
    );
    // Safe: placeholders only.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(program_id);
    for id in ids {
        query = query.bind(*id);
    }
    query
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .map(|r| {
            let status: String = r.try_get(1)?;
            Ok(Target {
                id: r.try_get(0)?,
                status: PartnershipStatus::parse(&status).map_err(AppError::internal)?,
                group_id: r.try_get(2)?,
                tier_id: r.try_get(3)?,
                manager_id: r.try_get(4)?,
                archived_from: crate::db::stored_opt(&r, 5)?,
            })
        })
        .collect()
}
