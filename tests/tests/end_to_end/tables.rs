//! A plugin with two streams, through the real binary: contracts and their
//! lots are one dataset of two tables, published together as one version,
//! each with its rows, changes, downloads and a resource in the version's
//! `datapackage.json`; the first stream stays at the dataset's own
//! addresses.

use serde_json::Value;
use vitrina_tests::{Install, Server, describe, get};

/// A `tenders` dataset of `rows` contracts with `lots` lots each.
fn tenders(install: &Install, rows: u32, lots: u32, revision: u32) {
    install.add_dataset(
        "tenders",
        &format!(
            "title = \"Tenders\"\ndescription = \"Contracts and their lots\"\nplugin = \"rows\"\n\
             [config]\nrows = \"{rows}\"\nlots = \"{lots}\"\nrevision = \"{revision}\"\n"
        ),
    );
}

fn run(install: &Install) {
    let output = install.vitrina(&["run", "tenders"]);
    assert!(output.status.success(), "{}", describe(&output));
}

fn json(server: &Server, path: &str) -> Value {
    let response = get(&server.addr, path);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.json()
}

#[test]
fn every_stream_of_a_plugin_is_a_table_of_one_version() {
    let install = Install::with_rows_plugin("");
    tenders(&install, 3, 2, 0);
    run(&install);
    // A second run where every lot's value moves and the contracts' too.
    tenders(&install, 3, 2, 1);
    run(&install);
    let server = Server::start(&install, &["--no-initial-runs"]);
    let dataset = "/api/v1/datasets/tenders";

    // The dataset lists its further table, at the same version.
    let detail = json(&server, dataset);
    assert_eq!(detail["version"], 2);
    let tables = detail["tables"].as_array().expect("a list of tables");
    assert_eq!(tables.len(), 1, "{detail:#}");
    assert_eq!(tables[0]["name"], "lots");
    assert_eq!(tables[0]["version"], 2);
    assert_eq!(tables[0]["row_count"], 6);
    assert_eq!(tables[0]["primary_key"], serde_json::json!(["ocid", "lot"]));
    assert_eq!(
        json(&server, &format!("{dataset}/tables"))["tables"],
        detail["tables"]
    );
    // The catalog lists datasets, never their tables.
    let catalog = json(&server, "/api/v1/datasets");
    assert_eq!(catalog["total"], 1);

    // The first stream answers where it always has.
    let contracts = json(&server, &format!("{dataset}/rows"));
    assert_eq!(contracts["rows"].as_array().unwrap().len(), 3);
    assert!(contracts["rows"][0].get("bids").is_some());

    // The lots: pages, filters, one row, its table's own schema.
    let lots_url = format!("{dataset}/tables/lots");
    let table = json(&server, &lots_url);
    assert_eq!(table["dataset"], "tenders");
    assert_eq!(table["table"], "lots");
    let names: Vec<&str> = table["schema"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ocid", "lot", "title", "value"]);
    let second_lots = json(&server, &format!("{lots_url}/rows?lot=2&sort=ocid"));
    let ocids: Vec<&str> = second_lots["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ocid"].as_str().unwrap())
        .collect();
    assert_eq!(
        ocids,
        [
            "ocds-b5fd17-00000000",
            "ocds-b5fd17-00000001",
            "ocds-b5fd17-00000002"
        ]
    );
    let page = json(&server, &format!("{lots_url}/rows?limit=4"));
    let next = page["next_url"].as_str().expect("a next page");
    assert!(next.contains("/tables/lots/rows?"), "{next}");
    let one = json(&server, &format!("{lots_url}/rows/ocds-b5fd17-00000001,2"));
    assert_eq!(one["row"]["value"], "20000.01");

    // Changes between the two versions, table by table.
    let changes = json(&server, &format!("{lots_url}/changes?from=1&to=2"));
    assert_eq!(
        changes["changed"].as_array().unwrap().len(),
        6,
        "{changes:#}"
    );
    assert_eq!(changes["added"].as_array().unwrap().len(), 0);
    let versions = json(&server, &format!("{lots_url}/versions"));
    assert_eq!(versions["versions"].as_array().unwrap().len(), 2);

    // Downloads: the table's CSV at its own address and inside its
    // dataset's version folder, where the Data Package points.
    let csv = get(&server.addr, &format!("{lots_url}/versions/2/data.csv"));
    assert_eq!(csv.status, 200, "{}", csv.text());
    let text = csv.text();
    assert_eq!(text.lines().count(), 7, "{text}");
    assert_eq!(text.lines().next(), Some("ocid,lot,title,value"));
    let package = json(&server, &format!("{dataset}/versions/2/datapackage.json"));
    let resources = package["resources"].as_array().unwrap();
    let paths: Vec<&str> = resources
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    // The main table's CSV, the further table's, then the main table's
    // JSON download.
    assert_eq!(paths, ["data.csv", "tables/lots/data.csv", "data.json"]);
    assert_eq!(resources[1]["stats"]["rows"], 6);
    assert_eq!(
        resources[1]["schema"]["primaryKey"],
        serde_json::json!(["ocid", "lot"])
    );
    let beside = get(&server.addr, &format!("{dataset}/versions/2/{}", paths[1]));
    assert_eq!(beside.status, 200);
    assert_eq!(beside.body, csv.body);
    let latest = get(
        &server.addr,
        &format!("{dataset}/latest/tables/lots/data.csv"),
    );
    assert_eq!(latest.body, csv.body);
    let older = get(&server.addr, &format!("{lots_url}/versions/1/data.csv"));
    assert_ne!(older.body, csv.body, "version 1 keeps its own lots");

    // The dataset's page lists the table with its downloads.
    let page = get(&server.addr, "/datasets/tenders?lang=en");
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("id=\"table-lots\""), "{html}");
    assert!(html.contains("/api/v1/datasets/tenders/tables/lots/rows"));
    assert!(html.contains("/api/v1/datasets/tenders/tables/lots/versions/2/data.csv"));

    // Names that are no table answer 404 and say where the tables are.
    let missing = get(&server.addr, &format!("{dataset}/tables/bids/rows"));
    assert_eq!(missing.status, 404);
    assert!(
        missing.text().contains("/api/v1/datasets/tenders/tables"),
        "{}",
        missing.text()
    );
    assert_eq!(
        get(&server.addr, "/api/v1/datasets/tenders.lots/rows").status,
        404
    );
}
