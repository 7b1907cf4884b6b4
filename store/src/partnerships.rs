//! Partnerships as teammates see and change them (the partner page, status, notes), always
//! inside the teammate's company.

use domain::partnership::{PartnershipStatus, StatusAction};
use domain::permissions::ContactRole;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::context::{Contact, Teammate};
use super::db::{Db, Tx, now_ms};
use super::events::{self, NewEvent};
use super::links::{self, LinkScope};
use super::messages::Message;
use crate::dto::{ContactRow, HistoryEntry, LinkView, Structure};
use crate::error::AppError;

pub struct Loaded {
    pub id: i64,
    pub status: PartnershipStatus,
    /// The status it had before it was archived (`None` unless archived).
    pub archived_from: Option<PartnershipStatus>,
    pub group_id: i64,
    pub partner_team_id: i64,
    pub partner_team: String,
    pub program: String,
    pub program_id: i64,
}

/// Loads a partnership of one of the teammate's company's programs, within the groups a
/// restricted partner manager may see; anything else is "not found", never "forbidden", so
/// ids leak nothing.
pub async fn load(
    tx: &mut Tx,
    teammate: &Teammate,
    allowed_groups: Option<&[i64]>,
    partnership_id: i64,
) -> Result<Loaded, AppError> {
    load_in_company(tx, teammate.company_id, allowed_groups, partnership_id).await
}

/// [`load`] for a teammate of `company_id`.
pub async fn load_in_company(
    tx: &mut Tx,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    partnership_id: i64,
) -> Result<Loaded, AppError> {
    let row = sqlx::query(
        "SELECT p.id, p.status, p.partner_team_id, t.name, pr.name, p.group_id, p.program_id, p.archived_from FROM partnerships p \
         JOIN programs pr ON pr.id = p.program_id JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE p.id = $1 AND pr.company_id = $2",
    )
    .bind(partnership_id)
    .bind(company_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("Partner"))?;
    let group_id: i64 = row.try_get(5)?;
    if allowed_groups.is_some_and(|groups| !groups.contains(&group_id)) {
        return Err(AppError::not_found("Partner"));
    }
    let status: String = row.try_get(1)?;
    Ok(Loaded {
        id: row.try_get(0)?,
        status: PartnershipStatus::parse(&status).map_err(AppError::internal)?,
        archived_from: crate::db::stored_opt(&row, 7)?,
        group_id,
        partner_team_id: row.try_get(2)?,
        partner_team: row.try_get(3)?,
        program: row.try_get(4)?,
        program_id: row.try_get(6)?,
    })
}

/// Moves a partnership to `next` if the status machine allows it, recording the decision and
/// an event with the before and after.
pub async fn set_status(
    tx: &mut Tx,
    teammate: &Teammate,
    loaded: &Loaded,
    next: PartnershipStatus,
    reason: Option<&str>,
) -> Result<(), AppError> {
    loaded.status.transition(next)?;
    let by = (Some(teammate.identity.user_id), teammate.company_id);
    write_status(tx, by, loaded.id, (loaded.status, next), reason).await
}

/// A teammate's status action on one partnership of their company within their groups
/// (`domain::partnership::StatusAction`), with its event, in one transaction; returns the new
/// status.
pub async fn change_status(
    db: &Db,
    teammate: &Teammate,
    partnership_id: i64,
    action: StatusAction,
    reason: Option<&str>,
) -> Result<PartnershipStatus, AppError> {
    let mut tx = db.begin().await?;
    let loaded = load(
        &mut tx,
        teammate,
        teammate.allowed_groups.as_deref(),
        partnership_id,
    )
    .await?;
    let next = action.next(loaded.status, loaded.archived_from)?;
    let by = (Some(teammate.identity.user_id), teammate.company_id);
    write_status(&mut tx, by, loaded.id, (loaded.status, next), reason).await?;
    tx.commit().await?;
    Ok(next)
}

