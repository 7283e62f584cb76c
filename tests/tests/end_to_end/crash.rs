//! Crash safety: the daemon killed with SIGKILL at random points while it
//! publishes, again and again. After each restart the store serves the
//! previous version or the new one, complete and matching its hashes, and
//! never a mix; the download files match the version's rows.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use vitrina::store::sqlite::SqliteStore;
use vitrina::store::{Compression, ExportFormat, Store};
use vitrina_tests::{Install, describe, vitrina_bin};

const KILLS: usize = 20;
const BASE_ROWS: u64 = 15_000;

/// A small deterministic generator; the seed is printed so a failure can be replayed.
struct Lcg(u64);

impl Lcg {
    fn next_below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

fn install_with_rows_plugin() -> Install {
    let install = Install::with_rows_plugin("");
    install.add_dataset(
        "bulk",
        "title = \"Bulk\"\ndescription = \"Generated rows\"\nplugin = \"rows\"\n",
    );
    install
}

/// Checks every version the store shows, and returns the current one.
fn check_store(install: &Install) -> Option<u64> {
    let store =
        SqliteStore::open(&install.path().join("data")).expect("the store opens after a crash");
    let summary = store.dataset("bulk").ok()?;
    let current = summary.current?;
    for version in store.versions("bulk").unwrap() {
        store
            .verify("bulk", version.number)
            .unwrap_or_else(|e| panic!("after a crash: {e}"));
        let csv = std::fs::read_to_string(store.file_path(
            "bulk",
            &version,
            &vitrina::store::exports::file_name(ExportFormat::Csv, Compression::Identity),
            Compression::Identity,
        ))
        .unwrap();
        assert_eq!(
            csv.lines().count() as u64,
            version.row_count + 1,
            "CSV of version {}",
            version.number
        );
    }
    Some(current.number)
}

#[test]
fn a_publish_killed_at_any_point_leaves_a_complete_version() {
    let install = install_with_rows_plugin();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    println!("seed {seed}");
    let mut random = Lcg(seed);

    // One full publish first, to time it and to have a previous version.
    let started = Instant::now();
    let first = install.vitrina(&["run", "bulk", "--set", &format!("rows={BASE_ROWS}")]);
    assert!(first.status.success(), "{}", describe(&first));
    let full_run = started.elapsed();
    let mut current = check_store(&install).expect("version 1");
    let mut interrupted = 0;

    for kill in 1..=KILLS {
        let rows = BASE_ROWS + kill as u64;
        let delay = Duration::from_millis(random.next_below(full_run.as_millis() as u64 + 200));
        let mut child = Command::new(vitrina_bin())
            .arg("--config")
            .arg(install.config_path())
            .args(["run", "bulk", "--set", &format!("rows={rows}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let finished_before_kill = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let now = check_store(&install).expect("a version survives");
        assert!(
            now == current || now == current + 1,
            "kill {kill}: version went from {current} to {now}"
        );
        if finished_before_kill {
            assert_eq!(now, current + 1, "kill {kill}: a finished run published");
        }
        if now == current {
            interrupted += 1;
        }
        current = now;
    }
    assert!(
        interrupted > 0,
        "no kill landed inside a run; the test proved nothing (seed {seed})"
    );
}
