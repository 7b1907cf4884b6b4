//! Server-function forms sent in the background. Every form the server renders posts to its
//! server function (`/api/…`) and works without JavaScript: the server answers a browser's post
//! with a redirect back (or to where the function sends it), and the page shows the result.
//! With the wasm loaded, [`FormSender`] sends such a form with `fetch` instead, so the page can
//! show that it is working, keep what was typed when the server refuses it, and show each
//! problem beside its field; a success loads the page the server points to (or this one again).
//!
//! It listens on the window, so it serves forms it never rendered. A form that handles its
//! own submission (the leads import's preview) cancels the event first, and is left alone. A
//! form whose answer is shown where it was asked (a dry run, a preview, a revealed secret) uses
//! [`ask`] from its own button.

use leptos::prelude::*;

/// Sends the page's server-function forms in the background; mounted once, at the end of
/// `App`. It is the last island of every page, so once it has hydrated every island has: it
/// marks `<body data-hydrated>` for the end-to-end tests.
#[island]
pub fn FormSender() -> impl IntoView {
    // Only in the browser: a build with both features (`cargo test --workspace`) renders pages
    // on the server, where an effect would be spawned outside any local task set.
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    Effect::new(|_| {
        client::listen();
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

/// Where the refusal of a form asked for an answer ([`ask`]) is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Beside its fields, or as an alert in the form, as the form sender shows any refusal.
    InTheForm,
    /// Where the caller shows the answer (an email preview shows what is wrong there).
    WithTheAnswer,
}

/// For a button that asks its form's server function (at `path`) for an answer shown in place
/// rather than followed (a dry run, a preview, a secret): cancels the click's own submission,
/// sends the form (with the button's value) in the background and hands the answer to `then`.
/// The button is busy meanwhile.
pub fn ask<T>(
    ev: &leptos::ev::MouseEvent,
    path: &'static str,
    refusal: Refusal,
    then: impl FnOnce(Result<T, crate::error::AppError>) + 'static,
) where
    T: serde::de::DeserializeOwned + 'static,
{
    #[cfg(all(feature = "hydrate", not(feature = "ssr")))]
    {
        use wasm_bindgen::JsCast;
        let Some(button) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            return;
        };
        let Some(form) = button
            .dyn_ref::<web_sys::HtmlButtonElement>()
            .and_then(web_sys::HtmlButtonElement::form)
        else {
            return;
        };
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            let answer = client::answer::<T>(&form, &button, path).await;
            if let (Err(error), Refusal::InTheForm) = (&answer, refusal) {
                client::show(&form, Some(&button), error);
            }
            then(answer);
        });
    }
    #[cfg(not(all(feature = "hydrate", not(feature = "ssr"))))]
    let _ = (ev, path, refusal, then);
}

/// How a server function's answer to a background post is followed up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Load this address (the function redirected).
    Go(String),
    /// Load the current page again: it shows the result.
    Reload,
    /// Stay, and show these problems in the form.
    Refused(crate::error::AppError),
}

/// Reads a server function's answer: its status, its `Location` header and its body.
pub fn outcome(status: u16, location: Option<String>, body: &str) -> Outcome {
    if (200..300).contains(&status) {
        // Only a path of this site: browsers read `/\host` as `//host`, another site.
        let local = |l: &String| {
            l.starts_with('/')
                && !l.starts_with("//")
                && !l.contains('\\')
                && !l.chars().any(char::is_control)
        };
        return match location.filter(local) {
            Some(to) => Outcome::Go(to),
            None => Outcome::Reload,
        };
    }
    Outcome::Refused(
        serde_json::from_str(body)
            .unwrap_or_else(|_| crate::error::AppError::new(status, refusal_text(status))),
    )
}

/// What to say when an answer carries no readable error.
fn refusal_text(status: u16) -> &'static str {
    match status {
        0 => "The server could not be reached. Check your connection and try again.",
        401 => "Your session has ended. Sign in again.",
        403 => "You do not have access to this.",
        413 => "That is too large to send.",
        429 => "Too many attempts. Wait a moment and try again.",
        _ => "Something went wrong. Try again.",
    }
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
pub(crate) mod client {
    use std::cell::Cell;

    use leptos::prelude::{document, window};
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{
        Element, FormData, HtmlButtonElement, HtmlElement, HtmlFormElement, PageTransitionEvent,
        RequestInit, Response, SubmitEvent, UrlSearchParams,
    };

    use super::{Outcome, outcome, refusal_text};
    use crate::error::AppError;

