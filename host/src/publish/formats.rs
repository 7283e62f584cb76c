//! Response formats (JSON, CSV, NDJSON) and their renderers, chosen by a
//! path suffix (`rows.csv`) or the `Accept` header.
//!
//! Cells are written by [`crate::output`], the same code that writes
//! `vitrina run --output` and the download files, so a value looks the
//! same everywhere: decimals as JSON strings (exact money), JSON cells
//! embedded as JSON, CSV per RFC 4180.

use std::io::Write;

use bytes::Bytes;
use hyper::HeaderMap;
use hyper::header;

use crate::output::{csv_writer, write_csv_header, write_csv_row, write_json_object};
use crate::schema::{Row, StreamSchema};
use crate::store::{Change, Changes, ExportFormat, RowPage};

/// A format an API response can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    Json,
    Csv,
    Ndjson,
}

/// The formats, in the order `Accept` negotiation prefers them at equal weight.
const ALL: [Format; 3] = [Format::Json, Format::Csv, Format::Ndjson];

impl Format {
    /// The format a path suffix names (`json`, `csv`, `ndjson`).
    pub fn from_extension(ext: &str) -> Option<Format> {
        ALL.into_iter().find(|f| f.extension() == ext)
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::Ndjson => "ndjson",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8; header=present",
            Format::Ndjson => "application/x-ndjson",
        }
    }

    fn media_types(self) -> &'static [&'static str] {
        match self {
            Format::Json => &["application/json"],
            Format::Csv => &["text/csv"],
            Format::Ndjson => &[
                "application/x-ndjson",
                "application/ndjson",
                "application/jsonl",
            ],
        }
    }

    /// The format `Accept` prefers among `offered`; JSON when it names none
    /// of them (a browser's `text/html,*/*` gets JSON, not a 406).
    pub fn from_accept(headers: &HeaderMap, offered: &[Format]) -> Format {
        let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Format::Json;
        };
        let mut best = (Format::Json, 0.0_f32);
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .filter_map(|q| q.trim().parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            let found = offered
                .iter()
                .find(|f| f.media_types().contains(&media.as_str()));
            if let Some(format) = found
                && q > best.1
            {
                best = (*format, q);
            }
        }
        best.0
    }

    /// The download file holding this format (`bom` for Excel's CSV).
    pub fn export(self, bom: bool) -> ExportFormat {
        match self {
            Format::Json => ExportFormat::Json,
            Format::Csv if bom => ExportFormat::CsvBom,
            Format::Csv => ExportFormat::Csv,
            Format::Ndjson => ExportFormat::Ndjson,
        }
    }
}

/// The schema restricted to the fields a page returned, in their order, so
/// the shared writers zip names with values right.
fn projected(schema: &StreamSchema, fields: &[String]) -> StreamSchema {
    StreamSchema {
        fields: fields
            .iter()
            .filter_map(|name| schema.fields.iter().find(|f| &f.name == name).cloned())
            .collect(),
        ..schema.clone()
    }
}

/// Renders a page of rows. JSON pages carry the paging members; CSV and
/// NDJSON pages are bare rows (their `next` travels in the `Link` header).
pub fn render_page(page: &RowPage, format: Format, limit: usize, next_url: Option<&str>) -> Bytes {
    let schema = projected(&page.schema, &page.fields);
    let mut out = Vec::with_capacity(256 + page.rows.len() * 128);
    // Writing to a Vec cannot fail.
    let _ = match format {
        Format::Json => json_page(&mut out, page, &schema, limit, next_url),
        Format::Csv => csv_rows(&mut out, &schema, &page.rows),
        Format::Ndjson => ndjson_rows(&mut out, &schema, &page.rows),
    };
    Bytes::from(out)
}

fn json_page(
    out: &mut Vec<u8>,
    page: &RowPage,
    schema: &StreamSchema,
    limit: usize,
    next_url: Option<&str>,
) -> std::io::Result<()> {
    write!(out, "{{\"version\":{},\"fields\":", page.version)?;
    serde_json::to_writer(&mut *out, &page.fields)?;
    out.write_all(b",\"rows\":[")?;
    for (i, row) in page.rows.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        write_json_object(out, schema, row)?;
    }
    out.write_all(b"\n],\"next\":")?;
    serde_json::to_writer(&mut *out, &page.next.as_ref().map(|c| c.encode()))?;
    out.write_all(b",\"next_url\":")?;
    serde_json::to_writer(&mut *out, &next_url)?;
    writeln!(
        out,
        ",\"limit\":{limit},\"has_more\":{}}}",
        page.next.is_some()
    )
}

fn csv_rows(out: &mut Vec<u8>, schema: &StreamSchema, rows: &[Row]) -> std::io::Result<()> {
    let mut csv = csv_writer(out);
    write_csv_header(&mut csv, schema)?;
    for row in rows {
        write_csv_row(&mut csv, row)?;
    }
    csv.flush()
}

