//! Containment: everything a plugin can make the host do on its behalf has
//! a budget per run, through the real binary, with a file-descriptor limit
//! of 1024 on the process.
//!
//! The `attacker` plugin tries each budget in turn (logs, fetch records,
//! URLs, open bodies, bytes fetched, checkpoints, bookmarks, handles,
//! `wasi:random`, warnings, staged rows, control characters, nested JSON,
//! secrets); `sprawl` describes itself as enormous, and components written
//! in WAT hold more memories, instances or tables than a plugin may. Each
//! run ends as it should (failed with a clear reason, or succeeded where
//! cutting is the right answer), is in the run history, keeps the host's
//! peak memory within the run's memory limit plus the documented overhead,
//! and leaves the next normal run working. Under `vitrina serve` the public
//! API answers throughout. No secret reaches the data directory or a log.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use vitrina::runtime::budget::HOST_OVERHEAD_BYTES;
use vitrina_tests::{FixtureServer, Install, Server, http, vitrina_bin};

const MIB: u64 = 1024 * 1024;
/// The memory limit of every attack dataset.
const MEMORY_MIB: u64 = 128;
/// The secret the secret attacks try to leak, and its environment variable.
const SECRET: &str = "Sup3r-S3cret/Token+42";
const SECRET_ENV: &str = "VITRINA_TEST_ATTACK_TOKEN";
/// The file-descriptor limit the processes run under (soft and hard).
const OPEN_FILES: u64 = 1024;

/// One attack: its mode, extra `dataset.toml` lines, and how it must end.
struct Attack {
    mode: &'static str,
    extra: &'static str,
    /// `None`: the run succeeds; else the failure kind it must end with.
    fails_with: Option<&'static str>,
    /// Words the failure message (or, for a success, the run's log) must contain.
    says: &'static str,
}

const ATTACKS: &[Attack] = &[
    Attack {
        mode: "log_flood",
        extra: "count = \"20000\"",
        fails_with: None,
        says: "later lines were dropped",
    },
    Attack {
        mode: "log_giant",
        extra: "",
        fails_with: None,
        says: "[cut: 104857600 bytes in all]",
    },
    Attack {
        mode: "fetch_flood",
        extra: "count = \"50000\"\n[fetch]\nmax_requests = 20000",
        fails_with: Some("fetch_limit"),
        says: "20000 requests",
    },
    Attack {
        mode: "long_url",
        extra: "",
        fails_with: None,
        says: "at most 8 KiB can be fetched",
    },
    Attack {
        mode: "open_bodies",
        extra: "count = \"1000\"",
        fails_with: Some("denied"),
        says: "32 response bodies open",
    },
    Attack {
        mode: "fetch_bytes",
        extra: "count = \"100\"\n[fetch]\nmax_total_mib = 8",
        fails_with: Some("fetch_limit"),
        says: "more than 8 MiB",
    },
    Attack {
        mode: "checkpoint_flood",
        extra: "count = \"200000\"",
        fails_with: Some("import_limit"),
        says: "sink.checkpoint more than 100000 times",
    },
    Attack {
        mode: "config_flood",
        extra: "count = \"2000000\"",
        fails_with: Some("import_limit"),
        says: "more than 1000000 times",
    },
    Attack {
        mode: "bookmark_bomb",
        extra: "",
        fails_with: Some("byte_limit"),
        says: "keep them under 4096 KiB",
    },
    Attack {
        mode: "handle_flood",
        extra: "count = \"10000\"",
        fails_with: Some("handle_limit"),
        says: "more than 1024 handles",
    },
    Attack {
        mode: "random_bomb",
        extra: "",
        fails_with: Some("crashed"),
        says: "exceeds limit 1048576",
    },
    Attack {
        mode: "warning_flood",
        extra: "count = \"50000\"",
        fails_with: None,
        says: "more warnings, not kept",
    },
    Attack {
        mode: "staging_flood",
        extra: "count = \"100\"\n[limits]\nmax_bytes_mib = 256",
        fails_with: Some("byte_limit"),
        says: "more than 256 MiB",
    },
    Attack {
        mode: "ansi",
        extra: "",
        fails_with: None,
        says: "red alert",
    },
    Attack {
        mode: "json_deep",
        extra: "",
        fails_with: Some("invalid_rows"),
        says: "field `extra`: is JSON nested deeper than 64 levels",
    },
    Attack {
        mode: "secret_everywhere",
        extra: "",
        fails_with: None,
        says: "using the token [redacted] now",
    },
    Attack {
        mode: "secret_row",
        extra: "",
        fails_with: Some("secret_exposed"),
        says: "the secret `token` in field `note`",
    },
    Attack {
        mode: "secret_error",
        extra: "",
        fails_with: Some("source_changed"),
        says: "the source said [redacted]",
    },
    Attack {
        mode: "secret_panic",
        extra: "",
        fails_with: Some("crashed"),
        says: "panicking with [redacted]",
    },
];

