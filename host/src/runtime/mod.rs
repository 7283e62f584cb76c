//! Runs plugins: the sandboxed wasmtime runtime.
//!
//! A [`Runtime`] owns the process's one `Engine`, the linker with every host
//! import, and the epoch ticker. [`Runtime::load`] turns a component's bytes
//! into a [`Plugin`]: compiled once (cached on disk), matched to its contract
//! version, pre-instantiated, described and checked. [`Runtime::run`] gives
//! each run a fresh `Store` with its own limits (CPU through epochs, memory
//! through a limiter, a wall clock around everything including host calls,
//! rows and bytes in the sink) and returns a [`RunReport`] whatever happens:
//! a hostile plugin fails its own run and nothing else.
//!
//! # Layout
//! - `engine`: engine configuration, epoch ticker, compiled-component cache.
//! - `contract`: generated bindings per contract version, each adapted to
//!   [`crate::schema`] and to the one implementation of the imports.
//! - `budget`: what one run may make the host do, and its memory as a whole.
//! - `host`: the run's state and the `config`, `state`, `sink` imports.
//! - `log`: the run's log, the `log` import and the captured stdout/stderr.
//! - `fetch`: the `fetch` import and its policy.
//! - `redact`: secrets and control characters kept out of the records.
//! - `report`: what a run produced, and why it failed.

pub mod budget;
mod contract;
mod engine;
pub mod fetch;
mod host;
mod log;
pub mod politeness;
pub mod redact;
mod report;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::{Component, Linker};
use wasmtime::{Engine, Store, UpdateDeadline};

pub use contract::ContractVersion;
use contract::{CollectorPre, RunContext};
pub use engine::{EPOCH_TICK, component_hash};
pub use fetch::{FetchPolicy, FetchRecord, Fetcher};
use host::RunState;
pub use host::{DiscardSink, Quiet, RowSink, RowSinkError, RunObserver, RunSetup};
pub use log::LogToTracing;
pub use report::{FailureKind, LogLevel, LogLine, LogSource, RunFailure, RunReport};

use crate::config::Limits;
use crate::schema::PluginInfo;
use crate::validate::check_plugin_info;

/// Why a plugin could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    #[error("{origin}: not a valid WebAssembly component: {message}")]
    Compile { origin: String, message: String },
    #[error(
        "{origin}: built against vitrina:plugin@{found}, which this host does not run (it runs {supported}); rebuild the plugin with a supported SDK"
    )]
    Contract {
        origin: String,
        found: String,
        supported: String,
    },
    #[error(
        "{origin}: refused: {message}; a plugin may have at most {} core instances, {} linear memories and {} tables",
        engine::MAX_CORE_INSTANCES_PER_COMPONENT,
        engine::MAX_MEMORIES_PER_COMPONENT,
        engine::MAX_TABLES_PER_COMPONENT
    )]
    OverLimits { origin: String, message: String },
    #[error("{origin}: does not fit the collector contract: {message}")]
    Link { origin: String, message: String },
    #[error("{origin}: describe() failed: {message}")]
    Describe { origin: String, message: String },
    #[error("{origin}: plugin `{id}` describes itself wrongly:\n  - {}", problems.join("\n  - "))]
    InvalidDescription {
        origin: String,
        id: String,
        problems: Vec<String>,
    },
}

/// Why the runtime could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the plugin runtime: {0}")]
pub struct RuntimeError(String);

/// A loaded plugin, ready to run any number of times.
pub struct Plugin {
    /// What the plugin says about itself (checked).
    pub info: PluginInfo,
    /// sha256 of the component.
    pub hash: String,
    /// Where it came from: `bundled` or a file path.
    pub origin: String,
    pub contract: ContractVersion,
    pre: CollectorPre,
}

/// Why a run happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trigger {
    Schedule,
    Startup,
    Manual,
    Retry,
}

/// One run to perform.
pub struct RunJob {
    pub run_id: String,
    pub dataset: String,
    pub trigger: Trigger,
    pub full_refresh: bool,
    pub setup: RunSetup,
    /// Stops the run when cancelled (a shutdown past its grace period).
    pub cancel: tokio_util::sync::CancellationToken,
}

/// The process's plugin runtime.
pub struct Runtime {
    engine: Engine,
    linker: Linker<RunState>,
    cache_dir: Option<PathBuf>,
    _ticker: engine::EpochTicker,
}

