//! `/notifications`: what the portal told the signed-in person about the workspace they act in
//! (the same matters as its emails), newest first; mark one or all read. The header's bell
//! counts the unread ones.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{MarkNotificationsRead, fetch_notifications};
use crate::components::{FormAlert, Submit, TopBar, data_page};
use crate::dto::{NotificationRow, NotificationsPage as Data};

#[component]
pub fn NotificationsPage() -> impl IntoView {
    let query = use_query_map();
    let mark = ServerAction::<MarkNotificationsRead>::new();
    let data = Resource::new(
        move || {
            let before = query
                .read()
                .get("before")
                .and_then(|v| v.parse::<i64>().ok());
            (before, mark.version().get())
        },
        |(before, _)| fetch_notifications(before),
    );
    data_page("Notifications", data, move |data| {
        view! { <Inbox data mark /> }.into_any()
    })
}

#[component]
fn Inbox(data: Data, mark: ServerAction<MarkNotificationsRead>) -> impl IntoView {
    let Data {
        viewer,
        notifications,
        older,
    } = data;
    let unread = viewer.unread;
    let error = Signal::derive(move || mark.value().get().and_then(Result::err));
    let empty = notifications.is_empty();
    view! {
        <TopBar viewer />
        <main id="main" class="page narrow">
            <div class="page-head">
                <h1>"Notifications"</h1>
                {(unread > 0)
                    .then(|| {
                        view! {
                            <ActionForm action=mark attr:class="inline">
                                <Submit
                                    label="Mark all as read"
                                    pending=mark.pending()
                                    secondary=true
                                />
                            </ActionForm>
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
            <FormAlert error />
            <ul class="notifications" aria-label="Notifications">
                {notifications.into_iter().map(|n| view! { <Item n mark /> }).collect_view()}
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
fn Item(n: NotificationRow, mark: ServerAction<MarkNotificationsRead>) -> impl IntoView {
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
                        <ActionForm action=mark attr:class="inline">
                            <input type="hidden" name="notification" value=id />
                            <button
                                type="submit"
                                class="secondary"
                                aria-label=label
                                disabled=move || mark.pending().get()
                            >
                                "Mark as read"
                            </button>
                        </ActionForm>
                    }
                })}
            <p class="excerpt">{excerpt}</p>
        </li>
    }
}
