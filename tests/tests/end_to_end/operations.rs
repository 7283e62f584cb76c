//! The daemon in operation, on the real binary: the admin API behind its
//! token, reloads (SIGHUP and admin) that keep the old configuration when
//! the new one is broken, retries with backoff until a flaky source
//! recovers, SIGTERM in the middle of a run, one log span per run,
//! politeness towards a source host, and admin logins on a dual-stack
//! listener, held back after a burst of failures.

use std::time::{Duration, Instant};

use serde_json::Value;
use vitrina::store::Store;
use vitrina::store::sqlite::SqliteStore;
use vitrina_tests::{FixtureServer, HttpResponse, Install, Server, describe, get, http, repo_root};

const TOKEN: &str = "correct-horse-battery-staple-admin";

fn projects_fixtures() -> std::path::PathBuf {
    repo_root().join("datasets/burgas-projects/fixtures")
}

/// A projects dataset reading `index_url` from the fixture server.
fn projects_toml(server: &FixtureServer, index_path: &str, extra: &str) -> String {
    format!(
        "title = \"Projects\"\ndescription = \"EU projects\"\nplugin = \"projects\"\n{extra}\n\
         [fetch]\nallow = [\"http://127.0.0.1:{}\"]\n[config]\nindex_url = \"{}\"\n",
        server.port(),
        server.url(index_path)
    )
}

fn admin(server: &Server, method: &str, path: &str, token: Option<&str>) -> HttpResponse {
    let bearer = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = bearer
        .iter()
        .map(|b| ("Authorization", b.as_str()))
        .collect();
    http(
        &server.addr,
        method,
        &format!("/api/v1/admin{path}"),
        &headers,
    )
}

