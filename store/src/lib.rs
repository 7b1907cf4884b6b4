//! The store: all of the portal's SQL, on SQLite and PostgreSQL alike (one SQL text per query,
//! `$1` placeholders). One module per aggregate; each is the only code touching its tables.
//! Calls take a [`db::Db`] or a transaction, apply the domain's pure rules and write the
//! change with its `events` row in the same transaction. Native only: no Leptos here.

pub mod api_keys;
pub mod applications;
pub mod attribution;
pub mod bulk;
pub mod clicks;
pub mod companies;
pub mod contacts;
pub mod context;
pub mod customers;
pub mod db;
pub mod deals;
pub mod email_templates;
pub mod emails;
pub mod events;
pub mod idempotency;
pub mod invites;
pub mod jobs;
pub mod joining;
pub mod lead_import;
pub mod leads;
pub mod links;
pub mod membership;
pub mod messages;
pub mod notifications;
pub mod offers;
pub mod partner;
pub mod partner_list;
pub mod partnerships;
pub mod password;
pub mod password_tokens;
pub mod payouts;
pub mod profile;
pub mod programs;
pub mod referral;
pub mod rewards;
pub mod seed;
pub mod segments;
pub mod session;
pub mod setup;
pub mod simulator;
pub mod state;
pub mod structure;
pub mod teammates;
pub mod teams;
pub mod throttle;
pub mod tiers;
pub mod transactions;
pub mod triggers;
pub mod vendor;
pub mod webhooks;

use wire::{dto, error};
