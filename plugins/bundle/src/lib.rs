//! The plugins shipped inside the `vitrina` binary, as component bytes.
//!
//! The build script compiles them from source (`plugins/*`) to
//! `wasm32-wasip2` components in a nested cargo build. They live in their
//! own crate, which only the binary depends on, so that the host library
//! compiles while the plugins build: on a fresh machine the two are the
//! longest steps of the build, and side by side they take the time of one.
//! With the `dev-plugins` feature, the plugins the tests and benchmarks use
//! (hostile, attacking, sprawling, row-generating) are built too, and found
//! by path.

use std::path::Path;

mod built {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// Plugins compiled into the binary: (id, component bytes).
pub const BUNDLED: &[(&str, &[u8])] = built::BUNDLED;

/// The component of the development plugin `id` (`hostile`, `rows`,
/// `attacker`, `sprawl`), built only with the `dev-plugins` feature.
pub fn development_component(id: &str) -> Option<&'static Path> {
    built::DEVELOPMENT
        .iter()
        .find(|(name, _)| *name == id)
        .map(|(_, path)| Path::new(*path))
}
