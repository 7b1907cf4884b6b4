//! Deal pipelines: `/partner/deals` (register and follow), `/vendor/deals` (decide, assign a
//! rep, close), and `/vendor/customers/:id`, where a customer's deals and leads show.

use domain::customer::CustomerStatus;
use domain::deal::{DealMotion, DealStage};
use domain::time::{format_date, format_timestamp};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    AdvanceDeal, AssignDealRep, DecideDeal, ReattributeCustomer, RegisterDeal, ReviewReferral,
    SetCustomerStatus, fetch_partner_deals, fetch_vendor_customer, fetch_vendor_deals,
};
use crate::components::{Submit, TopBar, data_page};
use crate::dto::{
    CustomerDetailPage, DealRow, Named, PartnerDealsPage, StageColumn, TimelineEntry,
    VendorDealsPage,
};

/// What a row of the pipeline offers: the vendor's decisions, or the partner's one move.
#[derive(Clone, Copy)]
enum RowActions {
    Vendor,
    Partner,
    None,
}

/// `/partner/deals`: register a deal and follow the team's (or one's own) pipeline.
#[component]
pub fn PartnerDealsPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (
            q.get("stage").filter(|s| !s.is_empty()),
            q.get("after").and_then(|v| v.parse::<i64>().ok()),
        )
    };
    let data = Resource::new(params, |(stage, after)| fetch_partner_deals(stage, after));
    data_page("Deals", data, move |data| {
        view! { <PartnerDeals data /> }.into_any()
    })
}

#[component]
fn PartnerDeals(data: PartnerDealsPage) -> impl IntoView {
    let PartnerDealsPage {
        viewer,
        program,
        currency,
        can_register,
        whole_team,
        stage,
        stages,
    } = data;
    let heading = if whole_team {
        "Your team's pipeline"
    } else {
        "Your pipeline"
    };
    let currency = currency.unwrap_or_default();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Deals"</h1>
            {match program {
                None => {
                    view! { <p class="empty">"Your team is not in any partner program yet."</p> }
                        .into_any()
                }
                Some(program) => {
                    view! {
                        <p class="muted">
                            {format!("Deals you register go to {program}, in {currency}.")}
                        </p>
                    }
                        .into_any()
                }
            }}
            {can_register
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="register-deal">
                            <h2 id="register-deal">"Register a deal"</h2>
                            <form method="post" action=RegisterDeal::PATH class="form-row">
                                <div class="field">
                                    <label for="deal-company">"Company"</label>
                                    <input
                                        id="deal-company"
                                        name="company"
                                        required
                                        maxlength="200"
                                    />
                                </div>
                                <div class="field">
                                    <label for="deal-domain">"Company website"</label>
                                    <input
                                        id="deal-domain"
                                        name="domain"
                                        required
                                        placeholder="acme.com"
                                    />
                                </div>
                                <div class="field">
                                    <label for="deal-amount">"Amount"</label>
                                    <input
                                        id="deal-amount"
                                        name="amount"
                                        required
                                        inputmode="decimal"
                                        placeholder="12,000.00"
                                    />
                                </div>
                                <div class="field">
                                    <label for="deal-close">"Expected close"</label>
                                    <input
                                        id="deal-close"
                                        name="expected_close"
                                        type="date"
                                        required
                                    />
                                </div>
                                <div class="field">
                                    <label for="deal-motion">"Motion"</label>
                                    <select id="deal-motion" name="motion">
                                        {DealMotion::ALL
                                            .iter()
                                            .map(|m| {
                                                view! { <option value=m.as_str()>{m.label()}</option> }
                                            })
                                            .collect_view()}
                                    </select>
                                </div>
                                <div class="field">
                                    <label for="deal-buy">"Resell: your buy price"</label>
                                    <input id="deal-buy" name="buy_price" inputmode="decimal" />
                                </div>
                                <div class="field">
                                    <label for="deal-discount">"Resell: or your discount %"</label>
                                    <input id="deal-discount" name="discount" inputmode="decimal" />
                                </div>
                                <div class="field wide">
                                    <label for="deal-notes">"Notes (optional)"</label>
                                    <textarea
                                        id="deal-notes"
                                        name="notes"
                                        rows="2"
                                        maxlength="5000"
                                    ></textarea>
                                </div>
                                <div class="field end">
                                    <Submit label="Register deal" busy_text="Registering…" />
                                </div>
                            </form>
                        </section>
                    }
                        .into_any()
                })}
            <h2>{heading}</h2>
            <Pipeline
                stages
                base="/partner/deals?".to_owned()
                stage
                actions=RowActions::Partner
                vendor=false
                reps=Vec::new()
            />
        </main>
    }
    .into_any()
}

