use domain::customer::{CustomerSource, CustomerStatus};
use domain::lead::LeadStatus;
use domain::link::ReviewStatus;
use domain::time::format_date;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{
    AnswerLead, DecideLead, RegisterLead, RepassLead, fetch_partner_customers, fetch_partner_leads,
    fetch_vendor_customers, fetch_vendor_leads, suggest_partners,
};
use crate::components::{Submit, TopBar, data_page};
use crate::dto::{
    LeadRow, PartnerCustomersPage, PartnerLeadsPage, VendorCustomersPage, VendorLeadsPage,
};
use crate::pages::lead_import::{PartnerLeadImport, VendorLeadImport};

fn after_param() -> impl Fn() -> Option<i64> + Copy + Send + Sync + 'static {
    let query = use_query_map();
    move || {
        query
            .read()
            .get("after")
            .and_then(|v| v.parse::<i64>().ok())
    }
}

/// `/partner/leads`: register a lead and follow the team's (or one's own) leads.
#[component]
pub fn PartnerLeadsPage() -> impl IntoView {
    let data = Resource::new(after_param(), fetch_partner_leads);
    data_page("Leads", data, move |data| {
        view! { <PartnerLeads data /> }.into_any()
    })
}

#[component]
fn PartnerLeads(data: PartnerLeadsPage) -> impl IntoView {
    let PartnerLeadsPage {
        viewer,
        program,
        can_register,
        whole_team,
        lead_fields,
        leads,
        next,
    } = data;
    let heading = if whole_team {
        "Your team's leads"
    } else {
        "Your leads"
    };
    let empty = leads.is_empty();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Leads"</h1>
            {match program {
                None => {
                    view! { <p class="empty">"Your team is not in any partner program yet."</p> }
                        .into_any()
                }
                Some(program) => {
                    view! { <p class="muted">{format!("Leads you register go to {program}.")}</p> }
                        .into_any()
                }
            }}
            {can_register
                .then(|| {
                    view! {
                        <section class="card" aria-labelledby="register-lead">
                            <h2 id="register-lead">"Register a lead"</h2>
                            <form method="post" action=RegisterLead::PATH class="form-row">
                                <div class="field">
                                    <label for="lead-company">"Company"</label>
                                    <input
                                        id="lead-company"
                                        name="company"
                                        required
                                        maxlength="200"
                                    />
                                </div>
                                <div class="field">
                                    <label for="lead-contact">"Contact name"</label>
                                    <input id="lead-contact" name="contact_name" maxlength="100" />
                                </div>
                                <div class="field">
                                    <label for="lead-email">"Contact email"</label>
                                    <input id="lead-email" name="email" type="email" required />
                                </div>
                                <div class="field">
                                    <label for="lead-domain">"Company website (optional)"</label>
                                    <input id="lead-domain" name="domain" placeholder="acme.com" />
                                </div>
                                {lead_fields
                                    .into_iter()
                                    .map(|f| view! { <CustomLeadField f /> })
                                    .collect_view()}
                                <div class="field wide">
                                    <label for="lead-notes">"Notes (optional)"</label>
                                    <textarea
                                        id="lead-notes"
                                        name="notes"
                                        rows="2"
                                        maxlength="5000"
                                    ></textarea>
                                </div>
                                <div class="field end">
                                    <Submit label="Register lead" busy_text="Registering…" />
                                </div>
                            </form>
                        </section>
                    }
                        .into_any()
                })}
            {can_register.then(|| view! { <PartnerLeadImport /> })}
            <section class="card">
                <h2 id="leads-heading">{heading}</h2>
                <table aria-labelledby="leads-heading">
                    <thead>
                        <tr>
                            <th scope="col">"Company"</th>
                            <th scope="col">"Contact"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Registered"</th>
                            <th scope="col">"By"</th>
                            <th scope="col">"Customer"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {leads
                            .into_iter()
                            .map(|l| {
                                let passed = (whole_team && l.status == LeadStatus::Passed)
                                    .then(|| {
                                        view! { <PassAnswer id=l.id company=l.company.clone() /> }
                                    });
                                view! {
                                    <tr>
                                        <td>{l.company}<CustomAnswers custom=l.custom /></td>
                                        <td>
                                            {l.contact_name}<br /><span class="muted">{l.email}</span>
                                        </td>
                                        <td>
                                            <span class=format!(
                                                "badge {}",
                                                l.status.as_str(),
                                            )>{l.status.label()}</span>
                                            {l
                                                .reason
                                                .map(|r| {
                                                    view! { <span class="muted">{format!(" — {r}")}</span> }
                                                })}
                                            {passed}
                                        </td>
                                        <td>{format_date(l.created_at)}</td>
                                        <td>
                                            {l
                                                .registered_by
                                                .unwrap_or_else(|| "Passed by the vendor".into())}
                                        </td>
                                        <td>{l.customer.unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                        {empty
                            .then(|| {
                                view! {
                                    <tr>
                                        <td colspan="6" class="empty">
                                            "No leads yet."
                                        </td>
                                    </tr>
                                }
                            })}
                    </tbody>
                </table>
                {next
                    .map(|after| {
                        view! {
                            <p>
                                <a href=format!("/partner/leads?after={after}")>"Older leads"</a>
                            </p>
                        }
                    })}
            </section>
        </main>
    }
    .into_any()
}

/// Take or decline (with a reason) a lead the vendor passed to the team.
#[component]
fn PassAnswer(id: i64, company: String) -> impl IntoView {
    let take = format!("Take {company}");
    let reason = format!("Reason for declining {company}");
    let decline = format!("Decline {company}");
    view! {
        <div class="inline">
            <form method="post" action=AnswerLead::PATH class="inline">
                <input type="hidden" name="lead_id" value=id />
                <input type="hidden" name="action" value="take" />
                <button type="submit" aria-label=take>
                    "Take"
                </button>
            </form>
            <form method="post" action=AnswerLead::PATH class="inline">
                <input type="hidden" name="lead_id" value=id />
                <input type="hidden" name="action" value="decline" />
                <label class="visually-hidden" for=format!("decline-reason-{id}")>
                    {reason}
                </label>
                <input
                    id=format!("decline-reason-{id}")
                    name="reason"
                    placeholder="Why not (the vendor sees it)"
                    required
                    maxlength="500"
                />
                <button type="submit" class="danger" aria-label=decline>
                    "Decline"
                </button>
            </form>
        </div>
    }
}

/// `/partner/customers`: the customers the team brought to the current program.
#[component]
pub fn PartnerCustomersPage() -> impl IntoView {
    let after = after_param();
    let data = Resource::new(after, fetch_partner_customers);
    data_page("Customers", data, move |data| {
        view! { <PartnerCustomers data /> }.into_any()
    })
}

#[component]
fn PartnerCustomers(data: PartnerCustomersPage) -> impl IntoView {
    let PartnerCustomersPage {
        viewer,
        program,
        emails_masked,
        customers,
        next,
    } = data;
    let empty = customers.is_empty();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Customers"</h1>
            <p class="muted">
                {program
                    .map(|p| {
                        format!(
                            "Customers of {p} attributed to your team.{}",
                            if emails_masked { " Emails are masked." } else { "" },
                        )
                    })}
            </p>
            <table aria-label="Customers">
                <thead>
                    <tr>
                        <th scope="col">"Customer"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Attributed"</th>
                    </tr>
                </thead>
                <tbody>
                    {customers
                        .into_iter()
                        .map(|c| {
                            view! {
                                <tr>
                                    <td>{c.name}</td>
                                    <td>{c.email.unwrap_or_else(|| "—".into())}</td>
                                    <td>{c.source.label()}</td>
                                    <td>{c.status.label()}</td>
                                    <td>
                                        {c
                                            .attributed_at
                                            .map(format_date)
                                            .unwrap_or_else(|| "—".into())}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                    {empty
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan="5" class="empty">
                                        "No customers yet. Leads the vendor converts show up here."
                                    </td>
                                </tr>
                            }
                        })}
                </tbody>
            </table>
            {next
                .map(|after| {
                    view! {
                        <p>
                            <a href=format!(
                                "/partner/customers?after={after}",
                            )>"Older customers"</a>
                        </p>
                    }
                })}
        </main>
    }
    .into_any()
}

/// `/vendor/leads`: the program's leads; teammates who manage leads decide on them here.
#[component]
pub fn VendorLeadsPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (
            q.get("program").and_then(|v| v.parse::<i64>().ok()),
            q.get("status").filter(|s| !s.is_empty()),
            q.get("after").and_then(|v| v.parse::<i64>().ok()),
        )
    };
    let data = Resource::new(params, |(program, status, after)| {
        fetch_vendor_leads(program, status, after)
    });
    data_page("Leads", data, move |data| {
        view! { <VendorLeads data /> }.into_any()
    })
}

#[component]
fn VendorLeads(data: VendorLeadsPage) -> impl IntoView {
    let VendorLeadsPage {
        viewer,
        program,
        status,
        can_decide,
        leads,
        next,
    } = data;
    let empty = leads.is_empty();
    let columns = if can_decide { 7 } else { 6 };
    let importable = program.as_ref().filter(|_| can_decide).map(|p| p.id);
    let status_value = status.map(|s| s.as_str().to_owned()).unwrap_or_default();
    let next = next.map(|after| format!("/vendor/leads?status={status_value}&after={after}"));
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Leads"</h1>
            <p class="muted">
                {program.map(|p| format!("Leads partners registered in {}.", p.name))}
            </p>
            <form method="get" action="/vendor/leads" class="inline" aria-label="Filter leads">
                <label for="lead-status">"Status"</label>
                <select id="lead-status" name="status">
                    <option value="" selected=status.is_none()>
                        "Any"
                    </option>
                    {LeadStatus::ALL
                        .iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=Some(*s) == status>
                                    {s.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="secondary">
                    "Show"
                </button>
            </form>
            <table aria-label="Leads">
                <thead>
                    <tr>
                        <th scope="col">"Company"</th>
                        <th scope="col">"Contact"</th>
                        <th scope="col">"Partner"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Registered"</th>
                        <th scope="col">"Conflicts"</th>
                        {can_decide.then(|| view! { <th scope="col">"Decision"</th> })}
                    </tr>
                </thead>
                <tbody>
                    {leads
                        .into_iter()
                        .map(|l| view! { <VendorLeadLine l can_decide /> })
                        .collect_view()}
                    {empty
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan=columns class="empty">
                                        "No leads match."
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
                            <a href=href>"Older leads"</a>
                        </p>
                    }
                })}
            {importable
                .map(|program| {
                    view! {
                        <SuggestPartners program />
                        <VendorLeadImport program />
                    }
                })}
        </main>
    }
    .into_any()
}

