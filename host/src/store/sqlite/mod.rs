//! The SQLite store: one database file under the data directory (WAL,
//! migrations by `user_version`), a typed table per dataset for its rows,
//! and the download files beside it.
//!
//! Readers take a connection from a small pool; each staging run opens its
//! own connection, stages into a temporary table there, and publishes with
//! one `BEGIN IMMEDIATE` transaction on it. WAL lets readers keep reading
//! the old version while a publish writes the new one.

mod codec;
mod columns;
mod fulltext;
mod outbox;
mod pending;
mod read;
mod staging;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use super::files::{FileStore, Folder, LocalFiles};
use super::{
    Change, ChangeRange, Compression, DatasetMeta, DatasetSummary, Pause, RowPage, RowQuery,
    RowState, RunRecord, Staging, Store, StoreError, Version,
};
use super::{exports, interrupt};
use crate::schema::{FieldType, Row, StreamSchema};

/// One schema migration: SQL, or code where the change depends on what
/// each dataset holds.
enum Migration {
    Sql(&'static str),
    Code(fn(&Connection) -> Result<(), StoreError>),
}

/// Schema migrations, applied in order; `PRAGMA user_version` counts them.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(
        r#"
    CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        meta TEXT NOT NULL,
        current INTEGER
    );
    CREATE TABLE versions (
        dataset TEXT NOT NULL REFERENCES datasets(id),
        number INTEGER NOT NULL,
        published_at TEXT NOT NULL,
        plugin TEXT NOT NULL,
        plugin_version TEXT NOT NULL,
        contract TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        row_count INTEGER NOT NULL,
        schema TEXT NOT NULL,
        schema_changes TEXT NOT NULL,
        run_id TEXT NOT NULL,
        PRIMARY KEY (dataset, number)
    );
    CREATE TABLE bookmarks (
        dataset TEXT NOT NULL REFERENCES datasets(id),
        stream TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (dataset, stream)
    );
    CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        dataset TEXT NOT NULL,
        started_at TEXT NOT NULL,
        outcome TEXT NOT NULL,
        version INTEGER,
        rows INTEGER NOT NULL,
        report TEXT NOT NULL
    );
    CREATE INDEX runs_by_dataset ON runs (dataset, started_at);
"#,
    ),
    Migration::Sql(
        r#"
    CREATE TABLE pauses (
        dataset TEXT PRIMARY KEY,
        paused_by TEXT NOT NULL,
        paused_at TEXT NOT NULL
    );
"#,
    ),
    // What listing runs and judging freshness need, as columns: reports
    // are read only when one run is asked for.
    Migration::Sql(
        r#"
    ALTER TABLE runs ADD COLUMN trigger TEXT;
    ALTER TABLE runs ADD COLUMN duration_ms INTEGER;
    ALTER TABLE runs ADD COLUMN failure_kind TEXT;
    ALTER TABLE runs ADD COLUMN failure_message TEXT;
    UPDATE runs SET
        trigger = json_extract(report, '$.trigger'),
        duration_ms = CAST(json_extract(report, '$.duration') * 1000 AS INTEGER),
        failure_kind = json_extract(report, '$.failure.kind'),
        failure_message = substr(json_extract(report, '$.failure.message'), 1, 4096)
    WHERE json_valid(report);
    CREATE INDEX runs_by_dataset_outcome ON runs (dataset, outcome, started_at);
"#,
    ),
    // The profile's quality measures of each version, as a JSON object.
    Migration::Sql(
        r#"
    ALTER TABLE versions ADD COLUMN quality TEXT NOT NULL DEFAULT '{}';
"#,
    ),
    // How many rows each version added, removed and changed.
    Migration::Sql(
        r#"
    ALTER TABLE versions ADD COLUMN row_changes TEXT NOT NULL DEFAULT '{"added":0,"removed":0,"changed":0}';
"#,
    ),
    // Every rows table gets a stable `rid` and a full-text index of the
    // rows it holds; every version its counts of changed rows.
    Migration::Code(index_stored_rows),
    // Decimal fields get exact order keys beside them.
    Migration::Code(key_stored_decimals),
    // A dataset's further streams are tables of their own: entries that
    // name their dataset, and where their stream comes among its plugin's.
    Migration::Code(add_table_entries),
    // What a visible version still lacks (its full-text index, standard
    // files): nothing, for every version written before.
    Migration::Code(|conn| add_column(conn, "versions", "pending", "TEXT NOT NULL DEFAULT '[]'")),
    // The outbox: events for subscribers, and their deliveries.
    Migration::Sql(outbox::TABLES),
    // A subscription's failures in a row, and its pause.
    Migration::Code(|conn| {
        add_column(
            conn,
            "subscription_cursors",
            "failures",
            "INTEGER NOT NULL DEFAULT 0",
        )?;
        add_column(conn, "subscription_cursors", "paused_at", "TEXT")
    }),
    // Subscriptions made through the admin API.
    Migration::Sql(outbox::WEBHOOKS_TABLE),
    // The portal address each dataset's address-bearing files were last
    // written with (`Store::readdress`).
    Migration::Sql(pending::ADDRESSES_TABLE),
];

