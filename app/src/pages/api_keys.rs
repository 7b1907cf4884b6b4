//! `/vendor/api-keys`: the program's keys for the vendor API. A new key is shown once.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{CreateApiKey, RevokeApiKey, fetch_api_keys};
use crate::components::{NoProgram, Submit, TopBar, data_page};
use crate::dto::ApiKeysPage as Data;

#[component]
pub fn ApiKeysPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            query
                .read()
                .get("program")
                .and_then(|v| v.parse::<i64>().ok())
        },
        fetch_api_keys,
    );
    data_page("API keys", data, move |data| {
        view! { <ApiKeys data /> }.into_any()
    })
}

#[component]
fn ApiKeys(data: Data) -> impl IntoView {
    let Data {
        viewer,
        program,
        keys,
        new_key,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="API keys" /> }.into_any();
    };
    let empty = keys.is_empty();
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
                <form method="post" action=CreateApiKey::PATH class="form">
                    <input type="hidden" name="program" value=program.id />
                    <label for="key-name">"Key name"</label>
                    <input
                        id="key-name"
                        name="name"
                        required
                        maxlength="80"
                        placeholder="Billing system"
                    />
                    <Submit label="Create key" busy_text="Creating…" />
                </form>
                {new_key
                    .map(|key| {
                        view! {
                            <div class="invite-link">
                                <label for="new-api-key">"New API key"</label>
                                <input id="new-api-key" type="text" readonly value=key size="80" />
                            </div>
                        }
                    })}
            </section>
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
                                                    <form
                                                        method="post"
                                                        action=RevokeApiKey::PATH
                                                        class="inline"
                                                    >
                                                        <input type="hidden" name="key_id" value=k.id />
                                                        <button
                                                            type="submit"
                                                            class="secondary"
                                                            aria-label=format!("Revoke {}", k.name)
                                                        >
                                                            "Revoke"
                                                        </button>
                                                    </form>
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