#[component]
fn VendorLeadLine(l: LeadRow, can_decide: bool) -> impl IntoView {
    let id = l.id;
    let company = l.company.clone();
    let button = |action: &'static str, label: &'static str, class: &'static str| {
        let name = format!("{label} {company}");
        view! {
            <form method="post" action=DecideLead::PATH class="inline">
                <input type="hidden" name="lead_id" value=id />
                <input type="hidden" name="action" value=action />
                <button type="submit" class=class aria-label=name>
                    {label}
                </button>
            </form>
        }
    };
    let reject_reason = format!("Reason for rejecting {}", l.company);
    let reject_label = format!("Reject {}", l.company);
    let repass_label = format!("Partner key to pass {} to", l.company);
    let repass_button = format!("Pass {} again", l.company);
    let actions = can_decide.then(|| {
        let controls = match l.status {
            LeadStatus::Submitted => view! {
                {button("accept", "Accept", "")}
                <form method="post" action=DecideLead::PATH class="inline">
                    <input type="hidden" name="lead_id" value=id />
                    <input type="hidden" name="action" value="reject" />
                    <label class="visually-hidden" for=format!("lead-reason-{id}")>
                        {reject_reason}
                    </label>
                    <input
                        id=format!("lead-reason-{id}")
                        name="reason"
                        placeholder="Reason (the partner sees it)"
                        required
                        maxlength="500"
                    />
                    <button type="submit" class="danger" aria-label=reject_label>
                        "Reject"
                    </button>
                </form>
            }
            .into_any(),
            LeadStatus::Accepted | LeadStatus::Taken => view! {
                {button("convert", "Convert to customer", "")}
                {button("lost", "Mark lost", "secondary")}
            }
            .into_any(),
            LeadStatus::Declined => view! {
                <form method="post" action=RepassLead::PATH class="inline">
                    <input type="hidden" name="lead_id" value=id />
                    <label class="visually-hidden" for=format!("repass-{id}")>
                        {repass_label}
                    </label>
                    <input
                        id=format!("repass-{id}")
                        name="partner_key"
                        placeholder="Partner key"
                        required
                        maxlength="100"
                    />
                    <button type="submit" class="secondary" aria-label=repass_button>
                        "Pass again"
                    </button>
                </form>
            }
            .into_any(),
            _ => view! { <span class="muted">"—"</span> }.into_any(),
        };
        view! { <td class="actions">{controls}</td> }
    });
    view! {
        <tr>
            <td>
                {l.company.clone()}<br />
                <span class="muted">{l.domain.clone().unwrap_or_default()}</span>
                <CustomAnswers custom=l.custom.clone() />
            </td>
            <td>{l.contact_name.clone()}<br /><span class="muted">{l.email.clone()}</span></td>
            <td>
                {l.partner_team.clone()}<br />
                <span class="muted">{l.registered_by.clone().unwrap_or_default()}</span>
            </td>
            <td>
                <span class=format!("badge {}", l.status.as_str())>{l.status.label()}</span>
                {l
                    .reason
                    .clone()
                    .map(|r| view! { <span class="muted">{format!(" — {r}")}</span> })}
                {l
                    .customer
                    .clone()
                    .map(|c| view! { <span class="muted">{format!(" → {c}")}</span> })}
                {(!l.passes.is_empty())
                    .then(|| {
                        view! {
                            <ul class="plain passes">
                                {l
                                    .passes
                                    .iter()
                                    .map(|p| view! { <li class="muted">{p.clone()}</li> })
                                    .collect_view()}
                            </ul>
                        }
                    })}
            </td>
            <td>{format_date(l.created_at)}</td>
            <td>
                {match l.conflict.clone() {
                    Some(c) => {
                        view! {
                            <span class="badge conflict">{format!("Conflicts with {c}")}</span>
                        }
                            .into_any()
                    }
                    None => view! { <span class="muted">"None"</span> }.into_any(),
                }}
            </td>
            {actions}
        </tr>
    }
}

