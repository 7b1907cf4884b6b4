//! Pieces shared by pages: the top bar with Sign out, error pages, loading text.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_location;

use crate::api::Logout;
use crate::dto::{Brand, Viewer};
use crate::error::AppError;

/// A vendor's brand colours for the page's buttons and header stripe (style.css's `--accent`),
/// when it set one. The colour is `#rrggbb`, checked when saved: nothing else reaches the style.
#[component]
pub fn VendorAccent(brand: Brand) -> impl IntoView {
    brand.color.map(|(color, on)| {
        view! {
            <style nonce=leptos::nonce::use_nonce()>
                {format!(":root{{--accent:{color};--on-accent:{on}}}")}
            </style>
        }
    })
}

/// A vendor's logo, when it set one.
#[component]
pub fn VendorLogo(brand: Brand) -> impl IntoView {
    let alt = brand.vendor;
    brand.logo_url.map(|src| {
        view! { <img class="vendor-logo" src=src alt=alt referrerpolicy="no-referrer" /> }
    })
}

/// The header of every signed-in page: the workspace and program, the sections the viewer's
/// role may open (grouped; behind a "Menu" on narrow screens) and the account links with
/// Sign out. A skip link before it leads keyboard users to the page's `main`.
#[component]
pub fn TopBar(viewer: Viewer) -> impl IntoView {
    let location = use_location();
    let home = viewer.seat.map_or("/workspaces", |seat| seat.home());
    let groups = viewer.seat.map(|seat| seat.sections()).unwrap_or_default();
    let has_sections = !groups.is_empty();
    let brand = viewer.brand.clone();
    let accent = brand.clone().map(|brand| view! { <VendorAccent brand /> });
    let logo = brand.clone().map(|brand| view! { <VendorLogo brand /> });
    let help = brand.and_then(|b| {
        b.support_email.map(|email| {
            let label = format!("Help from {}", b.vendor);
            view! {
                <a href=format!("mailto:{email}") aria-label=label title=email>
                    "Help"
                </a>
            }
        })
    });
    view! {
        {accent}
        // `rel="external"`: the browser, not the router, follows it, so focus moves to `main`.
        <a class="skip-link" href="#main" rel="external">
            "Skip to content"
        </a>
        <header class="topbar">
            <div class="topbar-row">
                {logo} <a class="brand" href=home>
                    "Partner portal"
                </a>
                {(!viewer.workspace_name.is_empty())
                    .then(|| view! { <span class="workspace">{viewer.workspace_name}</span> })}
                <HeaderProgram programs=viewer.programs program=viewer.program />
                <nav aria-label="Account" class="account">
                    {help}
                    {viewer.seat.map(|_| view! { <Bell unread=viewer.unread /> })}
                    <a class="who" href="/profile" title=viewer.email>
                        {viewer.name}
                    </a>
                    {viewer
                        .can_switch
                        .then(|| view! { <a href="/workspaces">"Switch workspace"</a> })}
                    <form method="post" action=Logout::PATH>
                        <button type="submit" class="secondary" data-busy="Signing out…">
                            "Sign out"
                        </button>
                    </form>
                // The menu button only shows on narrow screens, where it opens the sections
                </nav>
                // (CSS `:has`); it is a native disclosure, so it works by keyboard and before
                // hydration. It comes last in the row, so the sections follow it in tab order.
                {has_sections
                    .then(|| {
                        view! {
                            <details class="menu">
                                <summary>"Menu"</summary>
                            </details>
                        }
                    })}
            </div>
            {has_sections
                .then(|| {
                    view! {
                        <nav aria-label="Sections" class="sections">
                            {groups
                                .into_iter()
                                .map(|group| {
                                    view! {
                                        <div
                                            class="section-group"
                                            role=group.heading.map(|_| "group")
                                            aria-label=group.heading
                                        >
                                            {group
                                                .heading
                                                .map(|h| {
                                                    view! {
                                                        <span class="group-heading" aria-hidden="true">
                                                            {h}
                                                        </span>
                                                    }
                                                })}
                                            {group
                                                .sections
                                                .into_iter()
                                                .map(|section| {
                                                    let current = move || {
                                                        let path = location.pathname.get();
                                                        domain::navigation::is_current(&section, home, &path)
                                                            .then_some("page")
                                                    };
                                                    view! {
                                                        <a href=section.path aria-current=current>
                                                            {section.label}
                                                        </a>
                                                    }
                                                })
                                                .collect_view()}
                                        </div>
                                    }
                                })
                                .collect_view()}
                        </nav>
                    }
                })}
        </header>
        {viewer
            .notice
            .map(|text| {
                view! {
                    <p class="notice flash" role="status">
                        {text}
                    </p>
                }
            })}
        <Refused />
    }
}

