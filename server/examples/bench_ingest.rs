//! Benchmark: transactions per second through `POST /api/v1/transactions` (key check, body
//! validation, customer lookup, offer evaluation, reward and event rows, one database
//! transaction each) against a raw `INSERT` of the same rows, one statement per row.
//!
//! `cargo run --release -p server --example bench_ingest` (add `TEST_DATABASE_URL` to run it on
//! PostgreSQL too). Sequential and 8 concurrent clients through the API.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::time::Instant;

use domain::offer::{Limits, OfferDraft, OfferEvent, Payout, Target};
use server::{Settings, app_state, router};
use store::db::{Db, now_ms};

const ROWS: usize = 1_000;

async fn setup(db: &Db) -> (i64, String) {
    let program: i64 =
        sqlx::query_scalar("SELECT id FROM programs WHERE slug = 'acme-partner-program'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let (company, owner): (i64, i64) = {
        let row = sqlx::query("SELECT p.company_id, u.id FROM programs p, users u WHERE p.id = $1 AND u.email_normalized = 'owner@acme.example'")
            .bind(program)
            .fetch_one(&db.pool)
            .await
            .unwrap();
        (sqlx::Row::get(&row, 0), sqlx::Row::get(&row, 1))
    };
    let mut tx = db.begin().await.unwrap();
    let draft = OfferDraft {
        name: "Bench 20%".into(),
        event: OfferEvent::TransactionCreated,
        payout: Payout::Percent { basis_points: 2000 },
        target: Target::Everyone,
        limits: Limits::default(),
        tier_overrides: Vec::new(),
    };
    store::offers::save(
        &mut tx,
        program,
        company,
        None,
        draft,
        owner,
        now_ms() - 1_000,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let key = common::api_key(db, program, owner).await;
    (program, key)
}

async fn raw(db: &Db, program: i64) -> f64 {
    let customer: i64 =
        sqlx::query_scalar("SELECT id FROM customers WHERE external_key = 'cus_1001'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let started = Instant::now();
    for i in 0..ROWS {
        sqlx::query(
            "INSERT INTO transactions (program_id, customer_id, transaction_key, amount_minor, currency, metadata, source, occurred_at, created_at) \
             VALUES ($1, $2, $3, $4, 'USD', '{}', 'api', $5, $5)",
        )
        .bind(program)
        .bind(customer)
        .bind(format!("raw-{i}"))
        .bind(10_000 + i as i64)
        .bind(now_ms())
        .execute(&db.pool)
        .await
        .unwrap();
    }
    ROWS as f64 / started.elapsed().as_secs_f64()
}

async fn bench(label: &str, db: Db, url: String) {
    let (program, key) = setup(&db).await;
    let settings = Settings {
        job_interval: std::time::Duration::from_secs(3600),
        ..Settings::local(url)
    };
    let state = app_state(db.clone(), &settings);
    let listener = tokio::net::TcpListener::bind(settings.addr).await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = router(state, settings.leptos_options());
    tokio::spawn(
        async move { server::serve(listener, app, std::time::Duration::from_secs(1)).await },
    );
    let raw_rate = raw(&db, program).await;
    let one = common::post_transactions(&base, &key, "seq", ROWS, 1).await;
    let eight = common::post_transactions(&base, &key, "par", ROWS, 8).await;
    let rewards: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM rewards WHERE transaction_id IS NOT NULL")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(
        rewards as usize,
        2 * ROWS,
        "every API transaction earned its reward"
    );
    println!("{label}: raw INSERT, 1 row per statement        {raw_rate:>9.0} rows/s");
    println!(
        "{label}: API with evaluation, 1 client          {one:>9.0} tx/s  ({:.1}x slower than raw)",
        raw_rate / one
    );
    println!(
        "{label}: API with evaluation, 8 clients         {eight:>9.0} tx/s  ({:.1}x slower than raw)",
        raw_rate / eight
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    common::on_both_backends("portal_bench_ingest", bench).await;
}
