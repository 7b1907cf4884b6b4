use domain::partnership::PartnershipStatus;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{CreateLink, LeaveProgram, SetLinkEnabled, fetch_partner_dashboard};
use crate::components::{CopyButton, EarningsKpis, Submit, TopBar, data_page};
use crate::dto::{CustomerRow, LinkView, PartnerDashboard, PartnershipCard};
use crate::pages::links::LinksTable;

/// `/partner`: the partner contact's dashboard.
#[component]
pub fn PartnerDashboardPage() -> impl IntoView {
    let dashboard = Resource::new(|| (), |_| fetch_partner_dashboard());
    data_page("Partner dashboard", dashboard, move |dashboard| {
        view! { <Dashboard dashboard /> }.into_any()
    })
}

#[component]
fn Dashboard(dashboard: PartnerDashboard) -> impl IntoView {
    let PartnerDashboard {
        viewer,
        role,
        team,
        team_kind,
        partnerships,
    } = dashboard;
    let empty = partnerships.is_empty();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <div class="page-head">
                <h1>{format!("{team} dashboard")}</h1>
            </div>
            <p class="muted">{format!("{team_kind} · your role: {}", role.label())}</p>
            {empty
                .then(|| {
                    view! { <p class="empty">"Your team is not in any partner program yet."</p> }
                })}
            {partnerships.into_iter().map(|card| view! { <Partnership card /> }).collect_view()}
        </main>
    }
    .into_any()
}