/// What the server refused of the form this page was sent back from (a plain form post, before
/// or without the wasm): leptos_axum puts the server function's error in the URL (`__err`).
#[component]
fn Refused() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let refusal = query.read_untracked().get("__err").map(|encoded| {
        server_fn::error::ServerFnUrlError::<AppError>::decode_err(&encoded).spelled_out()
    });
    refusal.map(|text| {
        view! {
            <p class="alert flash" role="alert">
                {text}
            </p>
        }
    })
}

/// The link to the notifications, with how many are unread.
#[component]
fn Bell(unread: i64) -> impl IntoView {
    let label = match unread {
        0 => "Notifications".to_owned(),
        n => format!("Notifications, {n} unread"),
    };
    view! {
        <a class="bell" href="/notifications" aria-label=label.clone() title=label>
            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                <path
                    fill="currentColor"
                    d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3.5a1.5 1.5 0 0 0-3 0v.66A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z"
                />
            </svg>
            {(unread > 0).then(|| view! { <span class="count">{unread.min(99)}</span> })}
        </a>
    }
}

/// The program the page shows and, when the workspace has several, the switcher. It is a plain
/// form post, not a client-side action: the new program changes everything on the page, so the
/// browser loads the page the server redirects to afresh (and it works before hydration); with
/// the wasm, [`crate::forms::FormSender`] sends it and shows it working.
#[component]
fn HeaderProgram(programs: Vec<crate::dto::ProgramChoice>, program: Option<i64>) -> impl IntoView {
    let location = use_location();
    match programs.len() {
        0 => ().into_any(),
        1 => view! { <span class="program-name">{programs[0].label.clone()}</span> }.into_any(),
        _ => view! {
            <form method="post" action="/api/select_program" class="inline program-switcher">
                <input type="hidden" name="current" value=move || location.pathname.get() />
                <label for="header-program" class="visually-hidden">
                    "Program"
                </label>
                <select id="header-program" name="program">
                    {programs
                        .into_iter()
                        .map(|p| {
                            view! {
                                <option value=p.id selected=Some(p.id) == program>
                                    {p.label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <button type="submit" class="secondary" data-busy="Switching…">
                    "Switch program"
                </button>
            </form>
        }
        .into_any(),
    }
}

/// The one-time notice on a page without the signed-in header (which shows its own): what the
/// form this browser sent last did.
#[component]
pub fn PublicNotice() -> impl IntoView {
    let notice = Resource::new(|| (), |_| crate::api::fetch_notice());
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                notice
                    .await
                    .ok()
                    .flatten()
                    .map(|text| {
                        view! {
                            <p class="notice flash" role="status">
                                {text}
                            </p>
                        }
                    })
            })}
        </Suspense>
    }
}

/// The page shown when a server function refused or failed; it carries the page's one `h1`.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
    // The page carries the refusal's real status (403, 404, …) to the browser too, not 200;
    // the whole page renders before its head is sent (async SSR), so this still applies.
    #[cfg(feature = "ssr")]
    if let (Some(response), Ok(status)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::StatusCode::from_u16(error.status),
    ) {
        response.set_status(status);
    }
    let (title, hint) = match error.status {
        401 => (
            "Your session has ended",
            view! { <a href="/login">"Sign in again"</a> }.into_any(),
        ),
        403 => (
            "Forbidden",
            view! { <a href="/workspaces">"Go to your workspaces"</a> }.into_any(),
        ),
        404 => ("Not found", view! { <a href="/">"Go home"</a> }.into_any()),
        _ => (
            "Something went wrong",
            view! { <a href="/">"Go home"</a> }.into_any(),
        ),
    };
    view! {
        <main id="main" class="page narrow">
            <h1>{title}</h1>
            <p role="alert">{error.message}</p>
            <p>{hint}</p>
        </main>
    }
}

