//! Query strings into [`RowQuery`]s, checked against the dataset's schema
//! before the store is asked anything.
//!
//! Parsing happens in two steps because the schema to check against depends
//! on the version, and the version on the query (`as_of`, or the version a
//! cursor pins): [`RawRowQuery::parse`] splits the query string without a
//! schema, [`RawRowQuery::resolve`] checks names and values against the
//! chosen version's schema. [`canonical`] writes a checked query back in one
//! normal form, which keys the response cache and the ETag and builds the
//! `next` link.
//!
//! Grammar: `?field=value` (equals), `field__op=value` with op one of `eq`,
//! `ne`, `gt`, `gte`, `lt`, `lte`, `in` (comma-separated), `contains` (text,
//! case-insensitive), `isnull` (`true`/`false`); `sort=field,-other`;
//! `fields=a,b`; `limit` (1..=10 000, default 100); `cursor`; `as_of=N`.
//! The names `sort`, `fields`, `limit`, `cursor` and `as_of` are reserved:
//! a field with such a name is filtered with `name__eq=`.

use std::str::FromStr;

use url::form_urlencoded;

use super::errors::ApiError;
use crate::schema::{FieldType, StreamSchema};
use crate::store::{Cursor, DEFAULT_LIMIT, Filter, FilterOp, MAX_LIMIT, RowQuery, SortKey};

/// The most values one `__in` filter takes.
const MAX_IN_VALUES: usize = 1000;
/// The most filters one query takes.
const MAX_FILTERS: usize = 64;

/// Reserved parameter names of the rows endpoint.
const RESERVED: [&str; 6] = ["q", "sort", "fields", "limit", "cursor", "as_of"];

/// The longest full-text search, in characters.
const MAX_TEXT_CHARS: usize = 500;

/// A rows query string split into its parts, not yet checked against a schema.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawRowQuery {
    /// `(name as given, value)`: `amount__gte`, `1000`.
    pub filters: Vec<(String, String)>,
    /// Full-text search words.
    pub q: Option<String>,
    pub sort: Option<String>,
    pub fields: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
    pub as_of: Option<String>,
}

impl RawRowQuery {
    /// Splits a query string (without the `?`).
    pub fn parse(query: Option<&str>) -> Result<Self, ApiError> {
        let mut raw = RawRowQuery::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            let slot = match name.as_ref() {
                "q" => &mut raw.q,
                "sort" => &mut raw.sort,
                "fields" => &mut raw.fields,
                "limit" => &mut raw.limit,
                "cursor" => &mut raw.cursor,
                "as_of" => &mut raw.as_of,
                // `?=x`: a value with no name is a typo, never ignored.
                "" => return Err(bad(format!("a parameter has no name (`={value}`)"))),
                _ => {
                    if raw.filters.len() == MAX_FILTERS {
                        return Err(bad(format!("at most {MAX_FILTERS} filters are allowed")));
                    }
                    raw.filters.push((name.into_owned(), value.into_owned()));
                    continue;
                }
            };
            if slot.is_some() {
                return Err(bad(format!("`{name}` is given twice; give it once")));
            }
            *slot = Some(value.into_owned());
        }
        Ok(raw)
    }

    /// The `as_of` version asked for.
    pub fn as_of(&self) -> Result<Option<u64>, ApiError> {
        self.as_of.as_deref().map(parse_version).transpose()
    }

    /// The cursor asked for.
    pub fn cursor(&self) -> Result<Option<Cursor>, ApiError> {
        self.cursor
            .as_deref()
            .map(|text| Cursor::decode(text).map_err(ApiError::bad_cursor))
            .transpose()
    }

    /// Checks every name and value against `schema` and builds the store's
    /// query for `version`.
    pub fn resolve(
        &self,
        schema: &StreamSchema,
        version: u64,
        after: Option<Cursor>,
    ) -> Result<RowQuery, ApiError> {
        let checker = Checker { schema };
        let filters = self
            .filters
            .iter()
            .map(|(name, value)| checker.filter(name, value))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RowQuery {
            version,
            filters,
            text: self.q.as_deref().map(search_text).transpose()?,
            sort: self
                .sort
                .as_deref()
                .map(|s| checker.sort(s))
                .transpose()?
                .unwrap_or_default(),
            fields: self
                .fields
                .as_deref()
                .map(|f| checker.fields(f))
                .transpose()?,
            limit: self
                .limit
                .as_deref()
                .map(parse_limit)
                .transpose()?
                .unwrap_or(DEFAULT_LIMIT),
            after,
        })
    }
}

