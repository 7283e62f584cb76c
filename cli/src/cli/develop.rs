//! `vitrina plugin new|build|test`: a plugin's source folder written,
//! turned into a component, and run on its sample, in whichever language it
//! is written.
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
use vitrina_wasm_build::Language;

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
    /// Writes a working plugin: source, a sample dataset and its expected rows.
    New(NewArgs),
    /// Builds a plugin's source folder into a component (`<folder>/<name>.wasm`).
    Build(BuildArgs),
    /// Builds a plugin and runs it on its sample (`<folder>/dataset/`),
    /// comparing the rows with `dataset/fixtures/expected.json`.
    Test(TestArgs),
}

/// The languages a plugin can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Lang {
    Rust,
    Python,
    Js,
}

#[derive(Debug, Args)]
struct NewArgs {
    /// The plugin's id and folder: lowercase letters, digits and `_`.
    name: String,
    #[arg(long, value_enum)]
    lang: Lang,
    /// For Rust: the SDK's folder (`plugins/sdk` of a checkout); found
    /// above the current folder when omitted, else taken from the forge.
    #[arg(long)]
    sdk: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct TestArgs {
    /// The plugin's folder.
    folder: PathBuf,
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
        PluginCommand::New(new) => {
            write_skeleton(&new)?;
            eprintln!(
                "wrote {0}/; next: vitrina plugin build {0} && vitrina plugin test {0}",
                new.name
            );
            Ok(ExitCode::SUCCESS)
        }
        PluginCommand::Test(test) => test_plugin(&test.folder),
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

/// The skeleton's files, with `NAME` (and, for Rust, `SDK`) filled in.
mod skeleton {
    pub const README: &str = include_str!("skeleton/README.md");
    pub const DATASET: &str = include_str!("skeleton/dataset.toml");
    pub const SAMPLE: &str = include_str!("skeleton/sample.csv");
    pub const EXPECTED: &str = include_str!("skeleton/expected.json");
    pub const PYTHON: &str = include_str!("skeleton/app.py");
    pub const JS: &str = include_str!("skeleton/app.js");
    pub const RUST_LIB: &str = include_str!("skeleton/lib.rs");
    pub const RUST_CARGO: &str = include_str!("skeleton/Cargo.toml");
}

fn write_skeleton(new: &NewArgs) -> anyhow::Result<()> {
    if !vitrina::validate::is_machine_name(&new.name) {
        bail!(
            "{:?}: a plugin's name is lowercase letters, digits and `_`, starting with a letter",
            new.name
        );
    }
    let folder = PathBuf::from(&new.name);
    if folder.exists() {
        bail!("{} exists already; choose another name", folder.display());
    }
    let fill = |text: &str| text.replace("NAME", &new.name);
    let (language, sources): (&str, Vec<(PathBuf, String)>) = match new.lang {
        Lang::Python => ("Python", vec![("app.py".into(), fill(skeleton::PYTHON))]),
        Lang::Js => ("JavaScript", vec![("app.js".into(), fill(skeleton::JS))]),
        Lang::Rust => {
            let cargo = fill(skeleton::RUST_CARGO).replace("SDK", &rust_sdk(new.sdk.as_deref())?);
            (
                "Rust",
                vec![
                    ("Cargo.toml".into(), cargo),
                    ("src/lib.rs".into(), fill(skeleton::RUST_LIB)),
                ],
            )
        }
    };
    let files = sources.into_iter().chain([
        (
            "README.md".into(),
            fill(skeleton::README).replace("LANGUAGE", language),
        ),
        ("dataset/dataset.toml".into(), fill(skeleton::DATASET)),
        (
            "dataset/fixtures/sample.csv".into(),
            skeleton::SAMPLE.to_string(),
        ),
        (
            "dataset/fixtures/expected.json".into(),
            skeleton::EXPECTED.to_string(),
        ),
    ]);
    for (path, text) in files {
        let path = folder.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// The Rust SDK as a Cargo dependency: `--sdk`, else a checkout's
/// `plugins/sdk` above the current folder, else the forge.
fn rust_sdk(given: Option<&Path>) -> anyhow::Result<String> {
    let found = match given {
        Some(path) => Some(path.to_path_buf()),
        None => std::env::current_dir()?
            .ancestors()
            .map(|dir| dir.join("plugins/sdk"))
            .find(|sdk| sdk.join("Cargo.toml").is_file()),
    };
    Ok(match found {
        Some(path) => {
            let path = path
                .canonicalize()
                .with_context(|| format!("the SDK at {}", path.display()))?;
            format!("{{ path = {:?} }}", path.display().to_string())
        }
        None => format!("{{ git = {:?} }}", env!("CARGO_PKG_REPOSITORY").to_string()),
    })
}

/// Builds the plugin, runs it on `dataset/` in a throw-away installation
/// and compares its rows with `dataset/fixtures/expected.json`.
fn test_plugin(folder: &Path) -> anyhow::Result<ExitCode> {
    let name = folder_name(folder);
    let dataset = folder.join("dataset");
    let expected_path = dataset.join("fixtures/expected.json");
    let expected: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&expected_path)
            .with_context(|| format!("reading {}", expected_path.display()))?,
    )
    .with_context(|| format!("{} is not JSON", expected_path.display()))?;
    let work = tempfile::tempdir().context("a temporary installation")?;
    std::fs::create_dir_all(work.path().join("plugins"))?;
    build_plugin(
        folder,
        &work.path().join("plugins").join(format!("{name}.wasm")),
    )?;
    std::fs::write(
        work.path().join("vitrina.toml"),
        "plugins_dir = \"plugins\"\n",
    )?;
    // Dataset ids take `-` where plugin ids take `_`.
    let id = name.replace('_', "-");
    copy_tree(&dataset, &work.path().join("datasets").join(&id))?;
    let output = Command::new(std::env::current_exe()?)
        .arg("--config")
        .arg(work.path().join("vitrina.toml"))
        .args(["run", &id, "--output", "json"])
        .output()
        .context("running the plugin")?;
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        bail!(
            "the run on {} failed; its report is above",
            dataset.display()
        );
    }
    let rows: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("the run's rows are not JSON")?;
    if rows == expected {
        eprintln!(
            "ok: {} rows as {} expects",
            rows.as_array().map_or(0, Vec::len),
            expected_path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let (got, want) = (as_rows(&rows), as_rows(&expected));
    let first = (0..got.len().max(want.len()))
        .find(|&i| got.get(i) != want.get(i))
        .unwrap_or(0);
    eprintln!(
        "the rows differ from {} (got {}, expected {}); first at row {}:\n  got      {}\n  expected {}",
        expected_path.display(),
        got.len(),
        want.len(),
        first + 1,
        got.get(first)
            .map_or("(none)".to_string(), |r| r.to_string()),
        want.get(first)
            .map_or("(none)".to_string(), |r| r.to_string()),
    );
    Ok(ExitCode::FAILURE)
}

fn as_rows(value: &serde_json::Value) -> Vec<serde_json::Value> {
    value.as_array().cloned().unwrap_or_default()
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
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
        let install = format!("pip install {COMPONENTIZE_PY}");
        build_language(
            folder,
            output,
            Language::Python,
            &componentize_py(),
            SDK_PYTHON,
            &install,
        )
    } else if folder.join("app.js").is_file() {
        let install = format!("npm install {COMPONENTIZE_JS}");
        let sdk = [("index.js", SDK_JS)];
        build_language(
            folder,
            output,
            Language::JavaScript,
            &componentize_js(),
            &sdk,
            &install,
        )
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

/// componentize-js: `VITRINA_COMPONENTIZE_JS`, else on the PATH.
fn componentize_js() -> PathBuf {
    std::env::var_os("VITRINA_COMPONENTIZE_JS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("componentize-js"))
}

/// Builds a Python or JavaScript plugin with the WIT, SDK and profiles
/// this binary carries.
fn build_language(
    folder: &Path,
    output: &Path,
    language: Language,
    tool: &Path,
    sdk: &[(&str, &str)],
    install: &str,
) -> anyhow::Result<()> {
    let work = tempfile::tempdir().context("a temporary folder for the build")?;
    let sdk: Vec<(String, String)> = sdk
        .iter()
        .map(|(name, text)| (name.to_string(), text.to_string()))
        .collect();
    let profiles: Vec<(String, String)> = vitrina::validate::profiles::all()
        .map(|p| (p.name.clone(), p.schema.to_string()))
        .collect();
    let built = vitrina_wasm_build::componentize(&vitrina_wasm_build::LanguageBuild {
        language,
        tool,
        source: folder,
        wit: WIT,
        sdk: &sdk,
        profiles: &profiles,
        work: &work.path().join("build"),
        output,
    });
    match built {
        Ok(()) => Ok(()),
        Err(vitrina_wasm_build::BuildError::Tool(e)) => bail!(
            "cannot run {}: {e}; install it with `{install}`, or name it in VITRINA_COMPONENTIZE_{}",
            tool.display(),
            if matches!(language, Language::Python) {
                "PY"
            } else {
                "JS"
            }
        ),
        Err(error) => bail!("{}: {error}", folder.display()),
    }
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
