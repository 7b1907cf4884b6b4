//! The signed-in request's context, read in one query: the session and its user, the
//! membership the session acts in (teammate of a company or contact of a partner team) with its
//! role, how many memberships the user has, and the programs of the workspace. Every page and
//! server function starts from it, so none of them reads these again.

use std::sync::Arc;

use domain::permissions::{ContactPermission, ContactRole, Permission, TeammateRole};
use domain::session::SessionTimes;
use domain::workspace::WorkspaceKind;
use sqlx::Row;

use super::db::{Db, now_ms};
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
    /// When the session ends unless it is used again (ms): a cached copy is never used after.
    pub expires_at: i64,
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

/// The session, its membership and its workspace's programs, one row per program (and per
/// group a partner manager is assigned to). The joins for the kind the session is not in find
/// nothing.
const SESSION_SQL: &str = "SELECT s.id, s.user_id, s.workspace_kind, s.workspace_id, s.created_at, s.last_seen_at, \
     u.email, u.name, s.program_id, \
     (SELECT COUNT(*) FROM teammates m WHERE m.user_id = s.user_id) + (SELECT COUNT(*) FROM contacts m WHERE m.user_id = s.user_id), \
     t.id, t.role, co.name, pr.id, pr.name, pr.currency, \
     ct.id, ct.role, pt.name, pt.kind, \
     pp.id, pp.status, ppr.id, ppr.name, ppr.company_id, pc.name, ppr.currency, ppr.customer_email_visible, tg.group_id \
     FROM sessions s JOIN users u ON u.id = s.user_id \
     LEFT JOIN teammates t ON s.workspace_kind = 'vendor' AND t.company_id = s.workspace_id AND t.user_id = s.user_id \
     LEFT JOIN companies co ON co.id = t.company_id \
     LEFT JOIN programs pr ON pr.company_id = t.company_id \
     LEFT JOIN teammate_groups tg ON t.role = 'partner_manager' AND tg.teammate_id = t.id \
     LEFT JOIN contacts ct ON s.workspace_kind = 'partner' AND ct.partner_team_id = s.workspace_id AND ct.user_id = s.user_id \
     LEFT JOIN partner_teams pt ON pt.id = ct.partner_team_id \
     LEFT JOIN partnerships pp ON pp.partner_team_id = ct.partner_team_id \
     LEFT JOIN programs ppr ON ppr.id = pp.program_id \
     LEFT JOIN companies pc ON pc.id = ppr.company_id \
     WHERE s.token_hash = $1 ORDER BY pr.id, ppr.id, tg.group_id";

/// The live session of `token` with its context; an expired one is deleted on sight, and a
/// session in use has its last-seen time moved on now and then.
pub async fn load(db: &Db, token: &str) -> Result<Option<Session>, sqlx::Error> {
    let rows = sqlx::query(SESSION_SQL)
        .bind(hash_token(token))
        .fetch_all(&db.pool)
        .await?;
    let Some(first) = rows.first() else {
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
        Some((WorkspaceKind::Vendor, company_id)) => teammate(&rows, company_id)?,
        Some((WorkspaceKind::Partner, partner_team_id)) => contact(&rows, partner_team_id)?,
        None => None,
    };
    Ok(Some(Session {
        identity,
        memberships: first.try_get(9)?,
        member,
        expires_at: times.expires_at(),
    }))
}

fn bad_role(e: domain::RuleViolation) -> sqlx::Error {
    sqlx::Error::Decode(e.0.into())
}

fn teammate(rows: &[sqlx::any::AnyRow], company_id: i64) -> Result<Option<Member>, sqlx::Error> {
    let first = &rows[0];
    let Some(teammate_id) = first.try_get::<Option<i64>, _>(10)? else {
        return Ok(None);
    };
    let role: String = first.try_get(11)?;
    let mut programs: Vec<ProgramSummary> = Vec::with_capacity(rows.len());
    let mut groups: Vec<i64> = Vec::new();
    for row in rows {
        if let Some(id) = row.try_get::<Option<i64>, _>(13)?
            && programs.last().is_none_or(|p| p.id != id)
        {
            programs.push(ProgramSummary {
                id,
                name: row.try_get(14)?,
                currency: row.try_get(15)?,
            });
        }
        if let Some(group) = row.try_get::<Option<i64>, _>(28)?
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
        company_name: first.try_get(12)?,
        role: TeammateRole::parse(&role).map_err(bad_role)?,
        allowed_groups,
        programs,
    }))
}

