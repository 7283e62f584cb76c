//! The state of one run, and the host imports that act on it: `config`,
//! `state` and `sink` (`log` and `fetch` live in modules of their own).
//!
//! A fresh [`RunState`] is the data of a fresh `Store` for every run, so
//! nothing a plugin did in one run (memory it grew, resources it leaked)
//! survives into the next. Everything the plugin makes the host do is
//! accounted here against the run's budgets (see [`super::budget`]): its
//! memory as a whole, the handles it holds, the rows and bytes it emits,
//! its bookmarks. The sink validates each batch as it arrives; once the
//! host has refused something, the run is marked failed and any further
//! write traps, so a plugin that ignores errors cannot keep going.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::budget::{self, MemoryBudget};
use super::fetch::{FetchLedger, Fetcher};
use super::log::{LogBook, OutputCapture};
use super::redact::Redactor;
use super::report::{FailureKind, LogLevel, LogLine, LogSource, RunFailure};
use crate::config::Limits;
use crate::schema::{Row, StreamSchema, Value};
use crate::validate::profiles::Profile;
use crate::validate::{RowError, RowValidator};

/// How many row errors a failed run lists.
const MAX_ROW_ERRORS: usize = 20;

/// Where validated rows go: printed, written to a file, or staged for a
/// new version. Called from inside the run, so it should not block long.
pub trait RowSink: Send {
    /// Accepts a batch of valid rows of `stream`. An error stops the run.
    fn write(&mut self, stream: &StreamSchema, rows: Vec<Row>) -> Result<(), RowSinkError>;

    /// Learns the fields of a stream whose fields come from the source,
    /// before any row of the run.
    fn declare(&mut self, _stream: &StreamSchema) -> Result<(), RowSinkError> {
        Ok(())
    }
}

/// Why a row sink refused a batch: the run stops, failed with this as its
/// `sink` failure.
#[derive(Debug, thiserror::Error)]
pub enum RowSinkError {
    /// The rows' destination could not be written (a file, a closed pipe).
    #[error("cannot write the output: {0}")]
    Output(#[from] std::io::Error),
    /// The store's side stopped taking rows; its own error is logged where
    /// it happened.
    #[error("the store stopped accepting rows (see the daemon's log for the storage error)")]
    StoreStopped,
    /// Rows of a stream the sink was not set up for.
    #[error("rows came for stream `{0}`, which the run did not stage")]
    UnknownStream(String),
}

/// A sink that keeps nothing, for checks and benchmarks.
pub struct DiscardSink;

impl RowSink for DiscardSink {
    fn write(&mut self, _: &StreamSchema, _: Vec<Row>) -> Result<(), RowSinkError> {
        Ok(())
    }
}

/// Follows a run as it happens: a progress bar, a daemon's tracing span.
pub trait RunObserver: Send + Sync {
    fn log(&self, _line: &LogLine) {}
    fn progress(&self, _done: u64, _total: Option<u64>) {}
    fn rows(&self, _stream: &str, _total: u64) {}
}

/// An observer that ignores everything.
pub struct Quiet;

impl RunObserver for Quiet {}

/// Per-stream accounting.
pub(super) struct StreamState {
    pub validator: RowValidator,
    pub rows: u64,
    /// Described without fields: they come from the source, by
    /// `sink.declare`.
    pub from_source: bool,
}

impl StreamState {
    /// Its fields come from the source and have not been declared yet.
    fn undeclared(&self) -> bool {
        self.from_source && self.validator.schema().fields.is_empty()
    }
}

/// The data of one run's `Store`.
pub struct RunState {
    pub(super) wasi: WasiCtx,
    pub(super) table: ResourceTable,
    pub(super) fetcher: Fetcher,
    /// What the run's fetches cost, and their records.
    pub(super) fetches: FetchLedger,
    pub(super) limits: Limits,
    config: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    /// Keeps the secrets above out of everything the run records.
    pub(super) redactor: Redactor,
    bookmarks_in: BTreeMap<String, String>,
    pub(super) bookmarks_out: BTreeMap<String, String>,
    checkpoints: u64,
    /// Calls of the small imports, against [`budget::SMALL_CALLS`].
    small_calls: u64,
    pub(super) streams: Vec<StreamState>,
    pub(super) sink: Box<dyn RowSink>,
    observer: Arc<dyn RunObserver>,
    started: Instant,
    pub(super) rows_total: u64,
    pub(super) bytes_emitted: u64,
    pub(super) log: LogBook,
    /// Why the host stopped the run, once it has.
    pub(super) failure: Option<RunFailure>,
    /// Time spent inside host imports (sink writes, fetches), which is
    /// not the plugin's: its own time is the rest of the run.
    pub(super) host_time: Duration,
    /// Linear memories and tables together, against `limits.memory_mib`.
    pub(super) memory: MemoryBudget,
    pub(super) stdout: OutputCapture,
    pub(super) stderr: OutputCapture,
}

/// Everything a run needs besides the plugin.
pub struct RunSetup {
    pub fetcher: Fetcher,
    pub limits: Limits,
    pub config: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, String>,
    pub bookmarks: BTreeMap<String, String>,
    pub streams: Vec<StreamSchema>,
    /// The profile the first stream follows; its rows are held to it.
    pub profile: Option<&'static Profile>,
    pub sink: Box<dyn RowSink>,
    pub observer: Arc<dyn RunObserver>,
}

impl RunState {
    pub(super) fn new(setup: RunSetup) -> Self {
        let stdout = OutputCapture::default();
        let stderr = OutputCapture::default();
        // No preopened directories, environment, arguments or sockets: the
        // plugin reaches the outside only through the imports.
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .max_random_size(budget::RANDOM_BYTES)
            .build();
        let mut table = ResourceTable::new();
        table.set_max_capacity(budget::HANDLES);
        let started = Instant::now();
        let redactor = Redactor::new(&setup.secrets);
        let mut state = Self {
            wasi,
            table,
            fetcher: setup.fetcher,
            fetches: FetchLedger::default(),
            memory: MemoryBudget::new(setup.limits.memory_bytes()),
            limits: setup.limits,
            config: setup.config,
            secrets: setup.secrets,
            redactor,
            bookmarks_in: setup.bookmarks,
            bookmarks_out: BTreeMap::new(),
            checkpoints: 0,
            small_calls: 0,
            streams: setup
                .streams
                .into_iter()
                .enumerate()
                .map(|(i, schema)| StreamState {
                    from_source: schema.fields.is_empty(),
                    validator: match setup.profile {
                        Some(profile) if i == 0 => RowValidator::with_profile(schema, profile),
                        _ => RowValidator::new(schema),
                    },
                    rows: 0,
                })
                .collect(),
            sink: setup.sink,
            log: LogBook::new(started, Arc::clone(&setup.observer)),
            observer: setup.observer,
            started,
            rows_total: 0,
            bytes_emitted: 0,
            failure: None,
            host_time: Duration::ZERO,
            stdout,
            stderr,
        };
        state.warn_about_short_secrets();
        state
    }

