//! Reading: versions, pages of rows as of a version, one row by key, the
//! changes between two versions, and the run history.
//!
//! "As of version N" is a condition on each row's validity range
//! (`valid_from <= N < valid_to`), so every past version stays queryable
//! without copies. Pages are keyset-paginated on the sort expressions with
//! the row key as tie-breaker, so the order is total and a page is an index
//! seek, never an offset.

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use super::codec::{self, column, rows_table, sort_expr};
use super::fulltext;
use super::staging::select_columns;
use crate::schema::{FieldType, Row, StreamSchema, Value};
use crate::store::{
    ChangedRow, Changes, Cursor, Filter, FilterOp, RowPage, RowQuery, RowState, RunRecord, SortKey,
    StoreError, Version,
};

/// SQL functions the queries use: `vitrina_lower` lowercases all of
/// Unicode (SQLite's `lower` knows only ASCII, and the data is Cyrillic);
/// `vitrina_decimal_key` writes a decimal's order key.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    // `vitrina_decimal_key(text)`: a decimal's order key (codec::decimal_key).
    conn.create_scalar_function(
        "vitrina_decimal_key",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(t) => codec::decimal_key(&String::from_utf8_lossy(t)),
                ValueRef::Integer(i) => codec::decimal_key(&i.to_string()),
                ValueRef::Real(f) => codec::decimal_key(&f.to_string()),
                _ => None,
            })
        },
    )?;
    conn.create_scalar_function(
        "vitrina_lower",
        1,
        rusqlite::functions::FunctionFlags::SQLITE_UTF8
            | rusqlite::functions::FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            Ok(match ctx.get_raw(0) {
                ValueRef::Text(t) => Some(String::from_utf8_lossy(t).to_lowercase()),
                _ => None,
            })
        },
    )
}

const VERSION_COLUMNS: &str = "dataset, number, published_at, plugin, plugin_version, contract, content_hash, row_count, schema, schema_changes, run_id, quality, row_changes";

fn version_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Version, StoreError>> {
    let published_at: String = r.get(2)?;
    let schema: String = r.get(8)?;
    let changes: String = r.get(9)?;
    let quality: String = r.get(11)?;
    let row_changes: String = r.get(12)?;
    let corrupt = |e: String| StoreError::Corrupt(e);
    Ok((|| {
        Ok(Version {
            dataset: r.get(0)?,
            number: r.get::<_, i64>(1)? as u64,
            published_at: chrono::DateTime::parse_from_rfc3339(&published_at)
                .map_err(|e| corrupt(e.to_string()))?
                .with_timezone(&chrono::Utc),
            plugin: r.get(3)?,
            plugin_version: r.get(4)?,
            contract: r.get(5)?,
            content_hash: r.get(6)?,
            row_count: r.get::<_, i64>(7)? as u64,
            schema: serde_json::from_str(&schema).map_err(|e| corrupt(e.to_string()))?,
            schema_changes: serde_json::from_str(&changes).map_err(|e| corrupt(e.to_string()))?,
            run_id: r.get(10)?,
            quality: serde_json::from_str(&quality).map_err(|e| corrupt(e.to_string()))?,
            row_changes: serde_json::from_str(&row_changes).map_err(|e| corrupt(e.to_string()))?,
        })
    })())
}

/// One version of a dataset.
pub fn version(conn: &Connection, dataset: &str, number: u64) -> Result<Version, StoreError> {
    let sql = format!("SELECT {VERSION_COLUMNS} FROM versions WHERE dataset = ?1 AND number = ?2");
    conn.query_row(
        &sql,
        rusqlite::params![dataset, number as i64],
        version_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::UnknownVersion {
        dataset: dataset.to_string(),
        version: number,
    })?
}

/// Every version of a dataset, oldest first.
pub fn versions(conn: &Connection, dataset: &str) -> Result<Vec<Version>, StoreError> {
    let sql = format!("SELECT {VERSION_COLUMNS} FROM versions WHERE dataset = ?1 ORDER BY number");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([dataset], version_from_row)?;
    rows.map(|r| r?).collect()
}

