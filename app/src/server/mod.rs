//! Server-only code: database, sessions, hashing, authorisation and queries.
//! Compiled only with the `ssr` feature; never shipped to the browser.

pub mod api_keys;
pub mod attribution;
pub mod authz;
pub mod bulk;
pub mod companies;
pub mod contacts;
pub mod db;
pub mod deals;
pub mod events;
pub mod headers;
pub mod invites;
pub mod joining;
pub mod lead_import;
pub mod leads;
pub mod links;
pub mod membership;
pub mod offers;
pub mod partner;
pub mod partner_list;
pub mod partnerships;
pub mod password;
pub mod payouts;
pub mod programs;
pub mod referral;
pub mod rewards;
pub mod segments;
pub mod session;
pub mod simulator;
pub mod state;
pub mod structure;
pub mod teammates;
pub mod throttle;
pub mod tiers;
pub mod transactions;
pub mod vendor;

pub use authz::{
    endpoint, identity, public_origin, require_contact, require_teammate, require_user, state,
    viewer,
};
