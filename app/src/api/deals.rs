//! Deals: partners register them (conflicts flagged for the vendor) and move them into work;
//! teammates approve, reject, assign a co-sell rep and close them; both sides follow the
//! pipeline by stage. A won deal makes or links its customer.

use leptos::prelude::*;

use crate::dto::{CustomerDetailPage, PartnerDealsPage, VendorDealsPage};
use crate::error::AppError;

/// A partner contact registers a deal in their current program, in the program's currency.
#[server(prefix = "/api", endpoint = "register_deal")]
pub async fn register_deal(
    company: String,
    domain: String,
    amount: String,
    expected_close: String,
    motion: String,
    buy_price: Option<String>,
    discount: Option<String>,
    notes: Option<String>,
) -> Result<i64, AppError> {
    use crate::server::{db::now_ms, deals, endpoint, require_contact};
    use domain::deal::{DealForm, validate_new_deal};
    use domain::money::Currency;
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let context = crate::server::authz::partnership()?
            .filter(|c| c.active)
            .ok_or_else(|| {
                AppError::new(
                    403,
                    "Deals can be registered once your partnership is active",
                )
            })?;
        let currency = Currency::parse(&context.currency).map_err(AppError::internal)?;
        let now = now_ms();
        let form = DealForm {
            company: &company,
            domain: &domain,
            amount: &amount,
            expected_close: &expected_close,
            motion: &motion,
            buy_price: buy_price.as_deref().unwrap_or(""),
            discount: discount.as_deref().unwrap_or(""),
            notes: notes.as_deref().unwrap_or(""),
        };
        let deal = validate_new_deal(&form, currency, now - now.rem_euclid(86_400_000))
            .map_err(AppError::invalid_fields)?;
        let id = deals::register(
            &state.db,
            &context,
            me.contact_id,
            me.identity.user_id,
            currency,
            &deal,
            now,
        )
        .await?;
        crate::server::notice::notice("Deal registered. The vendor's team will review it.");
        Ok(id)
    })
    .await
}

#[cfg(feature = "ssr")]
fn stage_param(stage: Option<String>) -> Result<Option<domain::deal::DealStage>, AppError> {
    match stage.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => Ok(Some(domain::deal::DealStage::parse(s)?)),
    }
}

/// The partner's pipeline in the current program: the team's deals for owners and admins,
/// one's own for members. `stage` + `after` page through one stage.
#[server(prefix = "/api", endpoint = "partner_deals")]
pub async fn fetch_partner_deals(
    stage: Option<String>,
    after: Option<i64>,
) -> Result<PartnerDealsPage, AppError> {
    use crate::server::{deals, endpoint, require_contact, viewer};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let stage = stage_param(stage)?;
        let whole_team = me.role.can(ContactPermission::ManageTeamLeadsDeals);
        let context = crate::server::authz::partnership()?;
        let stages = match &context {
            Some(c) => {
                let scope = deals::Scope::Partnership {
                    partnership_id: c.partnership_id,
                    contact: (!whole_team).then_some(me.contact_id),
                };
                deals::pipeline(&state.db, &scope, stage, after, &c.currency, false).await?
            }
            None => Vec::new(),
        };
        Ok(PartnerDealsPage {
            viewer: viewer(
                &me.partner_team_name,
                context.as_ref().map(|c| c.program_id),
            )?,
            can_register: context.as_ref().is_some_and(|c| c.active),
            currency: context.as_ref().map(|c| c.currency.clone()),
            program: context.map(|c| c.program),
            whole_team,
            stage,
            stages,
        })
    })
    .await
}

/// The program's pipeline for teammates, filtered by partner (key), motion and rep.
#[server(prefix = "/api", endpoint = "vendor_deals")]
pub async fn fetch_vendor_deals(
    program: Option<i64>,
    partner: Option<String>,
    motion: Option<String>,
    rep: Option<i64>,
    stage: Option<String>,
    after: Option<i64>,
) -> Result<VendorDealsPage, AppError> {
    use crate::dto::DealFilters;
    use crate::server::{deals, endpoint, require_teammate, viewer};
    use domain::deal::DealMotion;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let selected = crate::server::authz::current_program(program)?;
        let filters = DealFilters {
            partner: partner.unwrap_or_default().trim().to_owned(),
            motion: match motion.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(m) => Some(DealMotion::parse(m)?),
            },
            rep: rep.filter(|r| *r > 0),
            stage: stage_param(stage)?,
        };
        let (reps, stages) = deals::vendor_pipeline(
            &state.db,
            me.company_id,
            selected.as_ref(),
            &filters,
            me.allowed_groups.clone(),
            after,
        )
        .await?;
        Ok(VendorDealsPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            filters,
            reps,
            can_manage: me.role.can(Permission::ManageDeals),
            stages,
        })
    })
    .await
}

/// A teammate approves, rejects (with a reason), starts, or closes a deal won (recording its
/// final amount and customer) or lost, as the deal state machine allows.
#[server(prefix = "/api", endpoint = "decide_deal")]
pub async fn decide_deal(
    deal_id: i64,
    action: String,
    reason: Option<String>,
    amount: Option<String>,
) -> Result<(), AppError> {
    use crate::server::{db::now_ms, deals, endpoint, require_teammate};
    use domain::deal::DealAction;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageDeals).await?;
        let (action, done) = match action.as_str() {
            "approve" => (DealAction::Approve, "Deal approved."),
            "reject" => (
                DealAction::Reject {
                    reason: reason.unwrap_or_default(),
                },
                "Deal rejected. The partner sees why.",
            ),
            "start" => (DealAction::Start, "Work started on the deal."),
            "won" => (DealAction::CloseWon, "Deal marked won."),
            "lost" => (DealAction::CloseLost, "Deal marked lost."),
            _ => {
                return Err(AppError::bad_request(
                    "Choose approve, reject, start, won or lost",
                ));
            }
        };
        deals::decide(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            me.identity.user_id,
            deal_id,
            &action,
            amount.as_deref(),
            now_ms(),
        )
        .await?;
        crate::server::notice::notice(done);
        Ok(())
    })
    .await
}

