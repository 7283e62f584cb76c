//! The web pages and feeds on the real binary: two versions of the
//! projects dataset from a local source, a title with markup in it, and
//! every page type asked for in both languages, as a browser asks.

use pretty_assertions::assert_eq;
use vitrina_tests::{
    FixtureServer, HttpResponse, Install, Server, copy_dir, describe, http, projects_version_two,
    repo_root,
};

const DATASET: &str = "eu-projects";
/// A title a careless template would run as a script.
const TITLE: &str = "<script>alert(1)</script> Проекти на Бургас / Burgas projects";

struct World {
    _fixtures: tempfile::TempDir,
    _source: FixtureServer,
    _install: Install,
    server: Server,
}

/// Version 1 from the fixtures; version 2 with one budget changed, one
/// project gone and one new.
fn world() -> World {
    let fixtures = tempfile::tempdir().unwrap();
    copy_dir(
        &repo_root().join("datasets/burgas-projects/fixtures"),
        fixtures.path(),
    );
    let source = FixtureServer::start(fixtures.path());
    let install = Install::new();
    install.add_dataset(
        DATASET,
        &format!(
            "title = \"{}\"\ndescription = \"Проекти с европейско финансиране. Second sentence.\"\n\
             publisher = \"Община Бургас\"\nlicense = \"CC-BY-4.0\"\nschedule = \"0 30 6 * * *\"\n\
             plugin = \"projects\"\nprofile = \"project\"\ntheme = [\"ECON\"]\n\
             [fetch]\nallow = [\"http://127.0.0.1:{}\"]\n[config]\nindex_url = \"{}\"\n",
            TITLE.replace('"', "\\\""),
            source.port(),
            source.url("/index.html")
        ),
    );
    let run = |install: &Install| {
        let output = install.vitrina(&["run", DATASET]);
        assert!(output.status.success(), "{}", describe(&output));
    };
    run(&install);
    projects_version_two(fixtures.path());
    run(&install);
    let server = Server::start(&install, &["--no-initial-runs", "--no-schedule"]);
    World {
        _fixtures: fixtures,
        _source: source,
        _install: install,
        server,
    }
}

fn page(addr: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    let response = http(addr, "GET", path, headers);
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html")),
        "{path}: {:?}",
        response.headers
    );
    response
}

fn ok(addr: &str, path: &str) -> String {
    let response = page(addr, path, &[]);
    assert_eq!(response.status, 200, "{path}: {}", response.text());
    response.text()
}

#[test]
fn pages_and_feeds_in_both_languages() {
    let w = world();
    let addr = w.server.addr.as_str();

    // The catalog, in Bulgarian by default, with the dataset's card.
    let catalog = ok(addr, "/");
    assert!(catalog.contains("<html lang=\"bg\">"), "{catalog}");
    assert!(catalog.contains("Проекти на Бургас"), "{catalog}");
    // Markup in a title is text, never a script.
    assert!(!catalog.contains("<script>alert"), "{catalog}");
    assert!(catalog.contains("&lt;script&gt;alert(1)"), "{catalog}");
    assert!(catalog.contains("всеки ден в 06:30"), "{catalog}");

    check_language_choice(addr);
    check_catalog_search(addr);
    check_dataset_page(addr);
    check_changes_and_records(addr);
    check_feeds(addr);
    check_conditional_requests_and_errors(addr);
}

fn check_language_choice(addr: &str) {
    let english = page(addr, "/?lang=en", &[]);
    assert!(english.text().contains("<html lang=\"en\">"));
    assert!(english.text().contains("Burgas projects"));
    // The choice is remembered in a cookie.
    assert!(
        english
            .header("set-cookie")
            .is_some_and(|c| c.starts_with("lang=en;")),
        "{:?}",
        english.headers
    );
    assert!(
        english
            .header("vary")
            .is_some_and(|v| v.contains("Cookie") && v.contains("Accept-Language")),
        "{:?}",
        english.headers
    );
    let by_cookie = page(addr, "/", &[("Cookie", "lang=en")]).text();
    assert!(by_cookie.contains("<html lang=\"en\">"));
    let by_header = page(addr, "/", &[("Accept-Language", "en-GB,en;q=0.9")]).text();
    assert!(by_header.contains("<html lang=\"en\">"));
    // The query beats the cookie; the switch links to the other language.
    let bulgarian = page(addr, "/?lang=bg", &[("Cookie", "lang=en")]).text();
    assert!(bulgarian.contains("<html lang=\"bg\">"));
    assert!(bulgarian.contains("hreflang=\"en\""), "{bulgarian}");
}

fn check_catalog_search(addr: &str) {
    for q in ["proekti", "%D0%BF%D1%80%D0%BE%D0%B5%D0%BA%D1%82", "Burgas"] {
        let found = ok(addr, &format!("/?q={q}"));
        assert!(found.contains("/datasets/eu-projects"), "{q}: {found}");
    }
    let none = ok(addr, "/?q=xyzzyplugh&lang=en");
    assert!(none.contains("No dataset answers the search."), "{none}");
    // A facet link filters; its count is shown.
    let themed = ok(addr, "/?theme=ECON&lang=en");
    assert!(themed.contains("Economy and finance"), "{themed}");
    assert!(themed.contains("/datasets/eu-projects"));
}

