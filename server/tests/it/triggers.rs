//! Triggers on SQLite and PostgreSQL: built through the server functions, fired by the runner
//! for events of the real API, each run logged once; the loop rule, a failed action undone, the
//! dry run that changes nothing, two runners sharing the work, and a server killed with
//! SIGKILL in the middle of a batch.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{TestApp, json_of, wait_for};

on_both_backends!(
    a_big_transaction_tags_rewards_and_emails_the_partner,
    a_trigger_never_fires_itself_for_its_own_actions,
    an_action_that_cannot_apply_undoes_the_run,
    the_dry_run_shows_what_would_happen_and_changes_nothing,
    a_disabled_trigger_does_not_run,
    two_runners_run_each_event_once,
    the_demo_trigger_has_a_run_history,
    a_clawback_is_not_a_reward_for_triggers,
);

/// The kill test's server runs no triggers itself (its runner polls once an hour): the
/// processes the test starts and kills do.
mod a_server_killed_mid_batch_runs_every_event_once_after_restart {
    async fn run(backend: store::db::Backend) {
        let quiet =
            |s: &mut server::Settings| s.trigger_poll = std::time::Duration::from_secs(3600);
        if let Some(app) = crate::common::spawn_with(backend, quiet).await {
            super::a_server_killed_mid_batch_runs_every_event_once_after_restart(&app).await;
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

async fn program(app: &TestApp) -> String {
    app.acme_program_id().await.to_string()
}

async fn tag_id(app: &TestApp, name: &str) -> String {
    app.id_of(
        "SELECT t.id FROM tags t JOIN programs p ON p.id = t.program_id WHERE p.slug = 'acme-partner-program' AND t.name = $1",
        name,
    )
    .await
    .to_string()
}

/// Saves a trigger of the Acme program from form fields (beyond the program); its id.
async fn save(app: &TestApp, fields: &[(&str, &str)]) -> i64 {
    let owner = app.signed_in(OWNER).await;
    let program = program(app).await;
    let mut form = vec![("program", program.as_str())];
    form.extend_from_slice(fields);
    let outcome = json_of(app.call(&owner, "save_trigger", &form).await).await;
    outcome["saved"].as_i64().expect("saved")
}

/// Records a payment of Contoso (Northwind's customer) through the REST API.
async fn pay(app: &TestApp, key: &str, transaction_key: &str, amount: i64) {
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/transactions"))
        .bearer_auth(key)
        .json(&json!({ "customer_key": "cus_1001", "amount": amount, "currency": "USD", "transaction_key": transaction_key }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
}

/// The runs of trigger `id` (outcome, lines), oldest first.
async fn runs(app: &TestApp, id: i64) -> Vec<(String, String)> {
    sqlx::query_as::<_, (String, String)>(
        "SELECT outcome, detail FROM trigger_runs WHERE trigger_id = $1 ORDER BY id",
    )
    .bind(id)
    .fetch_all(&app.db.pool)
    .await
    .unwrap()
}

/// Jobs of the trigger runner not finished yet.
async fn unfinished(app: &TestApp) -> i64 {
    app.scalar(
        "SELECT COUNT(*) FROM jobs WHERE queue = $1 AND status <> 'done'",
        "run_triggers",
    )
    .await
}

async fn northwind_has_tag(app: &TestApp, tag: &str) -> bool {
    let partnership = app.partnership_id("Northwind Agency").await;
    sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM partnership_tags WHERE partnership_id = $1 AND tag_id = $2",
    )
    .bind(partnership.parse::<i64>().unwrap())
    .bind(tag.parse::<i64>().unwrap())
    .fetch_one(&app.db.pool)
    .await
    .unwrap()
        == 1
}

async fn trigger_rewards(app: &TestApp, id: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT amount_minor FROM rewards WHERE trigger_id = $1 ORDER BY id")
        .bind(id)
        .fetch_all(&app.db.pool)
        .await
        .unwrap()
}

async fn a_big_transaction_tags_rewards_and_emails_the_partner(app: &TestApp) {
    let newsletter = tag_id(app, "Newsletter").await;
    let id = save(
        app,
        &[
            ("name", "Big sales"),
            ("event", "transaction_created"),
            ("min_amount", "1000"),
            ("reward_kind", "percent"),
            ("reward_value", "10"),
            ("add_tag", &newsletter),
            ("email_subject", "Thank you, {partner}"),
            ("email_body", "A sale of {amount} in {program}."),
        ],
    )
    .await;
    assert!(!northwind_has_tag(app, &newsletter).await);
    let key = app.api_key().await;
    pay(app, &key, "inv_small", 50_000).await;
    pay(app, &key, "inv_big", 150_000).await;
    let logged = wait_for(10, async || runs(app, id).await, |r| r.len() == 2).await;
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert_eq!(logged[0].0, "skipped");
    assert!(logged[0].1.contains("below $1,000.00"), "{}", logged[0].1);
    assert_eq!(logged[1].0, "ran", "{}", logged[1].1);
    assert!(northwind_has_tag(app, &newsletter).await);
    // 10% of $1,500.00, through the ledger, explained.
    assert_eq!(trigger_rewards(app, id).await, vec![15_000]);
    let explanation: String =
        sqlx::query_scalar("SELECT explanation FROM rewards WHERE trigger_id = $1")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(explanation.contains("Trigger: Big sales"), "{explanation}");
    assert!(explanation.contains("10% of $1,500.00"), "{explanation}");
    let (subject, body): (String, String) = sqlx::query_as(
        "SELECT subject, body FROM emails WHERE kind = 'automation' AND to_email = 'owner@northwind.example' AND subject LIKE 'Thank you%'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(subject, "Thank you, Northwind Agency");
    assert!(
        body.contains("A sale of $1,500.00 in Acme Partner Program."),
        "{body}"
    );
    // The run log as the page reads it, newest first.
    let owner = app.signed_in(OWNER).await;
    let program = program(app).await;
    let page = json_of(
        app.call(
            &owner,
            "trigger",
            &[("program", &program), ("trigger", &id.to_string())],
        )
        .await,
    )
    .await;
    let outcomes: Vec<&str> = page["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["Ran", "Not run"]);
    assert_eq!(page["values"]["min_amount"], "1000.00");
    assert_eq!(page["values"]["reward_value"], "10");
    assert_eq!(unfinished(app).await, 0);
}

async fn a_trigger_never_fires_itself_for_its_own_actions(app: &TestApp) {
    // Two triggers that each reward every reward: A's reward starts B, B's starts A, and then
    // each event carries both, so the chain ends.
    let a = save(
        app,
        &[
            ("name", "Bonus A"),
            ("event", "reward_created"),
            ("reward_kind", "flat"),
            ("reward_value", "1"),
        ],
    )
    .await;
    let b = save(
        app,
        &[
            ("name", "Bonus B"),
            ("event", "reward_created"),
            ("reward_kind", "flat"),
            ("reward_value", "2"),
        ],
    )
    .await;
    let owner = app.signed_in(OWNER).await;
    let program = program(app).await;
    let res = app
        .call(
            &owner,
            "add_manual_reward",
            &[
                ("program", &program),
                ("partner_key", "northwind-7f3a"),
                ("amount", "10"),
                ("reason", "Launch help"),
            ],
        )
        .await;
    json_of(res).await;
    // The manual reward starts both (2 rewards); A's starts B, B's starts A (2 more); those
    // carry both triggers and start nothing.
    let made = wait_for(
        10,
        async || {
            (
                trigger_rewards(app, a).await.len(),
                trigger_rewards(app, b).await.len(),
            )
        },
        |(x, y)| x + y >= 4,
    )
    .await;
    assert_eq!(made, (2, 2));
    wait_for(10, async || unfinished(app).await, |n| *n == 0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        (
            trigger_rewards(app, a).await.len(),
            trigger_rewards(app, b).await.len()
        ),
        (2, 2),
        "the chain went on"
    );
    let own: Vec<(String, String)> = runs(app, a)
        .await
        .into_iter()
        .filter(|(outcome, _)| outcome == "skipped")
        .collect();
    // A skips its own reward, and both rewards that carry it (its own and B's answer to it).
    assert_eq!(own.len(), 3, "{own:?}");
    assert!(own[0].1.contains("own actions"), "{}", own[0].1);
    // Events caused by a trigger name it and their origin.
    let caused: Option<String> = sqlx::query_scalar(
        "SELECT caused_by_triggers FROM events WHERE kind = 'reward.created' AND origin_event_id IS NOT NULL ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(caused, Some(format!("{a},{b}")));
}

async fn an_action_that_cannot_apply_undoes_the_run(app: &TestApp) {
    let owner = app.signed_in(OWNER).await;
    let program = program(app).await;
    let res = app
        .call(
            &owner,
            "create_label",
            &[
                ("program", &program),
                ("kind", "tag"),
                ("name", "Short-lived"),
            ],
        )
        .await;
    assert_eq!(res.status(), 200);
    let doomed = tag_id(app, "Short-lived").await;
    let id = save(
        app,
        &[
            ("name", "Reward then tag"),
            ("event", "transaction_created"),
            ("reward_kind", "flat"),
            ("reward_value", "25"),
            ("add_tag", &doomed),
        ],
    )
    .await;
    let res = app
        .call(&owner, "delete_label", &[("kind", "tag"), ("id", &doomed)])
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let key = app.api_key().await;
    pay(app, &key, "inv_doomed", 10_000).await;
    let logged = wait_for(10, async || runs(app, id).await, |r| !r.is_empty()).await;
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].0, "failed");
    assert!(logged[0].1.contains("Tag not found"), "{}", logged[0].1);
    // The reward the first action made went with the run.
    assert!(trigger_rewards(app, id).await.is_empty());
}

async fn the_dry_run_shows_what_would_happen_and_changes_nothing(app: &TestApp) {
    let key = app.api_key().await;
    pay(app, &key, "inv_past_small", 20_000).await;
    pay(app, &key, "inv_past_big", 250_000).await;
    let vip = tag_id(app, "VIP").await;
    let count = async || {
        (
            app.scalar(
                "SELECT COUNT(*) FROM events WHERE kind <> $1",
                "session.created",
            )
            .await,
            app.scalar("SELECT COUNT(*) FROM rewards WHERE source = $1", "trigger")
                .await,
            app.scalar("SELECT COUNT(*) FROM emails WHERE kind = $1", "automation")
                .await,
            app.scalar("SELECT COUNT(*) FROM triggers WHERE name = $1", "Whales")
                .await,
        )
    };
    let before = count().await;
    let owner = app.signed_in(OWNER).await;
    let program = program(app).await;
    let outcome = json_of(
        app.call(
            &owner,
            "save_trigger",
            &[
                ("program", &program),
                ("name", "Whales"),
                ("event", "transaction_created"),
                ("min_amount", "1000"),
                ("reward_kind", "flat"),
                ("reward_value", "100"),
                ("remove_tag", &vip),
                ("email_subject", "Hello {partner}"),
                ("email_body", "Thanks."),
                ("intent", "dry_run"),
                ("dry_run_days", "7"),
            ],
        )
        .await,
    )
    .await;
    assert!(outcome["saved"].is_null());
    let run = &outcome["dry_run"];
    assert_eq!(run["days"], 7);
    assert_eq!(run["would_run"], 1);
    let rows = run["rows"].as_array().unwrap();
    let line = |r: &Value| {
        r["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l.as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
            .join("; ")
    };
    // Newest first: the big payment would run, the small one would not.
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[0]["partner"], "Northwind Agency");
    assert_eq!(rows[0]["would_run"], true);
    assert_eq!(
        line(&rows[0]),
        "Reward of $100.00; Remove tag VIP; Email Northwind Agency: “Hello Northwind Agency”"
    );
    assert_eq!(rows[1]["would_run"], false);
    assert!(line(&rows[1]).contains("below $1,000.00"));
    // Session events aside (signing in writes one), nothing changed.
    assert_eq!(count().await, before);
    assert!(northwind_has_tag(app, &vip).await);
    // A bad form is refused beside its field, before any dry run.
    let res = app
        .call(
            &owner,
            "save_trigger",
            &[
                ("program", &program),
                ("name", "Whales"),
                ("event", "partner_joined"),
                ("min_amount", "5"),
                ("intent", "dry_run"),
            ],
        )
        .await;
    assert_eq!(res.status(), 400);
    let body = res.text().await.unwrap();
    assert!(body.contains("This event has no amount"), "{body}");
}

async fn a_disabled_trigger_does_not_run(app: &TestApp) {
    let id = save(
        app,
        &[
            ("name", "Paused"),
            ("event", "transaction_created"),
            ("reward_kind", "flat"),
            ("reward_value", "5"),
        ],
    )
    .await;
    let owner = app.signed_in(OWNER).await;
    let program = program(app).await;
    let toggle = |enabled: &'static str| {
        let (owner, program) = (owner.clone(), program.clone());
        async move {
            app.call(
                &owner,
                "set_trigger_enabled",
                &[
                    ("program", &program),
                    ("trigger", &id.to_string()),
                    ("enabled", enabled),
                ],
            )
            .await
            .status()
        }
    };
    assert_eq!(toggle("false").await, 200);
    let key = app.api_key().await;
    pay(app, &key, "inv_paused", 10_000).await;
    // No trigger listens: the event queued no job at all (the demo's approvals have theirs).
    assert_eq!(
        app.scalar("SELECT COUNT(*) FROM jobs WHERE queue = $1", "run_triggers")
            .await,
        2
    );
    assert_eq!(toggle("true").await, 200);
    pay(app, &key, "inv_resumed", 10_000).await;
    let logged = wait_for(10, async || runs(app, id).await, |r| !r.is_empty()).await;
    assert_eq!(logged.len(), 1, "only the event after enabling ran it");
    let list = json_of(app.call(&owner, "triggers", &[("program", &program)]).await).await;
    let row = list["triggers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .cloned()
        .unwrap();
    assert_eq!(row["enabled"], true);
    assert_eq!(
        row["summary"],
        "When a transaction was recorded: reward $5.00"
    );
}

async fn two_runners_run_each_event_once(app: &TestApp) {
    let id = save(
        app,
        &[
            ("name", "Every sale"),
            ("event", "transaction_created"),
            ("reward_kind", "flat"),
            ("reward_value", "1"),
        ],
    )
    .await;
    // A second server process on the same database: its runner competes for the same jobs.
    app.second_server().await;
    let key = app.api_key().await;
    for i in 0..40 {
        pay(app, &key, &format!("inv_shared_{i}"), 1_000).await;
    }
    let left = wait_for(20, async || unfinished(app).await, |n| *n == 0).await;
    assert_eq!(left, 0);
    assert_eq!(runs(app, id).await.len(), 40);
    assert_eq!(trigger_rewards(app, id).await.len(), 40);
}

fn server_process(app: &TestApp) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("DATABASE_URL", &app.database_url)
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .env("PORTAL_TRIGGER_POLL_MS", "20")
        .env("PORTAL_JOB_LEASE_SECS", "1")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("start the server binary")
}

async fn a_server_killed_mid_batch_runs_every_event_once_after_restart(app: &TestApp) {
    let id = save(
        app,
        &[
            ("name", "Every reward"),
            ("event", "reward_created"),
            ("reward_kind", "flat"),
            ("reward_value", "1"),
        ],
    )
    .await;
    // 400 events the trigger listens to, queued at once.
    let partnership: i64 = app
        .partnership_id("Northwind Agency")
        .await
        .parse()
        .unwrap();
    let program: i64 = app.acme_program_id().await;
    let mut tx = app.db.begin().await.unwrap();
    let money = store::rewards::program_money(&mut *tx, program)
        .await
        .unwrap();
    for i in 0..400 {
        store::rewards::insert(
            &mut tx,
            &money,
            store::rewards::NewReward {
                partnership_id: partnership,
                amount_minor: 100,
                rounding: "half_away_from_zero",
                status: domain::reward::RewardStatus::Pending,
                description: format!("Bulk {i}"),
                source: "manual",
                contact_id: None,
                customer_id: None,
                transaction_id: None,
                offer_version_id: None,
                trigger_id: None,
                created_by_user_id: None,
                reason: None,
                clawback_of: None,
                available_at: 0,
                steps: Vec::new(),
            },
            None,
            0,
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut first = server_process(app);
    let ran = wait_for(30, async || runs(app, id).await.len(), |n| *n >= 60).await;
    assert!(ran >= 60, "only {ran} events ran");
    first.kill().unwrap(); // SIGKILL: no shutdown, leases held
    first.wait().unwrap();
    assert!(
        unfinished(app).await > 0,
        "the kill came after the last event"
    );

    let mut second = server_process(app);
    let left = wait_for(60, async || unfinished(app).await, |n| *n == 0).await;
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(left, 0, "events still waiting after the restart");
    // Exactly once to completion: one run and one reward per event, whichever process ran it
    // (and one skipped run for each reward the trigger made itself).
    let logged = runs(app, id).await;
    let ran = logged
        .iter()
        .filter(|(outcome, _)| outcome == "ran")
        .count();
    assert_eq!((ran, logged.len()), (400, 800));
    assert_eq!(trigger_rewards(app, id).await.len(), 400);
    let doubled = app
        .scalar(
            "SELECT COUNT(*) FROM (SELECT event_id FROM trigger_runs WHERE trigger_id = CAST($1 AS BIGINT) GROUP BY event_id HAVING COUNT(*) > 1) d",
            &id.to_string(),
        )
        .await;
    assert_eq!(doubled, 0);
}

async fn the_demo_trigger_has_a_run_history(app: &TestApp) {
    let id = app
        .id_of(
            "SELECT id FROM triggers WHERE name = $1",
            "Welcome approved partners",
        )
        .await;
    let logged = runs(app, id).await;
    assert_eq!(logged.len(), 2, "{logged:?}");
    assert!(logged.iter().all(|(outcome, _)| outcome == "ran"));
    assert!(
        logged[0]
            .1
            .contains("Welcome to Acme Partner Program, Northwind Agency")
    );
    // A trigger made now never runs for what happened before it (the approvals above), even
    // when their events are run again.
    let late = save(
        app,
        &[
            ("name", "Late welcome"),
            ("event", "partner_approved"),
            ("reward_kind", "flat"),
            ("reward_value", "50"),
        ],
    )
    .await;
    let approvals: Vec<i64> =
        sqlx::query_scalar("SELECT event_id FROM trigger_runs WHERE trigger_id = $1 ORDER BY id")
            .bind(id)
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let mut tx = app.db.begin().await.unwrap();
    store::triggers::run_now(&mut tx, &approvals, store::db::now_ms())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert!(runs(app, late).await.is_empty());
    // Approving Brightside's application runs both.
    let owner = app.signed_in(OWNER).await;
    let brightside = app.partnership_id("Brightside Affiliates").await;
    let res = app
        .call(
            &owner,
            "approve_application",
            &[("partnership_id", &brightside)],
        )
        .await;
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let logged = wait_for(10, async || runs(app, id).await, |r| r.len() == 3).await;
    assert_eq!(logged.len(), 3, "{logged:?}");
    assert!(
        logged[2].1.contains("Brightside Affiliates"),
        "{}",
        logged[2].1
    );
    let late_runs = wait_for(10, async || runs(app, late).await, |r| !r.is_empty()).await;
    assert_eq!(late_runs.len(), 1);
    assert_eq!(trigger_rewards(app, late).await, vec![5_000]);
}

async fn a_clawback_is_not_a_reward_for_triggers(app: &TestApp) {
    save(
        app,
        &[
            ("name", "Ten percent"),
            ("event", "transaction_created"),
            ("reward_kind", "percent"),
            ("reward_value", "10"),
        ],
    )
    .await;
    let per_reward = save(
        app,
        &[
            ("name", "Per reward"),
            ("event", "reward_created"),
            ("reward_kind", "flat"),
            ("reward_value", "1"),
        ],
    )
    .await;
    let key = app.api_key().await;
    pay(app, &key, "inv_refunded", 100_000).await;
    // It ran for the 10% reward, and skipped its own $1.00 one.
    let logged = wait_for(10, async || runs(app, per_reward).await, |r| r.len() == 2).await;
    let outcomes: Vec<&str> = logged.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(outcomes, ["ran", "skipped"]);
    // A partial refund claws half of the $100.00 back with a negative reward (a full one
    // would decline the pending reward instead): no run for it.
    let res = reqwest::Client::new()
        .post(app.url("/api/v1/transactions"))
        .bearer_auth(&key)
        .json(&json!({ "customer_key": "cus_1001", "amount": -50_000, "currency": "USD", "transaction_key": "ref_half", "refunds": "inv_refunded" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let clawbacks = app
        .scalar("SELECT COUNT(*) FROM rewards WHERE source = $1", "clawback")
        .await;
    assert_eq!(clawbacks, 1);
    wait_for(10, async || unfinished(app).await, |n| *n == 0).await;
    assert_eq!(runs(app, per_reward).await.len(), 2);
}
