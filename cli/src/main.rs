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
    raise_open_file_limit();
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
    let code = match runtime.block_on(cli::main(args)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    };
    // Dropping a runtime waits for every blocking task without end; one
    // may be compiling a plugin built to compile slowly, or writing a huge
    // publish that the next start rolls back anyway. Exit on time instead.
    runtime.shutdown_timeout(EXIT_GRACE);
    code
}

/// How long the process waits, once its work is done, for blocking tasks
/// still going before it exits without them.
const EXIT_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Raises the soft limit on open files to the hard limit. The daemon holds
/// a socket per HTTP connection, a file per download being served and per
/// body a plugin reads; the usual soft limit of 1024 is the first thing a
/// busy day would run out of. (Each run is held to its own share by the
/// open-bodies budget, so no plugin can take them all.)
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 || limit.rlim_cur >= limit.rlim_max
        {
            return;
        }
        let wanted = libc::rlimit {
            rlim_cur: limit.rlim_max,
            rlim_max: limit.rlim_max,
        };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) != 0 {
            tracing::debug!(
                "could not raise the open-file limit above {}",
                limit.rlim_cur
            );
        }
    }
}
