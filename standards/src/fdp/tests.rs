//! The Fiscal Data Package of the `burgas-budget` fixtures' expected rows,
//! validated against the `fiscal-data-package` profile kept in
//! `standards/schemas/`, and the fiscal table checked the way a budget
//! tool reads it: every measure summed over every row.

use std::collections::{BTreeMap, BTreeSet};

use chrono::TimeZone;
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::*;

const EXPECTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../datasets/burgas-budget/fixtures/expected.json"
);
const PROFILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../profiles/budget.json");
const FDP_SCHEMA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/schemas/fiscal-data-package-datapackage-1.15.4/fiscal-data-package.json"
);

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

fn table(rows: Vec<Row>) -> String {
    let mut out = Vec::new();
    write_fiscal_table(&mut out, rows.into_iter()).expect("the table is written");
    String::from_utf8(out).expect("the table is UTF-8")
}

/// Records of a CSV as [`write_fiscal_table`] writes it (RFC 4180, CRLF).
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut cell));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => cell.push(c),
        }
    }
    assert!(cell.is_empty() && record.is_empty(), "the last record ends");
    records
}

/// The table as maps from column name to cell.
fn table_rows(text: &str) -> Vec<BTreeMap<String, String>> {
    let mut records = read_csv(text).into_iter();
    let header = records.next().expect("a header");
    records
        .map(|r| {
            assert_eq!(r.len(), header.len(), "{r:?}");
            header.iter().cloned().zip(r).collect()
        })
        .collect()
}

/// What a budget tool shows first: each measure summed over every row.
fn default_aggregate(package: &Value, text: &str) -> BTreeMap<String, i128> {
    let rows = table_rows(text);
    let measures = package["model"]["measures"].as_object().unwrap();
    measures
        .iter()
        .map(|(name, measure)| {
            let source = measure["source"].as_str().unwrap();
            let total = rows
                .iter()
                .filter(|r| !r[source].is_empty())
                .map(|r| parse_cents(&r[source]).expect("a decimal"))
                .sum();
            (name.clone(), total)
        })
        .collect()
}

/// The long rows' `amount_eur` summed by direction and phase, under the
/// measure names those pairs get.
fn long_sums(rows: &[Row]) -> BTreeMap<String, i128> {
    let mut sums = BTreeMap::new();
    for row in rows {
        let measure = Measure::of(row).unwrap().column();
        *sums.entry(measure).or_default() += cents(&row["amount_eur"]).unwrap();
    }
    sums
}

fn fields(package: &Value) -> Vec<String> {
    package["resources"][0]["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

fn row(direction: &str, phase: &str, paragraph: &str, report_date: &str, eur: &str) -> Row {
    let value = json!({
        "fiscal_year": 2024, "phase": phase, "direction": direction, "fund": "all",
        "function": null, "function_name": null, "activity": "000", "activity_name": null,
        "paragraph_group": format!("{}-00", &paragraph[..2]), "paragraph": paragraph,
        "paragraph_name": "Наем, такси", "capital": false,
        "amount": eur, "currency": "EUR", "amount_eur": eur, "report_date": report_date,
        "source_url": "file:///a.csv", "source_sheet": null, "source_row": 5,
    });
    value.as_object().unwrap().clone()
}

#[test]
fn the_demo_dataset_as_a_fiscal_data_package() {
    let package = descriptor(rows());
    let text = table(rows());
    // What CI validates with tools/validate/fdp.py: the descriptor, with
    // the fiscal table and a data.csv as the host writes it beside it.
    if let Some(path) = std::env::var_os("VITRINA_FDP_OUT") {
        let path = std::path::PathBuf::from(path);
        let descriptor = serde_json::to_string_pretty(&package).unwrap();
        std::fs::write(&path, descriptor).expect("VITRINA_FDP_OUT is writable");
        std::fs::write(path.with_file_name(FISCAL_TABLE), &text).expect("fiscal.csv");
        std::fs::write(path.with_file_name("data.csv"), long_csv(&rows())).expect("data.csv");
    }
    assert_eq!(package["profile"], "tabular-data-package");
    assert_eq!(package["countryCode"], "BG");
    assert_eq!(package["version"], "3.0.0");
    assert_eq!(
        package["fiscalPeriod"],
        json!({"start": "2024-01-01", "end": "2026-12-31"})
    );
    let resource = &package["resources"][0];
    assert_eq!(resource["path"], "fiscal.csv");
    assert_eq!(
        resource["schema"]["primaryKey"],
        json!([
            "fiscal_year",
            "report_date",
            "direction",
            "fund",
            "activity",
            "paragraph"
        ])
    );
    // The demo holds no proposed budget: six measures, each one direction
    // and one phase in euro.
    let measures = package["model"]["measures"].as_object().unwrap();
    let names: Vec<&str> = measures.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "expenditure_adjusted_eur",
            "expenditure_approved_eur",
            "expenditure_executed_eur",
            "revenue_adjusted_eur",
            "revenue_approved_eur",
            "revenue_executed_eur",
        ]
    );
    assert_eq!(
        measures["revenue_executed_eur"],
        json!({"source": "revenue_executed_eur", "currency": "EUR",
               "direction": "revenue", "phase": "executed"})
    );
    // The table's header is the schema, column for column.
    let header = read_csv(&text).remove(0);
    assert_eq!(header, fields(&package));
}

