//! `/vendor/emails/templates`: the emails a program's partners get, each in the portal's
//! wording or the program's own, and an editor for one of them with a preview made from
//! sample values.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use crate::api::{
    PreviewEmailTemplate, ResetEmailTemplate, SaveEmailTemplate, fetch_email_templates,
};
use crate::components::{FieldError, FormAlert, NoProgram, Submit, TopBar, data_page};
use crate::dto::{EmailPreview, EmailTemplateEditor, EmailTemplatesPage as Data};

#[component]
pub fn EmailTemplatesPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SaveEmailTemplate>::new();
    let reset = ServerAction::<ResetEmailTemplate>::new();
    // Counts the saves and resets that succeeded: a refused save must not reload the editor,
    // which would replace the draft with the stored wording.
    let changed = RwSignal::new(0_u32);
    Effect::new(move |_| {
        save.version().track();
        if matches!(save.value().get_untracked(), Some(Ok(_))) {
            changed.update(|n| *n += 1);
        }
    });
    Effect::new(move |_| {
        reset.version().track();
        if matches!(reset.value().get_untracked(), Some(Ok(_))) {
            changed.update(|n| *n += 1);
        }
    });
    // One result line at a time: a save hides the last reset's, and opening another email
    // hides both.
    Effect::new(move |_| {
        if save.pending().get() {
            reset.value().set(None);
        }
    });
    Effect::new(move |_| {
        if reset.pending().get() {
            save.value().set(None);
        }
    });
    Effect::new(move |previous: Option<Option<String>>| {
        let kind = query.read().get("kind");
        if previous.is_some_and(|p| p != kind) {
            save.value().set(None);
            reset.value().set(None);
        }
        kind
    });
    let data = Resource::new(
        move || {
            let q = query.get();
            (
                q.get("program").and_then(|v| v.parse::<i64>().ok()),
                q.get("kind"),
                changed.get(),
            )
        },
        |(program, kind, _)| fetch_email_templates(program, kind),
    );
    data_page("Email templates", data, move |data| {
        view! { <Templates data save reset /> }.into_any()
    })
}

