//! Leads: partners register them, teammates decide, convert them into customers or mark them
//! lost; partners follow their leads and the customers they brought.

use leptos::prelude::*;

use crate::dto::{PartnerCustomersPage, PartnerLeadsPage, VendorLeadsPage};
use crate::error::AppError;

/// A partner contact registers a lead in their current program. Conflicts with the program's
/// open leads, open deals and customers are recorded for the teammates who decide.
#[server(prefix = "/api", endpoint = "register_lead")]
pub async fn register_lead(
    company: String,
    contact_name: String,
    email: String,
    domain: String,
    notes: String,
    custom: Option<std::collections::HashMap<String, String>>,
) -> Result<i64, AppError> {
    use crate::server::{db::now_ms, endpoint, leads, require_contact, structure};
    use domain::lead::{LeadStatus, validate_new_lead};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let context = crate::server::authz::partnership()?
            .filter(|c| c.active)
            .ok_or_else(|| {
                AppError::new(
                    403,
                    "Leads can be registered once your partnership is active",
                )
            })?;
        let mut tx = state.db.begin().await?;
        let fields =
            structure::lead_fields_of_partnership(&mut *tx, context.partnership_id).await?;
        let custom = custom.unwrap_or_default();
        let answers = domain::lead_fields::check_answers(&fields, |key| custom.get(key).cloned());
        let lead = validate_new_lead(&company, &contact_name, &email, &domain, &notes);
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
        let now = now_ms();
        let claims = leads::claims(
            &mut tx,
            context.program_id,
            lead.domain.as_deref(),
            &lead.company_key,
        )
        .await?;
        let conflict = leads::describe(&claims);
        let id = leads::insert(
            &mut tx,
            leads::Insert {
                program_id: context.program_id,
                partnership_id: context.partnership_id,
                lead: &lead,
                status: LeadStatus::Submitted,
                contact_id: Some(me.contact_id),
                conflict,
                custom: &answers,
                now,
            },
        )
        .await?;
        let registration = leads::Registration {
            lead_id: id,
            partnership_id: context.partnership_id,
            lead: &lead,
            claims: &claims,
            source: "form",
        };
        leads::record_registration(
            &mut tx,
            me.identity.user_id,
            context.company_id,
            registration,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    })
    .await
}

/// The partner's leads in the current program: the team's for owners and admins, one's own
/// for members.
#[server(prefix = "/api", endpoint = "partner_leads")]
pub async fn fetch_partner_leads(after: Option<i64>) -> Result<PartnerLeadsPage, AppError> {
    use crate::server::{endpoint, leads, require_contact, viewer};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let whole_team = me.role.can(ContactPermission::ManageTeamLeadsDeals);
        let context = crate::server::authz::partnership()?;
        let lead_fields = match &context {
            Some(c) => {
                crate::server::structure::lead_fields_of_partnership(
                    &state.db.pool,
                    c.partnership_id,
                )
                .await?
            }
            None => Vec::new(),
        };
        let (leads, next) = match &context {
            Some(c) => {
                let scope = leads::Scope::Partnership {
                    partnership_id: c.partnership_id,
                    contact: (!whole_team).then_some(me.contact_id),
                };
                leads::page(&state.db, &scope, after, false).await?
            }
            None => (Vec::new(), None),
        };
        Ok(PartnerLeadsPage {
            viewer: viewer(
                &me.partner_team_name,
                context.as_ref().map(|c| c.program_id),
            )?,
            can_register: context.as_ref().is_some_and(|c| c.active),
            program: context.map(|c| c.program),
            whole_team,
            lead_fields,
            leads,
            next,
        })
    })
    .await
}

/// The program's leads for teammates, newest first, optionally of one status.
#[server(prefix = "/api", endpoint = "vendor_leads")]
pub async fn fetch_vendor_leads(
    program: Option<i64>,
    status: Option<String>,
    after: Option<i64>,
) -> Result<VendorLeadsPage, AppError> {
    use crate::server::{endpoint, leads, require_teammate, viewer};
    use domain::lead::LeadStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let selected = crate::server::authz::current_program(program)?;
        let status = match status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(LeadStatus::parse(s)?),
        };
        let (leads, next) = match &selected {
            Some(p) => {
                let groups = me.allowed_groups.clone();
                let scope = leads::Scope::Program {
                    program_id: p.id,
                    status,
                    groups,
                };
                leads::page(&state.db, &scope, after, true).await?
            }
            None => (Vec::new(), None),
        };
        Ok(VendorLeadsPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            status,
            can_decide: me.role.can(Permission::ManageLeads),
            leads,
            next,
        })
    })
    .await
}

