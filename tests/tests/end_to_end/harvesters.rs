//! The harvesters through the real binary, against portals on loopback
//! that answer as the real ones do: `ckan` (Python, built by `vitrina
//! plugin build` with componentize-py) reading a CKAN DataStore page by
//! page and a CSV resource, its fields declared from the portal's.

use std::time::Duration;

use serde_json::{Value, json};
use vitrina_tests::portals::{CkanPortal, CkanState, datastore_resource, file_resource};
use vitrina_tests::{Install, Server, describe, get, python_plugin};

/// An installation with the `ckan` plugin and one dataset over `portal`.
fn install(portal: &CkanPortal, config: &str, publish: &str) -> Install {
    let install = Install::with_rows_plugin("");
    std::fs::copy(
        python_plugin("ckan"),
        install.path().join("plugins/ckan.wasm"),
    )
    .unwrap();
    let host = portal.url();
    install.add_dataset(
        "grants",
        &format!(
            "title = \"Grants\"\ndescription = \"Harvested from a CKAN portal\"\nplugin = \"ckan\"\n\
             publish = \"{publish}\"\n\
             [fetch]\nallow = [\"{host}\"]\n\
             [config]\nportal = \"{host}\"\ndataset = \"grants\"\n{config}"
        ),
    );
    install
}

/// `n` grants, `_id` from 1.
fn grants(n: usize) -> Vec<Value> {
    (1..=n)
        .map(|i| {
            json!({
                "_id": i,
                "name": format!("Читалище {i}"),
                "amount": format!("{i}.50"),
                "opened": format!("2024-{:02}-{:02}", i % 12 + 1, i % 28 + 1),
                "modified": format!("2024-01-01T00:{:02}:{:02}", i / 60 % 60, i % 60),
            })
        })
        .collect()
}

fn datastore(records: Vec<Value>) -> CkanState {
    CkanState {
        package: json!({
            "id": "9f1c", "name": "grants", "title": "Grants of the city",
            "resources": [datastore_resource("res-1", "grants", "2024-02-01T10:00:00")],
        }),
        fields: [
            ("_id", "int"),
            ("name", "text"),
            ("amount", "numeric"),
            ("opened", "date"),
            ("modified", "timestamp"),
        ]
        .iter()
        .map(|(i, t)| (i.to_string(), t.to_string()))
        .collect(),
        records,
        ..CkanState::default()
    }
}

fn run(install: &Install) -> std::process::Output {
    install.vitrina(&["run", "grants"])
}

fn run_ok(install: &Install) {
    let output = run(install);
    assert!(output.status.success(), "{}", describe(&output));
}

fn json_at(server: &Server, path: &str) -> Value {
    let response = get(&server.addr, path);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.json()
}

