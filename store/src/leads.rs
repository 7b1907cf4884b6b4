//! Leads and the customers they become: the partner's current partnership, conflict checks
//! against the program's open leads, open deals and customers, and keyset pages of leads.

use domain::conflict::{Claim, ClaimKind, conflicts};
use domain::deal::DealStage;
use domain::lead::LeadStatus;
use sqlx::Row;

use super::db::{Db, Tx};
use crate::dto::LeadRow;
use crate::error::AppError;

pub const PAGE: i64 = 25;

/// The partnership a partner contact works in: their team's partnership in the program chosen
/// in the header (else the team's first), from the request's context.
pub type PartnerContext = super::context::Partnership;

/// A partnership's five newest customers, emails masked unless the program shows them.
pub async fn recent_customers(
    db: &Db,
    partnership_id: i64,
    emails_visible: bool,
) -> Result<Vec<crate::dto::CustomerRow>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT id, name, email, source, status, attributed_at FROM customers WHERE partnership_id = $1 ORDER BY id DESC LIMIT 5",
    )
    .bind(partnership_id)
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(crate::dto::CustomerRow {
                id: r.try_get(0)?,
                name: r.try_get(1)?,
                email: r.try_get::<Option<String>, _>(2)?.map(|e| {
                    if emails_visible {
                        e
                    } else {
                        domain::identity::mask_email(&e)
                    }
                }),
                source: r.try_get(3)?,
                status: r.try_get(4)?,
                attributed_at: r.try_get(5)?,
            })
        })
        .collect()
}

/// The program's open leads, open deals and customers with the same domain or company name.
pub async fn claims(
    tx: &mut Tx,
    program_id: i64,
    domain: Option<&str>,
    company_key: &str,
) -> Result<Vec<(Claim, String)>, AppError> {
    let [l1, l2, l3, l4] = LeadStatus::OPEN else {
        unreachable!("four open lead statuses")
    };
    let [d1, d2, d3] = DealStage::OPEN else {
        unreachable!("three open deal stages")
    };
    // One text for the three sources; `$2` may be NULL (no domain), then only names match.
    let rows = sqlx::query(
        "SELECT 'lead', id, domain, company_key, created_at, company_name FROM leads \
         WHERE program_id = $1 AND status IN ($4, $5, $6, $7) AND (domain = $2 OR company_key = $3) \
         UNION ALL SELECT 'deal', id, domain, company_key, created_at, name FROM deals \
         WHERE program_id = $1 AND stage IN ($8, $9, $10) AND (domain = $2 OR company_key = $3) \
         UNION ALL SELECT 'customer', id, domain, company_key, created_at, name FROM customers \
         WHERE program_id = $1 AND (domain = $2 OR company_key = $3)",
    )
    .bind(program_id)
    .bind(domain)
    .bind(company_key)
    .bind(l1.as_str())
    .bind(l2.as_str())
    .bind(l3.as_str())
    .bind(l4.as_str())
    .bind(d1.as_str())
    .bind(d2.as_str())
    .bind(d3.as_str())
    .fetch_all(&mut **tx)
    .await?;
    let mut found = Vec::with_capacity(rows.len());
    for r in rows {
        let kind = match r.try_get::<String, _>(0)?.as_str() {
            "lead" => ClaimKind::OpenLead,
            "deal" => ClaimKind::OpenDeal,
            _ => ClaimKind::Customer,
        };
        found.push((
            Claim {
                kind,
                id: r.try_get(1)?,
                domain: r.try_get(2)?,
                company: r.try_get(3)?,
                registered_at: r.try_get(4)?,
            },
            r.try_get::<String, _>(5)?,
        ));
    }
    // The domain rule decides what counts as a conflict; SQL only narrows the candidates.
    let candidates: Vec<Claim> = found.iter().map(|(c, _)| c.clone()).collect();
    let hits = conflicts(domain, company_key, &candidates);
    Ok(found
        .into_iter()
        .filter(|(c, _)| hits.iter().any(|h| h.kind == c.kind && h.id == c.id))
        .collect())
}

/// Writes a new lead (registered by a partner contact, passed or imported) with its conflict
/// text; events are the caller's, as they differ.
pub struct Insert<'a> {
    pub program_id: i64,
    pub partnership_id: i64,
    pub lead: &'a domain::lead::NewLead,
    pub status: LeadStatus,
    pub contact_id: Option<i64>,
    pub conflict: Option<String>,
    /// Answers to the group's custom fields, as (label, value).
    pub custom: &'a [(String, String)],
    pub now: i64,
}

