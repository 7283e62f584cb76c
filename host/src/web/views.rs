//! What each page shows: its query, the data it reads, and the context
//! its template renders. Everything here runs on a blocking thread (the
//! store is synchronous) and returns finished HTML.

use std::collections::BTreeMap;
use std::sync::Arc;

use minijinja::value::Serde;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;
use serde_json::{Value as Tv, json};
use url::form_urlencoded;

use super::charts;
use super::feed;
use super::i18n::{self, Lang};
use crate::publish::App;
use crate::publish::app::{Catalog, DatasetState, Links, segment};
use crate::publish::errors::ApiError;
use crate::publish::params::{CatalogParams, RawRowQuery, catalog_params, parse_version};
use crate::schema::{FieldType, Row, StreamSchema, Value};
use crate::store::{
    Change, ChangeRange, Changes, Compression, ExportFormat, RowQuery, Store, Version, exports,
    split_table_id,
};

/// Datasets per catalog page.
const CATALOG_PAGE: usize = 20;
/// Rows in a dataset page's preview.
const PREVIEW_ROWS: usize = 20;
/// Rows of each kind a changes page lists.
const CHANGES_SHOWN: usize = 200;
/// The longest text shown in a table cell.
const CELL_CHARS: usize = 240;

/// The templates, compiled once. Strict: a name a template uses that the
/// context lacks is an error, never an empty string on a public page.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_formatter(html_formatter);
    for (name, source) in [
        ("base.html", include_str!("templates/base.html")),
        ("catalog.html", include_str!("templates/catalog.html")),
        ("dataset.html", include_str!("templates/dataset.html")),
        ("changes.html", include_str!("templates/changes.html")),
        ("record.html", include_str!("templates/record.html")),
        ("error.html", include_str!("templates/error.html")),
    ] {
        // The templates are part of the binary and their tests render
        // every one: a syntax error cannot reach a running server.
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name}: {e}"));
    }
    env
}

/// Escapes what HTML needs escaped (`& < > " '`) and nothing more, so
/// paths in links stay readable (the default also escapes `/`).
fn html_formatter(
    out: &mut minijinja::Output,
    state: &mut minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if value.is_safe() || *state.auto_escape() != minijinja::AutoEscape::Html {
        return minijinja::escape_formatter(out, state, value);
    }
    let text = value.to_string();
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            c => escaped.push(c),
        }
    }
    out.write_str(&escaped).map_err(minijinja::Error::from)
}

/// A page's query string: the language apart, the rest kept in order
/// for the page to read and for the ETag.
#[derive(Debug, Clone, Default)]
pub struct PageQuery {
    pub lang: Option<String>,
    pairs: Vec<(String, String)>,
}

impl PageQuery {
    pub fn parse(query: Option<&str>) -> Self {
        let mut out = PageQuery::default();
        for (name, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            if name == "lang" {
                out.lang = Some(value.into_owned());
            } else {
                out.pairs.push((name.into_owned(), value.into_owned()));
            }
        }
        out
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, v)| n == name && !v.is_empty())
            .map(|(_, v)| v.as_str())
    }

    /// The query as one text, for the ETag: equal queries, equal text.
    pub fn canonical(&self) -> String {
        let mut pairs = self.pairs.clone();
        pairs.sort();
        let mut out = form_urlencoded::Serializer::new(String::new());
        out.extend_pairs(pairs);
        out.finish()
    }

    /// The catalog search the page asks for (empty fields ignored).
    pub fn catalog(&self) -> Result<CatalogParams, ApiError> {
        let mut allowed: Vec<&str> = vec!["q", "offset"];
        allowed.extend_from_slice(crate::search::FACETS);
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in &self.pairs {
            if allowed.contains(&name.as_str()) && !value.is_empty() {
                query.append_pair(name, value);
            }
        }
        let mut params = catalog_params(Some(&query.finish()))?;
        params.limit = CATALOG_PAGE;
        Ok(params)
    }

    /// The versions a changes page compares: `from` and `to`, by default
    /// the current version and the one before.
    pub fn versions(&self, state: &DatasetState) -> Result<(u64, u64), ApiError> {
        let current = state
            .current
            .as_ref()
            .ok_or_else(|| ApiError::no_version(&state.meta.id))?;
        let to = self
            .get("to")
            .map(parse_version)
            .transpose()?
            .unwrap_or(current.number);
        let from = self
            .get("from")
            .map(parse_version)
            .transpose()?
            .unwrap_or(to.saturating_sub(1).max(1));
        for n in [from, to] {
            if !state.versions.contains_key(&n) {
                return Err(ApiError::unknown_version(&state.meta.id, n));
            }
        }
        Ok((from, to))
    }

    /// This query with `name` set to `value` (or removed when `None`),
    /// as `?...` for a link; the paging offset is dropped.
    fn with(&self, name: &str, value: Option<&str>) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        for (n, v) in &self.pairs {
            if n != name && n != "offset" && !v.is_empty() {
                out.append_pair(n, v);
            }
        }
        if let Some(value) = value {
            out.append_pair(name, value);
        }
        let text = out.finish();
        if text.is_empty() {
            String::new()
        } else {
            format!("?{text}")
        }
    }
}

