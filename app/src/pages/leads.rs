use domain::lead::LeadStatus;
use domain::time::format_date;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{
    AnswerLead, DecideLead, RegisterLead, RepassLead, fetch_partner_customers, fetch_partner_leads,
    fetch_vendor_customers, fetch_vendor_leads,
};
use crate::components::{FieldError, FormAlert, Submit, TopBar, data_page};
use crate::dto::{
    LeadRow, PartnerCustomersPage, PartnerLeadsPage, VendorCustomersPage, VendorLeadsPage,
};

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
    let register = ServerAction::<RegisterLead>::new();
    let answer = ServerAction::<AnswerLead>::new();
    let after = after_param();
    let data = Resource::new(
        move || (after(), register.version().get(), answer.version().get()),
        |(after, _, _)| fetch_partner_leads(after),
    );
    data_page("Leads", data, move |data| {
        view! { <PartnerLeads data register answer /> }.into_any()
    })
}

#[component]
fn PartnerLeads(
    data: PartnerLeadsPage,
    register: ServerAction<RegisterLead>,
    answer: ServerAction<AnswerLead>,
) -> impl IntoView {
    let PartnerLeadsPage {
        viewer,
        program,
        can_register,
        whole_team,
        leads,
        next,
    } = data;
    let error = Signal::derive(move || register.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let registered = move || {
        register
            .value()
            .get()
            .and_then(Result::ok)
            .map(|_| view! { <p role="status" class="notice">"Lead registered. The vendor's team will review it."</p> })
    };
    let heading = if whole_team {
        "Your team's leads"
    } else {
        "Your leads"
    };
    let answer_error = Signal::derive(move || answer.value().get().and_then(Result::err));
    let empty = leads.is_empty();
    view! {
        <TopBar viewer home="/partner" />
        <main class="page">
            <h1>"Leads"</h1>
            {match program {
                None => view! { <p class="empty">"Your team is not in any partner program yet."</p> }.into_any(),
                Some(program) => view! { <p class="muted">{format!("Leads you register go to {program}.")}</p> }.into_any(),
            }}
            {can_register.then(|| view! {
                <section class="card">
                    <h2>"Register a lead"</h2>
                    <ActionForm action=register attr:class="form-row">
                        <div class="field"><label for="lead-company">"Company"</label><input id="lead-company" name="company" required maxlength="200" /><FieldError error name="company" /></div>
                        <div class="field"><label for="lead-contact">"Contact name"</label><input id="lead-contact" name="contact_name" maxlength="100" /><FieldError error name="contact_name" /></div>
                        <div class="field"><label for="lead-email">"Contact email"</label><input id="lead-email" name="email" type="email" required /><FieldError error name="email" /></div>
                        <div class="field"><label for="lead-domain">"Company website (optional)"</label><input id="lead-domain" name="domain" placeholder="acme.com" /><FieldError error name="domain" /></div>
                        <div class="field wide"><label for="lead-notes">"Notes (optional)"</label><textarea id="lead-notes" name="notes" rows="2" maxlength="5000"></textarea><FieldError error name="notes" /></div>
                        <div class="field end"><Submit label="Register lead" pending=register.pending() busy_text="Registering…" /></div>
                    </ActionForm>
                    <FormAlert error=general />
                    {registered}
                </section>
            }.into_any())}
            <section class="card">
                <h2 id="leads-heading">{heading}</h2>
                <FormAlert error=answer_error />
                <table aria-labelledby="leads-heading">
                    <thead><tr>
                        <th scope="col">"Company"</th><th scope="col">"Contact"</th><th scope="col">"Status"</th>
                        <th scope="col">"Registered"</th><th scope="col">"By"</th><th scope="col">"Customer"</th>
                    </tr></thead>
                    <tbody>
                        {leads.into_iter().map(|l| {
                            let passed = (whole_team && l.status == LeadStatus::Passed).then(|| view! { <PassAnswer id=l.id company=l.company.clone() answer /> });
                            view! {
                            <tr>
                                <td>{l.company}</td>
                                <td>{l.contact_name}<br /><span class="muted">{l.email}</span></td>
                                <td><span class=format!("badge {}", l.status.as_str())>{l.status.label()}</span>
                                    {l.reason.map(|r| view! { <span class="muted">{format!(" — {r}")}</span> })}
                                    {passed}</td>
                                <td>{format_date(l.created_at)}</td>
                                <td>{l.registered_by.unwrap_or_else(|| "Passed by the vendor".into())}</td>
                                <td>{l.customer.unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }}).collect_view()}
                        {empty.then(|| view! { <tr><td colspan="6" class="empty">"No leads yet."</td></tr> })}
                    </tbody>
                </table>
                {next.map(|after| view! { <p><a href=format!("/partner/leads?after={after}")>"Older leads"</a></p> })}
            </section>
        </main>
    }
    .into_any()
}

/// Take or decline (with a reason) a lead the vendor passed to the team.
#[component]
fn PassAnswer(id: i64, company: String, answer: ServerAction<AnswerLead>) -> impl IntoView {
    let take = format!("Take {company}");
    let reason = format!("Reason for declining {company}");
    let decline = format!("Decline {company}");
    view! {
        <div class="inline">
            <ActionForm action=answer attr:class="inline">
                <input type="hidden" name="lead_id" value=id />
                <input type="hidden" name="action" value="take" />
                <button type="submit" aria-label=take disabled=move || answer.pending().get()>"Take"</button>
            </ActionForm>
            <ActionForm action=answer attr:class="inline">
                <input type="hidden" name="lead_id" value=id />
                <input type="hidden" name="action" value="decline" />
                <label class="visually-hidden" for=format!("decline-reason-{id}")>{reason}</label>
                <input id=format!("decline-reason-{id}") name="reason" placeholder="Why not (the vendor sees it)" required maxlength="500" />
                <button type="submit" class="danger" aria-label=decline disabled=move || answer.pending().get()>"Decline"</button>
            </ActionForm>
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
        <TopBar viewer home="/partner" />
        <main class="page">
            <h1>"Customers"</h1>
            <p class="muted">{program.map(|p| format!("Customers of {p} attributed to your team.{}", if emails_masked { " Emails are masked." } else { "" }))}</p>
            <table aria-label="Customers">
                <thead><tr><th scope="col">"Customer"</th><th scope="col">"Email"</th><th scope="col">"Source"</th><th scope="col">"Status"</th><th scope="col">"Attributed"</th></tr></thead>
                <tbody>
                    {customers.into_iter().map(|c| view! {
                        <tr>
                            <td>{c.name}</td>
                            <td>{c.email.unwrap_or_else(|| "—".into())}</td>
                            <td>{c.source}</td>
                            <td>{c.status.replace('_', " ")}</td>
                            <td>{c.attributed_at.map(format_date).unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view()}
                    {empty.then(|| view! { <tr><td colspan="5" class="empty">"No customers yet. Leads the vendor converts show up here."</td></tr> })}
                </tbody>
            </table>
            {next.map(|after| view! { <p><a href=format!("/partner/customers?after={after}")>"Older customers"</a></p> })}
        </main>
    }
    .into_any()
}

/// `/vendor/leads`: the program's leads; teammates who manage leads decide on them here.
#[component]
pub fn VendorLeadsPage() -> impl IntoView {
    let decide = ServerAction::<DecideLead>::new();
    let repass = ServerAction::<RepassLead>::new();
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        (
            q.get("program").and_then(|v| v.parse::<i64>().ok()),
            q.get("status").filter(|s| !s.is_empty()),
            q.get("after").and_then(|v| v.parse::<i64>().ok()),
            (decide.version().get(), repass.version().get()),
        )
    };
    let data = Resource::new(params, |(program, status, after, _)| {
        fetch_vendor_leads(program, status, after)
    });
    data_page("Leads", data, move |data| {
        view! { <VendorLeads data decide repass /> }.into_any()
    })
}

#[component]
fn VendorLeads(
    data: VendorLeadsPage,
    decide: ServerAction<DecideLead>,
    repass: ServerAction<RepassLead>,
) -> impl IntoView {
    let VendorLeadsPage {
        viewer,
        program,
        status,
        can_decide,
        leads,
        next,
    } = data;
    let error = Signal::derive(move || {
        decide
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| repass.value().get().and_then(Result::err))
    });
    let empty = leads.is_empty();
    let columns = if can_decide { 7 } else { 6 };
    let status_value = status.map(|s| s.as_str().to_owned()).unwrap_or_default();
    let next = next.map(|after| format!("/vendor/leads?status={status_value}&after={after}"));
    view! {
        <TopBar viewer home="/vendor" />
        <main class="page">
            <h1>"Leads"</h1>
            <p class="muted">{program.map(|p| format!("Leads partners registered in {}.", p.name))}</p>
            <form method="get" action="/vendor/leads" class="inline" aria-label="Filter leads">
                <label for="lead-status">"Status"</label>
                <select id="lead-status" name="status">
                    <option value="" selected=status.is_none()>"Any"</option>
                    {LeadStatus::ALL.iter().map(|s| view! { <option value=s.as_str() selected=Some(*s) == status>{s.label()}</option> }).collect_view()}
                </select>
                <button type="submit" class="secondary">"Show"</button>
            </form>
            <FormAlert error />
            <table aria-label="Leads">
                <thead><tr>
                    <th scope="col">"Company"</th><th scope="col">"Contact"</th><th scope="col">"Partner"</th>
                    <th scope="col">"Status"</th><th scope="col">"Registered"</th><th scope="col">"Conflicts"</th>
                    {can_decide.then(|| view! { <th scope="col">"Decision"</th> })}
                </tr></thead>
                <tbody>
                    {leads.into_iter().map(|l| view! { <VendorLeadLine l can_decide decide repass /> }).collect_view()}
                    {empty.then(|| view! { <tr><td colspan=columns class="empty">"No leads match."</td></tr> })}
                </tbody>
            </table>
            {next.map(|href| view! { <p><a href=href>"Older leads"</a></p> })}
        </main>
    }
    .into_any()
}

#[component]
fn VendorLeadLine(
    l: LeadRow,
    can_decide: bool,
    decide: ServerAction<DecideLead>,
    repass: ServerAction<RepassLead>,
) -> impl IntoView {
    let id = l.id;
    let company = l.company.clone();
    let button = |action: &'static str, label: &'static str, class: &'static str| {
        let name = format!("{label} {company}");
        view! {
            <ActionForm action=decide attr:class="inline">
                <input type="hidden" name="lead_id" value=id />
                <input type="hidden" name="action" value=action />
                <button type="submit" class=class aria-label=name disabled=move || decide.pending().get()>{label}</button>
            </ActionForm>
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
                <ActionForm action=decide attr:class="inline">
                    <input type="hidden" name="lead_id" value=id />
                    <input type="hidden" name="action" value="reject" />
                    <label class="visually-hidden" for=format!("lead-reason-{id}")>{reject_reason}</label>
                    <input id=format!("lead-reason-{id}") name="reason" placeholder="Reason (the partner sees it)" required maxlength="500" />
                    <button type="submit" class="danger" aria-label=reject_label disabled=move || decide.pending().get()>"Reject"</button>
                </ActionForm>
            }
            .into_any(),
            LeadStatus::Accepted | LeadStatus::Taken => view! {
                {button("convert", "Convert to customer", "")}
                {button("lost", "Mark lost", "secondary")}
            }
            .into_any(),
            LeadStatus::Declined => view! {
                <ActionForm action=repass attr:class="inline">
                    <input type="hidden" name="lead_id" value=id />
                    <label class="visually-hidden" for=format!("repass-{id}")>{repass_label}</label>
                    <input id=format!("repass-{id}") name="partner_key" placeholder="Partner key" required maxlength="100" />
                    <button type="submit" class="secondary" aria-label=repass_button disabled=move || repass.pending().get()>"Pass again"</button>
                </ActionForm>
            }
            .into_any(),
            _ => view! { <span class="muted">"—"</span> }.into_any(),
        };
        view! { <td class="actions">{controls}</td> }
    });
    view! {
        <tr>
            <td>{l.company.clone()}<br /><span class="muted">{l.domain.clone().unwrap_or_default()}</span></td>
            <td>{l.contact_name.clone()}<br /><span class="muted">{l.email.clone()}</span></td>
            <td>{l.partner_team.clone()}<br /><span class="muted">{l.registered_by.clone().unwrap_or_default()}</span></td>
            <td><span class=format!("badge {}", l.status.as_str())>{l.status.label()}</span>
                {l.reason.clone().map(|r| view! { <span class="muted">{format!(" — {r}")}</span> })}
                {l.customer.clone().map(|c| view! { <span class="muted">{format!(" → {c}")}</span> })}
                {(!l.passes.is_empty()).then(|| view! {
                    <ul class="plain passes">{l.passes.iter().map(|p| view! { <li class="muted">{p.clone()}</li> }).collect_view()}</ul>
                })}</td>
            <td>{format_date(l.created_at)}</td>
            <td>{match l.conflict.clone() {
                Some(c) => view! { <span class="badge conflict">{format!("Conflicts with {c}")}</span> }.into_any(),
                None => view! { <span class="muted">"None"</span> }.into_any(),
            }}</td>
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
            q.get("after").and_then(|v| v.parse::<i64>().ok()),
        )
    };
    let data = Resource::new(params, |(program, q, after)| {
        fetch_vendor_customers(program, q, after)
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
    let next = next.map(|after| format!("/vendor/customers?q={encoded}&after={after}"));
    view! {
        <TopBar viewer home="/vendor" />
        <main class="page">
            <h1>"Customers"</h1>
            <p class="muted">{program.map(|p| format!("Customers of {} and the partners they are attributed to.", p.name))}</p>
            <form method="get" action="/vendor/customers" class="inline" aria-label="Search customers">
                <label for="customer-q">"Name, email or domain"</label>
                <input id="customer-q" name="q" value=q.clone() />
                <button type="submit" class="secondary">"Search"</button>
            </form>
            <table aria-label="Customers">
                <thead><tr>
                    <th scope="col">"Customer"</th><th scope="col">"Email"</th><th scope="col">"Partner"</th>
                    <th scope="col">"Source"</th><th scope="col">"Status"</th><th scope="col">"Attributed"</th>
                </tr></thead>
                <tbody>
                    {customers.into_iter().map(|c| view! {
                        <tr>
                            <td><a href=format!("/vendor/customers/{}", c.id)>{c.name}</a><br /><span class="muted">{format!("{} · {}", c.external_key, c.domain.unwrap_or_default())}</span></td>
                            <td>{c.email.unwrap_or_else(|| "—".into())}</td>
                            <td>{c.partner_team.unwrap_or_else(|| "Not attributed".into())}</td>
                            <td>{c.source}</td>
                            <td>{c.status.replace('_', " ")}</td>
                            <td>{c.attributed_at.map(format_date).unwrap_or_else(|| "—".into())}</td>
                        </tr>
                    }).collect_view()}
                    {empty.then(|| view! { <tr><td colspan="6" class="empty">{if q.is_empty() { "No customers yet." } else { "No customers match." }}</td></tr> })}
                </tbody>
            </table>
            {next.map(|href| view! { <p><a href=href>"Older customers"</a></p> })}
        </main>
    }
    .into_any()
}
