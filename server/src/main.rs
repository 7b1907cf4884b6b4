//! `server [serve|migrate|seed-demo]`: runs the portal (the default), applies migrations, or
//! seeds the demo data into an empty database.

use server::{Settings, app_state, jobs, open_database, router_with_clock, seed};

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .init();
    if let Err(error) = run().await {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

async fn run() -> Result<(), String> {
    let command = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "serve".to_owned());
    let settings = Settings::from_env()?;
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
        "help" | "--help" | "-h" => {
            println!("usage: server [serve|migrate|seed-demo]  (configuration: see README.md)");
            Ok(())
        }
        other => Err(format!("unknown command {other:?}; try `server help`")),
    }
}

async fn serve(settings: Settings) -> Result<(), String> {
    let db = open_database(&settings).await?;
    let state = app_state(db, &settings);
    let seed_mode = std::env::var("PORTAL_SEED_DEMO").unwrap_or_else(|_| "if-empty".to_owned());
    if seed_mode != "never" && seed::seed_if_empty(&state.db, &state.hasher).await? {
        println!("Seeded the demo data into the empty database.");
    }
    let listener = tokio::net::TcpListener::bind(settings.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", settings.addr))?;
    let url = format!(
        "http://{}",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    println!("Partner portal listening on {url}");
    println!("Demo logins (password: {}):", seed::DEMO_PASSWORD);
    for (email, who) in seed::DEMO_LOGINS {
        println!("  {email:<28} {who}");
    }
    let clock = jobs::Clock::default();
    jobs::spawn(state.db.clone(), clock.clone(), settings.job_interval);
    let test_clock = settings.test_clock.then_some(clock);
    if test_clock.is_some() {
        println!("PORTAL_TEST_CLOCK is on: POST /test/clock moves time forward (tests only)");
    }
    let (redirects, click_writer) = server::redirect::start(state.db.clone());
    let served = server::serve(
        listener,
        router_with_clock(state, settings.leptos_options(), test_clock, redirects),
    )
    .await
    .map_err(|e| e.to_string());
    // The router is gone with the server: store the clicks still queued before exiting.
    click_writer.finish().await;
    served
}
