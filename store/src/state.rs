//! What every request handler on the server can reach.

use std::sync::Arc;

use super::context::Recent;
use super::db::Db;
use super::password::Hasher;

#[derive(Clone, Debug)]
pub struct Config {
    /// Sets `Secure` on the session cookie; on when the portal is served over https.
    pub secure_cookies: bool,
    /// The origin browsers use to reach the portal (`https://partners.example.com`). When unset,
    /// a request's own `Host` is its origin.
    pub public_origin: Option<String>,
    /// An SMTP server is configured (`PORTAL_SMTP_URL`): the outbox is being sent.
    pub sending_mail: bool,
    /// Webhook endpoints may be on this machine or a private network
    /// (`PORTAL_WEBHOOK_ALLOW_PRIVATE=1`).
    pub webhooks_to_private: bool,
    /// SHA-256 of `PORTAL_METRICS_TOKEN`, the bearer token `/metrics` asks for (only its
    /// digest is kept, so no log of the settings shows it).
    pub metrics_token_sha256: Option<[u8; 32]>,
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub hasher: Hasher,
    pub config: Arc<Config>,
    /// Contexts this process read in the last second, for pages (see [`Recent`]).
    pub recent_contexts: Arc<Recent>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        Self {
            db,
            hasher: Hasher::new(),
            config: Arc::new(config),
            recent_contexts: Arc::new(Recent::default()),
        }
    }
}
