//! Pieces shared by pages: the top bar with Sign out, error pages, loading text.

use leptos::prelude::*;

use crate::api::Logout;
use crate::dto::Viewer;
use crate::error::AppError;

#[component]
pub fn TopBar(viewer: Viewer, home: &'static str) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <header class="topbar">
            <a class="brand" href=home>
                "Partner portal"
            </a>
            <span class="workspace">{viewer.workspace_name}</span>
            <nav aria-label="Account">
                <span class="who" title=viewer.email>
                    {viewer.name}
                </span>
                {viewer.can_switch.then(|| view! { <a href="/workspaces">"Switch workspace"</a> })}
                <ActionForm action=logout>
                    <button type="submit" class="secondary" aria-busy=move || logout.pending().get().to_string()>
                        "Sign out"
                    </button>
                </ActionForm>
            </nav>
        </header>
    }
}

/// The page shown when a server function refused or failed; it carries the page's one `h1`.
#[component]
pub fn ErrorPage(error: AppError) -> impl IntoView {
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
        <main class="page narrow">
            <h1>{title}</h1>
            <p role="alert">{error.message}</p>
            <p>{hint}</p>
        </main>
    }
}

#[component]
pub fn Loading() -> impl IntoView {
    view! { <p class="loading" role="status">"Loading…"</p> }
}
