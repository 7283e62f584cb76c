//! The OpenAPI 3.1 description of `/api/v1`: every route, parameter and
//! response shape, served at `/api/v1/openapi.json`.
//!
//! Written by hand next to the handlers rather than derived, so that the
//! prose (how keys are encoded, why `latest` is served directly) lives in
//! the document clients read. A test checks that every route the router
//! knows appears here.

use serde_json::{Value, json};

use super::params::MAX_VERSION;
use crate::store::MAX_LIMIT;

/// How a cursor is spelled: URL-safe base64 without padding, at most
/// 4096 characters (`crate::store::Cursor`).
const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]{1,4096}$";

/// A field name (a machine name, as `validate::is_machine_name` checks).
const FIELD: &str = "[a-z][a-z0-9_]{0,63}";

const DESCRIPTION: &str = "\
Open data of the municipality, every published version kept.

**Versions.** Every collection run that changes a dataset publishes a new, immutable version (1, 2, 3, ...; at \
most 9223372036854775807: a larger number is a 400, a number no version has a 404). \
Everything under `/versions/{n}` never changes and is served with `Cache-Control: public, max-age=31536000, immutable`.

**Latest downloads.** `/datasets/{id}/latest/data.{csv,json,ndjson}` is served directly (not redirected), with \
`Cache-Control: public, max-age=60`, the same ETag as the versioned file, and a `Content-Location` header naming the \
versioned URL, so that one request gets the data and a client can still record exactly which version it got.

**Validators.** Every answer has a strong `ETag` and, where it comes from a version, `Last-Modified` (the version's \
publication time). Send `If-None-Match` (it takes precedence) or `If-Modified-Since` to get `304 Not Modified`.

**Compression.** Send `Accept-Encoding: br` or `gzip`. Download files and the standard files of a version \
(`datapackage.json`, `ocds.json`, ...) are precompressed; each coding has its own \
ETag (`\"...-gz\"`, `\"...-br\"`). A request with `Range` is always answered from the uncompressed file, so a resumed \
download sees the same bytes whatever coding the first attempt used.

**Ranges.** Downloads and the standard files accept one byte range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) and answer 206 with \
`Content-Range`; an unsatisfiable range is 416 with `Content-Range: bytes */length`; several ranges are answered with \
the whole file (200). `If-Range` is honoured.

**Paging.** Row pages are keyset-paged: follow `next_url` (JSON) or the `Link: <...>; rel=\"next\"` header (all \
formats). A cursor pins the version it started on, so a walk never skips or repeats rows while a new version is \
published.

**Errors** are JSON: `{\"error\": {\"code\": \"...\", \"message\": \"...\"}}`, with stable codes: `not_found`, \
`no_version`, `unknown_version`, `bad_query` (with `valid_fields`), `bad_cursor`, `bad_key`, `method_not_allowed`, \
`range_not_satisfiable`, `uri_too_long` (URLs are limited to 8 KiB), `timeout`, `internal`.

**Parameters.** Unknown query parameters are errors (400 `bad_query`), so a typo never passes silently.

**CORS.** Every answer allows any origin; `OPTIONS` answers preflights.";

const KEY_DESCRIPTION: &str = "The row's primary-key values in key order, each percent-encoded, joined by `,`. \
A `,` inside a value is written `%2C`. Example for a key (`year`, `code`): `/rows/2024,BG%2C01`.";

fn param(name: &str, location: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": location, "required": location == "path", "description": description, "schema": schema })
}

fn dataset_id() -> Value {
    param("id", "path", "The dataset's id.", json!({"type": "string"}))
}

/// A version number, `minimum` 0 or 1: versions are SQLite integers, so
/// none is larger than i64's maximum, and a larger number is a 400.
fn version_schema(minimum: u64) -> Value {
    json!({"type": "integer", "format": "int64", "minimum": minimum, "maximum": MAX_VERSION})
}

fn version_n() -> Value {
    param("n", "path", "A version number.", version_schema(1))
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn error_response(description: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": reference("Error") } } })
}

/// The answers every GET may give besides its own 200.
fn responses(ok: Value) -> Value {
    json!({
        "200": ok,
        "304": { "description": "Not modified: the client's copy (If-None-Match / If-Modified-Since) is current." },
        "400": error_response("A bad query, cursor or key."),
        "404": error_response("No such dataset, version, row or route."),
        "405": error_response("Only GET, HEAD and OPTIONS are allowed."),
        "414": error_response("The URL is longer than 8 KiB."),
        "503": error_response("The request took too long (`timeout`), its query ran past its time budget (`over_budget`, with `Retry-After`): ask for less, or try again later; or what it asks for follows a version that just went live and is still being written (`pending`, with `Retry-After`: a search of the newest version of a large dataset, its standard file)."),
    })
}

fn json_ok(description: &str, schema: Value) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": schema } } })
}

fn get(summary: &str, description: &str, parameters: Vec<Value>, ok: Value) -> Value {
    json!({ "get": { "summary": summary, "description": description, "parameters": parameters, "responses": responses(ok) } })
}

