//! A plugin's next release renames a field, through the real binary: the
//! version that follows says so (a rename, not a field lost and another
//! found), shows the schema it replaced, and the feed and the page say it
//! too; rows of the version before keep their own schema.

use serde_json::{Value, json};
use vitrina_tests::{Install, Server, describe, get};

fn run(install: &Install) {
    let output = install.vitrina(&["run", "contracts"]);
    assert!(output.status.success(), "{}", describe(&output));
}

fn json_at(server: &Server, path: &str) -> Value {
    let response = get(&server.addr, path);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.json()
}

fn field_names(schema: &Value) -> Vec<String> {
    schema["fields"]
        .as_array()
        .expect("a schema's fields")
        .iter()
        .map(|f| f["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_renamed_field_is_announced_and_old_versions_keep_their_schema() {
    let install = Install::with_rows_plugin("");
    install.add_dataset(
        "contracts",
        "title = \"Contracts\"\ndescription = \"Generated\"\nplugin = \"rows\"\n[config]\nrows = \"3\"\n",
    );
    run(&install);
    // The plugin's next release: `bids` is now `offers`.
    let renamed = vitrina_bundle::development_component("rows-renamed")
        .expect("the rows-renamed plugin is built");
    std::fs::copy(renamed, install.path().join("plugins/rows.wasm")).unwrap();
    run(&install);
    let server = Server::start(&install, &["--no-initial-runs"]);

    let second = json_at(&server, "/api/v1/datasets/contracts/versions/2");
    assert_eq!(
        second["schema_changes"],
        json!([{ "change": "field_renamed", "from": "bids", "to": "offers" }])
    );
    let before = field_names(&second["previous_schema"]);
    let after = field_names(&second["schema"]);
    assert_eq!(before.last().map(String::as_str), Some("bids"));
    assert_eq!(after.last().map(String::as_str), Some("offers"));
    let first = json_at(&server, "/api/v1/datasets/contracts/versions/1");
    assert!(first.get("previous_schema").is_none(), "{first:#}");

    // Rows of each version in that version's own schema.
    let old = json_at(&server, "/api/v1/datasets/contracts/rows?as_of=1&limit=1");
    assert!(old["rows"][0].get("bids").is_some(), "{old:#}");
    assert!(old["rows"][0].get("offers").is_none(), "{old:#}");
    let new = json_at(&server, "/api/v1/datasets/contracts/rows?limit=1");
    assert_eq!(new["rows"][0]["offers"], old["rows"][0]["bids"]);

    // The feed entry and the page say so, in words.
    let words = "field `bids` renamed `offers`";
    let feed = get(&server.addr, "/datasets/contracts/feed.atom?lang=en").text();
    assert!(feed.contains(words), "{feed}");
    let page = get(&server.addr, "/datasets/contracts?lang=en").text();
    assert!(page.contains(words), "{page}");
}

/// A dataset that merges each run into the current version cannot carry
/// rows of the old schema into the new one: the run after the upgrade
/// collects everything instead, as a full refresh would, and says why,
/// rather than failing every scheduled run until an operator steps in.
#[test]
fn a_merging_dataset_refreshes_in_full_when_the_plugin_changed_its_fields() {
    let install = Install::with_rows_plugin("");
    let dataset = |rows: u32| {
        format!(
            "title = \"Contracts\"\ndescription = \"Generated\"\nplugin = \"rows\"\npublish = \"merge\"\n[config]\nrows = \"{rows}\"\n"
        )
    };
    install.add_dataset("contracts", &dataset(5));
    run(&install);
    let renamed = vitrina_bundle::development_component("rows-renamed")
        .expect("the rows-renamed plugin is built");
    std::fs::copy(renamed, install.path().join("plugins/rows.wasm")).unwrap();
    // Fewer rows this time: a merge would carry the other two over.
    install.add_dataset("contracts", &dataset(3));
    let output = install.vitrina(&["run", "contracts"]);
    assert!(output.status.success(), "{}", describe(&output));
    let log = String::from_utf8_lossy(&output.stderr);
    assert!(
        log.contains("full refresh") && log.contains("field `bids` renamed `offers`"),
        "{log}"
    );
    assert!(
        log.contains("warning: run as a full refresh"),
        "the run's report says so too: {log}"
    );
    let server = Server::start(&install, &["--no-initial-runs"]);
    let second = json_at(&server, "/api/v1/datasets/contracts/versions/2");
    assert_eq!(second["row_count"], 3, "{second:#}");
    assert_eq!(
        second["schema_changes"],
        json!([{ "change": "field_renamed", "from": "bids", "to": "offers" }])
    );
}