/// Checks a full-text search's length; text without words is allowed,
/// and matches nothing.
fn search_text(text: &str) -> Result<String, ApiError> {
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(bad(format!(
            "`q` is longer than {MAX_TEXT_CHARS} characters; search for fewer words"
        )));
    }
    Ok(text.to_string())
}

/// The largest version number there can be: the store keeps versions as
/// SQLite integers (i64). The OpenAPI description states it as the
/// `maximum` of every version parameter, so a number past it is a bad
/// request, and any number up to it is a version that exists or a 404.
pub const MAX_VERSION: u64 = i64::MAX as u64;

/// Parses a version number (`as_of`, `from`, `to`, a path segment):
/// decimal digits only, 1 to [`MAX_VERSION`].
pub fn parse_version(text: &str) -> Result<u64, ApiError> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    digits
        .then(|| text.parse::<u64>().ok())
        .flatten()
        .filter(|n| (1..=MAX_VERSION).contains(n))
        .ok_or_else(|| {
            bad(format!(
                "`{text}` is not a version number (a whole number from 1 to {MAX_VERSION})"
            ))
        })
}

fn parse_limit(text: &str) -> Result<usize, ApiError> {
    let limit = text.parse::<usize>().map_err(|_| {
        bad(format!(
            "limit `{text}` is not a whole number between 1 and {MAX_LIMIT}"
        ))
    })?;
    if limit > MAX_LIMIT {
        return Err(bad(format!(
            "limit {limit} is more than the largest page, {MAX_LIMIT}; walk the pages with `next`"
        )));
    }
    if limit == 0 {
        return Err(bad(format!("limit must be between 1 and {MAX_LIMIT}")));
    }
    Ok(limit)
}

/// Changes in a JSON page unless `limit` says otherwise.
pub const CHANGES_DEFAULT_LIMIT: usize = 1_000;

/// `GET .../changes?from=&to=&limit=&cursor=`: the versions as given
/// (`from = 0` is the empty dataset), the page size and the cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangesParams {
    pub from: Option<u64>,
    pub to: Option<u64>,
    pub limit: Option<usize>,
    pub after: Option<Cursor>,
}

/// Parses a changes request; the cursor must name exactly one row key.
pub fn changes_params(query: Option<&str>) -> Result<ChangesParams, ApiError> {
    let mut out = ChangesParams {
        from: None,
        to: None,
        limit: None,
        after: None,
    };
    for (name, value) in simple_params(query, &["from", "to", "limit", "cursor"])? {
        match name {
            // 0 is the empty state before the first version.
            "from" if value == "0" => out.from = Some(0),
            "from" => out.from = Some(parse_version(&value)?),
            "to" => out.to = Some(parse_version(&value)?),
            "limit" => out.limit = Some(parse_limit(&value)?),
            _ => {
                let cursor = Cursor::decode(&value).map_err(ApiError::bad_cursor)?;
                if !matches!(cursor.values.as_slice(), [crate::schema::Value::Text(_)]) {
                    return Err(ApiError::bad_cursor(
                        "this cursor is not one of a changes page; take `cursor` from a changes page's `next`",
                    ));
                }
                out.after = Some(cursor);
            }
        }
    }
    Ok(out)
}

/// The largest page of the catalog search, and its default.
pub const CATALOG_MAX_LIMIT: usize = 500;
pub const CATALOG_DEFAULT_LIMIT: usize = 100;
/// The largest offset into the catalog: far past any municipality's.
pub const CATALOG_MAX_OFFSET: usize = 100_000;

/// `GET /api/v1/datasets?q=&theme=&publisher=&profile=&format=&limit=&offset=`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogParams {
    pub q: String,
    /// Facet → the value asked for.
    pub filters: Vec<(&'static str, String)>,
    pub limit: usize,
    pub offset: usize,
}