#[component]
fn Partnership(card: PartnershipCard) -> impl IntoView {
    let heading = format!("{} — {}", card.program, card.vendor);
    let label = heading.clone();
    let notice = match card.status {
        PartnershipStatus::Applied => Some(format!(
            "Your application is waiting for {} to review it.",
            card.vendor
        )),
        PartnershipStatus::Rejected => Some(format!(
            "{} did not approve your application. Reason: {}",
            card.vendor,
            card.rejection_reason.clone().unwrap_or_default()
        )),
        PartnershipStatus::Suspended => {
            Some(format!("{} has suspended this partnership.", card.vendor))
        }
        PartnershipStatus::Archived => Some("This partnership has ended.".to_owned()),
        PartnershipStatus::Active => None,
    };
    let earns = card.status.shows_earnings();
    let earnings = match card.earnings.filter(|_| earns) {
        _ if !earns => ().into_any(),
        Some(e) => view! { <EarningsKpis earnings=e label="Earnings" /> }.into_any(),
        None => view! { <p class="muted">"Earnings are visible to your team's owner and finance contacts."</p> }
        .into_any(),
    };
    view! {
        <section class="card" aria-label=label>
            <h2>{heading}</h2>
            {notice
                .map(|n| {
                    view! {
                        <p class="notice" role="status">
                            {n}
                        </p>
                    }
                })}
            <dl class="facts">
                <dt>"Status"</dt>
                <dd>
                    <span class=format!(
                        "badge {}",
                        card.status.as_str(),
                    )>{card.status.as_str()}</span>
                </dd>
                <dt>"Group"</dt>
                <dd>{card.group}</dd>
                <dt>"Tier"</dt>
                <dd>{card.tier.unwrap_or_else(|| "No tier yet".to_owned())}</dd>
                <dt>"Partner key"</dt>
                <dd>
                    <code>{card.partner_key}</code>
                </dd>
            </dl>
            {earnings}
            {card
                .tier_progress
                .map(|p| {
                    let label = format!("Progress to {}", p.next_tier);
                    view! {
                        <div class="tier-progress">
                            <label for=format!("progress-{}", card.partnership_id)>{label}</label>
                            <progress
                                id=format!("progress-{}", card.partnership_id)
                                max="100"
                                value=p.percent
                            >
                                {format!("{}%", p.percent)}
                            </progress>
                            <p class="muted">
                                {format!(
                                    "{}: {} of {} — {} to go.",
                                    p.metric,
                                    p.value,
                                    p.threshold,
                                    p.remaining,
                                )}
                            </p>
                        </div>
                    }
                })}
            {card.tier_warning.map(|w| view! { <p class="notice">{w}</p> })}
            {(!card.tier_changes.is_empty())
                .then(|| {
                    view! {
                        <h3>"Tier changes"</h3>
                        <ul class="tier-changes" aria-label="Tier changes">
                            {card
                                .tier_changes
                                .into_iter()
                                .map(|c| {
                                    view! {
                                        <li>
                                            <strong>{c.title}</strong>
                                            " "
                                            <span class="muted">
                                                {format!("{} (from {})", c.date, c.from)}
                                            </span>
                                            <br />
                                            {c.reason}
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                })}
            {(card.status == PartnershipStatus::Active)
                .then(|| {
                    view! {
                        <Links
                            links=card.links.clone()
                            can_make=card.can_make_links
                            can_make_team=card.can_make_team_links
                            default_destination=card.default_destination.clone()
                        />
                        <RecentCustomers customers=card.recent_customers.clone() />
                    }
                })}
            {(!card.terms.is_empty())
                .then(|| {
                    view! {
                        <details>
                            <summary>"Program terms"</summary>
                            <p class="terms">{card.terms.clone()}</p>
                        </details>
                    }
                })}
            {card
                .can_leave
                .then(|| {
                    view! { <LeaveForm id=card.partnership_id program=card.program.clone() /> }
                })}
        </section>
    }
}

/// Ends the partnership from the team's side, behind a disclosure so it is never one stray
/// click away.
#[component]
fn LeaveForm(id: i64, program: String) -> impl IntoView {
    view! {
        <details>
            <summary>"Leave this program"</summary>
            <form method="post" action=LeaveProgram::PATH class="form">
                <input type="hidden" name="partnership_id" value=id />
                <p class="muted">
                    "Your links stop earning and you can no longer register leads or deals. Cash out what you have earned first: an ended partnership's earnings are no longer shown. Only the vendor can bring the partnership back."
                </p>
                <Submit label=format!("Leave {program}") busy_text="Leaving…" />
            </form>
        </details>
    }
}

/// The contact's links with their clicks and signups, and the form for another link.
#[component]
fn Links(
    links: Vec<LinkView>,
    can_make: bool,
    can_make_team: bool,
    default_destination: String,
) -> impl IntoView {
    let default_text = if default_destination.is_empty() {
        "the vendor has not set a destination yet".to_owned()
    } else {
        default_destination
    };
    view! {
        <h3 id="links-heading">"Referral links"</h3>
        <LinksTable
            links
            labelled_by="links-heading"
            default_text
            empty_text="Your role has no referral links to share."
            actions=Some(
                Callback::new(move |l: LinkView| {
                    let label = l.label();
                    view! {
                        {l
                            .enabled
                            .then(|| view! { <CopyButton text=l.url.clone() label="Copy" /> })}
                        {can_make
                            .then(|| view! { <LinkSwitch id=l.id name=label enabled=l.enabled /> })}
                    }
                        .into_any()
                }),
            )
        />
        {can_make
            .then(|| {
                view! {
                    <form
                        method="post"
                        action=CreateLink::PATH
                        class="form inline-form"
                        aria-label="New referral link"
                    >
                        <label for="link-name">"Link name"</label>
                        <input
                            id="link-name"
                            name="name"
                            required
                            maxlength="80"
                            placeholder="Newsletter, pricing page…"
                        />
                        <label for="link-destination">"Destination (empty: the default)"</label>
                        <input
                            id="link-destination"
                            name="destination"
                            type="url"
                            placeholder="https://…"
                        />
                        {can_make_team
                            .then(|| {
                                view! {
                                    <label class="check">
                                        <input type="checkbox" name="for_team" value="1" />
                                        " A team link (not credited to you)"
                                    </label>
                                }
                            })}
                        <Submit label="Create link" busy_text="Creating…" />
                    </form>
                }
            })}
    }
}

/// Turns one link off or back on; named after the link for screen readers.
#[component]
fn LinkSwitch(id: i64, name: String, enabled: bool) -> impl IntoView {
    let (text, turn) = if enabled {
        ("Turn off", "off")
    } else {
        ("Turn on", "on")
    };
    view! {
        <form method="post" action=SetLinkEnabled::PATH class="inline">
            <input type="hidden" name="link" value=id />
            <input type="hidden" name="turn" value=turn />
            <button
                type="submit"
                class="secondary"
                aria-label=format!("{text} {name}")
                data-busy="Saving…"
            >
                {text}
            </button>
        </form>
    }
}

/// The latest customers credited to the partnership.
#[component]
fn RecentCustomers(customers: Vec<CustomerRow>) -> impl IntoView {
    let empty = customers.is_empty();
    view! {
        <h3 id="recent-customers-heading">"Latest customers"</h3>
        <table aria-labelledby="recent-customers-heading">
            <thead>
                <tr>
                    <th>"Customer"</th>
                    <th>"Came through"</th>
                    <th>"Since"</th>
                </tr>
            </thead>
            <tbody>
                {empty
                    .then(|| {
                        view! {
                            <tr>
                                <td colspan="3" class="empty">
                                    "No customers yet: share your link."
                                </td>
                            </tr>
                        }
                    })}
                {customers
                    .into_iter()
                    .map(|c| {
                        view! {
                            <tr>
                                <td>{c.name}</td>
                                <td>{c.source.label()}</td>
                                <td>
                                    {c
                                        .attributed_at
                                        .map(domain::time::format_date)
                                        .unwrap_or_default()}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
        <p>
            <a href="/partner/customers">"All customers"</a>
        </p>
    }
}
