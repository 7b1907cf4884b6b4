//! `/setup`: the first-run page. While no company exists, whoever has the set-up link the
//! server printed in its log creates the first company, its partner program and owner here;
//! the owner then chooses a password and lands in the vendor dashboard.

use domain::money::Currency;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{CompleteSetup, setup_status};
use crate::components::{FieldError, FormAlert, Submit, data_page};

const TITLE: &str = "Set up the portal";

#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let token = query.read_untracked().get("token").unwrap_or_default();
    let open = Resource::new(|| (), |_| setup_status());
    data_page(TITLE, open, move |open| {
        if open {
            view! { <SetupForm token=token.clone() /> }.into_any()
        } else {
            view! {
                <main id="main" class="page auth">
                    <h1>"The portal is set up"</h1>
                    <p>"It has its first company. Its people sign in."</p>
                    <p>
                        <a class="button" href="/login">
                            "Sign in"
                        </a>
                    </p>
                </main>
            }
            .into_any()
        }
    })
}

#[component]
fn SetupForm(token: String) -> impl IntoView {
    let setup = ServerAction::<CompleteSetup>::new();
    let error = Signal::derive(move || setup.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    view! {
        <main id="main" class="page auth">
            <h1>{TITLE}</h1>
            <p class="muted">
                "No company uses this portal yet. Create yours: its partner program and your owner account come with it."
            </p>
            <form method="post" action=CompleteSetup::PATH class="card form" aria-label=TITLE>
                <label for="setup-token">"Set-up token"</label>
                <input
                    id="setup-token"
                    name="token"
                    value=token
                    required
                    autocomplete="off"
                    spellcheck="false"
                    maxlength="200"
                />
                <p class="muted">
                    "The server printed it in its log when it started (the link ends with ?token=…)."
                </p>
                <FieldError error name="token" />
                <label for="setup-name">"Company name"</label>
                <input
                    id="setup-name"
                    name="name"
                    required
                    maxlength="100"
                    autocomplete="organization"
                />
                <FieldError error name="name" />
                <label for="setup-owner-name">"Your name"</label>
                <input
                    id="setup-owner-name"
                    name="owner_name"
                    required
                    maxlength="100"
                    autocomplete="name"
                />
                <FieldError error name="owner_name" />
                <label for="setup-owner-email">"Your email"</label>
                <input
                    id="setup-owner-email"
                    type="email"
                    name="owner_email"
                    required
                    maxlength="320"
                    autocomplete="email"
                />
                <FieldError error name="owner_email" />
                <label for="setup-currency">"Currency of the partner program"</label>
                <select id="setup-currency" name="currency">
                    {Currency::all()
                        .iter()
                        .map(|c| {
                            let code = c.code();
                            view! {
                                <option value=code selected=code == "USD">
                                    {code}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <FieldError error name="currency" />
                <FormAlert error=general />
                <Submit label="Create the company" busy_text="Creating…" />
            </form>
        </main>
    }
}
