//! Tests of the whole publisher over the real SQLite store: routes,
//! caching, validators, ranges, codings, CORS, and the real server loop.
//!
//! Versions are made the way a run makes them (staged, then published), so
//! the rows, versions and download files served are the store's own.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::{Method, Request, Response, StatusCode};

use super::routes::handle;
use super::{App, AppConfig};
use crate::schema::{Field, FieldType, Row, StreamSchema, Value};
use crate::store::sqlite::SqliteStore;
use crate::store::{
    Compression, DatasetMeta, DatasetSummary, ExportFormat, Pause, PublishOutcome, PublishRequest,
    RowPage, RowQuery, RunRecord, Staging, Store, StoreError, Version,
};

/// The real store, with every call recorded by method name, so a test can
/// see that an answer came from memory and not from the store.
struct CountingStore {
    inner: SqliteStore,
    calls: Mutex<Vec<String>>,
    /// How long each `rows` call takes at least, in milliseconds: long
    /// enough and concurrent requests meet in the middle of one.
    rows_delay_ms: AtomicU64,
    /// `rows` calls running now, and the most that ever ran at once.
    rows_active: AtomicU64,
    rows_peak: AtomicU64,
    /// The store's folder: declared last, so it is removed after the store
    /// has closed its connections.
    _dir: tempfile::TempDir,
}

impl CountingStore {
    /// An empty store in a fresh temporary folder.
    fn open() -> Arc<Self> {
        let dir = tempfile::tempdir().unwrap();
        Arc::new(Self {
            inner: SqliteStore::open(dir.path()).unwrap(),
            calls: Mutex::new(Vec::new()),
            rows_delay_ms: AtomicU64::new(0),
            rows_active: AtomicU64::new(0),
            rows_peak: AtomicU64::new(0),
            _dir: dir,
        })
    }

    fn calls(&self) -> usize {
        self.calls.lock().unwrap().len()
    }

    fn called(&self, method: &str) {
        self.calls.lock().unwrap().push(method.to_string());
    }
}

impl Store for CountingStore {
    fn sync_dataset(&self, meta: &DatasetMeta) -> Result<(), StoreError> {
        self.called("sync_dataset");
        self.inner.sync_dataset(meta)
    }

    fn datasets(&self) -> Result<Vec<DatasetSummary>, StoreError> {
        self.called("datasets");
        self.inner.datasets()
    }

    fn dataset(&self, id: &str) -> Result<DatasetSummary, StoreError> {
        self.called("dataset");
        self.inner.dataset(id)
    }

    fn stage_tables(
        &self,
        dataset: &str,
        streams: &[StreamSchema],
    ) -> Result<Box<dyn Staging>, StoreError> {
        self.called("stage");
        self.inner.stage_tables(dataset, streams)
    }

    fn complete_pending(
        &self,
        dataset: &str,
        derived: &[std::sync::Arc<dyn crate::store::DerivedFile>],
    ) -> Result<usize, StoreError> {
        self.called("complete_pending");
        self.inner.complete_pending(dataset, derived)
    }

    fn pending(&self, dataset: &str, version: u64) -> Result<Vec<String>, StoreError> {
        self.called("pending");
        self.inner.pending(dataset, version)
    }

    fn enqueue_deliveries(
        &self,
        subscription: &str,
        wants: &dyn Fn(&crate::store::Event) -> bool,
    ) -> Result<usize, StoreError> {
        self.inner.enqueue_deliveries(subscription, wants)
    }

    fn due_deliveries(&self, limit: usize) -> Result<Vec<crate::store::Delivery>, StoreError> {
        self.inner.due_deliveries(limit)
    }

    fn record_delivery(
        &self,
        event: u64,
        subscription: &str,
        attempt: &crate::store::DeliveryAttempt,
    ) -> Result<(), StoreError> {
        self.inner.record_delivery(event, subscription, attempt)
    }

    fn delivery_log(
        &self,
        subscription: &str,
        limit: usize,
    ) -> Result<Vec<crate::store::Delivery>, StoreError> {
        self.inner.delivery_log(subscription, limit)
    }

    fn subscription_state(
        &self,
        subscription: &str,
    ) -> Result<crate::store::SubscriptionState, StoreError> {
        self.inner.subscription_state(subscription)
    }

    fn announce_stale(
        &self,
        dataset: &str,
        last_success: &chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        self.inner.announce_stale(dataset, last_success)
    }

    fn resume_subscription(&self, subscription: &str) -> Result<bool, StoreError> {
        self.inner.resume_subscription(subscription)
    }

    fn stored_webhooks(&self) -> Result<Vec<crate::store::StoredWebhook>, StoreError> {
        self.inner.stored_webhooks()
    }

    fn put_webhook(&self, hook: &crate::config::Webhook, by: &str) -> Result<bool, StoreError> {
        self.inner.put_webhook(hook, by)
    }

    fn delete_webhook(&self, name: &str) -> Result<bool, StoreError> {
        self.inner.delete_webhook(name)
    }

    fn tables(&self, dataset: &str) -> Result<Vec<Version>, StoreError> {
        self.called("tables");
        self.inner.tables(dataset)
    }

    fn versions(&self, dataset: &str) -> Result<Vec<Version>, StoreError> {
        self.called("versions");
        self.inner.versions(dataset)
    }

    fn version(&self, dataset: &str, number: u64) -> Result<Version, StoreError> {
        self.called("version");
        self.inner.version(dataset, number)
    }

    fn rows(&self, dataset: &str, query: &RowQuery) -> Result<RowPage, StoreError> {
        self.called("rows");
        let active = self.rows_active.fetch_add(1, Ordering::SeqCst) + 1;
        self.rows_peak.fetch_max(active, Ordering::SeqCst);
        let delay = self.rows_delay_ms.load(Ordering::Relaxed);
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let page = self.inner.rows(dataset, query);
        self.rows_active.fetch_sub(1, Ordering::SeqCst);
        page
    }

    fn row_by_key(
        &self,
        dataset: &str,
        version: u64,
        key: &[String],
    ) -> Result<Option<Row>, StoreError> {
        self.called("row_by_key");
        self.inner.row_by_key(dataset, version, key)
    }

    fn row_history(
        &self,
        dataset: &str,
        key: &[String],
    ) -> Result<Vec<crate::store::RowState>, StoreError> {
        self.called("row_history");
        self.inner.row_history(dataset, key)
    }

    fn for_each_change(
        &self,
        dataset: &str,
        range: &crate::store::ChangeRange,
        f: &mut dyn FnMut(crate::store::Change) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.called("changes");
        self.inner.for_each_change(dataset, range, f)
    }

    fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        self.called("record_run");
        self.inner.record_run(run)
    }

    fn runs(&self, dataset: &str, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.called("runs");
        self.inner.runs(dataset, limit)
    }

    fn run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        self.called("run");
        self.inner.run(run_id)
    }

    fn compress_pending(&self) -> Result<usize, StoreError> {
        self.inner.compress_pending()
    }

    fn pauses(&self) -> Result<BTreeMap<String, Pause>, StoreError> {
        self.inner.pauses()
    }

    fn set_pause(&self, dataset: &str, pause: Option<&Pause>) -> Result<(), StoreError> {
        self.inner.set_pause(dataset, pause)
    }

    fn bookmarks(&self, dataset: &str) -> Result<BTreeMap<String, String>, StoreError> {
        self.called("bookmarks");
        self.inner.bookmarks(dataset)
    }

    fn read_file(
        &self,
        dataset: &str,
        version: &Version,
        name: &str,
        compression: Compression,
    ) -> Result<Option<Bytes>, StoreError> {
        self.called("read_file");
        self.inner.read_file(dataset, version, name, compression)
    }

    fn cached_file(
        &self,
        dataset: &str,
        version: &Version,
        name: &str,
        compression: Compression,
    ) -> Option<Bytes> {
        self.inner.cached_file(dataset, version, name, compression)
    }

    fn file_size(
        &self,
        dataset: &str,
        version: &Version,
        name: &str,
        compression: Compression,
    ) -> Option<u64> {
        self.inner.file_size(dataset, version, name, compression)
    }

    fn file_sha256(&self, dataset: &str, version: &Version, name: &str) -> Option<String> {
        self.inner.file_sha256(dataset, version, name)
    }
}