fn field_types(schema: &Value) -> Vec<(String, String)> {
    schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_string(),
                f["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn ckan_reads_a_datastore_page_by_page_with_its_types_and_follows_a_new_column() {
    let portal = CkanPortal::start(CkanState {
        slow_page: Some((1000, Duration::from_millis(1500))),
        ..datastore(grants(2500))
    });
    let install = install(&portal, "page_size = \"1000\"\n", "snapshot");
    run_ok(&install);
    let pages: Vec<String> = portal
        .targets()
        .into_iter()
        .filter(|r| r.contains("datastore_search"))
        .collect();
    assert_eq!(pages.len(), 3, "three pages of 1000: {pages:#?}");
    assert!(pages[2].contains("offset=2000"), "{pages:#?}");

    // The portal grows a column.
    {
        let mut state = portal.state();
        state.fields.push(("district".into(), "text".into()));
        for record in &mut state.records {
            record["district"] = json!("Изгрев");
        }
    }
    run_ok(&install);

    let server = Server::start(&install, &["--no-initial-runs"]);
    let first = json_at(&server, "/api/v1/datasets/grants/versions/1");
    assert_eq!(first["row_count"], 2500);
    assert_eq!(first["contract"], "0.2.0");
    assert_eq!(
        field_types(&first["schema"]),
        [
            ("id", "integer"),
            ("name", "text"),
            ("amount", "decimal"),
            ("opened", "date"),
            ("modified", "text"),
        ]
        .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    assert_eq!(first["schema"]["primary_key"], json!(["id"]));
    let second = json_at(&server, "/api/v1/datasets/grants/versions/2");
    assert_eq!(
        second["schema_changes"],
        json!([{ "change": "field_added", "field": "district", "type": "text" }])
    );
    let row = json_at(&server, "/api/v1/datasets/grants/rows/7")["row"].clone();
    assert_eq!(row["name"], "Читалище 7");
    assert_eq!(row["amount"], "7.50", "exact, as the portal wrote it");
    assert_eq!(row["district"], "Изгрев");
}

#[test]
fn ckan_fails_cleanly_when_the_portal_errs_and_the_next_run_recovers() {
    let portal = CkanPortal::start(CkanState {
        failures: 1,
        ..datastore(grants(10))
    });
    let install = install(&portal, "", "snapshot");
    let failed = run(&install);
    assert!(!failed.status.success(), "{}", describe(&failed));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(
        stderr.contains("source_unavailable") || stderr.contains("answered 500"),
        "{stderr}"
    );
    run_ok(&install);
    // A dataset the portal does not have: the operator's configuration.
    let toml = install.path().join("datasets/grants/dataset.toml");
    let config = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(
        &toml,
        config.replace("dataset = \"grants\"", "dataset = \"nope\""),
    )
    .unwrap();
    let wrong = run(&install);
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("check `dataset` and `resource`"),
        "{}",
        describe(&wrong)
    );
}

#[test]
fn ckan_reads_only_what_changed_since_its_bookmark() {
    let portal = CkanPortal::start(datastore(grants(30)));
    let install = install(
        &portal,
        "page_size = \"10\"\nmodified_field = \"modified\"\n",
        "merge",
    );
    run_ok(&install);
    let before = portal.targets().len();
    {
        let mut state = portal.state();
        state.records[4]["amount"] = json!("999.99");
        state.records[4]["modified"] = json!("2024-06-01T00:00:00");
        let mut new = grants(31).pop().unwrap();
        new["modified"] = json!("2024-06-02T00:00:00");
        state.records.push(new);
    }
    run_ok(&install);
    let pages: Vec<String> = portal.targets()[before..]
        .iter()
        .filter(|r| r.contains("datastore_search"))
        .cloned()
        .collect();
    assert_eq!(pages.len(), 1, "one page holds what changed: {pages:#?}");
    let server = Server::start(&install, &["--no-initial-runs"]);
    let second = json_at(&server, "/api/v1/datasets/grants/versions/2");
    assert_eq!(second["row_count"], 31);
    assert_eq!(
        second["row_changes"],
        json!({"added": 1, "removed": 0, "changed": 1})
    );
    assert_eq!(
        json_at(&server, "/api/v1/datasets/grants/rows/5")["row"]["amount"],
        "999.99"
    );
}

#[test]
fn ckan_reads_a_csv_resource_in_windows_1251() {
    let portal = CkanPortal::start(CkanState::default());
    let (csv, _, _) = encoding_rs::WINDOWS_1251
        .encode("Име;Сума\r\nЧиталище „Възраждане“;1 200,50\r\nКлуб;980\r\n");
    let package = json!({
        "id": "77aa", "name": "grants", "title": "Grants",
        "resources": [file_resource(&portal.url(), "res-csv", "grants.csv", "2024-02-01T10:00:00")],
    });
    {
        let mut state = portal.state();
        state.package = package;
        state.files = vec![("grants.csv".into(), csv.into_owned())];
    }
    let install = install(&portal, "", "snapshot");
    run_ok(&install);
    let server = Server::start(&install, &["--no-initial-runs"]);
    let version = json_at(&server, "/api/v1/datasets/grants/versions/1");
    // Cyrillic titles by the official transliteration; the row number is
    // the key, as the file has none.
    assert_eq!(
        field_types(&version["schema"]),
        [("row", "integer"), ("ime", "text"), ("suma", "text")]
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .to_vec()
    );
    assert_eq!(version["schema"]["primary_key"], json!(["row"]));
    let rows = json_at(&server, "/api/v1/datasets/grants/rows?sort=row");
    assert_eq!(rows["rows"][0]["ime"], "Читалище „Възраждане“");
    assert_eq!(rows["rows"][0]["suma"], "1 200,50");
    assert_eq!(rows["rows"][1]["ime"], "Клуб");
}

// ---------------------------------------------------------------- opendatasoft

use vitrina_tests::js_plugin;
use vitrina_tests::portals::{OdsPortal, OdsState};

/// Ghent's playgrounds, as its portal publishes them.
fn playgrounds(n: usize) -> OdsState {
    OdsState {
        dataset: "speelterreinen-gent".into(),
        title: "Speelterreinen Gent".into(),
        fields: [
            ("id", "text", "ID"),
            ("naam", "text", "Naam"),
            ("oppervlakte", "double", "Oppervlakte (m²)"),
            ("toestellen", "int", "Aantal toestellen"),
            ("geopend", "date", "Geopend sinds"),
            ("bijgewerkt", "datetime", "Laatst bijgewerkt"),
            ("geo_point_2d", "geo_point_2d", "Locatie"),
        ]
        .iter()
        .map(|(n, t, l)| (n.to_string(), t.to_string(), l.to_string()))
        .collect(),
        records: (1..=n)
            .map(|i| {
                json!({
                    "id": format!("SP-{i:04}"),
                    "naam": format!("Speelplein {i}"),
                    "oppervlakte": 100.5 + i as f64,
                    "toestellen": i % 9,
                    "geopend": format!("20{:02}-05-{:02}", 10 + i % 10, i % 28 + 1),
                    "bijgewerkt": format!("2024-01-{:02}T08:00:00+00:00", i % 28 + 1),
                    "geo_point_2d": { "lon": 3.72, "lat": 51.05 },
                })
            })
            .collect(),
        ..OdsState::default()
    }
}

fn ods_install(portal: &OdsPortal, config: &str, publish: &str) -> Install {
    let install = Install::with_rows_plugin("");
    std::fs::copy(
        js_plugin("opendatasoft"),
        install.path().join("plugins/opendatasoft.wasm"),
    )
    .unwrap();
    let host = portal.url();
    install.add_dataset(
        "ghent-playgrounds",
        &format!(
            "title = \"Speelterreinen / Playgrounds of Ghent\"\ndescription = \"From Ghent's portal\"\n\
             plugin = \"opendatasoft\"\npublish = \"{publish}\"\n\
             [fetch]\nallow = [\"{host}\"]\n\
             [config]\nportal = \"{host}\"\ndataset = \"speelterreinen-gent\"\nkey = \"id\"\n{config}"
        ),
    );
    install
}

fn run_ods(install: &Install) {
    let output = install.vitrina(&["run", "ghent-playgrounds"]);
    assert!(output.status.success(), "{}", describe(&output));
}

#[test]
fn opendatasoft_reads_the_export_with_the_catalogs_types_and_follows_a_new_field() {
    let portal = OdsPortal::start(playgrounds(250));
    let install = ods_install(&portal, "", "snapshot");
    run_ods(&install);
    assert_eq!(
        portal
            .targets()
            .iter()
            .filter(|r| r.contains("exports/jsonl"))
            .count(),
        1,
        "the whole dataset in one export"
    );
    {
        let mut state = portal.state();
        state
            .fields
            .push(("wijk".into(), "text".into(), "Wijk".into()));
        for record in &mut state.records {
            record["wijk"] = json!("Sint-Amandsberg");
        }
    }
    run_ods(&install);

    let server = Server::start(&install, &["--no-initial-runs"]);
    let first = json_at(&server, "/api/v1/datasets/ghent-playgrounds/versions/1");
    assert_eq!(first["row_count"], 250);
    assert_eq!(
        field_types(&first["schema"]),
        [
            ("id", "text"),
            ("naam", "text"),
            ("oppervlakte", "float"),
            ("toestellen", "integer"),
            ("geopend", "date"),
            ("bijgewerkt", "datetime"),
            ("geo_point_2d", "json"),
        ]
        .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    assert_eq!(first["schema"]["primary_key"], json!(["id"]));
    let second = json_at(&server, "/api/v1/datasets/ghent-playgrounds/versions/2");
    assert_eq!(
        second["schema_changes"],
        json!([{ "change": "field_added", "field": "wijk", "type": "text" }])
    );
    let row = json_at(&server, "/api/v1/datasets/ghent-playgrounds/rows/SP-0007")["row"].clone();
    assert_eq!(row["naam"], "Speelplein 7");
    assert_eq!(row["toestellen"], 7);
    assert_eq!(row["wijk"], "Sint-Amandsberg");
}

#[test]
fn opendatasoft_pages_the_records_api_through_a_slow_page_and_reads_only_what_changed() {
    let portal = OdsPortal::start(OdsState {
        slow_page: Some((100, Duration::from_millis(1500))),
        ..playgrounds(230)
    });
    let install = ods_install(
        &portal,
        "method = \"records\"\nmodified_field = \"bijgewerkt\"\n",
        "merge",
    );
    run_ods(&install);
    let pages = |from: usize| -> Vec<String> {
        portal.targets()[from..]
            .iter()
            .filter(|r| r.contains("/records"))
            .cloned()
            .collect()
    };
    assert_eq!(pages(0).len(), 3, "pages of 100: {:#?}", pages(0));
    let before = portal.targets().len();
    {
        let mut state = portal.state();
        state.records[2]["naam"] = json!("Speelplein De Drie");
        state.records[2]["bijgewerkt"] = json!("2024-03-01T08:00:00+00:00");
    }
    run_ods(&install);
    let later = pages(before);
    assert_eq!(later.len(), 1, "{later:#?}");
    assert!(
        later[0].contains("where="),
        "asks only for what changed: {later:#?}"
    );
    let server = Server::start(&install, &["--no-initial-runs"]);
    let second = json_at(&server, "/api/v1/datasets/ghent-playgrounds/versions/2");
    assert_eq!(second["row_count"], 230);
    assert_eq!(
        second["row_changes"],
        json!({"added": 0, "removed": 0, "changed": 1})
    );
}

#[test]
fn opendatasoft_fails_cleanly_on_a_server_error_and_an_unknown_dataset() {
    let portal = OdsPortal::start(OdsState {
        failures: 1,
        ..playgrounds(5)
    });
    let install = ods_install(&portal, "", "snapshot");
    let failed = install.vitrina(&["run", "ghent-playgrounds"]);
    assert!(!failed.status.success());
    assert!(
        String::from_utf8_lossy(&failed.stderr).contains("answered 500"),
        "{}",
        describe(&failed)
    );
    run_ods(&install);
    let toml = install
        .path()
        .join("datasets/ghent-playgrounds/dataset.toml");
    let config = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, config.replace("speelterreinen-gent", "nope")).unwrap();
    let wrong = install.vitrina(&["run", "ghent-playgrounds"]);
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("check `dataset`"),
        "{}",
        describe(&wrong)
    );
}