impl Runtime {
    /// Starts the runtime; compiled components are cached in `cache_dir`.
    pub fn new(cache_dir: Option<PathBuf>) -> Result<Self, RuntimeError> {
        // reqwest is built without a default TLS provider; ring is ours.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let engine = engine::build_engine().map_err(|e| RuntimeError(e.to_string()))?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)
            .map_err(|e| RuntimeError(e.to_string()))?;
        contract::add_to_linker(&mut linker).map_err(|e| RuntimeError(e.to_string()))?;
        let ticker = engine::EpochTicker::start(&engine);
        Ok(Self {
            engine,
            linker,
            cache_dir,
            _ticker: ticker,
        })
    }

    /// Compiles (or loads from cache), links and describes a plugin.
    pub async fn load(&self, wasm: &[u8], origin: &str) -> Result<Plugin, PluginError> {
        let hash = component_hash(wasm);
        let compile_error = |message: String| PluginError::Compile {
            origin: origin.to_string(),
            message,
        };
        // Compiling takes from milliseconds to minutes (a component can be
        // made to compile slowly): off the async threads, so the daemon
        // keeps serving and answering signals meanwhile.
        let (engine, bytes, key, cache) = (
            self.engine.clone(),
            wasm.to_vec(),
            hash.clone(),
            self.cache_dir.clone(),
        );
        let component = tokio::task::spawn_blocking(move || {
            engine::load_component(&engine, &bytes, &key, cache.as_deref())
        })
        .await
        .map_err(|e| compile_error(format!("the compiling task failed: {e}")))?
        .map_err(|e| refused_or_invalid(origin, &e))?;
        let contract = self.contract_of(&component, origin)?;
        let link_error = |e: wasmtime::Error| PluginError::Link {
            origin: origin.to_string(),
            message: format!("{e:#}"),
        };
        let instance_pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(link_error)?;
        let pre = CollectorPre::new(contract, instance_pre).map_err(link_error)?;
        let info = self.describe(&pre, origin).await?;
        check_plugin_info(&info).map_err(|problems| PluginError::InvalidDescription {
            origin: origin.to_string(),
            id: info.id.chars().take(64).collect(),
            problems,
        })?;
        Ok(Plugin {
            info,
            hash,
            origin: origin.to_string(),
            contract,
            pre,
        })
    }

    /// The contract version a component imports.
    fn contract_of(
        &self,
        component: &Component,
        origin: &str,
    ) -> Result<ContractVersion, PluginError> {
        let ty = component.component_type();
        for (name, _) in ty.imports(&self.engine) {
            match ContractVersion::from_import_name(name) {
                Some(Ok(version)) => return Ok(version),
                Some(Err(found)) => {
                    let supported: Vec<&str> =
                        ContractVersion::ALL.iter().map(|v| v.as_str()).collect();
                    return Err(PluginError::Contract {
                        origin: origin.to_string(),
                        found,
                        supported: supported.join(", "),
                    });
                }
                None => {}
            }
        }
        // A plugin that imports nothing of ours can only be checked against
        // the exports, which are the same in every version.
        Ok(ContractVersion::LATEST)
    }

    /// Calls a loaded plugin's `describe` in a fresh store: the cost of
    /// starting any run (new `Store`, instantiation, first call).
    pub async fn describe_again(&self, plugin: &Plugin) -> Result<PluginInfo, PluginError> {
        self.describe(&plugin.pre, &plugin.origin).await
    }

    async fn describe(&self, pre: &CollectorPre, origin: &str) -> Result<PluginInfo, PluginError> {
        let limits = Limits {
            cpu_seconds: 5.0,
            ..Limits::default()
        };
        let failed = |message: String| PluginError::Describe {
            origin: origin.to_string(),
            message,
        };
        let setup = idle_setup(limits.clone());
        let mut store = self.new_store(RunState::new(setup), limits.cpu());
        let call = pre.describe(&mut store);
        match tokio::time::timeout(Duration::from_secs(10), call).await {
            Ok(Ok(info)) => Ok(info),
            Ok(Err(e)) => Err(failed(format!("{e:#}"))),
            Err(_) => Err(failed("took longer than 10 s".to_string())),
        }
    }

