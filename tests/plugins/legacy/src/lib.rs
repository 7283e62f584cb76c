//! A collector built against `vitrina:plugin@0.1.0` from the frozen WIT
//! itself, not through the SDK (which follows the newest contract): it must
//! keep running, unchanged, on every later host. It uses every import the
//! first contract has: config, state, log, fetch, and the sink's writes,
//! checkpoint and progress.
//!
//! Config: `rows` (how many readings, default 3); `source` (a `file:` URL
//! whose bytes are counted into the first reading's note, to go through
//! `fetch` and its body resource).

wit_bindgen::generate!({
    path: "../../../wit/v0.1.0",
    world: "collector",
});

// The world's own `use` brings the export types in; the rest come from
// the types interface.
use vitrina::plugin::types::{Cell, Field, FieldType, LogLevel, StreamSchema};
use vitrina::plugin::{config, fetch, log, sink, state};

struct Legacy;

fn field(name: &str, kind: FieldType, nullable: bool, description: &str) -> Field {
    Field {
        name: name.to_string(),
        kind,
        nullable,
        description: description.to_string(),
        unit: None,
    }
}

/// The bytes of `url`, read through the body resource in small chunks.
fn fetch_len(url: &str) -> Result<u64, CollectError> {
    let request = fetch::Request {
        method: "GET".to_string(),
        url: url.to_string(),
        headers: Vec::new(),
        body: None,
    };
    let response =
        fetch::fetch(&request).map_err(|e| CollectError::SourceUnavailable(e.message))?;
    let mut total = 0u64;
    loop {
        let chunk = response
            .body
            .read(7)
            .map_err(|e| CollectError::SourceUnavailable(e.message))?;
        if chunk.is_empty() {
            return Ok(total);
        }
        total += chunk.len() as u64;
    }
}

impl Guest for Legacy {
    fn describe() -> PluginInfo {
        PluginInfo {
            id: "legacy".to_string(),
            version: "0.1.0".to_string(),
            description: "Readings from a plugin built against contract 0.1.0.".to_string(),
            profile: None,
            streams: vec![StreamSchema {
                name: "readings".to_string(),
                description: "One reading.".to_string(),
                fields: vec![
                    field("id", FieldType::Integer, false, "The reading's number."),
                    field("note", FieldType::Text, true, "What the reading says."),
                ],
                primary_key: vec!["id".to_string()],
            }],
            config: Vec::new(),
        }
    }

    fn check() -> Result<CheckReport, CollectError> {
        Ok(CheckReport {
            messages: vec!["built against vitrina:plugin@0.1.0".to_string()],
        })
    }

    fn collect(ctx: RunContext) -> Result<RunSummary, CollectError> {
        let rows: i64 = config::get("rows")
            .map(|n| {
                n.parse()
                    .map_err(|_| CollectError::Config(format!("rows = {n:?}")))
            })
            .transpose()?
            .unwrap_or(3);
        let runs_before: i64 = state::get("readings")
            .and_then(|b| b.parse().ok())
            .unwrap_or(0);
        let fetched = match config::get("source") {
            Some(url) => Some(fetch_len(&url)?),
            None => None,
        };
        log::log(
            LogLevel::Info,
            "collecting readings",
            &[("dataset".to_string(), ctx.dataset.clone())],
        );
        let batch: Vec<Vec<Cell>> = (1..=rows)
            .map(|i| {
                let note = match (i, fetched) {
                    (1, Some(bytes)) => format!("source of {bytes} bytes"),
                    _ => format!("reading {i} after {runs_before} runs"),
                };
                vec![Cell::Integer(i), Cell::Text(note)]
            })
            .collect();
        sink::write("readings", &batch).map_err(|e| CollectError::Internal(e.message))?;
        sink::progress(rows as u64, Some(rows as u64));
        sink::checkpoint("readings", &(runs_before + 1).to_string())
            .map_err(|e| CollectError::Internal(e.message))?;
        Ok(RunSummary {
            warnings: Vec::new(),
        })
    }
}

export!(Legacy);
