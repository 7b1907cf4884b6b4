//! Leads and the customers they become: the partner's current partnership, conflict checks
//! against the program's open leads, open deals and customers, registrations, teammates'
//! decisions, passes to other partners and their answers, and keyset pages of leads.

use std::collections::HashMap;

use domain::conflict::{Claim, ClaimKind, conflicts};
use domain::deal::DealStage;
use domain::lead::{LeadAction, LeadActor, LeadStatus, transition, validate_new_lead};
use domain::program::{PartnerType, partner_type_label};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::db::{Db, Tx};
use crate::dto::{LeadRow, Named, PartnerSuggestion, PartnerSuggestions};
use crate::error::AppError;

pub const PAGE: i64 = 25;

/// The partnership a partner contact works in: their team's partnership in the program chosen
/// in the header (else the team's first), from the request's context.
pub type PartnerContext = super::context::Partnership;

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

/// What a partner contact typed to register a lead, checked by [`register`] together with
/// the answers to their group's custom fields.
pub struct LeadForm<'a> {
    pub company: &'a str,
    pub contact_name: &'a str,
    pub email: &'a str,
    pub domain: &'a str,
    pub notes: &'a str,
    /// Answers to the group's custom fields, by field key.
    pub custom: &'a HashMap<String, String>,
}

