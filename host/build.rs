//! Builds the bundled plugins to wasm components and embeds them in the
//! binary, so `vitrina` is one file that runs the demo datasets as it is.

use std::fmt::Write;
use std::path::PathBuf;

/// Plugin packages shipped inside the binary; the id is the part after
/// `vitrina-plugin-`.
const BUNDLED: &[&str] = &["vitrina-plugin-projects"];

fn main() {
    let manifest_dir =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir
        .parent()
        .expect("host/ sits in the workspace root");
    let artifacts = vitrina_wasm_build::build_components(workspace, BUNDLED);
    let mut code = String::from(
        "/// Plugins compiled into this binary: (id, component bytes).\npub const BUNDLED: &[(&str, &[u8])] = &[\n",
    );
    for artifact in &artifacts {
        let id = artifact.package.trim_start_matches("vitrina-plugin-");
        writeln!(
            code,
            "    ({id:?}, include_bytes!({:?})),",
            artifact.path.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n");
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("bundled.rs");
    std::fs::write(out, code).expect("write bundled.rs");
}
