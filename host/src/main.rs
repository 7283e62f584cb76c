//! The `vitrina` command: parses arguments, sets up logging, and hands over
//! to the command modules. Errors end here, as one readable message and a
//! non-zero exit code.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// mimalloc: a run lifts millions of small strings out of the plugin and
/// frees them again; the system allocator spends a sixth of a run on that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args = cli::Args::parse();
    cli::init_logging(&args);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cli::main(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
