//! The answer every route of the public surface returns, before it
//! becomes a hyper response: a status, headers, and a body given whole or
//! streamed. The routes, the CKAN action API and the web pages all build
//! one; the errors' JSON document becomes one the same way everywhere.

use bytes::Bytes;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{HeaderMap, Response, StatusCode};

use super::body::Body;
use super::errors::ApiError;
use super::http::add_cors;

/// For what must not be cached: errors, answers for one client.
pub const NO_STORE: &str = "no-store";
pub const JSON_TYPE: &str = "application/json";

/// A response before it becomes a hyper one.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// A body streamed instead of `body` (which is then empty).
    pub stream: Option<Body>,
}

impl Answer {
    pub fn new(status: StatusCode, body: Bytes) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body,
            stream: None,
        }
    }

    /// A 200 whose body `stream` produces as it goes.
    pub fn streamed(stream: Body) -> Self {
        Self {
            stream: Some(stream),
            ..Self::new(StatusCode::OK, Bytes::new())
        }
    }

    pub fn with(mut self, name: HeaderName, value: &str) -> Self {
        put(&mut self.headers, name, value);
        self
    }

    pub(crate) fn error(error: &ApiError) -> Self {
        let mut answer = Answer::new(error.status, error.body())
            .with(header::CONTENT_TYPE, JSON_TYPE)
            .with(header::CACHE_CONTROL, NO_STORE);
        if let Some(allow) = error.allow {
            answer = answer.with(header::ALLOW, allow);
        }
        if let Some(len) = error.length {
            answer = answer.with(header::CONTENT_RANGE, &format!("bytes */{len}"));
        }
        if let Some(wait) = error.retry_after {
            answer = answer.with(header::RETRY_AFTER, &wait.as_secs().max(1).to_string());
        }
        answer
    }

    /// The hyper response; a HEAD answer keeps every header, the length
    /// included, and drops the body.
    pub(crate) fn into_response(mut self, head: bool) -> Response<Body> {
        add_cors(&mut self.headers);
        let body = match (head, self.stream) {
            // A streamed body's length is not known before it is made.
            (true, Some(_)) => Body::bytes(Bytes::new()),
            (true, None) => {
                if self.status != StatusCode::NOT_MODIFIED {
                    put(
                        &mut self.headers,
                        header::CONTENT_LENGTH,
                        &self.body.len().to_string(),
                    );
                }
                Body::bytes(Bytes::new())
            }
            (false, Some(stream)) => stream,
            (false, None) => Body::bytes(self.body),
        };
        let mut response = Response::new(body);
        *response.status_mut() = self.status;
        *response.headers_mut() = self.headers;
        response
    }
}

/// Sets a header, skipping a value that cannot be one (never from a
/// client's bytes alone: values here are built by the server).
fn put(headers: &mut HeaderMap, name: HeaderName, value: &str) {
    match HeaderValue::from_str(value) {
        Ok(value) => {
            headers.insert(name, value);
        }
        Err(_) => tracing::warn!(%name, value, "skipped an invalid header value"),
    }
}
