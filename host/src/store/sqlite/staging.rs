//! Staging a run's rows and publishing them as a version.
//!
//! Rows go to a temporary table per stream on the staging run's own
//! connection, in the order they come, and are indexed by key once at
//! publish time. Then each table's content hash (over row hashes in key
//! order) is compared with the current version's: all equal means
//! unchanged. Otherwise the download files are written first (for a
//! version that is not visible yet), then one `BEGIN IMMEDIATE`
//! transaction closes the rows that changed or disappeared, inserts the
//! new and changed ones, and records the version, the bookmarks and the
//! run. Readers see the old version or the new one, never a mix; a crash
//! before the commit changes nothing. What a visible version can wait for
//! (its full-text index, the standard files) is written after the commit
//! ([`super::pending`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use sha2::{Digest, Sha256};

use super::codec::{self, column, key_column, rows_table};
use super::{fulltext, pending, read};
use crate::schema::{FieldType, QualityMeasure, Row, StreamSchema};
use crate::store::files::{FileStore, Folder};
use crate::store::{
    DerivedFile, PublishOutcome, PublishRequest, RowChanges, RowSource, RunOutcome, RunRecord,
    Staging, StoreError, TableFacts, Version, VersionFacts, exports, schema_changes, table_id,
};

pub struct SqliteStaging {
    /// The run's own connection: it writes the staged rows, and publishes.
    conn: Connection,
    staged: Staged,
}

/// What a run staged: one table of rows per stream, in a database file of
/// its own attached to the staging connection as `staging`. A file rather
/// than SQLite's temporary tables, which only their connection sees: at
/// publish time a second connection reads the staged rows into the
/// downloads while the first stores them, side by side.
struct Staged {
    dataset: String,
    /// The dataset's own table first, then one per further stream.
    tables: Vec<StagedTable>,
    /// Where the version's files are written.
    files: Arc<dyn FileStore>,
    /// The staging database; removed with the staging area.
    file: PathBuf,
}

/// One table's rows waiting in the staging database.
struct StagedTable {
    /// The table's store id: the dataset's, or [`table_id`]'s.
    id: String,
    schema: StreamSchema,
    key_positions: Vec<usize>,
    /// `staging_{n}`, in the staging database.
    temp: String,
    insert_sql: String,
    rows: u64,
}

/// Removes staging files no run is using: left by a process that
/// stopped, whose process id is gone (or, where that cannot be told, a
/// day old).
pub fn remove_abandoned(staging_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(staging_dir) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for path in entries.flatten().map(|e| e.path()) {
        let pid = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.split('.').nth(1))
            .and_then(|p| p.parse::<u32>().ok());
        let proc = Path::new("/proc");
        let abandoned = match pid {
            Some(pid) if proc.is_dir() => !proc.join(pid.to_string()).exists(),
            _ => path
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|age| age > day),
        };
        if abandoned {
            let _ = std::fs::remove_file(&path);
        }
    }
}

impl Drop for SqliteStaging {
    fn drop(&mut self) {
        // The connection still has it open; the space is freed when it closes.
        let _ = std::fs::remove_file(&self.staged.file);
    }
}

