//! Reads register exports from disk with the plugin's own code, natively,
//! and reports contracts, warnings and time: for profiling the hot path
//! without the host.
//!
//! `cargo run --release -p vitrina-plugin-procurement --example read -- BUYER_EIK FILE.csv...`

use std::fs::File;
use std::io::BufReader;
use std::process::ExitCode;
use std::time::Instant;

use url::Url;
use vitrina_plugin_procurement::contract::Contract;
use vitrina_plugin_procurement::gather::{Fetcher, Sink, gather};
use vitrina_plugin_procurement::settings::Settings;
use vitrina_sdk::Error;

struct Disk;

impl Fetcher for Disk {
    type Body = BufReader<File>;

    fn stream(&mut self, url: &Url) -> Result<Self::Body, Error> {
        File::open(url.path())
            .map(BufReader::new)
            .map_err(|e| Error::source_changed(format!("{url}: {e}")))
    }

    fn bytes(&mut self, url: &Url) -> Result<Vec<u8>, Error> {
        std::fs::read(url.path()).map_err(|e| Error::source_changed(format!("{url}: {e}")))
    }
}

#[derive(Default)]
struct Count {
    contracts: u64,
    cells: u64,
    warnings: u64,
}

impl Sink for Count {
    fn emit(&mut self, contract: Contract) -> Result<(), Error> {
        self.contracts += 1;
        self.cells += contract.into_values().len() as u64;
        Ok(())
    }

    fn warn(&mut self, _: String) {
        self.warnings += 1;
    }

    fn info(&mut self, _: String) {}

    fn progress(&mut self, _: u64) {}
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [eik, files @ ..] = args.as_slice() else {
        eprintln!("usage: read BUYER_EIK FILE.csv...");
        return ExitCode::from(2);
    };
    let sources: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::canonicalize(f).ok())
        .filter_map(|p| Url::from_file_path(p).ok())
        .map(String::from)
        .collect();
    let get = |key: &str| match key {
        "buyer_eik" => Some(eik.clone()),
        "sources" => Some(sources.join(",")),
        "ocid_prefix" => Some("ocds-local".to_string()),
        _ => None,
    };
    let settings = match Settings::read(get) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let start = Instant::now();
    let mut count = Count::default();
    if let Err(e) = gather(&settings, None, &mut Disk, &mut count) {
        eprintln!("{e}");
        return ExitCode::FAILURE;
    }
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{} contracts ({} cells), {} warnings in {seconds:.2} s: {:.0} contracts/s",
        count.contracts,
        count.cells,
        count.warnings,
        count.contracts as f64 / seconds
    );
    ExitCode::SUCCESS
}
