//! Finding plugins: those bundled in the binary, and `*.wasm` components in
//! the operator's plugin folder.
//!
//! Plugins are loaded on first use and kept for the life of the process
//! (compiling is the expensive part; each run then only instantiates). A
//! component in the plugin folder overrides a bundled plugin of the same id,
//! so an operator can deploy a fixed plugin without a new binary.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use crate::runtime::{Plugin, PluginError, Runtime};

/// Plugins shipped inside the binary: (id, component bytes).
pub type Bundled = &'static [(&'static str, &'static [u8])];

/// Why a plugin is not available.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("no plugin `{id}`; available plugins: {available}")]
    NotFound { id: String, available: String },
    #[error("cannot read plugin {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Load(#[from] PluginError),
    #[error(
        "{origin}: the file is named `{expected}` but the plugin says its id is `{found}`; rename one of them"
    )]
    IdMismatch {
        origin: String,
        expected: String,
        found: String,
    },
}

/// Where a plugin comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "path")]
pub enum Origin {
    Bundled,
    File(PathBuf),
}

impl Origin {
    fn label(&self) -> String {
        match self {
            Origin::Bundled => "bundled".to_string(),
            Origin::File(path) => path.display().to_string(),
        }
    }
}

/// Every plugin this process can run.
pub struct Catalog {
    runtime: Arc<Runtime>,
    bundled: Bundled,
    dir: Option<PathBuf>,
    loaded: tokio::sync::Mutex<HashMap<String, Arc<Plugin>>>,
}

impl Catalog {
    /// A catalog of the `bundled` plugins (the binary's, from the
    /// `vitrina-bundle` crate) and the components in `dir`.
    pub fn new(runtime: Arc<Runtime>, bundled: Bundled, dir: Option<PathBuf>) -> Self {
        Self {
            runtime,
            bundled,
            dir,
            loaded: tokio::sync::Mutex::new(HashMap::new()),
        }
    }

    /// The runtime plugins run in.
    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    /// Every plugin id with its origin, sorted by id.
    pub fn available(&self) -> Vec<(String, Origin)> {
        let mut plugins: HashMap<String, Origin> = self
            .bundled
            .iter()
            .map(|(id, _)| (id.to_string(), Origin::Bundled))
            .collect();
        for path in self.dir.iter().flat_map(|d| wasm_files(d)) {
            if let Some(id) = path.file_stem().map(|s| s.to_string_lossy().into_owned()) {
                plugins.insert(id, Origin::File(path));
            }
        }
        let mut plugins: Vec<_> = plugins.into_iter().collect();
        plugins.sort_by(|a, b| a.0.cmp(&b.0));
        plugins
    }

    /// The plugin with `id`, loading it on first use.
    pub async fn get(&self, id: &str) -> Result<Arc<Plugin>, CatalogError> {
        let mut loaded = self.loaded.lock().await;
        if let Some(plugin) = loaded.get(id) {
            return Ok(Arc::clone(plugin));
        }
        let origin = self
            .available()
            .into_iter()
            .find(|(name, _)| name == id)
            .map(|(_, origin)| origin)
            .ok_or_else(|| self.not_found(id))?;
        let wasm = match &origin {
            Origin::Bundled => self
                .bundled_bytes(id)
                .ok_or_else(|| self.not_found(id))?
                .to_vec(),
            Origin::File(path) => std::fs::read(path).map_err(|source| CatalogError::Read {
                path: path.clone(),
                source,
            })?,
        };
        let plugin = self.runtime.load(&wasm, &origin.label()).await?;
        if plugin.info.id != id {
            return Err(CatalogError::IdMismatch {
                origin: origin.label(),
                expected: id.to_string(),
                found: plugin.info.id.clone(),
            });
        }
        let plugin = Arc::new(plugin);
        loaded.insert(id.to_string(), Arc::clone(&plugin));
        Ok(plugin)
    }

    fn bundled_bytes(&self, id: &str) -> Option<&'static [u8]> {
        self.bundled
            .iter()
            .find(|(name, _)| *name == id)
            .map(|(_, bytes)| *bytes)
    }

    fn not_found(&self, id: &str) -> CatalogError {
        let ids: Vec<String> = self.available().into_iter().map(|(id, _)| id).collect();
        CatalogError::NotFound {
            id: id.to_string(),
            available: ids.join(", "),
        }
    }
}

fn wasm_files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect()
}
