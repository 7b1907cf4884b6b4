//! Benchmark: the signed-in pages people use all day, against the same server's plaintext
//! `/healthz`. Seeds the demo, optionally grows it (`BENCH_SCALE=large`: 10,000 more
//! partnerships, 100,000 customers, 1,000,000 transactions with a reward each, 100,000 leads
//! and 100,000 deals; `BENCH_SCALE=small`: the same shape a thousand times smaller, to compare
//! a list page at 1e3 rows with 1e6), starts the release server on it, signs in as the Acme
//! owner and the Northwind owner, and drives `/healthz`, `/vendor` and `/partner` with `wrk` at
//! 64 connections. Prints requests/s, the ratio to `/healthz`, and p99.
//!
//! The grown rows are dated within the last 90 days, inside the demo tiers' windows, so tier
//! progress on `/partner` measures a tenth of them (Northwind's share).
//!
//! ```sh
//! apt-get install -y wrk
//! cargo build --release -p server --bin server --example bench_pages
//! "${CARGO_TARGET_DIR:-target}/release/examples/bench_pages"
//! ```
//! `BENCH_BACKEND=postgres` (with `TEST_DATABASE_URL`) runs it on PostgreSQL;
//! `BENCH_SECONDS` sets each run's length (default 10); `BENCH_PAGES` a comma-separated list
//! of extra paths to drive, as the Northwind owner for `/partner…` paths and the Acme owner
//! otherwise (for example `/vendor/transactions,/partner/customers`).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::time::Instant;

use common::{acme_program_and_group, bench_database, bench_seconds, start_server, wrk};
use store::db::Db;

/// How many rows `grow` adds.
struct Scale {
    name: &'static str,
    partnerships: i64,
    customers: i64,
    transactions: i64,
    leads: i64,
    deals: i64,
}

const LARGE: Scale = Scale {
    name: "demo + 10k partnerships, 100k customers, 1M transactions, 100k leads, 100k deals",
    partnerships: 10_000,
    customers: 100_000,
    transactions: 1_000_000,
    leads: 100_000,
    deals: 100_000,
};

const SMALL: Scale = Scale {
    name: "demo + 10 partnerships, 100 customers, 1k transactions, 100 leads, 100 deals",
    partnerships: 10,
    customers: 100,
    transactions: 1_000,
    leads: 100,
    deals: 100,
};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// `INSERT … SELECT` over the numbers 1..=`n` (a recursive CTE both backends run), so a million
/// rows go in as one statement.
async fn insert_numbered(db: &Db, n: i64, insert: &str, select: &str, binds: &[i64]) {
    let sql = format!(
        "{insert} WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) {select}"
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(n);
    for value in binds {
        query = query.bind(*value);
    }
    query.execute(&db.pool).await.expect(insert);
}

async fn max_id(db: &Db, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}"
    )))
    .fetch_one(&db.pool)
    .await
    .expect("max id")
}

