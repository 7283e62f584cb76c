//! The publisher's state: the store, the base URL, what is current, and the
//! caches.
//!
//! Which version of each dataset is current lives in memory, refreshed by
//! the daemon after each publish ([`App::refresh`]) and at start
//! ([`App::refresh_all`]). Requests read it without touching the store, so
//! a conditional request is answered from memory, and a page is rendered
//! once per (version, query) for as long as the cache keeps it. The catalog
//! and each dataset's description and version list are rendered at refresh
//! time: they change only then.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value as Json, json};

use super::admin::Admin;
use super::answer::Answer;
use super::cache::{EtagMemo, InFlight, ResponseCache};
use super::http::etag;
use super::params::CatalogParams;
use crate::search::{self, Facets, Part, SearchDoc};
use crate::store::{DatasetMeta, DatasetSummary, Store, StoreError, Version, split_table_id};

/// How the publisher behaves.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// The public origin links are built on, without a trailing slash:
    /// `https://data.burgas.bg`.
    pub base_url: String,
    /// The most bytes of rendered responses kept in memory.
    pub cache_bytes: usize,
    /// How long one request may take before it is answered 503.
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers.
    pub header_read_timeout: Duration,
    /// How long shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    /// The most store reads that run at once; more wait their turn. Each
    /// holds a connection and its sort memory, so this bounds the server's
    /// memory under load, and more than the cores would only queue inside
    /// SQLite instead of here.
    pub max_queries: usize,
    /// Who publishes the catalog (`[operator]` of `vitrina.toml`): named
    /// as its publisher and contact point in the DCAT-AP catalog.
    pub operator: crate::config::Operator,
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            base_url: "http://127.0.0.1:8080".to_string(),
            cache_bytes: 32 << 20,
            request_timeout: Duration::from_secs(30),
            max_queries: std::thread::available_parallelism()
                .map_or(2, |n| n.get())
                .max(2),
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(30),
            operator: crate::config::Operator::default(),
        }
    }
}

/// A pre-rendered JSON document with its validators.
#[derive(Debug, Clone)]
pub struct Document {
    pub body: Bytes,
    pub etag: String,
    pub last_modified: Option<DateTime<Utc>>,
}

impl Document {
    pub(crate) fn new(json: &Json, last_modified: Option<DateTime<Utc>>) -> Self {
        // Serializing a `serde_json::Value` cannot fail.
        let mut body = serde_json::to_vec_pretty(json).unwrap_or_default();
        body.push(b'\n');
        Self {
            etag: etag(&[&body]),
            body: Bytes::from(body),
            last_modified,
        }
    }
}

/// The profiles' list and their Table Schemas, as served.
fn render_profiles(base: &str) -> (Document, BTreeMap<String, Document>) {
    let mut list = Vec::new();
    let mut documents = BTreeMap::new();
    for profile in crate::validate::profiles::all() {
        let url = format!("{base}/api/v1/profiles/{}", profile.name);
        list.push(json!({
            "name": profile.name,
            "title": profile.title,
            "description": profile.description,
            "version": profile.version,
            "url": url,
        }));
        // The document is the Table Schema as kept in the source tree.
        documents.insert(profile.name.clone(), Document::new(&profile.schema, None));
    }
    (Document::new(&json!({ "profiles": list }), None), documents)
}

/// One dataset as the publisher knows it.
#[derive(Debug)]
pub struct DatasetState {
    pub meta: DatasetMeta,
    /// The id of the latest run the picture was built with.
    pub latest_run: Option<String>,
    pub current: Option<Arc<Version>>,
    pub versions: BTreeMap<u64, Arc<Version>>,
    /// `GET /datasets/{id}`.
    pub detail: Document,
    /// `GET /datasets/{id}/versions`.
    pub version_list: Document,
    /// The dataset's entry in the catalog.
    pub entry: Json,
    /// Its words and facets, for catalog search.
    search: SearchDoc,
    /// Its tables beyond its own, one per further stream of its plugin,
    /// in the plugin's order; each is a state of its own, under the
    /// table's id ([`crate::store::table_id`]).
    pub tables: Vec<Arc<DatasetState>>,
    /// `GET /datasets/{id}/tables`.
    pub table_list: Document,
}

