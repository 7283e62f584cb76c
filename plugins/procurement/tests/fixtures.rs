//! The plugin's reading of `datasets/burgas-procurements`, natively: the
//! dataset's own `[config]`, the fixtures folder as the web, every contract
//! compared with `fixtures/expected.json` (written by
//! `tools/fixtures/procurement.py` from the records it generated, not from
//! the files), and the warnings a person would see.

use std::collections::HashMap;
use std::fs::File;
use std::path::PathBuf;

use pretty_assertions::assert_eq;
use serde_json::{Value as Json, json};
use url::Url;
use vitrina_plugin_procurement::contract::{Contract, FIELDS};
use vitrina_plugin_procurement::gather::{Fetcher, Sink, Time, gather};
use vitrina_plugin_procurement::settings::Settings;
use vitrina_sdk::{Error, Value};

fn dataset() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../datasets/burgas-procurements"
    ))
}

/// `file:///x` is `fixtures/x`, as the host serves it.
struct Fixtures;

impl Fixtures {
    fn path(url: &Url) -> PathBuf {
        assert_eq!(url.scheme(), "file", "{url}");
        dataset()
            .join("fixtures")
            .join(url.path().trim_start_matches('/'))
    }
}

impl Fetcher for Fixtures {
    type Body = File;

    fn stream(&mut self, url: &Url) -> Result<File, Error> {
        File::open(Self::path(url)).map_err(|e| Error::source_changed(format!("{url}: {e}")))
    }

    fn bytes(&mut self, url: &Url) -> Result<Vec<u8>, Error> {
        std::fs::read(Self::path(url)).map_err(|e| Error::source_changed(format!("{url}: {e}")))
    }
}

#[derive(Default)]
struct Collected {
    rows: Vec<Json>,
    warnings: Vec<String>,
}

impl Sink for Collected {
    fn emit(&mut self, contract: Contract) -> Result<(), Error> {
        let row = FIELDS
            .into_iter()
            .zip(contract.into_values())
            .map(|(name, value)| (name.to_string(), to_json(value)))
            .collect();
        self.rows.push(Json::Object(row));
        Ok(())
    }

    fn warn(&mut self, message: String) {
        self.warnings.push(message);
    }

    fn info(&mut self, _: String) {}

    fn progress(&mut self, _: u64) {}
}

/// A cell as the rows API serves it.
fn to_json(value: Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Boolean(b) => json!(b),
        Value::Integer(i) => json!(i),
        Value::Decimal(d) => json!(d.to_string()),
        Value::Text(s) | Value::Datetime(s) => json!(s),
        Value::Date(d) => json!(d.format("%Y-%m-%d").to_string()),
        Value::Float(f) => json!(f),
        Value::Json(j) => j,
    }
}

/// The `[config]` of the dataset, with overrides.
fn settings(overrides: &[(&str, &str)]) -> Settings {
    let text = std::fs::read_to_string(dataset().join("dataset.toml")).expect("dataset.toml");
    let doc: toml::Table = toml::from_str(&text).expect("dataset.toml parses");
    let mut config: HashMap<String, String> = doc["config"]
        .as_table()
        .expect("[config]")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().expect("string values").to_string()))
        .collect();
    for (k, v) in overrides {
        config.insert(k.to_string(), v.to_string());
    }
    Settings::read(|k| config.get(k).cloned()).expect("the dataset's config is valid")
}

fn run(settings: &Settings, bookmark: Option<&str>) -> (Collected, Option<Time>) {
    let bookmark = bookmark.map(|b| Time::parse_from_rfc3339(b).expect("test bookmark"));
    let mut collected = Collected::default();
    let newest = gather(settings, bookmark, &mut Fixtures, &mut collected).expect("run succeeds");
    (collected, newest)
}

