//! The bundled municipal datasets end to end, on the real binary: each one
//! published from its fixtures equals its `expected.json` row for row (the
//! rows held to the dataset's profile on the way), and `vitrina serve` on
//! the whole folder, as on a fresh clone, publishes every dataset with its
//! profile, its `datapackage.json` and its standard rendering.

use std::io::Read;

use pretty_assertions::assert_eq;
use serde_json::Value;
use vitrina_tests::{
    Install, Server, copy_dir, describe, get, http, repo_root, wait_for_compressed,
};

/// The bundled datasets and the profile each follows.
const DATASETS: &[(&str, &str)] = &[
    ("burgas-budget", "budget"),
    ("burgas-council-decisions", "decision"),
    ("burgas-procurements", "procurement"),
    ("burgas-projects", "project"),
];

/// An installation holding a copy of the repository's dataset folders.
fn install_with(datasets: &[&str]) -> Install {
    let install = Install::new();
    for id in datasets {
        copy_dir(
            &repo_root().join("datasets").join(id),
            &install.path().join("datasets").join(id),
        );
    }
    install
}

fn expected(id: &str) -> Vec<Value> {
    let path = repo_root()
        .join("datasets")
        .join(id)
        .join("fixtures/expected.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_bundled_dataset_publishes_its_expected_rows() {
    for (id, _) in DATASETS {
        let install = install_with(&[id]);
        let output = install.vitrina(&["run", id, "--output", "json"]);
        assert!(output.status.success(), "{id}: {}", describe(&output));
        let rows: Vec<Value> = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(rows, expected(id), "{id}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("published version 1"), "{id}: {stderr}");
    }
}

#[test]
fn serve_on_a_fresh_install_publishes_every_dataset_with_its_standard_files() {
    let ids: Vec<&str> = DATASETS.iter().map(|(id, _)| *id).collect();
    let install = install_with(&ids);
    let server = Server::start(&install, &["--no-schedule"]);

    let catalog = get(&server.addr, "/api/v1/datasets").json();
    for (id, profile) in DATASETS {
        let entry = catalog["datasets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == *id)
            .unwrap_or_else(|| panic!("{id} is not in the catalog: {catalog}"));
        assert_eq!(entry["version"], 1, "{id}: {entry}");
        assert_eq!(entry["row_count"], expected(id).len(), "{id}");
        assert_eq!(entry["profile"], *profile, "{id}");
        assert_eq!(
            get(&server.addr, &format!("/api/v1/profiles/{profile}")).status,
            200
        );

        let package = get(
            &server.addr,
            &format!("/api/v1/datasets/{id}/latest/datapackage.json"),
        );
        assert_eq!(package.status, 200, "{id}: {}", package.text());
        let package = package.json();
        assert_eq!(package["resources"][0]["path"], "data.csv");
        assert_eq!(package["resources"][0]["stats"]["rows"], expected(id).len());
        let profile_doc = get(&server.addr, &format!("/api/v1/profiles/{profile}")).json();
        assert_eq!(
            package["resources"][0]["schema"]["primaryKey"], profile_doc["primaryKey"],
            "{id}"
        );
    }

    let budget = get(
        &server.addr,
        "/api/v1/datasets/burgas-budget/versions/1/fiscal-datapackage.json",
    );
    assert_eq!(budget.status, 200, "{}", budget.text());
    assert_eq!(
        budget.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    let budget = budget.json();
    // The fiscal table beside it, by a path that survives a new public_url.
    assert_eq!(budget["resources"][0]["path"], "fiscal.csv");
    let model = &budget["model"];
    let executed = &model["measures"]["expenditure_executed_eur"];
    assert_eq!(executed["currency"], "EUR");
    assert_eq!(executed["direction"], "expenditure");
    assert_eq!(executed["phase"], "executed");
    assert!(
        model["dimensions"]
            .as_object()
            .is_some_and(|d| !d.is_empty())
    );

    let popolo = get(
        &server.addr,
        "/api/v1/datasets/burgas-council-decisions/latest/popolo.json",
    );
    assert_eq!(popolo.status, 200, "{}", popolo.text());
    let motions = popolo.json()["motions"].as_array().unwrap().len();
    assert_eq!(motions, expected("burgas-council-decisions").len());
    // The metadata says how many decisions lack a readable vote or result.
    let unread = expected("burgas-council-decisions")
        .iter()
        .filter(|d| d["vote_type"] == "unknown" || d["result"] == "unknown")
        .count();
    let decisions = get(&server.addr, "/api/v1/datasets/burgas-council-decisions").json();
    assert_eq!(
        decisions["quality"]["decisions_with_unread_vote"], unread,
        "{decisions}"
    );
    let projects = get(&server.addr, "/api/v1/datasets/burgas-projects").json();
    assert_eq!(projects["quality"], serde_json::json!({}), "{projects}");

    check_catalog_search(&server.addr);
    check_row_search(&server.addr);

    let ocds = get(
        &server.addr,
        "/api/v1/datasets/burgas-procurements/ocds/releases.json",
    );
    assert_eq!(ocds.status, 200, "{}", ocds.text());
    let package = ocds.json();
    assert_eq!(package["version"], "1.1");
    assert_eq!(
        package["releases"].as_array().unwrap().len(),
        expected("burgas-procurements").len()
    );
    assert!(
        ocds.header("content-location")
            .is_some_and(|l| l.ends_with("/versions/1/ocds.json")),
        "{:?}",
        ocds.header("content-location")
    );
    assert_eq!(
        package["publisher"],
        serde_json::json!({"name": "Община Бургас / Municipality of Burgas", "scheme": "BG-EIK", "uid": "000056814"})
    );
    // Each procurement's releases compiled into one record.
    let records = get(
        &server.addr,
        "/api/v1/datasets/burgas-procurements/ocds/records.json",
    );
    assert_eq!(records.status, 200, "{}", records.text());
    let records = records.json();
    let ocids: std::collections::BTreeSet<&str> = package["releases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["ocid"].as_str())
        .collect();
    assert_eq!(records["records"].as_array().unwrap().len(), ocids.len());
    assert_eq!(records["packages"][0], package["uri"]);
    // The demo reads bundled files, and says so wherever it is described.
    let about = get(&server.addr, "/api/v1/datasets/burgas-procurements").json();
    assert_eq!(about["sample"], true, "{about}");
    assert_eq!(about["sources"][0]["path"], "https://app.eop.bg", "{about}");
    let descriptor = get(
        &server.addr,
        "/api/v1/datasets/burgas-procurements/latest/datapackage.json",
    )
    .json();
    assert_eq!(descriptor["sample"], true);
    assert_eq!(descriptor["sources"], about["sources"]);
    assert_eq!(descriptor["resources"][1]["path"], "data.json");
    // The demo's ocid prefix is a placeholder, and every start says so.
    assert!(
        server
            .log()
            .iter()
            .any(|line| line.contains("burgas-procurements")
                && line.contains("ocid prefix `ocds-bgbu01`")),
        "{:#?}",
        server.log()
    );

    check_standard_files_compressed(&server.addr);

    // A dataset whose profile has no such rendering says so.
    let missing = get(
        &server.addr,
        "/api/v1/datasets/burgas-projects/latest/fiscal-datapackage.json",
    );
    assert_eq!(missing.status, 404);
}

#[test]
fn incremental_datasets_keep_their_rows_when_a_run_finds_nothing_new() {
    for id in ["burgas-council-decisions", "burgas-procurements"] {
        let install = install_with(&[id]);
        let first = install.vitrina(&["run", id]);
        assert!(first.status.success(), "{id}: {}", describe(&first));
        // The second run reads only what changed since the first (nothing):
        // merge publishing keeps every row, so nothing is published.
        let second = install.vitrina(&["run", id]);
        assert!(second.status.success(), "{id}: {}", describe(&second));
        let stderr = String::from_utf8_lossy(&second.stderr);
        assert!(stderr.contains("unchanged"), "{id}: {stderr}");
        let server = Server::start(&install, &["--no-schedule", "--no-initial-runs"]);
        let dataset = get(&server.addr, &format!("/api/v1/datasets/{id}")).json();
        assert_eq!(dataset["version"], 1, "{id}: {dataset}");
        assert_eq!(dataset["row_count"], expected(id).len(), "{id}");
    }
}

/// The standard files of a version are served like the downloads: brotli
/// and gzip copies written in the background, each coding with its own
/// ETag, and a `Range` answered from the uncompressed bytes.
/// The ids a catalog search finds, best first, and its whole answer.
fn search(addr: &str, query: &str) -> (Vec<String>, Value) {
    let response = get(addr, &format!("/api/v1/datasets?{query}"));
    assert_eq!(response.status, 200, "{query}: {}", response.text());
    let answer = response.json();
    let ids = answer["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    (ids, answer)
}

fn check_catalog_search(addr: &str) {
    // Bulgarian with an ending, its Latin transliteration, English.
    for q in [
        "%D0%B1%D1%8E%D0%B4%D0%B6%D0%B5%D1%82%D0%B8",
        "byudzhet",
        "budget",
    ] {
        let (ids, _) = search(addr, &format!("q={q}"));
        assert_eq!(
            ids.first().map(String::as_str),
            Some("burgas-budget"),
            "{q}: {ids:?}"
        );
    }
    // `Бургас` and `Burgas` find every dataset of the municipality.
    let (cyrillic, answer) = search(addr, "q=%D0%91%D1%83%D1%80%D0%B3%D0%B0%D1%81");
    assert_eq!(answer["total"], 4, "{answer}");
    assert_eq!(cyrillic, search(addr, "q=Burgas").0);
    let (ids, _) = search(addr, "q=reshenia");
    assert_eq!(ids, ["burgas-council-decisions"]);
    // Facets filter, and count what was found.
    let (ids, answer) = search(addr, "theme=ECON");
    assert_eq!(ids.len(), 3, "{ids:?}");
    let themes = &answer["facets"]["theme"];
    assert_eq!(
        themes[0],
        serde_json::json!({"value": "ECON", "count": 3}),
        "{answer}"
    );
    assert_eq!(
        search(addr, "format=popolo").0,
        ["burgas-council-decisions"]
    );
    assert_eq!(
        search(addr, "profile=procurement&q=contracts").0,
        ["burgas-procurements"]
    );
    let (ids, answer) = search(addr, "q=nothing+like+this");
    assert!(ids.is_empty() && answer["total"] == 0, "{answer}");
    // Pages.
    let (first, answer) = search(addr, "limit=3");
    assert_eq!(first.len(), 3);
    let next = answer["links"]["next"]
        .as_str()
        .expect("a next page")
        .to_string();
    let rest = get(addr, &next[next.find("/api/").unwrap()..]).json();
    assert_eq!(rest["offset"], 3, "{rest}");
    assert_eq!(rest["datasets"].as_array().unwrap().len(), 1);
    assert_eq!(rest["links"]["next"], Value::Null);
    assert_eq!(get(addr, "/api/v1/datasets?limit=0").status, 400);
    assert_eq!(get(addr, "/api/v1/datasets?colour=red").status, 400);
}

/// Full-text search inside a dataset finds the council's decision about
/// the `Зелен градски транспорт` project by its words, in either script,
/// and combines with filters and paging.
fn check_row_search(addr: &str) {
    let base = "/api/v1/datasets/burgas-council-decisions/rows";
    let expected_ids: Vec<String> = expected("burgas-council-decisions")
        .iter()
        .filter(|d| {
            d.as_object().unwrap().values().any(|v| {
                v.as_str()
                    .is_some_and(|s| s.contains("Зелен градски транспорт"))
            })
        })
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert!(!expected_ids.is_empty());
    let ids = |query: &str| -> Vec<String> {
        let response = get(addr, &format!("{base}?{query}&fields=id&limit=1000"));
        assert_eq!(response.status, 200, "{query}: {}", response.text());
        response.json()["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap().to_string())
            .collect()
    };
    // `Зелен транспорт`, and the same in Latin letters.
    let cyrillic = ids(
        "q=%D0%97%D0%B5%D0%BB%D0%B5%D0%BD%20%D1%82%D1%80%D0%B0%D0%BD%D1%81%D0%BF%D0%BE%D1%80%D1%82",
    );
    let mut sorted = cyrillic.clone();
    sorted.sort();
    let mut wanted = expected_ids.clone();
    wanted.sort();
    assert_eq!(sorted, wanted);
    assert_eq!(ids("q=zelen+transport"), cyrillic);
    // Combined with a filter that excludes them all.
    assert!(ids("q=zelen+transport&result=withdrawn&result__ne=adopted").is_empty());
    // Words nobody wrote find nothing; an over-long search is refused.
    assert!(ids("q=xyzzyplugh").is_empty());
    let long = "a".repeat(501);
    assert_eq!(get(addr, &format!("{base}?q={long}")).status, 400);
}

fn check_standard_files_compressed(addr: &str) {
    for path in [
        "/api/v1/datasets/burgas-procurements/versions/1/ocds.json",
        "/api/v1/datasets/burgas-procurements/ocds/releases.json",
        "/api/v1/datasets/burgas-budget/latest/fiscal-datapackage.json",
        "/api/v1/datasets/burgas-council-decisions/versions/1/popolo.json",
        "/api/v1/datasets/burgas-projects/versions/1/datapackage.json",
    ] {
        let identity = get(addr, path);
        assert_eq!(identity.status, 200, "{path}: {}", identity.text());
        assert_eq!(identity.header("content-encoding"), None, "{path}");
        assert_eq!(identity.header("accept-ranges"), Some("bytes"), "{path}");
        let etag = identity.header("etag").unwrap().to_string();

        let br = wait_for_compressed(addr, path, "br");
        let mut decoded = Vec::new();
        brotli::Decompressor::new(&br.body[..], 4096)
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, identity.body, "{path}: brotli decodes to the file");
        assert_eq!(
            br.header("etag"),
            Some(format!("{}-br\"", etag.trim_end_matches('"')).as_str())
        );
        assert_eq!(br.header("vary"), Some("Accept-Encoding"));

        let gzip = wait_for_compressed(addr, path, "gzip");
        let mut decoded = Vec::new();
        flate2::read::GzDecoder::new(&gzip.body[..])
            .read_to_end(&mut decoded)
            .unwrap();
        assert_eq!(decoded, identity.body, "{path}: gzip decodes to the file");
        assert_eq!(
            gzip.header("etag"),
            Some(format!("{}-gz\"", etag.trim_end_matches('"')).as_str())
        );
        let again = http(
            addr,
            "GET",
            path,
            &[
                ("Accept-Encoding", "gzip"),
                ("If-None-Match", gzip.header("etag").unwrap()),
            ],
        );
        assert_eq!(again.status, 304, "{path}");

        // A range is of the uncompressed file, whatever the client accepts.
        let range = http(
            addr,
            "GET",
            path,
            &[("Accept-Encoding", "br, gzip"), ("Range", "bytes=5-24")],
        );
        assert_eq!(range.status, 206, "{path}: {}", range.text());
        assert_eq!(range.header("content-encoding"), None, "{path}");
        assert_eq!(range.body, identity.body[5..25].to_vec(), "{path}");
        assert_eq!(
            range.header("content-range"),
            Some(format!("bytes 5-24/{}", identity.body.len()).as_str())
        );
    }
}

/// The OCDS packages must name their own absolute URL; when the portal
/// moves, they are written again with the new one, and their ETag follows.
#[test]
fn a_moved_portal_rewrites_the_ocds_packages_with_its_new_address() {
    let install = install_with(&["burgas-procurements"]);
    let config = install.config_path();
    let base_config = std::fs::read_to_string(&config).unwrap();
    let with_url = |url: &str| {
        std::fs::write(
            &config,
            format!("{base_config}\n[server]\npublic_url = \"{url}\"\n"),
        )
        .unwrap();
    };
    let releases = "/api/v1/datasets/burgas-procurements/versions/1/ocds.json";
    let records = "/api/v1/datasets/burgas-procurements/versions/1/ocds-records.json";

    with_url("https://old.example");
    let server = Server::start(&install, &["--no-schedule"]);
    let before = get(&server.addr, releases);
    assert_eq!(before.status, 200, "{}", before.text());
    assert!(
        before.json()["uri"]
            .as_str()
            .unwrap()
            .starts_with("https://old.example/api/v1/datasets/burgas-procurements/versions/1/"),
        "{}",
        before.json()["uri"]
    );
    let old_etag = before.header("etag").unwrap().to_string();
    server.terminate();

    with_url("https://data.burgas.example");
    let server = Server::start(&install, &["--no-schedule", "--no-initial-runs"]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let after = loop {
        let answer = get(&server.addr, releases);
        if answer.json()["uri"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://data.burgas.example/"))
        {
            break answer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the package still names the old address: {}",
            answer.json()["uri"]
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert_ne!(after.header("etag").unwrap(), old_etag);
    assert_eq!(
        after.json()["releases"].as_array().unwrap().len(),
        before.json()["releases"].as_array().unwrap().len()
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let package = get(&server.addr, records).json();
        if package["packages"][0] == after.json()["uri"] {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{}",
            package["packages"]
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // The compressed copy is of the new bytes too.
    let gzip = wait_for_compressed(&server.addr, releases, "gzip");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(gzip.body.as_slice()),
        &mut text,
    )
    .unwrap();
    assert!(
        text.contains("\"uri\":\"https://data.burgas.example/"),
        "{}",
        &text[..200.min(text.len())]
    );
    // A reload that moves it again rewrites them again.
    with_url("https://opendata.burgas.example");
    server.signal("HUP");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !get(&server.addr, releases).json()["uri"]
        .as_str()
        .is_some_and(|u| u.starts_with("https://opendata.burgas.example/"))
    {
        assert!(
            std::time::Instant::now() < deadline,
            "a reload left the old address"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Nothing else names any address: the data package's paths are
    // relative.
    let descriptor = get(
        &server.addr,
        "/api/v1/datasets/burgas-procurements/versions/1/datapackage.json",
    )
    .text();
    for address in [
        "old.example",
        "data.burgas.example",
        "opendata.burgas.example",
    ] {
        assert!(!descriptor.contains(address), "{descriptor}");
    }
}

/// A procurement's record lists every state its contracts have had, one
/// release each, from the versions that published them.
#[test]
fn a_procurements_record_keeps_the_release_of_each_state_of_its_contracts() {
    let install = install_with(&["burgas-procurements"]);
    let first = install.vitrina(&["run", "burgas-procurements"]);
    assert!(first.status.success(), "{}", describe(&first));
    // The register corrects the newest notice: one more offer, later.
    let notices = install
        .path()
        .join("datasets/burgas-procurements/fixtures/notices-1.json");
    let mut page: Value =
        serde_json::from_str(&std::fs::read_to_string(&notices).unwrap()).unwrap();
    let notice = &mut page["notices"][0];
    let ocid = format!(
        "ocds-bgbu01-{}",
        notice["fields"]["Уникален номер на поръчката"]
            .as_str()
            .unwrap()
    );
    notice["modified"] = serde_json::json!("2026-02-20T10:00:00+02:00");
    notice["fields"]["Брой оферти"] = serde_json::json!(7);
    std::fs::write(&notices, serde_json::to_string(&page).unwrap()).unwrap();
    let second = install.vitrina(&["run", "burgas-procurements"]);
    assert!(second.status.success(), "{}", describe(&second));

    let server = Server::start(&install, &["--no-schedule", "--no-initial-runs"]);
    let path = format!("/api/v1/datasets/burgas-procurements/ocds/records/{ocid}");
    let answer = get(&server.addr, &path);
    assert_eq!(answer.status, 200, "{}", answer.text());
    let package = answer.json();
    assert!(
        package["uri"].as_str().unwrap().ends_with(&path),
        "{}",
        package["uri"]
    );
    let record = &package["records"][0];
    assert_eq!(record["ocid"], ocid.as_str());
    let releases = record["releases"].as_array().unwrap();
    assert_eq!(releases.len(), 2, "{record}");
    assert_eq!(releases[0]["tender"]["numberOfTenderers"], 6);
    assert_eq!(releases[1]["tender"]["numberOfTenderers"], 7);
    assert_eq!(releases[1]["date"], "2026-02-20T10:00:00+02:00");
    assert_ne!(releases[0]["id"], releases[1]["id"]);
    assert_eq!(record["compiledRelease"]["tender"]["numberOfTenderers"], 7);
    let packages: Vec<&str> = package["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(packages.len(), 2, "{packages:?}");
    assert!(
        packages[0].ends_with("/versions/1/ocds.json"),
        "{packages:?}"
    );
    assert!(
        packages[1].ends_with("/versions/2/ocds.json"),
        "{packages:?}"
    );
    // The version's own release package carries the release of now.
    let current = get(
        &server.addr,
        "/api/v1/datasets/burgas-procurements/ocds/releases.json",
    )
    .json();
    assert!(
        current["releases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == releases[1]["id"])
    );
    let unknown = get(
        &server.addr,
        "/api/v1/datasets/burgas-procurements/ocds/records/ocds-bgbu01-99999-2026-0001",
    );
    assert_eq!(unknown.status, 404, "{}", unknown.text());
}

/// A councillor the pages print in another form is one person once the
/// operator says so: the votes are under the listed name's id, and the
/// printed form is among the person's `other_names`.
#[test]
fn a_councillors_other_printed_name_is_the_same_popolo_person() {
    let id = "burgas-council-decisions";
    let install = install_with(&[id]);
    let toml = install
        .path()
        .join("datasets")
        .join(id)
        .join("dataset.toml");
    let mut config = std::fs::read_to_string(&toml).unwrap();
    config.push_str(
        "\n[popolo]\naliases = { \"Биляна Василева Карагьозова\" = \"Биляна Василева Карагьозова-Петрова\" }\n",
    );
    std::fs::write(&toml, config).unwrap();
    let output = install.vitrina(&["run", id]);
    assert!(output.status.success(), "{}", describe(&output));
    let server = Server::start(&install, &["--no-schedule", "--no-initial-runs"]);
    let path = format!("/api/v1/datasets/{id}/versions/1/popolo.json");
    let popolo = get(&server.addr, &path);
    assert_eq!(popolo.status, 200, "{}", popolo.text());
    let popolo = popolo.json();
    let listed = format!("{id}/person/bilyana-vasileva-karagyozova-petrova");
    let persons = popolo["persons"].as_array().unwrap();
    let person = persons
        .iter()
        .find(|p| p["id"] == listed.as_str())
        .unwrap_or_else(|| panic!("{persons:#?}"));
    assert_eq!(
        person["other_names"],
        serde_json::json!([{"name": "Биляна Василева Карагьозова"}])
    );
    let printed = format!("{id}/person/bilyana-vasileva-karagyozova");
    assert!(!persons.iter().any(|p| p["id"] == printed.as_str()));
    let voters: Vec<&str> = popolo["motions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m["vote_events"].as_array().into_iter().flatten())
        .flat_map(|e| e["votes"].as_array().into_iter().flatten())
        .filter_map(|v| v["voter_id"].as_str())
        .collect();
    assert!(voters.contains(&listed.as_str()), "{voters:?}");
    assert!(!voters.contains(&printed.as_str()), "{voters:?}");
}

/// A process stopped after a version went live but before its standard
/// files were written leaves them pending: the next start writes them,
/// rather than answering "still being written" until the next run.
#[test]
fn standard_files_a_stopped_process_left_unwritten_are_written_at_the_next_start() {
    let id = "burgas-procurements";
    let install = install_with(&[id]);
    let config = install.config_path();
    let mut text = std::fs::read_to_string(&config).unwrap();
    // One address throughout, so only the unwritten files are to do.
    text.push_str("\n[server]\npublic_url = \"https://data.burgas.example\"\n");
    std::fs::write(&config, text).unwrap();
    let output = install.vitrina(&["run", id]);
    assert!(output.status.success(), "{}", describe(&output));
    // The state such a stop leaves: the files listed as pending, not there.
    let exports = install.path().join("data/exports").join(id);
    let folder = std::fs::read_dir(&exports)
        .unwrap()
        .next()
        .expect("the version's folder")
        .unwrap()
        .path();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("ocds")
        {
            std::fs::remove_file(path).unwrap();
        }
    }
    let db = rusqlite::Connection::open(install.path().join("data/vitrina.sqlite3")).unwrap();
    let marked = db
        .execute(
            "UPDATE versions SET pending = '[\"ocds.json\",\"ocds-records.json\"]' WHERE dataset = ?1",
            [id],
        )
        .unwrap();
    assert_eq!(marked, 1);
    drop(db);

    let server = Server::start(&install, &["--no-schedule", "--no-initial-runs"]);
    for file in ["ocds.json", "ocds-records.json"] {
        let path = format!("/api/v1/datasets/{id}/versions/1/{file}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let answer = loop {
            let answer = get(&server.addr, &path);
            if answer.status != 503 {
                break answer;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{file} is still pending: {}",
                answer.text()
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        assert_eq!(answer.status, 200, "{file}: {}", answer.text());
        assert!(
            answer.json()["uri"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://data.burgas.example/")),
            "{file}"
        );
    }
}

/// A contract's page leads a reader to its procurement's OCDS record; a
/// page of another profile's row has no such link.
#[test]
fn a_contracts_page_links_its_procurements_ocds_record() {
    let (id, other) = ("burgas-procurements", "burgas-projects");
    let install = install_with(&[id, other]);
    for dataset in [id, other] {
        let output = install.vitrina(&["run", dataset]);
        assert!(output.status.success(), "{}", describe(&output));
    }
    let server = Server::start(&install, &["--no-schedule", "--no-initial-runs"]);
    let first_row = |dataset: &str| {
        get(
            &server.addr,
            &format!("/api/v1/datasets/{dataset}/rows?limit=1"),
        )
        .json()["rows"][0]
            .clone()
    };
    let row = first_row(id);
    let (ocid, contract) = (
        row["ocid"].as_str().unwrap(),
        row["contract_id"].as_str().unwrap(),
    );
    // Contract numbers hold slashes (`93-00-191/24.04.2024`).
    let key = format!("{ocid},{}", contract.replace('/', "%2F"));
    let page = get(&server.addr, &format!("/datasets/{id}/rows/{key}?lang=en"));
    assert_eq!(page.status, 200, "{}", page.text());
    let link = format!("/api/v1/datasets/{id}/ocds/records/{ocid}");
    let html = page.text();
    assert!(
        html.contains(&format!("href=\"{link}\"")) && html.contains("in OCDS (JSON)"),
        "{html}"
    );
    let record = get(&server.addr, &link);
    assert_eq!(record.status, 200, "{}", record.text());
    assert_eq!(record.json()["records"][0]["ocid"], ocid);

    let project = first_row(other);
    let slug = project["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{project:#}"));
    let page = get(
        &server.addr,
        &format!("/datasets/{other}/rows/{slug}?lang=en"),
    );
    assert_eq!(page.status, 200, "{}", page.text());
    assert!(!page.text().contains("ocds/records"));
}
