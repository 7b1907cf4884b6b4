//! The process's log: human-readable lines, or one JSON object a line for a log collector
//! (`PORTAL_LOG_FORMAT=json`), filtered by `RUST_LOG`.

use std::sync::atomic::{AtomicBool, Ordering};

use tracing_subscriber::EnvFilter;

static JSON: AtomicBool = AtomicBool::new(false);

/// The log target of [`say`]'s events.
const SAY: &str = "portal::start";

/// Installs the log; an unknown `PORTAL_LOG_FORMAT` is an error (a typo should not silently
/// give the other format).
pub fn init() -> Result<(), String> {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"))
        // What `say` tells the operator (the address, the set-up link) shows whatever the
        // filter, as it does in text mode.
        .add_directive(format!("{SAY}=info").parse().map_err(|e| format!("{e}"))?);
    let format = std::env::var("PORTAL_LOG_FORMAT").unwrap_or_default();
    match format.trim() {
        "" | "text" => tracing_subscriber::fmt().with_env_filter(filter).init(),
        "json" => {
            JSON.store(true, Ordering::Relaxed);
            tracing_subscriber::fmt()
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_env_filter(filter)
                .init();
        }
        other => return Err(format!("PORTAL_LOG_FORMAT {other:?}: use text or json")),
    }
    Ok(())
}

/// Tells the operator something at start-up: a plain line, or with JSON logs a log event, so
/// the output stays one JSON object a line.
pub fn say(line: &str) {
    if JSON.load(Ordering::Relaxed) {
        tracing::info!(target: SAY, "{}", line.trim());
    } else {
        println!("{line}");
    }
}
