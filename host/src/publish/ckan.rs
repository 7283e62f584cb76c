//! The read side of CKAN's Action API under `/api/3/action/`, so a partner
//! portal running CKAN harvests Vitrina with its stock CKAN harvester, and
//! `ckanapi` reads it as it reads any CKAN.
//!
//! Every answer is built from the publisher's in-memory catalog (the same
//! picture `/api/v1` serves), in CKAN's envelope: `{"help", "success":
//! true, "result"}`, or `"success": false` with an `error` of CKAN's
//! `__type`s and its statuses (404 not found, 409 validation). A dataset
//! is a package; its publisher an organization; its keywords tags; the
//! files of its current version (each download, the Data Package, the
//! standard file, each further table's CSV) its resources, at their
//! immutable versioned URLs, so a harvester sees a new URL for every new
//! version. Parameters come as a query string (GET) or a JSON object
//! (POST, as `ckanapi` sends them); nothing here writes.

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use hyper::header;
use hyper::{Method, StatusCode};
use serde_json::{Map, Value as Json, json};

use super::answer::Answer;
use super::app::{App, DatasetState, Links};
use super::params::CatalogParams;
use crate::store::{Compression, Store, split_table_id};

/// The actions answered, in `help_show`'s order.
const ACTIONS: [&str; 8] = [
    "package_list",
    "package_show",
    "package_search",
    "organization_list",
    "organization_show",
    "resource_show",
    "status_show",
    "help_show",
];

/// The CKAN version whose API this imitates, for `status_show`.
const CKAN_VERSION: &str = "2.10.4";

/// The largest POST body taken: an action's parameters, never data.
pub const MAX_BODY: usize = 64 * 1024;

/// The most packages one `package_search` page holds, as CKAN's default
/// `ckan.search.rows_max`.
const MAX_ROWS: usize = 1000;

/// The `fq` fields `package_search` filters on.
const FILTER_FIELDS: [&str; 5] = ["tags", "organization", "res_format", "license_id", "name"];

/// The action a path names, when it is one of CKAN's Action API's.
pub fn action(path: &str) -> Option<&str> {
    path.strip_prefix("/api/3/action/")
        .or_else(|| path.strip_prefix("/api/action/"))
        .filter(|a| !a.is_empty() && !a.contains('/'))
}

/// A failed action, as CKAN reports it.
#[derive(Debug)]
struct CkanError {
    status: StatusCode,
    kind: &'static str,
    message: String,
}

impl CkanError {
    fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            kind: "Not Found Error",
            message: message.into(),
        }
    }

    fn validation(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::CONFLICT,
            kind: "Validation Error",
            message: message.into(),
        }
    }
}

/// Answers one action; `body` is a POST's, empty for a GET.
pub async fn answer(
    app: &Arc<App>,
    action: &str,
    method: &Method,
    query: Option<&str>,
    body: &[u8],
) -> Answer {
    let help = format!(
        "{}/api/3/action/help_show?name={action}",
        app.config().base_url
    );
    let result = if ![Method::GET, Method::HEAD, Method::POST].contains(method) {
        Err(CkanError {
            status: StatusCode::METHOD_NOT_ALLOWED,
            kind: "Bad request",
            message: format!(
                "{method} is not allowed: the actions here only read; use GET or POST"
            ),
        })
    } else {
        match parameters(query, body) {
            Ok(params) => {
                let (app, action, params) = (app.clone(), action.to_string(), params);
                tokio::task::spawn_blocking(move || run(&app, &action, &params))
                    .await
                    .unwrap_or_else(|e| {
                        Err(CkanError {
                            status: StatusCode::INTERNAL_SERVER_ERROR,
                            kind: "Internal Server Error",
                            message: format!("the action failed: {e}"),
                        })
                    })
            }
            Err(e) => Err(e),
        }
    };
    let (status, document) = match result {
        Ok(result) => (
            StatusCode::OK,
            json!({ "help": help, "success": true, "result": result }),
        ),
        Err(error) => (
            error.status,
            json!({
                "help": help,
                "success": false,
                "error": { "__type": error.kind, "message": error.message },
            }),
        ),
    };
    let mut body = serde_json::to_vec(&document).unwrap_or_default();
    body.push(b'\n');
    let mut answer = Answer::new(status, Bytes::from(body))
        .with(header::CONTENT_TYPE, "application/json;charset=utf-8")
        .with(header::CACHE_CONTROL, "public, max-age=60");
    if status == StatusCode::METHOD_NOT_ALLOWED {
        answer = answer.with(header::ALLOW, "GET, HEAD, POST");
    }
    answer
}

