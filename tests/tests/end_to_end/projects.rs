//! The projects plugin end to end: the real binary, the real plugin, its
//! fixtures served over HTTP on loopback and read through `file:` URLs,
//! compared row by row with `expected.json`.

use pretty_assertions::assert_eq;
use serde_json::Value;
use vitrina_tests::{FixtureServer, Install, describe, repo_root};

fn fixtures() -> std::path::PathBuf {
    repo_root().join("datasets/burgas-projects/fixtures")
}

/// The expected rows, with `source_url` rebased from `file:///` to `base`.
fn expected_rows(base: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).unwrap();
    let mut rows: Vec<Value> = serde_json::from_str(&text).unwrap();
    for row in &mut rows {
        let url = row["source_url"]
            .as_str()
            .unwrap()
            .replacen("file:///", base, 1);
        row["source_url"] = Value::String(url);
    }
    rows
}

fn dataset_toml(index_url: &str, allow: &str) -> String {
    format!(
        "title = \"Projects\"\ndescription = \"EU projects\"\nplugin = \"projects\"\nlicense = \"CC-BY-4.0\"\n\
         [fetch]\nallow = [{allow}]\n[config]\nindex_url = \"{index_url}\"\n"
    )
}

fn run_json(install: &Install, dataset: &str) -> Vec<Value> {
    let output = install.vitrina(&["run", dataset, "--output", "json"]);
    assert!(output.status.success(), "{}", describe(&output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", describe(&output)))
}

#[test]
fn projects_over_http_match_the_expected_rows() {
    let server = FixtureServer::start(&fixtures());
    let install = Install::new();
    let allow = format!("\"http://127.0.0.1:{}\"", server.port());
    install.add_dataset(
        "burgas-projects",
        &dataset_toml(&server.url("/index.html"), &allow),
    );

    let rows = run_json(&install, "burgas-projects");

    assert_eq!(rows, expected_rows(&server.url("/")));
    assert!(
        server.requests().contains(&"/index-2.html".to_string()),
        "pagination followed"
    );
}

#[test]
fn projects_through_file_urls_match_the_expected_rows() {
    let install = Install::new();
    install.add_dataset(
        "burgas-projects",
        &dataset_toml("file:///index.html", "\"https://www.burgas.bg\""),
    );
    install.copy_fixtures("burgas-projects", &fixtures());

    let rows = run_json(&install, "burgas-projects");

    assert_eq!(rows, expected_rows("file:///"));
}

#[test]
fn the_seed_page_gives_the_values_it_states() {
    let install = Install::new();
    install.add_dataset("burgas-projects", &dataset_toml("file:///index.html", ""));
    install.copy_fixtures("burgas-projects", &fixtures());

    let rows = run_json(&install, "burgas-projects");
    let seed = rows
        .iter()
        .find(|r| r["id"] == "inovativni-modeli")
        .expect("the seed project");

    assert_eq!(seed["budget"], "454090.00");
    assert_eq!(seed["currency"], "BGN");
    assert_eq!(seed["budget_eur"], "232172.53");
    assert_eq!(seed["start_month"], "2012-05");
    assert_eq!(seed["end_month"], "2013-11");
    assert_eq!(seed["duration_months"], 18);
    assert_eq!(seed["status"], "completed");
    assert_eq!(seed["partners"], serde_json::json!(["Община Гент, Белгия"]));
    assert_eq!(seed["contract_number"], "10-16-19/02.05.2012");
}

#[test]
fn csv_output_goes_to_a_file_only_when_the_run_succeeds() {
    let install = Install::new();
    install.add_dataset("burgas-projects", &dataset_toml("file:///index.html", ""));
    install.copy_fixtures("burgas-projects", &fixtures());
    let out = install.path().join("projects.csv");

    let output = install.vitrina(&[
        "run",
        "burgas-projects",
        "--output",
        "csv",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", describe(&output));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.starts_with("id,title,published,"), "{csv}");
    assert_eq!(csv.lines().count(), 1 + 8);

    // A run that fails leaves neither the file nor a partial one behind.
    std::fs::remove_file(&out).unwrap();
    let failing = install.vitrina(&[
        "run",
        "burgas-projects",
        "--set",
        "index_url=file:///missing.html",
        "--output",
        "csv",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(failing.status.code(), Some(1), "{}", describe(&failing));
    assert!(!out.exists());
    assert!(!out.with_extension("partial").exists());
}

#[test]
fn a_changed_page_fails_the_run_naming_the_page() {
    let server_root = tempfile::tempdir().unwrap();
    vitrina_tests::copy_dir(&fixtures(), server_root.path());
    std::fs::write(
        server_root.path().join("projects/akve-kalide.html"),
        "<html><body><p>Нова визия!</p></body></html>",
    )
    .unwrap();
    let server = FixtureServer::start(server_root.path());
    let install = Install::new();
    let allow = format!("\"http://127.0.0.1:{}\"", server.port());
    install.add_dataset(
        "burgas-projects",
        &dataset_toml(&server.url("/index.html"), &allow),
    );

    let output = install.vitrina(&["run", "burgas-projects"]);

    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("source changed"), "{stderr}");
    assert!(stderr.contains("akve-kalide.html"), "{stderr}");
    assert!(stderr.contains("plugin projects 0.1.0"), "{stderr}");
}

#[test]
fn check_reaches_the_source_without_collecting() {
    let server = FixtureServer::start(&fixtures());
    let install = Install::new();
    let allow = format!("\"http://127.0.0.1:{}\"", server.port());
    install.add_dataset(
        "burgas-projects",
        &dataset_toml(&server.url("/index.html"), &allow),
    );

    let output = install.vitrina(&["run", "burgas-projects", "--check"]);
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("lists 5 projects"),
        "{}",
        describe(&output)
    );
    assert_eq!(
        server.requests(),
        vec!["/index.html".to_string()],
        "check fetches only the index"
    );

    let missing = install.vitrina(&[
        "run",
        "burgas-projects",
        "--check",
        "--set",
        &format!("index_url={}", server.url("/status/503")),
    ]);
    assert_eq!(missing.status.code(), Some(1), "{}", describe(&missing));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("source unavailable"),
        "{}",
        describe(&missing)
    );
}

#[test]
fn a_host_not_allowed_is_refused_with_the_fix() {
    let server = FixtureServer::start(&fixtures());
    let install = Install::new();
    install.add_dataset(
        "burgas-projects",
        &dataset_toml(&server.url("/index.html"), "\"https://www.burgas.bg\""),
    );

    let output = install.vitrina(&["run", "burgas-projects"]);

    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("denied"), "{stderr}");
    assert!(stderr.contains("not allowed for this dataset"), "{stderr}");
    assert!(server.requests().is_empty(), "nothing reached the server");
}

#[test]
fn runs_are_kept_in_the_history() {
    let install = Install::new();
    install.add_dataset("burgas-projects", &dataset_toml("file:///index.html", ""));
    install.copy_fixtures("burgas-projects", &fixtures());
    let first = install.vitrina(&["run", "burgas-projects"]);
    assert!(first.status.success(), "{}", describe(&first));
    let failed = install.vitrina(&[
        "run",
        "burgas-projects",
        "--set",
        "index_url=file:///missing.html",
    ]);
    assert_eq!(failed.status.code(), Some(1));

    let history = install.vitrina(&["runs", "burgas-projects"]);
    assert!(history.status.success(), "{}", describe(&history));
    let text = String::from_utf8_lossy(&history.stdout);
    let outcomes: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(2))
        .collect();
    assert_eq!(outcomes, vec!["failed", "published"], "{text}");
    assert!(
        text.contains("source_changed"),
        "the failure's kind is listed: {text}"
    );

    let run_id = text
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let shown = install.vitrina(&["runs", "show", run_id]);
    let run: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(run["outcome"], "failed");
    assert!(
        run["report"]["logs"]
            .as_array()
            .is_some_and(|l| !l.is_empty()),
        "the run's log is kept"
    );
}
