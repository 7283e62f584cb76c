//! What a version can receive after it becomes visible: its full-text
//! index and the derived files that read its rows (a standard's
//! rendering). On a million rows they take longer than storing the rows
//! themselves, and nobody needs them to read the rows, download them or
//! compare versions; so publishing records them in the version's
//! `pending` list and the version goes live without them. `complete`
//! writes each, in a transaction or an atomically renamed file of its
//! own, and strikes it from the list. Until then a search of the version
//! or a request for the file answers that it is still being written
//! (`StoreError::Pending`), never a partial answer.
//!
//! Every step is idempotent and recorded as done only once it is: a crash
//! in the middle leaves the rest of the list for the next `complete`,
//! which the store runs for full-text indexes when it opens and the
//! pipeline after every run (it holds the derived files' renderers).

use std::sync::Arc;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::codec::rows_table;
use super::{fulltext, read, staging};
use crate::schema::StreamSchema;
use crate::store::files::{FileStore, Folder};
use crate::store::{DerivedFile, StoreError, TableFacts, Version, VersionFacts};

/// The word in a `pending` list for the version's full-text index.
pub const SEARCH: &str = "search";

/// The portal address each dataset's address-bearing files were last
/// written with.
pub const ADDRESSES_TABLE: &str = r#"
    CREATE TABLE IF NOT EXISTS addresses (
        dataset TEXT PRIMARY KEY,
        base TEXT NOT NULL
    );
"#;

/// See [`crate::store::Store::readdress`].
pub fn readdress(
    conn: &mut Connection,
    files: &dyn FileStore,
    dataset: &str,
    base: &str,
    names: &[&str],
) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let written_with = portal_address(&tx, dataset)?;
    if written_with.as_deref() == Some(base) {
        return Ok(0);
    }
    let numbers: Vec<i64> = tx
        .prepare("SELECT number FROM versions WHERE dataset = ?1 ORDER BY number")?
        .query_map([dataset], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut listed = 0;
    for number in numbers {
        let version = read::version(&tx, dataset, number as u64)?;
        let folder = Folder::of(&version);
        let mut pending = of_version(&tx, dataset, version.number)?;
        let before = pending.len();
        let mut written = false;
        for name in names.iter().filter(|n| files.size(&folder, n).is_some()) {
            written = true;
            if !pending.iter().any(|p| p == name) {
                pending.push((*name).to_string());
            }
        }
        if pending.len() > before {
            set_pending(&tx, &version, &pending)?;
        }
        // Already pending counts too: the writer at work on it may hold
        // the old address, and leaves it pending for the next.
        listed += usize::from(written);
    }
    tx.execute(
        "INSERT INTO addresses (dataset, base) VALUES (?1, ?2)
         ON CONFLICT (dataset) DO UPDATE SET base = excluded.base",
        params![dataset, base],
    )?;
    tx.commit()?;
    Ok(listed)
}

/// See [`crate::store::Store::portal_address`].
pub fn portal_address(conn: &Connection, dataset: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT base FROM addresses WHERE dataset = ?1",
            [dataset],
            |r| r.get(0),
        )
        .optional()?)
}

/// What a new version of a table with `schema` leaves for after its
/// commit: its full-text index when it has text, and each of `derived`
/// that reads rows and applies to it.
pub fn left_for_later(
    schema: &StreamSchema,
    derived: &[Arc<dyn DerivedFile>],
    version: &VersionFacts,
) -> Vec<String> {
    let search = (!fulltext::text_fields(schema).is_empty()).then(|| SEARCH.to_string());
    search
        .into_iter()
        .chain(
            derived
                .iter()
                .filter(|f| f.reads_rows() && f.applies_to(version))
                .map(|f| f.name().to_string()),
        )
        .collect()
}

