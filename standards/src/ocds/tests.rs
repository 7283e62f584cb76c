//! The release package of the Burgas procurement fixtures, checked against
//! the official OCDS 1.1.5 schemas and for what the schema cannot see:
//! amounts digit for digit, Sofia offsets, links between awards and
//! contracts, suppliers identified only by valid numbers.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::*;

const EXPECTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../datasets/burgas-procurements/fixtures/expected.json"
);
/// The official schemas, kept in the repository (`schemas/README.md`).
const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/ocds-1.1.5");

fn publication() -> Publication {
    Publication {
        dataset: "burgas-procurements".into(),
        title: "Обществени поръчки на Община Бургас".into(),
        description: "Contracts of the Municipality of Burgas".into(),
        publisher: "Община Бургас / Municipality of Burgas".into(),
        license: "CC-BY-4.0".into(),
        version: 3,
        published_at: Utc.with_ymd_and_hms(2026, 2, 15, 5, 30, 0).unwrap(),
        version_url: "https://data.burgas.bg/api/v1/datasets/burgas-procurements/versions/3/"
            .into(),
    }
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(EXPECTED).expect("the fixtures' expected.json");
    let rows: Vec<Value> = serde_json::from_str(&text).expect("expected.json parses");
    rows.into_iter()
        .map(|r| match r {
            Value::Object(map) => map,
            other => panic!("not a row: {other}"),
        })
        .collect()
}

fn package_text(rows: Vec<Row>) -> String {
    let mut out = Vec::new();
    write_release_package(&mut out, &publication(), rows.into_iter()).expect("package written");
    String::from_utf8(out).expect("UTF-8")
}

fn package(rows: Vec<Row>) -> Value {
    serde_json::from_str(&package_text(rows)).expect("the package is JSON")
}

fn schema(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{SCHEMAS}/{name}"))
        .unwrap_or_else(|e| panic!("{SCHEMAS}/{name}: {e}"));
    serde_json::from_str(&text).expect("schema parses")
}

/// Every schema error of a package, with its JSON path.
fn ocds_errors(package: &Value) -> Vec<String> {
    let registry = jsonschema::Registry::new()
        .add(
            "https://standard.open-contracting.org/schema/1__1__5/release-schema.json",
            schema("release-schema.json"),
        )
        .expect("release schema registers")
        .prepare()
        .expect("registry");
    let validator = jsonschema::draft4::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema("release-package-schema.json"))
        .expect("the package schema compiles");
    validator
        .iter_errors(package)
        .take(20)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

#[test]
fn the_fixtures_package_is_valid_ocds_1_1_5() {
    let package = package(rows());
    // The file `tools/validate/ocds.py` can check too.
    if let Some(path) = std::env::var_os("VITRINA_OCDS_OUT") {
        let text = serde_json::to_string_pretty(&package).unwrap();
        std::fs::write(path, text).expect("VITRINA_OCDS_OUT is writable");
    }
    let errors = ocds_errors(&package);
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(
        package["releases"].as_array().map(Vec::len),
        Some(rows().len())
    );
}

#[test]
fn the_schema_check_sees_into_the_releases() {
    let mut package = package(rows());
    package["releases"][4]["tender"]["status"] = json!("done");
    package["releases"][7]["date"] = json!("2024-03-11");
    let errors = ocds_errors(&package);
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/releases/4/tender/status")),
        "{errors:#?}"
    );
    assert!(
        errors.iter().any(|e| e.starts_with("/releases/7/date")),
        "{errors:#?}"
    );
}

#[test]
fn the_package_names_its_version_publisher_and_license() {
    let package = package(rows());
    assert_eq!(
        package["uri"],
        "https://data.burgas.bg/api/v1/datasets/burgas-procurements/versions/3/ocds.json"
    );
    assert_eq!(package["version"], "1.1");
    assert_eq!(package["publishedDate"], "2026-02-15T05:30:00Z");
    assert_eq!(
        package["publisher"]["name"],
        "Община Бургас / Municipality of Burgas"
    );
    assert_eq!(
        package["license"],
        "https://creativecommons.org/licenses/by/4.0/"
    );
}