/// A partner team leaves a program: its partnership there is archived, as a teammate would
/// archive it (a teammate can unarchive it), with the contact as the actor, in one
/// transaction. "Not found" for a partnership of another team.
pub async fn leave(db: &Db, contact: &Contact, partnership_id: i64) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let row = sqlx::query(
        "SELECT p.status, pr.company_id FROM partnerships p JOIN programs pr ON pr.id = p.program_id \
         WHERE p.id = $1 AND p.partner_team_id = $2",
    )
    .bind(partnership_id)
    .bind(contact.partner_team_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("Program"))?;
    let status: PartnershipStatus = crate::db::stored(&row, 0)?;
    let next = StatusAction::Archive.next(status, None)?;
    let by = (Some(contact.identity.user_id), row.try_get(1)?);
    let reason = Some("The partner left the program");
    write_status(&mut tx, by, partnership_id, (status, next), reason).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a partnership to another group of its program (checked by the caller), with its
/// event (`by` as for [`write_status`]).
pub(crate) async fn move_group(
    tx: &mut Tx,
    by: (Option<i64>, i64),
    partnership_id: i64,
    (before, after): (i64, i64),
) -> Result<(), AppError> {
    sqlx::query("UPDATE partnerships SET group_id = $1 WHERE id = $2")
        .bind(after)
        .bind(partnership_id)
        .execute(&mut **tx)
        .await?;
    events::append(
        tx,
        NewEvent {
            actor_user_id: by.0,
            company_id: Some(by.1),
            kind: "partnership.group_changed",
            subject_type: "partnership",
            subject_id: partnership_id,
            payload: serde_json::json!({ "before": before, "after": after }),
        },
    )
    .await?;
    Ok(())
}

