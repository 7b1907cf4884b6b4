//! Server-only code of the Leptos app: the request context every server function starts from
//! (who is calling, with which permission) and the page headers. Compiled only with the `ssr`
//! feature. The SQL lives in the `store` crate, re-exported here for the server functions.

pub mod authz;
pub mod headers;

pub use authz::{
    endpoint, identity, public_origin, require_contact, require_inbox, require_teammate,
    require_user, state, trusted_origin, viewer,
};
pub use store::*;
