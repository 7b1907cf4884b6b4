//! What the benchmarks share: a fresh seeded database per backend, the median of repeated
//! runs, and the 1k-versus-100k report.

#![allow(dead_code)] // each benchmark uses some of these

use std::time::{Duration, Instant};

use app::server::db::Db;
use app::server::password::Hasher;

/// A migrated, seeded database: SQLite in the temp dir, or PostgreSQL when `url_env` names a
/// set variable (a fresh database `name` on that server).
pub async fn database(url_env: Option<&str>, name: &str) -> Option<Db> {
    let url = database_url(url_env, name).await?;
    let db = Db::connect(&url).await.expect("connect");
    db.migrate().await.expect("migrate");
    server::seed::seed(&db, &Hasher::new()).await.expect("seed");
    Some(db)
}

/// The URL of a fresh database `name`: a new SQLite file in the temp dir, or a new PostgreSQL
/// database when `url_env` names a set variable. `None` when that variable is unset.
pub async fn database_url(url_env: Option<&str>, name: &str) -> Option<String> {
    match url_env {
        None => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            let _ = std::fs::remove_file(&path);
            Some(format!("sqlite://{}", path.display()))
        }
        Some(var) => {
            let admin = std::env::var(var).ok()?;
            let admin_db = Db::connect(&admin).await.ok()?;
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin_db.pool)
            .await;
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin_db.pool)
                .await
                .ok()?;
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_owned())
                .unwrap_or(admin);
            Some(format!("{base}/{name}"))
        }
    }
}

/// The seeded Acme program and one of its groups.
pub async fn acme_program_and_group(db: &Db) -> (i64, i64) {
    let r = sqlx::query("SELECT p.id, g.id FROM programs p JOIN partner_groups g ON g.program_id = p.id WHERE p.slug = 'acme-partner-program' LIMIT 1")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    (sqlx::Row::get(&r, 0), sqlx::Row::get(&r, 1))
}

/// A new partner team with an active partnership in `program`; returns the partnership.
pub async fn active_partnership(db: &Db, program: i64, group: i64, name: &str) -> i64 {
    let team: i64 = sqlx::query_scalar(
        "INSERT INTO partner_teams (name, kind, created_at) VALUES ($1, 'agency', 0) RETURNING id",
    )
    .bind(name)
    .fetch_one(&db.pool)
    .await
    .unwrap();
    sqlx::query_scalar(
        "INSERT INTO partnerships (program_id, partner_team_id, status, partner_key, group_id, joined_at) \
         VALUES ($1, $2, 'active', $3, $4, 0) RETURNING id",
    )
    .bind(program)
    .bind(team)
    .bind(name.to_lowercase().replace(' ', "-"))
    .bind(group)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

/// The median of 15 runs after one warm-up.
pub async fn median<F, Fut>(mut run: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    run().await; // warm the caches
    let mut times = Vec::new();
    for _ in 0..15 {
        let started = Instant::now();
        run().await;
        times.push(started.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// Prints each query's median at both sizes and the ratio.
pub fn report(label: &str, small: &[(&str, Duration)], large: &[(&str, Duration)]) {
    println!(
        "{label}: {:<34} {:>12} {:>12} {:>8}",
        "query", "1k (ms)", "100k (ms)", "ratio"
    );
    for ((name, s), (_, l)) in small.iter().zip(large) {
        println!(
            "{label}: {name:<34} {:>12.3} {:>12.3} {:>7.2}x",
            s.as_secs_f64() * 1e3,
            l.as_secs_f64() * 1e3,
            l.as_secs_f64() / s.as_secs_f64()
        );
    }
}
