//! Server-only code: database, sessions, hashing, authorisation and queries.
//! Compiled only with the `ssr` feature; never shipped to the browser.

pub mod authz;
pub mod db;
pub mod events;
pub mod membership;
pub mod partner;
pub mod password;
pub mod session;
pub mod state;
pub mod vendor;

pub use authz::{endpoint, identity, require_contact, require_teammate, require_user, state};
