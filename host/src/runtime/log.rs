//! A run's log: the `log` import, the plugin's captured stdout and stderr,
//! and the host's own lines about the run, kept within the run's log
//! budget and passed on to whoever follows the run.
//!
//! Every line is cleaned on its way in (secrets redacted, control
//! characters escaped, message and fields cut to size), so neither the
//! stored run nor the daemon's log nor the operator's terminal ever sees
//! what a plugin wrote raw. Past the budget, lines are counted rather than
//! kept or forwarded: a plugin that logs without end costs a counter.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use super::budget::{self, cut_to};
use super::host::RunObserver;
use super::redact::{Redactor, escape_controls};
use super::report::{LogLevel, LogLine, LogSource};

/// How much of the plugin's stdout and stderr a run keeps.
const MAX_CAPTURE_BYTES: usize = 256 * 1024;

/// The lines a run keeps, within its budget.
pub struct LogBook {
    started: Instant,
    observer: Arc<dyn RunObserver>,
    lines: Vec<LogLine>,
    bytes: u64,
    /// Lines not kept (over the budget), counted.
    dropped: u64,
}

impl LogBook {
    pub fn new(started: Instant, observer: Arc<dyn RunObserver>) -> Self {
        Self {
            started,
            observer,
            lines: Vec::new(),
            bytes: 0,
            dropped: 0,
        }
    }

    /// Cleans a line, keeps it if the budget allows, and shows it to the
    /// observer; past the budget the line is only counted.
    pub fn push(
        &mut self,
        redactor: &Redactor,
        level: LogLevel,
        source: LogSource,
        message: String,
        fields: Vec<(String, String)>,
    ) {
        if self.lines.len() >= budget::LOG_LINES || self.bytes >= budget::LOG_BYTES {
            self.dropped += 1;
            return;
        }
        let line = LogLine {
            elapsed_ms: self.started.elapsed().as_millis() as u64,
            level,
            source,
            message: clean(redactor, message, budget::LOG_MESSAGE_BYTES),
            fields: clean_fields(redactor, fields),
        };
        self.bytes += line_bytes(&line);
        self.observer.log(&line);
        self.lines.push(line);
    }

    /// The kept lines and how many were dropped; a last line says so when
    /// the budget ran out.
    pub fn finish(mut self) -> (Vec<LogLine>, u64) {
        if self.dropped > 0 {
            let line = LogLine {
                elapsed_ms: self.started.elapsed().as_millis() as u64,
                level: LogLevel::Warn,
                source: LogSource::Host,
                message: format!(
                    "the log budget of {} lines or {} KiB was used up: {} later lines were dropped",
                    budget::LOG_LINES,
                    budget::LOG_BYTES / 1024,
                    self.dropped
                ),
                fields: Vec::new(),
            };
            self.observer.log(&line);
            self.lines.push(line);
        }
        (self.lines, self.dropped)
    }
}

/// Redacted, escaped and cut to `max` bytes (plus a note saying so).
fn clean(redactor: &Redactor, mut text: String, max: usize) -> String {
    let original = text.len();
    // Cut before scanning, so a plugin's 100 MB line costs no 100 MB scan,
    // but leave room for a secret that straddles the cut to be seen whole.
    let mut cut = cut_to(&mut text, max + redactor.longest());
    let mut text = escape_controls(&redactor.redact(&text)).into_owned();
    cut |= cut_to(&mut text, max);
    if cut {
        text.push_str(&format!(" … [cut: {original} bytes in all]"));
    }
    text
}

fn clean_fields(redactor: &Redactor, fields: Vec<(String, String)>) -> Vec<(String, String)> {
    let total = fields.len();
    let mut kept: Vec<(String, String)> = fields
        .into_iter()
        .take(budget::LOG_FIELDS)
        .map(|(key, value)| {
            (
                clean(redactor, key, budget::LOG_FIELD_BYTES),
                clean(redactor, value, budget::LOG_FIELD_BYTES),
            )
        })
        .collect();
    if total > budget::LOG_FIELDS {
        kept.push((
            "fields_dropped".to_string(),
            (total - budget::LOG_FIELDS).to_string(),
        ));
    }
    kept
}

fn line_bytes(line: &LogLine) -> u64 {
    let fields: usize = line.fields.iter().map(|(k, v)| k.len() + v.len()).sum();
    (line.message.len() + fields + 32) as u64
}

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

/// Captures what a plugin prints, up to a cap; the rest is dropped, never
/// an error, so a chatty plugin cannot fail on `println!`.
#[derive(Clone, Default)]
pub struct OutputCapture {
    buffer: Arc<Mutex<Vec<u8>>>,
}

impl OutputCapture {
    pub fn take_lines(&self) -> Vec<String> {
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
    pub fn panic_message(&self) -> Option<String> {
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

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::runtime::host::Quiet;

    #[test]
    fn lines_are_cleaned_cut_and_counted_past_the_budget() {
        let secrets = BTreeMap::from([("token".to_string(), "hunter2-secret".to_string())]);
        let redactor = Redactor::new(&secrets);
        let mut book = LogBook::new(Instant::now(), Arc::new(Quiet));
        let fields = (0..40)
            .map(|i| (format!("k{i}"), "v".repeat(5000)))
            .collect();
        book.push(
            &redactor,
            LogLevel::Info,
            LogSource::Plugin,
            format!("\u{1b}[2Jtoken=hunter2-secret {}", "x".repeat(10_000)),
            fields,
        );
        for _ in 0..20_000 {
            book.push(
                &redactor,
                LogLevel::Info,
                LogSource::Plugin,
                "again".into(),
                Vec::new(),
            );
        }
        let (lines, dropped) = book.finish();
        let first = &lines[0];
        assert!(
            first.message.starts_with("\\u{1b}[2Jtoken=[redacted] xxx"),
            "{}",
            first.message
        );
        assert!(first.message.contains("[cut: "), "{}", first.message);
        assert!(first.message.len() < budget::LOG_MESSAGE_BYTES + 128);
        assert_eq!(first.fields.len(), budget::LOG_FIELDS + 1);
        assert_eq!(
            first.fields.last().unwrap(),
            &("fields_dropped".to_string(), "8".to_string())
        );
        assert_eq!(lines.len(), budget::LOG_LINES + 1);
        assert_eq!(dropped, 20_001 - budget::LOG_LINES as u64);
        assert!(lines.last().unwrap().message.contains("dropped"));
    }
}