// ---------------------------------------------------------------- egov

use vitrina_tests::portals::{EgovPortal, EgovState};
use vitrina_tests::{copy_dir, repo_root};

#[test]
fn egov_demo_dataset_publishes_its_expected_rows() {
    let install = Install::new();
    copy_dir(
        &repo_root().join("datasets/burgas-schools"),
        &install.path().join("datasets/burgas-schools"),
    );
    let output = install.vitrina(&["run", "burgas-schools", "--output", "json"]);
    assert!(output.status.success(), "{}", describe(&output));
    let rows: Value = serde_json::from_slice(&output.stdout).unwrap();
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(
            repo_root().join("datasets/burgas-schools/fixtures/expected.json"),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(rows, expected);
}

fn egov_install(portal: &EgovPortal) -> Install {
    let install = Install::new();
    let host = portal.url();
    install.add_dataset(
        "kindergartens",
        &format!(
            "title = \"Детски градини\"\ndescription = \"From data.egov.bg\"\nplugin = \"egov\"\n\
             [fetch]\nallow = [\"{host}\"]\n\
             [config]\nportal = \"{host}\"\nresource = \"a1b2-c3\"\nkey = \"Код\"\n"
        ),
    );
    install
}

#[test]
fn egov_posts_for_a_resource_declares_its_header_and_follows_a_new_column() {
    let table = |extra: bool| {
        let mut header = vec!["Код", "Наименование", "Адрес"];
        if extra {
            header.push("Капацитет");
        }
        let mut rows = vec![json!(header)];
        for i in 1..=3 {
            let mut row = vec![
                json!(format!("DG-{i}")),
                json!(format!("ДГ „Звездица {i}“")),
                json!(format!("ул. „Шейново“ {i}")),
            ];
            if extra {
                row.push(json!(100 + i));
            }
            rows.push(json!(row));
        }
        json!(rows)
    };
    let portal = EgovPortal::start(EgovState {
        resources: vec![("a1b2-c3".into(), table(false))],
        delay: Some(Duration::from_millis(800)),
        ..EgovState::default()
    });
    let install = egov_install(&portal);
    let output = install.vitrina(&["run", "kindergartens"]);
    assert!(output.status.success(), "{}", describe(&output));
    let request = portal.requests()[0].clone();
    assert_eq!(
        (request.method.as_str(), request.target.as_str()),
        ("POST", "/api/getResourceData")
    );
    let body: Value = serde_json::from_slice(&request.body).unwrap();
    assert_eq!(body, json!({ "resource_uri": "a1b2-c3" }));
    portal.state().resources[0].1 = table(true);
    let output = install.vitrina(&["run", "kindergartens"]);
    assert!(output.status.success(), "{}", describe(&output));

    let server = Server::start(&install, &["--no-initial-runs"]);
    let first = json_at(&server, "/api/v1/datasets/kindergartens/versions/1");
    assert_eq!(
        field_types(&first["schema"]),
        [("kod", "text"), ("naimenovanie", "text"), ("adres", "text")]
            .map(|(n, t)| (n.to_string(), t.to_string()))
    );
    assert_eq!(first["schema"]["primary_key"], json!(["kod"]));
    let second = json_at(&server, "/api/v1/datasets/kindergartens/versions/2");
    assert_eq!(
        second["schema_changes"],
        json!([{ "change": "field_added", "field": "kapatsitet", "type": "text" }])
    );
    let row = json_at(&server, "/api/v1/datasets/kindergartens/rows/DG-2")["row"].clone();
    assert_eq!(row["naimenovanie"], "ДГ „Звездица 2“");
    assert_eq!(
        row["kapatsitet"], "102",
        "numbers the portal sends are kept as text"
    );
}

#[test]
fn egov_tells_a_portal_error_from_an_unknown_resource() {
    let portal = EgovPortal::start(EgovState {
        failures: 1,
        ..EgovState::default()
    });
    let install = egov_install(&portal);
    let down = install.vitrina(&["run", "kindergartens"]);
    assert!(!down.status.success());
    assert!(
        String::from_utf8_lossy(&down.stderr).contains("answered 500"),
        "{}",
        describe(&down)
    );
    let unknown = install.vitrina(&["run", "kindergartens"]);
    assert!(!unknown.status.success());
    let stderr = String::from_utf8_lossy(&unknown.stderr);
    assert!(
        stderr.contains("Resource not found") && stderr.contains("check `resource`"),
        "{stderr}"
    );
}
