//! `/vendor/webhooks`: the program's webhook endpoints and the form to add one;
//! `/vendor/webhooks/:id`: an endpoint's settings, signing secret, test event and delivery log
//! with replay. Messages are signed per Standard Webhooks; the page says how to verify them.

use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    ReplayWebhook, RevealWebhookSecret, RotateWebhookSecret, SaveWebhook, SendTestWebhook,
    SetWebhookEnabled, fetch_webhook, fetch_webhooks,
};
use crate::components::{
    CopyButton, FieldError, FormAlert, NoProgram, Submit, TopBar, data_page, open_when_created,
};
use crate::dto::{
    WebhookDeliveryRow, WebhookEndpointRow, WebhookPage as PageData, WebhooksPage as ListData,
};

fn number(query: &leptos_router::params::ParamsMap, key: &str) -> Option<i64> {
    query.get(key).and_then(|v| v.parse::<i64>().ok())
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SaveWebhook>::new();
    let data = Resource::new(move || number(&query.get(), "program"), fetch_webhooks);
    // A new endpoint opens on its own page, where its secret is.
    open_when_created("/vendor/webhooks/", move || save.value().get()?.ok());
    data_page("Webhooks", data, move |data| {
        view! { <EndpointList data save /> }.into_any()
    })
}

#[component]
fn EndpointList(data: ListData, save: ServerAction<SaveWebhook>) -> impl IntoView {
    let ListData {
        viewer,
        program,
        endpoints,
        events,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="Webhooks" /> }.into_any();
    };
    let program_id = program.id;
    let empty = endpoints.is_empty();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Webhooks"</h1>
            <p class="muted">
                "The portal POSTs each event to your endpoints as JSON, signed per Standard Webhooks (webhook-id, webhook-timestamp and webhook-signature headers). A delivery that fails is tried again after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 24 h; an endpoint that answers 410 or fails for 5 days is turned off."
            </p>
            <div class="table-scroll">
                <table aria-label="Webhook endpoints">
                    <thead>
                        <tr>
                            <th scope="col">"URL"</th>
                            <th scope="col">"Description"</th>
                            <th scope="col">"Events"</th>
                            <th scope="col">"Status"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {endpoints
                            .into_iter()
                            .map(|e| {
                                view! {
                                    <tr>
                                        <td class="wrap">
                                            <a href=format!(
                                                "/vendor/webhooks/{}?program={program_id}",
                                                e.id,
                                            )>{e.url}</a>
                                        </td>
                                        <td>{e.description}</td>
                                        <td class="wrap">{e.events}</td>
                                        <td>{e.status}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                        {empty
                            .then(|| {
                                view! {
                                    <tr>
                                        <td colspan="4" class="empty">
                                            "No endpoints yet. Add one to send this program's events to your CRM or billing system."
                                        </td>
                                    </tr>
                                }
                            })}
                    </tbody>
                </table>
            </div>
            <h2>"Add an endpoint"</h2>
            <EndpointForm save program=program_id endpoint=None events />
        </main>
    }
    .into_any()
}

/// The endpoint form: address, description and the events it receives (none ticked: all).
#[component]
fn EndpointForm(
    save: ServerAction<SaveWebhook>,
    program: i64,
    endpoint: Option<WebhookEndpointRow>,
    events: Vec<(String, String)>,
) -> impl IntoView {
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let (id, url, description, ticked) = match endpoint {
        Some(e) => (Some(e.id), e.url, e.description, e.event_names),
        None => (None, String::new(), String::new(), Vec::new()),
    };
    let label = if id.is_some() {
        "Save changes"
    } else {
        "Add endpoint"
    };
    view! {
        <ActionForm action=save attr:class="card form">
            <input type="hidden" name="program" value=program />
            {id.map(|id| view! { <input type="hidden" name="webhook" value=id /> })}
            <label for="w-url">"Endpoint URL"</label>
            <input
                id="w-url"
                name="url"
                type="url"
                required
                maxlength="2000"
                placeholder="https://example.com/webhooks/portal"
                value=url
            />
            <FieldError error name="url" />
            <label for="w-description">"Description (optional)"</label>
            <input id="w-description" name="description" maxlength="200" value=description />
            <FieldError error name="description" />
            <fieldset>
                <legend>"Events (tick none to receive every event)"</legend>
                <div class="checks">
                    {events
                        .into_iter()
                        .map(|(name, text)| {
                            let checked = ticked.contains(&name);
                            view! {
                                <label>
                                    <input
                                        type="checkbox"
                                        name="events[]"
                                        value=name.clone()
                                        checked=checked
                                    />
                                    " "
                                    {text}
                                    " "
                                    <code>{name}</code>
                                </label>
                            }
                        })
                        .collect_view()}
                </div>
            </fieldset>
            <FieldError error name="events" />
            <FormAlert error=general />
            {move || {
                (id.is_some() && matches!(save.value().get(), Some(Ok(_))))
                    .then(|| {
                        view! {
                            <p role="status" class="notice">
                                "Saved."
                            </p>
                        }
                    })
            }}
            <Submit label=label pending=save.pending() busy_text="Saving…" />
        </ActionForm>
    }
}

/// `/vendor/webhooks/:id`.
#[component]
pub fn WebhookPage() -> impl IntoView {
    let query = use_query_map();
    let params = use_params_map();
    let actions = Actions {
        save: ServerAction::new(),
        toggle: ServerAction::new(),
        rotate: ServerAction::new(),
        reveal: ServerAction::new(),
        test: ServerAction::new(),
        replay: ServerAction::new(),
    };
    // Bumped while an attempt is due soon, so the log shows its result without a reload.
    let tick = RwSignal::new(0_u32);
    let data = Resource::new(
        move || {
            let q = query.get();
            let id = params.read().get("id").and_then(|v| v.parse::<i64>().ok());
            (
                number(&q, "program"),
                id,
                number(&q, "before"),
                actions.versions(),
                tick.get(),
            )
        },
        |(program, id, before, _, _)| fetch_webhook(program, id.unwrap_or(0), before),
    );
    // One pending check at a time: a new read (or leaving the page) cancels the last one.
    Effect::new(move |_| {
        let due = data
            .get()
            .and_then(Result::ok)
            .is_some_and(|page| page.due_soon);
        if due
            && let Ok(handle) = set_timeout_with_handle(
                move || tick.update(|t| *t += 1),
                std::time::Duration::from_secs(2),
            )
        {
            on_cleanup(move || handle.clear());
        }
    });
    // A rotated secret is not the one revealed before.
    Effect::new(move |_| {
        if matches!(actions.rotate.value().get(), Some(Ok(()))) {
            actions.reveal.value().set(None);
        }
    });
    data_page("Webhook endpoint", data, move |data| {
        view! { <Endpoint data actions /> }.into_any()
    })
}

/// The endpoint page's actions (their versions refresh the page's data).
#[derive(Clone, Copy)]
struct Actions {
    save: ServerAction<SaveWebhook>,
    toggle: ServerAction<SetWebhookEnabled>,
    rotate: ServerAction<RotateWebhookSecret>,
    reveal: ServerAction<RevealWebhookSecret>,
    test: ServerAction<SendTestWebhook>,
    replay: ServerAction<ReplayWebhook>,
}

impl Actions {
    fn versions(self) -> [usize; 5] {
        [
            self.save.version().get(),
            self.toggle.version().get(),
            self.rotate.version().get(),
            self.test.version().get(),
            self.replay.version().get(),
        ]
    }

    /// The error of the last action that failed, among those outside the form.
    fn error(self) -> Option<crate::error::AppError> {
        let err = |v: Option<Result<_, crate::error::AppError>>| v.and_then(Result::err);
        err(self.toggle.value().get().map(|r| r.map(|_| ())))
            .or_else(|| err(self.rotate.value().get()))
            .or_else(|| err(self.reveal.value().get().map(|r| r.map(|_| ()))))
            .or_else(|| err(self.test.value().get().map(|r| r.map(|_| ()))))
            .or_else(|| err(self.replay.value().get().map(|r| r.map(|_| ()))))
    }
}

#[component]
fn Endpoint(data: PageData, actions: Actions) -> impl IntoView {
    let PageData {
        viewer,
        program,
        endpoint,
        events,
        deliveries,
        older,
        due_soon: _,
    } = data;
    let (Some(program), Some(endpoint)) = (program, endpoint) else {
        return view! { <NoProgram viewer title="Webhook endpoint" /> }.into_any();
    };
    let program_id = program.id;
    let id = endpoint.id;
    let error = Signal::derive(move || actions.error());
    let verb = if endpoint.enabled {
        "Turn off"
    } else {
        "Turn on"
    };
    let enabled = endpoint.enabled;
    let empty = deliveries.is_empty();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Webhook endpoint"</h1>
            <p class="wrap">
                <a href=format!("/vendor/webhooks?program={program_id}")>"All endpoints"</a>
                " · "
                <code>{endpoint.url.clone()}</code>
            </p>
            <p>
                <strong>"Status: "</strong>
                <span data-testid="endpoint-status">{endpoint.status.clone()}</span>
            </p>
            <FormAlert error />
            <div class="actions-row">
                <ActionForm action=actions.toggle attr:class="inline">
                    <input type="hidden" name="program" value=program_id />
                    <input type="hidden" name="webhook" value=id />
                    <input type="hidden" name="enabled" value=(!enabled).to_string() />
                    <Submit label=verb pending=actions.toggle.pending() secondary=true />
                </ActionForm>
                <ActionForm action=actions.test attr:class="inline">
                    <input type="hidden" name="program" value=program_id />
                    <input type="hidden" name="webhook" value=id />
                    <Submit
                        label="Send test event"
                        pending=actions.test.pending()
                        busy_text="Queuing…"
                        secondary=true
                    />
                </ActionForm>
            </div>
            {move || {
                actions
                    .test
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|_| {
                        view! {
                            <p role="status" class="notice">
                                "Test event queued; its delivery appears below."
                            </p>
                        }
                    })
            }}
            <Secret actions program=program_id id rotating_until=endpoint.rotating_until.clone() />
            <h2>"Deliveries"</h2>
            <div class="table-scroll">
                <table aria-label="Deliveries">
                    <thead>
                        <tr>
                            <th scope="col">"Event"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Attempts"</th>
                            <th scope="col">"Queued"</th>
                            <th scope="col">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {deliveries
                            .into_iter()
                            .map(|d| view! { <DeliveryRow d actions program=program_id /> })
                            .collect_view()}
                        {empty
                            .then(|| {
                                view! {
                                    <tr>
                                        <td colspan="5" class="empty">
                                            "No deliveries yet. Send a test event, or wait for the program's next event."
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
                                "/vendor/webhooks/{id}?program={program_id}&before={before}",
                            )>"Older deliveries"</a>
                        </p>
                    }
                })}
            <h2>"Settings"</h2>
            <EndpointForm save=actions.save program=program_id endpoint=Some(endpoint) events />
        </main>
    }
    .into_any()
}

