//! Benchmark: webhook deliveries per second, against the rate at which
//! `POST /api/v1/transactions` records the payments that cause them (8 concurrent clients).
//! One endpoint subscribes to `transaction.created`; the receiver is an HTTP server in this
//! process that answers 200 at once, so the numbers are the portal's own cost: turning events
//! into deliveries (one claimed batch per transaction) and signing, sending and recording each
//! (a batch sent side by side). The server's own runners sleep; the benchmark drains the queues
//! itself after the ingest. The deliveries keep up when their rate is at least the ingest rate.
//!
//! `cargo run --release -p server --example bench_webhooks` (add `TEST_DATABASE_URL` to run it
//! on PostgreSQL too).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use domain::webhook::{EndpointForm, validate};
use server::{Settings, app_state, router};
use store::db::Db;

const ROWS: usize = 1_000;
const CLIENTS: usize = 8;

/// A receiver that counts what it gets and answers 200; its URL.
async fn receiver(count: Arc<AtomicUsize>) -> String {
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move || {
            let count = count.clone();
            async move {
                count.fetch_add(1, Ordering::Relaxed);
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

async fn bench(label: &str, db: Db, url: String) {
    let (program, _) = common::acme_program_and_group(&db).await;
    let row = sqlx::query(
        "SELECT p.company_id, u.id FROM programs p, users u WHERE p.id = $1 AND u.email_normalized = 'owner@acme.example'",
    )
    .bind(program)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let (company, owner): (i64, i64) = (sqlx::Row::get(&row, 0), sqlx::Row::get(&row, 1));
    let key = common::api_key(&db, program, owner).await;
    let settings = Settings {
        job_interval: Duration::from_secs(3600),
        trigger_poll: Duration::from_secs(3600),
        webhook_poll: Duration::from_secs(3600),
        ..Settings::local(url)
    };
    let state = app_state(db.clone(), &settings);
    let listener = tokio::net::TcpListener::bind(settings.addr).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(state, settings.leptos_options());
    tokio::spawn(
        async move { server::serve(listener, app, std::time::Duration::from_secs(1)).await },
    );

    let bare = common::post_transactions(&base, &key, "bare", ROWS, CLIENTS).await;
    println!("{label}: API ingest, no endpoint             {bare:>7.0} tx/s");

    let received = Arc::new(AtomicUsize::new(0));
    let hook = receiver(received.clone()).await;
    let events = vec!["transaction.created".to_owned()];
    let draft = validate(
        &EndpointForm {
            url: &hook,
            description: "bench",
            events: &events,
        },
        true,
    )
    .unwrap();
    let change = store::webhooks::Change {
        company_id: company,
        program_id: program,
        user_id: owner,
    };
    store::webhooks::save(&db, &change, None, &draft)
        .await
        .unwrap();

    let ingest = common::post_transactions(&base, &key, "hooked", ROWS, CLIENTS).await;
    println!(
        "{label}: API ingest, an endpoint listening    {ingest:>7.0} tx/s  ({:.2}x of no endpoint)",
        ingest / bare
    );
    let started = Instant::now();
    let mut queued = 0;
    loop {
        let n = server::jobs::queue_webhooks_due(&db, 60_000).await.unwrap();
        if n == 0 {
            break;
        }
        queued += n;
    }
    let fan_out = started.elapsed();
    let sender = server::webhooks::Sender::new(true).unwrap();
    let started = Instant::now();
    while server::jobs::deliver_due(&db, &sender, 60_000, None)
        .await
        .unwrap()
        > 0
    {}
    let delivering = started.elapsed();
    assert_eq!(queued, ROWS, "one fan-out job per transaction");
    assert_eq!(
        received.load(Ordering::Relaxed),
        ROWS,
        "each delivered once"
    );
    let per_sec = |d: Duration| ROWS as f64 / d.as_secs_f64();
    println!(
        "{label}: events into deliveries               {:>7.0} events/s  ({:.2}x ingest)",
        per_sec(fan_out),
        per_sec(fan_out) / ingest
    );
    println!(
        "{label}: deliveries sent and recorded         {:>7.0} /s  ({:.2}x ingest)",
        per_sec(delivering),
        per_sec(delivering) / ingest
    );
    println!(
        "{label}: both, end to end (1 runner each)     {:>7.0} events/s  ({:.2}x ingest)",
        per_sec(fan_out + delivering),
        per_sec(fan_out + delivering) / ingest
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    common::on_both_backends("portal_bench_webhooks", bench).await;
}
