//! The daemon behind `vitrina serve`: the configuration in force, the
//! scheduler running datasets on it, and the operations the admin API and
//! signals ask for (run now, pause, resume, reload, shut down).
//!
//! The configuration in force is one [`Loaded`] value behind a lock,
//! replaced whole by a reload: a run reads it once when it starts, so runs
//! in flight finish with the configuration they started with, and a reload
//! that fails (a file that does not parse, a schedule that does not) leaves
//! it untouched. Pauses set through the admin API are kept in the store, so
//! they outlive restarts; a pause written in `dataset.toml` can only be
//! lifted there.

mod runner;
mod subscriptions;
pub mod webhooks;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::config::{Config, DatasetConfig, Webhook};
use crate::plugins::Catalog;
use crate::publish::App;
use crate::publish::admin::{Admin, Control, ControlError, ReloadReport, WebhookEntry};
use crate::run::Collector;
use crate::run::{blocking, dataset_meta};
use crate::runtime::Trigger;
use crate::schedule::scheduler::lock;
use crate::schedule::{Clock, Job, Schedule, Scheduler, Settings, Stopped, TriggerError};
use crate::store::{Pause, Store, StoredWebhook};

pub use runner::DaemonRunner;

/// The configuration in force, replaced whole on reload.
pub struct Loaded {
    pub config: Config,
    pub datasets: BTreeMap<String, DatasetConfig>,
    pub collector: Collector,
}

/// What the daemon's parts share.
pub struct Shared {
    pub store: Arc<dyn Store>,
    pub app: Arc<App>,
    loaded: RwLock<Arc<Loaded>>,
}

