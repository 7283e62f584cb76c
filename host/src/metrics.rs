//! Metrics for the operator's monitoring, in Prometheus text format at
//! `GET /metrics`.
//!
//! One process-wide registry, like every Prometheus client: the places
//! that know a number record it (the HTTP layer its requests, the daemon
//! its runs), and the scrape renders everything at once. Counters and
//! histograms are plain atomics or maps behind a short lock; nothing here
//! is on a path where a scrape could slow a request.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use crate::store::RunOutcome;

/// Bucket bounds (seconds) for HTTP request durations.
const HTTP_BUCKETS: [f64; 10] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 2.5,
];
/// Bucket bounds (seconds) for run durations.
const RUN_BUCKETS: [f64; 9] = [0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0, 3600.0];

/// A cumulative histogram.
#[derive(Debug, Clone, Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, bounds: &[f64], value: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; bounds.len()];
        }
        for (count, bound) in self.counts.iter_mut().zip(bounds) {
            if value <= *bound {
                *count += 1;
            }
        }
        self.sum += value;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str, bounds: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (count, bound) in self.counts.iter().zip(bounds) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let braces = if labels.is_empty() {
            String::new()
        } else {
            format!("{{{labels}}}")
        };
        let _ = writeln!(out, "{name}_sum{braces} {}", self.sum);
        let _ = writeln!(out, "{name}_count{braces} {}", self.count);
    }
}

/// What one finished run tells the metrics.
#[derive(Debug, Clone)]
pub struct RunMetrics<'a> {
    pub dataset: &'a str,
    pub outcome: RunOutcome,
    pub duration: Duration,
    pub rows_published: u64,
    pub current_version: Option<u64>,
    pub cpu: Duration,
    pub peak_memory_bytes: u64,
    /// When the dataset last succeeded (Unix seconds), if it ever did.
    pub last_success_unix: Option<i64>,
}

/// A per-dataset series: name, type, help, and how to read it.
type Gauge = (
    &'static str,
    &'static str,
    &'static str,
    fn(&DatasetNumbers, i64) -> Option<f64>,
);

#[derive(Default)]
struct DatasetNumbers {
    runs: BTreeMap<&'static str, u64>,
    durations: Histogram,
    rows_published: u64,
    current_version: Option<u64>,
    last_success_unix: Option<i64>,
    cpu_seconds_peak: f64,
    memory_bytes_peak: u64,
}