/// The signing secret: revealed on request (it never sits in the page's HTML), and rotated
/// with a day in which the old one signs too.
#[component]
fn Secret(
    actions: Actions,
    program: i64,
    id: i64,
    rotating_until: Option<String>,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="secret-heading">
            <h2 id="secret-heading">"Signing secret"</h2>
            <p class="muted">
                "Your receiver verifies each message with this secret: base64 HMAC-SHA256 of id.timestamp.body, keyed with the secret's bytes after whsec_. Any Standard Webhooks library does it."
            </p>
            {rotating_until
                .map(|until| {
                    view! {
                        <p class="notice">
                            {format!(
                                "Rotated: until {until}, messages carry a signature with the old secret too.",
                            )}
                        </p>
                    }
                })}
            {move || {
                actions
                    .reveal
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|secret| {
                        view! {
                            <label for="w-secret">"Signing secret"</label>
                            <div class="actions-row">
                                <input
                                    id="w-secret"
                                    class="secret"
                                    readonly
                                    value=secret.clone()
                                    spellcheck="false"
                                />
                                <CopyButton text=secret label="Copy" />
                            </div>
                        }
                    })
            }}
            <div class="actions-row">
                <ActionForm action=actions.reveal attr:class="inline">
                    <input type="hidden" name="program" value=program />
                    <input type="hidden" name="webhook" value=id />
                    <Submit label="Reveal secret" pending=actions.reveal.pending() secondary=true />
                </ActionForm>
                <ActionForm action=actions.rotate attr:class="inline">
                    <input type="hidden" name="program" value=program />
                    <input type="hidden" name="webhook" value=id />
                    <Submit
                        label="Rotate secret"
                        pending=actions.rotate.pending()
                        busy_text="Rotating…"
                        secondary=true
                    />
                </ActionForm>
            </div>
            {move || {
                actions
                    .rotate
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|()| {
                        view! {
                            <p role="status" class="notice">
                                "New secret in force; reveal it to update your receiver."
                            </p>
                        }
                    })
            }}
        </section>
    }
}

