//! Server functions: the portal's HTTP API (`/api/<endpoint>`). Each one authenticates,
//! authorises against the domain permission matrix and the caller's tenant, loads, applies the
//! domain rule, persists with its event in one transaction, and returns a DTO.

// A server function takes one argument per field of its form. `#[server]` copies a function's
// attributes to only some of the items it generates, so an `#[expect]` on one is never
// fulfilled; this is the one place the lint is allowed.
#![allow(
    clippy::too_many_arguments,
    reason = "a server function takes one argument per form field"
)]

mod api_keys;
mod applications;
mod auth;
mod company;
mod dashboards;
mod deals;
mod email_templates;
mod emails;
mod invites;
mod lead_import;
mod leads;
mod links;
mod notifications;
mod offers;
mod partner_detail;
mod partners;
mod password_links;
mod profile;
mod programs;
mod rewards;
mod setup;
mod structure;
mod team;
mod teammates;
mod triggers;
mod webhooks;

pub use api_keys::*;
pub use applications::*;
pub use auth::*;
pub use company::*;
pub use dashboards::*;
pub use deals::*;
pub use email_templates::*;
pub use emails::*;
pub use invites::*;
pub use lead_import::*;
pub use leads::*;
pub use links::*;
pub use notifications::*;
pub use offers::*;
pub use partner_detail::*;
pub use partners::*;
pub use password_links::*;
pub use profile::*;
pub use programs::*;
pub use rewards::*;
pub use setup::*;
pub use structure::*;
pub use team::*;
pub use teammates::*;
pub use triggers::*;
pub use webhooks::*;
