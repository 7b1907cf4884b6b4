//! `password_tokens`: one-time links to choose a password (the rule is
//! `domain::password_link`): the set-password link of a new company's first owner, and the
//! password reset link asked for on `/forgot-password`. Only a token's hash is stored.

use domain::email::EmailKind;
use domain::password_link::Purpose;
use sqlx::Row;

use super::db::{Db, Tx, now_ms};
use super::emails::{self, Recipient};
use super::events::{self, NewEvent};
use super::messages::Message;
use super::session;
use crate::error::AppError;

/// Makes a link for `user_id`; returns its token (the link is `/set-password/<token>` or
/// `/reset-password/<token>`).
pub async fn create(
    tx: &mut Tx,
    user_id: i64,
    purpose: Purpose,
    now: i64,
) -> Result<String, AppError> {
    let token = session::new_token();
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, user_id, created_at, expires_at, purpose) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(session::hash_token(&token))
    .bind(user_id)
    .bind(now)
    .bind(now + purpose.valid_ms())
    .bind(purpose.as_str())
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// A link, found by its token.
pub struct PasswordLink {
    pub id: i64,
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub purpose: Purpose,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

impl PasswordLink {
    pub fn usable(&self, now: i64) -> Result<(), AppError> {
        Ok(self.purpose.usable(self.expires_at, self.used_at, now)?)
    }
}

/// The link of `token` made for `purpose`: a reset token does not open the set-password page,
/// nor the other way round.
pub async fn find(
    db: &Db,
    token: &str,
    purpose: Purpose,
) -> Result<Option<PasswordLink>, AppError> {
    let row = sqlx::query(
        "SELECT t.id, t.user_id, u.email, u.name, t.expires_at, t.used_at FROM password_tokens t \
         JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1 AND t.purpose = $2",
    )
    .bind(session::hash_token(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut db.conn().await?)
    .await?;
    row.map(|r| {
        Ok(PasswordLink {
            id: r.try_get(0)?,
            user_id: r.try_get(1)?,
            email: r.try_get(2)?,
            name: r.try_get(3)?,
            purpose,
            expires_at: r.try_get(4)?,
            used_at: r.try_get(5)?,
        })
    })
    .transpose()
}

/// Uses the link once: sets the password hash, ends every session of the user after a reset
/// (whoever knew the old password is signed out), and records the event. `false` when another
/// request used it first, or it expired meanwhile.
pub async fn use_link(
    tx: &mut Tx,
    link: &PasswordLink,
    password_hash: &str,
    now: i64,
) -> Result<bool, AppError> {
    let claimed = sqlx::query(
        "UPDATE password_tokens SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(link.id)
    .execute(&mut **tx)
    .await?;
    if claimed.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(link.user_id)
        .execute(&mut **tx)
        .await?;
    let sessions_ended = match link.purpose {
        Purpose::Reset => session::end_others(tx, link.user_id, 0).await?,
        Purpose::SetPassword => 0,
    };
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(link.user_id),
            company_id: None,
            kind: "user.password_set",
            subject_type: "user",
            subject_id: link.user_id,
            payload: serde_json::json!({
                "via": link.purpose.as_str(),
                "link_id": link.id,
                "sessions_ended": sessions_ended,
            }),
        },
    )
    .await?;
    Ok(true)
}

/// Emails a reset link to the account of `email_normalized`, when there is one; nothing
/// happens otherwise, and the caller answers the same either way. `origin` is where the link
/// points (a trusted origin, never a request's own Host).
pub async fn request_reset(db: &Db, email_normalized: &str, origin: &str) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let user: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, email, name FROM users WHERE email_normalized = $1")
            .bind(email_normalized)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((user_id, email, name)) = user else {
        return Ok(());
    };
    let now = now_ms();
    let token = create(&mut tx, user_id, Purpose::Reset, now).await?;
    let link = format!("{origin}/reset-password/{token}");
    emails::queue(
        &mut tx,
        Recipient {
            email: &email,
            company_id: None,
            partner_team_id: None,
            program_id: None,
        },
        &Message::PasswordReset {
            name: &name,
            link: &link,
        },
    )
    .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: None,
            company_id: None,
            kind: "user.password_reset_requested",
            subject_type: "user",
            subject_id: user_id,
            payload: serde_json::json!({ "kind": EmailKind::PasswordReset.as_str() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
