//! The `program_email_templates` table: a program's own wording of the emails its partners
//! get (`EmailKind::customizable`). Saving checks the wording and renders it once with sample
//! values; `emails::queue` reads it by its key when it renders a message of the program.

use domain::email::{EmailKind, Wording, WordingForm};
use sqlx::Row;

use super::db::{Db, Tx, now_ms};
use super::messages::{self, Rendered};
use super::programs::Change;
use crate::error::AppError;

/// A kind's wording in a program: its own, or the portal's default.
#[derive(Debug, Clone)]
pub struct Template {
    pub kind: EmailKind,
    pub wording: Wording,
    /// When the program saved its own wording; `None`: the default is used.
    pub updated_at: Option<i64>,
}

/// Every customizable kind with the program's wording of it, in the editor's order.
pub async fn list(db: &Db, program_id: i64) -> Result<Vec<Template>, AppError> {
    let rows = sqlx::query(
        "SELECT kind, subject, body, updated_at FROM program_email_templates WHERE program_id = $1",
    )
    .bind(program_id)
    .fetch_all(&mut db.conn().await?)
    .await?;
    let mut saved = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get(0)?;
        let Ok(kind) = EmailKind::parse(&kind) else {
            continue;
        };
        saved.push((
            kind,
            Wording {
                subject: row.try_get(1)?,
                text: row.try_get(2)?,
            },
            row.try_get::<i64, _>(3)?,
        ));
    }
    EmailKind::customizable_kinds()
        .map(|kind| match saved.iter().find(|(k, _, _)| *k == kind) {
            Some((_, wording, at)) => Ok(Template {
                kind,
                wording: wording.clone(),
                updated_at: Some(*at),
            }),
            None => default(kind),
        })
        .collect()
}

fn default(kind: EmailKind) -> Result<Template, AppError> {
    let wording = messages::default_wording(kind)
        .ok_or_else(|| AppError::internal(format!("no default wording of {}", kind.as_str())))?;
    Ok(Template {
        kind,
        wording,
        updated_at: None,
    })
}

/// The program's own wording of `kind`, if it has one (what a message is rendered in).
pub async fn wording(
    tx: &mut Tx,
    program_id: i64,
    kind: EmailKind,
) -> Result<Option<Wording>, AppError> {
    let row = sqlx::query(
        "SELECT subject, body FROM program_email_templates WHERE program_id = $1 AND kind = $2",
    )
    .bind(program_id)
    .bind(kind.as_str())
    .fetch_optional(&mut **tx)
    .await?;
    row.map(|r| {
        Ok(Wording {
            subject: r.try_get(0)?,
            text: r.try_get(1)?,
        })
    })
    .transpose()
}

/// Checks a wording and renders it with sample values from `program` (its name).
pub fn preview(
    kind: EmailKind,
    form: WordingForm<'_>,
    program: &str,
) -> Result<Rendered, AppError> {
    messages::try_wording(kind, form, program)
        .map(|(_, rendered)| rendered)
        .map_err(AppError::invalid_fields)
}

/// Saves the program's wording of `kind`, once it reads and renders.
pub async fn save(
    db: &Db,
    change: &Change,
    program: &str,
    kind: EmailKind,
    form: WordingForm<'_>,
) -> Result<(), AppError> {
    let (wording, _) =
        messages::try_wording(kind, form, program).map_err(AppError::invalid_fields)?;
    let now = now_ms();
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO program_email_templates (program_id, kind, subject, body, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (program_id, kind) DO UPDATE SET subject = excluded.subject, body = excluded.body, \
         updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(change.program_id)
    .bind(kind.as_str())
    .bind(&wording.subject)
    .bind(&wording.text)
    .bind(change.user_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    log(&mut tx, change, "email_template.saved", kind).await?;
    tx.commit().await?;
    Ok(())
}

/// Goes back to the portal's wording of `kind`; nothing happens when the program has none.
pub async fn reset(db: &Db, change: &Change, kind: EmailKind) -> Result<(), AppError> {
    if !kind.customizable() {
        return Err(AppError::not_found("Email template"));
    }
    let mut tx = db.begin().await?;
    let deleted =
        sqlx::query("DELETE FROM program_email_templates WHERE program_id = $1 AND kind = $2")
            .bind(change.program_id)
            .bind(kind.as_str())
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if deleted > 0 {
        log(&mut tx, change, "email_template.reset", kind).await?;
    }
    tx.commit().await?;
    Ok(())
}

async fn log(tx: &mut Tx, change: &Change, kind: &str, email: EmailKind) -> Result<(), AppError> {
    let subject = ("program", change.program_id);
    change
        .log(
            tx,
            kind,
            subject,
            serde_json::json!({ "email": email.as_str() }),
        )
        .await
}