fn rows_parameters() -> Vec<Value> {
    vec![
        dataset_id(),
        json!({
            "name": "filters",
            "in": "query",
            "style": "form",
            "explode": true,
            "schema": {
                "type": "object",
                "propertyNames": {
                    "pattern": format!("^{FIELD}(__(eq|ne|gt|gte|lt|lte|in|contains|isnull))?$"),
                    "not": { "enum": ["q", "sort", "fields", "limit", "cursor", "as_of"] }
                },
                "additionalProperties": { "type": "string" }
            },
            "description": "Filter: `?field=value` (equals) or `?field__op=value` with op one of `eq`, `ne`, `gt`, `gte`, `lt`, `lte`, `in` (comma-separated values), `contains` (text, case-insensitive), `isnull` (`true`/`false`). Values are read with the field's type (numbers, dates `YYYY-MM-DD`, date-times RFC 3339, `true`/`false`). An unknown field or a bad value is a 400 listing the valid fields. A field named like a reserved parameter is filtered with `__eq`.",
        }),
        param(
            "q",
            "query",
            "Full-text search over the text fields: every word must be a word of the row and the last may be the start of one (`zelen burg`), case-insensitive, in Cyrillic or in its Latin transliteration (`zelen burgas` finds `Зелен Бургас`), with common Bulgarian and English endings ignored. Combines with filters, sort, cursor and `as_of`. At most 500 characters; text without letters or digits matches no row.",
            json!({"type": "string", "maxLength": 500}),
        ),
        param(
            "sort",
            "query",
            "Comma-separated fields, `-` for descending: `sort=budget,-start`; each field at most once. The primary key always breaks ties. A name the dataset does not have is a 400 listing the valid fields.",
            json!({"type": "string", "pattern": format!("^-?{FIELD}(,-?{FIELD})*$")}),
        ),
        param(
            "fields",
            "query",
            "Comma-separated fields to return, in that order; each at most once. A name the dataset does not have is a 400 listing the valid fields.",
            json!({"type": "string", "pattern": format!("^{FIELD}(,{FIELD})*$")}),
        ),
        param(
            "limit",
            "query",
            &format!(
                "Rows per page, 1 to {MAX_LIMIT} (default 100). More than {MAX_LIMIT} is a 400, never a silent cap."
            ),
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100}),
        ),
        param(
            "cursor",
            "query",
            "Where the page starts: the `next` of the previous page, as it was given (URL-safe base64). Pins the version the walk started on. A cursor this API did not issue is a 400 `bad_cursor`.",
            json!({"type": "string", "pattern": CURSOR_PATTERN}),
        ),
        param(
            "as_of",
            "query",
            "Read the rows of this version instead of the current one.",
            version_schema(1),
        ),
    ]
}

fn download_path(versioned: bool, format: &str) -> Value {
    let mut parameters = vec![dataset_id()];
    if versioned {
        parameters.push(version_n());
    }
    if format == "csv" {
        parameters.push(param(
            "bom",
            "query",
            "`1` or `true` for a UTF-8 byte-order mark (for Excel), the same as `data.bom.csv`; `0` or `false` for none. Any other value is a 400.",
            json!({"type": "string", "enum": ["0", "1", "true", "false"]}),
        ));
    }
    let (media, schema) = match format {
        "csv" | "bom.csv" => ("text/csv", json!({ "type": "string" })),
        "json" => (
            "application/json",
            json!({ "type": "array", "items": reference("Row") }),
        ),
        _ => ("application/x-ndjson", json!({ "type": "string" })),
    };
    let description = if versioned {
        "The version's full download, immutable. Supports Range, If-Range, Accept-Encoding (precompressed br/gzip)."
    } else {
        "The current version's full download, served directly with `Cache-Control: public, max-age=60`, the versioned file's ETag, and `Content-Location` naming the versioned URL."
    };
    let ok = json!({ "description": "The file (attachment).", "content": { media: { "schema": schema } } });
    file_path("Full download", description, parameters, ok, !versioned)
}

/// A file of a version's folder: `ok` plus what every such file answers
/// (ranges, `Content-Location` for `latest`).
fn file_path(
    summary: &str,
    description: &str,
    parameters: Vec<Value>,
    mut ok: Value,
    latest: bool,
) -> Value {
    if latest {
        ok["headers"] = json!({ "Content-Location": { "schema": { "type": "string", "format": "uri" }, "description": "The versioned URL of the same file." } });
    }
    let mut path = get(summary, description, parameters, ok);
    path["get"]["responses"]["206"] =
        json!({ "description": "One byte range of the uncompressed file, with Content-Range." });
    path["get"]["responses"]["416"] =
        error_response("The range is outside the file; Content-Range: bytes */length.");
    path
}

