//! `/vendor/triggers`: the program's automation. Each trigger says when it starts (an event),
//! for which partners and events (conditions) and what it does (actions); the list turns them
//! on and off. `/vendor/triggers/new` and `/vendor/triggers/:id` hold the form, a dry run over
//! past events and, for a saved trigger, its run log: why it ran or did not, event by event.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    RetryTriggerEvents, SaveTrigger, SetTriggerEnabled, fetch_trigger, fetch_triggers,
};
use crate::components::{NoProgram, Submit, TopBar, data_page};
use crate::dto::{
    Named, TriggerChoices, TriggerDryRun, TriggerFormValues, TriggerPage as PageData,
    TriggerRunRow, TriggersPage as ListData,
};
use crate::forms::{Refusal, ask};

fn program_query(query: leptos_router::params::ParamsMap) -> Option<i64> {
    query.get("program").and_then(|v| v.parse::<i64>().ok())
}

#[component]
pub fn TriggersPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || program_query(query.get()), fetch_triggers);
    data_page("Triggers", data, move |data| {
        view! { <TriggerList data /> }.into_any()
    })
}

#[component]
fn TriggerList(data: ListData) -> impl IntoView {
    let ListData {
        viewer,
        program,
        triggers,
        stuck,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="Triggers" /> }.into_any();
    };
    let empty = triggers.is_empty();
    let program_id = program.id;
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <div class="page-head">
                <h1>"Triggers"</h1>
                <a class="button" href=format!("/vendor/triggers/new?program={program_id}")>
                    "New trigger"
                </a>
            </div>
            <p class="muted">
                "When an event happens to a partner and the conditions hold, a trigger's actions run in order: a reward, tags, a group, a tier, an email. Each runs at most once per event; its own actions never start it again."
            </p>
            {(stuck > 0)
                .then(|| {
                    view! {
                        <div class="notice" role="alert">
                            <p>
                                {format!(
                                    "{stuck} event{} could not be processed after every attempt; the server log has the cause.",
                                    if stuck == 1 { "" } else { "s" },
                                )}
                            </p>
                            <form method="post" action=RetryTriggerEvents::PATH class="inline">
                                <Submit label="Try them again" secondary=true />
                            </form>
                        </div>
                    }
                })}
            <div class="table-scroll">
                <table aria-label="Triggers">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"What it does"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Last run"</th>
                            <th scope="col">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {triggers
                            .into_iter()
                            .map(|t| {
                                let name = t.name.clone();
                                let verb = if t.enabled { "Disable" } else { "Enable" };
                                view! {
                                    <tr>
                                        <td>
                                            <a href=format!(
                                                "/vendor/triggers/{}?program={program_id}",
                                                t.id,
                                            )>{t.name}</a>
                                        </td>
                                        <td>{t.summary}</td>
                                        <td>{if t.enabled { "On" } else { "Off" }}</td>
                                        <td>{t.last_run.unwrap_or_else(|| "Never".into())}</td>
                                        <td class="actions">
                                            <form
                                                method="post"
                                                action=SetTriggerEnabled::PATH
                                                class="inline"
                                            >
                                                <input type="hidden" name="program" value=program_id />
                                                <input type="hidden" name="trigger" value=t.id />
                                                <input
                                                    type="hidden"
                                                    name="enabled"
                                                    value=(!t.enabled).to_string()
                                                />
                                                <button
                                                    type="submit"
                                                    class="secondary"
                                                    aria-label=format!("{verb} {name}")
                                                >
                                                    {verb}
                                                </button>
                                            </form>
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
                                            "No triggers yet. Create one to reward, tag, move or email partners when something happens."
                                        </td>
                                    </tr>
                                }
                            })}
                    </tbody>
                </table>
            </div>
        </main>
    }
    .into_any()
}

/// `/vendor/triggers/new` and `/vendor/triggers/:id`.
#[component]
pub fn TriggerPage() -> impl IntoView {
    let query = use_query_map();
    let params = use_params_map();
    let data = Resource::new(
        move || {
            let q = query.get();
            let trigger = params.read().get("id").and_then(|v| v.parse::<i64>().ok());
            let before = q.get("before").and_then(|v| v.parse::<i64>().ok());
            (program_query(q), trigger, before)
        },
        |(program, trigger, before)| fetch_trigger(program, trigger, before),
    );
    data_page("Trigger", data, move |data| {
        view! { <Trigger data /> }.into_any()
    })
}