/// Polls the admin API until the run is recorded; its record.
fn wait_for_run(server: &Server, run_id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = admin(server, "GET", &format!("/runs/{run_id}"), Some(TOKEN));
        if response.status == 200 {
            return response.json();
        }
        assert_eq!(response.status, 404, "{}", response.text());
        assert!(
            Instant::now() < deadline,
            "run {run_id} not recorded after 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn catalog_ids(server: &Server) -> Vec<String> {
    get(&server.addr, "/api/v1/datasets").json()["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_admin_api_answers_only_with_a_valid_token() {
    let fixtures = FixtureServer::start(&projects_fixtures());
    let install = Install::new();
    install.add_dataset("projects", &projects_toml(&fixtures, "/index.html", ""));
    install.add_dataset(
        "stuck",
        &projects_toml(&fixtures, "/hang", "[limits]\nwall_clock_seconds = 5"),
    );
    let server = Server::start_with_env(
        &install,
        &["--no-initial-runs"],
        &[("VITRINA_ADMIN_TOKEN", TOKEN)],
    );

    // Without a token, a wrong one, or another scheme: a bare 401, the
    // same for a route that exists and one that does not.
    for (path, token) in [
        ("/status", None),
        ("/status", Some("wrong")),
        ("/no-such-route", None),
        ("/datasets/projects/runs", Some("correct-horse")),
    ] {
        let method = if path.ends_with("runs") {
            "POST"
        } else {
            "GET"
        };
        let response = admin(&server, method, path, token);
        assert_eq!(
            response.status,
            401,
            "{path} {token:?}: {}",
            response.text()
        );
        assert_eq!(
            response.json(),
            serde_json::json!({"error": {"code": "unauthorized", "message": "unauthorized"}})
        );
        assert!(response.header("www-authenticate").is_some());
    }
    let basic = http(
        &server.addr,
        "GET",
        "/api/v1/admin/status",
        &[("Authorization", &format!("Basic {TOKEN}"))],
    );
    assert_eq!(basic.status, 401);

    let status = admin(&server, "GET", "/status", Some(TOKEN));
    assert_eq!(status.status, 200, "{}", status.text());
    let datasets = status.json()["datasets"].clone();
    assert_eq!(datasets[0]["id"], "projects");
    assert_eq!(datasets[0]["paused"], false);

    // Run now: 202 with the run's id, then its record with logs.
    let started = admin(&server, "POST", "/datasets/projects/runs", Some(TOKEN));
    assert_eq!(started.status, 202, "{}", started.text());
    let run_id = started.json()["run_id"].as_str().unwrap().to_string();
    let run = wait_for_run(&server, &run_id);
    assert_eq!(run["outcome"], "published", "{run}");
    assert_eq!(run["trigger"], "manual");
    assert!(
        run["report"]["logs"]
            .as_array()
            .is_some_and(|logs| !logs.is_empty()),
        "{run}"
    );
    let listed = admin(&server, "GET", "/runs?dataset=projects", Some(TOKEN)).json();
    assert_eq!(listed["runs"][0]["run_id"], run_id.as_str());
    assert_eq!(get(&server.addr, "/api/v1/datasets/projects").status, 200);

    // A dataset already running: 409.
    let first = admin(&server, "POST", "/datasets/stuck/runs", Some(TOKEN));
    assert_eq!(first.status, 202);
    let second = admin(&server, "POST", "/datasets/stuck/runs", Some(TOKEN));
    assert_eq!(second.status, 409, "{}", second.text());
    assert_eq!(second.json()["error"]["code"], "run_in_progress");

    // Pause and resume, seen in the status.
    let paused = admin(&server, "POST", "/datasets/projects/pause", Some(TOKEN));
    assert_eq!(paused.status, 200, "{}", paused.text());
    let status = admin(&server, "GET", "/status", Some(TOKEN)).json();
    assert_eq!(status["datasets"][0]["paused"], true);
    assert_eq!(status["datasets"][0]["paused_by"], "VITRINA_ADMIN_TOKEN");
    assert_eq!(
        admin(&server, "POST", "/datasets/projects/resume", Some(TOKEN)).status,
        200
    );
    let status = admin(&server, "GET", "/status", Some(TOKEN)).json();
    assert_eq!(status["datasets"][0]["paused"], false);

    // Errors an operator can act on.
    let unknown = admin(&server, "POST", "/datasets/nope/runs", Some(TOKEN));
    assert_eq!(unknown.status, 404);
    // 405 names the one method each admin route takes.
    let wrong = admin(&server, "GET", "/datasets/projects/runs", Some(TOKEN));
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("POST"));
    let wrong = admin(&server, "OPTIONS", "/status", Some(TOKEN));
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("GET"));
    assert!(wrong.text().contains("takes GET"), "{}", wrong.text());
    assert_eq!(
        admin(&server, "GET", "/runs?limit=0", Some(TOKEN)).status,
        400
    );

    // The effective configuration never shows the token.
    let config = admin(&server, "GET", "/config", Some(TOKEN));
    assert_eq!(config.status, 200);
    assert!(!config.text().contains(TOKEN));
    assert_eq!(config.json()["admin_token_from_environment"], true);
    assert_eq!(config.json()["datasets"][0]["id"], "projects");

    // The public API has no admin cache headers or CORS on admin answers,
    // and every action was logged with who did it.
    assert_eq!(config.header("cache-control"), Some("no-store"));
    assert!(config.header("access-control-allow-origin").is_none());
    server.wait_for_log("the pause logged with its token name", |line| {
        line.contains("admin action")
            && line.contains("pause")
            && line.contains("VITRINA_ADMIN_TOKEN")
    });
}

#[test]
fn without_a_token_the_admin_api_is_off() {
    let install = Install::with_rows_plugin("");
    let server = Server::start(&install, &["--no-initial-runs"]);
    let response = admin(&server, "GET", "/status", Some(TOKEN));
    assert_eq!(response.status, 404);
    assert!(
        response.text().contains("VITRINA_ADMIN_TOKEN"),
        "{}",
        response.text()
    );
}

