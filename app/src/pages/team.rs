use domain::permissions::ContactRole;
use domain::program::PartnerType;
use domain::time::format_date;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{
    ChangeContactRole, InviteContact, RemoveContact, RevokeContactInvite, SaveTeamProfile,
    TransferTeamOwnership, fetch_team,
};
use crate::components::{InviteLink, PendingInvites, Submit, TopBar, data_page};
use crate::dto::{ContactRow, TeamPage as Data, TeamProfile};

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
        profile,
        can_edit_profile,
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
            <ProfileCard profile can_edit=can_edit_profile />
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

/// The team's profile, as its vendors see it; a form for the owner and admins.
#[component]
fn ProfileCard(profile: TeamProfile, can_edit: bool) -> impl IntoView {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
    if !can_edit {
        return view! {
            <section class="card" aria-labelledby="profile-heading">
                <h2 id="profile-heading">"Team profile"</h2>
                <dl class="facts">
                    <dt>"Name"</dt>
                    <dd>{profile.name.clone()}</dd>
                    <dt>"Partner type"</dt>
                    <dd>{profile.partner_type.map(|t| t.label()).unwrap_or("—")}</dd>
                    <dt>"Website"</dt>
                    <dd>{or_dash(&profile.website)}</dd>
                    <dt>"Country"</dt>
                    <dd>{or_dash(&profile.country)}</dd>
                </dl>
            </section>
        }
        .into_any();
    }
    view! {
        <section class="card" aria-labelledby="profile-heading">
            <h2 id="profile-heading">"Team profile"</h2>
            <p class="muted">"Every vendor your team partners with sees this."</p>
            <form method="post" action=SaveTeamProfile::PATH class="form">
                <label for="team_name">"Company or team name"</label>
                <input
                    id="team_name"
                    name="team_name"
                    autocomplete="organization"
                    required
                    maxlength="100"
                    value=profile.name.clone()
                />
                <label for="partner_type">"Partner type"</label>
                <select id="partner_type" name="partner_type">
                    {(!profile.partner_type.is_some_and(|t| PartnerType::APPLYING.contains(&t)))
                        .then(|| view! { <option value="">"Choose a type"</option> })}
                    {PartnerType::APPLYING
                        .iter()
                        .map(|t| {
                            view! {
                                <option value=t.as_str() selected=profile.partner_type == Some(*t)>
                                    {t.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <label for="website">"Website (optional)"</label>
                <input
                    id="website"
                    name="website"
                    type="url"
                    placeholder="https://example.com"
                    value=profile.website.clone().unwrap_or_default()
                />
                <label for="country">"Country code (optional)"</label>
                <input
                    id="country"
                    name="country"
                    maxlength="2"
                    placeholder="US"
                    autocomplete="country"
                    value=profile.country.clone().unwrap_or_default()
                />
                <Submit label="Save profile" busy_text="Saving…" />
            </form>
        </section>
    }
    .into_any()
}