#[component]
fn Trigger(data: PageData) -> impl IntoView {
    let PageData {
        viewer,
        program,
        trigger,
        values,
        choices,
        runs,
        older,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="Trigger" /> }.into_any();
    };
    let title = trigger
        .as_ref()
        .map_or_else(|| "New trigger".to_owned(), |t| t.name.clone());
    let trigger_id = trigger.as_ref().map(|t| t.id);
    let status = trigger.as_ref().map(|t| {
        format!(
            "{} · last run {}",
            if t.enabled { "On" } else { "Off" },
            t.last_run.clone().unwrap_or_else(|| "never".into())
        )
    });
    view! {
        <TopBar viewer />
        <main id="main" class="page narrow">
            <div class="page-head">
                <h1>{title}</h1>
            </div>
            <p>
                <a href=format!("/vendor/triggers?program={}", program.id)>"All triggers"</a>
                {status
                    .map(|s| {
                        view! {
                            " · "
                            {s}
                        }
                    })}
            </p>
            <TriggerForm program=program.id trigger=trigger_id values choices />
            {trigger_id.map(|id| view! { <RunLog runs older id program=program.id /> })}
        </main>
    }
    .into_any()
}

/// (value, label) choices of named things (tags, groups, tiers, segments).
fn named(items: &[Named]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|n| (n.id.to_string(), n.name.clone()))
        .collect()
}

