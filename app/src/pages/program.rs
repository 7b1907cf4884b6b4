use domain::link::AttributionModel;
use domain::money::Currency;
use domain::program::SignupMode;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{SaveProgram, SaveTracking, fetch_program_settings};
use crate::components::{Submit, TopBar, data_page};
use crate::dto::ProgramSettingsPage as Data;

/// `/vendor/program`: a program's settings, or a new program with `?new=1`.
#[component]
pub fn ProgramSettingsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.read();
            (
                q.get("program").and_then(|v| v.parse::<i64>().ok()),
                q.get("new").is_some(),
            )
        },
        |(program, new)| fetch_program_settings(program, Some(new)),
    );
    data_page("Program settings", data, move |data| {
        view! { <Settings data /> }.into_any()
    })
}

#[component]
fn Settings(data: Data) -> impl IntoView {
    let Data {
        viewer,
        form,
        can_edit,
        can_edit_tracking,
    } = data;
    let creating = form.id.is_none();
    let title = if creating {
        "New program".to_owned()
    } else {
        format!("{} settings", form.name)
    };
    let join = (!creating).then(|| format!("/join/{}", form.slug));
    let links = match viewer.seat {
        Some(domain::navigation::Seat::Teammate(role)) => domain::navigation::settings_links(role),
        _ => Vec::new(),
    };
    let tracking_form = form.clone();
    view! {
        <TopBar viewer />
        <main id="main" class="page narrow">
            <div class="page-head">
                <h1>{title}</h1>
            </div>
            <p>
                {join
                    .map(|href| {
                        view! {
                            "Public signup page: "
                            <a href=href.clone()>{href.clone()}</a>
                        }
                    })}
            </p>
            {(!links.is_empty())
                .then(|| {
                    view! {
                        <nav aria-label="Program tools">
                            <ul class="links">
                                {links
                                    .into_iter()
                                    .map(|s| {
                                        view! {
                                            <li>
                                                <a href=s.path>{s.label}</a>
                                            </li>
                                        }
                                    })
                                    .collect_view()}
                            </ul>
                        </nav>
                    }
                })}
            <form method="post" action=SaveProgram::PATH class="card form">
                <input
                    type="hidden"
                    name="id"
                    value=form.id.map(|i| i.to_string()).unwrap_or_default()
                />
                <label for="p-name">"Name"</label>
                <input
                    id="p-name"
                    name="name"
                    value=form.name
                    required
                    maxlength="100"
                    disabled=!can_edit
                />
                <label for="p-slug">"Signup page address (/join/…)"</label>
                <input
                    id="p-slug"
                    name="slug"
                    value=form.slug
                    maxlength="60"
                    placeholder="made from the name"
                    disabled=!can_edit
                />
                <label for="p-currency">"Currency"</label>
                <select id="p-currency" name="currency" disabled=!can_edit>
                    {Currency::all()
                        .iter()
                        .map(|c| {
                            let code = c.code();
                            view! {
                                <option value=code selected=code == form.currency>
                                    {code}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <label for="p-window">"Attribution window (days)"</label>
                <input
                    id="p-window"
                    name="attribution_window_days"
                    type="number"
                    min="0"
                    max="3650"
                    value=form.attribution_window_days
                    disabled=!can_edit
                />
                <label for="p-hold">"Reward hold period (days)"</label>
                <input
                    id="p-hold"
                    name="hold_days"
                    type="number"
                    min="0"
                    max="365"
                    value=form.hold_days
                    disabled=!can_edit
                />
                <label for="p-min">"Minimum cashout"</label>
                <input
                    id="p-min"
                    name="min_cashout"
                    value=form.min_cashout
                    inputmode="decimal"
                    disabled=!can_edit
                />
                <label for="p-mode">"Signup mode"</label>
                <select id="p-mode" name="signup_mode" disabled=!can_edit>
                    {SignupMode::ALL
                        .iter()
                        .map(|m| {
                            view! {
                                <option value=m.as_str() selected=*m == form.signup_mode>
                                    {m.label()}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <label for="p-domains">
                    "Allowed link destinations (domains, comma separated)"
                </label>
                <input
                    id="p-domains"
                    name="allowed_domains"
                    value=form.allowed_domains
                    disabled=!can_edit
                />
                <label for="p-protection">"Deal protection (days after approval)"</label>
                <input
                    id="p-protection"
                    name="deal_protection_days"
                    type="number"
                    min="1"
                    max="730"
                    value=form.deal_protection_days
                    disabled=!can_edit
                />
                <label for="p-grace">
                    "Tier grace period (days below a tier's rule before moving down)"
                </label>
                <input
                    id="p-grace"
                    name="tier_grace_days"
                    type="number"
                    min="0"
                    max="365"
                    value=form.tier_grace_days
                    disabled=!can_edit
                />
                <label for="p-churn">
                    "Churn window (days without a payment before a paying customer counts as churned)"
                </label>
                <input
                    id="p-churn"
                    name="churn_days"
                    type="number"
                    min="1"
                    max="3650"
                    value=form.churn_days
                    disabled=!can_edit
                />
                <label for="p-emails">"Customer emails partners see"</label>
                <select id="p-emails" name="customer_emails" disabled=!can_edit>
                    <option value="masked" selected=!form.customer_emails_visible>
                        "Masked (j•••@example.com)"
                    </option>
                    <option value="visible" selected=form.customer_emails_visible>
                        "In full"
                    </option>
                </select>
                <label for="p-terms">"Terms"</label>
                <textarea id="p-terms" name="terms" rows="6" disabled=!can_edit>
                    {form.terms}
                </textarea>
                {if can_edit {
                    view! {
                        <Submit
                            label=if creating { "Create program" } else { "Save settings" }
                            busy_text="Saving…"
                        />
                    }
                        .into_any()
                } else {
                    view! {
                        <p class="muted">"Your role can see these settings but not change them."</p>
                    }
                        .into_any()
                }}
            </form>
            {form
                .id
                .map(|program_id| {
                    view! { <Tracking program_id form=tracking_form can_edit=can_edit_tracking /> }
                })}
        </main>
    }
    .into_any()
}

/// The link and tracking settings: a form of their own, for owners, admins and technical
/// teammates.
#[component]
fn Tracking(program_id: i64, form: crate::dto::ProgramForm, can_edit: bool) -> impl IntoView {
    view! {
        <form
            method="post"
            action=SaveTracking::PATH
            class="card form"
            aria-labelledby="tracking-title"
        >
            <h2 id="tracking-title">"Referral links and tracking"</h2>
            <input type="hidden" name="program" value=program_id />
            <label for="p-destination">"Default link destination"</label>
            <input
                id="p-destination"
                name="default_destination"
                type="url"
                value=form.default_destination
                placeholder="https://www.example.com/"
                disabled=!can_edit
            />
            <label for="p-param-partner">"Partner key parameter"</label>
            <input
                id="p-param-partner"
                name="link_param_partner"
                value=form.link_param_partner
                maxlength="32"
                disabled=!can_edit
            />
            <label for="p-param-click">"Click id parameter"</label>
            <input
                id="p-param-click"
                name="link_param_click"
                value=form.link_param_click
                maxlength="32"
                disabled=!can_edit
            />
            <label for="p-model">"Attribution model"</label>
            <select id="p-model" name="attribution_model" disabled=!can_edit>
                {AttributionModel::ALL
                    .iter()
                    .map(|m| {
                        view! {
                            <option value=m.as_str() selected=*m == form.attribution_model>
                                {m.label()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            {form
                .snippet
                .map(|snippet| {
                    view! {
                        <label for="p-snippet">
                            "Tracking snippet (paste on every page of your site)"
                        </label>
                        <textarea id="p-snippet" readonly rows="3">
                            {snippet}
                        </textarea>
                        <p class="muted">
                            "Then call " <code>"portal.signup({ key, email, name })"</code>
                            " when someone signs up."
                        </p>
                    }
                })}
            {if can_edit {
                view! { <Submit label="Save tracking" busy_text="Saving…" /> }.into_any()
            } else {
                view! {
                    <p class="muted">"Owners, admins and technical teammates change these."</p>
                }
                    .into_any()
            }}
        </form>
    }
}