impl SqliteStaging {
    pub fn new(
        conn: Connection,
        dataset: &str,
        streams: &[StreamSchema],
        files: Arc<dyn FileStore>,
        dir: &Path,
    ) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        // `.` never occurs in a dataset id: the process id is the second part.
        let file = dir.join(format!("{dataset}.{}.{nanos}.sqlite", std::process::id()));
        conn.execute("ATTACH DATABASE ?1 AS staging", [file.to_string_lossy()])?;
        // Nothing here outlives the run: no journal, no fsync.
        conn.execute_batch("PRAGMA staging.journal_mode = OFF; PRAGMA staging.synchronous = OFF;")?;
        let mut staging = Self {
            conn,
            staged: Staged {
                dataset: dataset.to_string(),
                tables: Vec::new(),
                files,
                file,
            },
        };
        for (n, schema) in streams.iter().enumerate() {
            let id = match n {
                0 => dataset.to_string(),
                _ => table_id(dataset, &schema.name),
            };
            let table = StagedTable::create(&staging.conn, id, n, schema)?;
            staging.staged.tables.push(table);
        }
        Ok(staging)
    }

    /// The current version of each staged table, when the dataset has one
    /// and the table was part of it.
    fn previous_tables(&self, current: Option<u64>) -> Result<Vec<Option<Version>>, StoreError> {
        self.staged
            .tables
            .iter()
            .map(|table| {
                let Some(number) = current else {
                    return Ok(None);
                };
                match read::version(&self.conn, &table.id, number) {
                    Ok(version) => Ok(Some(version)),
                    Err(StoreError::UnknownVersion { .. }) => Ok(None),
                    Err(e) => Err(e),
                }
            })
            .collect()
    }

    /// The tables the current version has beyond the dataset's own.
    fn current_table_ids(&self, current: Option<u64>) -> Result<Vec<String>, StoreError> {
        let Some(number) = current else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare(
            "SELECT d.id FROM datasets d JOIN versions v ON v.dataset = d.id
             WHERE d.parent = ?1 AND v.number = ?2 ORDER BY d.id",
        )?;
        let ids = stmt
            .query_map(params![self.staged.dataset, number as i64], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    /// Whether the staged tables hold what the current version holds:
    /// the same tables, each with the same schema and content.
    fn same_as_current(
        &self,
        current: Option<u64>,
        previous: &[Option<Version>],
        hashes: &[String],
    ) -> Result<bool, StoreError> {
        let same_content =
            self.staged
                .tables
                .iter()
                .zip(previous)
                .zip(hashes)
                .all(|((table, previous), hash)| {
                    previous
                        .as_ref()
                        .is_some_and(|p| &p.content_hash == hash && p.schema == table.schema)
                });
        if !same_content {
            return Ok(false);
        }
        let mut staged: Vec<&str> = self.staged.tables[1..]
            .iter()
            .map(|t| t.id.as_str())
            .collect();
        staged.sort_unstable();
        Ok(self.current_table_ids(current)? == staged)
    }

    /// Records a run whose rows equal the current version's.
    fn record_unchanged(
        &mut self,
        request: &PublishRequest,
        current: &Version,
    ) -> Result<(), StoreError> {
        let rows = self.staged.staged_rows();
        let dataset = &self.staged.dataset;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        save_bookmarks(&tx, dataset, &request.bookmarks)?;
        insert_run(
            &tx,
            &run_record(
                request,
                dataset,
                RunOutcome::Unchanged,
                Some(current.number),
                rows,
            ),
        )?;
        tx.commit()?;
        Ok(())
    }
}

impl Staged {
    fn staged_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }

    /// A connection of its own to the staging database, for reading the
    /// staged rows beside the staging connection.
    fn reader(&self) -> Result<Connection, StoreError> {
        let reader = Connection::open_with_flags(
            &self.file,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        Ok(reader)
    }

    /// Writes every table's folder for the new version from `reader` (a
    /// connection to the staging database); the dataset's own table gets
    /// the derived files.
    fn write_exports(
        &self,
        reader: &Connection,
        number: u64,
        published_at: chrono::DateTime<chrono::Utc>,
        hashes: &[String],
        derived: &[Arc<dyn DerivedFile>],
    ) -> Result<(), StoreError> {
        let further: Arc<[TableFacts]> = self.tables[1..]
            .iter()
            .map(|t| TableFacts {
                schema: t.schema.clone(),
                row_count: t.rows,
            })
            .collect();
        for (n, (table, hash)) in self.tables.iter().zip(hashes).enumerate() {
            let facts = VersionFacts {
                number,
                published_at,
                row_count: table.rows,
                tables: if n == 0 {
                    Arc::clone(&further)
                } else {
                    Arc::from([])
                },
            };
            let derived = if n == 0 { derived } else { &[] };
            table.write_exports(reader, self.files.as_ref(), &facts, hash, derived)?;
        }
        Ok(())
    }

    /// One transaction: every table's rows, full-text index and version
    /// record, the dataset's current version, bookmarks and run. Tables
    /// the plugin no longer declares stop being current.
    ///
    /// `files` is waited for before the commit, and its failure rolls the
    /// version back: a visible version always has its downloads.
    #[allow(clippy::too_many_arguments)]
    fn commit_version(
        &self,
        conn: &mut Connection,
        number: u64,
        published_at: chrono::DateTime<chrono::Utc>,
        hashes: &[String],
        request: &PublishRequest,
        previous: &[Option<Version>],
        current: Option<u64>,
        files: impl FnOnce() -> Result<(), StoreError>,
    ) -> Result<Version, StoreError> {
        let mut versions = Vec::with_capacity(self.tables.len());
        for (n, (table, previous)) in self.tables.iter().zip(previous).enumerate() {
            let measures = if n == 0 { &request.quality[..] } else { &[] };
            versions.push(Version {
                dataset: table.id.clone(),
                number,
                published_at,
                plugin: request.plugin.clone(),
                plugin_version: request.plugin_version.clone(),
                contract: request.contract.clone(),
                content_hash: hashes[n].clone(),
                row_count: table.rows,
                schema: table.schema.clone(),
                schema_changes: previous
                    .as_ref()
                    .map(|p| schema_changes(&p.schema, &table.schema))
                    .unwrap_or_default(),
                run_id: request.run_id.clone(),
                quality: table.count_quality(conn, measures)?,
                row_changes: RowChanges::default(),
            });
        }
        let rows = self.staged_rows();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        check_still_current(&tx, &self.dataset, current)?;
        for (n, (table, version)) in self.tables.iter().zip(&mut versions).enumerate() {
            version.row_changes = table.store_rows(&tx, number)?;
            let phase = std::time::Instant::now();
            let derived = if n == 0 { &request.derived[..] } else { &[] };
            let facts = VersionFacts {
                number,
                published_at,
                row_count: table.rows,
                tables: Arc::from([]),
            };
            let pending = pending::left_for_later(&table.schema, derived, &facts);
            insert_version(&tx, version, &pending)?;
            tx.execute(
                "UPDATE datasets SET current = ?1 WHERE id = ?2",
                params![number as i64, table.id],
            )?;
            tracing::debug!(
                table = %table.id,
                seconds = phase.elapsed().as_secs_f64(),
                "version recorded"
            );
        }
        let staged: Vec<&str> = self.tables.iter().map(|t| t.id.as_str()).collect();
        let mut stmt = tx.prepare("SELECT id FROM datasets WHERE parent = ?1")?;
        let children: Vec<String> = stmt
            .query_map([&self.dataset], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        drop(stmt);
        for gone in children.iter().filter(|id| !staged.contains(&id.as_str())) {
            tx.execute("UPDATE datasets SET current = NULL WHERE id = ?1", [gone])?;
        }
        announce(&tx, &self.dataset, &versions, previous)?;
        save_bookmarks(&tx, &self.dataset, &request.bookmarks)?;
        insert_run(
            &tx,
            &run_record(
                request,
                &self.dataset,
                RunOutcome::Published,
                Some(number),
                rows,
            ),
        )?;
        files()?;
        let phase = std::time::Instant::now();
        tx.commit()?;
        tracing::debug!(seconds = phase.elapsed().as_secs_f64(), "version committed");
        Ok(versions.swap_remove(0))
    }
}

impl StagedTable {
    fn create(
        conn: &Connection,
        id: String,
        n: usize,
        schema: &StreamSchema,
    ) -> Result<Self, StoreError> {
        let temp = format!("staging_{n}");
        let columns: String = schema
            .fields
            .iter()
            .map(|f| format!(", {}", column(&f.name)))
            .collect();
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS staging.{temp};
             CREATE TABLE staging.{temp} (row_key TEXT NOT NULL, row_hash BLOB NOT NULL{columns});",
        ))?;
        let placeholders = (0..schema.fields.len() + 2)
            .map(|i| format!("?{}", i + 1))
            .collect::<Vec<_>>()
            .join(", ");
        let insert_sql = format!(
            "INSERT INTO staging.{temp} (row_key, row_hash{columns}) VALUES ({placeholders})"
        );
        Ok(Self {
            id,
            schema: schema.clone(),
            key_positions: schema.key_positions(),
            temp,
            insert_sql,
            rows: 0,
        })
    }

    fn write(&mut self, conn: &mut Connection, rows: &[Row]) -> Result<(), StoreError> {
        let tx = conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(&self.insert_sql)?;
            for row in rows {
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

    /// Rows arrive in the plugin's order; one sort into an index here is
    /// cheaper than keeping a key index through a million inserts, and
    /// every pass after reads in key order. Keys are unique already (the
    /// validator checks), the index makes sure.
    fn index_by_key(&self, conn: &Connection) -> Result<(), StoreError> {
        conn.execute_batch(&format!(
            "CREATE UNIQUE INDEX staging.{temp}_by_key ON {temp} (row_key)",
            temp = self.temp
        ))?;
        Ok(())
    }

    fn content_hash(&self, conn: &Connection) -> Result<String, StoreError> {
        let mut stmt = conn.prepare(&format!(
            "SELECT row_hash FROM staging.{} ORDER BY row_key",
            self.temp
        ))?;
        let mut rows = stmt.query([])?;
        let mut hasher = Sha256::new();
        while let Some(row) = rows.next()? {
            hasher.update(row.get_ref(0)?.as_blob().map_err(rusqlite::Error::from)?);
        }
        Ok(hex::encode(hasher.finalize()))
    }

    /// Writes the version's folder in one pass over the staged rows: the
    /// downloads, and the derived files that need no rows (the others
    /// follow once the version is visible, [`super::pending`]).
    fn write_exports(
        &self,
        conn: &Connection,
        files: &dyn FileStore,
        version: &VersionFacts,
        content_hash: &str,
        derived: &[Arc<dyn DerivedFile>],
    ) -> Result<(), StoreError> {
        let folder = Folder::new(&self.id, version.number, content_hash);
        let select = format!(
            "SELECT {} FROM main.{} ORDER BY row_key",
            select_columns(&self.schema),
            self.temp
        );
        let started = std::time::Instant::now();
        let derived: Vec<&Arc<dyn DerivedFile>> = derived
            .iter()
            .filter(|f| !f.reads_rows() && f.applies_to(version))
            .collect();
        let written = write_files(
            files,
            &folder,
            &self.schema,
            version,
            &derived,
            true,
            &mut |emit| {
                let mut stmt = conn.prepare(&select)?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    emit(read::decode_row(row, &self.schema, 0)?)?;
                }
                Ok(())
            },
        );
        tracing::debug!(
            table = %self.id,
            seconds = started.elapsed().as_secs_f64(),
            "downloads written"
        );
        written
    }

    /// Merge publishing: copies into the staging table every current row
    /// whose key the run did not stage, so the new version is the current
    /// one with the run's rows added or replaced. A changed schema cannot
    /// be merged (the carried rows would not follow it): that takes a full
    /// refresh.
    fn carry_unstaged_rows(
        &mut self,
        conn: &Connection,
        previous: &Version,
    ) -> Result<(), StoreError> {
        if !self.schema.holds_rows_of(&previous.schema) {
            return Err(StoreError::Conflict(format!(
                "`{}`: the plugin's schema changed since version {}, so its rows cannot be merged into it; run once with --full-refresh (or trigger a full refresh) to publish a whole new version",
                self.id, previous.number
            )));
        }
        let table = rows_table(&self.id);
        let columns: String = self
            .schema
            .fields
            .iter()
            .map(|f| format!(", {}", column(&f.name)))
            .collect();
        let carried = conn.execute(
            &format!(
                "INSERT INTO staging.{temp} (row_key, row_hash{columns})
                 SELECT r.row_key, r.row_hash{columns} FROM main.{table} r
                 WHERE r.valid_to IS NULL AND NOT EXISTS
                 (SELECT 1 FROM staging.{temp} s WHERE s.row_key = r.row_key)",
                temp = self.temp
            ),
            [],
        )?;
        self.rows += carried as u64;
        Ok(())
    }

    /// Creates or updates the table's catalog entry, rows table and
    /// full-text index for this run's schema, in one transaction.
    fn ensure_columns(
        &self,
        conn: &mut Connection,
        dataset: &str,
        position: usize,
    ) -> Result<(), StoreError> {
        let table = rows_table(&self.id);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if self.id != dataset {
            register_table(&tx, dataset, &self.id, &self.schema, position)?;
        }
        create_rows_table(&tx, &self.id)?;
        let existing = codec::table_columns(&tx, &self.id)?;
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
        fulltext::ensure_index(&tx, &self.id, &fulltext::text_fields(&self.schema), &table)?;
        tx.commit()?;
        Ok(())
    }

    /// Each measure counted over the staged rows, which are the whole new
    /// version (in merge mode too: the rows carried over are staged).
    /// Fields the schema lacks are left out of a measure, and a measure
    /// with none left is not counted.
    fn count_quality(
        &self,
        conn: &Connection,
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
                "SELECT count(*) FROM staging.{} WHERE {}",
                self.temp,
                conditions.join(" OR ")
            );
            let n: i64 = conn.query_row(&sql, params_from_iter(values), |r| r.get(0))?;
            counts.insert(measure.name.clone(), n as u64);
        }
        Ok(counts)
    }

    /// Inside the publishing transaction: closes the rows that changed or
    /// went and inserts the new and changed ones. Their text is indexed
    /// once the version is visible.
    fn store_rows(&self, tx: &Connection, number: u64) -> Result<RowChanges, StoreError> {
        let (table, temp) = (rows_table(&self.id), &self.temp);
        let columns: Vec<String> = self.schema.fields.iter().map(|f| column(&f.name)).collect();
        let column_list: String = columns.iter().map(|c| format!(", {c}")).collect();
        let phase = std::time::Instant::now();
        // Changed: a staged row whose key is current with other values.
        let changed: i64 = tx.query_row(
            &format!(
                "SELECT count(*) FROM staging.{temp} s JOIN {table} r
                 ON r.row_key = s.row_key AND r.valid_to IS NULL WHERE r.row_hash <> s.row_hash"
            ),
            [],
            |r| r.get(0),
        )?;
        let closed = tx.execute(
            &format!(
                "UPDATE {table} SET valid_to = ?1 WHERE valid_to IS NULL AND NOT EXISTS
                 (SELECT 1 FROM staging.{temp} s WHERE s.row_key = {table}.row_key AND s.row_hash = {table}.row_hash)"
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
                 SELECT s.row_key, s.row_hash, ?1, NULL{}{key_values} FROM staging.{temp} s WHERE NOT EXISTS
                 (SELECT 1 FROM {table} r WHERE r.row_key = s.row_key AND r.valid_to IS NULL)
                 ORDER BY s.row_key",
                columns
                    .iter()
                    .map(|c| format!(", s.{c}"))
                    .collect::<String>()
            ),
            [number as i64],
        )?;
        tracing::debug!(table = %self.id, seconds = phase.elapsed().as_secs_f64(), "rows stored");
        let changed = changed as u64;
        Ok(RowChanges {
            added: inserted as u64 - changed,
            removed: closed as u64 - changed,
            changed,
        })
    }
}

