//! Benchmark: does the outbox's sender keep up with the rate mail is queued? Queues `MESSAGES`
//! messages one transaction each (as the portal's changes queue them), then sends them to the
//! SMTP sink (`end2end/smtp-sink.mjs`, a real SMTP server process) with one runner, and again
//! with two runners on their own connection pools (two server processes), and prints each
//! rate and its ratio to the queuing rate.
//!
//! `cargo run --release -p server --example bench_outbox` (SQLite);
//! `BENCH_BACKEND=postgres TEST_DATABASE_URL=… ` for PostgreSQL. Needs `end2end/`'s npm
//! packages (`./dev test` installs them).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a benchmark stops at its first failure"
)]

mod common;

use std::io::BufRead;
use std::time::Instant;

use server::mail::Mailer;
use store::db::Db;
use store::emails::{self, Recipient};
use store::messages::Message;

const MESSAGES: usize = 2_000;

/// The sink's process (stopped when its stdin closes) and its SMTP port.
fn start_sink() -> (std::process::Child, u16) {
    let end2end = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end");
    let mut child = std::process::Command::new("node")
        .arg("smtp-sink.mjs")
        .current_dir(end2end)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node end2end/smtp-sink.mjs");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let ports: serde_json::Value = serde_json::from_str(&line).unwrap();
    (
        child,
        u16::try_from(ports["smtp"].as_u64().unwrap()).unwrap(),
    )
}

/// Queues `n` messages, one transaction each; messages per second.
async fn queue(db: &Db, n: usize, round: usize) -> f64 {
    let company: i64 = sqlx::query_scalar("SELECT id FROM companies WHERE name = 'Acme Analytics'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    let started = Instant::now();
    for i in 0..n {
        let email = format!("bench{round}-{i}@example.com");
        let mut tx = db.begin().await.unwrap();
        emails::queue(
            &mut tx,
            Recipient {
                email: &email,
                company_id: Some(company),
                partner_team_id: None,
                program_id: None,
            },
            &Message::ApplicationReceived {
                team: "Bench Team",
                program: "Acme Partner Program",
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    n as f64 / started.elapsed().as_secs_f64()
}

/// Sends everything due with `runners` runners, each on its own pool; messages per second.
async fn send(url: &str, mailer: &Mailer, runners: usize, n: usize) -> f64 {
    let mut pools = Vec::new();
    for _ in 0..runners {
        pools.push(Db::connect(url).await.unwrap());
    }
    let started = Instant::now();
    let tasks: Vec<_> = pools
        .iter()
        .map(|db| {
            let (db, mailer) = (db.clone(), mailer.clone());
            tokio::spawn(async move {
                while server::jobs::send_due(&db, &mailer, 60_000).await.unwrap() > 0 {}
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    for db in pools {
        db.close().await;
    }
    rate
}

#[tokio::main]
async fn main() {
    let Some((db, url, postgres)) = common::bench_database("bench_outbox").await else {
        return;
    };
    let (mut sink, port) = start_sink();
    let mailer = Mailer::new(
        &format!("smtp://127.0.0.1:{port}"),
        server::DEFAULT_MAIL_FROM,
    )
    .unwrap();
    // The demo's own queued messages first, so each run sends only its own.
    send(&url, &mailer, 1, 0).await;

    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    let queued = queue(&db, MESSAGES, 1).await;
    let one = send(&url, &mailer, 1, MESSAGES).await;
    queue(&db, MESSAGES, 2).await;
    let two = send(&url, &mailer, 2, MESSAGES).await;
    println!("{backend}: {MESSAGES} messages");
    println!("  queued (one transaction each): {queued:>8.0} msg/s");
    println!(
        "  sent, one runner:              {one:>8.0} msg/s  ({:.2}x the queuing rate)",
        one / queued
    );
    println!(
        "  sent, two runners:             {two:>8.0} msg/s  ({:.2}x)",
        two / queued
    );
    drop(sink.stdin.take());
    let _ = sink.wait();
    db.close().await;
}