/// A dataset of the catalog, or a 404.
pub fn dataset_state(app: &App, id: &str) -> Result<Arc<DatasetState>, ApiError> {
    app.catalog()
        .datasets
        .get(id)
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("there is no dataset `{id}`")))
}

/// Whether each dataset is stale now, as text for ETags: a page changes
/// when a dataset turns stale even if no data changed.
pub fn staleness_key(catalog: &Catalog) -> String {
    catalog
        .datasets
        .values()
        .map(|d| staleness_key_of(d))
        .collect()
}

pub fn staleness_key_of(state: &DatasetState) -> String {
    if is_stale(state) {
        "s".into()
    } else {
        "f".into()
    }
}

fn is_stale(state: &DatasetState) -> bool {
    state.stale_since(chrono::Utc::now()).is_some()
}

/// A cron schedule (`sec min hour day month weekday`) in words, for the
/// common shapes; others are quoted.
pub fn schedule_words(lang: Lang, expression: Option<&str>) -> String {
    let Some(expression) = expression else {
        return lang.word("not_scheduled").to_string();
    };
    let fields: Vec<&str> = expression.split_whitespace().collect();
    let number = |s: &str| s.parse::<u32>().ok();
    let quoted = || lang.word("on_schedule").replace("{expression}", expression);
    let [_sec, min, hour, day, month, weekday] = fields.as_slice() else {
        return quoted();
    };
    let time = |h: u32, m: u32| format!("{h:02}:{m:02}");
    match (number(min), number(hour), *day, *month, *weekday) {
        (Some(m), Some(h), "*", "*", "*" | "?") => {
            lang.word("every_day_at").replace("{time}", &time(h, m))
        }
        (Some(m), None, "*", "*", "*" | "?") if *hour == "*" => lang
            .word("every_hour_at")
            .replace("{minute}", &format!("{m:02}")),
        (Some(m), Some(h), "*" | "?", "*", w) => match weekday_index(w) {
            Some(i) => lang
                .word("every_week_at")
                .replace("{day}", i18n::weekday(lang, i))
                .replace("{time}", &time(h, m)),
            None => quoted(),
        },
        (Some(m), Some(h), d, "*", "*" | "?") => match number(d) {
            Some(d) => lang
                .word("every_month_at")
                .replace("{day}", &d.to_string())
                .replace("{time}", &time(h, m)),
            None => quoted(),
        },
        _ => quoted(),
    }
}

/// Monday = 0, from a cron weekday (`1`/`MON`; `0`, `7` and `SUN` are Sunday).
fn weekday_index(text: &str) -> Option<usize> {
    const NAMES: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    if let Some(i) = NAMES.iter().position(|n| n.eq_ignore_ascii_case(text)) {
        return Some(i);
    }
    match text.parse::<usize>().ok()? {
        0 | 7 => Some(6),
        n @ 1..=6 => Some(n - 1),
        _ => None,
    }
}

/// A licence's name and where to read it (the one licence table of
/// `vitrina_standards::licences`).
fn license(id: Option<&str>) -> Option<(String, Option<String>)> {
    let id = id?;
    let (_, url) = vitrina_standards::licences::describe(id);
    Some((id.to_string(), Some(url)))
}

fn timestamp(lang: Lang, text: Option<&str>) -> Option<String> {
    let time = chrono::DateTime::parse_from_rfc3339(text?).ok()?;
    let local = time.with_timezone(&chrono_tz::Europe::Sofia);
    Some(format!(
        "{}, {}",
        i18n::long_date(lang, local.date_naive()),
        local.format("%H:%M")
    ))
}

fn when(lang: Lang, time: chrono::DateTime<chrono::Utc>) -> String {
    let text = time.to_rfc3339();
    timestamp(lang, Some(&text)).unwrap_or(text)
}

/// The pieces every page's layout needs.
fn layout(lang: Lang, query: &PageQuery, path: &str) -> Tv {
    let switch = {
        let mut q = query.clone();
        q.lang = None;
        let rest = q.with("lang", Some(lang.other().code()));
        format!("{path}{rest}")
    };
    json!({
        "lang": lang.code(),
        "other_lang": lang.other().code(),
        "t": lang.words(),
        "assets": super::assets::urls(),
        "switch_url": switch,
        "path": path,
    })
}

