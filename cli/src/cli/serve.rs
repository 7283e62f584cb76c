//! `vitrina serve`: opens the store, collects once every dataset that has
//! no version yet (the demo's fixtures on a fresh clone), starts the daemon
//! (schedules, admin API, reload on SIGHUP) and publishes over HTTP. On
//! SIGTERM or Ctrl-C it stops scheduling, gives runs in flight their grace
//! period (then cancels them), lets requests in flight finish, and exits 0.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Args;
use tokio::signal::unix::{SignalKind, signal};
use tokio_util::sync::CancellationToken;
use vitrina::config::{Config, DatasetConfig};
use vitrina::daemon::{Daemon, DaemonOptions};
use vitrina::publish::admin::Control;
use vitrina::publish::{self, App, AppConfig, Surface};
use vitrina::run::Collector;
use vitrina::run::{RunRequest, blocking, dataset_meta, run_and_publish};
use vitrina::runtime::Trigger;
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

pub async fn serve(
    config_path: PathBuf,
    config: Config,
    args: ServeArgs,
) -> anyhow::Result<ExitCode> {
    // Signals are caught from the start: a SIGTERM during the first runs
    // cancels them cleanly instead of killing the process mid-write.
    let stop = CancellationToken::new();
    tokio::spawn(watch_for_shutdown(stop.clone()));
    let data_dir = config.data_dir.clone();
    let column_memory = config.server.column_index_mb << 20;
    let store: Arc<dyn Store> = Arc::new(
        tokio::task::spawn_blocking(move || SqliteStore::open(&data_dir))
            .await?
            .context("cannot open the store")?
            .with_column_memory(column_memory),
    );
    let datasets = config.datasets()?;
    for dataset in &datasets {
        for advice in dataset.advice() {
            tracing::warn!(dataset = %dataset.id, "{advice}");
        }
        let meta = dataset_meta(dataset);
        blocking(&store, move |s| s.sync_dataset(&meta)).await?;
    }
    let listen = args
        .listen
        .clone()
        .unwrap_or_else(|| config.server.listen.clone());
    let listener = bind(&listen, "[server] listen in vitrina.toml or pass --listen").await?;
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
            cache_bytes: config.server.response_cache_mb << 20,
            operator: config.operator.clone(),
            ..AppConfig::default()
        },
    ));
    app.set_pages(Arc::new(vitrina::web::Web::new()));
    let base = config.server.public_base_url();
    vitrina::run::readdress_standard_files(&store, &datasets, &base).await?;
    // Every dataset: what a moved portal listed again, and what a process
    // stopped mid-way left.
    vitrina::run::finish_pending_files(&store, &datasets, &base);
    let catalog = super::catalog(&config)?;
    if !args.no_initial_runs {
        let collector = Collector::new(config.clone(), Arc::clone(&catalog));
        collect_missing(&collector, &store, &datasets, &stop).await;
    }
    let grace = config.schedule.shutdown_grace();
    let admin_listen = config.admin.listen.clone();
    let daemon = Daemon::start(DaemonOptions {
        config_path,
        config,
        datasets,
        store: Arc::clone(&store),
        app: Arc::clone(&app),
        catalog,
        schedule: !args.no_schedule,
    })
    .await?;
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
    tokio::spawn(compress_downloads(Arc::clone(&store)));
    // Webhooks read the outbox the publishes write; they never hold one
    // up. Their subscriptions are the configuration in force (a reload
    // changes them) and those made through the admin API.
    let source = {
        let daemon = Arc::clone(&daemon);
        Box::new(move || daemon.webhooks_in_force())
    };
    let webhooks = vitrina::daemon::webhooks::Dispatcher::new(
        Arc::clone(&store),
        source,
        &app.config().base_url,
    );
    tokio::spawn(webhooks.run(stop.clone()));
    tokio::spawn(vitrina::daemon::webhooks::watch_staleness(
        Arc::clone(&store),
        Arc::clone(&app),
        stop.clone(),
    ));
    tokio::spawn(reload_on_hangup(Arc::clone(&daemon)));

    // On a signal: stop scheduling and give runs their grace period while
    // HTTP still answers, then drain HTTP.
    let http_stop = CancellationToken::new();
    tokio::spawn({
        let (daemon, http_stop) = (Arc::clone(&daemon), http_stop.clone());
        async move {
            stop.cancelled().await;
            tracing::info!(
                ?grace,
                "shutting down: no new runs; runs in flight get the grace period"
            );
            let stopped = daemon.shutdown(grace).await;
            tracing::info!(
                finished = stopped.finished,
                cancelled = stopped.cancelled,
                "runs stopped; finishing requests in flight"
            );
            http_stop.cancel();
        }
    });
    let surface = if admin_listen.is_some() {
        Surface::Public
    } else {
        Surface::PublicAndAdmin
    };
    let admin_server = match &admin_listen {
        Some(listen) => {
            let listener = bind(listen, "[admin] listen in vitrina.toml").await?;
            eprintln!(
                "Vitrina admin API on http://{}/api/v1/admin",
                listener.local_addr()?
            );
            Some(tokio::spawn(publish::serve(
                listener,
                Arc::clone(&app),
                Surface::Admin,
                http_stop.clone().cancelled_owned(),
            )))
        }
        None => None,
    };
    eprintln!(
        "Vitrina is serving {} datasets on http://{address}/api/v1/datasets",
        daemon.loaded().datasets.len()
    );
    if !daemon.admin_enabled() {
        tracing::info!(
            "the admin API is off: set VITRINA_ADMIN_TOKEN or [[admin.tokens]] to turn it on"
        );
    }
    publish::serve(listener, app, surface, http_stop.cancelled_owned()).await?;
    if let Some(admin_server) = admin_server {
        admin_server.await??;
    }
    eprintln!("Vitrina stopped");
    Ok(ExitCode::SUCCESS)
}

