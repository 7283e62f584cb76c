//! Renders rows of a `procurement` dataset as an OCDS release package, for
//! checking the output with tools/validate/ocds.py.
//!
//! `cargo run -p vitrina-standards --example ocds -- ROWS.json [VERSION_URL] > ocds.json`
//!
//! ROWS.json is a JSON array of rows as the rows API and
//! `vitrina run --output json` write them (or a dataset's expected.json).

use std::io::{BufWriter, Write};
use std::process::ExitCode;

use chrono::Utc;
use vitrina_standards::{Publication, Row, ocds};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: ocds ROWS.json [VERSION_URL]");
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
        dataset: "burgas-procurements".into(),
        title: "Public procurement contracts".into(),
        description: String::new(),
        publisher: "Община Бургас / Municipality of Burgas".into(),
        license: "CC-BY-4.0".into(),
        version: 1,
        published_at: Utc::now(),
        version_url: args.get(1).cloned().unwrap_or_else(|| {
            "https://data.example.invalid/api/v1/datasets/burgas-procurements/versions/1/".into()
        }),
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    match ocds::write_release_package(&mut out, &publication, rows.into_iter())
        .and_then(|()| out.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}