/// `scale`'s active partnerships in Acme's program, its customers and transactions (one in ten
/// on Northwind's partnership, the rest spread over the new ones), each transaction with a
/// reward (pending, approved or paid), and its leads and deals, spread the same way over every
/// open and closed status. Everything is dated within the last 90 days.
async fn grow(db: &Db, scale: &Scale) {
    let started = Instant::now();
    let (program, group) = acme_program_and_group(db).await;
    let northwind: i64 = sqlx::query_scalar(
        "SELECT p.id FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id \
         WHERE t.name = 'Northwind Agency' AND p.program_id = $1",
    )
    .bind(program)
    .fetch_one(&db.pool)
    .await
    .expect("Northwind's partnership");
    let teams = max_id(db, "partner_teams").await;
    insert_numbered(
        db,
        scale.partnerships,
        "INSERT INTO partner_teams (name, kind, created_at)",
        "SELECT 'Bench team ' || i, 'agency', 0 FROM n",
        &[],
    )
    .await;
    let partnerships = max_id(db, "partnerships").await;
    sqlx::query(
        "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, joined_at) \
         SELECT $1, id, 'active', 'bench-' || id, $2, id FROM partner_teams WHERE id > $3",
    )
    .bind(program)
    .bind(group)
    .bind(teams)
    .execute(&db.pool)
    .await
    .expect("partnerships");
    let customers = max_id(db, "customers").await;
    // Customer i belongs to Northwind when i % 10 = 0, else to bench partnership i % 10,000.
    insert_numbered(
        db,
        scale.customers,
        "INSERT INTO customers (program_id, partnership_id, external_key, name, source, created_at, attributed_at)",
        "SELECT $2, CASE WHEN i % 10 = 0 THEN $3 ELSE $4 + 1 + (i % $5) END, 'bench-' || i, 'Bench customer ' || i, 'api', i, i FROM n",
        &[program, northwind, partnerships, scale.partnerships],
    )
    .await;
    let now = store::db::now_ms();
    // Row i is dated i minutes before now, wrapping every 90 days (129,600 minutes).
    let dated = |i: &str| format!("$6 - CAST({i} % 129600 AS BIGINT) * 60000");
    insert_numbered(
        db,
        scale.leads,
        "INSERT INTO leads (program_id, partnership_id, company_name, contact_email, status, created_at, updated_at, company_key)",
        &format!(
            "SELECT $2, CASE WHEN i % 10 = 0 THEN $3 ELSE $4 + 1 + (i % $5) END, 'Bench lead ' || i, 'lead' || i || '@bench.example', \
             CASE i % 4 WHEN 0 THEN 'submitted' WHEN 1 THEN 'accepted' WHEN 2 THEN 'converted' ELSE 'rejected' END, {d}, {d}, 'bench-lead-' || i FROM n",
            d = dated("i")
        ),
        &[program, northwind, partnerships, scale.partnerships, now],
    )
    .await;
    insert_numbered(
        db,
        scale.deals,
        "INSERT INTO deals (program_id, partnership_id, name, amount_minor, currency, motion, stage, created_at, updated_at, company_key, closed_at)",
        &format!(
            "SELECT $2, CASE WHEN i % 10 = 0 THEN $3 ELSE $4 + 1 + (i % $5) END, 'Bench deal ' || i, 10000 + (i % 90000), 'USD', 'referral', \
             CASE i % 4 WHEN 0 THEN 'registered' WHEN 1 THEN 'in_progress' WHEN 2 THEN 'closed_won' ELSE 'closed_lost' END, {d}, {d}, 'bench-deal-' || i, \
             CASE WHEN i % 4 >= 2 THEN {d} END FROM n",
            d = dated("i")
        ),
        &[program, northwind, partnerships, scale.partnerships, now],
    )
    .await;
    let transactions = max_id(db, "transactions").await;
    insert_numbered(
        db,
        scale.transactions,
        "INSERT INTO transactions (program_id, customer_id, partnership_id, transaction_key, amount_minor, currency, source, occurred_at, created_at)",
        "SELECT $2, c.id, c.partnership_id, 'bench-t-' || i, 1000 + (i % 9000), 'USD', 'api', $5 - CAST(i % 129600 AS BIGINT) * 60000, $5 - CAST(i % 129600 AS BIGINT) * 60000 \
         FROM n JOIN customers c ON c.id = $3 + 1 + (i % $4)",
        &[program, customers, scale.customers, now],
    )
    .await;
    sqlx::query(
        "INSERT INTO rewards (program_id, partnership_id, amount_minor, currency, rounding_mode, status, description, \
         available_at, created_at, customer_id, transaction_id, source) \
         SELECT program_id, partnership_id, amount_minor / 10, currency, 'half_even', \
         CASE WHEN id % 3 = 0 THEN 'pending' WHEN id % 3 = 1 THEN 'approved' ELSE 'paid' END, \
         'Bench reward', CASE WHEN id % 3 = 0 THEN $2 ELSE occurred_at END, occurred_at, customer_id, id, 'offer' \
         FROM transactions WHERE id > $1",
    )
    .bind(transactions)
    // Pending rewards are still in their hold, so the server's job has nothing to release
    // while the pages are measured.
    .bind(now + 30 * DAY_MS)
    .execute(&db.pool)
    .await
    .expect("rewards");
    // PostgreSQL's autovacuum would have analysed the tables by now; SQLite never is in
    // production (statistics would make it plan statements again on every run).
    if db.backend == store::db::Backend::Postgres {
        sqlx::query("ANALYZE")
            .execute(&db.pool)
            .await
            .expect("analyze");
    }
    println!(
        "grown by {} in {:.1} s",
        scale.name,
        started.elapsed().as_secs_f64()
    );
}

