//! Benchmark: the partners table at 1,000 and at 100,000 partnerships of one program.
//!
//! `cargo run --release -p server --example bench_partners` (add `TEST_DATABASE_URL` to run it
//! on PostgreSQL too). Each query runs 15 times per size; the report gives the median and the
//! ratio large/small. Keyset pages should stay near 1x; a search by text and a segment count
//! scan the program and grow with it (reported, not hidden).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::time::{Duration, Instant};

use common::{database, median, report};
use domain::segment::{Condition, Rule};
use store::db::Db;
use store::partner_list::{self, Cursor, Sort};
use store::segments;

/// Adds partnerships until the program has `total` (10% tagged `bench`).
async fn grow(db: &Db, program: i64, group: i64, tag: i64, total: i64) {
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM partnerships WHERE program_id = $1")
        .bind(program)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let add = total - have;
    if add <= 0 {
        return;
    }
    let start: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM partner_teams")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO partner_teams (name, kind, country, created_at) SELECT 'Bench partner ' || (i + $2), 'agency', 'US', i FROM n",
    )
    .bind(add)
    .bind(start)
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, joined_at, team_name) \
         SELECT $1, t.id, 'active', 'bench-' || t.id, $2, 1700000000000 + t.id * 1000, t.name FROM partner_teams t WHERE t.id > $3",
    )
    .bind(program)
    .bind(group)
    .bind(start)
    .execute(&db.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO partnership_tags (partnership_id, tag_id, created_at) \
         SELECT p.id, $1, 0 FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id WHERE t.id > $2 AND t.id % 10 = 0",
    )
    .bind(tag)
    .bind(start)
    .execute(&db.pool)
    .await
    .unwrap();
    // Fresh statistics, as a running database would have.
    sqlx::query("ANALYZE").execute(&db.pool).await.unwrap();
}

async fn measure(db: &Db, program: i64, tag: i64) -> Vec<(&'static str, Duration)> {
    let everyone = Rule::everyone();
    let tagged = Rule::all_of([Condition::HasTag(tag)]);
    let search = Rule::all_of([Condition::Search("partner 777".into())]);
    // A cursor in the middle of the table: the newest row's join time minus half the rows.
    let (rows, _) = partner_list::page(db, program, &everyone, Sort::Newest, None)
        .await
        .unwrap();
    let top = rows
        .first()
        .map(|r| (r.joined_at, r.partnership_id))
        .unwrap();
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM partnerships WHERE program_id = $1")
        .bind(program)
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let middle = Cursor::Joined(top.0 - (total / 2) * 1000, top.1 - total / 2).encode();
    vec![
        (
            "first page, newest",
            median(|| async {
                partner_list::page(db, program, &everyone, Sort::Newest, None)
                    .await
                    .unwrap();
            })
            .await,
        ),
        (
            "page in the middle (keyset)",
            median(|| async {
                partner_list::page(db, program, &everyone, Sort::Newest, Some(&middle))
                    .await
                    .unwrap();
            })
            .await,
        ),
        (
            "first page, tag filter",
            median(|| async {
                partner_list::page(db, program, &tagged, Sort::Newest, None)
                    .await
                    .unwrap();
            })
            .await,
        ),
        (
            "first page, by name",
            median(|| async {
                partner_list::page(db, program, &everyone, Sort::Name, None)
                    .await
                    .unwrap();
            })
            .await,
        ),
        (
            "search by text (scans)",
            median(|| async {
                partner_list::page(db, program, &search, Sort::Newest, None)
                    .await
                    .unwrap();
            })
            .await,
        ),
        (
            "segment count (scans)",
            median(|| async {
                segments::count(db, program, &tagged).await.unwrap();
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
    let group: i64 = sqlx::query_scalar(
        "SELECT id FROM partner_groups WHERE program_id = $1 ORDER BY id LIMIT 1",
    )
    .bind(program)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    let tag: i64 = sqlx::query_scalar(
        "INSERT INTO tags (program_id, name, created_at) VALUES ($1, 'bench', 0) RETURNING id",
    )
    .bind(program)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    grow(&db, program, group, tag, 1_000).await;
    let small = measure(&db, program, tag).await;
    let started = Instant::now();
    grow(&db, program, group, tag, 100_000).await;
    println!(
        "{label}: grew to 100,000 partnerships in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let large = measure(&db, program, tag).await;
    report(label, &small, &large);
}

#[tokio::main]
async fn main() {
    if let Some(db) = database(None, "portal_bench_partners").await {
        run("sqlite", db).await;
    }
    match database(Some("TEST_DATABASE_URL"), "portal_bench_partners").await {
        Some(db) => run("postgres", db).await,
        None => println!("postgres: skipped (set TEST_DATABASE_URL)"),
    }
}
