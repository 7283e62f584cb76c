//! Fiscal Data Package descriptors for published versions of `budget`
//! datasets.
//!
//! Budget tools (OpenSpending and the tools built on the Fiscal Data Package
//! specification) read a tabular data package plus a `model` that says which
//! columns are money (*measures*, each with a currency, and with a budget
//! phase and a direction when they have one) and which describe it
//! (*dimensions*, typed as datetime, classification, fact …). The data is
//! the version's CSV exactly as the host publishes it, with the `budget`
//! profile's columns; this module only writes the `datapackage.json` that
//! describes it, so it is small metadata computed once per version.
//!
//! The CSV is in long format: one row per amount, with `phase` and
//! `direction` as columns. A measure of the FDP model is a column with one
//! currency, phase and direction, so `amount_eur` (always EUR) is the
//! measure that every version has; `amount` is a second measure only when
//! the version holds one currency (a dataset spanning 2025 and 2026 mixes
//! BGN and EUR, and then `amount` and `currency` form a `fact` dimension).
//! Phase and direction are set on the measures when the version holds only
//! one of each, and are dimensions in every case. The descriptor validates
//! against the `fiscal-data-package` profile bundled with the `datapackage`
//! Python package (1.15.4), which requires `"profile":
//! "tabular-data-package"`; `tools/validate/fdp.py` checks it.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::{Publication, Row};

/// The `budget` profile classifies by the Bulgarian ЕБК, so its data is
/// Bulgarian.
const COUNTRY: &str = "BG";

/// Table Schema constraint keywords; a profile's own extensions (such as
/// `checksum`) are left out of the published schema.
const TABLE_SCHEMA_CONSTRAINTS: &[&str] = &[
    "required",
    "unique",
    "pattern",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
];

/// What a descriptor needs to know about a version's rows: collected in one
/// pass over the rows, holding only a few sets whatever their number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiscalSummary {
    pub currencies: BTreeSet<String>,
    pub phases: BTreeSet<String>,
    pub directions: BTreeSet<String>,
    pub first_year: Option<i64>,
    pub last_year: Option<i64>,
}

impl FiscalSummary {
    /// Summarizes the rows of a version.
    pub fn from_rows(rows: impl IntoIterator<Item = Row>) -> Self {
        let mut summary = Self::default();
        for row in rows {
            summary.add(&row);
        }
        summary
    }

    /// Adds one row.
    pub fn add(&mut self, row: &Row) {
        let text = |field: &str| row.get(field).and_then(Value::as_str).map(str::to_string);
        self.currencies.extend(text("currency"));
        self.phases.extend(text("phase"));
        self.directions.extend(text("direction"));
        if let Some(year) = row.get("fiscal_year").and_then(Value::as_i64) {
            self.first_year = Some(self.first_year.map_or(year, |y| y.min(year)));
            self.last_year = Some(self.last_year.map_or(year, |y| y.max(year)));
        }
    }

    fn only(set: &BTreeSet<String>) -> Option<&str> {
        match set.len() {
            1 => set.iter().next().map(String::as_str),
            _ => None,
        }
    }
}

/// The `datapackage.json` of a version of a `budget` dataset. `profile` is
/// the profile's Table Schema (`budget.json`): its fields and primary key
/// become the resource's schema, and the model refers only to fields it
/// has.
pub fn fiscal_data_package(
    publication: &Publication,
    profile: &Value,
    summary: &FiscalSummary,
) -> Value {
    let fields = profile_fields(profile);
    let has = |name: &str| fields.iter().any(|f| f["name"] == name);
    let mut package = json!({
        "profile": "tabular-data-package",
        "name": publication.dataset,
        "id": publication.version_url,
        "title": publication.title,
        "description": publication.description,
        "homepage": publication.version_url,
        "created": publication.published_at.to_rfc3339(),
        "contributors": [{"title": publication.publisher, "role": "publisher"}],
        "licenses": [license(&publication.license)],
        "countryCode": COUNTRY,
        "granularity": "aggregated",
        "resources": [resource(publication, profile, fields.clone())],
        "model": {
            "measures": measures(summary, &has),
            "dimensions": dimensions(summary, &has),
        },
    });
    if let Some(period) = fiscal_period(summary) {
        package["fiscalPeriod"] = period;
    }
    package
}

