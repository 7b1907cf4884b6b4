//! `/notifications`: what the portal told the signed-in person about the workspace they act in
//! (the same matters as its emails), newest first; mark one or all read. The header's bell
//! counts the unread ones.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{MarkNotificationsRead, fetch_notifications};
use crate::components::{Submit, TopBar, data_page};
use crate::dto::{NotificationRow, NotificationsPage as Data};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query
                .read()
                .get("before")
                .and_then(|v| v.parse::<i64>().ok())
        },
        fetch_notifications,
    );
    data_page("Notifications", data, move |data| {
        view! { <Inbox data /> }.into_any()
    })
}

#[component]
fn Inbox(data: Data) -> impl IntoView {
    let Data {
        viewer,
        notifications,
        older,
    } = data;
    let unread = viewer.unread;
    let empty = notifications.is_empty();
    view! {
        <TopBar viewer />
        <main id="main" class="page narrow">
            <div class="page-head">
                <h1>"Notifications"</h1>
                {(unread > 0)
                    .then(|| {
                        view! {
                            <form method="post" action=MarkNotificationsRead::PATH class="inline">
                                <Submit label="Mark all as read" secondary=true />
                            </form>
                        }
                    })}
            </div>
            <p class="muted">
                {match unread {
                    0 => "Nothing unread.".to_owned(),
                    1 => "1 unread.".to_owned(),
                    n => format!("{n} unread."),
                }}
            </p>
            <ul class="notifications" aria-label="Notifications">
                {notifications.into_iter().map(|n| view! { <Item n /> }).collect_view()}
            </ul>
            {empty
                .then(|| {
                    view! {
                        <p class="empty">
                            "No notifications yet. Decisions on your deals, leads, rewards and payouts appear here as they happen."
                        </p>
                    }
                })}
            {older
                .map(|before| {
                    view! {
                        <p>
                            <a href=format!(
                                "/notifications?before={before}",
                            )>"Older notifications"</a>
                        </p>
                    }
                })}
        </main>
    }
}

#[component]
fn Item(n: NotificationRow) -> impl IntoView {
    let NotificationRow {
        id,
        title,
        body,
        link,
        at,
        read,
    } = n;
    // The message's first paragraph: the rest is in the email.
    let excerpt: String = body
        .split("\n\n")
        .next()
        .unwrap_or_default()
        .chars()
        .take(240)
        .collect();
    let label = format!("Mark “{title}” as read");
    view! {
        <li class:unread=!read>
            <span class="title">{title}</span>
            <span class="muted">{at}</span>
            {link.map(|href| view! { <a href=href>"Open"</a> })}
            {(!read)
                .then(|| {
                    view! {
                        <form method="post" action=MarkNotificationsRead::PATH class="inline">
                            <input type="hidden" name="notification" value=id />
                            <button type="submit" class="secondary" aria-label=label>
                                "Mark as read"
                            </button>
                        </form>
                    }
                })}
            <p class="excerpt">{excerpt}</p>
        </li>
    }
}
