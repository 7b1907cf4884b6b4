//! `/vendor/emails`: the outbox. Every message the portal queued for the company, newest
//! first, with its delivery status; a failed one shows why and can be sent again.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{ResendEmail, fetch_outbox};
use crate::components::{TopBar, data_page};
use crate::dto::{OutboxEmail, OutboxPage as Data};
use domain::email::EmailStatus;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query
                .read()
                .get("before")
                .and_then(|v| v.parse::<i64>().ok())
        },
        fetch_outbox,
    );
    data_page("Emails", data, move |data| {
        view! { <Outbox data /> }.into_any()
    })
}

#[component]
fn Outbox(data: Data) -> impl IntoView {
    let Data {
        viewer,
        sending,
        emails,
        older,
    } = data;
    let empty = emails.is_empty();
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Emails"</h1>
            {if sending {
                view! {
                    <p class="muted">
                        "Every message the portal sends for your company. Queued messages go out within seconds; one the mail server refuses is tried again later, up to 8 times. "
                        <a href="/vendor/emails/templates">"Reword the emails partners get"</a>
                    </p>
                }
                    .into_any()
            } else {
                view! {
                    <p class="notice" role="note">
                        "No mail server is configured (PORTAL_SMTP_URL), so messages stay queued here and nobody receives them. Read them below, and share an invite's link from the page that made it."
                    </p>
                }
                    .into_any()
            }}
            <div class="table-scroll">
                <table aria-label="Emails">
                    <thead>
                        <tr>
                            <th scope="col">"To"</th>
                            <th scope="col">"Message"</th>
                            <th scope="col">"Kind"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">"Queued"</th>
                            <th scope="col">"Actions"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {emails
                            .into_iter()
                            .map(|email| view! { <EmailRow email /> })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {empty.then(|| view! { <p class="empty">"No emails yet."</p> })}
            {older
                .map(|before| {
                    view! {
                        <p>
                            <a href=format!("/vendor/emails?before={before}")>"Older emails"</a>
                        </p>
                    }
                })}
        </main>
    }
}

#[component]
fn EmailRow(email: OutboxEmail) -> impl IntoView {
    let OutboxEmail {
        id,
        to,
        kind,
        subject,
        text,
        status,
        attempts,
        last_error,
        created_at,
        sent_at,
    } = email;
    let status_text = match (status, &sent_at, &last_error) {
        (EmailStatus::Sent, Some(at), _) => format!("Sent {at}"),
        (EmailStatus::Failed, _, Some(reason)) => {
            let plural = if attempts == 1 { "" } else { "s" };
            format!("Failed after {attempts} attempt{plural}: {reason}")
        }
        (EmailStatus::Queued, _, Some(reason)) if attempts > 0 => {
            format!("Queued, retrying (attempt {attempts} failed: {reason})")
        }
        _ => status.label().to_owned(),
    };
    let label = format!("Send again to {to}: {subject}");
    view! {
        <tr>
            <td>{to}</td>
            <td>
                {match text {
                    Some(text) => {
                        view! {
                            <details>
                                <summary>{subject}</summary>
                                <pre class="email-text">{text}</pre>
                            </details>
                        }
                            .into_any()
                    }
                    None => view! { <span>{subject}</span> }.into_any(),
                }}
            </td>
            <td>{kind}</td>
            <td class=format!("status-{}", status.as_str())>{status_text}</td>
            <td>{created_at}</td>
            <td>
                {(status == EmailStatus::Failed)
                    .then(|| {
                        view! {
                            <form method="post" action=ResendEmail::PATH class="inline">
                                <input type="hidden" name="email_id" value=id />
                                <button
                                    type="submit"
                                    class="secondary"
                                    aria-label=label
                                    data-busy="Sending…"
                                >
                                    "Send again"
                                </button>
                            </form>
                        }
                    })}
            </td>
        </tr>
    }
}