    fn warn_about_short_secrets(&mut self) {
        let short = self.redactor.too_short().join(", ");
        if !short.is_empty() {
            let message = format!(
                "secrets shorter than {} bytes cannot be kept out of the run's records: {short}",
                super::redact::MIN_SECRET_BYTES
            );
            self.push_log(LogLevel::Warn, LogSource::Host, message, Vec::new());
        }
    }

    /// Records a log line (cleaned, within the log budget) and shows it to
    /// the observer.
    pub(super) fn push_log(
        &mut self,
        level: LogLevel,
        source: LogSource,
        message: String,
        fields: Vec<(String, String)>,
    ) {
        self.log
            .push(&self.redactor, level, source, message, fields);
    }

    /// Marks the run failed and returns the trap that stops the plugin.
    pub(super) fn stop(&mut self, failure: RunFailure) -> wasmtime::Error {
        let message = failure.message.clone();
        self.failure.get_or_insert(failure);
        wasmtime::Error::msg(format!("run stopped by the host: {message}"))
    }

    /// Traps if the host has already stopped the run: a plugin that
    /// ignores a refusal cannot go on calling.
    pub(super) fn ensure_running(&mut self) -> wasmtime::Result<()> {
        match &self.failure {
            Some(failure) => {
                let failure = failure.clone();
                Err(self.stop(failure))
            }
            None => Ok(()),
        }
    }

