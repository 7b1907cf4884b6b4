//! First-run set-up: while no company exists, `/setup` creates the first one, its program and
//! owner. Only whoever can read the server's log may: each process that starts on an empty
//! portal stores the hash of a token it prints there (`setup_tokens`), and the page asks for it.

use domain::company::NewCompany;

use super::companies::{self, CompanyCreated, CreateRefused};
use super::db::{Db, now_ms};
use super::password::Hasher;
use super::session::{hash_token, new_token};
use crate::error::AppError;

/// Whether the portal still waits for its first company.
pub async fn is_open(db: &Db) -> Result<bool, sqlx::Error> {
    Ok(!companies::any(&mut db.conn().await?).await?)
}

/// A new set-up token when no company exists yet (`None` once one does): the server prints it
/// at start-up. Tokens of earlier starts keep working until the set-up is done.
pub async fn issue_token(db: &Db) -> Result<Option<String>, sqlx::Error> {
    if !is_open(db).await? {
        return Ok(None);
    }
    let token = new_token();
    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at) VALUES ($1, $2)")
        .bind(hash_token(&token))
        .bind(now_ms())
        .execute(&db.pool)
        .await?;
    Ok(Some(token))
}

/// Why [`complete`] wrote nothing.
#[derive(Debug)]
pub enum SetupRefused {
    /// The token is not one the server printed, or the set-up is already done.
    BadToken,
    /// A company exists: the portal is set up.
    Done,
    Company(CreateRefused),
}

impl From<sqlx::Error> for SetupRefused {
    fn from(e: sqlx::Error) -> Self {
        SetupRefused::Company(CreateRefused::Failed(e.into()))
    }
}

impl From<AppError> for SetupRefused {
    fn from(e: AppError) -> Self {
        SetupRefused::Company(CreateRefused::Failed(e))
    }
}

/// Creates the first company as `server create-company` does, in one transaction that also
/// spends every set-up token. Two set-ups at once (two processes' tokens) make one company:
/// each deletes the other's token, so the second waits for the first and then finds no token,
/// or PostgreSQL ends one as a deadlock; SQLite runs them one after the other.
pub async fn complete(
    db: &Db,
    hasher: &Hasher,
    token: &str,
    company: &NewCompany,
    currency: &str,
) -> Result<CompanyCreated, SetupRefused> {
    // The token first: hashing the owner's unusable password takes a share of the hasher that
    // sign-ins wait for, and anyone may post here.
    let hash = hash_token(token.trim());
    let known: Option<i64> =
        sqlx::query_scalar("SELECT created_at FROM setup_tokens WHERE token_hash = $1")
            .bind(&hash)
            .fetch_optional(&mut db.conn().await?)
            .await?;
    if known.is_none() {
        return Err(SetupRefused::BadToken);
    }
    let prepared = companies::prepare(hasher, company, currency)
        .await
        .map_err(SetupRefused::Company)?;
    let mut tx = db.begin().await?;
    let spent = sqlx::query("DELETE FROM setup_tokens WHERE token_hash = $1")
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    if spent.rows_affected() != 1 {
        return Err(SetupRefused::BadToken);
    }
    if companies::any(&mut *tx).await? {
        return Err(SetupRefused::Done);
    }
    let created = companies::insert(&mut tx, company, prepared, "setup")
        .await
        .map_err(SetupRefused::Company)?;
    sqlx::query("DELETE FROM setup_tokens")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(created)
}