/// `/vendor/customers`: the program's customers, whom they are attributed to and how.
#[component]
pub fn VendorCustomersPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (
            q.get("program").and_then(|v| v.parse::<i64>().ok()),
            q.get("q"),
            (q.get("status"), q.get("source")),
            q.get("after").and_then(|v| v.parse::<i64>().ok()),
        )
    };
    let data = Resource::new(params, |(program, q, (status, source), after)| {
        fetch_vendor_customers(program, q, status, source, after)
    });
    data_page("Customers", data, move |data| {
        view! { <VendorCustomers data /> }.into_any()
    })
}

#[component]
fn VendorCustomers(data: VendorCustomersPage) -> impl IntoView {
    let VendorCustomersPage {
        viewer,
        program,
        q,
        status,
        source,
        customers,
        next,
    } = data;
    let empty = customers.is_empty();
    // The search travels on in the next page's link, percent-encoded.
    let encoded: String = q
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let next = next.map(|after| {
        format!(
            "/vendor/customers?q={encoded}&status={}&source={}&after={after}",
            status.map(|s| s.as_str()).unwrap_or(""),
            source.map(|s| s.as_str()).unwrap_or("")
        )
    });
    let filtered = !q.is_empty() || status.is_some() || source.is_some();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Customers"</h1>
            <p class="muted">
                {program
                    .map(|p| {
                        format!("Customers of {} and the partners they are attributed to.", p.name)
                    })}
            </p>
            <form
                method="get"
                action="/vendor/customers"
                class="inline"
                aria-label="Search customers"
            >
                <label for="customer-q">"Name, email or domain"</label>
                <input id="customer-q" name="q" value=q.clone() />
                <label for="customer-status">"Status"</label>
                <select id="customer-status" name="status">
                    <option value="" selected=status.is_none()>
                        "Any"
                    </option>
                    {CustomerStatus::ALL
                        .iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=Some(*s) == status>
                                    {s.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <label for="customer-source">"Source"</label>
                <select id="customer-source" name="source">
                    <option value="" selected=source.is_none()>
                        "Any"
                    </option>
                    {CustomerSource::ALL
                        .iter()
                        .map(|s| {
                            view! {
                                <option value=s.as_str() selected=Some(*s) == source>
                                    {s.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="secondary">
                    "Search"
                </button>
            </form>
            <table aria-label="Customers">
                <thead>
                    <tr>
                        <th scope="col">"Customer"</th>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Partner"</th>
                        <th scope="col">"Source"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Attributed"</th>
                    </tr>
                </thead>
                <tbody>
                    {customers
                        .into_iter()
                        .map(|c| {
                            view! {
                                <tr>
                                    <td>
                                        <a href=format!("/vendor/customers/{}", c.id)>{c.name}</a>
                                        <br />
                                        <span class="muted">
                                            {format!(
                                                "{} · {}",
                                                c.external_key,
                                                c.domain.unwrap_or_default(),
                                            )}
                                        </span>
                                    </td>
                                    <td>{c.email.unwrap_or_else(|| "—".into())}</td>
                                    <td>
                                        {match (c.partner_team, c.review_status) {
                                            (Some(team), _) => team,
                                            (None, Some(ReviewStatus::Pending)) => {
                                                "Self-referral? Waiting for review".into()
                                            }
                                            _ => "Not attributed".into(),
                                        }}
                                    </td>
                                    <td>{c.source.label()}</td>
                                    <td>{c.status.label()}</td>
                                    <td>
                                        {c
                                            .attributed_at
                                            .map(format_date)
                                            .unwrap_or_else(|| "—".into())}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                    {empty
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan="6" class="empty">
                                        {if filtered {
                                            "No customers match."
                                        } else {
                                            "No customers yet."
                                        }}
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
                            <a href=href>"Older customers"</a>
                        </p>
                    }
                })}
        </main>
    }
    .into_any()
}

/// Active partners to pass a lead to, found by country, type and tier (a plain GET form, so
/// it works before hydration); their keys go into "Pass again".
#[component]
fn SuggestPartners(program: i64) -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        q.get("suggest").map(|_| {
            (
                q.get("country").unwrap_or_default(),
                q.get("partner_type").unwrap_or_default(),
                q.get("tier").and_then(|t| t.parse::<i64>().ok()),
            )
        })
    };
    let found = Resource::new(params, move |params| {
        let (country, partner_type, tier) = params.unwrap_or_default();
        suggest_partners(Some(program), Some(country), Some(partner_type), tier)
    });
    view! {
        <section class="card" aria-labelledby="suggest-heading">
            <h2 id="suggest-heading">"Find a partner to pass a lead to"</h2>
            <Suspense fallback=|| {
                view! { <p class="muted">"Loading…"</p> }
            }>
                {move || {
                    found
                        .get()
                        .map(|result| match result {
                            Err(e) => {
                                view! {
                                    <p role="alert" class="alert">
                                        {e.message}
                                    </p>
                                }
                                    .into_any()
                            }
                            Ok(s) => {
                                let searched = params().is_some();
                                let empty = s.partners.is_empty();
                                view! {
                                    <form
                                        method="get"
                                        action="/vendor/leads"
                                        class="inline"
                                        aria-label="Find partners"
                                    >
                                        <input type="hidden" name="suggest" value="1" />
                                        <label for="suggest-country">"Country (2 letters)"</label>
                                        <input
                                            id="suggest-country"
                                            name="country"
                                            size="3"
                                            maxlength="2"
                                            value=s.country.clone()
                                        />
                                        <label for="suggest-type">"Type"</label>
                                        <select id="suggest-type" name="partner_type">
                                            <option value="" selected=s.partner_type.is_none()>
                                                "Any"
                                            </option>
                                            {domain::program::PartnerType::ALL
                                                .iter()
                                                .map(|t| {
                                                    view! {
                                                        <option
                                                            value=t.as_str()
                                                            selected=Some(*t) == s.partner_type
                                                        >
                                                            {t.label()}
                                                        </option>
                                                    }
                                                })
                                                .collect_view()}
                                        </select>
                                        <label for="suggest-tier">"Tier"</label>
                                        <select id="suggest-tier" name="tier">
                                            <option value="" selected=s.tier.is_none()>
                                                "Any"
                                            </option>
                                            {s
                                                .tiers
                                                .iter()
                                                .map(|t| {
                                                    view! {
                                                        <option value=t.id selected=Some(t.id) == s.tier>
                                                            {t.name.clone()}
                                                        </option>
                                                    }
                                                })
                                                .collect_view()}
                                        </select>
                                        <button type="submit" class="secondary">
                                            "Find partners"
                                        </button>
                                    </form>
                                    {searched
                                        .then(|| {
                                            view! {
                                                <table aria-label="Suggested partners">
                                                    <thead>
                                                        <tr>
                                                            <th scope="col">"Partner"</th>
                                                            <th scope="col">"Key"</th>
                                                            <th scope="col">"Type"</th>
                                                            <th scope="col">"Country"</th>
                                                            <th scope="col">"Tier"</th>
                                                        </tr>
                                                    </thead>
                                                    <tbody>
                                                        {s
                                                            .partners
                                                            .into_iter()
                                                            .map(|p| {
                                                                view! {
                                                                    <tr>
                                                                        <td>
                                                                            <a href=format!(
                                                                                "/vendor/partners/{}",
                                                                                p.partnership_id,
                                                                            )>{p.team}</a>
                                                                        </td>
                                                                        <td>
                                                                            <code>{p.partner_key}</code>
                                                                        </td>
                                                                        <td>{p.partner_type}</td>
                                                                        <td>{p.country.unwrap_or_else(|| "—".into())}</td>
                                                                        <td>{p.tier.unwrap_or_else(|| "—".into())}</td>
                                                                    </tr>
                                                                }
                                                            })
                                                            .collect_view()}
                                                        {empty
                                                            .then(|| {
                                                                view! {
                                                                    <tr>
                                                                        <td colspan="5" class="empty">
                                                                            "No active partner matches."
                                                                        </td>
                                                                    </tr>
                                                                }
                                                            })}
                                                    </tbody>
                                                </table>
                                            }
                                        })}
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </section>
    }
}

/// One of the group's custom questions in the lead form; its answer travels as
/// `custom[<key>]`.
#[component]
fn CustomLeadField(f: domain::lead_fields::LeadField) -> impl IntoView {
    use domain::lead_fields::FieldKind;
    let id = format!("lead-custom-{}", f.key);
    let name = format!("custom[{}]", f.key);
    let label = if f.required {
        f.label.clone()
    } else {
        format!("{} (optional)", f.label)
    };
    let input = match f.kind {
        FieldKind::Select { options } => view! {
            <select id=id.clone() name=name required=f.required>
                <option value="">"Choose…"</option>
                {options
                    .into_iter()
                    .map(|o| view! { <option value=o.clone()>{o.clone()}</option> })
                    .collect_view()}
            </select>
        }
        .into_any(),
        FieldKind::Number => {
            view! { <input id=id.clone() name=name inputmode="decimal" required=f.required /> }
                .into_any()
        }
        FieldKind::Text => {
            view! { <input id=id.clone() name=name maxlength="500" required=f.required /> }
                .into_any()
        }
    };
    view! {
        <div class="field">
            <label for=id>{label}</label>
            {input}
        </div>
    }
}

/// A lead's answers to its group's custom fields.
#[component]
fn CustomAnswers(custom: Vec<(String, String)>) -> impl IntoView {
    (!custom.is_empty()).then(|| {
        view! {
            <ul class="plain answers">
                {custom
                    .into_iter()
                    .map(|(label, value)| {
                        view! { <li class="muted">{format!("{label}: {value}")}</li> }
                    })
                    .collect_view()}
            </ul>
        }
    })
}
