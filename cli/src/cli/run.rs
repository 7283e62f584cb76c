//! `vitrina run <dataset>`: runs one dataset's plugin once and publishes
//! what it collected as a new version (`--dry-run`: stores nothing).
//!
//! On a terminal a progress bar follows the run and log lines scroll above
//! it; otherwise log lines are printed plainly. At the end a summary: rows
//! per stream, time, CPU and memory, bytes fetched and from where, warnings,
//! and on failure the first invalid rows. Rows go to stdout or a file with
//! `--output`; a file is written under a temporary name and renamed only
//! when the run succeeded, so a failed run never leaves half a file.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use vitrina::config::Config;
use vitrina::output::{Format, RowWriter, write_json_object};
use vitrina::run::{Collector, RunOptions, run_span};
use vitrina::run::{RunRequest, run_and_publish};
use vitrina::runtime::{
    LogLevel, LogLine, LogSource, RowSink, RowSinkError, RunObserver, RunReport, Trigger,
};
use vitrina::schema::{Row, StreamSchema};
use vitrina::store::sqlite::SqliteStore;
use vitrina::store::{PublishOutcome, Store};

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The dataset to collect (a folder under the datasets directory).
    dataset: String,
    /// Write the rows in this format (to stdout, or to --out).
    #[arg(long, value_enum)]
    output: Option<Format>,
    /// Write the rows to this file instead of stdout.
    #[arg(short = 'o', long = "out", requires = "output")]
    out: Option<PathBuf>,
    /// Which stream to write, for plugins with several (default: the first).
    #[arg(long)]
    stream: Option<String>,
    /// Override a config value for this run (`--set index_url=http://...`).
    #[arg(long = "set", value_name = "KEY=VALUE", value_parser = parse_key_value)]
    set: Vec<(String, String)>,
    /// Only run the plugin's `check`: configuration valid, source reachable.
    #[arg(long)]
    check: bool,
    /// Ignore saved bookmarks and collect everything.
    #[arg(long)]
    full_refresh: bool,
    /// Show debug log lines too.
    #[arg(short, long)]
    verbose: bool,
    /// Run and show the rows, but store nothing: no new version.
    #[arg(long)]
    dry_run: bool,
}

fn parse_key_value(s: &str) -> Result<(String, String), String> {
    s.split_once('=')
        .map(|(k, v)| (k.trim().to_string(), v.to_string()))
        .filter(|(k, _)| !k.is_empty())
        .ok_or_else(|| format!("`{s}` is not KEY=VALUE"))
}