#[component]
fn DeliveryRow(d: WebhookDeliveryRow, actions: Actions, program: i64) -> impl IntoView {
    let WebhookDeliveryRow {
        id,
        event_type,
        msg_id,
        body,
        status,
        replay_of,
        created_at,
        attempts,
    } = d;
    let count = attempts.len();
    let label = format!("Replay {event_type} ({msg_id}, delivery {id})");
    let replayed = replay_of.map(|of| format!(" · replay of delivery {of}"));
    view! {
        <tr>
            <td class="wrap">
                <details>
                    <summary>
                        <code>{event_type}</code>
                    </summary>
                    <p class="muted">{format!("webhook-id: {msg_id}")} {replayed}</p>
                    <pre class="email-text">{body}</pre>
                    <ol class="attempts">
                        {attempts
                            .into_iter()
                            .map(|a| {
                                view! {
                                    <li>
                                        {format!(
                                            "Attempt {} · {} · {}",
                                            a.attempt,
                                            a.at,
                                            a.result,
                                        )}
                                        {(!a.response.is_empty())
                                            .then(|| {
                                                view! { <pre class="email-text">{a.response}</pre> }
                                            })}
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                </details>
            </td>
            <td>{status}</td>
            <td>{count}</td>
            <td>{created_at}</td>
            <td class="actions">
                <ActionForm action=actions.replay attr:class="inline">
                    <input type="hidden" name="program" value=program />
                    <input type="hidden" name="delivery" value=id />
                    <button
                        type="submit"
                        class="secondary"
                        aria-label=label
                        disabled=move || actions.replay.pending().get()
                    >
                        "Replay"
                    </button>
                </ActionForm>
            </td>
        </tr>
    }
}