    fn write_rows(
        &mut self,
        stream: &str,
        rows: Vec<Row>,
    ) -> wasmtime::Result<Result<(), Refusal>> {
        self.ensure_running()?;
        let Some(index) = self
            .streams
            .iter()
            .position(|s| s.validator.schema().name == stream)
        else {
            let declared: Vec<&str> = self
                .streams
                .iter()
                .map(|s| s.validator.schema().name.as_str())
                .collect();
            let message = format!(
                "stream `{}` is not declared; the plugin declares: {}",
                self.redactor.redact(stream),
                declared.join(", ")
            );
            return Ok(Err(
                self.refuse(RunFailure::new(FailureKind::InvalidRows, message))
            ));
        };
        if self.streams[index].undeclared() {
            let message = format!(
                "stream `{stream}` takes its fields from the source: declare them (sink.declare) before writing its rows"
            );
            return Ok(Err(
                self.refuse(RunFailure::new(FailureKind::InvalidRows, message))
            ));
        }
        self.check_row_count(rows.len())?;
        self.check_sizes(&rows)?;
        self.check_no_secret(stream, &rows)?;
        let errors = self.validate(index, &rows);
        if !errors.is_empty() {
            let message = format!("invalid rows: {}", errors[0]);
            let failure =
                RunFailure::new(FailureKind::InvalidRows, message).with_row_errors(errors);
            return Ok(Err(self.refuse(failure)));
        }
        let count = rows.len() as u64;
        let stream_state = &mut self.streams[index];
        if let Err(e) = self.sink.write(stream_state.validator.schema(), rows) {
            return Err(self.stop(RunFailure::new(FailureKind::Sink, e.to_string())));
        }
        stream_state.rows += count;
        self.rows_total += count;
        self.observer.rows(stream, stream_state.rows);
        Ok(Ok(()))
    }

    /// Records a failure the plugin is told about (it may stop cleanly).
    pub(super) fn refuse(&mut self, failure: RunFailure) -> Refusal {
        let message = failure.message.clone();
        self.failure.get_or_insert(failure);
        Refusal { message }
    }

    fn check_row_count(&mut self, incoming: usize) -> wasmtime::Result<()> {
        let max = self.limits.max_rows;
        if self.rows_total + incoming as u64 > max {
            let message = format!(
                "the plugin emitted more than {max} rows; raise limits.max_rows for this dataset if the source really is that large"
            );
            return Err(self.stop(RunFailure::new(FailureKind::RowLimit, message)));
        }
        Ok(())
    }

    fn check_sizes(&mut self, rows: &[Row]) -> wasmtime::Result<()> {
        let max_row = self.limits.max_row_bytes();
        let mut batch = 0u64;
        for (i, row) in rows.iter().enumerate() {
            let size: u64 = row.iter().map(|v| v.size() as u64).sum();
            if size > max_row {
                let message = format!(
                    "row {} of the batch is {size} bytes, over the limit of {max_row} bytes per row (limits.max_row_kib)",
                    i + 1
                );
                return Err(self.stop(RunFailure::new(FailureKind::RowSizeLimit, message)));
            }
            batch += size;
        }
        self.bytes_emitted += batch;
        if self.bytes_emitted > self.limits.max_bytes() {
            let message = format!(
                "the plugin emitted more than {} MiB; raise limits.max_bytes_mib for this dataset if that is expected",
                self.limits.max_bytes_mib
            );
            return Err(self.stop(RunFailure::new(FailureKind::ByteLimit, message)));
        }
        Ok(())
    }

    /// Rows are published: one that carries a secret value stops the run
    /// before anything of it is kept.
    fn check_no_secret(&mut self, stream: &str, rows: &[Row]) -> wasmtime::Result<()> {
        let schema = match self
            .streams
            .iter()
            .find(|s| s.validator.schema().name == stream)
        {
            Some(s) => s.validator.schema(),
            None => return Ok(()),
        };
        let found = rows.iter().enumerate().find_map(|(i, row)| {
            row.iter().enumerate().find_map(|(j, value)| {
                let text = match value {
                    Value::Text(s) | Value::Json(s) | Value::Decimal(s) => s,
                    _ => return None,
                };
                let secret = self.redactor.secret_in(text)?;
                Some((
                    i,
                    schema.fields.get(j).map(|f| f.name.clone()),
                    secret.to_string(),
                ))
            })
        });
        let Some((row, field, secret)) = found else {
            return Ok(());
        };
        let message = format!(
            "row {} of the batch carries the value of the secret `{secret}` in field `{}`; nothing of this run is published",
            row + 1,
            field.unwrap_or_default()
        );
        Err(self.stop(RunFailure::new(FailureKind::SecretExposed, message)))
    }

    fn validate(&mut self, index: usize, rows: &[Row]) -> Vec<RowError> {
        let validator = &mut self.streams[index].validator;
        let mut errors = Vec::new();
        for row in rows {
            if let Err(e) = validator.check(row) {
                errors.push(e);
                if errors.len() == MAX_ROW_ERRORS {
                    break;
                }
            }
        }
        errors
    }