/// SQLite steps between two looks at a request's budget: a look is a
/// clock read, and ten thousand steps take well under a millisecond.
const PROGRESS_STEPS: std::os::raw::c_int = 10_000;

/// How many idle reader connections are kept.
const MAX_IDLE_READERS: usize = 8;

/// The SQLite-backed store.
pub struct SqliteStore {
    db_path: PathBuf,
    /// Where runs stage their rows.
    staging_dir: PathBuf,
    /// The versions' files, on the local filesystem under `exports/`.
    files: Arc<LocalFiles>,
    /// Idle reader connections; a reader is opened when none is idle.
    readers: Mutex<Vec<Connection>>,
    /// Versions already read: they never change once published, and
    /// parsing a version's schema on every row request would cost more
    /// than the row.
    versions: Mutex<std::collections::HashMap<(String, u64), Arc<Version>>>,
    /// Columns of the versions read most, for filtered and sorted pages.
    columns: columns::ColumnIndex,
    /// One writer of pending work per dataset at a time: a writer started
    /// after the portal moved must find what an earlier one left, not
    /// race it to the same file.
    completing: Mutex<std::collections::HashMap<String, Arc<Mutex<()>>>>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store in `data_dir`, migrates it, and
    /// regenerates any version's download files that are missing.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::Io {
            path: data_dir.to_path_buf(),
            source,
        })?;
        let store = Self {
            db_path: data_dir.join("vitrina.sqlite3"),
            staging_dir: data_dir.join("staging"),
            files: Arc::new(LocalFiles::new(&data_dir.join("exports"))),
            readers: Mutex::new(Vec::new()),
            versions: Mutex::new(std::collections::HashMap::new()),
            columns: columns::ColumnIndex::default(),
            completing: Mutex::default(),
        };
        let mut conn = store.open_connection()?;
        migrate(&mut conn)?;
        store.release(conn);
        staging::remove_abandoned(&store.staging_dir);
        store.ensure_exports()?;
        store.complete_searches()?;
        Ok(store)
    }

    /// Sets the memory the column index may hold (see `columns`); zero
    /// answers every page by SQL alone.
    pub fn with_column_memory(mut self, bytes: usize) -> Self {
        self.columns = columns::ColumnIndex::new(bytes);
        self
    }

    /// Where the file `name` of a version lives on disk, in a coding: this
    /// backend's own business (and its tests'), never the callers'.
    pub fn file_path(
        &self,
        dataset: &str,
        version: &Version,
        name: &str,
        compression: Compression,
    ) -> PathBuf {
        self.files.path(
            &Folder::new(dataset, version.number, &version.content_hash),
            &exports::coded_name(name, compression),
        )
    }

    /// Where a version's full download in `format` lives on disk.
    pub fn export_path(
        &self,
        dataset: &str,
        version: &Version,
        format: super::ExportFormat,
        compression: Compression,
    ) -> PathBuf {
        let name = exports::file_name(format, Compression::Identity);
        self.file_path(dataset, version, &name, compression)
    }

    /// Checks that a version's rows read back to its content hash and row
    /// count, and that its download files are complete.
    pub fn verify(&self, dataset: &str, number: u64) -> Result<(), StoreError> {
        let version = self.version(dataset, number)?;
        if !exports::complete(self.files.as_ref(), &Folder::of(&version)) {
            return Err(StoreError::Corrupt(format!(
                "version {number} of `{dataset}` lacks download files"
            )));
        }
        self.with_reader(|conn| read::verify(conn, &version))
    }

    /// The database file.
    pub fn db_path(&self) -> &Path {
        &self.db_path
    }

    fn open_connection(&self) -> Result<Connection, StoreError> {
        let conn = Connection::open(&self.db_path)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))?;
        // FULL: a publish is rare and must survive a power cut, not only a crash.
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
        )?;
        read::register_functions(&conn)?;
        fulltext::register_functions(&conn)?;
        Ok(conn)
    }

    fn reader(&self) -> Result<Connection, StoreError> {
        let idle = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.open_connection(),
        }
    }

    fn release(&self, conn: Connection) {
        let mut readers = self.readers.lock().unwrap_or_else(|e| e.into_inner());
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
    }

    /// A version, from memory once it has been read.
    fn cached_version(
        &self,
        conn: &Connection,
        dataset: &str,
        number: u64,
    ) -> Result<Arc<Version>, StoreError> {
        let key = (dataset.to_string(), number);
        if let Some(version) = self
            .versions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return Ok(Arc::clone(version));
        }
        let version = Arc::new(read::version(conn, dataset, number)?);
        self.versions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, Arc::clone(&version));
        Ok(version)
    }

    /// Runs `f` with a pooled connection; inside a request's scope
    /// ([`interrupt::within`]), the query stops when the scope's budget is
    /// spent or its requester has gone.
    fn with_reader<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.reader()?;
        let Some(scope) = interrupt::current() else {
            let result = f(&conn);
            self.release(conn);
            return result;
        };
        let stopped = Arc::new(Mutex::new(None));
        let handler = {
            let (scope, stopped) = (scope.clone(), stopped.clone());
            move || match scope.stop() {
                Some(stop) => {
                    *stopped.lock().unwrap_or_else(|e| e.into_inner()) = Some(stop);
                    true
                }
                None => false,
            }
        };
        conn.progress_handler(PROGRESS_STEPS, Some(handler))?;
        let result = f(&conn);
        conn.progress_handler(0, None::<fn() -> bool>)?;
        self.release(conn);
        let stopped = *stopped.lock().unwrap_or_else(|e| e.into_inner());
        match (result, stopped) {
            (Err(_), Some(interrupt::Stop::OverBudget)) => {
                Err(StoreError::OverBudget(scope.budget))
            }
            (Err(_), Some(interrupt::Stop::Gone)) => Err(StoreError::RequesterGone),
            (result, _) => result,
        }
    }

    /// Indexes the text of every version that became visible without it
    /// (a process stopped between a publish and its completion).
    fn complete_searches(&self) -> Result<(), StoreError> {
        let mut conn = self.open_connection()?;
        let datasets: Vec<String> = conn
            .prepare("SELECT id FROM datasets WHERE parent IS NULL")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        for dataset in datasets {
            let done = pending::complete(&mut conn, self.files.as_ref(), &dataset, &[])?;
            if done > 0 {
                tracing::warn!(%dataset, indexes = done, "indexed versions published without their full-text index");
            }
        }
        Ok(())
    }

    /// Rewrites the download files of every version that lacks some (a
    /// crash during a publish, a deleted folder): never served half-written.
    fn ensure_exports(&self) -> Result<(), StoreError> {
        for id in self.with_reader(datasets_with_versions)? {
            for version in self.versions(&id)? {
                let (files, folder) = (self.files.as_ref(), Folder::of(&version));
                if !exports::complete(files, &folder) {
                    tracing::warn!(dataset = %version.dataset, version = version.number, "regenerating missing download files");
                    self.with_reader(|conn| {
                        exports::write_version(files, &folder, &version.schema, |emit| {
                            read::for_each_row_as_of(conn, &version, &mut |row: &Row| {
                                emit(row).map_err(|source| StoreError::Write {
                                    file: "a download".into(),
                                    source,
                                })
                            })
                        })
                    })?;
                }
            }
        }
        Ok(())
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let applied: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let applied = applied.max(0) as usize;
    if applied > MIGRATIONS.len() {
        return Err(StoreError::Corrupt(format!(
            "the database is at schema version {applied}, newer than this Vitrina ({}); upgrade Vitrina",
            MIGRATIONS.len()
        )));
    }
    for (i, migration) in MIGRATIONS.iter().enumerate().skip(applied) {
        let tx = conn.transaction()?;
        match migration {
            Migration::Sql(sql) => tx.execute_batch(sql)?,
            Migration::Code(step) => step(&tx)?,
        }
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

/// The datasets and tables with at least one version: every rows table.
fn datasets_with_versions(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT DISTINCT dataset FROM versions")?;
    let datasets = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(datasets)
}

/// Brings every dataset's rows table up to date and indexes its text: the
/// text fields of every version's schema, since old rows keep old fields.
fn index_stored_rows(conn: &Connection) -> Result<(), StoreError> {
    for dataset in datasets_with_versions(conn)? {
        let mut text_fields: Vec<String> = Vec::new();
        for version in read::versions(conn, &dataset)? {
            for field in fulltext::text_fields(&version.schema) {
                if !text_fields.iter().any(|f| f == field) {
                    text_fields.push(field.to_string());
                }
            }
        }
        staging::create_rows_table(conn, &dataset)?;
        let table = codec::rows_table(&dataset);
        let fields: Vec<&str> = text_fields.iter().map(String::as_str).collect();
        fulltext::ensure_index(conn, &dataset, &fields, &table)?;
        count_row_changes(conn, &dataset, &table)?;
    }
    Ok(())
}

/// Gives every decimal field any version of a dataset had its order-key
/// column, filled for the rows stored.
fn key_stored_decimals(conn: &Connection) -> Result<(), StoreError> {
    for dataset in datasets_with_versions(conn)? {
        let table = codec::rows_table(&dataset);
        let columns = codec::table_columns(conn, &dataset)?;
        let mut done: Vec<String> = Vec::new();
        for version in read::versions(conn, &dataset)? {
            for field in &version.schema.fields {
                let key = format!("k_{}", field.name);
                if field.kind == crate::schema::FieldType::Decimal
                    && columns.iter().any(|c| *c == format!("f_{}", field.name))
                    && !columns.contains(&key)
                    && !done.contains(&key)
                {
                    staging::add_decimal_keys(conn, &table, &field.name)?;
                    done.push(key);
                }
            }
        }
    }
    Ok(())
}

/// Adds a column unless the table has it: a migration step that may run
/// again on a store it already upgraded.
fn add_column(
    conn: &Connection,
    table: &str,
    column: &str,
    declaration: &str,
) -> Result<(), StoreError> {
    let exists: bool = conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1)"),
        [column],
        |r| r.get(0),
    )?;
    if !exists {
        conn.execute_batch(&format!(
            "ALTER TABLE {table} ADD COLUMN {column} {declaration};"
        ))?;
    }
    Ok(())
}

