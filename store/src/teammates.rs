//! Changing and removing teammates.

use domain::permissions::{TeammateRole, check_teammate_change};
use sqlx::Row;

use super::context::Teammate;
use super::db::Tx;
use super::events::{self, NewEvent};
use crate::error::AppError;

/// Gives teammate `target_id` of the actor's company the role `new`, or removes them (`None`).
pub async fn change(
    tx: &mut Tx,
    actor: &Teammate,
    target_id: i64,
    new: Option<TeammateRole>,
) -> Result<(), AppError> {
    let row = sqlx::query("SELECT user_id, role FROM teammates WHERE id = $1 AND company_id = $2")
        .bind(target_id)
        .bind(actor.company_id)
        .fetch_optional(&mut **tx)
        .await?
        .ok_or_else(|| AppError::not_found("Teammate"))?;
    let user_id: i64 = row.try_get(0)?;
    let current_text: String = row.try_get(1)?;
    let current = TeammateRole::parse(&current_text).map_err(AppError::internal)?;
    let owners: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM teammates WHERE company_id = $1 AND role = $2")
            .bind(actor.company_id)
            .bind(TeammateRole::Owner.as_str())
            .fetch_one(&mut **tx)
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
                .execute(&mut **tx)
                .await?;
            "teammate.role_changed"
        }
        None => {
            sqlx::query("DELETE FROM teammates WHERE id = $1")
                .bind(target_id)
                .execute(&mut **tx)
                .await?;
            "teammate.removed"
        }
    };
    events::append(
        tx,
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
    Ok(())
}
