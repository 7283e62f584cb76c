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
use super::columns::{ColumnIndex, Selection, Test};
use super::fulltext;
use super::staging::select_columns;
use crate::schema::{FieldType, Row, StreamSchema, Value};
use crate::store::{
    Change, ChangeRange, ChangedRow, Cursor, Filter, FilterOp, RowPage, RowQuery, RowState,
    RunOutcome, RunRecord, SortKey, StoreError, Version,
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
pub(super) fn as_of(version: u64) -> String {
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

/// A page of rows: from the column index when it can answer (`columns`),
/// otherwise by one SQL query.
pub fn rows(
    conn: &Connection,
    version: &Version,
    query: &RowQuery,
    columns: Option<&ColumnIndex>,
) -> Result<RowPage, StoreError> {
    let schema = &version.schema;
    let fields = selected_fields(schema, query.fields.as_deref())?;
    let sort = resolve_sort(schema, &query.sort)?;
    if query.text.is_some() {
        super::pending::check_searchable(conn, &version.dataset, version.number)?;
    }
    let select = format!(
        "SELECT row_key{}{} FROM {}",
        sort.iter()
            .map(|(expr, _, _)| format!(", {expr}"))
            .collect::<String>(),
        schema
            .fields
            .iter()
            .map(|f| format!(", {}", column(&f.name)))
            .collect::<String>(),
        rows_table(&version.dataset),
    );
    let selected = match (columns, selection(schema, query, &sort)?) {
        (Some(index), Some(selection)) => {
            index.select(conn, &version.dataset, version.number, &selection)?
        }
        _ => None,
    };
    let mut page = PageBuilder {
        version: version.number,
        schema,
        fields: &fields,
        sort: &sort,
        limit: query.limit,
        rows: Vec::new(),
        last_values: Vec::new(),
        next: None,
    };
    match selected {
        Some(rids) => {
            // One read transaction for the page, not one lock per row.
            let snapshot = conn.unchecked_transaction()?;
            let mut stmt = conn.prepare_cached(&format!("{select} WHERE rid = ?1"))?;
            for rid in rids {
                let mut result = stmt.query([rid])?;
                if let Some(r) = result.next()?
                    && !page.push(r)?
                {
                    break;
                }
            }
            drop(stmt);
            snapshot.commit()?;
        }
        None => {
            let (sql, params) = page_sql(conn, version, query, &sort, &select)?;
            let mut stmt = conn.prepare_cached(&sql)?;
            let mut result = stmt.query(params_from_iter(params.iter()))?;
            while let Some(r) = result.next()? {
                if !page.push(r)? {
                    break;
                }
            }
        }
    }
    let (rows, next) = (page.rows, page.next);
    Ok(RowPage {
        version: version.number,
        schema: schema.clone(),
        fields,
        rows,
        next,
    })
}

/// The query for a page by SQL: `select` with the version, filters,
/// words, cursor and order.
fn page_sql(
    conn: &Connection,
    version: &Version,
    query: &RowQuery,
    sort: &[(String, bool, FieldType)],
    select: &str,
) -> Result<(String, Vec<rusqlite::types::Value>), StoreError> {
    let schema = &version.schema;
    let mut sql = format!("{select} WHERE {}", as_of(version.number));
    let mut params: Vec<rusqlite::types::Value> = Vec::new();
    for filter in &query.filters {
        sql.push_str(" AND ");
        sql.push_str(&filter_sql(schema, filter, &mut params)?);
    }
    if let Some(text) = &query.text {
        sql.push_str(&text_sql(
            conn,
            &version.dataset,
            text,
            query.sort.is_empty(),
            &mut params,
        )?);
    }
    if let Some(cursor) = &query.after {
        sql.push_str(" AND ");
        sql.push_str(&keyset_sql(sort, cursor, &mut params)?);
    }
    sql.push_str(" ORDER BY ");
    for (expr, descending, _) in sort {
        sql.push_str(&format!(
            "{expr} {}, ",
            if *descending { "DESC" } else { "ASC" }
        ));
    }
    sql.push_str(&format!("row_key ASC LIMIT {}", query.limit + 1));
    Ok((sql, params))
}

/// The page as the column index takes it; `None` for what only SQL
/// answers (words, `contains`).
pub(super) fn selection(
    schema: &StreamSchema,
    query: &RowQuery,
    sort: &[(String, bool, FieldType)],
) -> Result<Option<Selection>, StoreError> {
    if query.text.is_some() {
        return Ok(None);
    }
    let mut filters = Vec::with_capacity(query.filters.len());
    for filter in &query.filters {
        let kind = field_kind(schema, &filter.field)?;
        let value = |text: &str| operand(schema, &filter.field, kind, text);
        let test = match &filter.op {
            FilterOp::Eq(v) => Test::Eq(value(v)?),
            FilterOp::Ne(v) => Test::Ne(value(v)?),
            FilterOp::Gt(v) => Test::Gt(value(v)?),
            FilterOp::Gte(v) => Test::Gte(value(v)?),
            FilterOp::Lt(v) => Test::Lt(value(v)?),
            FilterOp::Lte(v) => Test::Lte(value(v)?),
            FilterOp::In(values) => {
                Test::In(values.iter().map(|v| value(v)).collect::<Result<_, _>>()?)
            }
            FilterOp::IsNull(null) => Test::Null(*null),
            FilterOp::Contains(_) => return Ok(None),
        };
        filters.push((sort_expr(&filter.field, kind), test));
    }
    let after = match &query.after {
        None => None,
        Some(cursor) => {
            let Some((Value::Text(key), values)) = cursor.values.split_last() else {
                return Ok(None);
            };
            if values.len() != sort.len() {
                return Ok(None);
            }
            Some((values.iter().map(sql_value).collect(), key.clone()))
        }
    };
    Ok(Some(Selection {
        filters,
        sort: sort
            .iter()
            .map(|(expr, descending, _)| (expr.clone(), *descending))
            .collect(),
        after,
        limit: query.limit,
    }))
}

/// Collects a page from result rows of `row_key, sort values..., fields`.
struct PageBuilder<'a> {
    version: u64,
    schema: &'a StreamSchema,
    fields: &'a [String],
    sort: &'a [(String, bool, FieldType)],
    limit: usize,
    rows: Vec<Row>,
    /// The sort values, then the key, of the last row taken.
    last_values: Vec<Value>,
    next: Option<Cursor>,
}

impl PageBuilder<'_> {
    /// Takes one more row; `false` once the page is full (the row only
    /// proved there is a next page).
    fn push(&mut self, r: &rusqlite::Row<'_>) -> Result<bool, StoreError> {
        if self.rows.len() == self.limit {
            self.next = Some(Cursor {
                version: self.version,
                values: std::mem::take(&mut self.last_values),
            });
            return Ok(false);
        }
        let mut values = self
            .sort
            .iter()
            .enumerate()
            .map(|(i, (_, _, kind))| Ok(codec::from_sql(r.get_ref(1 + i)?, sort_value_kind(*kind))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        values.push(Value::Text(r.get(0)?));
        let full = decode_row(r, self.schema, 1 + self.sort.len())?;
        self.rows.push(project(self.schema, self.fields, full));
        self.last_values = values;
        Ok(true)
    }
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

pub(super) fn resolve_sort(
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

/// Calls `f` with each difference between versions `from` and `to` in
/// key order, after the row key `after` when given, until `f` says stop.
///
/// Only rows whose validity range starts or ends between the two
/// versions are read, by two queries walked side by side in key order,
/// so memory stays flat however many rows changed.
pub fn for_each_change(
    conn: &Connection,
    dataset: &str,
    range: &ChangeRange,
    f: &mut dyn FnMut(Change) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let (from, to) = (range.from, range.to);
    let after = range.after.as_deref().unwrap_or("");
    // Version 0 is the empty dataset before the first publish: from it,
    // every row was added; to it, every row was removed.
    if from == 0 || to == 0 {
        let existing = version(conn, dataset, from.max(to))?;
        let mut statement = keyed_rows_statement(conn, &existing, "1")?;
        let mut rows = KeyedRows::new(&mut statement, &existing.schema, after)?;
        while let Some((key, _, row)) = rows.next()? {
            let change = if from == 0 {
                Change::Added { key, row }
            } else {
                Change::Removed { key, row }
            };
            if !f(change)? {
                break;
            }
        }
        return Ok(());
    }
    let old = version(conn, dataset, from)?;
    let new = version(conn, dataset, to)?;
    let lo = from.min(to);
    let closed = format!(
        "valid_to IS NOT NULL AND valid_to > {lo} AND valid_to <= {}",
        from.max(to)
    );
    let opened = format!("valid_from > {lo}");
    // Going back in time, the rows opened since are the ones that go.
    let (gone, came) = if from <= to {
        (&closed, &opened)
    } else {
        (&opened, &closed)
    };
    let mut gone_statement = keyed_rows_statement(conn, &old, gone)?;
    let mut came_statement = keyed_rows_statement(conn, &new, came)?;
    let mut gone = KeyedRows::new(&mut gone_statement, &old.schema, after)?;
    let mut came = KeyedRows::new(&mut came_statement, &new.schema, after)?;
    let (mut old_row, mut new_row) = (gone.next()?, came.next()?);
    loop {
        let order = match (&old_row, &new_row) {
            (None, None) => return Ok(()),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => x.0.cmp(&y.0),
        };
        let change = match order {
            std::cmp::Ordering::Less => {
                let (key, _, row) = std::mem::replace(&mut old_row, gone.next()?).expect("peeked");
                Some(Change::Removed {
                    key,
                    row: reshape(&old.schema, &new.schema, row),
                })
            }
            std::cmp::Ordering::Greater => {
                let (key, _, row) = std::mem::replace(&mut new_row, came.next()?).expect("peeked");
                Some(Change::Added { key, row })
            }
            std::cmp::Ordering::Equal => {
                let before = std::mem::replace(&mut old_row, gone.next()?).expect("peeked");
                let after = std::mem::replace(&mut new_row, came.next()?).expect("peeked");
                changed(&old.schema, &new.schema, before, after)
            }
        };
        if let Some(change) = change
            && !f(change)?
        {
            return Ok(());
        }
    }
}

/// The change between two states of one row; `None` when it was removed
/// and added back the same.
fn changed(
    old: &StreamSchema,
    new: &StreamSchema,
    (key, old_hash, old_row): (String, Vec<u8>, Row),
    (_, new_hash, new_row): (String, Vec<u8>, Row),
) -> Option<Change> {
    if old_hash == new_hash {
        return None;
    }
    let before = reshape(old, new, old_row);
    let fields = new
        .fields
        .iter()
        .zip(before.iter().zip(&new_row))
        .filter(|(_, (x, y))| x != y)
        .map(|(f, _)| f.name.clone())
        .collect();
    Some(Change::Changed {
        key,
        row: ChangedRow {
            before,
            after: new_row,
            fields,
        },
    })
}

/// The query for a version's rows matching `condition`, in key order
/// after a key (`?1`).
fn keyed_rows_statement<'c>(
    conn: &'c Connection,
    version: &Version,
    condition: &str,
) -> Result<rusqlite::CachedStatement<'c>, StoreError> {
    Ok(conn.prepare_cached(&format!(
        "SELECT row_key, row_hash, {} FROM {} WHERE {} AND {condition} AND row_key > ?1 ORDER BY row_key",
        select_columns(&version.schema),
        rows_table(&version.dataset),
        as_of(version.number)
    ))?)
}

/// A version's rows (key, hash, fields) from [`keyed_rows_statement`],
/// read one at a time.
struct KeyedRows<'s> {
    rows: rusqlite::Rows<'s>,
    schema: &'s StreamSchema,
}

impl<'s> KeyedRows<'s> {
    fn new(
        statement: &'s mut rusqlite::CachedStatement<'_>,
        schema: &'s StreamSchema,
        after: &str,
    ) -> Result<Self, StoreError> {
        Ok(Self {
            rows: statement.query([after])?,
            schema,
        })
    }

    fn next(&mut self) -> Result<Option<(String, Vec<u8>, Row)>, StoreError> {
        match self.rows.next()? {
            Some(r) => Ok(Some((r.get(0)?, r.get(1)?, decode_row(r, self.schema, 2)?))),
            None => Ok(None),
        }
    }
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
        outcome: outcome_column(r, 3)?,
        version: r.get::<_, Option<i64>>(4)?.map(|v| v as u64),
        rows: r.get::<_, i64>(5)? as u64,
        trigger: r.get(6)?,
        duration_ms: r.get::<_, Option<i64>>(7)?.map(|v| v as u64),
        failure_kind: r.get(8)?,
        failure_message: r.get(9)?,
        report: report.map(|text| serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)),
    })
}

/// A run's outcome from its column.
fn outcome_column(r: &rusqlite::Row<'_>, index: usize) -> rusqlite::Result<RunOutcome> {
    let text: String = r.get(index)?;
    RunOutcome::parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            index,
            rusqlite::types::Type::Text,
            format!("a run's outcome is `{text}`").into(),
        )
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
                    outcome: RunOutcome::parse(&outcome).ok_or_else(|| {
                        StoreError::Corrupt(format!("a run's outcome is `{outcome}`"))
                    })?,
                    failure,
                })
            })
            .transpose()?,
    })
}