/// Gives a table of `dataset` its catalog entry: the dataset's own entry
/// under the table's id, titled by its stream, and where the stream comes
/// among the plugin's.
fn register_table(
    conn: &Connection,
    dataset: &str,
    id: &str,
    schema: &StreamSchema,
    position: usize,
) -> Result<(), StoreError> {
    let meta: String =
        conn.query_row("SELECT meta FROM datasets WHERE id = ?1", [dataset], |r| {
            r.get(0)
        })?;
    let mut meta: crate::store::DatasetMeta =
        serde_json::from_str(&meta).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    meta.title = format!("{}: {}", meta.title, schema.name);
    meta.description = schema.description.clone();
    meta.id = id.to_string();
    // The profile describes the plugin's first stream, never the others.
    meta.profile = None;
    let meta = serde_json::to_string(&meta).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.execute(
        "INSERT INTO datasets (id, meta, parent, position) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET meta = excluded.meta, position = excluded.position",
        params![id, meta, dataset, position as i64],
    )?;
    Ok(())
}

impl Staging for SqliteStaging {
    fn write_table(&mut self, table: usize, rows: Vec<Row>) -> Result<(), StoreError> {
        let staged_tables = self.staged.tables.len();
        let staged = self.staged.tables.get_mut(table).ok_or_else(|| {
            StoreError::Conflict(format!(
                "dataset `{}` stages {staged_tables} tables; rows came for table {table}",
                self.staged.dataset,
            ))
        })?;
        staged.write(&mut self.conn, &rows)
    }