/// The layout's context with a page's own.
fn merge(mut layout: Tv, page: Tv) -> Tv {
    if let (Some(layout), Tv::Object(page)) = (layout.as_object_mut(), page) {
        layout.extend(page);
    }
    layout
}

fn render(env: &Environment<'_>, name: &str, ctx: Tv) -> Result<String, ApiError> {
    env.get_template(name)
        .and_then(|t| t.render(Serde(&ctx)))
        .map_err(|e| ApiError::internal(format!("the page could not be rendered: {e:#}")))
}

/// A dataset as a catalog card or a page heading shows it.
#[derive(Serialize)]
struct Summary {
    id: String,
    url: String,
    title: String,
    description: String,
    publisher: Option<String>,
    last_updated: Option<String>,
    schedule: String,
    formats: Vec<String>,
    row_count: Option<String>,
    failed: bool,
    stale: bool,
    theme: Vec<String>,
    keywords: Vec<String>,
}

fn summary(lang: Lang, state: &DatasetState) -> Summary {
    let entry = &state.entry;
    let description = i18n::part(lang, &state.meta.description).to_string();
    Summary {
        id: state.meta.id.clone(),
        url: format!("/datasets/{}", segment(&state.meta.id)),
        title: i18n::part(lang, &state.meta.title).to_string(),
        description,
        publisher: state
            .meta
            .publisher
            .as_deref()
            .map(|p| i18n::part(lang, p).to_string()),
        last_updated: timestamp(lang, entry["last_updated"].as_str()),
        schedule: schedule_words(lang, state.meta.schedule.as_deref()),
        formats: entry["formats"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|v| v.as_str().map(|v| facet_label(lang, "format", v)))
                    .collect()
            })
            .unwrap_or_default(),
        row_count: state
            .current
            .as_ref()
            .map(|v| i18n::number(lang, &v.row_count.to_string())),
        failed: entry["latest_run_failed"].as_bool().unwrap_or(false),
        stale: is_stale(state),
        theme: state.meta.theme.clone(),
        keywords: state.meta.keywords.clone(),
    }
}

/// The first sentence of a description, for a card.
fn first_sentence(text: &str) -> String {
    let end = text
        .char_indices()
        .find(|(i, c)| *c == '.' && text[i + 1..].starts_with(' '))
        .map_or(text.len(), |(i, _)| i + 1);
    text[..end].to_string()
}

pub fn catalog_page(
    env: &Environment<'_>,
    lang: Lang,
    query: &PageQuery,
    catalog: &Catalog,
    params: &CatalogParams,
) -> Result<String, ApiError> {
    let found = catalog.find(params);
    let cards: Vec<Summary> = found
        .datasets
        .iter()
        .map(|d| {
            let mut s = summary(lang, d);
            s.description = first_sentence(&s.description);
            s
        })
        .collect();
    let facets: Vec<Tv> = crate::search::FACETS
        .iter()
        .map(|facet| {
            let chosen = params
                .filters
                .iter()
                .find(|(f, _)| f == facet)
                .map(|(_, v)| v.clone());
            let values: Vec<Tv> = found
                .facets
                .get(facet)
                .into_iter()
                .flatten()
                .map(|(value, count)| {
                    let selected = chosen.as_deref() == Some(value.as_str());
                    let link = query.with(facet, (!selected).then_some(value.as_str()));
                    json!({
                        "value": facet_label(lang, facet, value),
                        "count": count,
                        "selected": selected,
                        "url": format!("/{link}"),
                    })
                })
                .collect();
            json!({
                "name": facet,
                "label": lang.word(&format!("facet_{facet}")),
                "values": values,
            })
        })
        .collect();
    let page = |offset: usize| {
        let mut q = query.with("offset", None);
        if offset > 0 {
            q.push_str(if q.is_empty() { "?" } else { "&" });
            q.push_str(&format!("offset={offset}"));
        }
        format!("/{q}")
    };
    let previous = (params.offset > 0).then(|| page(params.offset.saturating_sub(CATALOG_PAGE)));
    let next =
        (params.offset + CATALOG_PAGE < found.total).then(|| page(params.offset + CATALOG_PAGE));
    let filtered = !params.filters.is_empty() || !params.q.is_empty();
    render(
        env,
        "catalog.html",
        merge(
            layout(lang, query, "/"),
            json!({
                "q": params.q,
                "total": found.total,
                "cards": cards,
                "facets": facets,
                "filtered": filtered,
                "previous": previous,
                "next": next,
                "feed_url": "/feed.atom",
            }),
        ),
    )
}