/// The action's parameters: the query string's, or a POST's JSON object
/// (or form), as one map. Query values are strings, as CKAN reads them.
fn parameters(query: Option<&str>, body: &[u8]) -> Result<Map<String, Json>, CkanError> {
    let mut params = Map::new();
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        params.insert(name.into_owned(), Json::String(value.into_owned()));
    }
    let body = body.trim_ascii();
    if body.is_empty() {
        return Ok(params);
    }
    if body.starts_with(b"{") {
        let object: Map<String, Json> = serde_json::from_slice(body).map_err(|e| CkanError {
            status: StatusCode::BAD_REQUEST,
            kind: "Bad request",
            message: format!("the body is not a JSON object: {e}"),
        })?;
        params.extend(object);
    } else {
        for (name, value) in url::form_urlencoded::parse(body) {
            params.insert(name.into_owned(), Json::String(value.into_owned()));
        }
    }
    Ok(params)
}

fn run(app: &App, action: &str, params: &Map<String, Json>) -> Result<Json, CkanError> {
    let site = Site {
        base: &app.config().base_url,
        store: app.store.as_ref(),
        datasets: app.catalog().datasets.values().cloned().collect(),
    };
    match action {
        "package_list" => site.package_list(params),
        "package_show" => site.package_show(params),
        "package_search" => site.package_search(app, params),
        "organization_list" => site.organization_list(params),
        "organization_show" => site.organization_show(params),
        "resource_show" => site.resource_show(params),
        "status_show" => Ok(site.status()),
        "help_show" => Ok(json!(format!(
            "Vitrina answers the read side of CKAN's Action API: {}. See {}/api/v1/openapi.json for its own API.",
            ACTIONS.join(", "),
            site.base
        ))),
        other => Err(CkanError {
            status: StatusCode::BAD_REQUEST,
            kind: "Bad request",
            message: format!(
                "Action name not known: {other}. Vitrina answers {}",
                ACTIONS.join(", ")
            ),
        }),
    }
}

/// What the actions read: the catalog as the publisher has it now.
struct Site<'a> {
    base: &'a str,
    store: &'a dyn Store,
    datasets: Vec<Arc<DatasetState>>,
}