/// Parses a catalog search; unknown or repeated names and numbers out of
/// range are errors.
pub fn catalog_params(query: Option<&str>) -> Result<CatalogParams, ApiError> {
    let mut names: Vec<&'static str> = vec!["q", "limit", "offset"];
    names.extend_from_slice(crate::search::FACETS);
    let mut out = CatalogParams {
        q: String::new(),
        filters: Vec::new(),
        limit: CATALOG_DEFAULT_LIMIT,
        offset: 0,
    };
    for (name, value) in simple_params(query, &names)? {
        match name {
            "q" => out.q = value,
            "limit" => out.limit = bounded("limit", &value, 1, CATALOG_MAX_LIMIT)?,
            "offset" => out.offset = bounded("offset", &value, 0, CATALOG_MAX_OFFSET)?,
            facet => out.filters.push((facet, value)),
        }
    }
    Ok(out)
}

fn bounded(name: &str, text: &str, min: usize, max: usize) -> Result<usize, ApiError> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            bad(format!(
                "{name} `{text}` is not a whole number between {min} and {max}"
            ))
        })
}

/// Parses the query string of an endpoint with a fixed set of parameters:
/// unknown or repeated names are errors, so typos never pass silently.
pub fn simple_params<'a>(
    query: Option<&str>,
    allowed: &[&'a str],
) -> Result<Vec<(&'a str, String)>, ApiError> {
    let mut out: Vec<(&'a str, String)> = Vec::new();
    for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        let Some(known) = allowed.iter().find(|a| **a == name) else {
            return Err(ApiError::bad_query(
                format!(
                    "unknown parameter `{name}`; this endpoint takes {}",
                    list(allowed)
                ),
                allowed.iter().map(|a| a.to_string()).collect(),
            ));
        };
        if out.iter().any(|(n, _)| n == known) {
            return Err(bad(format!("`{name}` is given twice; give it once")));
        }
        out.push((known, value.into_owned()));
    }
    Ok(out)
}

