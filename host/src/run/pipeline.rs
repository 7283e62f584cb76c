//! A dataset's run end to end: bookmarks in, the plugin's run, its rows
//! staged as they arrive, then a new version published (or the run recorded
//! as unchanged or failed).
//!
//! Staging happens on a thread of its own fed through a bounded channel:
//! SQLite writes block, and the plugin's host calls run on the async
//! executor. A run that fails publishes nothing: the staged rows are
//! dropped with their temporary table and the last good version stays
//! current.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

use tracing::Instrument;

use super::RunRequest;
use super::collect::{CollectError, Collector, RunOptions, run_span};
use crate::config::{DatasetConfig, PublishMode};
use crate::runtime::{FailureKind, RowSink, RowSinkError, RunFailure, RunReport, budget};
use crate::schema::{QualityMeasure, Row, StreamSchema};
use crate::store::{
    DatasetMeta, DerivedFile, PublishOutcome, PublishRequest, RunOutcome, RunRecord, Staging,
    Store, StoreError,
};

/// How many batches may wait for the staging thread before the plugin
/// waits; their bytes are bounded too (see [`QueueBytes`]).
const STAGING_QUEUE: usize = 64;

/// What a run ended with: its report and, unless it failed, the version.
pub struct RunResult {
    pub report: RunReport,
    /// The version published, or `Unchanged`; `None` when the run failed.
    pub published: Option<PublishOutcome>,
}

impl RunResult {
    /// How the run ended.
    pub fn outcome(&self) -> RunOutcome {
        match (
            &self.published,
            self.report.failure.as_ref().map(|f| f.kind),
        ) {
            (Some(PublishOutcome::Published(_)), _) => RunOutcome::Published,
            (Some(PublishOutcome::Unchanged(_)), _) => RunOutcome::Unchanged,
            (None, Some(FailureKind::Cancelled)) => RunOutcome::Cancelled,
            (None, _) => RunOutcome::Failed,
        }
    }
}

/// The catalog entry of a dataset.
pub fn dataset_meta(dataset: &DatasetConfig) -> DatasetMeta {
    DatasetMeta {
        id: dataset.id.clone(),
        title: dataset.title.clone(),
        description: dataset.description.clone(),
        theme: dataset.theme.clone(),
        keywords: dataset.keywords.clone(),
        publisher: dataset.publisher.clone(),
        license: dataset.license.clone(),
        profile: dataset.profile.clone(),
        schedule: dataset.schedule.clone(),
        plugin: dataset.plugin.clone(),
        coverage: dataset.coverage.clone(),
        sources: dataset.sources.clone(),
        sample: dataset.reads_bundled_files(),
        ocds: dataset.ocds.clone(),
    }
}

/// Runs a dataset's plugin and publishes what it collected, in the run's
/// span. Every run is recorded in the history and the metrics, a run that
/// could not even start (its plugin refused at load, its store failing)
/// included; the error is returned only when not even that record could
/// be written.
pub async fn run_and_publish(
    collector: &Collector,
    store: Arc<dyn Store>,
    dataset: &DatasetConfig,
    request: RunRequest,
) -> Result<RunResult, CollectError> {
    let span = run_span(&dataset.id, &request.run_id);
    let (run_id, trigger) = (request.run_id.clone(), request.trigger);
    let result = run_and_publish_inner(collector, Arc::clone(&store), dataset, request)
        .instrument(span)
        .await;
    let outcome = match result {
        Ok(outcome) => outcome,
        Err(error) => {
            let failure = RunFailure::new(error.failure_kind(), error.to_string());
            let report = RunReport::not_started(
                run_id,
                dataset.id.clone(),
                trigger,
                dataset.plugin.clone(),
                failure,
            );
            if !record_failure(&store, &report).await {
                return Err(error);
            }
            RunResult {
                report,
                published: None,
            }
        }
    };
    record_metrics(&dataset.id, &outcome);
    Ok(outcome)
}

