//! The sandbox holds: a hostile plugin (a real wasm component, built from
//! `tests/plugins/hostile`) tries every misbehaviour we know of, each run
//! fails with an error naming the cause, and the next, normal run in the
//! same process succeeds.
//!
//! These tests run the runtime in-process, so they can check the host's own
//! memory; they take a shared lock so that measurement is not disturbed by
//! the other tests of this file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use vitrina::config::{AllowRule, FetchLimits, Limits};
use vitrina::runtime::{
    DiscardSink, FailureKind, FetchPolicy, Fetcher, Plugin, Quiet, RunJob, RunReport, RunSetup,
    Runtime, Trigger,
};
use vitrina_bundle::development_component;
use vitrina_tests::FixtureServer;

/// One runtime and one loaded hostile plugin for the whole file, as in the daemon.
struct Sandbox {
    runtime: Runtime,
    hostile: Plugin,
    /// `fixtures/` with a file, and a symlink that leads out of the folder.
    dir: tempfile::TempDir,
}

/// What a test changes about a run.
struct Options {
    limits: Limits,
    fetch: FetchLimits,
    allow: Vec<String>,
    config: BTreeMap<String, String>,
    cancel: tokio_util::sync::CancellationToken,
}

static SANDBOX: tokio::sync::OnceCell<Mutex<Sandbox>> = tokio::sync::OnceCell::const_new();

async fn sandbox() -> tokio::sync::MutexGuard<'static, Sandbox> {
    SANDBOX
        .get_or_init(|| async { Mutex::new(Sandbox::new().await) })
        .await
        .lock()
        .await
}

impl Sandbox {
    async fn new() -> Self {
        let runtime = Runtime::new(None).expect("runtime");
        let wasm =
            std::fs::read(development_component("hostile").expect("hostile plugin built")).unwrap();
        let hostile = runtime
            .load(&wasm, "tests/plugins/hostile")
            .await
            .expect("hostile plugin loads");
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("fixtures")).unwrap();
        std::fs::write(dir.path().join("fixtures/ok.txt"), "fixture").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(
            dir.path().join("secret.txt"),
            dir.path().join("fixtures/link.txt"),
        )
        .unwrap();
        Self {
            runtime,
            hostile,
            dir,
        }
    }

    fn fixtures(&self) -> PathBuf {
        self.dir.path().join("fixtures").canonicalize().unwrap()
    }

    async fn attack(&self, attack: &str, tweak: impl FnOnce(&mut Options)) -> RunReport {
        let mut options = Options {
            limits: Limits {
                cpu_seconds: 5.0,
                wall_clock_seconds: 20.0,
                ..Limits::default()
            },
            fetch: FetchLimits::default(),
            allow: Vec::new(),
            config: BTreeMap::from([("attack".to_string(), attack.to_string())]),
            cancel: Default::default(),
        };
        tweak(&mut options);
        let fetcher = Fetcher::new(FetchPolicy {
            allow: options
                .allow
                .iter()
                .map(|a| AllowRule::parse(a).unwrap())
                .collect(),
            fixtures: Some(self.fixtures()),
            limits: options.fetch,
            user_agent: vitrina::runtime::user_agent("Tests", "tests@example.invalid"),
        });
        let setup = RunSetup {
            fetcher,
            limits: options.limits,
            config: options.config,
            secrets: BTreeMap::new(),
            bookmarks: BTreeMap::new(),
            streams: self.hostile.info.streams.clone(),
            profile: None,
            sink: Box::new(DiscardSink),
            observer: Arc::new(Quiet),
        };
        let job = RunJob {
            run_id: vitrina::runtime::new_run_id(),
            dataset: "hostile".to_string(),
            trigger: Trigger::Manual,
            full_refresh: false,
            setup,
            cancel: options.cancel,
        };
        self.runtime.run(&self.hostile, job).await
    }

    /// A normal run right after an attack succeeds with its three rows.
    async fn assert_still_healthy(&self) {
        let report = self.attack("none", |_| {}).await;
        assert!(
            report.succeeded(),
            "the run after an attack failed: {:?}",
            report.failure
        );
        assert_eq!(report.rows, vec![("items".to_string(), 3)]);
    }
}

/// Runs an attack, checks it failed as expected, then checks the runtime
/// still works; returns the failed run's report.
async fn expect_failure(
    attack: &str,
    kind: FailureKind,
    tweak: impl FnOnce(&mut Options),
) -> RunReport {
    let sandbox = sandbox().await;
    let report = sandbox.attack(attack, tweak).await;
    let failure = report
        .failure
        .clone()
        .unwrap_or_else(|| panic!("attack {attack} succeeded: {report:?}"));
    assert_eq!(failure.kind, kind, "attack {attack}: {failure}");
    let message = report.failure_message().unwrap();
    assert!(
        message.contains("plugin hostile 0.1.0") && message.contains("What to do"),
        "{message}"
    );
    sandbox.assert_still_healthy().await;
    report
}