#[test]
fn each_contract_is_a_release_with_a_linked_award() {
    let rows = rows();
    let package = package(rows.clone());
    for (row, release) in rows.iter().zip(package["releases"].as_array().unwrap()) {
        assert_eq!(release["ocid"], row["ocid"]);
        assert_eq!(release["tender"]["id"], row["unp"]);
        assert_eq!(release["initiationType"], "tender");
        let award = &release["awards"][0];
        let contract = &release["contracts"][0];
        assert_eq!(contract["id"], row["contract_id"]);
        assert_eq!(contract["awardID"], award["id"]);
        assert_eq!(release["buyer"]["id"], "BG-EIK-000056814");
        assert_eq!(
            release["tender"]["procurementMethodDetails"],
            row["procedure_type"]
        );
        assert_eq!(release["tender"]["numberOfTenderers"], row["bids_count"]);
        let roles = |id: &Value| -> Vec<Value> {
            release["parties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| &p["id"] == id)
                .map(|p| p["roles"].as_array().unwrap().clone())
                .unwrap_or_default()
        };
        assert_eq!(
            roles(&release["buyer"]["id"]),
            [json!("buyer"), json!("procuringEntity")]
        );
        assert_eq!(roles(&award["suppliers"][0]["id"]), [json!("supplier")]);
        let funder = !roles(&json!("EU")).is_empty();
        assert_eq!(
            funder,
            row["eu_funded"] == json!(true),
            "{}",
            row["source_url"]
        );
    }
}

#[test]
fn suppliers_are_identified_only_by_valid_numbers() {
    let rows = rows();
    let package = package(rows.clone());
    let releases = package["releases"].as_array().unwrap();
    let mut unverified = 0;
    for (row, release) in rows.iter().zip(releases) {
        let supplier = &release["parties"][1];
        match row["supplier_eik"].as_str() {
            Some(eik) => {
                assert_eq!(
                    supplier["identifier"],
                    json!({"scheme": "BG-EIK", "id": eik, "legalName": row["supplier_name"]})
                );
            }
            None => {
                unverified += 1;
                assert!(supplier.get("identifier").is_none(), "{supplier}");
                assert_eq!(
                    supplier["id"],
                    format!("supplier-{}", row["contract_id"].as_str().unwrap())
                );
            }
        }
    }
    assert_eq!(
        unverified, 3,
        "the typo, the foreign company and the supplier without a number"
    );
}

#[test]
fn dates_are_sofia_midnight_with_the_offset_of_the_season() {
    assert_eq!(
        sofia_midnight(NaiveDate::from_ymd_opt(2024, 1, 15).unwrap()),
        "2024-01-15T00:00:00+02:00"
    );
    assert_eq!(
        sofia_midnight(NaiveDate::from_ymd_opt(2024, 7, 15).unwrap()),
        "2024-07-15T00:00:00+03:00"
    );
    // The clocks go forward at 03:00 on the last Sunday of March.
    assert_eq!(
        sofia_midnight(NaiveDate::from_ymd_opt(2024, 3, 31).unwrap()),
        "2024-03-31T00:00:00+02:00"
    );
    assert_eq!(
        sofia_midnight(NaiveDate::from_ymd_opt(2024, 4, 1).unwrap()),
        "2024-04-01T00:00:00+03:00"
    );
    let rows = rows();
    let package = package(rows.clone());
    for (row, release) in rows.iter().zip(package["releases"].as_array().unwrap()) {
        let signed = release["contracts"][0]["dateSigned"].as_str().unwrap();
        assert!(
            signed.starts_with(row["contract_date"].as_str().unwrap()),
            "{signed}"
        );
        let month: u32 = signed[5..7].parse().unwrap();
        let offset = &signed[signed.len() - 6..];
        if (5..=9).contains(&month) {
            assert_eq!(offset, "+03:00", "{signed}");
        } else if month <= 2 || month >= 11 {
            assert_eq!(offset, "+02:00", "{signed}");
        }
        let date = release["date"].as_str().unwrap();
        assert!(
            date.starts_with(row["published"].as_str().unwrap()),
            "{date}"
        );
    }
}

#[test]
fn amounts_are_copied_digit_for_digit() {
    let mut row = rows().remove(0);
    row.insert("value".into(), json!("12345678901234567.89"));
    row.insert("currency".into(), json!("BGN"));
    row.insert("estimated_value".into(), json!("0.10"));
    let text = package_text(vec![row]);
    assert!(
        text.contains(r#""value":{"amount":12345678901234567.89,"currency":"BGN"}"#),
        "{text}"
    );
    assert!(text.contains(r#""amount":0.10,"#), "{text}");
}

#[test]
fn decimals_become_json_numbers_only_when_well_formed() {
    for good in ["0", "0.5", "-12.50", "1198450.00"] {
        assert_eq!(
            json_number(good).map(|n| n.get().to_string()).as_deref(),
            Some(good)
        );
    }
    for bad in ["", ".5", "5.", "1e5", "01", "1,5", "NaN", "- 1", "1.2.3"] {
        assert!(json_number(bad).is_none(), "{bad:?}");
    }
}

#[test]
fn a_row_without_a_required_field_is_named() {
    let mut rows = rows();
    rows.truncate(2);
    rows[1].remove("contract_id");
    let mut out = Vec::new();
    let err = write_release_package(&mut out, &publication(), rows.into_iter()).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert_eq!(err.to_string(), "row 2: field `contract_id` is missing");
}

#[test]
fn licenses_are_linked_by_their_canonical_url() {
    assert_eq!(
        license_url("CC0-1.0"),
        "https://creativecommons.org/publicdomain/zero/1.0/"
    );
    assert_eq!(
        license_url("OGL-UK-3.0"),
        "https://spdx.org/licenses/OGL-UK-3.0.html"
    );
}
