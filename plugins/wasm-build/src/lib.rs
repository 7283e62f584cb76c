//! Compiles plugin crates to `wasm32-wasip2` components from a build script.
//!
//! The host embeds its bundled plugins and the end-to-end tests load hostile
//! ones; both need the components built before they compile. Like wasmtime's
//! own test programs, a build script runs a nested `cargo build` for the
//! plugin packages. The nested build uses its own target directory: sharing
//! the outer one would wait forever on the outer build's lock.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The wasm target every plugin is built for.
pub const TARGET: &str = "wasm32-wasip2";

/// The cargo profile plugins are built with (see the workspace manifest).
pub const PROFILE: &str = "plugin";

/// One compiled plugin component.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// The cargo package name, e.g. `vitrina-plugin-projects`.
    pub package: String,
    /// Where the component was written.
    pub path: PathBuf,
}

/// Builds `packages` (cargo package names in the workspace at
/// `workspace_root`) and returns their components, in the same order.
///
/// Panics with an actionable message when the target is missing or the
/// build fails: this runs inside a build script, where a panic is the way to
/// report.
pub fn build_components(workspace_root: &Path, packages: &[&str]) -> Vec<Artifact> {
    for dir in ["wit", "plugins", "profiles"] {
        println!(
            "cargo:rerun-if-changed={}",
            workspace_root.join(dir).display()
        );
    }
    ensure_target_installed();
    let target_dir = workspace_root.join("target").join("wasm-plugins");
    let cargo = env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(workspace_root)
        .args(["build", "--target", TARGET, "--profile", PROFILE])
        .env("CARGO_TARGET_DIR", &target_dir);
    for package in packages {
        cmd.args(["--package", package]);
    }
    // The outer build's flags and wrappers are for the host target, not wasm.
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_TARGET",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("could not start cargo to build the wasm plugins: {e}"));
    assert!(
        status.success(),
        "building the wasm plugins {packages:?} failed (see the cargo output above)"
    );
    packages
        .iter()
        .map(|package| Artifact {
            package: package.to_string(),
            path: target_dir
                .join(TARGET)
                .join(PROFILE)
                .join(format!("{}.wasm", package.replace('-', "_"))),
        })
        .inspect(|artifact| {
            assert!(
                artifact.path.exists(),
                "cargo built {} but {} is missing: is it a `cdylib` crate?",
                artifact.package,
                artifact.path.display()
            )
        })
        .collect()
}

/// Fails early, with the fix, when the standard library for the wasm target
/// is not installed.
fn ensure_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string());
    let libdir = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    let installed = libdir
        .map(|dir| {
            dir.read_dir()
                .map(|mut entries| entries.next().is_some())
                .unwrap_or(false)
        })
        .unwrap_or(false);
    assert!(
        installed,
        "the Rust target {TARGET} is not installed; Vitrina's plugins are built for it.\n\
         Install it with: rustup target add {TARGET}"
    );
}

/// A bundled plugin written in Python or JavaScript, in `plugins/<id>/`.
#[derive(Debug, Clone, Copy)]
pub enum Language {
    /// `app.py`, built with componentize-py and the Python SDK.
    Python,
    /// `app.js`, built with componentize-js and the JavaScript SDK.
    JavaScript,
}

/// The tool that builds `language`, if this machine has it: the variable
/// `VITRINA_COMPONENTIZE_PY` / `_JS`, else where `.ci/run` and the tests
/// install it under `target/`, else the `PATH`.
pub fn language_tool(workspace_root: &Path, language: Language) -> Option<PathBuf> {
    let (variable, name, installed): (&str, &str, &[&str]) = match language {
        Language::Python => (
            "VITRINA_COMPONENTIZE_PY",
            "componentize-py",
            &[
                "target/python/bin/componentize-py",
                "target/toolchains/python/bin/componentize-py",
            ],
        ),
        Language::JavaScript => (
            "VITRINA_COMPONENTIZE_JS",
            "componentize-js",
            &["target/toolchains/js/node_modules/.bin/componentize-js"],
        ),
    };
    println!("cargo:rerun-if-env-changed={variable}");
    // A toolchain installed later bundles the plugin at the next build.
    for path in installed {
        println!(
            "cargo:rerun-if-changed={}",
            workspace_root.join(path).display()
        );
    }
    if let Some(tool) = env::var_os(variable) {
        return Some(PathBuf::from(tool));
    }
    installed
        .iter()
        .map(|path| workspace_root.join(path))
        .chain(env::split_paths(&env::var_os("PATH").unwrap_or_default()).map(|dir| dir.join(name)))
        .find(|path| path.is_file())
}

