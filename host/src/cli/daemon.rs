//! The daemon's side of the scheduler: how a scheduled dataset runs (the
//! same pipeline as `vitrina run`), how a skipped run is recorded, and
//! where the last success comes from (the run history in the store).

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use vitrina::collect::Collector;
use vitrina::config::DatasetConfig;
use vitrina::metrics::RunMetrics;
use vitrina::pipeline::RunOutcome;
use vitrina::pipeline::{RunWishes, blocking, run_and_publish};
use vitrina::publish::App;
use vitrina::runtime::{Quiet, Trigger};
use vitrina::schedule::{Job, Outcome, Runner, Schedule};
use vitrina::store::{PublishOutcome, RunRecord, Store};

/// Runs datasets for the scheduler and keeps the publisher current.
pub struct DaemonRunner {
    pub collector: Collector,
    pub store: Arc<dyn Store>,
    pub app: Arc<App>,
    pub datasets: HashMap<String, DatasetConfig>,
}

impl DaemonRunner {
    /// The scheduled jobs: every dataset with a schedule that parses.
    pub fn jobs(&self) -> Vec<Job> {
        let mut jobs = Vec::new();
        for dataset in self.datasets.values() {
            let Some(expression) = &dataset.schedule else {
                continue;
            };
            match Schedule::parse(expression, &dataset.timezone) {
                Ok(schedule) => jobs.push(Job {
                    dataset: dataset.id.clone(),
                    schedule,
                    paused: false,
                }),
                Err(e) => tracing::error!(dataset = %dataset.id, "not scheduled: {e}"),
            }
        }
        jobs
    }
}

impl Runner for DaemonRunner {
    async fn run(&self, dataset: &str, trigger: Trigger) -> Outcome {
        let Some(config) = self.datasets.get(dataset) else {
            return Outcome::Permanent;
        };
        let wishes = RunWishes {
            trigger,
            full_refresh: false,
            overrides: Default::default(),
            observer: Arc::new(Quiet),
            also: None,
        };
        match run_and_publish(&self.collector, Arc::clone(&self.store), config, wishes).await {
            Ok(outcome) => {
                if let Some(PublishOutcome::Published(version)) = &outcome.published {
                    tracing::info!(
                        dataset,
                        version = version.number,
                        rows = version.row_count,
                        "published"
                    );
                }
                record_metrics(dataset, &outcome);
                // Every run changes what the API says about freshness.
                if let Err(e) = self.app.refresh_async(dataset).await {
                    tracing::error!(dataset, error = %e, "the API could not reload the dataset");
                }
                match &outcome.report.failure {
                    None => Outcome::Succeeded,
                    Some(failure) => {
                        let message = outcome.report.failure_message().unwrap_or_default();
                        tracing::error!(dataset, kind = ?failure.kind, "{message}");
                        if failure.kind.is_transient() {
                            Outcome::Transient
                        } else {
                            Outcome::Permanent
                        }
                    }
                }
            }
            Err(e) => {
                tracing::error!(dataset, error = %e, "could not run");
                Outcome::Permanent
            }
        }
    }

    async fn skipped(&self, dataset: &str) {
        vitrina::metrics::run_finished(&RunMetrics {
            dataset,
            outcome: "skipped",
            duration: std::time::Duration::ZERO,
            rows_published: 0,
            current_version: None,
            cpu: std::time::Duration::ZERO,
            peak_memory_bytes: 0,
            last_success_unix: None,
        });
        tracing::warn!(
            dataset,
            "a run came due while the last one was still running: skipped"
        );
        let record = RunRecord {
            run_id: vitrina::runtime::new_run_id(),
            dataset: dataset.to_string(),
            started_at: Utc::now(),
            outcome: "skipped".to_string(),
            version: None,
            rows: 0,
            report: serde_json::json!({ "reason": "the previous run was still running" }),
        };
        if let Err(e) = blocking(&self.store, move |s| s.record_run(&record)).await {
            tracing::error!(dataset, error = %e, "could not record the skipped run");
        }
    }

    async fn last_success(&self, dataset: &str) -> Option<DateTime<Utc>> {
        let id = dataset.to_string();
        let runs = blocking(&self.store, move |s| s.runs(&id, 50)).await.ok()?;
        runs.into_iter()
            .find(|r| r.outcome == "published" || r.outcome == "unchanged")
            .map(|r| r.started_at)
    }
}

/// What a finished run tells the metrics.
fn record_metrics(dataset: &str, outcome: &RunOutcome) {
    let report = &outcome.report;
    let (label, version, rows) = match &outcome.published {
        Some(PublishOutcome::Published(v)) => ("published", Some(v.number), v.row_count),
        Some(PublishOutcome::Unchanged(v)) => ("unchanged", Some(v.number), 0),
        None => ("failed", None, 0),
    };
    vitrina::metrics::run_finished(&RunMetrics {
        dataset,
        outcome: label,
        duration: report.duration,
        rows_published: rows,
        current_version: version,
        cpu: report.cpu_time,
        peak_memory_bytes: report.peak_memory_bytes,
        last_success_unix: outcome
            .published
            .as_ref()
            .map(|_| report.started_at.timestamp()),
    });
}