impl Site<'_> {
    fn find(&self, id: &str) -> Result<&Arc<DatasetState>, CkanError> {
        self.datasets
            .iter()
            .find(|d| d.meta.id == id)
            .ok_or_else(|| CkanError::not_found(format!("Not found: no dataset `{id}`")))
    }

    fn package_list(&self, params: &Map<String, Json>) -> Result<Json, CkanError> {
        let (limit, offset) = (
            number(params, "limit", usize::MAX)?,
            number(params, "offset", 0)?,
        );
        let names: Vec<&str> = self
            .datasets
            .iter()
            .map(|d| d.meta.id.as_str())
            .skip(offset)
            .take(limit)
            .collect();
        Ok(json!(names))
    }

    fn package_show(&self, params: &Map<String, Json>) -> Result<Json, CkanError> {
        let id = required(params, "id")?;
        Ok(self.package(self.find(&id)?))
    }

    fn package_search(&self, app: &App, params: &Map<String, Json>) -> Result<Json, CkanError> {
        let q = text(params, "q").unwrap_or_default();
        let q = if q.trim() == "*:*" { String::new() } else { q };
        let rows = number(params, "rows", 10)?;
        if rows > MAX_ROWS {
            return Err(CkanError::validation(format!(
                "rows: must be at most {MAX_ROWS}"
            )));
        }
        let start = number(params, "start", 0)?;
        let filters = parse_fq(&text(params, "fq").unwrap_or_default())?;
        // The catalog's own search ranks the words; the filters are CKAN's.
        let search = CatalogParams {
            q,
            filters: Vec::new(),
            limit: usize::MAX,
            offset: 0,
        };
        let catalog = app.catalog();
        let found: Vec<Json> = catalog
            .find(&search)
            .datasets
            .into_iter()
            .map(|d| self.package(d))
            .filter(|package| filters.iter().all(|f| f.holds(package)))
            .collect();
        let mut found = found;
        sort_packages(&mut found, &text(params, "sort").unwrap_or_default())?;
        let facet_fields = facet_fields(params)?;
        let facet_limit = number(params, "facet.limit", 50)?;
        let mut facets = Map::new();
        let mut search_facets = Map::new();
        for field in &facet_fields {
            let counts = count_values(&found, field);
            let mut items: Vec<(&String, &usize)> = counts.iter().collect();
            items.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            items.truncate(facet_limit);
            facets.insert(
                field.clone(),
                json!(
                    items
                        .iter()
                        .map(|(v, n)| ((*v).clone(), json!(n)))
                        .collect::<Map<_, _>>()
                ),
            );
            search_facets.insert(
                field.clone(),
                json!({
                    "title": field,
                    "items": items.iter().map(|(v, n)| json!({ "name": v, "display_name": v, "count": n })).collect::<Vec<_>>(),
                }),
            );
        }
        let count = found.len();
        let results: Vec<Json> = found.into_iter().skip(start).take(rows).collect();
        Ok(json!({
            "count": count,
            "results": results,
            "facets": facets,
            "search_facets": search_facets,
            "sort": "score desc, metadata_modified desc",
        }))
    }

    fn organization_list(&self, params: &Map<String, Json>) -> Result<Json, CkanError> {
        let all_fields = flag(params, "all_fields");
        let organizations = self.organizations();
        Ok(if all_fields {
            json!(
                organizations
                    .values()
                    .map(|o| o.json(false, &[]))
                    .collect::<Vec<_>>()
            )
        } else {
            json!(organizations.keys().collect::<Vec<_>>())
        })
    }

    fn organization_show(&self, params: &Map<String, Json>) -> Result<Json, CkanError> {
        let id = required(params, "id")?;
        let organizations = self.organizations();
        let organization = organizations
            .get(&id)
            .ok_or_else(|| CkanError::not_found(format!("Not found: no organization `{id}`")))?;
        let packages: Vec<Json> = if flag(params, "include_datasets") {
            organization
                .datasets
                .iter()
                .map(|d| self.package(d))
                .collect()
        } else {
            Vec::new()
        };
        Ok(organization.json(true, &packages))
    }

    fn resource_show(&self, params: &Map<String, Json>) -> Result<Json, CkanError> {
        let id = required(params, "id")?;
        self.datasets
            .iter()
            .flat_map(|d| self.resources(d))
            .find(|r| r["id"] == id.as_str())
            .ok_or_else(|| CkanError::not_found(format!("Not found: no resource `{id}`")))
    }

    fn status(&self) -> Json {
        json!({
            "ckan_version": CKAN_VERSION,
            "site_url": self.base,
            "site_title": "Vitrina",
            "site_description": "Open data published by Vitrina: every version kept, as JSON, CSV and the standards partners read.",
            "locale_default": "bg",
            "extensions": [],
        })
    }

    /// Every organization (publisher) with its datasets, by name.
    fn organizations(&self) -> BTreeMap<String, Organization<'_>> {
        let mut organizations: BTreeMap<String, Organization<'_>> = BTreeMap::new();
        for dataset in &self.datasets {
            if let Some(title) = &dataset.meta.publisher {
                organizations
                    .entry(organization_name(title))
                    .or_insert_with(|| Organization {
                        name: organization_name(title),
                        title: title.clone(),
                        datasets: Vec::new(),
                    })
                    .datasets
                    .push(dataset);
            }
        }
        organizations
    }

    /// A dataset as a CKAN package.
    fn package(&self, state: &DatasetState) -> Json {
        let meta = &state.meta;
        let links = Links {
            base: self.base,
            dataset: &meta.id,
        };
        let timestamp =
            |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
        let created = state
            .versions
            .values()
            .next()
            .map(|v| timestamp(&v.published_at));
        let modified = state.current.as_ref().map(|v| timestamp(&v.published_at));
        let organization = meta.publisher.as_ref().map(|title| {
            Organization {
                name: organization_name(title),
                title: title.clone(),
                datasets: Vec::new(),
            }
            .json(false, &[])
        });
        let tags: Vec<Json> = meta
            .keywords
            .iter()
            .map(|k| json!({ "id": k, "name": k, "display_name": k, "state": "active", "vocabulary_id": null }))
            .collect();
        let resources = self.resources(state);
        let mut extras = vec![json!({ "key": "theme", "value": meta.theme.join(" ") })];
        for (key, value) in [
            ("profile", meta.profile.as_deref()),
            ("schedule", meta.schedule.as_deref()),
        ] {
            if let Some(value) = value {
                extras.push(json!({ "key": key, "value": value }));
            }
        }
        extras.push(json!({ "key": "api", "value": links.dataset() }));
        json!({
            "id": meta.id,
            "name": meta.id,
            "title": meta.title,
            "notes": meta.description,
            "type": "dataset",
            "state": "active",
            "private": false,
            "url": format!("{}/datasets/{}", self.base, super::app::segment(&meta.id)),
            "version": state.current.as_ref().map(|v| v.number.to_string()),
            "license_id": meta.license,
            "license_title": meta.license,
            "author": meta.publisher,
            "maintainer": meta.publisher,
            "owner_org": meta.publisher.as_deref().map(organization_name),
            "organization": organization,
            "metadata_created": created,
            "metadata_modified": modified,
            "tags": tags,
            "num_tags": meta.keywords.len(),
            "groups": [],
            "extras": extras,
            "resources": resources,
            "num_resources": resources.len(),
        })
    }

    /// The files of a dataset's current version, as CKAN resources.
    fn resources(&self, state: &DatasetState) -> Vec<Json> {
        let Some(version) = state.current.as_deref() else {
            return Vec::new();
        };
        // Each file with the table it belongs to: the dataset's own, or one
        // of its further tables.
        let mut files: Vec<(&DatasetState, String, String, &'static str, &'static str)> =
            Vec::new();
        for (format, label, media, ext) in [
            ("CSV", "CSV", "text/csv", "csv"),
            ("JSON", "JSON", "application/json", "json"),
            ("NDJSON", "NDJSON", "application/x-ndjson", "ndjson"),
        ] {
            let title = format!("{} ({label})", state.meta.title);
            files.push((state, format!("data.{ext}"), title, format, media));
        }
        files.push((
            state,
            crate::derived::DATAPACKAGE.to_string(),
            "Frictionless Data Package".to_string(),
            "JSON",
            "application/json",
        ));
        if let Some((_, file)) = crate::derived::standard_file(state.meta.profile.as_deref()) {
            files.push((
                state,
                file.to_string(),
                file.to_string(),
                "JSON",
                "application/json",
            ));
        }
        for table in &state.tables {
            let stream = split_table_id(&table.meta.id).map_or("", |(_, s)| s);
            let title = format!("{stream} (CSV)");
            files.push((table, "data.csv".to_string(), title, "CSV", "text/csv"));
        }
        files
            .into_iter()
            .enumerate()
            .filter_map(|(position, (owner_state, name, title, format, media))| {
                let owner = &owner_state.meta.id;
                let owner_version = owner_state.current.as_deref()?;
                let size = self
                    .store
                    .file_size(owner, owner_version, &name, Compression::Identity)?;
                let links = Links {
                    base: self.base,
                    dataset: owner,
                };
                let id = format!("{owner}/{name}");
                Some(json!({
                    "id": id,
                    "package_id": state.meta.id,
                    "name": title,
                    "description": "",
                    "format": format,
                    "mimetype": media,
                    "url": links.file(Some(owner_version.number), &name),
                    "size": size,
                    "created": version.published_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                    "last_modified": owner_version.published_at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
                    "position": position,
                    "state": "active",
                    "url_type": null,
                    "hash": "",
                }))
            })
            .collect()
    }
}