#[test]
fn a_broken_config_on_reload_is_rejected_and_the_old_one_stays() {
    let install = Install::with_rows_plugin("");
    install.add_dataset(
        "first",
        "title = \"First\"\ndescription = \"Generated\"\nplugin = \"rows\"\n[config]\nrows = \"3\"\n",
    );
    let server = Server::start_with_env(&install, &[], &[("VITRINA_ADMIN_TOKEN", TOKEN)]);
    assert_eq!(catalog_ids(&server), vec!["first"]);

    // A new dataset whose file does not parse: SIGHUP is refused with the
    // file and line, and the API goes on serving.
    let broken = install.add_dataset(
        "second",
        "title = \"Second\"\ndescription = \"Generated\"\nplugin = [\n",
    );
    server.signal("HUP");
    let line = server.wait_for_log("rejecting the broken configuration", |l| {
        l.contains("configuration rejected")
    });
    assert!(line.contains("second/dataset.toml"), "{line}");
    assert!(line.contains("line"), "{line}");
    assert_eq!(catalog_ids(&server), vec!["first"]);
    assert_eq!(get(&server.addr, "/api/v1/datasets/first/rows").status, 200);

    // The admin API says the same, as a 422.
    let refused = admin(&server, "POST", "/reload", Some(TOKEN));
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_eq!(refused.json()["error"]["code"], "invalid_config");
    assert!(refused.text().contains("second/dataset.toml"));

    // Fixed: the next SIGHUP adds it; removing a dataset takes it off the
    // catalog (its versions stay in the store).
    std::fs::write(
        broken.join("dataset.toml"),
        "title = \"Second\"\ndescription = \"Generated\"\nplugin = \"rows\"\n[config]\nrows = \"2\"\n",
    )
    .unwrap();
    server.signal("HUP");
    server.wait_for_log("the fixed configuration applied", |l| {
        l.contains("configuration reloaded") && l.contains("second")
    });
    assert_eq!(catalog_ids(&server), vec!["first", "second"]);
    std::fs::remove_dir_all(install.path().join("datasets/first")).unwrap();
    let reloaded = admin(&server, "POST", "/reload", Some(TOKEN));
    assert_eq!(reloaded.status, 200, "{}", reloaded.text());
    assert_eq!(reloaded.json()["removed"], serde_json::json!(["first"]));
    assert_eq!(catalog_ids(&server), vec!["second"]);
    assert_eq!(get(&server.addr, "/api/v1/datasets/first").status, 404);
}

