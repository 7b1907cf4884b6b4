use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_params_map;

use crate::api::{AcceptInvite, fetch_invite};
use crate::components::{FieldError, FormAlert, Submit, data_page};
use crate::dto::InviteInfo;

/// `/invite/<token>`: accept an invite to a company or a partner team.
#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.read().get("token").unwrap_or_default();
    let info = Resource::new(token, fetch_invite);
    let accept = ServerAction::<AcceptInvite>::new();
    data_page("Accept invite", info, move |info| {
        view! { <Accept info token=token() accept /> }.into_any()
    })
}

#[component]
fn Accept(info: InviteInfo, token: String, accept: ServerAction<AcceptInvite>) -> impl IntoView {
    let error = Signal::derive(move || accept.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let InviteInfo {
        workspace_name,
        joining_as,
        role,
        email,
        problem,
        signed_in_as,
    } = info;
    let sign_in_href = format!("/login?next=/invite/{token}");
    let form = match (problem, signed_in_as) {
        (Some(problem), _) => view! {
            <p role="alert" class="alert">
                {problem}
            </p>
        }.into_any(),
        (None, Some(me)) if me.eq_ignore_ascii_case(&email) => view! {
            <form method="post" action=AcceptInvite::PATH class="card form">
                <input type="hidden" name="token" value=token />
                <p>{format!("You are signed in as {me}.")}</p>
                <FormAlert error=general />
                <Submit label="Accept invite" busy_text="Joining…" />
            </form>
        }
        .into_any(),
        (None, Some(me)) => view! {
            <div class="card">
                <p role="alert" class="alert">
                    {format!(
                        "You are signed in as {me}, and this invite is for {email}. Sign out, then open the link again.",
                    )}
                </p>
            </div>
        }
        .into_any(),
        (None, None) => view! {
            <div class="card">
                <h2>"Already have an account?"</h2>
                <p>
                    <a href=sign_in_href>{format!("Sign in as {email} to accept")}</a>
                </p>
            </div>
            <form method="post" action=AcceptInvite::PATH class="card form">
                <h2>"New to the portal?"</h2>
                <input type="hidden" name="token" value=token />
                <label for="invite-email">"Email"</label>
                <input id="invite-email" type="email" value=email.clone() readonly />
                <label for="name">"Your name"</label>
                <input id="name" name="name" autocomplete="name" required maxlength="100" />
                <FieldError error name="name" />
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
                <p class="muted">"At least 12 characters."</p>
                <FieldError error name="password" />
                <FormAlert error=general />
                <Submit label="Accept invite" busy_text="Joining…" />
            </form>
        }
        .into_any(),
    };
    view! {
        <main id="main" class="page auth">
            <h1>{format!("Join {workspace_name}")}</h1>
            <p class="muted">
                {format!(
                    "You were invited to {workspace_name} as a {joining_as} with the role {role}.",
                )}
            </p>
            {form}
        </main>
    }
    .into_any()
}