/// `/vendor/deals`: the program's pipeline by stage, with filters.
#[component]
pub fn VendorDealsPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (
            (
                q.get("program").and_then(|v| v.parse::<i64>().ok()),
                q.get("partner"),
                q.get("motion"),
                q.get("rep").and_then(|v| v.parse::<i64>().ok()),
            ),
            (
                q.get("stage").filter(|s| !s.is_empty()),
                q.get("after").and_then(|v| v.parse::<i64>().ok()),
            ),
        )
    };
    let data = Resource::new(
        params,
        |((program, partner, motion, rep), (stage, after))| {
            fetch_vendor_deals(program, partner, motion, rep, stage, after)
        },
    );
    data_page("Deals", data, move |data| {
        view! { <VendorDeals data /> }.into_any()
    })
}

#[component]
fn VendorDeals(data: VendorDealsPage) -> impl IntoView {
    let VendorDealsPage {
        viewer,
        program,
        filters,
        reps,
        can_manage,
        stages,
    } = data;
    let actions = if can_manage {
        RowActions::Vendor
    } else {
        RowActions::None
    };
    // Paging one stage keeps the filters.
    let base = format!(
        "/vendor/deals?partner={}&motion={}&rep={}&",
        encode(&filters.partner),
        filters.motion.map(|m| m.as_str()).unwrap_or(""),
        filters.rep.map(|r| r.to_string()).unwrap_or_default()
    );
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Deals"</h1>
            <p class="muted">
                {program.map(|p| format!("Deals partners registered in {}, by stage.", p.name))}
            </p>
            <form method="get" action="/vendor/deals" class="inline" aria-label="Filter deals">
                <label for="deal-partner">"Partner key"</label>
                <input id="deal-partner" name="partner" value=filters.partner.clone() />
                <label for="deal-motion-filter">"Motion"</label>
                <select id="deal-motion-filter" name="motion">
                    <option value="" selected=filters.motion.is_none()>
                        "Any"
                    </option>
                    {DealMotion::ALL
                        .iter()
                        .map(|m| {
                            view! {
                                <option value=m.as_str() selected=Some(*m) == filters.motion>
                                    {m.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <label for="deal-rep-filter">"Rep"</label>
                <select id="deal-rep-filter" name="rep">
                    <option value="" selected=filters.rep.is_none()>
                        "Anyone"
                    </option>
                    {reps
                        .iter()
                        .map(|r| {
                            view! {
                                <option value=r.id selected=Some(r.id) == filters.rep>
                                    {r.name.clone()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="secondary">
                    "Show"
                </button>
            </form>
            <Pipeline stages base stage=filters.stage actions vendor=true reps />
        </main>
    }
    .into_any()
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Stages as sections, each with the count and total of the deals it shows.
#[component]
fn Pipeline(
    stages: Vec<StageColumn>,
    /// The page's address with its filters, ending in `?` or `&`.
    base: String,
    stage: Option<DealStage>,
    actions: RowActions,
    vendor: bool,
    reps: Vec<Named>,
) -> impl IntoView {
    let all = stage.map(|_| {
        let href = base.trim_end_matches(['?', '&']).to_owned();
        view! {
            <p>
                <a href=href>"All stages"</a>
            </p>
        }
    });
    view! {
        {all}
        <div class="pipeline">
            {stages
                .into_iter()
                .map(|column| {
                    let id = format!("stage-{}", column.stage.as_str());
                    let labelled_by = id.clone();
                    let label = column.stage.heading();
                    let summary = format!(
                        "{} {} · total {}",
                        column.count,
                        if column.count == 1 { "deal" } else { "deals" },
                        column.total,
                    );
                    let more = column
                        .next
                        .map(|after| {
                            let href = format!(
                                "{base}stage={}&after={after}",
                                column.stage.as_str(),
                            );
                            view! {
                                <p>
                                    <a href=href>{format!("More {}", column.stage.label())}</a>
                                </p>
                            }
                        });
                    let empty = column.deals.is_empty();
                    let reps = reps.clone();
                    view! {
                        <section class="card stage" aria-labelledby=labelled_by>
                            <h2 id=id>{label}</h2>
                            <p class="muted stage-total">{summary}</p>
                            {if empty {
                                view! { <p class="empty">"No deals."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="plain deals">
                                        {column
                                            .deals
                                            .into_iter()
                                            .map(|d| {
                                                view! { <DealCard d actions vendor reps=reps.clone() /> }
                                            })
                                            .collect_view()}
                                    </ul>
                                }
                                    .into_any()
                            }}
                            {more}
                        </section>
                    }
                })
                .collect_view()}
        </div>
    }
}

#[component]
fn DealCard(d: DealRow, actions: RowActions, vendor: bool, reps: Vec<Named>) -> impl IntoView {
    let terms = match d.motion {
        DealMotion::Cosell => Some(format!(
            "Rep: {}",
            d.rep.clone().unwrap_or_else(|| "not assigned".into())
        )),
        DealMotion::Resell => d.buy_price.clone().map(|price| {
            let discount = d
                .discount
                .clone()
                .map(|p| format!(" ({p} off)"))
                .unwrap_or_default();
            let margin = d
                .margin
                .clone()
                .map(|m| format!(" · margin {m}"))
                .unwrap_or_default();
            format!("Buy price {price}{discount}{margin}")
        }),
        DealMotion::Referral => None,
    };
    let protection = d.protected_until.map(|until| {
        if d.protected {
            format!("Protected until {}", format_date(until))
        } else {
            format!("Protection ended {}", format_date(until))
        }
    });
    let controls = deal_controls(&d, actions, reps);
    let timeline = (!d.timeline.is_empty())
        .then(|| timeline_list(format!("Timeline of {}", d.company), d.timeline.clone()));
    view! {
        <li class="deal" aria-label=d.company.clone()>
            <div class="deal-head">
                <strong>{d.company.clone()}</strong>
                <span class="amount">{d.amount.clone()}</span>
            </div>
            <p class="muted">
                {d.domain.clone().unwrap_or_default()}
                {vendor.then(|| format!(" · {}", d.partner_team))}
                {d.registered_by.clone().map(|b| format!(" · by {b}"))}
            </p>
            <p>
                <span class="badge">{d.motion.label()}</span>
                {terms.map(|t| view! { <span class="muted">{format!(" {t}")}</span> })}
            </p>
            <p class="muted">
                {d.expected_close_at.map(|c| format!("Expected close {}", format_date(c)))}
                {protection.map(|p| format!(" · {p}"))}
                {d.customer.clone().map(|c| format!(" · customer {c}"))}
            </p>
            {d.reason.clone().map(|r| view! { <p class="muted">{format!("Reason: {r}")}</p> })}
            {d
                .conflict
                .clone()
                .map(|c| {
                    view! {
                        <p>
                            <span class="badge conflict">{format!("Conflicts with {c}")}</span>
                        </p>
                    }
                })}
            {controls}
            {timeline}
        </li>
    }
}

fn timeline_list(label: String, entries: Vec<TimelineEntry>) -> impl IntoView {
    view! {
        <details class="timeline">
            <summary>{format!("Timeline ({})", entries.len())}</summary>
            <ol aria-label=label>
                {entries
                    .into_iter()
                    .map(|e| {
                        view! {
                            <li>
                                <span class="muted">{format_date(e.at)}</span>
                                " "
                                {e.text}
                            </li>
                        }
                    })
                    .collect_view()}
            </ol>
        </details>
    }
}

fn deal_controls(d: &DealRow, actions: RowActions, reps: Vec<Named>) -> Option<AnyView> {
    let id = d.id;
    let company = d.company.clone();
    let start_label = format!("Start work on {company}");
    let reject_reason = format!("Reason for rejecting {company}");
    let reject_label = format!("Reject {company}");
    let amount_label = format!("Closing amount for {company}");
    let amount_hint = format!("Closed at (default {})", d.amount);
    let won_label = format!("Mark {company} won");
    let rep_label = format!("Rep for {company}");
    let assign_label = format!("Assign rep for {company}");
    match actions {
        RowActions::None => None,
        RowActions::Partner => (d.stage == DealStage::Approved).then(|| {
            view! {
                <form method="post" action=AdvanceDeal::PATH class="inline">
                    <input type="hidden" name="deal_id" value=id />
                    <button type="submit" aria-label=start_label>
                        "Start work"
                    </button>
                </form>
            }
            .into_any()
        }),
        RowActions::Vendor => {
            let button = move |action: &'static str, label: &'static str, class: &'static str| {
                let name = format!("{label} {}", company);
                view! {
                    <form method="post" action=DecideDeal::PATH class="inline">
                        <input type="hidden" name="deal_id" value=id />
                        <input type="hidden" name="action" value=action />
                        <button type="submit" class=class aria-label=name>
                            {label}
                        </button>
                    </form>
                }
            };
            let stage_controls = match d.stage {
                DealStage::Registered => Some(
                    view! {
                        {button("approve", "Approve", "")}
                        <form method="post" action=DecideDeal::PATH class="inline">
                            <input type="hidden" name="deal_id" value=id />
                            <input type="hidden" name="action" value="reject" />
                            <label class="visually-hidden" for=format!("deal-reason-{id}")>
                                {reject_reason}
                            </label>
                            <input
                                id=format!("deal-reason-{id}")
                                name="reason"
                                placeholder="Reason, e.g. duplicate (the partner sees it)"
                                required
                                maxlength="500"
                            />
                            <button type="submit" class="danger" aria-label=reject_label>
                                "Reject"
                            </button>
                        </form>
                    }
                    .into_any(),
                ),
                DealStage::Approved => Some(button("start", "Start", "secondary").into_any()),
                DealStage::InProgress => Some(
                    view! {
                        <form method="post" action=DecideDeal::PATH class="inline">
                            <input type="hidden" name="deal_id" value=id />
                            <input type="hidden" name="action" value="won" />
                            <label class="visually-hidden" for=format!("deal-amount-{id}")>
                                {amount_label}
                            </label>
                            <input
                                id=format!("deal-amount-{id}")
                                name="amount"
                                inputmode="decimal"
                                placeholder=amount_hint
                            />
                            <button type="submit" aria-label=won_label>
                                "Won"
                            </button>
                        </form>
                        {button("lost", "Lost", "secondary")}
                    }
                    .into_any(),
                ),
                _ => None,
            };
            let rep_control = (d.motion == DealMotion::Cosell && d.stage.is_open()).then(|| {
                let current = d.rep_user_id;
                view! {
                    <form method="post" action=AssignDealRep::PATH class="inline">
                        <input type="hidden" name="deal_id" value=id />
                        <label class="visually-hidden" for=format!("deal-rep-{id}")>
                            {rep_label}
                        </label>
                        <select id=format!("deal-rep-{id}") name="rep">
                            <option value="" selected=current.is_none()>
                                "No rep"
                            </option>
                            {reps
                                .into_iter()
                                .map(|r| {
                                    view! {
                                        <option value=r.id selected=Some(r.id) == current>
                                            {r.name}
                                        </option>
                                    }
                                })
                                .collect_view()}
                        </select>
                        <button type="submit" class="secondary" aria-label=assign_label>
                            "Assign"
                        </button>
                    </form>
                }
            });
            (stage_controls.is_some() || rep_control.is_some()).then(|| {
                view! { <div class="actions">{stage_controls}{rep_control}</div> }.into_any()
            })
        }
    }
}

/// Approve or reject a signup held as a possible self-referral.
#[component]
fn ReferralReview(customer_id: i64, team: String, can_review: bool) -> impl IntoView {
    view! {
        <div class="notice" role="region" aria-label="Self-referral review">
            <p>
                {format!(
                    "This signup came through {team}'s link but its email looks like {team}'s own team. It is credited to nobody until a teammate decides.",
                )}
            </p>
            {if can_review {
                view! {
                    <form method="post" action=ReviewReferral::PATH class="inline">
                        <input type="hidden" name="customer" value=customer_id />
                        <button type="submit" name="decision" value="approve">
                            {format!("Credit to {team}")}
                        </button>
                        " "
                        <button type="submit" name="decision" value="reject" class="secondary">
                            "Reject the referral"
                        </button>
                    </form>
                }
                    .into_any()
            } else {
                view! { <p class="muted">"Partner managers and admins review self-referrals."</p> }
                    .into_any()
            }}
        </div>
    }
}

/// `/vendor/customers/:id`: a customer's attribution, the leads and deals it came from, and
/// its history.
#[component]
pub fn CustomerDetailPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let data = Resource::new(id, fetch_vendor_customer);
    data_page("Customer", data, move |data| {
        view! { <CustomerDetail data /> }.into_any()
    })
}

/// Sets a customer's status by hand, with a reason (partner managers).
#[component]
fn CustomerStatusForm(customer_id: i64, current: CustomerStatus) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="customer-status">
            <h2 id="customer-status">"Status"</h2>
            <p class="muted">
                "A first payment makes a customer paying; a full refund, or no payment for the program's churn window, makes it churned. Set it by hand when you know better; the history keeps why."
            </p>
            <form method="post" action=SetCustomerStatus::PATH class="form">
                <input type="hidden" name="customer" value=customer_id />
                <label for="customer-status-to">"New status"</label>
                <select id="customer-status-to" name="status">
                    {CustomerStatus::ALL
                        .iter()
                        .filter(|s| **s != current)
                        .map(|s| view! { <option value=s.as_str()>{s.label()}</option> })
                        .collect_view()}
                </select>
                <label for="customer-status-reason">"Reason"</label>
                <input id="customer-status-reason" name="reason" required maxlength="300" />
                <Submit label="Change status" busy_text="Saving…" />
            </form>
            <h3 id="customer-reattribute">"Credit another partner"</h3>
            <p class="muted">
                "From now on its payments earn for that partner; rewards already made stay where they are."
            </p>
            <form
                method="post"
                action=ReattributeCustomer::PATH
                class="form"
                aria-labelledby="customer-reattribute"
            >
                <input type="hidden" name="customer" value=customer_id />
                <label for="customer-partner-key">"Partner key"</label>
                <input
                    id="customer-partner-key"
                    name="partner_key"
                    required
                    maxlength="60"
                    autocomplete="off"
                />
                <label for="customer-reattribute-reason">"Reason for the change"</label>
                <input id="customer-reattribute-reason" name="reason" required maxlength="300" />
                <Submit label="Credit this partner" busy_text="Saving…" />
            </form>
        </section>
    }
}

#[component]
fn CustomerDetail(data: CustomerDetailPage) -> impl IntoView {
    let CustomerDetailPage {
        viewer,
        customer,
        program,
        partner_id,
        leads,
        deals,
        history,
        journey,
        held_for,
        can_review,
    } = data;
    let customer_id = customer.id;
    let partner = match (customer.partner_team.clone(), partner_id) {
        (Some(team), Some(id)) => {
            view! { <a href=format!("/vendor/partners/{id}")>{team}</a> }.into_any()
        }
        _ => view! { <span>"Not attributed"</span> }.into_any(),
    };
    let no_leads = leads.is_empty();
    let no_deals = deals.is_empty();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <p>
                <a href="/vendor/customers">"← Customers"</a>
            </p>
            <h1>{customer.name.clone()}</h1>
            <section class="card" aria-labelledby="customer-attribution">
                <h2 id="customer-attribution">"Attribution"</h2>
                <dl class="facts">
                    <dt>"Program"</dt>
                    <dd>{program}</dd>
                    <dt>"Partner"</dt>
                    <dd>{partner}</dd>
                    <dt>"Source"</dt>
                    <dd>{customer.source.label()}</dd>
                    <dt>"Attributed"</dt>
                    <dd>
                        {customer.attributed_at.map(format_date).unwrap_or_else(|| "—".into())}
                    </dd>
                    <dt>"Status"</dt>
                    <dd>{customer.status.label()}</dd>
                    <dt>"External key"</dt>
                    <dd>{customer.external_key.clone()}</dd>
                    <dt>"Email"</dt>
                    <dd>{customer.email.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Domain"</dt>
                    <dd>{customer.domain.clone().unwrap_or_else(|| "—".into())}</dd>
                </dl>
                {(!journey.is_empty())
                    .then(|| {
                        view! {
                            <h3 id="customer-journey">"How they came"</h3>
                            <ol class="journey" aria-labelledby="customer-journey">
                                {journey
                                    .into_iter()
                                    .map(|e| {
                                        view! {
                                            <li>
                                                <span class="muted">{format_timestamp(e.at)}</span>
                                                " "
                                                {e.text}
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ol>
                        }
                    })}
                {held_for.map(|team| view! { <ReferralReview customer_id team can_review /> })}
            </section>
            {can_review
                .then(|| view! { <CustomerStatusForm customer_id current=customer.status /> })}
            <section class="card" aria-labelledby="customer-deals">
                <h2 id="customer-deals">"Deals"</h2>
                {if no_deals {
                    view! { <p class="empty">"No deals made or linked this customer."</p> }
                        .into_any()
                } else {
                    view! {
                        <ul class="plain deals">
                            {deals
                                .into_iter()
                                .map(|d| {
                                    view! {
                                        <DealCard
                                            d
                                            actions=RowActions::None
                                            vendor=true
                                            reps=Vec::new()
                                        />
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </section>
            <section class="card" aria-labelledby="customer-leads">
                <h2 id="customer-leads">"Leads"</h2>
                {if no_leads {
                    view! { <p class="empty">"No lead became this customer."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain">
                            {leads
                                .into_iter()
                                .map(|l| {
                                    view! {
                                        <li>
                                            <span class="muted">{format_date(l.at)}</span>
                                            " "
                                            {l.text}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </section>
            <section class="card" aria-labelledby="customer-history">
                <h2 id="customer-history">"History"</h2>
                {if history.is_empty() {
                    view! { <p class="empty">"Nothing recorded yet."</p> }.into_any()
                } else {
                    view! {
                        <ul class="plain">
                            {history
                                .into_iter()
                                .map(|e| {
                                    view! {
                                        <li>
                                            <span class="muted">{format_date(e.at)}</span>
                                            " "
                                            {e.text}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                }}
            </section>
        </main>
    }
    .into_any()
}