/// The profile's fields as Table Schema fields.
fn profile_fields(profile: &Value) -> Vec<Value> {
    let fields = profile["fields"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    fields.iter().map(table_schema_field).collect()
}

fn table_schema_field(field: &Value) -> Value {
    let mut out = Map::new();
    for key in ["name", "type", "title", "description", "format"] {
        if let Some(value) = field.get(key) {
            out.insert(key.to_string(), value.clone());
        }
    }
    let constraints: Map<String, Value> = field["constraints"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| TABLE_SCHEMA_CONSTRAINTS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !constraints.is_empty() {
        out.insert("constraints".to_string(), Value::Object(constraints));
    }
    Value::Object(out)
}

fn resource(publication: &Publication, profile: &Value, fields: Vec<Value>) -> Value {
    let mut schema = json!({"fields": fields, "missingValues": [""]});
    if let Some(key) = profile.get("primaryKey") {
        schema["primaryKey"] = key.clone();
    }
    json!({
        "profile": "tabular-data-resource",
        "name": publication.dataset,
        "path": format!("{}data.csv", publication.version_url),
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": schema,
    })
}

/// `CC-BY-4.0` → its SPDX page; the name is also the Open Definition id
/// for the common open licences.
fn license(spdx: &str) -> Value {
    crate::licences::data_package_entry(spdx)
}

fn measures(summary: &FiscalSummary, has: &dyn Fn(&str) -> bool) -> Value {
    let mut measures = Map::new();
    let mut measure = |name: &str, currency: &str| {
        let mut m = json!({"source": name, "currency": currency});
        if let Some(phase) = FiscalSummary::only(&summary.phases) {
            m["phase"] = json!(phase);
        }
        if let Some(direction) = FiscalSummary::only(&summary.directions) {
            m["direction"] = json!(direction);
        }
        measures.insert(name.to_string(), m);
    };
    if has("amount_eur") {
        measure("amount_eur", "EUR");
    }
    if has("amount")
        && let Some(currency) = FiscalSummary::only(&summary.currencies)
    {
        measure("amount", currency);
    }
    Value::Object(measures)
}

/// A dimension over `attributes`; the first is its key, and `label` (when
/// present) is the name that labels it.
struct Dimension<'a> {
    name: &'a str,
    kind: &'a str,
    classification: Option<&'a str>,
    attributes: &'a [&'a str],
    label: Option<&'a str>,
}

fn dimensions(summary: &FiscalSummary, has: &dyn Fn(&str) -> bool) -> Value {
    let mut list = vec![
        dimension("fiscal_year", "datetime", None, &["fiscal_year"], None),
        dimension("phase", "other", None, &["phase"], None),
        dimension("direction", "other", None, &["direction"], None),
        dimension("fund", "classification", None, &["fund"], None),
        dimension(
            "function",
            "classification",
            Some("functional"),
            &["function", "function_name"],
            Some("function_name"),
        ),
        dimension(
            "activity",
            "classification",
            Some("functional"),
            &["activity", "activity_name"],
            Some("activity_name"),
        ),
        dimension(
            "paragraph",
            "classification",
            Some("economic"),
            &["paragraph", "paragraph_name"],
            Some("paragraph_name"),
        ),
        dimension("report_date", "datetime", None, &["report_date"], None),
        dimension(
            "source",
            "other",
            None,
            &["source_url", "source_sheet", "source_row"],
            None,
        ),
    ];
    // With one currency `amount` is a measure; otherwise the original
    // amount and its currency are facts of each row.
    if summary.currencies.len() != 1 {
        list.push(dimension(
            "original_amount",
            "fact",
            None,
            &["amount", "currency"],
            None,
        ));
    }
    let mut dimensions = Map::new();
    for d in list {
        if let Some(value) = dimension_json(&d, has) {
            dimensions.insert(d.name.to_string(), value);
        }
    }
    Value::Object(dimensions)
}