/// The rows valid in `version`.
fn as_of(version: u64) -> String {
    format!("valid_from <= {version} AND (valid_to IS NULL OR valid_to > {version})")
}

/// Decodes the field columns of a result row, starting at column `offset`.
pub fn decode_row(
    row: &rusqlite::Row<'_>,
    schema: &StreamSchema,
    offset: usize,
) -> Result<Row, StoreError> {
    schema
        .fields
        .iter()
        .enumerate()
        .map(|(i, f)| Ok(codec::from_sql(row.get_ref(offset + i)?, f.kind)))
        .collect()
}

/// Calls `f` with every row of a version, in key order.
pub fn for_each_row_as_of(
    conn: &Connection,
    version: &Version,
    f: &mut dyn FnMut(&Row) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let sql = format!(
        "SELECT {} FROM {} WHERE {} ORDER BY row_key",
        select_columns(&version.schema),
        rows_table(&version.dataset),
        as_of(version.number)
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        f(&decode_row(row, &version.schema, 0)?)?;
    }
    Ok(())
}

/// A page of rows.
pub fn rows(conn: &Connection, version: &Version, query: &RowQuery) -> Result<RowPage, StoreError> {
    let dataset = version.dataset.as_str();
    let schema = &version.schema;
    let fields = selected_fields(schema, query.fields.as_deref())?;
    let sort = resolve_sort(schema, &query.sort)?;
    let mut sql = format!(
        "SELECT row_key{}{} FROM {} WHERE {}",
        sort.iter()
            .map(|(expr, _, _)| format!(", {expr}"))
            .collect::<String>(),
        schema
            .fields
            .iter()
            .map(|f| format!(", {}", column(&f.name)))
            .collect::<String>(),
        rows_table(dataset),
        as_of(version.number)
    );
    let mut params: Vec<rusqlite::types::Value> = Vec::new();
    for filter in &query.filters {
        sql.push_str(" AND ");
        sql.push_str(&filter_sql(schema, filter, &mut params)?);
    }
    if let Some(text) = &query.text {
        sql.push_str(&text_sql(
            conn,
            dataset,
            text,
            query.sort.is_empty(),
            &mut params,
        )?);
    }
    if let Some(cursor) = &query.after {
        sql.push_str(" AND ");
        sql.push_str(&keyset_sql(&sort, cursor, &mut params)?);
    }
    sql.push_str(" ORDER BY ");
    for (expr, descending, _) in &sort {
        sql.push_str(&format!(
            "{expr} {}, ",
            if *descending { "DESC" } else { "ASC" }
        ));
    }
    sql.push_str(&format!("row_key ASC LIMIT {}", query.limit + 1));
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut result = stmt.query(params_from_iter(params.iter()))?;
    let mut rows = Vec::new();
    let mut last_sort: Vec<Value> = Vec::new();
    let mut next = None;
    while let Some(r) = result.next()? {
        if rows.len() == query.limit {
            next = Some(Cursor {
                version: version.number,
                values: last_sort.clone(),
            });
            break;
        }
        let key: String = r.get(0)?;
        last_sort = sort
            .iter()
            .enumerate()
            .map(|(i, (_, _, kind))| Ok(codec::from_sql(r.get_ref(1 + i)?, sort_value_kind(*kind))))
            .collect::<Result<_, StoreError>>()?;
        last_sort.push(Value::Text(key));
        let full = decode_row(r, schema, 1 + sort.len())?;
        rows.push(project(schema, &fields, full));
    }
    Ok(RowPage {
        version: version.number,
        schema: schema.clone(),
        fields,
        rows,
        next,
    })
}

/// Above this many matching rows, a search in key order walks the rows
/// in order and stops at the page's end instead of fetching every match.
pub(super) const COMMON_WORDS: usize = 2_000;

