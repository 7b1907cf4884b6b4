//! The signed-in request's context, read in two queries: the session and its user, the
//! membership the session acts in (teammate of a company or contact of a partner team) with its
//! role, how many memberships the user has, and the programs of the workspace. Every page and
//! server function starts from it, so none of them reads these again. Pages may use one read
//! within the last second ([`Recent`]); everything that may change something reads it anew.
//! The vendor API's caller, a program API key, has its context too ([`api_caller`]): the key
//! and its program's money settings, in one read.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use domain::permissions::{ContactPermission, ContactRole, Permission, TeammateRole};
use domain::session::SessionTimes;
use domain::transaction::api_key;
use domain::workspace::WorkspaceKind;
use sqlx::Row;

use super::api_keys::hash_matches;
use super::db::{Db, now_ms};
use super::rewards::{ProgramMoney, money_row};
use super::session::{Identity, hash_token};
use crate::dto::{ProgramChoice, ProgramSummary};
use crate::error::AppError;

/// The caller as a teammate of the company their session acts in.
#[derive(Clone, Debug)]
pub struct Teammate {
    pub identity: Identity,
    pub teammate_id: i64,
    pub company_id: i64,
    pub company_name: String,
    pub role: TeammateRole,
    /// A partner manager assigned to groups sees only their partnerships (and what belongs to
    /// them); `None` sees the whole program.
    pub allowed_groups: Option<Vec<i64>>,
}

/// The caller as a contact of the partner team their session acts in.
#[derive(Clone, Debug)]
pub struct Contact {
    pub identity: Identity,
    pub contact_id: i64,
    pub partner_team_id: i64,
    pub partner_team_name: String,
    pub partner_team_kind: String,
    pub role: ContactRole,
}

/// A partner team's partnership in one program, as the team's pages need it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partnership {
    pub partnership_id: i64,
    pub program_id: i64,
    pub program: String,
    pub company_id: i64,
    pub vendor: String,
    pub active: bool,
    pub currency: String,
    /// The program shows partners their customers' emails in full (else masked).
    pub customer_emails_visible: bool,
    /// How the vendor shows itself to its partners (`/vendor/company`).
    pub brand: VendorBrand,
}

/// The vendor's brand colour, logo and support address, each unset or checked when saved
/// (`domain::company::validate_branding`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VendorBrand {
    pub color: Option<String>,
    pub logo_url: Option<String>,
    pub support_email: Option<String>,
}

/// The membership a session acts in.
#[derive(Clone, Debug)]
pub enum Member {
    Teammate {
        teammate_id: i64,
        company_id: i64,
        company_name: String,
        role: TeammateRole,
        allowed_groups: Option<Vec<i64>>,
        /// The company's programs, oldest first.
        programs: Vec<ProgramSummary>,
    },
    Contact {
        contact_id: i64,
        partner_team_id: i64,
        partner_team_name: String,
        partner_team_kind: String,
        role: ContactRole,
        /// The team's partnerships, by program.
        partnerships: Vec<Partnership>,
    },
}

/// Who is signed in on this request, and as whom they act.
#[derive(Clone, Debug)]
pub struct Session {
    pub identity: Identity,
    /// The user's teammate and contact rows in all: more than one offers the workspace switch.
    pub memberships: i64,
    /// `None` before a workspace is chosen, or when the membership is gone.
    pub member: Option<Member>,
    /// When the session began and was last seen, as read: a recent read expires with them.
    pub times: SessionTimes,
    /// Notifications of the workspace not read yet (the header's bell).
    pub unread: i64,
}

impl Session {
    /// The caller as a teammate holding `permission`, or 403.
    pub fn teammate(&self, permission: Permission) -> Result<Teammate, AppError> {
        match &self.member {
            Some(Member::Teammate {
                teammate_id,
                company_id,
                company_name,
                role,
                allowed_groups,
                ..
            }) if role.can(permission) => Ok(Teammate {
                identity: self.identity.clone(),
                teammate_id: *teammate_id,
                company_id: *company_id,
                company_name: company_name.clone(),
                role: *role,
                allowed_groups: allowed_groups.clone(),
            }),
            _ => Err(AppError::forbidden()),
        }
    }