#[test]
fn a_failing_source_is_retried_with_backoff_until_it_recovers() {
    let fixtures = FixtureServer::start(&projects_fixtures());
    let install = Install::with_rows_plugin(
        "[schedule]\nmax_jitter_seconds = 0.0\nretry_after_seconds = 0.5\nmax_retries = 4",
    );
    // Due daily and never run: the scheduler runs it at start-up; the
    // source answers 503 twice before it recovers.
    install.add_dataset(
        "projects",
        &projects_toml(&fixtures, "/flaky/2/index.html", "schedule = \"0 5 * * *\""),
    );
    let server = Server::start(&install, &["--no-initial-runs", "--log-format", "json"]);
    let store = SqliteStore::open(&install.path().join("data")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let runs = loop {
        let mut runs = store.runs("projects", 10).unwrap();
        if runs
            .iter()
            .any(|r| r.outcome == vitrina::store::RunOutcome::Published)
        {
            runs.reverse();
            break runs;
        }
        assert!(
            Instant::now() < deadline,
            "not published after 60 s: {runs:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let story: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r.outcome.as_str(), r.trigger.as_deref().unwrap_or("")))
        .collect();
    assert_eq!(
        story,
        vec![
            ("failed", "startup"),
            ("failed", "retry"),
            ("published", "retry")
        ]
    );
    assert_eq!(
        runs[0].failure_kind.as_deref(),
        Some("source_unavailable"),
        "{:?}",
        runs[0]
    );
    // Backoff: 0.5 s, then 1 s (each measured from the previous start,
    // which also includes the run itself).
    let gap = |a: usize, b: usize| (runs[b].started_at - runs[a].started_at).to_std().unwrap();
    assert!(gap(0, 1) >= Duration::from_millis(500), "{:?}", gap(0, 1));
    assert!(gap(1, 2) >= Duration::from_millis(1000), "{:?}", gap(1, 2));
    assert_eq!(store.versions("projects").unwrap().len(), 1);

    // JSON logs: the run's lines carry its span with dataset and run id.
    let published = &runs[2].run_id;
    let line = server.wait_for_log("a JSON line in the published run's span", |l| {
        serde_json::from_str::<Value>(l).is_ok_and(|v| v["span"]["run_id"] == published.as_str())
    });
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["span"]["name"], "run");
    assert_eq!(event["span"]["dataset"], "projects");
}

#[test]
fn sigterm_during_a_run_cancels_it_and_the_last_good_version_stays() {
    let fixtures = FixtureServer::start(&projects_fixtures());
    let install = Install::with_rows_plugin("[schedule]\nshutdown_grace_seconds = 1.0");
    install.add_dataset("projects", &projects_toml(&fixtures, "/index.html", ""));
    let output = install.vitrina(&["run", "projects"]);
    assert!(output.status.success(), "{}", describe(&output));

    // Now the source hangs, and a run is started through the admin API.
    install.add_dataset(
        "projects",
        &projects_toml(&fixtures, "/hang", "[limits]\nwall_clock_seconds = 300"),
    );
    let server = Server::start_with_env(
        &install,
        &["--no-initial-runs", "--no-schedule"],
        &[("VITRINA_ADMIN_TOKEN", TOKEN)],
    );
    let started = admin(&server, "POST", "/datasets/projects/runs", Some(TOKEN));
    assert_eq!(started.status, 202, "{}", started.text());
    let run_id = started.json()["run_id"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !fixtures.requests().iter().any(|p| p == "/hang") {
        assert!(
            Instant::now() < deadline,
            "the run never reached the source"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let stopping = Instant::now();
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
    assert!(
        stopping.elapsed() < Duration::from_secs(20),
        "took {:?} to stop",
        stopping.elapsed()
    );
    let store = SqliteStore::open(&install.path().join("data")).unwrap();
    let run = store
        .run(&run_id)
        .unwrap()
        .expect("the cancelled run is recorded");
    assert_eq!(
        run.outcome,
        vitrina::store::RunOutcome::Cancelled,
        "{run:?}"
    );
    let versions = store.versions("projects").unwrap();
    assert_eq!(versions.len(), 1);
    store.verify("projects", versions[0].number).unwrap();

    // After a restart the last good version is what the API serves.
    let server = Server::start(&install, &["--no-initial-runs", "--no-schedule"]);
    let rows = get(&server.addr, "/api/v1/datasets/projects/rows");
    assert_eq!(rows.status, 200);
    assert_eq!(rows.json()["version"], 1);
    assert_eq!(rows.json()["rows"].as_array().unwrap().len(), 8);
}

#[test]
fn requests_to_one_host_are_spaced_by_the_politeness_limit() {
    let fixtures = FixtureServer::start(&projects_fixtures());
    let install = Install::new();
    install.add_dataset(
        "projects",
        &projects_toml(&fixtures, "/index.html", "")
            .replace("[fetch]\n", "[fetch]\nhost_requests_per_second = 5.0\n"),
    );
    let output = install.vitrina(&["run", "projects", "--dry-run"]);
    assert!(output.status.success(), "{}", describe(&output));
    let times = fixtures.request_times();
    assert_eq!(times.len(), 10, "{:?}", fixtures.requests());
    // 5 per second is one every 200 ms: ten requests span 1.8 s. Arrival
    // times wobble by the connection's setup, hence the slack.
    for pair in times.windows(2) {
        let gap = pair[1] - pair[0];
        assert!(gap >= Duration::from_millis(120), "requests {gap:?} apart");
    }
    let span = times[9] - times[0];
    assert!(
        span >= Duration::from_millis(1700),
        "ten requests in {span:?}"
    );
}

/// On a dual-stack listener an IPv4 client arrives as `::ffff:127.0.0.1`,
/// which is loopback too; failed logins from one address are held back
/// after a burst, whatever token comes next.
#[test]
fn admin_logins_on_a_dual_stack_listener_are_loopback_and_throttled() {
    let install = Install::new();
    let mut command = std::process::Command::new(vitrina_tests::vitrina_bin());
    command
        .arg("--config")
        .arg(install.config_path())
        .args(["serve", "--listen", "[::]:0", "--no-initial-runs"])
        .env("VITRINA_ADMIN_TOKEN", TOKEN)
        .current_dir(install.path());
    let server = Server::spawn(command);
    let port = server.addr.rsplit(':').next().unwrap();
    let over_ipv4 = format!("127.0.0.1:{port}");
    let status = |token: &str| {
        let bearer = format!("Bearer {token}");
        http(
            &over_ipv4,
            "GET",
            "/api/v1/admin/status",
            &[("Authorization", bearer.as_str())],
        )
    };
    assert_eq!(status(TOKEN).status, 200, "{}", status(TOKEN).text());
    for attempt in 0..10 {
        assert_eq!(status("guess").status, 401, "attempt {attempt}");
    }
    let held = status("guess");
    assert_eq!(held.status, 429, "{}", held.text());
    let wait: u64 = held.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=6).contains(&wait), "Retry-After: {wait}");
    assert_eq!(
        status(TOKEN).status,
        429,
        "while held back, no token is even looked at"
    );
}
