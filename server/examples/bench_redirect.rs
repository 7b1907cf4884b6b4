//! Benchmark: the referral redirect under load. Builds a database with 100,000 links, starts
//! the release server on it, and drives `GET /r/<random key>` and the plaintext `/healthz` of
//! the same server with `wrk` at 64 connections. Prints requests/s of both, their ratio, p99,
//! and after a graceful stop the clicks stored + dropped against the redirects served.
//!
//! ```sh
//! apt-get install -y wrk
//! cargo build --release -p server --bin server --example bench_redirect
//! "${CARGO_TARGET_DIR:-target}/release/examples/bench_redirect"
//! ```
//! `BENCH_BACKEND=postgres` (with `TEST_DATABASE_URL`) runs it on PostgreSQL;
//! `BENCH_SECONDS` sets each run's length (default 15).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::io::Write;

use common::{
    acme_program_and_group, active_partnership, bench_database, bench_seconds, start_server, wrk,
};
use store::db::{Db, now_ms};

const LINKS: usize = 100_000;
const TEAMS: usize = 1_000;

/// 100 links for each of 1,000 partnerships; returns every key.
async fn links(db: &Db) -> Vec<String> {
    let (program, group) = acme_program_and_group(db).await;
    sqlx::query("UPDATE programs SET allowed_domains = 'acme.example', default_destination = 'https://www.acme.example/start' WHERE id = $1")
        .bind(program)
        .execute(&db.pool)
        .await
        .unwrap();
    let mut keys = Vec::with_capacity(LINKS);
    for t in 0..TEAMS {
        let partnership = active_partnership(db, program, group, &format!("Bench links {t}")).await;
        let batch: Vec<String> = (0..LINKS / TEAMS)
            .map(|_| store::links::new_key())
            .collect();
        let mut sql = String::from(
            "INSERT INTO links (program_id, partnership_id, link_key, name, created_at) VALUES ",
        );
        for i in 0..batch.len() {
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!("($1, $2, ${}, 'Bench', 0)", i + 3));
        }
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(program)
            .bind(partnership);
        for key in &batch {
            query = query.bind(key.clone());
        }
        query.execute(&db.pool).await.unwrap();
        keys.extend(batch);
    }
    keys
}

#[tokio::main]
async fn main() {
    let seconds = bench_seconds(15);
    let Some((db, url, postgres)) = bench_database("portal_bench_redirect").await else {
        return;
    };
    let started = now_ms();
    let keys = links(&db).await;
    println!(
        "{} links made in {:.1} s",
        keys.len(),
        (now_ms() - started) as f64 / 1000.0
    );

    let dir = std::env::temp_dir().join("portal_bench_redirect");
    std::fs::create_dir_all(&dir).unwrap();
    let keys_file = dir.join("keys.txt");
    std::fs::write(&keys_file, keys.join("\n")).unwrap();
    // Both runs pick a random key per request, so the client does the same work in each.
    let lua = |name: &str, path: &str| {
        let script = dir.join(name);
        let mut file = std::fs::File::create(&script).unwrap();
        write!(
            file,
            "local keys = {{}}\nfor line in io.lines(\"{}\") do keys[#keys + 1] = line end\n\
             math.randomseed(os.time())\n\
             request = function() return wrk.format(\"GET\", \"{path}\" .. keys[math.random(#keys)]) end\n",
            keys_file.display()
        )
        .unwrap();
        script
    };
    let script = lua("redirect.lua", "/r/");
    let plain = lua("plaintext.lua", "/healthz?k=");

    let log = dir.join("server.log");
    let mut server = start_server(&url, &log, "bench_redirect").await;
    let base = server.base.clone();

    // Warm the process (and fill the target cache) before measuring.
    let _ = wrk(&base, Some(&script), &[], 5);
    let baseline = wrk(&base, Some(&plain), &[], seconds);
    let redirect = wrk(&base, Some(&script), &[], seconds);

    server.stop();
    // The log may carry colour codes: drop every `ESC … m`.
    let mut text = String::new();
    let mut in_escape = false;
    for c in std::fs::read_to_string(&log).unwrap_or_default().chars() {
        match (in_escape, c) {
            (false, '\u{1b}') => in_escape = true,
            (true, 'm') => in_escape = false,
            (false, c) => text.push(c),
            (true, _) => {}
        }
    }
    let counter = |name: &str| -> u64 {
        text.lines()
            .filter(|l| l.contains("click writer stopped"))
            .find_map(|l| {
                l.split_whitespace()
                    .find_map(|w| w.strip_prefix(&format!("{name}=")))
                    .map(|n| n.parse().unwrap_or(0))
            })
            .unwrap_or(0)
    };
    let (served, stored, dropped) = (counter("served"), counter("stored"), counter("dropped"));
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM clicks")
        .fetch_one(&db.pool)
        .await
        .unwrap();

    println!(
        "backend: {}",
        if postgres { "PostgreSQL" } else { "SQLite" }
    );
    println!(
        "baseline /healthz: {:.0} req/s, p99 {:.2} ms",
        baseline.requests_per_sec, baseline.p99_ms
    );
    println!(
        "redirect /r/<key>: {:.0} req/s, p99 {:.2} ms, non-3xx {}",
        redirect.requests_per_sec, redirect.p99_ms, redirect.non_2xx_3xx
    );
    println!(
        "ratio redirect/baseline: {:.2} (target >= 0.6)",
        redirect.requests_per_sec / baseline.requests_per_sec
    );
    println!(
        "redirects served {served} (warm-up included; the measured run {}), clicks stored {stored} + dropped {dropped} = {} ({}); click rows {rows}",
        redirect.requests,
        stored + dropped,
        if stored + dropped == served {
            "equal"
        } else {
            "DIFFERENT"
        }
    );
    db.close().await;
}