    /// The caller as a contact holding `permission`, or 403.
    pub fn contact(&self, permission: ContactPermission) -> Result<Contact, AppError> {
        match &self.member {
            Some(Member::Contact {
                contact_id,
                partner_team_id,
                partner_team_name,
                partner_team_kind,
                role,
                ..
            }) if role.can(permission) => Ok(Contact {
                identity: self.identity.clone(),
                contact_id: *contact_id,
                partner_team_id: *partner_team_id,
                partner_team_name: partner_team_name.clone(),
                partner_team_kind: partner_team_kind.clone(),
                role: *role,
            }),
            _ => Err(AppError::forbidden()),
        }
    }

    /// A company's programs (empty for a partner team).
    pub fn programs(&self) -> &[ProgramSummary] {
        match &self.member {
            Some(Member::Teammate { programs, .. }) => programs,
            _ => &[],
        }
    }

    /// A partner team's partnerships (empty for a company).
    pub fn partnerships(&self) -> &[Partnership] {
        match &self.member {
            Some(Member::Contact { partnerships, .. }) => partnerships,
            _ => &[],
        }
    }

    /// The inbox of the session's workspace, or 403 before one is chosen.
    pub fn inbox(&self) -> Result<super::notifications::Inbox, AppError> {
        let (kind, workspace_id) = self.identity.workspace.ok_or_else(AppError::forbidden)?;
        if self.member.is_none() {
            return Err(AppError::forbidden());
        }
        Ok(super::notifications::Inbox {
            user_id: self.identity.user_id,
            kind,
            workspace_id,
        })
    }

    /// The programs the header offers: a company's own, or "Program — Vendor" for a team.
    pub fn program_choices(&self) -> Vec<ProgramChoice> {
        match &self.member {
            Some(Member::Teammate { programs, .. }) => programs
                .iter()
                .map(|p| ProgramChoice {
                    id: p.id,
                    label: p.name.clone(),
                })
                .collect(),
            Some(Member::Contact { partnerships, .. }) => partnerships
                .iter()
                .map(|p| ProgramChoice {
                    id: p.program_id,
                    label: format!("{} — {}", p.program, p.vendor),
                })
                .collect(),
            None => Vec::new(),
        }
    }

    /// The team's partnership in the program chosen in the header (else its first).
    pub fn chosen_partnership(&self) -> Option<&Partnership> {
        let partnerships = self.partnerships();
        let ids: Vec<i64> = partnerships.iter().map(|p| p.program_id).collect();
        let chosen = domain::workspace::chosen_program(&ids, self.identity.program_id)?;
        partnerships.iter().find(|p| p.program_id == chosen)
    }
}

/// The session, its user, how many memberships the user has and how many notifications of the
/// workspace they have not read.
const SESSION_SQL: &str = "SELECT s.id, s.user_id, s.workspace_kind, s.workspace_id, s.created_at, s.last_seen_at, \
     u.email, u.name, s.program_id, \
     (SELECT COUNT(*) FROM teammates m WHERE m.user_id = s.user_id) + (SELECT COUNT(*) FROM contacts m WHERE m.user_id = s.user_id), \
     (SELECT COUNT(*) FROM notifications n WHERE n.user_id = s.user_id AND n.workspace_kind = s.workspace_kind \
      AND n.workspace_id = s.workspace_id AND n.read_at IS NULL) \
     FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1";

/// A teammate's membership and the company's programs, one row per program (and per group a
/// partner manager is assigned to).
const TEAMMATE_SQL: &str = "SELECT t.id, t.role, co.name, pr.id, pr.name, pr.currency, tg.group_id \
     FROM teammates t JOIN companies co ON co.id = t.company_id \
     LEFT JOIN programs pr ON pr.company_id = t.company_id \
     LEFT JOIN teammate_groups tg ON t.role = 'partner_manager' AND tg.teammate_id = t.id \
     WHERE t.company_id = $1 AND t.user_id = $2 ORDER BY pr.id, tg.group_id";

/// A contact's membership and the team's partnerships, one row per program.
const CONTACT_SQL: &str = "SELECT ct.id, ct.role, pt.name, pt.kind, pp.id, pp.status, ppr.id, ppr.name, ppr.company_id, pc.name, \
     ppr.currency, ppr.customer_email_visible, pc.brand_color, pc.logo_url, pc.support_email \
     FROM contacts ct JOIN partner_teams pt ON pt.id = ct.partner_team_id \
     LEFT JOIN partnerships pp ON pp.partner_team_id = ct.partner_team_id \
     LEFT JOIN programs ppr ON ppr.id = pp.program_id \
     LEFT JOIN companies pc ON pc.id = ppr.company_id \
     WHERE ct.partner_team_id = $1 AND ct.user_id = $2 ORDER BY ppr.id";