fn schemas() -> Value {
    json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                "code": { "type": "string", "enum": [
                    "not_found", "no_version", "unknown_version", "bad_query", "bad_cursor", "bad_key",
                    "method_not_allowed", "range_not_satisfiable", "uri_too_long", "timeout", "internal",
                    "unauthorized", "forbidden", "too_many_attempts", "run_in_progress", "conflict",
                    "invalid_config", "shutting_down", "pending", "bad_body", "body_too_large"
                ] },
                "message": { "type": "string" },
                "valid_fields": { "type": "array", "items": { "type": "string" } }
            } } }
        },
        "Links": { "type": "object", "additionalProperties": true },
        "CatalogEntry": {
            "type": "object",
            "properties": {
                "id": { "type": "string" }, "title": { "type": "string" }, "description": { "type": "string" },
                "theme": { "type": "array", "items": { "type": "string" }, "description": "DCAT-AP data themes." },
                "keywords": { "type": "array", "items": { "type": "string" } },
                "formats": { "type": "array", "items": { "type": "string" }, "description": "The download formats of the current version." },
                "publisher": { "type": ["string", "null"] }, "license": { "type": ["string", "null"] },
                "sources": { "type": "array", "description": "The source systems the data is read from.", "items": { "type": "object", "required": ["title"], "properties": {
                    "title": { "type": "string" }, "path": { "type": "string", "format": "uri" } } } },
                "sample": { "type": "boolean", "description": "True when the dataset is read from sample files bundled with the installation (`file:` URLs), not from its live source: its `source_url` values point nowhere public." },
                "profile": { "type": ["string", "null"] }, "schedule": { "type": ["string", "null"] },
                "version": { "type": ["integer", "null"], "description": "The current version." },
                "row_count": { "type": ["integer", "null"] },
                "last_updated": { "type": ["string", "null"], "format": "date-time" },
                "quality": { "oneOf": [reference("Quality"), { "type": "null" }], "description": "The current version's quality measures." },
                "links": reference("Links")
            }
        },
        "Quality": {
            "type": "object",
            "description": "The profile's quality measures counted over every row of the version: how many rows say their source could not be read (`decisions_with_unread_vote`: council decisions published with `vote_type` or `result` `unknown`). Each measure is described in the profile (`qualityMeasures`).",
            "additionalProperties": { "type": "integer", "minimum": 0 }
        },
        "Catalog": { "type": "object", "required": ["datasets", "total", "limit", "offset", "facets", "links"], "properties": {
            "datasets": { "type": "array", "items": reference("CatalogEntry") },
            "total": { "type": "integer", "minimum": 0, "description": "Datasets found, on every page." },
            "limit": { "type": "integer" }, "offset": { "type": "integer" },
            "facets": { "type": "object", "description": "Per facet (theme, publisher, profile, format), each value of the datasets found and how many have it, most frequent first.",
                "additionalProperties": { "type": "array", "items": { "type": "object", "required": ["value", "count"], "properties": {
                    "value": { "type": "string" }, "count": { "type": "integer", "minimum": 1 } } } } },
            "links": { "type": "object", "properties": { "self": { "type": "string" }, "next": { "type": ["string", "null"] }, "openapi": { "type": "string" } } } } },
        "Field": { "type": "object", "properties": {
            "name": { "type": "string" },
            "type": { "type": "string", "enum": ["boolean", "integer", "decimal", "float", "text", "date", "datetime", "json"] },
            "nullable": { "type": "boolean" }, "description": { "type": "string" }, "unit": { "type": "string" } } },
        "Schema": { "type": "object", "properties": {
            "name": { "type": "string" }, "description": { "type": "string" },
            "fields": { "type": "array", "items": reference("Field") },
            "primary_key": { "type": "array", "items": { "type": "string" } } } },
        "Dataset": { "allOf": [reference("CatalogEntry"), { "type": "object", "properties": {
            "plugin": { "type": "string" },
            "tables": { "type": "array", "items": reference("Table"), "description": "The dataset's further tables, one per further stream of its plugin." },
            "dataset": { "type": "string", "description": "For a table: the dataset it belongs to." },
            "table": { "type": "string", "description": "For a table: its name." },
            "schema": { "oneOf": [reference("Schema"), { "type": "null" }] },
            "versions": { "type": "array", "items": { "type": "object", "properties": {
                "number": { "type": "integer" }, "published_at": { "type": "string", "format": "date-time" },
                "row_count": { "type": "integer" }, "url": { "type": "string" } } } } } }] },
        "Version": { "type": "object", "properties": {
            "number": { "type": "integer" }, "published_at": { "type": "string", "format": "date-time" },
            "row_count": { "type": "integer" }, "content_hash": { "type": "string" },
            "plugin": { "type": "string" }, "plugin_version": { "type": "string" }, "contract": { "type": "string" },
            "run_id": { "type": "string" },
            "schema_changes": { "type": "array", "items": { "type": "object" }, "description": "How the schema differs from the previous version's: `field_added`, `field_removed`, `field_renamed` (a field gone and one of its type come in its place), `type_changed`." },
            "previous_schema": { "$ref": "#/components/schemas/Schema", "description": "The schema this version replaced, when it changed it (the full version document only)." },
            "quality": reference("Quality"),
            "row_changes": { "type": "object", "required": ["added", "removed", "changed"],
                "description": "Rows this version added, removed and changed against the one before (version 1 adds every row).",
                "properties": {
                    "added": { "type": "integer", "minimum": 0 },
                    "removed": { "type": "integer", "minimum": 0 },
                    "changed": { "type": "integer", "minimum": 0 } } },
            "schema": reference("Schema"),
            "links": reference("Links") } },
        "Table": { "type": "object", "required": ["name", "id", "links"], "properties": {
            "name": { "type": "string", "description": "The stream the table holds." },
            "id": { "type": "string", "description": "`{dataset}.{stream}`." },
            "description": { "type": "string" },
            "version": { "type": ["integer", "null"] },
            "row_count": { "type": ["integer", "null"] },
            "primary_key": { "type": ["array", "null"], "items": { "type": "string" } },
            "links": reference("Links") } },
        "Tables": { "type": "object", "properties": { "dataset": { "type": "string" }, "tables": { "type": "array", "items": reference("Table") } } },
        "Versions": { "type": "object", "properties": { "dataset": { "type": "string" }, "versions": { "type": "array", "items": reference("Version") } } },
        "Row": { "type": "object", "description": "Field name to value. Decimals are JSON strings (exact); json fields are embedded JSON.", "additionalProperties": true },
        "RowPage": { "type": "object", "required": ["version", "fields", "rows", "next", "next_url", "limit", "has_more"], "properties": {
            "version": { "type": "integer" },
            "fields": { "type": "array", "items": { "type": "string" } },
            "rows": { "type": "array", "items": reference("Row") },
            "next": { "type": ["string", "null"], "pattern": CURSOR_PATTERN, "description": "The cursor of the next page." },
            "next_url": { "type": ["string", "null"] },
            "limit": { "type": "integer" },
            "has_more": { "type": "boolean" } } },
        "OneRow": { "type": "object", "properties": { "version": { "type": "integer" }, "row": reference("Row") } },
        "Changes": { "type": "object", "properties": {
            "from": { "type": "integer" }, "to": { "type": "integer" },
            "next": { "type": ["string", "null"], "description": "The cursor of the next page of changes, or null on the last." },
            "next_url": { "type": ["string", "null"], "description": "The URL of the next page of changes, or null on the last." },
            "added": { "type": "array", "items": reference("Row") },
            "removed": { "type": "array", "items": reference("Row") },
            "changed": { "type": "array", "items": { "type": "object", "properties": {
                "key": reference("Row"), "before": reference("Row"), "after": reference("Row"),
                "fields": { "type": "array", "items": { "type": "string" } } } } } } }
    })
}