fn message(report: &RunReport) -> String {
    report
        .failure
        .as_ref()
        .map(|f| f.message.clone())
        .unwrap_or_default()
}

#[tokio::test]
async fn an_endless_loop_is_stopped_by_the_cpu_limit() {
    let report = expect_failure("cpu_loop", FailureKind::CpuLimit, |o| {
        o.limits.cpu_seconds = 1.0
    })
    .await;
    assert!(
        report.duration < Duration::from_secs(2),
        "stopped after {:?}",
        report.duration
    );
    assert!(message(&report).contains("limits.cpu_seconds"));
}

#[tokio::test]
async fn a_cancelled_run_stops_at_once_even_in_an_endless_loop() {
    let cancel = tokio_util::sync::CancellationToken::new();
    let later = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        later.cancel();
    });
    let report = expect_failure("cpu_loop", FailureKind::Cancelled, |o| {
        o.limits.cpu_seconds = 30.0;
        o.cancel = cancel;
    })
    .await;
    assert!(
        report.duration < Duration::from_secs(2),
        "stopped after {:?}",
        report.duration
    );
    assert!(
        message(&report).contains("cancelled"),
        "{}",
        message(&report)
    );
}

#[tokio::test]
async fn a_memory_bomb_is_stopped_at_the_memory_limit_and_host_memory_stays_bounded() {
    let before = resident_bytes();
    let report = expect_failure("memory_bomb", FailureKind::MemoryLimit, |o| {
        o.limits.memory_mib = 64
    })
    .await;
    let after = resident_bytes();
    assert!(
        message(&report).contains("over its limit of 64 MiB"),
        "{}",
        message(&report)
    );
    assert!(report.peak_memory_bytes <= 64 * 1024 * 1024);
    let growth = after.saturating_sub(before);
    assert!(
        growth < 48 * 1024 * 1024,
        "host memory grew by {} MiB",
        growth / (1024 * 1024)
    );
}

#[tokio::test]
async fn a_source_that_never_answers_is_stopped_by_the_wall_clock() {
    let server = FixtureServer::start(&std::env::temp_dir());
    let url = server.url("/hang");
    let allow = format!("http://127.0.0.1:{}", server.port());
    let report = expect_failure("fetch", FailureKind::WallClock, |o| {
        o.limits.wall_clock_seconds = 1.5;
        o.allow = vec![allow];
        o.config.insert("url".into(), url);
    })
    .await;
    assert!(
        report.duration < Duration::from_secs(4),
        "stopped after {:?}",
        report.duration
    );
}

#[tokio::test]
async fn a_slow_first_byte_is_a_transient_source_failure() {
    let server = FixtureServer::start(&std::env::temp_dir());
    let url = server.url("/hang");
    let allow = format!("http://127.0.0.1:{}", server.port());
    let report = expect_failure("fetch", FailureKind::SourceUnavailable, |o| {
        o.fetch.first_byte_timeout_seconds = 0.5;
        o.allow = vec![allow];
        o.config.insert("url".into(), url);
    })
    .await;
    assert!(report.failure.unwrap().kind.is_transient());
}

async fn expect_denied(url: &str, allow: &[String], reason: &str) {
    let (url, allow) = (url.to_string(), allow.to_vec());
    let report = expect_failure("fetch", FailureKind::Denied, |o| {
        o.allow = allow;
        o.config.insert("url".into(), url);
    })
    .await;
    assert!(message(&report).contains(reason), "{}", message(&report));
}

#[tokio::test]
async fn fetches_outside_the_policy_are_denied() {
    let server = FixtureServer::start(&std::env::temp_dir());
    let port = server.port();
    let by_name = vec![format!("http://localhost:{port}")];
    expect_denied(
        "https://example.org/",
        &by_name,
        "host `example.org` is not allowed",
    )
    .await;
    expect_denied(
        &format!("http://127.0.0.1:{port}/"),
        &by_name,
        "host `127.0.0.1` is not allowed",
    )
    .await;
    expect_denied(
        "http://169.254.169.254/latest/meta-data/",
        &by_name,
        "not allowed",
    )
    .await;
    expect_denied(&format!("http://[::1]:{port}/"), &by_name, "not allowed").await;
    // Allowing a name does not allow the loopback address it resolves to.
    expect_denied(
        &format!("http://localhost:{port}/"),
        &by_name,
        "resolves to 127.0.0.1",
    )
    .await;
    assert!(
        server.requests().is_empty(),
        "no denied request reached the server: {:?}",
        server.requests()
    );
}

