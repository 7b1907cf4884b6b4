//! `/vendor/webhooks`: the program's webhook endpoints and the form to add one;
//! `/vendor/webhooks/:id`: an endpoint's settings, signing secret, test event and delivery log
//! with replay. Messages are signed per Standard Webhooks; the page says how to verify them.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{
    ReplayWebhook, RevealWebhookSecret, RotateWebhookSecret, SaveWebhook, SendTestWebhook,
    SetWebhookEnabled, fetch_webhook, fetch_webhooks,
};
use crate::components::{CopyButton, NoProgram, ReloadSoon, Submit, TopBar, data_page};
use crate::dto::{
    WebhookDeliveryRow, WebhookEndpointRow, WebhookPage as PageData, WebhooksPage as ListData,
};
use crate::forms::{Refusal, ask};

fn number(query: &leptos_router::params::ParamsMap, key: &str) -> Option<i64> {
    query.get(key).and_then(|v| v.parse::<i64>().ok())
}

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(move || number(&query.get(), "program"), fetch_webhooks);
    data_page("Webhooks", data, move |data| {
        view! { <EndpointList data /> }.into_any()
    })
}

#[component]
fn EndpointList(data: ListData) -> impl IntoView {
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
            <EndpointForm program=program_id endpoint=None events />
        </main>
    }
    .into_any()
}

/// The endpoint form: address, description and the events it receives (none ticked: all).
#[component]
fn EndpointForm(
    program: i64,
    endpoint: Option<WebhookEndpointRow>,
    events: Vec<(String, String)>,
) -> impl IntoView {
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
        <form method="post" action=SaveWebhook::PATH class="card form">
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
            <label for="w-description">"Description (optional)"</label>
            <input id="w-description" name="description" maxlength="200" value=description />
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
            <Submit label=label busy_text="Saving…" />
        </form>
    }
}

/// `/vendor/webhooks/:id`.
#[component]
pub fn WebhookPage() -> impl IntoView {
    let query = use_query_map();
    let params = use_params_map();
    let data = Resource::new(
        move || {
            let q = query.get();
            let id = params.read().get("id").and_then(|v| v.parse::<i64>().ok());
            (number(&q, "program"), id, number(&q, "before"))
        },
        |(program, id, before)| fetch_webhook(program, id.unwrap_or(0), before),
    );
    data_page("Webhook endpoint", data, move |data| {
        view! { <Endpoint data /> }.into_any()
    })
}

#[component]
fn Endpoint(data: PageData) -> impl IntoView {
    let PageData {
        viewer,
        program,
        endpoint,
        events,
        deliveries,
        older,
        due_soon,
    } = data;
    let (Some(program), Some(endpoint)) = (program, endpoint) else {
        return view! { <NoProgram viewer title="Webhook endpoint" /> }.into_any();
    };
    let program_id = program.id;
    let id = endpoint.id;
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
            <div class="actions-row">
                <form method="post" action=SetWebhookEnabled::PATH class="inline">
                    <input type="hidden" name="program" value=program_id />
                    <input type="hidden" name="webhook" value=id />
                    <input type="hidden" name="enabled" value=(!enabled).to_string() />
                    <Submit label=verb secondary=true />
                </form>
                <form method="post" action=SendTestWebhook::PATH class="inline">
                    <input type="hidden" name="program" value=program_id />
                    <input type="hidden" name="webhook" value=id />
                    <Submit label="Send test event" busy_text="Queuing…" secondary=true />
                </form>
            </div>
            <Secret program=program_id id rotating_until=endpoint.rotating_until.clone() />
            // While an attempt is due within seconds, the page loads again to show its result.
            {due_soon.then(|| view! { <ReloadSoon seconds=2 /> })}
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
                            .map(|d| view! { <DeliveryRow d program=program_id /> })
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
            <EndpointForm program=program_id endpoint=Some(endpoint) events />
        </main>
    }
    .into_any()
}

/// The signing secret: revealed on request (it never sits in the page's HTML), and rotated
/// with a day in which the old one signs too.
#[component]
fn Secret(program: i64, id: i64, rotating_until: Option<String>) -> impl IntoView {
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
            <RevealSecret program id />
            <form method="post" action=RotateWebhookSecret::PATH class="inline">
                <input type="hidden" name="program" value=program />
                <input type="hidden" name="webhook" value=id />
                <Submit label="Rotate secret" busy_text="Rotating…" secondary=true />
            </form>
        </section>
    }
}

#[component]
fn DeliveryRow(d: WebhookDeliveryRow, program: i64) -> impl IntoView {
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
                <form method="post" action=ReplayWebhook::PATH class="inline">
                    <input type="hidden" name="program" value=program />
                    <input type="hidden" name="delivery" value=id />
                    <button type="submit" class="secondary" aria-label=label data-busy="Queuing…">
                        "Replay"
                    </button>
                </form>
            </td>
        </tr>
    }
}

/// Shows the signing secret on request: the reveal form is sent in the background and the
/// answer shown here, with a copy button. It is never in the page's HTML.
#[island]
fn RevealSecret(program: i64, id: i64) -> impl IntoView {
    let secret = RwSignal::new(None::<String>);
    let reveal = move |ev: leptos::ev::MouseEvent| {
        ask(
            &ev,
            RevealWebhookSecret::PATH,
            Refusal::InTheForm,
            move |answer| {
                if let Ok(shown) = answer {
                    secret.set(Some(shown));
                }
            },
        );
    };
    view! {
        <form method="post" action=RevealWebhookSecret::PATH class="inline">
            <input type="hidden" name="program" value=program />
            <input type="hidden" name="webhook" value=id />
            <button type="submit" class="secondary" data-busy="Revealing…" on:click=reveal>
                "Reveal secret"
            </button>
        </form>
        {move || {
            secret
                .get()
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
    }
}
