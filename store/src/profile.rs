//! What signed-in users change about themselves: their name, their password, and (a partner
//! team's owner) where their team is paid.

use domain::payout::{PayoutMethod, mask};
use domain::permissions::ContactPermission;
use sqlx::Row;

use super::context::Contact;
use super::db::Db;
use super::events::{self, NewEvent};
use super::session;
use crate::dto::PayoutView;
use crate::error::AppError;

/// The contact's team's payout details as the profile shows them: the method's label and only
/// the masked details.
pub async fn payout_view(db: &Db, contact: &Contact) -> Result<PayoutView, AppError> {
    let row = sqlx::query("SELECT payout_method, payout_details FROM partner_teams WHERE id = $1")
        .bind(contact.partner_team_id)
        .fetch_one(&mut db.conn().await?)
        .await?;
    let method: Option<String> = row.try_get(0)?;
    let details: Option<String> = row.try_get(1)?;
    Ok(PayoutView {
        team: contact.partner_team_name.clone(),
        can_edit: contact.role.can(ContactPermission::CashOut),
        method: method
            .and_then(|m| PayoutMethod::parse(&m).ok())
            .map(|m| m.label().to_owned()),
        masked_details: details.as_deref().map(mask),
    })
}

/// Renames user `user_id` from `before` (the name the session shows) to `name` (validated).
pub async fn rename(db: &Db, user_id: i64, before: &str, name: &str) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: None,
            kind: "user.renamed",
            subject_type: "user",
            subject_id: user_id,
            payload: serde_json::json!({ "before": before, "after": name }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A signed-in user's password hash and normalised email, for checking their password again
/// under the sign-in limits (the email is the limiter's account key).
pub async fn password_check(db: &Db, user_id: i64) -> Result<(String, String), AppError> {
    let row = sqlx::query("SELECT password_hash, email_normalized FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut db.conn().await?)
        .await?;
    Ok((row.try_get(0)?, row.try_get(1)?))
}

/// Sets user `user_id`'s password to `password_hash` (hashed by the caller) and ends every
/// other session of theirs: whoever else knew the old password is signed out.
pub async fn change_password(
    db: &Db,
    user_id: i64,
    session_id: i64,
    password_hash: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let ended = session::end_others(&mut tx, user_id, session_id).await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: None,
            kind: "user.password_changed",
            subject_type: "user",
            subject_id: user_id,
            payload: serde_json::json!({ "other_sessions_ended": ended }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Sets where partner team `partner_team_id` is paid (`details` validated for `method`).
pub async fn set_payout_details(
    db: &Db,
    partner_team_id: i64,
    actor_user_id: i64,
    method: PayoutMethod,
    details: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    sqlx::query("UPDATE partner_teams SET payout_method = $1, payout_details = $2 WHERE id = $3")
        .bind(method.as_str())
        .bind(details)
        .bind(partner_team_id)
        .execute(&mut *tx)
        .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: None,
            kind: "partner_team.payout_details_set",
            subject_type: "partner_team",
            subject_id: partner_team_id,
            // The audit log keeps only the masked form.
            payload: serde_json::json!({ "method": method.as_str(), "details": mask(details) }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