pub async fn insert(tx: &mut Tx, new: Insert<'_>) -> Result<i64, AppError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO leads (program_id, partnership_id, company_name, contact_email, status, created_at, updated_at, \
         contact_name, domain, company_key, notes, contact_id, conflict, custom_fields) \
         VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id",
    )
    .bind(new.program_id)
    .bind(new.partnership_id)
    .bind(&new.lead.company)
    .bind(&new.lead.email)
    .bind(new.status.as_str())
    .bind(new.now)
    .bind(&new.lead.contact_name)
    .bind(&new.lead.domain)
    .bind(&new.lead.company_key)
    .bind(&new.lead.notes)
    .bind(new.contact_id)
    .bind(&new.conflict)
    .bind(serde_json::to_string(new.custom).map_err(AppError::internal)?)
    .fetch_one(&mut **tx)
    .await?)
}

/// Writes one imported row (see `lead_import`) with the conflicts it has now; returns the new
/// lead and what it collided with.
pub async fn insert_imported(
    tx: &mut Tx,
    program_id: i64,
    lead: &domain::lead::NewLead,
    row: &super::lead_import::Ready,
    who: (LeadStatus, Option<i64>),
    now: i64,
) -> Result<(i64, Vec<(Claim, String)>), AppError> {
    let claims = claims(tx, program_id, lead.domain.as_deref(), &lead.company_key).await?;
    let (status, contact_id) = who;
    let insert = Insert {
        program_id,
        partnership_id: row.partnership_id,
        lead,
        status,
        contact_id,
        conflict: describe(&claims),
        custom: &row.answers,
        now,
    };
    let id = self::insert(tx, insert).await?;
    Ok((id, claims))
}

/// A partner's new lead and what it collided with, for its `lead.registered` event.
pub struct Registration<'a> {
    pub lead_id: i64,
    pub partnership_id: i64,
    pub lead: &'a domain::lead::NewLead,
    pub claims: &'a [(Claim, String)],
    /// "form" or "csv".
    pub source: &'static str,
}

pub async fn record_registration(
    tx: &mut Tx,
    actor_user_id: i64,
    company_id: i64,
    r: Registration<'_>,
) -> Result<(), AppError> {
    super::events::append(
        tx,
        super::events::NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(company_id),
            kind: "lead.registered",
            subject_type: "lead",
            subject_id: r.lead_id,
            payload: serde_json::json!({
                "partnership_id": r.partnership_id,
                "company": r.lead.company,
                "domain": r.lead.domain,
                "source": r.source,
                "conflicts_with": r.claims.iter().map(|(c, name)| serde_json::json!({ "kind": format!("{:?}", c.kind), "id": c.id, "name": name })).collect::<Vec<_>>(),
            }),
        },
    )
    .await?;
    Ok(())
}

/// What a teammate reads about a conflict: "customer Contoso Retail, open lead Contoso".
pub fn describe(claims: &[(Claim, String)]) -> Option<String> {
    (!claims.is_empty()).then(|| {
        claims
            .iter()
            .map(|(c, name)| {
                let kind = match c.kind {
                    ClaimKind::OpenLead => "open lead",
                    ClaimKind::OpenDeal => "open deal",
                    ClaimKind::Customer => "customer",
                };
                format!("{kind} {name}")
            })
            .collect::<Vec<_>>()
            .join(", ")
    })
}

/// Which leads a page lists.
pub enum Scope {
    /// A program's leads (a teammate), optionally of one status, within allowed groups.
    Program {
        program_id: i64,
        status: Option<LeadStatus>,
        groups: Option<Vec<i64>>,
    },
    /// One partnership's leads; `contact` limits them to one contact's own.
    Partnership {
        partnership_id: i64,
        contact: Option<i64>,
    },
}