/// `data.csv` as the host writes it: the profile's columns in order, null
/// as an empty cell.
fn long_csv(rows: &[Row]) -> String {
    let profile = read_json(PROFILE);
    let names: Vec<&str> = profile["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    let mut out = Vec::new();
    write_record(&mut out, names.iter().map(|n| csv_text(n))).unwrap();
    for row in rows {
        write_record(&mut out, names.iter().map(|n| csv_value(&row[*n]))).unwrap();
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn the_descriptor_is_a_valid_fiscal_data_package() {
    let validator = jsonschema::draft4::options()
        .build(&read_json(FDP_SCHEMA))
        .expect("the profile compiles");
    for package in [descriptor(rows()), descriptor(Vec::new())] {
        let errors: Vec<String> = validator
            .iter_errors(&package)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect();
        assert_eq!(errors, Vec::<String>::new());
    }
    let mut spent = descriptor(rows());
    spent["model"]["measures"]["revenue_executed_eur"]["phase"] = json!("spent");
    assert!(
        validator.iter_errors(&spent).next().is_some(),
        "the profile knows the phases"
    );
}

#[test]
fn no_address_of_the_portal_is_stored() {
    let text = serde_json::to_string(&descriptor(rows())).unwrap();
    assert!(!text.contains("data.burgas.bg"), "{text}");
    let package: Value = serde_json::from_str(&text).unwrap();
    assert!(package.get("id").is_none() && package.get("homepage").is_none());
}

#[test]
fn each_measure_totals_one_direction_in_one_phase() {
    let rows = rows();
    let package = descriptor(rows.clone());
    let totals = default_aggregate(&package, &table(rows.clone()));
    assert_eq!(totals, long_sums(&rows));
    // The figures of the demo, from expected.json (2024-2026 together).
    assert_eq!(
        format_cents(totals["expenditure_executed_eur"]),
        "68336491.48"
    );
    assert_eq!(format_cents(totals["revenue_approved_eur"]), "188133982.08");
}

#[test]
fn every_long_row_is_one_cell_of_the_table() {
    let rows = rows();
    let text = table(rows.clone());
    let cells: usize = table_rows(&text)
        .iter()
        .map(|r| {
            r.iter()
                .filter(|(k, v)| k.ends_with("_eur") && !v.is_empty())
                .count()
        })
        .sum();
    assert_eq!(cells, rows.len());
    let keys: BTreeSet<Vec<String>> = table_rows(&text)
        .iter()
        .map(|r| LINE_KEY.iter().map(|k| r[*k].clone()).collect())
        .collect();
    assert_eq!(keys.len(), table_rows(&text).len(), "the key is unique");
}

#[test]
fn revenue_and_expenditure_reusing_a_paragraph_stay_apart() {
    let rows = vec![
        row("revenue", "executed", "24-05", "2024-12-31", "100.00"),
        row("expenditure", "executed", "24-05", "2024-12-31", "7.50"),
    ];
    let text = table(rows.clone());
    let lines = table_rows(&text);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["direction"], "expenditure");
    assert_eq!(lines[0]["expenditure_executed_eur"], "7.50");
    assert_eq!(lines[1]["revenue_executed_eur"], "100.00");
    let package = descriptor(rows);
    assert_eq!(
        package["model"]["dimensions"]["economic_classification"]["primaryKey"],
        json!(["direction", "paragraph"])
    );
}

#[test]
fn reports_of_one_year_at_different_dates_stay_apart() {
    let rows = vec![
        row("revenue", "executed", "24-05", "2024-12-31", "100.00"),
        row("revenue", "adjusted", "24-05", "2024-12-31", "120.00"),
        row("revenue", "executed", "24-05", "2024-06-30", "40.00"),
        row("revenue", "adjusted", "24-05", "2024-06-30", "110.00"),
    ];
    let lines = table_rows(&table(rows));
    let by_date: Vec<(&str, &str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["report_date"].as_str(),
                l["revenue_adjusted_eur"].as_str(),
                l["revenue_executed_eur"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        by_date,
        [
            ("2024-06-30", "110.00", "40.00"),
            ("2024-12-31", "120.00", "100.00")
        ]
    );
}

#[test]
fn the_same_rows_in_any_order_give_the_same_bytes() {
    let mut shuffled = rows();
    shuffled.reverse();
    shuffled.rotate_left(17);
    assert_eq!(table(shuffled), table(rows()));
}

#[test]
fn cents_add_exactly() {
    let rows = vec![
        row("revenue", "executed", "24-05", "2024-12-31", "0.10"),
        row("revenue", "executed", "24-06", "2024-12-31", "0.20"),
        row("revenue", "executed", "24-07", "2024-12-31", "-1250000.05"),
    ];
    let package = descriptor(rows.clone());
    let totals = default_aggregate(&package, &table(rows));
    assert_eq!(format_cents(totals["revenue_executed_eur"]), "-1249999.75");
    assert_eq!(parse_cents("12.5"), Some(1250));
    assert_eq!(parse_cents("-0.05"), Some(-5));
    for bad in ["1.005", "1e5", "", "-", ".50", "12,50", "1 000.00"] {
        assert_eq!(parse_cents(bad), None, "{bad}");
    }
}

#[test]
fn a_row_the_profile_would_refuse_fails_the_table() {
    for (field, value) in [
        ("phase", json!("planned")),
        ("amount_eur", json!("12.345")),
        ("amount_eur", Value::Null),
    ] {
        let mut bad = row("revenue", "executed", "24-05", "2024-12-31", "1.00");
        bad.insert(field.to_string(), value);
        let mut out = Vec::new();
        let err = write_fiscal_table(&mut out, vec![bad].into_iter()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{field}");
        assert!(err.to_string().contains("row 1"), "{err}");
    }
}

#[test]
fn names_are_quoted_as_csv_wants() {
    let mut named = row("revenue", "executed", "24-05", "2024-12-31", "1.00");
    named.insert("paragraph_name".into(), json!("Наем, \"такси\""));
    named.insert("activity_name".into(), json!(""));
    let text = table(vec![named]);
    let line = text.lines().nth(1).unwrap();
    assert!(line.contains(",\"Наем, \"\"такси\"\"\","), "{line}");
    assert!(
        line.contains(",000,\"\","),
        "an empty name is not a null: {line}"
    );
    assert!(
        line.starts_with("2024,2024-12-31,revenue,all,,,000,"),
        "{line}"
    );
}

#[test]
fn hierarchies_and_labels_stay_within_their_dimension() {
    let package = descriptor(rows());
    let columns: BTreeSet<String> = fields(&package).into_iter().collect();
    let dimensions = package["model"]["dimensions"].as_object().unwrap();
    for (name, dimension) in dimensions {
        let attributes = dimension["attributes"].as_object().unwrap();
        for attribute in attributes.values() {
            assert!(columns.contains(attribute["source"].as_str().unwrap()));
            for link in ["parent", "labelfor"] {
                if let Some(target) = attribute.get(link) {
                    assert!(attributes.contains_key(target.as_str().unwrap()), "{name}");
                }
            }
        }
    }
    let functional = &dimensions["functional_classification"]["attributes"];
    assert_eq!(functional["activity"]["parent"], "function");
    let economic = &dimensions["economic_classification"]["attributes"];
    assert_eq!(economic["paragraph"]["parent"], "paragraph_group");
    assert_eq!(economic["paragraph_group"]["parent"], "direction");
    assert_eq!(economic["paragraph_name"]["labelfor"], "paragraph");
}

#[test]
fn the_line_columns_are_documented_by_the_profile() {
    let package = descriptor(rows());
    let schema_fields = package["resources"][0]["schema"]["fields"]
        .as_array()
        .unwrap();
    let capital = schema_fields
        .iter()
        .find(|f| f["name"] == "capital")
        .unwrap();
    assert_eq!(capital["type"], "boolean");
    assert!(
        capital["description"]
            .as_str()
            .unwrap()
            .contains("51 to 55")
    );
    let measure = schema_fields.last().unwrap();
    assert_eq!(measure["type"], "number");
}

#[test]
fn an_empty_version_has_every_measure_and_no_fiscal_period() {
    let package = descriptor(Vec::new());
    assert!(package.get("fiscalPeriod").is_none());
    assert_eq!(package["model"]["measures"].as_object().unwrap().len(), 8);
    let text = table(Vec::new());
    assert_eq!(read_csv(&text), [fields(&package)]);
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
