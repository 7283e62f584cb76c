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

fn info() -> PackageInfo {
    PackageInfo {
        uri: "https://data.burgas.bg/api/v1/datasets/burgas-procurements/versions/3/ocds.json"
            .into(),
        published_date: Utc.with_ymd_and_hms(2026, 2, 15, 5, 30, 0).unwrap(),
        publisher_name: "Община Бургас / Municipality of Burgas".into(),
        publisher_eik: Some("000056814".into()),
        license: "CC-BY-4.0".into(),
        publication_policy: Some("https://data.burgas.bg/publication-policy".into()),
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
    write_release_package(&mut out, &info(), rows.into_iter()).expect("package written");
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
    schema_errors("release-package-schema.json", package)
}

/// Every error of `instance` against the official schema `name`, the
/// release schema resolved to its local copy. Records here carry no
/// versioned release, and its schema is not kept (schemas/ocds-1.1.5/
/// README.md): an empty schema stands in for it.
fn schema_errors(name: &str, instance: &Value) -> Vec<String> {
    const BASE: &str = "https://standard.open-contracting.org/schema/1__1__5/";
    let registry = jsonschema::Registry::new()
        .add(
            format!("{BASE}release-schema.json"),
            schema("release-schema.json"),
        )
        .expect("release schema registers")
        .add(
            format!("{BASE}versioned-release-validation-schema.json"),
            json!({}),
        )
        .expect("the stand-in registers")
        .prepare()
        .expect("registry");
    let validator = jsonschema::draft4::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .build(&schema(name))
        .expect("the schema compiles");
    validator
        .iter_errors(instance)
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
        package["publisher"],
        json!({"name": "Община Бургас / Municipality of Burgas", "scheme": "BG-EIK", "uid": "000056814"})
    );
    assert_eq!(
        package["publicationPolicy"],
        "https://data.burgas.bg/publication-policy"
    );
    assert_eq!(package["extensions"], json!(EXTENSIONS));
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
        if row["lot"].is_null() {
            assert_eq!(release["tender"]["numberOfTenderers"], row["bids_count"]);
            assert!(release.get("bids").is_none());
        } else {
            // Offers are counted per lot, never as the whole tender's.
            assert!(release["tender"].get("numberOfTenderers").is_none());
            if !row["bids_count"].is_null() {
                let statistic = &release["bids"]["statistics"][0];
                assert_eq!(statistic["value"], row["bids_count"]);
                assert_eq!(statistic["relatedLot"], row["lot"]);
            }
            assert_eq!(award["relatedLots"], json!([row["lot"]]));
            assert_eq!(release["tender"]["lots"][0]["id"], row["lot"]);
            assert_eq!(release["tender"]["items"][0]["relatedLot"], row["lot"]);
        }
        assert_eq!(release["tender"]["title"], row["title"]);
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
        match row["modified"].as_str() {
            // A notice of the listing is dated by its last change.
            Some(modified) => assert_eq!(date, modified),
            None => assert!(
                date.starts_with(row["published"].as_str().unwrap()),
                "{date}"
            ),
        }
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
    let err = write_release_package(&mut out, &info(), rows.into_iter()).unwrap_err();
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

fn record_package(rows: Vec<Row>) -> Value {
    let mut out = Vec::new();
    write_record_package(
        &mut out,
        &info(),
        "https://data.burgas.bg/api/v1/datasets/burgas-procurements/versions/3/ocds.json",
        rows.into_iter(),
    )
    .expect("records written");
    serde_json::from_slice(&out).expect("the record package is JSON")
}

/// Rows sorted as the store serves them: by the primary key.
fn rows_in_key_order() -> Vec<Row> {
    let mut rows = rows();
    rows.sort_by(|a, b| {
        let key = |r: &Row| {
            (
                r["ocid"].as_str().map(str::to_string),
                r["contract_id"].as_str().map(str::to_string),
            )
        };
        key(a).cmp(&key(b))
    });
    rows
}

#[test]
fn the_record_package_is_valid_ocds_1_1_5() {
    let package = record_package(rows_in_key_order());
    if let Some(path) = std::env::var_os("VITRINA_OCDS_RECORDS_OUT") {
        let text = serde_json::to_string_pretty(&package).unwrap();
        std::fs::write(path, text).expect("VITRINA_OCDS_RECORDS_OUT is writable");
    }
    let errors = schema_errors("record-package-schema.json", &package);
    assert!(errors.is_empty(), "{errors:#?}");
    let rows = rows();
    let ocids: std::collections::BTreeSet<&str> =
        rows.iter().filter_map(|r| r["ocid"].as_str()).collect();
    assert_eq!(package["records"].as_array().unwrap().len(), ocids.len());
}

#[test]
fn a_procurement_with_lots_compiles_into_one_tender_with_every_lot() {
    let rows = rows_in_key_order();
    // The fixtures' food supplies for kindergartens: four lots.
    let ocid = rows
        .iter()
        .filter(|r| r["lot"] == "4" && r["title"].as_str().unwrap().contains("хранителни"))
        .map(|r| r["ocid"].as_str().unwrap())
        .next()
        .expect("a food supply with four lots");
    let lots: Vec<&Row> = rows.iter().filter(|r| r["ocid"] == ocid).collect();
    assert_eq!(lots.len(), 4, "{ocid}");
    let package = record_package(rows.clone());
    let record = package["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ocid"] == ocid)
        .expect("its record");
    assert_eq!(record["releases"].as_array().unwrap().len(), 4);
    let compiled = &record["compiledRelease"];
    assert_eq!(compiled["tag"], json!(["compiled"]));
    let ids = |path: &Value| -> Vec<String> {
        let mut ids: Vec<String> = path
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap().to_string())
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(&compiled["tender"]["lots"]), ["1", "2", "3", "4"]);
    assert_eq!(
        ids(&compiled["tender"]["items"]),
        ["lot-1", "lot-2", "lot-3", "lot-4"]
    );
    assert_eq!(compiled["awards"].as_array().unwrap().len(), 4);
    assert_eq!(compiled["contracts"].as_array().unwrap().len(), 4);
    assert_eq!(compiled["bids"]["statistics"].as_array().unwrap().len(), 4);
    // The subject without any lot's name, and the procedure's estimate.
    assert_eq!(
        compiled["tender"]["title"],
        "Доставка на хранителни продукти за детските градини на територията на Община Бургас"
    );
    let estimate: f64 = lots[0]["estimated_value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        compiled["tender"]["value"]["amount"].as_f64(),
        Some(estimate)
    );
    let titles: Vec<&str> = compiled["tender"]["lots"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|l| l["title"].as_str())
        .collect();
    assert!(titles.contains(&"Месо и месни продукти"), "{titles:?}");
}