#[component]
fn Templates(
    data: Data,
    save: ServerAction<SaveEmailTemplate>,
    reset: ServerAction<ResetEmailTemplate>,
) -> impl IntoView {
    let Data {
        viewer,
        program,
        templates,
        editing,
    } = data;
    let Some(program) = program else {
        return view! { <NoProgram viewer title="Email templates" /> }.into_any();
    };
    let program_id = program.id;
    let open = editing.as_ref().map(|e| e.row.kind.clone());
    view! {
        <TopBar viewer />
        <main id="main" class="page">
            <h1>"Email templates"</h1>
            <p class="muted">
                {format!(
                    "The emails partners get from {}. Reword one in your own voice: placeholders such as {{{{ deal }}}} are filled in for each message, and the HTML version is made from your text. ",
                    program.name,
                )} <a href="/vendor/emails">"Sent emails are in the outbox."</a>
            </p>
            <div class="table-scroll">
                <table aria-label="Email templates">
                    <thead>
                        <tr>
                            <th scope="col">"Email"</th>
                            <th scope="col">"Sent when"</th>
                            <th scope="col">"Wording"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {templates
                            .into_iter()
                            .map(|t| {
                                let current = open.as_deref() == Some(t.kind.as_str());
                                view! {
                                    <tr>
                                        <td>
                                            <a
                                                href=format!(
                                                    "/vendor/emails/templates?program={program_id}&kind={}",
                                                    t.kind,
                                                )
                                                aria-current=current.then_some("true")
                                            >
                                                {t.label}
                                            </a>
                                        </td>
                                        <td>{t.sent_when}</td>
                                        <td>
                                            {match t.saved_at {
                                                Some(at) => format!("Your own, saved {at}"),
                                                None => "The portal's".to_owned(),
                                            }}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </div>
            {editing.map(|editor| view! { <Editor editor program=program_id save reset /> })}
        </main>
    }
    .into_any()
}

/// The form of one kind's wording, with its placeholders and its preview.
#[component]
fn Editor(
    editor: EmailTemplateEditor,
    program: i64,
    save: ServerAction<SaveEmailTemplate>,
    reset: ServerAction<ResetEmailTemplate>,
) -> impl IntoView {
    let EmailTemplateEditor {
        row,
        subject,
        text,
        placeholders,
        preview: saved_preview,
    } = editor;
    let kind = row.kind.clone();
    let customized = row.saved_at.is_some();
    // Made with the editor, so another kind (or the saved wording) starts from its own preview.
    let preview = ServerAction::<PreviewEmailTemplate>::new();
    let subject_now = RwSignal::new(subject.clone());
    let text_now = RwSignal::new(text.clone());
    let error = Signal::derive(move || save.value().get().and_then(Result::err));
    let general = Signal::derive(move || error.get().filter(|e| e.fields.is_empty()));
    let saved = {
        let kind = kind.clone();
        move || matches!(save.value().get(), Some(Ok(k)) if k == kind)
    };
    let was_reset = {
        let kind = kind.clone();
        move || matches!(reset.value().get(), Some(Ok(k)) if k == kind)
    };
    let run_preview = {
        let kind = kind.clone();
        move |_| {
            preview.dispatch(PreviewEmailTemplate {
                program,
                kind: kind.clone(),
                subject: subject_now.get_untracked(),
                text: text_now.get_untracked(),
            });
        }
    };
    let reset_kind = kind.clone();
    let shown = move || {
        preview
            .value()
            .get()
            .unwrap_or_else(|| saved_preview.clone())
    };
    view! {
        <section aria-labelledby="template-heading">
            <h2 id="template-heading">{row.label.clone()}</h2>
            <p class="muted">
                {row.sent_when.clone()} " "
                {if customized {
                    "This program uses its own wording."
                } else {
                    "This is the portal's wording; saving makes it the program's own."
                }}
            </p>
            <div class="template-editor">
                <ActionForm action=save attr:class="card form">
                    <input type="hidden" name="program" value=program />
                    <input type="hidden" name="kind" value=kind.clone() />
                    <label for="t-subject">"Subject"</label>
                    <input
                        id="t-subject"
                        name="subject"
                        required
                        maxlength="200"
                        value=subject
                        on:input=move |ev| subject_now.set(event_target_value(&ev))
                    />
                    <FieldError error name="subject" />
                    <label for="t-text">"Text"</label>
                    <textarea
                        id="t-text"
                        name="text"
                        rows="10"
                        required
                        maxlength="10000"
                        on:input=move |ev| text_now.set(event_target_value(&ev))
                    >
                        {text}
                    </textarea>
                    <FieldError error name="text" />
                    <FieldError error name="kind" />
                    <FormAlert error=general />
                    <details class="placeholders">
                        <summary>"Placeholders"</summary>
                        <dl>
                            {placeholders
                                .into_iter()
                                .map(|(name, meaning)| {
                                    view! {
                                        <dt>
                                            <code>{format!("{{{{ {name} }}}}")}</code>
                                        </dt>
                                        <dd>{meaning}</dd>
                                    }
                                })
                                .collect_view()}
                        </dl>
                        <p class="muted">
                            "Show a part only when a value is there with {% if reason %}…{% endif %}; change a value's case with {{ deal|upper }}."
                        </p>
                    </details>
                    {move || {
                        saved()
                            .then(|| {
                                view! {
                                    <p role="status" class="notice">
                                        "Saved. New emails use this wording."
                                    </p>
                                }
                            })
                    }}
                    {move || {
                        was_reset()
                            .then(|| {
                                view! {
                                    <p role="status" class="notice">
                                        "Back to the portal's wording."
                                    </p>
                                }
                            })
                    }}
                    <div class="actions-row">
                        <Submit
                            label="Save template"
                            pending=save.pending()
                            busy_text="Saving…"
                        />
                        <button
                            type="button"
                            class="secondary"
                            on:click=run_preview
                            disabled=move || preview.pending().get()
                        >
                            {move || {
                                if preview.pending().get() { "Previewing…" } else { "Preview" }
                            }}
                        </button>
                    </div>
                </ActionForm>
                <Preview shown=Signal::derive(shown) />
            </div>
            {customized
                .then(|| {
                    view! {
                        <ActionForm action=reset attr:class="inline">
                            <input type="hidden" name="program" value=program />
                            <input type="hidden" name="kind" value=reset_kind />
                            <Submit
                                label="Reset to the portal's wording"
                                pending=reset.pending()
                                busy_text="Resetting…"
                                secondary=true
                            />
                        </ActionForm>
                    }
                })}
            <FormAlert error=Signal::derive(move || reset.value().get().and_then(Result::err)) />
        </section>
    }
}

/// The preview: the subject and the text.
#[component]
fn Preview(shown: Signal<Result<EmailPreview, crate::error::AppError>>) -> impl IntoView {
    view! {
        <section class="card email-preview" aria-label="Preview">
            <h3>"Preview"</h3>
            <p class="muted">
                "With sample values. The HTML version is this text in the portal's email layout."
            </p>
            {move || match shown.get() {
                Ok(p) => {
                    view! {
                        <p>
                            <strong>"Subject: "</strong>
                            <span class="preview-subject">{p.subject}</span>
                        </p>
                        <pre class="email-text preview-text">{p.text}</pre>
                    }
                        .into_any()
                }
                Err(error) => view! { <FormAlert error=Signal::stored(Some(error)) /> }.into_any(),
            }}
        </section>
    }
}
