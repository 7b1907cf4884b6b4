//! Offers: what partners earn for which events. Saving an offer that exists makes its next
//! version, effective from now; earlier versions stay readable and keep explaining the
//! rewards they made.

use leptos::prelude::*;

use crate::dto::OffersPage;
use crate::error::AppError;

/// The program's offers with every version, and the targets an offer can have.
#[server(prefix = "/api", endpoint = "offers")]
pub async fn fetch_offers(program: Option<i64>) -> Result<OffersPage, AppError> {
    use crate::dto::{OfferFormValues, OfferRow, OfferVersionRow};
    use crate::server::{endpoint, offers, require_teammate, viewer};
    use domain::money::{Currency, input_text};
    use domain::offer::{Payout, Target, describe, target_values};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ViewProgram).await?;
        let selected = crate::server::authz::current_program(program)?;
        let mut rows = Vec::new();
        let mut targets = vec![("everyone".to_owned(), "All partners".to_owned())];
        if let Some(p) = &selected {
            let currency = Currency::parse(&p.currency).map_err(AppError::internal)?;
            let listing = offers::listing(&state.db, p.id).await?;
            targets.extend(listing.targets);
            let label_of = |value: &str| {
                targets
                    .iter()
                    .find(|(v, _)| v == value)
                    .map(|(_, l)| l.clone())
                    .unwrap_or_else(|| "A removed group, tier or segment".into())
            };
            let target_label = |t: &Target| {
                target_values(t)
                    .iter()
                    .map(|v| label_of(v))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let money = |minor: i64| domain::money::format_minor(minor, currency);
            let payout_text = |p: &Payout| match *p {
                Payout::Flat { amount_minor } => {
                    ("flat", input_text(amount_minor, currency.code()))
                }
                Payout::Percent { basis_points } => (
                    "percent",
                    rust_decimal::Decimal::new(basis_points, 2)
                        .normalize()
                        .to_string(),
                ),
            };
            // "25%" or "$40.00", as a version's summary lists a tier's own rate.
            let rate_text = |p: &Payout| match *p {
                Payout::Flat { amount_minor } => money(amount_minor),
                Payout::Percent { .. } => format!("{}%", payout_text(p).1),
            };
            let tiers: Vec<(i64, String)> = targets
                .iter()
                .filter_map(|(value, label)| {
                    let id = value.strip_prefix("tier:")?.parse().ok()?;
                    Some((id, label.trim_start_matches("Tier: ").to_owned()))
                })
                .collect();
            for offer in listing.offers {
                let Some(last) = offer.versions.last().cloned() else {
                    continue;
                };
                let versions = offer
                    .versions
                    .iter()
                    .zip(&offer.version_created)
                    .rev()
                    .map(|(v, (_, by))| {
                        let l = &v.limits;
                        let limits: Vec<String> = [
                            l.first_months
                                .map(|m| format!("first {m} months of a customer")),
                            l.cap_per_customer_minor
                                .map(|c| format!("at most {} per customer", money(c))),
                            l.min_amount_minor
                                .map(|m| format!("transactions from {}", money(m))),
                            (!l.product_keys.is_empty())
                                .then(|| format!("products {}", l.product_keys.join(", "))),
                        ]
                        .into_iter()
                        .flatten()
                        .collect();
                        OfferVersionRow {
                            version: v.version,
                            effective_from: domain::time::format_date(v.effective_from),
                            summary: {
                                let rates: Vec<String> = v
                                    .tier_overrides
                                    .iter()
                                    .map(|o| {
                                        let tier = label_of(&format!("tier:{}", o.tier_id));
                                        format!(
                                            "{} {}",
                                            tier.trim_start_matches("Tier: "),
                                            rate_text(&o.payout)
                                        )
                                    })
                                    .collect();
                                if rates.is_empty() {
                                    describe(v, currency)
                                } else {
                                    format!("{} ({})", describe(v, currency), rates.join(", "))
                                }
                            },
                            target: target_label(&v.target),
                            limits: if limits.is_empty() {
                                "No limits".into()
                            } else {
                                limits.join("; ")
                            },
                            created_by: by.clone(),
                        }
                    })
                    .collect();
                let (payout_kind, payout_value) = payout_text(&last.payout);
                let tier_overrides = tiers
                    .iter()
                    .map(|(id, label)| {
                        let value = last
                            .tier_overrides
                            .iter()
                            .find(|o| o.tier_id == *id)
                            .map(|o| payout_text(&o.payout).1)
                            .unwrap_or_default();
                        (id.to_string(), label.clone(), value)
                    })
                    .collect();
                let l = &last.limits;
                rows.push(OfferRow {
                    id: offer.id,
                    name: offer.name.clone(),
                    event: last.event,
                    versions,
                    form: OfferFormValues {
                        name: offer.name,
                        event: last.event.as_str().to_owned(),
                        payout_kind: payout_kind.to_owned(),
                        payout_value,
                        target: target_values(&last.target),
                        first_months: l.first_months.map(|m| m.to_string()).unwrap_or_default(),
                        cap_per_customer: l
                            .cap_per_customer_minor
                            .map(|c| input_text(c, currency.code()))
                            .unwrap_or_default(),
                        min_amount: l
                            .min_amount_minor
                            .map(|m| input_text(m, currency.code()))
                            .unwrap_or_default(),
                        product_keys: l.product_keys.join(", "),
                        tier_overrides,
                    },
                });
            }
        }
        Ok(OffersPage {
            viewer: viewer(&me.company_name, selected.as_ref().map(|p| p.id))?,
            program: selected,
            offers: rows,
            targets,
            can_edit: me.role.can(Permission::ManageProgramSettings),
        })
    })
    .await
}

