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

use super::budget;
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
    /// More requests or body bytes than the run's fetch budget.
    FetchLimit,
    /// More handles (bodies, WASI streams and pollables) held at once than
    /// a run may.
    HandleLimit,
    /// An import called more often, or with more, than a run may
    /// (checkpoints, bookmarks).
    ImportLimit,
    /// A row or a bookmark carried the value of one of the run's secrets.
    SecretExposed,
}

impl FailureKind {
    /// Whether a later retry may succeed without anyone changing anything.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            FailureKind::SourceUnavailable | FailureKind::WallClock
        )
    }

    /// The kind's name in the run history and the API (`memory_limit`).
    pub fn as_str(self) -> &'static str {
        match self {
            FailureKind::Config => "config",
            FailureKind::SourceUnavailable => "source_unavailable",
            FailureKind::SourceChanged => "source_changed",
            FailureKind::Denied => "denied",
            FailureKind::PluginError => "plugin_error",
            FailureKind::InvalidRows => "invalid_rows",
            FailureKind::RowLimit => "row_limit",
            FailureKind::ByteLimit => "byte_limit",
            FailureKind::RowSizeLimit => "row_size_limit",
            FailureKind::CpuLimit => "cpu_limit",
            FailureKind::MemoryLimit => "memory_limit",
            FailureKind::WallClock => "wall_clock",
            FailureKind::Crashed => "crashed",
            FailureKind::BadPlugin => "bad_plugin",
            FailureKind::Sink => "sink",
            FailureKind::Cancelled => "cancelled",
            FailureKind::FetchLimit => "fetch_limit",
            FailureKind::HandleLimit => "handle_limit",
            FailureKind::ImportLimit => "import_limit",
            FailureKind::SecretExposed => "secret_exposed",
        }
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
            FailureKind::FetchLimit => "fetch budget used up",
            FailureKind::HandleLimit => "handle limit reached",
            FailureKind::ImportLimit => "import budget used up",
            FailureKind::SecretExposed => "secret in the data",
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
            FailureKind::FetchLimit => {
                "raise fetch.max_requests or fetch.max_total_mib in dataset.toml if the source really is that large, else report a plugin bug (a crawl that never ends?)"
            }
            FailureKind::HandleLimit | FailureKind::ImportLimit => {
                "report it to the plugin's developers with this run's log: the plugin leaks handles or calls the host without end"
            }
            FailureKind::SecretExposed => {
                "nothing was published; report it to the plugin's developers: the plugin put a secret into its data"
            }
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
    /// Requests made, redirect hops included; `fetches` keeps the first
    /// of them.
    #[serde(default)]
    pub requests: u64,
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

    /// The report as the run history stores it: at most
    /// [`budget::REPORT_BYTES`] of JSON. Log lines are cut first (the
    /// oldest and the newest kept, the count of dropped lines said), then
    /// fetch records, row errors and warnings; bookmarks, committed on
    /// their own, are kept as their sizes only.
    pub fn stored(&self) -> serde_json::Value {
        let mut report = self.clone();
        let sizes: BTreeMap<String, String> = report
            .bookmarks
            .iter()
            .map(|(stream, state)| (stream.clone(), format!("{} bytes", state.len())))
            .collect();
        report.bookmarks = sizes;
        loop {
            let json = serde_json::to_value(&report).unwrap_or_default();
            if json.to_string().len() <= budget::REPORT_BYTES || !report.shrink() {
                return json;
            }
        }
    }

    /// Halves the largest thing that can be cut; false when nothing can.
    fn shrink(&mut self) -> bool {
        if self.logs.len() > 1 {
            let keep = self.logs.len() / 2;
            let dropped = self.logs.len() - keep;
            let tail = self.logs.split_off(self.logs.len() - keep / 2);
            self.logs.truncate(keep - keep / 2);
            self.logs.push(LogLine {
                elapsed_ms: tail.first().map_or(0, |l| l.elapsed_ms),
                level: LogLevel::Warn,
                source: LogSource::Host,
                message: format!(
                    "{dropped} log lines dropped to keep the stored report under {} KiB",
                    budget::REPORT_BYTES / 1024
                ),
                fields: Vec::new(),
            });
            self.logs.extend(tail);
            self.logs_dropped += dropped as u64;
            return true;
        }
        if self.fetches.len() > 1 {
            self.fetches.truncate(self.fetches.len() / 2);
            return true;
        }
        if let Some(failure) = &mut self.failure
            && failure.row_errors.len() > 1
        {
            failure.row_errors.truncate(failure.row_errors.len() / 2);
            return true;
        }
        if self.warnings.len() > 1 {
            self.warnings.truncate(self.warnings.len() / 2);
            return true;
        }
        false
    }

    /// The report of a run that failed before its plugin started: the
    /// plugin could not be loaded, or the dataset's configuration does not
    /// fit it. It is recorded like any failed run.
    pub fn not_started(
        run_id: String,
        dataset: String,
        trigger: super::Trigger,
        plugin: String,
        failure: RunFailure,
    ) -> Self {
        Self {
            run_id,
            dataset,
            trigger,
            plugin,
            plugin_version: String::new(),
            contract: String::new(),
            started_at: chrono::Utc::now(),
            duration: Duration::ZERO,
            cpu_time: Duration::ZERO,
            peak_memory_bytes: 0,
            rows: Vec::new(),
            bytes_emitted: 0,
            requests: 0,
            fetches: Vec::new(),
            bytes_fetched: 0,
            warnings: Vec::new(),
            logs: Vec::new(),
            logs_dropped: 0,
            bookmarks: BTreeMap::new(),
            failure: Some(failure),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The run history's column and the serialized report name a kind the
    /// same way.
    #[test]
    fn kinds_are_named_alike_in_columns_and_reports() {
        use FailureKind::*;
        for kind in [
            Config,
            SourceUnavailable,
            SourceChanged,
            Denied,
            PluginError,
            InvalidRows,
            RowLimit,
            ByteLimit,
            RowSizeLimit,
            CpuLimit,
            MemoryLimit,
            WallClock,
            Crashed,
            BadPlugin,
            Sink,
            Cancelled,
            FetchLimit,
            HandleLimit,
            ImportLimit,
            SecretExposed,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
            assert!(!kind.label().is_empty() && !kind.advice().is_empty());
        }
    }

    #[test]
    fn a_stored_report_stays_under_its_budget_cutting_logs_first() {
        let mut report = RunReport::not_started(
            "r".into(),
            "d".into(),
            super::super::Trigger::Manual,
            "p".into(),
            RunFailure::new(FailureKind::Crashed, "boom"),
        );
        report.logs = (0..10_000)
            .map(|i| LogLine {
                elapsed_ms: i,
                level: LogLevel::Info,
                source: LogSource::Plugin,
                message: format!("line {i} {}", "x".repeat(300)),
                fields: Vec::new(),
            })
            .collect();
        report.bookmarks.insert("items".into(), "b".repeat(900_000));
        let stored = report.stored();
        assert!(stored.to_string().len() <= budget::REPORT_BYTES);
        let logs = stored["logs"].as_array().unwrap();
        assert!(
            logs.first().unwrap()["message"]
                .as_str()
                .unwrap()
                .starts_with("line 0 ")
        );
        assert!(
            logs.last().unwrap()["message"]
                .as_str()
                .unwrap()
                .starts_with("line 9999 ")
        );
        assert!(
            logs.iter()
                .any(|l| l["message"].as_str().unwrap().contains("log lines dropped"))
        );
        assert!(stored["logs_dropped"].as_u64().unwrap() > 0);
        assert_eq!(stored["bookmarks"]["items"], "900000 bytes");
        assert_eq!(stored["failure"]["message"], "boom");
    }
}
