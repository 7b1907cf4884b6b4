use domain::program::{PartnerType, SignupMode};
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::{ApplyToProgram, JoinWithTeam, fetch_join_info};
use crate::components::{
    FieldError, FormAlert, PublicNotice, Submit, VendorAccent, VendorLogo, data_page,
};
use crate::dto::JoinInfo;

/// `/join/<program-slug>`: a program's public signup page.
#[component]
pub fn JoinPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let slug = move || params.read().get("slug").unwrap_or_default();
    let invite = move || query.read().get("invite");
    let info = Resource::new(
        move || (slug(), invite()),
        |(slug, invite)| fetch_join_info(slug, invite),
    );
    let apply = ServerAction::<ApplyToProgram>::new();
    let join = ServerAction::<JoinWithTeam>::new();
    data_page("Join the partner program", info, move |info| {
        view! { <Join info slug=slug() invite=invite() apply join /> }.into_any()
    })
}

#[component]
fn Join(
    info: JoinInfo,
    slug: String,
    invite: Option<String>,
    apply: ServerAction<ApplyToProgram>,
    join: ServerAction<JoinWithTeam>,
) -> impl IntoView {
    let error = Signal::derive(move || apply.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let JoinInfo {
        program,
        company,
        signup_mode,
        terms,
        invite_email,
        invite_problem,
        your_team,
        brand,
    } = info;
    let invited = invite_email.is_some();
    let invite = invite.filter(|_| invited);
    let (intro, button) = match signup_mode {
        _ if invited => (
            "You were invited: create your account and your team joins at once.",
            "Accept invite",
        ),
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
    let (team_slug, team_invite) = (slug.clone(), invite.clone());
    let shown_email = invite_email.clone();
    let with_team = your_team.map(move |team| {
        let join_error = Signal::derive(move || join.value().get().and_then(Result::err));
        if team.already_in {
            view! {
                <section class="card">
                    <p>{format!("{} is already in this program.", team.name)}</p>
                    <p>
                        <a href="/partner">"Go to your dashboard"</a>
                    </p>
                </section>
            }
            .into_any()
        } else if signup_mode == SignupMode::InviteOnly && !invited {
            ().into_any()
        } else {
            let label = format!("Join with {}", team.name);
            view! {
                <section class="card" aria-label="Join with your team">
                    <p>
                        {format!(
                            "You are signed in as a contact of {}. Your team can join this program too.",
                            team.name,
                        )}
                    </p>
                    <form method="post" action=JoinWithTeam::PATH class="inline">
                        <input type="hidden" name="slug" value=team_slug />
                        {team_invite
                            .map(|token| {
                                view! { <input type="hidden" name="invite" value=token /> }
                            })}
                        <Submit label=label busy_text="Joining…" />
                    </form>
                    <FormAlert error=join_error />
                </section>
            }
            .into_any()
        }
    });
    let form = if signup_mode == SignupMode::InviteOnly && !invited {
        view! {
            <p class="alert" role="alert">
                "This program accepts partners by invitation only."
            </p>
        }
        .into_any()
    } else {
        view! {
            <p>{intro}</p>
            <form method="post" action=ApplyToProgram::PATH class="card form">
                <input type="hidden" name="slug" value=slug />
                {invite.map(|token| view! { <input type="hidden" name="invite" value=token /> })}
                <fieldset>
                    <legend>"About you"</legend>
                    <label for="name">"Your name"</label>
                    <input id="name" name="name" autocomplete="name" required maxlength="100" />
                    <FieldError error name="name" />
                    <label for="email">"Email"</label>
                    <input
                        id="email"
                        type="email"
                        name="email"
                        autocomplete="email"
                        required
                        value=shown_email
                        readonly=invited
                    />
                    <FieldError error name="email" />
                    <label for="password">"Password"</label>
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
                </fieldset>
                <fieldset>
                    <legend>"Your company"</legend>
                    <label for="team_name">"Company or team name"</label>
                    <input
                        id="team_name"
                        name="team_name"
                        autocomplete="organization"
                        required
                        maxlength="100"
                    />
                    <FieldError error name="team_name" />
                    <label for="partner_type">"Partner type"</label>
                    <select id="partner_type" name="partner_type">
                        {PartnerType::APPLYING
                            .iter()
                            .map(|t| view! { <option value=t.as_str()>{t.label()}</option> })
                            .collect_view()}
                    </select>
                    <FieldError error name="partner_type" />
                    <label for="website">"Website (optional)"</label>
                    <input
                        id="website"
                        name="website"
                        type="url"
                        placeholder="https://example.com"
                    />
                    <FieldError error name="website" />
                    <label for="country">"Country code (optional)"</label>
                    <input
                        id="country"
                        name="country"
                        maxlength="2"
                        placeholder="US"
                        autocomplete="country"
                    />
                    <FieldError error name="country" />
                </fieldset>
                {(!terms.is_empty())
                    .then(|| {
                        view! {
                            <details>
                                <summary>"Program terms"</summary>
                                <p class="terms">{terms.clone()}</p>
                            </details>
                        }
                    })}
                <FormAlert error=general />
                <Submit label=button busy_text="Creating your account…" />
            </form>
            <p class="muted">"Already a partner? " <a href="/login">"Sign in"</a></p>
        }
        .into_any()
    };
    let help = brand.support_email.clone().map(|email| {
        view! { <p class="muted">"Questions? " <a href=format!("mailto:{email}")>{email.clone()}</a></p> }
    });
    view! {
        <VendorAccent brand=brand.clone() />
        <main id="main" class="page narrow">
            {brand
                .logo_url
                .is_some()
                .then(|| {
                    view! {
                        <p class="join-brand">
                            <VendorLogo brand=brand.clone() />
                        </p>
                    }
                })}
            <h1>{format!("Join {program}")}</h1>
            <p class="muted">{format!("The partner program of {company}.")}</p>
            {help}
            {invite_problem
                .map(|problem| {
                    view! {
                        <p class="alert" role="alert">
                            {problem}
                        </p>
                    }
                })}
            {invite_email
                .map(|email| {
                    view! {
                        <p class="notice" role="status">
                            {format!("This invite is for {email}.")}
                        </p>
                    }
                })}
            {with_team}
            // A signup without an invite is finished from the email it sends; this says so.
            <PublicNotice />
            {form}
        </main>
    }
    .into_any()
}