/// One keyset page of leads, newest first; the cursor is the last id shown.
pub async fn page(
    db: &Db,
    scope: &Scope,
    after: Option<i64>,
    for_vendor: bool,
) -> Result<(Vec<LeadRow>, Option<i64>), AppError> {
    let (filter, a, b, c) = match scope {
        Scope::Program {
            program_id, status, ..
        } => (
            "l.program_id = $1 AND ($2 = '' OR l.status = $2) AND $3 = 0",
            *program_id,
            status.map(|s| s.as_str()).unwrap_or(""),
            0,
        ),
        Scope::Partnership {
            partnership_id,
            contact,
        } => (
            "l.partnership_id = $1 AND $2 = '' AND ($3 = 0 OR l.contact_id = $3)",
            *partnership_id,
            "",
            contact.unwrap_or(0),
        ),
    };
    let sql = format!(
        "SELECT l.id, l.company_name, l.contact_name, l.contact_email, l.domain, l.status, l.reason, t.name, u.name, \
         l.conflict, l.created_at, cu.name, p.group_id, l.custom_fields FROM leads l \
         JOIN partnerships p ON p.id = l.partnership_id JOIN partner_teams t ON t.id = p.partner_team_id \
         LEFT JOIN contacts c ON c.id = l.contact_id LEFT JOIN users u ON u.id = c.user_id \
         LEFT JOIN customers cu ON cu.id = l.customer_id \
         WHERE {filter} AND l.id < $4 ORDER BY l.id DESC LIMIT {}",
        PAGE + 1
    );
    let groups = match scope {
        Scope::Program { groups, .. } => groups.clone(),
        Scope::Partnership { .. } => None,
    };
    let mut out = Vec::new();
    let mut cursor = after.unwrap_or(i64::MAX);
    // A restricted partner manager's page skips other groups' leads; keep reading until the
    // page is full or the leads run out.
    loop {
        // Safe: `filter` is one of two fixed texts; every value is bound.
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(a)
            .bind(b)
            .bind(c)
            .bind(cursor)
            .fetch_all(&db.pool)
            .await?;
        let fetched = rows.len();
        let shown = fetched.min(PAGE as usize);
        for (index, r) in rows.iter().take(shown).enumerate() {
            cursor = r.try_get(0)?;
            let group: i64 = r.try_get(12)?;
            if groups.as_ref().is_some_and(|g| !g.contains(&group)) {
                continue;
            }
            let status: String = r.try_get(5)?;
            out.push(LeadRow {
                id: cursor,
                company: r.try_get(1)?,
                contact_name: r.try_get(2)?,
                email: r.try_get(3)?,
                domain: r.try_get(4)?,
                status: LeadStatus::parse(&status).map_err(AppError::internal)?,
                reason: r.try_get(6)?,
                partner_team: r.try_get(7)?,
                registered_by: r.try_get(8)?,
                conflict: if for_vendor { r.try_get(9)? } else { None },
                created_at: r.try_get(10)?,
                customer: r.try_get(11)?,
                passes: Vec::new(),
                custom: serde_json::from_str(&r.try_get::<String, _>(13)?).unwrap_or_default(),
            });
            if out.len() as i64 == PAGE {
                let more = index + 1 < fetched;
                if for_vendor {
                    attach_passes(db, &mut out).await?;
                }
                return Ok((out, more.then_some(cursor)));
            }
        }
        if fetched <= PAGE as usize {
            if for_vendor {
                attach_passes(db, &mut out).await?;
            }
            return Ok((out, None));
        }
    }
}

/// A lead of one of the teammate's company's programs, within the groups a restricted partner
/// manager may see; anything else is "not found".
pub struct LoadedLead {
    pub status: LeadStatus,
    pub program_id: i64,
    pub partnership_id: i64,
    pub company: String,
    pub email: String,
    pub domain: Option<String>,
    pub company_key: String,
    /// The contact who registered it (whose reward it earns).
    pub contact_id: Option<i64>,
}

pub async fn load_for_teammate(
    tx: &mut Tx,
    me: &super::context::Teammate,
    allowed_groups: Option<&[i64]>,
    lead_id: i64,
) -> Result<LoadedLead, AppError> {
    let row = sqlx::query(
        "SELECT l.status, l.program_id, l.partnership_id, p.group_id, l.company_name, l.contact_email, l.domain, l.company_key, l.contact_id FROM leads l \
         JOIN programs pr ON pr.id = l.program_id JOIN partnerships p ON p.id = l.partnership_id \
         WHERE l.id = $1 AND pr.company_id = $2",
    )
    .bind(lead_id)
    .bind(me.company_id)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| AppError::not_found("Lead"))?;
    let group: i64 = row.try_get(3)?;
    if allowed_groups.is_some_and(|g| !g.contains(&group)) {
        return Err(AppError::not_found("Lead"));
    }
    Ok(LoadedLead {
        status: LeadStatus::parse(&row.try_get::<String, _>(0)?).map_err(AppError::internal)?,
        program_id: row.try_get(1)?,
        partnership_id: row.try_get(2)?,
        company: row.try_get(4)?,
        email: row.try_get(5)?,
        domain: row.try_get(6)?,
        company_key: row.try_get(7)?,
        contact_id: row.try_get(8)?,
    })
}