    fn publish(mut self: Box<Self>, request: PublishRequest) -> Result<PublishOutcome, StoreError> {
        let keyed = std::time::Instant::now();
        for table in &self.staged.tables {
            table.index_by_key(&self.conn)?;
        }
        tracing::debug!(seconds = keyed.elapsed().as_secs_f64(), "staged rows keyed");
        let current: Option<u64> = self
            .conn
            .query_row(
                "SELECT current FROM datasets WHERE id = ?1",
                [&self.staged.dataset],
                |r| r.get::<_, Option<i64>>(0),
            )
            .optional()?
            .flatten()
            .map(|n| n as u64);
        let previous = self.previous_tables(current)?;
        if request.merge {
            for (table, previous) in self.staged.tables.iter_mut().zip(&previous) {
                if let Some(previous) = previous {
                    table.carry_unstaged_rows(&self.conn, previous)?;
                }
            }
        }
        let started = std::time::Instant::now();
        let hashes: Vec<String> = self
            .staged
            .tables
            .iter()
            .map(|t| t.content_hash(&self.conn))
            .collect::<Result<_, _>>()?;
        let hashed = started.elapsed();
        if self.same_as_current(current, &previous, &hashes)?
            && let Some(Some(own)) = previous.first()
        {
            self.record_unchanged(&request, own)?;
            return Ok(PublishOutcome::Unchanged(own.clone()));
        }
        let number = current.unwrap_or(0) + 1;
        let published_at = chrono::Utc::now();
        let SqliteStaging { conn, staged } = &mut *self;
        for (position, table) in staged.tables.iter().enumerate() {
            table.ensure_columns(conn, &staged.dataset, position)?;
        }
        // The downloads are written from the staging database on a thread
        // of their own while this connection stores the rows; the commit
        // waits for them.
        let staged = &*staged;
        let version = std::thread::scope(|scope| {
            let files = scope.spawn(|| {
                let reader = staged.reader()?;
                staged.write_exports(&reader, number, published_at, &hashes, &request.derived)
            });
            staged.commit_version(
                conn,
                number,
                published_at,
                &hashes,
                &request,
                &previous,
                current,
                || {
                    files.join().unwrap_or_else(|_| {
                        Err(StoreError::Worker("the downloads' writer panicked".into()))
                    })
                },
            )
        })?;
        let visible = started.elapsed();
        // The version is live: what fails from here on stays listed as
        // pending, for the next `complete_pending` to write.
        if !request.defer
            && let Err(error) = pending::complete(
                conn,
                staged.files.as_ref(),
                &staged.dataset,
                &request.derived,
            )
        {
            tracing::error!(dataset = %staged.dataset, version = number, %error, "the new version went live without its search index or standard files");
        }
        // Where a large publish spends its time, for operators sizing one.
        tracing::info!(
            dataset = %staged.dataset,
            version = number,
            rows = version.row_count,
            tables = staged.tables.len(),
            hash_s = hashed.as_secs_f64(),
            store_s = (visible - hashed).as_secs_f64(),
            "version written"
        );
        Ok(PublishOutcome::Published(version))
    }
}