#[derive(Default)]
struct Registry {
    http: BTreeMap<(String, u16), (u64, Histogram)>,
    datasets: BTreeMap<String, DatasetNumbers>,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

/// Records one HTTP request by route (a pattern, never a raw path, so the
/// number of series stays bounded) and status.
pub fn http_request(route: &str, status: u16, duration: Duration) {
    let mut registry = registry();
    let entry = registry
        .http
        .entry((route.to_string(), status))
        .or_default();
    entry.0 += 1;
    entry.1.observe(&HTTP_BUCKETS, duration.as_secs_f64());
}

/// Records one finished (or skipped) run.
pub fn run_finished(run: &RunMetrics<'_>) {
    let mut registry = registry();
    let numbers = registry
        .datasets
        .entry(run.dataset.to_string())
        .or_default();
    *numbers.runs.entry(run.outcome.as_str()).or_default() += 1;
    if run.outcome != RunOutcome::Skipped {
        numbers
            .durations
            .observe(&RUN_BUCKETS, run.duration.as_secs_f64());
    }
    numbers.rows_published += run.rows_published;
    numbers.current_version = run.current_version.or(numbers.current_version);
    numbers.last_success_unix = run.last_success_unix.or(numbers.last_success_unix);
    numbers.cpu_seconds_peak = numbers.cpu_seconds_peak.max(run.cpu.as_secs_f64());
    numbers.memory_bytes_peak = numbers.memory_bytes_peak.max(run.peak_memory_bytes);
}

/// Sets what is known about a dataset before any run of this process.
pub fn dataset_state(dataset: &str, current_version: Option<u64>, last_success_unix: Option<i64>) {
    let mut registry = registry();
    let numbers = registry.datasets.entry(dataset.to_string()).or_default();
    numbers.current_version = current_version.or(numbers.current_version);
    numbers.last_success_unix = last_success_unix.or(numbers.last_success_unix);
}

/// Everything, in Prometheus text format (version 0.0.4).
pub fn render(now_unix: i64) -> String {
    let registry = registry();
    let mut out = String::new();
    header(
        &mut out,
        "vitrina_http_requests_total",
        "counter",
        "HTTP requests by route and status.",
    );
    for ((route, status), (count, _)) in &registry.http {
        let _ = writeln!(
            out,
            "vitrina_http_requests_total{{route=\"{route}\",status=\"{status}\"}} {count}"
        );
    }
    header(
        &mut out,
        "vitrina_http_request_duration_seconds",
        "histogram",
        "HTTP request durations by route.",
    );
    let mut by_route: BTreeMap<&str, Histogram> = BTreeMap::new();
    for ((route, _), (_, histogram)) in &registry.http {
        let merged = by_route.entry(route).or_default();
        if merged.counts.is_empty() {
            merged.counts = vec![0; HTTP_BUCKETS.len()];
        }
        for (a, b) in merged.counts.iter_mut().zip(&histogram.counts) {
            *a += b;
        }
        merged.sum += histogram.sum;
        merged.count += histogram.count;
    }
    for (route, histogram) in &by_route {
        histogram.render(
            &mut out,
            "vitrina_http_request_duration_seconds",
            &format!("route=\"{route}\""),
            &HTTP_BUCKETS,
        );
    }
    render_datasets(&mut out, &registry, now_unix);
    out
}

fn render_datasets(out: &mut String, registry: &Registry, now_unix: i64) {
    header(
        out,
        "vitrina_runs_total",
        "counter",
        "Runs by dataset and outcome.",
    );
    for (dataset, numbers) in &registry.datasets {
        for (outcome, count) in &numbers.runs {
            let _ = writeln!(
                out,
                "vitrina_runs_total{{dataset=\"{dataset}\",outcome=\"{outcome}\"}} {count}"
            );
        }
    }
    header(
        out,
        "vitrina_run_duration_seconds",
        "histogram",
        "Run durations by dataset.",
    );
    for (dataset, numbers) in registry
        .datasets
        .iter()
        .filter(|(_, n)| n.durations.count > 0)
    {
        numbers.durations.render(
            out,
            "vitrina_run_duration_seconds",
            &format!("dataset=\"{dataset}\""),
            &RUN_BUCKETS,
        );
    }
    let gauges: [Gauge; 5] = [
        (
            "vitrina_rows_published_total",
            "counter",
            "Rows in versions published by this process.",
            |n, _| Some(n.rows_published as f64),
        ),
        (
            "vitrina_current_version",
            "gauge",
            "The current version of each dataset.",
            |n, _| n.current_version.map(|v| v as f64),
        ),
        (
            "vitrina_seconds_since_last_success",
            "gauge",
            "Seconds since each dataset's last successful run.",
            |n, now| n.last_success_unix.map(|t| (now - t).max(0) as f64),
        ),
        (
            "vitrina_plugin_cpu_seconds_peak",
            "gauge",
            "The most plugin CPU time one run of each dataset used.",
            |n, _| Some(n.cpu_seconds_peak),
        ),
        (
            "vitrina_plugin_memory_bytes_peak",
            "gauge",
            "The most plugin memory one run of each dataset used.",
            |n, _| Some(n.memory_bytes_peak as f64),
        ),
    ];
    for (name, kind, help, value) in gauges {
        header(out, name, kind, help);
        for (dataset, numbers) in &registry.datasets {
            if let Some(v) = value(numbers, now_unix) {
                let _ = writeln!(out, "{name}{{dataset=\"{dataset}\"}} {v}");
            }
        }
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}