/// A teammate accepts, rejects (with a reason), converts into a customer, or marks a lead
/// lost, as the lead state machine allows.
#[server(prefix = "/api", endpoint = "decide_lead")]
pub async fn decide_lead(
    lead_id: i64,
    action: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, leads, require_teammate};
    use domain::lead::{LeadAction, LeadActor, LeadStatus, transition};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let reason = reason.unwrap_or_default();
        let action = match action.as_str() {
            "accept" => LeadAction::Accept,
            "reject" => LeadAction::Reject { reason: reason.clone() },
            "convert" => LeadAction::Convert,
            "lost" => LeadAction::MarkLost,
            _ => return Err(AppError::bad_request("Choose accept, reject, convert or lost")),
        };
        let allowed = me.allowed_groups.clone();
        let mut tx = state.db.begin().await?;
        let lead = leads::load_for_teammate(&mut tx, &me, allowed.as_deref(), lead_id).await?;
        let after = transition(lead.status, &action, LeadActor::Teammate)?;
        let now = now_ms();
        let customer_id: Option<i64> = if after == LeadStatus::Converted {
            // The customer is attributed to the lead's partnership, from the lead.
            Some(
                sqlx::query_scalar(
                    "INSERT INTO customers (program_id, partnership_id, external_key, name, source, created_at, email, domain, company_key, status, attributed_at) \
                     VALUES ($1, $2, $3, $4, 'lead', $5, $6, $7, $8, 'signed_up', $5) RETURNING id",
                )
                .bind(lead.program_id)
                .bind(lead.partnership_id)
                .bind(format!("lead-{lead_id}"))
                .bind(&lead.company)
                .bind(now)
                .bind(&lead.email)
                .bind(&lead.domain)
                .bind(&lead.company_key)
                .fetch_one(&mut *tx)
                .await?,
            )
        } else {
            None
        };
        let reason = matches!(action, LeadAction::Reject { .. }).then(|| reason.trim().to_owned());
        let change = leads::StatusChange { lead_id, before: lead.status, after, reason, customer_id, now };
        leads::change_status(&mut tx, &change, me.identity.user_id, me.company_id).await?;
        if let Some(customer) = customer_id {
            // A conversion is both a converted lead and a new customer for the offers.
            for (event, what) in [
                (domain::offer::OfferEvent::LeadConverted, format!("lead {} converted", lead.company)),
                (domain::offer::OfferEvent::CustomerCreated, format!("customer {} created from a lead", lead.company)),
            ] {
                let sale = crate::server::rewards::Sale {
                    program_id: lead.program_id,
                    partnership_id: lead.partnership_id,
                    event,
                    amount_minor: None,
                    customer: Some((customer, &lead.company)),
                    contact_id: lead.contact_id,
                    what,
                };
                crate::server::rewards::reward_sale(&mut tx, sale, Some(me.identity.user_id), now).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// The customers attributed to the partner's team in the current program, emails masked
/// unless the program shows them in full.
#[server(prefix = "/api", endpoint = "partner_customers")]
pub async fn fetch_partner_customers(after: Option<i64>) -> Result<PartnerCustomersPage, AppError> {
    use crate::dto::CustomerRow;
    use crate::server::{endpoint, leads, require_contact, viewer};
    use domain::permissions::ContactPermission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ViewDashboard).await?;
        let context = crate::server::authz::partnership()?;
        let mut customers = Vec::new();
        let mut next = None;
        if let Some(c) = &context {
            // The limit is written into the text (see the `store::db` module: bound limits re-plan).
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT id, name, email, source, status, attributed_at FROM customers \
                 WHERE partnership_id = $1 AND id < $2 ORDER BY id DESC LIMIT {}",
                leads::PAGE + 1
            )))
            .bind(c.partnership_id)
            .bind(after.unwrap_or(i64::MAX))
            .fetch_all(&state.db.pool)
            .await?;
            for r in rows.iter().take(leads::PAGE as usize) {
                customers.push(CustomerRow {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    email: r.try_get::<Option<String>, _>(2)?.map(|e| {
                        if c.customer_emails_visible {
                            e
                        } else {
                            domain::identity::mask_email(&e)
                        }
                    }),
                    source: r.try_get(3)?,
                    status: r.try_get(4)?,
                    attributed_at: r.try_get(5)?,
                });
            }
            if rows.len() as i64 > leads::PAGE {
                next = customers.last().map(|c| c.id);
            }
        }
        Ok(PartnerCustomersPage {
            viewer: viewer(
                &me.partner_team_name,
                context.as_ref().map(|c| c.program_id),
            )?,
            emails_masked: !context.as_ref().is_some_and(|c| c.customer_emails_visible),
            program: context.map(|c| c.program),
            customers,
            next,
        })
    })
    .await
}

