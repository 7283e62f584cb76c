//! The conditional path every cacheable answer takes, cheapest first:
//! the ETag and a 304 from memory, then the response cache (one render per
//! key however many requests ask at once), then a render on a blocking
//! thread, compressed as the client accepts.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::header::{self};
use hyper::{HeaderMap, StatusCode};

use crate::publish::app::{App, DatasetState, Document, Links};
use crate::publish::cache::Rendered;
use crate::publish::errors::ApiError;
use crate::publish::http::{Encoding, compress, http_date, negotiate_encoding, not_modified};
use crate::store::Version;
use crate::store::interrupt;

use super::{Answer, JSON_TYPE};

/// What a cacheable answer is known by before it is rendered.
pub struct Spec {
    /// The identity representation's ETag.
    pub etag: String,
    pub last_modified: Option<DateTime<Utc>>,
    pub cache_control: &'static str,
    pub vary: &'static str,
}

/// An answer through the API's own path: 304 when the client has it,
/// else the response cache, else `render` on a blocking thread, then
/// compressed as the client accepts. For pages, which share the cache.
pub async fn conditional(
    app: &Arc<App>,
    headers: &HeaderMap,
    spec: Spec,
    render: impl FnOnce() -> Result<Rendered, ApiError> + Send + 'static,
) -> Result<Answer, ApiError> {
    let ctx = Ctx {
        app,
        headers,
        query: None,
    };
    ctx.rendered(spec, render).await
}

impl Spec {
    pub(super) fn headers(&self, answer: Answer, etag: &str) -> Answer {
        let answer = answer
            .with(header::ETAG, etag)
            .with(header::CACHE_CONTROL, self.cache_control)
            .with(header::VARY, self.vary);
        match self.last_modified {
            Some(t) => answer.with(header::LAST_MODIFIED, &http_date(t)),
            None => answer,
        }
    }
}

/// The ETag of one content-coding of a representation: strong validators
/// must differ between codings (RFC 9110 §8.8.3.3).
pub(super) fn variant(etag: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Identity => etag.to_string(),
        _ => format!("{}{}\"", etag.trim_end_matches('"'), encoding.tag()),
    }
}

pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("a worker failed: {e}")))
}

/// One request's view of the app.
pub(super) struct Ctx<'a> {
    pub(super) app: &'a Arc<App>,
    pub(super) headers: &'a HeaderMap,
    pub(super) query: Option<&'a str>,
}

