//! The versioned store: every published version of every dataset, kept
//! forever.
//!
//! A run's rows go to a [`Staging`] area; [`Staging::publish`] then makes
//! them a new version in one transaction (rows, version record, bookmarks),
//! or records the run as unchanged when the content is the same as the
//! current version's. Rows carry the range of versions in which they were
//! current, so "as of version N" and "what changed between N and M" are
//! queries, not copies. Full downloads of each version are written once,
//! before the version becomes visible, as immutable files; its full-text
//! index and standard files may follow once it is ([`Store::complete_pending`]).
//! A plugin's further streams are tables of their dataset, versioned with
//! it ([`table_id`]).
//!
//! The [`Store`] trait is what the HTTP layer and the daemon use; SQLite
//! (`sqlite::SqliteStore`) is the embedded default. Every method blocks:
//! call them from `spawn_blocking` on an async executor.

pub mod exports;
pub mod files;
pub mod interrupt;
pub mod query;
pub mod sqlite;

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

pub use query::{Cursor, DEFAULT_LIMIT, Filter, FilterOp, MAX_LIMIT, RowQuery, SortKey};

use crate::schema::{FieldType, QualityMeasure, Row, StreamSchema};

/// What went wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("dataset `{0}` has no published version")]
    NoVersion(String),
    #[error("dataset `{dataset}` has no version {version}")]
    UnknownVersion { dataset: String, version: u64 },
    #[error("unknown dataset `{0}`")]
    UnknownDataset(String),
    /// A query the dataset's schema cannot answer (unknown field, bad value).
    #[error("{message}")]
    BadQuery {
        message: String,
        valid_fields: Vec<String>,
    },
    #[error("the store's data is inconsistent: {0}")]
    Corrupt(String),
    /// A read ran past the time budget of its request.
    #[error("the query took longer than its budget of {} s", .0.as_secs_f64())]
    OverBudget(std::time::Duration),
    /// A read was stopped because its requester had gone.
    #[error("the query was stopped: its requester has gone")]
    RequesterGone,
    /// A thread or task the store's work ran on failed (a panic, or the
    /// runtime shutting down): its work was not finished, and nothing of
    /// it was published.
    #[error("{0} failed before finishing; nothing of its work was published")]
    Worker(String),
    /// A file derived from a version (a standard file, its descriptor)
    /// could not be written; the version was not published.
    #[error("cannot write {file}: {source}")]
    Write {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// A publish the current state does not allow (a merge across a
    /// schema change).
    #[error("{0}")]
    Conflict(String),
    /// What was asked for follows a version that is already visible (its
    /// full-text index, a standard file) and is still being written.
    #[error("{0} is still being written for this version; ask again in a few seconds")]
    Pending(String),
}

/// A dataset's catalog entry, from its `dataset.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct DatasetMeta {
    pub id: String,
    pub title: String,
    pub description: String,
    /// DCAT-AP data themes (`ECON`, `GOVE`, …), for partner catalogs and
    /// the catalog's theme filter.
    #[serde(default)]
    pub theme: Vec<String>,
    /// Words a citizen might search for that the title does not say.
    #[serde(default)]
    pub keywords: Vec<String>,
    pub publisher: Option<String>,
    pub license: Option<String>,
    pub profile: Option<String>,
    pub schedule: Option<String>,
    pub plugin: String,
    /// Where and when its data is about, for partner catalogs.
    #[serde(default)]
    pub coverage: crate::config::Coverage,
    /// The source systems the data is read from (`[[sources]]`).
    #[serde(default)]
    pub sources: Vec<crate::config::SourceSystem>,
    /// Its plugin reads files bundled with the installation (`file:` URLs)
    /// instead of the live source: sample data, said as such wherever the
    /// dataset is described.
    #[serde(default)]
    pub sample: bool,
    /// How its OCDS packages name their publisher (procurement datasets).
    #[serde(default)]
    pub ocds: crate::config::OcdsSettings,
}

/// A change of a dataset's schema between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum SchemaChange {
    FieldAdded {
        field: String,
        r#type: FieldType,
    },
    FieldRemoved {
        field: String,
    },
    /// A field that went and one that came in its place, with its type:
    /// most likely the same values under a new name.
    FieldRenamed {
        from: String,
        to: String,
    },
    TypeChanged {
        field: String,
        from: FieldType,
        to: FieldType,
    },
}