/// A page whose data comes from one resource: "Loading…" while it loads, then `page` with the
/// data, or the error page (which carries the page's one `h1`) when the server refused or failed.
pub fn data_page<T, F>(
    title: &'static str,
    data: Resource<Result<T, AppError>>,
    page: F,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> AnyView + Clone + Send + Sync + 'static,
{
    // A Transition, not a Suspense: when an action on the page refetches its data, the page
    // stays on screen until the new data replaces it, instead of flashing "Loading…" (and a
    // result line under a fallback nobody sees).
    view! {
        <leptos_meta::Title text=title />
        <Transition fallback=Loading>
            {move || {
                let page = page.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(data) => page(data),
                        Err(error) => view! { <ErrorPage error /> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! {
        <p class="loading" role="status">
            "Loading…"
        </p>
    }
}

/// The message of a form field's error, beside the field.
#[component]
pub fn FieldError(
    #[prop(into)] error: Signal<Option<AppError>>,
    name: &'static str,
) -> impl IntoView {
    move || {
        error.get().and_then(|e| e.field(name)).map(|message| {
            view! {
                <p class="field-error" id=format!("{name}-error")>
                    {message}
                </p>
            }
        })
    }
}

/// A form's error as an alert; field problems are spelled out (forms that show them beside
/// their fields pass only errors without fields).
#[component]
pub fn FormAlert(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    move || {
        error.get().map(|e| {
            view! {
                <p role="alert" class="alert">
                    {e.spelled_out()}
                </p>
            }
        })
    }
}

/// A form's submit button with a status line beside it. While the form is sent the button is
/// disabled and the line says `busy_text`: the form sender does that from `data-busy` for a
/// form that posts to its server function; a form with its own action passes `pending`.
#[component]
pub fn Submit(
    #[prop(into)] label: String,
    #[prop(into, optional)] pending: Option<Signal<bool>>,
    #[prop(into, optional)] busy_text: Option<String>,
    #[prop(optional)] secondary: bool,
) -> impl IntoView {
    let busy_text = busy_text.unwrap_or_else(|| "Working…".to_owned());
    let pending = pending.unwrap_or_else(|| Signal::stored(false));
    view! {
        <button
            type="submit"
            class:secondary=secondary
            data-busy=busy_text.clone()
            disabled=move || pending.get()
        >
            {label}
        </button>
        <span role="status" class="muted">
            {move || pending.get().then(|| busy_text.clone())}
        </span>
    }
}

/// Copies `text` to the clipboard; says "Copied" once it did.
#[island]
pub fn CopyButton(text: String, #[prop(into)] label: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let clipboard = window().navigator().clipboard();
            let _ = clipboard.write_text(&text);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &text;
        copied.set(true);
    };
    view! {
        <button type="button" class="secondary" on:click=copy>
            {move || if copied.get() { "Copied".to_owned() } else { label.clone() }}
        </button>
    }
}

/// Filters the rows of the table `table` (an id) already on the page by what they say, in the
/// browser.
#[island]
pub fn RowFilter(#[prop(into)] table: String) -> impl IntoView {
    let filter = move |ev: leptos::ev::Event| {
        #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
        filter_rows(&table, &event_target_value(&ev));
        #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
        let _ = (ev, &table);
    };
    view! { <label class="filter">"Filter this page" <input type="search" on:input=filter /></label> }
}

/// Hides the body rows of table `id` that do not contain `needle` (any case); the row that
/// says the table is empty stays.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn filter_rows(id: &str, needle: &str) {
    use wasm_bindgen::JsCast;
    let needle = needle.trim().to_lowercase();
    let Some(rows) = document().get_element_by_id(id).and_then(|table| {
        table
            .query_selector_all("tbody tr:not(:has(td.empty))")
            .ok()
    }) else {
        return;
    };
    for i in 0..rows.length() {
        let Some(row) = rows
            .item(i)
            .and_then(|r| r.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            continue;
        };
        let text = row.text_content().unwrap_or_default().to_lowercase();
        row.set_hidden(!needle.is_empty() && !text.contains(&needle));
    }
}

/// An invite's link, shown once after the invite is made (the notice above says for whom),
/// with a copy button: for sharing it another way than the email.
#[component]
pub fn InviteLink(link: String) -> impl IntoView {
    let to_copy = link.clone();
    view! {
        <div class="invite-link">
            <label for="invite-link">"Invite link"</label>
            <div class="inline">
                <input id="invite-link" type="text" readonly value=link size="60" />
                <CopyButton text=to_copy label="Copy link" />
            </div>
        </div>
    }
}

/// Invites that wait for an answer; `withdraw` renders the withdraw control of one invite.
#[component]
pub fn PendingInvites(
    invites: Vec<crate::dto::InviteRow>,
    withdraw: Callback<(i64, String), AnyView>,
) -> impl IntoView {
    let empty = invites.is_empty();
    view! {
        <section class="card">
            <h2 id="invites-heading">"Pending invites"</h2>
            <table aria-labelledby="invites-heading">
                <thead>
                    <tr>
                        <th scope="col">"Email"</th>
                        <th scope="col">"Role"</th>
                        <th scope="col">"Invited"</th>
                        <th scope="col">"Expires"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {invites
                        .into_iter()
                        .map(|i| {
                            view! {
                                <tr>
                                    <td>{i.email.clone()}</td>
                                    <td>{i.role}</td>
                                    <td>{domain::time::format_date(i.invited_at)}</td>
                                    <td>{domain::time::format_date(i.expires_at)}</td>
                                    <td>{withdraw.run((i.id, i.email))}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                    {empty
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan="5" class="empty">
                                        "No pending invites."
                                    </td>
                                </tr>
                            }
                        })}
                </tbody>
            </table>
        </section>
    }
}

/// A vendor page of a company that has no program yet: says so and offers to create one.
#[component]
pub fn NoProgram(viewer: Viewer, title: &'static str) -> impl IntoView {
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>{title}</h1>
            <p class="empty">"Your company has no partner program yet."</p>
            <p>
                <a href="/vendor/program?new=1">"Create a program"</a>
            </p>
        </main>
    }
}

/// A partnership's balance, pending rewards and lifetime paid, as the partner dashboard and
/// the earnings page show them.
#[component]
pub fn EarningsKpis(earnings: crate::dto::EarningsDto, label: &'static str) -> impl IntoView {
    let e = earnings;
    view! {
        <section class="kpis" aria-label=label>
            <article class="kpi" aria-label="Available balance">
                <h3>"Available balance"</h3>
                <p class="kpi-value">{e.available.display()}</p>
                <p class="muted">{format!("Minimum cashout {}", e.minimum_cashout.display())}</p>
            </article>
            <article class="kpi" aria-label="Pending rewards">
                <h3>"Pending rewards"</h3>
                <p class="kpi-value">{e.pending.display()}</p>
                <p class="muted">"Inside the hold period"</p>
            </article>
            <article class="kpi" aria-label="Lifetime paid">
                <h3>"Lifetime paid"</h3>
                <p class="kpi-value">{e.lifetime_paid.display()}</p>
            </article>
        </section>
    }
}

/// Loads the page again after `seconds`, to show what changed on the server meanwhile (a
/// delivery attempt that was due). It waits while someone is typing in a field.
#[island]
pub fn ReloadSoon(seconds: u32) -> impl IntoView {
    // Only in the browser: a build with both features renders it on the server too.
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    Effect::new(move |_| reload_after(seconds));
    #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
    let _ = seconds;
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn reload_after(seconds: u32) {
    set_timeout(
        move || {
            let typing = document().active_element().is_some_and(|e| {
                matches!(
                    e.tag_name().to_ascii_lowercase().as_str(),
                    "input" | "textarea" | "select"
                )
            });
            let sending = document()
                .query_selector("form[aria-busy=\"true\"]")
                .ok()
                .flatten()
                .is_some();
            if typing || sending {
                reload_after(seconds);
            } else {
                let _ = window().location().reload();
            }
        },
        std::time::Duration::from_secs(u64::from(seconds)),
    );
}
