//! Starts the real server on port 0 against a fresh database: a temporary SQLite file, or a
//! new PostgreSQL database on the server `TEST_DATABASE_URL` points at.

#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use rand::Rng;
use server::{Settings, app_state, open_database, seed};
use store::db::{Backend, Db};

pub const DEMO_PASSWORD: &str = seed::DEMO_PASSWORD;

pub struct TestApp {
    pub base: String,
    pub db: Db,
    /// The database this server uses (a second server can share it).
    pub database_url: String,
    /// What browsers send as `Origin`: the public origin when one is set, else `base`.
    pub origin: String,
    admin_url: Option<String>,
    database_name: Option<String>,
    sqlite_path: Option<std::path::PathBuf>,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

fn unique_name() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let r: u32 = rand::thread_rng().r#gen();
    format!("portal_test_{}_{n}_{r:08x}", std::process::id())
}

/// `None` when the backend is not configured here (PostgreSQL without `TEST_DATABASE_URL`);
/// in CI that is a failure, not a skip.
pub async fn spawn(backend: Backend) -> Option<TestApp> {
    spawn_with(backend, |_| {}).await
}

/// [`spawn`] with the settings changed first (a public origin, say).
pub async fn spawn_with(backend: Backend, change: impl FnOnce(&mut Settings)) -> Option<TestApp> {
    start(backend, change, true).await
}

/// A server on an empty database: no company, no users (a new install).
pub async fn spawn_empty(backend: Backend) -> Option<TestApp> {
    start(backend, |_| {}, false).await
}

async fn start(
    backend: Backend,
    change: impl FnOnce(&mut Settings),
    seeded: bool,
) -> Option<TestApp> {
    let name = unique_name();
    let (database_url, admin_url, database_name, sqlite_path) = match backend {
        Backend::Sqlite => {
            let path = std::env::temp_dir().join(format!("{name}.db"));
            (
                format!("sqlite://{}", path.display()),
                None,
                None,
                Some(path),
            )
        }
        Backend::Postgres => {
            let Some(admin) = std::env::var("TEST_DATABASE_URL")
                .ok()
                .filter(|v| !v.is_empty())
            else {
                assert!(
                    std::env::var("CI").is_err(),
                    "TEST_DATABASE_URL must point at PostgreSQL in CI"
                );
                eprintln!(
                    "PostgreSQL tests skipped: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres"
                );
                return None;
            };
            let admin_db = Db::connect(&admin)
                .await
                .expect("connect to TEST_DATABASE_URL");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin_db.pool)
                .await
                .expect("create test database");
            admin_db.close().await;
            (
                replace_database(&admin, &name),
                Some(admin),
                Some(name),
                None,
            )
        }
    };
    let mut settings = Settings {
        test_clock: true,
        ..Settings::local(database_url)
    };
    change(&mut settings);
    let db = open_database(&settings).await.expect("open database");
    if seeded {
        let state = app_state(db.clone(), &settings);
        seed::seed(&state.db, &state.hasher)
            .await
            .expect("seed demo data");
    }
    let base = serve(&settings, db.clone()).await;
    Some(TestApp {
        origin: settings
            .public_origin
            .clone()
            .unwrap_or_else(|| base.clone()),
        base,
        database_url: settings.database_url.clone(),
        db,
        admin_url,
        database_name,
        sqlite_path,
    })
}

/// Starts a server on port 0 over `db` (with the end-to-end tests' clock) and returns its base
/// URL.
async fn serve(settings: &Settings, db: Db) -> String {
    let state = app_state(db, settings);
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("local addr"));
    if let Some(mailer) = settings.mailer().expect("PORTAL_SMTP_URL") {
        server::jobs::spawn_sender(
            state.db.clone(),
            mailer,
            settings.mail_poll,
            settings.job_lease,
        );
    }
    server::jobs::spawn_trigger_runner(state.db.clone(), settings.trigger_poll, settings.job_lease);
    server::jobs::spawn_webhook_runner(
        state.db.clone(),
        server::webhooks::Sender::new(settings.webhooks_to_private).expect("webhook client"),
        settings.webhook_poll,
        settings.job_lease,
        settings.public_origin.clone(),
    );
    let (redirects, _writer) = server::redirect::start(state.db.clone(), settings.link_cache);
    let app = server::router_with_clock(state, settings.leptos_options(), true, redirects);
    let grace = settings.shutdown_grace;
    tokio::spawn(async move { server::serve(listener, app, grace).await });
    base
}

