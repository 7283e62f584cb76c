//! `vitrina plugins`: what this binary can run.

use std::process::ExitCode;

use clap::Args;
use vitrina::config::Config;

#[derive(Debug, Args)]
pub struct PluginsArgs {
    /// Print the full descriptions as JSON.
    #[arg(long)]
    json: bool,
}

pub async fn plugins(config: Config, args: PluginsArgs) -> anyhow::Result<ExitCode> {
    let catalog = super::catalog(&config)?;
    let mut described = Vec::new();
    let mut failed = false;
    for (id, origin) in catalog.available() {
        match catalog.get(&id).await {
            Ok(plugin) => described.push((plugin, origin)),
            Err(e) => {
                eprintln!("error: plugin `{id}`: {e}");
                failed = true;
            }
        }
    }
    if args.json {
        let list: Vec<_> = described
            .iter()
            .map(|(p, origin)| serde_json::json!({ "plugin": p.info, "origin": origin, "sha256": p.hash }))
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else {
        for (plugin, _) in &described {
            print_plugin(plugin);
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn print_plugin(plugin: &vitrina::runtime::Plugin) {
    let info = &plugin.info;
    println!(
        "{} {}  (contract vitrina:plugin@{}, {})",
        info.id, info.version, info.contract, plugin.origin
    );
    println!("  {}", info.description);
    if let Some(profile) = &info.profile {
        println!("  profile: {profile}");
    }
    for key in &info.config {
        let required = if key.required { "required" } else { "optional" };
        let secret = if key.secret { ", secret" } else { "" };
        println!(
            "  config {} ({required}{secret}): {}",
            key.name, key.description
        );
    }
    for stream in &info.streams {
        if vitrina::validate::is_from_source(stream) {
            println!(
                "  stream {} (fields and key from the source, declared as it runs): {}",
                stream.name, stream.description
            );
            continue;
        }
        println!(
            "  stream {} (key: {}): {}",
            stream.name,
            stream.primary_key.join(", "),
            stream.description
        );
        for field in &stream.fields {
            let null = if field.nullable { "?" } else { "" };
            let unit = field
                .unit
                .as_deref()
                .map(|u| format!(" [{u}]"))
                .unwrap_or_default();
            println!(
                "    {:<20} {}{null}{unit}  {}",
                field.name,
                field.kind.name(),
                field.description
            );
        }
    }
    println!();
}