/// Writes a status change the caller has checked against the status machine, with its event
/// (`by`: the acting user, `None` for the portal itself, and the company). Keeps a rejection's
/// reason until the partnership is active again and remembers what an archived one was; a
/// row whose status moved meanwhile is a conflict.
pub(crate) async fn write_status(
    tx: &mut Tx,
    by: (Option<i64>, i64),
    partnership_id: i64,
    (before, next): (PartnershipStatus, PartnershipStatus),
    reason: Option<&str>,
) -> Result<(), AppError> {
    let updated = sqlx::query(
        "UPDATE partnerships SET status = $1, \
         rejection_reason = CASE WHEN $1 = 'rejected' AND $5 <> 'archived' THEN $2 WHEN $1 = 'active' THEN NULL ELSE rejection_reason END, \
         archived_from = CASE WHEN $1 = 'archived' THEN $5 ELSE NULL END, \
         decided_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(next.as_str())
    .bind(reason)
    .bind(now_ms())
    .bind(partnership_id)
    .bind(before.as_str())
    .execute(&mut **tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Err(AppError::new(
            409,
            "Someone else changed this partner just now. Reload and try again.",
        ));
    }
    events::append(
        tx,
        NewEvent {
            actor_user_id: by.0,
            company_id: Some(by.1),
            kind: "partnership.status_changed",
            subject_type: "partnership",
            subject_id: partnership_id,
            payload: serde_json::json!({
                "before": before.as_str(),
                "after": next.as_str(),
                "reason": reason,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Who hears about a partnership's deals, leads, rewards, payouts and tier: its team's
/// owners, in the outbox of the program's company, in the program's name.
pub struct PartnerMail {
    company_id: i64,
    team_id: i64,
    program_id: i64,
    pub program: String,
}

impl PartnerMail {
    pub async fn of(tx: &mut Tx, partnership_id: i64) -> Result<PartnerMail, AppError> {
        let row = sqlx::query(
            "SELECT pr.company_id, p.partner_team_id, pr.name, pr.id FROM partnerships p \
             JOIN programs pr ON pr.id = p.program_id WHERE p.id = $1",
        )
        .bind(partnership_id)
        .fetch_one(&mut **tx)
        .await?;
        Ok(PartnerMail {
            company_id: row.try_get(0)?,
            team_id: row.try_get(1)?,
            program: row.try_get(2)?,
            program_id: row.try_get(3)?,
        })
    }

    /// Queues `message` to the team's owners.
    pub async fn send(&self, tx: &mut Tx, message: &Message<'_>) -> Result<(), AppError> {
        email_team_owners(tx, self.company_id, self.program_id, self.team_id, message).await
    }
}

/// Queues `message` to every owner of a partner team, in the outbox of `company_id` (the
/// company whose program it is about), in the program's wording when it has its own.
pub async fn email_team_owners(
    tx: &mut Tx,
    company_id: i64,
    program_id: i64,
    partner_team_id: i64,
    message: &Message<'_>,
) -> Result<(), AppError> {
    let owners: Vec<String> = sqlx::query_scalar(
        "SELECT u.email FROM contacts c JOIN users u ON u.id = c.user_id \
         WHERE c.partner_team_id = $1 AND c.role = $2 ORDER BY u.id",
    )
    .bind(partner_team_id)
    .bind(ContactRole::Owner.as_str())
    .fetch_all(&mut **tx)
    .await?;
    for email in &owners {
        super::emails::queue(
            tx,
            super::emails::Recipient {
                email,
                company_id: Some(company_id),
                partner_team_id: Some(partner_team_id),
                program_id: Some(program_id),
            },
            message,
        )
        .await?;
    }
    Ok(())
}

/// One partnership as the vendor's partner page shows it.
pub struct Detail {
    pub id: i64,
    pub status: PartnershipStatus,
    pub program: String,
    pub program_id: i64,
    pub partner_team: String,
    /// The partner type, in words.
    pub kind: String,
    pub website: Option<String>,
    pub country: Option<String>,
    pub partner_key: String,
    pub rejection_reason: Option<String>,
    pub group: String,
    pub group_id: i64,
    pub tier: Option<String>,
    pub tier_id: Option<i64>,
    pub manager: Option<String>,
    pub manager_id: Option<i64>,
    pub joined_at: i64,
    pub notes: String,
    pub tags: Vec<String>,
    pub tag_ids: Vec<i64>,
    pub contacts: Vec<ContactRow>,
    /// The latest 50 events about the partnership, newest first.
    pub history: Vec<HistoryEntry>,
    /// The program's groups (a restricted manager's only), tiers, tags and managers, when
    /// asked for.
    pub choices: Option<Structure>,
    /// The team's referral links, shared from `origin`.
    pub links: Vec<LinkView>,
}

/// A partnership of the company (within a restricted manager's groups; else "not found") with
/// its team, terms, tags, contacts, history and links; `with_choices` adds what its forms
/// choose from.
pub async fn detail(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    partnership_id: i64,
    with_choices: bool,
    origin: &str,
) -> Result<Detail, AppError> {
    let mut tx = db.begin().await?;
    let loaded = load_in_company(&mut tx, company_id, allowed_groups, partnership_id).await?;
    tx.commit().await?;
    let r = sqlx::query(
        "SELECT t.kind, t.website, t.country, p.partner_key, p.rejection_reason, g.name, tr.name, u.name, p.joined_at, p.notes, p.group_id, p.tier_id, p.manager_teammate_id \
         FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id JOIN partner_groups g ON g.id = p.group_id \
         LEFT JOIN tiers tr ON tr.id = p.tier_id LEFT JOIN teammates m ON m.id = p.manager_teammate_id \
         LEFT JOIN users u ON u.id = m.user_id WHERE p.id = $1",
    )
    .bind(loaded.id)
    .fetch_one(&mut db.conn().await?)
    .await?;
    let (tag_ids, tags): (Vec<i64>, Vec<String>) = sqlx::query_as::<_, (i64, String)>(
        "SELECT tg.id, tg.name FROM partnership_tags pt JOIN tags tg ON tg.id = pt.tag_id WHERE pt.partnership_id = $1 ORDER BY tg.name",
    )
    .bind(loaded.id)
    .fetch_all(&mut db.conn().await?)
    .await?
    .into_iter()
    .unzip();
    let choices = if with_choices {
        let mut s = super::structure::choices(db, loaded.program_id, company_id).await?;
        if let Some(groups) = allowed_groups {
            s.groups.retain(|g| groups.contains(&g.id));
        }
        Some(s)
    } else {
        None
    };
    let contacts = sqlx::query(
        "SELECT c.id, u.name, u.email, c.role, c.created_at, c.referral_code FROM contacts c JOIN users u ON u.id = c.user_id \
         WHERE c.partner_team_id = $1 ORDER BY u.name",
    )
    .bind(loaded.partner_team_id)
    .fetch_all(&mut db.conn().await?)
    .await?
    .iter()
    .map(contact_row)
    .collect::<Result<Vec<_>, AppError>>()?;
    let history = sqlx::query(
        "SELECT e.occurred_at, u.name, e.kind, e.payload FROM events e LEFT JOIN users u ON u.id = e.actor_user_id \
         WHERE e.subject_type = 'partnership' AND e.subject_id = $1 AND e.company_id = $2 ORDER BY e.id DESC LIMIT 50",
    )
    .bind(loaded.id)
    .bind(company_id)
    .fetch_all(&mut db.conn().await?)
    .await?
    .iter()
    .map(history_row)
    .collect::<Result<Vec<_>, sqlx::Error>>()?;
    let links = links::list(db, origin, loaded.id, LinkScope::Team).await?;
    Ok(Detail {
        id: loaded.id,
        status: loaded.status,
        program: loaded.program,
        program_id: loaded.program_id,
        partner_team: loaded.partner_team,
        kind: domain::program::partner_type_label(&r.try_get::<String, _>(0)?),
        website: r.try_get(1)?,
        country: r.try_get(2)?,
        partner_key: r.try_get(3)?,
        rejection_reason: r.try_get(4)?,
        group: r.try_get(5)?,
        tier: r.try_get(6)?,
        manager: r.try_get(7)?,
        joined_at: r.try_get(8)?,
        notes: r.try_get(9)?,
        group_id: r.try_get(10)?,
        tier_id: r.try_get(11)?,
        manager_id: r.try_get(12)?,
        tags,
        tag_ids,
        contacts,
        history,
        choices,
        links,
    })
}

/// A partner team's contact, from `id, name, email, role, created_at, referral_code`.
fn contact_row(r: &AnyRow) -> Result<ContactRow, AppError> {
    let role: String = r.try_get(3)?;
    Ok(ContactRow {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        email: r.try_get(2)?,
        role: ContactRole::parse(&role).map_err(AppError::internal)?,
        joined_at: r.try_get(4)?,
        is_you: false,
        referral_code: r.try_get(5)?,
    })
}

/// A partnership event in words, from `occurred_at, actor name, kind, payload`.
fn history_row(r: &AnyRow) -> Result<HistoryEntry, sqlx::Error> {
    let kind: String = r.try_get(2)?;
    let payload: String = r.try_get(3)?;
    Ok(HistoryEntry {
        at: r.try_get(0)?,
        actor: r.try_get(1)?,
        what: describe_event(&kind, &payload),
    })
}

/// A line of history a person can read, from an event's kind and payload.
fn describe_event(kind: &str, payload: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
    let field = |name: &str| {
        value.get(name).map(|v| {
            v.as_str()
                .map(str::to_owned)
                .unwrap_or_else(|| v.to_string())
        })
    };
    match kind {
        "partnership.status_changed" => {
            let mut text = format!(
                "Status {} → {}",
                field("before").unwrap_or_default(),
                field("after").unwrap_or_default()
            );
            if let Some(reason) = field("reason").filter(|r| r != "null") {
                text.push_str(&format!(" ({reason})"));
            }
            text
        }
        "partnership.applied" => "Applied to the program".into(),
        "partner_joined" => "Joined the program".into(),
        "partnership.tag_added" => "Tag added".into(),
        "partnership.tag_removed" => "Tag removed".into(),
        "partnership.group_changed" => "Moved to another group".into(),
        "partnership.tier_changed" => field("summary").unwrap_or_else(|| "Tier changed".into()),
        "partnership.manager_changed" => "Partner manager changed".into(),
        "partnership.team_renamed" => format!(
            "The team renamed itself from {}",
            field("before").unwrap_or_default()
        ),
        "partnership.notes_changed" => "Notes edited".into(),
        other => other.replace(['.', '_'], " "),
    }
}

/// A teammate replaces the notes on a partnership of their company (within a restricted
/// manager's groups); the event records only their length.
pub async fn save_notes(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    actor_user_id: i64,
    partnership_id: i64,
    notes: &str,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let loaded = load_in_company(&mut tx, company_id, allowed_groups, partnership_id).await?;
    sqlx::query("UPDATE partnerships SET notes = $1 WHERE id = $2")
        .bind(notes)
        .bind(loaded.id)
        .execute(&mut *tx)
        .await?;
    events::append(
        &mut tx,
        NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(company_id),
            kind: "partnership.notes_changed",
            subject_type: "partnership",
            subject_id: loaded.id,
            payload: serde_json::json!({ "length": notes.chars().count() }),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
