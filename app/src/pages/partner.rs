use leptos::prelude::*;

use crate::api::fetch_partner_dashboard;
use crate::components::{EarningsKpis, TopBar, data_page};
use crate::dto::{PartnerDashboard, PartnershipCard};

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
        <TopBar viewer home="/partner" />
        <main class="page">
            <div class="page-head">
                <h1>{format!("{team} dashboard")}</h1>
            </div>
            <p class="muted">{format!("{team_kind} · your role: {}", role.label())}</p>
            {empty.then(|| view! { <p class="empty">"Your team is not in any partner program yet."</p> })}
            {partnerships.into_iter().map(|card| view! { <Partnership card /> }).collect_view()}
        </main>
    }
    .into_any()
}

#[component]
fn Partnership(card: PartnershipCard) -> impl IntoView {
    let heading = format!("{} — {}", card.program, card.vendor);
    let label = heading.clone();
    let notice = match card.status.as_str() {
        "applied" => Some(format!(
            "Your application is waiting for {} to review it.",
            card.vendor
        )),
        "rejected" => Some(format!(
            "{} did not approve your application. Reason: {}",
            card.vendor,
            card.rejection_reason.clone().unwrap_or_default()
        )),
        "suspended" => Some(format!("{} has suspended this partnership.", card.vendor)),
        _ => None,
    };
    let earns = domain::partnership::PartnershipStatus::parse(&card.status)
        .is_ok_and(|s| s.shows_earnings());
    let earnings = match card.earnings.filter(|_| earns) {
        _ if !earns => ().into_any(),
        Some(e) => view! { <EarningsKpis earnings=e label="Earnings" /> }.into_any(),
        None => view! {
            <p class="muted">"Earnings are visible to your team's owner and finance contacts."</p>
        }
        .into_any(),
    };
    view! {
        <section class="card" aria-label=label>
            <h2>{heading}</h2>
            {notice.map(|n| view! { <p class="notice" role="status">{n}</p> })}
            <dl class="facts">
                <dt>"Status"</dt>
                <dd><span class=format!("badge {}", card.status)>{card.status.clone()}</span></dd>
                <dt>"Group"</dt>
                <dd>{card.group}</dd>
                <dt>"Tier"</dt>
                <dd>{card.tier.unwrap_or_else(|| "No tier yet".to_owned())}</dd>
                <dt>"Partner key"</dt>
                <dd><code>{card.partner_key}</code></dd>
            </dl>
            {earnings}
            {card.tier_progress.map(|p| {
                let label = format!("Progress to {}", p.next_tier);
                view! {
                    <div class="tier-progress">
                        <label for=format!("progress-{}", card.partnership_id)>{label}</label>
                        <progress id=format!("progress-{}", card.partnership_id) max="100" value=p.percent>{format!("{}%", p.percent)}</progress>
                        <p class="muted">{format!("{}: {} of {} — {} to go.", p.metric, p.value, p.threshold, p.remaining)}</p>
                    </div>
                }
            })}
            {card.tier_warning.map(|w| view! { <p class="notice">{w}</p> })}
            {(!card.tier_changes.is_empty()).then(|| view! {
                <h3>"Tier changes"</h3>
                <ul class="tier-changes" aria-label="Tier changes">
                    {card.tier_changes.into_iter().map(|c| view! {
                        <li>
                            <strong>{c.title}</strong>" "<span class="muted">{format!("{} (from {})", c.date, c.from)}</span>
                            <br />{c.reason}
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {(!card.terms.is_empty()).then(|| view! {
                <details><summary>"Program terms"</summary><p class="terms">{card.terms.clone()}</p></details>
            })}
        </section>
    }
}