/// The condition that rows contain the words of `text`: a lookup in the
/// full-text index. Text without words matches nothing.
///
/// Two plans, chosen by how many rows match the words whole (counted up
/// to [`COMMON_WORDS`], which costs at most that many index entries): few
/// matches are fetched by `rid` and sorted; many matches, in key order,
/// are a set the rows are walked against in order, so a page of a word
/// half the rows contain reads about a page's worth of rows. (`+rid`
/// keeps SQLite from choosing the lookups for the second.)
fn text_sql(
    conn: &Connection,
    dataset: &str,
    text: &str,
    key_order: bool,
    params: &mut Vec<rusqlite::types::Value>,
) -> Result<String, StoreError> {
    let (Some(expression), Some(whole_words)) = (
        fulltext::match_expression(text),
        fulltext::whole_words_expression(text),
    ) else {
        return Ok(" AND 0".to_string());
    };
    let index = fulltext::index_table(dataset);
    let common = key_order && {
        let matches: i64 = conn
            .prepare_cached(&format!(
                "SELECT count(*) FROM (SELECT 1 FROM {index} WHERE {index} MATCH ?1 LIMIT {})",
                COMMON_WORDS + 1
            ))?
            .query_row([&whole_words], |r| r.get(0))?;
        matches as usize > COMMON_WORDS
    };
    params.push(rusqlite::types::Value::Text(expression));
    Ok(format!(
        " AND {}rid IN (SELECT rowid FROM {index} WHERE {index} MATCH ?{})",
        if common { "+" } else { "" },
        params.len()
    ))
}

/// The type a sort expression's value comes back as (decimals as their
/// order keys, which the cursor carries as text).
fn sort_value_kind(kind: FieldType) -> FieldType {
    match kind {
        FieldType::Decimal => FieldType::Text,
        other => other,
    }
}

fn selected_fields(
    schema: &StreamSchema,
    wanted: Option<&[String]>,
) -> Result<Vec<String>, StoreError> {
    match wanted {
        None => Ok(schema.fields.iter().map(|f| f.name.clone()).collect()),
        Some(names) => {
            for name in names {
                field_kind(schema, name)?;
            }
            Ok(names.to_vec())
        }
    }
}

fn project(schema: &StreamSchema, fields: &[String], row: Row) -> Row {
    if fields.len() == schema.fields.len()
        && fields.iter().zip(&schema.fields).all(|(a, b)| a == &b.name)
    {
        return row;
    }
    fields
        .iter()
        .map(|name| {
            schema
                .fields
                .iter()
                .position(|f| &f.name == name)
                .map_or(Value::Null, |i| row[i].clone())
        })
        .collect()
}

fn field_kind(schema: &StreamSchema, name: &str) -> Result<FieldType, StoreError> {
    schema
        .fields
        .iter()
        .find(|f| f.name == name)
        .map(|f| f.kind)
        .ok_or_else(|| bad_query(schema, format!("unknown field `{name}`")))
}

fn bad_query(schema: &StreamSchema, message: String) -> StoreError {
    StoreError::BadQuery {
        message,
        valid_fields: schema.fields.iter().map(|f| f.name.clone()).collect(),
    }
}

fn resolve_sort(
    schema: &StreamSchema,
    sort: &[SortKey],
) -> Result<Vec<(String, bool, FieldType)>, StoreError> {
    sort.iter()
        .map(|key| {
            let kind = field_kind(schema, &key.field)?;
            Ok((sort_expr(&key.field, kind), key.descending, kind))
        })
        .collect()
}

