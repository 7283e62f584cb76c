//! The state of one run, and the host imports that act on it: `log`,
//! `config`, `state` and `sink` (`fetch` lives in its own module).
//!
//! A fresh [`RunState`] is the data of a fresh `Store` for every run, so
//! nothing a plugin did in one run (memory it grew, resources it leaked)
//! survives into the next. The sink validates each batch as it arrives and
//! enforces the run's row and byte limits; once the host has refused
//! something, the run is marked failed and any further write traps, so a
//! plugin that ignores errors cannot keep going.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::v0_1_0::vitrina::plugin::{config, log, sink, state, types};
use super::fetch::{FetchRecord, Fetcher};
use super::report::{FailureKind, LogLevel, LogLine, LogSource, RunFailure};
use crate::config::Limits;
use crate::schema::{Row, StreamSchema, Value};
use crate::validate::profiles::Profile;
use crate::validate::{RowError, RowValidator};

/// How many row errors a failed run lists.
const MAX_ROW_ERRORS: usize = 20;
/// How many log lines a run keeps; the rest are counted, not kept.
const MAX_LOG_LINES: usize = 10_000;
/// How much of the plugin's stdout and stderr a run keeps.
const MAX_CAPTURE_BYTES: usize = 256 * 1024;

/// Where validated rows go: printed, written to a file, or staged for a
/// new version. Called from inside the run, so it should not block long.
pub trait RowSink: Send {
    /// Accepts a batch of valid rows of `stream`. An error stops the run.
    fn write(&mut self, stream: &StreamSchema, rows: Vec<Row>) -> Result<(), String>;
}

/// A sink that keeps nothing, for checks and benchmarks.
pub struct DiscardSink;

impl RowSink for DiscardSink {
    fn write(&mut self, _: &StreamSchema, _: Vec<Row>) -> Result<(), String> {
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

/// Passes a run's log lines on to the daemon's own log (`tracing`, target
/// `vitrina::plugin`); they carry the run's span, so an operator can follow
/// one run by its id.
pub struct LogToTracing;

impl RunObserver for LogToTracing {
    fn log(&self, line: &LogLine) {
        let fields = line
            .fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ");
        let (source, message) = (line.source, line.message.as_str());
        match line.level {
            LogLevel::Error => {
                tracing::error!(target: "vitrina::plugin", ?source, fields, "{message}")
            }
            LogLevel::Warn => {
                tracing::warn!(target: "vitrina::plugin", ?source, fields, "{message}")
            }
            LogLevel::Info => {
                tracing::info!(target: "vitrina::plugin", ?source, fields, "{message}")
            }
            LogLevel::Debug => {
                tracing::debug!(target: "vitrina::plugin", ?source, fields, "{message}")
            }
            LogLevel::Trace => {
                tracing::trace!(target: "vitrina::plugin", ?source, fields, "{message}")
            }
        }
    }
}

/// Per-stream accounting.
pub(super) struct StreamState {
    pub validator: RowValidator,
    pub rows: u64,
}

/// The data of one run's `Store`.
pub struct RunState {
    pub(super) wasi: WasiCtx,
    pub(super) table: ResourceTable,
    pub(super) fetcher: Fetcher,
    pub(super) limits: Limits,
    config: BTreeMap<String, String>,
    secrets: BTreeMap<String, String>,
    bookmarks_in: BTreeMap<String, String>,
    pub(super) bookmarks_out: BTreeMap<String, String>,
    pub(super) streams: Vec<StreamState>,
    pub(super) sink: Box<dyn RowSink>,
    observer: Arc<dyn RunObserver>,
    started: Instant,
    pub(super) rows_total: u64,
    pub(super) bytes_emitted: u64,
    pub(super) fetches: Vec<FetchRecord>,
    pub(super) bytes_fetched: u64,
    pub(super) logs: Vec<LogLine>,
    pub(super) logs_dropped: u64,
    /// Why the host stopped the run, once it has.
    pub(super) failure: Option<RunFailure>,
    /// Time spent inside host imports (sink writes, fetches), which is
    /// not the plugin's: its own time is the rest of the run.
    pub(super) host_time: Duration,
    pub(super) peak_memory: u64,
    pub(super) memory_refused: Option<u64>,
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
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            fetcher: setup.fetcher,
            limits: setup.limits,
            config: setup.config,
            secrets: setup.secrets,
            bookmarks_in: setup.bookmarks,
            bookmarks_out: BTreeMap::new(),
            streams: setup
                .streams
                .into_iter()
                .enumerate()
                .map(|(i, schema)| StreamState {
                    validator: match setup.profile {
                        Some(profile) if i == 0 => RowValidator::with_profile(schema, profile),
                        _ => RowValidator::new(schema),
                    },
                    rows: 0,
                })
                .collect(),
            sink: setup.sink,
            observer: setup.observer,
            started: Instant::now(),
            rows_total: 0,
            bytes_emitted: 0,
            fetches: Vec::new(),
            bytes_fetched: 0,
            logs: Vec::new(),
            logs_dropped: 0,
            failure: None,
            host_time: Duration::ZERO,
            peak_memory: 0,
            memory_refused: None,
            stdout,
            stderr,
        }
    }

