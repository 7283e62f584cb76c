//! From configuration to a run: the glue between a dataset's
//! `dataset.toml`, its plugin and the runtime.
//!
//! The command line and the daemon both collect datasets through
//! [`Collector::run_dataset`], so a run started by hand behaves exactly like
//! a scheduled one: same limits, same fetch policy, same validation.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::RunRequest;
use crate::config::{Config, DatasetConfig};
use crate::plugins::{Catalog, CatalogError};
use crate::runtime::{self, FetchPolicy, Fetcher, RowSink, RunJob, RunReport, RunSetup};
use crate::validate::profiles;

/// Why a run could not even start.
#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    #[error("dataset `{dataset}`: {source}")]
    Plugin {
        dataset: String,
        #[source]
        source: CatalogError,
    },
    #[error(
        "dataset `{dataset}` says profile = \"{wanted}\" in its dataset.toml, but its plugin `{plugin}` produces {produced}; use a plugin made for that profile, or change the profile"
    )]
    ProfileMismatch {
        dataset: String,
        plugin: String,
        wanted: String,
        produced: String,
    },
    #[error("dataset `{dataset}`: {source}")]
    Store {
        dataset: String,
        #[source]
        source: crate::store::StoreError,
    },
}

impl CollectError {
    /// The kind the run history records for a run that could not start.
    pub fn failure_kind(&self) -> runtime::FailureKind {
        match self {
            CollectError::Plugin { .. } => runtime::FailureKind::BadPlugin,
            CollectError::ProfileMismatch { .. } => runtime::FailureKind::Config,
            CollectError::Store { .. } => runtime::FailureKind::Sink,
        }
    }
}

/// How one run should go, beyond the dataset's own configuration.
pub struct RunOptions {
    /// What was asked of the run (its `also` sink is the pipeline's to
    /// tee; `sink` here already includes it).
    pub request: RunRequest,
    /// Bookmarks from the last published run, per stream.
    pub bookmarks: BTreeMap<String, String>,
    pub sink: Box<dyn RowSink>,
}

/// Runs datasets' plugins under the daemon's configuration.
pub struct Collector {
    config: Config,
    catalog: Arc<Catalog>,
}

impl Collector {
    pub fn new(config: Config, catalog: Arc<Catalog>) -> Self {
        Self { config, catalog }
    }

    /// The plugin catalog.
    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.catalog
    }

    /// The origin links in published files are built on: `[server]
    /// public_url`, else the address the server listens on.
    pub fn public_base_url(&self) -> String {
        self.config.server.public_base_url()
    }

    /// Runs `dataset`'s plugin once.
    pub async fn run_dataset(
        &self,
        dataset: &DatasetConfig,
        options: RunOptions,
    ) -> Result<RunReport, CollectError> {
        let plugin = self.plugin_for(dataset).await?;
        let trigger = options.request.trigger;
        let full_refresh = options.request.full_refresh;
        let run_id = options.request.run_id.clone();
        let cancel = options.request.cancel.clone();
        let setup = self.setup(dataset, &plugin.info, options);
        let job = RunJob {
            run_id,
            dataset: dataset.id.clone(),
            trigger,
            full_refresh,
            setup,
            cancel,
        };
        Ok(self.catalog.runtime().run(&plugin, job).await)
    }

    /// Runs `dataset`'s plugin's `check`: configuration valid, source reachable.
    pub async fn check_dataset(
        &self,
        dataset: &DatasetConfig,
        options: RunOptions,
    ) -> Result<Result<Vec<String>, runtime::RunFailure>, CollectError> {
        let plugin = self.plugin_for(dataset).await?;
        let setup = self.setup(dataset, &plugin.info, options);
        Ok(self.catalog.runtime().check(&plugin, setup).await)
    }

    /// The plugin that collects `dataset`, which must produce the profile
    /// the dataset names, if it names one.
    pub async fn plugin_for(
        &self,
        dataset: &DatasetConfig,
    ) -> Result<Arc<runtime::Plugin>, CollectError> {
        let plugin =
            self.catalog
                .get(&dataset.plugin)
                .await
                .map_err(|source| CollectError::Plugin {
                    dataset: dataset.id.clone(),
                    source,
                })?;
        if let Some(wanted) = &dataset.profile
            && plugin.info.profile.as_ref() != Some(wanted)
        {
            return Err(CollectError::ProfileMismatch {
                dataset: dataset.id.clone(),
                plugin: plugin.info.id.clone(),
                wanted: wanted.clone(),
                produced: match &plugin.info.profile {
                    Some(p) => format!("the profile `{p}`"),
                    None => "no profile".to_string(),
                },
            });
        }
        Ok(plugin)
    }

    fn setup(
        &self,
        dataset: &DatasetConfig,
        info: &crate::schema::PluginInfo,
        options: RunOptions,
    ) -> RunSetup {
        let streams = &info.streams;
        let profile = info.profile.as_deref().and_then(profiles::get);
        let policy = FetchPolicy {
            allow: dataset.allow.clone(),
            fixtures: runtime::fetch::canonical_fixtures(&dataset.fixtures_dir()),
            limits: self.config.fetch.with(&dataset.fetch),
            user_agent: runtime::user_agent(
                &self.config.operator.name,
                &self.config.operator.contact,
            ),
        };
        let fetcher = Fetcher::new(policy);
        let mut config = dataset.config.clone();
        config.extend(options.request.overrides);
        let secrets = dataset
            .secrets
            .iter()
            .filter_map(|(key, source)| Some((key.clone(), source.resolve()?)))
            .collect();
        RunSetup {
            fetcher,
            limits: self.config.limits.with(&dataset.limits),
            config,
            secrets,
            bookmarks: options.bookmarks,
            streams: streams.to_vec(),
            profile,
            sink: options.sink,
            observer: options.request.observer,
        }
    }
}

/// The span every log line of one run carries: dataset and run id, so an
/// operator can pull one run's story out of the daemon's log.
pub fn run_span(dataset: &str, run_id: &str) -> tracing::Span {
    tracing::info_span!("run", dataset = %dataset, run_id = %run_id)
}