pub async fn run(config: Config, args: RunArgs) -> anyhow::Result<ExitCode> {
    let dataset = config.dataset(&args.dataset)?;
    let data_dir = config.data_dir.clone();
    let catalog = super::catalog(&config)?;
    let collector = Collector::new(config, catalog);
    let console = Arc::new(Console::new(args.verbose, !args.check));
    let output = args
        .output
        .map(|format| Output::open(format, args.out.clone(), args.stream.clone()))
        .transpose()?;
    let preview = Arc::new(Mutex::new(Preview::default()));
    let sink: Box<dyn RowSink> = match &output {
        Some(output) => Box::new(SharedSink(Arc::clone(&output.writer))),
        None => Box::new(PreviewSink(Arc::clone(&preview))),
    };
    let overrides: BTreeMap<String, String> = args.set.into_iter().collect();
    // A run that stores nothing starts from no bookmarks: it shows what a
    // full collection gives.
    // Ctrl-C stops the plugin and records the run as cancelled; the last
    // published version is untouched.
    let cancel = CancellationToken::new();
    tokio::spawn({
        let cancel = cancel.clone();
        async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        }
    });
    let run_id = vitrina::runtime::new_run_id();
    let unstored = |overrides, sink| RunOptions {
        request: RunRequest {
            full_refresh: args.full_refresh,
            overrides,
            observer: console.clone(),
            run_id: run_id.clone(),
            cancel: cancel.clone(),
            ..RunRequest::new(Trigger::Manual)
        },
        bookmarks: BTreeMap::new(),
        sink,
    };
    if args.check {
        let options = unstored(overrides, sink);
        let result = collector.check_dataset(&dataset, options).await?;
        console.finish();
        return Ok(report_check(&dataset.id, result));
    }
    let (report, published) = if args.dry_run {
        let options = unstored(overrides, sink);
        let span = run_span(&dataset.id, &run_id);
        let report = collector
            .run_dataset(&dataset, options)
            .instrument(span)
            .await?;
        (report, None)
    } else {
        let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&data_dir)?);
        let wishes = RunRequest {
            full_refresh: args.full_refresh,
            overrides,
            observer: console.clone(),
            also: Some(sink),
            run_id: run_id.clone(),
            cancel: cancel.clone(),
            ..RunRequest::new(Trigger::Manual)
        };
        let outcome = run_and_publish(&collector, store, &dataset, wishes).await?;
        (outcome.report, outcome.published)
    };
    console.finish();
    if let Some(output) = output {
        output.finish(report.succeeded())?;
    } else if report.succeeded() {
        print_preview(&preview.lock().unwrap_or_else(|e| e.into_inner()));
    }
    print_summary(&report);
    match published {
        Some(PublishOutcome::Published(v)) => {
            eprintln!(
                "  published version {} of `{}` ({} rows, {})",
                v.number,
                v.dataset,
                v.row_count,
                &v.content_hash[..12]
            );
        }
        Some(PublishOutcome::Unchanged(v)) => {
            eprintln!(
                "  unchanged: the rows equal version {} of `{}`; no new version",
                v.number, v.dataset
            );
        }
        None if args.dry_run && report.succeeded() => eprintln!("  dry run: nothing stored"),
        None => {}
    }
    Ok(if report.succeeded() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn report_check(
    dataset: &str,
    result: Result<Vec<String>, vitrina::runtime::RunFailure>,
) -> ExitCode {
    match result {
        Ok(messages) => {
            eprintln!("✓ {dataset}: check passed");
            for message in messages {
                eprintln!("  {message}");
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!(
                "✗ {dataset}: check failed: {failure}. What to do: {}.",
                failure.kind.advice()
            );
            ExitCode::FAILURE
        }
    }
}

/// Shows the run as it happens.
struct Console {
    bar: Option<ProgressBar>,
    verbose: bool,
}

impl Console {
    fn new(verbose: bool, with_bar: bool) -> Self {
        let bar = (with_bar && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template(
                    "{spinner} {elapsed_precise} {wide_bar} {pos}/{len} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar
        });
        Self { bar, verbose }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl RunObserver for Console {
    fn log(&self, line: &LogLine) {
        if line.level < LogLevel::Info && !self.verbose {
            return;
        }
        let text = format_log_line(line);
        match &self.bar {
            Some(bar) => bar.println(text),
            None => eprintln!("{text}"),
        }
    }

    fn progress(&self, done: u64, total: Option<u64>) {
        if let Some(bar) = &self.bar {
            if let Some(total) = total {
                bar.set_length(total);
            }
            bar.set_position(done);
        }
    }

    fn rows(&self, stream: &str, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{stream}: {total} rows"));
        }
    }
}

fn format_log_line(line: &LogLine) -> String {
    let source = match line.source {
        LogSource::Plugin => "plugin",
        LogSource::Stdout => "stdout",
        LogSource::Stderr => "stderr",
        LogSource::Host => "host",
    };
    let mut text = format!(
        "{:>7.3}s {:<5} [{source}] {}",
        line.elapsed_ms as f64 / 1000.0,
        line.level.as_str(),
        line.message
    );
    for (key, value) in &line.fields {
        text.push_str(&format!(" {key}={value}"));
    }
    text
}

/// Rows going to stdout or to a file.
struct Output {
    writer: Arc<Mutex<RowWriter>>,
    /// (temporary, final) paths when writing to a file.
    file: Option<(PathBuf, PathBuf)>,
}

impl Output {
    fn open(format: Format, path: Option<PathBuf>, stream: Option<String>) -> anyhow::Result<Self> {
        let (out, file): (Box<dyn Write + Send>, _) = match path {
            None => (Box::new(std::io::stdout()), None),
            Some(path) => {
                let tmp = path.with_extension("partial");
                let file = std::fs::File::create(&tmp)
                    .with_context(|| format!("cannot create {}", tmp.display()))?;
                (Box::new(std::io::BufWriter::new(file)), Some((tmp, path)))
            }
        };
        Ok(Self {
            writer: Arc::new(Mutex::new(RowWriter::new(out, format, stream))),
            file,
        })
    }

    fn finish(self, succeeded: bool) -> anyhow::Result<()> {
        self.writer
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .finish()?;
        if let Some((tmp, path)) = self.file {
            if succeeded {
                std::fs::rename(&tmp, &path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
                eprintln!("rows written to {}", path.display());
            } else {
                let _ = std::fs::remove_file(&tmp);
            }
        }
        Ok(())
    }
}

struct SharedSink(Arc<Mutex<RowWriter>>);

impl RowSink for SharedSink {
    fn write(&mut self, stream: &StreamSchema, rows: Vec<Row>) -> Result<(), RowSinkError> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .write(stream, rows)
    }
}

/// The first rows of the first stream, shown when no output was asked for.
#[derive(Default)]
struct Preview {
    schema: Option<StreamSchema>,
    rows: Vec<Row>,
}

const PREVIEW_ROWS: usize = 3;

struct PreviewSink(Arc<Mutex<Preview>>);

impl RowSink for PreviewSink {
    fn write(&mut self, stream: &StreamSchema, rows: Vec<Row>) -> Result<(), RowSinkError> {
        let mut preview = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let schema = preview.schema.get_or_insert_with(|| stream.clone());
        if schema.name == stream.name {
            let room = PREVIEW_ROWS.saturating_sub(preview.rows.len());
            preview.rows.extend(rows.into_iter().take(room));
        }
        Ok(())
    }
}

fn print_preview(preview: &Preview) {
    let Some(schema) = &preview.schema else {
        return;
    };
    eprintln!(
        "first rows of `{}` (add --output csv|json|ndjson for all):",
        schema.name
    );
    for row in &preview.rows {
        let mut buffer = Vec::new();
        if write_json_object(&mut buffer, schema, row).is_ok() {
            eprintln!("  {}", String::from_utf8_lossy(&buffer));
        }
    }
}

fn print_summary(report: &RunReport) {
    let streams: Vec<String> = report
        .rows
        .iter()
        .map(|(s, n)| format!("{s}: {n}"))
        .collect();
    let mark = if report.succeeded() { "✓" } else { "✗" };
    eprintln!(
        "{mark} {}: {} rows ({}) in {:.2} s; plugin {} {}, CPU {:.2} s, peak memory {:.1} MiB",
        report.dataset,
        report.total_rows(),
        streams.join(", "),
        report.duration.as_secs_f64(),
        report.plugin,
        report.plugin_version,
        report.cpu_time.as_secs_f64(),
        report.peak_memory_bytes as f64 / (1024.0 * 1024.0),
    );
    let listed = if report.fetches.len() as u64 == report.requests {
        String::new()
    } else {
        format!(" (the first {} listed)", report.fetches.len())
    };
    eprintln!(
        "  fetched {} URLs, {} bytes{listed}",
        report.requests, report.bytes_fetched
    );
    for fetch in &report.fetches {
        eprintln!("    {} {} ({} bytes)", fetch.status, fetch.url, fetch.bytes);
    }
    if let Some(peak) = host_peak_memory() {
        eprintln!(
            "  host process peak memory {:.1} MiB",
            peak as f64 / (1024.0 * 1024.0)
        );
    }
    for warning in &report.warnings {
        eprintln!("  warning: {warning}");
    }
    if let Some(message) = report.failure_message() {
        eprintln!("  {message}");
        if let Some(failure) = &report.failure {
            for error in &failure.row_errors {
                eprintln!("    {error}");
            }
        }
    }
}

/// The most memory this process has held at once (its peak resident set),
/// so an operator sees what a run cost the host, not only the plugin.
fn host_peak_memory() -> Option<u64> {
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // SAFETY: getrusage fills the struct it is given and nothing else.
    let usage = unsafe {
        if libc::getrusage(libc::RUSAGE_SELF, usage.as_mut_ptr()) != 0 {
            return None;
        }
        usage.assume_init()
    };
    // Linux reports kibibytes.
    Some(usage.ru_maxrss as u64 * 1024)
}