/// A teammate creates a lead and passes it to an active partner (from the partner's page).
#[server(prefix = "/api", endpoint = "pass_lead")]
pub async fn pass_lead(
    partnership_id: i64,
    company: String,
    contact_name: String,
    email: String,
    domain: String,
    notes: String,
) -> Result<i64, AppError> {
    use crate::server::{db::now_ms, endpoint, leads, partnerships, require_teammate};
    use domain::lead::{LeadStatus, validate_new_lead};
    use domain::partnership::PartnershipStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let allowed = me.allowed_groups.clone();
        let lead = validate_new_lead(&company, &contact_name, &email, &domain, &notes)
            .map_err(AppError::invalid_fields)?;
        let mut tx = state.db.begin().await?;
        let partner = partnerships::load(&mut tx, &me, allowed.as_deref(), partnership_id).await?;
        if partner.status != PartnershipStatus::Active {
            return Err(AppError::bad_request(
                "Only active partners can be passed leads",
            ));
        }
        let now = now_ms();
        let claims = leads::claims(
            &mut tx,
            partner.program_id,
            lead.domain.as_deref(),
            &lead.company_key,
        )
        .await?;
        let id = leads::insert(
            &mut tx,
            leads::Insert {
                program_id: partner.program_id,
                partnership_id: partner.id,
                lead: &lead,
                status: LeadStatus::Passed,
                contact_id: None,
                conflict: leads::describe(&claims),
                custom: &[],
                now,
            },
        )
        .await?;
        leads::record_pass(&mut tx, &me, id, partner.id, now).await?;
        tx.commit().await?;
        Ok(id)
    })
    .await
}

/// A teammate passes a declined lead to another active partner of the program, named by its
/// partner key.
#[server(prefix = "/api", endpoint = "repass_lead")]
pub async fn repass_lead(lead_id: i64, partner_key: String) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, leads, require_teammate};
    use domain::lead::{LeadAction, LeadActor, LeadStatus, transition};
    use domain::permissions::Permission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let allowed = me.allowed_groups.clone();
        let mut tx = state.db.begin().await?;
        let lead = leads::load_for_teammate(&mut tx, &me, allowed.as_deref(), lead_id).await?;
        let next = transition(lead.status, &LeadAction::PassAgain, LeadActor::Teammate)?;
        let target = sqlx::query("SELECT id, status, group_id FROM partnerships WHERE program_id = $1 AND partner_key = $2")
            .bind(lead.program_id)
            .bind(partner_key.trim())
            .fetch_optional(&mut *tx)
            .await?
            .ok_or_else(|| AppError::invalid_fields(vec![("partner_key", "No partner of this program has that key".into())]))?;
        let (target_id, status, group): (i64, String, i64) = (target.try_get(0)?, target.try_get(1)?, target.try_get(2)?);
        if allowed.as_ref().is_some_and(|g| !g.contains(&group)) {
            return Err(AppError::invalid_fields(vec![("partner_key", "No partner of this program has that key".into())]));
        }
        if status != "active" {
            return Err(AppError::invalid_fields(vec![("partner_key", "Only active partners can be passed leads".into())]));
        }
        if target_id == lead.partnership_id {
            return Err(AppError::invalid_fields(vec![("partner_key", "This partner declined the lead already".into())]));
        }
        let now = now_ms();
        let done = sqlx::query("UPDATE leads SET status = $1, partnership_id = $2, updated_at = $3 WHERE id = $4 AND status = $5")
            .bind(next.as_str())
            .bind(target_id)
            .bind(now)
            .bind(lead_id)
            .bind(LeadStatus::Declined.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::new(409, "Someone else changed this lead; reload and try again"));
        }
        leads::record_pass(&mut tx, &me, lead_id, target_id, now).await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// The partner a lead was passed to takes it, or declines it with a reason the vendor sees.