/// A publisher, as a CKAN organization.
struct Organization<'a> {
    name: String,
    title: String,
    datasets: Vec<&'a Arc<DatasetState>>,
}

impl Organization<'_> {
    fn json(&self, counted: bool, packages: &[Json]) -> Json {
        let mut organization = json!({
            "id": self.name,
            "name": self.name,
            "title": self.title,
            "display_name": self.title,
            "description": "",
            "type": "organization",
            "is_organization": true,
            "state": "active",
            "image_url": "",
            "approval_status": "approved",
        });
        if counted {
            organization["package_count"] = json!(self.datasets.len());
            organization["packages"] = json!(packages);
        }
        organization
    }
}

/// An organization's name from its publisher's: Latin under the official
/// Bulgarian transliteration, lowercase, words joined by `-` (`Община
/// Бургас` → `obshtina-burgas`), as CKAN names are.
pub(super) fn organization_name(publisher: &str) -> String {
    let latin = crate::search::text::transliterate(&publisher.to_lowercase());
    latin
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

/// One term of `fq`.
#[derive(Debug, Clone, PartialEq)]
enum Filter {
    /// The field has one of these values (`tags:x`, `organization:(a OR b)`).
    AnyOf(String, Vec<String>),
    /// Modified within a range (`metadata_modified:[2026-01-01T00:00:00Z TO *]`),
    /// as CKAN's harvester asks for what changed since its last run.
    Modified(Option<DateTime<Utc>>, Option<DateTime<Utc>>),
}

impl Filter {
    fn holds(&self, package: &Json) -> bool {
        match self {
            Filter::AnyOf(field, wanted) => {
                let values = values(package, field);
                wanted
                    .iter()
                    .any(|w| values.iter().any(|v| v.eq_ignore_ascii_case(w)))
            }
            Filter::Modified(from, to) => {
                let Some(modified) = package["metadata_modified"].as_str().and_then(ckan_time)
                else {
                    return false;
                };
                from.is_none_or(|from| modified >= from) && to.is_none_or(|to| modified <= to)
            }
        }
    }
}

/// `fq` as CKAN's harvesters write it: `field:value` terms (a value may be
/// quoted, or a parenthesized `OR` list), joined by spaces or `AND`, `+`
/// before a term allowed; and `metadata_modified:[FROM TO TO]`.
fn parse_fq(fq: &str) -> Result<Vec<Filter>, CkanError> {
    let mut filters = Vec::new();
    let mut rest = fq.trim();
    while !rest.is_empty() {
        rest = rest.trim_start_matches('+');
        if let Some(after) = rest.strip_prefix("AND ") {
            rest = after.trim_start();
            continue;
        }
        let (field, after) = rest.split_once(':').ok_or_else(|| {
            CkanError::validation(format!("fq: `{rest}` is not a field:value term"))
        })?;
        let (filter, after) = if field == "metadata_modified" {
            modified_range(after)?
        } else if FILTER_FIELDS.contains(&field) {
            let (values, after) = term_values(after)?;
            (Filter::AnyOf(field.to_string(), values), after)
        } else {
            return Err(CkanError::validation(format!(
                "fq: Vitrina filters on {} and metadata_modified, not `{field}`",
                FILTER_FIELDS.join(", ")
            )));
        };
        filters.push(filter);
        rest = after.trim_start();
    }
    Ok(filters)
}

/// A term's value, quoted or not, or a parenthesized `OR` list of them;
/// and what follows.
fn term_values(text: &str) -> Result<(Vec<String>, &str), CkanError> {
    if let Some(list) = text.strip_prefix('(') {
        let end = list
            .find(')')
            .ok_or_else(|| CkanError::validation("fq: a parenthesis is not closed"))?;
        let values = list[..end]
            .split(" OR ")
            .map(|v| v.trim().trim_matches('"').to_string())
            .filter(|v| !v.is_empty())
            .collect();
        return Ok((values, &list[end + 1..]));
    }
    if let Some(quoted) = text.strip_prefix('"') {
        let end = quoted
            .find('"')
            .ok_or_else(|| CkanError::validation("fq: a quote is not closed"))?;
        return Ok((vec![quoted[..end].to_string()], &quoted[end + 1..]));
    }
    let (value, after) = text.split_once(' ').unwrap_or((text, ""));
    Ok((vec![value.to_string()], after))
}

/// `[FROM TO TO]`, each a time or `*` (or `NOW`); and what follows.
fn modified_range(text: &str) -> Result<(Filter, &str), CkanError> {
    let invalid = || CkanError::validation("fq: metadata_modified takes a range, [FROM TO TO]");
    let inner = text.strip_prefix('[').ok_or_else(invalid)?;
    let end = inner.find(']').ok_or_else(invalid)?;
    let (from, to) = inner[..end].split_once(" TO ").ok_or_else(invalid)?;
    let bound = |text: &str| -> Result<Option<DateTime<Utc>>, CkanError> {
        match text.trim() {
            "*" => Ok(None),
            "NOW" => Ok(Some(Utc::now())),
            time => ckan_time(time)
                .map(Some)
                .ok_or_else(|| CkanError::validation(format!("fq: `{time}` is not a time"))),
        }
    };
    Ok((
        Filter::Modified(bound(from)?, bound(to)?),
        &inner[end + 1..],
    ))
}

/// A time as CKAN writes it (`2026-12-03T10:00:00.000000`, no zone: UTC)
/// or as its harvester asks (`2026-12-03T10:00:00.000Z`).
fn ckan_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim_end_matches('Z');
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .ok()
        .map(|t| t.and_utc())
}

