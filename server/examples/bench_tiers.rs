//! Benchmark: the tier engine. One partnership's evaluation (what every won deal and recorded
//! transaction adds, measuring closed-won revenue, paid revenue and paying customers over their
//! windows) with 1,000 and with 1,000,000 transactions in the table, and the daily run over
//! every partnership at the large size.
//!
//! `cargo run --release -p server --example bench_tiers` (add `TEST_DATABASE_URL` for
//! PostgreSQL).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::time::{Duration, Instant};

use common::{acme_program_and_group, active_partnership, database, median, report};
use store::db::{Db, now_ms};
use store::tiers;

const DAY: i64 = 86_400_000;

/// Makes `teams` active partnerships, each with one customer and `each` payments spread over
/// the last year.
async fn grow(db: &Db, program: i64, group: i64, teams: i64, each: i64, tag: &str) -> Vec<i64> {
    let now = now_ms();
    let mut ids = Vec::new();
    for t in 0..teams {
        let partnership = active_partnership(db, program, group, &format!("Bench {tag} {t}")).await;
        let customer: i64 = sqlx::query_scalar(
            "INSERT INTO customers (program_id, partnership_id, external_key, name, source, created_at) \
             VALUES ($1, $2, $3, $3, 'link', 0) RETURNING id",
        )
        .bind(program)
        .bind(partnership)
        .bind(format!("cus-{tag}-{t}"))
        .fetch_one(&db.pool)
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO transactions (program_id, customer_id, partnership_id, transaction_key, amount_minor, currency, source, occurred_at, created_at) \
             SELECT $2, $3, $4, $5 || '-' || CAST(i AS TEXT), 1000 + i % 9000, 'USD', 'api', $6 - (i % 365) * $7, $6 FROM n",
        )
        .bind(each)
        .bind(program)
        .bind(customer)
        .bind(partnership)
        .bind(format!("tx-{tag}-{t}"))
        .bind(now)
        .bind(DAY)
        .execute(&db.pool)
        .await
        .unwrap();
        ids.push(partnership);
    }
    ids
}

/// One evaluation, rolled back so that every run measures the same work.
async fn time(db: &Db, program: i64, partnership: i64) -> Duration {
    median(|| async {
        let mut tx = db.begin().await.unwrap();
        tiers::evaluate(&mut tx, program, partnership, now_ms(), None)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
    })
    .await
}

async fn bench(label: &str, db: Db) {
    let (program, group) = acme_program_and_group(&db).await;
    // Tiers on every metric, so an evaluation measures all three.
    for (name, rank, rule) in [
        (
            "Bench paid",
            4,
            r#"{"metric":"PaidRevenue","window_days":90,"threshold":100000000}"#,
        ),
        (
            "Bench customers",
            5,
            r#"{"metric":"PayingCustomers","window_days":null,"threshold":50}"#,
        ),
    ] {
        sqlx::query("INSERT INTO tiers (program_id, name, rank, rule, benefits, created_at) VALUES ($1, $2, $3, $4, '{}', 0)")
            .bind(program)
            .bind(name)
            .bind(rank)
            .bind(rule)
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let typical = grow(&db, program, group, 1, 1_000, "typical").await[0];
    let small = [(
        "one partnership's evaluation",
        time(&db, program, typical).await,
    )];
    grow(&db, program, group, 999, 1_000, "rest").await;
    if label == "postgres" {
        sqlx::query("ANALYZE").execute(&db.pool).await.unwrap();
    }
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM transactions")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    println!("{label}: transactions in the table: {total} (the report's columns: 1k and 1M)");
    let large = [(
        "one partnership's evaluation",
        time(&db, program, typical).await,
    )];
    report(label, &small, &large);
    let partnerships: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM partnerships WHERE status = 'active'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let started = Instant::now();
    let changed = tiers::evaluate_all(&db, now_ms()).await.unwrap();
    let took = started.elapsed();
    println!(
        "{label}: daily run over {partnerships} active partnerships: {:.2} s ({:.0} partnerships/s, {changed} tier changes)",
        took.as_secs_f64(),
        partnerships as f64 / took.as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    bench(
        "sqlite",
        database(None, "portal_bench_tiers").await.expect("sqlite"),
    )
    .await;
    if let Some(pg) = database(Some("TEST_DATABASE_URL"), "portal_bench_tiers").await {
        bench("postgres", pg).await;
    }
}