/// A facet value as readers know it: EU theme codes and profile names in
/// words, the rest as they are.
fn facet_label(lang: Lang, facet: &str, value: &str) -> String {
    let words: Option<(&str, &str)> = match (facet, value) {
        ("theme", "ECON") => Some(("Икономика и финанси", "Economy and finance")),
        ("theme", "GOVE") => Some((
            "Управление и публичен сектор",
            "Government and public sector",
        )),
        ("theme", "REGI") => Some(("Региони и градове", "Regions and cities")),
        ("theme", "ENVI") => Some(("Околна среда", "Environment")),
        ("theme", "TRAN") => Some(("Транспорт", "Transport")),
        ("theme", "EDUC") => Some((
            "Образование, култура и спорт",
            "Education, culture and sport",
        )),
        ("theme", "SOCI") => Some(("Население и общество", "Population and society")),
        ("theme", "HEAL") => Some(("Здраве", "Health")),
        ("theme", "JUST") => Some((
            "Правосъдие и обществена безопасност",
            "Justice and public safety",
        )),
        ("theme", "ENER") => Some(("Енергетика", "Energy")),
        ("theme", "AGRI") => Some(("Земеделие и храни", "Agriculture and food")),
        ("theme", "TECH") => Some(("Наука и технологии", "Science and technology")),
        ("theme", "INTR") => Some(("Международни въпроси", "International issues")),
        ("profile", "budget") => Some(("Бюджет", "Budget")),
        ("profile", "procurement") => Some(("Обществени поръчки", "Public procurement")),
        ("profile", "decision") => Some(("Решения на съвета", "Council decisions")),
        ("profile", "project") => Some(("Проекти", "Projects")),
        ("format", "csv") => Some(("CSV", "CSV")),
        ("format", "json") => Some(("JSON", "JSON")),
        ("format", "ndjson") => Some(("NDJSON", "NDJSON")),
        ("format", "datapackage") => Some(("Data Package", "Data Package")),
        ("format", "fiscal_data_package") => Some(("Fiscal Data Package", "Fiscal Data Package")),
        ("format", "ocds") => Some(("OCDS", "OCDS")),
        ("format", "popolo") => Some(("Popolo", "Popolo")),
        _ => None,
    };
    match words {
        Some((bg, en)) => match lang {
            Lang::Bg => bg.to_string(),
            Lang::En => en.to_string(),
        },
        None => i18n::part(lang, value).to_string(),
    }
}

/// A table cell: the text shown, and whether it is a number (right-aligned).
#[derive(Serialize, Clone)]
struct Cell {
    text: String,
    numeric: bool,
    empty: bool,
}

fn cell(lang: Lang, value: &Value) -> Cell {
    let (text, numeric) = match value {
        Value::Null => (String::new(), false),
        Value::Boolean(b) => (
            match (lang, b) {
                (Lang::Bg, true) => "да",
                (Lang::Bg, false) => "не",
                (Lang::En, true) => "yes",
                (Lang::En, false) => "no",
            }
            .to_string(),
            false,
        ),
        Value::Integer(n) => (i18n::number(lang, &n.to_string()), true),
        Value::Float(f) => (i18n::number(lang, &f.to_string()), true),
        Value::Decimal(d) => (i18n::number(lang, d), true),
        Value::Date(d) => (
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(|date| i18n::short_date(lang, date))
                .unwrap_or_else(|_| d.clone()),
            false,
        ),
        Value::Text(s) | Value::Datetime(s) | Value::Json(s) => (s.clone(), false),
    };
    let text = if text.chars().count() > CELL_CHARS {
        let cut: String = text.chars().take(CELL_CHARS).collect();
        format!("{cut}…")
    } else {
        text
    };
    Cell {
        empty: text.is_empty(),
        text,
        numeric,
    }
}

/// The path of a row's record page.
fn record_url(dataset: &str, schema: &StreamSchema, row: &Row) -> Option<String> {
    let mut parts = Vec::new();
    for key in &schema.primary_key {
        let i = schema.fields.iter().position(|f| &f.name == key)?;
        if matches!(row[i], Value::Null) {
            return None;
        }
        parts.push(segment(&row[i].text()).replace(',', "%2C"));
    }
    Some(format!(
        "/datasets/{}/rows/{}",
        segment(dataset),
        parts.join(",")
    ))
}

/// The preview's state, from the page's query: words, one filter, a sort.
#[derive(Serialize)]
struct Preview {
    fields: Vec<Tv>,
    rows: Vec<Tv>,
    error: Option<String>,
    q: String,
    filter_field: String,
    filter_value: String,
    sort: String,
    api_url: String,
    more_url: Option<String>,
    filter_fields: Vec<String>,
}

