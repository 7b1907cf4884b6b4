//! A program's own wording of the emails its partners get, on SQLite and PostgreSQL: a saved
//! wording words the next message (subject, text, the HTML part and the notification), a bad
//! one is refused field by field and changes nothing, the preview fills in sample values, and
//! a reset brings the portal's wording back.

use crate::common::{TestApp, json_of};

on_both_backends!(a_program_words_its_lead_passed_email);
on_both_backends!(a_bad_wording_is_refused_and_changes_nothing);

/// The subject, text and HTML of the newest lead_passed message to Northwind's owner.
async fn last_lead_passed(app: &TestApp) -> (String, String, String) {
    sqlx::query_as(
        "SELECT subject, body, html FROM emails WHERE to_email = 'owner@northwind.example' AND kind = 'lead_passed' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .expect("a lead_passed message")
}

/// The form of a wording of `kind` for `program`.
fn wording<'a>(
    program: &'a str,
    kind: &'a str,
    subject: &'a str,
    text: &'a str,
) -> [(&'static str, &'a str); 4] {
    [
        ("program", program),
        ("kind", kind),
        ("subject", subject),
        ("text", text),
    ]
}

/// Acme's partner manager passes a lead of `company` to Northwind.
async fn pass_lead(app: &TestApp, company: &str) {
    let manager = app.signed_in("manager@acme.example").await;
    let northwind = app.partnership_id("Northwind Agency").await;
    let form = [
        ("company", company),
        ("contact_name", "Ann Buyer"),
        ("email", "buyer@passed-co.example"),
        ("domain", ""),
        ("notes", ""),
        ("partnership_id", northwind.as_str()),
    ];
    let res = app.call(&manager, "pass_lead", &form).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
}

async fn templates_saved(app: &TestApp) -> i64 {
    app.scalar(
        "SELECT COUNT(*) FROM program_email_templates WHERE $1 = $1",
        "x",
    )
    .await
}

async fn a_program_words_its_lead_passed_email(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let program = app.acme_program_id().await.to_string();
    let subject = "New lead: {{ company|upper }}";
    let text = "Hello from {{ program }}!\n\n{% if company %}{{ company }} is yours to call.{% endif %}\n<Team Acme>";
    let form = wording(&program, "lead_passed", subject, text);

    // The preview fills in sample values and the program's name; nothing is saved.
    let res = app.call(&owner, "preview_email_template", &form).await;
    assert_eq!(res.status(), 200);
    let preview = json_of(res).await;
    assert_eq!(preview["subject"], "New lead: COHO WINERY");
    assert_eq!(
        preview["text"],
        "Hello from Acme Partner Program!\n\nCoho Winery is yours to call.\n<Team Acme>"
    );
    assert_eq!(templates_saved(app).await, 0);

    let res = app.call(&owner, "save_email_template", &form).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = 'email_template.saved' AND subject_id = CAST($1 AS BIGINT)",
            &program,
        )
        .await,
        1
    );
    let page = json_of(
        app.call(
            &owner,
            "email_templates",
            &[("program", program.as_str()), ("kind", "lead_passed")],
        )
        .await,
    )
    .await;
    assert_eq!(page["editing"]["subject"], subject);
    assert_eq!(page["editing"]["text"], text);
    let row = page["templates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "lead_passed")
        .unwrap();
    assert!(row["saved_at"].is_string(), "{row}");

    // The next lead is worded the program's way, in all three parts and under the bell.
    pass_lead(app, "Passed Co").await;
    let (subject, text, html) = last_lead_passed(app).await;
    assert_eq!(subject, "New lead: PASSED CO");
    assert_eq!(
        text,
        "Hello from Acme Partner Program!\n\nPassed Co is yours to call.\n<Team Acme>"
    );
    assert!(html.contains("Passed Co is yours to call."), "{html}");
    assert!(html.contains("&lt;Team Acme&gt;") && !html.contains("<Team Acme>"));
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM notifications WHERE kind = 'lead_passed' AND title = $1",
            "New lead: PASSED CO",
        )
        .await,
        1
    );

    // Reset: the portal's wording again.
    let res = app
        .call(
            &owner,
            "reset_email_template",
            &[("program", program.as_str()), ("kind", "lead_passed")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(templates_saved(app).await, 0);
    pass_lead(app, "Second Co").await;
    let (subject, _, _) = last_lead_passed(app).await;
    assert_eq!(subject, "A lead for you: Second Co");
}

async fn a_bad_wording_is_refused_and_changes_nothing(app: &TestApp) {
    let owner = app.signed_in("owner@acme.example").await;
    let technical = app.signed_in("tech@acme.example").await;
    let program = app.acme_program_id().await.to_string();
    let events = app
        .scalar("SELECT COUNT(*) FROM events WHERE $1 = $1", "x")
        .await;
    let refused = [
        (
            "Hi {{ partner }}",
            "Text",
            "subject",
            "Unknown placeholder {{ partner }}: this email can use {{ program }}, {{ deal }}, {{ protected_until }}",
        ),
        (
            "Hi",
            "{% for c in deal %}{{ c }}{% endfor %}",
            "text",
            "Only {% if %}, {% elif %}, {% else %} and {% endif %} may be used, not {% for %}",
        ),
        (
            "Hi",
            "Line one\n{{ deal ",
            "text",
            "This does not read as a template: ",
        ),
        ("Hi", "{{ deal|indent(100000000) }}", "text", "filter"),
        ("", "Text", "subject", "Write a subject"),
    ];
    for (subject, text, field, message) in refused {
        for endpoint in ["preview_email_template", "save_email_template"] {
            let res = app
                .call(
                    &owner,
                    endpoint,
                    &wording(&program, "deal_approved", subject, text),
                )
                .await;
            assert_eq!(res.status(), 400, "{endpoint}: {subject} / {text}");
            let body: serde_json::Value = res.json().await.unwrap();
            let said = body["fields"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f[0] == field)
                .map(|f| f[1].as_str().unwrap().to_owned())
                .unwrap_or_else(|| panic!("no {field} problem: {body}"));
            assert!(said.contains(message), "{said}");
        }
    }
    // The syntax error names its line.
    let res = app
        .call(
            &owner,
            "preview_email_template",
            &wording(&program, "deal_approved", "Hi", "Line one\n{{ deal "),
        )
        .await;
    assert!(res.text().await.unwrap().contains("line 2"));
    // Kinds a program may not reword.
    for kind in ["password_reset", "signup_existing", "nonsense"] {
        let res = app
            .call(
                &owner,
                "save_email_template",
                &[
                    ("program", program.as_str()),
                    ("kind", kind),
                    ("subject", "Hi"),
                    ("text", "Text"),
                ],
            )
            .await;
        assert_eq!(res.status(), 404, "{kind}");
    }
    // A technical teammate does not manage the program's settings.
    let res = app
        .call(
            &technical,
            "save_email_template",
            &wording(&program, "deal_approved", "Hi", "Text"),
        )
        .await;
    assert_eq!(res.status(), 403);
    assert_eq!(templates_saved(app).await, 0);
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM events WHERE $1 = $1", "x")
            .await,
        events
    );
}
