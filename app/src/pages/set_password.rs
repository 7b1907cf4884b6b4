//! Choosing a password through a one-time link: `/set-password/<token>` (a new company's first
//! owner), `/reset-password/<token>` (a forgotten password), and `/forgot-password`, where a
//! reset link is asked for.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{RequestPasswordReset, SetPassword, fetch_password_link};
use crate::components::{FieldError, FormAlert, PublicNotice, Submit, data_page};
use crate::dto::PasswordLinkInfo;
use domain::password_link::Purpose;

/// `/set-password/<token>`: a one-time link's owner chooses their first password.
#[component]
pub fn SetPasswordPage() -> impl IntoView {
    view! { <LinkPage purpose=Purpose::SetPassword /> }
}

/// `/reset-password/<token>`: someone who forgot their password chooses a new one.
#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    view! { <LinkPage purpose=Purpose::Reset /> }
}

fn title(purpose: Purpose) -> &'static str {
    match purpose {
        Purpose::SetPassword => "Set your password",
        Purpose::Reset => "Choose a new password",
    }
}

#[component]
fn LinkPage(purpose: Purpose) -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new(token, move |token| {
        fetch_password_link(token, Some(purpose.as_str().to_owned()))
    });
    let set = ServerAction::<SetPassword>::new();
    data_page(title(purpose), info, move |info| {
        view! { <Choose info token=token() purpose set /> }.into_any()
    })
}

#[component]
fn Choose(
    info: PasswordLinkInfo,
    token: String,
    purpose: Purpose,
    set: ServerAction<SetPassword>,
) -> impl IntoView {
    let error = Signal::derive(move || set.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let PasswordLinkInfo {
        email,
        name,
        problem,
    } = info;
    let (label, note) = match purpose {
        Purpose::SetPassword => (
            "Choose a password",
            "At least 12 characters. This link works once.",
        ),
        Purpose::Reset => (
            "New password",
            "At least 12 characters. This link works once; saving signs you out everywhere else.",
        ),
    };
    let form = match problem {
        Some(problem) => view! {
            <p role="alert" class="alert">
                {problem}
            </p>
            {(purpose == Purpose::Reset)
                .then(|| {
                    view! {
                        <p>
                            <a href="/forgot-password">"Ask for a new link"</a>
                        </p>
                    }
                })}
        }
        .into_any(),
        None => view! {
            <form
                method="post"
                action=SetPassword::PATH
                class="card form"
                aria-label=title(purpose)
            >
                <input type="hidden" name="token" value=token />
                <input type="hidden" name="purpose" value=purpose.as_str() />
                <label for="set-email">"Email"</label>
                <input id="set-email" type="email" value=email autocomplete="username" readonly />
                <label for="password">{label}</label>
                <input
                    id="password"
                    type="password"
                    name="password"
                    autocomplete="new-password"
                    required
                    minlength="12"
                    maxlength="128"
                />
                <p class="muted">{note}</p>
                <FieldError error name="password" />
                <FormAlert error=general />
                <Submit label="Set password and sign in" busy_text="Saving…" />
            </form>
        }
        .into_any(),
    };
    let greeting = match purpose {
        Purpose::SetPassword => format!("Welcome, {name}."),
        Purpose::Reset => format!("Hello {name}: choose the password you will sign in with."),
    };
    view! {
        <main id="main" class="page auth">
            <h1>{title(purpose)}</h1>
            <p class="muted">{greeting}</p>
            {form}
        </main>
    }
    .into_any()
}

/// `/forgot-password`: asks for a reset link by email. The answer never tells whether an
/// account uses the address.
#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let request = ServerAction::<RequestPasswordReset>::new();
    let error = Signal::derive(move || request.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    view! {
        <Title text="Forgot password" />
        <main id="main" class="page auth">
            <h1>"Forgot your password?"</h1>
            <p class="muted">
                "Give the email you sign in with. We send it a link to choose a new password."
            </p>
            <PublicNotice />
            <form
                method="post"
                action=RequestPasswordReset::PATH
                class="card form"
                aria-label="Forgot password"
            >
                <label for="reset-email">"Email"</label>
                <input
                    id="reset-email"
                    type="email"
                    name="email"
                    autocomplete="username"
                    required
                    maxlength="320"
                />
                <FieldError error name="email" />
                <FormAlert error=general />
                <Submit label="Send reset link" busy_text="Sending…" />
            </form>
            <p>
                <a href="/login">"Back to sign in"</a>
            </p>
        </main>
    }
}
