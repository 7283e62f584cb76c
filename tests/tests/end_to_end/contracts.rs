//! Contract versions side by side, through the real binary: a plugin built
//! against 0.1.0 from the frozen WIT runs unchanged beside plugins built on
//! 0.2.0, and 0.2.0's streams whose fields come from the source are
//! declared, validated, published and versioned like any other.

use serde_json::{Value, json};
use vitrina_tests::{Install, Server, describe, get};

/// An installation with the rows plugin (0.2.0) and `others` of the
/// development plugins beside it.
fn install_with(others: &[&str]) -> Install {
    let install = Install::with_rows_plugin("");
    for id in others {
        let wasm = vitrina_bundle::development_component(id)
            .unwrap_or_else(|| panic!("the {id} plugin is built"));
        std::fs::copy(wasm, install.path().join(format!("plugins/{id}.wasm"))).unwrap();
    }
    install
}

fn run_ok(install: &Install, dataset: &str) -> String {
    let output = install.vitrina(&["run", dataset]);
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json_at(server: &Server, path: &str) -> Value {
    let response = get(&server.addr, path);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.json()
}

#[test]
fn a_plugin_built_against_0_1_0_runs_unchanged_beside_0_2_0_ones() {
    let install = install_with(&["legacy"]);
    let fixtures = install.add_dataset(
        "readings",
        "title = \"Readings\"\ndescription = \"Old plugin\"\nplugin = \"legacy\"\n\
         [config]\nrows = \"4\"\nsource = \"file:///note.txt\"\n",
    );
    let fixtures = fixtures.join("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    std::fs::write(fixtures.join("note.txt"), "twenty-one bytes long").unwrap();
    install.add_dataset(
        "contracts",
        "title = \"Contracts\"\ndescription = \"New plugin\"\nplugin = \"rows\"\n[config]\nrows = \"2\"\n",
    );

    // Each plugin shows the contract it was built against.
    let listed = install.vitrina(&["plugins"]);
    assert!(listed.status.success(), "{}", describe(&listed));
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    let line = |id: &str| {
        listed
            .lines()
            .find(|l| l.starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("{id} is listed:\n{listed}"))
            .to_string()
    };
    assert!(line("legacy").contains("vitrina:plugin@0.1.0"), "{listed}");
    assert!(line("rows").contains("vitrina:plugin@0.2.0"), "{listed}");

    // Both run and publish; the old one's bookmark comes back to it.
    run_ok(&install, "readings");
    run_ok(&install, "contracts");
    let output = install.vitrina(&["run", "readings", "--output", "ndjson"]);
    assert!(output.status.success(), "{}", describe(&output));
    let rows = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(rows.contains(r#""note":"source of 21 bytes""#), "{rows}");
    assert!(
        rows.contains(r#""note":"reading 2 after 1 runs""#),
        "{rows}"
    );

    let server = Server::start(&install, &["--no-initial-runs"]);
    let readings = json_at(&server, "/api/v1/datasets/readings/versions/1");
    assert_eq!(readings["contract"], "0.1.0", "{readings:#}");
    assert_eq!(readings["row_count"], 4);
    let contracts = json_at(&server, "/api/v1/datasets/contracts/versions/1");
    assert_eq!(contracts["contract"], "0.2.0", "{contracts:#}");
}

/// The harvested file, and a dataset over it.
fn harvest_install(csv: &str) -> (Install, std::path::PathBuf) {
    let install = install_with(&["harvest"]);
    let dir = install.add_dataset(
        "grants",
        "title = \"Grants\"\ndescription = \"Harvested\"\nplugin = \"harvest\"\n\
         [config]\nsource = \"file:///grants.csv\"\nkey = \"id\"\ndecimals = \"amount\"\n",
    );
    let fixtures = dir.join("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    let file = fixtures.join("grants.csv");
    std::fs::write(&file, csv).unwrap();
    (install, file)
}

fn field_names(schema: &Value) -> Vec<&str> {
    schema["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect()
}

#[test]
fn a_stream_takes_its_fields_from_the_source_and_a_new_column_is_a_schema_change() {
    // Windows-1251, as Bulgarian exports often are: decoded by the host.
    let (install, file) = harvest_install("");
    let (first, _, _) =
        encoding_rs::WINDOWS_1251.encode("id;name;amount\nG-1;Читалище;1 234,50\nG-2;Клуб;980\n");
    std::fs::write(&file, &*first).unwrap();

    let listed = install.vitrina(&["plugins"]);
    let listed = String::from_utf8_lossy(&listed.stdout).into_owned();
    assert!(
        listed.contains("stream records (fields and key from the source"),
        "{listed}"
    );
    run_ok(&install, "grants");
    // The source grows a column: the next version's schema says so.
    std::fs::write(
        &file,
        "id;name;amount;district\nG-1;Читалище;1 234,50;Център\nG-2;Клуб;980;Изгрев\n",
    )
    .unwrap();
    run_ok(&install, "grants");

    let server = Server::start(&install, &["--no-initial-runs"]);
    let first = json_at(&server, "/api/v1/datasets/grants/versions/1");
    assert_eq!(field_names(&first["schema"]), ["id", "name", "amount"]);
    assert_eq!(first["schema"]["primary_key"], json!(["id"]));
    let second = json_at(&server, "/api/v1/datasets/grants/versions/2");
    assert_eq!(
        field_names(&second["schema"]),
        ["id", "name", "amount", "district"]
    );
    assert_eq!(
        second["schema_changes"],
        json!([{ "change": "field_added", "field": "district", "type": "text" }])
    );
    // Decoded, cleaned and read as Bulgarian numbers by the host.
    let rows = json_at(&server, "/api/v1/datasets/grants/rows?sort=id");
    assert_eq!(rows["rows"][0]["name"], "Читалище");
    assert_eq!(rows["rows"][0]["amount"], "1234.50");
    assert_eq!(rows["rows"][1]["district"], "Изгрев");
}

#[test]
fn rows_before_the_declaration_fail_the_run_and_publish_nothing() {
    let (install, file) = harvest_install("id,name\nG-1,Читалище\n");
    let toml = install.path().join("datasets/grants/dataset.toml");
    let config = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, format!("{config}write_first = \"true\"\n")).unwrap();
    let output = install.vitrina(&["run", "grants"]);
    assert!(!output.status.success(), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("takes its fields from the source: declare them"),
        "{stderr}"
    );
    // A file without the key column: the plugin says the source changed.
    std::fs::write(&toml, config.replace("write_first", "unused")).unwrap();
    std::fs::write(&file, "code,name\nG-1,Читалище\n").unwrap();
    let output = install.vitrina(&["run", "grants"]);
    assert!(!output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("has no `id` column"),
        "{}",
        describe(&output)
    );
}
