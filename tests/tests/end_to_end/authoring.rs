//! A new author's path through the real binary, in each language:
//! `vitrina plugin new` writes a plugin with a sample, `vitrina plugin
//! test` builds it and checks its rows; the three skeletons read the same
//! sample into the same rows, since their numbers go through the same
//! normalization.

use std::process::Command;

use vitrina_tests::{componentize_js, componentize_py, describe, repo_root, vitrina_bin};

fn vitrina(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(vitrina_bin())
        .args(args)
        .current_dir(dir)
        .env("VITRINA_COMPONENTIZE_PY", componentize_py())
        .env("VITRINA_COMPONENTIZE_JS", componentize_js())
        .output()
        .expect("vitrina runs")
}

#[test]
fn a_new_plugin_in_each_language_builds_and_passes_its_own_test() {
    let dir = tempfile::tempdir().unwrap();
    let sdk = repo_root().join("plugins/sdk");
    for (lang, name) in [
        ("python", "items_py"),
        ("js", "items_js"),
        ("rust", "items_rs"),
    ] {
        let mut args = vec!["plugin", "new", "--lang", lang, name];
        let sdk = sdk.display().to_string();
        if lang == "rust" {
            args.extend(["--sdk", &sdk]);
        }
        let made = vitrina(dir.path(), &args);
        assert!(made.status.success(), "{lang}: {}", describe(&made));
        assert!(
            dir.path()
                .join(name)
                .join("dataset/fixtures/expected.json")
                .is_file()
        );
        let tested = vitrina(dir.path(), &["plugin", "test", name]);
        assert!(tested.status.success(), "{lang}: {}", describe(&tested));
        assert!(
            String::from_utf8_lossy(&tested.stderr).contains("ok: 3 rows"),
            "{lang}: {}",
            describe(&tested)
        );
    }
    // A broken expectation is reported with the first row that differs.
    let expected = dir.path().join("items_py/dataset/fixtures/expected.json");
    let text = std::fs::read_to_string(&expected).unwrap();
    std::fs::write(&expected, text.replace("1234.50", "1234.5")).unwrap();
    let failed = vitrina(dir.path(), &["plugin", "test", "items_py"]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("first at row 1"), "{stderr}");
    // A name that is not a plugin id, and a folder that exists, are refused.
    assert!(
        !vitrina(dir.path(), &["plugin", "new", "--lang", "js", "Items"])
            .status
            .success()
    );
    assert!(
        !vitrina(dir.path(), &["plugin", "new", "--lang", "js", "items_js"])
            .status
            .success()
    );
}