fn field(name: &str, kind: FieldType) -> Field {
    Field {
        name: name.into(),
        kind,
        nullable: true,
        description: format!("the {name}"),
        unit: None,
    }
}

/// `projects`, keyed by `id` (an integer).
fn schema() -> StreamSchema {
    StreamSchema {
        name: "projects".into(),
        description: "EU projects".into(),
        fields: vec![
            field("id", FieldType::Integer),
            field("title", FieldType::Text),
            field("budget", FieldType::Decimal),
        ],
        primary_key: vec!["id".into()],
    }
}

/// `lines`, keyed by (`year`, `code`): a composite key.
fn lines_schema() -> StreamSchema {
    StreamSchema {
        name: "lines".into(),
        description: String::new(),
        fields: vec![
            field("year", FieldType::Integer),
            field("code", FieldType::Text),
        ],
        primary_key: vec!["year".into(), "code".into()],
    }
}

fn row(id: i64, title: &str) -> Row {
    vec![
        Value::Integer(id),
        Value::Text(title.into()),
        Value::Decimal(format!("{id}.50")),
    ]
}

/// Version 1 of `projects`: five rows.
fn first_projects() -> Vec<Row> {
    (1..=5).map(|i| row(i, &format!("проект {i}"))).collect()
}

/// The CSV download of version 1 of `projects`: key order, decimals as
/// they were published.
fn first_projects_csv() -> String {
    let rows: String = (1..=5)
        .map(|i| format!("{i},проект {i},{i}.50\r\n"))
        .collect();
    format!("id,title,budget\r\n{rows}")
}

fn meta(id: &str) -> DatasetMeta {
    DatasetMeta {
        id: id.into(),
        title: format!("Title of {id}"),
        description: "Проекти с европейско финансиране".into(),
        theme: Vec::new(),
        keywords: Vec::new(),
        publisher: Some("Община Бургас".into()),
        license: Some("CC-BY-4.0".into()),
        profile: Some("project".into()),
        schedule: Some("0 6 * * *".into()),
        plugin: "projects".into(),
        coverage: Default::default(),
        sources: Vec::new(),
        sample: false,
        ocds: Default::default(),
    }
}

/// Publishes `rows` as the next version of `dataset` the way a run does:
/// staged, then published, the download files written by the store.
fn publish(store: &dyn Store, dataset: &str, schema: &StreamSchema, rows: Vec<Row>) -> Version {
    publish_deferring(store, dataset, schema, rows, Vec::new(), false)
}

/// [`publish`] with derived files, leaving what may follow the version to
/// [`Store::complete_pending`] when `defer`, as the pipeline does.
fn publish_deferring(
    store: &dyn Store,
    dataset: &str,
    schema: &StreamSchema,
    rows: Vec<Row>,
    derived: Vec<Arc<dyn crate::store::DerivedFile>>,
    defer: bool,
) -> Version {
    // Run ids are the runs table's key: one per publish.
    static RUNS: AtomicU64 = AtomicU64::new(0);
    let mut staging = store.stage(dataset, schema).unwrap();
    staging.write(rows).unwrap();
    let outcome = staging
        .publish(PublishRequest {
            run_id: format!("run-{}", RUNS.fetch_add(1, Ordering::Relaxed)),
            started_at: chrono::Utc::now(),
            trigger: "manual".into(),
            duration_ms: 0,
            report: serde_json::Value::Null,
            plugin: "projects".into(),
            plugin_version: "0.1.0".into(),
            contract: "0.1.0".into(),
            bookmarks: BTreeMap::new(),
            merge: false,
            derived,
            quality: Vec::new(),
            defer,
        })
        .unwrap();
    match outcome {
        PublishOutcome::Published(version) => version,
        PublishOutcome::Unchanged(v) => panic!("version {} already has these rows", v.number),
    }
}

/// Publishes the next version of `projects`.
fn publish_projects(store: &CountingStore, rows: Vec<Row>) -> Version {
    publish(store, "projects", &schema(), rows)
}

/// A store with `lines` (version 1: two rows, one key value holding a
/// comma) and `projects` (version 1: five rows).
fn store() -> Arc<CountingStore> {
    let store = CountingStore::open();
    store.sync_dataset(&meta("projects")).unwrap();
    let mut lines = meta("lines");
    lines.coverage = crate::config::Coverage {
        area: Some(crate::config::Area {
            name: "Община Бургас / Municipality of Burgas".into(),
            nuts: Some("BG341".into()),
            lau: Some("BGS04".into()),
        }),
        temporal_field: Some("year".into()),
    };
    store.sync_dataset(&lines).unwrap();
    publish_projects(&store, first_projects());
    publish(
        &*store,
        "lines",
        &lines_schema(),
        vec![
            vec![Value::Integer(2024), Value::Text("BG,01".into())],
            vec![Value::Integer(2024), Value::Text("BG02".into())],
        ],
    );
    store
}

/// The bytes of one of the download files the store wrote for a version.
fn export(
    store: &CountingStore,
    dataset: &str,
    number: u64,
    format: ExportFormat,
    compression: Compression,
) -> Vec<u8> {
    let version = store.version(dataset, number).unwrap();
    std::fs::read(download_path(store, dataset, &version, format, compression)).unwrap()
}

/// Where the local store keeps a download: for tests that read or damage
/// the file itself (the API never learns paths).
fn download_path(
    store: &CountingStore,
    dataset: &str,
    version: &Version,
    format: ExportFormat,
    compression: Compression,
) -> std::path::PathBuf {
    let name = crate::store::exports::file_name(format, Compression::Identity);
    store.inner.file_path(dataset, version, &name, compression)
}

fn app() -> (Arc<CountingStore>, Arc<App>) {
    let store = store();
    store.compress_pending().unwrap();
    let config = AppConfig {
        base_url: "https://data.example/".into(),
        ..AppConfig::default()
    };
    let app = Arc::new(App::new(store.clone(), config));
    app.refresh_all().unwrap();
    (store, app)
}

struct Got {
    status: StatusCode,
    headers: hyper::HeaderMap,
    body: Bytes,
}

impl Got {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", |v| v.to_str().unwrap())
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {:?}", self.body))
    }

    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