/// A filter operand as the SQL value it is compared with.
fn operand(
    schema: &StreamSchema,
    field: &str,
    kind: FieldType,
    text: &str,
) -> Result<rusqlite::types::Value, StoreError> {
    use rusqlite::types::Value as Sql;
    let bad = |what: &str| bad_query(schema, format!("`{text}` is not {what} (field `{field}`)"));
    Ok(match kind {
        FieldType::Integer => Sql::Integer(text.trim().parse().map_err(|_| bad("an integer"))?),
        // Decimals compare by their order keys: exact at any length.
        FieldType::Decimal => Sql::Text(
            codec::decimal_key(text)
                .or_else(|| {
                    // `1e5` and the like, which the API also accepts.
                    text.trim()
                        .parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .and_then(|f| codec::decimal_key(&f.to_string()))
                })
                .ok_or_else(|| bad("a number"))?,
        ),
        FieldType::Float => Sql::Real(
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .ok_or_else(|| bad("a number"))?,
        ),
        FieldType::Boolean => match text.trim() {
            "true" | "1" => Sql::Integer(1),
            "false" | "0" => Sql::Integer(0),
            _ => return Err(bad("true or false")),
        },
        FieldType::Date => {
            chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| bad("a date YYYY-MM-DD"))?;
            Sql::Text(text.trim().to_string())
        }
        _ => Sql::Text(text.to_string()),
    })
}

fn filter_sql(
    schema: &StreamSchema,
    filter: &Filter,
    params: &mut Vec<rusqlite::types::Value>,
) -> Result<String, StoreError> {
    let kind = field_kind(schema, &filter.field)?;
    let expr = sort_expr(&filter.field, kind);
    let bind =
        |text: &str, params: &mut Vec<rusqlite::types::Value>| -> Result<String, StoreError> {
            params.push(operand(schema, &filter.field, kind, text)?);
            Ok(format!("?{}", params.len()))
        };
    Ok(match &filter.op {
        FilterOp::Eq(v) => format!("{expr} = {}", bind(v, params)?),
        FilterOp::Ne(v) => format!("({expr} IS NULL OR {expr} <> {})", bind(v, params)?),
        FilterOp::Gt(v) => format!("{expr} > {}", bind(v, params)?),
        FilterOp::Gte(v) => format!("{expr} >= {}", bind(v, params)?),
        FilterOp::Lt(v) => format!("{expr} < {}", bind(v, params)?),
        FilterOp::Lte(v) => format!("{expr} <= {}", bind(v, params)?),
        FilterOp::In(values) => {
            let placeholders = values
                .iter()
                .map(|v| bind(v, params))
                .collect::<Result<Vec<_>, _>>()?;
            format!("{expr} IN ({})", placeholders.join(", "))
        }
        FilterOp::Contains(v) => {
            params.push(rusqlite::types::Value::Text(v.to_lowercase()));
            format!(
                "instr(vitrina_lower({}), ?{}) > 0",
                column(&filter.field),
                params.len()
            )
        }
        FilterOp::IsNull(true) => format!("{} IS NULL", column(&filter.field)),
        FilterOp::IsNull(false) => format!("{} IS NOT NULL", column(&filter.field)),
    })
}

/// Rows strictly after the cursor in (sort..., row_key) order, NULLs first
/// ascending and last descending, as SQLite orders them.
fn keyset_sql(
    sort: &[(String, bool, FieldType)],
    cursor: &Cursor,
    params: &mut Vec<rusqlite::types::Value>,
) -> Result<String, StoreError> {
    let bad = || StoreError::BadQuery {
        message: "the cursor does not belong to this query; start again without it".to_string(),
        valid_fields: Vec::new(),
    };
    if cursor.values.len() != sort.len() + 1 {
        return Err(bad());
    }
    let mut bind = |value: &Value| {
        params.push(sql_value(value));
        format!("?{}", params.len())
    };
    let mut alternatives = Vec::new();
    let mut equal_prefix: Vec<String> = Vec::new();
    for ((expr, descending, _), value) in sort.iter().zip(&cursor.values) {
        let after = match (value, descending) {
            (Value::Null, false) => Some(format!("{expr} IS NOT NULL")),
            (Value::Null, true) => None,
            (v, false) => Some(format!("{expr} > {}", bind(v))),
            (v, true) => Some(format!("({expr} < {} OR {expr} IS NULL)", bind(v))),
        };
        if let Some(after) = after {
            alternatives.push(conjunction(&equal_prefix, &after));
        }
        equal_prefix.push(match value {
            Value::Null => format!("{expr} IS NULL"),
            v => format!("{expr} = {}", bind(v)),
        });
    }
    let Some(Value::Text(key)) = cursor.values.last() else {
        return Err(bad());
    };
    let key_after = format!("row_key > {}", bind(&Value::Text(key.clone())));
    alternatives.push(conjunction(&equal_prefix, &key_after));
    Ok(format!("({})", alternatives.join(" OR ")))
}