/// The change in the words of a log line or an error (English).
impl std::fmt::Display for SchemaChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::FieldAdded { field, .. } => write!(f, "field `{field}` added"),
            Self::FieldRemoved { field } => write!(f, "field `{field}` removed"),
            Self::FieldRenamed { from, to } => write!(f, "field `{from}` renamed `{to}`"),
            Self::TypeChanged { field, from, to } => {
                write!(f, "field `{field}` changed type from {from:?} to {to:?}")
            }
        }
    }
}

/// How `new` differs from `old`. A field removed and one added at the
/// same place in the field list with the same type reads as a rename.
pub fn schema_changes(old: &StreamSchema, new: &StreamSchema) -> Vec<SchemaChange> {
    let renamed = |position: usize| -> Option<(&str, &str)> {
        let (before, after) = (old.fields.get(position)?, new.fields.get(position)?);
        let gone = !new.fields.iter().any(|f| f.name == before.name);
        let came = !old.fields.iter().any(|f| f.name == after.name);
        (gone && came && before.kind == after.kind).then_some((&before.name, &after.name))
    };
    let renames: Vec<(&str, &str)> = (0..old.fields.len()).filter_map(renamed).collect();
    let mut changes: Vec<SchemaChange> = renames
        .iter()
        .map(|(from, to)| SchemaChange::FieldRenamed {
            from: from.to_string(),
            to: to.to_string(),
        })
        .collect();
    for field in &new.fields {
        match old.fields.iter().find(|f| f.name == field.name) {
            None if renames.iter().any(|(_, to)| *to == field.name) => {}
            None => changes.push(SchemaChange::FieldAdded {
                field: field.name.clone(),
                r#type: field.kind,
            }),
            Some(before) if before.kind != field.kind => changes.push(SchemaChange::TypeChanged {
                field: field.name.clone(),
                from: before.kind,
                to: field.kind,
            }),
            Some(_) => {}
        }
    }
    for field in &old.fields {
        if !new.fields.iter().any(|f| f.name == field.name)
            && !renames.iter().any(|(from, _)| *from == field.name)
        {
            changes.push(SchemaChange::FieldRemoved {
                field: field.name.clone(),
            });
        }
    }
    changes
}

/// One published version of a dataset, or of one of its tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Version {
    /// The dataset's id, or its table's ([`table_id`]).
    pub dataset: String,
    /// 1, 2, 3, ... per dataset.
    pub number: u64,
    pub published_at: chrono::DateTime<chrono::Utc>,
    pub plugin: String,
    pub plugin_version: String,
    pub contract: String,
    /// sha256 over the rows in key order: equal content, equal hash.
    pub content_hash: String,
    pub row_count: u64,
    pub schema: StreamSchema,
    /// How the schema differs from the previous version's.
    pub schema_changes: Vec<SchemaChange>,
    pub run_id: String,
    /// The profile's quality measures counted over the version's rows
    /// (`decisions_with_unread_vote`): how much of the data says its source
    /// could not be read.
    pub quality: BTreeMap<String, u64>,
    /// How many rows this version added, removed and changed against the
    /// one before (every row is added in version 1).
    pub row_changes: RowChanges,
}

/// Counts of the rows a version added, removed and changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RowChanges {
    pub added: u64,
    pub removed: u64,
    pub changed: u64,
}

/// A dataset with its current version, for the catalog.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatasetSummary {
    pub meta: DatasetMeta,
    pub current: Option<Version>,
    /// How current the data is: citizens and journalists should see when
    /// a dataset went stale.
    pub freshness: Freshness,
}

/// When a dataset last succeeded, and how its latest run ended.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Freshness {
    /// The start of the last run that published or found nothing new.
    pub last_success: Option<chrono::DateTime<chrono::Utc>>,
    pub latest_run: Option<LatestRun>,
}

