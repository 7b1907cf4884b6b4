//! Benchmark: deal pipelines, conflict checks and the customers list at 1,000 and at 100,000
//! deals (and customers) in one program.
//!
//! `cargo run --release -p server --example bench_deals` (add `TEST_DATABASE_URL` to run it on
//! PostgreSQL too). A pipeline reads one keyset page per stage, so it should stay near 1x; the
//! conflict check looks up one domain and one company name through their indexes.

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::time::{Duration, Instant};

use common::{database, median, report};
use domain::deal::{DealMotion, DealStage};
use store::db::Db;
use store::{deals, leads};

/// Adds deals (every stage and motion in turn, amounts 100.00 up) and as many customers until
/// the program has `total` of each.
async fn grow(db: &Db, program: i64, partnerships: (i64, i64), total: i64) {
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM deals WHERE program_id = $1")
        .bind(program)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let add = total - have;
    if add <= 0 {
        return;
    }
    let stages: Vec<&str> = DealStage::ALL.iter().map(|s| s.as_str()).collect();
    let motions: Vec<&str> = DealMotion::ALL.iter().map(|m| m.as_str()).collect();
    let sql = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO deals (program_id, partnership_id, name, amount_minor, currency, motion, stage, created_at, updated_at, domain, company_key) \
         SELECT $2, CASE WHEN i % 2 = 0 THEN $3 ELSE $4 END, 'Bench deal ' || (i + $5), 10000 + i, 'USD', \
         CASE i % 3 WHEN 0 THEN '{}' WHEN 1 THEN '{}' ELSE '{}' END, \
         CASE i % 6 WHEN 0 THEN '{}' WHEN 1 THEN '{}' WHEN 2 THEN '{}' WHEN 3 THEN '{}' WHEN 4 THEN '{}' ELSE '{}' END, \
         i, i, 'bench' || (i + $5) || '.example', 'bench deal ' || (i + $5) FROM n",
        motions[0],
        motions[1],
        motions[2],
        stages[0],
        stages[1],
        stages[2],
        stages[3],
        stages[4],
        stages[5]
    );
    // Safe: the stage and motion names are the domain's fixed words.
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(add)
        .bind(program)
        .bind(partnerships.0)
        .bind(partnerships.1)
        .bind(have)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO customers (program_id, partnership_id, external_key, name, source, created_at, domain, company_key, status, attributed_at) \
         SELECT $2, $3, 'bench-' || (i + $4), 'Bench customer ' || (i + $4), 'link', i, 'cust' || (i + $4) || '.example', \
         'bench customer ' || (i + $4), CASE WHEN i % 2 = 0 THEN 'paying' ELSE 'signed_up' END, i FROM n",
    )
    .bind(add)
    .bind(program)
    .bind(partnerships.0)
    .bind(have)
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE").execute(&db.pool).await.unwrap();
}

fn vendor_scope(program: i64, motion: Option<DealMotion>) -> deals::Scope {
    deals::Scope::Program {
        program_id: program,
        groups: None,
        partnership: None,
        motion,
        rep: None,
    }
}

async fn measure(db: &Db, program: i64, partnership: i64) -> Vec<(&'static str, Duration)> {
    let everything = vendor_scope(program, None);
    let cosell = vendor_scope(program, Some(DealMotion::Cosell));
    let partner = deals::Scope::Partnership {
        partnership_id: partnership,
        contact: None,
    };
    let middle: i64 =
        sqlx::query_scalar("SELECT (MIN(id) + MAX(id)) / 2 FROM deals WHERE program_id = $1")
            .bind(program)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    vec![
        (
            "vendor pipeline (6 stages)",
            median(|| async {
                deals::pipeline(db, &everything, None, None, "USD", true)
                    .await
                    .unwrap();
            })
            .await,
        ),
        (
            "vendor pipeline, co-sell only",
            median(|| async {
                deals::pipeline(db, &cosell, None, None, "USD", true)
                    .await
                    .unwrap();
            })
            .await,
        ),
        (
            "one stage, page in the middle",
            median(|| async {
                deals::pipeline(
                    db,
                    &everything,
                    Some(DealStage::InProgress),
                    Some(middle),
                    "USD",
                    true,
                )
                .await
                .unwrap();
            })
            .await,
        ),
        (
            "partner pipeline (6 stages)",
            median(|| async {
                deals::pipeline(db, &partner, None, None, "USD", false)
                    .await
                    .unwrap();
            })
            .await,
        ),
        (
            "conflict check (domain + name)",
            median(|| async {
                let mut tx = db.begin().await.unwrap();
                leads::claims(&mut tx, program, Some("bench777.example"), "bench deal 777")
                    .await
                    .unwrap();
                tx.rollback().await.unwrap();
            })
            .await,
        ),
    ]
}

async fn run(label: &str, db: Db) {
    let program: i64 =
        sqlx::query_scalar("SELECT id FROM programs WHERE slug = 'acme-partner-program'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    let partnerships: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM partnerships WHERE program_id = $1 AND status = 'active' ORDER BY id LIMIT 2",
    )
    .bind(program)
    .fetch_all(&db.pool)
    .await
    .unwrap();
    let pair = (partnerships[0], partnerships[1]);
    grow(&db, program, pair, 1_000).await;
    let small = measure(&db, program, pair.0).await;
    let started = Instant::now();
    grow(&db, program, pair, 100_000).await;
    println!(
        "{label}: grew to 100,000 deals and customers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let large = measure(&db, program, pair.0).await;
    report(label, &small, &large);
}

#[tokio::main]
async fn main() {
    if let Some(db) = database(None, "portal_bench_deals").await {
        run("sqlite", db).await;
    }
    match database(Some("TEST_DATABASE_URL"), "portal_bench_deals").await {
        Some(db) => run("postgres", db).await,
        None => println!("postgres: skipped (set TEST_DATABASE_URL)"),
    }
}
