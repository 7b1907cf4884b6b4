//! Sessions: a random 256-bit token in an HttpOnly cookie, stored only as its SHA-256.

use domain::workspace::WorkspaceKind;
use rand::RngCore;
use sha2::{Digest, Sha256};

use super::db::{Tx, now_ms};
use super::events::{self, NewEvent};

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
