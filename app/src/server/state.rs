//! What every request handler on the server can reach.

use std::sync::{Arc, Mutex};

use domain::throttle::Throttle;

use super::db::Db;
use super::password::Hasher;

#[derive(Clone, Debug)]
pub struct Config {
    /// Sets `Secure` on the session cookie; on when the portal is served over https.
    pub secure_cookies: bool,
    /// The origin browsers use to reach the portal (`https://partners.example.com`). When unset,
    /// a request's own `Host` is its origin.
    pub public_origin: Option<String>,
}

const WINDOW_MS: i64 = 15 * 60 * 1000;

/// Failed sign-ins, counted per account and per client address.
#[derive(Debug)]
pub struct LoginLimiter {
    pub per_account: Mutex<Throttle>,
    pub per_ip: Mutex<Throttle>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self {
            per_account: Mutex::new(Throttle::new(5, WINDOW_MS)),
            per_ip: Mutex::new(Throttle::new(20, WINDOW_MS)),
        }
    }
}

impl LoginLimiter {
    /// Milliseconds to wait when either the account or the address is over its limit.
    pub fn retry_after(&self, account: &str, ip: &str, now: i64) -> Option<i64> {
        let a = self
            .per_account
            .lock()
            .ok()
            .and_then(|mut t| t.retry_after(account, now));
        let b = self
            .per_ip
            .lock()
            .ok()
            .and_then(|mut t| t.retry_after(ip, now));
        a.max(b)
    }

    pub fn record_failure(&self, account: &str, ip: &str, now: i64) {
        if let Ok(mut t) = self.per_account.lock() {
            t.record_failure(account, now);
        }
        if let Ok(mut t) = self.per_ip.lock() {
            t.record_failure(ip, now);
        }
    }

    pub fn record_success(&self, account: &str) {
        if let Ok(mut t) = self.per_account.lock() {
            t.clear(account);
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub hasher: Hasher,
    pub limiter: Arc<LoginLimiter>,
    pub config: Arc<Config>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        Self {
            db,
            hasher: Hasher::new(),
            limiter: Arc::new(LoginLimiter::default()),
            config: Arc::new(config),
        }
    }
}