/// A move of a lead along its state machine, already allowed by `domain::lead::transition`.
pub struct StatusChange {
    pub lead_id: i64,
    pub before: LeadStatus,
    pub after: LeadStatus,
    /// A rejection's or decline's reason, shown to the other side.
    pub reason: Option<String>,
    pub customer_id: Option<i64>,
    pub now: i64,
}

/// Writes a status change with its event. The old status in the WHERE makes a concurrent
/// change lose (409) instead of overwriting the other.
pub async fn change_status(
    tx: &mut Tx,
    change: &StatusChange,
    actor_user_id: i64,
    company_id: i64,
) -> Result<(), AppError> {
    let done = sqlx::query(
        "UPDATE leads SET status = $1, reason = COALESCE($2, reason), customer_id = COALESCE($3, customer_id), updated_at = $4 \
         WHERE id = $5 AND status = $6",
    )
    .bind(change.after.as_str())
    .bind(&change.reason)
    .bind(change.customer_id)
    .bind(change.now)
    .bind(change.lead_id)
    .bind(change.before.as_str())
    .execute(&mut **tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::new(
            409,
            "Someone else changed this lead; reload and try again",
        ));
    }
    super::events::append(
        tx,
        super::events::NewEvent {
            actor_user_id: Some(actor_user_id),
            company_id: Some(company_id),
            kind: "lead.status_changed",
            subject_type: "lead",
            subject_id: change.lead_id,
            payload: serde_json::json!({
                "before": change.before.as_str(),
                "after": change.after.as_str(),
                "reason": change.reason,
                "customer_id": change.customer_id,
            }),
        },
    )
    .await?;
    Ok(())
}

/// Records that `lead_id` was passed to `partnership_id`, with its event.
pub async fn record_pass(
    tx: &mut Tx,
    me: &super::context::Teammate,
    lead_id: i64,
    partnership_id: i64,
    now: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO lead_passes (lead_id, partnership_id, status, passed_by_user_id, passed_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(lead_id)
    .bind(partnership_id)
    .bind(LeadStatus::Passed.as_str())
    .bind(me.identity.user_id)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    super::events::append(
        tx,
        super::events::NewEvent {
            actor_user_id: Some(me.identity.user_id),
            company_id: Some(me.company_id),
            kind: "lead.passed",
            subject_type: "lead",
            subject_id: lead_id,
            payload: serde_json::json!({ "partnership_id": partnership_id }),
        },
    )
    .await?;
    Ok(())
}

/// The pass history of each lead on a page, oldest first: "Northwind Agency declined: …".
pub async fn attach_passes(db: &Db, rows: &mut [LeadRow]) -> Result<(), AppError> {
    if rows.is_empty() {
        return Ok(());
    }
    let placeholders = super::db::placeholders(0, rows.len());
    let sql = format!(
        "SELECT lp.lead_id, t.name, lp.status, lp.reason FROM lead_passes lp \
         JOIN partnerships p ON p.id = lp.partnership_id JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE lp.lead_id IN ({}) ORDER BY lp.id",
        placeholders
    );
    // Safe: placeholders only; every value is bound.
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for row in rows.iter() {
        query = query.bind(row.id);
    }
    for r in query.fetch_all(&db.pool).await? {
        let id: i64 = r.try_get(0)?;
        let team: String = r.try_get(1)?;
        let status = LeadStatus::parse(&r.try_get::<String, _>(2)?).map_err(AppError::internal)?;
        let reason: Option<String> = r.try_get(3)?;
        let line = match (status, reason) {
            (LeadStatus::Passed, _) => format!("Passed to {team}"),
            (status, Some(reason)) => format!("{team} {}: {reason}", status.label()),
            (status, None) => format!("{team} {}", status.label()),
        };
        if let Some(row) = rows.iter_mut().find(|row| row.id == id) {
            row.passes.push(line);
        }
    }
    Ok(())
}
