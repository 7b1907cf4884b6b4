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
    use crate::server::{db::now_ms, endpoint, leads, require_contact};
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
        let custom = custom.unwrap_or_default();
        let form = leads::LeadForm {
            company: &company,
            contact_name: &contact_name,
            email: &email,
            domain: &domain,
            notes: &notes,
            custom: &custom,
        };
        let id = leads::register(
            &state.db,
            &context,
            me.contact_id,
            me.identity.user_id,
            form,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice("Lead registered. The vendor's team will review it.");
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
                    &mut state.db.conn().await?,
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
    use domain::lead::LeadAction;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let reason = reason.unwrap_or_default();
        let (action, done) = match action.as_str() {
            "accept" => (LeadAction::Accept, "Lead accepted."),
            "reject" => (
                LeadAction::Reject { reason },
                "Lead rejected. The partner sees why.",
            ),
            "convert" => (LeadAction::Convert, "Lead converted to a customer."),
            "lost" => (LeadAction::MarkLost, "Lead marked lost."),
            _ => {
                return Err(AppError::bad_request(
                    "Choose accept, reject, convert or lost",
                ));
            }
        };
        leads::decide(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            me.identity.user_id,
            lead_id,
            &action,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice(done);
        Ok(())
    })
    .await
}

/// The customers attributed to the partner's team in the current program, emails masked
/// unless the program shows them in full.
#[server(prefix = "/api", endpoint = "partner_customers")]
pub async fn fetch_partner_customers(after: Option<i64>) -> Result<PartnerCustomersPage, AppError> {
    use crate::server::{customers, endpoint, require_contact, viewer};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ViewDashboard).await?;
        let context = crate::server::authz::partnership()?;
        let (customers, next) = match &context {
            Some(c) => {
                customers::partner_page(
                    &state.db,
                    c.partnership_id,
                    c.customer_emails_visible,
                    after,
                )
                .await?
            }
            None => (Vec::new(), None),
        };
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
    use crate::server::{db::now_ms, endpoint, leads, require_teammate};
    use domain::lead::validate_new_lead;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        let lead = validate_new_lead(&company, &contact_name, &email, &domain, &notes)
            .map_err(AppError::invalid_fields)?;
        let id = leads::pass_new(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            me.identity.user_id,
            partnership_id,
            &lead,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice(
            "Lead passed. It shows under the partner's leads until they answer.",
        );
        Ok(id)
    })
    .await
}

/// A teammate passes a declined lead to another active partner of the program, named by its
/// partner key.
#[server(prefix = "/api", endpoint = "repass_lead")]
pub async fn repass_lead(lead_id: i64, partner_key: String) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, leads, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageLeads).await?;
        leads::pass_again(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            me.identity.user_id,
            lead_id,
            &partner_key,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice("Lead passed again.");
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
    use domain::lead::LeadAction;
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageTeamLeadsDeals).await?;
        let reason = reason.unwrap_or_default();
        let (action, done) = match action.as_str() {
            "take" => (LeadAction::Take, "Lead taken. It is your team's now."),
            "decline" => (
                LeadAction::Decline { reason },
                "Lead declined. The vendor sees why.",
            ),
            _ => return Err(AppError::bad_request("Choose take or decline")),
        };
        leads::answer_pass(
            &state.db,
            me.partner_team_id,
            me.identity.user_id,
            lead_id,
            &action,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice(done);
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
    use crate::server::{customers, endpoint, require_teammate, viewer};
    use domain::permissions::Permission;

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
        let (customers, next) = match &selected {
            Some(p) => {
                let filter = customers::VendorFilter {
                    q: &q,
                    status,
                    source,
                };
                customers::vendor_page(
                    &state.db,
                    p.id,
                    &filter,
                    me.allowed_groups.as_deref(),
                    after,
                )
                .await?
            }
            None => (Vec::new(), None),
        };
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
    use crate::server::{endpoint, leads, require_teammate};
    use domain::permissions::Permission;
    use domain::program::PartnerType;

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
        leads::suggest_partners(
            &state.db,
            program.id,
            country,
            partner_type,
            tier,
            me.allowed_groups.as_deref(),
        )
        .await
    })
    .await
}