fn conjunction(prefix: &[String], last: &str) -> String {
    let mut parts: Vec<&str> = prefix.iter().map(String::as_str).collect();
    parts.push(last);
    format!("({})", parts.join(" AND "))
}

fn sql_value(value: &Value) -> rusqlite::types::Value {
    use rusqlite::types::Value as Sql;
    match value {
        Value::Null => Sql::Null,
        Value::Boolean(b) => Sql::Integer(i64::from(*b)),
        Value::Integer(i) => Sql::Integer(*i),
        Value::Float(f) => Sql::Real(*f),
        Value::Decimal(s)
        | Value::Text(s)
        | Value::Date(s)
        | Value::Datetime(s)
        | Value::Json(s) => Sql::Text(s.clone()),
    }
}

/// One row by primary key as of a version.
pub fn row_by_key(
    conn: &Connection,
    version: &Version,
    key: &[String],
) -> Result<Option<Row>, StoreError> {
    let (dataset, number) = (version.dataset.as_str(), version.number);
    if key.len() != version.schema.primary_key.len() {
        return Err(bad_query(
            &version.schema,
            format!(
                "the key has {} parts; this dataset's key is ({})",
                key.len(),
                version.schema.primary_key.join(", ")
            ),
        ));
    }
    let sql = format!(
        "SELECT {} FROM {} WHERE row_key = ?1 AND {}",
        select_columns(&version.schema),
        rows_table(dataset),
        as_of(number)
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let key = codec::key_text(key.iter().cloned());
    let mut rows = stmt.query([key])?;
    rows.next()?
        .map(|r| decode_row(r, &version.schema, 0))
        .transpose()
}

/// Every state a row has had: the versions it was valid in, oldest
/// first, each read with the schema of the version that wrote it.
/// `versions` are the dataset's versions, oldest first.
pub fn row_history(
    conn: &Connection,
    versions: &[Version],
    key: &[String],
) -> Result<Vec<RowState>, StoreError> {
    let Some(latest) = versions.last() else {
        return Ok(Vec::new());
    };
    let table = rows_table(&latest.dataset);
    let spans: Vec<(i64, i64, Option<i64>)> = {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT rid, valid_from, valid_to FROM {table} WHERE row_key = ?1 ORDER BY valid_from"
        ))?;
        stmt.query_map([codec::key_text(key.iter().cloned())], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?
    };
    let mut states = Vec::with_capacity(spans.len());
    for (rid, from, to) in spans {
        let Some(written) = versions.iter().find(|v| v.number == from as u64) else {
            return Err(StoreError::Corrupt(format!(
                "a row of `{}` is valid from version {from}, which is not recorded",
                latest.dataset
            )));
        };
        let row = conn.query_row(
            &format!(
                "SELECT {} FROM {table} WHERE rid = ?1",
                select_columns(&written.schema)
            ),
            [rid],
            |r| Ok(decode_row(r, &written.schema, 0)),
        )??;
        states.push(RowState {
            from: from as u64,
            until: to.map(|t| t as u64),
            schema: written.schema.clone(),
            row,
        });
    }
    Ok(states)
}

/// Rows keyed by row key, in key order.
type KeyedRows = Vec<(String, Vec<u8>, Row)>;