/// What version `number` of `id` still lacks.
pub fn of_version(conn: &Connection, id: &str, number: u64) -> Result<Vec<String>, StoreError> {
    let pending: Option<String> = conn
        .query_row(
            "SELECT pending FROM versions WHERE dataset = ?1 AND number = ?2",
            params![id, number as i64],
            |r| r.get(0),
        )
        .optional()?;
    match pending {
        None => Err(StoreError::UnknownVersion {
            dataset: id.to_string(),
            version: number,
        }),
        Some(text) => parse(&text),
    }
}

fn parse(text: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("a version's pending list `{text}`: {e}")))
}

/// Fails with [`StoreError::Pending`] while version `number` of `id` has
/// no full-text index yet.
pub fn check_searchable(conn: &Connection, id: &str, number: u64) -> Result<(), StoreError> {
    if of_version(conn, id, number)?.iter().any(|p| p == SEARCH) {
        return Err(StoreError::Pending(format!(
            "the full-text index of version {number}"
        )));
    }
    Ok(())
}

/// Writes what every version of `dataset` and of its tables still lacks;
/// derived files are written only when `derived` has their renderer (a
/// caller without them leaves them listed). How many pieces it wrote.
pub fn complete(
    conn: &mut Connection,
    files: &dyn FileStore,
    dataset: &str,
    derived: &[Arc<dyn DerivedFile>],
) -> Result<usize, StoreError> {
    let mut ids = vec![dataset.to_string()];
    let mut stmt = conn.prepare("SELECT id FROM datasets WHERE parent = ?1 ORDER BY position")?;
    ids.extend(
        stmt.query_map([dataset], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?,
    );
    drop(stmt);
    let mut done = 0;
    for id in &ids {
        for (number, pending) in pending_versions(conn, id)? {
            let version = read::version(conn, id, number)?;
            let search = pending.iter().any(|p| p == SEARCH);
            let wanted: Vec<&Arc<dyn DerivedFile>> = derived
                .iter()
                .filter(|f| pending.iter().any(|p| p == f.name()))
                .collect();
            // The index is written here while the files are rendered from
            // a connection of their own: on a million rows each takes
            // about ten seconds, and they can use different cores.
            let reader = (!wanted.is_empty())
                .then(|| reader_beside(conn))
                .transpose()?;
            let (indexed, written) = std::thread::scope(|scope| {
                let writer = reader.map(|reader| {
                    let (version, wanted) = (&version, &wanted);
                    scope.spawn(move || write_derived(&reader, files, version, wanted))
                });
                let indexed = if search {
                    index_text(conn, &version)
                } else {
                    Ok(())
                };
                let written = writer.map_or(Ok(()), |w| {
                    w.join().unwrap_or_else(|_| {
                        Err(StoreError::Worker(
                            "the standard files' writer panicked".into(),
                        ))
                    })
                });
                (indexed, written)
            });
            indexed?;
            written?;
            let names: Vec<&str> = wanted.iter().map(|f| f.name()).collect();
            // A file written again (the portal moved) replaces compressed
            // copies of its old bytes; a new one has none yet.
            crate::store::exports::recompress(files, &Folder::of(&version), &names)?;
            done += usize::from(search) + strike_written(conn, dataset, &version, &wanted)?;
        }
    }
    Ok(done)
}

/// A second connection to the database `conn` is open on, for reading
/// committed rows beside it.
fn reader_beside(conn: &Connection) -> Result<Connection, StoreError> {
    let path = conn
        .path()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| StoreError::Corrupt("the store's database has no file".into()))?;
    let reader = Connection::open(path)?;
    reader.busy_timeout(std::time::Duration::from_secs(30))?;
    reader.execute_batch("PRAGMA query_only = ON;")?;
    Ok(reader)
}

/// The versions of `id` that still lack something, oldest first.
fn pending_versions(conn: &Connection, id: &str) -> Result<Vec<(u64, Vec<String>)>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT number, pending FROM versions WHERE dataset = ?1 AND pending <> '[]' ORDER BY number",
    )?;
    let rows: Vec<(i64, String)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(n, text)| Ok((n as u64, parse(&text)?)))
        .collect()
}

