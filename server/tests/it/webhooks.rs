//! Webhooks on SQLite and PostgreSQL, against a real receiver that verifies signatures with
//! the Standard Webhooks reference library: an event of the real API arrives signed, a failing
//! endpoint is retried on the schedule and a replay delivers, 410 and five days of failures
//! turn an endpoint off (the owners are emailed), a rotated secret signs beside the new one,
//! and addresses of this machine are refused unless allowed.

use serde_json::{Value, json};

use crate::common::{Hooked, TestApp, WebhookReceiver, json_of, wait_for};

on_both_backends!(
    a_reward_reaches_the_endpoint_signed,
    a_failing_endpoint_is_retried_and_a_replay_delivers,
    gone_turns_the_endpoint_off,
    an_endpoint_failing_for_five_days_is_turned_off_and_its_owners_told,
    a_rotated_secret_signs_beside_the_new_one,
    the_form_names_its_problems,
    a_trigger_sends_an_event_to_an_endpoint_once,
);

/// With private addresses refused (the default outside tests).
mod private_addresses_are_refused {
    async fn run(backend: store::db::Backend) {
        let public_only = |s: &mut server::Settings| s.webhooks_to_private = false;
        if let Some(app) = crate::common::spawn_with(backend, public_only).await {
            super::private_addresses_are_refused(&app).await;
            app.cleanup().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        run(store::db::Backend::Sqlite).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        run(store::db::Backend::Postgres).await;
    }
}

const OWNER: &str = "owner@acme.example";

/// Adds an endpoint of the Acme program (as its owner) receiving `events` (none: all); its id
/// and secret.
async fn add(app: &TestApp, url: &str, events: &[&str]) -> (i64, String) {
    let owner = app.signed_in(OWNER).await;
    let program = app.acme_program_id().await.to_string();
    let mut form = vec![("program", program.as_str()), ("url", url)];
    form.extend(events.iter().map(|e| ("events[]", *e)));
    let id = json_of(app.call(&owner, "save_webhook", &form).await)
        .await
        .as_i64()
        .expect("endpoint id");
    (id, secret(app, id).await)
}

async fn secret(app: &TestApp, id: i64) -> String {
    let owner = app.signed_in(OWNER).await;
    let program = app.acme_program_id().await.to_string();
    let form = [("program", program.as_str()), ("webhook", &id.to_string())];
    json_of(app.call(&owner, "webhook_secret", &form).await)
        .await
        .as_str()
        .expect("secret")
        .to_owned()
}

/// Calls an endpoint action of the Acme program as its owner.
async fn act(app: &TestApp, function: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let owner = app.signed_in(OWNER).await;
    let program = app.acme_program_id().await.to_string();
    let mut form = vec![("program", program.as_str())];
    form.extend_from_slice(fields);
    app.call(&owner, function, &form).await
}

/// The endpoint's page: its row and delivery log.
async fn page(app: &TestApp, id: i64) -> Value {
    json_of(act(app, "webhook", &[("webhook", &id.to_string())]).await).await
}

async fn test_event(app: &TestApp, id: i64) -> i64 {
    json_of(act(app, "send_test_webhook", &[("webhook", &id.to_string())]).await)
        .await
        .as_i64()
        .expect("delivery id")
}

async fn received_until(
    hooks: &WebhookReceiver,
    name: &str,
    secs: u64,
    count: usize,
) -> Vec<Hooked> {
    wait_for(
        secs,
        async || hooks.received(name).await,
        |r| r.len() >= count,
    )
    .await
}

async fn a_reward_reaches_the_endpoint_signed(app: &TestApp) {
    let hooks = WebhookReceiver::start();
    let (id, secret) = add(app, &hooks.url("crm"), &["reward.created"]).await;
    assert!(secret.starts_with("whsec_"), "{secret}");
    hooks.configure("crm", &[&secret], 200).await;
    crate::money::twenty_percent_offer(app).await;
    let key = app.api_key().await;
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/transactions"))
        .bearer_auth(&key)
        .json(&json!({ "customer_key": "cus_1001", "amount": 250_000, "currency": "USD", "transaction_key": "inv_hook_1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let got = received_until(&hooks, "crm", 15, 1).await;
    assert_eq!(
        got.len(),
        1,
        "one reward.created, no transaction.created: {got:?}"
    );
    let hook = &got[0];
    assert_eq!(hook.verified_with, [0], "signed with the endpoint's secret");
    let body = hook.json();
    assert_eq!(body["type"], "reward.created");
    assert_eq!(body["data"]["object"], "reward");
    assert_eq!(body["data"]["currency"], "USD");
    let event_id = body["data"]["event_id"].as_i64().unwrap();
    assert_eq!(hook.id, format!("msg_evt_{event_id}"));
    let reward = body["data"]["id"].as_i64().unwrap();
    let kind: String = sqlx::query_scalar("SELECT kind FROM events WHERE id = $1")
        .bind(event_id)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(kind, "reward.created");
    let amount: i64 = sqlx::query_scalar("SELECT amount_minor FROM rewards WHERE id = $1")
        .bind(reward)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(amount, 50_000, "20% of $2,500.00");
    assert_eq!(body["data"]["amount_minor"], amount);
    assert_eq!(body["data"]["amount"], "500.00");
    // The log shows the delivery with its one attempt.
    let log = wait_for(
        5,
        async || page(app, id).await,
        |p| p["deliveries"][0]["status"] == "Delivered",
    )
    .await;
    let delivery = &log["deliveries"][0];
    assert_eq!(delivery["status"], "Delivered", "{log}");
    assert_eq!(delivery["attempts"].as_array().unwrap().len(), 1);
    assert!(
        delivery["attempts"][0]["result"]
            .as_str()
            .unwrap()
            .starts_with("HTTP 200 in "),
        "{delivery}"
    );
}

async fn a_failing_endpoint_is_retried_and_a_replay_delivers(app: &TestApp) {
    let hooks = WebhookReceiver::start();
    let (id, secret) = add(app, &hooks.url("flaky"), &[]).await;
    hooks.configure("flaky", &[&secret], 500).await;
    let delivery = test_event(app, id).await;
    // The first attempt at once, the second 5 s later.
    let got = received_until(&hooks, "flaky", 20, 2).await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0].id, format!("msg_test_{delivery}"));
    assert_eq!(got[0].id, got[1].id, "a retry is the same message");
    let gap: i64 =
        got[1].timestamp.parse::<i64>().unwrap() - got[0].timestamp.parse::<i64>().unwrap();
    assert!(
        (4..=8).contains(&gap),
        "the first retry waits 5 s, not {gap}"
    );
    let log = wait_for(
        5,
        async || page(app, id).await,
        |p| p["deliveries"][0]["attempts"].as_array().map(Vec::len) == Some(2),
    )
    .await;
    let status = log["deliveries"][0]["status"].as_str().unwrap();
    assert!(status.starts_with("Retrying at "), "{status}");
    assert!(status.ends_with("HTTP 500"), "{status}");
    assert!(
        log["endpoint"]["status"]
            .as_str()
            .unwrap()
            .starts_with("On · failing since"),
        "{log}"
    );
    // With the receiver mended, a replay delivers at once (the retries go on beside it).
    hooks.configure("flaky", &[&secret], 200).await;
    let replay = json_of(
        act(
            app,
            "replay_webhook",
            &[("delivery", &delivery.to_string())],
        )
        .await,
    )
    .await
    .as_i64()
    .unwrap();
    assert_ne!(replay, delivery);
    let got = received_until(&hooks, "flaky", 10, 3).await;
    assert_eq!(got[2].id, got[0].id, "a replay keeps the message id");
    assert_eq!(got[2].body, got[0].body, "and the body");
    assert_eq!(got[2].verified_with, [0]);
    let log = wait_for(
        5,
        async || page(app, id).await,
        |p| p["deliveries"][0]["status"] == "Delivered",
    )
    .await;
    assert_eq!(log["deliveries"][0]["replay_of"], delivery);
    assert_eq!(
        log["endpoint"]["status"], "On",
        "a success ends the failing streak"
    );
}

async fn gone_turns_the_endpoint_off(app: &TestApp) {
    let hooks = WebhookReceiver::start();
    let (id, secret) = add(app, &hooks.url("gone"), &[]).await;
    hooks.configure("gone", &[&secret], 410).await;
    test_event(app, id).await;
    let log = wait_for(
        10,
        async || page(app, id).await,
        |p| p["endpoint"]["enabled"] == false,
    )
    .await;
    assert_eq!(log["endpoint"]["enabled"], false, "{log}");
    assert!(
        log["endpoint"]["status"]
            .as_str()
            .unwrap()
            .contains("410 Gone"),
        "{log}"
    );
    assert!(
        log["deliveries"][0]["status"]
            .as_str()
            .unwrap()
            .starts_with("Failed")
    );
    // Nothing more is queued for it, and a test is refused until it is turned on again.
    let res = act(app, "send_test_webhook", &[("webhook", &id.to_string())]).await;
    assert_eq!(res.status(), 400);
    let on = act(
        app,
        "set_webhook_enabled",
        &[("webhook", &id.to_string()), ("enabled", "true")],
    )
    .await;
    assert!(on.status().is_success());
    assert_eq!(page(app, id).await["endpoint"]["status"], "On");
    assert_eq!(hooks.received("gone").await.len(), 1);
}

async fn an_endpoint_failing_for_five_days_is_turned_off_and_its_owners_told(app: &TestApp) {
    let hooks = WebhookReceiver::start();
    let (id, secret) = add(app, &hooks.url("down"), &[]).await;
    hooks.configure("down", &[&secret], 503).await;
    let five_days_ago = store::db::now_ms() - domain::webhook::DISABLE_AFTER_FAILING_MS - 1_000;
    sqlx::query("UPDATE webhook_endpoints SET failing_since = $1 WHERE id = $2")
        .bind(five_days_ago)
        .bind(id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    test_event(app, id).await;
    let log = wait_for(
        10,
        async || page(app, id).await,
        |p| p["endpoint"]["enabled"] == false,
    )
    .await;
    let status = log["endpoint"]["status"].as_str().unwrap();
    assert!(
        status.starts_with("Off: Every delivery failed since"),
        "{status}"
    );
    let mails: Vec<(String, String)> = sqlx::query_as(
        "SELECT to_email, body FROM emails WHERE kind = 'webhook_failing' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(mails.len(), 1, "the owner, once: {mails:?}");
    assert_eq!(mails[0].0, OWNER);
    assert!(mails[0].1.contains(&hooks.url("down")), "{}", mails[0].1);
    assert!(mails[0].1.contains("HTTP 503"), "{}", mails[0].1);
    assert!(mails[0].1.contains(&format!("/vendor/webhooks/{id}")));
}

async fn a_rotated_secret_signs_beside_the_new_one(app: &TestApp) {
    let hooks = WebhookReceiver::start();
    let (id, old) = add(app, &hooks.url("rotating"), &[]).await;
    let rotated = act(
        app,
        "rotate_webhook_secret",
        &[("webhook", &id.to_string())],
    )
    .await;
    assert!(rotated.status().is_success());
    let new = secret(app, id).await;
    assert_ne!(new, old);
    hooks.configure("rotating", &[&new, &old], 200).await;
    test_event(app, id).await;
    let got = received_until(&hooks, "rotating", 10, 1).await;
    assert_eq!(
        got[0].verified_with,
        [0, 1],
        "both signatures: {:?}",
        got[0]
    );
    assert_eq!(got[0].signature.split(' ').count(), 2);
    assert!(page(app, id).await["endpoint"]["rotating_until"].is_string());
}

async fn the_form_names_its_problems(app: &TestApp) {
    let res = act(
        app,
        "save_webhook",
        &[
            ("url", "ftp://example.com/x"),
            ("events[]", "reward.created"),
            ("events[]", "nope"),
        ],
    )
    .await;
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains("https:// or http://"), "{body}");
    assert!(body.contains("Unknown event: nope"), "{body}");
    assert_eq!(
        app.scalar(
            "SELECT COUNT(*) FROM webhook_endpoints WHERE url LIKE $1",
            "ftp%"
        )
        .await,
        0
    );
}

async fn private_addresses_are_refused(app: &TestApp) {
    let res = act(app, "save_webhook", &[("url", "http://127.0.0.1:9/hooks")]).await;
    assert_eq!(res.status(), 400);
    assert!(res.text().await.unwrap().contains("public addresses only"));
    // One saved while private addresses were allowed is refused when it is sent.
    let hooks = WebhookReceiver::start();
    let program = app.acme_program_id().await;
    let company: i64 = sqlx::query_scalar("SELECT company_id FROM programs WHERE id = $1")
        .bind(program)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhook_endpoints (company_id, program_id, url, description, event_types, enabled, secret, created_at, updated_at) \
         VALUES ($1, $2, $3, '', '', 1, $4, 0, 0) RETURNING id",
    )
    .bind(company)
    .bind(program)
    .bind(hooks.url("inside"))
    .bind(domain::webhook::secret_of(&[7; 32]))
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    test_event(app, id).await;
    let log = wait_for(
        10,
        async || page(app, id).await,
        |p| {
            !p["deliveries"][0]["attempts"]
                .as_array()
                .unwrap()
                .is_empty()
        },
    )
    .await;
    let attempt = &log["deliveries"][0]["attempts"][0];
    assert!(
        attempt["result"].as_str().unwrap().starts_with("No answer"),
        "{attempt}"
    );
    assert!(
        attempt["response"]
            .as_str()
            .unwrap()
            .contains("public addresses only"),
        "{attempt}"
    );
    assert!(hooks.received("inside").await.is_empty());
}

async fn a_trigger_sends_an_event_to_an_endpoint_once(app: &TestApp) {
    let hooks = WebhookReceiver::start();
    // One endpoint only for what triggers send it (it subscribes to payouts), one for all.
    let (narrow, narrow_secret) = add(app, &hooks.url("narrow"), &["payout.paid"]).await;
    let (wide, wide_secret) = add(app, &hooks.url("wide"), &[]).await;
    hooks.configure("narrow", &[&narrow_secret], 200).await;
    hooks.configure("wide", &[&wide_secret], 200).await;
    let owner = app.signed_in(OWNER).await;
    let program = app.acme_program_id().await.to_string();
    for (name, endpoint) in [("To narrow", narrow), ("To wide", wide)] {
        let form = [
            ("program", program.as_str()),
            ("name", name),
            ("event", "transaction_created"),
            ("min_amount", "1000"),
            ("call_webhook", &endpoint.to_string()),
        ];
        let saved = json_of(app.call(&owner, "save_trigger", &form).await).await;
        assert!(saved["saved"].is_i64(), "{saved}");
    }
    let key = app.api_key().await;
    for (invoice, amount) in [("inv_small", 50_000), ("inv_big", 150_000)] {
        let res = reqwest::Client::new()
            .post(app.url("/api/v1/transactions"))
            .bearer_auth(&key)
            .json(&json!({ "customer_key": "cus_1001", "amount": amount, "currency": "USD", "transaction_key": invoice }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
    }
    received_until(&hooks, "narrow", 15, 1).await;
    received_until(&hooks, "wide", 15, 2).await;
    // Let any duplicate arrive before counting.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let narrow_got = hooks.received("narrow").await;
    assert_eq!(
        narrow_got.len(),
        1,
        "only the big transaction, by the trigger: {narrow_got:?}"
    );
    let body = narrow_got[0].json();
    assert_eq!(body["type"], "transaction.created");
    assert_eq!(body["data"]["transaction_key"], "inv_big");
    assert_eq!(narrow_got[0].verified_with, [0]);
    // The wide endpoint has both transactions by its subscription, the big one once although
    // the trigger sent it too.
    let mut keys: Vec<String> = hooks
        .received("wide")
        .await
        .iter()
        .map(Hooked::json)
        .filter(|b| b["type"] == "transaction.created")
        .map(|b| {
            b["data"]["transaction_key"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    keys.sort();
    assert_eq!(keys, ["inv_big", "inv_small"]);
    let lines: Vec<String> = sqlx::query_scalar(
        "SELECT r.detail FROM trigger_runs r JOIN triggers t ON t.id = r.trigger_id WHERE t.name = 'To narrow' AND r.outcome = 'ran'",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains(&format!("Send to webhook {}", hooks.url("narrow"))),
        "{lines:?}"
    );
}