    thread_local! {
        static LISTENING: Cell<bool> = const { Cell::new(false) };
        static NOTES: Cell<u32> = const { Cell::new(0) };
    }

    /// Marks what this module added to a form, so the next attempt can take it away.
    const MARK: &str = "data-sent-error";

    pub fn listen() {
        if LISTENING.with(|l| l.replace(true)) {
            return;
        }
        let on_submit = Closure::<dyn Fn(SubmitEvent)>::new(on_submit);
        // On the window, the last stop of a bubbling event: a form's own handler (also one
        // Leptos delegates to the document) has run and may have cancelled it.
        let _ =
            window().add_event_listener_with_callback("submit", on_submit.as_ref().unchecked_ref());
        // The listener lives as long as the page.
        on_submit.forget();
        // A page the browser brings back from its back/forward cache may be frozen mid-send.
        let on_show = Closure::<dyn Fn(PageTransitionEvent)>::new(|event: PageTransitionEvent| {
            if event.persisted() {
                idle_everywhere();
            }
        });
        let _ =
            window().add_event_listener_with_callback("pageshow", on_show.as_ref().unchecked_ref());
        on_show.forget();
    }

    /// Every form on the page ready again, as if nothing were being sent.
    fn idle_everywhere() {
        let Ok(busy) = document().query_selector_all("form[aria-busy=\"true\"]") else {
            return;
        };
        for i in 0..busy.length() {
            let Some(form) = busy
                .item(i)
                .and_then(|n| n.dyn_into::<HtmlFormElement>().ok())
            else {
                continue;
            };
            let button = form
                .query_selector("[data-sending]")
                .ok()
                .flatten()
                .and_then(|b| b.dyn_into::<HtmlElement>().ok());
            self::busy(&form, button.as_ref(), false);
        }
    }

    fn on_submit(event: SubmitEvent) {
        if event.default_prevented() {
            return;
        }
        let Some(form) = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
        else {
            return;
        };
        let submitter = event.submitter();
        // Attributes, not the `action`/`method` properties: a field named "action" (several
        // forms have one) hides those. A button with its own target, and a form that sends
        // files, go the browser's way.
        let attribute = |name: &str| form.get_attribute(name).unwrap_or_default();
        let own_target = submitter
            .as_ref()
            .is_some_and(|s| s.has_attribute("formaction") || s.has_attribute("formmethod"));
        let plain = matches!(
            attribute("enctype").to_ascii_lowercase().as_str(),
            "" | "application/x-www-form-urlencoded"
        );
        let Ok(here) = window().location().href() else {
            return;
        };
        let Ok(url) = web_sys::Url::new_with_base(&attribute("action"), &here) else {
            return;
        };
        let same_origin = window().location().origin().ok() == Some(url.origin());
        if !attribute("method").eq_ignore_ascii_case("post")
            || !same_origin
            || !url.pathname().starts_with("/api/")
            || own_target
            || !plain
        {
            return;
        }
        event.prevent_default();
        if form.get_attribute("aria-busy").as_deref() == Some("true") {
            return;
        }
        let Some(body) = encode(&form, submitter.as_ref()) else {
            return;
        };
        leptos::task::spawn_local(send(form, submitter, url.pathname(), body));
    }

    /// The form's fields (and the pressed button's own value) as a URL-encoded body.
    fn encode(form: &HtmlFormElement, submitter: Option<&HtmlElement>) -> Option<String> {
        let data = FormData::new_with_form(form).ok()?;
        if let Some(button) = submitter
            && let Some(name) = button.get_attribute("name").filter(|n| !n.is_empty())
        {
            let value = match button.dyn_ref::<HtmlButtonElement>() {
                Some(b) => b.value(),
                None => button.get_attribute("value").unwrap_or_default(),
            };
            data.append_with_str(&name, &value).ok()?;
        }
        let params = UrlSearchParams::new_with_str_sequence_sequence(&data).ok()?;
        Some(String::from(params.to_string()))
    }

    async fn send(
        form: HtmlFormElement,
        submitter: Option<HtmlElement>,
        path: String,
        body: String,
    ) {
        busy(&form, submitter.as_ref(), true);
        clear(&form);
        let answer = post(&path, body).await;
        let next = match answer {
            Ok((status, location, text)) => outcome(status, location, &text),
            Err(_) => outcome(0, None, ""),
        };
        match next {
            Outcome::Go(to) => {
                let _ = window().location().assign(&to);
            }
            Outcome::Reload => {
                let _ = window().location().reload();
            }
            Outcome::Refused(error) => {
                busy(&form, submitter.as_ref(), false);
                show(&form, submitter.as_ref(), &error);
            }
        }
    }