fn preview(
    lang: Lang,
    query: &PageQuery,
    state: &DatasetState,
    version: &Version,
    store: &dyn Store,
) -> Preview {
    let schema = &version.schema;
    let q = query.get("q").unwrap_or("").to_string();
    let sort = query.get("sort").unwrap_or("").to_string();
    let filter_field = query.get("filter_field").unwrap_or("").to_string();
    let filter_value = query.get("filter_value").unwrap_or("").to_string();
    let mut api = form_urlencoded::Serializer::new(String::new());
    if !q.is_empty() {
        api.append_pair("q", &q);
    }
    if !filter_field.is_empty() && !filter_value.is_empty() {
        let kind = schema
            .fields
            .iter()
            .find(|f| f.name == filter_field)
            .map(|f| f.kind);
        let name = match kind {
            Some(FieldType::Text) => format!("{filter_field}__contains"),
            _ => filter_field.clone(),
        };
        api.append_pair(&name, &filter_value);
    }
    if !sort.is_empty() {
        api.append_pair("sort", &sort);
    }
    api.append_pair("limit", &PREVIEW_ROWS.to_string());
    let api_query = api.finish();
    let api_url = format!(
        "/api/v1/datasets/{}/rows?{api_query}",
        segment(&state.meta.id)
    );
    let result = RawRowQuery::parse(Some(&api_query))
        .and_then(|raw| raw.resolve(schema, version.number, None))
        .and_then(|rq: RowQuery| store.rows(&state.meta.id, &rq).map_err(ApiError::from));
    let (rows, error, more) = match result {
        Ok(page) => {
            let rows = page
                .rows
                .iter()
                .map(|row| {
                    json!({
                        "cells": row.iter().map(|v| cell(lang, v)).collect::<Vec<_>>(),
                        "url": record_url(&state.meta.id, schema, row),
                    })
                })
                .collect();
            (rows, None, page.next.is_some())
        }
        Err(error) => (Vec::new(), Some(error.message.clone()), false),
    };
    let sorted = |name: &str| -> Option<bool> {
        if sort == name {
            Some(false)
        } else if sort.strip_prefix('-') == Some(name) {
            Some(true)
        } else {
            None
        }
    };
    let fields = schema
        .fields
        .iter()
        .map(|f| {
            let state = sorted(&f.name);
            let next_sort = match state {
                Some(false) => format!("-{}", f.name),
                _ => f.name.clone(),
            };
            json!({
                "name": f.name,
                "numeric": matches!(f.kind, FieldType::Integer | FieldType::Decimal | FieldType::Float),
                "sort": match state { Some(false) => "ascending", Some(true) => "descending", None => "none" },
                "sort_url": format!("{}#preview", query.with("sort", Some(&next_sort))),
            })
        })
        .collect();
    Preview {
        fields,
        rows,
        error,
        q,
        filter_field,
        filter_value,
        sort,
        more_url: more.then(|| api_url.replace(&format!("limit={PREVIEW_ROWS}"), "limit=100")),
        api_url,
        filter_fields: schema.fields.iter().map(|f| f.name.clone()).collect(),
    }
}

/// A download link with its size.
#[derive(Serialize)]
struct Download {
    label: &'static str,
    url: String,
    size: Option<String>,
    media: &'static str,
}

fn size_words(lang: Lang, bytes: u64) -> String {
    let (value, unit) = match bytes {
        b if b >= 1 << 20 => (b as f64 / (1 << 20) as f64, "MB"),
        b if b >= 1 << 10 => (b as f64 / (1 << 10) as f64, "KB"),
        b => (
            b as f64,
            if lang == Lang::Bg {
                "байта"
            } else {
                "bytes"
            },
        ),
    };
    let text = if unit.ends_with('B') {
        format!("{value:.1}")
    } else {
        format!("{value:.0}")
    };
    format!("{}\u{a0}{unit}", i18n::number(lang, &text))
}

fn downloads(
    lang: Lang,
    state: &DatasetState,
    version: &Version,
    store: &dyn Store,
    base: &str,
) -> Vec<Download> {
    let links = Links {
        base,
        dataset: &state.meta.id,
    };
    let n = Some(version.number);
    let size_of = |name: &str| {
        store
            .file_size(&state.meta.id, version, name, Compression::Identity)
            .map(|bytes| size_words(lang, bytes))
    };
    let export = |format| size_of(&exports::file_name(format, Compression::Identity));
    let mut out = vec![
        Download {
            label: "download_csv",
            url: links.download(n, "csv"),
            size: export(ExportFormat::Csv),
            media: "text/csv",
        },
        Download {
            label: "download_csv_bom",
            url: links.download(n, "bom.csv"),
            size: export(ExportFormat::CsvBom),
            media: "text/csv",
        },
        Download {
            label: "download_json",
            url: links.download(n, "json"),
            size: export(ExportFormat::Json),
            media: "application/json",
        },
        Download {
            label: "download_ndjson",
            url: links.download(n, "ndjson"),
            size: export(ExportFormat::Ndjson),
            media: "application/x-ndjson",
        },
    ];
    // A table is described by its dataset's Data Package.
    if split_table_id(&state.meta.id).is_none() {
        out.push(Download {
            label: "download_datapackage",
            url: links.file(n, crate::derived::DATAPACKAGE),
            size: size_of(crate::derived::DATAPACKAGE),
            media: "application/json",
        });
    }
    if let Some((key, file)) = crate::derived::standard_file(state.meta.profile.as_deref()) {
        out.push(Download {
            label: match key {
                "ocds" => "download_ocds",
                "popolo" => "download_popolo",
                _ => "download_fdp",
            },
            url: links.file(n, file),
            size: size_of(file),
            media: "application/json",
        });
    }
    out
}

