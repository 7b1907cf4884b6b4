use leptos::prelude::*;
use leptos_meta::Title;

/// The front door: what this is and where to sign in. Signed-in users are sent on to their
/// workspace by the server before this renders.
#[component]
pub fn Home() -> impl IntoView {
    view! {
        <Title text="Welcome" />
        <main id="main" class="page narrow">
            <h1>"Partner portal"</h1>
            <p>
                "Vendors run their partner programs here; partner teams share links, register leads and deals, and follow their earnings."
            </p>
            <p>
                <a class="button" href="/login">
                    "Sign in"
                </a>
            </p>
        </main>
    }
}
