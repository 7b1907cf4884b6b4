use domain::payout::PayoutMethod;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{
    ChangePassword, SaveEmailPreferences, SetPayoutDetails, UpdateName, fetch_profile,
};
use crate::components::{Submit, TopBar, data_page};
use crate::dto::{PayoutView, ProfilePage as Data};

/// `/profile`: your name and password, and your team's payout details.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| fetch_profile());
    data_page("Profile", data, move |data| {
        view! { <Profile data /> }.into_any()
    })
}

#[component]
fn Profile(data: Data) -> impl IntoView {
    let Data {
        viewer,
        name,
        email,
        payout: payout_view,
        emails,
    } = data;
    view! {
        <TopBar viewer />
        <main id="main" class="page narrow">
            <h1>"Profile"</h1>
            <p class="muted">{format!("Signed in as {email}")}</p>
            <section class="card">
                <h2>"Name"</h2>
                <form method="post" action=UpdateName::PATH class="form">
                    <label for="name">"Your name"</label>
                    <input id="name" name="name" value=name required maxlength="100" />
                    <Submit label="Save name" busy_text="Saving…" />
                </form>
            </section>
            <section class="card">
                <h2>"Password"</h2>
                <form method="post" action=ChangePassword::PATH class="form">
                    <label for="current_password">"Current password"</label>
                    <input
                        id="current_password"
                        type="password"
                        name="current_password"
                        autocomplete="current-password"
                        required
                    />
                    <label for="new_password">"New password"</label>
                    <input
                        id="new_password"
                        type="password"
                        name="new_password"
                        autocomplete="new-password"
                        required
                        minlength="12"
                        maxlength="128"
                    />
                    <p class="muted">
                        "At least 12 characters. Your other sessions end when you change it."
                    </p>
                    <Submit label="Change password" busy_text="Changing…" />
                </form>
            </section>
            <section class="card" aria-labelledby="emails-heading">
                <h2 id="emails-heading">"Emails"</h2>
                <form method="post" action=SaveEmailPreferences::PATH class="form">
                    <fieldset>
                        <legend>"Email me when"</legend>
                        {emails
                            .into_iter()
                            .map(|choice| {
                                view! {
                                    <label>
                                        <input
                                            type="checkbox"
                                            name="receive[]"
                                            value=choice.kind
                                            checked=choice.receive
                                        />
                                        " "
                                        {choice.label}
                                    </label>
                                }
                            })
                            .collect_view()}
                    </fieldset>
                    <p class="muted">
                        "What you turn off still appears under Notifications. Sign-in links, invites, decisions on applications and failed payouts are always emailed."
                    </p>
                    <Submit label="Save email settings" busy_text="Saving…" />
                </form>
            </section>
            {payout_view.map(|view| view! { <Payout view /> })}
        </main>
    }
    .into_any()
}

#[component]
fn Payout(view: PayoutView) -> impl IntoView {
    let current = match (&view.method, &view.masked_details) {
        (Some(method), Some(details)) => format!("{method}: {details}"),
        _ => "No payout details yet.".to_owned(),
    };
    view! {
        <section class="card" aria-label="Payout details">
            <h2>{format!("Payout details of {}", view.team)}</h2>
            <p>{current}</p>
            {if view.can_edit {
                view! {
                    <form method="post" action=SetPayoutDetails::PATH class="form">
                        <label for="method">"Method"</label>
                        <select id="method" name="method">
                            {PayoutMethod::ALL
                                .iter()
                                .map(|m| view! { <option value=m.as_str()>{m.label()}</option> })
                                .collect_view()}
                        </select>
                        <label for="details">"Account (IBAN or email)"</label>
                        <input id="details" name="details" required autocomplete="off" />
                        <label for="payout-password">"Your password"</label>
                        <input
                            id="payout-password"
                            type="password"
                            name="password"
                            autocomplete="current-password"
                            required
                        />
                        <Submit label="Save payout details" busy_text="Saving…" />
                    </form>
                }
                    .into_any()
            } else {
                view! { <p class="muted">"Only your team's owner can change them."</p> }.into_any()
            }}
        </section>
    }
}