/// The document, with `base_url` as its server.
pub fn document(base_url: &str) -> Value {
    let rows_ok = json!({
        "description": "A page of rows. CSV and NDJSON pages carry only rows; the next page is in the `Link` header.",
        "headers": { "Link": { "schema": { "type": "string" }, "description": "`<next_url>; rel=\"next\"` when there are more rows." } },
        "content": {
            "application/json": { "schema": reference("RowPage") },
            "text/csv": { "schema": { "type": "string" } },
            "application/x-ndjson": { "schema": { "type": "string" } }
        }
    });
    let changes_ok = json!({
        "description": "What changed, in key order. JSON comes in pages (`next`, and the `Link` header); NDJSON is streamed whole, one change per line with `\"change\": \"added|removed|changed\"`.",
        "headers": { "Link": { "schema": { "type": "string" }, "description": "`<next_url>; rel=\"next\"` when there are more changes." } },
        "content": {
            "application/json": { "schema": reference("Changes") },
            "application/x-ndjson": { "schema": { "type": "string" } }
        }
    });
    let changes_params = vec![
        dataset_id(),
        param(
            "from",
            "query",
            "The older version (default: the one before `to`; 0 is the empty state before version 1).",
            version_schema(0),
        ),
        param(
            "to",
            "query",
            "The newer version (default: the current one).",
            version_schema(1),
        ),
        param(
            "limit",
            "query",
            &format!(
                "Changes per JSON page, 1 to {MAX_LIMIT} (default 1000), in key order; the next page is `next`. NDJSON streams every change unless a limit is given."
            ),
            json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}),
        ),
        param(
            "cursor",
            "query",
            "Where the page starts: the cursor in the previous page's `next`, as it was given. A cursor of another `to` version, or one this API did not issue, is a 400 `bad_cursor`.",
            json!({"type": "string", "pattern": CURSOR_PATTERN}),
        ),
    ];
    let mut paths = serde_json::Map::new();
    let mut add = |path: &str, item: Value| {
        paths.insert(path.to_string(), item);
    };
    add(
        "/healthz",
        get(
            "Liveness",
            "`{\"status\": \"ok\"}` while the server runs.",
            vec![],
            json_ok("Alive.", json!({"type": "object"})),
        ),
    );
    add(
        "/metrics",
        get(
            "Metrics",
            "Prometheus text format (0.0.4): runs by dataset and outcome, run durations, rows published, \
             current versions, seconds since each dataset's last success, HTTP requests and durations by route.",
            vec![],
            json!({
                "description": "The metrics.",
                "content": { "text/plain": { "schema": { "type": "string" } } }
            }),
        ),
    );
    add(
        "/api/v1/openapi.json",
        get(
            "This document",
            "",
            vec![],
            json_ok("OpenAPI 3.1.", json!({"type": "object"})),
        ),
    );
    add(
        "/api/v1/profiles",
        get(
            "Profiles",
            "The canonical profiles (budget, decision, procurement, project): what every dataset of one kind publishes, whatever the city.",
            vec![],
            json_ok(
                "The profiles with links to their schemas.",
                json!({"type": "object"}),
            ),
        ),
    );
    add(
        "/api/v1/profiles/{name}",
        get(
            "One profile",
            "The profile as a Frictionless Table Schema: fields, types, constraints (required, enum, pattern, minimum, checksum) and primary key.",
            vec![param(
                "name",
                "path",
                "The profile's name.",
                json!({"type": "string"}),
            )],
            json_ok("A Table Schema.", json!({"type": "object"})),
        ),
    );
    add(
        "/api/v1/datasets",
        get(
            "Catalog and search",
            "Every dataset with its current version and links; with `q`, the datasets whose title, keywords, publisher, description or field names contain the words, best first. Words match in Bulgarian, in its Latin transliteration under the official system (`byudzhet` finds `бюджет`) and in English, case-insensitive, with plural and article endings ignored (`бюджети` finds `бюджет`). Facet filters narrow the answer; `facets` counts the values of everything found.",
            vec![
                param(
                    "q",
                    "query",
                    "Words to search for; all must match.",
                    json!({"type": "string"}),
                ),
                param(
                    "theme",
                    "query",
                    "Only datasets with this DCAT-AP data theme (`ECON`, `GOVE`, ...).",
                    json!({"type": "string"}),
                ),
                param(
                    "publisher",
                    "query",
                    "Only datasets of this publisher, as named in the catalog.",
                    json!({"type": "string"}),
                ),
                param(
                    "profile",
                    "query",
                    "Only datasets following this profile.",
                    json!({"type": "string"}),
                ),
                param(
                    "format",
                    "query",
                    "Only datasets downloadable in this format (`csv`, `json`, `ndjson`, `datapackage`, `ocds`, `popolo`, `fiscal_data_package`).",
                    json!({"type": "string"}),
                ),
                param(
                    "limit",
                    "query",
                    "Datasets per page.",
                    json!({"type": "integer", "minimum": 1, "maximum": super::params::CATALOG_MAX_LIMIT, "default": super::params::CATALOG_DEFAULT_LIMIT}),
                ),
                param(
                    "offset",
                    "query",
                    "Datasets to skip.",
                    json!({"type": "integer", "minimum": 0, "maximum": super::params::CATALOG_MAX_OFFSET, "default": 0}),
                ),
            ],
            json_ok(
                "The datasets found, one page of them.",
                reference("Catalog"),
            ),
        ),
    );
    add(
        "/api/v1/datasets/{id}",
        get(
            "One dataset",
            "Metadata, the current schema with field documentation, a summary of every version, links to every format.",
            vec![dataset_id()],
            json_ok("The dataset.", reference("Dataset")),
        ),
    );
    for (suffix, note) in [
        ("", " Format by `Accept` (JSON by default)."),
        (".json", ""),
        (".csv", ""),
        (".ndjson", ""),
    ] {
        add(
            &format!("/api/v1/datasets/{{id}}/rows{suffix}"),
            get(
                "A page of rows",
                &format!(
                    "Filtered, sorted, keyset-paged rows of the current version (or `as_of`).{note}"
                ),
                rows_parameters(),
                rows_ok.clone(),
            ),
        );
    }
    add(
        "/api/v1/datasets/{id}/rows/{key}",
        get(
            "One row by primary key",
            KEY_DESCRIPTION,
            vec![
                dataset_id(),
                param("key", "path", KEY_DESCRIPTION, json!({"type": "string"})),
                param(
                    "as_of",
                    "query",
                    "Read from this version instead of the current one.",
                    version_schema(1),
                ),
            ],
            json_ok("The row.", reference("OneRow")),
        ),
    );
    add(
        "/api/v1/datasets/{id}/versions",
        get(
            "Every version",
            "Newest first.",
            vec![dataset_id()],
            json_ok("The versions.", reference("Versions")),
        ),
    );
    add(
        "/api/v1/datasets/{id}/versions/{n}",
        get(
            "One version",
            "With its schema and download links. Immutable.",
            vec![dataset_id(), version_n()],
            json_ok("The version.", reference("Version")),
        ),
    );
    for format in ["csv", "bom.csv", "json", "ndjson"] {
        add(
            &format!("/api/v1/datasets/{{id}}/versions/{{n}}/data.{format}"),
            download_path(true, format),
        );
        add(
            &format!("/api/v1/datasets/{{id}}/latest/data.{format}"),
            download_path(false, format),
        );
    }
    for (file, what) in [
        (
            "datapackage.json",
            "Frictionless Data Package describing the version's data.csv (every dataset): the schema is the profile's, with its constraints.",
        ),
        (
            "ocds.json",
            "OCDS 1.1 release package, one release per contract, with the Lots and Bids extensions (procurement datasets). A release keeps its id while its contract is unchanged.",
        ),
        (
            "ocds-records.json",
            "OCDS 1.1 record package: each procurement's releases and the compiled release they merge into (procurement datasets).",
        ),
        (
            "fiscal-datapackage.json",
            "Fiscal Data Package describing fiscal.csv, with a euro measure per direction and phase, its dimensions and their hierarchies (budget datasets).",
        ),
        (
            "fiscal.csv",
            "The fiscal table the Fiscal Data Package describes: one row per budget line, one euro column per direction and phase (budget datasets).",
        ),
        (
            "popolo.json",
            "Popolo motions with their vote events, counts and each councillor's vote, and the council's sessions, political groups and councillors (council decision datasets).",
        ),
    ] {
        for versioned in [true, false] {
            let (path, parameters, cache): (String, Vec<Value>, &str) = if versioned {
                (
                    format!("/api/v1/datasets/{{id}}/versions/{{n}}/{file}"),
                    vec![dataset_id(), version_n()],
                    "Immutable.",
                )
            } else {
                (
                    format!("/api/v1/datasets/{{id}}/latest/{file}"),
                    vec![dataset_id()],
                    "The current version's, with `Content-Location` naming the versioned URL.",
                )
            };
            add(
                &path,
                file_path(
                    "A standard rendering of a version",
                    &format!(
                        "{what} Written with the version, before it became visible; precompressed like the downloads (br, gzip) and served with Range. {cache} 404 when the dataset's profile has no such rendering."
                    ),
                    parameters,
                    if file.ends_with(".csv") {
                        json!({ "description": "The table.", "content": { "text/csv": { "schema": { "type": "string" } } } })
                    } else {
                        json_ok("The document.", json!({"type": "object"}))
                    },
                    !versioned,
                ),
            );
        }
    }
    add(
        "/api/v1/datasets/{id}/ocds/releases.json",
        file_path(
            "OCDS release package",
            "The current version's OCDS 1.1 release package (procurement datasets), at the address OCDS harvesters look for; the same as latest/ocds.json.",
            vec![dataset_id()],
            json_ok("An OCDS release package.", json!({"type": "object"})),
            true,
        ),
    );
    add(
        "/api/v1/datasets/{id}/ocds/records.json",
        file_path(
            "OCDS record package",
            "The current version's OCDS 1.1 record package (procurement datasets): each procurement's releases compiled into its current state; the same as latest/ocds-records.json.",
            vec![dataset_id()],
            json_ok("An OCDS record package.", json!({"type": "object"})),
            true,
        ),
    );
    add(
        "/api/v1/datasets/{id}/ocds/records/{ocid}",
        get(
            "OCDS record of one procurement",
            "One procurement of the current version (procurement datasets) as an OCDS 1.1 record package: every state its contracts have had across the versions, each a release (oldest first), and the compiled release they merge into. Rendered when asked, with this address as its `uri`; `packages` names the versions' release packages the releases appeared in. 404 when the current version has no contract of the procurement, or the dataset's profile is not procurement.",
            vec![
                dataset_id(),
                param(
                    "ocid",
                    "path",
                    "The procurement's Open Contracting id (`ocds-bgbu01-00123-2024-0084`).",
                    json!({"type": "string"}),
                ),
            ],
            json_ok(
                "An OCDS record package with one record.",
                json!({"type": "object"}),
            ),
        ),
    );
    for suffix in ["", ".json", ".ndjson"] {
        add(
            &format!("/api/v1/datasets/{{id}}/changes{suffix}"),
            get(
                "Changes between two versions",
                "Rows added, removed and changed (with the fields that differ).",
                changes_params.clone(),
                changes_ok.clone(),
            ),
        );
    }
    add_table_paths(&mut paths);
    add_catalog_paths(&mut paths);
    for (path, item) in admin_paths() {
        paths.insert(path.to_string(), item);
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "Vitrina open data API", "version": "1", "description": DESCRIPTION, "license": { "name": "EUPL-1.2", "identifier": "EUPL-1.2" } },
        "servers": [ { "url": base_url } ],
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An admin token (VITRINA_ADMIN_TOKEN or [[admin.tokens]] in vitrina.toml)."
                }
            }
        }
    })
}