impl DatasetState {
    /// The table holding `stream`, beyond the dataset's own.
    pub fn table(&self, stream: &str) -> Option<&Arc<DatasetState>> {
        self.tables
            .iter()
            .find(|t| split_table_id(&t.meta.id).is_some_and(|(_, s)| s == stream))
    }

    /// When the dataset last succeeded, if it is stale at `now`: older
    /// than its schedule promises, with no successful collection for two
    /// of its periods (one period's slack covers a slow or retried run).
    pub fn stale_since(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let expression = self.meta.schedule.as_deref()?;
        let last = self.entry["last_success"]
            .as_str()
            .or(self.entry["last_updated"].as_str())?;
        let last = DateTime::parse_from_rfc3339(last).ok()?.with_timezone(&Utc);
        let period = crate::schedule::Schedule::parse(expression, "UTC")
            .ok()?
            .period(now)?;
        (now - last > period * 2).then_some(last)
    }

    /// The state that answers for `id`: this dataset's, or one of its
    /// tables'.
    pub fn resolve(self: &Arc<Self>, id: &str) -> Option<Arc<DatasetState>> {
        match split_table_id(id) {
            None => (id == self.meta.id).then(|| Arc::clone(self)),
            Some((dataset, stream)) if dataset == self.meta.id => self.table(stream).cloned(),
            Some(_) => None,
        }
    }

    /// The version `number`, or the current one.
    pub fn version(&self, number: Option<u64>) -> Option<&Arc<Version>> {
        match number {
            Some(n) => self.versions.get(&n),
            None => self.current.as_ref(),
        }
    }
}

/// Every dataset as the publisher knows it, swapped whole on refresh; the
/// catalog itself is a search over them ([`Catalog::search`]).
#[derive(Debug)]
pub struct Catalog {
    pub datasets: BTreeMap<String, Arc<DatasetState>>,
}

/// The publisher's shared state.
pub struct App {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) config: AppConfig,
    pub(crate) cache: ResponseCache,
    /// Renders in progress, shared by identical requests.
    pub(crate) inflight: InFlight,
    /// Permits for store reads (`AppConfig::max_queries`).
    pub(crate) queries: tokio::sync::Semaphore,
    /// The threads renders run on, as many as the permits.
    pub(crate) renders: super::pool::RenderPool,
    pub(crate) memo: EtagMemo,
    pub(crate) openapi: Document,
    /// The list of profiles, and each profile's Table Schema.
    pub(crate) profile_list: Document,
    pub(crate) profiles: BTreeMap<String, Document>,
    catalog: RwLock<Arc<Catalog>>,
    /// Serializes refreshes so two cannot lose each other's update.
    refreshing: Mutex<()>,
    /// The admin API, once the daemon has set it up.
    admin: RwLock<Option<Arc<Admin>>>,
    /// The pages beside the API, once set.
    pages: RwLock<Option<Arc<dyn Pages>>>,
    /// The datasets listed; `None` lists every dataset the store has. A
    /// dataset removed from the configuration keeps its versions in the
    /// store but leaves the catalog.
    listed: RwLock<Option<BTreeSet<String>>>,
}

/// Characters escaped in one path segment.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b',');

/// One path segment, percent-encoded (dataset ids, key values).
pub fn segment(text: &str) -> String {
    utf8_percent_encode(text, SEGMENT).to_string()
}

impl App {
    /// A publisher over `store`. Knows no dataset until [`App::refresh_all`].
    pub fn new(store: Arc<dyn Store>, mut config: AppConfig) -> Self {
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        let openapi = Document::new(&super::openapi::document(&config.base_url), None);
        let (profile_list, profiles) = render_profiles(&config.base_url);
        Self {
            profile_list,
            profiles,
            store,
            cache: ResponseCache::new(config.cache_bytes),
            inflight: InFlight::default(),
            queries: tokio::sync::Semaphore::new(config.max_queries.max(1)),
            renders: super::pool::RenderPool::new(config.max_queries.max(1)),
            memo: EtagMemo::new(config.cache_bytes / 16),
            openapi,
            catalog: RwLock::new(Arc::new(Catalog {
                datasets: BTreeMap::new(),
            })),
            config,
            refreshing: Mutex::new(()),
            admin: RwLock::new(None),
            pages: RwLock::new(None),
            listed: RwLock::new(None),
        }
    }

    /// Turns the admin API on.
    pub fn set_admin(&self, admin: Arc<Admin>) {
        *self.admin.write().unwrap_or_else(|e| e.into_inner()) = Some(admin);
    }