/// Lets a dataset's entry name the dataset it is a table of. Written to
/// run again on a store it already upgraded, as the earlier steps are.
fn add_table_entries(conn: &Connection) -> Result<(), StoreError> {
    add_column(conn, "datasets", "parent", "TEXT REFERENCES datasets(id)")?;
    add_column(conn, "datasets", "position", "INTEGER")?;
    conn.execute_batch(
        "CREATE INDEX IF NOT EXISTS datasets_by_parent ON datasets (parent, position);",
    )?;
    Ok(())
}

/// Counts each version's added, removed and changed rows from the rows'
/// validity ranges (new versions count them as they publish).
fn count_row_changes(conn: &Connection, dataset: &str, table: &str) -> Result<(), StoreError> {
    conn.execute(
        &format!(
            "UPDATE versions SET row_changes = (
                 SELECT json_object(
                     'added', inserted - changed, 'removed', closed - changed, 'changed', changed)
                 FROM (SELECT
                     (SELECT count(*) FROM {table} WHERE valid_from = versions.number) AS inserted,
                     (SELECT count(*) FROM {table} WHERE valid_to = versions.number) AS closed,
                     (SELECT count(*) FROM {table} a JOIN {table} b ON b.row_key = a.row_key
                      WHERE a.valid_to = versions.number AND b.valid_from = versions.number) AS changed))
             WHERE dataset = ?1"
        ),
        [dataset],
    )?;
    Ok(())
}

