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
    for dir in ["wit", "plugins"] {
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