    /// Records a log line and shows it to the observer.
    pub(super) fn push_log(
        &mut self,
        level: LogLevel,
        source: LogSource,
        message: String,
        fields: Vec<(String, String)>,
    ) {
        let line = LogLine {
            elapsed_ms: self.started.elapsed().as_millis() as u64,
            level,
            source,
            message,
            fields,
        };
        self.observer.log(&line);
        if self.logs.len() < MAX_LOG_LINES {
            self.logs.push(line);
        } else {
            self.logs_dropped += 1;
        }
    }

    pub(super) fn record_fetch(&mut self, raw: &str, url: &url::Url, status: u16) {
        self.fetches.push(FetchRecord {
            url: url.to_string(),
            status,
            bytes: 0,
        });
        let message = if raw == url.as_str() {
            format!("fetched {url}: {status}")
        } else {
            format!("fetched {raw} -> {url}: {status}")
        };
        self.push_log(LogLevel::Debug, LogSource::Host, message, Vec::new());
    }

    pub(super) fn record_fetch_failure(&mut self, raw: &str, message: &str) {
        let fields = vec![("url".to_string(), raw.to_string())];
        self.push_log(
            LogLevel::Warn,
            LogSource::Host,
            format!("fetch failed: {message}"),
            fields,
        );
    }

    pub(super) fn record_bytes(&mut self, n: usize) {
        self.bytes_fetched += n as u64;
        if let Some(last) = self.fetches.last_mut() {
            last.bytes += n as u64;
        }
    }

    /// Marks the run failed and returns the trap that stops the plugin.
    fn stop(&mut self, failure: RunFailure) -> wasmtime::Error {
        let message = failure.message.clone();
        self.failure.get_or_insert(failure);
        wasmtime::Error::msg(format!("run stopped by the host: {message}"))
    }

    fn write_rows(
        &mut self,
        stream: &str,
        rows: Vec<types::Row>,
    ) -> wasmtime::Result<Result<(), sink::SinkError>> {
        if let Some(failure) = &self.failure {
            let failure = failure.clone();
            return Err(self.stop(failure));
        }
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
                "stream `{stream}` is not declared; the plugin declares: {}",
                declared.join(", ")
            );
            return Ok(Err(
                self.refuse(RunFailure::new(FailureKind::InvalidRows, message))
            ));
        };
        self.check_row_count(rows.len())?;
        let rows: Vec<Row> = rows
            .into_iter()
            .map(|row| row.into_iter().map(Value::from).collect())
            .collect();
        self.check_sizes(&rows)?;
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
            return Err(self.stop(RunFailure::new(FailureKind::Sink, e)));
        }
        stream_state.rows += count;
        self.rows_total += count;
        self.observer.rows(stream, stream_state.rows);
        Ok(Ok(()))
    }

    /// Records a failure the plugin is told about (it may stop cleanly).
    fn refuse(&mut self, failure: RunFailure) -> sink::SinkError {
        let message = failure.message.clone();
        self.failure.get_or_insert(failure);
        sink::SinkError { message }
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

impl types::Host for RunState {}

impl log::Host for RunState {
    fn log(
        &mut self,
        level: types::LogLevel,
        message: String,
        fields: Vec<(String, String)>,
    ) -> wasmtime::Result<()> {
        let level = match level {
            types::LogLevel::Trace => LogLevel::Trace,
            types::LogLevel::Debug => LogLevel::Debug,
            types::LogLevel::Info => LogLevel::Info,
            types::LogLevel::Warn => LogLevel::Warn,
            types::LogLevel::Error => LogLevel::Error,
        };
        self.push_log(level, LogSource::Plugin, message, fields);
        Ok(())
    }
}

impl config::Host for RunState {
    fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.config.get(&key).cloned())
    }

    fn get_secret(&mut self, key: String) -> wasmtime::Result<Option<String>> {
        Ok(self.secrets.get(&key).cloned())
    }
}