/// What a Python or JavaScript plugin is built from: the one way both the
/// build script and `vitrina plugin build` lay a build out and run the tool.
pub struct LanguageBuild<'a> {
    pub language: Language,
    /// componentize-py or componentize-js.
    pub tool: &'a Path,
    /// The plugin's folder: `app.py` or `app.js`, and what it imports.
    pub source: &'a Path,
    /// The contract's WIT.
    pub wit: &'a str,
    /// The SDK's files, (name, text), written as the `vitrina_sdk` package.
    pub sdk: &'a [(String, String)],
    /// The profiles, (name, Table Schema JSON), for `from_profile`.
    pub profiles: &'a [(String, String)],
    /// A folder to lay the build out in; emptied first.
    pub work: &'a Path,
    /// Where the component goes.
    pub output: &'a Path,
}

/// Why a Python or JavaScript plugin did not build.
#[derive(Debug)]
pub enum BuildError {
    /// The tool could not be started (not installed, most likely).
    Tool(std::io::Error),
    /// The tool ran and failed: its output.
    Failed(String),
    /// The build's folder could not be written.
    Io(std::io::Error),
}

impl std::fmt::Display for BuildError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BuildError::Tool(e) => write!(f, "cannot run the tool: {e}"),
            BuildError::Failed(output) => write!(f, "the tool failed:\n{output}"),
            BuildError::Io(e) => write!(f, "cannot lay out the build: {e}"),
        }
    }
}

/// Builds a Python or JavaScript plugin into a component: the WIT, the SDK
/// with its profiles module beside the plugin's source, then the tool.
pub fn componentize(build: &LanguageBuild) -> Result<(), BuildError> {
    let work = build.work;
    let _ = std::fs::remove_dir_all(work);
    let wit = work.join("wit");
    std::fs::create_dir_all(&wit).map_err(BuildError::Io)?;
    std::fs::write(wit.join("vitrina.wit"), build.wit).map_err(BuildError::Io)?;
    let output = std::path::absolute(build.output).map_err(BuildError::Io)?;
    let mut cmd = Command::new(build.tool);
    // componentize-js reads relative paths: the plugin's modules go into
    // the work folder, with the SDK beside them; componentize-py takes
    // search paths, so the plugin stays where it is.
    let (sdk, profiles) = match build.language {
        Language::Python => {
            cmd.arg("-d")
                .arg(&wit)
                .args(["-w", "collector", "componentize", "app", "-p"])
                .arg(build.source)
                .arg("-p")
                .arg(work.join("sdk"))
                .arg("-o")
                .arg(&output);
            (work.join("sdk/vitrina_sdk"), "profiles.py")
        }
        Language::JavaScript => {
            copy_sources(build.source, &work.join("src")).map_err(BuildError::Io)?;
            // The plugin reaches HTTP through the contract's `fetch`, never WASI's.
            cmd.current_dir(work)
                .arg("src/app.js")
                .args(["--wit", "wit", "--world-name", "collector"])
                .args(["--disable", "http", "fetch-event", "-o"])
                .arg(&output);
            (work.join("src/vitrina_sdk"), "profiles.js")
        }
    };
    std::fs::create_dir_all(&sdk).map_err(BuildError::Io)?;
    for (name, text) in build.sdk {
        std::fs::write(sdk.join(name), text).map_err(BuildError::Io)?;
    }
    std::fs::write(
        sdk.join(profiles),
        profiles_module(build.profiles, build.language),
    )
    .map_err(BuildError::Io)?;
    let done = cmd.output().map_err(BuildError::Tool)?;
    if !done.status.success() {
        return Err(BuildError::Failed(format!(
            "{}{}",
            String::from_utf8_lossy(&done.stdout),
            String::from_utf8_lossy(&done.stderr)
        )));
    }
    Ok(())
}