    fn new_store(&self, state: RunState, cpu_limit: Duration) -> Store<RunState> {
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| state);
        // The epoch advances every tick; with the deadline one tick ahead the
        // callback runs about once per tick while plugin code runs (a host
        // call that waits is not interrupted, and is not plugin time).
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |mut ctx| {
            let state = ctx.data_mut();
            if state.plugin_time() > cpu_limit {
                let message = format!(
                    "plugin code ran for more than {:.1} s (limits.cpu_seconds)",
                    cpu_limit.as_secs_f64()
                );
                state
                    .failure
                    .get_or_insert(RunFailure::new(FailureKind::CpuLimit, message.clone()));
                return Err(wasmtime::Error::msg(message));
            }
            // Yield so a busy plugin never starves the other tasks on this thread.
            Ok(UpdateDeadline::Yield(1))
        });
        store
    }

    /// Runs `collect` once and reports what happened.
    pub async fn run(&self, plugin: &Plugin, job: RunJob) -> RunReport {
        let started_at = chrono::Utc::now();
        let started = Instant::now();
        let limits = job.setup.limits.clone();
        let mut store = self.new_store(RunState::new(job.setup), limits.cpu());
        let context = RunContext {
            run_id: job.run_id.clone(),
            dataset: job.dataset.clone(),
            trigger: job.trigger,
            full_refresh: job.full_refresh,
        };
        let outcome = {
            let call = plugin.pre.collect(&mut store, context);
            // Dropping the call drops the plugin's stack mid-flight; the
            // store (and its failure record) is read only after that.
            tokio::select! {
                outcome = tokio::time::timeout(limits.wall_clock(), call) => Some(outcome),
                _ = job.cancel.cancelled() => None,
            }
        };
        let mut state = store.into_data();
        let (failure, warnings) = match outcome {
            None => (
                Some(RunFailure::new(
                    FailureKind::Cancelled,
                    "the run was cancelled: the daemon shut down before it ended; the last published version stays current",
                )),
                Vec::new(),
            ),
            Some(Err(_)) => (Some(wall_clock_failure(&mut state, &limits)), Vec::new()),
            Some(Ok(Err(trap))) => (Some(trap_failure(&mut state, &trap)), Vec::new()),
            Some(Ok(Ok(Err(failure)))) => {
                (Some(state.failure.take().unwrap_or(failure)), Vec::new())
            }
            Some(Ok(Ok(Ok(warnings)))) => {
                let failure = state.failure.take().or_else(|| undeclared(&state));
                (failure, warnings)
            }
        };
        state.drain_output();
        let failure = failure.map(|f| clean_failure(f, &state.redactor));
        let mut warnings = warnings;
        warnings.extend(
            state
                .streams
                .iter()
                .flat_map(|s| s.validator.future_date_warnings()),
        );
        let warnings = clean_warnings(warnings, &state.redactor);
        let cpu_time = state.plugin_time();
        let (logs, logs_dropped) = state.log.finish();
        RunReport {
            trigger: job.trigger,
            run_id: job.run_id,
            dataset: job.dataset,
            plugin: plugin.info.id.clone(),
            plugin_version: plugin.info.version.clone(),
            contract: plugin.contract.as_str().to_string(),
            started_at,
            duration: started.elapsed(),
            cpu_time,
            peak_memory_bytes: state.memory.peak(),
            rows: state
                .streams
                .iter()
                .map(|s| (s.validator.schema().name.clone(), s.rows))
                .collect(),
            bytes_emitted: state.bytes_emitted,
            requests: state.fetches.requests,
            fetches: std::mem::take(&mut state.fetches.records),
            bytes_fetched: state.fetches.bytes,
            warnings,
            logs,
            logs_dropped,
            bookmarks: std::mem::take(&mut state.bookmarks_out),
            failure,
        }
    }

    /// Runs `check`: the configuration is valid and the source answers.
    /// Returns the plugin's notes, or the failure.
    pub async fn check(&self, plugin: &Plugin, setup: RunSetup) -> Result<Vec<String>, RunFailure> {
        let limits = setup.limits.clone();
        let mut store = self.new_store(RunState::new(setup), limits.cpu());
        let call = plugin.pre.check(&mut store);
        let outcome = tokio::time::timeout(limits.wall_clock(), call).await;
        let mut state = store.into_data();
        let result = match outcome {
            Err(_) => Err(wall_clock_failure(&mut state, &limits)),
            Ok(Err(trap)) => Err(trap_failure(&mut state, &trap)),
            Ok(Ok(Err(failure))) => Err(failure),
            Ok(Ok(Ok(messages))) => Ok(clean_warnings(messages, &state.redactor)),
        };
        result.map_err(|f| clean_failure(f, &state.redactor))
    }
}

/// A component the engine would not take: over the per-plugin limits of the
/// instance pool (wasmtime says so in its message), or not a component.
fn refused_or_invalid(origin: &str, error: &wasmtime::Error) -> PluginError {
    let message = format!("{error:#}");
    if message.contains("pooling allocator") {
        PluginError::OverLimits {
            origin: origin.to_string(),
            message,
        }
    } else {
        PluginError::Compile {
            origin: origin.to_string(),
            message,
        }
    }
}