/// The paths of a dataset's further tables: a dataset's own paths under
/// `/tables/{table}` (all but the standard renderings, which describe the
/// plugin's first stream), the list of tables, and each table's downloads
/// inside its dataset's version folder, where `datapackage.json` points.
fn add_table_paths(paths: &mut serde_json::Map<String, Value>) {
    const DATASET: &str = "/api/v1/datasets/{id}";
    let table = param(
        "table",
        "path",
        "The table's name: the stream of the dataset's plugin it holds.",
        json!({"type": "string"}),
    );
    let with_table = |item: &Value, note: &str| {
        let mut item = item.clone();
        let get = &mut item["get"];
        if let Some(parameters) = get["parameters"].as_array_mut() {
            parameters.insert(1, table.clone());
        }
        get["summary"] = json!(format!("Table: {}", get["summary"].as_str().unwrap_or("")));
        get["description"] = json!(format!(
            "{} {note}",
            get["description"].as_str().unwrap_or("")
        ));
        item
    };
    let own: Vec<(String, Value)> = paths
        .iter()
        .filter(|(path, _)| path.strip_prefix(DATASET).is_some_and(a_table_has))
        .map(|(path, item)| (path.clone(), item.clone()))
        .collect();
    let note = "For one of the dataset's further tables, the rows of another stream of its plugin, versioned with the dataset.";
    for (path, item) in &own {
        let rest = &path[DATASET.len()..];
        paths.insert(
            format!("{DATASET}/tables/{{table}}{rest}"),
            with_table(item, note),
        );
        if let Some(file) = rest.strip_prefix("/versions/{n}/") {
            paths.insert(
                format!("{DATASET}/versions/{{n}}/tables/{{table}}/{file}"),
                with_table(item, "The table's file inside its dataset's version folder, as `datapackage.json` names it."),
            );
        }
        if let Some(file) = rest.strip_prefix("/latest/") {
            paths.insert(
                format!("{DATASET}/latest/tables/{{table}}/{file}"),
                with_table(
                    item,
                    "The table's file inside its dataset's current version folder.",
                ),
            );
        }
    }
    paths.insert(
        format!("{DATASET}/tables"),
        get(
            "A dataset's further tables",
            "One table per further stream of the dataset's plugin (a procurement plugin's lots beside its contracts), each with its current version, row count, key and links. The plugin's first stream is the dataset itself.",
            vec![dataset_id()],
            json_ok("The tables.", reference("Tables")),
        ),
    );
}