/// Naming a private address opens that address, on that port, for URLs
/// that use it: not every name that happens to resolve to it.
#[tokio::test]
async fn a_named_private_address_opens_only_itself() {
    let server = FixtureServer::start(&std::env::temp_dir());
    let port = server.port();
    let both = vec![
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ];
    expect_denied(
        &format!("http://localhost:{port}/"),
        &both,
        "resolves to 127.0.0.1",
    )
    .await;
    let other_port = if port == u16::MAX { port - 1 } else { port + 1 };
    expect_denied(
        &format!("http://127.0.0.1:{other_port}/"),
        &both,
        "host `127.0.0.1` is not allowed",
    )
    .await;
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[tokio::test]
async fn a_redirect_to_a_forbidden_host_is_denied_on_the_hop() {
    let server = FixtureServer::start(&std::env::temp_dir());
    let port = server.port();
    let allow = vec![format!("http://127.0.0.1:{port}")];
    let to_metadata = server.url("/redirect?to=http://169.254.169.254/latest/meta-data/");
    expect_denied(&to_metadata, &allow, "169.254.169.254").await;
    let to_name = server.url(&format!("/redirect?to=http://localhost:{port}/secret"));
    expect_denied(&to_name, &allow, "not allowed").await;
    assert!(
        !server.requests().iter().any(|p| p.starts_with("/secret")),
        "{:?}",
        server.requests()
    );
}

#[tokio::test]
async fn an_allowed_address_is_fetched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("data.csv"), "a;b\n1;2\n").unwrap();
    let server = FixtureServer::start(dir.path());
    let sandbox = sandbox().await;
    let (url, allow) = (
        server.url("/data.csv"),
        format!("http://127.0.0.1:{}", server.port()),
    );
    let report = sandbox
        .attack("fetch", |o| {
            o.allow = vec![allow];
            o.config.insert("url".into(), url);
        })
        .await;
    assert!(report.succeeded(), "{:?}", report.failure);
    assert_eq!(report.bytes_fetched, 8);
    assert_eq!(report.fetches[0].status, 200);
}

#[tokio::test]
async fn file_urls_cannot_leave_the_fixtures_folder() {
    let url = |u: &str| {
        let u = u.to_string();
        move |o: &mut Options| {
            o.config.insert("url".into(), u);
        }
    };
    let dot_dot = expect_failure("fetch", FailureKind::Denied, url("file:///../secret.txt")).await;
    assert!(
        message(&dot_dot).contains("`..` is not allowed"),
        "{}",
        message(&dot_dot)
    );
    let encoded = expect_failure(
        "fetch",
        FailureKind::Denied,
        url("file:///%2e%2e/secret.txt"),
    )
    .await;
    assert!(
        message(&encoded).contains("`..` is not allowed"),
        "{}",
        message(&encoded)
    );
    let symlink = expect_failure("fetch", FailureKind::Denied, url("file:///link.txt")).await;
    assert!(
        message(&symlink).contains("symlink"),
        "{}",
        message(&symlink)
    );

    let sandbox = sandbox().await;
    let inside = sandbox.attack("fetch", url("file:///ok.txt")).await;
    assert!(inside.succeeded(), "{:?}", inside.failure);
}

#[tokio::test]
async fn a_panic_is_reported_with_its_message() {
    let report = expect_failure("panic", FailureKind::Crashed, |_| {}).await;
    assert!(
        message(&report).contains("hostile plugin panics on purpose"),
        "{}",
        message(&report)
    );
    assert!(
        report
            .logs
            .iter()
            .any(|l| l.message.contains("panics on purpose")),
        "stderr is kept in the run log"
    );
}

#[tokio::test]
async fn a_row_of_the_wrong_type_fails_the_run_naming_row_and_field() {
    let report = expect_failure("wrong_type", FailureKind::InvalidRows, |_| {}).await;
    let errors = report.failure.unwrap().row_errors;
    assert_eq!(
        errors[0].to_string(),
        "stream `items`, row 1, field `n`: is text but the field is integer"
    );
}

#[tokio::test]
async fn a_plugin_that_ignores_refusals_is_stopped() {
    let report = expect_failure("ignore_sink_errors", FailureKind::InvalidRows, |_| {}).await;
    assert!(
        message(&report).contains("not nullable"),
        "{}",
        message(&report)
    );
}

#[tokio::test]
async fn rows_for_an_undeclared_stream_are_refused() {
    let report = expect_failure("undeclared_stream", FailureKind::InvalidRows, |_| {}).await;
    assert!(
        message(&report).contains("stream `nope` is not declared"),
        "{}",
        message(&report)
    );
}

#[tokio::test]
async fn a_single_huge_row_is_refused() {
    let report = expect_failure("huge_row", FailureKind::RowSizeLimit, |_| {}).await;
    assert!(
        message(&report).contains("limits.max_row_kib"),
        "{}",
        message(&report)
    );
    assert_eq!(report.total_rows(), 0);
}

#[tokio::test]
async fn a_flood_of_rows_stops_at_the_row_limit() {
    let report = expect_failure("row_flood", FailureKind::RowLimit, |o| {
        o.limits.max_rows = 10_000
    })
    .await;
    assert!(
        report.total_rows() <= 10_000,
        "{} rows got through",
        report.total_rows()
    );
    assert!(
        message(&report).contains("more than 10000 rows"),
        "{}",
        message(&report)
    );
}

/// The process's resident memory, from /proc.
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}