/// An installation with the attacker and sprawl plugins in `plugins_dir`,
/// a fixture server's folder, and one dataset per attack.
struct Range {
    install: Install,
    server: FixtureServer,
}

impl Range {
    fn new() -> Self {
        let install = Install::new();
        let plugins = install.path().join("plugins");
        std::fs::create_dir_all(&plugins).unwrap();
        for id in ["attacker", "sprawl"] {
            let wasm = vitrina_bundle::development_component(id).expect("the plugin is built");
            std::fs::copy(wasm, plugins.join(format!("{id}.wasm"))).unwrap();
        }
        let config = std::fs::read_to_string(install.config_path()).unwrap();
        std::fs::write(
            install.config_path(),
            format!("plugins_dir = \"plugins\"\n{config}"),
        )
        .unwrap();
        let served = install.path().join("served");
        std::fs::create_dir_all(&served).unwrap();
        std::fs::write(served.join("page.html"), "<html>a page</html>").unwrap();
        let server = FixtureServer::start(&served);
        Self { install, server }
    }

    /// Adds a dataset running the attacker in `mode`.
    fn add(&self, id: &str, mode: &str, extra: &str) {
        let (config_lines, sections) = match extra.find('[') {
            Some(i) => (&extra[..i], &extra[i..]),
            None => (extra, ""),
        };
        let toml = format!(
            "title = \"Attack {mode}\"\ndescription = \"The {mode} attack.\"\nplugin = \"attacker\"\n\n[fetch]\nallow = [\"http://127.0.0.1:{port}\"]\n\n\
             [config]\nmode = \"{mode}\"\nurl = \"{url}\"\n{config_lines}\n\n[secrets]\ntoken = \"env:{SECRET_ENV}\"\n\n\
             [limits]\nmemory_mib = {MEMORY_MIB}\ncpu_seconds = 60\nwall_clock_seconds = 120\n",
            port = self.server.port(),
            url = self.url_for(mode),
        );
        let toml = merge_sections(&toml, sections);
        let dir = self.install.add_dataset(id, &toml);
        std::fs::write(dir.join("fixtures").join("small.txt"), "small").unwrap();
        std::fs::write(
            dir.join("fixtures").join("mebibyte.bin"),
            vec![7u8; MIB as usize],
        )
        .unwrap();
    }

    fn url_for(&self, mode: &str) -> String {
        match mode {
            "fetch_flood" | "open_bodies" => "file:///small.txt".to_string(),
            "fetch_bytes" => "file:///mebibyte.bin".to_string(),
            _ => self.server.url("/page.html"),
        }
    }

    /// `vitrina <args>` under the open-files limit; its output and the
    /// process's peak resident memory, as the kernel counted it.
    fn vitrina(&self, args: &[&str]) -> Measured {
        let mut command = Command::new(vitrina_bin());
        command
            .arg("--config")
            .arg(self.install.config_path())
            .args(args)
            .env(SECRET_ENV, SECRET)
            .current_dir(self.install.path());
        measured(command)
    }
}

/// `base` with the `[section]` tables of `extra` merged in: a key under a
/// section `base` has is added to it.
fn merge_sections(base: &str, extra: &str) -> String {
    let mut out = base.to_string();
    let mut section = String::new();
    for line in extra.lines() {
        if line.starts_with('[') {
            section = line.to_string();
            if !out.contains(&section) {
                out.push_str(&format!("\n{section}\n"));
            }
        } else if !line.trim().is_empty() {
            let at = out.find(&section).unwrap() + section.len();
            out.insert_str(at, &format!("\n{line}"));
        }
    }
    out
}

struct Measured {
    status: std::process::ExitStatus,
    stdout: String,
    stderr: String,
    peak_rss: u64,
}

/// Runs `command` with the open-files limit and returns its output and its
/// peak RSS (from `wait4`'s resource usage of exactly that child).
fn measured(mut command: Command) -> Measured {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    limit_open_files(&mut command);
    // Reaped by `wait_with_rusage`, which also reads its resource usage.
    #[allow(clippy::zombie_processes)]
    let mut child = command.spawn().expect("start vitrina");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    let err = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let (status, peak_rss) = wait_with_rusage(child.id() as i32);
    Measured {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
        peak_rss,
    }
}

