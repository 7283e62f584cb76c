//! The open-data API end to end: two versions of the projects dataset
//! published by the real binary from a loopback fixture server (a changed,
//! an added and a removed project), served by `vitrina serve`, and read
//! back over plain HTTP: rows, filters, sort, pagination, `as_of`, changes,
//! downloads byte for byte, caching validators, ranges, compression, CORS
//! and errors.

use std::io::Read;

use pretty_assertions::assert_eq;
use serde_json::Value;
use vitrina_tests::{
    FixtureServer, HttpResponse, Install, Server, copy_dir, describe, get, http,
    projects_version_two, repo_root, wait_for_compressed,
};

const DATASET: &str = "burgas-projects";

struct World {
    _fixtures: tempfile::TempDir,
    _source: FixtureServer,
    install: Install,
    server: Server,
}

fn fixtures_root() -> std::path::PathBuf {
    repo_root().join("datasets/burgas-projects/fixtures")
}

fn publish(install: &Install) {
    let output = install.vitrina(&["run", DATASET]);
    assert!(output.status.success(), "{}", describe(&output));
}

fn world() -> World {
    let fixtures = tempfile::tempdir().unwrap();
    copy_dir(&fixtures_root(), fixtures.path());
    let source = FixtureServer::start(fixtures.path());
    let install = Install::new();
    install.add_dataset(
        DATASET,
        &format!(
            "title = \"Проекти\"\ndescription = \"EU projects\"\npublisher = \"Община Бургас\"\nlicense = \"CC-BY-4.0\"\n\
             plugin = \"projects\"\nprofile = \"project\"\n[fetch]\nallow = [\"http://127.0.0.1:{}\"]\n[config]\nindex_url = \"{}\"\n",
            source.port(),
            source.url("/index.html")
        ),
    );
    publish(&install);
    projects_version_two(fixtures.path());
    publish(&install);
    let server = Server::start(&install, &["--no-initial-runs"]);
    World {
        _fixtures: fixtures,
        _source: source,
        install,
        server,
    }
}

fn ids(page: &Value) -> Vec<String> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

fn ok_json(addr: &str, path: &str) -> Value {
    let response = get(addr, path);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.json()
}

#[test]
fn the_api_serves_versions_rows_changes_and_downloads() {
    let w = world();
    let addr = w.server.addr.as_str();
    let base = format!("/api/v1/datasets/{DATASET}");

    // Catalog and dataset.
    let catalog = ok_json(addr, "/api/v1/datasets");
    let entry = catalog["datasets"]
        .as_array()
        .or(catalog.as_array())
        .unwrap()[0]
        .clone();
    assert_eq!(entry["id"], DATASET);
    let dataset = ok_json(addr, &base);
    assert_eq!(dataset["version"], 2, "{dataset}");
    assert_eq!(dataset["versions"].as_array().unwrap().len(), 2);

    // Rows of the current version, and as of version 1.
    let current = ok_json(addr, &format!("{base}/rows?limit=100"));
    assert_eq!(current["version"], 2);
    assert!(ids(&current).contains(&"nov-proekt".to_string()));
    assert!(!ids(&current).contains(&"preventsiya-navodneniya".to_string()));
    let old = ok_json(addr, &format!("{base}/rows?as_of=1&limit=100"));
    assert_eq!(old["version"], 1);
    assert!(ids(&old).contains(&"preventsiya-navodneniya".to_string()));
    assert_eq!(ids(&current).len(), 8);

    // One row by key, now and then.
    let seed = ok_json(addr, &format!("{base}/rows/inovativni-modeli"));
    let seed_row = if seed.get("row").is_some() {
        seed["row"].clone()
    } else {
        seed.clone()
    };
    assert_eq!(seed_row["budget"], "460000.00");
    let missing = get(addr, &format!("{base}/rows/no-such-project"));
    assert_eq!(missing.status, 404);
    assert!(missing.json()["error"]["code"].is_string());

    // Filters and sort.
    let bgn = ok_json(addr, &format!("{base}/rows?currency=EUR&sort=-budget_eur"));
    assert!(
        bgn["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["currency"] == "EUR")
    );
    let amounts: Vec<f64> = bgn["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["budget_eur"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(amounts.windows(2).all(|w| w[0] >= w[1]), "{amounts:?}");
    let big = ok_json(
        addr,
        &format!("{base}/rows?budget_eur__gte=1000000&fields=id,budget_eur"),
    );
    for row in big["rows"].as_array().unwrap() {
        assert_eq!(row.as_object().unwrap().len(), 2);
        assert!(row["budget_eur"].as_str().unwrap().parse::<f64>().unwrap() >= 1_000_000.0);
    }

    // Bad queries say what is valid.
    let unknown = get(addr, &format!("{base}/rows?colour=red"));
    assert_eq!(unknown.status, 400);
    assert!(
        unknown.text().contains("budget_eur"),
        "the valid fields are listed: {}",
        unknown.text()
    );
    let bad_value = get(addr, &format!("{base}/rows?duration_months__gte=many"));
    assert_eq!(bad_value.status, 400);
    assert_eq!(get(addr, &format!("{base}/rows?limit=100000")).status, 400);
    assert_eq!(
        get(addr, &format!("{base}/rows?cursor=garbage")).status,
        400
    );
    assert_eq!(get(addr, "/api/v1/datasets/nope").status, 404);

    // Changes between the versions.
    let changes = ok_json(addr, &format!("{base}/changes?from=1&to=2"));
    let keys = |list: &str| -> Vec<String> {
        changes[list]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let r = if r.get("after").is_some() {
                    &r["after"]
                } else {
                    r
                };
                r["id"].as_str().unwrap().to_string()
            })
            .collect()
    };
    assert_eq!(keys("added"), vec!["nov-proekt"]);
    assert_eq!(keys("removed"), vec!["preventsiya-navodneniya"]);
    assert_eq!(keys("changed"), vec!["inovativni-modeli"]);
    let changed = &changes["changed"][0];
    assert_eq!(changed["before"]["budget"], "454090.00");
    assert_eq!(changed["after"]["budget"], "460000.00");
    let default_changes = ok_json(addr, &format!("{base}/changes"));
    assert_eq!(
        (
            default_changes["from"].as_u64(),
            default_changes["to"].as_u64()
        ),
        (Some(1), Some(2))
    );

    w.check_downloads(&base);
    w.check_http_conventions(&base);
    w.check_pagination(&base);
}

