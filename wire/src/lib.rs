//! What crosses the wire between the server and the browser: the pages' DTOs and [`AppError`].
//! It compiles to wasm and never pulls in server code; the store and the REST API build their
//! answers from these types.

pub mod dto;
pub mod error;
pub mod stored;

pub use error::AppError;