/// The DCAT-AP catalog and each dataset's entry in it.
fn add_catalog_paths(paths: &mut serde_json::Map<String, Value>) {
    let turtle = json!({ "description": "Turtle.", "content": { "text/turtle": { "schema": { "type": "string" } } } });
    let json_ld = json!({ "description": "JSON-LD.", "content": { "application/ld+json": { "schema": { "type": "object" } } } });
    let both = json!({ "description": "The catalog, in the syntax `Accept` names (JSON-LD unless it prefers Turtle).", "content": {
        "application/ld+json": { "schema": { "type": "object" } },
        "text/turtle": { "schema": { "type": "string" } } } });
    let page = param(
        "page",
        "query",
        "A page of the catalog (100 datasets each), from 1; the graph links the others (Hydra).",
        json!({"type": "integer", "minimum": 1, "maximum": 1_000_000}),
    );
    let about = "DCAT-AP 3.0 for harvesters (data.europa.eu, national portals): the catalogue, every dataset with its distributions (each download of the current version) and the API as a data service, valid against the SEMIC shapes.";
    for (path, ok) in [
        ("/catalog", both),
        ("/catalog.ttl", turtle.clone()),
        ("/catalog.jsonld", json_ld.clone()),
    ] {
        let mut item = get("The DCAT-AP catalog", about, vec![page.clone()], ok);
        item["get"]["tags"] = json!(["catalog"]);
        paths.insert(path.to_string(), item);
    }
    for (suffix, ok) in [("ttl", turtle), ("jsonld", json_ld)] {
        paths.insert(
            format!("/api/v1/datasets/{{id}}/dcat.{suffix}"),
            get(
                "One dataset in DCAT-AP",
                "The dataset's entry of the DCAT-AP catalog, with its distributions.",
                vec![dataset_id()],
                ok,
            ),
        );
    }
}

