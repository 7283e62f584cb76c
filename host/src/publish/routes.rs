//! Routing and the handlers of every `/api/v1` route.
//!
//! Every handler works in the same order, cheapest first: find the dataset
//! and version in memory, check the query against the schema, compute the
//! ETag, answer 304 if the client has it, answer from the response cache if
//! it is there, and only then ask the store (on a blocking thread) and
//! render. Errors anywhere become the JSON error document.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http_body_util::Full;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{HeaderMap, Method, Request, Response, StatusCode};

use super::Surface;
use super::admin;
use super::app::{App, DatasetState, Document, Links, version_json};
use super::cache::{Remembered, Rendered};
use super::errors::ApiError;
use super::formats::{Format, render_changes, render_page, render_row};
use super::http::{
    Encoding, RangeAsk, add_cors, add_preflight, compress, etag, http_date, if_range_holds,
    negotiate_encoding, not_modified, parse_range,
};
use super::params::{RawRowQuery, canonical, catalog_params, parse_version, simple_params};
use crate::store::{Compression, Version};

/// The longest URL accepted (path and query).
pub const MAX_URL: usize = 8 * 1024;

/// For what can never change: a pinned version's pages and files.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For what follows the current version: short, then revalidate by ETag.
const SHORT: &str = "public, max-age=60";
const NO_STORE: &str = "no-store";
const ALL_FORMATS: [Format; 3] = [Format::Json, Format::Csv, Format::Ndjson];
const JSON_TYPE: &str = "application/json";

