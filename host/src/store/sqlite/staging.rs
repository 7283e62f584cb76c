//! Staging a run's rows and publishing them as a version.
//!
//! Rows go to a temporary table on the staging run's own connection, in
//! the order they come, and are indexed by key once at publish time. Then
//! the content hash (over row hashes in key order) is compared
//! with the current version's: equal means unchanged. Otherwise the
//! download files are written first (for a version that is not visible
//! yet), then one `BEGIN IMMEDIATE` transaction closes the rows that
//! changed or disappeared, inserts the new and changed ones, and records
//! the version, the bookmarks and the run. Readers see the old version or
//! the new one, never a mix; a crash before the commit changes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use sha2::{Digest, Sha256};

use super::codec::{self, column, key_column, rows_table};
use super::{fulltext, read};
use crate::schema::{FieldType, QualityMeasure, Row, StreamSchema};
use crate::store::{
    DerivedFile, PublishOutcome, PublishRequest, RowChanges, RowSource, RunOutcome, RunRecord,
    SchemaChange, Staging, StoreError, Version, VersionFacts, exports,
};

pub struct SqliteStaging {
    conn: Connection,
    dataset: String,
    schema: StreamSchema,
    key_positions: Vec<usize>,
    exports_root: PathBuf,
    insert_sql: String,
    rows: u64,
}

