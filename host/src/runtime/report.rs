//! What a run produced: rows per stream, fetches, logs, resource use, and
//! on failure a typed reason with advice.
//!
//! The failure kind is what the scheduler acts on (retry the transient
//! ones, flag the rest for a person) and what the operator reads first, so
//! every kind carries a sentence on what to do.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

use serde::Serialize;

use super::fetch::FetchRecord;
use crate::validate::RowError;

/// Severity of a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    Trace,
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Trace => "trace",
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

/// Who wrote a log line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogSource {
    /// The plugin, through the `log` import.
    Plugin,
    /// The plugin's stdout.
    Stdout,
    /// The plugin's stderr (panic messages land here).
    Stderr,
    /// The host, about the run (fetches, limits).
    Host,
}

/// One line of a run's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// Milliseconds since the run started.
    pub elapsed_ms: u64,
    pub level: LogLevel,
    pub source: LogSource,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<(String, String)>,
}

/// Why a run failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// The plugin reported a configuration error.
    Config,
    /// The plugin reported the source unavailable (transient).
    SourceUnavailable,
    /// The plugin reported that the source's format changed.
    SourceChanged,
    /// The plugin reported a refusal (a denied fetch, usually).
    Denied,
    /// The plugin reported an internal error.
    PluginError,
    /// Rows did not match the declared schema.
    InvalidRows,
    /// More rows than `limits.max_rows`.
    RowLimit,
    /// More bytes than `limits.max_bytes_mib`.
    ByteLimit,
    /// One row larger than `limits.max_row_kib`.
    RowSizeLimit,
    /// Plugin code ran longer than `limits.cpu_seconds`.
    CpuLimit,
    /// The plugin wanted more memory than `limits.memory_mib`.
    MemoryLimit,
    /// The whole run took longer than `limits.wall_clock_seconds`.
    WallClock,
    /// The plugin trapped or panicked.
    Crashed,
    /// The plugin could not be loaded or its description is invalid.
    BadPlugin,
    /// The host could not keep the rows.
    Sink,
    /// The run was cancelled (shutdown).
    Cancelled,
}

impl FailureKind {
    /// Whether a later retry may succeed without anyone changing anything.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            FailureKind::SourceUnavailable | FailureKind::WallClock
        )
    }

    /// Short label used in summaries and metrics.
    pub fn label(self) -> &'static str {
        match self {
            FailureKind::Config => "configuration error",
            FailureKind::SourceUnavailable => "source unavailable",
            FailureKind::SourceChanged => "source changed",
            FailureKind::Denied => "denied",
            FailureKind::PluginError => "plugin error",
            FailureKind::InvalidRows => "invalid rows",
            FailureKind::RowLimit => "row limit reached",
            FailureKind::ByteLimit => "byte limit reached",
            FailureKind::RowSizeLimit => "row size limit reached",
            FailureKind::CpuLimit => "CPU limit reached",
            FailureKind::MemoryLimit => "memory limit reached",
            FailureKind::WallClock => "wall-clock limit reached",
            FailureKind::Crashed => "plugin crashed",
            FailureKind::BadPlugin => "bad plugin",
            FailureKind::Sink => "storage error",
            FailureKind::Cancelled => "cancelled",
        }
    }

    /// What the operator should do about it.
    pub fn advice(self) -> &'static str {
        match self {
            FailureKind::Config => "fix [config] in the dataset's dataset.toml",
            FailureKind::SourceUnavailable => {
                "run it again later (the failure is transient); if it persists, check the source site"
            }
            FailureKind::SourceChanged => "the source's format moved: the plugin needs updating",
            FailureKind::Denied => {
                "allow the host in fetch.allow if it really is a source, or fix the plugin"
            }
            FailureKind::PluginError | FailureKind::Crashed => {
                "report it to the plugin's developers with this run's log"
            }
            FailureKind::InvalidRows => {
                "the plugin emitted rows that break its own schema: report it to its developers"
            }
            FailureKind::RowLimit | FailureKind::ByteLimit | FailureKind::RowSizeLimit => {
                "raise the limit under [limits] in dataset.toml if the source really is that large"
            }
            FailureKind::CpuLimit => {
                "raise limits.cpu_seconds if the source is large, else report a plugin bug (an endless loop?)"
            }
            FailureKind::MemoryLimit => {
                "raise limits.memory_mib if the source is large, else report a plugin bug"
            }
            FailureKind::WallClock => {
                "the source was too slow; run it again later, or raise limits.wall_clock_seconds"
            }
            FailureKind::BadPlugin => "rebuild the plugin against a supported contract version",
            FailureKind::Sink => "check the data directory's disk and permissions",
            FailureKind::Cancelled => "nothing: the daemon was stopping; run it again",
        }
    }
}

/// A failed run's reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunFailure {
    pub kind: FailureKind,
    pub message: String,
    /// The first rows that broke the schema, for `InvalidRows`.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        serialize_with = "serialize_row_errors"
    )]
    pub row_errors: Vec<RowError>,
}

fn serialize_row_errors<S: serde::Serializer>(
    errors: &[RowError],
    s: S,
) -> Result<S::Ok, S::Error> {
    s.collect_seq(errors.iter().map(|e| e.to_string()))
}

impl RunFailure {
    pub fn new(kind: FailureKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            row_errors: Vec::new(),
        }
    }

    pub fn with_row_errors(mut self, errors: Vec<RowError>) -> Self {
        self.row_errors = errors;
        self
    }
}

impl fmt::Display for RunFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.label(), self.message)
    }
}

/// Everything known about a finished run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    pub run_id: String,
    pub dataset: String,
    /// Why the run happened.
    pub trigger: super::Trigger,
    pub plugin: String,
    pub plugin_version: String,
    pub contract: String,
    pub started_at: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "serialize_secs")]
    pub duration: Duration,
    #[serde(serialize_with = "serialize_secs")]
    pub cpu_time: Duration,
    pub peak_memory_bytes: u64,
    /// Rows per stream, in declaration order.
    pub rows: Vec<(String, u64)>,
    pub bytes_emitted: u64,
    pub fetches: Vec<FetchRecord>,
    pub bytes_fetched: u64,
    pub warnings: Vec<String>,
    pub logs: Vec<LogLine>,
    pub logs_dropped: u64,
    /// Bookmarks to commit with the version, per stream.
    pub bookmarks: BTreeMap<String, String>,
    pub failure: Option<RunFailure>,
}

fn serialize_secs<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64())
}

impl RunReport {
    /// Whether the run succeeded.
    pub fn succeeded(&self) -> bool {
        self.failure.is_none()
    }

    /// Total rows over all streams.
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    /// The failure in one paragraph: dataset, plugin and version, what
    /// failed, and what to do.
    pub fn failure_message(&self) -> Option<String> {
        let failure = self.failure.as_ref()?;
        Some(format!(
            "dataset `{}` (plugin {} {}): {}. What to do: {}.",
            self.dataset,
            self.plugin,
            self.plugin_version,
            failure,
            failure.kind.advice()
        ))
    }
}
