//! The leads import on both leads pages: pick or paste a CSV file, preview every row with its
//! problems, then import all rows at once (nothing is written while any row is wrong).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::{ImportPartnerLeads, ImportVendorLeads};
use crate::dto::ImportOutcome;
use crate::forms::{Refusal, ask};

/// A partner's import: leads registered for the team in the current program.
#[island]
pub fn PartnerLeadImport() -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<ImportOutcome>);
    view! {
        <ImportSection columns="company, email, contact_name, domain, notes" outcome>
            <form method="post" action=ImportPartnerLeads::PATH class="form">
                <CsvField csv />
                <PreviewButton outcome path=ImportPartnerLeads::PATH />
            </form>
            <ConfirmImport outcome>
                <form method="post" action=ImportPartnerLeads::PATH class="inline">
                    <input type="hidden" name="csv" prop:value=move || csv.get() />
                    <input type="hidden" name="confirm" value="1" />
                    <ConfirmButton outcome />
                </form>
            </ConfirmImport>
        </ImportSection>
    }
}

/// A teammate's import: each lead passed to the partner its `partner_key` names.
#[island]
pub fn VendorLeadImport(program: i64) -> impl IntoView {
    let csv = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<ImportOutcome>);
    view! {
        <ImportSection columns="company, email, partner_key, contact_name, domain, notes" outcome>
            <form method="post" action=ImportVendorLeads::PATH class="form">
                <input type="hidden" name="program" value=program />
                <CsvField csv />
                <PreviewButton outcome path=ImportVendorLeads::PATH />
            </form>
            <ConfirmImport outcome>
                <form method="post" action=ImportVendorLeads::PATH class="inline">
                    <input type="hidden" name="program" value=program />
                    <input type="hidden" name="csv" prop:value=move || csv.get() />
                    <input type="hidden" name="confirm" value="1" />
                    <ConfirmButton outcome />
                </form>
            </ConfirmImport>
        </ImportSection>
    }
}

#[component]
fn ImportSection(
    columns: &'static str,
    outcome: RwSignal<Option<ImportOutcome>>,
    children: Children,
) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="import-leads">
            <h2 id="import-leads">"Import leads from CSV"</h2>
            <p class="muted">
                {format!(
                    "The first line names the columns: {columns}. Company and email are required. Nothing is imported until every row is right.",
                )}
            </p>
            {children()}
            {move || outcome.get().map(preview)}
        </section>
    }
}

/// Reads the file without writing anything: its form is sent in the background and every row
/// comes back checked.
#[component]
fn PreviewButton(outcome: RwSignal<Option<ImportOutcome>>, path: &'static str) -> impl IntoView {
    let start = move |ev: leptos::ev::MouseEvent| {
        outcome.set(None);
        ask(&ev, path, Refusal::InTheForm, move |answer| {
            outcome.set(answer.ok())
        });
    };
    view! {
        <button type="submit" class="secondary" data-busy="Reading…" on:click=start>
            "Preview import"
        </button>
        <span role="status" class="muted"></span>
    }
}

/// The text area holds the file; choosing a file fills it (after hydration), pasting works
/// everywhere.
#[component]
fn CsvField(csv: RwSignal<String>) -> impl IntoView {
    let pick = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(&ev);
            if let Some(file) = input.files().and_then(|files| files.get(0)) {
                leptos::task::spawn_local(async move {
                    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await;
                    if let Some(text) = text.ok().and_then(|t| t.as_string()) {
                        csv.set(text);
                    }
                });
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <label for="import-file">"Choose a CSV file"</label>
        <input id="import-file" type="file" accept=".csv,text/csv" on:change=pick />
        <label for="import-csv">"CSV contents"</label>
        <textarea
            id="import-csv"
            name="csv"
            rows="5"
            required
            prop:value=move || csv.get()
            on:input=move |ev| csv.set(event_target_value(&ev))
        ></textarea>
    }
}

/// Shows its children (the confirm form) once a preview has every row right.
#[component]
fn ConfirmImport(outcome: RwSignal<Option<ImportOutcome>>, children: ChildrenFn) -> impl IntoView {
    move || {
        outcome
            .get()
            .filter(|o| o.imported.is_none() && o.invalid == 0 && o.valid > 0)
            .map(|_| children())
    }
}

/// Imports the previewed rows; the leads list loads again with them (the form sender sends it).
#[component]
fn ConfirmButton(outcome: RwSignal<Option<ImportOutcome>>) -> impl IntoView {
    let label = move || {
        let count = outcome.get().map(|o| o.valid).unwrap_or(0);
        format!(
            "Import {count} {}",
            if count == 1 { "lead" } else { "leads" }
        )
    };
    view! {
        <button type="submit" data-busy="Importing…">
            {label}
        </button>
    }
}

fn preview(outcome: ImportOutcome) -> AnyView {
    let summary = if outcome.invalid > 0 {
        format!(
            "{} of {} rows need fixing; nothing will be imported until they are right.",
            outcome.invalid,
            outcome.rows.len()
        )
    } else {
        format!("{} rows are ready to import.", outcome.valid)
    };
    let with_keys = outcome.rows.iter().any(|r| r.partner_key.is_some());
    view! {
        <p role="status" class="notice">
            {summary}
        </p>
        {
            view! {
                <table aria-label="Import preview">
                    <thead>
                        <tr>
                            <th scope="col">"Line"</th>
                            <th scope="col">"Company"</th>
                            <th scope="col">"Email"</th>
                            {with_keys.then(|| view! { <th scope="col">"Partner key"</th> })}
                            <th scope="col">"Check"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {outcome
                            .rows
                            .into_iter()
                            .map(|r| {
                                let ok = r.errors.is_empty();
                                view! {
                                    <tr class:row-error=!ok>
                                        <td>{r.line}</td>
                                        <td>{r.company}</td>
                                        <td>{r.email}</td>
                                        {with_keys
                                            .then(|| {
                                                view! { <td>{r.partner_key.unwrap_or_default()}</td> }
                                            })}
                                        <td>
                                            {if ok {
                                                r.conflict
                                                    .map(|c| format!("OK · conflicts with {c}"))
                                                    .unwrap_or_else(|| "OK".into())
                                            } else {
                                                r.errors.join("; ")
                                            }}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            }
        }
    }
    .into_any()
}