/// A partner contact starts work on an approved deal (their own, or the team's for owners
/// and admins).
#[server(prefix = "/api", endpoint = "advance_deal")]
pub async fn advance_deal(deal_id: i64) -> Result<(), AppError> {
    use crate::server::{deals, endpoint, require_contact};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let whole_team = me.role.can(ContactPermission::ManageTeamLeadsDeals);
        let own_only = (!whole_team).then_some(me.contact_id);
        deals::start(
            &state.db,
            me.partner_team_id,
            own_only,
            me.identity.user_id,
            deal_id,
        )
        .await?;
        crate::server::notice::notice("Work started on the deal.");
        Ok(())
    })
    .await
}

/// A teammate assigns (or, with an empty `rep`, removes) the vendor's rep on a co-sell deal.
#[server(prefix = "/api", endpoint = "assign_deal_rep")]
pub async fn assign_deal_rep(deal_id: i64, rep: Option<String>) -> Result<(), AppError> {
    use crate::server::{db::now_ms, deals, endpoint, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageDeals).await?;
        let rep = match rep.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => Some(
                r.parse::<i64>()
                    .map_err(|_| AppError::bad_request("Choose a teammate"))?,
            ),
        };
        deals::assign_rep(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            me.identity.user_id,
            deal_id,
            rep,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice(if rep.is_some() {
            "Rep assigned."
        } else {
            "Rep removed."
        });
        Ok(())
    })
    .await
}

/// One customer of the teammate's company: attribution, the leads and deals it came from, and
/// its history. A restricted partner manager sees only customers of their groups' partners.
#[server(prefix = "/api", endpoint = "vendor_customer")]
pub async fn fetch_vendor_customer(id: i64) -> Result<CustomerDetailPage, AppError> {
    use crate::server::{customers, endpoint, require_teammate, viewer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let c =
            customers::detail(&state.db, me.company_id, me.allowed_groups.as_deref(), id).await?;
        Ok(CustomerDetailPage {
            viewer: viewer(&me.company_name, Some(c.program_id))?,
            program: c.program,
            partner_id: c.partner_id,
            customer: c.customer,
            leads: c.leads,
            deals: c.deals,
            history: c.history,
            journey: c.journey,
            held_for: c.held_for,
            can_review: me.role.can(Permission::ManagePartners),
        })
    })
    .await
}

/// A partner manager sets a customer's status by hand (signed up, paying, churned), with the
/// reason the customer's history keeps; payments and refunds move it on from there.
#[server(prefix = "/api", endpoint = "set_customer_status")]
pub async fn set_customer_status(
    customer: i64,
    status: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::server::{customers, endpoint, require_teammate};
    use domain::customer::{CustomerStatus, validate_reason};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManagePartners).await?;
        let to = CustomerStatus::parse(&status)
            .map_err(|_| AppError::invalid_fields(vec![("status", "Choose a status".into())]))?;
        let reason = validate_reason(&reason)
            .map_err(|e| AppError::invalid_fields(vec![("reason", e.0)]))?;
        customers::change_status(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            customer,
            to,
            &reason,
            me.identity.user_id,
        )
        .await?;
        crate::server::notice::notice(&format!("Status set to {}.", to.label()));
        Ok(())
    })
    .await
}

/// A partner manager credits a customer to another partner of the program (by its partner
/// key) from now on, with the reason the customer's history keeps.
#[server(prefix = "/api", endpoint = "reattribute_customer")]
pub async fn reattribute_customer(
    customer: i64,
    partner_key: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::server::{customers, endpoint, require_teammate};
    use domain::customer::validate_reason;
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManagePartners).await?;
        let reason = validate_reason(&reason)
            .map_err(|e| AppError::invalid_fields(vec![("reason", e.0)]))?;
        let team = customers::reattribute(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            customer,
            &partner_key,
            &reason,
            me.identity.user_id,
        )
        .await?;
        crate::server::notice::notice(&format!("Customer attributed to {team}."));
        Ok(())
    })
    .await
}

/// A teammate approves or rejects a signup held as a possible self-referral.
#[server(prefix = "/api", endpoint = "review_referral")]
pub async fn review_referral(customer: i64, decision: String) -> Result<(), AppError> {
    use crate::server::{db::now_ms, endpoint, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManagePartners).await?;
        let approve = match decision.as_str() {
            "approve" => true,
            "reject" => false,
            _ => return Err(AppError::bad_request("Choose approve or reject")),
        };
        crate::server::attribution::review(
            &state.db,
            me.company_id,
            me.allowed_groups.as_deref(),
            customer,
            approve,
            me.identity.user_id,
            now_ms(),
        )
        .await?;
        crate::server::notice::notice(if approve {
            "Referral credited."
        } else {
            "Referral rejected."
        });
        Ok(())
    })
    .await
}
