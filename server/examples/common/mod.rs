//! What the benchmarks share: a fresh seeded database per backend, the median of repeated
//! runs, and the 1k-versus-100k report.

#![allow(dead_code)] // each benchmark uses some of these

use std::process::Command;
use std::time::{Duration, Instant};

use store::db::Db;
use store::password::Hasher;

/// Connections every `wrk` run holds open.
pub const CONNECTIONS: u32 = 64;

/// A migrated, seeded database: SQLite in the temp dir, or PostgreSQL when `url_env` names a
/// set variable (a fresh database `name` on that server).
pub async fn database(url_env: Option<&str>, name: &str) -> Option<Db> {
    Some(seeded(&database_url(url_env, name).await?).await)
}

/// The database at `url`, migrated and seeded with the demo.
async fn seeded(url: &str) -> Db {
    let db = Db::connect(url).await.expect("connect");
    db.migrate().await.expect("migrate");
    server::seed::seed(&db, &Hasher::new()).await.expect("seed");
    db
}

/// `BENCH_SECONDS` (each `wrk` run's length), else `default`.
pub fn bench_seconds(default: u64) -> u64 {
    std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// The database a server benchmark runs on: a fresh, migrated and seeded one named `name`, on
/// PostgreSQL when `BENCH_BACKEND=postgres` (with `TEST_DATABASE_URL`), else SQLite. Returns
/// it, its URL and whether it is PostgreSQL; `None` (said on stderr) without the URL.
pub async fn bench_database(name: &str) -> Option<(Db, String, bool)> {
    let postgres = std::env::var("BENCH_BACKEND").is_ok_and(|b| b == "postgres");
    let Some(url) = database_url(postgres.then_some("TEST_DATABASE_URL"), name).await else {
        eprintln!("BENCH_BACKEND=postgres needs TEST_DATABASE_URL");
        return None;
    };
    Some((seeded(&url).await, url, postgres))
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

/// One `wrk` run's numbers.
pub struct Run {
    pub requests_per_sec: f64,
    pub p99_ms: f64,
    pub requests: u64,
    pub non_2xx_3xx: u64,
}

/// `wrk -t2` at [`CONNECTIONS`] for `seconds` against `url`, with an optional Lua `script` and
/// extra request headers.
pub fn wrk(
    url: &str,
    script: Option<&std::path::PathBuf>,
    headers: &[String],
    seconds: u64,
) -> Run {
    let mut cmd = Command::new("wrk");
    cmd.args([
        "-t2",
        &format!("-c{CONNECTIONS}"),
        &format!("-d{seconds}s"),
        "--latency",
    ]);
    if let Some(script) = script {
        cmd.arg("-s").arg(script);
    }
    for header in headers {
        cmd.arg("-H").arg(header);
    }
    let out = cmd
        .arg(url)
        .output()
        .expect("wrk: install it with `apt-get install -y wrk`");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let number = |prefix: &str| -> Option<String> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| {
                l[prefix.len()..]
                    .split_whitespace()
                    .next()
                    .map(str::to_owned)
            })
    };
    let p99 = number("99%").unwrap_or_default();
    let p99_ms = if let Some(us) = p99.strip_suffix("us") {
        us.parse::<f64>().unwrap_or(f64::NAN) / 1000.0
    } else if let Some(ms) = p99.strip_suffix("ms") {
        ms.parse().unwrap_or(f64::NAN)
    } else if let Some(s) = p99.strip_suffix('s') {
        s.parse::<f64>().unwrap_or(f64::NAN) * 1000.0
    } else {
        f64::NAN
    };
    let requests = text
        .lines()
        .find(|l| l.contains("requests in"))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Run {
        requests_per_sec: number("Requests/sec:")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0),
        p99_ms,
        requests,
        non_2xx_3xx: number("Non-2xx or 3xx responses:")
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
    }
}

/// The release server, started on a free port by a benchmark.
pub struct Server {
    child: std::process::Child,
    pub base: String,
}

impl Server {
    /// A graceful stop (SIGTERM), waiting for the process to end.
    pub fn stop(&mut self) {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("kill");
        self.child.wait().expect("wait for the server");
    }
}

/// Starts the release `server` binary (built beside this example) on `url`, logging to `log`,
/// and waits until `/healthz` answers. `example` names the benchmark for the build hint.
pub async fn start_server(url: &str, log: &std::path::Path, example: &str) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("a free port")
        .local_addr()
        .expect("its address")
        .port();
    let binary = std::env::current_exe()
        .expect("this example's path")
        .parent()
        .and_then(|p| p.parent())
        .expect("the target folder")
        .join("server");
    let child = Command::new(&binary)
        .arg("serve")
        .env("DATABASE_URL", url)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("PORTAL_SEED_DEMO", "never")
        .env("RUST_LOG", "info,sqlx=warn")
        .env("NO_COLOR", "1")
        .stdout(std::fs::File::create(log).expect("the log file"))
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e} (build it with cargo build --release -p server --bin server --example {example})",
                binary.display()
            )
        });
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if client
            .get(format!("{base}/healthz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Server { child, base }
}

/// A new API key of `program`, made by user `owner`.
pub async fn api_key(db: &Db, program: i64, owner: i64) -> String {
    let (key, prefix, hash) = store::api_keys::generate();
    sqlx::query("INSERT INTO api_keys (program_id, name, prefix, key_hash, created_by_user_id, created_at) VALUES ($1, 'bench', $2, $3, $4, 0)")
        .bind(program)
        .bind(prefix)
        .bind(hash)
        .bind(owner)
        .execute(&db.pool)
        .await
        .unwrap();
    key
}

/// Records `rows` payments of Contoso through `POST /api/v1/transactions`, from `clients`
/// concurrent clients, keys `{tag}-{client}-{n}`; the rate in transactions per second.
pub async fn post_transactions(
    base: &str,
    key: &str,
    tag: &str,
    rows: usize,
    clients: usize,
) -> f64 {
    let http = reqwest::Client::new();
    let started = Instant::now();
    let per_client = rows / clients;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, key, url, tag) = (
            http.clone(),
            key.to_owned(),
            format!("{base}/api/v1/transactions"),
            tag.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            for i in 0..per_client {
                let body = serde_json::json!({
                    "customer_key": "cus_1001", "amount": 10_000 + i, "currency": "USD",
                    "transaction_key": format!("{tag}-{c}-{i}"),
                });
                let res = http
                    .post(&url)
                    .bearer_auth(&key)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 201);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (per_client * clients) as f64 / started.elapsed().as_secs_f64()
}

/// Runs `bench` on a fresh seeded SQLite database `name` in the temp dir, then (with
/// `TEST_DATABASE_URL`) on a fresh PostgreSQL database of that name; with its label and URL.
pub async fn on_both_backends<F, Fut>(name: &str, bench: F)
where
    F: Fn(&'static str, Db, String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for (label, url_env) in [("sqlite", None), ("postgres", Some("TEST_DATABASE_URL"))] {
        if let Some(url) = database_url(url_env, name).await {
            bench(label, seeded(&url).await, url).await;
        }
    }
}