/// Creates an offer, or (with `offer`) saves its next version, effective from now. With
/// `intent=simulate` nothing is saved: the form's version replays the last `simulate_days` of
/// the program's events and the result says what each partner would have earned.
#[server(prefix = "/api", endpoint = "save_offer")]
pub async fn save_offer(
    program: i64,
    offer: Option<i64>,
    name: String,
    event: String,
    payout_kind: String,
    payout_value: String,
    target: Option<Vec<String>>,
    first_months: Option<String>,
    cap_per_customer: Option<String>,
    min_amount: Option<String>,
    product_keys: Option<String>,
    override_tier: Option<Vec<String>>,
    override_value: Option<Vec<String>>,
    intent: Option<String>,
    simulate_days: Option<String>,
) -> Result<crate::dto::OfferOutcome, AppError> {
    use crate::dto::OfferOutcome;
    use crate::server::{db::now_ms, endpoint, offers, require_teammate, simulator};
    use domain::money::Currency;
    use domain::offer::{OfferForm, validate_offer};
    use domain::permissions::Permission;

    endpoint(async move {
        let (state, me) = require_teammate(Permission::ManageProgramSettings).await?;
        let program = crate::server::authz::program(program)?;
        let currency = Currency::parse(&program.currency).map_err(AppError::internal)?;
        // The form sends every tier's id with its (possibly empty) rate, in the same order.
        let overrides: Vec<(String, String)> = override_tier
            .unwrap_or_default()
            .into_iter()
            .zip(override_value.unwrap_or_default())
            .collect();
        let form = OfferForm {
            name: &name,
            event: &event,
            payout_kind: &payout_kind,
            payout_value: &payout_value,
            target: target.as_deref().unwrap_or_default(),
            first_months: first_months.as_deref().unwrap_or(""),
            cap_per_customer: cap_per_customer.as_deref().unwrap_or(""),
            min_amount: min_amount.as_deref().unwrap_or(""),
            product_keys: product_keys.as_deref().unwrap_or(""),
            tier_overrides: &overrides,
        };
        let draft = validate_offer(&form, currency).map_err(AppError::invalid_fields)?;
        let now = now_ms();
        if intent.as_deref() == Some("simulate") {
            let days = simulator::parse_days(simulate_days.as_deref())?;
            let simulation =
                offers::simulate(&state.db, program.id, currency, offer, draft, days, now).await?;
            return Ok(OfferOutcome {
                saved: None,
                simulation: Some(simulation),
            });
        }
        let id = offers::publish(
            &state.db,
            program.id,
            me.company_id,
            offer,
            draft,
            me.identity.user_id,
            now,
        )
        .await?;
        crate::server::notice::notice(if offer.is_some() {
            "Saved. The new version is in force from now on."
        } else {
            "Offer created. It is listed below."
        });
        Ok(OfferOutcome {
            saved: Some(id),
            simulation: None,
        })
    })
    .await
}