#[server(prefix = "/api", endpoint = "answer_lead")]
pub async fn answer_lead(
    lead_id: i64,
    action: String,
    reason: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, leads, require_contact};
    use domain::lead::{LeadAction, LeadActor, LeadStatus, transition};
    use domain::permissions::ContactPermission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageTeamLeadsDeals).await?;
        let reason = reason.unwrap_or_default();
        let action = match action.as_str() {
            "take" => LeadAction::Take,
            "decline" => LeadAction::Decline { reason: reason.clone() },
            _ => return Err(AppError::bad_request("Choose take or decline")),
        };
        let mut tx = state.db.begin().await?;
        let row = sqlx::query(
            "SELECT l.status, pr.company_id, l.partnership_id FROM leads l JOIN partnerships p ON p.id = l.partnership_id \
             JOIN programs pr ON pr.id = l.program_id WHERE l.id = $1 AND p.partner_team_id = $2",
        )
        .bind(lead_id)
        .bind(me.partner_team_id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| AppError::not_found("Lead"))?;
        let before = LeadStatus::parse(&row.try_get::<String, _>(0)?).map_err(AppError::internal)?;
        let after = transition(before, &action, LeadActor::Partner)?;
        let reason = matches!(action, LeadAction::Decline { .. }).then(|| reason.trim().to_owned());
        let now = now_ms();
        let change = leads::StatusChange { lead_id, before, after, reason: reason.clone(), customer_id: None, now };
        leads::change_status(&mut tx, &change, me.identity.user_id, row.try_get(1)?).await?;
        sqlx::query(
            "UPDATE lead_passes SET status = $1, reason = $2, answered_by_user_id = $3, answered_at = $4 \
             WHERE lead_id = $5 AND partnership_id = $6 AND answered_at IS NULL",
        )
        .bind(after.as_str())
        .bind(&reason)
        .bind(me.identity.user_id)
        .bind(now)
        .bind(lead_id)
        .bind(row.try_get::<i64, _>(2)?)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// The program's customers for teammates, newest first; `q` matches name, email or domain.
/// A partner manager restricted to groups sees the customers of partners in those groups.
#[server(prefix = "/api", endpoint = "vendor_customers")]
pub async fn fetch_vendor_customers(
    program: Option<i64>,
    q: Option<String>,
    status: Option<String>,
    source: Option<String>,
    after: Option<i64>,
) -> Result<crate::dto::VendorCustomersPage, AppError> {
    use crate::dto::VendorCustomerRow;
    use crate::server::{endpoint, leads, require_teammate, viewer};
    use domain::permissions::Permission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let selected = crate::server::authz::current_program(program)?;
        let q = q.unwrap_or_default().trim().to_owned();
        let status = match status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(domain::customer::CustomerStatus::parse(s)?),
        };
        let source = match source.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(domain::customer::CustomerSource::parse(s)?),
        };
        let pattern = format!(
            "%{}%",
            q.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        let allowed = me.allowed_groups.clone();
        let mut customers = Vec::new();
        let mut next = None;
        if let Some(p) = &selected {
            let mut cursor = after.unwrap_or(i64::MAX);
            // Restricted managers skip other groups' customers; read on until a page is full.
            'pages: loop {
                // The limit is written into the text (see the `store::db` module: bound limits re-plan).
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT c.id, c.name, c.external_key, c.email, c.domain, t.name, c.source, c.status, c.attributed_at, COALESCE(pa.group_id, rp.group_id), c.review_status \
                     FROM customers c LEFT JOIN partnerships pa ON pa.id = c.partnership_id LEFT JOIN partnerships rp ON rp.id = c.review_partnership_id \
                     LEFT JOIN partner_teams t ON t.id = pa.partner_team_id \
                     WHERE c.program_id = $1 AND c.id < $2 AND ($3 = '' OR LOWER(c.name) LIKE $4 ESCAPE '\\' \
                     OR LOWER(COALESCE(c.email, '')) LIKE $4 ESCAPE '\\' OR COALESCE(c.domain, '') LIKE $4 ESCAPE '\\') \
                     AND ($5 = '' OR c.status = $5) AND ($6 = '' OR c.source = $6) \
                     ORDER BY c.id DESC LIMIT {}",
                    leads::PAGE + 1
                )))
                .bind(p.id)
                .bind(cursor)
                .bind(&q)
                .bind(&pattern)
                .bind(status.map(|s| s.as_str()).unwrap_or(""))
                .bind(source.map(|s| s.as_str()).unwrap_or(""))
                .fetch_all(&state.db.pool)
                .await?;
                let fetched = rows.len();
                for (index, r) in rows.iter().take(leads::PAGE as usize).enumerate() {
                    cursor = r.try_get(0)?;
                    let group: Option<i64> = r.try_get(9)?;
                    if let Some(groups) = &allowed
                        && !group.is_some_and(|g| groups.contains(&g))
                    {
                        continue;
                    }
                    customers.push(VendorCustomerRow {
                        id: cursor,
                        name: r.try_get(1)?,
                        external_key: r.try_get(2)?,
                        email: r.try_get(3)?,
                        domain: r.try_get(4)?,
                        partner_team: r.try_get(5)?,
                        source: r.try_get(6)?,
                        status: r.try_get(7)?,
                        attributed_at: r.try_get(8)?,
                        review_status: r.try_get(10)?,
                    });
                    if customers.len() as i64 == leads::PAGE {
                        next = (index + 1 < fetched).then_some(cursor);
                        break 'pages;
                    }
                }
                if fetched <= leads::PAGE as usize {
                    break;
                }
            }
        }
        Ok(crate::dto::VendorCustomersPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            q,
            status,
            source,
            customers,
            next,
        })
    })
    .await
}

