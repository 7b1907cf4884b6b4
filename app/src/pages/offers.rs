//! `/vendor/offers`: the program's offers, each with its version history; saving an existing
//! offer makes its next version.

use domain::offer::OfferEvent;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{SaveOffer, fetch_offers};
use crate::components::{NoProgram, Submit, TopBar, data_page};
use crate::dto::{OfferFormValues, OfferRow, OfferSimulation, OffersPage as Data};
use crate::forms::{Refusal, ask};

#[component]
pub fn OffersPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query
                .read()
                .get("program")
                .and_then(|v| v.parse::<i64>().ok())
        },
        fetch_offers,
    );
    data_page("Offers", data, move |data| {
        view! { <Offers data /> }.into_any()
    })
}

fn event_label(event: &str) -> &'static str {
    match OfferEvent::parse(event) {
        Ok(OfferEvent::CustomerCreated) => "A customer is created",
        Ok(OfferEvent::TransactionCreated) => "A transaction is recorded",
        Ok(OfferEvent::DealClosedWon) => "A deal is won",
        Ok(OfferEvent::LeadConverted) => "A lead converts",
        Ok(OfferEvent::PartnerJoined) => "A partner joins",
        Err(_) => "Unknown event",
    }
}

#[component]
fn Offers(data: Data) -> impl IntoView {
    let Data {
        viewer,
        program,
        offers,
        targets,
        can_edit,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="Offers" /> }.into_any();
    };
    let empty = offers.is_empty();
    let blank = OfferFormValues {
        event: OfferEvent::TransactionCreated.as_str().into(),
        payout_kind: "percent".into(),
        target: vec!["everyone".into()],
        ..OfferFormValues::default()
    };
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Offers"</h1>
            <p class="muted">
                {format!(
                    "What partners of {} earn, in {}. An edit takes effect from the moment it is saved; rewards made earlier keep the version that made them.",
                    program.name,
                    program.currency,
                )}
            </p>
            {offers
                .into_iter()
                .map(|offer| {
                    view! {
                        <OfferCard offer targets=targets.clone() program=program.id can_edit />
                    }
                })
                .collect_view()}
            {empty
                .then(|| {
                    view! {
                        <p class="empty">
                            "No offers yet: partners earn nothing until one exists."
                        </p>
                    }
                })}
            {can_edit
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="new-offer">
                            <h2 id="new-offer">"Create an offer"</h2>
                            <OfferForm
                                program=program.id
                                offer=None
                                values=blank
                                targets=targets.clone()
                                label="Create offer"
                            />
                        </section>
                    }
                })}
        </main>
    }
    .into_any()
}