/// How a run ended: the one word the run history, the metrics, the
/// scheduler's log, the API and the CLI all use for it. Its text form
/// (`published`, ...) exists only at the edges: SQL, JSON, metrics labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunOutcome {
    /// A new version was published.
    Published,
    /// The rows equal the current version's: nothing new to publish.
    Unchanged,
    /// The run failed; the last good version stays current.
    Failed,
    /// The run was stopped (shutdown, or an operator); nothing published.
    Cancelled,
    /// The run came due while the last one was still running.
    Skipped,
}

impl RunOutcome {
    pub const ALL: [RunOutcome; 5] = [
        RunOutcome::Published,
        RunOutcome::Unchanged,
        RunOutcome::Failed,
        RunOutcome::Cancelled,
        RunOutcome::Skipped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunOutcome::Published => "published",
            RunOutcome::Unchanged => "unchanged",
            RunOutcome::Failed => "failed",
            RunOutcome::Cancelled => "cancelled",
            RunOutcome::Skipped => "skipped",
        }
    }

    /// The outcome named `text`, as [`RunOutcome::as_str`] writes it.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == text)
    }

    /// Whether the dataset is as fresh as its source after this run.
    pub fn succeeded(self) -> bool {
        matches!(self, RunOutcome::Published | RunOutcome::Unchanged)
    }
}

impl std::fmt::Display for RunOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

/// The latest run of a dataset, in brief.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatestRun {
    pub run_id: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub outcome: RunOutcome,
    /// The failure's kind (`source_changed`, ...), when it failed.
    pub failure: Option<String>,
}

/// Who produced the rows being published.
#[derive(Clone)]
pub struct PublishRequest {
    pub run_id: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub trigger: String,
    pub duration_ms: u64,
    /// The run's report as JSON (bounded), kept with the run record.
    pub report: serde_json::Value,
    pub plugin: String,
    pub plugin_version: String,
    pub contract: String,
    /// Bookmarks to commit with the rows, per stream.
    pub bookmarks: BTreeMap<String, String>,
    /// Merge the staged rows into the current version (rows not staged
    /// are kept) instead of replacing it: for incremental plugins that emit
    /// only what is new or changed.
    pub merge: bool,
    /// Files written beside the downloads of a new version (standard
    /// renderings for partner networks).
    pub derived: Vec<std::sync::Arc<dyn DerivedFile>>,
    /// What to count over the rows of a new version, for its metadata.
    pub quality: Vec<QualityMeasure>,
    /// Leave the new version's full-text index and the derived files that
    /// read its rows to [`Store::complete_pending`], so the version is
    /// visible as soon as its rows and downloads are; otherwise publishing
    /// writes them before it returns.
    pub defer: bool,
}

/// Reads a version's rows in key order: called with a function that gets
/// each row in turn.
pub type RowSource<'a> =
    dyn FnMut(&mut dyn FnMut(&Row) -> std::io::Result<()>) -> Result<(), StoreError> + 'a;

/// What a derived file knows of the version it is written for.
#[derive(Debug, Clone)]
pub struct VersionFacts {
    pub number: u64,
    pub published_at: chrono::DateTime<chrono::Utc>,
    pub row_count: u64,
    /// The dataset's further tables in this version, for files that
    /// describe them all (`datapackage.json`); empty for a dataset of one
    /// stream, and in the facts of a further table itself.
    pub tables: std::sync::Arc<[TableFacts]>,
}

/// One further table of a version, as derived files describe it.
#[derive(Debug, Clone)]
pub struct TableFacts {
    pub schema: StreamSchema,
    pub row_count: u64,
}

/// A file derived from a version's rows and kept with its downloads,
/// written before the version becomes visible and never changed after.
pub trait DerivedFile: Send + Sync {
    /// The file's name in the version's folder (`datapackage.json`).
    fn name(&self) -> &'static str;

    /// Whether the version gets this file at all.
    fn applies_to(&self, _version: &VersionFacts) -> bool {
        true
    }

    /// Whether the file reads the version's rows (a standard's rendering)
    /// or only what the version is (`datapackage.json`). Only a file that
    /// reads rows is worth writing after the version is visible.
    fn reads_rows(&self) -> bool {
        true
    }

    /// The portal address the file's bytes name, if they name one (the
    /// OCDS packages' `uri`). A file written with an address the portal
    /// has since left stays pending, for a writer with the new one.
    fn address(&self) -> Option<&str> {
        None
    }