impl SqliteStaging {
    pub fn new(
        conn: Connection,
        dataset: &str,
        schema: &StreamSchema,
        exports_root: &Path,
    ) -> Result<Self, StoreError> {
        let columns: Vec<String> = schema.fields.iter().map(|f| column(&f.name)).collect();
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.staging;
             CREATE TEMP TABLE staging (row_key TEXT NOT NULL, row_hash BLOB NOT NULL{});",
            columns.iter().map(|c| format!(", {c}")).collect::<String>()
        ))?;
        let placeholders = (0..columns.len() + 2)
            .map(|i| format!("?{}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let insert_sql = format!(
            "INSERT INTO temp.staging (row_key, row_hash{}) VALUES ({placeholders})",
            columns.iter().map(|c| format!(", {c}")).collect::<String>()
        );
        Ok(Self {
            conn,
            dataset: dataset.to_string(),
            schema: schema.clone(),
            key_positions: schema.key_positions(),
            exports_root: exports_root.to_path_buf(),
            insert_sql,
            rows: 0,
        })
    }

    fn content_hash(&self) -> Result<String, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT row_hash FROM temp.staging ORDER BY row_key")?;
        let mut rows = stmt.query([])?;
        let mut hasher = Sha256::new();
        while let Some(row) = rows.next()? {
            hasher.update(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// Writes the version's folder in one pass over the staged rows: the
    /// downloads on this thread, each derived file on a thread of its own
    /// fed the same rows in batches, so the files are written side by side
    /// (a million-row OCDS file and the downloads take about as long each)
    /// and the rows are read and decoded once.
    fn write_exports(
        &self,
        version: &VersionFacts,
        content_hash: &str,
        derived: &[Arc<dyn DerivedFile>],
    ) -> Result<(), StoreError> {
        let dir = exports::version_dir(
            &self.exports_root,
            &self.dataset,
            version.number,
            content_hash,
        );
        let select = format!(
            "SELECT {} FROM temp.staging ORDER BY row_key",
            select_columns(&self.schema)
        );
        // The derived files' writers start before the downloads' do.
        std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
            path: dir.clone(),
            source,
        })?;
        let started = std::time::Instant::now();
        let derived: Vec<&Arc<dyn DerivedFile>> =
            derived.iter().filter(|f| f.applies_to(version)).collect();
        std::thread::scope(|scope| {
            let mut feeds = Vec::with_capacity(derived.len());
            let mut writers = Vec::with_capacity(derived.len());
            for file in &derived {
                let (feed, batches) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
                feeds.push(feed);
                let (dir, schema) = (&dir, &self.schema);
                writers.push(scope.spawn(move || {
                    let started = std::time::Instant::now();
                    let mut rows = batched_rows(batches);
                    let written =
                        exports::write_derived(dir, file.as_ref(), version, schema, &mut *rows);
                    tracing::debug!(
                        file = file.name(),
                        seconds = started.elapsed().as_secs_f64(),
                        "derived file written"
                    );
                    written
                }));
            }
            let mut fan_out = FanOut::new(feeds);
            let mut rows = |emit: &mut dyn FnMut(&Row) -> std::io::Result<()>| {
                let mut stmt = self.conn.prepare(&select)?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let values = read::decode_row(row, &self.schema, 0)?;
                    emit(&values).map_err(|source| StoreError::Io {
                        path: dir.clone(),
                        source,
                    })?;
                    fan_out.push(values);
                }
                Ok(())
            };
            let downloads = exports::write_version(&dir, &self.schema, &mut rows);
            if downloads.is_ok() {
                fan_out.finish();
            }
            // Without `finish`, the derived files see their rows stop
            // short and are not kept.
            drop(fan_out);
            tracing::debug!(
                seconds = started.elapsed().as_secs_f64(),
                "downloads written"
            );
            let derived = writers.into_iter().try_for_each(|w| {
                w.join()
                    .map_err(|_| StoreError::Worker("a derived file's writer panicked".into()))?
            });
            downloads.and(derived)
        })
    }

    /// Merge publishing: copies into the staging table every current row
    /// whose key the run did not stage, so the new version is the current
    /// one with the run's rows added or replaced. A changed schema cannot
    /// be merged (the carried rows would not follow it): that takes a full
    /// refresh.
    fn carry_unstaged_rows(&mut self, previous: &Version) -> Result<(), StoreError> {
        if previous.schema != self.schema {
            return Err(StoreError::Conflict(format!(
                "dataset `{}`: the plugin's schema changed since version {}, so its rows cannot be merged into it; run once with --full-refresh (or trigger a full refresh) to publish a whole new version",
                self.dataset, previous.number
            )));
        }
        let table = rows_table(&self.dataset);
        let columns: String = self
            .schema
            .fields
            .iter()
            .map(|f| format!(", {}", column(&f.name)))
            .collect();
        let carried = self.conn.execute(
            &format!(
                "INSERT INTO temp.staging (row_key, row_hash{columns})
                 SELECT r.row_key, r.row_hash{columns} FROM main.{table} r
                 WHERE r.valid_to IS NULL AND NOT EXISTS
                 (SELECT 1 FROM temp.staging s WHERE s.row_key = r.row_key)"
            ),
            [],
        )?;
        self.rows += carried as u64;
        Ok(())
    }

    /// Creates or updates the rows table and its full-text index for this
    /// run's schema, in one transaction.
    fn ensure_columns(&mut self) -> Result<(), StoreError> {
        let table = rows_table(&self.dataset);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        create_rows_table(&tx, &self.dataset)?;
        let existing = codec::table_columns(&tx, &self.dataset)?;
        for field in &self.schema.fields {
            if !existing.iter().any(|c| c == &format!("f_{}", field.name)) {
                tx.execute_batch(&format!(
                    "ALTER TABLE {table} ADD COLUMN {}",
                    column(&field.name)
                ))?;
            }
            if field.kind == FieldType::Decimal
                && !existing.iter().any(|c| c == &format!("k_{}", field.name))
            {
                add_decimal_keys(&tx, &table, &field.name)?;
            }
        }
        fulltext::ensure_index(
            &tx,
            &self.dataset,
            &fulltext::text_fields(&self.schema),
            &table,
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Each measure counted over the staged rows, which are the whole new
    /// version (in merge mode too: the rows carried over are staged).
    /// Fields the schema lacks are left out of a measure, and a measure
    /// with none left is not counted.
    fn count_quality(
        &self,
        measures: &[QualityMeasure],
    ) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut counts = BTreeMap::new();
        for measure in measures {
            let (conditions, values): (Vec<String>, Vec<&str>) = measure
                .any_of
                .iter()
                .filter(|(field, _)| self.schema.fields.iter().any(|f| &f.name == *field))
                .enumerate()
                .map(|(i, (field, value))| {
                    (format!("{} = ?{}", column(field), i + 1), value.as_str())
                })
                .unzip();
            if conditions.is_empty() {
                continue;
            }
            let sql = format!(
                "SELECT count(*) FROM temp.staging WHERE {}",
                conditions.join(" OR ")
            );
            let n: i64 = self
                .conn
                .query_row(&sql, params_from_iter(values), |r| r.get(0))?;
            counts.insert(measure.name.clone(), n as u64);
        }
        Ok(counts)
    }

    fn publish_new_version(
        &mut self,
        facts: &VersionFacts,
        content_hash: &str,
        request: &PublishRequest,
        previous: Option<&Version>,
    ) -> Result<Version, StoreError> {
        let number = facts.number;
        let mut version = Version {
            dataset: self.dataset.clone(),
            number,
            published_at: facts.published_at,
            plugin: request.plugin.clone(),
            plugin_version: request.plugin_version.clone(),
            contract: request.contract.clone(),
            content_hash: content_hash.to_string(),
            row_count: self.rows,
            schema: self.schema.clone(),
            schema_changes: previous
                .map(|p| schema_changes(&p.schema, &self.schema))
                .unwrap_or_default(),
            run_id: request.run_id.clone(),
            quality: self.count_quality(&request.quality)?,
            row_changes: RowChanges::default(),
        };
        let table = rows_table(&self.dataset);
        let columns: Vec<String> = self.schema.fields.iter().map(|f| column(&f.name)).collect();
        let column_list: String = columns.iter().map(|c| format!(", {c}")).collect();
        let phase = std::time::Instant::now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_still_current(&tx, &self.dataset, previous.map(|p| p.number))?;
        // Changed: a staged row whose key is current with other values.
        let changed: i64 = tx.query_row(
            &format!(
                "SELECT count(*) FROM temp.staging s JOIN {table} r
                 ON r.row_key = s.row_key AND r.valid_to IS NULL WHERE r.row_hash <> s.row_hash"
            ),
            [],
            |r| r.get(0),
        )?;
        let closed = tx.execute(
            &format!(
                "UPDATE {table} SET valid_to = ?1 WHERE valid_to IS NULL AND NOT EXISTS
                 (SELECT 1 FROM temp.staging s WHERE s.row_key = {table}.row_key AND s.row_hash = {table}.row_hash)"
            ),
            [number as i64],
        )?;
        // Decimal fields carry their order keys beside them.
        let decimals: Vec<&str> = self
            .schema
            .fields
            .iter()
            .filter(|f| f.kind == FieldType::Decimal)
            .map(|f| f.name.as_str())
            .collect();
        let key_list: String = decimals
            .iter()
            .map(|f| format!(", {}", key_column(f)))
            .collect();
        let key_values: String = decimals
            .iter()
            .map(|f| format!(", vitrina_decimal_key(s.{})", column(f)))
            .collect();
        let inserted = tx.execute(
            &format!(
                "INSERT INTO {table} (row_key, row_hash, valid_from, valid_to{column_list}{key_list})
                 SELECT s.row_key, s.row_hash, ?1, NULL{}{key_values} FROM temp.staging s WHERE NOT EXISTS
                 (SELECT 1 FROM {table} r WHERE r.row_key = s.row_key AND r.valid_to IS NULL)
                 ORDER BY s.row_key",
                columns
                    .iter()
                    .map(|c| format!(", s.{c}"))
                    .collect::<String>()
            ),
            [number as i64],
        )?;
        tracing::debug!(seconds = phase.elapsed().as_secs_f64(), "rows stored");
        let phase = std::time::Instant::now();
        let changed = changed as u64;
        version.row_changes = RowChanges {
            added: inserted as u64 - changed,
            removed: closed as u64 - changed,
            changed,
        };
        fulltext::index_version(
            &tx,
            &self.dataset,
            &fulltext::text_fields(&self.schema),
            &table,
            number,
        )?;
        tracing::debug!(
            seconds = phase.elapsed().as_secs_f64(),
            "rows indexed for search"
        );
        let phase = std::time::Instant::now();
        insert_version(&tx, &version)?;
        tx.execute(
            "UPDATE datasets SET current = ?1 WHERE id = ?2",
            params![number as i64, self.dataset],
        )?;
        save_bookmarks(&tx, &self.dataset, &request.bookmarks)?;
        insert_run(
            &tx,
            &run_record(
                request,
                &self.dataset,
                RunOutcome::Published,
                Some(number),
                self.rows,
            ),
        )?;
        tx.commit()?;
        tracing::debug!(seconds = phase.elapsed().as_secs_f64(), "version committed");
        Ok(version)
    }
}