fn ndjson_rows(out: &mut Vec<u8>, schema: &StreamSchema, rows: &[Row]) -> std::io::Result<()> {
    for row in rows {
        write_json_object(out, schema, row)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Renders one row found by key: `{"version": N, "row": {...}}`.
pub fn render_row(version: u64, schema: &StreamSchema, row: &Row) -> Bytes {
    let mut out = Vec::with_capacity(512);
    let _ = write!(out, "{{\"version\":{version},\"row\":")
        .and_then(|_| write_json_object(&mut out, schema, row))
        .and_then(|_| out.write_all(b"}\n"));
    Bytes::from(out)
}

/// The primary-key part of a row as an object.
fn write_key(out: &mut Vec<u8>, schema: &StreamSchema, row: &Row) -> std::io::Result<()> {
    let positions = schema.key_positions();
    let key_schema = StreamSchema {
        fields: positions
            .iter()
            .map(|&i| schema.fields[i].clone())
            .collect(),
        ..schema.clone()
    };
    let key_row: Row = positions
        .iter()
        .filter_map(|&i| row.get(i).cloned())
        .collect();
    write_json_object(out, &key_schema, &key_row)
}

/// Renders a page of what changed between two versions, as one JSON
/// document (with `next`, the cursor of the page after, and `next_url`,
/// its URL, as a rows page has them) or as NDJSON with one change per
/// line (`"change": "added|removed|changed"`).
pub fn render_changes(changes: &Changes, format: Format, next: Option<(&str, &str)>) -> Bytes {
    let mut out = Vec::with_capacity(1024);
    let _ = match format {
        Format::Ndjson => ndjson_changes(&mut out, changes),
        _ => json_changes(&mut out, changes, next),
    };
    Bytes::from(out)
}

fn json_changes(
    out: &mut Vec<u8>,
    changes: &Changes,
    next: Option<(&str, &str)>,
) -> std::io::Result<()> {
    let schema = &changes.schema;
    write!(
        out,
        "{{\"from\":{},\"to\":{},\"added\":[",
        changes.from, changes.to
    )?;
    rows_array(out, schema, &changes.added)?;
    out.write_all(b"],\"removed\":[")?;
    rows_array(out, schema, &changes.removed)?;
    out.write_all(b"],\"changed\":[")?;
    for (i, changed) in changes.changed.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        changed_object(out, schema, changed)?;
    }
    out.write_all(b"\n],\"next\":")?;
    serde_json::to_writer(&mut *out, &next.map(|(cursor, _)| cursor))?;
    out.write_all(b",\"next_url\":")?;
    serde_json::to_writer(&mut *out, &next.map(|(_, url)| url))?;
    out.write_all(b"}\n")
}

fn rows_array(out: &mut Vec<u8>, schema: &StreamSchema, rows: &[Row]) -> std::io::Result<()> {
    for (i, row) in rows.iter().enumerate() {
        out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
        write_json_object(out, schema, row)?;
    }
    if !rows.is_empty() {
        out.write_all(b"\n")?;
    }
    Ok(())
}

fn changed_object(
    out: &mut Vec<u8>,
    schema: &StreamSchema,
    changed: &crate::store::ChangedRow,
) -> std::io::Result<()> {
    out.write_all(b"{\"key\":")?;
    write_key(out, schema, &changed.after)?;
    out.write_all(b",\"before\":")?;
    write_json_object(out, schema, &changed.before)?;
    out.write_all(b",\"after\":")?;
    write_json_object(out, schema, &changed.after)?;
    out.write_all(b",\"fields\":")?;
    serde_json::to_writer(&mut *out, &changed.fields)?;
    out.write_all(b"}")
}

fn ndjson_changes(out: &mut Vec<u8>, changes: &Changes) -> std::io::Result<()> {
    let schema = &changes.schema;
    for row in &changes.added {
        ndjson_row_change(out, schema, "added", row)?;
    }
    for row in &changes.removed {
        ndjson_row_change(out, schema, "removed", row)?;
    }
    for changed in &changes.changed {
        ndjson_changed(out, schema, changed)?;
    }
    Ok(())
}

/// One change as an NDJSON line.
pub fn ndjson_change(
    out: &mut Vec<u8>,
    schema: &StreamSchema,
    change: &Change,
) -> std::io::Result<()> {
    match change {
        Change::Added { row, .. } => ndjson_row_change(out, schema, "added", row),
        Change::Removed { row, .. } => ndjson_row_change(out, schema, "removed", row),
        Change::Changed { row, .. } => ndjson_changed(out, schema, row),
    }
}

fn ndjson_row_change(
    out: &mut Vec<u8>,
    schema: &StreamSchema,
    kind: &str,
    row: &Row,
) -> std::io::Result<()> {
    write!(out, "{{\"change\":\"{kind}\",\"key\":")?;
    write_key(out, schema, row)?;
    out.write_all(b",\"row\":")?;
    write_json_object(out, schema, row)?;
    out.write_all(b"}\n")
}

fn ndjson_changed(
    out: &mut Vec<u8>,
    schema: &StreamSchema,
    changed: &crate::store::ChangedRow,
) -> std::io::Result<()> {
    out.write_all(b"{\"change\":\"changed\",")?;
    // The object writer's output without its opening brace.
    let start = out.len();
    changed_object(out, schema, changed)?;
    out.remove(start);
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Field, FieldType, Value};
    use crate::store::{ChangedRow, Cursor};
    use hyper::header::HeaderValue;

    fn schema() -> StreamSchema {
        StreamSchema {
            name: "s".into(),
            description: String::new(),
            fields: vec![
                Field::new("id", FieldType::Integer, true),
                Field::new("budget", FieldType::Decimal, true),
            ],
            primary_key: vec!["id".into()],
        }
    }

    fn row(id: i64, budget: &str) -> Row {
        vec![Value::Integer(id), Value::Decimal(budget.into())]
    }

    fn page(next: bool) -> RowPage {
        RowPage {
            version: 2,
            schema: schema(),
            fields: vec!["budget".into(), "id".into()],
            rows: vec![vec![Value::Decimal("1.50".into()), Value::Integer(1)]],
            next: next.then(|| Cursor {
                version: 2,
                values: vec![Value::Integer(1)],
            }),
        }
    }

    #[test]
    fn json_pages_carry_paging_members() {
        let body = render_page(&page(true), Format::Json, 1, Some("http://x/next"));
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(json["version"], 2);
        assert_eq!(json["rows"][0]["budget"], "1.50");
        assert_eq!(json["rows"][0]["id"], 1);
        assert_eq!(json["next_url"], "http://x/next");
        assert_eq!(json["has_more"], true);
        assert_eq!(json["limit"], 1);
        assert!(json["next"].is_string());
        let json: serde_json::Value =
            serde_json::from_slice(&render_page(&page(false), Format::Json, 1, None)).unwrap();
        assert_eq!(
            (json["next"].is_null(), json["has_more"].as_bool()),
            (true, Some(false))
        );
    }

    #[test]
    fn csv_and_ndjson_pages_follow_the_projection() {
        let csv = render_page(&page(true), Format::Csv, 1, None);
        assert_eq!(&csv[..], b"budget,id\r\n1.50,1\r\n");
        let nd = render_page(&page(true), Format::Ndjson, 1, None);
        assert_eq!(&nd[..], b"{\"budget\":\"1.50\",\"id\":1}\n");
    }

    #[test]
    fn accept_negotiation() {
        let mut h = HeaderMap::new();
        assert_eq!(Format::from_accept(&h, &ALL), Format::Json);
        h.insert(header::ACCEPT, HeaderValue::from_static("text/csv"));
        assert_eq!(Format::from_accept(&h, &ALL), Format::Csv);
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json;q=0.5, application/x-ndjson"),
        );
        assert_eq!(Format::from_accept(&h, &ALL), Format::Ndjson);
        assert_eq!(Format::from_accept(&h, &[Format::Json]), Format::Json);
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,*/*;q=0.8"),
        );
        assert_eq!(Format::from_accept(&h, &ALL), Format::Json);
    }

    #[test]
    fn changes_render_both_ways() {
        let changes = Changes {
            from: 1,
            to: 2,
            schema: schema(),
            added: vec![row(3, "3")],
            removed: vec![row(4, "4")],
            changed: vec![ChangedRow {
                before: row(1, "1"),
                after: row(1, "2"),
                fields: vec!["budget".into()],
            }],
        };
        let json: serde_json::Value =
            serde_json::from_slice(&render_changes(&changes, Format::Json, None)).unwrap();
        assert_eq!(json["added"][0]["id"], 3);
        assert_eq!(json["removed"][0]["id"], 4);
        assert_eq!(json["changed"][0]["key"]["id"], 1);
        assert_eq!(json["changed"][0]["before"]["budget"], "1");
        assert_eq!(json["changed"][0]["after"]["budget"], "2");
        assert_eq!(json["changed"][0]["fields"][0], "budget");
        let nd = render_changes(&changes, Format::Ndjson, None);
        let lines: Vec<serde_json::Value> = std::str::from_utf8(&nd)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["change"], "added");
        assert_eq!(lines[1]["change"], "removed");
        assert_eq!(lines[2]["change"], "changed");
        assert_eq!(lines[2]["key"]["id"], 1);
        let empty = Changes {
            added: vec![],
            removed: vec![],
            changed: vec![],
            ..changes
        };
        let json: serde_json::Value =
            serde_json::from_slice(&render_changes(&empty, Format::Json, None)).unwrap();
        assert_eq!(json["added"].as_array().unwrap().len(), 0);
    }
}