#[component]
fn OfferCard(
    offer: OfferRow,
    targets: Vec<(String, String)>,
    program: i64,
    can_edit: bool,
) -> impl IntoView {
    let current = offer.versions.first().cloned();
    let label = offer.name.clone();
    view! {
        <section class="card" aria-label=label>
            <h2>{offer.name.clone()}</h2>
            <p>
                {event_label(offer.event.as_str())}
                {current
                    .as_ref()
                    .map(|v| format!(" · {} · {} · {}", v.summary, v.target, v.limits))}
            </p>
            <table aria-label=format!("Versions of {}", offer.name)>
                <thead>
                    <tr>
                        <th scope="col">"Version"</th>
                        <th scope="col">"In force from"</th>
                        <th scope="col">"Pays"</th>
                        <th scope="col">"Who earns it"</th>
                        <th scope="col">"Limits"</th>
                        <th scope="col">"Saved by"</th>
                    </tr>
                </thead>
                <tbody>
                    {offer
                        .versions
                        .iter()
                        .map(|v| {
                            view! {
                                <tr>
                                    <td>{v.version}</td>
                                    <td>{v.effective_from.clone()}</td>
                                    <td>{v.summary.clone()}</td>
                                    <td>{v.target.clone()}</td>
                                    <td>{v.limits.clone()}</td>
                                    <td>{v.created_by.clone()}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            {can_edit
                .then(|| {
                    view! {
                        <details>
                            <summary>{format!("Edit {} (new version)", offer.name)}</summary>
                            <OfferForm
                                program
                                offer=Some(offer.id)
                                values=offer.form.clone()
                                targets
                                label="Save new version"
                            />
                        </details>
                    }
                })}
        </section>
    }
}

#[component]
fn OfferForm(
    program: i64,
    offer: Option<i64>,
    values: OfferFormValues,
    targets: Vec<(String, String)>,
    label: &'static str,
) -> impl IntoView {
    // Ids stay unique when several forms share the page.
    let id = move |field: &str| format!("offer-{}-{field}", offer.unwrap_or(0));
    let editing = offer.is_some();
    // (id, name) of the program's tiers, from the target choices ("tier:ID" / "Tier: Name").
    let tiers: Vec<(String, String)> = targets
        .iter()
        .filter_map(|(value, label)| {
            Some((
                value.strip_prefix("tier:")?.to_owned(),
                label.trim_start_matches("Tier: ").to_owned(),
            ))
        })
        .collect();
    view! {
        <form method="post" action=SaveOffer::PATH class="form">
            <input type="hidden" name="program" value=program />
            {offer.map(|o| view! { <input type="hidden" name="offer" value=o /> })}
            <label for=id("name")>"Offer name"</label>
            <input
                id=id("name")
                name="name"
                required
                maxlength="80"
                value=values.name.clone()
                readonly=editing
            />

            <label for=id("event")>"Pays when"</label>
            {if editing {
                view! {
                    <input type="hidden" name="event" value=values.event.clone() />
                    <input id=id("event") value=event_label(&values.event) readonly />
                }
                    .into_any()
            } else {
                view! {
                    <select id=id("event") name="event">
                        {OfferEvent::ALL
                            .iter()
                            .map(|e| {
                                view! {
                                    <option value=e.as_str() selected=e.as_str() == values.event>
                                        {event_label(e.as_str())}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                }
                    .into_any()
            }}
            <fieldset>
                <legend>"Reward"</legend>
                <label>
                    <input
                        type="radio"
                        name="payout_kind"
                        value="percent"
                        checked=values.payout_kind == "percent"
                    />
                    " Percentage of the amount"
                </label>
                <label>
                    <input
                        type="radio"
                        name="payout_kind"
                        value="flat"
                        checked=values.payout_kind == "flat"
                    />
                    " Flat amount"
                </label>
            </fieldset>
            <label for=id("value")>"Percentage or amount"</label>
            <input
                id=id("value")
                name="payout_value"
                required
                inputmode="decimal"
                value=values.payout_value.clone()
            />
            <label for=id("target")>"Who earns it"</label>
            <p class="muted" id=id("target-help")>
                "Everyone, one or more groups, one or more tiers, or one segment (Ctrl or Shift to choose several)."
            </p>
            <select
                id=id("target")
                name="target[]"
                multiple
                size="5"
                aria-describedby=id("target-help")
            >
                {targets
                    .into_iter()
                    .map(|(v, l)| {
                        let selected = values.target.contains(&v);
                        view! {
                            <option value=v selected=selected>
                                {l}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <details>
                <summary>"Limits (optional)"</summary>
                <label for=id(
                    "months",
                )>"Only in the first months after the customer's attribution"</label>
                <input
                    id=id("months")
                    name="first_months"
                    inputmode="numeric"
                    value=values.first_months.clone()
                />
                <label for=id("cap")>"Cap per customer"</label>
                <input
                    id=id("cap")
                    name="cap_per_customer"
                    inputmode="decimal"
                    value=values.cap_per_customer.clone()
                />
                <label for=id("min")>"Minimum transaction amount"</label>
                <input
                    id=id("min")
                    name="min_amount"
                    inputmode="decimal"
                    value=values.min_amount.clone()
                />
                <label for=id("products")>"Only these product keys (comma-separated)"</label>
                <input id=id("products") name="product_keys" value=values.product_keys.clone() />
            </details>
            {(!tiers.is_empty())
                .then(|| {
                    view! {
                        <details open=values.tier_overrides.iter().any(|(_, _, v)| !v.is_empty())>
                            <summary>"Rates per tier (optional)"</summary>
                            <p class="muted">
                                "A tier's own rate replaces the one above (and its multiplier) for partners in that tier at the event; in the same unit as the reward."
                            </p>
                            {tiers
                                .into_iter()
                                .map(|(tier_id, name)| {
                                    let value = values
                                        .tier_overrides
                                        .iter()
                                        .find(|(t, _, _)| *t == tier_id)
                                        .map(|(_, _, v)| v.clone())
                                        .unwrap_or_default();
                                    let field = id(&format!("rate-{tier_id}"));
                                    view! {
                                        <input
                                            type="hidden"
                                            name="override_tier[]"
                                            value=tier_id.clone()
                                        />
                                        <label for=field
                                            .clone()>{format!("Rate for {name}")}</label>
                                        <input
                                            id=field
                                            name="override_value[]"
                                            inputmode="decimal"
                                            value=value
                                        />
                                    }
                                })
                                .collect_view()}
                        </details>
                    }
                })}
            <Submit label busy_text="Working…" />
            <fieldset class="simulate">
                <legend>"Simulator"</legend>
                <label for=id("days")>"Replay the last (days)"</label>
                <input id=id("days") name="simulate_days" value="30" inputmode="numeric" />
                <p class="muted">
                    "Replays the program's events of those days through this form's version, without saving it."
                </p>
                <Simulator />
            </fieldset>
        </form>
    }
}

/// The simulator's button and, once it ran, what the form's version would have paid. The form
/// is sent in the background and the answer shown here; nothing is saved.
#[island]
fn Simulator() -> impl IntoView {
    let sim = RwSignal::new(None::<OfferSimulation>);
    let start = move |ev: leptos::ev::MouseEvent| {
        ask::<crate::dto::OfferOutcome>(&ev, SaveOffer::PATH, Refusal::InTheForm, move |answer| {
            if let Ok(outcome) = answer {
                sim.set(outcome.simulation);
            }
        });
    };
    view! {
        <button
            type="submit"
            name="intent"
            value="simulate"
            class="secondary"
            data-busy="Simulating…"
            on:click=start
        >
            "Simulate"
        </button>
        {move || sim.get().map(|sim| view! { <Simulation sim /> })}
    }
}

/// What a draft would have paid each partner, beside what the edited offer paid.
#[component]
fn Simulation(sim: OfferSimulation) -> impl IntoView {
    let OfferSimulation {
        days,
        events,
        truncated,
        partners,
        rows,
        total_would_earn,
        total_earned,
        compared,
        ..
    } = sim;
    let empty = rows.is_empty();
    let listed = rows.len();
    let summary = format!(
        "Replayed {events} event{} of the last {days} days: {} for {partners} partner{}{}.",
        if events == 1 { "" } else { "s" },
        total_would_earn.display(),
        if partners == 1 { "" } else { "s" },
        if compared {
            format!(" (this offer paid {})", total_earned.display())
        } else {
            String::new()
        }
    );
    view! {
        <div class="simulation" role="status">
            <p>
                <strong>{summary}</strong>
            </p>
            {truncated
                .then(|| {
                    view! {
                        <p class="notice">
                            "Only the oldest events of the window were replayed; choose fewer days for a complete run."
                        </p>
                    }
                })}
            <table aria-label="Simulation">
                <thead>
                    <tr>
                        <th scope="col">"Partner"</th>
                        <th scope="col">"Events"</th>
                        <th scope="col">"Rewards"</th>
                        <th scope="col">"Would earn"</th>
                        {compared
                            .then(|| {
                                view! {
                                    <th scope="col">"Earned"</th>
                                    <th scope="col">"Difference"</th>
                                }
                            })}
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr>
                                    <td>{r.partner}</td>
                                    <td class="num">{r.events}</td>
                                    <td class="num">{r.rewards}</td>
                                    <td class="num">{r.would_earn.display()}</td>
                                    {compared
                                        .then(|| {
                                            view! {
                                                <td class="num">{r.earned.display()}</td>
                                                <td class="num">{r.difference.display()}</td>
                                            }
                                        })}
                                </tr>
                            }
                        })
                        .collect_view()}
                    {empty
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan="6" class="empty">
                                        "No events of this kind in those days."
                                    </td>
                                </tr>
                            }
                        })}
                </tbody>
            </table>
            {(partners as usize > listed)
                .then(|| {
                    view! {
                        <p class="muted">
                            {format!("The {listed} partners with the largest amounts are listed.")}
                        </p>
                    }
                })}
        </div>
    }
}
