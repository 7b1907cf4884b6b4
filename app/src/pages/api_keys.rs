//! `/vendor/api-keys`: the program's keys for the vendor API. A new key is shown once.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{CreateApiKey, RevokeApiKey, fetch_api_keys};
use crate::components::{
    FieldError, FormAlert, NoProgram, Submit, TopBar, cleared_when, data_page,
};
use crate::dto::ApiKeysPage as Data;

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateApiKey>::new();
    let revoke = ServerAction::<RevokeApiKey>::new();
    let data = Resource::new(
        move || {
            let program = query
                .read()
                .get("program")
                .and_then(|v| v.parse::<i64>().ok());
            (program, create.version().get(), revoke.version().get())
        },
        |(program, _, _)| fetch_api_keys(program),
    );
    data_page("API keys", data, move |data| {
        view! { <ApiKeys data create revoke /> }.into_any()
    })
}

#[component]
fn ApiKeys(
    data: Data,
    create: ServerAction<CreateApiKey>,
    revoke: ServerAction<RevokeApiKey>,
) -> impl IntoView {
    let Data {
        viewer,
        program,
        keys,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="API keys" /> }.into_any();
    };
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let revoke_error = Signal::derive(move || revoke.value().get().and_then(Result::err));
    let empty = keys.is_empty();
    let created = cleared_when(move || matches!(create.value().get(), Some(Ok(_))));
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"API keys"</h1>
            <p class="muted">
                {format!(
                    "Keys let your systems record transactions of {} through POST /api/v1/transactions (Authorization: Bearer <key>).",
                    program.name,
                )}
            </p>
            <section class="card" aria-labelledby="new-key">
                <h2 id="new-key">"Create a key"</h2>
                <ActionForm action=create node_ref=created attr:class="form">
                    <input type="hidden" name="program" value=program.id />
                    <label for="key-name">"Key name"</label>
                    <input
                        id="key-name"
                        name="name"
                        required
                        maxlength="80"
                        placeholder="Billing system"
                    />
                    <FieldError error name="name" />
                    <Submit label="Create key" pending=create.pending() busy_text="Creating…" />
                </ActionForm>
                {move || {
                    create
                        .value()
                        .get()
                        .and_then(Result::ok)
                        .map(|k| {
                            view! {
                                <div class="invite-link" role="status">
                                    <p>
                                        {format!(
                                            "Key {} created. Copy it now: it is not shown again.",
                                            k.name,
                                        )}
                                    </p>
                                    <label for="new-api-key">"New API key"</label>
                                    <input
                                        id="new-api-key"
                                        type="text"
                                        readonly
                                        value=k.key
                                        size="80"
                                    />
                                </div>
                            }
                        })
                }}
            </section>
            <FormAlert error=revoke_error />
            <table aria-label="API keys">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Key"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"By"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"Actions"</th>
                    </tr>
                </thead>
                <tbody>
                    {keys
                        .into_iter()
                        .map(|k| {
                            view! {
                                <tr>
                                    <td>{k.name.clone()}</td>
                                    <td>
                                        <code>{format!("{}_…", k.prefix)}</code>
                                    </td>
                                    <td>{k.created_at}</td>
                                    <td>{k.created_by}</td>
                                    <td>
                                        {k
                                            .revoked_at
                                            .clone()
                                            .map(|d| format!("Revoked {d}"))
                                            .unwrap_or_else(|| "Live".into())}
                                    </td>
                                    <td>
                                        {k
                                            .revoked_at
                                            .is_none()
                                            .then(|| {
                                                view! {
                                                    <ActionForm action=revoke attr:class="inline">
                                                        <input type="hidden" name="key_id" value=k.id />
                                                        <button
                                                            type="submit"
                                                            class="secondary"
                                                            aria-label=format!("Revoke {}", k.name)
                                                            disabled=move || revoke.pending().get()
                                                        >
                                                            "Revoke"
                                                        </button>
                                                    </ActionForm>
                                                }
                                            })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                    {empty
                        .then(|| {
                            view! {
                                <tr>
                                    <td colspan="6" class="empty">
                                        "No API keys yet."
                                    </td>
                                </tr>
                            }
                        })}
                </tbody>
            </table>
        </main>
    }
    .into_any()
}