fn keyed_rows(
    conn: &Connection,
    version: &Version,
    condition: &str,
) -> Result<KeyedRows, StoreError> {
    let sql = format!(
        "SELECT row_key, row_hash, {} FROM {} WHERE {} AND {condition} ORDER BY row_key",
        select_columns(&version.schema),
        rows_table(&version.dataset),
        as_of(version.number)
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((r.get(0)?, r.get(1)?, decode_row(r, &version.schema, 2)?));
    }
    Ok(out)
}

/// What changed between `from` and `to`: only the rows whose validity
/// range starts or ends between them are read.
pub fn changes(
    conn: &Connection,
    dataset: &str,
    from: u64,
    to: u64,
) -> Result<Changes, StoreError> {
    // Version 0 is the empty dataset before the first publish: from it,
    // every row was added; to it, every row was removed.
    if from == 0 || to == 0 {
        return changes_from_nothing(conn, dataset, from, to);
    }
    let old = version(conn, dataset, from)?;
    let new = version(conn, dataset, to)?;
    let (lo, hi) = (from.min(to), from.max(to));
    let before = keyed_rows(
        conn,
        &old,
        &format!("valid_to IS NOT NULL AND valid_to > {lo} AND valid_to <= {hi}"),
    )?;
    let before = if from <= to {
        before
    } else {
        keyed_rows(conn, &old, &format!("valid_from > {lo}"))?
    };
    let after = if from <= to {
        keyed_rows(conn, &new, &format!("valid_from > {lo}"))?
    } else {
        keyed_rows(
            conn,
            &new,
            &format!("valid_to IS NOT NULL AND valid_to > {lo} AND valid_to <= {hi}"),
        )?
    };
    Ok(merge_changes(
        &old.schema,
        &new.schema,
        from,
        to,
        before,
        after,
    ))
}

fn changes_from_nothing(
    conn: &Connection,
    dataset: &str,
    from: u64,
    to: u64,
) -> Result<Changes, StoreError> {
    let existing = version(conn, dataset, from.max(to))?;
    let rows: Vec<Row> = keyed_rows(conn, &existing, "1")?
        .into_iter()
        .map(|r| r.2)
        .collect();
    let (added, removed) = if from == 0 {
        (rows, Vec::new())
    } else {
        (Vec::new(), rows)
    };
    Ok(Changes {
        from,
        to,
        schema: existing.schema,
        added,
        removed,
        changed: Vec::new(),
    })
}

fn merge_changes(
    old: &StreamSchema,
    new: &StreamSchema,
    from: u64,
    to: u64,
    before: KeyedRows,
    after: KeyedRows,
) -> Changes {
    let mut changes = Changes {
        from,
        to,
        schema: new.clone(),
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    let (mut b, mut a) = (before.into_iter().peekable(), after.into_iter().peekable());
    loop {
        let order = match (b.peek(), a.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.0.cmp(&y.0),
        };
        match order {
            std::cmp::Ordering::Less => changes
                .removed
                .extend(b.next().map(|r| reshape(old, new, r.2))),
            std::cmp::Ordering::Greater => changes.added.extend(a.next().map(|r| r.2)),
            std::cmp::Ordering::Equal => {
                let (old_row, new_row) = (b.next(), a.next());
                if let (Some(old_row), Some(new_row)) = (old_row, new_row)
                    && old_row.1 != new_row.1
                {
                    let before = reshape(old, new, old_row.2);
                    let fields = new
                        .fields
                        .iter()
                        .zip(before.iter().zip(&new_row.2))
                        .filter(|(_, (x, y))| x != y)
                        .map(|(f, _)| f.name.clone())
                        .collect();
                    changes.changed.push(ChangedRow {
                        before,
                        after: new_row.2,
                        fields,
                    });
                }
            }
        }
    }
    changes
}

/// A row of `old`'s schema in `new`'s field order (fields gone are dropped,
/// fields new are null), so before and after compare field by field.
fn reshape(old: &StreamSchema, new: &StreamSchema, row: Row) -> Row {
    new.fields
        .iter()
        .map(|f| {
            old.fields
                .iter()
                .position(|o| o.name == f.name)
                .map_or(Value::Null, |i| row[i].clone())
        })
        .collect()
}

/// The columns of a run record, without its report.
const RUN_COLUMNS: &str =
    "run_id, dataset, started_at, outcome, version, rows, trigger, duration_ms,
     failure_kind, failure_message";

/// The last runs of a dataset, newest first, without their reports.
pub fn runs(conn: &Connection, dataset: &str, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {RUN_COLUMNS}, NULL FROM runs WHERE dataset = ?1 ORDER BY started_at DESC LIMIT ?2"
    ))?;
    let rows = stmt.query_map(rusqlite::params![dataset, limit as i64], run_record)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One run with its report.