impl Staging for SqliteStaging {
    fn write(&mut self, rows: Vec<Row>) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(&self.insert_sql)?;
            for row in &rows {
                let key = codec::row_key(row, &self.key_positions);
                let hash = codec::row_hash(&self.schema, row);
                let values = row.iter().map(codec::to_sql);
                let params = [
                    rusqlite::types::ToSqlOutput::from(key.as_str()),
                    rusqlite::types::ToSqlOutput::from(&hash[..]),
                ]
                .into_iter()
                .chain(values);
                stmt.execute(params_from_iter(params))?;
            }
        }
        tx.commit()?;
        self.rows += rows.len() as u64;
        Ok(())
    }

    fn publish(mut self: Box<Self>, request: PublishRequest) -> Result<PublishOutcome, StoreError> {
        // Rows arrive in the plugin's order; one sort into an index here is
        // cheaper than keeping a key index through a million inserts, and
        // every pass below reads in key order. Keys are unique already
        // (the validator checks), the index makes sure.
        self.conn
            .execute_batch("CREATE UNIQUE INDEX temp.staging_by_key ON staging (row_key)")?;
        let current: Option<u64> = self
            .conn
            .query_row(
                "SELECT current FROM datasets WHERE id = ?1",
                [&self.dataset],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten()
            .map(|n| n as u64);
        let previous = current
            .map(|n| read::version(&self.conn, &self.dataset, n))
            .transpose()?;
        if request.merge
            && let Some(previous) = &previous
        {
            self.carry_unstaged_rows(previous)?;
        }
        let started = std::time::Instant::now();
        let content_hash = self.content_hash()?;
        let hashed = started.elapsed();
        if let Some(previous) = previous
            .as_ref()
            .filter(|p| p.content_hash == content_hash && p.schema == self.schema)
        {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            save_bookmarks(&tx, &self.dataset, &request.bookmarks)?;
            insert_run(
                &tx,
                &run_record(
                    &request,
                    &self.dataset,
                    RunOutcome::Unchanged,
                    Some(previous.number),
                    self.rows,
                ),
            )?;
            tx.commit()?;
            return Ok(PublishOutcome::Unchanged(previous.clone()));
        }
        let facts = VersionFacts {
            number: current.unwrap_or(0) + 1,
            published_at: chrono::Utc::now(),
            row_count: self.rows,
        };
        self.ensure_columns()?;
        self.write_exports(&facts, &content_hash, &request.derived)?;
        let exported = started.elapsed();
        let version =
            self.publish_new_version(&facts, &content_hash, &request, previous.as_ref())?;
        // Where a large publish spends its time, for operators sizing one.
        tracing::info!(
            dataset = %self.dataset,
            version = facts.number,
            rows = facts.row_count,
            hash_s = hashed.as_secs_f64(),
            files_s = (exported - hashed).as_secs_f64(),
            commit_s = (started.elapsed() - exported).as_secs_f64(),
            "version written"
        );
        Ok(PublishOutcome::Published(version))
    }
}