/// The values of a package a filter or facet field reads.
fn values(package: &Json, field: &str) -> Vec<String> {
    let strings = |list: &Json, key: &str| -> Vec<String> {
        list.as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i[key].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    match field {
        "tags" => strings(&package["tags"], "name"),
        "organization" => package["organization"]["name"]
            .as_str()
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        "res_format" => {
            let mut formats = strings(&package["resources"], "format");
            formats.sort();
            formats.dedup();
            formats
        }
        "license_id" | "name" => package[field]
            .as_str()
            .map(|s| vec![s.to_string()])
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

fn count_values(packages: &[Json], field: &str) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for package in packages {
        for value in values(package, field) {
            *counts.entry(value).or_insert(0) += 1;
        }
    }
    counts
}

/// Orders packages as `sort` asks (`id asc`, `name asc`,
/// `metadata_modified desc`, ...); without it, best match first.
fn sort_packages(packages: &mut [Json], sort: &str) -> Result<(), CkanError> {
    let sort = sort.trim();
    if sort.is_empty() || sort.starts_with("score") || sort.starts_with("rank") {
        return Ok(());
    }
    let (field, order) = sort.split_once(' ').unwrap_or((sort, "asc"));
    if ![
        "id",
        "name",
        "title",
        "metadata_modified",
        "metadata_created",
    ]
    .contains(&field)
    {
        return Err(CkanError::validation(format!(
            "sort: Vitrina sorts by id, name, title, metadata_modified or metadata_created, not `{field}`"
        )));
    }
    let descending = match order.trim() {
        "asc" => false,
        "desc" => true,
        other => {
            return Err(CkanError::validation(format!(
                "sort: `asc` or `desc`, not `{other}`"
            )));
        }
    };
    packages.sort_by(|a, b| {
        let (a, b) = (a[field].as_str(), b[field].as_str());
        if descending { b.cmp(&a) } else { a.cmp(&b) }
    });
    Ok(())
}

/// `facet.field`: a JSON list of field names (as CKAN takes it), or one.
fn facet_fields(params: &Map<String, Json>) -> Result<Vec<String>, CkanError> {
    let fields: Vec<String> = match params.get("facet.field") {
        None => Vec::new(),
        Some(Json::Array(list)) => list
            .iter()
            .filter_map(|f| f.as_str().map(str::to_string))
            .collect(),
        Some(Json::String(text)) => match serde_json::from_str::<Vec<String>>(text) {
            Ok(list) => list,
            Err(_) => vec![text.clone()],
        },
        Some(other) => {
            return Err(CkanError::validation(format!(
                "facet.field: a list of field names, not {other}"
            )));
        }
    };
    match fields.iter().find(|f| !FILTER_FIELDS.contains(&f.as_str())) {
        Some(field) => Err(CkanError::validation(format!(
            "facet.field: Vitrina counts {}, not `{field}`",
            FILTER_FIELDS.join(", ")
        ))),
        None => Ok(fields),
    }
}

fn text(params: &Map<String, Json>, name: &str) -> Option<String> {
    match params.get(name)? {
        Json::String(s) => Some(s.clone()),
        Json::Null => None,
        other => Some(other.to_string()),
    }
}

fn required(params: &Map<String, Json>, name: &str) -> Result<String, CkanError> {
    text(params, name)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| CkanError::validation(format!("{name}: Missing value")))
}

fn number(params: &Map<String, Json>, name: &str, default: usize) -> Result<usize, CkanError> {
    match params.get(name) {
        None | Some(Json::Null) => Ok(default),
        Some(Json::Number(n)) => n
            .as_u64()
            .map(|n| n as usize)
            .ok_or_else(|| CkanError::validation(format!("{name}: Must be a natural number"))),
        Some(Json::String(s)) if s.is_empty() => Ok(default),
        Some(Json::String(s)) => s
            .parse()
            .map_err(|_| CkanError::validation(format!("{name}: Invalid integer"))),
        Some(_) => Err(CkanError::validation(format!("{name}: Invalid integer"))),
    }
}

fn flag(params: &Map<String, Json>, name: &str) -> bool {
    match params.get(name) {
        Some(Json::Bool(b)) => *b,
        Some(Json::String(s)) => matches!(s.to_ascii_lowercase().as_str(), "true" | "1" | "yes"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_live_where_ckan_keeps_them() {
        assert_eq!(action("/api/3/action/package_show"), Some("package_show"));
        assert_eq!(action("/api/action/status_show"), Some("status_show"));
        assert_eq!(action("/api/3/action/"), None);
        assert_eq!(action("/api/3/action/a/b"), None);
        assert_eq!(action("/api/v1/datasets"), None);
    }

    #[test]
    fn filter_queries_read_as_harvesters_write_them() {
        let any = |field: &str, values: &[&str]| {
            Filter::AnyOf(field.into(), values.iter().map(|v| v.to_string()).collect())
        };
        assert_eq!(
            parse_fq(r#"tags:budget +organization:(obshtina-burgas OR city-of-ghent) AND res_format:"CSV""#)
                .unwrap(),
            [
                any("tags", &["budget"]),
                any("organization", &["obshtina-burgas", "city-of-ghent"]),
                any("res_format", &["CSV"]),
            ]
        );
        // What CKAN's harvester asks on every run after its first.
        let since = parse_fq("metadata_modified:[2026-12-01T10:00:00.000Z TO *]").unwrap();
        let package = |modified: &str| json!({ "metadata_modified": modified });
        assert!(since[0].holds(&package("2026-12-02T08:00:00.000000")));
        assert!(!since[0].holds(&package("2026-11-30T08:00:00.000000")));
        assert!(
            parse_fq("groups:x")
                .unwrap_err()
                .message
                .contains("not `groups`")
        );
        assert!(parse_fq(r#"tags:"open"#).is_err());
        assert!(parse_fq("metadata_modified:[yesterday TO *]").is_err());
        assert!(parse_fq("").unwrap().is_empty());
    }

    #[test]
    fn packages_sort_as_asked() {
        let mut packages = vec![
            json!({"name": "b"}),
            json!({"name": "a"}),
            json!({"name": "c"}),
        ];
        sort_packages(&mut packages, "name desc").unwrap();
        let names: Vec<&str> = packages
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["c", "b", "a"]);
        assert!(sort_packages(&mut packages, "views asc").is_err());
    }

    #[test]
    fn organization_names_are_latin_slugs() {
        assert_eq!(organization_name("Община Бургас"), "obshtina-burgas");
        assert_eq!(organization_name("City of Ghent"), "city-of-ghent");
    }

    #[test]
    fn parameters_come_from_the_query_or_a_json_body() {
        let params = parameters(Some("id=a&rows=5"), br#"{"start": 2}"#).unwrap();
        assert_eq!(params["id"], "a");
        assert_eq!(number(&params, "rows", 10).unwrap(), 5);
        assert_eq!(number(&params, "start", 0).unwrap(), 2);
        assert!(parameters(None, b"{oops").is_err());
        assert!(number(&parameters(Some("rows=x"), b"").unwrap(), "rows", 10).is_err());
    }
}