/// What a finished run tells the metrics.
fn record_metrics(dataset: &str, outcome: &RunResult) {
    let report = &outcome.report;
    let (version, rows) = match &outcome.published {
        Some(PublishOutcome::Published(v)) => (Some(v.number), v.row_count),
        Some(PublishOutcome::Unchanged(v)) => (Some(v.number), 0),
        None => (None, 0),
    };
    crate::metrics::run_finished(&crate::metrics::RunMetrics {
        dataset,
        outcome: outcome.outcome(),
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

async fn run_and_publish_inner(
    collector: &Collector,
    store: Arc<dyn Store>,
    dataset: &DatasetConfig,
    request: RunRequest,
) -> Result<RunResult, CollectError> {
    let store_error = |source: StoreError| CollectError::Store {
        dataset: dataset.id.clone(),
        source,
    };
    let meta = dataset_meta(dataset);
    let id = dataset.id.clone();
    let bookmarks = blocking(&store, move |s| {
        s.sync_dataset(&meta)?;
        s.bookmarks(&id)
    })
    .await
    .map_err(store_error)?;
    let plugin = collector.plugin_for(dataset).await?;
    let streams = plugin.info.streams.clone();
    let mut request = request;
    let mut refreshed_because = None;
    if dataset.publish == PublishMode::Merge && !request.full_refresh {
        let (id, declared) = (dataset.id.clone(), streams.clone());
        let changed = blocking(&store, move |s| tables_changed(s, &id, &declared))
            .await
            .map_err(store_error)?;
        if let Some(changes) = changed {
            // A merge could not carry the current rows into the new
            // tables; refusing would fail every scheduled run until an
            // operator stepped in after a routine plugin upgrade.
            tracing::warn!(
                dataset = %dataset.id,
                %changes,
                "the plugin's tables changed since the current version, so its rows cannot be merged into them: this run collects everything and publishes a whole version (a full refresh)"
            );
            request.full_refresh = true;
            refreshed_because = Some(changes);
        }
    }
    // Streams whose fields come from the source are staged once the run
    // has declared them; the others at once, so a store that cannot stage
    // fails the run before the plugin starts.
    let staging = if streams.iter().any(crate::validate::is_from_source) {
        Staged::Later(Arc::clone(&store), dataset.id.clone())
    } else {
        let (id, tables) = (dataset.id.clone(), streams.clone());
        let staging = blocking(&store, move |s| s.stage_tables(&id, &tables))
            .await
            .map_err(store_error)?;
        Staged::Now(staging)
    };
    let writer = StagingWriter::start(staging, &streams);
    let sink: Box<dyn RowSink> = match request.also.take() {
        Some(also) => Box::new(Tee(writer.sink(), also)),
        None => Box::new(writer.sink()),
    };
    let full_refresh = request.full_refresh;
    let options = RunOptions {
        bookmarks: if full_refresh {
            BTreeMap::new()
        } else {
            bookmarks
        },
        sink,
        request,
    };
    let mut report = collector.run_dataset(dataset, options).await?;
    if let Some(changes) = refreshed_because {
        // In the run's history too, where an operator looks for why this
        // run read everything.
        report.warnings.insert(
            0,
            format!("run as a full refresh: the plugin's tables changed since the current version ({changes})"),
        );
    }
    let staging = tokio::task::spawn_blocking(move || writer.finish())
        .await
        .map_err(|e| store_error(StoreError::Worker(format!("the staging thread ({e})"))))?;
    let published = match (report.succeeded(), staging) {
        (true, Ok(staging)) => {
            let merge = dataset.publish == PublishMode::Merge && !full_refresh;
            let profile = plugin.info.profile.as_deref();
            let derived =
                crate::derived::for_dataset(dataset, profile, &collector.public_base_url());
            let quality = profile
                .and_then(crate::validate::profiles::get)
                .map(|p| p.quality.clone())
                .unwrap_or_default();
            let published = publish(staging, &report, merge, derived.clone(), quality).await;
            if let Ok(PublishOutcome::Published(version)) = &published {
                // How long from the run's start until readers had the
                // version: what "published at the speed of collection" means.
                let live = (chrono::Utc::now() - report.started_at)
                    .to_std()
                    .unwrap_or_default();
                tracing::info!(
                    dataset = %dataset.id,
                    version = version.number,
                    seconds_since_start = live.as_secs_f64(),
                    "version live"
                );
            }
            if published.is_ok() {
                let derived = readdressed(&store, dataset, profile, derived).await;
                complete_pending(&store, &dataset.id, derived, &report).await;
            }
            Some(published)
        }
        (true, Err(e)) => Some(Err(e)),
        (false, _) => None,
    };
    match published {
        Some(Ok(outcome)) => Ok(RunResult {
            report,
            published: Some(outcome),
        }),
        Some(Err(e)) => {
            report.failure = Some(RunFailure::new(
                FailureKind::Sink,
                format!("publishing failed: {e}"),
            ));
            record_failure(&store, &report).await;
            Ok(RunResult {
                report,
                published: None,
            })
        }
        None => {
            record_failure(&store, &report).await;
            Ok(RunResult {
                report,
                published: None,
            })
        }
    }
}

async fn publish(
    staging: Box<dyn Staging>,
    report: &RunReport,
    merge: bool,
    derived: Vec<Arc<dyn DerivedFile>>,
    quality: Vec<QualityMeasure>,
) -> Result<PublishOutcome, StoreError> {
    let request = PublishRequest {
        run_id: report.run_id.clone(),
        started_at: report.started_at,
        trigger: report.trigger.as_str().to_string(),
        duration_ms: report.duration.as_millis() as u64,
        report: report.stored(),
        plugin: report.plugin.clone(),
        plugin_version: report.plugin_version.clone(),
        contract: report.contract.clone(),
        bookmarks: report.bookmarks.clone(),
        merge,
        derived,
        quality,
        defer: true,
    };
    tokio::task::spawn_blocking(move || staging.publish(request))
        .await
        .map_err(|e| StoreError::Worker(format!("the publishing task ({e})")))?
}

/// How the tables the plugin declares differ from the current version's
/// (`contracts: field `lot_title` added`), when they differ in fields or
/// key; `None` when the dataset has no version yet or its rows could be
/// merged. Tables whose fields come from the source are declared by the
/// run itself, and cannot be compared before it.
fn tables_changed(
    store: &dyn Store,
    dataset: &str,
    declared: &[StreamSchema],
) -> Result<Option<String>, StoreError> {
    let Some(current) = store.dataset(dataset)?.current else {
        return Ok(None);
    };
    let further = store.tables(dataset)?;
    let mut changes = Vec::new();
    for (n, stream) in declared.iter().enumerate() {
        let before = match n {
            0 => Some(&current),
            _ => {
                let id = crate::store::table_id(dataset, &stream.name);
                further.iter().find(|t| t.dataset == id)
            }
        };
        let Some(before) = before else { continue };
        if crate::validate::is_from_source(stream) || stream.holds_rows_of(&before.schema) {
            continue;
        }
        let mut said: Vec<String> = crate::store::schema_changes(&before.schema, stream)
            .iter()
            .map(ToString::to_string)
            .collect();
        if stream.primary_key != before.schema.primary_key {
            said.push(format!(
                "key ({}) became ({})",
                before.schema.primary_key.join(", "),
                stream.primary_key.join(", ")
            ));
        }
        for field in &stream.fields {
            let was = before.schema.fields.iter().find(|f| f.name == field.name);
            if let Some(was) = was.filter(|was| was.nullable != field.nullable) {
                let now = if field.nullable {
                    "optional"
                } else {
                    "required"
                };
                said.push(format!("field `{}` became {now}", was.name));
            }
        }
        if said.is_empty() {
            said.push("fields reordered".into());
        }
        changes.push(format!("{}: {}", stream.name, said.join("; ")));
    }
    Ok((!changes.is_empty()).then(|| changes.join("; ")))
}

/// `derived`, or, when a reload moved the portal during the run, the same
/// files with the address it moved to, so the run's standard files name
/// where the portal is now.
async fn readdressed(
    store: &Arc<dyn Store>,
    dataset: &DatasetConfig,
    profile: Option<&str>,
    derived: Vec<Arc<dyn DerivedFile>>,
) -> Vec<Arc<dyn DerivedFile>> {
    let id = dataset.id.clone();
    let current = blocking(store, move |s| s.portal_address(&id)).await;
    match current {
        Ok(Some(base))
            if derived
                .iter()
                .any(|f| f.address().is_some_and(|a| a != base)) =>
        {
            crate::derived::for_dataset(dataset, profile, &base)
        }
        _ => derived,
    }
}

/// Writes what the new version went live without (its full-text index,
/// the standard files). A failure here leaves the version served and the
/// work listed, for the dataset's next run to finish; it is logged, and
/// never turns a published run into a failed one.
async fn complete_pending(
    store: &Arc<dyn Store>,
    dataset: &str,
    derived: Vec<Arc<dyn DerivedFile>>,
    report: &RunReport,
) {
    let started = std::time::Instant::now();
    let id = dataset.to_string();
    match blocking(store, move |s| s.complete_pending(&id, &derived)).await {
        Ok(0) => {}
        Ok(done) => tracing::info!(
            dataset,
            run_id = %report.run_id,
            pieces = done,
            seconds = started.elapsed().as_secs_f64(),
            "search index and standard files written after the version went live"
        ),
        Err(error) => tracing::error!(
            dataset,
            run_id = %report.run_id,
            %error,
            "could not finish the new version's search index or standard files; the next run tries again"
        ),
    }
}

/// Records a run that ended without a version; whether that worked (a
/// failure to record is logged).
async fn record_failure(store: &Arc<dyn Store>, report: &RunReport) -> bool {
    let failure = report.failure.as_ref();
    let record = RunRecord {
        run_id: report.run_id.clone(),
        dataset: report.dataset.clone(),
        started_at: report.started_at,
        outcome: match failure.map(|f| f.kind) {
            Some(FailureKind::Cancelled) => RunOutcome::Cancelled,
            _ => RunOutcome::Failed,
        },
        version: None,
        rows: report.total_rows(),
        trigger: Some(report.trigger.as_str().to_string()),
        duration_ms: Some(report.duration.as_millis() as u64),
        failure_kind: failure.map(|f| f.kind.as_str().to_string()),
        failure_message: failure.map(|f| f.message.clone()),
        report: Some(report.stored()),
    };
    match blocking(store, move |s| s.record_run(&record)).await {
        Ok(()) => true,
        Err(e) => {
            tracing::error!(dataset = %report.dataset, error = %e, "could not record the failed run");
            false
        }
    }
}

/// Runs a store call on the blocking pool.
pub async fn blocking<T: Send + 'static>(
    store: &Arc<dyn Store>,
    f: impl FnOnce(&dyn Store) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let store = Arc::clone(store);
    tokio::task::spawn_blocking(move || f(store.as_ref()))
        .await
        .map_err(|e| StoreError::Worker(format!("a store task ({e})")))?
}

/// The bytes of the batches waiting for the staging thread, so the queue
/// holds at most [`budget::STAGING_QUEUE_BYTES`] whatever the batches'
/// size: a plugin that sends huge batches faster than the store writes
/// them waits instead of piling them up in the host's memory.
#[derive(Default)]
struct QueueBytes {
    queued: Mutex<u64>,
    freed: Condvar,
}

impl QueueBytes {
    /// Waits until `bytes` more fit (one batch always fits an empty queue).
    fn reserve(&self, bytes: u64) {
        let mut queued = self.queued.lock().unwrap_or_else(|e| e.into_inner());
        while *queued > 0 && *queued + bytes > budget::STAGING_QUEUE_BYTES {
            queued = self.freed.wait(queued).unwrap_or_else(|e| e.into_inner());
        }
        *queued += bytes;
    }

    fn release(&self, bytes: u64) {
        let mut queued = self.queued.lock().unwrap_or_else(|e| e.into_inner());
        *queued = queued.saturating_sub(bytes);
        self.freed.notify_all();
    }
}

fn batch_bytes(rows: &[Row]) -> u64 {
    rows.iter()
        .map(|row| row.iter().map(|v| v.size() as u64 + 8).sum::<u64>())
        .sum()
}

/// What the run sends the staging thread, for the table numbered `.0`.
enum ToStaging {
    /// The fields of a stream that takes them from the source.
    Declare(usize, StreamSchema),
    Rows(usize, Vec<Row>),
}

/// A staging area, or what it takes to make one once every stream's
/// fields are known.
enum Staged {
    Now(Box<dyn Staging>),
    Later(Arc<dyn Store>, String),
}

/// Feeds rows of every stream of the plugin to its table in a staging
/// area, on a thread of its own.
struct StagingWriter {
    sender: SyncSender<ToStaging>,
    thread: JoinHandle<Result<Box<dyn Staging>, StoreError>>,
    /// The streams' names, in the order their tables were staged.
    streams: Arc<[String]>,
    queue: Arc<QueueBytes>,
}

impl StagingWriter {
    fn start(staging: Staged, streams: &[StreamSchema]) -> Self {
        let (sender, receiver) = sync_channel(STAGING_QUEUE);
        let queue = Arc::new(QueueBytes::default());
        let released = Arc::clone(&queue);
        let schemas = streams.to_vec();
        let thread = std::thread::spawn(move || stage_all(staging, schemas, receiver, &released));
        Self {
            sender,
            thread,
            streams: streams.iter().map(|s| s.name.clone()).collect(),
            queue,
        }
    }

    fn sink(&self) -> StagingSink {
        StagingSink {
            sender: self.sender.clone(),
            streams: Arc::clone(&self.streams),
            queue: Arc::clone(&self.queue),
        }
    }

    /// Waits for every queued batch to be written; returns the staging area.
    fn finish(self) -> Result<Box<dyn Staging>, StoreError> {
        drop(self.sender);
        self.thread
            .join()
            .map_err(|_| StoreError::Worker("the staging thread (a panic)".to_string()))?
    }
}

/// The staging area, made now if it waited for declared streams.
fn staging_area(
    staged: &mut Option<Staged>,
    schemas: &[StreamSchema],
) -> Result<Box<dyn Staging>, StoreError> {
    match staged.take() {
        Some(Staged::Now(staging)) => Ok(staging),
        Some(Staged::Later(store, dataset)) => {
            if let Some(undeclared) = schemas.iter().find(|s| s.fields.is_empty()) {
                return Err(StoreError::Worker(format!(
                    "stream `{}` was never declared, so it cannot be staged",
                    undeclared.name
                )));
            }
            store.stage_tables(&dataset, schemas)
        }
        None => Err(StoreError::Worker("the staging area is gone".to_string())),
    }
}

fn stage_all(
    staging: Staged,
    mut schemas: Vec<StreamSchema>,
    receiver: Receiver<ToStaging>,
    queue: &QueueBytes,
) -> Result<Box<dyn Staging>, StoreError> {
    let mut pending = Some(staging);
    let mut area: Option<Box<dyn Staging>> = None;
    // On an error the receiver is dropped, so the next send fails and the
    // run stops with a storage error instead of writing into the void; the
    // queue is emptied so a sender waiting for room wakes up to see it.
    let result = receiver.iter().try_for_each(|message| match message {
        ToStaging::Declare(table, schema) => {
            schemas[table] = schema;
            Ok(())
        }
        ToStaging::Rows(table, rows) => {
            let bytes = batch_bytes(&rows);
            let staging = match &mut area {
                Some(staging) => staging,
                None => area.insert(staging_area(&mut pending, &schemas)?),
            };
            let written = staging.write_table(table, rows);
            queue.release(bytes);
            written
        }
    });
    queue.release(u64::MAX);
    result?;
    match area {
        Some(staging) => Ok(staging),
        None => staging_area(&mut pending, &schemas),
    }
}

/// The run's side of the staging channel.
struct StagingSink {
    sender: SyncSender<ToStaging>,
    streams: Arc<[String]>,
    queue: Arc<QueueBytes>,
}

impl StagingSink {
    fn table(&self, stream: &StreamSchema) -> Result<usize, RowSinkError> {
        // The runtime hands on only rows of declared streams, all staged.
        self.streams
            .iter()
            .position(|s| *s == stream.name)
            .ok_or_else(|| RowSinkError::UnknownStream(stream.name.clone()))
    }
}

impl RowSink for StagingSink {
    fn write(&mut self, stream: &StreamSchema, rows: Vec<Row>) -> Result<(), RowSinkError> {
        let table = self.table(stream)?;
        self.queue.reserve(batch_bytes(&rows));
        self.sender
            .send(ToStaging::Rows(table, rows))
            .map_err(|_| RowSinkError::StoreStopped)
    }

    fn declare(&mut self, stream: &StreamSchema) -> Result<(), RowSinkError> {
        let table = self.table(stream)?;
        self.sender
            .send(ToStaging::Declare(table, stream.clone()))
            .map_err(|_| RowSinkError::StoreStopped)
    }
}

/// Two sinks fed the same rows.
struct Tee(StagingSink, Box<dyn RowSink>);

impl RowSink for Tee {
    fn write(&mut self, stream: &StreamSchema, rows: Vec<Row>) -> Result<(), RowSinkError> {
        self.1.write(stream, rows.clone())?;
        self.0.write(stream, rows)
    }

    fn declare(&mut self, stream: &StreamSchema) -> Result<(), RowSinkError> {
        self.1.declare(stream)?;
        self.0.declare(stream)
    }
}

/// Writes, in the background, what the datasets' versions still lack:
/// files a moved portal listed again ([`readdress_standard_files`]), and
/// what a process stopped between a version going live and its standard
/// files being written left pending, which would otherwise answer "still
/// being written" until the dataset's next run, a day away for a daily
/// dataset.
pub fn finish_pending_files<'a>(
    store: &Arc<dyn Store>,
    datasets: impl IntoIterator<Item = &'a DatasetConfig>,
    base: &str,
) {
    for dataset in datasets {
        let derived = crate::derived::for_dataset(dataset, dataset.profile.as_deref(), base);
        let (store, id) = (Arc::clone(store), dataset.id.clone());
        tokio::spawn(async move {
            let started = std::time::Instant::now();
            let written = blocking(&store, {
                let id = id.clone();
                move |s| s.complete_pending(&id, &derived)
            })
            .await;
            match written {
                Ok(0) => {}
                Ok(pieces) => tracing::info!(
                    dataset = %id,
                    pieces,
                    seconds = started.elapsed().as_secs_f64(),
                    "wrote the search index and standard files left pending"
                ),
                Err(error) => tracing::error!(
                    dataset = %id,
                    %error,
                    "could not write the files left pending; the next run tries again"
                ),
            }
        });
    }
}

/// Lists again as pending the standard files whose bytes name the
/// portal's address (the OCDS packages' `uri`) when that address changed
/// since they were written, so a moved portal serves no links to where it
/// was; [`finish_pending_files`] then writes them, and the old files are
/// served until their replacements are in place. The ids of the datasets
/// with files to rewrite.
pub async fn readdress_standard_files(
    store: &Arc<dyn Store>,
    datasets: impl IntoIterator<Item = &DatasetConfig>,
    base: &str,
) -> Result<Vec<String>, StoreError> {
    let mut moved = Vec::new();
    for dataset in datasets {
        let derived = crate::derived::for_dataset(dataset, dataset.profile.as_deref(), base);
        if !derived
            .iter()
            .any(|f| crate::derived::ADDRESSED.contains(&f.name()))
        {
            continue;
        }
        let (id, base_owned) = (dataset.id.clone(), base.to_string());
        let names: Vec<&'static str> = crate::derived::ADDRESSED.to_vec();
        let listed = blocking(store, move |s| s.readdress(&id, &base_owned, &names)).await?;
        if listed == 0 {
            continue;
        }
        tracing::info!(
            dataset = %dataset.id,
            versions = listed,
            base,
            "the portal's address changed since the OCDS packages were written: rewriting them"
        );
        moved.push(dataset.id.clone());
    }
    Ok(moved)
}