/// Rows handed to the derived files' writers at a time.
const BATCH_ROWS: usize = 1024;
/// Batches that may wait for a derived file's writer before the reader
/// waits for it.
const BATCHES_IN_FLIGHT: usize = 4;

/// A batch of rows for the derived files, or the sign that all were sent.
enum Batch {
    Rows(Arc<Vec<Row>>),
    End,
}

/// Hands each row, in batches, to every derived file's writer still
/// reading.
struct FanOut {
    feeds: Vec<std::sync::mpsc::SyncSender<Batch>>,
    batch: Vec<Row>,
}

impl FanOut {
    fn new(feeds: Vec<std::sync::mpsc::SyncSender<Batch>>) -> Self {
        Self {
            feeds,
            batch: Vec::new(),
        }
    }

    fn push(&mut self, row: Row) {
        if self.feeds.is_empty() {
            return;
        }
        self.batch.push(row);
        if self.batch.len() == BATCH_ROWS {
            self.send_batch();
        }
    }

    fn send_batch(&mut self) {
        let batch = Arc::new(std::mem::take(&mut self.batch));
        // A writer that has stopped reading (its file needs no more rows,
        // or it failed) drops its end; it is fed no more.
        self.feeds
            .retain(|feed| feed.send(Batch::Rows(Arc::clone(&batch))).is_ok());
    }