async fn collect(response: Response<crate::publish::body::Body>) -> Got {
    let (parts, body) = response.into_parts();
    Got {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

async fn send(app: &Arc<App>, method: Method, uri: &str, headers: &[(&str, &str)]) -> Got {
    let mut request = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let body = http_body_util::Empty::<bytes::Bytes>::new();
    collect(handle(app.clone(), request.body(body).unwrap()).await).await
}

async fn get(app: &Arc<App>, uri: &str) -> Got {
    send(app, Method::GET, uri, &[]).await
}

#[tokio::test]
async fn the_catalog_lists_datasets_with_links() {
    let (_, app) = app();
    let got = get(&app, "/api/v1/datasets").await;
    assert_eq!(got.status, StatusCode::OK);
    let json = got.json();
    assert_eq!(json["datasets"][1]["id"], "projects");
    assert_eq!(json["datasets"][1]["version"], 1);
    assert_eq!(json["datasets"][1]["row_count"], 5);
    assert_eq!(json["datasets"][1]["license"], "CC-BY-4.0");
    assert_eq!(
        json["datasets"][1]["links"]["latest"]["csv"],
        "https://data.example/api/v1/datasets/projects/latest/data.csv"
    );
    assert_eq!(got.header("access-control-allow-origin"), "*");
    assert!(got.header("etag").starts_with('"'));
    assert!(!got.header("last-modified").is_empty());
}

#[tokio::test]
async fn profiles_are_served_as_table_schemas() {
    let (_, app) = app();
    let list = get(&app, "/api/v1/profiles").await.json();
    let names: Vec<&str> = list["profiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"project"), "{list}");
    assert_eq!(
        list["profiles"][names.iter().position(|n| *n == "project").unwrap()]["url"],
        "https://data.example/api/v1/profiles/project"
    );
    let got = get(&app, "/api/v1/profiles/project").await;
    assert_eq!(got.status, StatusCode::OK);
    let schema = got.json();
    assert_eq!(schema["primaryKey"], serde_json::json!(["id"]));
    assert_eq!(schema["fields"][0]["name"], "id");
    assert_eq!(schema["fields"][0]["constraints"]["required"], true);
    let etag = got.header("etag").to_string();
    let again = send(
        &app,
        Method::GET,
        "/api/v1/profiles/project",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let missing = get(&app, "/api/v1/profiles/nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text().contains("/api/v1/profiles"));
}

#[tokio::test]
async fn the_dataset_document_has_schema_versions_and_links() {
    let (_, app) = app();
    let json = get(&app, "/api/v1/datasets/projects").await.json();
    assert_eq!(json["schema"]["fields"][2]["name"], "budget");
    assert_eq!(json["schema"]["fields"][2]["description"], "the budget");
    assert_eq!(json["versions"][0]["number"], 1);
    assert_eq!(
        json["links"]["rows_csv"],
        "https://data.example/api/v1/datasets/projects/rows.csv"
    );
    let missing = get(&app, "/api/v1/datasets/nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn conditional_requests_get_304_and_head_gets_headers_only() {
    let (store, app) = app();
    let first = get(&app, "/api/v1/datasets/projects/rows?limit=2").await;
    let etag = first.header("etag").to_string();
    let calls = store.calls();
    let again = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/rows?limit=2",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), etag);
    let since = first.header("last-modified").to_string();
    let again = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/rows?limit=2",
        &[("if-modified-since", &since)],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    // If-None-Match wins over a matching If-Modified-Since.
    let again = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/rows?limit=2",
        &[
            ("if-none-match", "\"other\""),
            ("if-modified-since", &since),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(store.calls(), calls, "answered from memory");
    let head = send(
        &app,
        Method::HEAD,
        "/api/v1/datasets/projects/rows?limit=2",
        &[],
    )
    .await;
    assert_eq!(head.status, StatusCode::OK);
    assert!(head.body.is_empty());
    assert_eq!(head.header("content-length"), first.body.len().to_string());
    assert_eq!(head.header("etag"), etag);
}

#[tokio::test]
async fn pages_link_to_the_next_and_cursors_pin_their_version() {
    let (store, app) = app();
    let first = get(
        &app,
        "/api/v1/datasets/projects/rows?limit=2&fields=id,title",
    )
    .await;
    let json = first.json();
    assert_eq!(json["version"], 1);
    assert_eq!(json["fields"], serde_json::json!(["id", "title"]));
    assert_eq!(json["rows"][1]["id"], 2);
    assert_eq!(json["has_more"], true);
    assert_eq!(json["limit"], 2);
    let next_url = json["next_url"].as_str().unwrap().to_string();
    assert_eq!(first.header("link"), format!("<{next_url}>; rel=\"next\""));
    assert!(next_url.starts_with(
        "https://data.example/api/v1/datasets/projects/rows?fields=id%2Ctitle&limit=2&cursor="
    ));

    // Version 2 is published mid-walk; the walk stays on version 1.
    publish_projects(&store, (1..=3).map(|i| row(i, "v2")).collect());
    app.refresh("projects").unwrap();
    let path = next_url.trim_start_matches("https://data.example");
    let second = get(&app, path).await;
    let json = second.json();
    assert_eq!(json["version"], 1);
    assert_eq!(json["rows"][0]["id"], 3);
    assert_eq!(
        second.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let fresh = get(&app, "/api/v1/datasets/projects/rows").await.json();
    assert_eq!(fresh["version"], 2);
    assert_eq!(fresh["has_more"], false);
    assert!(fresh["next"].is_null() && fresh["next_url"].is_null());
    let old = get(&app, "/api/v1/datasets/projects/rows?as_of=1")
        .await
        .json();
    assert_eq!(old["rows"].as_array().unwrap().len(), 5);
    let clash = get(&app, &format!("{path}&as_of=2")).await;
    assert_eq!(clash.json()["error"]["code"], "bad_cursor");
}

/// An OCDS file that lists the ids of the version's rows: what matters
/// here is when it exists, not what it says.
struct IdsAsOcds;

impl crate::store::DerivedFile for IdsAsOcds {
    fn name(&self) -> &'static str {
        crate::derived::OCDS
    }

    fn write(
        &self,
        out: &mut (dyn std::io::Write + Send),
        _version: &crate::store::VersionFacts,
        _schema: &StreamSchema,
        rows: &mut crate::store::RowSource<'_>,
    ) -> Result<(), StoreError> {
        let mut ids = Vec::new();
        rows(&mut |row| {
            ids.push(format!("{:?}", row[0]));
            Ok(())
        })?;
        serde_json::to_writer(&mut *out, &ids).map_err(|e| StoreError::Write {
            file: self.name().into(),
            source: e.into(),
        })
    }
}

#[tokio::test]
async fn a_new_version_answers_pending_until_its_index_and_standard_file_are_written() {
    let (store, app) = app();
    let ocds: Vec<Arc<dyn crate::store::DerivedFile>> = vec![Arc::new(IdsAsOcds)];
    let rows = (1..=3).map(|i| row(i, "зелен транспорт")).collect();
    publish_deferring(
        store.as_ref(),
        "projects",
        &schema(),
        rows,
        ocds.clone(),
        true,
    );
    app.refresh("projects").unwrap();
    // Live: its rows and downloads answer at once.
    let page = get(&app, "/api/v1/datasets/projects/rows").await;
    assert_eq!(page.json()["version"], 2);
    assert_eq!(
        get(&app, "/api/v1/datasets/projects/latest/data.csv")
            .await
            .status,
        StatusCode::OK
    );
    // A search and the standard file say to come back, never answer short.
    for path in [
        "/api/v1/datasets/projects/rows?q=transport",
        "/api/v1/datasets/projects/latest/ocds.json",
    ] {
        let pending = get(&app, path).await;
        assert_eq!(pending.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert_eq!(pending.json()["error"]["code"], "pending", "{path}");
        assert_eq!(pending.header("retry-after"), "5", "{path}");
    }
    // A search of the version before is whole already.
    let older = get(&app, "/api/v1/datasets/projects/rows?q=proekt&as_of=1").await;
    assert_eq!(older.json()["rows"].as_array().unwrap().len(), 5);
    assert_eq!(store.complete_pending("projects", &ocds).unwrap(), 2);
    let found = get(&app, "/api/v1/datasets/projects/rows?q=transport").await;
    assert_eq!(found.status, StatusCode::OK);
    assert_eq!(found.json()["rows"].as_array().unwrap().len(), 3);
    let file = get(&app, "/api/v1/datasets/projects/latest/ocds.json").await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.json().as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn equal_queries_share_one_cached_render() {
    let (store, app) = app();
    let a = get(&app, "/api/v1/datasets/projects/rows?title=x&limit=3").await;
    let calls = store.calls();
    let b = get(&app, "/api/v1/datasets/projects/rows?limit=3&title=x").await;
    assert_eq!(a.header("etag"), b.header("etag"));
    assert_eq!(a.body, b.body);
    assert_eq!(store.calls(), calls);
    let c = get(&app, "/api/v1/datasets/projects/rows?limit=4&title=x").await;
    assert_ne!(a.header("etag"), c.header("etag"));
}

#[tokio::test]
async fn bad_queries_are_400_with_the_valid_fields() {
    let (store, app) = app();
    let calls = store.calls();
    let got = get(&app, "/api/v1/datasets/projects/rows?colour=red").await;
    assert_eq!(got.status, StatusCode::BAD_REQUEST);
    let json = got.json();
    assert_eq!(json["error"]["code"], "bad_query");
    assert_eq!(
        json["error"]["valid_fields"],
        serde_json::json!(["id", "title", "budget"])
    );
    let got = get(&app, "/api/v1/datasets/projects/rows?limit=10001").await;
    assert!(
        got.json()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("10000")
    );
    let got = get(&app, "/api/v1/datasets/projects/rows?cursor=garbage").await;
    assert_eq!(
        (got.status, got.json()["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_cursor"))
    );
    let got = get(&app, "/api/v1/datasets/projects/rows?as_of=9").await;
    assert_eq!(
        (got.status, got.json()["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_version"))
    );
    assert_eq!(store.calls(), calls, "checked before the store");
    assert_eq!(got.header("cache-control"), "no-store");
}

#[tokio::test]
async fn csv_and_ndjson_pages_by_suffix_or_accept() {
    let (_, app) = app();
    let csv = get(&app, "/api/v1/datasets/projects/rows.csv?limit=2").await;
    assert_eq!(
        csv.header("content-type"),
        "text/csv; charset=utf-8; header=present"
    );
    assert!(
        csv.text()
            .starts_with("id,title,budget\r\n1,проект 1,1.50\r\n")
    );
    assert!(csv.header("link").contains("/rows.csv?limit=2&cursor="));
    let accepted = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/rows?limit=2",
        &[("accept", "text/csv")],
    )
    .await;
    assert_eq!(accepted.body, csv.body);
    assert!(accepted.header("vary").contains("Accept"));
    let nd = get(&app, "/api/v1/datasets/projects/rows.ndjson").await;
    assert_eq!(nd.text().lines().count(), 5);
    assert_eq!(nd.header("content-type"), "application/x-ndjson");
}

#[tokio::test]
async fn pages_are_compressed_as_accepted_with_their_own_etags() {
    let (_, app) = app();
    let plain = get(&app, "/api/v1/datasets/projects/rows").await;
    let gz = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/rows",
        &[("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert_ne!(gz.header("etag"), plain.header("etag"));
    let mut text = Vec::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_end(&mut text)
        .unwrap();
    assert_eq!(text, plain.body);
    let br = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/rows",
        &[("accept-encoding", "gzip, br")],
    )
    .await;
    assert_eq!(br.header("content-encoding"), "br");
    let mut text = Vec::new();
    brotli::Decompressor::new(&br.body[..], 4096)
        .read_to_end(&mut text)
        .unwrap();
    assert_eq!(text, plain.body);
    let again = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/rows",
        &[
            ("accept-encoding", "br"),
            ("if-none-match", br.header("etag")),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn rows_by_key_plain_and_composite() {
    let (_, app) = app();
    let got = get(&app, "/api/v1/datasets/projects/rows/3").await;
    assert_eq!(got.json()["row"]["title"], "проект 3");
    assert_eq!(got.json()["version"], 1);
    let missing = get(&app, "/api/v1/datasets/projects/rows/99").await;
    assert_eq!(
        (missing.status, missing.json()["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    let composite = get(&app, "/api/v1/datasets/lines/rows/2024,BG%2C01").await;
    assert_eq!(composite.json()["row"]["code"], "BG,01");
    let short = get(&app, "/api/v1/datasets/lines/rows/2024").await;
    assert_eq!(short.json()["error"]["code"], "bad_key");
}

#[tokio::test]
async fn versions_and_one_version() {
    let (store, app) = app();
    publish_projects(&store, vec![row(1, "x")]);
    app.refresh_async("projects").await.unwrap();
    let json = get(&app, "/api/v1/datasets/projects/versions").await.json();
    assert_eq!(json["versions"][0]["number"], 2);
    assert_eq!(json["versions"][1]["number"], 1);
    let one = get(&app, "/api/v1/datasets/projects/versions/1").await;
    assert_eq!(one.json()["schema"]["primary_key"][0], "id");
    assert_eq!(
        one.json()["links"]["downloads"]["csv"],
        "https://data.example/api/v1/datasets/projects/versions/1/data.csv"
    );
    assert_eq!(
        one.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        get(&app, "/api/v1/datasets/projects/versions/7")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/api/v1/datasets/projects/versions/x")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn downloads_versioned_and_latest() {
    let (store, app) = app();
    let file = |format| export(&store, "projects", 1, format, Compression::Identity);
    let versioned = get(&app, "/api/v1/datasets/projects/versions/1/data.csv").await;
    assert_eq!(versioned.status, StatusCode::OK);
    // The file the store wrote at publish time, byte for byte.
    assert_eq!(versioned.text(), first_projects_csv());
    assert_eq!(versioned.body, file(ExportFormat::Csv));
    assert_eq!(
        versioned.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        versioned.header("content-disposition"),
        "attachment; filename=\"projects-v1.csv\""
    );
    assert_eq!(versioned.header("accept-ranges"), "bytes");
    let latest = get(&app, "/api/v1/datasets/projects/latest/data.csv").await;
    assert_eq!(latest.body, versioned.body);
    assert_eq!(latest.header("etag"), versioned.header("etag"));
    assert_eq!(latest.header("cache-control"), "public, max-age=60");
    assert_eq!(
        latest.header("content-location"),
        "https://data.example/api/v1/datasets/projects/versions/1/data.csv"
    );
    let bom = get(&app, "/api/v1/datasets/projects/latest/data.csv?bom=1").await;
    assert!(bom.body.starts_with("\u{feff}".as_bytes()));
    assert_eq!(bom.body, file(ExportFormat::CsvBom));
    assert_eq!(
        get(&app, "/api/v1/datasets/projects/latest/data.bom.csv")
            .await
            .body,
        bom.body
    );
    assert_ne!(bom.header("etag"), latest.header("etag"));
    let json = get(&app, "/api/v1/datasets/projects/versions/1/data.json").await;
    assert_eq!(json.header("content-type"), "application/json");
    assert_eq!(json.body, file(ExportFormat::Json));
    assert_eq!(json.json()[4]["budget"], "5.50");
    let nd = get(&app, "/api/v1/datasets/projects/latest/data.ndjson").await;
    assert_eq!(nd.body, file(ExportFormat::Ndjson));
    let calls = store.calls();
    let not_modified = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/latest/data.csv",
        &[("if-none-match", versioned.header("etag"))],
    )
    .await;
    assert_eq!(not_modified.status, StatusCode::NOT_MODIFIED);
    assert_eq!(store.calls(), calls, "answered from the ETag alone");
    assert_eq!(
        get(&app, "/api/v1/datasets/projects/latest/data.xml")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn downloads_honour_ranges_on_the_identity_file() {
    let (_, app) = app();
    let url = "/api/v1/datasets/projects/versions/1/data.csv";
    let whole = get(&app, url).await;
    let part = send(
        &app,
        Method::GET,
        url,
        &[("range", "bytes=0-1"), ("accept-encoding", "gzip")],
    )
    .await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.text(), "id");
    assert_eq!(
        part.header("content-range"),
        format!("bytes 0-1/{}", whole.body.len())
    );
    assert_eq!(part.header("content-encoding"), "");
    let tail = send(&app, Method::GET, url, &[("range", "bytes=-3")]).await;
    assert_eq!(tail.text(), "0\r\n");
    assert_eq!(tail.body, whole.body.slice(whole.body.len() - 3..));
    let beyond = send(&app, Method::GET, url, &[("range", "bytes=999-")]).await;
    assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        beyond.header("content-range"),
        format!("bytes */{}", whole.body.len())
    );
    let multi = send(&app, Method::GET, url, &[("range", "bytes=0-1,3-4")]).await;
    assert_eq!(
        (multi.status, multi.body.len()),
        (StatusCode::OK, whole.body.len())
    );
    let stale = send(
        &app,
        Method::GET,
        url,
        &[("range", "bytes=0-1"), ("if-range", "\"old\"")],
    )
    .await;
    assert_eq!(stale.status, StatusCode::OK);
    let fresh = send(
        &app,
        Method::GET,
        url,
        &[("range", "bytes=0-1"), ("if-range", whole.header("etag"))],
    )
    .await;
    assert_eq!(fresh.status, StatusCode::PARTIAL_CONTENT);
}

#[tokio::test]
async fn downloads_serve_precompressed_files_and_fall_back() {
    let (store, app) = app();
    let file = |format, compression| export(&store, "projects", 1, format, compression);
    let url = "/api/v1/datasets/projects/versions/1/data.csv";
    let gz = send(&app, Method::GET, url, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    assert_eq!(gz.header("vary"), "Accept-Encoding");
    assert!(gz.header("etag").ends_with("-gz\""));
    // The store's .gz file as it is, not compressed again.
    assert_eq!(gz.body, file(ExportFormat::Csv, Compression::Gzip));
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, first_projects_csv());
    let br = send(&app, Method::GET, url, &[("accept-encoding", "br")]).await;
    assert_eq!(br.header("content-encoding"), "br");
    assert!(br.header("etag").ends_with("-br\""));
    assert_eq!(br.body, file(ExportFormat::Csv, Compression::Brotli));
    // A .br file lost from disk (a file the publisher has not mapped yet):
    // identity it is, not an error.
    let version = store.version("projects", 1).unwrap();
    std::fs::remove_file(download_path(
        &store,
        "projects",
        &version,
        ExportFormat::Ndjson,
        Compression::Brotli,
    ))
    .unwrap();
    let url = "/api/v1/datasets/projects/versions/1/data.ndjson";
    let fallback = send(&app, Method::GET, url, &[("accept-encoding", "br")]).await;
    assert_eq!(fallback.status, StatusCode::OK);
    assert_eq!(fallback.header("content-encoding"), "");
    assert_eq!(
        fallback.body,
        file(ExportFormat::Ndjson, Compression::Identity)
    );
}

#[tokio::test]
async fn changes_come_in_json_pages_and_as_one_ndjson_stream() {
    let (store, app) = app();
    // Version 2: 1 and 2 retitled, 3 to 5 removed, 10 to 39 added.
    let mut rows = vec![row(1, "нов"), row(2, "нов")];
    rows.extend((10..40).map(|i| row(i, "нов")));
    publish_projects(&store, rows);
    app.refresh("projects").unwrap();
    let whole = store.changes("projects", 1, 2).unwrap();
    assert_eq!(
        (whole.added.len(), whole.removed.len(), whole.changed.len()),
        (30, 3, 2)
    );
    // Walk the JSON pages of 7 by their `next` links.
    let mut url = "/api/v1/datasets/projects/changes?from=1&to=2&limit=7".to_string();
    let (mut pages, mut counts) = (0, [0usize; 3]);
    loop {
        let page = get(&app, &url).await;
        assert_eq!(page.status, StatusCode::OK, "{url}");
        let json = page.json();
        pages += 1;
        for (i, kind) in ["added", "removed", "changed"].iter().enumerate() {
            counts[i] += json[kind].as_array().unwrap().len();
        }
        let taken: usize = ["added", "removed", "changed"]
            .iter()
            .map(|k| json[*k].as_array().unwrap().len())
            .sum();
        match json["next_url"].as_str() {
            Some(next) => {
                assert_eq!(taken, 7);
                assert!(next.ends_with(json["next"].as_str().unwrap()));
                assert_eq!(page.header("link"), format!("<{next}>; rel=\"next\""));
                url = next.trim_start_matches("https://data.example").to_string();
            }
            None => break,
        }
    }
    assert_eq!((pages, counts), (5, [30, 3, 2]));
    // NDJSON: every change in one response, in key order.
    let nd = get(&app, "/api/v1/datasets/projects/changes.ndjson?from=1&to=2").await;
    let lines: Vec<serde_json::Value> = nd
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 35);
    let keys: Vec<String> = lines.iter().map(|l| l["key"]["id"].to_string()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "key order (keys compare as text)");
    // A client that has the stream gets a 304 without a comparison.
    let again = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/changes.ndjson?from=1&to=2",
        &[("if-none-match", nd.header("etag"))],
    )
    .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    // Cursors belong to their own walk.
    let first = get(
        &app,
        "/api/v1/datasets/projects/changes?from=1&to=2&limit=7",
    )
    .await
    .json();
    let cursor = first["next"].as_str().unwrap().to_string();
    // A sorted rows page's cursor carries a sort value beside the key.
    let rows_cursor = get(&app, "/api/v1/datasets/projects/rows?limit=1&sort=title")
        .await
        .json()["next"]
        .as_str()
        .unwrap()
        .to_string();
    for bad in [
        format!("/api/v1/datasets/projects/changes?from=0&to=1&cursor={cursor}"),
        format!("/api/v1/datasets/projects/changes?from=1&to=2&cursor={rows_cursor}"),
        "/api/v1/datasets/projects/changes?cursor=bm90LWEtY3Vyc29y".to_string(),
        "/api/v1/datasets/projects/changes?limit=0".to_string(),
    ] {
        let got = get(&app, &bad).await;
        assert_eq!(got.status, StatusCode::BAD_REQUEST, "{bad}");
    }
}

#[tokio::test]
async fn changes_as_json_and_ndjson() {
    let (store, app) = app();
    // Version 2: row 1 retitled, row 9 added, the others as they were.
    let mut rows = first_projects();
    rows[0] = row(1, "нов");
    rows.push(row(9, "нов"));
    publish_projects(&store, rows);
    app.refresh("projects").unwrap();
    let json = get(&app, "/api/v1/datasets/projects/changes").await.json();
    assert_eq!(
        (json["from"].as_u64(), json["to"].as_u64()),
        (Some(1), Some(2))
    );
    assert_eq!(json["changed"][0]["key"]["id"], 1);
    assert_eq!(json["changed"][0]["before"]["title"], "проект 1");
    assert_eq!(json["changed"][0]["after"]["title"], "нов");
    assert_eq!(json["changed"][0]["fields"], serde_json::json!(["title"]));
    assert_eq!(json["added"][0]["id"], 9);
    assert_eq!(json["added"][0]["budget"], "9.50");
    assert_eq!(json["removed"], serde_json::json!([]));
    let nd = get(&app, "/api/v1/datasets/projects/changes.ndjson?from=1&to=2").await;
    assert_eq!(
        nd.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let kinds: Vec<String> = nd
        .text()
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["change"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // In key order, whatever their kind.
    assert_eq!(kinds, ["changed", "added"]);
    let accepted = send(
        &app,
        Method::GET,
        "/api/v1/datasets/projects/changes?from=1&to=2",
        &[("accept", "application/x-ndjson")],
    )
    .await;
    assert_eq!(accepted.body, nd.body);
    assert_eq!(
        get(&app, "/api/v1/datasets/projects/changes?from=5")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/api/v1/datasets/projects/changes?form=1")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn methods_preflight_long_urls_and_unknown_routes() {
    let (_, app) = app();
    let post = send(&app, Method::POST, "/api/v1/datasets", &[]).await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(post.header("allow"), "GET, HEAD, OPTIONS");
    assert_eq!(post.json()["error"]["code"], "method_not_allowed");
    let options = send(
        &app,
        Method::OPTIONS,
        "/api/v1/datasets/projects/rows",
        &[
            ("origin", "https://x"),
            ("access-control-request-method", "GET"),
        ],
    )
    .await;
    assert_eq!(options.status, StatusCode::NO_CONTENT);
    assert_eq!(options.header("access-control-allow-origin"), "*");
    assert!(
        options
            .header("access-control-allow-methods")
            .contains("GET")
    );
    let long = get(
        &app,
        &format!("/api/v1/datasets/projects/rows?title={}", "a".repeat(9000)),
    )
    .await;
    assert_eq!(long.status, StatusCode::URI_TOO_LONG);
    let nothing = get(&app, "/api/v1/nothing").await;
    assert_eq!(
        (nothing.status, nothing.json()["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    assert_eq!(nothing.header("access-control-allow-origin"), "*");
    let health = get(&app, "/healthz").await;
    assert_eq!(health.json()["status"], "ok");
}

#[tokio::test]
async fn the_openapi_document_names_every_route() {
    let (_, app) = app();
    let json = get(&app, "/api/v1/openapi.json").await.json();
    assert_eq!(json["openapi"], "3.1.0");
    for path in [
        "/healthz",
        "/metrics",
        "/api/v1/datasets",
        "/api/v1/datasets/{id}",
        "/api/v1/datasets/{id}/rows",
        "/api/v1/datasets/{id}/rows.csv",
        "/api/v1/datasets/{id}/rows/{key}",
        "/api/v1/datasets/{id}/versions",
        "/api/v1/datasets/{id}/versions/{n}",
        "/api/v1/datasets/{id}/versions/{n}/data.csv",
        "/api/v1/datasets/{id}/latest/data.ndjson",
        "/api/v1/datasets/{id}/changes.ndjson",
        "/api/v1/datasets/{id}/tables",
        "/api/v1/datasets/{id}/tables/{table}",
        "/api/v1/datasets/{id}/tables/{table}/rows.csv",
        "/api/v1/datasets/{id}/tables/{table}/rows/{key}",
        "/api/v1/datasets/{id}/tables/{table}/versions/{n}/data.csv",
        "/api/v1/datasets/{id}/tables/{table}/changes",
        "/api/v1/datasets/{id}/versions/{n}/tables/{table}/data.csv",
        "/api/v1/datasets/{id}/latest/tables/{table}/data.json",
    ] {
        assert!(json["paths"].get(path).is_some(), "{path}");
    }
    // The standard renderings describe the plugin's first stream only.
    for path in [
        "/api/v1/datasets/{id}/tables/{table}/latest/ocds.json",
        "/api/v1/datasets/{id}/tables/{table}/versions/{n}/datapackage.json",
    ] {
        assert!(json["paths"].get(path).is_none(), "{path}");
    }
    let table_rows = &json["paths"]["/api/v1/datasets/{id}/tables/{table}/rows"]["get"];
    let names: Vec<&str> = table_rows["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["in"] == "path")
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["id", "table"]);
    assert!(
        json["info"]["description"]
            .as_str()
            .unwrap()
            .contains("Content-Location")
    );
}

#[tokio::test]
async fn a_dataset_without_versions_says_so() {
    let (store, app) = app();
    // Configured, never run: the store knows it, with no version.
    store.sync_dataset(&meta("plans")).unwrap();
    app.refresh("plans").unwrap();
    let got = get(&app, "/api/v1/datasets/plans/rows").await;
    assert_eq!(
        (got.status, got.json()["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("no_version"))
    );
    assert_eq!(
        get(&app, "/api/v1/datasets/plans").await.json()["version"],
        serde_json::Value::Null
    );
}

/// Sends raw HTTP/1.1 and reads until the server closes.
async fn raw(addr: std::net::SocketAddr, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    stream.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

#[tokio::test]
async fn the_server_answers_over_tcp_and_shuts_down_gracefully() {
    let (_, app) = app();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(super::serve(listener, app, super::Surface::Public, async {
        let _ = stopped.await;
    }));
    let get = raw(addr, "GET /api/v1/datasets/projects/rows?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(get.starts_with("HTTP/1.1 200 OK"), "{get}");
    let length = get
        .lines()
        .find_map(|l| l.strip_prefix("content-length: "))
        .unwrap()
        .to_string();
    let head = raw(addr, "HEAD /api/v1/datasets/projects/rows?limit=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await;
    assert!(
        head.contains(&format!("content-length: {length}\r\n")),
        "{head}"
    );
    assert!(head.ends_with("\r\n\r\n"), "no body after HEAD: {head}");
    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn silent_and_slow_clients_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let store = store();
    let config = AppConfig {
        header_read_timeout: std::time::Duration::from_millis(200),
        ..AppConfig::default()
    };
    let app = Arc::new(App::new(store, config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(super::serve(
        listener,
        app,
        super::Surface::Public,
        std::future::pending(),
    ));
    for opening in ["", "PRI * HT", "GET /healthz HTTP/1.1\r\nHost"] {
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream.write_all(opening.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        let closed = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            stream.read_to_end(&mut out),
        )
        .await;
        assert!(
            closed.is_ok(),
            "a client sending {opening:?} was not cut off"
        );
    }
}

/// A server for load tests by hand (`wrk`): `VITRINA_BENCH_PORT=18080
/// cargo test -p vitrina --lib bench_server -- --ignored`, serving 1000
/// rows of `projects` and a `VITRINA_BENCH_CSV_MB` download of `bulk` for
/// `VITRINA_BENCH_SECS` seconds on one worker thread.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
#[ignore = "a load-test server, run by hand"]
async fn bench_server() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let store = store();
    publish_projects(
        &store,
        (1..=1000)
            .map(|i| row(i, &format!("проект номер {i} за ремонт на улица")))
            .collect(),
    );
    // A download big enough to measure throughput against a static server,
    // written by the store like any other.
    store.sync_dataset(&meta("bulk")).unwrap();
    let line = "42,проект номер 42 за ремонт на улица,1234567.89\r\n";
    let lines = env("VITRINA_BENCH_CSV_MB", 4) as i64 * (1 << 20) / line.len() as i64;
    let bulk = (1..=lines)
        .map(|i| {
            let mut r = row(i, &format!("проект номер {i} за ремонт на улица"));
            r[2] = Value::Decimal("1234567.89".into());
            r
        })
        .collect();
    let v = publish(&*store, "bulk", &schema(), bulk);
    let big = download_path(&store, "bulk", &v, ExportFormat::Csv, Compression::Identity);
    println!("download file: {}", big.display());
    let app = Arc::new(App::new(store, AppConfig::default()));
    app.refresh_all().unwrap();
    let listener =
        tokio::net::TcpListener::bind(("127.0.0.1", env("VITRINA_BENCH_PORT", 18080) as u16))
            .await
            .unwrap();
    let secs = env("VITRINA_BENCH_SECS", 30);
    super::serve(
        listener,
        app,
        super::Surface::Public,
        tokio::time::sleep(std::time::Duration::from_secs(secs)),
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn remembered_etags_follow_the_current_version() {
    let (store, app) = app();
    let url = "/api/v1/datasets/projects/rows?limit=2";
    let first = get(&app, url).await;
    let etag = first.header("etag").to_string();
    let again = send(&app, Method::GET, url, &[("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    publish_projects(&store, vec![row(1, "v2")]);
    app.refresh("projects").unwrap();
    let after = send(&app, Method::GET, url, &[("if-none-match", &etag)]).await;
    assert_eq!(after.status, StatusCode::OK);
    assert_eq!(after.json()["version"], 2);
    assert_ne!(after.header("etag"), etag);
    // A pinned page keeps its ETag across publishes.
    let pinned = get(&app, "/api/v1/datasets/projects/rows?as_of=1&limit=2").await;
    publish_projects(&store, vec![row(1, "v3")]);
    app.refresh("projects").unwrap();
    let still = get(&app, "/api/v1/datasets/projects/rows?as_of=1&limit=2").await;
    assert_eq!(still.header("etag"), pinned.header("etag"));
    assert_eq!(still.json()["version"], 1);
    // The same query by Accept is another format, not the remembered one.
    let csv = send(&app, Method::GET, url, &[("accept", "text/csv")]).await;
    assert!(csv.text().starts_with("id,title,budget"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn identical_requests_arriving_together_share_one_render() {
    let (store, app) = app();
    store.rows_delay_ms.store(200, Ordering::Relaxed);
    let rows_calls = || {
        store
            .calls
            .lock()
            .unwrap()
            .iter()
            .filter(|c| *c == "rows")
            .count()
    };
    let before = rows_calls();
    let uri = "/api/v1/datasets/projects/rows?limit=3&sort=-budget";
    let requests: Vec<_> = (0..16)
        .map(|_| {
            let app = app.clone();
            tokio::spawn(async move { get(&app, uri).await })
        })
        .collect();
    let mut bodies = Vec::new();
    for request in requests {
        let got = request.await.unwrap();
        assert_eq!(got.status, StatusCode::OK, "{}", got.text());
        bodies.push(got.body);
    }
    assert_eq!(rows_calls() - before, 1, "one render for sixteen requests");
    assert!(bodies.windows(2).all(|w| w[0] == w[1]));
    assert!(
        app.inflight.is_empty(),
        "the render is forgotten once shared"
    );
    // A different query is its own render.
    let other = get(&app, "/api/v1/datasets/projects/rows?limit=4").await;
    assert_eq!(other.status, StatusCode::OK);
    assert_eq!(rows_calls() - before, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_more_store_reads_run_at_once_than_the_server_allows() {
    let store = store();
    store.compress_pending().unwrap();
    let config = AppConfig {
        base_url: "https://data.example/".into(),
        max_queries: 2,
        ..AppConfig::default()
    };
    let app = Arc::new(App::new(store.clone(), config));
    app.refresh_all().unwrap();
    store.rows_delay_ms.store(100, Ordering::Relaxed);
    // Eight different queries at once: each its own render.
    let requests: Vec<_> = (1..=8)
        .map(|limit| {
            let app = app.clone();
            tokio::spawn(async move {
                get(
                    &app,
                    &format!("/api/v1/datasets/projects/rows?limit={limit}"),
                )
                .await
            })
        })
        .collect();
    for request in requests {
        let got = request.await.unwrap();
        assert_eq!(got.status, StatusCode::OK, "{}", got.text());
    }
    // Without the bound all eight would have overlapped.
    let peak = store.rows_peak.load(Ordering::SeqCst);
    assert!((1..=2).contains(&peak), "{peak} reads ran at once");
}

/// A POST with a JSON body, as `ckanapi` sends an action.
async fn post_json(app: &Arc<App>, uri: &str, json: &serde_json::Value) -> Got {
    let body = http_body_util::Full::new(bytes::Bytes::from(json.to_string()));
    let request = Request::builder()
        .method(Method::POST)
        .uri(uri)
        .header("content-type", "application/json")
        .body(body)
        .unwrap();
    collect(handle(app.clone(), request).await).await
}

#[tokio::test]
async fn ckan_actions_answer_in_ckans_envelope() {
    let (_, app) = app();
    let status = get(&app, "/api/3/action/status_show").await.json();
    assert_eq!(status["success"], true);
    assert_eq!(status["result"]["site_url"], "https://data.example");
    assert!(
        status["help"]
            .as_str()
            .unwrap()
            .ends_with("help_show?name=status_show")
    );

    let list = get(&app, "/api/3/action/package_list").await.json();
    assert_eq!(list["result"], serde_json::json!(["lines", "projects"]));

    // A package: the dataset, its publisher as organization, its current
    // version's files as resources at their versioned addresses.
    let shown = get(&app, "/api/3/action/package_show?id=projects").await;
    assert_eq!(shown.status, StatusCode::OK);
    let package = shown.json()["result"].clone();
    assert_eq!(package["name"], "projects");
    assert_eq!(package["notes"], "Проекти с европейско финансиране");
    assert_eq!(package["organization"]["name"], "obshtina-burgas");
    assert_eq!(package["license_id"], "CC-BY-4.0");
    let resources = package["resources"].as_array().unwrap();
    let csv = resources
        .iter()
        .find(|r| r["format"] == "CSV")
        .expect("a CSV");
    assert_eq!(
        csv["url"],
        "https://data.example/api/v1/datasets/projects/versions/1/data.csv"
    );
    assert_eq!(csv["size"], first_projects_csv().len());
    assert_eq!(package["num_resources"], resources.len());
    // The same through POST with a JSON body, and a resource by its id.
    let posted = post_json(
        &app,
        "/api/3/action/package_show",
        &serde_json::json!({"id": "projects"}),
    )
    .await;
    assert_eq!(posted.json()["result"], package);
    let resource = get(
        &app,
        &format!(
            "/api/3/action/resource_show?id={}",
            csv["id"].as_str().unwrap()
        ),
    )
    .await
    .json();
    assert_eq!(resource["result"], *csv);

    // Search with CKAN's filters and facets.
    let found = get(
        &app,
        "/api/3/action/package_search?q=title&fq=res_format:CSV%20organization:obshtina-burgas&rows=1&facet.field=%5B%22organization%22,%22res_format%22%5D",
    )
    .await
    .json();
    let result = &found["result"];
    assert_eq!(result["count"], 2, "{found:#}");
    assert_eq!(result["results"].as_array().unwrap().len(), 1);
    assert_eq!(result["facets"]["organization"]["obshtina-burgas"], 2);
    assert_eq!(
        result["search_facets"]["res_format"]["items"][0]["name"],
        "CSV"
    );
    let none = get(&app, "/api/3/action/package_search?fq=tags:nothing")
        .await
        .json();
    assert_eq!(none["result"]["count"], 0);

    let organization = get(
        &app,
        "/api/3/action/organization_show?id=obshtina-burgas&include_datasets=true",
    )
    .await
    .json();
    assert_eq!(organization["result"]["package_count"], 2);
    assert_eq!(organization["result"]["title"], "Община Бургас");
    let organizations = get(&app, "/api/3/action/organization_list").await.json();
    assert_eq!(
        organizations["result"],
        serde_json::json!(["obshtina-burgas"])
    );

    // Errors in CKAN's shape.
    let missing = get(&app, "/api/3/action/package_show?id=nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["success"], false);
    assert_eq!(missing.json()["error"]["__type"], "Not Found Error");
    let invalid = get(&app, "/api/3/action/package_search?fq=groups:x").await;
    assert_eq!(invalid.status, StatusCode::CONFLICT);
    assert_eq!(invalid.json()["error"]["__type"], "Validation Error");
    let unknown = get(&app, "/api/3/action/package_create").await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    let deleting = send(&app, Method::DELETE, "/api/3/action/package_show", &[]).await;
    assert_eq!(deleting.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// The triples of a Turtle answer, as `subject predicate object` lines.
fn turtle_triples(body: &[u8]) -> std::collections::BTreeSet<String> {
    oxttl::TurtleParser::new()
        .for_slice(body)
        .map(|t| t.expect("valid Turtle").to_string())
        .collect()
}

#[tokio::test]
async fn the_dcat_catalog_is_one_graph_in_both_syntaxes() {
    let (_, app) = app();
    let turtle = get(&app, "/catalog.ttl").await;
    assert_eq!(turtle.status, StatusCode::OK);
    assert!(turtle.header("content-type").starts_with("text/turtle"));
    let triples = turtle_triples(&turtle.body);
    let base = "https://data.example";
    for expected in [
        format!(
            "<{base}/catalog> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://www.w3.org/ns/dcat#Catalog>"
        ),
        format!(
            "<{base}/catalog> <http://www.w3.org/ns/dcat#dataset> <{base}/api/v1/datasets/projects>"
        ),
        format!(
            "<{base}/api/v1/datasets/projects> <http://purl.org/dc/terms/identifier> \"projects\""
        ),
        format!(
            "<{base}/api/v1/datasets/projects> <http://purl.org/dc/terms/accrualPeriodicity> <http://publications.europa.eu/resource/authority/frequency/DAILY>"
        ),
        format!(
            "<{base}/api/v1/datasets/projects/latest/data.csv#distribution> <http://www.w3.org/ns/dcat#downloadURL> <{base}/api/v1/datasets/projects/latest/data.csv>"
        ),
        format!(
            "<{base}/api/v1/datasets/projects/latest/data.csv#distribution> <http://www.w3.org/ns/dcat#byteSize> \"{}\"^^<http://www.w3.org/2001/XMLSchema#nonNegativeInteger>",
            first_projects_csv().len()
        ),
        format!(
            "<{base}/api/v1/datasets/projects/latest/data.csv#distribution> <http://purl.org/dc/terms/license> <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0>"
        ),
        format!(
            "<{base}/api/v1> <http://www.w3.org/ns/dcat#servesDataset> <{base}/api/v1/datasets/lines>"
        ),
        // Every distribution has the checksum of the bytes it serves.
        format!(
            "<{base}/api/v1/datasets/projects/latest/data.csv#sha256> <http://spdx.org/rdf/terms#checksumValue> \"{}\"^^<http://www.w3.org/2001/XMLSchema#hexBinary>",
            hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
                first_projects_csv().as_bytes()
            ))
        ),
        format!(
            "<{base}/api/v1/datasets/projects/latest/data.csv#distribution> <http://spdx.org/rdf/terms#checksum> <{base}/api/v1/datasets/projects/latest/data.csv#sha256>"
        ),
        // Where: the NUTS region by its EU IRI, the municipality by its LAU code.
        format!(
            "<{base}/api/v1/datasets/lines> <http://purl.org/dc/terms/spatial> <http://data.europa.eu/nuts/code/BG341>"
        ),
        format!("<{base}/catalog#lau-BGS04> <http://purl.org/dc/terms/identifier> \"BGS04\""),
        format!(
            "<{base}/catalog#lau-BGS04> <http://www.w3.org/2004/02/skos/core#prefLabel> \"Municipality of Burgas\"@en"
        ),
        // When: the years its rows are about, as whole years.
        format!(
            "<{base}/api/v1/datasets/lines#temporal> <http://www.w3.org/ns/dcat#startDate> \"2024-01-01\"^^<http://www.w3.org/2001/XMLSchema#date>"
        ),
        format!(
            "<{base}/api/v1/datasets/lines#temporal> <http://www.w3.org/ns/dcat#endDate> \"2024-12-31\"^^<http://www.w3.org/2001/XMLSchema#date>"
        ),
    ] {
        assert!(
            triples.contains(&expected),
            "missing {expected}\n{triples:#?}"
        );
    }
    // The JSON-LD is the same graph.
    let json_ld = get(&app, "/catalog.jsonld").await;
    assert_eq!(json_ld.header("content-type"), "application/ld+json");
    let from_json: std::collections::BTreeSet<String> = oxjsonld::JsonLdParser::new()
        .for_slice(&json_ld.body)
        .map(|q| oxrdf::Triple::from(q.expect("valid JSON-LD")).to_string())
        .collect();
    assert_eq!(from_json, triples);
    // The same bytes every time, so the ETag holds; 304 when unchanged.
    let again = get(&app, "/catalog.ttl").await;
    assert_eq!(again.body, turtle.body);
    let etag = turtle.header("etag").to_string();
    let cached = send(
        &app,
        Method::GET,
        "/catalog.ttl",
        &[("if-none-match", &etag)],
    )
    .await;
    assert_eq!(cached.status, StatusCode::NOT_MODIFIED);
    // `/catalog` by `Accept`, and one dataset's entry.
    let negotiated = send(&app, Method::GET, "/catalog", &[("accept", "text/turtle")]).await;
    assert!(negotiated.header("content-type").starts_with("text/turtle"));
    assert_eq!(
        get(&app, "/catalog").await.header("content-type"),
        "application/ld+json"
    );
    let one = turtle_triples(&get(&app, "/api/v1/datasets/projects/dcat.ttl").await.body);
    assert!(
        one.iter()
            .any(|t| t.starts_with(&format!("<{base}/api/v1/datasets/projects> ")))
    );
    assert!(
        !one.iter()
            .any(|t| t.starts_with(&format!("<{base}/api/v1/datasets/lines> ")))
    );
    assert_eq!(
        get(&app, "/catalog?page=0").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&app, "/catalog.xml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, "/api/v1/datasets/nope/dcat.ttl").await.status,
        StatusCode::NOT_FOUND
    );
}