    fn keep_bookmark(
        &mut self,
        stream: String,
        state: String,
    ) -> wasmtime::Result<Result<(), Refusal>> {
        self.ensure_running()?;
        self.checkpoints += 1;
        if self.checkpoints > budget::CHECKPOINTS {
            let message = format!(
                "the plugin called sink.checkpoint more than {} times in one run",
                budget::CHECKPOINTS
            );
            return Err(self.stop(RunFailure::new(FailureKind::ImportLimit, message)));
        }
        if self
            .streams
            .iter()
            .all(|s| s.validator.schema().name != stream)
        {
            let message = format!(
                "checkpoint for undeclared stream `{}`",
                self.redactor.redact(&stream)
            );
            return Ok(Err(
                self.refuse(RunFailure::new(FailureKind::InvalidRows, message))
            ));
        }
        if state.len() > budget::BOOKMARK_BYTES {
            let message = format!(
                "the bookmark for `{stream}` is {} bytes; keep bookmarks under {} KiB",
                state.len(),
                budget::BOOKMARK_BYTES / 1024
            );
            return Ok(Err(
                self.refuse(RunFailure::new(FailureKind::ByteLimit, message))
            ));
        }
        if let Some(secret) = self.redactor.secret_in(&state) {
            let message = format!(
                "the bookmark for `{stream}` carries the value of the secret `{secret}`; bookmarks are stored, secrets never are"
            );
            return Err(self.stop(RunFailure::new(FailureKind::SecretExposed, message)));
        }
        let others: usize = self
            .bookmarks_out
            .iter()
            .filter(|(name, _)| **name != stream)
            .map(|(_, b)| b.len())
            .sum();
        if others + state.len() > budget::BOOKMARKS_BYTES {
            let message = format!(
                "the run's bookmarks would take {} bytes together; keep them under {} KiB",
                others + state.len(),
                budget::BOOKMARKS_BYTES / 1024
            );
            return Ok(Err(
                self.refuse(RunFailure::new(FailureKind::ByteLimit, message))
            ));
        }
        self.bookmarks_out.insert(stream, state);
        Ok(Ok(()))
    }

    /// Counts a call of a small import; past the budget the run stops.
    fn count_small_call(&mut self, import: &str) -> wasmtime::Result<()> {
        self.small_calls += 1;
        if self.small_calls <= budget::SMALL_CALLS {
            return Ok(());
        }
        let message = format!(
            "the plugin called {import} and the other small imports more than {} times in one run",
            budget::SMALL_CALLS
        );
        Err(self.stop(RunFailure::new(FailureKind::ImportLimit, message)))
    }

    /// Moves what the plugin printed into the run log.
    pub(super) fn drain_output(&mut self) {
        for (capture, level, source) in [
            (self.stdout.clone(), LogLevel::Info, LogSource::Stdout),
            (self.stderr.clone(), LogLevel::Warn, LogSource::Stderr),
        ] {
            for line in capture.take_lines() {
                self.push_log(level, source, line, Vec::new());
            }
        }
    }

    /// The time the plugin's own code has used so far: the run's time
    /// less the time spent in host imports.
    pub(super) fn plugin_time(&self) -> Duration {
        self.started.elapsed().saturating_sub(self.host_time)
    }
}

/// The imports every contract version shares, in the host's own types:
/// each version's bindings convert and call these (see `contract`).
impl RunState {
    pub(super) fn config_value(&mut self, key: &str) -> wasmtime::Result<Option<String>> {
        self.count_small_call("config.get")?;
        Ok(self.config.get(key).cloned())
    }

    pub(super) fn secret_value(&mut self, key: &str) -> wasmtime::Result<Option<String>> {
        self.count_small_call("config.get-secret")?;
        Ok(self.secrets.get(key).cloned())
    }

    pub(super) fn bookmark(&mut self, stream: &str) -> wasmtime::Result<Option<String>> {
        self.count_small_call("state.get")?;
        Ok(self.bookmarks_in.get(stream).cloned())
    }

    pub(super) fn plugin_log(
        &mut self,
        level: LogLevel,
        message: String,
        fields: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        self.push_log(level, LogSource::Plugin, message, fields);
        Ok(())
    }

    pub(super) fn sink_write(
        &mut self,
        stream: &str,
        rows: Vec<Row>,
    ) -> wasmtime::Result<Result<(), Refusal>> {
        let start = Instant::now();
        let result = self.write_rows(stream, rows);
        self.host_time += start.elapsed();
        result
    }