/// Hands each row of a version, in key order, to the function it is given.
pub(super) type OwnedRows<'a> =
    dyn FnMut(&mut dyn FnMut(Row) -> Result<(), StoreError>) -> Result<(), StoreError> + 'a;

/// Writes a version's files in one pass over its rows (`for_each_row`
/// hands each to its argument): with `downloads`, the downloads on this
/// thread, and each of `derived` on a thread of its own fed the same rows
/// in batches, so the files are written side by side (a million-row OCDS
/// file and the downloads take about as long each) and the rows are read
/// and decoded once.
pub(super) fn write_files(
    files: &dyn FileStore,
    folder: &Folder,
    schema: &StreamSchema,
    version: &VersionFacts,
    derived: &[&Arc<dyn DerivedFile>],
    downloads: bool,
    for_each_row: &mut OwnedRows<'_>,
) -> Result<(), StoreError> {
    std::thread::scope(|scope| {
        // The derived files' writers start before the downloads' do.
        let mut feeds = Vec::with_capacity(derived.len());
        let mut writers = Vec::with_capacity(derived.len());
        for file in derived {
            let (feed, batches) = std::sync::mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
            feeds.push(feed);
            writers.push(scope.spawn(move || {
                let started = std::time::Instant::now();
                let mut rows = batched_rows(batches);
                let written = exports::write_derived(
                    files,
                    folder,
                    file.as_ref(),
                    version,
                    schema,
                    &mut *rows,
                );
                tracing::debug!(
                    file = file.name(),
                    seconds = started.elapsed().as_secs_f64(),
                    "derived file written"
                );
                written
            }));
        }
        let mut fan_out = FanOut::new(feeds);
        let written = if downloads {
            exports::write_version(files, folder, schema, |emit| {
                for_each_row(&mut |row| {
                    emit(&row).map_err(|source| StoreError::Write {
                        file: "a download".into(),
                        source,
                    })?;
                    fan_out.push(row);
                    Ok(())
                })
            })
        } else {
            for_each_row(&mut |row| {
                fan_out.push(row);
                Ok(())
            })
        };
        if written.is_ok() {
            fan_out.finish();
        }
        // Without `finish`, the derived files see their rows stop short
        // and are not kept.
        drop(fan_out);
        let derived = writers.into_iter().try_for_each(|w| {
            w.join()
                .map_err(|_| StoreError::Worker("a derived file's writer panicked".into()))?
        });
        written.and(derived)
    })
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

/// Records in the outbox, inside the publishing transaction, what the
/// new version tells subscribers: it was published (with its counts and
/// tables), and when the dataset's own schema changed, how.
fn announce(
    conn: &Connection,
    dataset: &str,
    versions: &[Version],
    previous: &[Option<Version>],
) -> Result<(), StoreError> {
    let Some(own) = versions.first() else {
        return Ok(());
    };
    let tables: Vec<serde_json::Value> = versions[1..]
        .iter()
        .map(|v| {
            serde_json::json!({
                "table": v.dataset,
                "row_count": v.row_count,
                "row_changes": v.row_changes,
                "schema_changes": v.schema_changes,
            })
        })
        .collect();
    super::outbox::record(
        conn,
        "version.published",
        dataset,
        Some(own.number),
        &serde_json::json!({
            "row_count": own.row_count,
            "row_changes": own.row_changes,
            "schema_changes": own.schema_changes,
            "tables": tables,
        }),
    )?;
    if !own.schema_changes.is_empty() {
        super::outbox::record(
            conn,
            "schema.changed",
            dataset,
            Some(own.number),
            &serde_json::json!({
                "schema_changes": own.schema_changes,
                "schema": own.schema,
                "previous_schema": previous.first().and_then(|p| p.as_ref()).map(|p| &p.schema),
            }),
        )?;
    }
    Ok(())
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
        return Err(StoreError::Conflict(format!(
            "dataset `{dataset}` moved to version {current:?} while this run was publishing; run it again"
        )));
    }
    Ok(())
}

/// Records a version, with what it still lacks once visible (`pending`).
fn insert_version(conn: &Connection, v: &Version, pending: &[String]) -> Result<(), StoreError> {
    // Serializing the store's own plain types cannot fail.
    let json = |value: &dyn erased_json::Json| value.to_json();
    conn.execute(
        "INSERT INTO versions (dataset, number, published_at, plugin, plugin_version, contract, content_hash,
                               row_count, schema, schema_changes, run_id, quality, row_changes, pending)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
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
            json(&pending),
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
