//! Builds the plugins to wasm components. The bundled ones are embedded in
//! the binary, so `vitrina` is one file that runs the demo datasets as it
//! is; the development ones (hostile and attacking plugins for the sandbox
//! and containment tests, a row generator for benchmarks) are built only
//! with the `dev-plugins` feature and only referenced by path.

use std::fmt::Write;

use std::path::PathBuf;
use vitrina_wasm_build::Language;

/// Plugin packages shipped inside the binary; the id is the part after
/// `vitrina-plugin-`.
const BUNDLED: &[&str] = &[
    "vitrina-plugin-projects",
    "vitrina-plugin-budget",
    "vitrina-plugin-decisions",
    "vitrina-plugin-procurement",
    "vitrina-plugin-egov",
];

/// Plugin packages for tests and benchmarks, never shipped.
const DEVELOPMENT: &[&str] = &[
    "vitrina-plugin-hostile",
    "vitrina-plugin-rows",
    "vitrina-plugin-rows-renamed",
    "vitrina-plugin-attacker",
    "vitrina-plugin-sprawl",
    "vitrina-plugin-legacy",
    "vitrina-plugin-harvest",
];

/// Plugins written in Python or JavaScript: bundled when this machine has
/// the tool that builds them, left out (with a warning) when it has not, so
/// that building Vitrina needs only Rust. `vitrina serve` names what a
/// dataset of a left-out plugin needs.
const LANGUAGE_PLUGINS: &[(&str, Language)] = &[
    ("ckan", Language::Python),
    ("opendatasoft", Language::JavaScript),
];

fn language_plugins(workspace: &std::path::Path) -> Vec<vitrina_wasm_build::Artifact> {
    let mut built = Vec::new();
    for (id, language) in LANGUAGE_PLUGINS {
        match vitrina_wasm_build::language_tool(workspace, *language) {
            Some(tool) => built.push(vitrina_wasm_build::build_language_component(
                workspace, id, *language, &tool,
            )),
            None => println!(
                "cargo:warning=plugin `{id}` is not bundled: its {language:?} toolchain is not installed (see docs/first-plugin.md)"
            ),
        }
    }
    built
}

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .ancestors()
        .nth(2)
        .expect("plugins/bundle/ sits two levels below the workspace root");
    println!(
        "cargo:rerun-if-changed={}",
        workspace.join("tests/plugins").display()
    );
    // The development plugins only when a test or benchmark build asks for
    // them (the `dev-plugins` feature): a release build has no use for them.
    let development: &[&str] = if std::env::var_os("CARGO_FEATURE_DEV_PLUGINS").is_some() {
        DEVELOPMENT
    } else {
        &[]
    };
    let packages: Vec<&str> = BUNDLED.iter().chain(development).copied().collect();
    let mut artifacts = vitrina_wasm_build::build_components(workspace, &packages);
    artifacts.extend(language_plugins(workspace));
    let id = |package: &str| package.trim_start_matches("vitrina-plugin-").to_string();

    let mut code = String::from(
        "/// Plugins compiled into this binary: (id, component bytes).\npub const BUNDLED: &[(&str, &[u8])] = &[\n",
    );
    let bundled = |package: &str| {
        BUNDLED.contains(&package)
            || LANGUAGE_PLUGINS
                .iter()
                .any(|(id, _)| package == format!("vitrina-plugin-{id}"))
    };
    for artifact in artifacts.iter().filter(|a| bundled(&a.package)) {
        let path = artifact.path.display().to_string();
        writeln!(
            code,
            "    ({:?}, include_bytes!({path:?})),",
            id(&artifact.package)
        )
        .unwrap();
    }
    code.push_str("];\n\n/// Development plugins: (id, path of the component).\npub const DEVELOPMENT: &[(&str, &str)] = &[\n");
    for artifact in artifacts
        .iter()
        .filter(|a| DEVELOPMENT.contains(&a.package.as_str()))
    {
        let path = artifact.path.display().to_string();
        writeln!(code, "    ({:?}, {path:?}),", id(&artifact.package)).unwrap();
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(out, code).expect("write bundled.rs");
}
