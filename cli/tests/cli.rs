//! The command line's own behaviour: help, and configuration errors that
//! name the file, the line and the fix. (The end-to-end tests of runs live
//! in the workspace's `tests/` crate.)

use std::path::Path;
use std::process::{Command, Output};

fn vitrina(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_vitrina"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run vitrina")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn help_lists_the_commands() {
    let dir = tempfile::tempdir().unwrap();
    let output = vitrina(dir.path(), &["--help"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("run") && text.contains("plugins"), "{text}");
}

#[test]
fn unknown_dataset_lists_the_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("datasets/alpha")).unwrap();
    std::fs::write(
        dir.path().join("datasets/alpha/dataset.toml"),
        "title = \"A\"\ndescription = \"A\"\nplugin = \"projects\"\n",
    )
    .unwrap();
    let output = vitrina(dir.path(), &["run", "nope"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no dataset `nope`") && stderr(&output).contains("alpha"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_typo_in_dataset_toml_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("datasets/alpha")).unwrap();
    std::fs::write(
        dir.path().join("datasets/alpha/dataset.toml"),
        "title = \"A\"\ndescription = \"A\"\nplugin = \"projects\"\nshedule = \"0 0 5 * * *\"\n",
    )
    .unwrap();
    let output = vitrina(dir.path(), &["run", "alpha"]);
    assert_eq!(output.status.code(), Some(2));
    let text = stderr(&output);
    assert!(text.contains("datasets/alpha/dataset.toml"), "{text}");
    assert!(
        text.contains("line 4") && text.contains("shedule"),
        "{text}"
    );
}

#[test]
fn an_allow_entry_without_scheme_says_how_to_write_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("datasets/alpha")).unwrap();
    std::fs::write(
        dir.path().join("datasets/alpha/dataset.toml"),
        "title = \"A\"\ndescription = \"A\"\nplugin = \"projects\"\n[fetch]\nallow = [\"www.burgas.bg\"]\n",
    )
    .unwrap();
    let output = vitrina(dir.path(), &["run", "alpha"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("https://www.burgas.bg"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn impossible_dataset_limits_are_refused_when_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("datasets/alpha")).unwrap();
    std::fs::write(
        dir.path().join("datasets/alpha/dataset.toml"),
        "title = \"A\"\ndescription = \"A\"\nplugin = \"projects\"\n[limits]\ncpu_seconds = -1.0\n",
    )
    .unwrap();
    let output = vitrina(dir.path(), &["run", "alpha"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("limits.cpu_seconds must be a positive number"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn validate_lists_every_problem_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let dataset = |id: &str, body: &str| {
        std::fs::create_dir_all(dir.path().join("datasets").join(id)).unwrap();
        std::fs::write(
            dir.path().join("datasets").join(id).join("dataset.toml"),
            body,
        )
        .unwrap();
    };
    dataset(
        "good",
        "title = \"A\"\ndescription = \"A\"\nplugin = \"projects\"\nschedule = \"30 3 * * *\"\n",
    );
    dataset(
        "bad-cron",
        "title = \"A\"\ndescription = \"A\"\nplugin = \"projects\"\nschedule = \"nightly\"\n",
    );
    dataset(
        "bad-zone",
        "title = \"A\"\ndescription = \"A\"\nplugin = \"projects\"\nschedule = \"30 3 * * *\"\ntimezone = \"Mars/Olympus\"\n",
    );
    dataset(
        "no-plugin",
        "title = \"A\"\ndescription = \"A\"\nplugin = \"budgetz\"\n",
    );
    dataset(
        "wrong-profile",
        "title = \"A\"\ndescription = \"A\"\nplugin = \"projects\"\nprofile = \"budget\"\n",
    );
    dataset(
        "typo",
        "title = \"A\"\ndescription = \"A\"\nplugin = \"projects\"\nlicence = \"CC-BY-4.0\"\n",
    );
    let output = vitrina(dir.path(), &["validate"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stderr(&output);
    assert!(
        text.contains("6 problems") || text.contains("5 problems"),
        "{text}"
    );
    for needle in [
        "bad-cron",
        "Mars/Olympus",
        "no plugin `budgetz`",
        "expects profile `budget`",
        "licence",
    ] {
        assert!(text.contains(needle), "`{needle}` missing from:\n{text}");
    }
    assert!(!text.contains("datasets/good/"), "{text}");
}

#[test]
fn validate_says_what_is_not_ready_to_go_public_without_failing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("datasets/contracts")).unwrap();
    std::fs::write(
        dir.path().join("datasets/contracts/dataset.toml"),
        "title = \"A\"\ndescription = \"A\"\nplugin = \"procurement\"\nprofile = \"procurement\"\n\
         [config]\nocid_prefix = \"ocds-abc123\"\nsources = \"file:///contracts.csv\"\n",
    )
    .unwrap();
    let output = vitrina(dir.path(), &["validate"]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains("configuration valid: 1 datasets"), "{text}");
    assert!(
        text.contains("! contracts: it reads bundled sample files"),
        "{text}"
    );
    assert!(
        text.contains("! contracts: its OCDS ids use the ocid prefix `ocds-abc123`"),
        "{text}"
    );
}