/// Whether a table has the path `rest` below its dataset's address: every
/// one but the standard renderings.
fn a_table_has(rest: &str) -> bool {
    matches!(rest, "" | "/versions" | "/versions/{n}")
        || rest.starts_with("/rows")
        || rest.starts_with("/changes")
        || rest.starts_with("/versions/{n}/data.")
        || rest.starts_with("/latest/data.")
}

/// One admin operation: bearer token required, JSON answers, the errors
/// an operator meets.
fn admin_operation(
    summary: &str,
    description: &str,
    parameters: Vec<Value>,
    ok: (&str, &str),
) -> Value {
    let (status, ok_description) = ok;
    json!({
        "summary": summary,
        "description": description,
        "tags": ["admin"],
        "security": [ { "adminToken": [] } ],
        "parameters": parameters,
        "responses": {
            status: json_ok(ok_description, json!({"type": "object"})),
            "400": error_response("An unknown query parameter or a bad value."),
            "401": error_response("No valid admin token (no detail is given)."),
            "403": error_response("Not from loopback, and [admin] allow_remote is off."),
            "404": error_response("No such dataset or run, or the admin API is off."),
            "409": error_response("The dataset is running, or paused in its dataset.toml."),
            "422": error_response("The configuration did not load; the old one stays in force."),
            "429": error_response("Too many failed logins from this address; `Retry-After` says when to try again."),
            "503": error_response("The daemon is shutting down."),
        }
    })
}

