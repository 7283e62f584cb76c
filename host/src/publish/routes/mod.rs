//! Routing of the public surface: every `/api/v1` route, the admin API,
//! and the pages beside the API (`app::Pages`), each ending in an
//! [`Answer`].
//!
//! Every handler works in the same order, cheapest first: find the dataset
//! and version in memory, check the query against the schema, compute the
//! ETag, answer 304 if the client has it, answer from the response cache if
//! it is there, and only then ask the store (on a blocking thread) and
//! render. Errors anywhere become the JSON error document.
//!
//! - `conditional.rs`: that order, once: validators, 304s, the cache and
//!   its single flight, compression; the per-request context `Ctx`.
//! - `handlers.rs`: versions, rows, one row, changes.
//! - `downloads.rs`: the versions' files: full downloads, ranges, codings.
//! - `rdf.rs`: the DCAT-AP catalog and each dataset's entry in it.

mod conditional;
mod downloads;
mod handlers;
mod rdf;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};

use super::Surface;
use super::admin;
use super::answer::{Answer, JSON_TYPE, NO_STORE};
use super::app::{App, PageRequest};
use super::body::Body;
use super::errors::ApiError;
use super::formats::Format;
use super::http::add_preflight;
use super::params::{catalog_params, simple_params};

use conditional::Ctx;
pub use conditional::{Spec, conditional};
pub use handlers::parse_key;

/// The longest URL accepted (path and query).
pub const MAX_URL: usize = 8 * 1024;

/// For what can never change: a pinned version's pages and files.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For what follows the current version: short, then revalidate by ETag.
const SHORT: &str = "public, max-age=60";
const ALL_FORMATS: [Format; 3] = [Format::Json, Format::Csv, Format::Ndjson];