#[test]
fn a_release_keeps_its_id_until_its_contract_changes() {
    let rows = rows();
    let first = package(rows.clone());
    let again = package(rows.clone());
    assert_eq!(first["releases"], again["releases"]);
    let ids: std::collections::BTreeSet<&str> = first["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), rows.len(), "release ids are unique");

    let mut changed = rows.clone();
    changed[5].insert("bids_count".into(), json!(9));
    let after = package(changed);
    for (i, (before, after)) in first["releases"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["releases"].as_array().unwrap())
        .enumerate()
    {
        if i == 5 {
            assert_ne!(before["id"], after["id"]);
            assert!(
                after["id"]
                    .as_str()
                    .unwrap()
                    .starts_with(rows[5]["contract_id"].as_str().unwrap())
            );
        } else {
            assert_eq!(before["id"], after["id"]);
        }
    }
}

#[test]
fn tags_say_what_a_release_reports() {
    let rows = rows();
    let package = package(rows.clone());
    let mut amended = 0;
    for (row, release) in rows.iter().zip(package["releases"].as_array().unwrap()) {
        let annexes = row["amendments_count"].as_i64().unwrap_or(0);
        if annexes > 0 {
            amended += 1;
            assert_eq!(
                release["tag"],
                json!(["award", "contract", "contractAmendment"])
            );
            let contract = &release["contracts"][0];
            assert_eq!(contract["amendments"].as_array().unwrap().len(), 1);
            let description = contract["amendments"][0]["description"].as_str().unwrap();
            assert!(
                description.contains(&format!("Анекси: {annexes}")),
                "{description}"
            );
        } else {
            assert_eq!(release["tag"], json!(["award", "contract"]));
        }
    }
    assert!(amended > 5, "the fixtures have contracts with annexes");
}

#[test]
fn the_value_in_force_adds_the_annexes_change_to_the_cent() {
    let mut row = rows().remove(0);
    row.insert("value".into(), json!("1000.10"));
    row.insert("amendments_count".into(), json!(1));
    row.insert("amendments_value_change".into(), json!("-250.15"));
    row.insert("contract_status".into(), json!("terminated"));
    row.insert("contract_end_date".into(), json!("2025-01-31"));
    let package = package(vec![row]);
    let contract = &package["releases"][0]["contracts"][0];
    assert_eq!(contract["value"]["amount"].to_string(), "749.95");
    assert_eq!(contract["status"], "terminated");
    assert_eq!(contract["period"]["endDate"], "2025-01-31T00:00:00+02:00");
    assert_eq!(add_cents("0.05", "-0.10").unwrap().get(), "-0.05");
    assert!(add_cents("1.005", "0").is_none());
}

#[test]
fn records_need_the_rows_in_ocid_order() {
    let mut rows = rows_in_key_order();
    rows.reverse();
    let mut out = Vec::new();
    let err = write_record_package(
        &mut out,
        &info(),
        "https://x.example/ocds.json",
        rows.into_iter(),
    )
    .unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("ocid order"), "{err}");
}
