pub mod home;
pub mod login;
pub mod not_found;
pub mod partner;
pub mod vendor;
pub mod workspaces;
