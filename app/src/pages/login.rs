use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::api::Login;

/// Sign-in, a form post to the server function (sent in the background once the page is
/// hydrated). A refusal shows in an alert either way: without JavaScript it comes back in the
/// URL, which the action reads.
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
            <form method="post" action=Login::PATH class="card form" aria-label="Sign in">
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
                <button type="submit" data-busy="Signing in…">
                    "Sign in"
                </button>
                <p role="status" class="muted"></p>
            </form>
            <p>
                <a href="/forgot-password">"Forgot password?"</a>
            </p>
        </main>
    }
}