fn replace_database(url: &str, name: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match head[scheme_end..].find('/') {
        Some(slash) => &head[..scheme_end + slash],
        None => head,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Reads again every 50 ms, for at most 5 s, until `done` holds for what `read` returns, and
/// returns the last read: for what the server does a moment after answering (storing clicks,
/// counting them on links).
pub async fn eventually<T, F, R>(mut read: F, done: impl Fn(&T) -> bool) -> T
where
    F: FnMut() -> R,
    R: std::future::Future<Output = T>,
{
    let mut value = read().await;
    for _ in 0..100 {
        if done(&value) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        value = read().await;
    }
    value
}

/// Polls `read` every 50 ms for up to `secs` seconds until `done` holds; the last read: for
/// background work (mail, triggers) that takes a moment.
pub async fn wait_for<T>(
    secs: u64,
    mut read: impl AsyncFnMut() -> T,
    done: impl Fn(&T) -> bool,
) -> T {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let value = read().await;
        if done(&value) || std::time::Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The JSON of a successful answer; fails the test with the status and body otherwise.
pub async fn json_of(res: reqwest::Response) -> serde_json::Value {
    let status = res.status();
    let text = res.text().await.unwrap();
    assert!(status.is_success(), "{status}: {text}");
    serde_json::from_str(&text).unwrap()
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them),
    /// and sends the portal's `Origin` on every request as browsers do on posts.
    pub fn client(&self) -> reqwest::Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::ORIGIN,
            reqwest::header::HeaderValue::from_str(&self.origin).expect("origin header"),
        );
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client")
    }

    /// A client that sends no `Origin` (a script, or a forged request).
    pub fn client_without_origin(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// A second server process on this one's database (what a load balancer would spread
    /// requests over); its base URL.
    pub async fn second_server(&self) -> String {
        self.second_server_with(|_| {}).await
    }

    /// [`TestApp::second_server`] with its settings changed first.
    pub async fn second_server_with(&self, change: impl FnOnce(&mut Settings)) -> String {
        let mut settings = Settings {
            test_clock: true,
            ..Settings::local(self.database_url.clone())
        };
        change(&mut settings);
        let db = open_database(&settings).await.expect("open database");
        serve(&settings, db).await
    }

    /// The HTML of the page at `path`, as `client` gets it.
    pub async fn html(&self, client: &reqwest::Client, path: &str) -> String {
        let res = client.get(self.url(path)).send().await.expect("request");
        res.text().await.expect("page text")
    }

    /// Runs the server binary with `args` on this database (with `env` added); its exit code,
    /// stdout and stderr.
    pub fn run_binary(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_server"))
            .args(args)
            .env("DATABASE_URL", &self.database_url)
            .env("RUST_LOG", "error")
            .envs(env.iter().copied())
            .output()
            .expect("run the server binary");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Calls a server function as an API client would (form body, JSON answer).
    pub async fn call(
        &self,
        client: &reqwest::Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        client
            .post(self.url(&format!("/api/{endpoint}")))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    /// Calls the server function whose arguments are `args` (its generated struct, e.g.
    /// `app::api::AdvanceDeal { deal_id }`), so a changed signature fails to compile here.
    pub async fn invoke<F>(&self, client: &reqwest::Client, args: &F) -> reqwest::Response
    where
        F: server_fn::ServerFn + serde::Serialize,
    {
        client
            .post(self.url(F::PATH))
            .form(args)
            .send()
            .await
            .expect("request")
    }

    /// Follows the link of the newest signup confirmation emailed to `email` (read from the
    /// outbox) with `client`, which is then signed in as the new account.
    pub async fn confirm_signup(&self, client: &reqwest::Client, email: &str) -> reqwest::Response {
        let body: String = sqlx::query_scalar(
            "SELECT body FROM emails WHERE to_email = $1 AND kind = 'confirm_signup' ORDER BY id DESC LIMIT 1",
        )
        .bind(email)
        .fetch_one(&self.db.pool)
        .await
        .expect("a signup confirmation was emailed");
        let token = body
            .split_whitespace()
            .find_map(|word| word.split("/verify-email/").nth(1))
            .expect("the confirmation link")
            .to_owned();
        self.call(client, "confirm_signup", &[("token", &token)])
            .await
    }

    /// Signs in and returns the client holding the session cookie.
    pub async fn signed_in(&self, email: &str) -> reqwest::Client {
        let client = self.client();
        let res = self
            .call(
                &client,
                "login",
                &[("email", email), ("password", DEMO_PASSWORD)],
            )
            .await;
        assert_eq!(
            res.status(),
            200,
            "sign-in of {email} failed: {}",
            res.text().await.unwrap_or_default()
        );
        client
    }

    pub async fn scalar(&self, sql: &'static str, bind: &str) -> i64 {
        sqlx::query_scalar::<_, i64>(sql)
            .bind(bind)
            .fetch_one(&self.db.pool)
            .await
            .expect("scalar query")
    }

    pub async fn id_of(&self, sql: &'static str, bind: &str) -> i64 {
        self.scalar(sql, bind).await
    }

    /// A new API key of the Acme program, made by its owner.
    pub async fn api_key(&self) -> String {
        let owner = self.signed_in("owner@acme.example").await;
        let program = self.acme_program_id().await.to_string();
        let res = self
            .call(
                &owner,
                "create_api_key",
                &[("program", &program), ("name", "Billing")],
            )
            .await;
        json_of(res).await["key"].as_str().unwrap().to_owned()
    }

    /// The id of the group `name` of the program named `program`, as a form sends it.
    pub async fn group_id(&self, program: &str, name: &str) -> String {
        sqlx::query_scalar::<_, i64>(
            "SELECT g.id FROM partner_groups g JOIN programs p ON p.id = g.program_id WHERE p.name = $1 AND g.name = $2",
        )
        .bind(program)
        .bind(name)
        .fetch_one(&self.db.pool)
        .await
        .expect("the group")
        .to_string()
    }

    /// The id of the seeded Acme program.
    pub async fn acme_program_id(&self) -> i64 {
        self.scalar(
            "SELECT id FROM programs WHERE slug = $1",
            "acme-partner-program",
        )
        .await
    }

    /// The id of the partnership of the partner team called `team`, as form text.
    pub async fn partnership_id(&self, team: &str) -> String {
        sqlx::query_scalar::<_, i64>(
            // The team's first partnership (its Acme one): PostgreSQL returns rows in no fixed
            // order once they have been updated.
            "SELECT p.id FROM partnerships p JOIN partner_teams t ON t.id = p.partner_team_id WHERE t.name = $1 ORDER BY p.id LIMIT 1",
        )
        .bind(team)
        .fetch_one(&self.db.pool)
        .await
        .expect("partnership of the team")
        .to_string()
    }

    /// Drops the PostgreSQL database or deletes the SQLite file.
    pub async fn cleanup(self) {
        self.assert_kept_totals().await;
        self.db.close().await;
        if let (Some(admin), Some(name)) = (self.admin_url, self.database_name)
            && let Ok(admin_db) = Db::connect(&admin).await
        {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&admin_db.pool)
            .await;
            admin_db.close().await;
        }
        if let Some(path) = self.sqlite_path {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
        }
    }
}

impl TestApp {
    /// Every test ends here: the sums the database keeps (triggers of migrations
    /// `kept_totals` and `partnership_days`) equal a count of the rows, whatever the test did:
    /// the dashboard cards of every program, whole and as each teammate limited to groups sees
    /// them, the earnings of every partnership, its revenue per day, and its tier's rank.
    async fn assert_kept_totals(&self) {
        type Day = (i64, i64, i64, i64);
        let kept: Vec<Day> = sqlx::query_as(
            "SELECT partnership_id, day, closed_won_minor, paid_minor FROM partnership_days \
             WHERE closed_won_minor <> 0 OR paid_minor <> 0 ORDER BY 1, 2",
        )
        .fetch_all(&self.db.pool)
        .await
        .expect("kept days");
        let counted: Vec<Day> = sqlx::query_as(
            "SELECT partnership_id, day, CAST(SUM(won) AS BIGINT), CAST(SUM(paid) AS BIGINT) FROM ( \
               SELECT partnership_id, COALESCE(closed_at, created_at) / 86400000 AS day, amount_minor AS won, 0 AS paid \
               FROM deals WHERE stage = 'closed_won' \
               UNION ALL \
               SELECT partnership_id, occurred_at / 86400000, 0, amount_minor FROM transactions WHERE partnership_id IS NOT NULL \
             ) x GROUP BY partnership_id, day HAVING SUM(won) <> 0 OR SUM(paid) <> 0 ORDER BY 1, 2",
        )
        .fetch_all(&self.db.pool)
        .await
        .expect("counted days");
        assert_eq!(kept, counted, "revenue per partnership and day");
        let stale_ranks: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM partnerships p LEFT JOIN tiers t ON t.id = p.tier_id \
             WHERE p.tier_rank <> COALESCE(t.rank, -1)",
        )
        .fetch_one(&self.db.pool)
        .await
        .expect("tier ranks");
        assert_eq!(
            stale_ranks, 0,
            "partnerships whose kept tier rank is not their tier's"
        );
        let partnerships: Vec<i64> = sqlx::query_scalar("SELECT id FROM partnerships ORDER BY id")
            .fetch_all(&self.db.pool)
            .await
            .expect("partnerships");
        for id in partnerships {
            let kept = store::partner::earnings(&self.db, id).await.expect("kept");
            let counted = store::partner::earnings_recounted(&self.db, id)
                .await
                .expect("counted");
            assert_eq!(kept, counted, "earnings of partnership {id}");
        }
        let programs = sqlx::query("SELECT id, name, currency FROM programs ORDER BY id")
            .fetch_all(&self.db.pool)
            .await
            .expect("programs");
        let restricted: Vec<i64> =
            sqlx::query_scalar("SELECT DISTINCT teammate_id FROM teammate_groups ORDER BY 1")
                .fetch_all(&self.db.pool)
                .await
                .expect("restricted teammates");
        for row in programs {
            use sqlx::Row;
            let program = app::dto::ProgramSummary {
                id: row.get(0),
                name: row.get(1),
                currency: row.get(2),
            };
            for teammate in std::iter::once(None).chain(restricted.iter().copied().map(Some)) {
                let kept = store::vendor::kpis(&self.db, &program, true, teammate)
                    .await
                    .expect("kept totals");
                let counted = store::vendor::kpis_recounted(&self.db, &program, teammate)
                    .await
                    .expect("counted totals");
                assert_eq!(
                    kept, counted,
                    "group totals of program {} (teammate {teammate:?})",
                    program.id
                );
            }
        }
    }
}

/// Runs an async test body on SQLite and on PostgreSQL.
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        on_both_backends!(@started_by spawn; $($name),+);
    };
    (@started_by $spawn:ident; $($name:ident),+) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let app = crate::common::$spawn(store::db::Backend::Sqlite).await.expect("sqlite app");
                    super::$name(&app).await;
                    app.cleanup().await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = crate::common::$spawn(store::db::Backend::Postgres).await {
                        super::$name(&app).await;
                        app.cleanup().await;
                    }
                }
            }
        )+
    };
}