    /// Sends `form`, with `button`'s own value, to the server function at `path` and reads its
    /// answer as `T` (see [`super::ask`]). The button is busy meanwhile.
    pub async fn answer<T: serde::de::DeserializeOwned>(
        form: &HtmlFormElement,
        button: &HtmlElement,
        path: &str,
    ) -> Result<T, AppError> {
        let body = encode(form, Some(button))
            .ok_or_else(|| AppError::bad_request("The form cannot be sent"))?;
        busy(form, Some(button), true);
        clear(form);
        let answer = call(path, body).await;
        busy(form, Some(button), false);
        answer
    }

    /// A URL-encoded body of `fields`, as a form would send them.
    pub fn body(fields: &[(&str, &str)]) -> String {
        let Ok(params) = UrlSearchParams::new() else {
            return String::new();
        };
        for (name, value) in fields {
            params.append(name, value);
        }
        String::from(params.to_string())
    }

    /// Calls the server function at `path` with a URL-encoded `body` and reads its answer as `T`
    /// (no typed client: the wasm holds one way to call the server).
    pub async fn call<T: serde::de::DeserializeOwned>(
        path: &str,
        body: String,
    ) -> Result<T, AppError> {
        let answer = post(path, body).await;
        let (status, text) = match answer {
            Ok((status, _, text)) => (status, text),
            Err(_) => (0, String::new()),
        };
        if (200..300).contains(&status)
            && let Ok(value) = serde_json::from_str(&text)
        {
            return Ok(value);
        }
        // Here an answer that cannot be read is a failure too.
        let status = if (200..300).contains(&status) {
            500
        } else {
            status
        };
        match outcome(status, None, &text) {
            Outcome::Refused(error) => Err(error),
            _ => Err(AppError::new(500, refusal_text(500))),
        }
    }

    async fn post(path: &str, body: String) -> Result<(u16, Option<String>, String), JsValue> {
        let init = RequestInit::new();
        init.set_method("POST");
        init.set_body(&JsValue::from_str(&body));
        let headers = web_sys::Headers::new()?;
        headers.set("Accept", "application/json")?;
        headers.set("Content-Type", "application/x-www-form-urlencoded")?;
        init.set_headers(&headers);
        let response: Response = JsFuture::from(window().fetch_with_str_and_init(path, &init))
            .await?
            .dyn_into()?;
        let location = response.headers().get("Location")?;
        let text = JsFuture::from(response.text()?)
            .await?
            .as_string()
            .unwrap_or_default();
        Ok((response.status(), location, text))
    }

    /// Disables the pressed button and says the form is working, with the button's `data-busy`
    /// text: in the status line beside it (the `Submit` component's) or, without one, on the
    /// button itself until the answer comes.
    fn busy(form: &HtmlFormElement, submitter: Option<&HtmlElement>, on: bool) {
        let _ = form.set_attribute("aria-busy", if on { "true" } else { "false" });
        let Some(button) = submitter else {
            return;
        };
        let text = button
            .get_attribute("data-busy")
            .unwrap_or_else(|| "Working…".to_owned());
        if on {
            let _ = button.set_attribute("disabled", "");
            let _ = button.set_attribute("data-sending", "");
        } else {
            let _ = button.remove_attribute("disabled");
            let _ = button.remove_attribute("data-sending");
        }
        // Only a status line of its own (the `Submit` component's span): a result shown after
        // the button (a dry run's) is not one.
        match button.next_element_sibling() {
            Some(status)
                if status.tag_name().eq_ignore_ascii_case("span")
                    && status.get_attribute("role").as_deref() == Some("status") =>
            {
                status.set_text_content(on.then_some(text.as_str()));
            }
            _ if on => {
                let _ = button.set_attribute("data-idle", &button.inner_text());
                button.set_inner_text(&text);
            }
            _ => {
                if let Some(idle) = button.get_attribute("data-idle") {
                    button.set_inner_text(&idle);
                }
            }
        }
    }

