//! `server help`: the commands and every environment variable the binary reads (the README's
//! configuration table lists the same; a test holds the three together).

/// Every variable the binary reads: name, default, meaning.
pub const ENV_VARS: &[(&str, &str, &str)] = &[
    (
        "DATABASE_URL",
        "sqlite://data/portal.db",
        "sqlite://PATH or postgres://USER[:PASSWORD]@HOST:PORT/DB",
    ),
    (
        "LEPTOS_SITE_ADDR",
        "127.0.0.1:3000",
        "the address to listen on",
    ),
    (
        "LEPTOS_SITE_ROOT",
        "target/site",
        "the built static files (pkg/, favicon)",
    ),
    (
        "LEPTOS_OUTPUT_NAME",
        "portal",
        "the name of the built wasm and JS files",
    ),
    (
        "PORTAL_PUBLIC_ORIGIN",
        "unset",
        "the origin browsers use (https://partners.example.com); https:// makes cookies Secure",
    ),
    (
        "PORTAL_SEED_DEMO",
        "unset",
        "1 seeds the demo (published passwords) into an empty database at start",
    ),
    (
        "PORTAL_SMTP_URL",
        "unset",
        "smtp://host:port, smtp://user:pass@host:587?tls=required or smtps://…; unset, email stays queued",
    ),
    (
        "PORTAL_MAIL_FROM",
        crate::DEFAULT_MAIL_FROM,
        "the sender of every message",
    ),
    (
        "PORTAL_MAIL_POLL_MS",
        "1000",
        "how often the outbox is checked for messages to send",
    ),
    (
        "PORTAL_TRIGGER_POLL_MS",
        "1000",
        "how often new events are checked for triggers to run",
    ),
    (
        "PORTAL_WEBHOOK_POLL_MS",
        "1000",
        "how often webhook deliveries are checked for",
    ),
    (
        "PORTAL_WEBHOOK_ALLOW_PRIVATE",
        "unset",
        "1 lets webhook endpoints be on this machine or a private network",
    ),
    (
        "PORTAL_JOB_INTERVAL_SECS",
        "60",
        "how often rewards whose hold has ended are approved",
    ),
    (
        "PORTAL_JOB_LEASE_SECS",
        "60",
        "how long a process holds a job it claimed; after a crash others take it then",
    ),
    (
        "PORTAL_LINK_CACHE_SECS",
        "30",
        "how long a link's target is served from memory; a link turned off stops on every process within it",
    ),
    (
        "PORTAL_SHUTDOWN_SECS",
        "20",
        "on SIGTERM or Ctrl-C, how long requests in flight may finish before the process exits",
    ),
    (
        "PORTAL_METRICS_TOKEN",
        "unset",
        "GET /metrics asks for it as a bearer token; unset, only this machine (loopback, no proxy headers) gets /metrics",
    ),
    (
        "PORTAL_LOG_FORMAT",
        "text",
        "text, or json for one JSON object a line",
    ),
    (
        "PORTAL_PG_PLANS",
        "unset",
        "custom plans every PostgreSQL statement with its values (for benchmark comparisons)",
    ),
    (
        "PORTAL_TEST_CLOCK",
        "unset",
        "1 mounts POST /test/clock for end-to-end tests; never in production",
    ),
    ("RUST_LOG", "info,sqlx=warn", "the log filter"),
];

/// The text `server help` prints.
pub fn help() -> String {
    let mut text = String::from(
        "usage: server [COMMAND]\n\
         \n\
         commands:\n  \
           serve            run the portal (the default)\n  \
           migrate          apply the database migrations and exit\n  \
           seed-demo        seed the demo data into an empty database\n  \
           create-company --name NAME --owner-email EMAIL --owner-name NAME [--currency USD]\n                   \
                            create a vendor company, its first program and owner\n  \
           backup PATH      copy the SQLite database into the new file PATH (PostgreSQL: pg_dump)\n  \
           help             this text\n\
         \n\
         environment:\n",
    );
    let width = ENV_VARS
        .iter()
        .map(|(name, ..)| name.len())
        .max()
        .unwrap_or(0);
    for (name, default, meaning) in ENV_VARS {
        text.push_str(&format!(
            "  {name:<width$}  {meaning} (default: {default})\n"
        ));
    }
    text.push_str(
        "\nEndpoints for operators: GET /healthz, GET /readyz, GET /metrics. See README.md.\n",
    );
    text
}