    fn finish(&mut self) {
        if !self.batch.is_empty() {
            self.send_batch();
        }
        for feed in &self.feeds {
            let _ = feed.send(Batch::End);
        }
    }
}

/// A derived file's rows, from the batches the reader sends; an error if
/// they stop before the end, so a short file is never kept.
fn batched_rows(batches: std::sync::mpsc::Receiver<Batch>) -> Box<RowSource<'static>> {
    Box::new(move |emit| {
        for batch in batches.iter() {
            match batch {
                Batch::Rows(rows) => {
                    for row in rows.iter() {
                        emit(row).map_err(|source| StoreError::Io {
                            path: PathBuf::from("derived file"),
                            source,
                        })?;
                    }
                }
                Batch::End => return Ok(()),
            }
        }
        Err(StoreError::Worker(
            "the rows stopped before the end of a derived file; it was not kept".into(),
        ))
    })
}

/// Creates the rows table of `dataset`, or brings one written before rows
/// had a `rid` up to date. The `rid` is the full-text index's key: an
/// `INTEGER PRIMARY KEY`, so `VACUUM` keeps it (a plain rowid it may renumber).
pub fn create_rows_table(conn: &Connection, dataset: &str) -> Result<(), StoreError> {
    let table = rows_table(dataset);
    let columns = codec::table_columns(conn, dataset)?;
    let legacy = !columns.is_empty() && !columns.iter().any(|c| c == "rid");
    if legacy {
        conn.execute_batch(&format!(
            "ALTER TABLE {table} RENAME TO \"rows:{dataset}:legacy\";"
        ))?;
    }
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {table} (
             rid INTEGER PRIMARY KEY,
             row_key TEXT NOT NULL,
             row_hash BLOB NOT NULL,
             valid_from INTEGER NOT NULL,
             valid_to INTEGER,
             UNIQUE (row_key, valid_from)
         );"
    ))?;
    if legacy {
        // The field columns come along; rows keep their order.
        let fields: String = columns
            .iter()
            .filter(|c| c.starts_with("f_"))
            .map(|c| format!(", \"{c}\""))
            .collect();
        conn.execute_batch(&format!(
            "{alter}
             INSERT INTO {table} (row_key, row_hash, valid_from, valid_to{fields})
             SELECT row_key, row_hash, valid_from, valid_to{fields} FROM \"rows:{dataset}:legacy\" ORDER BY rowid;
             DROP TABLE \"rows:{dataset}:legacy\";",
            alter = columns
                .iter()
                .filter(|c| c.starts_with("f_"))
                .map(|c| format!("ALTER TABLE {table} ADD COLUMN \"{c}\";"))
                .collect::<String>(),
        ))?;
    }
    conn.execute_batch(&format!(
        "CREATE INDEX IF NOT EXISTS \"rows:{dataset}:current\" ON {table} (row_key) WHERE valid_to IS NULL;"
    ))?;
    Ok(())
}

/// Adds the order-key column of decimal field `field` to `table`, with
/// the keys of the rows already there.
pub fn add_decimal_keys(conn: &Connection, table: &str, field: &str) -> Result<(), StoreError> {
    conn.execute_batch(&format!(
        "ALTER TABLE {table} ADD COLUMN {key};
         UPDATE {table} SET {key} = vitrina_decimal_key({value}) WHERE {value} IS NOT NULL;",
        key = key_column(field),
        value = column(field),
    ))?;
    Ok(())
}

