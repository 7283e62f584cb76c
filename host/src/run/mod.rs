//! A run of a dataset, end to end: where "a run" lives.
//!
//! A run starts from a request (the dataset, why it runs, its overrides,
//! a full refresh or not, its cancellation: [`RunWishes`]) and ends as one
//! [`RunOutcome`]: published, unchanged, failed, cancelled or skipped. The
//! command line (`vitrina run`), the scheduler (through the daemon's
//! runner), the admin API's trigger and `vitrina serve`'s first runs all
//! go through [`run_and_publish`], so every run is recorded the same way
//! in the run history and the metrics.
//!
//! - `collect.rs`: from a dataset's configuration to its plugin's run in
//!   the sandbox ([`crate::runtime`]), with the fetch policy, limits and
//!   validation ([`crate::validate`]) it is held to.
//! - `pipeline.rs`: the rows staged as they arrive, then a version
//!   published in the store (or the run recorded as unchanged or failed).

pub mod collect;
pub mod pipeline;

pub use crate::store::RunOutcome;
pub use collect::{CollectError, Collector, RunOptions, run_span};
pub use pipeline::{RunResult, RunWishes, blocking, dataset_meta, run_and_publish};
