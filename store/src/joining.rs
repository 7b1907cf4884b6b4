//! A partner team joining a program: through its public page, with or without a teammate's
//! invite, as a new team or as a team that is already a partner of another vendor.

use domain::invite::InviteKind;
use domain::partnership::PartnershipStatus;
use domain::program::{SignupMode, partner_key_base};
use sqlx::Row;

use super::db::{Db, Tx, now_ms};
use super::events::{self, NewEvent};
use super::invites::{self, StoredInvite};
use crate::error::AppError;

pub struct JoinProgram {
    pub id: i64,
    pub company_id: i64,
    pub name: String,
    pub company: String,
    pub mode: SignupMode,
    pub terms: String,
}

pub async fn program_by_slug(db: &Db, slug: &str) -> Result<JoinProgram, AppError> {
    let row = sqlx::query(
        "SELECT p.id, p.company_id, p.name, c.name, p.signup_mode, p.terms FROM programs p \
         JOIN companies c ON c.id = p.company_id WHERE p.slug = $1",
    )
    .bind(slug)
    .fetch_optional(&db.pool)
    .await?
    .ok_or_else(|| AppError::not_found("Program"))?;
    let mode: String = row.try_get(4)?;
    Ok(JoinProgram {
        id: row.try_get(0)?,
        company_id: row.try_get(1)?,
        name: row.try_get(2)?,
        company: row.try_get(3)?,
        mode: SignupMode::parse(&mode).map_err(AppError::internal)?,
        terms: row.try_get(5)?,
    })
}

/// The partner invite behind `token`, which must be this program's and still usable.
pub async fn program_invite(
    db: &Db,
    program: &JoinProgram,
    token: Option<&str>,
) -> Result<Option<StoredInvite>, AppError> {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    let invite = invites::find(db, token)
        .await?
        .filter(|i| i.kind == InviteKind::Partner && i.program_id == Some(program.id))
        .ok_or_else(|| {
            AppError::new(
                404,
                "This invite link is not valid for this program. Check that you copied all of it.",
            )
        })?;
    invite.times.usable(now_ms())?;
    Ok(Some(invite))
}

/// Adds `team` to the program: active at once when open or invited, else an application
/// waiting for a teammate. Claims the invite, records the event and queues the emails to the
/// teammates who decide applications, all in the caller's transaction.
pub async fn join(
    tx: &mut Tx,
    program: &JoinProgram,
    team_id: i64,
    team_name: &str,
    actor_user_id: i64,
    invite: Option<&StoredInvite>,
) -> Result<(i64, PartnershipStatus), AppError> {
    let status = program
        .mode
        .status_on_apply(invite.is_some())
        .map_err(|e| AppError::new(403, e.0))?;
    let now = now_ms();
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM partnerships WHERE program_id = $1 AND partner_team_id = $2",
    )
    .bind(program.id)
    .bind(team_id)
    .fetch_one(&mut **tx)
    .await?;
    if already > 0 {
        return Err(AppError::bad_request(format!(
            "{team_name} is already in {}.",
            program.name
        )));
    }
    if let Some(invite) = invite {
        let claimed = sqlx::query(
            "UPDATE invites SET accepted_at = $1, accepted_user_id = $2 WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(actor_user_id)
        .bind(invite.id)
        .execute(&mut **tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Err(AppError::bad_request("This invite has already been used."));
        }
    }
    let group_id = default_group(tx, program.id, now).await?;
    let key = unique_partner_key(tx, &partner_key_base(team_name)).await?;
    let partnership_id: i64 = sqlx::query_scalar(
        "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, joined_at, team_name) \
         VALUES ($1, $2, $3, $4, $5, $6, (SELECT name FROM partner_teams WHERE id = $2)) RETURNING id",
    )
    .bind(program.id)
    .bind(team_id)
    .bind(status.as_str())
    .bind(&key)
    .bind(group_id)
    .bind(now)
    .fetch_one(&mut **tx)
    .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(program.company_id),
            kind: if status == PartnershipStatus::Active {
                "partner_joined"
            } else {
                "partnership.applied"
            },
            subject_type: "partnership",
            subject_id: partnership_id,
            payload: serde_json::json!({
                "partner_team_id": team_id,
                "program_id": program.id,
                "status": status.as_str(),
                "invite_id": invite.map(|i| i.id),
            }),
        },
    )
    .await?;
    match status {
        PartnershipStatus::Applied => email_deciders(tx, program, team_name, now).await?,
        _ => {
            super::rewards::reward_join(tx, program.id, partnership_id, Some(actor_user_id), now)
                .await?;
        }
    }
    Ok((partnership_id, status))
}

pub async fn default_group(tx: &mut Tx, program_id: i64, now: i64) -> Result<i64, AppError> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM partner_groups WHERE program_id = $1 ORDER BY is_default DESC, id LIMIT 1",
    )
    .bind(program_id)
    .fetch_optional(&mut **tx)
    .await?;
    match found {
        Some(id) => Ok(id),
        None => Ok(sqlx::query_scalar(
            "INSERT INTO partner_groups (program_id, name, is_default, created_at) VALUES ($1, 'Default', 1, $2) RETURNING id",
        )
        .bind(program_id)
        .bind(now)
        .fetch_one(&mut **tx)
        .await?),
    }
}

/// Who hears of a new application follows the permission matrix: every teammate whose role
/// may decide applications.
async fn email_deciders(
    tx: &mut Tx,
    program: &JoinProgram,
    team_name: &str,
    now: i64,
) -> Result<(), AppError> {
    let teammates = sqlx::query(
        "SELECT u.email, t.role FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1",
    )
    .bind(program.company_id)
    .fetch_all(&mut **tx)
    .await?;
    for teammate in teammates {
        let role: String = teammate.try_get(1)?;
        if !domain::permissions::TeammateRole::parse(&role)
            .is_ok_and(|r| r.can(domain::permissions::Permission::ManageApplications))
        {
            continue;
        }
        sqlx::query(
            "INSERT INTO emails (company_id, to_email, subject, body, status, created_at) VALUES ($1, $2, $3, $4, 'queued', $5)",
        )
        .bind(program.company_id)
        .bind(teammate.try_get::<String, _>(0)?)
        .bind(format!("New partner application: {team_name}"))
        .bind(format!(
            "{team_name} applied to {}. Review it under Applications.",
            program.name
        ))
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

pub async fn unique_partner_key(tx: &mut Tx, base: &str) -> Result<String, AppError> {
    use rand::Rng;
    for _ in 0..8 {
        let suffix: u16 = rand::thread_rng().r#gen();
        let key = format!("{base}-{suffix:04x}");
        let taken: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM partnerships WHERE partner_key = $1")
                .bind(&key)
                .fetch_one(&mut **tx)
                .await?;
        if taken == 0 {
            return Ok(key);
        }
    }
    Err(AppError::internal("no free partner key after 8 tries"))
}