pub fn run(conn: &Connection, run_id: &str) -> Result<Option<RunRecord>, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            &format!("SELECT {RUN_COLUMNS}, report FROM runs WHERE run_id = ?1"),
            [run_id],
            run_record,
        )
        .optional()?)
}

fn run_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    let started: String = r.get(2)?;
    let report: Option<String> = r.get(10)?;
    Ok(RunRecord {
        run_id: r.get(0)?,
        dataset: r.get(1)?,
        started_at: chrono::DateTime::parse_from_rfc3339(&started)
            .map(|d| d.with_timezone(&chrono::Utc))
            .unwrap_or_default(),
        outcome: r.get(3)?,
        version: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
        rows: r.get::<_, i64>(5)? as u64,
        trigger: r.get(6)?,
        duration_ms: r.get::<_, Option<i64>>(7)?.map(|v| v as u64),
        failure_kind: r.get(8)?,
        failure_message: r.get(9)?,
        report: report.map(|text| serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)),
    })
}

/// Checks a version against itself: its rows, read back, hash to its
/// content hash and number its row count. For audits and crash tests.
pub fn verify(conn: &Connection, version: &Version) -> Result<(), StoreError> {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    let mut count = 0u64;
    for_each_row_as_of(conn, version, &mut |row| {
        hasher.update(codec::row_hash(&version.schema, row));
        count += 1;
        Ok(())
    })?;
    let hash = hex::encode(hasher.finalize());
    if hash != version.content_hash || count != version.row_count {
        return Err(StoreError::Corrupt(format!(
            "version {} of `{}` reads back as {count} rows hashing to {hash}, but was published as {} rows hashing to {}",
            version.number, version.dataset, version.row_count, version.content_hash
        )));
    }
    Ok(())
}

/// When a dataset last succeeded and how its latest run ended, without
/// reading the runs' full reports.
pub fn freshness(conn: &Connection, dataset: &str) -> Result<crate::store::Freshness, StoreError> {
    let parse = |text: String| {
        chrono::DateTime::parse_from_rfc3339(&text)
            .map(|d| d.with_timezone(&chrono::Utc))
            .map_err(|e| StoreError::Corrupt(e.to_string()))
    };
    let last_success: Option<String> = conn
        .query_row(
            "SELECT started_at FROM runs WHERE dataset = ?1 AND outcome IN ('published', 'unchanged')
             ORDER BY started_at DESC LIMIT 1",
            [dataset],
            |r| r.get(0),
        )
        .optional()?;
    let latest: Option<(String, String, String, Option<String>)> = conn
        .query_row(
            "SELECT run_id, started_at, outcome, failure_kind FROM runs
             WHERE dataset = ?1 ORDER BY started_at DESC LIMIT 1",
            [dataset],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(crate::store::Freshness {
        last_success: last_success.map(parse).transpose()?,
        latest_run: latest
            .map(|(run_id, started, outcome, failure)| {
                Ok::<_, StoreError>(crate::store::LatestRun {
                    run_id,
                    started_at: parse(started)?,
                    outcome,
                    failure,
                })
            })
            .transpose()?,
    })
}
