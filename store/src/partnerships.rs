//! Partnership changes made by teammates, always inside the teammate's company.

use domain::partnership::PartnershipStatus;
use sqlx::Row;

use super::context::Teammate;
use super::db::{Tx, now_ms};
use super::events::{self, NewEvent};
use crate::error::AppError;

pub struct Loaded {
    pub id: i64,
    pub status: PartnershipStatus,
    pub partner_team_id: i64,
    pub partner_team: String,
    pub program: String,
    pub program_id: i64,
}

/// Loads a partnership of one of the teammate's company's programs, within the groups a
/// restricted partner manager may see; anything else is "not found", never "forbidden", so
/// ids leak nothing.
pub async fn load(
    tx: &mut Tx,
    teammate: &Teammate,
    allowed_groups: Option<&[i64]>,
    partnership_id: i64,
) -> Result<Loaded, AppError> {
    let row = sqlx::query(
        "SELECT p.id, p.status, p.partner_team_id, t.name, pr.name, p.group_id, p.program_id FROM partnerships p \
         JOIN programs pr ON pr.id = p.program_id JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE p.id = $1 AND pr.company_id = $2",
    )
    .bind(partnership_id)
    .bind(teammate.company_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("Partner"))?;
    let group_id: i64 = row.try_get(5)?;
    if allowed_groups.is_some_and(|groups| !groups.contains(&group_id)) {
        return Err(AppError::not_found("Partner"));
    }
    let status: String = row.try_get(1)?;
    Ok(Loaded {
        id: row.try_get(0)?,
        status: PartnershipStatus::parse(&status).map_err(AppError::internal)?,
        partner_team_id: row.try_get(2)?,
        partner_team: row.try_get(3)?,
        program: row.try_get(4)?,
        program_id: row.try_get(6)?,
    })
}

/// Moves a partnership to `next` if the status machine allows it, recording the decision and
/// an event with the before and after.
pub async fn set_status(
    tx: &mut Tx,
    teammate: &Teammate,
    loaded: &Loaded,
    next: PartnershipStatus,
    reason: Option<&str>,
) -> Result<(), AppError> {
    loaded.status.transition(next)?;
    let updated = sqlx::query(
        "UPDATE partnerships SET status = $1, rejection_reason = $2, decided_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(next.as_str())
    .bind(reason)
    .bind(now_ms())
    .bind(loaded.id)
    .bind(loaded.status.as_str())
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::new(
            409,
            "Someone else changed this partner just now. Reload and try again.",
        ));
    }
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(teammate.identity.user_id),
            company_id: Some(teammate.company_id),
            kind: "partnership.status_changed",
            subject_type: "partnership",
            subject_id: loaded.id,
            payload: serde_json::json!({
                "before": loaded.status.as_str(),
                "after": next.as_str(),
                "reason": reason,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Queues an email to every owner of a partner team.
pub async fn email_team_owners(
    tx: &mut Tx,
    partner_team_id: i64,
    subject: &str,
    body: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO emails (partner_team_id, to_email, subject, body, status, created_at) \
         SELECT c.partner_team_id, u.email, $1, $2, 'queued', $3 FROM contacts c JOIN users u ON u.id = c.user_id \
         WHERE c.partner_team_id = $4 AND c.role = $5",
    )
    .bind(subject)
    .bind(body)
    .bind(now_ms())
    .bind(partner_team_id)
    .bind(domain::permissions::ContactRole::Owner.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(())
}