/// Indexes the text of the rows `version` inserted, and records it done,
/// in one transaction.
fn index_text(conn: &mut Connection, version: &Version) -> Result<(), StoreError> {
    let started = std::time::Instant::now();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    fulltext::index_version(
        &tx,
        &version.dataset,
        &fulltext::text_fields(&version.schema),
        &rows_table(&version.dataset),
        version.number,
    )?;
    strike(&tx, version, &[SEARCH])?;
    tx.commit()?;
    tracing::debug!(
        table = %version.dataset,
        version = version.number,
        seconds = started.elapsed().as_secs_f64(),
        "rows indexed for search"
    );
    Ok(())
}

/// Writes `files` from the version's stored rows, in one pass.
fn write_derived(
    conn: &Connection,
    files: &dyn FileStore,
    version: &Version,
    wanted: &[&Arc<dyn DerivedFile>],
) -> Result<(), StoreError> {
    let facts = VersionFacts {
        number: version.number,
        published_at: version.published_at,
        row_count: version.row_count,
        tables: further_tables(conn, version)?,
    };
    staging::write_files(
        files,
        &Folder::of(version),
        &version.schema,
        &facts,
        wanted,
        false,
        &mut |emit| read::for_each_row_as_of(conn, version, &mut |row| emit(row.clone())),
    )
}

/// The further tables of the dataset version `version` belongs to (none
/// for a table itself).
fn further_tables(conn: &Connection, version: &Version) -> Result<Arc<[TableFacts]>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT d.id FROM datasets d JOIN versions v ON v.dataset = d.id
         WHERE d.parent = ?1 AND v.number = ?2 ORDER BY d.position",
    )?;
    let ids: Vec<String> = stmt
        .query_map(params![version.dataset, version.number as i64], |r| {
            r.get(0)
        })?
        .collect::<Result<_, _>>()?;
    ids.iter()
        .map(|id| {
            let table = read::version(conn, id, version.number)?;
            Ok(TableFacts {
                schema: table.schema,
                row_count: table.row_count,
            })
        })
        .collect()
}

/// Strikes the files just `written` from the version's pending list,
/// except those that name a portal address `dataset` has left while they
/// were being written: the reload that moved it queued a writer with the
/// new address, which finds them still pending. How many were struck.
fn strike_written(
    conn: &mut Connection,
    dataset: &str,
    version: &Version,
    written: &[&Arc<dyn DerivedFile>],
) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let current = portal_address(&tx, dataset)?;
    let (done, stale): (Vec<&Arc<dyn DerivedFile>>, Vec<_>) =
        written
            .iter()
            .partition(|f| match (f.address(), current.as_deref()) {
                (Some(written_with), Some(current)) => written_with == current,
                _ => true,
            });
    let done: Vec<&str> = done.iter().map(|f| f.name()).collect();
    strike(&tx, version, &done)?;
    tx.commit()?;
    for file in stale {
        tracing::info!(
            dataset,
            version = version.number,
            file = file.name(),
            "the portal moved while the file was written: left for the writer with the new address"
        );
    }
    Ok(done.len())
}

/// Strikes `done` from the version's pending list.
fn strike(conn: &Connection, version: &Version, done: &[&str]) -> Result<(), StoreError> {
    let left: Vec<String> = of_version(conn, &version.dataset, version.number)?
        .into_iter()
        .filter(|p| !done.contains(&p.as_str()))
        .collect();
    set_pending(conn, version, &left)
}

/// Records what the version still lacks.
fn set_pending(conn: &Connection, version: &Version, pending: &[String]) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE versions SET pending = ?1 WHERE dataset = ?2 AND number = ?3",
        params![
            serde_json::to_string(pending).unwrap_or_else(|_| "[]".into()),
            version.dataset,
            version.number as i64
        ],
    )?;
    Ok(())
}