fn dimension<'a>(
    name: &'a str,
    kind: &'a str,
    classification: Option<&'a str>,
    attributes: &'a [&'a str],
    label: Option<&'a str>,
) -> Dimension<'a> {
    Dimension {
        name,
        kind,
        classification,
        attributes,
        label,
    }
}

/// The dimension's JSON, or `None` when the profile lacks its key field.
fn dimension_json(d: &Dimension<'_>, has: &dyn Fn(&str) -> bool) -> Option<Value> {
    let key = *d.attributes.first()?;
    if !has(key) {
        return None;
    }
    let mut attributes = Map::new();
    for &name in d.attributes.iter().filter(|&&name| has(name)) {
        let mut attribute = json!({"source": name});
        if Some(name) == d.label {
            attribute["labelfor"] = json!(key);
        }
        attributes.insert(name.to_string(), attribute);
    }
    // Labels describe a member; they do not identify it.
    let primary_key: Vec<&str> = d
        .attributes
        .iter()
        .copied()
        .filter(|&name| has(name) && Some(name) != d.label)
        .collect();
    let mut value = json!({
        "dimensionType": d.kind,
        "attributes": attributes,
        "primaryKey": if primary_key.len() == 1 { json!(key) } else { json!(primary_key) },
    });
    if let Some(classification) = d.classification {
        value["classificationType"] = json!(classification);
    }
    Some(value)
}

