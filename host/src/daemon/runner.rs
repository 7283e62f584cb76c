//! The daemon's side of the scheduler: how a scheduled dataset runs (the
//! same pipeline as `vitrina run`, with the configuration in force when it
//! starts), how a skipped run is recorded, and where the last success comes
//! from (the run history in the store).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Shared;
use crate::metrics::RunMetrics;
use crate::run::{RunRequest, blocking, run_and_publish};
use crate::runtime::FailureKind;
use crate::schedule::{Ended, RunTicket, Runner};
use crate::store::{PublishOutcome, RunOutcome, RunRecord};

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
    async fn run(&self, dataset: &str, ticket: RunTicket) -> Ended {
        let loaded = self.shared.loaded();
        let Some(config) = loaded.datasets.get(dataset) else {
            tracing::warn!(dataset, "not run: the dataset is no longer configured");
            return Ended::FAILED;
        };
        let wishes = RunRequest {
            run_id: ticket.run_id,
            cancel: ticket.cancel,
            ..RunRequest::new(ticket.trigger)
        };
        let store = Arc::clone(&self.shared.store);
        match run_and_publish(&loaded.collector, store, config, wishes).await {
            Ok(result) => {
                if let Some(PublishOutcome::Published(version)) = &result.published {
                    tracing::info!(
                        dataset,
                        version = version.number,
                        rows = version.row_count,
                        "published"
                    );
                }
                // Every run changes what the API says about freshness.
                if let Err(e) = self.shared.app.refresh_async(dataset).await {
                    tracing::error!(dataset, error = %e, "the API could not reload the dataset");
                }
                match &result.report.failure {
                    None => Ended::of(result.outcome()),
                    Some(failure) if failure.kind == FailureKind::Cancelled => {
                        tracing::warn!(dataset, run_id = %result.report.run_id, "run cancelled");
                        Ended::CANCELLED
                    }
                    Some(failure) => {
                        let message = result.report.failure_message().unwrap_or_default();
                        tracing::error!(dataset, kind = ?failure.kind, "{message}");
                        if failure.kind.is_transient() {
                            Ended::TRANSIENT
                        } else {
                            Ended::FAILED
                        }
                    }
                }
            }
            Err(e) => {
                tracing::error!(dataset, error = %e, "could not run");
                Ended::FAILED
            }
        }
    }

    async fn skipped(&self, dataset: &str) {
        crate::metrics::run_finished(&RunMetrics {
            dataset,
            outcome: RunOutcome::Skipped,
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
            outcome: RunOutcome::Skipped,
            version: None,
            rows: 0,
            trigger: Some("schedule".to_string()),
            duration_ms: Some(0),
            failure_kind: None,
            failure_message: Some("the previous run was still running".to_string()),
            report: None,
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
            .find(|r| r.outcome.succeeded())
            .map(|r| r.started_at)
    }
}