    pub(super) fn sink_checkpoint(
        &mut self,
        stream: String,
        state: String,
    ) -> wasmtime::Result<Result<(), Refusal>> {
        self.keep_bookmark(stream, state)
    }

    pub(super) fn sink_progress(&mut self, done: u64, total: Option<u64>) -> wasmtime::Result<()> {
        self.count_small_call("sink.progress")?;
        self.observer.progress(done, total);
        Ok(())
    }

    /// Declares the fields of a stream described without them, before the
    /// run's first row: checked as `describe`'s streams are, then held to.
    pub(super) fn sink_declare(
        &mut self,
        schema: StreamSchema,
    ) -> wasmtime::Result<Result<(), Refusal>> {
        self.ensure_running()?;
        self.count_small_call("sink.declare")?;
        let refuse = |state: &mut Self, message: String| {
            Ok(Err(state.refuse(RunFailure::new(
                FailureKind::InvalidRows,
                message,
            ))))
        };
        let name = self.redactor.redact(&schema.name).into_owned();
        let Some(index) = self
            .streams
            .iter()
            .position(|s| s.validator.schema().name == schema.name)
        else {
            return refuse(
                self,
                format!("sink.declare: stream `{name}` is not described"),
            );
        };
        if !self.streams[index].from_source {
            return refuse(
                self,
                format!(
                    "sink.declare: stream `{name}` has its fields in describe(); only a stream described without fields is declared"
                ),
            );
        }
        if self.rows_total > 0 {
            return refuse(
                self,
                format!(
                    "sink.declare: stream `{name}` was declared after the run's first row; declare every stream before writing"
                ),
            );
        }
        if let Err(problems) = crate::validate::check_declared_stream(&schema) {
            return refuse(
                self,
                format!("sink.declare: stream `{name}`: {}", problems.join("; ")),
            );
        }
        if let Err(e) = self.sink.declare(&schema) {
            return Err(self.stop(RunFailure::new(FailureKind::Sink, e.to_string())));
        }
        self.streams[index].validator = RowValidator::new(schema);
        Ok(Ok(()))
    }

    /// Checks one `normalize` call's text: a cell's worth. Not counted
    /// among the small calls: a plugin may normalise every cell it reads,
    /// and the time it takes is the plugin's own CPU time.
    pub(super) fn normalize_call(&mut self, text: &str) -> wasmtime::Result<()> {
        self.ensure_running()?;
        if text.len() > budget::NORMALIZE_TEXT_BYTES {
            let message = format!(
                "the plugin passed {} bytes to one normalize call; it takes a cell, at most {} KiB",
                text.len(),
                budget::NORMALIZE_TEXT_BYTES / 1024
            );
            return Err(self.stop(RunFailure::new(FailureKind::ImportLimit, message)));
        }
        Ok(())
    }

    /// Checks what `normalize.decode` is given: at most a response's worth.
    pub(super) fn normalize_call_bytes(&mut self, len: usize) -> wasmtime::Result<()> {
        self.ensure_running()?;
        let max = self.fetcher.limits().max_response_bytes();
        if len as u64 > max {
            let message = format!(
                "the plugin passed {len} bytes to normalize.decode, more than a response may be (fetch.max_response_mib)"
            );
            return Err(self.stop(RunFailure::new(FailureKind::ImportLimit, message)));
        }
        Ok(())
    }

    /// A stream described without fields that the run never declared.
    pub(super) fn undeclared_stream(&self) -> Option<&str> {
        self.streams
            .iter()
            .find(|s| s.undeclared())
            .map(|s| s.validator.schema().name.as_str())
    }
}

/// Why the host refused what the plugin asked of the sink; the run has
/// failed, and the plugin is told so it can stop cleanly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub message: String,
}

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wasmtime::ResourceLimiter for RunState {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        // A refusal makes memory.grow fail in the guest; the budget
        // remembers why, so the trap that usually follows is explained.
        Ok(self.memory.grow_memory(current, desired))
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(self.memory.grow_table(current, desired))
    }

    fn instances(&self) -> usize {
        super::engine::MAX_CORE_INSTANCES_PER_COMPONENT as usize
    }

    fn memories(&self) -> usize {
        super::engine::MAX_MEMORIES_PER_COMPONENT as usize
    }

    fn tables(&self) -> usize {
        super::engine::MAX_TABLES_PER_COMPONENT as usize
    }
}
