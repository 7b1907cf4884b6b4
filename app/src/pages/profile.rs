use domain::payout::PayoutMethod;
use leptos::prelude::*;

use crate::api::{
    ChangePassword, SaveEmailPreferences, SetPayoutDetails, UpdateName, fetch_profile,
};
use crate::components::{FieldError, FormAlert, Submit, TopBar, cleared_when, data_page};
use crate::dto::{PayoutView, ProfilePage as Data};

/// `/profile`: your name and password, and your team's payout details.
#[component]
pub fn ProfilePage() -> impl IntoView {
    let rename = ServerAction::<UpdateName>::new();
    let password = ServerAction::<ChangePassword>::new();
    let payout = ServerAction::<SetPayoutDetails>::new();
    let prefs = ServerAction::<SaveEmailPreferences>::new();
    let data = Resource::new(
        move || {
            (
                rename.version().get(),
                payout.version().get(),
                prefs.version().get(),
            )
        },
        |_| fetch_profile(),
    );
    data_page("Profile", data, move |data| {
        view! { <Profile data rename password payout prefs /> }.into_any()
    })
}

/// A confirmation once an action succeeded.
fn done(succeeded: Signal<bool>, text: &'static str) -> impl Fn() -> Option<AnyView> {
    move || {
        succeeded.get().then(|| {
            view! {
                <p role="status" class="notice">
                    {text}
                </p>
            }
            .into_any()
        })
    }
}

#[component]
fn Profile(
    data: Data,
    rename: ServerAction<UpdateName>,
    password: ServerAction<ChangePassword>,
    payout: ServerAction<SetPayoutDetails>,
    prefs: ServerAction<SaveEmailPreferences>,
) -> impl IntoView {
    let rename_error = Signal::derive(move || rename.value().get().and_then(Result::err));
    let password_error = Signal::derive(move || password.value().get().and_then(Result::err));
    let Data {
        viewer,
        name,
        email,
        payout: payout_view,
        emails,
    } = data;
    let prefs_error = Signal::derive(move || prefs.value().get().and_then(Result::err));
    view! {
        <TopBar viewer />
        <main id="main" class="page narrow">
            <h1>"Profile"</h1>
            <p class="muted">{format!("Signed in as {email}")}</p>
            <section class="card">
                <h2>"Name"</h2>
                <ActionForm action=rename attr:class="form">
                    <label for="name">"Your name"</label>
                    <input id="name" name="name" value=name required maxlength="100" />
                    <FieldError error=rename_error name="name" />
                    <Submit label="Save name" pending=rename.pending() busy_text="Saving…" />
                    {done(
                        Signal::derive(move || matches!(rename.value().get(), Some(Ok(())))),
                        "Name saved.",
                    )}
                </ActionForm>
            </section>
            <section class="card">
                <h2>"Password"</h2>
                <ActionForm action=password attr:class="form">
                    <label for="current_password">"Current password"</label>
                    <input
                        id="current_password"
                        type="password"
                        name="current_password"
                        autocomplete="current-password"
                        required
                    />
                    <FieldError error=password_error name="current_password" />
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
                    <FieldError error=password_error name="new_password" />
                    <p class="muted">
                        "At least 12 characters. Your other sessions end when you change it."
                    </p>
                    <Submit
                        label="Change password"
                        pending=password.pending()
                        busy_text="Changing…"
                    />
                    {done(
                        Signal::derive(move || matches!(password.value().get(), Some(Ok(())))),
                        "Password changed. Other sessions were signed out.",
                    )}
                </ActionForm>
            </section>
            <section class="card" aria-labelledby="emails-heading">
                <h2 id="emails-heading">"Emails"</h2>
                <ActionForm action=prefs attr:class="form">
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
                    <FormAlert error=prefs_error />
                    <Submit
                        label="Save email settings"
                        pending=prefs.pending()
                        busy_text="Saving…"
                    />
                    {done(
                        Signal::derive(move || matches!(prefs.value().get(), Some(Ok(())))),
                        "Email settings saved.",
                    )}
                </ActionForm>
            </section>
            {payout_view.map(|view| view! { <Payout view action=payout /> })}
        </main>
    }
    .into_any()
}

#[component]
fn Payout(view: PayoutView, action: ServerAction<SetPayoutDetails>) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let saved = Signal::derive(move || matches!(action.value().get(), Some(Ok(()))));
    // Saved details and the password leave the fields; the card shows them masked.
    let saved_form = cleared_when(move || saved.get());
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
                    <ActionForm action=action node_ref=saved_form attr:class="form">
                        <label for="method">"Method"</label>
                        <select id="method" name="method">
                            {PayoutMethod::ALL
                                .iter()
                                .map(|m| view! { <option value=m.as_str()>{m.label()}</option> })
                                .collect_view()}
                        </select>
                        <label for="details">"Account (IBAN or email)"</label>
                        <input id="details" name="details" required autocomplete="off" />
                        <FieldError error name="details" />
                        <label for="payout-password">"Your password"</label>
                        <input
                            id="payout-password"
                            type="password"
                            name="password"
                            autocomplete="current-password"
                            required
                        />
                        <FieldError error name="password" />
                        <FormAlert error=general />
                        <Submit
                            label="Save payout details"
                            pending=action.pending()
                            busy_text="Saving…"
                        />
                        {done(saved, "Payout details saved.")}
                    </ActionForm>
                }
                    .into_any()
            } else {
                view! { <p class="muted">"Only your team's owner can change them."</p> }.into_any()
            }}
        </section>
    }
}
