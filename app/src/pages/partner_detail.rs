use domain::partnership::{PartnershipStatus, StatusAction};
use domain::time::format_date;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

use crate::api::{
    BulkUpdatePartners, ChangePartnerStatus, PassLead, SavePartnerNotes, fetch_partner,
};
use crate::components::{Submit, TopBar, data_page};
use crate::dto::{Named, PartnerDetail, Structure};
use crate::pages::links::LinksTable;

/// `/vendor/partners/<id>`: one partner in detail.
#[component]
pub fn PartnerDetailPage() -> impl IntoView {
    let params = use_params_map();
    let data = Resource::new(
        move || {
            params
                .read()
                .get("id")
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        },
        fetch_partner,
    );
    data_page("Partner", data, move |detail| {
        view! { <Detail detail /> }.into_any()
    })
}

#[component]
fn Detail(detail: PartnerDetail) -> impl IntoView {
    let d = detail;
    view! {
        <TopBar viewer=d.viewer.clone() />
        <main id="main" class="page">
            <p>
                <a href="/vendor/partners">"← Partners"</a>
            </p>
            <h1>{d.partner_team.clone()}</h1>
            <p class="muted">{format!("{} · {}", d.kind, d.program)}</p>
            <div class="columns">
                <section class="card" aria-label="Partnership">
                    <h2>"Partnership"</h2>
                    <dl class="facts">
                        <dt>"Status"</dt>
                        <dd>
                            <span class=format!(
                                "badge {}",
                                d.status.as_str(),
                            )>{d.status.as_str()}</span>
                            {d
                                .rejection_reason
                                .clone()
                                .map(|r| {
                                    view! { <span class="muted">{format!(" — {r}")}</span> }
                                })}
                        </dd>
                        <dt>"Group"</dt>
                        <dd>{d.group.clone()}</dd>
                        <dt>"Tier"</dt>
                        <dd>{d.tier.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Tags"</dt>
                        <dd>
                            {d
                                .tags
                                .iter()
                                .map(|t| view! { <span class="tag">{t.clone()}</span> })
                                .collect_view()}
                        </dd>
                        <dt>"Manager"</dt>
                        <dd>{d.manager.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Partner key"</dt>
                        <dd>
                            <code>{d.partner_key.clone()}</code>
                        </dd>
                        <dt>"Joined"</dt>
                        <dd>{format_date(d.joined_at)}</dd>
                        <dt>"Website"</dt>
                        <dd>{d.website.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Country"</dt>
                        <dd>{d.country.clone().unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                </section>
                <section class="card">
                    <h2 id="contacts-heading">"Contacts"</h2>
                    <table aria-labelledby="contacts-heading">
                        <thead>
                            <tr>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Role"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {d
                                .contacts
                                .iter()
                                .map(|c| {
                                    view! {
                                        <tr>
                                            <td>{c.name.clone()}</td>
                                            <td>{c.email.clone()}</td>
                                            <td>{c.role.label()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                </section>
            </div>
            <section class="card">
                <h2 id="links-heading">"Referral links"</h2>
                <LinksTable
                    links=d.links.clone()
                    labelled_by="links-heading"
                    default_text="The program's default destination".to_owned()
                    empty_text="No links yet: a partner's links are made when one of its contacts first opens the portal."
                />
            </section>
            {d
                .can_change_status
                .then(|| {
                    view! { <StatusForm partnership_id=d.partnership_id status=d.status /> }
                })}
            {d.choices.clone().map(|choices| view! { <Manage detail=d.clone() choices /> })}
            {d
                .can_pass_leads
                .then(|| {
                    view! { <PassLeadForm partnership_id=d.partnership_id /> }
                })}
            <section class="card">
                <h2>"Notes"</h2>
                {if d.can_edit_notes {
                    view! {
                        <form method="post" action=SavePartnerNotes::PATH class="form">
                            <input type="hidden" name="partnership_id" value=d.partnership_id />
                            <label for="notes">
                                "Notes for your team (partners never see them)"
                            </label>
                            <textarea id="notes" name="notes" rows="4" maxlength="10000">
                                {d.notes.clone()}
                            </textarea>
                            <Submit label="Save notes" busy_text="Saving…" />
                        </form>
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="terms">
                            {if d.notes.is_empty() {
                                "No notes.".to_owned()
                            } else {
                                d.notes.clone()
                            }}
                        </p>
                    }
                        .into_any()
                }}
            </section>
            <section class="card">
                <h2 id="history-heading">"History"</h2>
                <table aria-labelledby="history-heading">
                    <thead>
                        <tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"What"</th>
                            <th scope="col">"Who"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {d
                            .history
                            .iter()
                            .map(|h| {
                                view! {
                                    <tr>
                                        <td>{format_date(h.at)}</td>
                                        <td>{h.what.clone()}</td>
                                        <td>{h.actor.clone().unwrap_or_else(|| "—".into())}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                        {d
                            .history
                            .is_empty()
                            .then(|| {
                                view! {
                                    <tr>
                                        <td colspan="3" class="empty">
                                            "No changes recorded yet."
                                        </td>
                                    </tr>
                                }
                            })}
                    </tbody>
                </table>
            </section>
        </main>
    }
    .into_any()
}

/// Group, tier, manager and tags of this one partner, through the partners table's bulk action
/// (the same permission checks and events), so both paths are one piece of server code.
#[component]
fn Manage(detail: PartnerDetail, choices: Structure) -> impl IntoView {
    let program = detail.program_id;
    let id = detail.partnership_id;
    let hidden = move |action: &'static str| {
        view! {
            <input type="hidden" name="program" value=program />
            <input type="hidden" name="ids[]" value=id />
            <input type="hidden" name="action" value=action />
        }
    };
    let options = |items: Vec<(i64, String)>, current: Option<i64>| {
        items
            .into_iter()
            .map(|(value, name)| {
                view! {
                    <option value=value selected=Some(value) == current>
                        {name}
                    </option>
                }
            })
            .collect_view()
    };
    let named = |items: &[Named]| {
        items
            .iter()
            .map(|n| (n.id, n.name.clone()))
            .collect::<Vec<_>>()
    };
    let groups: Vec<_> = choices
        .groups
        .iter()
        .map(|g| (g.id, g.name.clone()))
        .collect();
    let tiers: Vec<_> = choices
        .tiers
        .iter()
        .map(|t| (t.id, t.name.clone()))
        .collect();
    let free_tags: Vec<_> = choices
        .tags
        .iter()
        .filter(|t| !detail.tag_ids.contains(&t.id))
        .map(|t| (t.id, t.name.clone()))
        .collect();
    let no_free_tags = free_tags.is_empty();
    let held_tags: Vec<(i64, String)> = detail
        .tag_ids
        .iter()
        .copied()
        .zip(detail.tags.iter().cloned())
        .collect();
    view! {
        <section class="card" aria-labelledby="manage-heading">
            <h2 id="manage-heading">"Manage"</h2>
            <div class="form-row">
                <form method="post" action=BulkUpdatePartners::PATH class="inline">
                    {hidden("move_group")}
                    <label for="manage-group">"Group"</label>
                    <select id="manage-group" name="group">
                        {options(groups, Some(detail.group_id))}
                    </select>
                    <Submit label="Move" secondary=true busy_text="Saving…" />
                </form>
                <form method="post" action=BulkUpdatePartners::PATH class="inline">
                    {hidden("set_tier")}
                    <label for="manage-tier">"Tier"</label>
                    <select id="manage-tier" name="tier">
                        <option value="" selected=detail.tier_id.is_none()>
                            "No tier"
                        </option>
                        {options(tiers, detail.tier_id)}
                    </select>
                    <Submit label="Set tier" secondary=true busy_text="Saving…" />
                </form>
                <form method="post" action=BulkUpdatePartners::PATH class="inline">
                    {hidden("assign_manager")}
                    <label for="manage-manager">"Partner manager"</label>
                    <select id="manage-manager" name="manager">
                        <option value="" selected=detail.manager_id.is_none()>
                            "No manager"
                        </option>
                        {options(named(&choices.managers), detail.manager_id)}
                    </select>
                    <Submit label="Assign" secondary=true busy_text="Saving…" />
                </form>
            </div>
            <div class="form-row">
                {(!no_free_tags)
                    .then(|| {
                        view! {
                            <form method="post" action=BulkUpdatePartners::PATH class="inline">
                                {hidden("add_tag")}
                                <label for="manage-tag">"Add tag"</label>
                                <select id="manage-tag" name="tag">
                                    {options(free_tags, None)}
                                </select>
                                <Submit label="Add tag" secondary=true busy_text="Saving…" />
                            </form>
                        }
                    })}
                {held_tags
                    .into_iter()
                    .map(|(tag, name)| {
                        view! {
                            <form method="post" action=BulkUpdatePartners::PATH class="inline">
                                {hidden("remove_tag")}
                                <input type="hidden" name="tag" value=tag />
                                <button
                                    type="submit"
                                    class="tag removable"
                                    aria-label=format!("Remove tag {name}")
                                    data-busy="Removing…"
                                >
                                    {format!("{name} ×")}
                                </button>
                            </form>
                        }
                    })
                    .collect_view()}
            </div>
        </section>
    }
}

/// The status actions open to this partnership (`StatusAction::available`), each a submit
/// button of one form, so the optional reason goes with whichever is pressed.
#[component]
fn StatusForm(partnership_id: i64, status: PartnershipStatus) -> impl IntoView {
    let actions = StatusAction::available(status);
    view! {
        <section class="card" aria-labelledby="status-heading">
            <h2 id="status-heading">"Status"</h2>
            <form method="post" action=ChangePartnerStatus::PATH class="form">
                <input type="hidden" name="partnership_id" value=partnership_id />
                <ul class="plain">
                    {actions
                        .iter()
                        .map(|a| {
                            view! {
                                <li>
                                    <strong>{a.label()}</strong>
                                    ": "
                                    {a.explains()}
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <label for="status-reason">"Reason (optional, kept in the history)"</label>
                <input id="status-reason" name="reason" maxlength="500" />
                <div class="form-row">
                    {actions
                        .iter()
                        .map(|a| {
                            view! {
                                <button
                                    type="submit"
                                    name="action"
                                    value=a.as_str()
                                    class:secondary=*a != StatusAction::Reactivate
                                    data-busy="Saving…"
                                >
                                    {a.label()}
                                </button>
                            }
                        })
                        .collect_view()} <span role="status" class="muted"></span>
                </div>
            </form>
        </section>
    }
}

/// A teammate hands a new lead to this partner; the partner takes or declines it.
#[component]
fn PassLeadForm(partnership_id: i64) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="pass-heading">
            <h2 id="pass-heading">"Pass a lead"</h2>
            <form method="post" action=PassLead::PATH class="form-row">
                <input type="hidden" name="partnership_id" value=partnership_id />
                <div class="field">
                    <label for="pass-company">"Company"</label>
                    <input id="pass-company" name="company" required maxlength="200" />
                </div>
                <div class="field">
                    <label for="pass-contact">"Contact name"</label>
                    <input id="pass-contact" name="contact_name" maxlength="100" />
                </div>
                <div class="field">
                    <label for="pass-email">"Contact email"</label>
                    <input id="pass-email" name="email" type="email" required />
                </div>
                <div class="field">
                    <label for="pass-domain">"Company website (optional)"</label>
                    <input id="pass-domain" name="domain" />
                </div>
                <div class="field wide">
                    <label for="pass-notes">"Notes for the partner (optional)"</label>
                    <textarea id="pass-notes" name="notes" rows="2" maxlength="5000"></textarea>
                </div>
                <div class="field end">
                    <Submit label="Pass lead" busy_text="Passing…" />
                </div>
            </form>
        </section>
    }
    .into_any()
}
