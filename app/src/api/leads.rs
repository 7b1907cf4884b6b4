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
) -> Result<i64, AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{db::now_ms, endpoint, leads, require_contact};
    use domain::lead::{LeadStatus, validate_new_lead};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let context = leads::partner_context(&state.db, &me)
            .await?
            .filter(|c| c.active)
            .ok_or_else(|| AppError::new(403, "Leads can be registered once your partnership is active"))?;
        let lead = validate_new_lead(&company, &contact_name, &email, &domain, &notes).map_err(AppError::invalid_fields)?;
        let now = now_ms();
        let mut tx = state.db.begin().await?;
        let claims = leads::claims(&mut tx, context.program_id, lead.domain.as_deref(), &lead.company_key).await?;
        let conflict = leads::describe(&claims);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO leads (program_id, partnership_id, company_name, contact_email, status, created_at, updated_at, \
             contact_name, domain, company_key, notes, contact_id, conflict) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11, $12) RETURNING id",
        )
        .bind(context.program_id)
        .bind(context.partnership_id)
        .bind(&lead.company)
        .bind(&lead.email)
        .bind(LeadStatus::Submitted.as_str())
        .bind(now)
        .bind(&lead.contact_name)
        .bind(&lead.domain)
        .bind(&lead.company_key)
        .bind(&lead.notes)
        .bind(me.contact_id)
        .bind(&conflict)
        .fetch_one(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(context.company_id),
                kind: "lead.registered",
                subject_type: "lead",
                subject_id: id,
                payload: serde_json::json!({
                    "partnership_id": context.partnership_id,
                    "company": lead.company,
                    "domain": lead.domain,
                    "conflicts_with": claims.iter().map(|(c, name)| serde_json::json!({ "kind": format!("{:?}", c.kind), "id": c.id, "name": name })).collect::<Vec<_>>(),
                }),
            },
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
        let context = leads::partner_context(&state.db, &me).await?;
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
                &state,
                &me.identity,
                &me.partner_team_name,
                context.as_ref().map(|c| c.program_id),
            )
            .await?,
            can_register: context.as_ref().is_some_and(|c| c.active),
            program: context.map(|c| c.program),
            whole_team,
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
    use crate::server::{endpoint, leads, require_teammate, structure, vendor, viewer};
    use domain::lead::LeadStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let programs = vendor::programs(&state.db, me.company_id).await?;
        let selected = vendor::current_program(&programs, program, me.identity.program_id)?;
        let status = match status.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(s) => Some(LeadStatus::parse(s)?),
        };
        let (leads, next) = match &selected {
            Some(p) => {
                let groups = structure::allowed_groups(&state.db, &me).await?;
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
            viewer: viewer(
                &state,
                &me.identity,
                &me.company_name,
                selected.as_ref().map(|p| p.id),
            )
            .await?,
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
    use crate::server::{db::now_ms, endpoint, leads, require_teammate, structure};
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
        let allowed = structure::allowed_groups(&state.db, &me).await?;
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
        let context = leads::partner_context(&state.db, &me).await?;
        let mut customers = Vec::new();
        let mut next = None;
        if let Some(c) = &context {
            let rows = sqlx::query(
                "SELECT id, name, email, source, status, attributed_at FROM customers \
                 WHERE partnership_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
            )
            .bind(c.partnership_id)
            .bind(after.unwrap_or(i64::MAX))
            .bind(leads::PAGE + 1)
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
                &state,
                &me.identity,
                &me.partner_team_name,
                context.as_ref().map(|c| c.program_id),
            )
            .await?,
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
    use crate::server::{db::now_ms, endpoint, leads, partnerships, require_teammate, structure};
    use domain::lead::{LeadStatus, validate_new_lead};
    use domain::partnership::PartnershipStatus;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let allowed = structure::allowed_groups(&state.db, &me).await?;
        let lead = validate_new_lead(&company, &contact_name, &email, &domain, &notes).map_err(AppError::invalid_fields)?;
        let mut tx = state.db.begin().await?;
        let partner = partnerships::load(&mut tx, &me, allowed.as_deref(), partnership_id).await?;
        if partner.status != PartnershipStatus::Active {
            return Err(AppError::bad_request("Only active partners can be passed leads"));
        }
        let now = now_ms();
        let claims = leads::claims(&mut tx, partner.program_id, lead.domain.as_deref(), &lead.company_key).await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO leads (program_id, partnership_id, company_name, contact_email, status, created_at, updated_at, \
             contact_name, domain, company_key, notes, conflict) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $11) RETURNING id",
        )
        .bind(partner.program_id)
        .bind(partner.id)
        .bind(&lead.company)
        .bind(&lead.email)
        .bind(LeadStatus::Passed.as_str())
        .bind(now)
        .bind(&lead.contact_name)
        .bind(&lead.domain)
        .bind(&lead.company_key)
        .bind(&lead.notes)
        .bind(leads::describe(&claims))
        .fetch_one(&mut *tx)
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
    use crate::server::{db::now_ms, endpoint, leads, require_teammate, structure};
    use domain::lead::{LeadAction, LeadActor, LeadStatus, transition};
    use domain::permissions::Permission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let allowed = structure::allowed_groups(&state.db, &me).await?;
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
    after: Option<i64>,
) -> Result<crate::dto::VendorCustomersPage, AppError> {
    use crate::dto::VendorCustomerRow;
    use crate::server::{endpoint, leads, require_teammate, structure, vendor, viewer};
    use domain::permissions::Permission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let programs = vendor::programs(&state.db, me.company_id).await?;
        let selected = vendor::current_program(&programs, program, me.identity.program_id)?;
        let q = q.unwrap_or_default().trim().to_owned();
        let pattern = format!(
            "%{}%",
            q.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
        );
        let allowed = structure::allowed_groups(&state.db, &me).await?;
        let mut customers = Vec::new();
        let mut next = None;
        if let Some(p) = &selected {
            let mut cursor = after.unwrap_or(i64::MAX);
            // Restricted managers skip other groups' customers; read on until a page is full.
            'pages: loop {
                let rows = sqlx::query(
                    "SELECT c.id, c.name, c.external_key, c.email, c.domain, t.name, c.source, c.status, c.attributed_at, pa.group_id \
                     FROM customers c LEFT JOIN partnerships pa ON pa.id = c.partnership_id \
                     LEFT JOIN partner_teams t ON t.id = pa.partner_team_id \
                     WHERE c.program_id = $1 AND c.id < $2 AND ($3 = '' OR LOWER(c.name) LIKE $4 ESCAPE '\\' \
                     OR LOWER(COALESCE(c.email, '')) LIKE $4 ESCAPE '\\' OR COALESCE(c.domain, '') LIKE $4 ESCAPE '\\') \
                     ORDER BY c.id DESC LIMIT $5",
                )
                .bind(p.id)
                .bind(cursor)
                .bind(&q)
                .bind(&pattern)
                .bind(leads::PAGE + 1)
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
            viewer: viewer(&state, &me.identity, &me.company_name, selected.as_ref().map(|p| p.id)).await?,
            program: selected,
            q,
            customers,
            next,
        })
    })
    .await
}
