use domain::permissions::ContactRole;
use domain::time::format_date;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{
    ChangeContactRole, InviteContact, RemoveContact, RevokeContactInvite, TransferTeamOwnership,
    fetch_team,
};
use crate::components::{InviteLink, PendingInvites, Submit, TopBar, data_page};
use crate::dto::{ContactRow, TeamPage as Data};

/// `/partner/team`: the partner team's contacts and invites.
#[component]
pub fn TeamPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| fetch_team());
    data_page("My team", data, move |data| {
        view! { <Team data /> }.into_any()
    })
}

#[component]
fn Team(data: Data) -> impl IntoView {
    let Data {
        viewer,
        team,
        your_role,
        can_manage,
        can_transfer,
        assignable_roles,
        contacts,
        invites,
        invite_link,
    } = data;
    let roles = assignable_roles.clone();
    let rows = contacts
        .into_iter()
        .map(|c| view! { <ContactLine c can_manage can_transfer roles=roles.clone() /> })
        .collect_view();
    let withdraw = Callback::new(move |(id, email): (i64, String)| {
        view! {
            <form method="post" action=RevokeContactInvite::PATH>
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
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"My team"</h1>
            <p class="muted">
                {format!("The people of {team} · your role: {}", your_role.label())}
            </p>
            {can_manage.then(|| view! { <InviteForm roles=assignable_roles invite_link /> })}
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
            <form method="post" action=ChangeContactRole::PATH class="inline">
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
            </form>
            <form method="post" action=RemoveContact::PATH class="inline">
                <input type="hidden" name="contact_id" value=c.id />
                <button type="submit" class="danger" aria-label=remove_label>
                    "Remove"
                </button>
            </form>
            {can_transfer
                .then(|| {
                    view! {
                        <form method="post" action=TransferTeamOwnership::PATH class="inline">
                            <input type="hidden" name="contact_id" value=c.id />
                            <button type="submit" class="secondary" aria-label=transfer_label>
                                "Make owner"
                            </button>
                        </form>
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
fn InviteForm(roles: Vec<ContactRole>, invite_link: Option<String>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Invite a contact"</h2>
            <form method="post" action=InviteContact::PATH class="form-row">
                <div class="field">
                    <label for="invite-email">"Email"</label>
                    <input
                        id="invite-email"
                        type="email"
                        name="email"
                        required
                        autocomplete="off"
                    />
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
                </div>
                <div class="field end">
                    <Submit label="Send invite" busy_text="Sending…" />
                </div>
            </form>
            {invite_link.map(|link| view! { <InviteLink link /> })}
        </section>
    }
}
