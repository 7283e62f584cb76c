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

#[test]
fn python_and_javascript_plugins_build_a_profiles_stream_the_host_accepts() {
    let dir = tempfile::tempdir().unwrap();
    let python = dir.path().join("profiled_py");
    std::fs::create_dir_all(&python).unwrap();
    std::fs::write(
        python.join("app.py"),
        "from vitrina_sdk import Plugin, PluginInfo, Stream, export\n\n\
         class Projects(Plugin):\n\
         \x20   def describe(self):\n\
         \x20       return PluginInfo('profiled_py', '0.1.0', 'Projects.').claims('project')\
         .stream(Stream.from_profile('projects', 'project'))\n\n\
         \x20   def collect(self, run):\n\
         \x20       pass\n\n\
         WitWorld = export(Projects)\n",
    )
    .unwrap();
    let js = dir.path().join("profiled_js");
    std::fs::create_dir_all(&js).unwrap();
    std::fs::write(
        js.join("app.js"),
        "import { Plugin, PluginInfo, Stream, exportPlugin } from './vitrina_sdk/index.js';\n\
         class Budget extends Plugin {\n\
         \x20 describe() { return new PluginInfo('profiled_js', '0.1.0', 'Budget.').claims('budget')\
         .stream(Stream.fromProfile('budget_lines', 'budget')); }\n\
         \x20 collect(_run) {}\n\
         }\n\
         export const { describe, check, collect } = exportPlugin(Budget);\n",
    )
    .unwrap();
    let plugins = dir.path().join("plugins");
    std::fs::create_dir_all(&plugins).unwrap();
    for name in ["profiled_py", "profiled_js"] {
        let wasm = plugins.join(format!("{name}.wasm"));
        let built = vitrina(
            dir.path(),
            &["plugin", "build", name, "-o", wasm.to_str().unwrap()],
        );
        assert!(built.status.success(), "{name}: {}", describe(&built));
    }
    std::fs::write(
        dir.path().join("vitrina.toml"),
        "plugins_dir = \"plugins\"\n",
    )
    .unwrap();
    // The host loads each only if its first stream is the profile's.
    let listed = vitrina(dir.path(), &["plugins"]);
    assert!(listed.status.success(), "{}", describe(&listed));
    let stdout = String::from_utf8_lossy(&listed.stdout);
    assert!(
        stdout.contains("stream projects (key: id)") && stdout.contains("profile: project"),
        "{stdout}"
    );
    assert!(
        stdout.contains("stream budget_lines (key: fiscal_year, phase"),
        "{stdout}"
    );
}
