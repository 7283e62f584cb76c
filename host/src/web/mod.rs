//! The citizens' front door: the web catalog, dataset pages, changes and
//! record pages in Bulgarian and English, and the Atom feeds, served by
//! the same `vitrina serve` beside the JSON API.
//!
//! This room depends on the publishing one and not the other way round:
//! it reads the publisher's in-memory catalog ([`App::catalog`]) and the
//! store, renders with server-side templates ([`minijinja`], escaping by
//! default), and answers through the API's own conditional path
//! ([`conditional`]): ETags, 304s, the response cache and compression
//! work for pages exactly as for the API. The server is handed the room
//! at start-up as a [`Pages`] implementation.
//!
//! Pages work without scripts: search, facets, the preview's sorting and
//! filtering are plain links and forms. `site.js` makes the preview live
//! through the JSON API, draws the charts (uPlot, vendored) and copies
//! the API examples; every chart has its numbers as a table beside it.

mod assets;
mod charts;
mod feed;
pub mod i18n;
mod views;

use std::sync::Arc;

use bytes::Bytes;
use hyper::StatusCode;
use hyper::header::{self, HeaderMap};

use crate::publish::App;
use crate::publish::answer::Answer;
use crate::publish::app::{PageRequest, Pages};
use crate::publish::cache::Rendered;
use crate::publish::errors::ApiError;
use crate::publish::http::etag;
use crate::publish::routes::{Spec, conditional};
use i18n::{Choice, Lang};

const HTML: &str = "text/html; charset=utf-8";
const ATOM: &str = "application/atom+xml; charset=utf-8";
/// Pages follow the current versions: short, then revalidate by ETag.
const SHORT: &str = "public, max-age=60";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Pages vary by language, which comes from the query, a cookie or the
/// `Accept-Language` header.
const VARY: &str = "Accept-Encoding, Accept-Language, Cookie";

/// The pages: templates loaded once, shared by every request.
pub struct Web {
    templates: Arc<minijinja::Environment<'static>>,
}

impl Default for Web {
    fn default() -> Self {
        Self::new()
    }
}

impl Web {
    pub fn new() -> Self {
        Self {
            templates: Arc::new(views::environment()),
        }
    }
}

