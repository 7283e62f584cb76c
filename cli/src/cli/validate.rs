//! `vitrina validate`: checks `vitrina.toml` and every `dataset.toml`
//! without running anything — files parse, schedules and time zones are
//! valid, plugins exist and claim the profile the dataset expects — and
//! lists every problem, so an operator fixes them all in one pass. What is
//! valid but not ready to go public (sample sources, an unregistered ocid
//! prefix) is said too, as advice that does not fail the check.

use std::process::ExitCode;

use clap::Args;
use vitrina::config::{Config, DatasetConfig};
use vitrina::schedule::Schedule;
use vitrina::validate::profiles;

#[derive(Debug, Args)]
pub struct ValidateArgs {}

pub async fn validate(config: Config, _args: ValidateArgs) -> anyhow::Result<ExitCode> {
    let mut problems = Vec::new();
    let catalog = super::catalog(&config)?;
    let entries = std::fs::read_dir(&config.datasets_dir)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", config.datasets_dir.display()))?;
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path().join("dataset.toml"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    let mut valid = 0;
    let mut advice = Vec::new();
    for file in files {
        let dataset = match DatasetConfig::load(&file) {
            Ok(dataset) => dataset,
            Err(e) => {
                problems.push(e.to_string());
                continue;
            }
        };
        let before = problems.len();
        advice.extend(
            dataset
                .advice()
                .into_iter()
                .map(|a| format!("{}: {a}", dataset.id)),
        );
        check_schedule(&dataset, &mut problems);
        if let Some(profile) = &dataset.profile
            && profiles::get(profile).is_none()
        {
            problems.push(format!(
                "{}: profile `{profile}` does not exist; the profiles are {}",
                file.display(),
                profiles::names()
            ));
        }
        match catalog.get(&dataset.plugin).await {
            Err(e) => problems.push(format!("{}: {e}", file.display())),
            Ok(plugin) => {
                if let (Some(wanted), claimed) = (&dataset.profile, &plugin.info.profile)
                    && claimed.as_ref() != Some(wanted)
                {
                    problems.push(format!(
                        "{}: the dataset expects profile `{wanted}`, but plugin `{}` claims {}",
                        file.display(),
                        plugin.info.id,
                        claimed
                            .as_deref()
                            .map_or("none".to_string(), |c| format!("`{c}`"))
                    ));
                }
            }
        }
        if problems.len() == before {
            valid += 1;
        }
    }
    for advice in &advice {
        eprintln!("! {advice}");
    }
    if problems.is_empty() {
        eprintln!("✓ configuration valid: {valid} datasets");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("✗ {} problems:", problems.len());
        for problem in &problems {
            eprintln!("  - {problem}");
        }
        Ok(ExitCode::FAILURE)
    }
}

fn check_schedule(dataset: &DatasetConfig, problems: &mut Vec<String>) {
    if let Some(expression) = &dataset.schedule
        && let Err(e) = Schedule::parse(expression, &dataset.timezone)
    {
        problems.push(format!(
            "{}: {e}",
            dataset.dir.join("dataset.toml").display()
        ));
    }
}
