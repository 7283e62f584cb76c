//! The process-wide wasmtime engine, its epoch ticker, and the on-disk
//! cache of compiled components.
//!
//! One `Engine` serves every plugin. Epoch interruption bounds the CPU time
//! of plugin code; the ticker that advances the epoch runs on its own OS
//! thread, because a ticker on the async executor stops ticking exactly when
//! a runaway plugin blocks that executor. Compiling a component takes tens of
//! milliseconds to seconds, so compiled code is cached on disk, keyed by the
//! component's hash and the engine's compatibility hash (a precompiled
//! component only loads into the same wasmtime build and configuration).

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmtime::component::Component;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, OptLevel, PoolingAllocationConfig};

use crate::config::MAX_MEMORY_MIB;

/// How often the epoch advances: the granularity of the CPU limit.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// How many plugin instances may be alive at once across the process.
const MAX_CONCURRENT_INSTANCES: u32 = 64;

/// What one component may contain. A Rust plugin built for
/// `wasm32-wasip2` instantiates 3 core modules with 1 memory and 2 tables;
/// interpreted-language components link more modules (but still share one
/// memory). A component beyond these is refused when it is loaded, so no
/// plugin can take more than its share of the pool below: with these caps
/// the pool holds [`MAX_CONCURRENT_INSTANCES`] of the largest plugins.
pub const MAX_CORE_INSTANCES_PER_COMPONENT: u32 = 32;
pub const MAX_MEMORIES_PER_COMPONENT: u32 = 2;
pub const MAX_TABLES_PER_COMPONENT: u32 = 8;

/// Builds the engine: component model, epoch interruption, pooling allocator.
pub fn build_engine() -> wasmtime::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    config.cranelift_opt_level(OptLevel::Speed);
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(MAX_CONCURRENT_INSTANCES);
    pool.max_core_instances_per_component(MAX_CORE_INSTANCES_PER_COMPONENT);
    pool.max_memories_per_component(MAX_MEMORIES_PER_COMPONENT);
    pool.max_tables_per_component(MAX_TABLES_PER_COMPONENT);
    pool.total_core_instances(MAX_CONCURRENT_INSTANCES * MAX_CORE_INSTANCES_PER_COMPONENT);
    pool.total_memories(MAX_CONCURRENT_INSTANCES * MAX_MEMORIES_PER_COMPONENT);
    pool.total_tables(MAX_CONCURRENT_INSTANCES * MAX_TABLES_PER_COMPONENT);
    pool.max_memory_size((MAX_MEMORY_MIB * 1024 * 1024) as usize);
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    Engine::new(&config)
}

/// Advances the engine's epoch every [`EPOCH_TICK`] until dropped.
pub struct EpochTicker {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl EpochTicker {
    pub fn start(engine: &Engine) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let engine = engine.clone();
        let flag = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("vitrina-epoch".to_string())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    engine.increment_epoch();
                }
            })
            .ok();
        Self { stop, thread }
    }
}

impl Drop for EpochTicker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The sha256 of a component's bytes, hex.
pub fn component_hash(wasm: &[u8]) -> String {
    hex::encode(Sha256::digest(wasm))
}

/// Loads a compiled component from the cache, or compiles and caches it.
/// A cache that cannot be read or written only costs time: compilation
/// still succeeds.
pub fn load_component(
    engine: &Engine,
    wasm: &[u8],
    hash: &str,
    cache_dir: Option<&Path>,
) -> wasmtime::Result<Component> {
    let Some(path) = cache_dir.map(|dir| cache_path(engine, dir, hash)) else {
        return Component::new(engine, wasm);
    };
    if path.is_file() {
        // SAFETY: the file was written by `Component::serialize` of this
        // very engine configuration (the key includes its compatibility
        // hash) into the daemon's own data directory.
        match unsafe { Component::deserialize_file(engine, &path) } {
            Ok(component) => return Ok(component),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "ignoring unreadable compiled-component cache entry")
            }
        }
    }
    let component = Component::new(engine, wasm)?;
    if let Err(e) = write_cache(&path, &component.serialize()?) {
        tracing::warn!(path = %path.display(), error = %e, "could not cache the compiled component");
    }
    Ok(component)
}

fn cache_path(engine: &Engine, dir: &Path, hash: &str) -> PathBuf {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    dir.join(format!("{hash}-{:016x}.cwasm", hasher.finish()))
}

/// Writes atomically: a temporary file, fsynced, renamed into place, so a
/// crash never leaves a half-written entry under the real name.
fn write_cache(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension(format!("tmp{}", std::process::id()));
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}