/// The live session of `token` with its context, in two reads (the session, then the
/// membership with its programs: one query joining both cost PostgreSQL more to plan than the
/// two together); an expired session is deleted on sight, and a session in use has its
/// last-seen time moved on now and then.
pub async fn load(db: &Db, token: &str) -> Result<Option<Session>, sqlx::Error> {
    load_hashed(db, &hash_token(token)).await
}

/// [`load`] by the token's hash.
async fn load_hashed(db: &Db, token_hash: &str) -> Result<Option<Session>, sqlx::Error> {
    let Some(first) = sqlx::query(SESSION_SQL)
        .bind(token_hash)
        .fetch_optional(&mut db.conn().await?)
        .await?
    else {
        return Ok(None);
    };
    let session_id: i64 = first.try_get(0)?;
    let times = SessionTimes {
        created_at: first.try_get(4)?,
        last_seen_at: first.try_get(5)?,
    };
    let now = now_ms();
    if !times.is_live(now) {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(session_id)
            .execute(&db.pool)
            .await?;
        return Ok(None);
    }
    if times.needs_touch(now) {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(session_id)
            .execute(&db.pool)
            .await?;
    }
    let kind: Option<String> = first.try_get(2)?;
    let workspace_id: Option<i64> = first.try_get(3)?;
    let workspace = match (kind.as_deref().map(WorkspaceKind::parse), workspace_id) {
        (Some(Ok(kind)), Some(id)) => Some((kind, id)),
        _ => None,
    };
    let identity = Identity {
        session_id,
        user_id: first.try_get(1)?,
        email: first.try_get(6)?,
        name: first.try_get(7)?,
        workspace,
        program_id: first.try_get(8)?,
    };
    let member = match workspace {
        Some((kind, id)) => {
            let sql = match kind {
                WorkspaceKind::Vendor => TEAMMATE_SQL,
                WorkspaceKind::Partner => CONTACT_SQL,
            };
            let rows = sqlx::query(sql)
                .bind(id)
                .bind(identity.user_id)
                .fetch_all(&mut db.conn().await?)
                .await?;
            match kind {
                WorkspaceKind::Vendor => teammate(&rows, id)?,
                WorkspaceKind::Partner => contact(&rows, id)?,
            }
        }
        None => None,
    };
    Ok(Some(Session {
        identity,
        memberships: first.try_get(9)?,
        member,
        times,
        unread: first.try_get(10)?,
    }))
}

fn bad_role(e: domain::RuleViolation) -> sqlx::Error {
    sqlx::Error::Decode(e.0.into())
}

fn teammate(rows: &[sqlx::any::AnyRow], company_id: i64) -> Result<Option<Member>, sqlx::Error> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let teammate_id: i64 = first.try_get(0)?;
    let role: String = first.try_get(1)?;
    let mut programs: Vec<ProgramSummary> = Vec::with_capacity(rows.len());
    let mut groups: Vec<i64> = Vec::new();
    for row in rows {
        if let Some(id) = row.try_get::<Option<i64>, _>(3)?
            && programs.last().is_none_or(|p| p.id != id)
        {
            programs.push(ProgramSummary {
                id,
                name: row.try_get(4)?,
                currency: row.try_get(5)?,
            });
        }
        if let Some(group) = row.try_get::<Option<i64>, _>(6)?
            && !groups.contains(&group)
        {
            groups.push(group);
        }
    }
    groups.sort_unstable();
    // A partner manager without groups manages the whole program.
    let allowed_groups = (!groups.is_empty()).then_some(groups);
    Ok(Some(Member::Teammate {
        teammate_id,
        company_id,
        company_name: first.try_get(2)?,
        role: TeammateRole::parse(&role).map_err(bad_role)?,
        allowed_groups,
        programs,
    }))
}

fn contact(
    rows: &[sqlx::any::AnyRow],
    partner_team_id: i64,
) -> Result<Option<Member>, sqlx::Error> {
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let contact_id: i64 = first.try_get(0)?;
    let role: String = first.try_get(1)?;
    let mut partnerships = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(partnership_id) = row.try_get::<Option<i64>, _>(4)? {
            partnerships.push(Partnership {
                partnership_id,
                active: row.try_get::<String, _>(5)? == "active",
                program_id: row.try_get(6)?,
                program: row.try_get(7)?,
                company_id: row.try_get(8)?,
                vendor: row.try_get(9)?,
                currency: row.try_get(10)?,
                customer_emails_visible: row.try_get::<i64, _>(11)? != 0,
                brand: VendorBrand {
                    color: row.try_get(12)?,
                    logo_url: row.try_get(13)?,
                    support_email: row.try_get(14)?,
                },
            });
        }
    }
    Ok(Some(Member::Contact {
        contact_id,
        partner_team_id,
        partner_team_name: first.try_get(2)?,
        partner_team_kind: first.try_get(3)?,
        role: ContactRole::parse(&role).map_err(bad_role)?,
        partnerships,
    }))
}

