//! `/verify-email/<token>`: a visitor who signed up through a program's page confirms their
//! email; their account, team and application are made then, and they are signed in. The
//! link opens a page with a button (a GET changes nothing: mail scanners open links).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

use crate::api::{ConfirmSignup, fetch_signup_link};
use crate::components::{FormAlert, Submit, data_page};
use crate::dto::SignupLinkInfo;

#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new(token, fetch_signup_link);
    let confirm = ServerAction::<ConfirmSignup>::new();
    data_page("Confirm your email", info, move |info| {
        view! { <Confirm info token=token() confirm /> }.into_any()
    })
}

#[component]
fn Confirm(
    info: SignupLinkInfo,
    token: String,
    confirm: ServerAction<ConfirmSignup>,
) -> impl IntoView {
    let error = Signal::derive(move || confirm.value().get().and_then(Result::err));
    let SignupLinkInfo {
        program,
        email,
        team,
        problem,
    } = info;
    let body = match problem {
        Some(problem) => view! {
            <p role="alert" class="alert">
                {problem}
            </p>
            <p>
                <a href="/login">"Sign in"</a>
            </p>
        }
        .into_any(),
        None => view! {
            <form
                method="post"
                action=ConfirmSignup::PATH
                class="card form"
                aria-label="Confirm your email"
            >
                <input type="hidden" name="token" value=token />
                <p>
                    {format!(
                        "Confirm {email} to create your account and join {program} with {team}.",
                    )}
                </p>
                <FormAlert error />
                <Submit label="Confirm and continue" busy_text="Creating your account…" />
            </form>
        }
        .into_any(),
    };
    view! {
        <main id="main" class="page auth">
            <h1>"Confirm your email"</h1>
            {body}
        </main>
    }
    .into_any()
}
