//! The integration tests, one binary: each module starts the real server on port 0 and runs
//! its tests on SQLite and on PostgreSQL (when `TEST_DATABASE_URL` is set).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test stops at its first surprise"
)]

#[macro_use]
mod common;

mod attribution;
mod company;
mod context;
mod cross_tenant;
mod deals;
mod email_templates;
mod leads;
mod links;
mod mail;
mod money;
mod notifications;
mod operations;
mod partner_mail;
mod people;
mod portal;
mod scale_out;
mod structure;
mod tiers;
mod triggers;
mod trust;
mod webhooks;
