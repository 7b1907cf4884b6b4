//! A user's memberships: the companies they are a teammate of and the partner teams they are
//! a contact in.

use domain::permissions::{ContactRole, TeammateRole};
use domain::workspace::Membership;
use sqlx::Row;

use super::db::Db;

pub async fn memberships(db: &Db, user_id: i64) -> Result<Vec<Membership>, sqlx::Error> {
    let mut out = Vec::new();
    let teammates = sqlx::query(
        "SELECT c.id, c.name, t.role FROM teammates t JOIN companies c ON c.id = t.company_id \
         WHERE t.user_id = $1 ORDER BY c.name, c.id",
    )
    .bind(user_id)
    .fetch_all(&mut db.conn().await?)
    .await?;
    for row in teammates {
        let role: String = row.try_get(2)?;
        if let Ok(role) = TeammateRole::parse(&role) {
            out.push(Membership::Teammate {
                company_id: row.try_get(0)?,
                company_name: row.try_get(1)?,
                role,
            });
        }
    }
    let contacts = sqlx::query(
        "SELECT p.id, p.name, c.role FROM contacts c JOIN partner_teams p ON p.id = c.partner_team_id \
         WHERE c.user_id = $1 ORDER BY p.name, p.id",
    )
    .bind(user_id)
    .fetch_all(&mut db.conn().await?)
    .await?;
    for row in contacts {
        let role: String = row.try_get(2)?;
        if let Ok(role) = ContactRole::parse(&role) {
            out.push(Membership::Contact {
                partner_team_id: row.try_get(0)?,
                partner_team_name: row.try_get(1)?,
                role,
            });
        }
    }
    Ok(out)
}

pub async fn count(db: &Db, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM teammates WHERE user_id = $1) + (SELECT COUNT(*) FROM contacts WHERE user_id = $1)",
    )
    .bind(user_id)
    .fetch_one(&mut db.conn().await?)
    .await
}

/// Creates a user account (email already normalised, password already hashed) and records it.
pub async fn create_user(
    tx: &mut super::db::Tx,
    email: &str,
    name: &str,
    password_hash: &str,
    company_id: Option<i64>,
    via: serde_json::Value,
) -> Result<i64, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO users (email, email_normalized, name, password_hash, created_at) VALUES ($1, $1, $2, $3, $4) RETURNING id",
    )
    .bind(email)
    .bind(name)
    .bind(password_hash)
    .bind(super::db::now_ms())
    .fetch_one(&mut **tx)
    .await?;
    super::events::append(
        tx,
        super::events::NewEvent {
            actor_user_id: Some(id),
            company_id,
            kind: "user.created",
            subject_type: "user",
            subject_id: id,
            payload: via,
        },
    )
    .await?;
    Ok(id)
}