fn load_meta(
    conn: &Connection,
    id: &str,
) -> Result<Option<(DatasetMeta, Option<u64>)>, StoreError> {
    let row: Option<(String, Option<i64>)> = conn
        .query_row(
            "SELECT meta, current FROM datasets WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    row.map(|(meta, current)| {
        let meta: DatasetMeta =
            serde_json::from_str(&meta).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        Ok((meta, current.map(|c| c as u64)))
    })
    .transpose()
}

impl Store for SqliteStore {
    fn sync_dataset(&self, meta: &DatasetMeta) -> Result<(), StoreError> {
        let json = serde_json::to_string(meta).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.with_reader(|conn| {
            conn.execute(
                "INSERT INTO datasets (id, meta) VALUES (?1, ?2) ON CONFLICT (id) DO UPDATE SET meta = excluded.meta",
                params![meta.id, json],
            )?;
            Ok(())
        })
    }

    fn datasets(&self) -> Result<Vec<DatasetSummary>, StoreError> {
        let ids: Vec<String> = self.with_reader(|conn| {
            let mut stmt =
                conn.prepare("SELECT id FROM datasets WHERE parent IS NULL ORDER BY id")?;
            let ids = stmt
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            Ok(ids)
        })?;
        ids.iter().map(|id| self.dataset(id)).collect()
    }