/// Active partners of the program to pass a lead to, by country, type and tier; the highest
/// tier first. A restricted partner manager gets only partners of their groups.
#[server(prefix = "/api", endpoint = "suggest_partners")]
pub async fn suggest_partners(
    program: Option<i64>,
    country: Option<String>,
    partner_type: Option<String>,
    tier: Option<i64>,
) -> Result<crate::dto::PartnerSuggestions, AppError> {
    use crate::dto::{Named, PartnerSuggestion, PartnerSuggestions};
    use crate::server::{endpoint, require_teammate};
    use domain::permissions::Permission;
    use domain::program::{PartnerType, partner_type_label};
    use sqlx::Row;

    const SUGGESTED: i64 = 10;
    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let program = crate::server::authz::current_program(program)?
            .ok_or_else(|| AppError::bad_request("Create a program first"))?;
        let country = country.unwrap_or_default().trim().to_ascii_uppercase();
        let partner_type = match partner_type.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(PartnerType::parse(t)?),
        };
        let tier = tier.filter(|t| *t > 0);
        let tiers: Vec<Named> = sqlx::query("SELECT id, name FROM tiers WHERE program_id = $1 ORDER BY rank")
            .bind(program.id)
            .fetch_all(&state.db.pool)
            .await?
            .iter()
            .map(|r| Ok(Named { id: r.try_get(0)?, name: r.try_get(1)? }))
            .collect::<Result<_, sqlx::Error>>()?;
        let groups = me.allowed_groups.clone();
        let group_filter = match &groups {
            None => String::new(),
            Some(g) if g.is_empty() => " AND p.group_id IN (NULL)".to_owned(),
            Some(g) => format!(" AND p.group_id IN ({})", (0..g.len()).map(|i| format!("${}", i + 5)).collect::<Vec<_>>().join(", ")),
        };
        let sql = format!(
            "SELECT p.id, t.name, p.partner_key, t.kind, t.country, ti.name FROM partnerships p \
             JOIN partner_teams t ON t.id = p.partner_team_id LEFT JOIN tiers ti ON ti.id = p.tier_id \
             WHERE p.program_id = $1 AND p.status = 'active' AND ($2 = '' OR t.country = $2) AND ($3 = '' OR t.kind = $3) \
             AND ($4 = 0 OR p.tier_id = $4){group_filter} ORDER BY COALESCE(ti.rank, -1) DESC, p.team_name, p.id LIMIT {SUGGESTED}"
        );
        // Safe: `group_filter` holds numbered placeholders only; every value is bound. Not
        // kept prepared: PostgreSQL plans it with the filters' values each time (a generic plan
        // of its optional filters sorted every active partnership: p99 1 s at 10,000).
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .persistent(false)
            .bind(program.id)
            .bind(&country)
            .bind(partner_type.map(|t| t.as_str()).unwrap_or(""))
            .bind(tier.unwrap_or(0));
        for group in groups.iter().flatten() {
            query = query.bind(*group);
        }
        let partners = query
            .fetch_all(&state.db.pool)
            .await?
            .iter()
            .map(|r| {
                Ok(PartnerSuggestion {
                    partnership_id: r.try_get(0)?,
                    team: r.try_get(1)?,
                    partner_key: r.try_get(2)?,
                    partner_type: partner_type_label(&r.try_get::<String, _>(3)?),
                    country: r.try_get(4)?,
                    tier: r.try_get(5)?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(PartnerSuggestions { country, partner_type, tier, tiers, partners })
    })
    .await
}