    /// Writes the file; `rows` may be read once.
    fn write(
        &self,
        out: &mut (dyn std::io::Write + Send),
        version: &VersionFacts,
        schema: &StreamSchema,
        rows: &mut RowSource<'_>,
    ) -> Result<(), StoreError>;
}

/// What publishing did.
#[derive(Debug, Clone, PartialEq)]
pub enum PublishOutcome {
    /// A new version, now current.
    Published(Version),
    /// The rows equal the current version's; nothing new was published.
    Unchanged(Version),
}

/// One page of rows.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPage {
    /// The version the rows were read from.
    pub version: u64,
    pub schema: StreamSchema,
    /// The fields returned, in order (all, or those asked for).
    pub fields: Vec<String>,
    pub rows: Vec<Row>,
    /// Where the next page starts, when there is one.
    pub next: Option<Cursor>,
}

/// One state of a row: its values from version `from` until (not
/// including) version `until`, or still current.
#[derive(Debug, Clone, PartialEq)]
pub struct RowState {
    pub from: u64,
    pub until: Option<u64>,
    /// The schema of version `from`, which `row` follows.
    pub schema: StreamSchema,
    pub row: Row,
}

/// One row that differs between two versions.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangedRow {
    pub before: Row,
    pub after: Row,
    /// Names of the fields whose values differ.
    pub fields: Vec<String>,
}

/// One difference between two versions, with the row's key (the
/// store's key text, which cursors carry).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Added {
        key: String,
        row: Row,
    },
    /// The row as it was, in the newer version's schema.
    Removed {
        key: String,
        row: Row,
    },
    Changed {
        key: String,
        row: ChangedRow,
    },
}

impl Change {
    pub fn key(&self) -> &str {
        match self {
            Change::Added { key, .. }
            | Change::Removed { key, .. }
            | Change::Changed { key, .. } => key,
        }
    }
}

/// Which differences to read: between `from` and `to` (0 is the empty
/// dataset before the first version), after the row key `after`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangeRange {
    pub from: u64,
    pub to: u64,
    pub after: Option<String>,
}

/// What changed between two versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Changes {
    pub from: u64,
    pub to: u64,
    /// The schema of `to` (rows of `from` are shown in it where fields were kept).
    pub schema: StreamSchema,
    pub added: Vec<Row>,
    pub removed: Vec<Row>,
    pub changed: Vec<ChangedRow>,
}

/// One run, as the run history keeps it. Everything but the report is a
/// column of its own, so listing runs and judging freshness never read a
/// report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    pub run_id: String,
    pub dataset: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub outcome: RunOutcome,
    /// The version published, or current when unchanged.
    pub version: Option<u64>,
    pub rows: u64,
    /// Why the run happened (`schedule`, `startup`, `manual`, `retry`).
    pub trigger: Option<String>,
    pub duration_ms: Option<u64>,
    /// The failure's kind (`memory_limit`, …) and message, when it failed.
    pub failure_kind: Option<String>,
    pub failure_message: Option<String>,
    /// The run's report (logs, fetches, failure), bounded in size; only
    /// read when one run is asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<serde_json::Value>,
}

/// A full download's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// RFC 4180, UTF-8, header row.
    Csv,
    /// The same with a UTF-8 byte-order mark, for Excel.
    CsvBom,
    /// A JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

/// How a download file is compressed on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    Identity,
    Gzip,
    Brotli,
}

/// The store id of the table that holds `stream` of `dataset`, for every
/// stream but the plugin's first, whose table is the dataset itself.
/// Dataset ids never hold a `.`, so the two parts never run together.
pub fn table_id(dataset: &str, stream: &str) -> String {
    format!("{dataset}.{stream}")
}

/// The dataset and stream of a table's store id; `None` for a dataset's
/// own id.
pub fn split_table_id(id: &str) -> Option<(&str, &str)> {
    id.split_once('.')
}

/// Where rows of a run wait until they are published.
pub trait Staging: Send {
    /// Adds valid rows of the table staged `table`th (the order of the
    /// schemas given to [`Store::stage_tables`]).
    fn write_table(&mut self, table: usize, rows: Vec<Row>) -> Result<(), StoreError>;