/// Answers one request on the public surface (for tests and embedding).
pub async fn handle<B>(app: Arc<App>, request: Request<B>) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
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
) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let started = Instant::now();
    let path = request.uri().path();
    if path == admin::PREFIX || path.starts_with(&format!("{}/", admin::PREFIX)) {
        return handle_admin(&app, surface, peer, request, started).await;
    }
    if surface != Surface::Admin
        && let Some(action) = super::ckan::action(path)
    {
        let action = action.to_string();
        return handle_ckan(&app, &action, request, started).await;
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

/// A request of CKAN's Action API (`publish::ckan`): a POST's parameters
/// are read from its body, within [`super::ckan::MAX_BODY`] and the
/// request timeout.
async fn handle_ckan<B>(
    app: &Arc<App>,
    action: &str,
    request: Request<B>,
    started: Instant,
) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use http_body_util::BodyExt;
    let (parts, body) = request.into_parts();
    let head = parts.method == Method::HEAD;
    let limited = http_body_util::Limited::new(body, super::ckan::MAX_BODY);
    let answer = match tokio::time::timeout(app.config.request_timeout, limited.collect()).await {
        Ok(Ok(collected)) => {
            let body = collected.to_bytes();
            super::ckan::answer(app, action, &parts.method, parts.uri.query(), &body).await
        }
        Ok(Err(_)) => Answer::error(&ApiError::body_too_large(super::ckan::MAX_BODY)),
        Err(_) => Answer::error(&ApiError::timeout()),
    };
    crate::metrics::http_request(
        "/api/3/action/:action",
        answer.status.as_u16(),
        started.elapsed(),
    );
    tracing::info!(
        target: "vitrina::http",
        method = %parts.method,
        path = parts.uri.path(),
        status = answer.status.as_u16(),
        bytes = answer.body.len(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    answer.into_response(head)
}

/// An admin request: never cached, never CORS-enabled, never compressed.
/// Its body is read within [`admin::MAX_BODY`] and the request timeout.
async fn handle_admin<B>(
    app: &Arc<App>,
    surface: Surface,
    peer: SocketAddr,
    request: Request<B>,
    started: Instant,
) -> Response<Body>
where
    B: hyper::body::Body<Data = Bytes> + Send + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use http_body_util::BodyExt;
    let (parts, body) = request.into_parts();
    let path = parts.uri.path();
    let admin = app.admin();
    let admin = admin.as_deref().filter(|_| surface != Surface::Public);
    let limited = http_body_util::Limited::new(body, admin::MAX_BODY);
    let read = tokio::time::timeout(app.config.request_timeout, limited.collect()).await;
    let answer = match read {
        Ok(Ok(collected)) => {
            let body = collected.to_bytes();
            admin::handle(
                admin,
                &app.store,
                admin::AdminRequest {
                    method: &parts.method,
                    path,
                    query: parts.uri.query(),
                    headers: &parts.headers,
                    peer,
                    body: &body,
                },
            )
            .await
        }
        Ok(Err(_)) => admin::AdminAnswer::from(&ApiError::body_too_large(admin::MAX_BODY)),
        Err(_) => admin::AdminAnswer::from(&ApiError::timeout()),
    };
    crate::metrics::http_request(
        admin::route_label(path),
        answer.status.as_u16(),
        started.elapsed(),
    );
    tracing::info!(
        target: "vitrina::http",
        method = %parts.method,
        path,
        status = answer.status.as_u16(),
        bytes = answer.body.len(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    let mut response = Response::new(Body::bytes(answer.body));
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
    Dataset(Target<'a>),
    /// A dataset's tables beyond its own.
    Tables(&'a str),
    /// `None`: the format comes from `Accept`.
    Rows(Target<'a>, Option<Format>),
    Row(Target<'a>, &'a str),
    /// A procurement's OCDS record: dataset id, ocid.
    OcdsRecord(&'a str, &'a str),
    Versions(Target<'a>),
    Version(Target<'a>, &'a str),
    /// Version segment (`None` for latest), file name.
    Download(Target<'a>, Option<&'a str>, &'a str),
    Changes(Target<'a>, Option<Format>),
    /// The DCAT-AP catalog, or a dataset's entry; `None`: by `Accept`.
    Dcat(Option<&'a str>, Option<rdf::Syntax>),
}

/// What a dataset route is about: a dataset, or one of its tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target<'a> {
    dataset: &'a str,
    table: Option<&'a str>,
}

impl<'a> Target<'a> {
    fn dataset(dataset: &'a str) -> Self {
        Self {
            dataset,
            table: None,
        }
    }

    fn table(dataset: &'a str, table: &'a str) -> Self {
        Self {
            dataset,
            table: Some(table),
        }
    }

    /// The store id the handlers read: the dataset's, or its table's.
    fn id(&self) -> std::borrow::Cow<'a, str> {
        match self.table {
            None => self.dataset.into(),
            Some(table) => crate::store::table_id(self.dataset, table).into(),
        }
    }
}

fn route(path: &str) -> Option<Route<'_>> {
    if path == "/healthz" {
        return Some(Route::Health);
    }
    if path == "/metrics" {
        return Some(Route::Metrics);
    }
    if let Some(rest) = path.strip_prefix("/catalog") {
        return match rest {
            "" => Some(Route::Dcat(None, None)),
            _ => rest
                .strip_prefix('.')
                .and_then(rdf::Syntax::from_extension)
                .map(|syntax| Route::Dcat(None, Some(syntax))),
        };
    }
    let parts: Vec<&str> = path.strip_prefix("/api/v1/")?.split('/').collect();
    Some(match parts.as_slice() {
        ["openapi.json"] => Route::OpenApi,
        ["profiles"] => Route::Profiles,
        ["profiles", name] => Route::Profile(name),
        ["datasets"] => Route::Catalog,
        // A table id joins dataset and stream with `.`: only the paths
        // below name tables.
        ["datasets", id, ..] if id.contains('.') => return None,
        ["datasets", id, "tables"] => Route::Tables(id),
        ["datasets", id, "tables", table, rest @ ..] => {
            dataset_route(Target::table(id, table), rest)?
        }
        // A table's files inside its dataset's version folder, where
        // `datapackage.json` finds them by relative path.
        ["datasets", id, "versions", n, "tables", table, file] => {
            Route::Download(Target::table(id, table), Some(n), file)
        }
        ["datasets", id, "latest", "tables", table, file] => {
            Route::Download(Target::table(id, table), None, file)
        }
        // The address OCDS harvesters expect, for the current version.
        ["datasets", id, "ocds", "releases.json"] => {
            Route::Download(Target::dataset(id), None, crate::derived::OCDS)
        }
        ["datasets", id, "ocds", "records.json"] => {
            Route::Download(Target::dataset(id), None, crate::derived::OCDS_RECORDS)
        }
        ["datasets", id, "ocds", "records", ocid] => Route::OcdsRecord(id, ocid),
        ["datasets", id, file] if file.starts_with("dcat.") => {
            let syntax = rdf::Syntax::from_extension(&file["dcat.".len()..])?;
            Route::Dcat(Some(id), Some(syntax))
        }
        ["datasets", id, rest @ ..] => dataset_route(Target::dataset(id), rest)?,
        _ => return None,
    })
}

/// The routes under a dataset's or a table's address.
fn dataset_route<'a>(target: Target<'a>, rest: &[&'a str]) -> Option<Route<'a>> {
    Some(match rest {
        [] => Route::Dataset(target),
        ["rows", key] => Route::Row(target, key),
        ["versions"] => Route::Versions(target),
        ["versions", n] => Route::Version(target, n),
        ["versions", n, file] => Route::Download(target, Some(n), file),
        ["latest", file] => Route::Download(target, None, file),
        [last] => {
            if let Some(format) = suffixed(last, "rows") {
                Route::Rows(target, format)
            } else if let Some(format) = suffixed(last, "changes") {
                Route::Changes(target, format)
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
        Route::Dataset(target) => {
            simple_params(ctx.query, &[])?;
            ctx.document(&ctx.dataset(&target.id())?.detail, SHORT)
                .await
        }
        Route::Tables(id) => {
            simple_params(ctx.query, &[])?;
            ctx.document(&ctx.dataset(id)?.table_list, SHORT).await
        }
        Route::Versions(target) => {
            simple_params(ctx.query, &[])?;
            ctx.document(&ctx.dataset(&target.id())?.version_list, SHORT)
                .await
        }
        Route::Version(target, n) => ctx.version(&target.id(), n).await,
        Route::Rows(target, format) => ctx.rows(&target.id(), format).await,
        Route::Row(target, key) => ctx.row(&target.id(), key).await,
        Route::OcdsRecord(id, ocid) => ctx.ocds_record(id, ocid).await,
        Route::Download(target, n, file) => ctx.download(&target.id(), n, file).await,
        Route::Changes(target, format) => ctx.changes(&target.id(), format).await,
        Route::Dcat(dataset, syntax) => ctx.dcat(dataset, syntax).await,
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
        Some(Route::Tables(_)) => "/api/v1/datasets/:id/tables",
        Some(Route::Dcat(None, _)) => "/catalog",
        Some(Route::Dcat(Some(_), _)) => "/api/v1/datasets/:id/dcat",
        Some(Route::OcdsRecord(..)) => "/api/v1/datasets/:id/ocds/records/:ocid",
        Some(route) => dataset_route_label(route),
    }
}

/// The label of a route under a dataset's or a table's address.
fn dataset_route_label(route: Route<'_>) -> &'static str {
    let (target, dataset, table) = match route {
        Route::Dataset(t) => (
            t,
            "/api/v1/datasets/:id",
            "/api/v1/datasets/:id/tables/:table",
        ),
        Route::Rows(t, _) => (
            t,
            "/api/v1/datasets/:id/rows",
            "/api/v1/datasets/:id/tables/:table/rows",
        ),
        Route::Row(t, _) => (
            t,
            "/api/v1/datasets/:id/rows/:key",
            "/api/v1/datasets/:id/tables/:table/rows/:key",
        ),
        Route::Versions(t) => (
            t,
            "/api/v1/datasets/:id/versions",
            "/api/v1/datasets/:id/tables/:table/versions",
        ),
        Route::Version(t, _) => (
            t,
            "/api/v1/datasets/:id/versions/:n",
            "/api/v1/datasets/:id/tables/:table/versions/:n",
        ),
        Route::Download(t, Some(_), _) => (
            t,
            "/api/v1/datasets/:id/versions/:n/:file",
            "/api/v1/datasets/:id/tables/:table/versions/:n/:file",
        ),
        Route::Download(t, None, _) => (
            t,
            "/api/v1/datasets/:id/latest/:file",
            "/api/v1/datasets/:id/tables/:table/latest/:file",
        ),
        Route::Changes(t, _) => (
            t,
            "/api/v1/datasets/:id/changes",
            "/api/v1/datasets/:id/tables/:table/changes",
        ),
        _ => return "other",
    };
    if target.table.is_some() {
        table
    } else {
        dataset
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_over_its_budget_says_when_to_come_back() {
        let answer = Answer::error(&ApiError::over_budget(std::time::Duration::from_secs(27)));
        assert_eq!(answer.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(answer.headers[header::RETRY_AFTER], "5");
        let body = String::from_utf8(answer.body.to_vec()).unwrap();
        assert!(
            body.contains("over_budget") && body.contains("27 s"),
            "{body}"
        );
    }

    #[test]
    fn routes_parse() {
        assert_eq!(route("/healthz"), Some(Route::Health));
        assert_eq!(route("/api/v1/datasets"), Some(Route::Catalog));
        let b = Target::dataset("b");
        assert_eq!(route("/api/v1/datasets/b"), Some(Route::Dataset(b)));
        assert_eq!(route("/api/v1/datasets/b/rows"), Some(Route::Rows(b, None)));
        assert_eq!(
            route("/api/v1/datasets/b/rows.csv"),
            Some(Route::Rows(b, Some(Format::Csv)))
        );
        assert_eq!(route("/api/v1/datasets/b/rows.xml"), None);
        assert_eq!(
            route("/api/v1/datasets/b/rows/1,2"),
            Some(Route::Row(b, "1,2"))
        );
        assert_eq!(
            route("/api/v1/datasets/b/versions/3/data.csv"),
            Some(Route::Download(b, Some("3"), "data.csv"))
        );
        assert_eq!(
            route("/api/v1/datasets/b/latest/data.json"),
            Some(Route::Download(b, None, "data.json"))
        );
        assert_eq!(
            route("/api/v1/datasets/b/changes.ndjson"),
            Some(Route::Changes(b, Some(Format::Ndjson)))
        );
        assert_eq!(route("/api/v2/datasets"), None);
        let lots = Target::table("b", "lots");
        assert_eq!(lots.id(), "b.lots");
        assert_eq!(route("/api/v1/datasets/b/tables"), Some(Route::Tables("b")));
        assert_eq!(
            route("/api/v1/datasets/b/tables/lots"),
            Some(Route::Dataset(lots))
        );
        assert_eq!(
            route("/api/v1/datasets/b/tables/lots/rows.csv"),
            Some(Route::Rows(lots, Some(Format::Csv)))
        );
        assert_eq!(
            route("/api/v1/datasets/b/tables/lots/changes"),
            Some(Route::Changes(lots, None))
        );
        // The same file at the table's address and in the dataset's folder.
        assert_eq!(
            route("/api/v1/datasets/b/tables/lots/versions/3/data.csv"),
            Some(Route::Download(lots, Some("3"), "data.csv"))
        );
        assert_eq!(
            route("/api/v1/datasets/b/versions/3/tables/lots/data.csv"),
            Some(Route::Download(lots, Some("3"), "data.csv"))
        );
        assert_eq!(
            route("/api/v1/datasets/b/latest/tables/lots/data.csv"),
            Some(Route::Download(lots, None, "data.csv"))
        );
        // Table ids are the store's: never an address of their own.
        assert_eq!(route("/api/v1/datasets/b.lots/rows"), None);
        assert_eq!(
            route("/api/v1/datasets/b/tables/lots/ocds/releases.json"),
            None
        );
        assert_eq!(route("/api/v1/datasets/b/rowsy"), None);
    }
}
