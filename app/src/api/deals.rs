//! Deals: partners register them (conflicts flagged for the vendor) and move them into work;
//! teammates approve, reject, assign a co-sell rep and close them; both sides follow the
//! pipeline by stage. A won deal makes or links its customer.

use leptos::prelude::*;

use crate::dto::{CustomerDetailPage, PartnerDealsPage, VendorDealsPage};
use crate::error::AppError;

/// A partner contact registers a deal in their current program, in the program's currency.
#[allow(clippy::too_many_arguments)]
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
    use crate::server::events::{self, NewEvent};
    use crate::server::{db::now_ms, endpoint, leads, require_contact};
    use domain::deal::{DealForm, DealStage, validate_new_deal};
    use domain::money::Currency;
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let context = crate::server::authz::partnership()?
            .filter(|c| c.active)
            .ok_or_else(|| AppError::new(403, "Deals can be registered once your partnership is active"))?;
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
        let deal = validate_new_deal(&form, currency, now - now.rem_euclid(86_400_000)).map_err(AppError::invalid_fields)?;
        let mut tx = state.db.begin().await?;
        let claims = leads::claims(&mut tx, context.program_id, Some(&deal.domain), &deal.company_key).await?;
        let conflict = leads::describe(&claims);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO deals (program_id, partnership_id, name, amount_minor, currency, motion, stage, created_at, updated_at, \
             domain, company_key, contact_id, expected_close_at, buy_price_minor, discount_bp, notes, conflict) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $11, $12, $13, $14, $15, $16) RETURNING id",
        )
        .bind(context.program_id)
        .bind(context.partnership_id)
        .bind(&deal.company)
        .bind(deal.amount_minor)
        .bind(currency.code())
        .bind(deal.motion.as_str())
        .bind(DealStage::Registered.as_str())
        .bind(now)
        .bind(&deal.domain)
        .bind(&deal.company_key)
        .bind(me.contact_id)
        .bind(deal.expected_close_at)
        .bind(deal.resell.map(|r| r.buy_price_minor))
        .bind(deal.resell.and_then(|r| r.discount_bp))
        .bind(&deal.notes)
        .bind(&conflict)
        .fetch_one(&mut *tx)
        .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(context.company_id),
                kind: "deal.registered",
                subject_type: "deal",
                subject_id: id,
                payload: serde_json::json!({
                    "partnership_id": context.partnership_id,
                    "company": deal.company,
                    "domain": deal.domain,
                    "amount_minor": deal.amount_minor,
                    "motion": deal.motion.as_str(),
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
    use crate::dto::{DealFilters, Named};
    use crate::server::{deals, endpoint, require_teammate, viewer};
    use domain::deal::DealMotion;
    use domain::permissions::Permission;
    use sqlx::Row;

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
        let reps: Vec<Named> = sqlx::query("SELECT u.id, u.name FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1 ORDER BY u.name, u.id")
            .bind(me.company_id)
            .fetch_all(&state.db.pool)
            .await?
            .iter()
            .map(|r| Ok(Named { id: r.try_get(0)?, name: r.try_get(1)? }))
            .collect::<Result<_, sqlx::Error>>()?;
        let stages = match &selected {
            Some(p) => {
                // An unknown partner key matches no deal (id -1) rather than every deal.
                let partnership = if filters.partner.is_empty() {
                    None
                } else {
                    Some(
                        sqlx::query_scalar::<_, i64>("SELECT id FROM partnerships WHERE program_id = $1 AND partner_key = $2")
                            .bind(p.id)
                            .bind(&filters.partner)
                            .fetch_optional(&state.db.pool)
                            .await?
                            .unwrap_or(-1),
                    )
                };
                let scope = deals::Scope::Program {
                    program_id: p.id,
                    groups: me.allowed_groups.clone(),
                    partnership,
                    motion: filters.motion,
                    rep: filters.rep,
                };
                deals::pipeline(&state.db, &scope, filters.stage, after, &p.currency, true).await?
            }
            None => Vec::new(),
        };
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
    use crate::server::{db::now_ms, deals, endpoint, require_teammate, rewards};
    use domain::deal::{DealAction, DealActor, DealStage, transition};
    use domain::money::{Currency, parse_positive_amount, to_minor};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageDeals).await?;
        let reason = reason.unwrap_or_default();
        let action = match action.as_str() {
            "approve" => DealAction::Approve,
            "reject" => DealAction::Reject {
                reason: reason.clone(),
            },
            "start" => DealAction::Start,
            "won" => DealAction::CloseWon,
            "lost" => DealAction::CloseLost,
            _ => {
                return Err(AppError::bad_request(
                    "Choose approve, reject, start, won or lost",
                ));
            }
        };
        let allowed = me.allowed_groups.clone();
        let mut tx = state.db.begin().await?;
        let deal = deals::load_for_teammate(&mut tx, &me, allowed.as_deref(), deal_id).await?;
        let after = transition(deal.stage, &action, DealActor::Teammate)?;
        let now = now_ms();
        let mut change = deals::StageChange::default();
        match after {
            DealStage::Approved => {
                change.approved_at = Some(now);
                change.protected_until =
                    Some(domain::deal::protected_until(now, deal.protection_days));
                deals::move_protection(&mut tx, &deal, me.identity.user_id, now).await?;
            }
            DealStage::Rejected => change.reason = Some(reason.trim().to_owned()),
            DealStage::ClosedWon => {
                let currency = Currency::parse(&deal.currency).map_err(AppError::internal)?;
                // The amount it closed at, if it differs from the registered one.
                let amount = match amount.as_deref().map(str::trim).filter(|a| !a.is_empty()) {
                    Some(text) => parse_positive_amount(text, currency)
                        .and_then(|a| to_minor(a, currency))
                        .map_err(|e| AppError::invalid_fields(vec![("amount", e.0)]))?,
                    None => deal.amount_minor,
                };
                change.amount_minor = Some(amount);
                change.closed_at = Some(now);
                let (customer, created) =
                    deals::customer_for_won_deal(&mut tx, &deal, me.identity.user_id, now).await?;
                change.customer_id = Some(customer);
                // A won deal that makes a new customer is also a new customer for the offers.
                let mut events = vec![(
                    domain::offer::OfferEvent::DealClosedWon,
                    Some(amount),
                    format!("deal {} won", deal.company),
                )];
                if created {
                    events.push((
                        domain::offer::OfferEvent::CustomerCreated,
                        None,
                        format!("customer {} created from a won deal", deal.company),
                    ));
                }
                for (event, amount_minor, what) in events {
                    let sale = rewards::Sale {
                        program_id: deal.program_id,
                        partnership_id: deal.partnership_id,
                        event,
                        amount_minor,
                        customer: Some((customer, &deal.company)),
                        contact_id: deal.contact_id,
                        what,
                    };
                    rewards::reward_sale(&mut tx, sale, Some(me.identity.user_id), now).await?;
                }
            }
            DealStage::ClosedLost => change.closed_at = Some(now),
            DealStage::Registered | DealStage::InProgress => {}
        }
        deals::change_stage(&mut tx, &deal, after, &change, me.identity.user_id).await?;
        if after == DealStage::ClosedWon {
            // A won deal may lift the partnership's tier at once.
            crate::server::tiers::evaluate(
                &mut tx,
                deal.program_id,
                deal.partnership_id,
                now,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// A partner contact starts work on an approved deal (their own, or the team's for owners
/// and admins).
#[server(prefix = "/api", endpoint = "advance_deal")]
pub async fn advance_deal(deal_id: i64) -> Result<(), AppError> {
    use crate::server::{deals, endpoint, require_contact};
    use domain::deal::{DealAction, DealActor, transition};
    use domain::permissions::ContactPermission;

    endpoint(async move {
        let (state, me) = require_contact(ContactPermission::ManageOwnLeadsDeals).await?;
        let mut tx = state.db.begin().await?;
        let deal = deals::load_for_contact(&mut tx, &me, deal_id).await?;
        let after = transition(deal.stage, &DealAction::Start, DealActor::Partner)?;
        deals::change_stage(
            &mut tx,
            &deal,
            after,
            &deals::StageChange::default(),
            me.identity.user_id,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// A teammate assigns (or, with an empty `rep`, removes) the vendor's rep on a co-sell deal.
#[server(prefix = "/api", endpoint = "assign_deal_rep")]
pub async fn assign_deal_rep(deal_id: i64, rep: Option<String>) -> Result<(), AppError> {
    use crate::server::events::{self, NewEvent};
    use crate::server::{db::now_ms, deals, endpoint, require_teammate};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageDeals).await?;
        let rep = match rep.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(r) => Some(r.parse::<i64>().map_err(|_| AppError::bad_request("Choose a teammate"))?),
        };
        let allowed = me.allowed_groups.clone();
        let mut tx = state.db.begin().await?;
        let deal = deals::load_for_teammate(&mut tx, &me, allowed.as_deref(), deal_id).await?;
        domain::deal::check_rep_change(deal.motion, deal.stage)?;
        let rep_name: Option<String> = match rep {
            Some(user_id) => Some(
                sqlx::query_scalar("SELECT u.name FROM teammates t JOIN users u ON u.id = t.user_id WHERE t.company_id = $1 AND u.id = $2")
                    .bind(me.company_id)
                    .bind(user_id)
                    .fetch_optional(&mut *tx)
                    .await?
                    .ok_or_else(|| AppError::invalid_fields(vec![("rep", "Choose one of your teammates".into())]))?,
            ),
            None => None,
        };
        sqlx::query("UPDATE deals SET rep_user_id = $1, updated_at = $2 WHERE id = $3")
            .bind(rep)
            .bind(now_ms())
            .bind(deal.id)
            .execute(&mut *tx)
            .await?;
        events::append(
            &mut tx,
            NewEvent {
                actor_user_id: Some(me.identity.user_id),
                company_id: Some(me.company_id),
                kind: "deal.rep_assigned",
                subject_type: "deal",
                subject_id: deal.id,
                payload: serde_json::json!({ "rep_user_id": rep, "rep": rep_name }),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await
}

/// One customer of the teammate's company: attribution, the leads and deals it came from, and
/// its history. A restricted partner manager sees only customers of their groups' partners.
#[server(prefix = "/api", endpoint = "vendor_customer")]
pub async fn fetch_vendor_customer(id: i64) -> Result<CustomerDetailPage, AppError> {
    use crate::dto::{TimelineEntry, VendorCustomerRow};
    use crate::server::{deals, endpoint, require_teammate, viewer};
    use domain::lead::LeadStatus;
    use domain::permissions::Permission;
    use sqlx::Row;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let r = sqlx::query(
            "SELECT c.id, c.name, c.external_key, c.email, c.domain, t.name, c.source, c.status, c.attributed_at, COALESCE(pa.group_id, rp.group_id), \
             pr.name, pr.id, c.partnership_id, c.review_status, rt.name, c.click_key, c.clicked_at, c.signed_up_at, c.attribution_model, \
             l.name, lu.name FROM customers c JOIN programs pr ON pr.id = c.program_id \
             LEFT JOIN partnerships pa ON pa.id = c.partnership_id LEFT JOIN partner_teams t ON t.id = pa.partner_team_id \
             LEFT JOIN partnerships rp ON rp.id = c.review_partnership_id LEFT JOIN partner_teams rt ON rt.id = rp.partner_team_id \
             LEFT JOIN links l ON l.id = c.link_id LEFT JOIN contacts lc ON lc.id = l.contact_id LEFT JOIN users lu ON lu.id = lc.user_id \
             WHERE c.id = $1 AND pr.company_id = $2",
        )
        .bind(id)
        .bind(me.company_id)
        .fetch_optional(&state.db.pool)
        .await?
        .ok_or_else(|| AppError::not_found("Customer"))?;
        let group: Option<i64> = r.try_get(9)?;
        if let Some(groups) = me.allowed_groups.clone()
            && !group.is_some_and(|g| groups.contains(&g))
        {
            return Err(AppError::not_found("Customer"));
        }
        let customer = VendorCustomerRow {
            id: r.try_get(0)?,
            name: r.try_get(1)?,
            external_key: r.try_get(2)?,
            email: r.try_get(3)?,
            domain: r.try_get(4)?,
            partner_team: r.try_get(5)?,
            source: r.try_get(6)?,
            status: r.try_get(7)?,
            attributed_at: r.try_get(8)?,
            review_status: r.try_get(13)?,
        };
        let program_id: i64 = r.try_get(11)?;
        let held_for: Option<String> = r.try_get(14)?;
        // The customer's way in: the click, the signup, the partner it went to.
        let mut journey = Vec::new();
        if let Some(clicked_at) = r.try_get::<Option<i64>, _>(16)? {
            let link: Option<String> = r.try_get(19)?;
            let person: Option<String> = r.try_get(20)?;
            journey.push(TimelineEntry {
                at: clicked_at,
                text: format!(
                    "Clicked {}{} (click {})",
                    link.map(|l| format!("\"{l}\"")).unwrap_or_else(|| "a referral link".into()),
                    person.map(|p| format!(" of {p}")).unwrap_or_default(),
                    r.try_get::<Option<String>, _>(15)?.unwrap_or_default()
                ),
            });
        }
        if let Some(signed_up_at) = r.try_get::<Option<i64>, _>(17)? {
            let model = r.try_get::<Option<String>, _>(18)?
                .and_then(|m| domain::link::AttributionModel::parse(&m).ok())
                .map(|m| format!(" ({} attribution)", m.label().to_lowercase()))
                .unwrap_or_default();
            journey.push(TimelineEntry { at: signed_up_at, text: format!("Signed up{model}") });
            let outcome = match (&customer.partner_team, customer.review_status.as_deref(), &held_for) {
                (Some(team), Some("approved"), _) => Some(format!("Credited to {team} after review")),
                (Some(team), _, _) => Some(format!("Credited to {team}")),
                (None, Some("pending"), Some(team)) => Some(format!("Held for review: the signup looks like {team}'s own team")),
                (None, Some("rejected"), Some(team)) => Some(format!("Not credited: a teammate rejected the referral by {team}")),
                _ => Some("Not attributed: no referral click within the attribution window".into()),
            };
            journey.extend(outcome.map(|text| TimelineEntry { at: customer.attributed_at.unwrap_or(signed_up_at), text }));
        }
        let leads = sqlx::query(
            "SELECT l.created_at, t.name, l.status, l.updated_at FROM leads l JOIN partnerships p ON p.id = l.partnership_id \
             JOIN partner_teams t ON t.id = p.partner_team_id WHERE l.customer_id = $1 ORDER BY l.id",
        )
        .bind(id)
        .fetch_all(&state.db.pool)
        .await?
        .iter()
        .map(|l| {
            let status = LeadStatus::parse(&l.try_get::<String, _>(2)?).map_err(AppError::internal)?;
            Ok(TimelineEntry {
                at: l.try_get(0)?,
                text: format!("Lead from {}, {} {}", l.try_get::<String, _>(1)?, status.label(), domain::time::format_date(l.try_get(3)?)),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
        let pending_review = customer.review_status.as_deref() == Some("pending");
        let (mut deals, _) = deals::page(&state.db, &deals::Scope::Customer { customer_id: id }, None, None, true).await?;
        deals::attach_timelines(&state.db, &mut deals).await?;
        let history = sqlx::query(
            "SELECT e.occurred_at, e.kind, u.name FROM events e LEFT JOIN users u ON u.id = e.actor_user_id \
             WHERE e.subject_type = 'customer' AND e.subject_id = $1 ORDER BY e.id",
        )
        .bind(id)
        .fetch_all(&state.db.pool)
        .await?
        .iter()
        .map(|e| {
            let actor = e.try_get::<Option<String>, _>(2)?.unwrap_or_else(|| "the portal".into());
            let what = match e.try_get::<String, _>(1)?.as_str() {
                "customer.created" => "Created",
                "customer.attributed" => "Attributed to a partner",
                "customer.referral_held" => "Held as a possible self-referral",
                "customer.referral_approved" => "Referral approved",
                "customer.referral_rejected" => "Referral rejected",
                _ => "Changed",
            };
            Ok(TimelineEntry { at: e.try_get(0)?, text: format!("{what} by {actor}") })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
        Ok(CustomerDetailPage {
            viewer: viewer(&me.company_name, Some(program_id))?,
            program: r.try_get(10)?,
            partner_id: r.try_get(12)?,
            customer,
            leads,
            deals,
            history,
            journey,
            held_for: held_for.filter(|_| pending_review),
            can_review: me.role.can(Permission::ManagePartners),
        })
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
        // A manager restricted to groups reviews only their groups' partners' signups.
        if let Some(groups) = me.allowed_groups.clone() {
            let group: Option<i64> = sqlx::query_scalar(
                "SELECT p.group_id FROM customers c JOIN partnerships p ON p.id = c.review_partnership_id WHERE c.id = $1",
            )
            .bind(customer)
            .fetch_optional(&state.db.pool)
            .await?;
            if !group.is_some_and(|g| groups.contains(&g)) {
                return Err(AppError::not_found("Customer"));
            }
        }
        crate::server::attribution::review(&state.db, me.company_id, customer, approve, me.identity.user_id, now_ms()).await
    })
    .await
}