fn contact(
    rows: &[sqlx::any::AnyRow],
    partner_team_id: i64,
) -> Result<Option<Member>, sqlx::Error> {
    let first = &rows[0];
    let Some(contact_id) = first.try_get::<Option<i64>, _>(16)? else {
        return Ok(None);
    };
    let role: String = first.try_get(17)?;
    let mut partnerships = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some(partnership_id) = row.try_get::<Option<i64>, _>(20)? {
            partnerships.push(Partnership {
                partnership_id,
                active: row.try_get::<String, _>(21)? == "active",
                program_id: row.try_get(22)?,
                program: row.try_get(23)?,
                company_id: row.try_get(24)?,
                vendor: row.try_get(25)?,
                currency: row.try_get(26)?,
                customer_emails_visible: row.try_get::<i64, _>(27)? != 0,
            });
        }
    }
    Ok(Some(Member::Contact {
        contact_id,
        partner_team_id,
        partner_team_name: first.try_get(18)?,
        partner_team_kind: first.try_get(19)?,
        role: ContactRole::parse(&role).map_err(bad_role)?,
        partnerships,
    }))
}

/// Sessions read in the last moment, by token hash, so a page and the calls it makes right
/// after do not read the same session again. An entry lives at most [`SessionCache::TTL`]:
/// a sign-out, a removed membership or a changed role on another server process takes effect
/// here within that time. Requests that change something never use it, and drop the caller's
/// entry on this process, so a user's own change shows on their next page at once.
#[derive(Default)]
pub struct SessionCache {
    entries:
        std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Arc<Session>)>>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionCache")
    }
}

impl SessionCache {
    /// The longest an entry is used: the bound for a sign-out or role change to reach
    /// every server process.
    pub const TTL: std::time::Duration = std::time::Duration::from_millis(1000);
    /// Beyond this many entries, expired ones are dropped (and, if none are, all).
    const CAPACITY: usize = 10_000;

    fn lock(
        &self,
    ) -> std::sync::MutexGuard<
        '_,
        std::collections::HashMap<String, (std::time::Instant, Arc<Session>)>,
    > {
        // A panic while holding the lock leaves a map that is still consistent.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, token_hash: &str) -> Option<Arc<Session>> {
        let entries = self.lock();
        let (read_at, session) = entries.get(token_hash)?;
        (read_at.elapsed() < Self::TTL && now_ms() < session.expires_at).then(|| session.clone())
    }

    pub fn put(&self, token_hash: String, session: Arc<Session>) {
        let mut entries = self.lock();
        if entries.len() >= Self::CAPACITY {
            entries.retain(|_, (read_at, _)| read_at.elapsed() < Self::TTL);
            if entries.len() >= Self::CAPACITY {
                entries.clear();
            }
        }
        entries.insert(token_hash, (std::time::Instant::now(), session));
    }

    pub fn forget(&self, token_hash: &str) {
        self.lock().remove(token_hash);
    }
}

/// The session of `token` for a request: from `cache` when `reuse` (a request that changes
/// nothing) and it was read within the last [`SessionCache::TTL`], else from the database.
/// A request that may change something drops the cached entry first.
pub async fn load_cached(
    db: &Db,
    cache: &SessionCache,
    token: &str,
    reuse: bool,
) -> Result<Option<Arc<Session>>, sqlx::Error> {
    let token_hash = hash_token(token);
    if reuse {
        if let Some(session) = cache.get(&token_hash) {
            return Ok(Some(session));
        }
    } else {
        cache.forget(&token_hash);
    }
    let Some(session) = load(db, token).await?.map(Arc::new) else {
        cache.forget(&token_hash);
        return Ok(None);
    };
    if reuse {
        cache.put(token_hash, session.clone());
    }
    Ok(Some(session))
}