/// The page routes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route<'a> {
    Catalog,
    CatalogFeed,
    Dataset(&'a str),
    DatasetFeed(&'a str),
    Changes(&'a str),
    Record(&'a str, &'a str),
    Asset(&'a str),
}

fn route(path: &str) -> Option<Route<'_>> {
    if path == "/" {
        return Some(Route::Catalog);
    }
    if path == "/feed.atom" {
        return Some(Route::CatalogFeed);
    }
    let parts: Vec<&str> = path.strip_prefix('/')?.split('/').collect();
    Some(match parts.as_slice() {
        ["assets", name] => Route::Asset(name),
        ["datasets", id] if !id.is_empty() => Route::Dataset(id),
        ["datasets", id, "feed.atom"] => Route::DatasetFeed(id),
        ["datasets", id, "changes"] => Route::Changes(id),
        ["datasets", id, "rows", key] if !key.is_empty() => Route::Record(id, key),
        _ => return None,
    })
}

#[async_trait::async_trait]
impl Pages for Web {
    async fn answer(&self, app: &Arc<App>, request: PageRequest<'_>) -> Option<Answer> {
        let route = route(request.path)?;
        let query = views::PageQuery::parse(request.query);
        let choice = i18n::choose(query.lang.as_deref(), request.headers);
        let page = PageCtx {
            app,
            headers: request.headers,
            templates: &self.templates,
            lang: choice.lang,
            path: request.path,
            query: &query,
        };
        let result = match route {
            Route::Asset(name) => return Some(asset(app, request.headers, name).await),
            Route::Catalog => page.catalog().await,
            Route::CatalogFeed => page.catalog_feed().await,
            Route::Dataset(id) => page.dataset(id).await,
            Route::DatasetFeed(id) => page.dataset_feed(id).await,
            Route::Changes(id) => page.changes(id).await,
            Route::Record(id, key) => page.record(id, key).await,
        };
        let answer = match result {
            Ok(answer) => answer,
            Err(error) => page.error(&error),
        };
        Some(remember_language(answer, choice))
    }

    fn route_label(&self, path: &str) -> Option<&'static str> {
        Some(match route(path)? {
            Route::Catalog => "/",
            Route::CatalogFeed => "/feed.atom",
            Route::Dataset(_) => "/datasets/:id",
            Route::DatasetFeed(_) => "/datasets/:id/feed.atom",
            Route::Changes(_) => "/datasets/:id/changes",
            Route::Record(..) => "/datasets/:id/rows/:key",
            Route::Asset(_) => "/assets/:name",
        })
    }
}

/// A language chosen by `?lang=` is kept in a cookie, so the next page
/// speaks it too.
fn remember_language(answer: Answer, choice: Choice) -> Answer {
    if !choice.from_query {
        return answer;
    }
    answer.with(
        header::SET_COOKIE,
        &format!(
            "lang={}; Path=/; Max-Age=31536000; SameSite=Lax",
            choice.lang.code()
        ),
    )
}

/// An embedded file: immutable under its hashed name, compressed as the
/// client accepts through the same cache as every answer.
async fn asset(app: &Arc<App>, headers: &HeaderMap, name: &str) -> Answer {
    let Some(asset) = assets::by_name(name) else {
        return Answer::new(StatusCode::NOT_FOUND, Bytes::from_static(b"no such file\n"))
            .with(header::CONTENT_TYPE, "text/plain; charset=utf-8");
    };
    let spec = Spec {
        etag: asset.etag.clone(),
        last_modified: None,
        cache_control: IMMUTABLE,
        vary: "Accept-Encoding",
    };
    let answer = conditional(app, headers, spec, move || {
        Ok(Rendered {
            body: Bytes::from_static(asset.body),
            content_type: asset.content_type,
            next: None,
        })
    })
    .await;
    match answer {
        Ok(answer) => answer.with(header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        Err(error) => Answer::new(error.status, Bytes::from(error.message))
            .with(header::CONTENT_TYPE, "text/plain; charset=utf-8"),
    }
}

/// One page request.
struct PageCtx<'a> {
    app: &'a Arc<App>,
    headers: &'a HeaderMap,
    templates: &'a Arc<minijinja::Environment<'static>>,
    lang: Lang,
    path: &'a str,
    query: &'a views::PageQuery,
}

impl PageCtx<'_> {
    /// An HTML page through the API's conditional path: `key` names what
    /// the page shows (it becomes the ETag with the language and query).
    async fn html(
        &self,
        key: &[&[u8]],
        last_modified: Option<chrono::DateTime<chrono::Utc>>,
        render: impl FnOnce() -> Result<String, ApiError> + Send + 'static,
    ) -> Result<Answer, ApiError> {
        let mut parts: Vec<&[u8]> =
            vec![b"page", self.lang.code().as_bytes(), self.path.as_bytes()];
        let query = self.query.canonical();
        parts.push(query.as_bytes());
        parts.extend_from_slice(key);
        let spec = Spec {
            etag: etag(&parts),
            last_modified,
            cache_control: SHORT,
            vary: VARY,
        };
        let answer = conditional(self.app, self.headers, spec, move || {
            Ok(Rendered {
                body: Bytes::from(render()?),
                content_type: HTML,
                next: None,
            })
        })
        .await?;
        Ok(secure(answer))
    }

    fn base(&self) -> String {
        self.app.config().base_url.clone()
    }

    async fn catalog(&self) -> Result<Answer, ApiError> {
        let params = self.query.catalog()?;
        let catalog = self.app.catalog();
        // What the page shows follows from every dataset's state (and the
        // query, which `html` adds): no need to search before the cache.
        let state: String = catalog
            .datasets
            .values()
            .map(|d| d.detail.etag.as_str())
            .collect();
        let staleness = views::staleness_key(&catalog);
        let (templates, lang, query) = (self.templates.clone(), self.lang, self.query.clone());
        self.html(
            &[state.as_bytes(), staleness.as_bytes()],
            catalog.last_modified(),
            move || views::catalog_page(&templates, lang, &query, &catalog, &params),
        )
        .await
    }

    async fn dataset(&self, id: &str) -> Result<Answer, ApiError> {
        let state = views::dataset_state(self.app, id)?;
        let staleness = views::staleness_key_of(&state);
        let store = self.app.store.clone();
        let (templates, lang, query, base) = (
            self.templates.clone(),
            self.lang,
            self.query.clone(),
            self.base(),
        );
        let last_modified = state.current.as_ref().map(|v| v.published_at);
        let etag = state.detail.etag.clone();
        self.html(
            &[etag.as_bytes(), staleness.as_bytes()],
            last_modified,
            move || views::dataset_page(&templates, lang, &query, &state, store.as_ref(), &base),
        )
        .await
    }

    async fn changes(&self, id: &str) -> Result<Answer, ApiError> {
        let state = views::dataset_state(self.app, id)?;
        let (from, to) = self.query.versions(&state)?;
        let store = self.app.store.clone();
        let (templates, lang, query) = (self.templates.clone(), self.lang, self.query.clone());
        let modified = state.versions.get(&to).map(|v| v.published_at);
        let key = format!("{}:{from}:{to}", state.detail.etag);
        self.html(&[key.as_bytes()], modified, move || {
            views::changes_page(&templates, lang, &query, &state, store.as_ref(), from, to)
        })
        .await
    }

    async fn record(&self, id: &str, key: &str) -> Result<Answer, ApiError> {
        let state = views::dataset_state(self.app, id)?;
        let current = state
            .current
            .clone()
            .ok_or_else(|| ApiError::no_version(id))?;
        let parts = crate::publish::routes::parse_key(key, current.schema.primary_key.len())?;
        let store = self.app.store.clone();
        let (templates, lang, query) = (self.templates.clone(), self.lang, self.query.clone());
        let modified = Some(current.published_at);
        let etag_key = format!("{}:{}", state.detail.etag, parts.join("\u{0}"));
        self.html(&[etag_key.as_bytes()], modified, move || {
            views::record_page(&templates, lang, &query, &state, store.as_ref(), &parts)
        })
        .await
    }

    async fn catalog_feed(&self) -> Result<Answer, ApiError> {
        let catalog = self.app.catalog();
        let base = self.base();
        let lang = self.lang;
        let versions: String = catalog
            .datasets
            .values()
            .map(|d| d.detail.etag.as_str())
            .collect();
        self.feed(versions, catalog.last_modified(), move || {
            feed::catalog(&base, catalog.datasets.values().map(|d| d.as_ref()), lang).render()
        })
        .await
    }

    async fn dataset_feed(&self, id: &str) -> Result<Answer, ApiError> {
        let state = views::dataset_state(self.app, id)?;
        let base = self.base();
        let lang = self.lang;
        let modified = state.current.as_ref().map(|v| v.published_at);
        self.feed(state.detail.etag.clone(), modified, move || {
            feed::dataset(&base, &state, lang).render()
        })
        .await
    }

    async fn feed(
        &self,
        key: String,
        last_modified: Option<chrono::DateTime<chrono::Utc>>,
        render: impl FnOnce() -> String + Send + 'static,
    ) -> Result<Answer, ApiError> {
        let spec = Spec {
            etag: etag(&[
                b"feed",
                self.lang.code().as_bytes(),
                self.path.as_bytes(),
                key.as_bytes(),
            ]),
            last_modified,
            cache_control: SHORT,
            vary: VARY,
        };
        conditional(self.app, self.headers, spec, move || {
            Ok(Rendered {
                body: Bytes::from(render()),
                content_type: ATOM,
                next: None,
            })
        })
        .await
    }

    /// An error as a page in the reader's language, with the status the
    /// API would give.
    fn error(&self, error: &ApiError) -> Answer {
        let body = views::error_page(self.templates, self.lang, error.status, &error.message);
        secure(
            Answer::new(error.status, Bytes::from(body))
                .with(header::CONTENT_TYPE, HTML)
                .with(header::CACHE_CONTROL, "no-store"),
        )
    }
}

/// Headers every page carries: scripts and styles only from this origin,
/// no framing, no sniffing.
fn secure(answer: Answer) -> Answer {
    answer
        .with(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        )
        .with(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .with(header::REFERRER_POLICY, "same-origin")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_cover_the_pages_and_leave_the_rest() {
        assert_eq!(route("/"), Some(Route::Catalog));
        assert_eq!(route("/feed.atom"), Some(Route::CatalogFeed));
        assert_eq!(
            route("/datasets/burgas-budget"),
            Some(Route::Dataset("burgas-budget"))
        );
        assert_eq!(
            route("/datasets/a/rows/2024,BG"),
            Some(Route::Record("a", "2024,BG"))
        );
        assert_eq!(route("/datasets/a/changes"), Some(Route::Changes("a")));
        assert_eq!(
            route("/datasets/a/feed.atom"),
            Some(Route::DatasetFeed("a"))
        );
        assert_eq!(route("/datasets/"), None);
        assert_eq!(route("/api/v1/datasets"), None);
        assert_eq!(route("/healthz"), None);
        assert_eq!(route("/nothing"), None);
    }
}
