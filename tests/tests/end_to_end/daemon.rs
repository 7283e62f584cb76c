//! The daemon on its schedules: a dataset due every second is collected,
//! published once, then recorded as unchanged run after run, while the API
//! serves it; SIGTERM stops it cleanly.

use std::time::{Duration, Instant};

use vitrina::store::Store;
use vitrina::store::sqlite::SqliteStore;
use vitrina_tests::{Install, Server, get};

#[test]
fn a_dataset_on_a_one_second_schedule_publishes_and_keeps_running() {
    let install = Install::with_rows_plugin("[schedule]\nmax_jitter_seconds = 0.0");
    install.add_dataset(
        "ticks",
        "title = \"Ticks\"\ndescription = \"Generated\"\nplugin = \"rows\"\nschedule = \"* * * * * *\"\ntimezone = \"UTC\"\n[config]\nrows = \"10\"\n",
    );

    let server = Server::start(&install, &["--no-initial-runs"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = get(&server.addr, "/api/v1/datasets/ticks/rows");
        if response.status == 200 {
            assert_eq!(response.json()["rows"].as_array().unwrap().len(), 10);
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no version after 60 s: {}",
            response.text()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Later slots find the same rows: recorded as unchanged, no new version.
    let store = SqliteStore::open(&install.path().join("data")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while !store
        .runs("ticks", 100)
        .unwrap()
        .iter()
        .any(|r| r.outcome == vitrina::store::RunOutcome::Unchanged)
    {
        assert!(Instant::now() < deadline, "no second run after 60 s");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(store.versions("ticks").unwrap().len(), 1);

    // The metrics parse, and the counters move.
    let metric = |name: &str, labels: &[(&str, &str)]| -> Option<f64> {
        let text = get(&server.addr, "/metrics").text();
        let lines = text.lines().map(|l| Ok(l.to_string()));
        let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text format");
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
            .map(|s| match s.value {
                prometheus_parse::Value::Counter(v)
                | prometheus_parse::Value::Gauge(v)
                | prometheus_parse::Value::Untyped(v) => v,
                _ => f64::NAN,
            })
    };
    let unchanged = || {
        metric(
            "vitrina_runs_total",
            &[("dataset", "ticks"), ("outcome", "unchanged")],
        )
        .unwrap_or(0.0)
    };
    let before = unchanged();
    let deadline = Instant::now() + Duration::from_secs(30);
    while unchanged() <= before {
        assert!(Instant::now() < deadline, "the run counter did not move");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        metric("vitrina_current_version", &[("dataset", "ticks")]),
        Some(1.0)
    );
    assert!(
        metric(
            "vitrina_seconds_since_last_success",
            &[("dataset", "ticks")]
        )
        .is_some_and(|s| s < 30.0)
    );
    let requests = metric(
        "vitrina_http_requests_total",
        &[("route", "/api/v1/datasets/:id/rows"), ("status", "200")],
    );
    assert!(requests.is_some_and(|n| n >= 1.0), "{requests:?}");
    let status = server.terminate();
    assert!(status.success(), "exit status {status:?}");
}
