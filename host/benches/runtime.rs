//! Runtime benchmarks.
//!
//! - `start/*`: what starting a run of a plugin costs once it is loaded
//!   (new `Store`, instantiation from the `InstancePre`, first call), and
//!   what loading costs from the compiled-code cache and from scratch.
//! - `rows/*`: rows per second through the component boundary, the SDK's
//!   batching and the host's validation, against the same rows built and
//!   validated natively in the host (the baseline the ratio is taken to).
//!
//! Run with `cargo bench -p vitrina --bench runtime`
//! (the benchmarks run the `rows` development plugin).

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use vitrina::config::{FetchLimits, Limits};
use vitrina::runtime::{
    DiscardSink, FetchPolicy, Fetcher, Plugin, Quiet, RunJob, RunSetup, Runtime, Trigger,
};
use vitrina::schema::{Row, StreamSchema, Value};
use vitrina::validate::RowValidator;
use vitrina_bundle::development_component;

const ROWS: u64 = 100_000;

/// The same allocator as the `vitrina` binary, so the figures are the binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn tokio() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn rows_wasm() -> Vec<u8> {
    std::fs::read(development_component("rows").expect("the rows plugin is built")).unwrap()
}

fn start(c: &mut Criterion) {
    let rt = tokio();
    let cache = tempfile::tempdir().unwrap();
    let runtime = Runtime::new(Some(cache.path().to_path_buf())).unwrap();
    let wasm = rows_wasm();
    let plugin = rt.block_on(runtime.load(&wasm, "rows")).unwrap();
    let mut group = c.benchmark_group("start");
    group.bench_function("store_instantiate_first_call", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(runtime.describe_again(&plugin).await.unwrap()) })
    });
    group.sample_size(20);
    group.bench_function("load_from_cache", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(runtime.load(&wasm, "rows").await.unwrap()) })
    });
    let uncached = Runtime::new(None).unwrap();
    group.sample_size(10);
    group.bench_function("load_compiling", |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(uncached.load(&wasm, "rows").await.unwrap()) })
    });
    group.finish();
}

fn run_job(plugin: &Plugin, rows: u64) -> RunJob {
    let fetcher = Fetcher::new(FetchPolicy {
        allow: Vec::new(),
        fixtures: None,
        limits: FetchLimits::default(),
        user_agent: "bench".to_string(),
    });
    RunJob {
        run_id: "bench".to_string(),
        dataset: "bench".to_string(),
        trigger: Trigger::Manual,
        full_refresh: false,
        cancel: Default::default(),
        setup: RunSetup {
            fetcher,
            limits: Limits::default(),
            config: BTreeMap::from([("rows".to_string(), rows.to_string())]),
            secrets: BTreeMap::new(),
            bookmarks: BTreeMap::new(),
            streams: plugin.info.streams.clone(),
            profile: None,
            sink: Box::new(DiscardSink),
            observer: Arc::new(Quiet),
        },
    }
}

/// The rows plugin's row `i`, built natively (same values, same order).
fn native_row(i: u64) -> Row {
    let day = i % 28 + 1;
    let month = i % 12 + 1;
    let cents = |base: u64| {
        let v = base + i;
        format!("{}.{:02}", v / 100, v % 100)
    };
    vec![
        Value::Text(format!("ocds-b5fd17-{i:08}")),
        Value::Text(format!("00123-2024-{:04}", i % 10_000)),
        Value::Text("Текущ ремонт на улична мрежа в ж.к. „Меден рудник“".to_string()),
        Value::Text("45233142".to_string()),
        Value::Text("Открита процедура".to_string()),
        Value::Decimal(cents(125_000_000)),
        Value::Decimal(cents(119_845_000)),
        Value::Text("BGN".to_string()),
        Value::Date(format!("2024-{month:02}-{day:02}")),
        Value::Text("000056814".to_string()),
        Value::Text("102055263".to_string()),
        Value::Integer((i % 7) as i64),
    ]
}

fn rows(c: &mut Criterion) {
    let rt = tokio();
    let runtime = Runtime::new(None).unwrap();
    let plugin = rt.block_on(runtime.load(&rows_wasm(), "rows")).unwrap();
    let schema: StreamSchema = plugin.info.streams[0].clone();
    let mut group = c.benchmark_group("rows");
    group.throughput(Throughput::Elements(ROWS));
    group.sample_size(10);
    group.bench_function("plugin_through_sink_validated", |b| {
        b.to_async(&rt).iter(|| async {
            let report = runtime.run(&plugin, run_job(&plugin, ROWS)).await;
            assert!(report.succeeded(), "{:?}", report.failure);
            black_box(report)
        })
    });
    group.bench_function("native_baseline_validated", |b| {
        b.iter(|| {
            let mut validator = RowValidator::new(schema.clone());
            for i in 0..ROWS {
                let row = native_row(i);
                validator.check(&row).unwrap();
                black_box(row);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, start, rows);
criterion_main!(benches);
