//! Vitrina keeps a municipality's open data current and trustworthy.
//!
//! Scheduled WebAssembly plugins collect datasets from municipal source
//! systems; the host validates every row, keeps every version, and publishes
//! the data for people and machines.
//!
//! # Layout
//! - [`collect`]: from a dataset's configuration to a run of its plugin.
//! - [`config`]: `vitrina.toml` and `dataset.toml`, with errors naming file and line.
//! - [`runtime`]: the sandboxed wasmtime runtime and the host imports plugins call.
//! - [`validate`]: checks on plugin descriptions and on every row.
//! - [`schedule`]: cron schedules in local time across DST, retries with backoff.
//! - [`schema`]: the host's version-independent picture of plugins and rows.
//! - [`plugins`]: finding plugins: bundled in the binary, or `*.wasm` files.
//! - [`metrics`]: counters and histograms for Prometheus at `/metrics`.
//! - [`output`]: rows written as CSV, JSON or NDJSON.
//! - [`pipeline`]: a dataset's run end to end, from bookmarks to a published version.
//! - [`store`]: every version of every dataset (SQLite by default), and the download files.
//! - [`search`]: catalog search in Bulgarian, its Latin transliteration and English, with facets.
//! - [`publish`]: the HTTP API: rows, versions, diffs and downloads, cached and conditional.
//! - [`web`]: the pages beside the API (catalog, dataset, changes, record) in Bulgarian and English, and Atom feeds.

pub mod collect;
pub mod config;
pub mod daemon;
pub mod derived;
pub mod metrics;
pub mod output;
pub mod pipeline;
pub mod plugins;
pub mod publish;
pub mod runtime;
pub mod schedule;
pub mod schema;
pub mod search;
pub mod store;
pub mod validate;
pub mod web;