async fn bind(listen: &str, setting: &str) -> anyhow::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}; set {setting}"))
}

/// Runs, once, every dataset that has never published a version.
async fn collect_missing(
    collector: &Collector,
    store: &Arc<dyn Store>,
    datasets: &[DatasetConfig],
    stop: &CancellationToken,
) {
    let available: Vec<String> = collector
        .catalog()
        .available()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    for dataset in datasets {
        if stop.is_cancelled() {
            return;
        }
        if !available.contains(&dataset.plugin) {
            // A plugin in Python or JavaScript is bundled only when the
            // build had its toolchain: say what the dataset needs.
            tracing::warn!(
                dataset = %dataset.id,
                plugin = %dataset.plugin,
                "not collected: this build has no plugin `{}`; build it with `vitrina plugin build plugins/{}` into plugins_dir (docs/first-plugin.md)",
                dataset.plugin,
                dataset.plugin
            );
            continue;
        }
        let id = dataset.id.clone();
        let has_version = blocking(store, move |s| s.dataset(&id))
            .await
            .map(|d| d.current.is_some());
        if matches!(has_version, Ok(true)) {
            continue;
        }
        let wishes = RunRequest {
            cancel: stop.child_token(),
            ..RunRequest::new(Trigger::Startup)
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

/// How often the server looks for downloads without compressed copies.
const COMPRESS_POLL: std::time::Duration = std::time::Duration::from_secs(5);

/// Writes the gzip and brotli copies of new versions' downloads in the
/// background: a version is served (uncompressed) as soon as it is
/// published, and its compressed copies are served once they exist.
async fn compress_downloads(store: Arc<dyn Store>) {
    let mut tick = tokio::time::interval(COMPRESS_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match blocking(&store, |s| s.compress_pending()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(versions = n, "compressed the downloads of new versions"),
            Err(e) => {
                tracing::warn!(error = %e, "could not compress downloads; they are served uncompressed")
            }
        }
    }
}

/// Cancels `stop` on SIGTERM or Ctrl-C.
async fn watch_for_shutdown(stop: CancellationToken) {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match signal(SignalKind::terminate()) {
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
    stop.cancel();
}

/// Reloads the configuration on every SIGHUP; a rejected one is logged
/// with its file, line and reason, and the old one stays.
async fn reload_on_hangup(daemon: Arc<Daemon>) {
    let Ok(mut hangups) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP; reload through the admin API");
        return;
    };
    while hangups.recv().await.is_some() {
        // The outcome is logged by the reload itself.
        let _ = Control::reload(Arc::clone(&daemon), "SIGHUP").await;
    }
}
