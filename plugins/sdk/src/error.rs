//! The error a plugin returns from `check` or `collect`.
//!
//! Its kind decides what the host does next, so each constructor says when
//! to use it: a transient source failure is retried with backoff, a changed
//! source format waits for a person, a configuration mistake waits for the
//! operator. Fetch failures convert into the right kind with `?`.

use std::fmt;

use crate::bindings::vitrina::plugin::fetch::{FetchError, FetchErrorKind};
use crate::bindings::vitrina::plugin::types::CollectError;

/// What went wrong in a run, with the kind the host acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// `dataset.toml` is wrong or incomplete; the operator must fix it.
    Config(String),
    /// The source did not answer or answered 5xx; the host retries later.
    SourceUnavailable(String),
    /// The source answered but its format moved; a person must update the plugin.
    SourceChanged(String),
    /// The host refused a request or a limit was reached.
    Denied(String),
    /// A bug in the plugin.
    Internal(String),
}

impl Error {
    /// A configuration error.
    pub fn config(message: impl Into<String>) -> Self {
        Error::Config(message.into())
    }

    /// A transient source failure.
    pub fn source_unavailable(message: impl Into<String>) -> Self {
        Error::SourceUnavailable(message.into())
    }

    /// The source's format changed.
    pub fn source_changed(message: impl Into<String>) -> Self {
        Error::SourceChanged(message.into())
    }

    /// A bug in the plugin.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::Internal(message.into())
    }

    /// The message, whatever the kind.
    pub fn message(&self) -> &str {
        match self {
            Error::Config(m)
            | Error::SourceUnavailable(m)
            | Error::SourceChanged(m)
            | Error::Denied(m)
            | Error::Internal(m) => m,
        }
    }

    /// Prefixes the message with context (`"page https://…: "`), keeping the kind.
    pub fn context(self, context: impl fmt::Display) -> Self {
        let wrap = |m: String| format!("{context}: {m}");
        match self {
            Error::Config(m) => Error::Config(wrap(m)),
            Error::SourceUnavailable(m) => Error::SourceUnavailable(wrap(m)),
            Error::SourceChanged(m) => Error::SourceChanged(wrap(m)),
            Error::Denied(m) => Error::Denied(wrap(m)),
            Error::Internal(m) => Error::Internal(wrap(m)),
        }
    }

    pub(crate) fn into_wit(self) -> CollectError {
        match self {
            Error::Config(m) => CollectError::Config(m),
            Error::SourceUnavailable(m) => CollectError::SourceUnavailable(m),
            Error::SourceChanged(m) => CollectError::SourceChanged(m),
            Error::Denied(m) => CollectError::Denied(m),
            Error::Internal(m) => CollectError::Internal(m),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            Error::Config(_) => "configuration error",
            Error::SourceUnavailable(_) => "source unavailable",
            Error::SourceChanged(_) => "source changed",
            Error::Denied(_) => "denied",
            Error::Internal(_) => "internal error",
        };
        write!(f, "{kind}: {}", self.message())
    }
}

impl std::error::Error for Error {}

impl From<FetchError> for Error {
    fn from(e: FetchError) -> Self {
        match e.kind {
            FetchErrorKind::Denied => Error::Denied(e.message),
            FetchErrorKind::InvalidUrl => Error::Config(e.message),
            FetchErrorKind::Timeout | FetchErrorKind::Unreachable | FetchErrorKind::Protocol => {
                Error::SourceUnavailable(e.message)
            }
            FetchErrorKind::TooLarge | FetchErrorKind::NotFound => Error::SourceChanged(e.message),
        }
    }
}