/// The field columns in schema order, for SELECT.
pub fn select_columns(schema: &StreamSchema) -> String {
    schema
        .fields
        .iter()
        .map(|f| column(&f.name))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Single-flight should make this impossible; if two publishes of one
/// dataset race anyway, the second fails instead of clobbering the first.
fn check_still_current(
    conn: &Connection,
    dataset: &str,
    expected: Option<u64>,
) -> Result<(), StoreError> {
    let current: Option<i64> = conn.query_row(
        "SELECT current FROM datasets WHERE id = ?1",
        [dataset],
        |r| r.get(0),
    )?;
    if current.map(|c| c as u64) != expected {
        return Err(StoreError::Corrupt(format!(
            "dataset `{dataset}` moved to version {current:?} while this run was publishing; run it again"
        )));
    }
    Ok(())
}

fn insert_version(conn: &Connection, v: &Version) -> Result<(), StoreError> {
    // Serializing the store's own plain types cannot fail.
    let json = |value: &dyn erased_json::Json| value.to_json();
    conn.execute(
        "INSERT INTO versions (dataset, number, published_at, plugin, plugin_version, contract, content_hash,
                               row_count, schema, schema_changes, run_id, quality, row_changes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            v.dataset,
            v.number as i64,
            v.published_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            v.plugin,
            v.plugin_version,
            v.contract,
            v.content_hash,
            v.row_count as i64,
            json(&v.schema),
            json(&v.schema_changes),
            v.run_id,
            json(&v.quality),
            json(&v.row_changes),
        ],
    )?;
    Ok(())
}

mod erased_json {
    /// Lets one closure serialize values of different types.
    pub trait Json {
        fn to_json(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
    }
}

fn save_bookmarks(
    conn: &Connection,
    dataset: &str,
    bookmarks: &BTreeMap<String, String>,
) -> Result<(), StoreError> {
    for (stream, state) in bookmarks {
        conn.execute(
            "INSERT INTO bookmarks (dataset, stream, state) VALUES (?1, ?2, ?3)
             ON CONFLICT (dataset, stream) DO UPDATE SET state = excluded.state",
            params![dataset, stream, state],
        )?;
    }
    Ok(())
}

fn run_record(
    request: &PublishRequest,
    dataset: &str,
    outcome: RunOutcome,
    version: Option<u64>,
    rows: u64,
) -> RunRecord {
    RunRecord {
        run_id: request.run_id.clone(),
        dataset: dataset.to_string(),
        started_at: request.started_at,
        outcome,
        version,
        rows,
        trigger: Some(request.trigger.clone()),
        duration_ms: Some(request.duration_ms),
        failure_kind: None,
        failure_message: None,
        report: Some(request.report.clone()),
    }
}

/// Records a run in the history.
pub fn insert_run(conn: &Connection, run: &RunRecord) -> Result<(), StoreError> {
    conn.execute(
        "INSERT OR REPLACE INTO runs (run_id, dataset, started_at, outcome, version, rows, report,
                                      trigger, duration_ms, failure_kind, failure_message)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            run.run_id,
            run.dataset,
            run.started_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            run.outcome.as_str(),
            run.version.map(|v| v as i64),
            run.rows as i64,
            run.report
                .as_ref()
                .map_or_else(|| "{}".to_string(), |r| r.to_string()),
            run.trigger,
            run.duration_ms.map(|d| d as i64),
            run.failure_kind,
            run.failure_message,
        ],
    )?;
    Ok(())
}

/// How `new` differs from `old`.
pub fn schema_changes(old: &StreamSchema, new: &StreamSchema) -> Vec<SchemaChange> {
    let mut changes = Vec::new();
    for field in &new.fields {
        match old.fields.iter().find(|f| f.name == field.name) {
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
        if !new.fields.iter().any(|f| f.name == field.name) {
            changes.push(SchemaChange::FieldRemoved {
                field: field.name.clone(),
            });
        }
    }
    changes
}