    /// Adds valid rows of the dataset's own table, its first.
    fn write(&mut self, rows: Vec<Row>) -> Result<(), StoreError> {
        self.write_table(0, rows)
    }

    /// Publishes the staged rows as the dataset's new version, or records
    /// that nothing changed. Readers see the old version or the new one,
    /// never a mix.
    fn publish(self: Box<Self>, request: PublishRequest) -> Result<PublishOutcome, StoreError>;
}

/// Something subscribers are told of (`version.published`,
/// `schema.changed`, `run.failed`), recorded with what it announces.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Event {
    /// Its place in the outbox's order.
    pub seq: u64,
    /// Unique, and the same on every attempt to deliver it: receivers
    /// de-duplicate on it (`webhook-id`).
    pub id: String,
    pub kind: String,
    pub dataset: String,
    pub version: Option<u64>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// What the event says beyond the fields above.
    pub data: serde_json::Value,
}

/// One event on its way to one subscription.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    pub event: Event,
    pub subscription: String,
    pub attempts: u32,
    pub next_attempt: chrono::DateTime<chrono::Utc>,
    pub delivered_at: Option<chrono::DateTime<chrono::Utc>>,
    /// When it was given up, its time to be delivered past.
    pub abandoned_at: Option<chrono::DateTime<chrono::Utc>>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
}

/// A subscription made through the admin API, as the store keeps it:
/// its settings (its secret only as the reference it is read from), and
/// who made it when.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredWebhook {
    pub hook: crate::config::Webhook,
    pub updated_by: String,
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

/// Where a subscription stands.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SubscriptionState {
    /// Failed attempts since its last delivery.
    pub consecutive_failures: u32,
    /// When it was paused for failing too often; nothing is sent until an
    /// operator resumes it.
    pub paused_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// How an attempt at a delivery went.
#[derive(Debug, Clone, PartialEq)]
pub enum DeliveryAttempt {
    Delivered {
        status: u16,
    },
    /// Tried again at `retry_at`, or given up when `None`.
    Failed {
        status: Option<u16>,
        error: String,
        retry_at: Option<chrono::DateTime<chrono::Utc>>,
    },
}

/// Who paused a dataset, and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Pause {
    pub by: String,
    pub at: chrono::DateTime<chrono::Utc>,
}

/// The versioned store.
pub trait Store: Send + Sync {
    /// Creates or updates a dataset's catalog entry.
    fn sync_dataset(&self, meta: &DatasetMeta) -> Result<(), StoreError>;

    /// Every dataset with its current version, sorted by id.
    fn datasets(&self) -> Result<Vec<DatasetSummary>, StoreError>;

    /// One dataset with its current version.
    fn dataset(&self, id: &str) -> Result<DatasetSummary, StoreError>;

    /// Starts staging a run's rows for `dataset`, whose one stream has
    /// `schema`.
    fn stage(&self, dataset: &str, schema: &StreamSchema) -> Result<Box<dyn Staging>, StoreError> {
        self.stage_tables(dataset, std::slice::from_ref(schema))
    }

    /// Starts staging a run's rows for `dataset`, one table per stream of
    /// its plugin: the first is the dataset's own table, each other one
    /// the table [`table_id`] names. They are published together, as one
    /// version of the dataset.
    fn stage_tables(
        &self,
        dataset: &str,
        streams: &[StreamSchema],
    ) -> Result<Box<dyn Staging>, StoreError>;

    /// The current versions of a dataset's tables beyond its own, in the
    /// order its plugin declares their streams; each is numbered as the
    /// dataset's version it belongs to. A table whose stream the plugin
    /// no longer declares is not listed (its versions stay readable).
    fn tables(&self, dataset: &str) -> Result<Vec<Version>, StoreError>;

    /// Every version of a dataset, oldest first.
    fn versions(&self, dataset: &str) -> Result<Vec<Version>, StoreError>;

    /// One version.
    fn version(&self, dataset: &str, number: u64) -> Result<Version, StoreError>;

    /// A page of rows as of a version, filtered and sorted.
    fn rows(&self, dataset: &str, query: &RowQuery) -> Result<RowPage, StoreError>;

