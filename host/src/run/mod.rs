//! A run of a dataset, end to end: where "a run" lives.
//!
//! A run starts from a request (the dataset, why it runs, its overrides,
//! a full refresh or not, its cancellation: [`RunRequest`]) and ends as one
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

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use crate::runtime::{LogToTracing, RowSink, RunObserver, Trigger};
pub use crate::store::RunOutcome;
pub use collect::{CollectError, Collector, RunOptions, run_span};
pub use pipeline::{
    RunResult, blocking, dataset_meta, finish_pending_files, readdress_standard_files,
    run_and_publish,
};

/// What is asked of one run, by whoever starts it: carried whole from the
/// caller to the plugin's run, never copied field by field.
pub struct RunRequest {
    pub trigger: Trigger,
    /// Run without the bookmarks, and publish a whole version.
    pub full_refresh: bool,
    /// Config values overriding `[config]` for this run only.
    pub overrides: BTreeMap<String, String>,
    pub observer: Arc<dyn RunObserver>,
    /// Another sink that also gets every row (`vitrina run --output`).
    pub also: Option<Box<dyn RowSink>>,
    /// The run's id; [`RunRequest::new`] picks a fresh one.
    pub run_id: String,
    /// Cancelling it stops the run; nothing is published then.
    pub cancel: CancellationToken,
}

impl RunRequest {
    /// A run for `trigger` with nothing else asked.
    pub fn new(trigger: Trigger) -> Self {
        Self {
            trigger,
            full_refresh: false,
            overrides: BTreeMap::new(),
            observer: Arc::new(LogToTracing),
            also: None,
            run_id: crate::runtime::new_run_id(),
            cancel: CancellationToken::new(),
        }
    }
}