    /// Takes away the problems an earlier attempt showed.
    fn clear(form: &HtmlFormElement) {
        if let Ok(added) = form.query_selector_all(&format!("[{MARK}]")) {
            for i in 0..added.length() {
                if let Some(node) = added.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    node.remove();
                }
            }
        }
        if let Ok(invalid) = form.query_selector_all("[aria-invalid]") {
            for i in 0..invalid.length() {
                if let Some(field) = invalid.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                    let _ = field.remove_attribute("aria-invalid");
                    if let Some(was) = field.get_attribute("data-described-was") {
                        let _ = match was.as_str() {
                            "" => field.remove_attribute("aria-describedby"),
                            was => field.set_attribute("aria-describedby", was),
                        };
                        let _ = field.remove_attribute("data-described-was");
                    }
                }
            }
        }
    }

    /// Shows each field's problem after its field and the rest as an alert before the button;
    /// moves focus to the first field with a problem, or to the alert.
    pub fn show(form: &HtmlFormElement, submitter: Option<&HtmlElement>, error: &AppError) {
        let mut unplaced = Vec::new();
        let mut first: Option<HtmlElement> = None;
        for (name, message) in &error.fields {
            let field = form
                .query_selector(&format!("[name=\"{}\"]", name.replace('"', "")))
                .ok()
                .flatten();
            let Some(field) = field else {
                unplaced.push(message.clone());
                continue;
            };
            let Some(note) = element("field-error") else {
                continue;
            };
            // Names repeat on a page (one form per row): the note's id is counted.
            let id = format!("sent-error-{}", NOTES.with(|n| n.replace(n.get() + 1)));
            note.set_id(&id);
            note.set_text_content(Some(message));
            // A checkbox sits inside its label: the note follows the label.
            let anchor = match field.parent_element() {
                Some(label) if label.tag_name().eq_ignore_ascii_case("label") => label,
                _ => field.clone(),
            };
            let _ = anchor.after_with_node_1(&note);
            let _ = field.set_attribute("aria-invalid", "true");
            // The field keeps what already described it (a hint); `clear` puts that back.
            let was = field.get_attribute("aria-describedby").unwrap_or_default();
            let _ = field.set_attribute("data-described-was", &was);
            let _ = field.set_attribute("aria-describedby", format!("{was} {id}").trim());
            if first.is_none() {
                first = field.dyn_into::<HtmlElement>().ok();
            }
        }
        let general = if error.fields.is_empty() {
            Some(error.message.clone())
        } else {
            (!unplaced.is_empty()).then(|| unplaced.join(" "))
        };
        let mut shown = None;
        if let Some(text) = general
            && let Some(alert) = element("alert")
        {
            let _ = alert.set_attribute("role", "alert");
            // Focus can rest on it: the pressed button was disabled while sending.
            let _ = alert.set_attribute("tabindex", "-1");
            alert.set_text_content(Some(&text));
            match submitter {
                Some(button) => {
                    let _ = button.before_with_node_1(&alert);
                }
                None => {
                    let _ = form.append_with_node_1(&alert);
                }
            }
            shown = alert.dyn_into::<HtmlElement>().ok();
        }
        if let Some(target) = first.or(shown) {
            let _ = target.focus();
        }
    }

    /// A paragraph this module adds, marked so that [`clear`] finds it.
    fn element(class: &str) -> Option<Element> {
        let node = document().create_element("p").ok()?;
        node.set_class_name(class);
        node.set_attribute(MARK, "").ok()?;
        Some(node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::AppError;

    #[test]
    fn a_success_goes_where_the_server_points_inside_the_portal_or_reloads() {
        let go = |location: Option<&str>| outcome(200, location.map(str::to_owned), "null");
        assert_eq!(
            go(Some("/vendor/triggers/7")),
            Outcome::Go("/vendor/triggers/7".into())
        );
        assert_eq!(go(None), Outcome::Reload);
        // Only a path of this site: never another origin, protocol-relative or not.
        assert_eq!(go(Some("https://evil.example/")), Outcome::Reload);
        assert_eq!(go(Some("//evil.example/")), Outcome::Reload);
        assert_eq!(go(Some("/\\evil.example/")), Outcome::Reload);
        assert_eq!(go(Some("/\tevil")), Outcome::Reload);
    }

    #[test]
    fn a_refusal_shows_the_servers_error_or_says_what_happened() {
        let refused = AppError::invalid_fields(vec![("name", "Name the link".into())]);
        let body = serde_json::to_string(&refused).unwrap();
        assert_eq!(outcome(400, None, &body), Outcome::Refused(refused));
        let Outcome::Refused(unreadable) = outcome(502, None, "<html>Bad gateway</html>") else {
            panic!("a 502 is a refusal");
        };
        assert_eq!(unreadable.status, 502);
        assert_eq!(unreadable.message, "Something went wrong. Try again.");
        let Outcome::Refused(offline) = outcome(0, None, "") else {
            panic!("no answer is a refusal");
        };
        assert!(offline.message.contains("could not be reached"));
    }
}
