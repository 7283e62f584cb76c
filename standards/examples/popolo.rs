//! Renders rows of a `decision` dataset as Popolo motions and vote events,
//! for checking the output with tools/validate/popolo.py.
//!
//! `cargo run -p vitrina-standards --example popolo -- ROWS.json [VERSION_URL] > popolo.json`
//!
//! ROWS.json is a JSON array of rows as the rows API and
//! `vitrina run --output json` write them (or a dataset's expected.json).

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use chrono::Utc;
use vitrina_standards::{Publication, Row, popolo};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: popolo ROWS.json [VERSION_URL]");
        return ExitCode::from(2);
    };
    let rows: Vec<Row> = match std::fs::read_to_string(path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
    {
        Ok(rows) => rows,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let publication = Publication {
        dataset: "burgas-council-decisions".into(),
        title: "Decisions of the Burgas Municipal Council".into(),
        description: String::new(),
        publisher: "Общински съвет – Бургас / Municipal Council of Burgas".into(),
        license: "CC-BY-4.0".into(),
        version: 1,
        published_at: Utc::now(),
        version_url: args.get(1).cloned().unwrap_or_else(|| {
            "https://data.example.invalid/api/v1/datasets/burgas-council-decisions/versions/1/"
                .into()
        }),
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    match popolo::write_popolo(&mut out, &publication, rows.into_iter()).and_then(|()| out.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}
