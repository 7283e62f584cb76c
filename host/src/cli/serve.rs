//! `vitrina serve`: opens the store, collects once every dataset that has
//! no version yet (the demo's fixtures on a fresh clone), runs datasets on
//! their schedules, and publishes over HTTP until SIGTERM or Ctrl-C,
//! letting requests in flight finish.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use vitrina::collect::Collector;
use vitrina::config::{Config, DatasetConfig};
use vitrina::pipeline::{RunWishes, blocking, dataset_meta, run_and_publish};
use vitrina::publish::{self, App, AppConfig};
use vitrina::runtime::{Quiet, Trigger};
use vitrina::schedule::{Clock, Scheduler, Settings};

use super::daemon::DaemonRunner;
use vitrina::store::sqlite::SqliteStore;
use vitrina::store::{PublishOutcome, Store};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (overrides [server] listen); port 0 picks a free one.
    #[arg(long)]
    listen: Option<String>,
    /// Do not collect datasets that have no version yet.
    #[arg(long)]
    no_initial_runs: bool,
    /// Serve only: do not run datasets on their schedules.
    #[arg(long)]
    no_schedule: bool,
}

pub async fn serve(config: Config, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let data_dir = config.data_dir.clone();
    let store: Arc<dyn Store> = Arc::new(
        tokio::task::spawn_blocking(move || SqliteStore::open(&data_dir))
            .await?
            .context("cannot open the store")?,
    );
    let datasets = config.datasets()?;
    for dataset in &datasets {
        let meta = dataset_meta(dataset);
        blocking(&store, move |s| s.sync_dataset(&meta)).await?;
    }
    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| config.server.listen.clone());
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {listen}; set [server] listen in vitrina.toml or pass --listen"
            )
        })?;
    let address = listener.local_addr()?;
    let base_url = config
        .server
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));
    let app = Arc::new(App::new(
        Arc::clone(&store),
        AppConfig {
            base_url,
            ..AppConfig::default()
        },
    ));
    let catalog = super::catalog(&config)?;
    let collector = Collector::new(config.clone(), Arc::clone(&catalog));
    if !args.no_initial_runs {
        collect_missing(&collector, &store, &datasets).await;
    }
    let refresher = Arc::clone(&app);
    tokio::task::spawn_blocking(move || refresher.refresh_all()).await??;
    for summary in blocking(&store, |s| s.datasets()).await? {
        vitrina::metrics::dataset_state(
            &summary.meta.id,
            summary.current.as_ref().map(|v| v.number),
            summary.freshness.last_success.map(|t| t.timestamp()),
        );
    }
    tokio::spawn(follow_the_store(Arc::clone(&store), Arc::clone(&app)));
    let (stop_scheduler, scheduler_stopped) = tokio::sync::watch::channel(false);
    if !args.no_schedule {
        let runner = Arc::new(DaemonRunner {
            collector,
            store: Arc::clone(&store),
            app: Arc::clone(&app),
            datasets: datasets.iter().map(|d| (d.id.clone(), d.clone())).collect(),
        });
        let jobs = runner.jobs();
        tracing::info!(scheduled = jobs.len(), "scheduling datasets");
        let defaults = Settings::default();
        let settings = Settings {
            concurrency: config.schedule.concurrency.unwrap_or(defaults.concurrency),
            max_jitter: std::time::Duration::from_secs_f64(
                config.schedule.max_jitter_seconds.max(0.0),
            ),
            ..defaults
        };
        Scheduler::new(runner, settings, Clock::system()).spawn(jobs, scheduler_stopped);
    }
    eprintln!(
        "Vitrina is serving {} datasets on http://{address}/api/v1/datasets",
        datasets.len()
    );
    publish::serve(listener, app, shutdown_signal()).await?;
    let _ = stop_scheduler.send(true);
    eprintln!("Vitrina stopped");
    Ok(ExitCode::SUCCESS)
}

/// Runs, once, every dataset that has never published a version.
async fn collect_missing(
    collector: &Collector,
    store: &Arc<dyn Store>,
    datasets: &[DatasetConfig],
) {
    for dataset in datasets {
        let id = dataset.id.clone();
        let has_version = blocking(store, move |s| s.dataset(&id))
            .await
            .map(|d| d.current.is_some());
        if matches!(has_version, Ok(true)) {
            continue;
        }
        let wishes = RunWishes {
            trigger: Trigger::Startup,
            full_refresh: false,
            overrides: Default::default(),
            observer: Arc::new(Quiet),
            also: None,
        };
        match run_and_publish(collector, Arc::clone(store), dataset, wishes).await {
            Ok(outcome) => match (&outcome.published, outcome.report.failure_message()) {
                (Some(PublishOutcome::Published(v)), _) => {
                    tracing::info!(dataset = %dataset.id, version = v.number, rows = v.row_count, "published")
                }
                (Some(PublishOutcome::Unchanged(v)), _) => {
                    tracing::info!(dataset = %dataset.id, version = v.number, "unchanged")
                }
                (None, Some(message)) => tracing::error!(dataset = %dataset.id, "{message}"),
                (None, None) => {}
            },
            Err(e) => tracing::error!(dataset = %dataset.id, error = %e, "could not run"),
        }
    }
}

/// How often the server looks for versions published by another process
/// (`vitrina run` by hand while the daemon serves).
const STORE_POLL: std::time::Duration = std::time::Duration::from_secs(2);

/// Refreshes the publisher's view of every dataset whose current version
/// changed in the store behind its back.
async fn follow_the_store(store: Arc<dyn Store>, app: Arc<App>) {
    let mut tick = tokio::time::interval(STORE_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let app = Arc::clone(&app);
        let result = blocking(&store, move |s| {
            let known = app.catalog();
            for summary in s.datasets()? {
                let id = &summary.meta.id;
                let seen = known
                    .datasets
                    .get(id)
                    .map(|d| (d.current.as_ref().map(|v| v.number), d.latest_run.clone()));
                let now = (
                    summary.current.as_ref().map(|v| v.number),
                    summary
                        .freshness
                        .latest_run
                        .as_ref()
                        .map(|r| r.run_id.clone()),
                );
                if seen.as_ref() != Some(&now) {
                    app.refresh(id)?;
                }
            }
            Ok(())
        })
        .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not check the store for new versions");
        }
    }
}

/// Completes on SIGTERM or Ctrl-C.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
