//! `/vendor/emails/templates`: the emails a program's partners get, each in the portal's
//! wording or the program's own, and an editor for one of them with a preview made from
//! sample values.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_router::hooks::use_query_map;

use crate::api::{ResetEmailTemplate, SaveEmailTemplate, fetch_email_templates};
use crate::components::{NoProgram, Submit, TopBar, data_page};
use crate::dto::{EmailPreview, EmailTemplateEditor, EmailTemplatesPage as Data};
use crate::forms::{Refusal, ask};

#[component]
pub fn EmailTemplatesPage() -> impl IntoView {
    let query = use_query_map();
    let data = Resource::new(
        move || {
            let q = query.get();
            (
                q.get("program").and_then(|v| v.parse::<i64>().ok()),
                q.get("kind"),
            )
        },
        |(program, kind)| fetch_email_templates(program, kind),
    );
    data_page("Email templates", data, move |data| {
        view! { <Templates data /> }.into_any()
    })
}

#[component]
fn Templates(data: Data) -> impl IntoView {
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
            {editing.map(|editor| view! { <Editor editor program=program_id /> })}
        </main>
    }
    .into_any()
}

/// The form of one kind's wording, with its placeholders and its preview.
#[component]
fn Editor(editor: EmailTemplateEditor, program: i64) -> impl IntoView {
    let EmailTemplateEditor {
        row,
        subject,
        text,
        placeholders,
        preview: saved_preview,
    } = editor;
    let kind = row.kind.clone();
    let customized = row.saved_at.is_some();
    let reset_kind = kind.clone();
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
                <form method="post" action=SaveEmailTemplate::PATH class="card form">
                    <input type="hidden" name="program" value=program />
                    <input type="hidden" name="kind" value=kind.clone() />
                    <label for="t-subject">"Subject"</label>
                    <input id="t-subject" name="subject" required maxlength="200" value=subject />
                    <label for="t-text">"Text"</label>
                    <textarea id="t-text" name="text" rows="10" required maxlength="10000">
                        {text}
                    </textarea>
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
                    <div class="actions-row">
                        <Submit label="Save template" busy_text="Saving…" />
                        <PreviewButton />
                    </div>
                </form>
                <Preview shown=saved_preview />
            </div>
            {customized
                .then(|| {
                    view! {
                        <form method="post" action=ResetEmailTemplate::PATH class="inline">
                            <input type="hidden" name="program" value=program />
                            <input type="hidden" name="kind" value=reset_kind />
                            <Submit
                                label="Reset to the portal's wording"
                                busy_text="Resetting…"
                                secondary=true
                            />
                        </form>
                    }
                })}
        </section>
    }
}

/// Previews the form's wording as it is now, with sample values, in the preview beside it: the
/// form is sent to the preview server function in the background; nothing is saved.
#[island]
fn PreviewButton() -> impl IntoView {
    let start = move |ev: leptos::ev::MouseEvent| {
        ask::<EmailPreview>(
            &ev,
            crate::api::PreviewEmailTemplate::PATH,
            Refusal::WithTheAnswer,
            |shown| {
                #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
                show_preview(shown);
                #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
                let _ = shown;
            },
        );
    };
    view! {
        <button type="button" class="secondary" data-busy="Previewing…" on:click=start>
            "Preview"
        </button>
    }
}

/// Puts a fresh preview, or what is wrong with the wording, into the preview card the server
/// drew.
#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn show_preview(shown: Result<EmailPreview, crate::error::AppError>) {
    let document = document();
    let find = |selector: &str| {
        document
            .query_selector(&format!(".email-preview {selector}"))
            .ok()
            .flatten()
    };
    let (Some(body), Some(alert)) = (find(".preview-body"), find(".alert")) else {
        return;
    };
    match shown {
        Ok(preview) => {
            for (selector, text) in [
                (".preview-subject", &preview.subject),
                (".preview-text", &preview.text),
            ] {
                if let Some(node) = find(selector) {
                    node.set_text_content(Some(text));
                }
            }
            let _ = alert.set_attribute("hidden", "");
            let _ = body.remove_attribute("hidden");
        }
        Err(error) => {
            alert.set_text_content(Some(&error.spelled_out()));
            let _ = alert.remove_attribute("hidden");
            let _ = body.set_attribute("hidden", "");
        }
    }
}

/// The preview: the subject and the text, or the problem when the wording cannot be rendered.
#[component]
fn Preview(shown: Result<EmailPreview, crate::error::AppError>) -> impl IntoView {
    let (preview, problem) = match shown {
        Ok(p) => (p, None),
        Err(error) => (EmailPreview::default(), Some(error.spelled_out())),
    };
    let broken = problem.is_some();
    view! {
        <section class="card email-preview" aria-label="Preview">
            <h3>"Preview"</h3>
            <p class="muted">
                "With sample values. The HTML version is this text in the portal's email layout."
            </p>
            <p role="alert" class="alert" hidden=!broken>
                {problem}
            </p>
            <div class="preview-body" hidden=broken>
                <p>
                    <strong>"Subject: "</strong>
                    <span class="preview-subject">{preview.subject}</span>
                </p>
                <pre class="email-text preview-text">{preview.text}</pre>
            </div>
        </section>
    }
}