/// A partner contact registers a lead in their partnership's program. The custom fields are
/// read in the transaction that writes the lead, so the answers are checked against the
/// fields in force; every problem is reported at once. Conflicts with the program's open
/// leads, open deals and customers are recorded for the teammates who decide.
pub async fn register(
    db: &Db,
    context: &PartnerContext,
    contact_id: i64,
    actor_user_id: i64,
    form: LeadForm<'_>,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = db.begin().await?;
    let fields =
        super::structure::lead_fields_of_partnership(&mut *tx, context.partnership_id).await?;
    let answers = domain::lead_fields::check_answers(&fields, |key| form.custom.get(key).cloned());
    let lead = validate_new_lead(
        form.company,
        form.contact_name,
        form.email,
        form.domain,
        form.notes,
    );
    let (lead, answers) = match (lead, answers) {
        (Ok(lead), Ok(answers)) => (lead, answers),
        (lead, answers) => {
            // Every field's problem at once: the lead's own, then the custom ones.
            let mut errors: Vec<(String, String)> = lead
                .err()
                .unwrap_or_default()
                .into_iter()
                .map(|(f, m)| (f.to_owned(), m))
                .collect();
            errors.extend(
                answers
                    .err()
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(key, m)| (format!("custom[{key}]"), m)),
            );
            return Err(AppError::invalid_named_fields(errors));
        }
    };
    let claims = claims(
        &mut tx,
        context.program_id,
        lead.domain.as_deref(),
        &lead.company_key,
    )
    .await?;
    let id = insert(
        &mut tx,
        Insert {
            program_id: context.program_id,
            partnership_id: context.partnership_id,
            lead: &lead,
            status: LeadStatus::Submitted,
            contact_id: Some(contact_id),
            conflict: describe(&claims),
            custom: &answers,
            now,
        },
    )
    .await?;
    let registration = Registration {
        lead_id: id,
        partnership_id: context.partnership_id,
        lead: &lead,
        claims: &claims,
        source: "form",
    };
    record_registration(&mut tx, actor_user_id, context.company_id, registration).await?;
    tx.commit().await?;
    Ok(id)
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
            .fetch_all(&mut db.conn().await?)
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
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    lead_id: i64,
) -> Result<LoadedLead, AppError> {
    let row = sqlx::query(
        "SELECT l.status, l.program_id, l.partnership_id, p.group_id, l.company_name, l.contact_email, l.domain, l.company_key, l.contact_id FROM leads l \
         JOIN programs pr ON pr.id = l.program_id JOIN partnerships p ON p.id = l.partnership_id \
         WHERE l.id = $1 AND pr.company_id = $2",
    )
    .bind(lead_id)
    .bind(company_id)
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

/// A teammate's decision on a lead of their company (within a restricted manager's groups),
/// as the lead state machine allows. A conversion makes the customer, attributed to the lead's
/// partnership, and runs the program's offers for the converted lead and for the new customer
/// in the same transaction as the status change.
pub async fn decide(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    actor_user_id: i64,
    lead_id: i64,
    action: &LeadAction,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let lead = load_for_teammate(&mut tx, company_id, allowed_groups, lead_id).await?;
    let after = transition(lead.status, action, LeadActor::Teammate)?;
    let customer_id = if after == LeadStatus::Converted {
        Some(customer_of_lead(&mut tx, lead_id, &lead, now).await?)
    } else {
        None
    };
    let reason = match action {
        LeadAction::Reject { reason } => Some(reason.trim().to_owned()),
        _ => None,
    };
    let change = StatusChange {
        lead_id,
        before: lead.status,
        after,
        reason,
        customer_id,
        now,
    };
    change_status(&mut tx, &change, actor_user_id, company_id).await?;
    if let Some(customer) = customer_id {
        // A conversion is both a converted lead and a new customer for the offers.
        for (event, what) in [
            (
                domain::offer::OfferEvent::LeadConverted,
                format!("lead {} converted", lead.company),
            ),
            (
                domain::offer::OfferEvent::CustomerCreated,
                format!("customer {} created from a lead", lead.company),
            ),
        ] {
            let sale = super::rewards::Sale {
                program_id: lead.program_id,
                partnership_id: lead.partnership_id,
                event,
                amount_minor: None,
                customer: Some((customer, &lead.company)),
                contact_id: lead.contact_id,
                what,
            };
            super::rewards::reward_sale(&mut tx, sale, Some(actor_user_id), now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// The customer a converted lead becomes, attributed to the lead's partnership. Its key comes
/// from the lead, so a concurrent conversion of the same lead finds it taken: that one lost
/// the race, as the status check would have said.
async fn customer_of_lead(
    tx: &mut Tx,
    lead_id: i64,
    lead: &LoadedLead,
    now: i64,
) -> Result<i64, AppError> {
    let inserted = sqlx::query_scalar(
        "INSERT INTO customers (program_id, partnership_id, external_key, name, source, created_at, email, domain, company_key, status, attributed_at) \
         VALUES ($1, $2, $3, $4, 'lead', $5, $6, $7, $8, 'signed_up', $5) RETURNING id",
    )
    .bind(lead.program_id)
    .bind(lead.partnership_id)
    .bind(domain::link::lead_customer_key(lead_id))
    .bind(&lead.company)
    .bind(now)
    .bind(&lead.email)
    .bind(&lead.domain)
    .bind(&lead.company_key)
    .fetch_one(&mut **tx)
    .await;
    match inserted {
        Ok(id) => Ok(id),
        Err(e) if super::db::is_unique_violation(&e) => Err(AppError::new(
            409,
            "Someone else changed this lead; reload and try again",
        )),
        Err(e) => Err(e.into()),
    }
}

/// A teammate makes a lead and passes it to an active partner of their company (within a
/// restricted manager's groups), with the conflicts it has now.
pub async fn pass_new(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    actor_user_id: i64,
    partnership_id: i64,
    lead: &domain::lead::NewLead,
    now: i64,
) -> Result<i64, AppError> {
    let mut tx = db.begin().await?;
    let partner =
        super::partnerships::load_in_company(&mut tx, company_id, allowed_groups, partnership_id)
            .await?;
    if partner.status != domain::partnership::PartnershipStatus::Active {
        return Err(AppError::bad_request(
            "Only active partners can be passed leads",
        ));
    }
    let claims = claims(
        &mut tx,
        partner.program_id,
        lead.domain.as_deref(),
        &lead.company_key,
    )
    .await?;
    let id = insert(
        &mut tx,
        Insert {
            program_id: partner.program_id,
            partnership_id: partner.id,
            lead,
            status: LeadStatus::Passed,
            contact_id: None,
            conflict: describe(&claims),
            custom: &[],
            now,
        },
    )
    .await?;
    let pass = Pass {
        lead_id: id,
        partnership_id: partner.id,
        actor_user_id,
        company_id,
        now,
    };
    write_pass(&mut tx, &pass).await?;
    tx.commit().await?;
    Ok(id)
}

/// A teammate passes a declined lead of their company to another active partner of its
/// program, named by its partner key. A partner outside a restricted manager's groups reads
/// as an unknown key.
pub async fn pass_again(
    db: &Db,
    company_id: i64,
    allowed_groups: Option<&[i64]>,
    actor_user_id: i64,
    lead_id: i64,
    partner_key: &str,
    now: i64,
) -> Result<(), AppError> {
    let unknown = || {
        AppError::invalid_fields(vec![(
            "partner_key",
            "No partner of this program has that key".into(),
        )])
    };
    let mut tx = db.begin().await?;
    let lead = load_for_teammate(&mut tx, company_id, allowed_groups, lead_id).await?;
    let next = transition(lead.status, &LeadAction::PassAgain, LeadActor::Teammate)?;
    let (target_id, status, group): (i64, String, i64) = sqlx::query_as(
        "SELECT id, status, group_id FROM partnerships WHERE program_id = $1 AND partner_key = $2",
    )
    .bind(lead.program_id)
    .bind(partner_key.trim())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(unknown)?;
    if allowed_groups.is_some_and(|g| !g.contains(&group)) {
        return Err(unknown());
    }
    if status != "active" {
        return Err(AppError::invalid_fields(vec![(
            "partner_key",
            "Only active partners can be passed leads".into(),
        )]));
    }
    if target_id == lead.partnership_id {
        return Err(AppError::invalid_fields(vec![(
            "partner_key",
            "This partner declined the lead already".into(),
        )]));
    }
    let done = sqlx::query(
        "UPDATE leads SET status = $1, partnership_id = $2, updated_at = $3 WHERE id = $4 AND status = $5",
    )
    .bind(next.as_str())
    .bind(target_id)
    .bind(now)
    .bind(lead_id)
    .bind(LeadStatus::Declined.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::new(
            409,
            "Someone else changed this lead; reload and try again",
        ));
    }
    let pass = Pass {
        lead_id,
        partnership_id: target_id,
        actor_user_id,
        company_id,
        now,
    };
    write_pass(&mut tx, &pass).await?;
    tx.commit().await?;
    Ok(())
}

/// The partner team a lead was passed to takes it or declines it (with a reason the vendor
/// sees); the open pass records the answer. A lead of another team is not found.
pub async fn answer_pass(
    db: &Db,
    partner_team_id: i64,
    actor_user_id: i64,
    lead_id: i64,
    action: &LeadAction,
    now: i64,
) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    let (status, company_id, partnership_id): (String, i64, i64) = sqlx::query_as(
        "SELECT l.status, pr.company_id, l.partnership_id FROM leads l JOIN partnerships p ON p.id = l.partnership_id \
         JOIN programs pr ON pr.id = l.program_id WHERE l.id = $1 AND p.partner_team_id = $2",
    )
    .bind(lead_id)
    .bind(partner_team_id)
    .fetch_optional(&mut *tx)
    .await?
    .ok_or_else(|| AppError::not_found("Lead"))?;
    let before = LeadStatus::parse(&status).map_err(AppError::internal)?;
    let after = transition(before, action, LeadActor::Partner)?;
    let reason = match action {
        LeadAction::Decline { reason } => Some(reason.trim().to_owned()),
        _ => None,
    };
    let change = StatusChange {
        lead_id,
        before,
        after,
        reason: reason.clone(),
        customer_id: None,
        now,
    };
    change_status(&mut tx, &change, actor_user_id, company_id).await?;
    sqlx::query(
        "UPDATE lead_passes SET status = $1, reason = $2, answered_by_user_id = $3, answered_at = $4 \
         WHERE lead_id = $5 AND partnership_id = $6 AND answered_at IS NULL",
    )
    .bind(after.as_str())
    .bind(&reason)
    .bind(actor_user_id)
    .bind(now)
    .bind(lead_id)
    .bind(partnership_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Active partners of the program to pass a lead to, by country, type and tier, the highest
/// tier first (at most ten), with the program's tiers to filter by. `groups` limits a
/// restricted partner manager to their groups' partners (none when they have no group).
pub async fn suggest_partners(
    db: &Db,
    program_id: i64,
    country: String,
    partner_type: Option<PartnerType>,
    tier: Option<i64>,
    groups: Option<&[i64]>,
) -> Result<PartnerSuggestions, AppError> {
    const SUGGESTED: i64 = 10;
    let tiers: Vec<Named> = sqlx::query_as::<_, (i64, String)>(
        "SELECT id, name FROM tiers WHERE program_id = $1 ORDER BY rank",
    )
    .bind(program_id)
    .fetch_all(&mut db.conn().await?)
    .await?
    .into_iter()
    .map(|(id, name)| Named { id, name })
    .collect();
    let group_filter = match groups {
        None => String::new(),
        Some([]) => " AND p.group_id IN (NULL)".to_owned(),
        Some(g) => format!(
            " AND p.group_id IN ({})",
            super::db::placeholders(4, g.len())
        ),
    };
    let sql = format!(
        "SELECT p.id, t.name, p.partner_key, t.kind, t.country, ti.name FROM partnerships p \
         JOIN partner_teams t ON t.id = p.partner_team_id LEFT JOIN tiers ti ON ti.id = p.tier_id \
         WHERE p.program_id = $1 AND p.status = 'active' AND ($2 = '' OR t.country = $2) AND ($3 = '' OR t.kind = $3) \
         AND ($4 = 0 OR p.tier_id = $4){group_filter} ORDER BY p.tier_rank DESC, p.team_name, p.id LIMIT {SUGGESTED}"
    );
    // Safe: `group_filter` holds numbered placeholders only; every value is bound. Not
    // kept prepared: PostgreSQL plans it with the filters' values each time (a generic plan
    // of its optional filters sorted every active partnership: p99 1 s at 10,000).
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
        .persistent(false)
        .bind(program_id)
        .bind(&country)
        .bind(partner_type.map(|t| t.as_str()).unwrap_or(""))
        .bind(tier.unwrap_or(0));
    for group in groups.into_iter().flatten() {
        query = query.bind(*group);
    }
    let partners = query
        .fetch_all(&mut db.conn().await?)
        .await?
        .iter()
        .map(suggestion_row)
        .collect::<Result<_, sqlx::Error>>()?;
    Ok(PartnerSuggestions {
        country,
        partner_type,
        tier,
        tiers,
        partners,
    })
}

fn suggestion_row(r: &AnyRow) -> Result<PartnerSuggestion, sqlx::Error> {
    Ok(PartnerSuggestion {
        partnership_id: r.try_get(0)?,
        team: r.try_get(1)?,
        partner_key: r.try_get(2)?,
        partner_type: partner_type_label(&r.try_get::<String, _>(3)?),
        country: r.try_get(4)?,
        tier: r.try_get(5)?,
    })
}

/// Records that `lead_id` was passed to `partnership_id`, with its event.
pub async fn record_pass(
    tx: &mut Tx,
    me: &super::context::Teammate,
    lead_id: i64,
    partnership_id: i64,
    now: i64,
) -> Result<(), AppError> {
    let pass = Pass {
        lead_id,
        partnership_id,
        actor_user_id: me.identity.user_id,
        company_id: me.company_id,
        now,
    };
    write_pass(tx, &pass).await
}

/// A lead passed to a partnership by a teammate of `company_id`.
struct Pass {
    lead_id: i64,
    partnership_id: i64,
    actor_user_id: i64,
    company_id: i64,
    now: i64,
}

async fn write_pass(tx: &mut Tx, pass: &Pass) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO lead_passes (lead_id, partnership_id, status, passed_by_user_id, passed_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(pass.lead_id)
    .bind(pass.partnership_id)
    .bind(LeadStatus::Passed.as_str())
    .bind(pass.actor_user_id)
    .bind(pass.now)
    .execute(&mut **tx)
    .await?;
    super::events::append(
        tx,
        super::events::NewEvent {
            actor_user_id: Some(pass.actor_user_id),
            company_id: Some(pass.company_id),
            kind: "lead.passed",
            subject_type: "lead",
            subject_id: pass.lead_id,
            payload: serde_json::json!({ "partnership_id": pass.partnership_id }),
        },
    )
    .await?;
    let company: String = sqlx::query_scalar("SELECT company_name FROM leads WHERE id = $1")
        .bind(pass.lead_id)
        .fetch_one(&mut **tx)
        .await?;
    let to = super::partnerships::PartnerMail::of(tx, pass.partnership_id).await?;
    let program = to.program.as_str();
    to.send(
        tx,
        &super::messages::Message::LeadPassed {
            program,
            company: &company,
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
    for r in query.fetch_all(&mut db.conn().await?).await? {
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
