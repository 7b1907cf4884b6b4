//! A partner team's contacts: listing, changing, removing and promoting them, and withdrawing
//! contact invites.

use domain::permissions::{ContactRole, check_contact_change, transfer_ownership};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::context::Contact;
use super::db::{Db, Tx};
use super::events::{self, NewEvent};
use crate::dto::ContactRow;
use crate::error::AppError;

/// A contact's own referral code: random, so codes say nothing about who or how many.
pub fn new_referral_code() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 6];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The team's contacts by name; `viewer_user_id` is marked as "you".
pub async fn list(
    db: &Db,
    partner_team_id: i64,
    viewer_user_id: i64,
) -> Result<Vec<ContactRow>, AppError> {
    let rows = sqlx::query(
        "SELECT c.id, u.name, u.email, c.role, c.created_at, c.user_id, c.referral_code FROM contacts c \
         JOIN users u ON u.id = c.user_id WHERE c.partner_team_id = $1 ORDER BY u.name, c.id",
    )
    .bind(partner_team_id)
    .fetch_all(&mut db.conn().await?)
    .await?;
    rows.iter()
        .map(|r| contact_row(r, viewer_user_id))
        .collect()
}

/// A row of [`list`]. An unknown stored role is refused as the domain refuses it.
fn contact_row(r: &AnyRow, viewer_user_id: i64) -> Result<ContactRow, AppError> {
    let role: String = r.try_get(3)?;
    Ok(ContactRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        email: r.try_get(2)?,
        role: ContactRole::parse(&role)?,
        joined_at: r.try_get(4)?,
        is_you: r.try_get::<i64, _>(5)? == viewer_user_id,
        referral_code: r.try_get(6)?,
    })
}

struct Target {
    user_id: i64,
    role: ContactRole,
}

async fn target(tx: &mut Tx, actor: &Contact, contact_id: i64) -> Result<Target, AppError> {
    let row =
        sqlx::query("SELECT user_id, role FROM contacts WHERE id = $1 AND partner_team_id = $2")
            .bind(contact_id)
            .bind(actor.partner_team_id)
            .fetch_optional(&mut **tx)
            .await?
            .ok_or_else(|| AppError::not_found("Contact"))?;
    let role: String = row.try_get(1)?;
    Ok(Target {
        user_id: row.try_get(0)?,
        role: ContactRole::parse(&role).map_err(AppError::internal)?,
    })
}

async fn record(
    tx: &mut Tx,
    actor: &Contact,
    kind: &'static str,
    contact_id: i64,
    before: ContactRole,
    after: Option<ContactRole>,
) -> Result<(), AppError> {
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(actor.identity.user_id),
            company_id: None,
            kind,
            subject_type: "contact",
            subject_id: contact_id,
            payload: serde_json::json!({
                "partner_team_id": actor.partner_team_id,
                "before": before.as_str(),
                "after": after.map(ContactRole::as_str),
            }),
        },
    )
    .await?;
    Ok(())
}

/// Gives contact `contact_id` of the actor's team the role `new`, or removes them (`None`).
pub async fn change(
    db: &Db,
    actor: &Contact,
    contact_id: i64,
    new: Option<ContactRole>,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let t = target(&mut tx, actor, contact_id).await?;
    check_contact_change(actor.role, t.user_id == actor.identity.user_id, t.role, new)?;
    let kind = match new {
        Some(role) => {
            sqlx::query("UPDATE contacts SET role = $1 WHERE id = $2")
                .bind(role.as_str())
                .bind(contact_id)
                .execute(&mut *tx)
                .await?;
            "contact.role_changed"
        }
        None => {
            sqlx::query("DELETE FROM contacts WHERE id = $1")
                .bind(contact_id)
                .execute(&mut *tx)
                .await?;
            "contact.removed"
        }
    };
    record(&mut tx, actor, kind, contact_id, t.role, new).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes `contact_id` the owner and the current owner an admin, in one transaction.
pub async fn transfer(db: &Db, actor: &Contact, contact_id: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let t = target(&mut tx, actor, contact_id).await?;
    let (old_owner_role, new_owner_role) =
        transfer_ownership(actor.role, t.user_id == actor.identity.user_id)?;
    sqlx::query("UPDATE contacts SET role = $1 WHERE id = $2")
        .bind(old_owner_role.as_str())
        .bind(actor.contact_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE contacts SET role = $1 WHERE id = $2")
        .bind(new_owner_role.as_str())
        .bind(contact_id)
        .execute(&mut *tx)
        .await?;
    record(
        &mut tx,
        actor,
        "contact.ownership_transferred",
        contact_id,
        t.role,
        Some(new_owner_role),
    )
    .await?;
    record(
        &mut tx,
        actor,
        "contact.role_changed",
        actor.contact_id,
        actor.role,
        Some(old_owner_role),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