/// The caller of the vendor API (`/api/v1`): a live program API key and its program.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub key_id: i64,
    /// The key's program, with the money settings its transactions are recorded with.
    pub program: ProgramMoney,
}

/// A live key by its prefix, with its hash and its program's money settings: the key and the
/// program in one read, since every API request needs both.
const API_CALLER_SQL: &str = "SELECT k.id, k.key_hash, k.program_id, \
     p.company_id, p.currency, p.hold_days, p.min_cashout_minor \
     FROM api_keys k JOIN programs p ON p.id = k.program_id \
     WHERE k.prefix = $1 AND k.revoked_at IS NULL";

/// The API caller whose bearer key is `key`, in one read; `None` for a malformed, unknown or
/// revoked key, or one whose secret does not match. The row is found by the key's prefix and
/// the secret checked against the stored SHA-256 in constant time (only the hash is stored).
pub async fn api_caller(db: &Db, key: &str) -> Result<Option<ApiCaller>, AppError> {
    let Some(prefix) = api_key::prefix(key) else {
        return Ok(None);
    };
    let Some(row) = sqlx::query(API_CALLER_SQL)
        .bind(prefix)
        .fetch_optional(&mut db.conn().await?)
        .await?
    else {
        return Ok(None);
    };
    if !hash_matches(&row.try_get::<String, _>(1)?, key) {
        return Ok(None);
    }
    Ok(Some(ApiCaller {
        key_id: row.try_get(0)?,
        program: money_row(row.try_get(2)?, &row, 3)?,
    }))
}

/// How long a page may use a context read by an earlier request: a sign-out, a removed
/// membership or a changed role on another server process applies to pages within this time.
pub const RECENT_FOR: Duration = Duration::from_secs(1);

/// Room for this many sessions' contexts; past it, the stale ones go (and all, if none is).
const RECENT_CAPACITY: usize = 10_000;

/// The contexts this process read in the last [`RECENT_FOR`], by session token hash, for pages
/// (`GET`), which only read. Anything that may change (every other method, so every server
/// function) reads its context from the database, and when it is done drops all of these
/// ([`Recent::forget_all`]): on this process a change applies to the very next page, on the
/// others within a second. Nothing here decides a write.
#[derive(Default)]
pub struct Recent {
    /// Moves on at every change; a context read before a change is not used after it.
    generation: AtomicU64,
    entries: Mutex<HashMap<String, RecentEntry>>,
}

struct RecentEntry {
    session: Arc<Session>,
    read_at: Instant,
    generation: u64,
}

impl std::fmt::Debug for Recent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recent")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Recent {
    /// The context of `token` if this process read it within [`RECENT_FOR`] and nothing
    /// changed since; else it is read (and kept when the session is live).
    pub async fn load(&self, db: &Db, token: &str) -> Result<Option<Arc<Session>>, sqlx::Error> {
        let key = hash_token(token);
        // Taken before the read: a change finishing during the read makes this one stale.
        let generation = self.generation.load(Ordering::Acquire);
        if let Some(session) = self.get(&key, generation) {
            return Ok(Some(session));
        }
        let Some(session) = load_hashed(db, &key).await?.map(Arc::new) else {
            return Ok(None);
        };
        self.put(key, Arc::clone(&session), generation);
        Ok(Some(session))
    }

    fn get(&self, key: &str, generation: u64) -> Option<Arc<Session>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|e| {
                e.generation == generation
                    && e.read_at.elapsed() < RECENT_FOR
                    && e.session.times.is_live(now_ms())
            })
            .map(|e| Arc::clone(&e.session))
    }

    fn put(&self, key: String, session: Arc<Session>, generation: u64) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= RECENT_CAPACITY {
            entries.retain(|_, e| e.read_at.elapsed() < RECENT_FOR);
            if entries.len() >= RECENT_CAPACITY {
                entries.clear();
            }
        }
        entries.insert(
            key,
            RecentEntry {
                session,
                read_at: Instant::now(),
                generation,
            },
        );
    }

    /// Something may have changed: no context read before now is used again.
    pub fn forget_all(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}
