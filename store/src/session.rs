//! Sessions: a random 256-bit token in an HttpOnly cookie, stored only as its SHA-256.

use domain::workspace::WorkspaceKind;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::db::{Db, Tx, now_ms};
use super::events::{self, NewEvent};
use crate::error::AppError;

pub const COOKIE_NAME: &str = "portal_session";
/// The cookie's name over https. Browsers accept a `__Host-` cookie only with `Secure`,
/// `Path=/` and no `Domain`, so a sibling subdomain can neither set nor shadow it.
pub const SECURE_COOKIE_NAME: &str = "__Host-portal_session";

pub fn cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// Who is signed in on this request, and in which workspace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub session_id: i64,
    pub user_id: i64,
    pub email: String,
    pub name: String,
    pub workspace: Option<(WorkspaceKind, i64)>,
    /// The program chosen in the header, if any; pages check it still belongs to the workspace.
    pub program_id: Option<i64>,
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub fn cookie(token: &str, secure: bool) -> String {
    let max_age = domain::session::ABSOLUTE_TIMEOUT_MS / 1000;
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

pub fn clear_cookie(secure: bool) -> String {
    let name = cookie_name(secure);
    let secure = if secure { "; Secure" } else { "" };
    format!("{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}")
}

/// The session token in a `Cookie` header, if any: only the cookie of the name the portal
/// sets (`secure` as in [`cookie`]).
pub fn token_from_cookie_header(header: &str, secure: bool) -> Option<&str> {
    domain::request::cookie_value(header, cookie_name(secure))
}

/// The account of a normalised sign-in email: its user id and password hash, for the caller
/// to verify (off the async runtime) after counting the attempt.
pub async fn sign_in_credentials(
    db: &Db,
    account: &str,
) -> Result<Option<(i64, String)>, AppError> {
    let row = sqlx::query("SELECT id, password_hash FROM users WHERE email_normalized = $1")
        .bind(account)
        .fetch_optional(&mut db.conn().await?)
        .await?;
    Ok(row
        .map(|row| Ok::<_, sqlx::Error>((row.try_get(0)?, row.try_get(1)?)))
        .transpose()?)
}

/// Starts the session of a user whose password was verified, returning the token for the
/// cookie.
pub async fn sign_in(
    db: &Db,
    user_id: i64,
    workspace: Option<(WorkspaceKind, i64)>,
) -> Result<String, AppError> {
    let mut tx = db.begin().await?;
    let token = create(&mut tx, user_id, workspace).await?;
    tx.commit().await?;
    Ok(token)
}

/// Creates a session for `user_id` in `workspace`, returning the token for the cookie.
pub async fn create(
    tx: &mut Tx,
    user_id: i64,
    workspace: Option<(WorkspaceKind, i64)>,
) -> Result<String, sqlx::Error> {
    let token = new_token();
    let now = now_ms();
    let session_id: i64 = sqlx::query_scalar(
        "INSERT INTO sessions (token_hash, user_id, workspace_kind, workspace_id, created_at, last_seen_at) \
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id",
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(workspace.map(|(k, _)| k.as_str()))
    .bind(workspace.map(|(_, id)| id))
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(user_id),
            company_id: None,
            kind: "session.created",
            subject_type: "session",
            subject_id: session_id,
            payload: serde_json::json!({ "workspace": workspace.map(|(k, id)| format!("{}:{id}", k.as_str())) }),
        },
    )
    .await?;
    Ok(token)
}

/// [`create`] for a partner who just signed up: the session starts in the program they joined.
/// The choice has no event of its own (the sign-up's events say it).
pub async fn create_in_program(
    tx: &mut Tx,
    user_id: i64,
    workspace: (WorkspaceKind, i64),
    program_id: i64,
) -> Result<String, sqlx::Error> {
    let token = create(tx, user_id, Some(workspace)).await?;
    sqlx::query("UPDATE sessions SET program_id = $1 WHERE token_hash = $2")
        .bind(program_id)
        .bind(hash_token(&token))
        .execute(&mut **tx)
        .await?;
    Ok(token)
}

/// Ends the session (signing out).
pub async fn sign_out(db: &Db, identity: &Identity) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    delete(&mut tx, identity).await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session of `user_id` but `keep_session_id` (the one that changed the password),
/// returning how many ended.
pub async fn end_others(
    tx: &mut Tx,
    user_id: i64,
    keep_session_id: i64,
) -> Result<u64, sqlx::Error> {
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id <> $2")
        .bind(user_id)
        .bind(keep_session_id)
        .execute(&mut **tx)
        .await?;
    Ok(ended.rows_affected())
}

pub async fn delete(tx: &mut Tx, identity: &Identity) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(identity.session_id)
        .execute(&mut **tx)
        .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(identity.user_id),
            company_id: None,
            kind: "session.ended",
            subject_type: "session",
            subject_id: identity.session_id,
            payload: serde_json::json!({}),
        },
    )
    .await?;
    Ok(())
}

/// Switches the session to workspace `kind` `id`, which the caller checked is one of the
/// user's own.
pub async fn select_workspace(
    db: &Db,
    identity: &Identity,
    kind: WorkspaceKind,
    id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    set_workspace(&mut tx, identity, kind, id).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn set_workspace(
    tx: &mut Tx,
    identity: &Identity,
    kind: WorkspaceKind,
    id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE sessions SET workspace_kind = $1, workspace_id = $2, program_id = NULL WHERE id = $3",
    )
        .bind(kind.as_str())
        .bind(id)
        .bind(identity.session_id)
        .execute(&mut **tx)
        .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(identity.user_id),
            company_id: (kind == WorkspaceKind::Vendor).then_some(id),
            kind: "session.workspace_selected",
            subject_type: "session",
            subject_id: identity.session_id,
            payload: serde_json::json!({ "workspace": format!("{}:{id}", kind.as_str()) }),
        },
    )
    .await?;
    Ok(())
}

/// Makes `program_id` the session's program; the caller has checked it is the workspace's.
pub async fn set_program(
    tx: &mut Tx,
    identity: &Identity,
    company_id: Option<i64>,
    program_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET program_id = $1 WHERE id = $2")
        .bind(program_id)
        .bind(identity.session_id)
        .execute(&mut **tx)
        .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(identity.user_id),
            company_id,
            kind: "session.program_selected",
            subject_type: "session",
            subject_id: identity.session_id,
            payload: serde_json::json!({ "program_id": program_id }),
        },
    )
    .await?;
    Ok(())
}

/// [`set_program`] in a transaction of its own (the header's program switcher).
pub async fn select_program(
    db: &Db,
    identity: &Identity,
    company_id: Option<i64>,
    program_id: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    set_program(&mut tx, identity, company_id, program_id).await?;
    tx.commit().await?;
    Ok(())
}
