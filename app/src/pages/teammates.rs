use domain::permissions::TeammateRole;
use domain::time::format_date;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{
    ChangeTeammateRole, InviteTeammate, RemoveTeammate, RevokeInvite, SetTeammateGroups,
    fetch_teammates,
};
use crate::components::{InviteLink, PendingInvites, Submit, TopBar, data_page};
use crate::dto::{TeammateRow, TeammatesPage as Data};

/// `/vendor/teammates`: who works in the company's partner program, and invites.
#[component]
pub fn TeammatesPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| fetch_teammates());
    data_page("Teammates", data, move |data| {
        view! { <Teammates data /> }.into_any()
    })
}

#[component]
fn Teammates(data: Data) -> impl IntoView {
    let Data {
        viewer,
        company,
        can_manage,
        assignable_roles,
        teammates,
        invites,
        all_groups,
        invite_link,
    } = data;
    let roles = assignable_roles.clone();
    let rows = teammates
        .into_iter()
        .map(|t| view! { <TeammateLine t can_manage roles=roles.clone() groups=all_groups.clone() /> })
        .collect_view();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Teammates"</h1>
            <p class="muted">{format!("People of {company} who work in the partner portal.")}</p>
            {can_manage.then(|| view! { <InviteForm roles=assignable_roles invite_link /> })}
            <section class="card">
                <h2 id="teammates-heading">"Team"</h2>
                <table aria-labelledby="teammates-heading">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Role"</th>
                            <th scope="col">"Joined"</th>
                            {can_manage.then(|| view! { <th scope="col">"Actions"</th> })}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </section>
            {can_manage
                .then(|| {
                    let withdraw = Callback::new(move |(id, email): (i64, String)| {
                        view! {
                            <form method="post" action=RevokeInvite::PATH>
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
                    view! { <PendingInvites invites withdraw /> }
                })}
        </main>
    }
    .into_any()
}

#[component]
fn TeammateLine(
    t: TeammateRow,
    can_manage: bool,
    roles: Vec<TeammateRole>,
    groups: Vec<crate::dto::Named>,
) -> impl IntoView {
    let name = t.name.clone();
    let restricted_to: Vec<String> = groups
        .iter()
        .filter(|g| t.groups.contains(&g.id))
        .map(|g| g.name.clone())
        .collect();
    let scope = (t.role == TeammateRole::PartnerManager).then(|| {
        let text = if restricted_to.is_empty() {
            "all groups".to_owned()
        } else {
            format!("only {}", restricted_to.join(", "))
        };
        view! {
            <br />
            <span class="muted">{text}</span>
        }
    });
    let restrict = (can_manage && t.role == TeammateRole::PartnerManager && !groups.is_empty())
        .then(|| {
            let summary = format!("Groups of {name}");
            let save = format!("Save groups of {name}");
            let mine = t.groups.clone();
            view! {
                <details>
                    <summary>{summary}</summary>
                    <form method="post" action=SetTeammateGroups::PATH>
                        <input type="hidden" name="teammate_id" value=t.id />
                        <p class="muted">"Leave all unchecked to let them see every group."</p>
                        {groups
                            .iter()
                            .map(|g| {
                                view! {
                                    <label class="check">
                                        <input
                                            type="checkbox"
                                            name="groups[]"
                                            value=g.id
                                            checked=mine.contains(&g.id)
                                        />
                                        {g.name.clone()}
                                    </label>
                                }
                            })
                            .collect_view()}
                        <button type="submit" class="secondary" aria-label=save>
                            "Save groups"
                        </button>
                    </form>
                </details>
            }
        });
    let manage = (can_manage && !t.is_you).then(|| {
        let current = t.role;
        let role_label = format!("Role of {name}");
        let save_label = format!("Save role of {name}");
        let remove_label = format!("Remove {name}");
        view! {
            <td class="actions">
                <form method="post" action=ChangeTeammateRole::PATH class="inline">
                    <input type="hidden" name="teammate_id" value=t.id />
                    <label class="visually-hidden" for=format!("role-{}", t.id)>
                        {role_label}
                    </label>
                    <select id=format!("role-{}", t.id) name="role">
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
                <form method="post" action=RemoveTeammate::PATH class="inline">
                    <input type="hidden" name="teammate_id" value=t.id />
                    <button type="submit" class="danger" aria-label=remove_label>
                        "Remove"
                    </button>
                </form>
                {restrict}
            </td>
        }
    });
    let filler = (can_manage && t.is_you).then(|| view! { <td class="muted">"You"</td> });
    view! {
        <tr>
            <td>{t.name}</td>
            <td>{t.email}</td>
            <td>{t.role.label()}{scope}</td>
            <td>{format_date(t.joined_at)}</td>
            {manage}
            {filler}
        </tr>
    }
}

#[component]
fn InviteForm(roles: Vec<TeammateRole>, invite_link: Option<String>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Invite a teammate"</h2>
            <form method="post" action=InviteTeammate::PATH class="form-row">
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
                                    <option
                                        value=r.as_str()
                                        selected=r == TeammateRole::PartnerManager
                                    >
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