impl Shared {
    /// The configuration in force now.
    pub fn loaded(&self) -> Arc<Loaded> {
        self.loaded
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// How to start the daemon.
pub struct DaemonOptions {
    /// The file reloads read again.
    pub config_path: PathBuf,
    pub config: Config,
    pub datasets: Vec<DatasetConfig>,
    pub store: Arc<dyn Store>,
    pub app: Arc<App>,
    pub catalog: Arc<Catalog>,
    /// Run datasets on their schedules (`--no-schedule` turns it off;
    /// runs asked for through the admin API still happen).
    pub schedule: bool,
}

/// The running daemon.
pub struct Daemon {
    config_path: PathBuf,
    catalog: Arc<Catalog>,
    shared: Arc<Shared>,
    scheduler: Arc<Scheduler<DaemonRunner>>,
    scheduling: bool,
    /// Pauses from the admin API, as kept in the store.
    pauses: Mutex<BTreeMap<String, Pause>>,
    /// Webhook subscriptions made through the admin API, as kept in the
    /// store.
    stored_webhooks: RwLock<Vec<StoredWebhook>>,
    /// One reload at a time.
    reloading: tokio::sync::Mutex<()>,
    started_at: DateTime<Utc>,
}

impl Daemon {
    /// Starts scheduling and, when tokens are configured, the admin API.
    pub async fn start(options: DaemonOptions) -> Result<Arc<Self>, ControlError> {
        let pauses = blocking(&options.store, |s| s.pauses())
            .await
            .map_err(|e| ControlError::Internal(format!("cannot read the paused datasets: {e}")))?;
        let stored_webhooks = blocking(&options.store, |s| s.stored_webhooks())
            .await
            .map_err(|e| {
                ControlError::Internal(format!("cannot read the webhook subscriptions: {e}"))
            })?;
        let settings = scheduler_settings(&options.config);
        let loaded = Loaded {
            collector: Collector::new(options.config.clone(), Arc::clone(&options.catalog)),
            datasets: by_id(options.datasets),
            config: options.config,
        };
        options
            .app
            .set_listed(loaded.datasets.keys().cloned().collect());
        let shared = Arc::new(Shared {
            store: options.store,
            app: options.app,
            loaded: RwLock::new(Arc::new(loaded)),
        });
        let runner = Arc::new(DaemonRunner::new(Arc::clone(&shared)));
        let daemon = Arc::new(Self {
            config_path: options.config_path,
            catalog: options.catalog,
            scheduler: Scheduler::new(runner, settings, Clock::system()),
            shared,
            scheduling: options.schedule,
            pauses: Mutex::new(pauses),
            stored_webhooks: RwLock::new(stored_webhooks),
            reloading: tokio::sync::Mutex::new(()),
            started_at: Utc::now(),
        });
        daemon.update_admin();
        daemon.reschedule();
        daemon.warn_of_shadowed_webhooks();
        Ok(daemon)
    }

    /// The configuration in force now.
    pub fn loaded(&self) -> Arc<Loaded> {
        self.shared.loaded()
    }

    /// Whether the admin API is on.
    pub fn admin_enabled(&self) -> bool {
        self.shared.app.admin().is_some()
    }

    /// Stops scheduling, lets runs finish for `grace`, cancels the rest.
    pub async fn shutdown(&self, grace: Duration) -> Stopped {
        self.scheduler.shutdown(grace).await
    }

    /// The scheduled jobs: every dataset whose schedule parses, paused as
    /// its file or an operator says.
    fn jobs(&self) -> Vec<Job> {
        let pauses = lock(&self.pauses);
        let loaded = self.loaded();
        let mut jobs = Vec::new();
        for dataset in loaded.datasets.values() {
            let Some(expression) = &dataset.schedule else {
                continue;
            };
            match Schedule::parse(expression, &dataset.timezone) {
                Ok(schedule) => jobs.push(Job {
                    dataset: dataset.id.clone(),
                    schedule,
                    paused: dataset.paused || pauses.contains_key(&dataset.id),
                }),
                Err(e) => tracing::error!(dataset = %dataset.id, "not scheduled: {e}"),
            }
        }
        jobs
    }

    fn reschedule(&self) {
        if self.scheduling {
            let jobs = self.jobs();
            let active = jobs.iter().filter(|j| !j.paused).count();
            tracing::info!(
                scheduled = active,
                paused = jobs.len() - active,
                "scheduling datasets"
            );
            self.scheduler.set_jobs(jobs);
        }
    }

    /// Turns the admin API on, or gives it the tokens in force.
    fn update_admin(self: &Arc<Self>) {
        let loaded = self.loaded();
        let tokens = loaded.config.admin.digests();
        match self.shared.app.admin() {
            Some(admin) => admin.set_tokens(tokens),
            None if tokens.is_empty() => {}
            None => {
                let control: Arc<dyn Control> = Arc::clone(self) as Arc<dyn Control>;
                let admin = Admin::new(tokens, loaded.config.admin.allow_remote, control);
                self.shared.app.set_admin(Arc::new(admin));
            }
        }
    }

    /// Reads `vitrina.toml` and every `dataset.toml` again, and checks them.
    async fn read_config(&self) -> Result<(Config, Vec<DatasetConfig>), ControlError> {
        let path = self.config_path.clone();
        let read = tokio::task::spawn_blocking(move || -> Result<_, String> {
            let config = Config::load_or_default(&path).map_err(|e| e.to_string())?;
            let datasets = config.datasets().map_err(|e| e.to_string())?;
            for dataset in &datasets {
                if let Some(expression) = &dataset.schedule {
                    Schedule::parse(expression, &dataset.timezone).map_err(|e| {
                        format!(
                            "{}: schedule: {e}",
                            dataset.dir.join("dataset.toml").display()
                        )
                    })?;
                }
            }
            Ok((config, datasets))
        });
        read.await
            .map_err(|e| ControlError::Internal(format!("the reload task failed: {e}")))?
            .map_err(ControlError::InvalidConfig)
    }

    async fn reload_now(self: &Arc<Self>, by: &str) -> Result<ReloadReport, ControlError> {
        let _one_at_a_time = self.reloading.lock().await;
        let (config, datasets) = match self.read_config().await {
            Ok(read) => read,
            Err(e) => {
                tracing::error!(
                    by,
                    "configuration rejected, the old one stays in force: {e}"
                );
                return Err(e);
            }
        };
        let old = self.loaded();
        let datasets = by_id(datasets);
        let report = compare(&old, &config, &datasets);
        let synced: Vec<_> = report
            .added
            .iter()
            .chain(&report.changed)
            .map(|id| dataset_meta(&datasets[id]))
            .collect();
        blocking(&self.shared.store, move |s| {
            synced.iter().try_for_each(|meta| s.sync_dataset(meta))
        })
        .await
        .map_err(|e| ControlError::Internal(format!("cannot record the new datasets: {e}")))?;
        // A new `public_url` rewrites the OCDS packages that name the old.
        let base = config.server.public_base_url();
        let moved =
            crate::run::readdress_standard_files(&self.shared.store, datasets.values(), &base)
                .await
                .map_err(|e| {
                    ControlError::Internal(format!("cannot readdress the OCDS packages: {e}"))
                })?;
        crate::run::finish_pending_files(
            &self.shared.store,
            datasets.values().filter(|d| moved.contains(&d.id)),
            &base,
        );
        let loaded = Loaded {
            collector: Collector::new(config.clone(), Arc::clone(&self.catalog)),
            datasets,
            config,
        };
        self.shared
            .app
            .set_listed(loaded.datasets.keys().cloned().collect());
        *self
            .shared
            .loaded
            .write()
            .unwrap_or_else(|e| e.into_inner()) = Arc::new(loaded);
        let app = Arc::clone(&self.shared.app);
        tokio::task::spawn_blocking(move || app.refresh_all())
            .await
            .map_err(|e| ControlError::Internal(format!("the refresh task failed: {e}")))?
            .map_err(|e| ControlError::Internal(format!("cannot list the datasets: {e}")))?;
        self.update_admin();
        self.reschedule();
        self.warn_of_shadowed_webhooks();
        tracing::info!(
            by,
            added = ?report.added,
            removed = ?report.removed,
            changed = ?report.changed,
            restart_needed = ?report.restart_needed,
            "configuration reloaded"
        );
        Ok(report)
    }

    fn dataset_status(
        &self,
        dataset: &DatasetConfig,
        running: &BTreeSet<String>,
    ) -> serde_json::Value {
        let pauses = lock(&self.pauses);
        let pause = pauses.get(&dataset.id);
        let next_run = dataset
            .schedule
            .as_deref()
            .and_then(|s| Schedule::parse(s, &dataset.timezone).ok())
            .filter(|_| self.scheduling && !dataset.paused && pause.is_none())
            .and_then(|s| s.next_after(Utc::now()));
        serde_json::json!({
            "id": dataset.id,
            "plugin": dataset.plugin,
            "schedule": dataset.schedule,
            "timezone": dataset.timezone,
            "paused": dataset.paused || pause.is_some(),
            "paused_in_config": dataset.paused,
            "paused_by": pause.map(|p| &p.by),
            "paused_at": pause.map(|p| p.at),
            "running": running.contains(&dataset.id),
            "next_run": next_run,
        })
    }
}

#[async_trait]
impl Control for Daemon {
    fn trigger(&self, dataset: &str, by: &str) -> Result<String, ControlError> {
        if !self.knows(dataset) {
            return Err(ControlError::UnknownDataset(dataset.to_string()));
        }
        let run_id = self
            .scheduler
            .trigger(dataset, Trigger::Manual)
            .map_err(|e| match e {
                TriggerError::Busy(d) => ControlError::Busy(d),
                TriggerError::ShuttingDown => ControlError::ShuttingDown,
            })?;
        tracing::info!(dataset, run_id, by, "run started on request");
        Ok(run_id)
    }

    async fn set_paused(&self, dataset: &str, paused: bool, by: &str) -> Result<(), ControlError> {
        let loaded = self.loaded();
        let config = loaded
            .datasets
            .get(dataset)
            .ok_or_else(|| ControlError::UnknownDataset(dataset.to_string()))?;
        if !paused && config.paused {
            return Err(ControlError::Conflict(format!(
                "`{dataset}` is paused in {}: set paused = false there and reload",
                config.dir.join("dataset.toml").display()
            )));
        }
        let pause = paused.then(|| Pause {
            by: by.to_string(),
            at: Utc::now(),
        });
        let (id, stored) = (dataset.to_string(), pause.clone());
        blocking(&self.shared.store, move |s| {
            s.set_pause(&id, stored.as_ref())
        })
        .await
        .map_err(|e| ControlError::Internal(format!("cannot record the pause: {e}")))?;
        {
            let mut pauses = lock(&self.pauses);
            match pause {
                Some(pause) => pauses.insert(dataset.to_string(), pause),
                None => pauses.remove(dataset),
            };
        }
        self.reschedule();
        tracing::info!(dataset, by, paused, "schedule paused or resumed");
        Ok(())
    }

    async fn reload(self: Arc<Self>, by: &str) -> Result<ReloadReport, ControlError> {
        self.reload_now(by).await
    }

    fn status(&self) -> serde_json::Value {
        let loaded = self.loaded();
        let running: BTreeSet<String> = self.scheduler.running().into_iter().collect();
        let datasets: Vec<_> = loaded
            .datasets
            .values()
            .map(|d| self.dataset_status(d, &running))
            .collect();
        serde_json::json!({
            "started_at": self.started_at,
            "config_file": self.config_path,
            "scheduling": self.scheduling,
            "running": running,
            "datasets": datasets,
        })
    }

    fn effective_config(&self) -> serde_json::Value {
        let loaded = self.loaded();
        let mut config = serde_json::to_value(&loaded.config).unwrap_or_default();
        if let Some(tokens) = config
            .pointer_mut("/admin/tokens")
            .and_then(|t| t.as_array_mut())
        {
            for token in tokens {
                if let Some(digest) = token.get_mut("sha256") {
                    *digest = serde_json::Value::String("(redacted)".to_string());
                }
            }
        }
        let datasets: Vec<_> = loaded
            .datasets
            .values()
            .map(|d| serde_json::to_value(d).unwrap_or_default())
            .collect();
        serde_json::json!({
            "file": self.config_path,
            "config": config,
            "admin_token_from_environment": std::env::var_os(crate::config::ADMIN_TOKEN_ENV).is_some(),
            "datasets": datasets,
        })
    }

    fn knows(&self, dataset: &str) -> bool {
        self.loaded().datasets.contains_key(dataset)
    }

    fn webhooks(&self) -> Vec<WebhookEntry> {
        self.webhook_entries()
    }

    async fn put_webhook(&self, hook: Webhook, by: &str) -> Result<bool, ControlError> {
        self.put_stored_webhook(hook, by).await
    }

    async fn delete_webhook(&self, name: &str, by: &str) -> Result<(), ControlError> {
        self.delete_stored_webhook(name, by).await
    }
}

fn by_id(datasets: Vec<DatasetConfig>) -> BTreeMap<String, DatasetConfig> {
    datasets.into_iter().map(|d| (d.id.clone(), d)).collect()
}

/// What changed between the configuration in force and a new one.
fn compare(
    old: &Loaded,
    config: &Config,
    datasets: &BTreeMap<String, DatasetConfig>,
) -> ReloadReport {
    let mut report = ReloadReport::default();
    for (id, dataset) in datasets {
        match old.datasets.get(id) {
            None => report.added.push(id.clone()),
            Some(before) if same(before, dataset) => report.unchanged += 1,
            Some(_) => report.changed.push(id.clone()),
        }
    }
    report.removed = old
        .datasets
        .keys()
        .filter(|id| !datasets.contains_key(*id))
        .cloned()
        .collect();
    let before = &old.config;
    let needs_restart = [
        ("data_dir", same(&before.data_dir, &config.data_dir)),
        (
            "plugins_dir",
            same(&before.plugins_dir, &config.plugins_dir),
        ),
        ("[server]", same(&before.server, &config.server)),
        ("[admin] listen", before.admin.listen == config.admin.listen),
        (
            "[admin] allow_remote",
            before.admin.allow_remote == config.admin.allow_remote,
        ),
        (
            "[schedule] jitter and retries",
            same(&before.schedule, &config.schedule),
        ),
    ];
    report.restart_needed = needs_restart
        .iter()
        .filter(|(_, same)| !same)
        .map(|(name, _)| name.to_string())
        .collect();
    report
}

/// Equality through the serialized form: configuration types are plain data.
fn same<T: serde::Serialize>(a: &T, b: &T) -> bool {
    serde_json::to_value(a).ok() == serde_json::to_value(b).ok()
}

fn scheduler_settings(config: &Config) -> Settings {
    let defaults = Settings::default();
    Settings {
        concurrency: config.schedule.concurrency.unwrap_or(defaults.concurrency),
        max_jitter: Duration::from_secs_f64(config.schedule.max_jitter_seconds.max(0.0)),
        backoff: config.schedule.backoff(),
    }
}
