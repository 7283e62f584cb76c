//! The `rows` plugin with its `bids` field named `offers`: the same id,
//! the same rows, one field under a new name, as a plugin's next release
//! might rename one. The tests swap it in for `rows` between two runs to
//! see a version whose schema changed.

/// The name of the bids field in this release.
const BIDS_FIELD: &str = "offers";

include!("../../rows/src/plugin.rs");