/// `/api/v1/admin/webhooks/{name}`: read, set and remove a subscription.
fn webhook_item() -> Value {
    let name = || {
        vec![param(
            "name",
            "path",
            "The subscription's name: lowercase letters, digits and `_`.",
            json!({"type": "string", "pattern": "^[a-z][a-z0-9_]*$"}),
        )]
    };
    let mut put = admin_operation(
        "Set a webhook subscription",
        "Makes a subscription, or replaces one made here; one of vitrina.toml is changed there (409). The secret is where the daemon reads it from, `env:NAME` or `file:/absolute/path`, never the secret itself, and must read now as a `whsec_` secret; the target must resolve to public addresses unless `allow_private`. Kept in the store across restarts.",
        name(),
        ("200", "Replaced."),
    );
    put["requestBody"] = json!({
        "required": true,
        "content": { "application/json": { "schema": {
            "type": "object",
            "additionalProperties": false,
            "required": ["url", "secret"],
            "properties": {
                "url": {"type": "string", "format": "uri", "description": "Where events are POSTed (http or https)."},
                "secret": {"type": "string", "pattern": "^(env:.+|file:/.*)$", "description": "Where the signing secret is read from."},
                "datasets": {"type": "array", "items": {"type": "string"}, "description": "The datasets it is told of; none: all."},
                "events": {"type": "array", "items": {"type": "string", "enum": crate::config::WEBHOOK_EVENTS}, "description": "The events it is told of; none: all."},
                "allow_private": {"type": "boolean", "description": "Whether the target may be a loopback or private address."}
            }
        } } }
    });
    put["responses"]["201"] = json_ok("Made.", json!({"type": "object"}));
    put["responses"]["413"] = error_response("The body is over 64 KiB.");
    json!({
        "get": admin_operation(
            "A webhook subscription",
            "One subscription in force, with where it comes from and its failures in a row.",
            name(),
            ("200", "The subscription."),
        ),
        "put": put,
        "delete": admin_operation(
            "Remove a webhook subscription",
            "Removes a subscription made through this API; what it had yet to deliver is given up. One of vitrina.toml is removed there (409).",
            name(),
            ("200", "Removed."),
        ),
    })
}

/// The admin API: only where it is enabled, always behind a token.
fn admin_paths() -> Vec<(&'static str, Value)> {
    let run_id = param("id", "path", "A run id.", json!({"type": "string"}));
    let runs_params = vec![
        param(
            "dataset",
            "query",
            "Only this dataset's runs.",
            json!({"type": "string"}),
        ),
        param(
            "limit",
            "query",
            "At most this many (default 50).",
            json!({"type": "integer", "minimum": 1, "maximum": 1000}),
        ),
    ];
    vec![
        (
            "/api/v1/admin/status",
            json!({ "get": admin_operation("Daemon status", "Every dataset: schedule, paused (and by whom), running, next run.", vec![], ("200", "The status.")) }),
        ),
        (
            "/api/v1/admin/config",
            json!({ "get": admin_operation("Effective configuration", "vitrina.toml and every dataset.toml as in force, token hashes redacted; secrets appear only as the variable they come from.", vec![], ("200", "The configuration.")) }),
        ),
        (
            "/api/v1/admin/reload",
            json!({ "post": admin_operation("Reload the configuration", "Like SIGHUP: datasets added, removed or changed; runs in flight are untouched.", vec![], ("200", "What changed, and what needs a restart.")) }),
        ),
        (
            "/api/v1/admin/runs",
            json!({ "get": admin_operation("Runs", "The newest runs, of every dataset or one.", runs_params, ("200", "The runs, newest first.")) }),
        ),
        (
            "/api/v1/admin/runs/{id}",
            json!({ "get": admin_operation("One run", "A finished run with its whole report: log, fetches, failure.", vec![run_id], ("200", "The run.")) }),
        ),
        (
            "/api/v1/admin/datasets/{id}/runs",
            json!({ "post": admin_operation("Run now", "Starts a run of the dataset at once.", vec![dataset_id()], ("202", "Started: the run's id and where to follow it.")) }),
        ),
        (
            "/api/v1/admin/datasets/{id}/pause",
            json!({ "post": admin_operation("Pause", "Stops running the dataset on its schedule (kept across restarts).", vec![dataset_id()], ("200", "Paused.")) }),
        ),
        (
            "/api/v1/admin/datasets/{id}/resume",
            json!({ "post": admin_operation("Resume", "Runs the dataset on its schedule again.", vec![dataset_id()], ("200", "Resumed.")) }),
        ),
        (
            "/api/v1/admin/webhooks/{name}/deliveries",
            json!({ "get": admin_operation(
                "A webhook's delivery log",
                "The subscription's latest deliveries, newest first: each event, its attempts, when it was delivered or given up, the receiver's last status and error; and how many wait.",
                vec![param("name", "path", "The subscription's name in [[webhooks]].", json!({"type": "string"}))],
                ("200", "The delivery log."),
            ) }),
        ),
        (
            "/api/v1/admin/webhooks",
            json!({ "get": admin_operation(
            "Webhook subscriptions",
            "Every subscription in force: those of [[webhooks]] in vitrina.toml (`origin: config`) and those made here (`origin: admin`), each with its failures in a row and its pause.",
            vec![],
            ("200", "The subscriptions."),
        ) }),
        ),
        ("/api/v1/admin/webhooks/{name}", webhook_item()),
        (
            "/api/v1/admin/webhooks/{name}/resume",
            json!({ "post": admin_operation(
                "Resume a webhook",
                "A subscription whose attempts failed too often in a row is paused; this sends its waiting deliveries again, now.",
                vec![param("name", "path", "The subscription's name in [[webhooks]].", json!({"type": "string"}))],
                ("200", "Resumed (`resumed`: whether it was paused)."),
            ) }),
        ),
    ]
}
