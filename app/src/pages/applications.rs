use domain::time::format_date;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{
    ApproveApplication, InvitePartner, RejectApplication, RevokePartnerInvite, fetch_applications,
};
use crate::components::{
    FieldError, FormAlert, InviteLink, PendingInvites, Submit, TopBar, cleared_when, data_page,
};
use crate::dto::{ApplicationRow, ApplicationsPage as Data};

/// `/vendor/applications`: partner teams waiting for a decision.
#[component]
pub fn ApplicationsPage() -> impl IntoView {
    let approve = ServerAction::<ApproveApplication>::new();
    let reject = ServerAction::<RejectApplication>::new();
    let invite = ServerAction::<InvitePartner>::new();
    let revoke = ServerAction::<RevokePartnerInvite>::new();
    let query = use_query_map();
    let params = move || {
        let q = query.read();
        let number = |key: &str| q.get(key).and_then(|v| v.parse::<i64>().ok());
        (
            number("program"),
            number("after"),
            (
                approve.version().get(),
                reject.version().get(),
                invite.version().get(),
                revoke.version().get(),
            ),
        )
    };
    let data = Resource::new(params, |(program, after, _)| {
        fetch_applications(program, after)
    });
    data_page("Applications", data, move |data| {
        view! { <Applications data approve reject invite revoke /> }.into_any()
    })
}

#[component]
fn Applications(
    data: Data,
    approve: ServerAction<ApproveApplication>,
    reject: ServerAction<RejectApplication>,
    invite: ServerAction<InvitePartner>,
    revoke: ServerAction<RevokePartnerInvite>,
) -> impl IntoView {
    let Data {
        viewer,
        program,
        can_decide,
        applications,
        next_after,
        invites,
    } = data;
    let inviting = program
        .as_ref()
        .filter(|_| can_decide)
        .map(|p| (p.id, p.name.clone()));
    let selected = program.as_ref().map(|p| p.id);
    let errors = Signal::derive(move || {
        approve
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| reject.value().get().and_then(Result::err))
    });
    let empty = applications.is_empty();
    let next = next_after
        .zip(selected)
        .map(|(after, program)| format!("/vendor/applications?program={program}&after={after}"));
    let rows = applications
        .into_iter()
        .map(|a| view! { <ApplicationLine a can_decide approve reject /> })
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
            <FormAlert error=errors />
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
                            <ActionForm action=revoke>
                                <input type="hidden" name="invite_id" value=id />
                                <button
                                    type="submit"
                                    class="secondary"
                                    aria-label=format!("Withdraw the invite of {email}")
                                    disabled=move || revoke.pending().get()
                                >
                                    "Withdraw"
                                </button>
                            </ActionForm>
                        }
                            .into_any()
                    });
                    view! {
                        <InvitePartnerForm program name action=invite />
                        <PendingInvites invites withdraw />
                    }
                })}
        </main>
    }
    .into_any()
}

#[component]
fn ApplicationLine(
    a: ApplicationRow,
    can_decide: bool,
    approve: ServerAction<ApproveApplication>,
    reject: ServerAction<RejectApplication>,
) -> impl IntoView {
    let team = a.partner_team.clone();
    let id = a.partnership_id;
    let approve_label = format!("Approve {team}");
    let reason_label = format!("Reason for rejecting {team}");
    let reject_label = format!("Reject {team}");
    let decide = can_decide.then(|| {
        view! {
            <td class="actions">
                <ActionForm action=approve attr:class="inline">
                    <input type="hidden" name="partnership_id" value=id />
                    <button
                        type="submit"
                        aria-label=approve_label
                        disabled=move || approve.pending().get()
                    >
                        "Approve"
                    </button>
                </ActionForm>
                <ActionForm action=reject attr:class="inline">
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
                    <button
                        type="submit"
                        class="danger"
                        aria-label=reject_label
                        disabled=move || reject.pending().get()
                    >
                        "Reject"
                    </button>
                </ActionForm>
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
    action: ServerAction<InvitePartner>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let created = move || action.value().get().and_then(Result::ok);
    view! {
        <section class="card">
            <h2>"Invite a partner"</h2>
            <p class="muted">
                {format!(
                    "Invited partners join {name} at once, even when it is invite-only or needs approval.",
                )}
            </p>
            <ActionForm
                action=action
                node_ref=cleared_when(move || matches!(action.value().get(), Some(Ok(_))))
                attr:class="form-row"
            >
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
                    <FieldError error name="email" />
                </div>
                <div class="field end">
                    <Submit
                        label="Invite partner"
                        pending=action.pending()
                        busy_text="Sending…"
                    />
                </div>
            </ActionForm>
            <FormAlert error=general />
            {move || created().map(|c| view! { <InviteLink email=c.email link=c.link /> })}
        </section>
    }
}