fn expected() -> Vec<Json> {
    let text =
        std::fs::read_to_string(dataset().join("fixtures/expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json parses")
}

#[test]
fn a_full_run_emits_every_expected_contract_in_order() {
    let (collected, newest) = run(&settings(&[]), None);
    let expected = expected();
    assert!(
        expected.len() >= 300,
        "the fixtures hold {} contracts",
        expected.len()
    );
    for (got, want) in collected.rows.iter().zip(&expected) {
        assert_eq!(got, want);
    }
    assert_eq!(collected.rows.len(), expected.len());
    assert_eq!(
        newest.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-02-14T16:52:00+02:00"),
        "the bookmark is the listing's newest notice"
    );
}

#[test]
fn a_full_run_warns_about_what_a_person_should_check() {
    let (collected, _) = run(&settings(&[]), None);
    let with = |needle: &str| -> Vec<&String> {
        collected
            .warnings
            .iter()
            .filter(|w| w.contains(needle))
            .collect()
    };
    let eik = with("fails the checksum");
    let foreign = with("\"DE129274202\"");
    assert_eq!(
        (eik.len(), foreign.len()),
        (1, 1),
        "{:#?}",
        collected.warnings
    );
    assert!(
        eik[0].starts_with("file:///contracts-2025.csv#L"),
        "{}",
        eik[0]
    );
    let contest = with("\"Конкурс за проект\" has no OCDS method mapping");
    assert_eq!(contest.len(), 1, "{:#?}", collected.warnings);
    let skipped = with("skipped: column \"Стойност при сключване\"");
    assert_eq!(skipped.len(), 1, "{:#?}", collected.warnings);
    assert!(skipped[0].contains("по единични цени"), "{}", skipped[0]);
    // The amended and the re-listed 2026 contracts are in the export too,
    // and a 2025 contract was republished in the 2026 export.
    let duplicates = with("already read from a newer source");
    assert_eq!(duplicates.len(), 3, "{:#?}", collected.warnings);
    assert_eq!(
        collected.warnings.len(),
        7,
        "nothing else: {:#?}",
        collected.warnings
    );
}

#[test]
fn the_newest_source_says_what_a_contract_is() {
    let (collected, _) = run(&settings(&[]), None);
    let from = |prefix: &str| {
        collected
            .rows
            .iter()
            .filter(|r| {
                r["source_url"]
                    .as_str()
                    .is_some_and(|s| s.starts_with(prefix))
            })
            .count()
    };
    assert_eq!(from("file:///notices-"), 10);
    // Each key once, whatever the number of sources that carry it.
    let mut keys: Vec<(&Json, &Json)> = collected
        .rows
        .iter()
        .map(|r| (&r["ocid"], &r["contract_id"]))
        .collect();
    let total = keys.len();
    keys.sort_by_key(|(o, c)| (o.to_string(), c.to_string()));
    keys.dedup();
    assert_eq!(keys.len(), total);
}

#[test]
fn an_incremental_run_reads_only_notices_after_the_bookmark() {
    let settings = settings(&[]);
    assert!(settings.incremental, "the dataset runs incrementally");
    let (collected, newest) = run(&settings, Some("2026-02-10T10:10:00+02:00"));
    let sources: Vec<&str> = collected
        .rows
        .iter()
        .map(|r| r["source_url"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(sources.len(), 3, "{sources:?}");
    assert!(
        sources
            .iter()
            .all(|s| s.starts_with("file:///notices-1.json#notice-")),
        "{sources:?}"
    );
    assert_eq!(
        newest.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-02-14T16:52:00+02:00")
    );

    // Nothing new: nothing emitted, the bookmark stays.
    let (collected, newest) = run(&settings, Some("2026-02-14T16:52:00+02:00"));
    assert!(collected.rows.is_empty());
    assert_eq!(
        newest.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-02-14T16:52:00+02:00")
    );
}

#[test]
fn without_incremental_a_bookmark_changes_nothing() {
    let (collected, _) = run(
        &settings(&[("incremental", "false")]),
        Some("2026-02-14T16:52:00+02:00"),
    );
    assert_eq!(collected.rows.len(), expected().len());
}

#[test]
fn too_many_unreadable_rows_fail_the_run_as_a_changed_source() {
    let settings = settings(&[("max_bad_rows", "0")]);
    let mut collected = Collected::default();
    let err = gather(&settings, None, &mut Fixtures, &mut collected).unwrap_err();
    assert!(matches!(err, Error::SourceChanged(_)), "{err}");
    assert!(err.to_string().contains("max_bad_rows"), "{err}");
    assert!(
        err.to_string().contains("file:///contracts-2025.csv#L"),
        "{err}"
    );
}

#[test]
fn a_missing_export_names_it() {
    let settings = settings(&[("sources", "file:///contracts-2023.csv")]);
    let mut collected = Collected::default();
    let err = gather(&settings, None, &mut Fixtures, &mut collected).unwrap_err();
    assert!(
        err.to_string()
            .contains("export file:///contracts-2023.csv"),
        "{err}"
    );
}
