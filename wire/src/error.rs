//! The one error type every server function returns. It carries an HTTP status and a message
//! that is safe to show; causes are logged on the server and never sent.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
pub struct AppError {
    pub status: u16,
    pub message: String,
    /// Problems with single form fields, keyed by the field's `name`, shown beside the field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<(String, String)>,
    /// Seconds until a refused request may be tried again (429), sent as `Retry-After`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<i64>,
}

impl AppError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            fields: Vec::new(),
            retry_after: None,
        }
    }

    /// A form with bad fields: 400 with one message per field.
    /// The problems of a company form (`domain::company`), each beside its field.
    pub fn company_problems(problems: Vec<domain::company::Problem>) -> Self {
        Self::invalid_fields(problems.into_iter().map(|p| (p.field, p.message)).collect())
    }

    pub fn invalid_fields(fields: Vec<(&'static str, String)>) -> Self {
        Self {
            status: 400,
            message: "Some fields need attention".into(),
            fields: fields.into_iter().map(|(f, m)| (f.to_owned(), m)).collect(),
            retry_after: None,
        }
    }

    /// Like [`AppError::invalid_fields`], for fields named at run time (custom lead fields).
    pub fn invalid_named_fields(fields: Vec<(String, String)>) -> Self {
        Self {
            status: 400,
            message: "Some fields need attention".into(),
            fields,
            retry_after: None,
        }
    }

    /// The message for the form field `name`, if it has one.
    pub fn field(&self, name: &str) -> Option<String> {
        self.fields
            .iter()
            .find(|(f, _)| f == name)
            .map(|(_, m)| m.clone())
    }

    /// The refusal as one text: its message, or its fields' problems spelled out.
    pub fn spelled_out(&self) -> String {
        if self.fields.is_empty() {
            self.message.clone()
        } else {
            self.fields
                .iter()
                .map(|(_, m)| m.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    pub fn unauthorized() -> Self {
        Self::new(401, "Sign in to continue")
    }

    pub fn forbidden() -> Self {
        Self::new(403, "You do not have access to this page")
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(404, format!("{what} not found"))
    }

    /// 429, with the seconds after which the caller may try again.
    pub fn too_many_requests(message: impl Into<String>, retry_after: i64) -> Self {
        Self {
            retry_after: Some(retry_after),
            ..Self::new(429, message)
        }
    }

    /// An unexpected failure: the cause goes to the log, the client gets a generic message.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        #[cfg(feature = "server")]
        tracing::error!(%cause, "internal error");
        #[cfg(not(feature = "server"))]
        let _ = cause;
        Self::new(500, "Something went wrong on our side. Please try again.")
    }

    pub fn is_unauthorized(&self) -> bool {
        self.status == 401
    }

    pub fn is_forbidden(&self) -> bool {
        self.status == 403
    }
}

impl From<domain::RuleViolation> for AppError {
    fn from(v: domain::RuleViolation) -> Self {
        Self::bad_request(v.0)
    }
}

#[cfg(feature = "server")]
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                Self::bad_request("The request is missing a field or has an invalid one")
            }
            ServerFnErrorErr::Request(_) => Self::new(
                503,
                "Could not reach the server. Check your connection and try again.",
            ),
            other => Self::internal(other),
        }
    }
}