/// A response before it becomes a hyper one.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    pub fn new(status: StatusCode, body: Bytes) -> Self {
        Self {
            status,
            headers: HeaderMap::new(),
            body,
        }
    }

    pub fn with(mut self, name: HeaderName, value: &str) -> Self {
        put(&mut self.headers, name, value);
        self
    }

    fn error(error: &ApiError) -> Self {
        let mut answer = Answer::new(error.status, error.body())
            .with(header::CONTENT_TYPE, JSON_TYPE)
            .with(header::CACHE_CONTROL, NO_STORE);
        if let Some(allow) = error.allow {
            answer = answer.with(header::ALLOW, allow);
        }
        if let Some(len) = error.length {
            answer = answer.with(header::CONTENT_RANGE, &format!("bytes */{len}"));
        }
        answer
    }

    /// The hyper response; a HEAD answer keeps every header, the length
    /// included, and drops the body.
    fn into_response(mut self, head: bool) -> Response<Full<Bytes>> {
        add_cors(&mut self.headers);
        let body = if head {
            if self.status != StatusCode::NOT_MODIFIED {
                put(
                    &mut self.headers,
                    header::CONTENT_LENGTH,
                    &self.body.len().to_string(),
                );
            }
            Bytes::new()
        } else {
            self.body
        };
        let mut response = Response::new(Full::new(body));
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

/// Answers one request on the public surface (for tests and embedding).
pub async fn handle<B>(app: Arc<App>, request: Request<B>) -> Response<Full<Bytes>> {
    let peer = SocketAddr::from(([127, 0, 0, 1], 0));
    handle_on(app, Surface::Public, peer, request).await
}

/// Answers one request arriving on `surface` from `peer`, within the
/// request timeout, and logs it.
pub async fn handle_on<B>(
    app: Arc<App>,
    surface: Surface,
    peer: SocketAddr,
    request: Request<B>,
) -> Response<Full<Bytes>> {
    let started = Instant::now();
    let path = request.uri().path();
    if path == admin::PREFIX || path.starts_with(&format!("{}/", admin::PREFIX)) {
        return handle_admin(&app, surface, peer, &request, started).await;
    }
    let head = request.method() == Method::HEAD;
    let answer = if surface == Surface::Admin && path != "/healthz" {
        Answer::error(&ApiError::not_found(
            "this listener serves only the admin API (/api/v1/admin/...)",
        ))
    } else {
        match tokio::time::timeout(app.config.request_timeout, dispatch(&app, &request)).await {
            Ok(Ok(answer)) => answer,
            Ok(Err(error)) => Answer::error(&error),
            Err(_) => Answer::error(&ApiError::timeout()),
        }
    };
    crate::metrics::http_request(
        route_label(&app, request.uri().path()),
        answer.status.as_u16(),
        started.elapsed(),
    );
    tracing::info!(
        target: "vitrina::http",
        method = %request.method(),
        path = request.uri().path(),
        status = answer.status.as_u16(),
        bytes = if head { 0 } else { answer.body.len() },
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    answer.into_response(head)
}

/// An admin request: never cached, never CORS-enabled, never compressed.
async fn handle_admin<B>(
    app: &Arc<App>,
    surface: Surface,
    peer: SocketAddr,
    request: &Request<B>,
    started: Instant,
) -> Response<Full<Bytes>> {
    let path = request.uri().path();
    let admin = app.admin();
    let admin = admin.as_deref().filter(|_| surface != Surface::Public);
    let answer = admin::handle(
        admin,
        &app.store,
        admin::AdminRequest {
            method: request.method(),
            path,
            query: request.uri().query(),
            headers: request.headers(),
            peer,
        },
    )
    .await;
    crate::metrics::http_request(
        admin::route_label(path),
        answer.status.as_u16(),
        started.elapsed(),
    );
    tracing::info!(
        target: "vitrina::http",
        method = %request.method(),
        path,
        status = answer.status.as_u16(),
        bytes = answer.body.len(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    let mut response = Response::new(Full::new(answer.body));
    *response.status_mut() = answer.status;
    *response.headers_mut() = answer.headers;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(JSON_TYPE));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(NO_STORE));
    response
}

/// The routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    Health,
    Metrics,
    OpenApi,
    Profiles,
    Profile(&'a str),
    Catalog,
    Dataset(&'a str),
    /// `None`: the format comes from `Accept`.
    Rows(&'a str, Option<Format>),
    Row(&'a str, &'a str),
    Versions(&'a str),
    Version(&'a str, &'a str),
    /// Dataset, version segment (`None` for latest), file name.
    Download(&'a str, Option<&'a str>, &'a str),
    Changes(&'a str, Option<Format>),
}

fn route(path: &str) -> Option<Route<'_>> {
    if path == "/healthz" {
        return Some(Route::Health);
    }
    if path == "/metrics" {
        return Some(Route::Metrics);
    }
    let parts: Vec<&str> = path.strip_prefix("/api/v1/")?.split('/').collect();
    Some(match parts.as_slice() {
        ["openapi.json"] => Route::OpenApi,
        ["profiles"] => Route::Profiles,
        ["profiles", name] => Route::Profile(name),
        ["datasets"] => Route::Catalog,
        ["datasets", id] => Route::Dataset(id),
        ["datasets", id, "rows", key] => Route::Row(id, key),
        ["datasets", id, "versions"] => Route::Versions(id),
        ["datasets", id, "versions", n] => Route::Version(id, n),
        ["datasets", id, "versions", n, file] => Route::Download(id, Some(n), file),
        ["datasets", id, "latest", file] => Route::Download(id, None, file),
        // The address OCDS harvesters expect, for the current version.
        ["datasets", id, "ocds", "releases.json"] => {
            Route::Download(id, None, crate::derived::OCDS)
        }
        ["datasets", id, last] => {
            if let Some(format) = suffixed(last, "rows") {
                Route::Rows(id, format)
            } else if let Some(format) = suffixed(last, "changes") {
                Route::Changes(id, format)
            } else {
                return None;
            }
        }
        _ => return None,
    })
}

/// `rows` → `Some(None)`, `rows.csv` → `Some(Some(Csv))`.
fn suffixed(segment: &str, name: &str) -> Option<Option<Format>> {
    let rest = segment.strip_prefix(name)?;
    if rest.is_empty() {
        return Some(None);
    }
    Format::from_extension(rest.strip_prefix('.')?).map(Some)
}

async fn dispatch<B>(app: &Arc<App>, request: &Request<B>) -> Result<Answer, ApiError> {
    let method = request.method();
    if ![Method::GET, Method::HEAD, Method::OPTIONS].contains(method) {
        return Err(ApiError::method_not_allowed(method.as_str()));
    }
    let uri_len = request
        .uri()
        .path_and_query()
        .map_or(0, |pq| pq.as_str().len());
    if uri_len > MAX_URL {
        return Err(ApiError::uri_too_long(MAX_URL));
    }
    let path = request.uri().path();
    if !path.starts_with("/api/")
        && method != Method::OPTIONS
        && let Some(pages) = app.pages()
    {
        let page = PageRequest {
            path,
            query: request.uri().query(),
            headers: request.headers(),
        };
        if let Some(answer) = pages.answer(app, page).await {
            return Ok(answer);
        }
    }
    let route = route(path).ok_or_else(|| {
        ApiError::not_found(format!(
            "there is nothing at `{path}`; see /api/v1/openapi.json"
        ))
    })?;
    if method == Method::OPTIONS {
        let mut answer = Answer::new(StatusCode::NO_CONTENT, Bytes::new())
            .with(header::ALLOW, "GET, HEAD, OPTIONS");
        add_preflight(&mut answer.headers);
        return Ok(answer);
    }
    let ctx = Ctx {
        app,
        headers: request.headers(),
        query: request.uri().query(),
    };
    match route {
        Route::Health => Ok(health(app)),
        Route::Metrics => Ok(metrics()),
        Route::OpenApi => ctx.document(&app.openapi, SHORT).await,
        Route::Profiles => {
            simple_params(ctx.query, &[])?;
            ctx.document(&app.profile_list, SHORT).await
        }
        Route::Profile(name) => {
            simple_params(ctx.query, &[])?;
            let document = app.profiles.get(name).ok_or_else(|| {
                ApiError::not_found(format!(
                    "no profile `{name}`; the profiles are listed at /api/v1/profiles"
                ))
            })?;
            ctx.document(document, SHORT).await
        }
        Route::Catalog => {
            let params = catalog_params(ctx.query)?;
            let answer = app.catalog().search(&app.config.base_url, &params);
            ctx.document(&answer, SHORT).await
        }
        Route::Dataset(id) => {
            simple_params(ctx.query, &[])?;
            ctx.document(&ctx.dataset(id)?.detail, SHORT).await
        }
        Route::Versions(id) => {
            simple_params(ctx.query, &[])?;
            ctx.document(&ctx.dataset(id)?.version_list, SHORT).await
        }
        Route::Version(id, n) => ctx.version(id, n).await,
        Route::Rows(id, format) => ctx.rows(id, format).await,
        Route::Row(id, key) => ctx.row(id, key).await,
        Route::Download(id, n, file) => ctx.download(id, n, file).await,
        Route::Changes(id, format) => ctx.changes(id, format).await,
    }
}

fn metrics() -> Answer {
    let body = crate::metrics::render(chrono::Utc::now().timestamp());
    Answer::new(StatusCode::OK, Bytes::from(body))
        .with(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )
        .with(header::CACHE_CONTROL, NO_STORE)
}

/// The route pattern a path matches, as a metrics label: patterns, never
/// raw paths, so the number of series stays bounded.
fn route_label(app: &App, path: &str) -> &'static str {
    match route(path) {
        None => app
            .pages()
            .and_then(|pages| pages.route_label(path))
            .unwrap_or("other"),
        Some(Route::Health) => "/healthz",
        Some(Route::Metrics) => "/metrics",
        Some(Route::OpenApi) => "/api/v1/openapi.json",
        Some(Route::Profiles) => "/api/v1/profiles",
        Some(Route::Profile(_)) => "/api/v1/profiles/:name",
        Some(Route::Catalog) => "/api/v1/datasets",
        Some(Route::Dataset(_)) => "/api/v1/datasets/:id",
        Some(Route::Rows(..)) => "/api/v1/datasets/:id/rows",
        Some(Route::Row(..)) => "/api/v1/datasets/:id/rows/:key",
        Some(Route::Versions(_)) => "/api/v1/datasets/:id/versions",
        Some(Route::Version(..)) => "/api/v1/datasets/:id/versions/:n",
        Some(Route::Download(_, Some(_), _)) => "/api/v1/datasets/:id/versions/:n/:file",
        Some(Route::Download(_, None, _)) => "/api/v1/datasets/:id/latest/:file",
        Some(Route::Changes(..)) => "/api/v1/datasets/:id/changes",
    }
}

fn health(app: &App) -> Answer {
    let body = format!(
        "{{\"status\":\"ok\",\"datasets\":{}}}\n",
        app.catalog().datasets.len()
    );
    Answer::new(StatusCode::OK, Bytes::from(body))
        .with(header::CONTENT_TYPE, JSON_TYPE)
        .with(header::CACHE_CONTROL, NO_STORE)
}

/// What a cacheable answer is known by before it is rendered.
pub struct Spec {
    /// The identity representation's ETag.
    pub etag: String,
    pub last_modified: Option<DateTime<Utc>>,
    pub cache_control: &'static str,
    pub vary: &'static str,
}

/// A request for a page beside the API.
pub struct PageRequest<'a> {
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
}

/// Pages served beside the JSON API by the same server (the web catalog
/// and its feeds): everything outside `/api/` that they claim. They are
/// a room of their own that depends on this one; the server is handed
/// them at start-up ([`App::set_pages`]).
#[async_trait::async_trait]
pub trait Pages: Send + Sync {
    /// The answer to `request`, or `None` when no page lives at its path.
    async fn answer(&self, app: &Arc<App>, request: PageRequest<'_>) -> Option<Answer>;

    /// The route pattern of `path`, as a metrics label.
    fn route_label(&self, path: &str) -> Option<&'static str>;
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
    fn headers(&self, answer: Answer, etag: &str) -> Answer {
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
fn variant(etag: &str, encoding: Encoding) -> String {
    match encoding {
        Encoding::Identity => etag.to_string(),
        _ => format!("{}{}\"", etag.trim_end_matches('"'), encoding.tag()),
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| ApiError::internal(format!("a worker failed: {e}")))
}

/// One request's view of the app.
struct Ctx<'a> {
    app: &'a Arc<App>,
    headers: &'a HeaderMap,
    query: Option<&'a str>,
}

impl Ctx<'_> {
    fn dataset(&self, id: &str) -> Result<Arc<DatasetState>, ApiError> {
        self.app.catalog().datasets.get(id).cloned().ok_or_else(|| {
            ApiError::not_found(format!(
                "there is no dataset `{id}`; the list is at /api/v1/datasets"
            ))
        })
    }

    fn links<'b>(&'b self, id: &'b str) -> Links<'b> {
        Links {
            base: &self.app.config.base_url,
            dataset: id,
        }
    }

    /// A rendered answer: 304, or the cache, or `render` on a blocking
    /// thread, then compressed as the client accepts.
    async fn rendered(
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
    fn answer_from_memory(&self, spec: &Spec) -> Option<Answer> {
        let encoding = negotiate_encoding(self.headers);
        let etag = variant(&spec.etag, encoding);
        if not_modified(self.headers, &etag, spec.last_modified) {
            return Some(spec.headers(Answer::new(StatusCode::NOT_MODIFIED, Bytes::new()), &etag));
        }
        let rendered = self.app.cache.get(&etag)?;
        Some(self.answer(spec, &etag, encoding, &rendered))
    }

    fn answer(&self, spec: &Spec, etag: &str, encoding: Encoding, rendered: &Rendered) -> Answer {
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

    async fn render(
        &self,
        identity_key: &str,
        key: &str,
        encoding: Encoding,
        render: impl FnOnce() -> Result<Rendered, ApiError> + Send + 'static,
    ) -> Result<Arc<Rendered>, ApiError> {
        let identity = self
            .app
            .inflight
            .render(&self.app.cache, identity_key, async {
                blocking(render).await?
            })
            .await?;
        if encoding == Encoding::Identity {
            return Ok(identity);
        }
        let source = identity.clone();
        let body = blocking(move || compress(&source.body, encoding))
            .await?
            .map_err(|e| ApiError::internal(format!("compression failed: {e}")))?;
        let compressed = Arc::new(Rendered {
            body,
            ..(*identity).clone()
        });
        self.app.cache.insert(key, compressed.clone());
        Ok(compressed)
    }

    /// A document rendered at refresh time.
    async fn document(
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
    fn pick(&self, state: &DatasetState, n: Option<u64>) -> Result<Arc<Version>, ApiError> {
        match (n, state.version(n)) {
            (_, Some(v)) => Ok(v.clone()),
            (Some(n), None) => Err(ApiError::unknown_version(&state.meta.id, n)),
            (None, None) => Err(ApiError::no_version(&state.meta.id)),
        }
    }

    async fn version(&self, id: &str, n: &str) -> Result<Answer, ApiError> {
        simple_params(self.query, &[])?;
        let state = self.dataset(id)?;
        let version = self.pick(&state, Some(parse_version(n)?))?;
        let spec = Spec {
            etag: etag(&[
                b"version",
                id.as_bytes(),
                version.content_hash.as_bytes(),
                &version.number.to_le_bytes(),
            ]),
            last_modified: Some(version.published_at),
            cache_control: IMMUTABLE,
            vary: "Accept-Encoding",
        };
        let base = self.app.config.base_url.clone();
        self.rendered(spec, move || {
            let mut body =
                serde_json::to_vec_pretty(&version_json(&base, &version, true)).unwrap_or_default();
            body.push(b'\n');
            Ok(Rendered {
                body: Bytes::from(body),
                content_type: JSON_TYPE,
                next: None,
            })
        })
        .await
    }

    async fn rows(&self, id: &str, suffix: Option<Format>) -> Result<Answer, ApiError> {
        let state = self.dataset(id)?;
        let format = suffix.unwrap_or_else(|| Format::from_accept(self.headers, &ALL_FORMATS));
        let memo_key = format!(
            "{id}\u{0}{}\u{0}{}",
            format.extension(),
            self.query.unwrap_or("")
        );
        if let Some(answer) = self.remembered(&state, &memo_key) {
            return Ok(answer);
        }
        let raw = RawRowQuery::parse(self.query)?;
        let cursor = raw.cursor()?;
        let pinned = match (&cursor, raw.as_of()?) {
            (Some(c), Some(n)) if c.version != n => {
                return Err(ApiError::bad_cursor(format!(
                    "the cursor walks version {} but as_of asks for version {n}; drop one of them",
                    c.version
                )));
            }
            (Some(c), _) => Some(c.version),
            (None, n) => n,
        };
        let version = self.pick(&state, pinned)?;
        let query = raw.resolve(&version.schema, version.number, cursor)?;
        let normal = canonical(&query, true);
        let tag = etag(&[
            b"rows",
            id.as_bytes(),
            version.content_hash.as_bytes(),
            &version.number.to_le_bytes(),
            normal.as_bytes(),
            format.extension().as_bytes(),
        ]);
        self.app.memo.insert(
            memo_key,
            Remembered {
                version: version.number,
                content_hash: version.content_hash.clone(),
                pinned: pinned.is_some(),
                etag: tag.clone(),
            },
        );
        let spec = rows_spec(tag, &version, pinned.is_some());
        // The next link names the format in the path, so it is the same
        // whether this page was asked for by suffix or by `Accept`.
        let next_base = match format {
            Format::Json => format!("{}/rows", self.links(id).dataset()),
            other => format!("{}/rows.{}", self.links(id).dataset(), other.extension()),
        };
        let store = self.app.store.clone();
        let dataset = id.to_string();
        self.rendered(spec, move || {
            let page = store.rows(&dataset, &query)?;
            let next_url = page.next.as_ref().map(|cursor| {
                let next = crate::store::RowQuery {
                    after: Some(cursor.clone()),
                    ..query.clone()
                };
                format!("{next_base}?{}", canonical(&next, true))
            });
            Ok(Rendered {
                body: render_page(&page, format, query.limit, next_url.as_deref()),
                content_type: format.content_type(),
                next: next_url,
            })
        })
        .await
    }

    /// A repeated rows request answered from memory: its ETag remembered
    /// from last time, while the version it was for still applies.
    fn remembered(&self, state: &DatasetState, key: &str) -> Option<Answer> {
        let memo = self.app.memo.get(key)?;
        let version = state.version(memo.pinned.then_some(memo.version))?;
        if version.number != memo.version || version.content_hash != memo.content_hash {
            return None;
        }
        self.answer_from_memory(&rows_spec(memo.etag.clone(), version, memo.pinned))
    }

    async fn row(&self, id: &str, key: &str) -> Result<Answer, ApiError> {
        let state = self.dataset(id)?;
        let params = simple_params(self.query, &["as_of"])?;
        let pinned = params.first().map(|(_, v)| parse_version(v)).transpose()?;
        let version = self.pick(&state, pinned)?;
        let key = parse_key(key, version.schema.primary_key.len())?;
        let spec = Spec {
            etag: etag(&[
                b"row",
                id.as_bytes(),
                version.content_hash.as_bytes(),
                &version.number.to_le_bytes(),
                key.join("\u{0}").as_bytes(),
            ]),
            last_modified: Some(version.published_at),
            cache_control: if pinned.is_some() { IMMUTABLE } else { SHORT },
            vary: "Accept-Encoding",
        };
        let store = self.app.store.clone();
        let dataset = id.to_string();
        self.rendered(spec, move || {
            let row = store
                .row_by_key(&dataset, version.number, &key)?
                .ok_or_else(|| {
                    ApiError::not_found(format!(
                        "dataset `{dataset}` has no row with key {} in version {}",
                        key.join(","),
                        version.number
                    ))
                })?;
            Ok(Rendered {
                body: render_row(version.number, &version.schema, &row),
                content_type: JSON_TYPE,
                next: None,
            })
        })
        .await
    }

    async fn changes(&self, id: &str, suffix: Option<Format>) -> Result<Answer, ApiError> {
        let state = self.dataset(id)?;
        let format = match suffix {
            Some(Format::Csv) => {
                return Err(ApiError::not_found(
                    "changes come as JSON or NDJSON, not CSV",
                ));
            }
            Some(f) => f,
            None => Format::from_accept(self.headers, &[Format::Json, Format::Ndjson]),
        };
        let params = simple_params(self.query, &["from", "to"])?;
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.as_str())
        };
        let to = self.pick(&state, get("to").map(parse_version).transpose()?)?;
        let from = match get("from") {
            // 0 is the empty state before the first version.
            Some("0") => 0,
            Some(text) => parse_version(text)?,
            None => to.number.saturating_sub(1),
        };
        let from_hash = match from {
            0 => String::new(),
            n => self.pick(&state, Some(n))?.content_hash.clone(),
        };
        let spec = Spec {
            etag: etag(&[
                b"changes",
                id.as_bytes(),
                from_hash.as_bytes(),
                to.content_hash.as_bytes(),
                &from.to_le_bytes(),
                &to.number.to_le_bytes(),
                format.extension().as_bytes(),
            ]),
            last_modified: Some(to.published_at),
            cache_control: if params.len() == 2 { IMMUTABLE } else { SHORT },
            vary: "Accept, Accept-Encoding",
        };
        let store = self.app.store.clone();
        let dataset = id.to_string();
        self.rendered(spec, move || {
            let changes = store.changes(&dataset, from, to.number)?;
            Ok(Rendered {
                body: render_changes(&changes, format),
                content_type: format.content_type(),
                next: None,
            })
        })
        .await
    }

    /// A file of a version's folder, as the store wrote it at publish
    /// time: a full download (`data.csv`, ...) or a derived file
    /// (`datapackage.json`, a standard's rendering).
    async fn download(&self, id: &str, n: Option<&str>, file: &str) -> Result<Answer, ApiError> {
        let state = self.dataset(id)?;
        if crate::derived::is_derived(file) {
            simple_params(self.query, &[])?;
            let version = self.pick(&state, n.map(parse_version).transpose()?)?;
            let served = Served {
                disk_name: file.to_string(),
                url_name: file.to_string(),
                tag: file.replace('.', "-"),
                content_type: JSON_TYPE,
                attachment: None,
                missing: Missing::NotFound,
            };
            return self.serve_file(id, n.is_some(), &version, served).await;
        }
        let (format, named_bom) = download_format(file)?;
        let params = simple_params(self.query, &["bom"])?;
        let asked_bom = match params.first().map(|(_, v)| v.as_str()) {
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => {
                return Err(ApiError::bad_query(
                    format!("`bom` takes 1, true, 0 or false, not `{other}`"),
                    Vec::new(),
                ));
            }
        };
        let bom = named_bom || asked_bom;
        if bom && format != Format::Csv {
            return Err(ApiError::bad_query("`bom` applies to CSV only", Vec::new()));
        }
        let version = self.pick(&state, n.map(parse_version).transpose()?)?;
        let short_name = if bom { "bom.csv" } else { format.extension() };
        let served = Served {
            disk_name: crate::store::exports::file_name(format.export(bom), Compression::Identity),
            url_name: format!("data.{short_name}"),
            tag: short_name.replace('.', "-"),
            content_type: format.content_type(),
            attachment: Some(format!(
                "attachment; filename=\"{}-v{}.{}\"",
                safe_name(id),
                version.number,
                format.extension()
            )),
            missing: Missing::Internal,
        };
        self.serve_file(id, n.is_some(), &version, served).await
    }

    /// Serves one file of a version's folder: 304 from the ETag alone,
    /// the precompressed `.br`/`.gz` copy the client accepts (the identity
    /// file until the copy is written), or one byte range of the identity
    /// file.
    async fn serve_file(
        &self,
        id: &str,
        versioned: bool,
        version: &Version,
        served: Served,
    ) -> Result<Answer, ApiError> {
        let ranged = self.headers.contains_key(header::RANGE);
        // A range applies to the identity bytes: resuming a download must
        // not depend on which coding the first attempt got.
        let encoding = if ranged {
            Encoding::Identity
        } else {
            negotiate_encoding(self.headers)
        };
        let hash: String = version
            .content_hash
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        let spec = Spec {
            etag: format!("\"{hash}-{}-{}\"", served.tag, version.number),
            last_modified: Some(version.published_at),
            cache_control: if versioned { IMMUTABLE } else { SHORT },
            vary: "Accept-Encoding",
        };
        let mut answer = Answer::new(StatusCode::OK, Bytes::new())
            .with(header::CONTENT_TYPE, served.content_type)
            .with(header::ACCEPT_RANGES, "bytes");
        if let Some(disposition) = &served.attachment {
            answer = answer.with(header::CONTENT_DISPOSITION, disposition);
        }
        if !versioned {
            let canonical_url = self.links(id).file(Some(version.number), &served.url_name);
            answer = answer.with(header::CONTENT_LOCATION, &canonical_url);
        }
        // Answered from the ETag alone, before the file is touched.
        if not_modified(
            self.headers,
            &variant(&spec.etag, encoding),
            spec.last_modified,
        ) {
            answer.status = StatusCode::NOT_MODIFIED;
            return Ok(spec.headers(answer, &variant(&spec.etag, encoding)));
        }
        let dir = self.app.store.version_dir(id, version);
        let (bytes, encoding) = self
            .coded_file(&dir, &served.disk_name, encoding)
            .await
            .map_err(|error| {
                let absent = error.kind() == std::io::ErrorKind::NotFound;
                if absent && matches!(served.missing, Missing::NotFound) {
                    return ApiError::not_found(format!(
                        "version {} of `{id}` has no {}: it was published before Vitrina wrote that file, or its profile has no such rendering",
                        version.number, served.disk_name
                    ));
                }
                if absent {
                    tracing::warn!(dataset = id, version = version.number, file = %served.disk_name, "a download file is missing");
                }
                ApiError::internal(
                    "a file of this version cannot be read; the operator has been told in the log",
                )
            })?;
        let etag = variant(&spec.etag, encoding);
        if let Some(coding) = encoding.header() {
            answer = answer.with(header::CONTENT_ENCODING, coding);
        }
        answer = spec.headers(answer, &etag);
        let range = self
            .headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok());
        let len = bytes.len() as u64;
        let ask = match range {
            Some(value) if if_range_holds(self.headers, &etag, spec.last_modified) => {
                parse_range(value, len)
            }
            _ => RangeAsk::Whole,
        };
        match ask {
            RangeAsk::Whole => answer.body = bytes,
            RangeAsk::Part { start, end } => {
                answer.status = StatusCode::PARTIAL_CONTENT;
                answer.body = bytes.slice(start as usize..=end as usize);
                answer = answer.with(header::CONTENT_RANGE, &format!("bytes {start}-{end}/{len}"));
            }
            RangeAsk::Unsatisfiable => return Err(ApiError::range_not_satisfiable(len)),
        }
        Ok(answer)
    }

    /// The file `name` of `dir` in `encoding`, falling back to the identity
    /// file when the compressed copy is not written yet. A missing identity
    /// file is the caller's to explain; any other failure is logged.
    async fn coded_file(
        &self,
        dir: &std::path::Path,
        name: &str,
        encoding: Encoding,
    ) -> Result<(Bytes, Encoding), std::io::Error> {
        let mut tries = vec![encoding];
        if encoding != Encoding::Identity {
            tries.push(Encoding::Identity);
        }
        let mut last = None;
        for encoding in tries {
            let compression = match encoding {
                Encoding::Identity => Compression::Identity,
                Encoding::Gzip => Compression::Gzip,
                Encoding::Brotli => Compression::Brotli,
            };
            let path = dir.join(crate::store::exports::coded_name(name, compression));
            if let Some(bytes) = self.app.files.cached(&path) {
                return Ok((bytes, encoding));
            }
            let app = self.app.clone();
            match blocking(move || app.files.open(&path).map_err(|e| (path, e)))
                .await
                .map_err(|e| std::io::Error::other(e.message))?
            {
                Ok(bytes) => return Ok((bytes, encoding)),
                // A compressed copy not written yet: the identity file it is.
                Err((_, error))
                    if encoding != Encoding::Identity
                        && error.kind() == std::io::ErrorKind::NotFound => {}
                Err((path, error)) => {
                    if error.kind() != std::io::ErrorKind::NotFound {
                        tracing::warn!(path = %path.display(), %error, "a file of a version cannot be read");
                    }
                    last = Some(error);
                }
            }
        }
        Err(last.unwrap_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound)))
    }
}

/// A file of a version's folder as one route serves it.
struct Served {
    /// Its name in the folder (`data.bom.csv`, `ocds.json`).
    disk_name: String,
    /// Its name in the versioned URL (`Content-Location` of `latest/`).
    url_name: String,
    /// What tells its ETag from the other files' of the version.
    tag: String,
    content_type: &'static str,
    /// `Content-Disposition`, for downloads.
    attachment: Option<String>,
    /// What a missing file means.
    missing: Missing,
}

/// What it means when a version's file is not on disk.
enum Missing {
    /// Every version has its downloads: a missing one is the operator's problem.
    Internal,
    /// Derived files depend on the profile and on when the version was
    /// published: a missing one is simply not there.
    NotFound,
}

/// How a page of rows is validated and cached.
fn rows_spec(etag: String, version: &Version, pinned: bool) -> Spec {
    Spec {
        etag,
        last_modified: Some(version.published_at),
        cache_control: if pinned { IMMUTABLE } else { SHORT },
        vary: "Accept, Accept-Encoding",
    }
}

/// The format of a download file name.
fn download_format(file: &str) -> Result<(Format, bool), ApiError> {
    let not_found = || {
        ApiError::not_found(format!(
            "there is no file `{file}`; use data.csv, data.bom.csv, data.json or data.ndjson"
        ))
    };
    let ext = file.strip_prefix("data.").ok_or_else(not_found)?;
    if ext == "bom.csv" {
        return Ok((Format::Csv, true));
    }
    Format::from_extension(ext)
        .map(|f| (f, false))
        .ok_or_else(not_found)
}

/// A name safe inside a quoted `filename=`.
fn safe_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Splits a `/rows/{key}` segment: key values percent-encoded and joined
/// by `,` in primary-key order (a `,` inside a value is `%2C`).
pub fn parse_key(segment: &str, parts: usize) -> Result<Vec<String>, ApiError> {
    let values = segment
        .split(',')
        .map(|part| {
            percent_encoding::percent_decode_str(part)
                .decode_utf8()
                .map(|v| v.into_owned())
                .map_err(|_| {
                    ApiError::bad_key("a key value is not valid UTF-8 once percent-decoded")
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    if values.len() != parts {
        return Err(ApiError::bad_key(format!(
            "the key has {} value(s) but this dataset's primary key has {parts}; join them with `,` in key order, percent-encoding any `,` inside a value",
            values.len()
        )));
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_parse() {
        assert_eq!(route("/healthz"), Some(Route::Health));
        assert_eq!(route("/api/v1/datasets"), Some(Route::Catalog));
        assert_eq!(route("/api/v1/datasets/b"), Some(Route::Dataset("b")));
        assert_eq!(
            route("/api/v1/datasets/b/rows"),
            Some(Route::Rows("b", None))
        );
        assert_eq!(
            route("/api/v1/datasets/b/rows.csv"),
            Some(Route::Rows("b", Some(Format::Csv)))
        );
        assert_eq!(route("/api/v1/datasets/b/rows.xml"), None);
        assert_eq!(
            route("/api/v1/datasets/b/rows/1,2"),
            Some(Route::Row("b", "1,2"))
        );
        assert_eq!(
            route("/api/v1/datasets/b/versions/3/data.csv"),
            Some(Route::Download("b", Some("3"), "data.csv"))
        );
        assert_eq!(
            route("/api/v1/datasets/b/latest/data.json"),
            Some(Route::Download("b", None, "data.json"))
        );
        assert_eq!(
            route("/api/v1/datasets/b/changes.ndjson"),
            Some(Route::Changes("b", Some(Format::Ndjson)))
        );
        assert_eq!(route("/api/v2/datasets"), None);
        assert_eq!(route("/api/v1/datasets/b/rowsy"), None);
    }

    #[test]
    fn keys_split_and_decode() {
        assert_eq!(
            parse_key("a%2Cb,%D0%91", 2).unwrap(),
            vec!["a,b".to_string(), "Б".to_string()]
        );
        assert_eq!(parse_key("42", 1).unwrap(), vec!["42".to_string()]);
        assert_eq!(parse_key("1,2", 1).unwrap_err().code, "bad_key");
        assert_eq!(parse_key("%FF", 1).unwrap_err().code, "bad_key");
    }

    #[test]
    fn variants_have_their_own_etags() {
        assert_eq!(variant("\"abc\"", Encoding::Gzip), "\"abc-gz\"");
        assert_eq!(variant("\"abc\"", Encoding::Brotli), "\"abc-br\"");
        assert_eq!(variant("\"abc\"", Encoding::Identity), "\"abc\"");
    }

    #[test]
    fn download_names() {
        assert_eq!(
            download_format("data.bom.csv").unwrap(),
            (Format::Csv, true)
        );
        assert_eq!(
            download_format("data.ndjson").unwrap(),
            (Format::Ndjson, false)
        );
        assert!(download_format("data.xlsx").is_err());
        assert_eq!(safe_name("a\"b/c"), "a_b_c");
    }
}
