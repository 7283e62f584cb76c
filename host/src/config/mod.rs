//! Configuration: `vitrina.toml` for the daemon, `dataset.toml` per dataset.
//!
//! Both are parsed strictly (unknown keys are errors, so a typo never goes
//! silently unused) and every error names the file, the line and what to
//! change. Run limits and fetch caps have defaults here, may be set for the
//! whole daemon in `vitrina.toml`, and overridden per dataset.

mod dataset;
mod limits;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use dataset::{AllowRule, DatasetConfig, HostPattern, SecretSource};
pub use limits::{FetchLimits, FetchOverrides, LimitOverrides, Limits, MAX_MEMORY_MIB};

/// What went wrong reading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// toml's message carries the line, column and the offending text.
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("no dataset `{id}` in {dir}; the datasets there are: {known}")]
    UnknownDataset {
        id: String,
        dir: PathBuf,
        known: String,
    },
}

/// Who runs this Vitrina, named in the User-Agent of every fetch so a
/// municipal server's admin knows whom to call.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    pub name: String,
    pub contact: String,
}

impl Default for Operator {
    fn default() -> Self {
        Self {
            name: "Vitrina demo".to_string(),
            contact: "set [operator] contact in vitrina.toml".to_string(),
        }
    }
}

/// The HTTP server, from `[server]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    /// Address and port to listen on.
    pub listen: String,
    /// The public origin that links in responses are built on, when the
    /// server sits behind a proxy or CDN (`https://data.burgas.bg`);
    /// `http://<listen>` when unset.
    pub public_url: Option<String>,
}

impl Default for Server {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_string(),
            public_url: None,
        }
    }
}

/// The scheduler, from `[schedule]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSettings {
    /// Runs at once, all datasets together; the number of cores when unset.
    pub concurrency: Option<usize>,
    /// Each dataset's runs start up to this many seconds after their slot
    /// (a fixed offset per dataset), so datasets sharing a schedule do not
    /// hit one server in the same second.
    pub max_jitter_seconds: f64,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            concurrency: None,
            max_jitter_seconds: 30.0,
        }
    }
}

/// The daemon's configuration, from `vitrina.toml`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where versions, run history and caches live.
    pub data_dir: PathBuf,
    /// One folder per dataset, each with a `dataset.toml`.
    pub datasets_dir: PathBuf,
    /// Extra plugin components (`*.wasm`) beside the bundled ones.
    pub plugins_dir: Option<PathBuf>,
    pub operator: Operator,
    pub server: Server,
    pub schedule: ScheduleSettings,
    /// Default run limits for every dataset.
    pub limits: Limits,
    /// Default fetch caps for every dataset.
    pub fetch: FetchLimits,
    /// The file this was read from, for error messages; not a setting.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            datasets_dir: PathBuf::from("datasets"),
            plugins_dir: None,
            operator: Operator::default(),
            server: Server::default(),
            schedule: ScheduleSettings::default(),
            limits: Limits::default(),
            fetch: FetchLimits::default(),
            source: None,
        }
    }
}

impl Config {
    /// Reads `path`; relative directories in it are relative to the file's folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut config: Config = parse_toml_file(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.data_dir = base.join(&config.data_dir);
        config.datasets_dir = base.join(&config.datasets_dir);
        config.plugins_dir = config.plugins_dir.map(|d| base.join(d));
        config.source = Some(path.to_path_buf());
        config
            .limits
            .validate()
            .map_err(|message| ConfigError::Invalid {
                path: path.to_path_buf(),
                message,
            })?;
        Ok(config)
    }

    /// Reads `path` if it exists, else the defaults (relative to the working
    /// directory): the demo runs with no configuration at all.
    pub fn load_or_default(path: &Path) -> Result<Self, ConfigError> {
        if path.exists() {
            Self::load(path)
        } else {
            Ok(Self::default())
        }
    }

    /// Every dataset under `datasets_dir`, sorted by id.
    pub fn datasets(&self) -> Result<Vec<DatasetConfig>, ConfigError> {
        let entries =
            std::fs::read_dir(&self.datasets_dir).map_err(|source| ConfigError::Read {
                path: self.datasets_dir.clone(),
                source,
            })?;
        let mut datasets = Vec::new();
        for entry in entries.flatten() {
            let file = entry.path().join("dataset.toml");
            if file.is_file() {
                datasets.push(DatasetConfig::load(&file)?);
            }
        }
        datasets.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(datasets)
    }

    /// The dataset with `id`.
    pub fn dataset(&self, id: &str) -> Result<DatasetConfig, ConfigError> {
        let file = self.datasets_dir.join(id).join("dataset.toml");
        if dataset::is_dataset_id(id) && file.is_file() {
            return DatasetConfig::load(&file);
        }
        let known: Vec<String> = self.datasets()?.into_iter().map(|d| d.id).collect();
        Err(ConfigError::UnknownDataset {
            id: id.to_string(),
            dir: self.datasets_dir.clone(),
            known: if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            },
        })
    }
}

/// Reads and parses a TOML file into `T`, naming the file on every error.
fn parse_toml_file<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })
}