    /// One row by its primary key values (as text, in key order) as of a version.
    fn row_by_key(
        &self,
        dataset: &str,
        version: u64,
        key: &[String],
    ) -> Result<Option<Row>, StoreError>;

    /// Calls `f` with each difference in `range`, in key order, until it
    /// returns `false`. Memory stays flat however many rows changed.
    fn for_each_change(
        &self,
        dataset: &str,
        range: &ChangeRange,
        f: &mut dyn FnMut(Change) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError>;

    /// Every difference between two versions, in memory: for tests and
    /// small diffs; answers stream with [`Store::for_each_change`].
    fn changes(&self, dataset: &str, from: u64, to: u64) -> Result<Changes, StoreError> {
        let newer = self.version(dataset, from.max(to))?;
        let mut changes = Changes {
            from,
            to,
            schema: match to {
                0 => newer.schema,
                n => self.version(dataset, n)?.schema,
            },
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        };
        let range = ChangeRange {
            from,
            to,
            after: None,
        };
        self.for_each_change(dataset, &range, &mut |change| {
            match change {
                Change::Added { row, .. } => changes.added.push(row),
                Change::Removed { row, .. } => changes.removed.push(row),
                Change::Changed { row, .. } => changes.changed.push(row),
            }
            Ok(true)
        })?;
        Ok(changes)
    }

    /// Every state the row with `key` has had, oldest first; empty when
    /// no version ever had it.
    fn row_history(&self, dataset: &str, key: &[String]) -> Result<Vec<RowState>, StoreError>;

    /// Records a run that published nothing (failed); publishing records
    /// its own run in the same transaction.
    fn record_run(&self, run: &RunRecord) -> Result<(), StoreError>;

    /// The last runs of a dataset, newest first.
    fn runs(&self, dataset: &str, limit: usize) -> Result<Vec<RunRecord>, StoreError>;

    /// One run by its id.
    fn run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError>;

    /// Datasets paused by an operator, with who paused them and when; a
    /// pause outlives restarts until someone resumes the dataset.
    fn pauses(&self) -> Result<BTreeMap<String, Pause>, StoreError>;

    /// Pauses (`Some`) or resumes (`None`) a dataset.
    fn set_pause(&self, dataset: &str, pause: Option<&Pause>) -> Result<(), StoreError>;

    /// Finishes what publishing left for after a version of `dataset` (or
    /// of one of its tables) became visible: full-text indexes, and the
    /// files of `derived` that read rows. Versions with nothing pending are
    /// skipped, so this is cheap to call after every run; a crash in the
    /// middle leaves the rest for the next call. How many pieces of work
    /// it did.
    fn complete_pending(
        &self,
        dataset: &str,
        derived: &[std::sync::Arc<dyn DerivedFile>],
    ) -> Result<usize, StoreError>;

    /// What a version still lacks: `search` for its full-text index, and
    /// the names of derived files still being written.
    fn pending(&self, dataset: &str, version: u64) -> Result<Vec<String>, StoreError>;

    /// Records that `dataset`'s files that name the portal's address
    /// (`names`, the OCDS packages' `uri`) are written with `base` from now
    /// on. When those already written name another address (the portal
    /// moved, or they predate the record), lists them as pending again on
    /// every version that has them, for [`Store::complete_pending`] to
    /// rewrite; the old file is served until then. How many versions have
    /// such files, including those a writer is already busy with: it may be
    /// writing the old address, so another pass is needed after it.
    fn readdress(&self, _dataset: &str, _base: &str, _names: &[&str]) -> Result<usize, StoreError> {
        Ok(0)
    }

    /// The portal address `dataset`'s address-bearing files are to be
    /// written with: the last one [`Store::readdress`] recorded, if any.
    fn portal_address(&self, _dataset: &str) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    /// Queues, for `subscription`, every event recorded since it last
    /// looked that it `wants`; a subscription seen for the first time
    /// starts from now. How many were queued.
    fn enqueue_deliveries(
        &self,
        subscription: &str,
        wants: &dyn Fn(&Event) -> bool,
    ) -> Result<usize, StoreError>;

    /// Deliveries due now, oldest first.
    fn due_deliveries(&self, limit: usize) -> Result<Vec<Delivery>, StoreError>;

    /// Records one attempt at delivering `event` to `subscription`.
    fn record_delivery(
        &self,
        event: u64,
        subscription: &str,
        attempt: &DeliveryAttempt,
    ) -> Result<(), StoreError>;

    /// A subscription's latest deliveries, newest first.
    fn delivery_log(&self, subscription: &str, limit: usize) -> Result<Vec<Delivery>, StoreError>;

    /// A subscription's failures in a row, and whether it is paused.
    fn subscription_state(&self, subscription: &str) -> Result<SubscriptionState, StoreError>;

    /// Records a `data.stale` event for `dataset`, unless one was recorded
    /// since its last success; whether it recorded one.
    fn announce_stale(
        &self,
        dataset: &str,
        last_success: &chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError>;

    /// Resumes a paused subscription; whether it was paused.
    fn resume_subscription(&self, subscription: &str) -> Result<bool, StoreError>;

    /// The subscriptions made through the admin API, by name.
    fn stored_webhooks(&self) -> Result<Vec<StoredWebhook>, StoreError>;

    /// Adds or replaces a subscription made through the admin API;
    /// whether it is new.
    fn put_webhook(&self, hook: &crate::config::Webhook, by: &str) -> Result<bool, StoreError>;

    /// Removes a subscription made through the admin API, and gives up
    /// what it still had to deliver; whether there was one.
    fn delete_webhook(&self, name: &str) -> Result<bool, StoreError>;

    /// The bookmarks committed with the current version, per stream.
    fn bookmarks(&self, dataset: &str) -> Result<BTreeMap<String, String>, StoreError>;

    /// Writes the gzip and brotli copies of downloads that lack them (new
    /// versions, and any lost from disk); how many folders it completed.
    /// Slow for large versions: the daemon calls it in the background.
    fn compress_pending(&self) -> Result<usize, StoreError>;

    /// A file of a version (`data.csv`, `ocds.json`, ...; see
    /// [`exports::file_name`]) in a coding, as bytes that stay valid while
    /// held: its length is theirs. `Ok(None)` when the version has no such
    /// file, or not yet in that coding. Where files live is the store's
    /// own business: callers name them, never find them. Blocks: call from
    /// a blocking thread, unless [`Store::cached_file`] has it.
    fn read_file(
        &self,
        dataset: &str,
        version: &Version,
        name: &str,
        compression: Compression,
    ) -> Result<Option<bytes::Bytes>, StoreError>;

    /// The file when it is already open: never blocks.
    fn cached_file(
        &self,
        _dataset: &str,
        _version: &Version,
        _name: &str,
        _compression: Compression,
    ) -> Option<bytes::Bytes> {
        None
    }

    /// Gets ready to answer pages of a version that just became current
    /// (the SQLite store builds its rows' key order for the column index),
    /// so its first readers do not wait for that. Best effort; blocks.
    fn prepare_reads(&self, _dataset: &str, _version: u64) {}

    /// A file's size in bytes, without reading it; `None` when absent.
    fn file_size(
        &self,
        dataset: &str,
        version: &Version,
        name: &str,
        compression: Compression,
    ) -> Option<u64>;

    /// The SHA-256 (lowercase hex) of a file of a version's folder, as
    /// computed when it was written; `None` when there is none.
    fn file_sha256(&self, dataset: &str, version: &Version, name: &str) -> Option<String>;
}

#[cfg(test)]
mod outcome_tests {
    use super::RunOutcome;

    #[test]
    fn each_outcome_has_one_word_at_every_edge() {
        for outcome in RunOutcome::ALL {
            let word = outcome.as_str();
            assert_eq!(RunOutcome::parse(word), Some(outcome));
            assert_eq!(outcome.to_string(), word);
            assert_eq!(serde_json::to_value(outcome).unwrap(), word);
        }
        assert_eq!(RunOutcome::parse("Published"), None);
        // Tables line up: the word is padded like any string.
        assert_eq!(format!("{:<10}|", RunOutcome::Failed), "failed    |");
        let fresh: Vec<_> = RunOutcome::ALL
            .into_iter()
            .filter(|o| o.succeeded())
            .collect();
        assert_eq!(fresh, [RunOutcome::Published, RunOutcome::Unchanged]);
    }
}