    fn dataset(&self, id: &str) -> Result<DatasetSummary, StoreError> {
        self.with_reader(|conn| {
            let (meta, current) =
                load_meta(conn, id)?.ok_or_else(|| StoreError::UnknownDataset(id.to_string()))?;
            let current = current.map(|n| read::version(conn, id, n)).transpose()?;
            let freshness = read::freshness(conn, id)?;
            Ok(DatasetSummary {
                meta,
                current,
                freshness,
            })
        })
    }

    fn stage_tables(
        &self,
        dataset: &str,
        streams: &[StreamSchema],
    ) -> Result<Box<dyn Staging>, StoreError> {
        let conn = self.open_connection()?;
        if load_meta(&conn, dataset)?.is_none() {
            return Err(StoreError::UnknownDataset(dataset.to_string()));
        }
        Ok(Box::new(staging::SqliteStaging::new(
            conn,
            dataset,
            streams,
            self.files.clone(),
            &self.staging_dir,
        )?))
    }

    fn tables(&self, dataset: &str) -> Result<Vec<Version>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare(
                "SELECT id, current FROM datasets
                 WHERE parent = ?1 AND current IS NOT NULL ORDER BY position, id",
            )?;
            let tables: Vec<(String, i64)> = stmt
                .query_map([dataset], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<_, _>>()?;
            tables
                .iter()
                .map(|(id, n)| read::version(conn, id, *n as u64))
                .collect()
        })
    }

    fn versions(&self, dataset: &str) -> Result<Vec<Version>, StoreError> {
        self.with_reader(|conn| read::versions(conn, dataset))
    }

    fn version(&self, dataset: &str, number: u64) -> Result<Version, StoreError> {
        self.with_reader(|conn| read::version(conn, dataset, number))
    }

    fn rows(&self, dataset: &str, query: &RowQuery) -> Result<RowPage, StoreError> {
        // A cursor pins the walk to the version it started on.
        let number = query.after.as_ref().map_or(query.version, |c| c.version);
        self.with_reader(|conn| {
            read::rows(
                conn,
                &*self.cached_version(conn, dataset, number)?,
                query,
                Some(&self.columns),
            )
        })
    }

    fn row_by_key(
        &self,
        dataset: &str,
        version: u64,
        key: &[String],
    ) -> Result<Option<Row>, StoreError> {
        self.with_reader(|conn| {
            read::row_by_key(conn, &*self.cached_version(conn, dataset, version)?, key)
        })
    }

    fn row_history(&self, dataset: &str, key: &[String]) -> Result<Vec<RowState>, StoreError> {
        self.with_reader(|conn| read::row_history(conn, &read::versions(conn, dataset)?, key))
    }

    fn for_each_change(
        &self,
        dataset: &str,
        range: &ChangeRange,
        f: &mut dyn FnMut(Change) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        self.with_reader(|conn| read::for_each_change(conn, dataset, range, f))
    }

    fn record_run(&self, run: &RunRecord) -> Result<(), StoreError> {
        let mut conn = self.open_connection()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        staging::insert_run(&tx, run)?;
        if run.outcome == super::RunOutcome::Failed {
            outbox::record(
                &tx,
                "run.failed",
                &run.dataset,
                None,
                &serde_json::json!({
                    "run_id": run.run_id,
                    "failure": run.failure_kind,
                    "message": run.failure_message,
                }),
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn enqueue_deliveries(
        &self,
        subscription: &str,
        wants: &dyn Fn(&super::Event) -> bool,
    ) -> Result<usize, StoreError> {
        let mut conn = self.open_connection()?;
        outbox::enqueue(&mut conn, subscription, wants)
    }

    fn due_deliveries(&self, limit: usize) -> Result<Vec<super::Delivery>, StoreError> {
        self.with_reader(|conn| outbox::due(conn, limit))
    }

    fn record_delivery(
        &self,
        event: u64,
        subscription: &str,
        attempt: &super::DeliveryAttempt,
    ) -> Result<(), StoreError> {
        self.with_reader(|conn| outbox::attempted(conn, event, subscription, attempt))
    }

    fn delivery_log(
        &self,
        subscription: &str,
        limit: usize,
    ) -> Result<Vec<super::Delivery>, StoreError> {
        self.with_reader(|conn| outbox::log(conn, subscription, limit))
    }

    fn subscription_state(
        &self,
        subscription: &str,
    ) -> Result<super::SubscriptionState, StoreError> {
        self.with_reader(|conn| outbox::state(conn, subscription))
    }

    fn announce_stale(
        &self,
        dataset: &str,
        last_success: &chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.open_connection()?;
        outbox::record_stale(&mut conn, dataset, last_success)
    }

    fn resume_subscription(&self, subscription: &str) -> Result<bool, StoreError> {
        let mut conn = self.open_connection()?;
        outbox::resume(&mut conn, subscription)
    }

    fn stored_webhooks(&self) -> Result<Vec<super::StoredWebhook>, StoreError> {
        self.with_reader(outbox::webhooks)
    }

    fn put_webhook(&self, hook: &crate::config::Webhook, by: &str) -> Result<bool, StoreError> {
        let mut conn = self.open_connection()?;
        outbox::put_webhook(&mut conn, hook, by)
    }

    fn delete_webhook(&self, name: &str) -> Result<bool, StoreError> {
        let mut conn = self.open_connection()?;
        outbox::delete_webhook(&mut conn, name)
    }

    fn runs(&self, dataset: &str, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.with_reader(|conn| read::runs(conn, dataset, limit))
    }

    fn run(&self, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
        self.with_reader(|conn| read::run(conn, run_id))
    }

    fn pauses(&self) -> Result<BTreeMap<String, Pause>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare("SELECT dataset, paused_by, paused_at FROM pauses")?;
            let rows = stmt.query_map([], |r| {
                let at: String = r.get(2)?;
                Ok((
                    r.get::<_, String>(0)?,
                    Pause {
                        by: r.get(1)?,
                        at: parse_time(&at),
                    },
                ))
            })?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn set_pause(&self, dataset: &str, pause: Option<&Pause>) -> Result<(), StoreError> {
        self.with_reader(|conn| {
            match pause {
                Some(p) => conn.execute(
                    "INSERT INTO pauses (dataset, paused_by, paused_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (dataset) DO UPDATE SET paused_by = ?2, paused_at = ?3",
                    rusqlite::params![dataset, p.by, p.at.to_rfc3339()],
                )?,
                None => conn.execute("DELETE FROM pauses WHERE dataset = ?1", [dataset])?,
            };
            Ok(())
        })
    }

    fn complete_pending(
        &self,
        dataset: &str,
        derived: &[Arc<dyn crate::store::DerivedFile>],
    ) -> Result<usize, StoreError> {
        let lock = Arc::clone(
            self.completing
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(dataset.to_string())
                .or_default(),
        );
        let _one_writer = lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut conn = self.open_connection()?;
        pending::complete(&mut conn, self.files.as_ref(), dataset, derived)
    }

    fn pending(&self, dataset: &str, version: u64) -> Result<Vec<String>, StoreError> {
        self.with_reader(|conn| pending::of_version(conn, dataset, version))
    }

    fn readdress(&self, dataset: &str, base: &str, names: &[&str]) -> Result<usize, StoreError> {
        let mut conn = self.open_connection()?;
        pending::readdress(&mut conn, self.files.as_ref(), dataset, base, names)
    }

    fn portal_address(&self, dataset: &str) -> Result<Option<String>, StoreError> {
        self.with_reader(|conn| pending::portal_address(conn, dataset))
    }

    fn bookmarks(&self, dataset: &str) -> Result<BTreeMap<String, String>, StoreError> {
        self.with_reader(|conn| {
            let mut stmt =
                conn.prepare("SELECT stream, state FROM bookmarks WHERE dataset = ?1")?;
            let rows = stmt.query_map([dataset], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<Result<_, _>>()?)
        })
    }

    fn compress_pending(&self) -> Result<usize, StoreError> {
        let mut completed = 0;
        for id in self.with_reader(datasets_with_versions)? {
            for version in self.versions(&id)? {
                let (files, folder) = (self.files.as_ref(), Folder::of(&version));
                if exports::complete(files, &folder)
                    && !exports::compressed(files, &folder)
                    && exports::compress_version(files, &folder)?
                {
                    completed += 1;
                }
            }
        }
        Ok(completed)
    }

    fn read_file(
        &self,
        dataset: &str,
        version: &Version,
        name: &str,
        compression: Compression,
    ) -> Result<Option<bytes::Bytes>, StoreError> {
        let folder = Folder::new(dataset, version.number, &version.content_hash);
        self.files
            .open(&folder, &exports::coded_name(name, compression))
    }

    fn prepare_reads(&self, dataset: &str, version: u64) {
        let prepared = self.with_reader(|conn| {
            let schema = &self.cached_version(conn, dataset, version)?.schema;
            let exprs: Vec<String> = schema
                .fields
                .iter()
                .filter(|f| !matches!(f.kind, FieldType::Text | FieldType::Json))
                .map(|f| codec::sort_expr(&f.name, f.kind))
                .collect();
            self.columns.prepare(conn, dataset, version, &exprs)
        });
        if let Err(error) = prepared {
            tracing::debug!(dataset, version, %error, "could not prepare the column index");
        }
    }

    fn cached_file(
        &self,
        dataset: &str,
        version: &Version,
        name: &str,
        compression: Compression,
    ) -> Option<bytes::Bytes> {
        let folder = Folder::new(dataset, version.number, &version.content_hash);
        self.files
            .cached(&folder, &exports::coded_name(name, compression))
    }

    fn file_size(
        &self,
        dataset: &str,
        version: &Version,
        name: &str,
        compression: Compression,
    ) -> Option<u64> {
        let folder = Folder::new(dataset, version.number, &version.content_hash);
        self.files
            .size(&folder, &exports::coded_name(name, compression))
    }

    fn file_sha256(&self, dataset: &str, version: &Version, name: &str) -> Option<String> {
        let folder = Folder::new(dataset, version.number, &version.content_hash);
        self.files.sha256(&folder, name)
    }
}

#[cfg(test)]
mod tests;

/// Times are stored as RFC 3339 text; a damaged one reads as the epoch
/// rather than failing the whole listing.
fn parse_time(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|d| d.with_timezone(&chrono::Utc))
        .unwrap_or_default()
}