fn list(names: &[&str]) -> String {
    if names.is_empty() {
        return "no parameters".to_string();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A `bad_query` error without a field list (the problem is not a field).
fn bad(message: String) -> ApiError {
    ApiError::bad_query(message, Vec::new())
}

struct Checker<'a> {
    schema: &'a StreamSchema,
}

impl Checker<'_> {
    fn valid_fields(&self) -> Vec<String> {
        self.schema.fields.iter().map(|f| f.name.clone()).collect()
    }

    fn error(&self, message: String) -> ApiError {
        ApiError::bad_query(message, self.valid_fields())
    }

    fn kind(&self, name: &str) -> Option<FieldType> {
        self.schema
            .fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.kind)
    }

    fn unknown(&self, name: &str) -> ApiError {
        self.error(format!(
            "`{name}` is not a field of this dataset; the fields are {}",
            list(
                &self
                    .schema
                    .fields
                    .iter()
                    .map(|f| f.name.as_str())
                    .collect::<Vec<_>>()
            )
        ))
    }

    fn filter(&self, name: &str, value: &str) -> Result<Filter, ApiError> {
        // A field whose own name holds `__` wins over the operator reading.
        let (field, op) = match self.kind(name) {
            Some(_) => (name, "eq"),
            None => match name.rsplit_once("__") {
                Some((field, op)) => (field, op),
                None => return Err(self.unknown(name)),
            },
        };
        let kind = self.kind(field).ok_or_else(|| self.unknown(field))?;
        let check = |v: &str| self.value(field, kind, v);
        let op = match op {
            "eq" => FilterOp::Eq(check(value)?),
            "ne" => FilterOp::Ne(check(value)?),
            "gt" | "gte" | "lt" | "lte" => self.ordered(field, kind, op, check(value)?)?,
            "in" => FilterOp::In(self.in_values(value, check)?),
            "contains" => self.contains(field, kind, value)?,
            "isnull" => FilterOp::IsNull(match value {
                "true" => true,
                "false" => false,
                _ => {
                    return Err(self.error(format!(
                        "`{field}__isnull` takes `true` or `false`, not `{value}`"
                    )));
                }
            }),
            _ => {
                return Err(self.error(format!(
                    "`{op}` is not a filter operator; use one of eq, ne, gt, gte, lt, lte, in, contains, isnull (as `{field}__gte=`)"
                )));
            }
        };
        Ok(Filter {
            field: field.to_string(),
            op,
        })
    }

    fn ordered(
        &self,
        field: &str,
        kind: FieldType,
        op: &str,
        value: String,
    ) -> Result<FilterOp, ApiError> {
        if matches!(kind, FieldType::Boolean | FieldType::Json) {
            return Err(self.error(format!(
                "`{field}` is {}: it cannot be compared with `{op}`",
                kind.name()
            )));
        }
        Ok(match op {
            "gt" => FilterOp::Gt(value),
            "gte" => FilterOp::Gte(value),
            "lt" => FilterOp::Lt(value),
            _ => FilterOp::Lte(value),
        })
    }

    fn in_values(
        &self,
        value: &str,
        check: impl Fn(&str) -> Result<String, ApiError>,
    ) -> Result<Vec<String>, ApiError> {
        let values: Vec<String> = value.split(',').map(check).collect::<Result<_, _>>()?;
        if values.len() > MAX_IN_VALUES {
            return Err(self.error(format!("`__in` takes at most {MAX_IN_VALUES} values")));
        }
        Ok(values)
    }

    fn contains(&self, field: &str, kind: FieldType, value: &str) -> Result<FilterOp, ApiError> {
        if kind != FieldType::Text {
            return Err(self.error(format!(
                "`{field}__contains` needs a text field; `{field}` is {}",
                kind.name()
            )));
        }
        if value.is_empty() {
            return Err(self.error(format!("`{field}__contains` needs some text")));
        }
        Ok(FilterOp::Contains(value.to_string()))
    }

    /// Checks that `value` can be a value of a field of `kind`.
    fn value(&self, field: &str, kind: FieldType, value: &str) -> Result<String, ApiError> {
        let ok = match kind {
            FieldType::Boolean => matches!(value, "true" | "false"),
            FieldType::Integer => value.parse::<i64>().is_ok(),
            FieldType::Decimal => rust_decimal::Decimal::from_str(value).is_ok(),
            FieldType::Float => value.parse::<f64>().is_ok_and(f64::is_finite),
            FieldType::Date => chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok(),
            FieldType::Datetime => is_datetime(value),
            FieldType::Text | FieldType::Json => true,
        };
        if ok {
            return Ok(value.to_string());
        }
        let example = match kind {
            FieldType::Boolean => "true or false",
            FieldType::Integer => "a whole number such as 42",
            FieldType::Decimal => "a number such as 1250.50",
            FieldType::Float => "a number such as 3.25",
            FieldType::Date => "a date such as 2024-03-01",
            FieldType::Datetime => "a date-time such as 2024-03-01T10:00:00Z",
            FieldType::Text | FieldType::Json => "text",
        };
        Err(self.error(format!(
            "`{value}` is not a valid value for `{field}` ({}): expected {example}",
            kind.name()
        )))
    }

    fn names(&self, what: &str, text: &str) -> Result<Vec<(String, bool)>, ApiError> {
        let mut out: Vec<(String, bool)> = Vec::new();
        for part in text.split(',') {
            let (name, descending) = match part.strip_prefix('-') {
                Some(name) if what == "sort" => (name, true),
                _ => (part, false),
            };
            if name.is_empty() {
                return Err(self.error(format!("`{what}` has an empty field name")));
            }
            if self.kind(name).is_none() {
                return Err(self.unknown(name));
            }
            if out.iter().any(|(n, _)| n == name) {
                return Err(self.error(format!("`{what}` names `{name}` twice")));
            }
            out.push((name.to_string(), descending));
        }
        Ok(out)
    }

    fn sort(&self, text: &str) -> Result<Vec<SortKey>, ApiError> {
        Ok(self
            .names("sort", text)?
            .into_iter()
            .map(|(field, descending)| SortKey { field, descending })
            .collect())
    }

    fn fields(&self, text: &str) -> Result<Vec<String>, ApiError> {
        Ok(self
            .names("fields", text)?
            .into_iter()
            .map(|(f, _)| f)
            .collect())
    }
}

