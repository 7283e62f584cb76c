//! Command-line interface: the commands, their arguments, and logging.
//!
//! Each command lives in its own module. They use `anyhow` for errors:
//! this is the edge where a typed error becomes a message for a person.

mod develop;
mod plugins;
mod run;
mod runs;
mod serve;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};
use vitrina::config::Config;
use vitrina::plugins::Catalog;
use vitrina::runtime::Runtime;

/// Vitrina: a municipality's open data, collected by sandboxed plugins,
/// validated, versioned and published.
#[derive(Debug, Parser)]
#[command(name = "vitrina", version, about)]
pub struct Args {
    /// The daemon's configuration file; defaults apply when it is absent.
    #[arg(
        long,
        global = true,
        default_value = "vitrina.toml",
        env = "VITRINA_CONFIG"
    )]
    pub config: PathBuf,

    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs one dataset's plugin once and shows what it collected.
    Run(run::RunArgs),
    /// Lists the plugins this binary can run, with contract version and schema.
    Plugins(plugins::PluginsArgs),
    /// Plugin development: `vitrina plugin build <folder>`.
    Plugin(develop::PluginArgs),
    /// Publishes every dataset over HTTP (collecting those with no version yet first).
    Serve(serve::ServeArgs),
    /// The run history: `vitrina runs [dataset]`, `vitrina runs show <run-id>`.
    Runs(runs::RunsArgs),
    /// Checks vitrina.toml and every dataset.toml; lists every problem.
    Validate(validate::ValidateArgs),
}

/// Sets up `tracing` on stderr: human-readable, or JSON for log collectors.
pub fn init_logging(args: &Args) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("VITRINA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,vitrina=info"));
    // Colours only for a terminal: escape sequences in a log file or a
    // journal are noise, and hide what a plugin might have slipped in.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match args.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

pub async fn main(args: Args) -> anyhow::Result<ExitCode> {
    let config = Config::load_or_default(&args.config)?;
    match args.command {
        Command::Run(run_args) => run::run(config, run_args).await,
        Command::Plugins(plugin_args) => plugins::plugins(config, plugin_args).await,
        Command::Plugin(plugin_args) => develop::plugin(plugin_args),
        Command::Serve(serve_args) => serve::serve(args.config, config, serve_args).await,
        Command::Runs(runs_args) => runs::runs(config, runs_args),
        Command::Validate(validate_args) => validate::validate(config, validate_args).await,
    }
}

/// The plugin catalog over a runtime whose compiled-code cache lives in
/// the data directory.
fn catalog(config: &Config) -> anyhow::Result<Arc<Catalog>> {
    let runtime = Runtime::new(Some(config.data_dir.join("cache").join("components")))?;
    Ok(Arc::new(Catalog::new(
        Arc::new(runtime),
        vitrina_bundle::BUNDLED,
        config.plugins_dir.clone(),
    )))
}