/// Signs in through the portal's own `login` server function; returns the `Cookie` header.
async fn sign_in(base: &str, email: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = client
        .post(format!("{base}/api/login"))
        .header("Origin", base)
        .header("Accept", "application/json")
        .form(&[("email", email), ("password", "partner-portal-demo")])
        .send()
        .await
        .expect("sign in");
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("portal_session="))
        .and_then(|v| v.split(';').next())
        .unwrap_or_else(|| panic!("{email} could not sign in: {}", response.status()))
        .to_owned();
    format!("Cookie: {cookie}")
}

#[tokio::main]
async fn main() {
    let scale = match std::env::var("BENCH_SCALE").as_deref() {
        Ok("large") => Some(&LARGE),
        Ok("small") => Some(&SMALL),
        _ => None,
    };
    let seconds = bench_seconds(10);
    let Some((db, url, postgres)) = bench_database("portal_bench_pages").await else {
        return;
    };
    if let Some(scale) = scale {
        grow(&db, scale).await;
    }

    let dir = std::env::temp_dir().join("portal_bench_pages");
    std::fs::create_dir_all(&dir).expect("bench folder");
    let mut server = start_server(&url, &dir.join("server.log"), "bench_pages").await;
    let base = server.base.clone();
    let vendor = vec![sign_in(&base, "owner@acme.example").await];
    let partner = vec![sign_in(&base, "owner@northwind.example").await];

    let mut pages = vec![
        ("/vendor".to_owned(), &vendor),
        ("/partner".to_owned(), &partner),
    ];
    if let Ok(extra) = std::env::var("BENCH_PAGES") {
        pages.extend(extra.split(',').filter(|p| !p.is_empty()).map(|p| {
            let who = if p.starts_with("/partner") {
                &partner
            } else {
                &vendor
            };
            (p.to_owned(), who)
        }));
    }
    // A page that answers with a redirect to sign in would measure nothing.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for (path, cookie) in &pages {
        let (name, value) = cookie[0].split_once(": ").expect("a header");
        let response = client
            .get(format!("{base}{path}"))
            .header(name, value)
            .send()
            .await
            .expect("page");
        assert_eq!(
            response.status(),
            200,
            "{path} must answer 200 when signed in"
        );
    }
    // Warm the process and the database's caches before measuring.
    let _ = wrk(&format!("{base}/healthz"), None, &[], 3);
    for (path, cookie) in &pages {
        let _ = wrk(&format!("{base}{path}"), None, cookie, 3);
    }
    let baseline = wrk(&format!("{base}/healthz"), None, &[], seconds);
    println!(
        "backend: {}, data: {}",
        if postgres { "PostgreSQL" } else { "SQLite" },
        scale.map_or("demo", |s| s.name)
    );
    println!(
        "{:<24} {:>10} {:>8} {:>10} {:>8}",
        "page", "req/s", "ratio", "p99 (ms)", "non-2xx"
    );
    println!(
        "{:<24} {:>10.0} {:>8} {:>10.2} {:>8}",
        "/healthz", baseline.requests_per_sec, "1", baseline.p99_ms, baseline.non_2xx_3xx
    );
    for (path, cookie) in &pages {
        let run = wrk(&format!("{base}{path}"), None, cookie, seconds);
        println!(
            "{path:<24} {:>10.0} {:>8.3} {:>10.2} {:>8}",
            run.requests_per_sec,
            run.requests_per_sec / baseline.requests_per_sec,
            run.p99_ms,
            run.non_2xx_3xx
        );
    }
    server.stop();
    db.close().await;
}
