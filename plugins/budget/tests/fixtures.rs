//! The demo dataset end to end, natively: every source listed in
//! `datasets/burgas-budget/dataset.toml` is read from `fixtures/` and the
//! rows must be exactly `fixtures/expected.json`, with exactly the warnings
//! the fixtures were built to raise.

use std::path::{Path, PathBuf};

use pretty_assertions::assert_eq;
use serde_json::{Value as Json, json};
use vitrina_plugin_budget::report::{self, Line};
use vitrina_plugin_budget::{index, line_values, source};
use vitrina_sdk::Value;

fn dataset() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../datasets/burgas-budget")
}

/// `sources` from the dataset's `[config]`, so the test reads what the
/// shipped dataset reads.
fn configured_sources() -> Vec<source::Source> {
    let text = std::fs::read_to_string(dataset().join("dataset.toml")).expect("dataset.toml");
    let config: toml::Table = text.parse().expect("dataset.toml is TOML");
    let sources = config["config"]["sources"]
        .as_str()
        .expect("sources is a string");
    source::parse(sources).expect("sources parse")
}

/// What the host's `file:` fetch returns: the file under `fixtures/`.
fn fetch(url: &str) -> Vec<u8> {
    let path = url.strip_prefix("file:///").expect("a fixture URL");
    std::fs::read(dataset().join("fixtures").join(path)).expect("fixture file")
}

struct Collected {
    lines: Vec<Line>,
    warnings: Vec<String>,
}

fn collect() -> Collected {
    let mut lines = Vec::new();
    let mut warnings = Vec::new();
    for source in configured_sources() {
        let parsed = report::parse(&source, &fetch(&source.url))
            .unwrap_or_else(|e| panic!("{}: {e}", source.url));
        lines.extend(parsed.lines);
        warnings.extend(parsed.warnings);
    }
    report::ensure_unique(&lines).expect("no line twice across files");
    Collected { lines, warnings }
}

/// A line as the rows API serves it: decimals as strings, dates ISO.
fn row_json(line: &Line) -> Json {
    let object = line_values(line)
        .into_iter()
        .map(|(name, value)| {
            let json = match value {
                Value::Null => Json::Null,
                Value::Boolean(b) => json!(b),
                Value::Integer(i) => json!(i),
                Value::Decimal(d) => json!(d.to_string()),
                Value::Text(s) => json!(s),
                Value::Date(d) => json!(d.to_string()),
                other => panic!("{name}: unexpected {other:?}"),
            };
            (name.to_string(), json)
        })
        .collect();
    Json::Object(object)
}

#[test]
fn every_fixture_row_is_expected() {
    let rows: Vec<Json> = collect().lines.iter().map(row_json).collect();
    let expected: Vec<Json> = serde_json::from_str(
        &std::fs::read_to_string(dataset().join("fixtures/expected.json")).expect("expected.json"),
    )
    .expect("expected.json is JSON");
    assert_eq!(rows, expected);
}

#[test]
fn the_wrong_total_is_the_only_warning() {
    let warnings = collect().warnings;
    assert_eq!(
        warnings,
        [
            "file:///2025/otchet-2025.csv, row 15: „ВСИЧКО ПРИХОДИ“ in column „Изпълнение“ (F) \
             says 183963100.00 but the lines it covers add up to 183962100.00 (difference 1000.00)"
        ]
    );
}

#[test]
fn the_budget_page_links_to_the_configured_files() {
    let page = std::fs::read_to_string(dataset().join("fixtures/byudzhet.html")).expect("page");
    let base = url::Url::parse("file:///byudzhet.html").expect("a URL");
    let linked: Vec<String> = index::report_links(&page, &base, None)
        .into_iter()
        .map(|link| link.url.to_string())
        .collect();
    let mut configured: Vec<String> = configured_sources().into_iter().map(|s| s.url).collect();
    let mut sorted = linked.clone();
    sorted.sort();
    configured.sort();
    assert_eq!(
        sorted, configured,
        "the page's tables are the configured sources"
    );
    let reports = index::report_links(&page, &base, Some("отчет"));
    assert_eq!(reports.len(), 3, "the 2026 annex is not called a report");
}
