use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::Login;

/// Sign-in. A plain form post before hydration, a server action after; errors show in an
/// alert either way (before hydration they come back in the URL).
#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_default();
    let error = move || login.value().get().and_then(Result::err);
    view! {
        <Title text="Sign in" />
        <main id="main" class="page auth">
            <h1>"Sign in"</h1>
            <p class="muted">"Vendor teammates and partner contacts use the same sign-in."</p>
            <ActionForm action=login attr:class="card form" attr:aria-label="Sign in">
                <input type="hidden" name="next" value=next />
                <label for="email">"Email"</label>
                <input id="email" type="email" name="email" autocomplete="username" required />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    type="password"
                    name="password"
                    autocomplete="current-password"
                    required
                />
                {move || {
                    error()
                        .map(|e| {
                            view! {
                                <p role="alert" class="alert">
                                    {e.message}
                                </p>
                            }
                        })
                }}
                <button type="submit" disabled=move || login.pending().get()>
                    "Sign in"
                </button>
                <p role="status" class="muted">
                    {move || login.pending().get().then_some("Signing in…")}
                </p>
            </ActionForm>
            <p>
                <a href="/forgot-password">"Forgot password?"</a>
            </p>
        </main>
    }
}
