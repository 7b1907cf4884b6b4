use domain::time::format_date;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{
    ApproveApplication, InvitePartner, RejectApplication, RevokePartnerInvite, fetch_applications,
};
use crate::components::{InviteLink, PendingInvites, Submit, TopBar, data_page};
use crate::dto::{ApplicationRow, ApplicationsPage as Data, Named};

/// `/vendor/applications`: partner teams waiting for a decision.
#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        let number = |key: &str| q.get(key).and_then(|v| v.parse::<i64>().ok());
        (number("program"), number("after"))
    };
    let data = Resource::new(params, |(program, after)| {
        fetch_applications(program, after)
    });
    data_page("Applications", data, move |data| {
        view! { <Applications data /> }.into_any()
    })
}

#[component]
fn Applications(data: Data) -> impl IntoView {
    let Data {
        viewer,
        program,
        can_decide,
        applications,
        next_after,
        invites,
        invite_link,
        groups,
        group_required,
    } = data;
    let inviting = program
        .as_ref()
        .filter(|_| can_decide)
        .map(|p| (p.id, p.name.clone()));
    let selected = program.as_ref().map(|p| p.id);
    let empty = applications.is_empty();
    let next = next_after
        .zip(selected)
        .map(|(after, program)| format!("/vendor/applications?program={program}&after={after}"));
    let rows = applications
        .into_iter()
        .map(|a| view! { <ApplicationLine a can_decide groups=groups.clone() /> })
        .collect_view();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <div class="page-head">
                <h1>"Applications"</h1>
            </div>
            <p class="muted">
                {program
                    .map(|p| {
                        format!("Partner teams that applied to {} and wait for a decision.", p.name)
                    })}
            </p>
            {(!can_decide)
                .then(|| {
                    view! {
                        <p class="muted">
                            "Your role can see applications but not decide on them."
                        </p>
                    }
                })}
            <section class="card">
                <table aria-label="Applications">
                    <thead>
                        <tr>
                            <th scope="col">"Partner"</th>
                            <th scope="col">"Type"</th>
                            <th scope="col">"Contact"</th>
                            <th scope="col">"Website"</th>
                            <th scope="col">"Country"</th>
                            <th scope="col">"Applied"</th>
                            {can_decide.then(|| view! { <th scope="col">"Decision"</th> })}
                        </tr>
                    </thead>
                    <tbody>
                        {rows}
                        {empty
                            .then(|| {
                                view! {
                                    <tr>
                                        <td colspan="7" class="empty">
                                            "No applications are waiting."
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
            {inviting
                .map(|(program, name)| {
                    let withdraw = Callback::new(move |(id, email): (i64, String)| {
                        view! {
                            <form method="post" action=RevokePartnerInvite::PATH>
                                <input type="hidden" name="invite_id" value=id />
                                <button
                                    type="submit"
                                    class="secondary"
                                    aria-label=format!("Withdraw the invite of {email}")
                                >
                                    "Withdraw"
                                </button>
                            </form>
                        }
                            .into_any()
                    });
                    view! {
                        <InvitePartnerForm
                            program
                            name
                            invite_link=invite_link.clone()
                            groups=groups.clone()
                            group_required
                        />
                        <PendingInvites invites withdraw />
                    }
                })}
        </main>
    }
    .into_any()
}

/// A program's groups as the options of a select, `selected` chosen.
fn group_options(groups: &[Named], selected: Option<i64>) -> impl IntoView + use<> {
    groups
        .iter()
        .map(|g| {
            view! {
                <option value=g.id selected=Some(g.id) == selected>
                    {g.name.clone()}
                </option>
            }
        })
        .collect_view()
}

#[component]
fn ApplicationLine(a: ApplicationRow, can_decide: bool, groups: Vec<Named>) -> impl IntoView {
    let team = a.partner_team.clone();
    let id = a.partnership_id;
    let group_label = format!("Group for {team}");
    let approve_label = format!("Approve {team}");
    let reason_label = format!("Reason for rejecting {team}");
    let reject_label = format!("Reject {team}");
    let decide = can_decide.then(|| {
        view! {
            <td class="actions">
                <form method="post" action=ApproveApplication::PATH class="inline">
                    <input type="hidden" name="partnership_id" value=id />
                    {(groups.len() > 1)
                        .then(|| {
                            view! {
                                <label class="visually-hidden" for=format!("group-{id}")>
                                    {group_label}
                                </label>
                                <select id=format!("group-{id}") name="group">
                                    {group_options(&groups, Some(a.group_id))}
                                </select>
                            }
                        })}
                    <button type="submit" aria-label=approve_label>
                        "Approve"
                    </button>
                </form>
                <form method="post" action=RejectApplication::PATH class="inline">
                    <input type="hidden" name="partnership_id" value=id />
                    <label class="visually-hidden" for=format!("reason-{id}")>
                        {reason_label}
                    </label>
                    <input
                        id=format!("reason-{id}")
                        name="reason"
                        placeholder="Reason (the partner sees it)"
                        required
                        maxlength="500"
                    />
                    <button type="submit" class="danger" aria-label=reject_label>
                        "Reject"
                    </button>
                </form>
            </td>
        }
    });
    view! {
        <tr>
            <td>{a.partner_team}</td>
            <td>{a.kind}</td>
            <td>{a.contact_name}<br /><span class="muted">{a.contact_email}</span></td>
            <td>{a.website.unwrap_or_else(|| "—".into())}</td>
            <td>{a.country.unwrap_or_else(|| "—".into())}</td>
            <td>{format_date(a.applied_at)}</td>
            {decide}
        </tr>
    }
}

/// Invites a partner by email: they sign up (or join with their team) from the link and start
/// active, whatever the program's signup mode.
#[component]
fn InvitePartnerForm(
    program: i64,
    name: String,
    invite_link: Option<String>,
    groups: Vec<Named>,
    group_required: bool,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Invite a partner"</h2>
            <p class="muted">
                {format!(
                    "Invited partners join {name} at once, even when it is invite-only or needs approval.",
                )}
            </p>
            <form method="post" action=InvitePartner::PATH class="form-row">
                <input type="hidden" name="program" value=program />
                <div class="field">
                    <label for="partner-invite-email">"Partner's email"</label>
                    <input
                        id="partner-invite-email"
                        type="email"
                        name="email"
                        required
                        autocomplete="off"
                    />
                </div>
                {(groups.len() > 1 || group_required)
                    .then(|| {
                        view! {
                            <div class="field">
                                <label for="partner-invite-group">"Group"</label>
                                <select
                                    id="partner-invite-group"
                                    name="group"
                                    required=group_required
                                >
                                    {(!group_required)
                                        .then(|| {
                                            view! {
                                                <option value="">"The program's default group"</option>
                                            }
                                        })}
                                    {group_options(&groups, None)}
                                </select>
                            </div>
                        }
                    })}
                <div class="field end">
                    <Submit label="Invite partner" busy_text="Sending…" />
                </div>
            </form>
            {invite_link.map(|link| view! { <InviteLink link /> })}
        </section>
    }
}
