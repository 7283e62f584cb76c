//! The daemon's side of the scheduler: how a scheduled dataset runs (the
//! same pipeline as `vitrina run`, with the configuration in force when it
//! starts), how a skipped run is recorded, and where the last success comes
//! from (the run history in the store).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Shared;
use crate::metrics::RunMetrics;
use crate::pipeline::{RunOutcome, RunWishes, blocking, run_and_publish};
use crate::runtime::FailureKind;
use crate::schedule::{Outcome, RunTicket, Runner};
use crate::store::{PublishOutcome, RunRecord};

/// Runs datasets for the scheduler and keeps the publisher current.
pub struct DaemonRunner {
    shared: Arc<Shared>,
}

impl DaemonRunner {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

impl Runner for DaemonRunner {
    async fn run(&self, dataset: &str, ticket: RunTicket) -> Outcome {
        let loaded = self.shared.loaded();
        let Some(config) = loaded.datasets.get(dataset) else {
            tracing::warn!(dataset, "not run: the dataset is no longer configured");
            return Outcome::Permanent;
        };
        let wishes = RunWishes {
            run_id: ticket.run_id,
            cancel: ticket.cancel,
            ..RunWishes::new(ticket.trigger)
        };
        let store = Arc::clone(&self.shared.store);
        match run_and_publish(&loaded.collector, store, config, wishes).await {
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
                if let Err(e) = self.shared.app.refresh_async(dataset).await {
                    tracing::error!(dataset, error = %e, "the API could not reload the dataset");
                }
                match &outcome.report.failure {
                    None => Outcome::Succeeded,
                    Some(failure) if failure.kind == FailureKind::Cancelled => {
                        tracing::warn!(dataset, run_id = %outcome.report.run_id, "run cancelled");
                        Outcome::Cancelled
                    }
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
        crate::metrics::run_finished(&RunMetrics {
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
            run_id: crate::runtime::new_run_id(),
            dataset: dataset.to_string(),
            started_at: Utc::now(),
            outcome: "skipped".to_string(),
            version: None,
            rows: 0,
            report: serde_json::json!({ "reason": "the previous run was still running" }),
        };
        if let Err(e) = blocking(&self.shared.store, move |s| s.record_run(&record)).await {
            tracing::error!(dataset, error = %e, "could not record the skipped run");
        }
    }

    async fn last_success(&self, dataset: &str) -> Option<DateTime<Utc>> {
        let id = dataset.to_string();
        let runs = blocking(&self.shared.store, move |s| s.runs(&id, 50))
            .await
            .ok()?;
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
        None => match report.failure.as_ref().map(|f| f.kind) {
            Some(FailureKind::Cancelled) => ("cancelled", None, 0),
            _ => ("failed", None, 0),
        },
    };
    crate::metrics::run_finished(&RunMetrics {
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
