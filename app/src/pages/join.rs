use domain::program::{PartnerType, SignupMode};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{ApplyToProgram, fetch_join_info};
use crate::components::{ErrorPage, FieldError, FormAlert, Loading, Submit};
use crate::dto::JoinInfo;

/// `/join/<program-slug>`: a program's public signup page.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let info = Resource::new(slug, fetch_join_info);
    let apply = ServerAction::<ApplyToProgram>::new();
    view! {
        <Title text="Join the partner program" />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match info.await {
                    Ok(info) => view! { <Join info slug=slug() apply /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Join(info: JoinInfo, slug: String, apply: ServerAction<ApplyToProgram>) -> impl IntoView {
    let error = Signal::derive(move || apply.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let JoinInfo {
        program,
        company,
        signup_mode,
        terms,
    } = info;
    let (intro, button) = match signup_mode {
        SignupMode::Open => (
            "Partners join at once and can start right away.",
            "Join program",
        ),
        SignupMode::Approval => (
            "Tell us about your company. The team reviews every application and you will hear back.",
            "Apply",
        ),
        SignupMode::InviteOnly => ("", ""),
    };
    let form = if signup_mode == SignupMode::InviteOnly {
        view! { <p class="alert" role="alert">"This program accepts partners by invitation only."</p> }.into_any()
    } else {
        view! {
            <p>{intro}</p>
            <ActionForm action=apply attr:class="card form">
                <input type="hidden" name="slug" value=slug />
                <fieldset>
                    <legend>"About you"</legend>
                    <label for="name">"Your name"</label>
                    <input id="name" name="name" autocomplete="name" required maxlength="100" />
                    <FieldError error name="name" />
                    <label for="email">"Email"</label>
                    <input id="email" type="email" name="email" autocomplete="email" required />
                    <FieldError error name="email" />
                    <label for="password">"Password"</label>
                    <input id="password" type="password" name="password" autocomplete="new-password" required minlength="12" maxlength="128" />
                    <p class="muted">"At least 12 characters."</p>
                    <FieldError error name="password" />
                </fieldset>
                <fieldset>
                    <legend>"Your company"</legend>
                    <label for="team_name">"Company or team name"</label>
                    <input id="team_name" name="team_name" autocomplete="organization" required maxlength="100" />
                    <FieldError error name="team_name" />
                    <label for="partner_type">"Partner type"</label>
                    <select id="partner_type" name="partner_type">
                        {PartnerType::ALL.iter().map(|t| view! { <option value=t.as_str()>{t.label()}</option> }).collect_view()}
                    </select>
                    <FieldError error name="partner_type" />
                    <label for="website">"Website (optional)"</label>
                    <input id="website" name="website" type="url" placeholder="https://example.com" />
                    <FieldError error name="website" />
                    <label for="country">"Country code (optional)"</label>
                    <input id="country" name="country" maxlength="2" placeholder="US" autocomplete="country" />
                    <FieldError error name="country" />
                </fieldset>
                {(!terms.is_empty()).then(|| view! {
                    <details>
                        <summary>"Program terms"</summary>
                        <p class="terms">{terms.clone()}</p>
                    </details>
                })}
                <FormAlert error=general />
                <Submit label=button pending=apply.pending() busy_text="Creating your account…" />
            </ActionForm>
            <p class="muted">"Already a partner? " <a href="/login">"Sign in"</a></p>
        }
        .into_any()
    };
    view! {
        <main class="page narrow">
            <h1>{format!("Join {program}")}</h1>
            <p class="muted">{format!("The partner program of {company}.")}</p>
            {form}
        </main>
    }
    .into_any()
}