/// A further table of a dataset, as its page lists it.
#[derive(Serialize)]
struct TableView {
    name: String,
    description: String,
    row_count: String,
    rows_url: String,
    downloads: Vec<Download>,
}

fn tables(lang: Lang, state: &DatasetState, store: &dyn Store, base: &str) -> Vec<TableView> {
    state
        .tables
        .iter()
        .filter_map(|table| {
            let version = table.current.as_deref()?;
            let links = Links {
                base,
                dataset: &table.meta.id,
            };
            let downloads = downloads(lang, table, version, store, base);
            Some(TableView {
                name: version.schema.name.clone(),
                description: table.meta.description.clone(),
                row_count: i18n::number(lang, &version.row_count.to_string()),
                rows_url: format!("{}/rows", links.dataset()),
                downloads,
            })
        })
        .collect()
}

pub fn dataset_page(
    env: &Environment<'_>,
    lang: Lang,
    query: &PageQuery,
    state: &DatasetState,
    store: &dyn Store,
    base: &str,
) -> Result<String, ApiError> {
    let about = summary(lang, state);
    let path = format!("/datasets/{}", segment(&state.meta.id));
    let api_base = format!("{base}/api/v1/datasets/{}", segment(&state.meta.id));
    let (preview, charts, downloads) = match state.current.as_deref() {
        Some(version) => (
            Some(preview(lang, query, state, version, store)),
            charts::charts(store, version, state.meta.profile.as_deref(), lang)?,
            downloads(lang, state, version, store, base),
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    let versions: Vec<Tv> = state
        .versions
        .values()
        .rev()
        .map(|v| {
            json!({
                "number": v.number,
                "published": when(lang, v.published_at),
                "row_count": i18n::number(lang, &v.row_count.to_string()),
                "added": i18n::number(lang, &v.row_changes.added.to_string()),
                "removed": i18n::number(lang, &v.row_changes.removed.to_string()),
                "changed": i18n::number(lang, &v.row_changes.changed.to_string()),
                "changes_url": (v.number > 1).then(|| format!("{path}/changes?from={}&to={}", v.number - 1, v.number)),
                "api_url": format!("{api_base}/versions/{}", v.number),
                "schema_changes": v.schema_changes.iter().map(|c| super::feed::schema_change(lang, c)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let license = license(state.meta.license.as_deref());
    let chart_json = serde_json::to_string(&charts).unwrap_or_else(|_| "[]".into());
    render(
        env,
        "dataset.html",
        merge(
            layout(lang, query, &path),
            json!({
                "d": about,
                "meta_description": i18n::part(lang, &state.meta.description),
                "license_name": license.as_ref().map(|l| l.0.clone()),
                "license_url": license.and_then(|l| l.1),
                "profile": state.meta.profile.as_deref().map(|p| facet_label(lang, "profile", p)),
                "profile_url": state.meta.profile.as_deref().map(|p| format!("/api/v1/profiles/{p}")),
                "plugin": state.current.as_ref().map(|v| format!("{} {}", v.plugin, v.plugin_version)).unwrap_or_else(|| state.meta.plugin.clone()),
                "last_success": timestamp(lang, state.entry["last_success"].as_str()),
                "version": state.current.as_ref().map(|v| v.number),
                "preview": preview,
                "charts": charts,
                "chart_json": chart_json,
                "downloads": downloads,
                "tables": tables(lang, state, store, base),
                "versions": versions,
                "api_rows": format!("{api_base}/rows"),
                "api_dataset": api_base,
                "feed_url": format!("{path}/feed.atom"),
            }),
        ),
    )
}

/// Changed rows side by side, changed cells marked.
/// The first [`CHANGES_SHOWN`] changes of each kind between two versions,
/// and how many of each there are (added, removed, changed), in one pass
/// that holds no more than it shows.
fn first_changes(
    store: &dyn Store,
    state: &DatasetState,
    from: u64,
    to: u64,
) -> Result<(Changes, [usize; 3]), ApiError> {
    let id = &state.meta.id;
    let schema = store.version(id, if to == 0 { from } else { to })?.schema;
    let mut shown = Changes {
        from,
        to,
        schema,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    let mut counts = [0usize; 3];
    let range = ChangeRange {
        from,
        to,
        after: None,
    };
    store.for_each_change(id, &range, &mut |change| {
        let keep = |list_len: usize, count: &mut usize| {
            *count += 1;
            list_len < CHANGES_SHOWN
        };
        match change {
            Change::Added { row, .. } => {
                if keep(shown.added.len(), &mut counts[0]) {
                    shown.added.push(row);
                }
            }
            Change::Removed { row, .. } => {
                if keep(shown.removed.len(), &mut counts[1]) {
                    shown.removed.push(row);
                }
            }
            Change::Changed { row, .. } => {
                if keep(shown.changed.len(), &mut counts[2]) {
                    shown.changed.push(row);
                }
            }
        }
        Ok(true)
    })?;
    Ok((shown, counts))
}

pub fn changes_page(
    env: &Environment<'_>,
    lang: Lang,
    query: &PageQuery,
    state: &DatasetState,
    store: &dyn Store,
    from: u64,
    to: u64,
) -> Result<String, ApiError> {
    let (changes, counts) = first_changes(store, state, from, to)?;
    let schema = &changes.schema;
    let path = format!("/datasets/{}", segment(&state.meta.id));
    let rows = |rows: &[Row]| -> Vec<Tv> {
        rows.iter()
            .take(CHANGES_SHOWN)
            .map(|row| {
                json!({
                    "cells": row.iter().map(|v| cell(lang, v)).collect::<Vec<_>>(),
                    "url": record_url(&state.meta.id, schema, row),
                })
            })
            .collect()
    };
    let changed: Vec<Tv> = changes
        .changed
        .iter()
        .take(CHANGES_SHOWN)
        .map(|c| {
            let cells: Vec<Tv> = schema
                .fields
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let marked = c.fields.contains(&f.name);
                    json!({
                        "before": cell(lang, &c.before[i]),
                        "after": cell(lang, &c.after[i]),
                        "changed": marked,
                    })
                })
                .collect();
            json!({ "cells": cells, "url": record_url(&state.meta.id, schema, &c.after) })
        })
        .collect();
    let truncated = counts.iter().any(|n| *n > CHANGES_SHOWN);
    let to_version = state.versions.get(&to);
    let schema_changes: Vec<String> = to_version
        .filter(|_| to == from + 1)
        .map(|v| {
            v.schema_changes
                .iter()
                .map(|c| feed::schema_change(lang, c))
                .collect()
        })
        .unwrap_or_default();
    let numbers: Vec<u64> = state.versions.keys().copied().collect();
    render(
        env,
        "changes.html",
        merge(
            layout(lang, query, &format!("{path}/changes")),
            json!({
                "d": summary(lang, state),
                "from": from,
                "to": to,
                "numbers": numbers,
                "fields": schema.fields.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
                "added": rows(&changes.added),
                "removed": rows(&changes.removed),
                "changed": changed,
                "added_count": i18n::number(lang, &counts[0].to_string()),
                "removed_count": i18n::number(lang, &counts[1].to_string()),
                "changed_count": i18n::number(lang, &counts[2].to_string()),
                "feed_url": format!("{path}/feed.atom"),
                "truncated": truncated.then(|| lang.word("changes_truncated").replace("{n}", &CHANGES_SHOWN.to_string())),
                "schema_changes": schema_changes,
                "api_url": format!("/api/v1/datasets/{}/changes?from={from}&to={to}", segment(&state.meta.id)),
            }),
        ),
    )
}

/// One record: its values now (or when last seen) and every state it had.
pub fn record_page(
    env: &Environment<'_>,
    lang: Lang,
    query: &PageQuery,
    state: &DatasetState,
    store: &dyn Store,
    key: &[String],
) -> Result<String, ApiError> {
    let history = store.row_history(&state.meta.id, key)?;
    let Some(last) = history.last() else {
        return Err(ApiError::not_found(format!(
            "dataset `{}` has never had a row with key {}",
            state.meta.id,
            key.join(",")
        )));
    };
    let path = format!("/datasets/{}", segment(&state.meta.id));
    let values: Vec<Tv> = last
        .schema
        .fields
        .iter()
        .zip(&last.row)
        .map(|(f, v)| json!({ "field": f.name, "value": cell(lang, v) }))
        .collect();
    let mut states = Vec::new();
    let mut previous: Option<BTreeMap<&str, &Value>> = None;
    for s in &history {
        let now: BTreeMap<&str, &Value> = s
            .schema
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .zip(&s.row)
            .collect();
        let differences: Vec<Tv> = match &previous {
            None => Vec::new(),
            Some(before) => now
                .iter()
                .filter(|(name, value)| before.get(*name) != Some(*value))
                .map(|(name, value)| {
                    json!({
                        "field": name,
                        "before": before.get(name).map(|v| cell(lang, v)),
                        "after": cell(lang, value),
                    })
                })
                .collect(),
        };
        states.push(json!({
            "from": s.from,
            "until": s.until,
            "published": state.versions.get(&s.from).map(|v| when(lang, v.published_at)),
            "differences": differences,
            "api_url": format!("/api/v1/datasets/{}/rows/{}?as_of={}", segment(&state.meta.id), key.iter().map(|k| segment(k).replace(',', "%2C")).collect::<Vec<_>>().join(","), s.from),
        }));
        previous = Some(now);
    }
    states.reverse();
    let current = last.until.is_none();
    // A contract leads to its procurement's OCDS record: every state of
    // every contract of that procurement, as Open Contracting tools read it.
    let ocds_record = (state.meta.profile.as_deref() == Some("procurement"))
        .then(|| last.schema.position("ocid").and_then(|i| last.row.get(i)))
        .flatten()
        .map(|ocid| ocid.text())
        .filter(|ocid| !ocid.is_empty())
        .map(|ocid| {
            format!(
                "/api/v1/datasets/{}/ocds/records/{}",
                segment(&state.meta.id),
                segment(&ocid)
            )
        });
    render(
        env,
        "record.html",
        merge(
            layout(
                lang,
                query,
                &format!(
                    "{path}/rows/{}",
                    key.iter()
                        .map(|k| segment(k).replace(',', "%2C"))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
            ),
            json!({
                "d": summary(lang, state),
                "key": key.join(", "),
                "feed_url": format!("{path}/feed.atom"),
                "values": values,
                "states": states,
                "current": current,
                "ocds_record": ocds_record,
            }),
        ),
    )
}

/// An error page; never fails (a template error falls back to plain text).
pub fn error_page(
    env: &Environment<'_>,
    lang: Lang,
    status: hyper::StatusCode,
    message: &str,
) -> String {
    let title = match status.as_u16() {
        404 => lang.word("not_found"),
        400 => lang.word("bad_request"),
        _ => lang.word("error"),
    };
    let ctx = merge(
        layout(lang, &PageQuery::default(), "/"),
        json!({ "title": title, "message": message, "status": status.as_u16(), "feed_url": "/feed.atom" }),
    );
    render(env, "error.html", ctx).unwrap_or_else(|_| {
        format!(
            "<!doctype html><title>{}</title><p>{}</p>",
            status.as_u16(),
            status.as_u16()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_in_words() {
        assert_eq!(
            schedule_words(Lang::Bg, Some("0 30 6 * * *")),
            "всеки ден в 06:30"
        );
        assert_eq!(
            schedule_words(Lang::En, Some("0 30 6 * * *")),
            "every day at 06:30"
        );
        assert_eq!(
            schedule_words(Lang::En, Some("0 15 * * * *")),
            "every hour at 15 past"
        );
        assert_eq!(
            schedule_words(Lang::En, Some("0 0 7 * * MON")),
            "every week, Monday at 07:00"
        );
        assert_eq!(
            schedule_words(Lang::Bg, Some("0 0 5 1 * *")),
            "всеки месец на 1-о число в 05:00"
        );
        assert_eq!(
            schedule_words(Lang::En, Some("0 */5 * * * *")),
            "on the schedule “0 */5 * * * *”"
        );
        assert_eq!(schedule_words(Lang::En, None), "only when run by hand");
    }

    #[test]
    fn page_queries_drop_the_language_and_paging_from_links() {
        let q = PageQuery::parse(Some("q=byudzhet&lang=en&offset=20&theme=ECON"));
        assert_eq!(q.lang.as_deref(), Some("en"));
        assert_eq!(q.with("theme", None), "?q=byudzhet");
        assert_eq!(
            q.with("format", Some("csv")),
            "?q=byudzhet&theme=ECON&format=csv"
        );
        assert_eq!(q.canonical(), "offset=20&q=byudzhet&theme=ECON");
    }

    #[test]
    fn every_template_renders_in_both_languages() {
        let env = environment();
        for lang in Lang::ALL {
            let page = error_page(
                &env,
                lang,
                hyper::StatusCode::NOT_FOUND,
                "<script>x</script>",
            );
            assert!(page.contains("&lt;script&gt;x&lt;"), "{page}");
            assert!(!page.contains("<script>x"), "{page}");
            assert!(page.contains(&format!("lang=\"{}\"", lang.code())));
        }
    }

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_words(Lang::En, 512), "512\u{a0}bytes");
        assert_eq!(size_words(Lang::Bg, 1536), "1,5\u{a0}KB");
        assert_eq!(size_words(Lang::En, 5 * 1024 * 1024), "5.0\u{a0}MB");
    }
}
