//! Password hashing with argon2id at the OWASP parameters (m = 19 MiB, t = 2, p = 1), and
//! setting a password with a one-time link.
//!
//! Hashing is CPU- and memory-heavy: it runs on the blocking pool, and a semaphore sized to
//! the cores keeps a burst of logins from starving everything else.

use std::sync::Arc;

use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use argon2::{Algorithm, Argon2, Params, Version};
use domain::workspace::{Landing, landing};
use tokio::sync::{OnceCell, Semaphore};

use super::db::{Db, now_ms};
use super::password_tokens::{self, PasswordLink};
use super::{membership, session};
use crate::error::AppError;

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    dummy: Arc<OnceCell<String>>,
}

impl Default for Hasher {
    fn default() -> Self {
        Self::new()
    }
}

#[expect(
    clippy::expect_used,
    reason = "constant parameters within argon2's bounds; every hash in the tests builds them"
)]
fn argon2() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).expect("static argon2 parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

impl Hasher {
    pub fn new() -> Self {
        let cores = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        Self {
            permits: Arc::new(Semaphore::new(cores)),
            dummy: Arc::new(OnceCell::new()),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| e.to_string())
    }

    pub async fn hash(&self, password: &str) -> Result<String, String> {
        let password = password.to_owned();
        self.run(move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| h.to_string())
                .map_err(|e| e.to_string())
        })
        .await?
    }

    /// Verifies `password` against `hash`; with no hash (unknown account) it verifies against a
    /// dummy so that both cases take the same time.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool, String> {
        let known = hash.is_some();
        let hash = match hash {
            Some(h) => h.to_owned(),
            None => self
                .dummy
                .get_or_try_init(|| async { self.hash("not-a-real-password-for-timing").await })
                .await?
                .clone(),
        };
        let password = password.to_owned();
        let ok = self
            .run(move || {
                PasswordHash::new(&hash)
                    .map(|parsed| {
                        argon2()
                            .verify_password(password.as_bytes(), &parsed)
                            .is_ok()
                    })
                    .unwrap_or(false)
            })
            .await?;
        Ok(ok && known)
    }
}

/// The session a set-password link signed its person in with: the cookie's token, and where
/// they land (their one workspace, else the picker).
pub struct PasswordSet {
    pub token: String,
    pub landing: Landing,
}

/// Sets the password of a link's user (a set-password or a reset link), once, and signs them
/// in. The password is
/// checked and hashed before the transaction; the link is claimed in it, so of two requests
/// with one link only the first sets a password.
pub async fn set_with_link(
    db: &Db,
    hasher: &Hasher,
    link: &PasswordLink,
    password: &str,
) -> Result<PasswordSet, AppError> {
    link.usable(now_ms())?;
    domain::identity::check_new_password(password)
        .map_err(|e| AppError::invalid_fields(vec![("password", e.0)]))?;
    let hash = hasher.hash(password).await.map_err(AppError::internal)?;
    let memberships = membership::memberships(db, link.user_id).await?;
    let landing = landing(&memberships);
    let workspace = match landing {
        Landing::Workspace { kind, id } => Some((kind, id)),
        Landing::Picker => None,
    };
    let mut tx = db.begin().await?;
    if !password_tokens::use_link(&mut tx, link, &hash, now_ms()).await? {
        return Err(AppError::bad_request(
            "This link has already been used. Sign in with your password instead.",
        ));
    }
    let token = session::create(&mut tx, link.user_id, workspace).await?;
    tx.commit().await?;
    Ok(PasswordSet { token, landing })
}
