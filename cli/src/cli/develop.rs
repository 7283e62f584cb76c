//! `vitrina plugin build`: a plugin's source folder turned into a
//! component, in whichever language it is written.
//!
//! The contract's WIT and the Python and JavaScript SDKs are compiled into
//! this binary, so an author needs only the language's own tool, not a
//! checkout of the repository: `componentize-py` (PyPI) for Python,
//! `componentize-js` (npm) for JavaScript, `cargo` with the
//! `wasm32-wasip2` target for Rust. The language is told by the folder's
//! files: `app.py` is Python, `app.js` JavaScript, `Cargo.toml` Rust.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, bail};
use clap::{Args, Subcommand};

/// The contract plugins are built against.
const WIT: &str = include_str!("../../../wit/v0.2.0/vitrina.wit");

/// The Python SDK, file by file.
const SDK_PYTHON: &[(&str, &str)] = &[
    (
        "__init__.py",
        include_str!("../../../plugins/sdk-python/vitrina_sdk/__init__.py"),
    ),
    (
        "errors.py",
        include_str!("../../../plugins/sdk-python/vitrina_sdk/errors.py"),
    ),
    (
        "fetch.py",
        include_str!("../../../plugins/sdk-python/vitrina_sdk/fetch.py"),
    ),
    (
        "log.py",
        include_str!("../../../plugins/sdk-python/vitrina_sdk/log.py"),
    ),
    (
        "normalize.py",
        include_str!("../../../plugins/sdk-python/vitrina_sdk/normalize.py"),
    ),
    (
        "plugin.py",
        include_str!("../../../plugins/sdk-python/vitrina_sdk/plugin.py"),
    ),
    (
        "run.py",
        include_str!("../../../plugins/sdk-python/vitrina_sdk/run.py"),
    ),
    (
        "schema.py",
        include_str!("../../../plugins/sdk-python/vitrina_sdk/schema.py"),
    ),
    (
        "wit.py",
        include_str!("../../../plugins/sdk-python/vitrina_sdk/wit.py"),
    ),
];

/// The JavaScript SDK: one module, copied beside the plugin's `app.js`.
const SDK_JS: &str = include_str!("../../../plugins/sdk-js/vitrina_sdk/index.js");

/// The componentize-js release the JavaScript SDK is tested with.
pub const COMPONENTIZE_JS: &str = "@bytecodealliance/componentize-js@0.23.0";

/// The componentize-py release the Python SDK is tested with.
pub const COMPONENTIZE_PY: &str = "componentize-py==0.25.1";

#[derive(Debug, Args)]
pub struct PluginArgs {
    #[command(subcommand)]
    command: PluginCommand,
}

#[derive(Debug, Subcommand)]
enum PluginCommand {
    /// Builds a plugin's source folder into a component (`<folder>/<name>.wasm`).
    Build(BuildArgs),
}

#[derive(Debug, Args)]
struct BuildArgs {
    /// The plugin's folder: `app.py` for Python, `Cargo.toml` for Rust.
    folder: PathBuf,
    /// Where to write the component; by default `<folder>/<folder name>.wasm`.
    #[arg(short, long)]
    output: Option<PathBuf>,
}

