//! A plugin that generates `rows` procurement-like rows (12 columns: text,
//! decimals, dates, an integer) without fetching anything, and `lots` lots
//! of each in a second stream, as a procurement plugin publishes contracts
//! and their lots.
//!
//! It measures the host, not a source: the runtime benchmarks push its rows
//! through the sink and validation, and the memory measurement streams a
//! million of them. Rows are built through the SDK by field name, as a real
//! plugin builds them.

/// The name of the bids field.
const BIDS_FIELD: &str = "bids";

include!("plugin.rs");
