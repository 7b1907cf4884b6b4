//! In-app notifications on SQLite and PostgreSQL: a partner owner finds what the portal
//! emailed them in the workspace it concerns, with the header's unread count; marks one and
//! then all read; another team's owner can neither see nor mark them; a message whose link
//! acts for its recipient never becomes a notification.

use serde_json::Value;

use crate::common::{TestApp, json_of};

on_both_backends!(
    a_partner_owner_reads_and_marks_notifications,
    an_email_turned_off_is_still_a_notification,
);

async fn page(app: &TestApp, who: &reqwest::Client) -> Value {
    json_of(app.call(who, "notifications", &[]).await).await
}

async fn a_partner_owner_reads_and_marks_notifications(app: &TestApp) {
    let northwind = app.signed_in("owner@northwind.example").await;
    let before = page(app, &northwind).await["viewer"]["unread"]
        .as_i64()
        .unwrap();

    crate::partner_mail::approve_blue_yonder(app).await;

    let inbox = page(app, &northwind).await;
    assert_eq!(inbox["viewer"]["unread"], before + 1, "{inbox}");
    let newest = &inbox["notifications"][0];
    assert_eq!(
        newest["title"],
        "Your deal Blue Yonder analytics rollout is approved"
    );
    assert_eq!(newest["link"], "/partner/deals");
    assert_eq!(newest["read"], false);
    assert!(
        newest["body"]
            .as_str()
            .unwrap()
            .contains("protected for you")
    );
    let id = newest["id"].as_i64().unwrap().to_string();

    // Another team's owner sees none of it and cannot mark it.
    let lakeside = app.signed_in("owner@lakeside.example").await;
    let theirs = page(app, &lakeside).await;
    assert!(!theirs.to_string().contains("Blue Yonder"), "{theirs}");
    let res = app
        .call(
            &lakeside,
            "mark_notifications_read",
            &[("notification", &id)],
        )
        .await;
    assert_eq!(res.status(), 404);

    // One read, then all.
    let marked = json_of(
        app.call(
            &northwind,
            "mark_notifications_read",
            &[("notification", &id)],
        )
        .await,
    )
    .await;
    assert_eq!(marked, 1);
    let again = json_of(
        app.call(
            &northwind,
            "mark_notifications_read",
            &[("notification", &id)],
        )
        .await,
    )
    .await;
    assert_eq!(again, 0, "marking a read one again changes nothing");
    let inbox = page(app, &northwind).await;
    assert_eq!(inbox["viewer"]["unread"], before);
    assert_eq!(inbox["notifications"][0]["read"], true);
    json_of(app.call(&northwind, "mark_notifications_read", &[]).await).await;
    assert_eq!(page(app, &northwind).await["viewer"]["unread"], 0);
    assert!(
        app.scalar(
            "SELECT COUNT(*) FROM events WHERE kind = $1",
            "notification.read"
        )
        .await
            >= 1
    );

    // A reset link stays in the mailbox.
    let visitor = app.client();
    let res = app
        .call(
            &visitor,
            "request_password_reset",
            &[("email", "owner@northwind.example")],
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM notifications WHERE kind = $1",
            "password_reset"
        )
        .await,
        0
    );
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM notifications n JOIN emails e ON e.id = n.email_id WHERE n.kind <> e.kind AND $1 = '1'",
            "1"
        )
        .await,
        0
    );
}

async fn an_email_turned_off_is_still_a_notification(app: &TestApp) {
    let northwind = app.signed_in("owner@northwind.example").await;
    let profile = json_of(app.call(&northwind, "profile", &[]).await).await;
    let kinds: Vec<&str> = profile["emails"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"lead_passed"), "{profile}");
    assert!(!kinds.contains(&"application_received"), "a vendor's kind");
    assert!(!kinds.contains(&"payout_failed"), "always emailed");
    // A kind that is not the partner side's, or not optional, is refused and changes nothing.
    for refused in ["application_received", "password_reset", "nope"] {
        let res = app
            .call(
                &northwind,
                "save_email_preferences",
                &[("receive[]", refused)],
            )
            .await;
        assert_eq!(res.status(), 400, "{refused}");
    }
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM email_opt_outs WHERE $1 = '1'", "1")
            .await,
        0
    );
    // Everything but deals won.
    let res = app
        .call(
            &northwind,
            "save_email_preferences",
            &[("receive[]", "deal_won")],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let profile = json_of(app.call(&northwind, "profile", &[]).await).await;
    for choice in profile["emails"].as_array().unwrap() {
        assert_eq!(choice["receive"], choice["kind"] == "deal_won", "{choice}");
    }

    let lead_mails = async || {
        app.scalar(
            "SELECT COUNT(*) FROM emails WHERE to_email = $1 AND kind = 'lead_passed'",
            "owner@northwind.example",
        )
        .await
    };
    let emails_before = lead_mails().await;
    let manager = app.signed_in("manager@acme.example").await;
    let partnership = app.partnership_id("Northwind Agency").await;
    let form = [
        ("company", "Quiet Co"),
        ("contact_name", "Ann Buyer"),
        ("email", "buyer@quiet-co.example"),
        ("domain", ""),
        ("notes", ""),
        ("partnership_id", partnership.as_str()),
    ];
    let res = app.call(&manager, "pass_lead", &form).await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    assert_eq!(lead_mails().await, emails_before, "no email");
    let inbox = page(app, &northwind).await;
    assert_eq!(
        inbox["notifications"][0]["title"],
        "A lead for you: Quiet Co"
    );
    assert!(inbox["notifications"][0]["link"] == "/partner/leads");
}
