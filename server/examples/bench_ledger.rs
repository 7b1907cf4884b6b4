//! Benchmark: the balance query the dashboards, the earnings page and cashout run (one indexed
//! sum per partnership over `rewards (partnership_id, status)`) with 1,000 and with 1,000,000
//! rewards in the table: for a typical partnership (1,000 of its own rewards either way) and
//! for the largest one (100,000 of its own at the large size).
//!
//! `cargo run --release -p server --example bench_ledger` (add `TEST_DATABASE_URL` for
//! PostgreSQL).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::time::Duration;

use common::{acme_program_and_group, active_partnership, database, median, report};
use store::db::Db;

/// Makes `teams` partnerships of the program, each with `each` approved rewards.
async fn grow(db: &Db, program: i64, group: i64, teams: i64, each: i64, tag: &str) -> Vec<i64> {
    let mut ids = Vec::new();
    for t in 0..teams {
        let partnership = active_partnership(db, program, group, &format!("Bench {tag} {t}")).await;
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
             INSERT INTO rewards (program_id, partnership_id, amount_minor, currency, rounding_mode, status, description, available_at, created_at, updated_at) \
             SELECT $2, $3, 100 + i % 5000, 'USD', 'half_away_from_zero', CASE WHEN i % 10 = 0 THEN 'pending' WHEN i % 10 = 1 THEN 'paid' ELSE 'approved' END, \
             'bench', i, i, i FROM n",
        )
        .bind(each)
        .bind(program)
        .bind(partnership)
        .execute(&db.pool)
        .await
        .unwrap();
        ids.push(partnership);
    }
    ids
}

async fn time(db: &Db, partnership: i64) -> Duration {
    median(|| async {
        store::partner::earnings(db, partnership).await.unwrap();
    })
    .await
}

async fn bench(label: &str, db: Db) {
    let (program, group) = acme_program_and_group(&db).await;
    let typical = grow(&db, program, group, 1, 1_000, "typical").await[0];
    let small = [
        ("typical partnership (1k rewards)", time(&db, typical).await),
        ("largest partnership", time(&db, typical).await),
    ];
    let big = grow(&db, program, group, 1, 100_000, "big").await[0];
    grow(&db, program, group, 899, 1_000, "rest").await;
    if label == "postgres" {
        sqlx::query("ANALYZE rewards")
            .execute(&db.pool)
            .await
            .unwrap();
    }
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM rewards")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    println!("{label}: rewards in the table: {total} (the report's columns: 1k and 1M rewards)");
    let large = [
        ("typical partnership (1k rewards)", time(&db, typical).await),
        ("largest partnership (100k rewards)", time(&db, big).await),
    ];
    report(label, &small, &large);
}

#[tokio::main]
async fn main() {
    bench(
        "sqlite",
        database(None, "portal_bench_ledger").await.expect("sqlite"),
    )
    .await;
    if let Some(pg) = database(Some("TEST_DATABASE_URL"), "portal_bench_ledger").await {
        bench("postgres", pg).await;
    }
}