impl World {
    fn export(&self, version: u64, file: &str) -> Vec<u8> {
        let dir = self.install.path().join("data/exports").join(DATASET);
        let folder = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .find(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("{version}-"))
            })
            .unwrap()
            .path();
        std::fs::read(folder.join(file)).unwrap()
    }

    fn check_downloads(&self, base: &str) {
        let addr = self.server.addr.as_str();
        for (file, url) in [
            ("data.csv", "data.csv"),
            ("data.json", "data.json"),
            ("data.ndjson", "data.ndjson"),
        ] {
            let versioned = get(addr, &format!("{base}/versions/1/{url}"));
            assert_eq!(versioned.status, 200);
            assert_eq!(
                versioned.body,
                self.export(1, file),
                "{file} v1 byte for byte"
            );
            assert!(
                versioned
                    .header("cache-control")
                    .unwrap()
                    .contains("immutable")
            );
            let latest = get(addr, &format!("{base}/latest/{url}"));
            assert_eq!(latest.status, 200, "{}", latest.text());
            assert_eq!(
                latest.body,
                self.export(2, file),
                "latest {file} is version 2"
            );
        }
        let bom = get(addr, &format!("{base}/versions/2/data.csv?bom=1"));
        assert_eq!(&bom.body[..3], b"\xEF\xBB\xBF");
        assert_eq!(&bom.body[3..], &self.export(2, "data.csv")[..]);
        let csv = String::from_utf8(self.export(2, "data.csv")).unwrap();
        assert!(csv.starts_with("id,title,published,"));
        assert_eq!(csv.lines().count(), 1 + 8);

        // Compression: the daemon writes compressed copies in the
        // background; until then the identity bytes are served. The
        // copies decode to the same bytes.
        let gz = wait_for_compressed(addr, &format!("{base}/versions/2/data.csv"), "gzip");
        let mut plain = Vec::new();
        flate2_decode(&gz.body, &mut plain);
        assert_eq!(plain, self.export(2, "data.csv"));
        let br = wait_for_compressed(addr, &format!("{base}/versions/2/data.csv"), "br");
        let mut plain = Vec::new();
        brotli_decode(&br.body, &mut plain);
        assert_eq!(plain, self.export(2, "data.csv"));
        let page = http(
            addr,
            "GET",
            &format!("{base}/rows"),
            &[("Accept-Encoding", "gzip")],
        );
        assert_eq!(page.header("content-encoding"), Some("gzip"));
        let mut plain = Vec::new();
        flate2_decode(&page.body, &mut plain);
        serde_json::from_slice::<Value>(&plain).unwrap();

        // Ranges.
        let full = self.export(2, "data.csv");
        let range = http(
            addr,
            "GET",
            &format!("{base}/versions/2/data.csv"),
            &[("Range", "bytes=10-19")],
        );
        assert_eq!(range.status, 206);
        assert_eq!(range.body, full[10..20].to_vec());
        assert_eq!(
            range.header("content-range"),
            Some(format!("bytes 10-19/{}", full.len()).as_str())
        );
        let suffix = http(
            addr,
            "GET",
            &format!("{base}/versions/2/data.csv"),
            &[("Range", "bytes=-5")],
        );
        assert_eq!(suffix.body, full[full.len() - 5..].to_vec());
        let beyond = http(
            addr,
            "GET",
            &format!("{base}/versions/2/data.csv"),
            &[("Range", &format!("bytes={}-", full.len() + 10))],
        );
        assert_eq!(beyond.status, 416);
    }

    fn check_http_conventions(&self, base: &str) {
        let addr = self.server.addr.as_str();
        let path = format!("{base}/rows?limit=3");
        let first = get(addr, &path);
        let etag = first.header("etag").expect("an ETag").to_string();
        assert!(etag.starts_with('"'), "a strong ETag: {etag}");
        assert!(first.header("last-modified").is_some());
        let again = http(addr, "GET", &path, &[("If-None-Match", &etag)]);
        assert_eq!(again.status, 304);
        assert!(again.body.is_empty());
        let since = http(
            addr,
            "GET",
            &path,
            &[("If-Modified-Since", first.header("last-modified").unwrap())],
        );
        assert_eq!(since.status, 304);
        let head = http(addr, "HEAD", &path, &[]);
        assert_eq!(head.status, 200);
        assert_eq!(head.header("etag"), Some(etag.as_str()));
        assert_eq!(first.header("access-control-allow-origin"), Some("*"));
        let exposed = first
            .header("access-control-expose-headers")
            .unwrap_or_default()
            .to_ascii_lowercase();
        assert!(
            exposed.contains("link") && exposed.contains("etag"),
            "{exposed}"
        );
        let post = http(addr, "POST", &path, &[("Content-Length", "0")]);
        assert_eq!(post.status, 405);
        assert!(post.json()["error"]["code"].is_string());
        let csv = get(addr, &format!("{base}/rows.csv?limit=3"));
        assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
        assert_eq!(csv.text().lines().count(), 4);
        let ndjson = http(
            addr,
            "GET",
            &format!("{base}/rows?limit=3"),
            &[("Accept", "application/x-ndjson")],
        );
        assert_eq!(ndjson.text().lines().count(), 3, "{}", ndjson.text());
        let openapi = get(addr, "/api/v1/openapi.json").json();
        assert!(openapi["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(
            openapi["paths"]
                .as_object()
                .unwrap()
                .keys()
                .any(|p| p.contains("/changes"))
        );
        assert_eq!(get(addr, "/healthz").status, 200);
        self.check_documented_bounds(base, &openapi);
    }

    /// What the OpenAPI description promises about version numbers and
    /// parameters is what the server does: a version number up to the
    /// stated maximum (i64's) is a version or a 404, past it a 400; a
    /// `bom` outside its enum and a parameter without a name are 400s.
    fn check_documented_bounds(&self, base: &str, openapi: &Value) {
        let addr = self.server.addr.as_str();
        let n = &openapi["paths"]["/api/v1/datasets/{id}/versions/{n}"]["get"]["parameters"][1];
        assert_eq!(n["name"], "n");
        assert_eq!(n["schema"]["maximum"].as_u64(), Some(i64::MAX as u64));
        let largest = get(addr, &format!("{base}/versions/9223372036854775807"));
        assert_eq!(largest.status, 404, "{}", largest.text());
        assert_eq!(largest.json()["error"]["code"], "unknown_version");
        for past in [
            "9223372036854775808",
            "18446744073709551616",
            "323118686193560111353811090194563072",
        ] {
            for path in [
                format!("{base}/versions/{past}"),
                format!("{base}/versions/{past}/data.csv"),
                format!("{base}/versions/{past}/datapackage.json"),
                format!("{base}/rows?as_of={past}"),
                format!("{base}/changes?to={past}"),
            ] {
                let response = get(addr, &path);
                assert_eq!(response.status, 400, "{path}: {}", response.text());
                assert_eq!(response.json()["error"]["code"], "bad_query", "{path}");
            }
        }
        let plain = get(addr, &format!("{base}/versions/1/data.csv?bom=0"));
        assert_eq!(plain.status, 200);
        assert_eq!(plain.body, self.export(1, "data.csv"));
        for bad in ["bom=null", "bom=yes", "bom="] {
            let response = get(addr, &format!("{base}/versions/1/data.csv?{bad}"));
            assert_eq!(response.status, 400, "{bad}: {}", response.text());
        }
        let nameless = get(addr, &format!("{base}/rows.csv?=null"));
        assert_eq!(nameless.status, 400, "{}", nameless.text());
    }

    /// Walks all pages, two rows at a time, while a third version is
    /// published halfway: every row of the version the walk began on comes
    /// exactly once.
    fn check_pagination(&self, base: &str) {
        let addr = self.server.addr.as_str();
        let mut seen = Vec::new();
        let mut path = format!("{base}/rows?limit=2&sort=title");
        let mut pages = 0;
        loop {
            let response: HttpResponse = get(addr, &path);
            assert_eq!(response.status, 200, "{}", response.text());
            let page = response.json();
            assert_eq!(page["version"], 2, "the walk stays on its version");
            seen.extend(ids(&page));
            pages += 1;
            if pages == 2 {
                publish_third_version(&self.install);
            }
            let Some(next) = page["next_url"].as_str() else {
                break;
            };
            assert!(response.header("link").unwrap().contains("rel=\"next\""));
            path = next
                .split_once(addr)
                .map(|(_, p)| p.to_string())
                .unwrap_or_else(|| next.to_string());
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(seen.len(), 8, "{seen:?}");
        assert_eq!(unique.len(), 8, "{seen:?}");
    }
}

fn publish_third_version(install: &Install) {
    // Any change will do: the run re-reads the (unchanged) source, so force
    // a different row set through the config: only the first listing page.
    let output = install.vitrina(&["run", DATASET, "--set", "max_pages=1"]);
    assert!(output.status.success(), "{}", describe(&output));
}

fn flate2_decode(data: &[u8], out: &mut Vec<u8>) {
    flate2::read::GzDecoder::new(data).read_to_end(out).unwrap();
}

fn brotli_decode(data: &[u8], out: &mut Vec<u8>) {
    brotli::Decompressor::new(data, 4096)
        .read_to_end(out)
        .unwrap();
}

#[test]
fn serve_collects_datasets_without_a_version_then_stops_cleanly() {
    let install = Install::new();
    install.add_dataset(
        DATASET,
        "title = \"Проекти\"\ndescription = \"EU projects\"\nplugin = \"projects\"\n[config]\nindex_url = \"file:///index.html\"\n",
    );
    install.copy_fixtures(DATASET, &fixtures_root());
    let server = Server::start(&install, &[]);
    let page = ok_json(&server.addr, &format!("/api/v1/datasets/{DATASET}/rows"));
    assert_eq!(page["version"], 1);
    assert_eq!(ids(&page).len(), 8);
    let first = ok_json(&server.addr, &format!("/api/v1/datasets/{DATASET}/changes"));
    assert_eq!(
        (first["from"].as_u64(), first["to"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(
        first["added"].as_array().unwrap().len(),
        8,
        "the first version adds every row"
    );
    let entry = ok_json(&server.addr, &format!("/api/v1/datasets/{DATASET}"));
    assert!(entry["last_success"].is_string(), "{entry}");
    assert_eq!(entry["latest_run_failed"], false);

    // A failed run by hand while serving: the last good version stays
    // served, and the dataset says its latest run failed.
    let failed = install.vitrina(&["run", DATASET, "--set", "index_url=file:///missing.html"]);
    assert_eq!(failed.status.code(), Some(1));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let entry = ok_json(&server.addr, &format!("/api/v1/datasets/{DATASET}"));
        if entry["latest_run_failed"] == true {
            assert_eq!(entry["latest_run"]["failure"], "source_changed");
            assert_eq!(entry["version"], 1);
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the failure never showed: {entry}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert_eq!(
        ok_json(&server.addr, &format!("/api/v1/datasets/{DATASET}/rows"))["rows"]
            .as_array()
            .unwrap()
            .len(),
        8
    );
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
}