fn is_datetime(value: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(value).is_ok()
        || [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
        ]
        .iter()
        .any(|f| chrono::NaiveDateTime::parse_from_str(value, f).is_ok())
        || chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
}

fn op_suffix(op: &FilterOp) -> (&'static str, String) {
    match op {
        FilterOp::Eq(v) => ("", v.clone()),
        FilterOp::Ne(v) => ("__ne", v.clone()),
        FilterOp::Gt(v) => ("__gt", v.clone()),
        FilterOp::Gte(v) => ("__gte", v.clone()),
        FilterOp::Lt(v) => ("__lt", v.clone()),
        FilterOp::Lte(v) => ("__lte", v.clone()),
        FilterOp::In(vs) => ("__in", vs.join(",")),
        FilterOp::Contains(v) => ("__contains", v.clone()),
        FilterOp::IsNull(b) => ("__isnull", b.to_string()),
    }
}

/// The query in one normal form: filters sorted (their order means
/// nothing), then `sort`, `fields`, `limit` when not the default, and the
/// cursor when `with_cursor`. Equal queries give equal text. The version is
/// not included: the cursor carries it, and callers key on it themselves.
pub fn canonical(query: &RowQuery, with_cursor: bool) -> String {
    let mut filters: Vec<(String, String)> = query
        .filters
        .iter()
        .map(|f| {
            let (suffix, value) = op_suffix(&f.op);
            // `__eq` keeps reserved field names unambiguous.
            let suffix = if suffix.is_empty() && RESERVED.contains(&f.field.as_str()) {
                "__eq"
            } else {
                suffix
            };
            (format!("{}{suffix}", f.field), value)
        })
        .collect();
    filters.sort();
    let mut out = form_urlencoded::Serializer::new(String::new());
    if let Some(text) = &query.text {
        out.append_pair("q", text);
    }
    for (name, value) in &filters {
        out.append_pair(name, value);
    }
    if !query.sort.is_empty() {
        let sort: Vec<String> = query
            .sort
            .iter()
            .map(|k| format!("{}{}", if k.descending { "-" } else { "" }, k.field))
            .collect();
        out.append_pair("sort", &sort.join(","));
    }
    if let Some(fields) = &query.fields {
        out.append_pair("fields", &fields.join(","));
    }
    if query.limit != DEFAULT_LIMIT {
        out.append_pair("limit", &query.limit.to_string());
    }
    if let (true, Some(cursor)) = (with_cursor, &query.after) {
        out.append_pair("cursor", &cursor.encode());
    }
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Field, Value};
    use proptest::prelude::*;

    fn schema() -> StreamSchema {
        StreamSchema {
            name: "projects".into(),
            description: String::new(),
            fields: vec![
                Field::new("id", FieldType::Integer, true),
                Field::new("title", FieldType::Text, true),
                Field::new("budget", FieldType::Decimal, true),
                Field::new("start", FieldType::Date, true),
                Field::new("done", FieldType::Boolean, true),
                Field::new("share", FieldType::Float, true),
                Field::new("at", FieldType::Datetime, true),
                Field::new("extra", FieldType::Json, true),
                Field::new("limit", FieldType::Integer, true),
            ],
            primary_key: vec!["id".into()],
        }
    }

    fn resolve(query: &str) -> Result<RowQuery, ApiError> {
        RawRowQuery::parse(Some(query))?.resolve(&schema(), 3, None)
    }

    fn filter(query: &str) -> FilterOp {
        let mut q = resolve(query).unwrap();
        assert_eq!(q.filters.len(), 1, "{query}");
        q.filters.remove(0).op
    }

    #[test]
    fn every_operator_parses() {
        assert_eq!(filter("title=Бургас"), FilterOp::Eq("Бургас".into()));
        assert_eq!(filter("title__eq=a%20b"), FilterOp::Eq("a b".into()));
        assert_eq!(filter("id__ne=4"), FilterOp::Ne("4".into()));
        assert_eq!(filter("budget__gt=10.5"), FilterOp::Gt("10.5".into()));
        assert_eq!(filter("budget__gte=1000"), FilterOp::Gte("1000".into()));
        assert_eq!(
            filter("start__lt=2024-03-01"),
            FilterOp::Lt("2024-03-01".into())
        );
        assert_eq!(
            filter("at__lte=2024-03-01T10:00:00Z"),
            FilterOp::Lte("2024-03-01T10:00:00Z".into())
        );
        assert_eq!(
            filter("id__in=1,2,3"),
            FilterOp::In(vec!["1".into(), "2".into(), "3".into()])
        );
        assert_eq!(
            filter("title__contains=мост"),
            FilterOp::Contains("мост".into())
        );
        assert_eq!(filter("budget__isnull=true"), FilterOp::IsNull(true));
        assert_eq!(filter("budget__isnull=false"), FilterOp::IsNull(false));
        assert_eq!(filter("done=true"), FilterOp::Eq("true".into()));
        assert_eq!(filter("share__gte=0.5"), FilterOp::Gte("0.5".into()));
    }

    #[test]
    fn defaults_and_options() {
        let q = resolve("").unwrap();
        assert_eq!(
            (q.version, q.limit, q.fields, q.sort.len()),
            (3, DEFAULT_LIMIT, None, 0)
        );
        let q = resolve("sort=budget,-start&fields=id,title&limit=10000").unwrap();
        assert_eq!(q.limit, MAX_LIMIT);
        assert_eq!(q.fields, Some(vec!["id".to_string(), "title".to_string()]));
        assert_eq!(
            q.sort,
            vec![
                SortKey {
                    field: "budget".into(),
                    descending: false
                },
                SortKey {
                    field: "start".into(),
                    descending: true
                },
            ]
        );
    }

    #[test]
    fn bad_values_are_bad_queries() {
        for query in [
            "id=abc",
            "budget__gte=lots",
            "start=01.03.2024",
            "done=yes",
            "share=NaN",
            "at=yesterday",
            "id__in=1,x",
            "budget__isnull=maybe",
            "id__contains=1",
            "title__contains=",
            "done__gt=true",
            "extra__lt=1",
            "title__like=x",
            "sort=title,title",
            "sort=",
            "fields=nope",
            "limit=0",
            "limit=-1",
            "limit=ten",
            "limit=1&limit=2",
            "=null",
            "limit=5&=",
        ] {
            let error = resolve(query).expect_err(query);
            assert_eq!(
                (error.status.as_u16(), error.code),
                (400, "bad_query"),
                "{query}"
            );
        }
    }

    #[test]
    fn a_limit_over_the_max_says_the_max() {
        let error = resolve("limit=10001").unwrap_err();
        assert!(error.message.contains("10000"), "{}", error.message);
        assert_eq!(error.code, "bad_query");
    }

    #[test]
    fn unknown_fields_list_the_valid_ones() {
        let error = resolve("colour=red").unwrap_err();
        assert!(error.message.contains("`colour`"), "{}", error.message);
        assert!(error.message.contains("`budget`"), "{}", error.message);
        let fields = error.valid_fields.unwrap();
        assert_eq!(fields.len(), 9);
        assert!(fields.contains(&"title".to_string()));
        let error = resolve("colour__gte=1").unwrap_err();
        assert!(error.message.contains("`colour`"));
    }

    #[test]
    fn reserved_names_filter_with_eq() {
        assert_eq!(filter("limit__eq=5"), FilterOp::Eq("5".into()));
        let q = resolve("limit__eq=5").unwrap();
        assert_eq!(canonical(&q, false), "limit__eq=5");
    }

    #[test]
    fn version_numbers() {
        assert_eq!(
            RawRowQuery::parse(Some("as_of=4"))
                .unwrap()
                .as_of()
                .unwrap(),
            Some(4)
        );
        assert_eq!(parse_version("9223372036854775807").unwrap(), MAX_VERSION);
        for bad in [
            "as_of=0",
            "as_of=x",
            "as_of=-2",
            "as_of=",
            "as_of=%2B3",
            "as_of=9223372036854775808",
            "as_of=18446744073709551616",
            "as_of=323118686193560111353811090194563072",
        ] {
            assert!(
                RawRowQuery::parse(Some(bad)).unwrap().as_of().is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn cursors_decode_or_fail_as_bad_cursor() {
        let cursor = Cursor {
            version: 2,
            values: vec![Value::Integer(7)],
        };
        let raw = RawRowQuery::parse(Some(&format!("cursor={}", cursor.encode()))).unwrap();
        assert_eq!(raw.cursor().unwrap(), Some(cursor));
        let error = RawRowQuery::parse(Some("cursor=zzz"))
            .unwrap()
            .cursor()
            .unwrap_err();
        assert_eq!(error.code, "bad_cursor");
    }

    #[test]
    fn canonical_form_ignores_filter_order() {
        let a = resolve("title=x&id__gte=2&limit=5").unwrap();
        let b = resolve("limit=5&id__gte=2&title=x").unwrap();
        assert_eq!(canonical(&a, false), canonical(&b, false));
        assert_eq!(canonical(&a, false), "id__gte=2&title=x&limit=5");
        // The canonical text parses back to the same query.
        let again = RawRowQuery::parse(Some(&canonical(&a, false)))
            .unwrap()
            .resolve(&schema(), 3, None)
            .unwrap();
        assert_eq!(canonical(&again, false), canonical(&a, false));
    }

    #[test]
    fn catalog_searches_take_words_facets_and_bounded_pages() {
        let params = catalog_params(Some(
            "q=%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82&theme=ECON&format=csv&limit=5&offset=10",
        ))
        .unwrap();
        assert_eq!(params.q, "бюджет");
        assert_eq!(
            params.filters,
            [("theme", "ECON".to_string()), ("format", "csv".to_string())]
        );
        assert_eq!((params.limit, params.offset), (5, 10));
        let defaults = catalog_params(None).unwrap();
        assert_eq!(
            (defaults.limit, defaults.offset),
            (CATALOG_DEFAULT_LIMIT, 0)
        );
        for bad in [
            "limit=0",
            "limit=501",
            "offset=-1",
            "offset=100001",
            "limit=x",
            "colour=red",
            "q=a&q=b",
        ] {
            assert!(catalog_params(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn simple_params_reject_unknown_and_repeated_names() {
        assert_eq!(
            simple_params(Some("from=1"), &["from", "to"]).unwrap(),
            vec![("from", "1".to_string())]
        );
        assert_eq!(
            simple_params(Some("form=1"), &["from", "to"])
                .unwrap_err()
                .code,
            "bad_query"
        );
        assert!(simple_params(Some("to=1&to=2"), &["from", "to"]).is_err());
        assert!(simple_params(None, &[]).unwrap().is_empty());
    }

    proptest! {
        #[test]
        fn the_query_parser_never_panics(query in ".{0,200}") {
            if let Ok(raw) = RawRowQuery::parse(Some(&query)) {
                let _ = raw.as_of();
                let _ = raw.cursor();
                if let Ok(q) = raw.resolve(&schema(), 1, None) {
                    let text = canonical(&q, true);
                    let again = RawRowQuery::parse(Some(&text)).unwrap().resolve(&schema(), 1, None).unwrap();
                    prop_assert_eq!(canonical(&again, true), text);
                }
            }
        }

        #[test]
        fn structured_queries_never_panic(
            parts in proptest::collection::vec(
                ("(id|title|budget|start|done|share|at|extra|limit|sort|fields|cursor|as_of|x)(__(eq|ne|gt|gte|lt|lte|in|contains|isnull|zz))?",
                 "[-a-z0-9,.:%]{0,12}"),
                0..6,
            )
        ) {
            let query = parts.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
            if let Ok(raw) = RawRowQuery::parse(Some(&query)) {
                let _ = raw.as_of();
                let _ = raw.cursor();
                let _ = raw.resolve(&schema(), 1, None);
            }
        }

        #[test]
        fn the_cursor_decoder_never_panics(text in ".{0,300}") {
            let _ = Cursor::decode(&text);
        }

        #[test]
        fn base64_garbage_cursors_are_errors_or_cursors(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            use base64::Engine;
            let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&bytes);
            let raw = RawRowQuery::parse(Some(&format!("cursor={text}"))).unwrap();
            if let Err(e) = raw.cursor() {
                prop_assert_eq!(e.code, "bad_cursor");
            }
        }
    }
}
