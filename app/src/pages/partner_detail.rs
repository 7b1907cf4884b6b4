use domain::time::format_date;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{SavePartnerNotes, fetch_partner};
use crate::components::{ErrorPage, FieldError, Loading, Submit, TopBar};
use crate::dto::PartnerDetail;

/// `/vendor/partners/<id>`: one partner in detail.
#[component]
pub fn PartnerDetailPage() -> impl IntoView {
    let params = use_params_map();
    let notes = ServerAction::<SavePartnerNotes>::new();
    let data = Resource::new(
        move || {
            (
                params
                    .read()
                    .get("id")
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0),
                notes.version().get(),
            )
        },
        |(id, _)| fetch_partner(id),
    );
    view! {
        <Title text="Partner" />
        <Suspense fallback=Loading>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(detail) => view! { <Detail detail notes /> }.into_any(),
                    Err(error) => view! { <ErrorPage error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Detail(detail: PartnerDetail, notes: ServerAction<SavePartnerNotes>) -> impl IntoView {
    let error = Signal::derive(move || notes.value().get().and_then(Result::err));
    let saved = move || {
        matches!(notes.value().get(), Some(Ok(())))
            .then(|| view! { <p role="status" class="notice">"Notes saved."</p> })
    };
    let d = detail;
    view! {
        <TopBar viewer=d.viewer.clone() home="/vendor" />
        <main class="page">
            <p><a href="/vendor/partners">"← Partners"</a></p>
            <h1>{d.partner_team.clone()}</h1>
            <p class="muted">{format!("{} · {}", d.kind, d.program)}</p>
            <div class="columns">
                <section class="card" aria-label="Partnership">
                    <h2>"Partnership"</h2>
                    <dl class="facts">
                        <dt>"Status"</dt><dd><span class=format!("badge {}", d.status)>{d.status.clone()}</span>
                            {d.rejection_reason.clone().map(|r| view! { <span class="muted">{format!(" — {r}")}</span> })}</dd>
                        <dt>"Group"</dt><dd>{d.group.clone()}</dd>
                        <dt>"Tier"</dt><dd>{d.tier.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Tags"</dt><dd>{d.tags.iter().map(|t| view! { <span class="tag">{t.clone()}</span> }).collect_view()}</dd>
                        <dt>"Manager"</dt><dd>{d.manager.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Partner key"</dt><dd><code>{d.partner_key.clone()}</code></dd>
                        <dt>"Joined"</dt><dd>{format_date(d.joined_at)}</dd>
                        <dt>"Website"</dt><dd>{d.website.clone().unwrap_or_else(|| "—".into())}</dd>
                        <dt>"Country"</dt><dd>{d.country.clone().unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                </section>
                <section class="card">
                    <h2 id="contacts-heading">"Contacts"</h2>
                    <table aria-labelledby="contacts-heading">
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th></tr></thead>
                        <tbody>
                            {d.contacts.iter().map(|c| view! { <tr><td>{c.name.clone()}</td><td>{c.email.clone()}</td><td>{c.role.label()}</td></tr> }).collect_view()}
                        </tbody>
                    </table>
                </section>
            </div>
            <section class="card">
                <h2>"Notes"</h2>
                {if d.can_edit_notes {
                    view! {
                        <ActionForm action=notes attr:class="form">
                            <input type="hidden" name="partnership_id" value=d.partnership_id />
                            <label for="notes">"Notes for your team (partners never see them)"</label>
                            <textarea id="notes" name="notes" rows="4" maxlength="10000">{d.notes.clone()}</textarea>
                            <FieldError error name="notes" />
                            <Submit label="Save notes" pending=notes.pending() busy_text="Saving…" />
                            {saved}
                        </ActionForm>
                    }.into_any()
                } else {
                    view! { <p class="terms">{if d.notes.is_empty() { "No notes.".to_owned() } else { d.notes.clone() }}</p> }.into_any()
                }}
            </section>
            <section class="card">
                <h2 id="history-heading">"History"</h2>
                <table aria-labelledby="history-heading">
                    <thead><tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col">"Who"</th></tr></thead>
                    <tbody>
                        {d.history.iter().map(|h| view! { <tr><td>{format_date(h.at)}</td><td>{h.what.clone()}</td><td>{h.actor.clone().unwrap_or_else(|| "—".into())}</td></tr> }).collect_view()}
                        {d.history.is_empty().then(|| view! { <tr><td colspan="3" class="empty">"No changes recorded yet."</td></tr> })}
                    </tbody>
                </table>
            </section>
        </main>
    }
    .into_any()
}
