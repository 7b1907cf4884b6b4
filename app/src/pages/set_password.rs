use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use crate::api::{SetPassword, fetch_password_link};
use crate::components::{FieldError, FormAlert, Submit, data_page};
use crate::dto::PasswordLinkInfo;

/// `/set-password/<token>`: a one-time link's owner chooses their password.
#[component]
pub fn SetPasswordPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new(token, fetch_password_link);
    let set = ServerAction::<SetPassword>::new();
    data_page("Set your password", info, move |info| {
        view! { <Choose info token=token() set /> }.into_any()
    })
}

#[component]
fn Choose(info: PasswordLinkInfo, token: String, set: ServerAction<SetPassword>) -> impl IntoView {
    let error = Signal::derive(move || set.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let PasswordLinkInfo {
        email,
        name,
        problem,
    } = info;
    let form = match problem {
        Some(problem) => view! {
            <p role="alert" class="alert">
                {problem}
            </p>
        }
        .into_any(),
        None => view! {
            <ActionForm action=set attr:class="card form" attr:aria-label="Set your password">
                <input type="hidden" name="token" value=token />
                <label for="set-email">"Email"</label>
                <input id="set-email" type="email" value=email autocomplete="username" readonly />
                <label for="password">"Choose a password"</label>
                <input
                    id="password"
                    type="password"
                    name="password"
                    autocomplete="new-password"
                    required
                    minlength="12"
                    maxlength="128"
                />
                <p class="muted">"At least 12 characters. This link works once."</p>
                <FieldError error name="password" />
                <FormAlert error=general />
                <Submit
                    label="Set password and sign in"
                    pending=set.pending()
                    busy_text="Saving…"
                />
            </ActionForm>
        }
        .into_any(),
    };
    view! {
        <main class="page auth">
            <h1>"Set your password"</h1>
            <p class="muted">{format!("Welcome, {name}.")}</p>
            {form}
        </main>
    }
    .into_any()
}
