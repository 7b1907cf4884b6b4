//! Benchmark: events the trigger runner works through per second, against the rate at which
//! `POST /api/v1/transactions` records the payments that cause them (8 concurrent clients, the
//! server's own runner idle). Two triggers on every transaction: one whose condition never
//! holds (the runner's own cost: claim, read the event, evaluate, log a skipped run, finish)
//! and one that makes a reward (through the ledger, with its explanation and event). The
//! runner keeps up when its rate is at least the ingest rate (1x).
//!
//! `cargo run --release -p server --example bench_triggers` (add `TEST_DATABASE_URL` to run it
//! on PostgreSQL too, where two runners also share the work).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::time::{Duration, Instant};

use domain::trigger::{TriggerForm, validate};
use server::{Settings, app_state, router};
use store::db::{Backend, Db, now_ms};

const ROWS: usize = 1_000;
const CLIENTS: usize = 8;

async fn ids(db: &Db) -> (i64, i64) {
    let row = sqlx::query(
        "SELECT p.id, u.id FROM programs p, users u \
         WHERE p.slug = 'acme-partner-program' AND u.email_normalized = 'owner@acme.example'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    (sqlx::Row::get(&row, 0), sqlx::Row::get(&row, 1))
}

/// Saves a trigger on transactions from form fields; turns the program's other ones off.
async fn only_trigger(db: &Db, program: i64, owner: i64, form: TriggerForm<'_>) {
    sqlx::query("UPDATE triggers SET enabled = 0 WHERE program_id = $1")
        .bind(program)
        .execute(&db.pool)
        .await
        .unwrap();
    let money = store::rewards::program_money(&mut db.conn().await.unwrap(), program)
        .await
        .unwrap();
    let draft = validate(&form, money.currency).unwrap();
    store::triggers::save(db, &money, None, &draft, owner, now_ms())
        .await
        .unwrap();
}

async fn unfinished(db: &Db) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM jobs WHERE queue = 'run_triggers' AND status <> 'done'",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

/// Runs the queued events with `runners` runners side by side until none is left; events per
/// second.
async fn drain(db: &Db, runners: usize) -> f64 {
    let events = unfinished(db).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..runners {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            while server::jobs::run_triggers_due(&db, 60_000).await.unwrap() > 0 {}
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(unfinished(db).await, 0, "every event ran");
    events as f64 / started.elapsed().as_secs_f64()
}

async fn bench(label: &str, db: Db, url: String) {
    let (program, owner) = ids(&db).await;
    let key = common::api_key(&db, program, owner).await;
    // The server's own runner sleeps: the benchmark runs the queue itself, after the ingest.
    let settings = Settings {
        job_interval: Duration::from_secs(3600),
        trigger_poll: Duration::from_secs(3600),
        ..Settings::local(url)
    };
    let state = app_state(db.clone(), &settings);
    let listener = tokio::net::TcpListener::bind(settings.addr).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(state, settings.leptos_options());
    tokio::spawn(
        async move { server::serve(listener, app, std::time::Duration::from_secs(1)).await },
    );

    // The demo's trigger listens to approvals only: transactions queue no job yet.
    let bare = common::post_transactions(&base, &key, "bare", ROWS, CLIENTS).await;
    println!("{label}: API ingest, no trigger listening        {bare:>7.0} tx/s");

    only_trigger(
        &db,
        program,
        owner,
        TriggerForm {
            name: "Never",
            event: "transaction_created",
            min_amount: "1000000",
            reward_kind: "flat",
            reward_value: "1",
            ..TriggerForm::default()
        },
    )
    .await;
    let ingest = common::post_transactions(&base, &key, "noop", ROWS, CLIENTS).await;
    let runner = drain(&db, 1).await;
    println!(
        "{label}: API ingest, a trigger listening         {ingest:>7.0} tx/s  ({:.2}x of no trigger)",
        ingest / bare
    );
    println!(
        "{label}: runner, condition never holds (1 runner) {runner:>7.0} events/s  ({:.2}x ingest)",
        runner / ingest
    );

    only_trigger(
        &db,
        program,
        owner,
        TriggerForm {
            name: "Every sale",
            event: "transaction_created",
            reward_kind: "percent",
            reward_value: "10",
            ..TriggerForm::default()
        },
    )
    .await;
    let ingest = common::post_transactions(&base, &key, "reward", ROWS, CLIENTS).await;
    let runner = drain(&db, 1).await;
    println!(
        "{label}: runner, reward per event (1 runner)      {runner:>7.0} events/s  ({:.2}x ingest of {ingest:.0} tx/s)",
        runner / ingest
    );
    if db.backend == Backend::Postgres {
        let ingest = common::post_transactions(&base, &key, "shared", ROWS, CLIENTS).await;
        let runner = drain(&db, 2).await;
        println!(
            "{label}: runner, reward per event (2 runners)     {runner:>7.0} events/s  ({:.2}x ingest of {ingest:.0} tx/s)",
            runner / ingest
        );
    }
    let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rewards WHERE source = 'trigger'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let expected = if db.backend == Backend::Postgres {
        2
    } else {
        1
    } * ROWS as i64;
    assert_eq!(made, expected, "one reward per event");
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    common::on_both_backends("portal_bench_triggers", bench).await;
}