    /// Serves `pages` beside the API.
    pub fn set_pages(&self, pages: Arc<dyn Pages>) {
        *self.pages.write().unwrap_or_else(|e| e.into_inner()) = Some(pages);
    }

    /// The pages beside the API, if set.
    pub fn pages(&self) -> Option<Arc<dyn Pages>> {
        self.pages.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The admin API, if on.
    pub fn admin(&self) -> Option<Arc<Admin>> {
        self.admin.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Lists only these datasets from now on (call [`App::refresh_all`]
    /// after).
    pub fn set_listed(&self, datasets: BTreeSet<String>) {
        *self.listed.write().unwrap_or_else(|e| e.into_inner()) = Some(datasets);
    }

    fn is_listed(&self, dataset: &str) -> bool {
        self.listed
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .as_ref()
            .is_none_or(|listed| listed.contains(dataset))
    }

    /// The configuration in force.
    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// What is current now.
    pub fn catalog(&self) -> Arc<Catalog> {
        self.catalog
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Re-reads one dataset from the store (after a publish, or a change of
    /// its `dataset.toml`); forgets it when the store no longer has it.
    /// Blocks: call from `spawn_blocking` in async code.
    pub fn refresh(&self, dataset: &str) -> Result<(), StoreError> {
        let _one_at_a_time = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        let loaded = match self.load(dataset) {
            Ok(_) if !self.is_listed(dataset) => None,
            Ok(state) => Some(Arc::new(state)),
            Err(StoreError::UnknownDataset(_)) => None,
            Err(e) => return Err(e),
        };
        let mut datasets = self.catalog().datasets.clone();
        match loaded {
            Some(state) => datasets.insert(dataset.to_string(), state),
            None => datasets.remove(dataset),
        };
        self.swap(datasets);
        Ok(())
    }

    /// [`App::refresh`] from async code, on a blocking thread.
    pub async fn refresh_async(self: &Arc<Self>, dataset: &str) -> Result<(), StoreError> {
        let (app, dataset) = (self.clone(), dataset.to_string());
        tokio::task::spawn_blocking(move || app.refresh(&dataset))
            .await
            .map_err(|e| StoreError::Worker(format!("the refresh task ({e})")))?
    }

    /// Re-reads every dataset. Blocks, like [`App::refresh`].
    pub fn refresh_all(&self) -> Result<(), StoreError> {
        let _one_at_a_time = self.refreshing.lock().unwrap_or_else(|e| e.into_inner());
        let mut datasets = BTreeMap::new();
        for summary in self.store.datasets()? {
            if !self.is_listed(&summary.meta.id) {
                continue;
            }
            let state = self.load_summary(summary)?;
            datasets.insert(state.meta.id.clone(), Arc::new(state));
        }
        self.swap(datasets);
        Ok(())
    }

    fn load(&self, dataset: &str) -> Result<DatasetState, StoreError> {
        self.load_summary(self.store.dataset(dataset)?)
    }

    /// A dataset's state with its versions and its tables'.
    fn load_summary(&self, summary: DatasetSummary) -> Result<DatasetState, StoreError> {
        let base = &self.config.base_url;
        let id = summary.meta.id.clone();
        let mut tables = Vec::new();
        for table in self.store.tables(&id)? {
            let mut table_summary = self.store.dataset(&table.dataset)?;
            // A table's runs are its dataset's.
            table_summary.freshness = summary.freshness.clone();
            let versions = self.store.versions(&table.dataset)?;
            tables.push(Arc::new(build_state(
                base,
                table_summary,
                versions,
                Vec::new(),
            )));
        }
        let versions = self.store.versions(&id)?;
        Ok(build_state(base, summary, versions, tables))
    }

    fn swap(&self, datasets: BTreeMap<String, Arc<DatasetState>>) {
        let catalog = Arc::new(Catalog { datasets });
        let old = std::mem::replace(
            &mut *self.catalog.write().unwrap_or_else(|e| e.into_inner()),
            Arc::clone(&catalog),
        );
        self.prepare_new_versions(&old, &catalog);
    }

    /// Lets the store get ready for the versions that just became current,
    /// on a thread of its own, so neither this refresh nor the versions'
    /// first readers wait for it.
    fn prepare_new_versions(&self, old: &Catalog, new: &Catalog) {
        let current = |catalog: &Catalog, id: &str| {
            let (dataset, _) = split_table_id(id).unwrap_or((id, ""));
            catalog
                .datasets
                .get(dataset)
                .and_then(|d| d.resolve(id))
                .and_then(|d| d.current.as_ref().map(|v| v.number))
        };
        let fresh: Vec<(String, u64)> = new
            .datasets
            .values()
            .flat_map(|d| std::iter::once(d).chain(&d.tables))
            .filter_map(|d| {
                let id = &d.meta.id;
                let number = current(new, id)?;
                (current(old, id) != Some(number)).then(|| (id.clone(), number))
            })
            .collect();
        if fresh.is_empty() {
            return;
        }
        let store = Arc::clone(&self.store);
        let spawned = std::thread::Builder::new()
            .name("vitrina-prepare".into())
            .spawn(move || {
                for (id, number) in fresh {
                    store.prepare_reads(&id, number);
                }
            });
        if let Err(error) = spawned {
            tracing::debug!(%error, "could not start preparing new versions");
        }
    }
}

/// Absolute URLs of a dataset's resources.
pub struct Links<'a> {
    pub base: &'a str,
    pub dataset: &'a str,
}

impl Links<'_> {
    /// The dataset's address, or its table's when `dataset` is a table id.
    pub fn dataset(&self) -> String {
        match split_table_id(self.dataset) {
            Some((dataset, stream)) => format!(
                "{}/api/v1/datasets/{}/tables/{}",
                self.base,
                segment(dataset),
                segment(stream)
            ),
            None => format!("{}/api/v1/datasets/{}", self.base, segment(self.dataset)),
        }
    }

    pub fn version(&self, n: u64) -> String {
        format!("{}/versions/{n}", self.dataset())
    }

    /// A full download, by format (`csv`, `bom.csv`, `json`, `ndjson`).
    pub fn download(&self, version: Option<u64>, format: &str) -> String {
        self.file(version, &format!("data.{format}"))
    }

    /// Any file of a version's folder, by name.
    pub fn file(&self, version: Option<u64>, name: &str) -> String {
        match version {
            Some(n) => format!("{}/{name}", self.version(n)),
            None => format!("{}/latest/{name}", self.dataset()),
        }
    }

    fn downloads(&self, version: Option<u64>) -> Json {
        let mut downloads = json!({
            "csv": self.download(version, "csv"),
            "csv_bom": self.download(version, "bom.csv"),
            "json": self.download(version, "json"),
            "ndjson": self.download(version, "ndjson"),
        });
        // A table is described by its dataset's `datapackage.json`.
        if split_table_id(self.dataset).is_none() {
            downloads["datapackage"] = json!(self.file(version, crate::derived::DATAPACKAGE));
        }
        downloads
    }

    fn of_dataset(&self) -> Json {
        let d = self.dataset();
        json!({
            "self": d,
            "rows": format!("{d}/rows"),
            "rows_csv": format!("{d}/rows.csv"),
            "rows_ndjson": format!("{d}/rows.ndjson"),
            "versions": format!("{d}/versions"),
            "changes": format!("{d}/changes"),
            "latest": self.downloads(None),
        })
    }

    fn of_version(&self, v: &Version) -> Json {
        let d = self.dataset();
        let mut links = json!({
            "self": self.version(v.number),
            "rows": format!("{d}/rows?as_of={}", v.number),
            "downloads": self.downloads(Some(v.number)),
        });
        if v.number > 1 {
            links["changes"] = json!(format!("{d}/changes?from={}&to={}", v.number - 1, v.number));
        }
        links
    }
}

/// A version as the API shows it; `full` adds the schema.
pub fn version_json(base: &str, v: &Version, full: bool) -> Json {
    let links = Links {
        base,
        dataset: &v.dataset,
    };
    let mut out = json!({
        "number": v.number,
        "published_at": v.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "row_count": v.row_count,
        "content_hash": v.content_hash,
        "plugin": v.plugin,
        "plugin_version": v.plugin_version,
        "contract": v.contract,
        "run_id": v.run_id,
        "schema_changes": v.schema_changes,
        "quality": v.quality,
        "row_changes": v.row_changes,
        "links": links.of_version(v),
    });
    if full {
        out["schema"] = json!(v.schema);
    }
    out
}

fn build_state(
    base: &str,
    summary: DatasetSummary,
    versions: Vec<Version>,
    tables: Vec<Arc<DatasetState>>,
) -> DatasetState {
    let DatasetSummary {
        meta,
        current,
        freshness,
    } = summary;
    let current = current.map(Arc::new);
    let versions: BTreeMap<u64, Arc<Version>> = versions
        .into_iter()
        .map(|v| (v.number, Arc::new(v)))
        .collect();
    let links = Links {
        base,
        dataset: &meta.id,
    };
    let modified = current.as_ref().map(|v| v.published_at);
    let formats = formats(meta.profile.as_deref(), current.is_some());
    let mut entry = catalog_entry(&links, &meta, current.as_deref());
    entry["formats"] = json!(formats);
    let search = search_doc(&meta, current.as_deref(), formats);
    if let Some(profile) = &meta.profile {
        entry["links"]["profile"] = json!(format!("{base}/api/v1/profiles/{profile}"));
    }
    if let Some((key, file)) = crate::derived::standard_file(meta.profile.as_deref()) {
        entry["links"]["latest"][key] = json!(links.file(None, file));
    }
    entry["last_success"] = json!(
        freshness
            .last_success
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    );
    entry["latest_run"] = json!(freshness.latest_run.as_ref().map(|run| json!({
        "outcome": run.outcome,
        "started_at": run.started_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "failure": run.failure,
    })));
    // A dataset whose latest run failed is still served (its last good
    // version), but says so.
    entry["latest_run_failed"] = json!(
        freshness
            .latest_run
            .as_ref()
            .is_some_and(|r| r.outcome == crate::store::RunOutcome::Failed)
    );
    let mut detail = entry.clone();
    detail["plugin"] = json!(meta.plugin);
    detail["schema"] = json!(current.as_ref().map(|v| &v.schema));
    detail["versions"] = versions
        .values()
        .rev()
        .map(|v| {
            json!({
                "number": v.number,
                "published_at": v.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "row_count": v.row_count,
                "url": links.version(v.number),
            })
        })
        .collect();
    let table_entries: Vec<Json> = tables.iter().map(|t| table_entry(base, t)).collect();
    if let Some((dataset, stream)) = split_table_id(&meta.id) {
        detail["dataset"] = json!(dataset);
        detail["table"] = json!(stream);
    } else {
        detail["tables"] = json!(table_entries);
        detail["links"]["tables"] = json!(format!("{}/tables", links.dataset()));
    }
    let table_list = json!({ "dataset": meta.id, "tables": table_entries });
    let list = json!({
        "dataset": meta.id,
        "versions": versions.values().rev().map(|v| version_json(base, v, false)).collect::<Vec<_>>(),
    });
    DatasetState {
        latest_run: freshness.latest_run.map(|r| r.run_id),
        detail: Document::new(&detail, modified),
        version_list: Document::new(&list, modified),
        table_list: Document::new(&table_list, modified),
        tables,
        entry,
        search,
        meta,
        current,
        versions,
    }
}

/// A table as its dataset lists it.
fn table_entry(base: &str, table: &DatasetState) -> Json {
    let links = Links {
        base,
        dataset: &table.meta.id,
    };
    let stream = split_table_id(&table.meta.id).map_or("", |(_, s)| s);
    let current = table.current.as_deref();
    json!({
        "name": stream,
        "id": table.meta.id,
        "description": table.meta.description,
        "version": current.map(|v| v.number),
        "row_count": current.map(|v| v.row_count),
        "primary_key": current.map(|v| &v.schema.primary_key),
        "links": links.of_dataset(),
    })
}

/// The download formats of a dataset with a version: the rows as CSV,
/// JSON and NDJSON, the Data Package, and the profile's standard file.
fn formats(profile: Option<&str>, published: bool) -> Vec<String> {
    if !published {
        return Vec::new();
    }
    let standard = crate::derived::standard_file(profile).map(|(key, _)| key);
    ["csv", "json", "ndjson", "datapackage"]
        .into_iter()
        .chain(standard)
        .map(str::to_string)
        .collect()
}

fn search_doc(meta: &DatasetMeta, current: Option<&Version>, format: Vec<String>) -> SearchDoc {
    let mut doc = SearchDoc::new(Facets {
        theme: meta.theme.clone(),
        publisher: meta.publisher.clone(),
        profile: meta.profile.clone(),
        format,
    });
    doc.add(Part::Title, &meta.title);
    doc.add(Part::Keywords, &meta.keywords.join(" "));
    doc.add(
        Part::Publisher,
        meta.publisher.as_deref().unwrap_or_default(),
    );
    doc.add(Part::Description, &meta.description);
    if let Some(version) = current {
        let names: Vec<&str> = version
            .schema
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        doc.add(Part::Fields, &names.join(" "));
    }
    doc
}

fn catalog_entry(links: &Links<'_>, meta: &DatasetMeta, current: Option<&Version>) -> Json {
    json!({
        "id": meta.id,
        "title": meta.title,
        "description": meta.description,
        "theme": meta.theme,
        "keywords": meta.keywords,
        "publisher": meta.publisher,
        "license": meta.license,
        "sources": meta.sources,
        "sample": meta.sample,
        "profile": meta.profile,
        "schedule": meta.schedule,
        "version": current.map(|v| v.number),
        "row_count": current.map(|v| v.row_count),
        "last_updated": current.map(|v| v.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "quality": current.map(|v| &v.quality),
        "links": links.of_dataset(),
    })
}

impl Catalog {
    /// The datasets that answer `params`, best first, one page of them,
    /// with the facet counts of everything found.
    pub fn search(&self, base: &str, params: &CatalogParams) -> Document {
        let found = self.find(params);
        let total = found.total;
        let page: Vec<Json> = found.datasets.iter().map(|d| d.entry.clone()).collect();
        let facets: serde_json::Map<String, Json> = found
            .facets
            .into_iter()
            .map(|(facet, counts)| {
                let counts: Vec<Json> = counts
                    .into_iter()
                    .map(|(value, count)| json!({ "value": value, "count": count }))
                    .collect();
                (facet.to_string(), json!(counts))
            })
            .collect();
        let url = |offset: usize| catalog_url(base, params, offset);
        let next =
            (params.offset + params.limit < total).then(|| url(params.offset + params.limit));
        let json = json!({
            "datasets": page,
            "total": total,
            "limit": params.limit,
            "offset": params.offset,
            "facets": facets,
            "links": {
                "self": url(params.offset),
                "next": next,
                "openapi": format!("{base}/api/v1/openapi.json"),
            },
        });
        Document::new(&json, self.last_modified())
    }

    /// The page of datasets that answer `params`, best first, with the
    /// number found and the facet counts of everything found.
    pub fn find(&self, params: &CatalogParams) -> Found<'_> {
        let mut query = search::Query::new(&params.q);
        query.filters.extend(params.filters.iter().cloned());
        let states: Vec<&Arc<DatasetState>> = self.datasets.values().collect();
        let found = search::search(
            states.iter().map(|d| (&d.search, d.meta.title.as_str())),
            &query,
        );
        Found {
            total: found.ranked.len(),
            datasets: found
                .ranked
                .iter()
                .skip(params.offset)
                .take(params.limit)
                .map(|&i| states[i])
                .collect(),
            facets: found.facets,
        }
    }

    /// When the newest version of any dataset was published.
    pub fn last_modified(&self) -> Option<DateTime<Utc>> {
        self.datasets
            .values()
            .filter_map(|d| d.current.as_ref().map(|v| v.published_at))
            .max()
    }
}

/// One page of a catalog search.
pub struct Found<'a> {
    pub datasets: Vec<&'a Arc<DatasetState>>,
    /// How many datasets answer, on every page.
    pub total: usize,
    /// Facet → (value, datasets found with it), most frequent first.
    pub facets: BTreeMap<&'static str, Vec<(String, usize)>>,
}

/// The catalog search URL for `params` at `offset`, parameters in a fixed
/// order (and defaults left out), so equal searches have equal URLs.
fn catalog_url(base: &str, params: &CatalogParams, offset: usize) -> String {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    if !params.q.is_empty() {
        query.append_pair("q", &params.q);
    }
    for (facet, value) in &params.filters {
        query.append_pair(facet, value);
    }
    if params.limit != super::params::CATALOG_DEFAULT_LIMIT {
        query.append_pair("limit", &params.limit.to_string());
    }
    if offset > 0 {
        query.append_pair("offset", &offset.to_string());
    }
    let query = query.finish();
    if query.is_empty() {
        format!("{base}/api/v1/datasets")
    } else {
        format!("{base}/api/v1/datasets?{query}")
    }
}

/// A request for a page beside the API.
pub struct PageRequest<'a> {
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a hyper::HeaderMap,
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