impl Ctx<'_> {
    /// The dataset `id`, or the table when `id` is a table's.
    pub(super) fn dataset(&self, id: &str) -> Result<Arc<DatasetState>, ApiError> {
        let Some((dataset, stream)) = crate::store::split_table_id(id) else {
            return self.app.catalog().datasets.get(id).cloned().ok_or_else(|| {
                ApiError::not_found(format!(
                    "there is no dataset `{id}`; the list is at /api/v1/datasets"
                ))
            });
        };
        let state = self.dataset(dataset)?;
        state.resolve(id).ok_or_else(|| {
            ApiError::not_found(format!(
                "dataset `{dataset}` has no table `{stream}`; its tables are listed at /api/v1/datasets/{dataset}/tables"
            ))
        })
    }

    pub(super) fn links<'b>(&'b self, id: &'b str) -> Links<'b> {
        Links {
            base: &self.app.config.base_url,
            dataset: id,
        }
    }

    /// A rendered answer: 304, or the cache, or `render` on a blocking
    /// thread, then compressed as the client accepts.
    pub(super) async fn rendered(
        &self,
        spec: Spec,
        render: impl FnOnce() -> Result<Rendered, ApiError> + Send + 'static,
    ) -> Result<Answer, ApiError> {
        if let Some(answer) = self.answer_from_memory(&spec) {
            return Ok(answer);
        }
        let encoding = negotiate_encoding(self.headers);
        let etag = variant(&spec.etag, encoding);
        let rendered = self.render(&spec.etag, &etag, encoding, render).await?;
        Ok(self.answer(&spec, &etag, encoding, &rendered))
    }

    /// The answer when it needs no work: a 304, or a cached render.
    pub(super) fn answer_from_memory(&self, spec: &Spec) -> Option<Answer> {
        let encoding = negotiate_encoding(self.headers);
        let etag = variant(&spec.etag, encoding);
        if not_modified(self.headers, &etag, spec.last_modified) {
            return Some(spec.headers(Answer::new(StatusCode::NOT_MODIFIED, Bytes::new()), &etag));
        }
        let rendered = self.app.cache.get(&etag)?;
        Some(self.answer(spec, &etag, encoding, &rendered))
    }

    pub(super) fn answer(
        &self,
        spec: &Spec,
        etag: &str,
        encoding: Encoding,
        rendered: &Rendered,
    ) -> Answer {
        let mut answer = Answer::new(StatusCode::OK, rendered.body.clone())
            .with(header::CONTENT_TYPE, rendered.content_type);
        if let Some(coding) = encoding.header() {
            answer = answer.with(header::CONTENT_ENCODING, coding);
        }
        if let Some(next) = &rendered.next {
            answer = answer.with(header::LINK, &format!("<{next}>; rel=\"next\""));
        }
        spec.headers(answer, etag)
    }

    pub(super) async fn render(
        &self,
        identity_key: &str,
        key: &str,
        encoding: Encoding,
        render: impl FnOnce() -> Result<Rendered, ApiError> + Send + 'static,
    ) -> Result<Arc<Rendered>, ApiError> {
        // The store read stops when its budget is spent (a little under
        // the request's, so the answer says why) or when this request's
        // future is dropped: its client gone, or its time up.
        let budget = self.app.config.request_timeout.mul_f64(0.9);
        let identity = self
            .app
            .inflight
            .render(&self.app.cache, identity_key, async {
                let scope = interrupt::Scope::new(budget);
                let _gone = interrupt::GoneOnDrop(scope.gone.clone());
                // Waiting for a permit counts against the request's time.
                let _permit = self.app.queries.acquire().await.map_err(|_| {
                    ApiError::unavailable("shutting_down", "the server is stopping")
                })?;
                self.app
                    .renders
                    .run(move || interrupt::within(scope, render))
                    .await
                    .map_err(|e| ApiError::internal(format!("a render failed: {e}")))?
            })
            .await?;
        if encoding == Encoding::Identity {
            return Ok(identity);
        }
        let source = identity.clone();
        let body = self
            .app
            .renders
            .run(move || compress(&source.body, encoding))
            .await
            .map_err(|e| ApiError::internal(format!("compression failed: {e}")))?
            .map_err(|e| ApiError::internal(format!("compression failed: {e}")))?;
        let compressed = Arc::new(Rendered {
            body,
            ..(*identity).clone()
        });
        self.app.cache.insert(key, compressed.clone());
        Ok(compressed)
    }

    /// A document rendered at refresh time.
    pub(super) async fn document(
        &self,
        doc: &Document,
        cache_control: &'static str,
    ) -> Result<Answer, ApiError> {
        let spec = Spec {
            etag: doc.etag.clone(),
            last_modified: doc.last_modified,
            cache_control,
            vary: "Accept-Encoding",
        };
        let body = doc.body.clone();
        self.rendered(spec, move || {
            Ok(Rendered {
                body,
                content_type: JSON_TYPE,
                next: None,
            })
        })
        .await
    }

    /// The version a request names: `n`, or the current one.
    pub(super) fn pick(
        &self,
        state: &DatasetState,
        n: Option<u64>,
    ) -> Result<Arc<Version>, ApiError> {
        match (n, state.version(n)) {
            (_, Some(v)) => Ok(v.clone()),
            (Some(n), None) => Err(ApiError::unknown_version(&state.meta.id, n)),
            (None, None) => Err(ApiError::no_version(&state.meta.id)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    pub(super) fn variants_have_their_own_etags() {
        assert_eq!(variant("\"abc\"", Encoding::Gzip), "\"abc-gz\"");
        assert_eq!(variant("\"abc\"", Encoding::Brotli), "\"abc-br\"");
        assert_eq!(variant("\"abc\"", Encoding::Identity), "\"abc\"");
    }
}