/// A labelled `<select>` of the form (`t-<name>`): an empty choice labelled `none`, then
/// `items`, with the problem of its field below it.
#[component]
fn Choice(
    name: &'static str,
    label: &'static str,
    none: &'static str,
    items: Vec<(String, String)>,
    selected: String,
) -> impl IntoView {
    let id = format!("t-{}", name.replace('_', "-"));
    view! {
        <label for=id.clone()>{label}</label>
        <select id=id name=name>
            <option value="" selected=selected.is_empty()>
                {none}
            </option>
            {items
                .into_iter()
                .map(|(value, text)| {
                    let chosen = value == selected;
                    view! {
                        <option value=value selected=chosen>
                            {text}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
}

#[component]
fn TriggerForm(
    program: i64,
    trigger: Option<i64>,
    values: TriggerFormValues,
    choices: TriggerChoices,
) -> impl IntoView {
    let v = values;
    let c = choices;
    let event_options: Vec<(String, String)> = c.events.clone();
    view! {
        <form method="post" action=SaveTrigger::PATH class="card form">
            <input type="hidden" name="program" value=program />
            {trigger.map(|t| view! { <input type="hidden" name="trigger" value=t /> })}
            <label for="t-name">"Name"</label>
            <input id="t-name" name="name" required maxlength="80" value=v.name />
            <label for="t-event">"When"</label>
            <select id="t-event" name="event">
                {event_options
                    .into_iter()
                    .map(|(value, label)| {
                        let selected = value == v.event;
                        view! {
                            <option value=value selected=selected>
                                {label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
            <fieldset>
                <legend>"Only if (optional)"</legend>
                <Choice
                    name="segment"
                    label="Partner is in segment"
                    none="Any partner"
                    items=named(&c.segments)
                    selected=v.segment.clone()
                />
                <label for="t-min">"Amount at least"</label>
                <input id="t-min" name="min_amount" inputmode="decimal" value=v.min_amount />
                <label for="t-product">"Product key (transactions)"</label>
                <input id="t-product" name="product_key" maxlength="255" value=v.product_key />
                <Choice
                    name="deal_stage"
                    label="Deal moved to stage"
                    none="Any stage"
                    items=c.deal_stages.clone()
                    selected=v.deal_stage.clone()
                />
                <Choice
                    name="deal_motion"
                    label="Deal motion"
                    none="Any motion"
                    items=c.deal_motions.clone()
                    selected=v.deal_motion.clone()
                />
            </fieldset>
            <fieldset>
                <legend>"Then, in this order"</legend>
                <Choice
                    name="reward_kind"
                    label="Reward"
                    none="No reward"
                    items=vec![
                        ("flat".to_owned(), "A flat amount".to_owned()),
                        ("percent".to_owned(), "A percentage of the event's amount".to_owned()),
                    ]
                    selected=v.reward_kind.clone()
                />
                <label for="t-reward-value">"Reward amount or percentage"</label>
                <input
                    id="t-reward-value"
                    name="reward_value"
                    inputmode="decimal"
                    value=v.reward_value
                />
                <label for="t-reward-description">"Reward description"</label>
                <input
                    id="t-reward-description"
                    name="reward_description"
                    maxlength="120"
                    placeholder="The trigger's name"
                    value=v.reward_description
                />
                <Choice
                    name="add_tag"
                    label="Add tag"
                    none="No tag"
                    items=named(&c.tags)
                    selected=v.add_tag.clone()
                />
                <Choice
                    name="remove_tag"
                    label="Remove tag"
                    none="No tag"
                    items=named(&c.tags)
                    selected=v.remove_tag.clone()
                />
                <Choice
                    name="move_group"
                    label="Move to group"
                    none="Keep the group"
                    items=named(&c.groups)
                    selected=v.move_group.clone()
                />
                <Choice
                    name="set_tier"
                    label="Set tier"
                    none="Keep the tier"
                    items=named(&c.tiers)
                    selected=v.set_tier.clone()
                />
                <label for="t-email-subject">"Email subject"</label>
                <input
                    id="t-email-subject"
                    name="email_subject"
                    maxlength="150"
                    value=v.email_subject
                    aria-describedby="t-email-help"
                />
                <label for="t-email-body">"Email text"</label>
                <textarea
                    id="t-email-body"
                    name="email_body"
                    rows="4"
                    maxlength="5000"
                    aria-describedby="t-email-help"
                >
                    {v.email_body}
                </textarea>
                <p class="muted" id="t-email-help">
                    "Goes to the partner team's owners. {partner}, {program} and {amount} are replaced by the event's values."
                </p>
                <Choice
                    name="call_webhook"
                    label="Send to webhook"
                    none="No webhook"
                    items=named(&c.webhooks)
                    selected=v.call_webhook.clone()
                />
            </fieldset>
            <fieldset class="simulate">
                <legend>"Dry run"</legend>
                <label for="t-days">"Look back (days)"</label>
                <input id="t-days" name="dry_run_days" value="30" inputmode="numeric" />
                <p class="muted">
                    "Shows what this form's trigger would have done for the program's events of those days. Nothing is saved or changed."
                </p>
                <DryRun />
            </fieldset>
            // After the dry run: Enter in a field runs it (changing nothing), not a save.
            <Submit label="Save trigger" busy_text="Working…" />
        </form>
    }
}

/// The dry run's button and, once it ran, what the form's trigger would have done. The form is
/// sent in the background and the answer shown here; nothing is saved.
#[island]
fn DryRun() -> impl IntoView {
    let run = RwSignal::new(None::<TriggerDryRun>);
    let start = move |ev: leptos::ev::MouseEvent| {
        ask::<crate::dto::TriggerOutcome>(
            &ev,
            SaveTrigger::PATH,
            Refusal::InTheForm,
            move |answer| {
                if let Ok(outcome) = answer {
                    run.set(outcome.dry_run);
                }
            },
        );
    };
    view! {
        <button
            type="submit"
            name="intent"
            value="dry_run"
            class="secondary"
            data-busy="Running…"
            on:click=start
        >
            "Dry run"
        </button>
        {move || run.get().map(|run| view! { <DryRunResult run /> })}
    }
}

#[component]
fn DryRunResult(run: TriggerDryRun) -> impl IntoView {
    let TriggerDryRun {
        days,
        rows,
        would_run,
        truncated,
    } = run;
    let empty = rows.is_empty();
    let summary = format!(
        "In the last {days} days, it would have run for {would_run} of {} event{}.",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    );
    view! {
        <div class="simulation" role="status">
            <p>
                <strong>{summary}</strong>
            </p>
            {truncated
                .then(|| {
                    view! {
                        <p class="notice">
                            "Only the most recent events were read; choose fewer days for a complete run."
                        </p>
                    }
                })}
            <div class="table-scroll">
                <table aria-label="Dry run">
                    <thead>
                        <tr>
                            <th scope="col">"When"</th>
                            <th scope="col">"Event"</th>
                            <th scope="col">"Partner"</th>
                            <th scope="col">"Would do"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|r| {
                                view! {
                                    <tr class:muted=!r.would_run>
                                        <td>{r.at}</td>
                                        <td>{r.event}</td>
                                        <td>{r.partner}</td>
                                        <td>{r.lines.join("; ")}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                        {empty
                            .then(|| {
                                view! {
                                    <tr>
                                        <td colspan="4" class="empty">
                                            "No events of this kind in those days."
                                        </td>
                                    </tr>
                                }
                            })}
                    </tbody>
                </table>
            </div>
        </div>
    }
}

#[component]
fn RunLog(runs: Vec<TriggerRunRow>, older: Option<i64>, id: i64, program: i64) -> impl IntoView {
    let empty = runs.is_empty();
    view! {
        <h2>"Run log"</h2>
        <div class="table-scroll">
            <table aria-label="Run log">
                <thead>
                    <tr>
                        <th scope="col">"When"</th>
                        <th scope="col">"Event"</th>
                        <th scope="col">"Partner"</th>
                        <th scope="col">"Outcome"</th>
                        <th scope="col">"What happened"</th>
                    </tr>
                </thead>
                <tbody>
                    {runs
                        .into_iter()
                        .map(|r| {
                            view! {
                                <tr>
                                    <td>{r.at}</td>
                                    <td>{r.event}</td>
                                    <td>{r.partner}</td>
                                    <td>{r.outcome}</td>
                                    <td>{r.lines.join("; ")}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                    {empty
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan="5" class="empty">
                                        "No runs yet: the log fills as events of its kind happen."
                                    </td>
                                </tr>
                            }
                        })}
                </tbody>
            </table>
        </div>
        {older
            .map(|before| {
                view! {
                    <p>
                        <a href=format!(
                            "/vendor/triggers/{id}?program={program}&before={before}",
                        )>"Older runs"</a>
                    </p>
                }
            })}
    }
}