pub fn plugin(args: PluginArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        PluginCommand::Build(build) => {
            let output = build.output.clone().unwrap_or_else(|| {
                let name = folder_name(&build.folder);
                build.folder.join(format!("{name}.wasm"))
            });
            build_plugin(&build.folder, &output)?;
            eprintln!("built {}", output.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn folder_name(folder: &Path) -> String {
    folder
        .canonicalize()
        .ok()
        .and_then(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "plugin".to_string())
}

fn build_plugin(folder: &Path, output: &Path) -> anyhow::Result<()> {
    if folder.join("app.py").is_file() {
        build_python(folder, output)
    } else if folder.join("app.js").is_file() {
        build_js(folder, output)
    } else if folder.join("Cargo.toml").is_file() {
        build_rust(folder, output)
    } else {
        bail!(
            "{}: no app.py (Python), app.js (JavaScript) or Cargo.toml (Rust); which plugin is this?",
            folder.display()
        )
    }
}

/// componentize-py: `VITRINA_COMPONENTIZE_PY`, else on the PATH.
fn componentize_py() -> PathBuf {
    std::env::var_os("VITRINA_COMPONENTIZE_PY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("componentize-py"))
}

fn build_python(folder: &Path, output: &Path) -> anyhow::Result<()> {
    let work = tempfile::tempdir().context("a temporary folder for the build")?;
    let wit = work.path().join("wit");
    std::fs::create_dir_all(&wit)?;
    std::fs::write(wit.join("vitrina.wit"), WIT)?;
    let sdk = work.path().join("sdk").join("vitrina_sdk");
    std::fs::create_dir_all(&sdk)?;
    for (name, text) in SDK_PYTHON {
        std::fs::write(sdk.join(name), text)?;
    }
    let tool = componentize_py();
    let status = Command::new(&tool)
        .arg("-d")
        .arg(&wit)
        .args(["-w", "collector", "componentize", "app", "-p"])
        .arg(folder)
        .arg("-p")
        .arg(work.path().join("sdk"))
        .arg("-o")
        .arg(output)
        .status()
        .with_context(|| {
            format!(
                "cannot run {}: install it with `pip install {COMPONENTIZE_PY}`, or name it in VITRINA_COMPONENTIZE_PY",
                tool.display()
            )
        })?;
    if !status.success() {
        bail!("componentize-py failed ({status}); its output is above");
    }
    Ok(())
}

/// componentize-js: `VITRINA_COMPONENTIZE_JS`, else on the PATH.
fn componentize_js() -> PathBuf {
    std::env::var_os("VITRINA_COMPONENTIZE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("componentize-js"))
}

/// Copies `from`'s `.js` and `.json` files into `to`, folders included
/// (but not `node_modules`): what a plugin's module imports.
fn copy_sources(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
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

fn build_js(folder: &Path, output: &Path) -> anyhow::Result<()> {
    let work = tempfile::tempdir().context("a temporary folder for the build")?;
    // componentize-js reads what it is given relative to where it runs.
    let wit = work.path().join("wit");
    std::fs::create_dir_all(&wit)?;
    std::fs::write(wit.join("vitrina.wit"), WIT)?;
    let source = work.path().join("src");
    copy_sources(folder, &source)?;
    std::fs::create_dir_all(source.join("vitrina_sdk"))?;
    std::fs::write(source.join("vitrina_sdk").join("index.js"), SDK_JS)?;
    let output = std::path::absolute(output)?;
    let tool = componentize_js();
    // The plugin reaches HTTP through the contract's `fetch`, never WASI's.
    let status = Command::new(&tool)
        .arg("src/app.js")
        .args(["--wit", "wit", "--world-name", "collector"])
        .args(["--disable", "http", "fetch-event"])
        .arg("-o")
        .arg(&output)
        .current_dir(work.path())
        .status()
        .with_context(|| {
            format!(
                "cannot run {}: install it with `npm install {COMPONENTIZE_JS}` (it needs Node.js), or name it in VITRINA_COMPONENTIZE_JS",
                tool.display()
            )
        })?;
    if !status.success() {
        bail!("componentize-js failed ({status}); its output is above");
    }
    Ok(())
}

fn build_rust(folder: &Path, output: &Path) -> anyhow::Result<()> {
    let target = folder.join("target");
    let status = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
        .args(["build", "--release", "--target", "wasm32-wasip2"])
        .arg("--manifest-path")
        .arg(folder.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .status()
        .context("cannot run cargo")?;
    if !status.success() {
        bail!("cargo build failed ({status}); its output is above");
    }
    let release = target.join("wasm32-wasip2").join("release");
    let built = std::fs::read_dir(&release)
        .with_context(|| format!("reading {}", release.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "wasm"))
        .with_context(|| format!("cargo built no .wasm in {}", release.display()))?;
    std::fs::copy(&built, output)
        .with_context(|| format!("copying {} to {}", built.display(), output.display()))?;
    Ok(())
}
