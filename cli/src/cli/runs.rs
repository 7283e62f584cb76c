//! `vitrina runs [dataset]` and `vitrina runs show <run-id>`: the run
//! history kept in the store, for the operator.

use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use vitrina::config::Config;
use vitrina::store::sqlite::SqliteStore;
use vitrina::store::{RunRecord, Store};

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(subcommand)]
    show: Option<Show>,
    /// Only this dataset's runs.
    dataset: Option<String>,
    /// How many runs per dataset.
    #[arg(long, default_value_t = 20)]
    limit: usize,
}

#[derive(Debug, Subcommand)]
enum Show {
    /// One run in full: outcome, failure, fetches and its log.
    Show { run_id: String },
}

pub fn runs(config: Config, args: RunsArgs) -> anyhow::Result<ExitCode> {
    let store = SqliteStore::open(&config.data_dir).context("cannot open the store")?;
    let datasets: Vec<String> = match &args.dataset {
        Some(id) => vec![id.clone()],
        None => store.datasets()?.into_iter().map(|d| d.meta.id).collect(),
    };
    if let Some(Show::Show { run_id }) = &args.show {
        return show(&store, &datasets, run_id);
    }
    println!(
        "{:<30} {:<26} {:<10} {:>7} {:>9}  failure",
        "run", "dataset", "outcome", "version", "rows"
    );
    for dataset in &datasets {
        for run in store.runs(dataset, args.limit)? {
            println!(
                "{:<30} {:<26} {:<10} {:>7} {:>9}  {}",
                run.run_id,
                run.dataset,
                run.outcome,
                run.version.map(|v| v.to_string()).unwrap_or_default(),
                run.rows,
                failure_of(&run)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn failure_of(run: &RunRecord) -> String {
    match (&run.failure_kind, &run.failure_message) {
        (Some(kind), Some(message)) => {
            // Recorded messages are escaped already; a store written by an
            // older Vitrina may hold raw ones.
            let message = vitrina::runtime::redact::escape_controls(message);
            format!("{kind}: {message}")
        }
        (Some(kind), None) => kind.clone(),
        _ => String::new(),
    }
}

fn show(store: &SqliteStore, datasets: &[String], run_id: &str) -> anyhow::Result<ExitCode> {
    match store.run(run_id)? {
        // JSON escapes every control character a plugin may have slipped in.
        Some(run) if datasets.contains(&run.dataset) => {
            println!("{}", serde_json::to_string_pretty(&run)?);
            Ok(ExitCode::SUCCESS)
        }
        _ => anyhow::bail!("no run `{run_id}`; `vitrina runs` lists them"),
    }
}