impl state::Host for RunState {
    fn get(&mut self, stream: String) -> wasmtime::Result<Option<String>> {
        Ok(self.bookmarks_in.get(&stream).cloned())
    }
}

impl sink::Host for RunState {
    fn write(
        &mut self,
        stream: String,
        rows: Vec<types::Row>,
    ) -> wasmtime::Result<Result<(), sink::SinkError>> {
        let start = Instant::now();
        let result = self.write_rows(&stream, rows);
        self.host_time += start.elapsed();
        result
    }

    fn checkpoint(
        &mut self,
        stream: String,
        state: String,
    ) -> wasmtime::Result<Result<(), sink::SinkError>> {
        if self
            .streams
            .iter()
            .all(|s| s.validator.schema().name != stream)
        {
            let message = format!("checkpoint for undeclared stream `{stream}`");
            return Ok(Err(
                self.refuse(RunFailure::new(FailureKind::InvalidRows, message))
            ));
        }
        if state.len() > 1024 * 1024 {
            let message = format!(
                "the bookmark for `{stream}` is {} bytes; keep bookmarks under 1 MiB",
                state.len()
            );
            return Ok(Err(
                self.refuse(RunFailure::new(FailureKind::ByteLimit, message))
            ));
        }
        self.bookmarks_out.insert(stream, state);
        Ok(Ok(()))
    }

    fn progress(&mut self, done: u64, total: Option<u64>) -> wasmtime::Result<()> {
        self.observer.progress(done, total);
        Ok(())
    }
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
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let desired = desired as u64;
        if desired > self.limits.memory_bytes() {
            // Refuse the growth (the guest sees memory.grow fail) and
            // remember why, so the trap that usually follows is explained.
            self.memory_refused = Some(desired);
            return Ok(false);
        }
        self.peak_memory = self.peak_memory.max(desired);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}

/// Captures what a plugin prints, up to a cap; the rest is dropped, never
/// an error, so a chatty plugin cannot fail on `println!`.
#[derive(Clone, Default)]
pub(super) struct OutputCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl OutputCapture {
    fn take_lines(&self) -> Vec<String> {
        let bytes = std::mem::take(&mut *self.buffer.lock().unwrap_or_else(|e| e.into_inner()));
        String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    /// The panic message the plugin printed, if it panicked: the
    /// `panicked at` line and the message lines after it, without the hint
    /// about backtraces.
    pub(super) fn panic_message(&self) -> Option<String> {
        let buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(&buffer);
        let start = text.find("panicked at")?;
        let lines: Vec<&str> = text[start..]
            .lines()
            .take_while(|l| !l.starts_with("note: "))
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        Some(lines.join(" "))
    }
}

impl Write for OutputCapture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.buffer.lock().unwrap_or_else(|e| e.into_inner());
        let room = MAX_CAPTURE_BYTES.saturating_sub(buffer.len());
        buffer.extend_from_slice(&buf[..buf.len().min(room)]);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl tokio::io::AsyncWrite for OutputCapture {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::task::Poll::Ready(Write::write(self.get_mut(), buf))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

impl wasmtime_wasi::cli::IsTerminal for OutputCapture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl wasmtime_wasi::cli::StdoutStream for OutputCapture {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    /// Writes land in the buffer at once (the default adapter writes from a
    /// background task), so a panic message printed just before a trap is
    /// there to explain it.
    fn p2_stream(&self) -> Box<dyn wasmtime_wasi::p2::OutputStream> {
        Box::new(self.clone())
    }
}

#[async_trait::async_trait]
impl wasmtime_wasi::p2::Pollable for OutputCapture {
    async fn ready(&mut self) {}
}

#[async_trait::async_trait]
impl wasmtime_wasi::p2::OutputStream for OutputCapture {
    fn write(&mut self, bytes: bytes::Bytes) -> Result<(), wasmtime_wasi::p2::StreamError> {
        // Never fails: output over the cap is dropped (see `Write`).
        let _ = Write::write(self, &bytes);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), wasmtime_wasi::p2::StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, wasmtime_wasi::p2::StreamError> {
        Ok(64 * 1024)
    }
}
