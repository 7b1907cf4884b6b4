use domain::time::format_date;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::fetch_vendor_overview;
use crate::components::{RowFilter, TopBar, data_page};
use crate::dto::{Money, PartnerRow, VendorKpis, VendorOverview};

/// `/vendor`: the program overview for the teammate's company.
#[component]
pub fn VendorOverviewPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        let number = |key: &str| q.get(key).and_then(|v| v.parse::<i64>().ok());
        (number("program"), number("after"))
    };
    let overview = Resource::new(params, |(program, after)| {
        fetch_vendor_overview(program, after)
    });
    data_page("Program overview", overview, move |overview| {
        view! { <Overview overview /> }.into_any()
    })
}

#[component]
fn Overview(overview: VendorOverview) -> impl IntoView {
    let VendorOverview {
        viewer,
        role,
        company,
        program,
        kpis,
        partners,
        next_partners_after,
    } = overview;
    let body = match (program, kpis) {
        (Some(program), Some(kpis)) => {
            let next = next_partners_after
                .map(|after| format!("/vendor?program={}&after={after}", program.id));
            view! {
                <p class="muted">
                    {format!("{} · {} · your role: {}", company, program.currency, role.label())}
                </p>
                <Kpis kpis />
                <PartnersTable partners next />
            }
            .into_any()
        }
        _ => view! { <p class="empty">"Your company has no partner program yet."</p> }.into_any(),
    };
    let title = format!("{company} program overview");
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <div class="page-head">
                <h1>{title}</h1>
            </div>
            {body}
        </main>
    }
    .into_any()
}

#[component]
fn Kpis(kpis: VendorKpis) -> impl IntoView {
    let money = |m: Option<Money>| m.map(|m| m.display());
    let payouts_detail = format!(
        "{} payout{} awaiting processing",
        kpis.payouts_requested_count,
        if kpis.payouts_requested_count == 1 {
            ""
        } else {
            "s"
        }
    );
    let cards: Vec<(&str, String, Option<String>)> = vec![
        ("Active partners", kpis.active_partners.to_string(), None),
        ("Open leads", kpis.open_leads.to_string(), None),
        ("Open deals", kpis.open_deals.to_string(), None),
        (
            "Rewards pending",
            money(kpis.rewards_pending).unwrap_or_else(|| "Hidden for your role".to_owned()),
            None,
        ),
        (
            "Payouts requested",
            money(kpis.payouts_requested)
                .unwrap_or_else(|| kpis.payouts_requested_count.to_string()),
            Some(payouts_detail),
        ),
    ];
    view! {
        <section class="kpis" aria-label="Key figures">
            {cards
                .into_iter()
                .map(|(label, value, detail)| {
                    view! {
                        <article class="kpi" aria-label=label>
                            <h2>{label}</h2>
                            <p class="kpi-value">{value}</p>
                            {detail.map(|d| view! { <p class="muted">{d}</p> })}
                        </article>
                    }
                })
                .collect_view()}
        </section>
    }
}

#[component]
fn PartnersTable(partners: Vec<PartnerRow>, next: Option<String>) -> impl IntoView {
    let has_rows = !partners.is_empty();
    let rows = partners
        .into_iter()
        .map(|p| {
            view! {
                <tr>
                    <td>{p.partner_team}</td>
                    <td>{p.kind}</td>
                    <td>
                        <span class=format!(
                            "badge {}",
                            p.status.as_str(),
                        )>{p.status.as_str()}</span>
                    </td>
                    <td>{p.group}</td>
                    <td>{p.tier.unwrap_or_else(|| "—".to_owned())}</td>
                    <td>
                        <code>{p.partner_key}</code>
                    </td>
                    <td>{format_date(p.joined_at)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <div class="section-head">
                <h2 id="partners-heading">"Partners"</h2>
                <RowFilter table="overview-partners" />
            </div>
            <table id="overview-partners" aria-labelledby="partners-heading">
                <thead>
                    <tr>
                        <th scope="col">"Partner"</th>
                        <th scope="col">"Type"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Group"</th>
                        <th scope="col">"Tier"</th>
                        <th scope="col">"Partner key"</th>
                        <th scope="col">"Joined"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows}
                    {(!has_rows)
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan="7" class="empty">
                                        "No partners in this program yet."
                                    </td>
                                </tr>
                            }
                        })}
                </tbody>
            </table>
            {next
                .map(|href| {
                    view! {
                        <p>
                            <a href=href>"Next page"</a>
                        </p>
                    }
                })}
        </section>
    }
}
