//! API errors: one JSON shape, `{"error": {"code": "...", "message": "..."}}`,
//! with a stable machine-readable `code` and a message for people.
//!
//! Scripts branch on `code`, never on the message, so codes are part of the
//! API contract: add new ones, never rename old ones.

use bytes::Bytes;
use hyper::StatusCode;
use serde::Serialize;

use crate::store::StoreError;

/// An error answer: status, stable code, message, and what else a client
/// needs to fix its request.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// For `bad_query`: the fields the dataset has.
    pub valid_fields: Option<Vec<String>>,
    /// For `range_not_satisfiable`: the representation's length, for
    /// `Content-Range: bytes */len`.
    pub length: Option<u64>,
    /// For `too_many_attempts`: when to try again (`Retry-After`).
    pub retry_after: Option<std::time::Duration>,
    /// For `method_not_allowed`: the methods the resource takes (`Allow`).
    pub allow: Option<&'static str>,
}

#[derive(Serialize)]
struct Wire<'a> {
    error: WireInner<'a>,
}

#[derive(Serialize)]
struct WireInner<'a> {
    code: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    valid_fields: Option<&'a [String]>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            valid_fields: None,
            length: None,
            retry_after: None,
            allow: None,
        }
    }

    /// Too many failed admin logins from this address: try later.
    pub fn too_many_attempts(wait: std::time::Duration) -> Self {
        Self {
            retry_after: Some(wait),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!(
                    "too many failed logins from this address; try again in {} s",
                    wait.as_secs().max(1)
                ),
            )
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn no_version(dataset: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "no_version",
            format!("dataset `{dataset}` has no published version yet"),
        )
    }

    pub fn unknown_version(dataset: &str, version: u64) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_version",
            format!("dataset `{dataset}` has no version {version}"),
        )
    }

    pub fn bad_query(message: impl Into<String>, valid_fields: Vec<String>) -> Self {
        Self {
            valid_fields: Some(valid_fields),
            ..Self::new(StatusCode::BAD_REQUEST, "bad_query", message)
        }
    }

    pub fn bad_cursor(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_cursor", message)
    }

    pub fn bad_key(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_key", message)
    }

    /// A method the open-data API does not take: it is read-only.
    pub fn method_not_allowed(method: &str) -> Self {
        Self {
            allow: Some("GET, HEAD, OPTIONS"),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!(
                    "{method} is not allowed here; the API is read-only: use GET, HEAD or OPTIONS"
                ),
            )
        }
    }

    /// A method an admin route does not take; `allow` is the one it does.
    pub fn method_not_allowed_on_admin(method: &str, allow: &'static str) -> Self {
        Self {
            allow: Some(allow),
            ..Self::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{method} is not allowed here; this admin route takes {allow}"),
            )
        }
    }

    pub fn range_not_satisfiable(length: u64) -> Self {
        Self {
            length: Some(length),
            ..Self::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range_not_satisfiable",
                format!("the range asked for is outside the file's {length} bytes"),
            )
        }
    }

    pub fn uri_too_long(max: usize) -> Self {
        Self::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the URL is longer than {max} bytes; ask for fewer filters"),
        )
    }

    pub fn timeout() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long; try again, or ask for a smaller page",
        )
    }

    /// A read that ran past its time budget: 503, try later or ask less.
    pub fn over_budget(budget: std::time::Duration) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "over_budget",
            format!(
                "the query took longer than its budget of {:.0} s; ask for less (more filters, a smaller limit) or try again later",
                budget.as_secs_f64()
            ),
        );
        error.retry_after = Some(std::time::Duration::from_secs(5));
        error
    }

    /// Part of a visible version still being written: its full-text
    /// index, a standard file.
    pub fn pending(what: &str) -> Self {
        let mut error = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "pending",
            format!(
                "{what} is still being written: the version went live before it; ask again in a few seconds"
            ),
        );
        error.retry_after = Some(std::time::Duration::from_secs(5));
        error
    }

    /// A request body larger than the route takes.
    /// A request body that is not what the route takes.
    pub fn bad_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_body", message)
    }

    pub fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body takes at most {} KiB", limit / 1024),
        )
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// No valid admin token. Says nothing more: an unauthenticated caller
    /// learns neither which tokens exist nor why this one failed.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "unauthorized")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// The request is valid but the state forbids it now (a run going on).
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// A configuration the daemon refused; the old one stays in force.
    pub fn invalid_config(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_config", message)
    }

    pub fn unavailable(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, code, message)
    }

    /// The JSON body.
    pub fn body(&self) -> Bytes {
        let wire = Wire {
            error: WireInner {
                code: self.code,
                message: &self.message,
                valid_fields: self.valid_fields.as_deref(),
            },
        };
        // Plain strings always serialize.
        let mut body = serde_json::to_vec(&wire).unwrap_or_default();
        body.push(b'\n');
        Bytes::from(body)
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NoVersion(dataset) => ApiError::no_version(&dataset),
            StoreError::UnknownVersion { dataset, version } => {
                ApiError::unknown_version(&dataset, version)
            }
            StoreError::UnknownDataset(dataset) => {
                ApiError::not_found(format!("there is no dataset `{dataset}`"))
            }
            StoreError::BadQuery {
                message,
                valid_fields,
            } => ApiError::bad_query(message, valid_fields),
            StoreError::OverBudget(budget) => ApiError::over_budget(budget),
            StoreError::Pending(what) => ApiError::pending(&what),
            // Nobody is waiting for this answer; it is written for the log.
            StoreError::RequesterGone => ApiError::unavailable(
                "requester_gone",
                "the request was abandoned before its answer was ready",
            ),
            other => {
                // The detail (paths, SQL) is for the operator's log, not the client.
                tracing::error!(error = %other, "store error while answering a request");
                ApiError::internal(
                    "the server could not read its store; the operator has been told in the log",
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_have_the_stable_shape() {
        let error = ApiError::bad_query("no field `x`", vec!["a".into(), "b".into()]);
        let json: serde_json::Value = serde_json::from_slice(&error.body()).unwrap();
        assert_eq!(json["error"]["code"], "bad_query");
        assert_eq!(json["error"]["message"], "no field `x`");
        assert_eq!(json["error"]["valid_fields"][1], "b");
        let json: serde_json::Value =
            serde_json::from_slice(&ApiError::not_found("x").body()).unwrap();
        assert!(json["error"].get("valid_fields").is_none());
    }

    #[test]
    fn store_errors_map_to_statuses() {
        let e: ApiError = StoreError::UnknownDataset("x".into()).into();
        assert_eq!((e.status, e.code), (StatusCode::NOT_FOUND, "not_found"));
        let e: ApiError = StoreError::Corrupt("secret path".into()).into();
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.message.contains("secret"));
    }
}
