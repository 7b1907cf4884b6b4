//! Teammates and the applications to their company's programs: the queue, approving and
//! rejecting, and partner invites (the way into invite-only programs, and past the queue
//! elsewhere).

use domain::invite::InviteKind;
use domain::partnership::PartnershipStatus;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::context::Teammate;
use super::db::{Db, now_ms};
use super::invites::{self, NewInvite};
use super::messages::Message;
use super::partnerships;
use super::session::Identity;
use super::structure::{Owned, owned_in};
use crate::dto::{ApplicationRow, InviteCreated, ProgramSummary};
use crate::error::AppError;

/// Applications on a page of the queue.
pub const PAGE: i64 = 25;

/// A page of the applications waiting in program `program_id`, oldest first, after the
/// partnership id `after`; only those in `allowed_groups` for a restricted partner manager.
/// Returns the page and the cursor of the next one, if another follows.
pub async fn waiting(
    db: &Db,
    program_id: i64,
    allowed_groups: Option<&[i64]>,
    after: Option<i64>,
) -> Result<(Vec<ApplicationRow>, Option<i64>), AppError> {
    // The limit is written into the text (see the `db` module: bound limits re-plan).
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT p.id, t.name, t.kind, t.website, t.country, p.joined_at, p.group_id, \
         (SELECT u.name FROM contacts c JOIN users u ON u.id = c.user_id WHERE c.partner_team_id = t.id AND c.role = 'owner' ORDER BY c.id LIMIT 1), \
         (SELECT u.email FROM contacts c JOIN users u ON u.id = c.user_id WHERE c.partner_team_id = t.id AND c.role = 'owner' ORDER BY c.id LIMIT 1) \
         FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE p.program_id = $1 AND p.status = $2 AND p.id > $3 ORDER BY p.id LIMIT {}",
        PAGE + 1
    )))
    .bind(program_id)
    .bind(PartnershipStatus::Applied.as_str())
    .bind(after.unwrap_or(0))
    .fetch_all(&mut db.conn().await?)
    .await?;
    let mut applications = Vec::new();
    for r in &rows {
        let group_id: i64 = r.try_get(6)?;
        if allowed_groups.is_some_and(|groups| !groups.contains(&group_id)) {
            continue;
        }
        applications.push(application_row(r)?);
    }
    let mut next_after = None;
    if applications.len() as i64 > PAGE {
        applications.truncate(PAGE as usize);
        next_after = applications.last().map(|a| a.partnership_id);
    }
    Ok((applications, next_after))
}

fn application_row(r: &AnyRow) -> Result<ApplicationRow, sqlx::Error> {
    let kind: String = r.try_get(2)?;
    Ok(ApplicationRow {
        partnership_id: r.try_get(0)?,
        partner_team: r.try_get(1)?,
        kind: domain::program::partner_type_label(&kind),
        website: r.try_get(3)?,
        country: r.try_get(4)?,
        applied_at: r.try_get(5)?,
        group_id: r.try_get(6)?,
        contact_name: r.try_get::<Option<String>, _>(7)?.unwrap_or_default(),
        contact_email: r.try_get::<Option<String>, _>(8)?.unwrap_or_default(),
    })
}

/// Makes a partnership of the teammate's company, within their groups, active: an application
/// is approved and earns its join rewards (a suspended partnership is reactivated), in `group`
/// of its program when one is chosen (one of the teammate's groups). The team's owners are
/// emailed, all in one transaction.
pub async fn approve(
    db: &Db,
    teammate: &Teammate,
    partnership_id: i64,
    group: Option<i64>,
) -> Result<(), AppError> {
    let allowed = teammate.allowed_groups.as_deref();
    let mut tx = db.begin().await?;
    let loaded = partnerships::load(&mut tx, teammate, allowed, partnership_id).await?;
    partnerships::set_status(&mut tx, teammate, &loaded, PartnershipStatus::Active, None).await?;
    if let Some(group) = group.filter(|g| *g != loaded.group_id) {
        owned_in(&mut tx, Owned::Group, group, loaded.program_id).await?;
        if allowed.is_some_and(|groups| !groups.contains(&group)) {
            return Err(AppError::not_found("Group"));
        }
        let by = (Some(teammate.identity.user_id), teammate.company_id);
        partnerships::move_group(&mut tx, by, loaded.id, (loaded.group_id, group)).await?;
    }
    if loaded.status == PartnershipStatus::Applied {
        super::rewards::reward_join(
            &mut tx,
            loaded.program_id,
            loaded.id,
            Some(teammate.identity.user_id),
            now_ms(),
        )
        .await?;
    }
    partnerships::email_team_owners(
        &mut tx,
        teammate.company_id,
        loaded.program_id,
        loaded.partner_team_id,
        &Message::ApplicationApproved {
            company: &teammate.company_name,
            program: &loaded.program,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Rejects a partnership of the teammate's company within their groups for `reason`
/// (validated), which the team's owners are emailed, in one transaction.
pub async fn reject(
    db: &Db,
    teammate: &Teammate,
    partnership_id: i64,
    reason: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let loaded = partnerships::load(
        &mut tx,
        teammate,
        teammate.allowed_groups.as_deref(),
        partnership_id,
    )
    .await?;
    partnerships::set_status(
        &mut tx,
        teammate,
        &loaded,
        PartnershipStatus::Rejected,
        Some(reason),
    )
    .await?;
    partnerships::email_team_owners(
        &mut tx,
        teammate.company_id,
        loaded.program_id,
        loaded.partner_team_id,
        &Message::ApplicationRejected {
            company: &teammate.company_name,
            program: &loaded.program,
            reason,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Invites the normalised `email` into the company's `program` as a partner team's owner,
/// unless a team with that person is already a partner in it: the invite and its email in one
/// transaction. Returns the link to share (on the program's public page).
pub async fn invite_partner(
    db: &Db,
    company_id: i64,
    program: &ProgramSummary,
    invited_by: &Identity,
    origin: &str,
    email: String,
    group_id: Option<i64>,
) -> Result<InviteCreated, AppError> {
    if let Some(group) = group_id {
        super::structure::owned(db, Owned::Group, group, program.id).await?;
    }
    let already: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM partnerships p JOIN contacts c ON c.partner_team_id = p.partner_team_id \
         JOIN users u ON u.id = c.user_id WHERE p.program_id = $1 AND u.email_normalized = $2",
    )
    .bind(program.id)
    .bind(&email)
    .fetch_one(&mut db.conn().await?)
    .await?;
    if already > 0 {
        return Err(AppError::invalid_fields(vec![(
            "email",
            format!("{email} is already a partner in {}", program.name),
        )]));
    }
    let slug: String = sqlx::query_scalar("SELECT slug FROM programs WHERE id = $1")
        .bind(program.id)
        .fetch_one(&mut db.conn().await?)
        .await?;
    let landing = format!("/join/{slug}?invite=");
    let mut tx = db.begin().await?;
    let link = invites::create(
        &mut tx,
        NewInvite {
            kind: InviteKind::Partner,
            company_id: Some(company_id),
            partner_team_id: None,
            program_id: Some(program.id),
            group_id,
            email: &email,
            role: "owner",
            role_label: "a partner",
            workspace_name: &program.name,
            invited_by,
            origin,
            landing: &landing,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(InviteCreated { email, link })
}
