//! What an operator runs the portal with: `/metrics`, a stop that finishes requests in flight
//! (with JSON logs), `server backup`, and `server help` naming every variable.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::TestApp;
use serde_json::Value;
use store::db::{Backend, Db};

on_both_backends!(
    metrics_count_requests_and_show_the_job_lag,
    a_stopping_server_finishes_requests_in_flight_then_exits,
    backup_copies_a_sqlite_database,
);

async fn metrics(base: &str, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(format!("{base}/metrics"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let res = request.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The value of the first sample of `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .find(|(series, _)| {
            series
                .strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.is_empty())
                && labels.iter().all(|label| series.contains(label))
        })
        .and_then(|(_, value)| value.parse().ok())
}

async fn metrics_count_requests_and_show_the_job_lag(app: &TestApp) {
    let client = reqwest::Client::new();
    for _ in 0..3 {
        client.get(app.url("/healthz")).send().await.unwrap();
    }
    client.get(app.url("/no/such/page")).send().await.unwrap();
    let partner = app.partnership_id("Northwind Agency").await;
    client
        .get(app.url(&format!("/vendor/partners/{partner}")))
        .send()
        .await
        .unwrap();
    // An email queued five seconds ago that no runner sends (this server has no SMTP).
    let now = store::db::now_ms();
    sqlx::query(
        "INSERT INTO jobs (queue, subject_id, status, run_at, created_at) VALUES ('send_email', 999999999, 'pending', $1, $1)",
    )
    .bind(now - 5_000)
    .execute(&app.db.pool)
    .await
    .unwrap();

    let (status, text) = metrics(&app.base, None).await;
    assert_eq!(status, 200, "loopback reads the metrics without a token");
    let requests = "portal_http_requests_total";
    let healthz = sample(&text, requests, &[r#"route="/healthz""#, r#"status="200""#]);
    assert!(healthz.is_some_and(|n| n >= 3.0), "{text}");
    // The route's pattern, not the path: one series for every partner.
    assert!(
        sample(
            &text,
            requests,
            &[r#"route="/vendor/partners/{id}""#, r#"status="303""#]
        )
        .is_some(),
        "{text}"
    );
    assert!(
        sample(
            &text,
            requests,
            &[r#"route="unmatched""#, r#"status="404""#]
        )
        .is_some()
    );
    assert!(!text.contains(&format!("/vendor/partners/{partner}\"")));
    let buckets = "portal_http_request_duration_seconds_bucket";
    assert!(
        sample(&text, buckets, &[r#"route="/healthz""#, r#"le="+Inf""#]).is_some_and(|n| n >= 3.0)
    );
    let lag = sample(&text, "portal_job_lag_seconds", &[r#"queue="send_email""#]).unwrap();
    assert!((4.5..600.0).contains(&lag), "lag {lag}");
    assert_eq!(
        sample(
            &text,
            "portal_job_lag_seconds",
            &[r#"queue="deliver_webhook""#]
        ),
        Some(0.0)
    );
    for name in [
        "portal_db_connections",
        "portal_redirect_queue_depth",
        "portal_clicks_dropped_total",
    ] {
        assert!(sample(&text, name, &[]).is_some(), "{name} missing: {text}");
    }
    sqlx::query("DELETE FROM jobs WHERE subject_id = 999999999")
        .execute(&app.db.pool)
        .await
        .unwrap();

    // With a token set, only a request carrying it gets the numbers, from anywhere.
    let guarded = app
        .second_server_with(|s| s.metrics_token = Some("scrape-secret-1".into()))
        .await;
    assert_eq!(metrics(&guarded, None).await.0, 404);
    assert_eq!(metrics(&guarded, Some("scrape-secret-2")).await.0, 404);
    let (status, text) = metrics(&guarded, Some("scrape-secret-1")).await;
    assert_eq!(status, 200);
    assert!(text.contains("portal_http_requests_total"));
}

/// The server binary, its stdout read line by line on a thread of its own.
struct Process {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Process {
    fn start(app: &TestApp, env: &[(&str, &str)]) -> Process {
        let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .env("DATABASE_URL", &app.database_url)
            .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
            .env("RUST_LOG", "info,sqlx=warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server binary");
        let stdout = child.stdout.take().expect("stdout");
        let (send, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Process {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads lines until one holds `text`; that line.
    fn wait_for_line(&mut self, text: &str) -> String {
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no line with {text:?} in {:#?}", self.seen));
            self.seen.push(line.clone());
            if line.contains(text) {
                return line;
            }
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits up to `within` for the process to exit; its status.
    fn exit_within(&mut self, within: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "still running after {within:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every line the process wrote, once it has exited (its reader then ends).
    fn all_lines(&mut self) -> Vec<String> {
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(10)) {
            self.seen.push(line);
        }
        self.seen.clone()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A POST whose body is one byte short: the server is reading it, so the request is in
/// flight, until `finish` sends the last byte.
fn unfinished_post(addr: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST /api/login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nemail=a%4"
    )
    .unwrap();
    stream.flush().unwrap();
    stream
}

fn finish(mut stream: TcpStream) -> String {
    stream.write_all(b"0").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = vec![0u8; 512];
    let n = stream.read(&mut answer).unwrap();
    String::from_utf8_lossy(&answer[..n]).into_owned()
}

async fn a_stopping_server_finishes_requests_in_flight_then_exits(app: &TestApp) {
    let grace = Duration::from_secs(2);
    let mut server = Process::start(
        app,
        &[("PORTAL_LOG_FORMAT", "json"), ("PORTAL_SHUTDOWN_SECS", "2")],
    );
    let listening = server.wait_for_line("Partner portal listening on ");
    let line: Value = serde_json::from_str(&listening).expect("a JSON log line");
    let addr = line["message"]
        .as_str()
        .and_then(|m| m.strip_prefix("Partner portal listening on http://"))
        .expect("the address")
        .to_owned();
    let finished_later = unfinished_post(&addr);
    let never_finished = unfinished_post(&addr);
    std::thread::sleep(Duration::from_millis(200));

    server.signal("-TERM");
    let stopping = Instant::now();
    server.wait_for_line("stopping");
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "it waits for the requests"
    );
    let answer = finish(finished_later);
    assert!(answer.starts_with("HTTP/1.1 "), "{answer}");
    assert!(!answer.starts_with("HTTP/1.1 5"), "{answer}");
    // No new request is taken.
    let late = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap()
        .get(format!("http://{addr}/healthz"))
        .send()
        .await;
    assert!(late.is_err(), "{late:?}");

    // The other request never completes: the process waits out its grace period, no longer.
    let status = server.exit_within(grace + Duration::from_secs(10));
    let waited = stopping.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(waited >= grace - Duration::from_millis(200), "{waited:?}");
    assert!(waited < grace + Duration::from_secs(5), "{waited:?}");
    drop(never_finished);
    let lines = server.all_lines();
    for line in &lines {
        let value: Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON log line ({e}): {line}"));
        assert!(
            value["level"].is_string() && value["timestamp"].is_string(),
            "{line}"
        );
    }
    assert!(
        lines.iter().any(|l| l.contains("grace period ended")),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l.contains("Stopped.")), "{lines:#?}");
}

async fn backup_copies_a_sqlite_database(app: &TestApp) {
    let path = std::env::temp_dir().join(format!(
        "portal_backup_{}_{}.db",
        std::process::id(),
        rand::random::<u32>()
    ));
    let path_text = path.display().to_string();
    let (code, out, err) = app.run_binary(&["backup", &path_text], &[]);
    if app.database_url.starts_with("postgres") {
        assert_eq!(code, 2, "{out}{err}");
        assert!(err.contains("pg_dump"), "{err}");
        assert!(!path.exists());
        return;
    }
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("Backed up the database into"), "{out}");
    let copy = Db::connect(&format!("sqlite://{path_text}")).await.unwrap();
    assert_eq!(copy.backend, Backend::Sqlite);
    for table in ["partnerships", "users", "events", "_sqlx_migrations"] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let count = |db: &Db| {
            let sql = sql.clone();
            let pool = db.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        let original = count(&app.db).await;
        assert!(original > 0, "{table}");
        assert_eq!(count(&copy).await, original, "{table}");
    }
    copy.close().await;
    // Never over an existing file; nothing else is accepted.
    let (code, _, err) = app.run_binary(&["backup", &path_text], &[]);
    assert_eq!(code, 2);
    assert!(err.contains("exists"), "{err}");
    let (code, _, _) = app.run_binary(&["backup"], &[]);
    assert_eq!(code, 2);
    // A wrong DATABASE_URL is not backed up as an empty database, nor created.
    let missing = std::env::temp_dir().join(format!("portal_missing_{}.db", rand::random::<u32>()));
    let other = std::env::temp_dir().join(format!("portal_copy_{}.db", rand::random::<u32>()));
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(["backup", &other.display().to_string()])
        .env("DATABASE_URL", format!("sqlite://{}", missing.display()))
        .env("RUST_LOG", "error")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!missing.exists() && !other.exists());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path_text}{suffix}"));
    }
}

/// Every variable the server and store read is in `server help` and in the README's
/// configuration table, and every one listed is read.
#[test]
fn help_and_readme_name_every_variable_the_binary_reads() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut read = std::collections::BTreeSet::new();
    for dir in ["server/src", "store/src"] {
        for path in rust_files(&root.join(dir)) {
            if path.ends_with("help.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices('"') {
                let name: String = text[i + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                    .collect();
                let closed = text[i + 1 + name.len()..].starts_with('"');
                let variable = ["PORTAL_", "LEPTOS_"].iter().any(|p| name.starts_with(p))
                    || name == "DATABASE_URL";
                if closed && variable {
                    read.insert(name);
                }
            }
        }
    }
    read.insert("RUST_LOG".into());
    let listed: std::collections::BTreeSet<String> = server::ENV_VARS
        .iter()
        .map(|(name, ..)| name.to_string())
        .collect();
    assert_eq!(
        read, listed,
        "the variables read and those `server help` lists"
    );
    let help = server::help();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    for name in &listed {
        assert!(help.contains(name.as_str()), "{name} in server help");
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "{name} in the README's table"
        );
    }
}

fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
