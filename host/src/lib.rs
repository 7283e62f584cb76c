//! Vitrina keeps a municipality's open data current and trustworthy.
//!
//! Scheduled WebAssembly plugins collect datasets from municipal source
//! systems; the host validates every row, keeps every version, and publishes
//! the data for people and machines.
//!
//! # Layout
//! The rooms in the order data flows through them:
//! - [`config`]: `vitrina.toml` and `dataset.toml`, with errors naming file and line.
//! - [`schedule`]: cron schedules in local time across DST, retries with backoff.
//! - [`daemon`]: the scheduler's runs, the configuration reloads and the admin API's actions.
//! - [`run`]: a dataset's run end to end, from its configuration to a [`run::RunOutcome`];
//!   it drives [`runtime`] (the sandboxed wasmtime runtime and the host imports plugins
//!   call) and [`validate`] (checks on plugin descriptions and on every row).
//! - [`store`]: every version of every dataset (SQLite by default), and the download files;
//!   [`derived`]: the standard files written beside a version's downloads.
//! - [`publish`]: the HTTP API: rows, versions, diffs and downloads, cached and conditional.
//! - [`web`]: the pages beside the API (catalog, dataset, changes, record) in Bulgarian and English, and Atom feeds.
//! - [`search`]: catalog search in Bulgarian, its Latin transliteration and English, with facets.
//!
//! Shared by several: [`schema`] (the host's version-independent picture of plugins and
//! rows), [`plugins`] (finding plugins: bundled in the binary, or `*.wasm` files),
//! [`metrics`] (counters and histograms for Prometheus at `/metrics`) and [`output`]
//! (rows written as CSV, JSON or NDJSON).

pub mod config;
pub mod daemon;
pub mod derived;
pub mod metrics;
pub mod output;
pub mod plugins;
pub mod publish;
pub mod run;
pub mod runtime;
pub mod schedule;
pub mod schema;
pub mod search;
pub mod store;
pub mod validate;
pub mod web;