/// [`on_both_backends`] for tests of a new install: each starts on an empty database.
macro_rules! on_both_backends_empty {
    ($($name:ident),+ $(,)?) => {
        on_both_backends!(@started_by spawn_empty; $($name),+);
    };
}

/// A real SMTP server process (`end2end/smtp-sink.mjs`, nodemailer's smtp-server) that keeps
/// what it receives and lists it over HTTP. Stopped when dropped (its stdin closes).
pub struct SmtpSink {
    pub smtp_port: u16,
    http: String,
    child: std::process::Child,
}

/// One message the sink received.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Received {
    /// The outbox id (`X-Portal-Message-Id`).
    pub id: i64,
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Starts `node end2end/<script>` (whose npm package `package` must be installed) and reads
/// the ports it prints as its first line of JSON.
fn start_node_helper(script: &str, package: &str) -> (std::process::Child, serde_json::Value) {
    use std::io::BufRead;
    let end2end = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end");
    assert!(
        end2end.join("node_modules").join(package).is_dir(),
        "{script} needs end2end/'s npm packages: run ./dev test once (or npm ci in end2end/)"
    );
    let mut child = std::process::Command::new("node")
        .arg(script)
        .current_dir(&end2end)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start node end2end/{script}: {e}"));
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().expect("helper stdout"))
        .read_line(&mut line)
        .expect("helper ports");
    let ports = serde_json::from_str(&line).expect("helper ports line");
    (child, ports)
}