/// A setup for calls that must not reach anything: no hosts, no rows kept.
fn idle_setup(limits: Limits) -> RunSetup {
    let fetcher = Fetcher::new(FetchPolicy {
        allow: Vec::new(),
        fixtures: None,
        limits: crate::config::FetchLimits::default(),
        user_agent: user_agent("", ""),
    });
    RunSetup {
        fetcher,
        limits,
        config: BTreeMap::new(),
        secrets: BTreeMap::new(),
        bookmarks: BTreeMap::new(),
        streams: Vec::new(),
        profile: None,
        sink: Box::new(DiscardSink),
        observer: Arc::new(Quiet),
    }
}

/// The User-Agent of every fetch: Vitrina, its version, and who runs it
/// with how to reach them, so a source's administrator knows whom to call.
pub fn user_agent(operator: &str, contact: &str) -> String {
    let version = env!("CARGO_PKG_VERSION");
    match (operator.trim(), contact.trim()) {
        ("", "") => format!("Vitrina/{version} (open-data collector)"),
        (name, "") | ("", name) => format!("Vitrina/{version} (open-data collector; {name})"),
        (name, contact) => format!("Vitrina/{version} (open-data collector; {name}; {contact})"),
    }
}

fn wall_clock_failure(state: &mut RunState, limits: &Limits) -> RunFailure {
    state.failure.take().unwrap_or_else(|| {
        RunFailure::new(
            FailureKind::WallClock,
            format!(
                "the run took longer than {:.0} s (limits.wall_clock_seconds), waiting on the source included",
                limits.wall_clock_seconds
            ),
        )
    })
}

fn trap_failure(state: &mut RunState, trap: &wasmtime::Error) -> RunFailure {
    if let Some(failure) = state.failure.take() {
        return failure;
    }
    if let Some(failure) = state.memory.refusal(state.limits.memory_mib) {
        return failure;
    }
    if let Some(wasmtime::component::ResourceTableError::Full) =
        trap.downcast_ref::<wasmtime::component::ResourceTableError>()
    {
        return RunFailure::new(
            FailureKind::HandleLimit,
            format!(
                "the plugin held more than {} handles at once (response bodies, WASI streams and pollables it never dropped)",
                budget::HANDLES
            ),
        );
    }
    let reason = match trap.downcast_ref::<wasmtime::Trap>() {
        Some(code) => code.to_string(),
        None => format!("{trap:#}"),
    };
    let message = match state.stderr.panic_message() {
        Some(panic) => format!("{panic} ({reason})"),
        None => reason,
    };
    RunFailure::new(FailureKind::Crashed, message)
}

/// A failure as the run's records keep it: no secrets, no control
/// characters, nothing without end.
fn clean_failure(mut failure: RunFailure, redactor: &redact::Redactor) -> RunFailure {
    let clean = |text: &str| {
        let mut text = redact::escape_controls(&redactor.redact(text)).into_owned();
        budget::truncate_marked(&mut text, budget::WARNING_BYTES);
        text
    };
    failure.message = clean(&failure.message);
    for error in &mut failure.row_errors {
        error.message = clean(&error.message);
        error.stream = clean(&error.stream);
    }
    failure
}

/// The plugin's warnings, within the run's budget and cleaned.
fn clean_warnings(warnings: Vec<String>, redactor: &redact::Redactor) -> Vec<String> {
    let total = warnings.len();
    let mut kept: Vec<String> = warnings
        .into_iter()
        .take(budget::WARNINGS)
        .map(|w| {
            let mut w = redact::escape_controls(&redactor.redact(&w)).into_owned();
            budget::truncate_marked(&mut w, budget::WARNING_BYTES);
            w
        })
        .collect();
    if total > budget::WARNINGS {
        kept.push(format!(
            "… and {} more warnings, not kept",
            total - budget::WARNINGS
        ));
    }
    kept
}

/// A run that ended well but left a stream whose fields come from the
/// source undeclared: nothing can be staged for it, so nothing is published.
fn undeclared(state: &RunState) -> Option<RunFailure> {
    state.undeclared_stream().map(|stream| {
        RunFailure::new(
            FailureKind::InvalidRows,
            format!(
                "stream `{stream}` takes its fields from the source and the run never declared them (sink.declare); nothing is published"
            ),
        )
    })
}

impl Trigger {
    /// The name the run history and the API use.
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::Schedule => "schedule",
            Trigger::Startup => "startup",
            Trigger::Manual => "manual",
            Trigger::Retry => "retry",
        }
    }
}

/// A new run id: sortable by time, unique within the process and beyond.
pub fn new_run_id() -> String {
    use std::hash::{BuildHasher, RandomState};
    let random = RandomState::new().hash_one(Instant::now()) as u32;
    format!(
        "{}-{random:08x}",
        chrono::Utc::now().format("%Y%m%dT%H%M%S%3fZ")
    )
}
