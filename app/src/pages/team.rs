use domain::permissions::ContactRole;
use domain::time::format_date;
use leptos::prelude::*;

use crate::api::{
    ChangeContactRole, InviteContact, RemoveContact, RevokeContactInvite, TransferTeamOwnership,
    fetch_team,
};
use crate::components::{
    FieldError, FormAlert, InviteLink, PendingInvites, Submit, TopBar, cleared_when, data_page,
};
use crate::dto::{ContactRow, TeamPage as Data};

/// `/partner/team`: the partner team's contacts and invites.
#[component]
pub fn TeamPage() -> impl IntoView {
    let actions = Actions {
        invite: ServerAction::new(),
        change: ServerAction::new(),
        remove: ServerAction::new(),
        revoke: ServerAction::new(),
        transfer: ServerAction::new(),
    };
    let data = Resource::new(
        move || {
            (
                actions.invite.version().get(),
                actions.change.version().get(),
                actions.remove.version().get(),
                actions.revoke.version().get(),
                actions.transfer.version().get(),
            )
        },
        |_| fetch_team(),
    );
    data_page("My team", data, move |data| {
        view! { <Team data actions /> }.into_any()
    })
}

#[derive(Clone, Copy)]
struct Actions {
    invite: ServerAction<InviteContact>,
    change: ServerAction<ChangeContactRole>,
    remove: ServerAction<RemoveContact>,
    revoke: ServerAction<RevokeContactInvite>,
    transfer: ServerAction<TransferTeamOwnership>,
}

#[component]
fn Team(data: Data, actions: Actions) -> impl IntoView {
    let Data {
        viewer,
        team,
        your_role,
        can_manage,
        can_transfer,
        assignable_roles,
        contacts,
        invites,
    } = data;
    let row_error = Signal::derive(move || {
        [
            actions.change.value().get().and_then(Result::err),
            actions.remove.value().get().and_then(Result::err),
            actions.revoke.value().get().and_then(Result::err),
            actions.transfer.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
    });
    let roles = assignable_roles.clone();
    let rows = contacts
        .into_iter()
        .map(|c| view! { <ContactLine c can_manage can_transfer roles=roles.clone() actions /> })
        .collect_view();
    let revoke = actions.revoke;
    let withdraw = Callback::new(move |(id, email): (i64, String)| {
        view! {
            <ActionForm action=revoke>
                <input type="hidden" name="invite_id" value=id />
                <button
                    type="submit"
                    class="secondary"
                    aria-label=format!("Withdraw the invite of {email}")
                >
                    "Withdraw"
                </button>
            </ActionForm>
        }
        .into_any()
    });
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"My team"</h1>
            <p class="muted">
                {format!("The people of {team} · your role: {}", your_role.label())}
            </p>
            {can_manage
                .then(|| view! { <InviteForm roles=assignable_roles action=actions.invite /> })}
            <FormAlert error=row_error />
            <section class="card">
                <h2 id="contacts-heading">"Contacts"</h2>
                <table aria-labelledby="contacts-heading">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Joined"</th>
                            <th scope="col">"Referral code"</th>
                            {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
            {can_manage.then(|| view! { <PendingInvites invites withdraw /> })}
        </main>
    }
    .into_any()
}

#[component]
fn ContactLine(
    c: ContactRow,
    can_manage: bool,
    can_transfer: bool,
    roles: Vec<ContactRole>,
    actions: Actions,
) -> impl IntoView {
    let name = c.name.clone();
    let editable = can_manage && !c.is_you && c.role != ContactRole::Owner;
    let manage = editable.then(|| {
        let current = c.role;
        let role_label = format!("Role of {name}");
        let save_label = format!("Save role of {name}");
        let remove_label = format!("Remove {name}");
        let transfer_label = format!("Make {name} the owner");
        view! {
            <ActionForm action=actions.change attr:class="inline">
                <input type="hidden" name="contact_id" value=c.id />
                <label class="visually-hidden" for=format!("role-{}", c.id)>
                    {role_label}
                </label>
                <select id=format!("role-{}", c.id) name="role">
                    {roles
                        .iter()
                        .map(|r| {
                            view! {
                                <option value=r.as_str() selected=*r == current>
                                    {r.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="secondary" aria-label=save_label>
                    "Save role"
                </button>
            </ActionForm>
            <ActionForm action=actions.remove attr:class="inline">
                <input type="hidden" name="contact_id" value=c.id />
                <button type="submit" class="danger" aria-label=remove_label>
                    "Remove"
                </button>
            </ActionForm>
            {can_transfer
                .then(|| {
                    view! {
                        <ActionForm action=actions.transfer attr:class="inline">
                            <input type="hidden" name="contact_id" value=c.id />
                            <button type="submit" class="secondary" aria-label=transfer_label>
                                "Make owner"
                            </button>
                        </ActionForm>
                    }
                })}
        }
    });
    let cell = can_manage.then(|| {
        view! { <td class="actions">{manage}{c.is_you.then_some("You")}</td> }
    });
    view! {
        <tr>
            <td>{c.name}</td>
            <td>{c.email}</td>
            <td>{c.role.label()}</td>
            <td>{format_date(c.joined_at)}</td>
            <td>
                <code>{c.referral_code.unwrap_or_else(|| "—".into())}</code>
            </td>
            {cell}
        </tr>
    }
}

#[component]
fn InviteForm(roles: Vec<ContactRole>, action: ServerAction<InviteContact>) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let created = move || action.value().get().and_then(Result::ok);
    view! {
        <section class="card">
            <h2>"Invite a contact"</h2>
            <ActionForm
                action=action
                node_ref=cleared_when(move || matches!(action.value().get(), Some(Ok(_))))
                attr:class="form-row"
            >
                <div class="field">
                    <label for="invite-email">"Email"</label>
                    <input
                        id="invite-email"
                        type="email"
                        name="email"
                        required
                        autocomplete="off"
                    />
                    <FieldError error name="email" />
                </div>
                <div class="field">
                    <label for="invite-role">"Role"</label>
                    <select id="invite-role" name="role">
                        {roles
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <option value=r.as_str() selected=r == ContactRole::Member>
                                        {r.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                    <FieldError error name="role" />
                </div>
                <div class="field end">
                    <Submit label="Send invite" pending=action.pending() busy_text="Sending…" />
                </div>
            </ActionForm>
            <FormAlert error=general />
            {move || created().map(|c| view! { <InviteLink email=c.email link=c.link /> })}
        </section>
    }
}
