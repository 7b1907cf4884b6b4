//! `server [serve|migrate|seed-demo|create-company|backup|help]`: runs the portal (the
//! default), applies migrations, seeds the demo data into an empty database, creates a vendor
//! company with its first program and owner, or copies a SQLite database (see `server help`).

use server::{Settings, app_state, jobs, open_database, router_with_clock, seed};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    if let Err(error) = server::logging::init() {
        eprintln!("error: {error}");
        std::process::exit(USAGE_ERROR);
    }
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

/// Bad input on the command line: the message is printed and the process exits with 2.
const USAGE_ERROR: i32 = 2;

async fn run() -> Result<(), String> {
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
    let settings = Settings::from_env()?;
    if command == "create-company" {
        let args: Vec<String> = std::env::args().skip(2).collect();
        return create_company(&settings, &args).await;
    }
    match command.as_str() {
        "serve" => serve(settings).await,
        "migrate" => {
            open_database(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        "seed-demo" => {
            let db = open_database(&settings).await?;
            let state = app_state(db, &settings);
            if seed::seed_if_empty(&state.db, &state.hasher).await? {
                println!("demo data seeded");
            } else {
                println!("the database already has users; nothing seeded");
            }
            Ok(())
        }
        "backup" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            backup(&settings, &args).await
        }
        "help" | "--help" | "-h" => {
            print!("{}", server::help());
            Ok(())
        }
        other => Err(format!("unknown command {other:?}; try `server help`")),
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let db = open_database(&settings).await?;
    let state = app_state(db, &settings);
    // The demo's password is published: it is seeded only when asked for, never by default.
    let seed_demo = std::env::var("PORTAL_SEED_DEMO").is_ok_and(|v| v == "1");
    let say = server::logging::say;
    if seed_demo && seed::seed_if_empty(&state.db, &state.hasher).await? {
        say("Seeded the demo data into the empty database.");
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.addr))?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    say(&format!("Partner portal listening on {url}"));
    if let Some(token) = store::setup::issue_token(&state.db)
        .await
        .map_err(|e| format!("cannot store the set-up token: {e}"))?
    {
        let origin = settings.public_origin.as_deref().unwrap_or(&url);
        say(&format!(
            "No company uses this portal yet. Set it up at {origin}/setup?token={token}\n\
             (the link works until the first company exists; `server create-company` works too)"
        ));
    }
    if seed_demo {
        say(&format!("Demo logins (password: {}):", seed::DEMO_PASSWORD));
        for (email, who) in seed::DEMO_LOGINS {
            say(&format!("  {email:<28} {who}"));
        }
    }
    jobs::spawn(state.db.clone(), settings.job_interval);
    jobs::spawn_trigger_runner(state.db.clone(), settings.trigger_poll, settings.job_lease);
    jobs::spawn_webhook_runner(
        state.db.clone(),
        server::webhooks::Sender::new(settings.webhooks_to_private)?,
        settings.webhook_poll,
        settings.job_lease,
        settings.public_origin.clone(),
    );
    if settings.webhooks_to_private {
        say(
            "PORTAL_WEBHOOK_ALLOW_PRIVATE is on: webhooks may go to this machine and private networks",
        );
    }
    match settings.mailer()? {
        Some(mailer) => jobs::spawn_sender(
            state.db.clone(),
            mailer,
            settings.mail_poll,
            settings.job_lease,
        ),
        None => {
            say("PORTAL_SMTP_URL is not set: emails stay queued in the outbox (/vendor/emails)")
        }
    }
    let test_clock = settings.test_clock;
    if test_clock {
        say("PORTAL_TEST_CLOCK is on: POST /test/clock moves time forward (tests only)");
    }
    let (redirects, click_writer) = server::redirect::start(state.db.clone(), settings.link_cache);
    let served = server::serve(
        listener,
        router_with_clock(state, settings.leptos_options(), test_clock, redirects),
        settings.shutdown_grace,
    )
    .await
    .map_err(|e| e.to_string());
    // Store the clicks still queued before exiting, for a while: a database that stopped
    // answering must not keep the process from ending.
    if tokio::time::timeout(std::time::Duration::from_secs(10), click_writer.finish())
        .await
        .is_err()
    {
        tracing::warn!("stopping: the queued clicks were not all stored within 10 s");
    }
    say("Stopped.");
    served
}

/// `server create-company --name NAME --owner-email EMAIL --owner-name NAME [--currency USD]`:
/// bad input is named and exits with 2, writing nothing.
async fn create_company(settings: &Settings, args: &[String]) -> Result<(), String> {
    use store::companies::{self, CreateRefused};
    let refuse = |problems: Vec<String>| -> ! {
        for problem in problems {
            eprintln!("error: {problem}");
        }
        eprintln!(
            "usage: server create-company --name NAME --owner-email EMAIL --owner-name NAME [--currency USD]"
        );
        std::process::exit(USAGE_ERROR);
    };
    let options = match server::cli::options(
        args,
        &["--name", "--owner-email", "--owner-name", "--currency"],
    ) {
        Ok(o) => o,
        Err(problem) => refuse(vec![problem]),
    };
    let get = |flag: &str| options.get(flag).cloned().unwrap_or_default();
    let company = match domain::company::validate_new_company(
        &get("--name"),
        &get("--owner-email"),
        &get("--owner-name"),
    ) {
        Ok(c) => c,
        Err(problems) => refuse(problems.iter().map(|p| p.option_line()).collect()),
    };
    let currency = options
        .get("--currency")
        .cloned()
        .unwrap_or_else(|| "USD".to_owned());
    let db = open_database(settings).await?;
    let state = app_state(db, settings);
    match companies::create(&state.db, &state.hasher, &company, &currency).await {
        Ok(created) => {
            let origin = settings
                .public_origin
                .clone()
                .unwrap_or_else(|| format!("http://{}", settings.addr));
            println!(
                "Created {} with the program {} ({origin}/join/{}); owner {}.",
                company.name, company.program_name, created.program_slug, company.owner_email
            );
            match created.password_token {
                Some(token) => println!(
                    "The owner sets a password here (the link works once, for 24 hours):\n{origin}/set-password/{token}"
                ),
                None => println!(
                    "{} already has an account: they sign in with their password and find {} among their workspaces.",
                    company.owner_email, company.name
                ),
            }
            Ok(())
        }
        Err(CreateRefused::Invalid(problems)) => {
            refuse(problems.iter().map(|p| p.option_line()).collect())
        }
        Err(CreateRefused::Failed(e)) => Err(e.message),
    }
}

/// `server backup PATH`: a consistent copy of the SQLite database, taken while the portal
/// serves (`VACUUM INTO`). PostgreSQL has `pg_dump` for that; the message says how.
async fn backup(settings: &Settings, args: &[String]) -> Result<(), String> {
    let usage = "usage: server backup PATH   (a new file; the SQLite database is copied into it)";
    let [path] = args else {
        eprintln!("{usage}");
        std::process::exit(USAGE_ERROR);
    };
    if path.starts_with('-') {
        eprintln!("error: unknown option {path:?}\n{usage}");
        std::process::exit(USAGE_ERROR);
    }
    if std::path::Path::new(path).exists() {
        eprintln!("error: {path} exists; back up into a new file");
        std::process::exit(USAGE_ERROR);
    }
    // Read-only: a wrong DATABASE_URL must not create an empty database and back that up.
    let url = &settings.database_url;
    let read_only = if url.starts_with("sqlite:") && !url.contains("mode=") {
        format!("{url}{}mode=ro", if url.contains('?') { '&' } else { '?' })
    } else {
        url.clone()
    };
    let db = store::db::Db::connect(&read_only).await?;
    if db.backend == store::db::Backend::Postgres {
        eprintln!(
            "error: server backup copies SQLite databases. For PostgreSQL use pg_dump, e.g.\n  \
             pg_dump --format=custom --file=portal.dump \"$DATABASE_URL\"\n\
             and restore with pg_restore --dbname=\"$DATABASE_URL\" portal.dump (see README.md)"
        );
        std::process::exit(USAGE_ERROR);
    }
    if !db.is_portal().await {
        eprintln!("error: DATABASE_URL names no database of the portal (no migrations applied)");
        std::process::exit(USAGE_ERROR);
    }
    db.backup_into(path).await?;
    let bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    println!("Backed up the database into {path} ({bytes} bytes).");
    Ok(())
}