fn port_of(ports: &serde_json::Value, key: &str) -> u16 {
    u16::try_from(ports[key].as_u64().expect("port")).expect("port")
}

/// Ends a helper process: its stdin closes (it exits by itself), then it is killed.
fn stop(child: &mut std::process::Child) {
    drop(child.stdin.take());
    let _ = child.kill();
    let _ = child.wait();
}

impl SmtpSink {
    pub fn start() -> Self {
        let (child, ports) = start_node_helper("smtp-sink.mjs", "smtp-server");
        Self {
            smtp_port: port_of(&ports, "smtp"),
            http: format!("http://127.0.0.1:{}", port_of(&ports, "http")),
            child,
        }
    }

    /// What `PORTAL_SMTP_URL` would be.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.smtp_port)
    }

    pub async fn messages(&self) -> Vec<Received> {
        reqwest::get(format!("{}/messages", self.http))
            .await
            .expect("sink messages")
            .json()
            .await
            .expect("sink messages json")
    }

    /// Answers the next `count` messages to `to` with SMTP `code` (4xx: try later; 5xx: never).
    pub async fn refuse(&self, to: &str, count: u32, code: u16) {
        reqwest::Client::new()
            .post(format!("{}/refuse?count={count}&code={code}", self.http))
            .query(&[("to", to)])
            .send()
            .await
            .expect("sink refuse");
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// A real HTTP receiver of webhooks (`end2end/webhook-receiver.mjs`) that verifies each
/// message with the Standard Webhooks reference library and lists what it received. Stopped
/// when dropped.
pub struct WebhookReceiver {
    base: String,
    child: std::process::Child,
}

/// One message the receiver got.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Hooked {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
    /// The indexes of the configured secrets whose signature matched.
    pub verified_with: Vec<usize>,
}

impl Hooked {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("webhook body is JSON")
    }
}

impl WebhookReceiver {
    pub fn start() -> Self {
        let (child, ports) = start_node_helper("webhook-receiver.mjs", "standardwebhooks");
        Self {
            base: format!("http://127.0.0.1:{}", port_of(&ports, "http")),
            child,
        }
    }

    /// The address of endpoint `name`.
    pub fn url(&self, name: &str) -> String {
        format!("{}/hooks/{name}", self.base)
    }

    /// The secrets `name`'s messages are verified with and the status it answers.
    pub async fn configure(&self, name: &str, secrets: &[&str], status: u16) {
        let res = reqwest::Client::new()
            .put(format!("{}/control/{name}", self.base))
            .json(&serde_json::json!({ "secrets": secrets, "status": status }))
            .send()
            .await
            .expect("receiver control");
        assert!(res.status().is_success());
    }

    pub async fn received(&self, name: &str) -> Vec<Hooked> {
        reqwest::Client::new()
            .get(format!("{}/control/received", self.base))
            .query(&[("name", name)])
            .send()
            .await
            .expect("receiver list")
            .json()
            .await
            .expect("receiver list json")
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}