fn limit_open_files(command: &mut Command) {
    // SAFETY: setrlimit is async-signal-safe; nothing else runs here.
    unsafe {
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: OPEN_FILES,
                rlim_max: OPEN_FILES,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

fn wait_with_rusage(pid: i32) -> (std::process::ExitStatus, u64) {
    use std::os::unix::process::ExitStatusExt;
    let mut status = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: wait4 writes the status and the usage of the child it reaps.
    let usage = unsafe {
        let reaped = libc::wait4(pid, &mut status, 0, usage.as_mut_ptr());
        assert_eq!(reaped, pid, "wait4: {}", std::io::Error::last_os_error());
        usage.assume_init()
    };
    (
        std::process::ExitStatus::from_raw(status),
        usage.ru_maxrss as u64 * 1024,
    )
}

/// The peak RSS (VmHWM) of a running process.
fn peak_rss_of(pid: u32) -> u64 {
    proc_status_bytes(pid, "VmHWM:")
}

/// The RSS (VmRSS) of a running process now.
fn rss_of(pid: u32) -> u64 {
    proc_status_bytes(pid, "VmRSS:")
}

fn proc_status_bytes(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with(key)).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// What a run may make the host hold beyond the host's own baseline: the
/// plugin's memory, a copy of the arguments of the import call in
/// progress (at most the plugin's memory again), and the fixed overhead of
/// the budgets.
fn allowed_growth() -> u64 {
    2 * MEMORY_MIB * MIB + HOST_OVERHEAD_BYTES
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / MIB as f64
}

/// The record of the latest run of `dataset`, from `vitrina runs`.
fn latest_run_line(range: &Range, dataset: &str) -> String {
    let runs = range.vitrina(&["runs", dataset, "--limit", "1"]);
    assert!(runs.status.success(), "{}", runs.stderr);
    runs.stdout
        .lines()
        .nth(1)
        .unwrap_or_else(|| panic!("no run of {dataset} in the history:\n{}", runs.stdout))
        .to_string()
}

/// Every file under `dir`, read whole, must not contain `needle` in any of
/// the forms it takes in URLs.
fn assert_no_secret_under(dir: &Path) {
    let forms = [
        SECRET.to_string(),
        SECRET.replace('/', "%2F").replace('+', "%2B"),
        "S3cret".to_string(),
    ];
    for entry in walk(dir) {
        let bytes = std::fs::read(&entry).unwrap();
        for form in &forms {
            assert!(
                !bytes.windows(form.len()).any(|w| w == form.as_bytes()),
                "{} holds the secret ({form})",
                entry.display()
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn assert_no_secret_in(what: &str, text: &str) {
    assert!(!text.contains("S3cret"), "{what} holds the secret:\n{text}");
}

#[test]
fn every_attack_is_contained_by_vitrina_run() {
    let range = Range::new();
    range.add("normal", "none", "");
    // The first run compiles the plugin into the cache; the second is
    // what a normal run costs the host.
    assert!(range.vitrina(&["run", "normal"]).status.success());
    let baseline = range.vitrina(&["run", "normal", "--full-refresh"]);
    assert!(baseline.status.success(), "{}", baseline.stderr);
    let mut table = vec![format!(
        "| case | host peak RSS of a normal run | host peak RSS of the attack | outcome |\n|---|---|---|---|"
    )];
    for attack in ATTACKS {
        let id = format!("attack-{}", attack.mode.replace('_', "-"));
        range.add(&id, attack.mode, attack.extra);
        let run = range.vitrina(&["run", &id]);
        let ended = latest_run_line(&range, &id);
        match attack.fails_with {
            None => {
                assert!(
                    run.status.success(),
                    "{}: should succeed:\n{}",
                    attack.mode,
                    run.stderr
                );
                assert!(ended.contains("published"), "{}: {ended}", attack.mode);
            }
            Some(kind) => {
                assert_eq!(
                    run.status.code(),
                    Some(1),
                    "{}: should fail:\n{}",
                    attack.mode,
                    run.stderr
                );
                assert!(
                    ended.contains("failed") && ended.contains(kind),
                    "{}: {ended}",
                    attack.mode
                );
            }
        }
        let shown = if attack.fails_with.is_some() {
            &ended
        } else {
            &run.stderr
        };
        let report = if attack.fails_with.is_none() {
            let run_id = ended.split_whitespace().next().unwrap();
            range.vitrina(&["runs", "show", run_id]).stdout
        } else {
            String::new()
        };
        assert!(
            shown.contains(attack.says) || report.contains(attack.says),
            "{}: expected `{}` in\n{shown}\n{report}",
            attack.mode,
            attack.says
        );
        assert!(
            run.peak_rss <= baseline.peak_rss + allowed_growth(),
            "{}: the host peaked at {:.0} MiB, over {:.0} MiB (a normal run) + {:.0} MiB",
            attack.mode,
            mib(run.peak_rss),
            mib(baseline.peak_rss),
            mib(allowed_growth())
        );
        assert!(
            !run.stderr.contains('\u{1b}')
                && !run.stderr.contains('\u{7}')
                && !run.stderr.contains('\u{202e}'),
            "{}: raw control characters reached the terminal:\n{}",
            attack.mode,
            run.stderr
        );
        assert_no_secret_in(attack.mode, &run.stderr);
        assert_no_secret_in(attack.mode, &run.stdout);
        assert_no_secret_in(attack.mode, &report);
        table.push(format!(
            "| {} | {:.0} MiB | {:.0} MiB | {} |",
            attack.mode,
            mib(baseline.peak_rss),
            mib(run.peak_rss),
            attack.fails_with.unwrap_or("succeeded")
        ));
        // The next normal run works, whatever the attack did.
        let after = range.vitrina(&["run", "normal"]);
        assert!(
            after.status.success(),
            "after {}: {}",
            attack.mode,
            after.stderr
        );
    }
    assert_no_secret_under(&range.install.path().join("data"));
    eprintln!("{}", table.join("\n"));
}

/// A component that holds more than a plugin may: refused at load with
/// the reason, and the run recorded as failed.
#[test]
fn oversized_components_are_refused_at_load_and_recorded() {
    let range = Range::new();
    let plugins = range.install.path().join("plugins");
    let repeat = |n: usize, text: &str| text.repeat(n);
    let components = [
        (
            "memories",
            format!(
                "(component (core module $m (memory 1)) {})",
                repeat(3, "(core instance (instantiate $m))")
            ),
            "3 Wasm linear memories",
        ),
        (
            "instances",
            format!(
                "(component (core module $m) {})",
                repeat(40, "(core instance (instantiate $m))")
            ),
            "40 core module instances",
        ),
        (
            "tables",
            format!(
                "(component (core module $m (table 1 funcref)) {})",
                repeat(9, "(core instance (instantiate $m))")
            ),
            "9 tables",
        ),
    ];
    for (name, wat, says) in components {
        let wasm = wat::parse_str(&wat).unwrap();
        std::fs::write(plugins.join(format!("many-{name}.wasm")), wasm).unwrap();
        let id = format!("oversized-{name}");
        range.install.add_dataset(
            &id,
            &format!(
                "title = \"{name}\"\ndescription = \"Too many {name}.\"\nplugin = \"many-{name}\"\n"
            ),
        );
        let run = range.vitrina(&["run", &id]);
        assert_eq!(run.status.code(), Some(1), "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains(says) && run.stderr.contains("refused"),
            "{name}: {}",
            run.stderr
        );
        let ended = latest_run_line(&range, &id);
        assert!(
            ended.contains("failed") && ended.contains("bad_plugin"),
            "{name}: {ended}"
        );
    }
    range.install.add_dataset(
        "sprawling",
        "title = \"Sprawl\"\ndescription = \"Too large.\"\nplugin = \"sprawl\"\n",
    );
    let started = Instant::now();
    let run = range.vitrina(&["run", "sprawling"]);
    assert_eq!(run.status.code(), Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("declares 200 streams, more than the 64"),
        "{}",
        run.stderr
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "refusing took {:?}",
        started.elapsed()
    );
    assert!(latest_run_line(&range, "sprawling").contains("bad_plugin"));
}

/// Under `vitrina serve`, every attack runs through the admin API while
/// a client reads the public API: it never fails, the daemon's memory
/// stays bounded, and every run is in the history and the metrics.
#[test]
fn attacks_inside_serve_leave_the_api_answering() {
    let range = Range::new();
    range.add("normal", "none", "");
    // Every dataset first publishes a good version, then is turned into an
    // attack: the last good version must stay current.
    let attacks: Vec<&Attack> = ATTACKS.iter().filter(|a| a.mode != "ansi").collect();
    for attack in &attacks {
        let id = format!("attack-{}", attack.mode.replace('_', "-"));
        range.add(&id, "none", "");
        assert!(range.vitrina(&["run", &id]).status.success());
        range.add(&id, attack.mode, attack.extra);
    }
    let token = "containment-admin-token";
    let mut command = Command::new(vitrina_bin());
    command
        .arg("--config")
        .arg(range.install.config_path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env(SECRET_ENV, SECRET)
        .env("VITRINA_ADMIN_TOKEN", token)
        .current_dir(range.install.path());
    limit_open_files(&mut command);
    let server = Server::spawn(command);
    let addr = server.addr.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let (answered, failed) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let reader = {
        let (stop, answered, failed, addr) = (
            Arc::clone(&stop),
            Arc::clone(&answered),
            Arc::clone(&failed),
            addr.clone(),
        );
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                for path in [
                    "/api/v1/datasets",
                    "/api/v1/datasets/normal/latest/data.csv",
                ] {
                    let status =
                        std::panic::catch_unwind(|| vitrina_tests::get(&addr, path).status)
                            .unwrap_or(0);
                    let counter = if status == 200 { &answered } else { &failed };
                    counter.fetch_add(1, Ordering::Relaxed);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };

    let bearer = format!("Bearer {token}");
    let pid = server.child.id();
    let mut table = vec![
        "| case | daemon peak RSS before | peak after | RSS after | outcome |\n|---|---|---|---|---|"
            .to_string(),
    ];
    let start_peak = peak_rss_of(pid);
    for attack in &attacks {
        let id = format!("attack-{}", attack.mode.replace('_', "-"));
        let before = peak_rss_of(pid);
        let answer = http(
            &addr,
            "POST",
            &format!("/api/v1/admin/datasets/{id}/runs"),
            &[("authorization", &bearer)],
        );
        assert_eq!(answer.status, 202, "{}: {}", attack.mode, answer.text());
        let run_id = answer.json()["run_id"].as_str().unwrap().to_string();
        let run = wait_for_run(&addr, &bearer, &run_id);
        let outcome = run["outcome"].as_str().unwrap().to_string();
        match attack.fails_with {
            // The surviving row is the one the good version has.
            None => assert_eq!(outcome, "unchanged", "{}: {run}", attack.mode),
            Some(kind) => {
                assert_eq!(outcome, "failed", "{}: {run}", attack.mode);
                assert_eq!(run["failure"]["kind"], kind, "{}: {run}", attack.mode);
            }
        }
        let after = peak_rss_of(pid);
        assert!(
            after <= start_peak + allowed_growth(),
            "{}: the daemon peaked at {:.0} MiB, over {:.0} MiB + {:.0} MiB",
            attack.mode,
            mib(after),
            mib(start_peak),
            mib(allowed_growth())
        );
        assert_no_secret_in(attack.mode, &run.to_string());
        table.push(format!(
            "| {} | {:.0} MiB | {:.0} MiB | {:.0} MiB | {outcome} |",
            attack.mode,
            mib(before),
            mib(after),
            mib(rss_of(pid))
        ));
        // The last good version is still the current one, served whole.
        let dataset = vitrina_tests::get(&addr, &format!("/api/v1/datasets/{id}"));
        assert_eq!(dataset.status, 200, "{}", attack.mode);
    }
    // A normal run afterwards succeeds.
    let answer = http(
        &addr,
        "POST",
        "/api/v1/admin/datasets/normal/runs",
        &[("authorization", &bearer)],
    );
    let run = wait_for_run(&addr, &bearer, answer.json()["run_id"].as_str().unwrap());
    assert_eq!(run["outcome"], "unchanged", "{run}");

    stop.store(true, Ordering::Relaxed);
    reader.join().unwrap();
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "the public API failed requests during the attacks"
    );
    assert!(
        answered.load(Ordering::Relaxed) > 20,
        "the reader made too few requests"
    );

    let metrics = vitrina_tests::get(&addr, "/metrics").text();
    assert!(metrics.contains("outcome=\"failed\""), "{metrics}");
    let log = server.log().join("\n");
    assert_no_secret_in("the daemon's log", &log);
    assert!(
        !log.contains('\u{1b}'),
        "raw escape sequences in the daemon's log"
    );
    drop(server);
    assert_no_secret_under(&range.install.path().join("data"));
    eprintln!("{}", table.join("\n"));
}

/// Polls the admin API until the run is recorded.
fn wait_for_run(addr: &str, bearer: &str, run_id: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let answer = http(
            addr,
            "GET",
            &format!("/api/v1/admin/runs/{run_id}"),
            &[("authorization", bearer)],
        );
        if answer.status == 200 {
            return answer.json();
        }
        assert!(Instant::now() < deadline, "run {run_id} never ended");
        std::thread::sleep(Duration::from_millis(100));
    }
}