fn check_dataset_page(addr: &str) {
    let english = ok(addr, "/datasets/eu-projects?lang=en");
    for wanted in [
        "Burgas projects",
        "creativecommons.org/licenses/by/4.0/",
        "every day at 06:30",
        // Downloads with their sizes.
        "CSV for Excel",
        "/api/v1/datasets/eu-projects/versions/2/data.bom.csv",
        // The API examples.
        "pd.read_csv",
        "page.links.get(\"next\"",
        // Both versions, with the link to the changes between them.
        "/datasets/eu-projects/changes?from=1&amp;to=2",
        // The projects' budgets as a chart with its table.
        "Project budgets",
        "id=\"chart-data\"",
    ] {
        assert!(english.contains(wanted), "{wanted}: {english}");
    }
    assert!(english.contains("KB") || english.contains("bytes"));
    // The preview lists rows; a search narrows it (without a script).
    let preview = ok(addr, "/datasets/eu-projects?q=akve&lang=en");
    assert!(
        preview.contains("/datasets/eu-projects/rows/akve-kalide"),
        "{preview}"
    );
    assert!(!preview.contains("/datasets/eu-projects/rows/inovativni-modeli"));
    let sorted = ok(addr, "/datasets/eu-projects?sort=-budget&lang=en");
    assert!(sorted.contains("aria-sort=\"descending\""), "{sorted}");
    // Numbers as the reader writes them.
    let bulgarian = ok(addr, "/datasets/eu-projects");
    assert!(bulgarian.contains("5\u{a0}866\u{a0}823,42"), "{bulgarian}");
    let english_numbers = ok(addr, "/datasets/eu-projects?lang=en");
    assert!(english_numbers.contains("5,866,823.42"));
}

fn check_changes_and_records(addr: &str) {
    let changes = ok(addr, "/datasets/eu-projects/changes?from=1&to=2&lang=en");
    assert!(changes.contains("cell-changed"), "{changes}");
    assert!(
        changes.contains("460,000.00") || changes.contains("460000"),
        "{changes}"
    );
    assert!(changes.contains("/datasets/eu-projects/rows/nov-proekt"));
    assert!(changes.contains("Removed: 1"), "{changes}");
    // Defaults: the current version against the one before.
    let main =
        |page: &str| page[page.find("<main").unwrap()..page.find("</main>").unwrap()].to_string();
    assert_eq!(
        main(&ok(addr, "/datasets/eu-projects/changes?lang=en")),
        main(&changes)
    );
    let record = ok(addr, "/datasets/eu-projects/rows/inovativni-modeli?lang=en");
    assert!(record.contains("History of the record"), "{record}");
    assert!(record.contains("From version 2"), "{record}");
    assert!(record.contains("From version 1"), "{record}");
    assert!(record.contains("<ins>"), "{record}");
    // A record that is gone keeps its page, with where it ended.
    let gone = ok(
        addr,
        "/datasets/eu-projects/rows/preventsiya-navodneniya?lang=en",
    );
    assert!(gone.contains("Until version 2"), "{gone}");
}

fn check_feeds(addr: &str) {
    for path in ["/feed.atom", "/datasets/eu-projects/feed.atom?lang=en"] {
        let feed = http(addr, "GET", path, &[]);
        assert_eq!(feed.status, 200, "{path}");
        assert_eq!(
            feed.header("content-type"),
            Some("application/atom+xml; charset=utf-8")
        );
        let text = feed.text();
        assert!(text.starts_with("<?xml"), "{text}");
        assert_eq!(text.matches("<entry>").count(), 2, "{text}");
        assert!(text.contains("/api/v1/datasets/eu-projects/versions/2</id>"));
        assert!(!text.contains("<script>"), "{text}");
        let etag = feed.header("etag").unwrap().to_string();
        let again = http(addr, "GET", path, &[("If-None-Match", &etag)]);
        assert_eq!(again.status, 304, "{path}");
    }
    let english = http(addr, "GET", "/datasets/eu-projects/feed.atom?lang=en", &[]).text();
    assert!(
        english.contains("1 added, 1 removed, 1 changed"),
        "{english}"
    );
}

fn check_conditional_requests_and_errors(addr: &str) {
    let first = page(addr, "/datasets/eu-projects?lang=en", &[]);
    let etag = first.header("etag").expect("pages have ETags").to_string();
    let again = http(
        addr,
        "GET",
        "/datasets/eu-projects?lang=en",
        &[("If-None-Match", &etag)],
    );
    assert_eq!(again.status, 304);
    // Each language is its own representation.
    let bulgarian = page(addr, "/datasets/eu-projects?lang=bg", &[]);
    assert_ne!(bulgarian.header("etag"), Some(etag.as_str()));
    assert!(first.header("content-security-policy").is_some());

    let missing = page(addr, "/datasets/no-such-dataset?lang=en", &[]);
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("There is no such page"));
    let bad = page(addr, "/datasets/eu-projects/changes?from=99", &[]);
    assert_eq!(bad.status, 404, "{}", bad.text());
    let bad = page(addr, "/datasets/eu-projects/changes?from=x", &[]);
    assert_eq!(bad.status, 400, "{}", bad.text());
    let no_record = page(addr, "/datasets/eu-projects/rows/nothing-here", &[]);
    assert_eq!(no_record.status, 404);

    // The assets a page names are served immutable; others are not there.
    let text = first.text();
    let css = text
        .split("href=\"")
        .find_map(|s| {
            s.split('"')
                .next()
                .filter(|h| h.contains("site.") && h.ends_with(".css"))
        })
        .expect("a style sheet");
    let asset = http(addr, "GET", css, &[]);
    assert_eq!(asset.status, 200, "{css}");
    assert_eq!(
        asset.header("cache-control"),
        Some("public, max-age=31536000, immutable")
    );
    assert_eq!(http(addr, "GET", "/assets/site.0.css", &[]).status, 404);
    // The API keeps its JSON errors.
    let api = http(addr, "GET", "/api/v1/nothing", &[]);
    assert_eq!(api.status, 404);
    assert!(api.text().starts_with("{\"error\""));
}