/// From the first day of the first fiscal year to the last day of the last.
fn fiscal_period(summary: &FiscalSummary) -> Option<Value> {
    Some(json!({
        "start": format!("{:04}-01-01", summary.first_year?),
        "end": format!("{:04}-12-31", summary.last_year?),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const EXPECTED: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../datasets/burgas-budget/fixtures/expected.json"
    );
    const PROFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../profiles/budget.json");

    fn read_json(path: &str) -> Value {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// The rows of the demo dataset, as the rows API serves them.
    fn rows() -> Vec<Row> {
        let Value::Array(rows) = read_json(EXPECTED) else {
            panic!("expected.json is a list of rows");
        };
        rows.into_iter()
            .map(|row| match row {
                Value::Object(map) => map,
                other => panic!("a row is an object, not {other}"),
            })
            .collect()
    }

    fn publication() -> Publication {
        Publication {
            dataset: "burgas-budget".into(),
            title: "Бюджет и изпълнение на бюджета / Budget and budget execution".into(),
            description: "The budget of the Municipality of Burgas and its execution.".into(),
            publisher: "Община Бургас / Municipality of Burgas".into(),
            license: "CC-BY-4.0".into(),
            version: 3,
            published_at: chrono::Utc.with_ymd_and_hms(2026, 3, 2, 4, 30, 0).unwrap(),
            version_url: "https://data.burgas.bg/api/v1/datasets/burgas-budget/versions/3/".into(),
        }
    }

    fn descriptor(rows: Vec<Row>) -> Value {
        fiscal_data_package(
            &publication(),
            &read_json(PROFILE),
            &FiscalSummary::from_rows(rows),
        )
    }

    #[test]
    fn the_demo_dataset_as_a_fiscal_data_package() {
        let package = descriptor(rows());
        // The file CI validates with tools/validate/fdp.py.
        if let Some(path) = std::env::var_os("VITRINA_FDP_OUT") {
            let text = serde_json::to_string_pretty(&package).unwrap();
            std::fs::write(path, text).expect("VITRINA_FDP_OUT is writable");
        }
        assert_eq!(package["profile"], "tabular-data-package");
        assert_eq!(package["countryCode"], "BG");
        assert_eq!(
            package["fiscalPeriod"],
            json!({"start": "2024-01-01", "end": "2026-12-31"})
        );
        let resource = &package["resources"][0];
        assert_eq!(
            resource["path"],
            "https://data.burgas.bg/api/v1/datasets/burgas-budget/versions/3/data.csv"
        );
        let profile = read_json(PROFILE);
        let names = |fields: &Value| -> Vec<Value> {
            fields
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].clone())
                .collect()
        };
        assert_eq!(
            names(&resource["schema"]["fields"]),
            names(&profile["fields"])
        );
        assert_eq!(resource["schema"]["primaryKey"], profile["primaryKey"]);

        let model = &package["model"];
        // 2024-2025 in BGN and 2026 in EUR: only the euro column is one
        // currency; the original amount is a fact.
        assert_eq!(
            model["measures"],
            json!({"amount_eur": {"source": "amount_eur", "currency": "EUR"}})
        );
        assert_eq!(
            model["dimensions"]["original_amount"]["dimensionType"],
            "fact"
        );
        let activity = &model["dimensions"]["activity"];
        assert_eq!(activity["classificationType"], "functional");
        assert_eq!(activity["primaryKey"], "activity");
        assert_eq!(
            activity["attributes"]["activity_name"]["labelfor"],
            "activity"
        );
        assert_eq!(
            model["dimensions"]["paragraph"]["classificationType"],
            "economic"
        );
        assert_eq!(
            model["dimensions"]["fiscal_year"]["dimensionType"],
            "datetime"
        );
        assert_eq!(
            model["dimensions"]["fund"]["dimensionType"],
            "classification"
        );
    }

    #[test]
    fn every_model_source_is_a_column_of_the_resource() {
        let package = descriptor(rows());
        let fields: BTreeSet<&str> = package["resources"][0]["schema"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["name"].as_str())
            .collect();
        let model = &package["model"];
        let mut sources: Vec<&str> = model["measures"]
            .as_object()
            .unwrap()
            .values()
            .filter_map(|m| m["source"].as_str())
            .collect();
        for dimension in model["dimensions"].as_object().unwrap().values() {
            assert!(dimension["dimensionType"].is_string(), "{dimension}");
            sources.extend(
                dimension["attributes"]
                    .as_object()
                    .unwrap()
                    .values()
                    .filter_map(|a| a["source"].as_str()),
            );
        }
        for source in sources {
            assert!(fields.contains(source), "{source} is not a column");
        }
    }

    #[test]
    fn one_currency_phase_and_direction_go_onto_the_measures() {
        let executed_2024_spending = rows().into_iter().filter(|r| {
            r["fiscal_year"] == 2024 && r["phase"] == "executed" && r["direction"] == "expenditure"
        });
        let package = descriptor(executed_2024_spending.collect());
        let amount = &package["model"]["measures"]["amount"];
        assert_eq!(
            *amount,
            json!({"source": "amount", "currency": "BGN", "phase": "executed", "direction": "expenditure"})
        );
        assert_eq!(
            package["model"]["measures"]["amount_eur"]["currency"],
            "EUR"
        );
        assert!(
            package["model"]["dimensions"]
                .get("original_amount")
                .is_none()
        );
        assert_eq!(
            package["fiscalPeriod"],
            json!({"start": "2024-01-01", "end": "2024-12-31"})
        );
    }

    #[test]
    fn profile_extensions_stay_out_of_the_table_schema() {
        let field = json!({
            "name": "supplier_eik", "type": "string",
            "constraints": {"pattern": "^[0-9]{9}$", "required": true},
            "checksum": "bg-eik"
        });
        assert_eq!(
            table_schema_field(&field),
            json!({"name": "supplier_eik", "type": "string",
                   "constraints": {"pattern": "^[0-9]{9}$", "required": true}})
        );
    }

    #[test]
    fn an_empty_version_has_no_fiscal_period() {
        let package = descriptor(Vec::new());
        assert!(package.get("fiscalPeriod").is_none());
        assert_eq!(
            package["model"]["measures"]["amount_eur"]["currency"],
            "EUR"
        );
    }
}