/// Copies a JavaScript plugin's modules (`.js`, `.mjs`, `.json`, folders
/// included, but not `node_modules` nor an SDK copy) from `from` into `to`.
fn copy_sources(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let (path, name) = (entry.path(), entry.file_name());
        if path.is_dir() {
            if name != "node_modules" && name != "vitrina_sdk" {
                copy_sources(&path, &to.join(&name))?;
            }
        } else if path
            .extension()
            .is_some_and(|e| e == "js" || e == "mjs" || e == "json")
        {
            std::fs::copy(&path, to.join(&name))?;
        }
    }
    Ok(())
}

/// The files of a folder with `extension`: (name, text), by name.
fn files_with_extension(dir: &Path, extension: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .map(|p| {
            let name = p
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).expect("read an SDK file"))
        })
        .collect();
    files.sort();
    files
}

/// Builds the Python or JavaScript plugin `plugins/<id>` into
/// `target/wasm-plugins/languages/<id>.wasm` with `tool`, as `vitrina
/// plugin build` does, from the workspace's WIT, SDK and profiles. Panics
/// with the tool's output when it fails.
pub fn build_language_component(
    workspace_root: &Path,
    id: &str,
    language: Language,
    tool: &Path,
) -> Artifact {
    let out = workspace_root.join("target/wasm-plugins/languages");
    let path = out.join(format!("{id}.wasm"));
    let (sdk, extension) = match language {
        Language::Python => ("plugins/sdk-python/vitrina_sdk", "py"),
        Language::JavaScript => ("plugins/sdk-js/vitrina_sdk", "js"),
    };
    let wit = std::fs::read_to_string(workspace_root.join("wit/v0.2.0/vitrina.wit"))
        .expect("read wit/v0.2.0");
    let built = componentize(&LanguageBuild {
        language,
        tool,
        source: &workspace_root.join("plugins").join(id),
        wit: &wit,
        sdk: &files_with_extension(&workspace_root.join(sdk), extension),
        profiles: &workspace_profiles(workspace_root),
        work: &out.join(format!("{id}-build")),
        output: &path,
    });
    if let Err(error) = built {
        panic!("building plugins/{id} with {}: {error}", tool.display());
    }
    Artifact {
        package: format!("vitrina-plugin-{id}"),
        path,
    }
}

/// The profiles of `profiles/` in the workspace: (name, Table Schema JSON),
/// by name.
pub fn workspace_profiles(workspace_root: &Path) -> Vec<(String, String)> {
    let dir = workspace_root.join("profiles");
    let mut profiles: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("read profiles/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .map(|p| {
            let name = p
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read_to_string(&p).expect("read a profile"))
        })
        .collect();
    profiles.sort();
    profiles
}

/// The SDK's `profiles` module for `language`: the profiles' Table Schemas,
/// which `Stream.from_profile` / `Stream.fromProfile` build streams from.
pub fn profiles_module(profiles: &[(String, String)], language: Language) -> String {
    let mut module = String::new();
    match language {
        Language::Python => {
            module.push_str("\"\"\"The profiles built into the plugin (profiles/ of Vitrina).\"\"\"\n\nimport json\n\nPROFILES = {\n");
            for (name, json) in profiles {
                // A JSON string literal is a Python string literal too.
                module.push_str(&format!(
                    "    {name:?}: json.loads({}),\n",
                    json_string(json)
                ));
            }
            module.push_str("}\n");
        }
        Language::JavaScript => {
            module.push_str("// The profiles built into the plugin (profiles/ of Vitrina).\nexport const PROFILES = {\n");
            for (name, json) in profiles {
                module.push_str(&format!("  {name:?}: {},\n", json.trim()));
            }
            module.push_str("};\n");
        }
    }
    module
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
