//! A generic harvester of one CSV file, for tests of contract 0.2.0: the
//! `records` stream is described without fields, and every run declares
//! them from the file's header before its first row. The `key` column is
//! the primary key; columns named in `decimals` are read as Bulgarian
//! numbers through the host's `normalize` interface (the same code a Python
//! or JavaScript plugin calls), the rest are text.
//!
//! Config: `source` (a `file:` or http URL of a CSV with a header row,
//! separated by `;` when the header has one, else by `,`; no quoting), `key`, `decimals` (comma-separated
//! column names), `write_first` (`true`: write a row before declaring, to
//! see the host refuse it).

use vitrina_sdk::bindings::vitrina::plugin::normalize;
use vitrina_sdk::prelude::*;

struct Harvest;

const STREAM: &str = "records";

/// The header's columns as the declared stream.
fn schema(header: &[&str], key: &str, decimals: &[String]) -> Result<StreamSchema, Error> {
    if !header.contains(&key) {
        return Err(Error::source_changed(format!(
            "the file has no `{key}` column; its columns are {}",
            header.join(", ")
        )));
    }
    let mut schema = StreamSchema::from_source(STREAM, "One record of the harvested file.");
    for column in header {
        let described = format!("The file's `{column}` column.");
        let field = if decimals.iter().any(|d| d == column) {
            Field::decimal(column, &described)
        } else {
            Field::text(column, &described)
        };
        schema = schema.field(if *column == key {
            field.key()
        } else {
            field.nullable()
        });
    }
    Ok(schema)
}

impl Plugin for Harvest {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "harvest",
            env!("CARGO_PKG_VERSION"),
            "Harvests one CSV file whose columns it learns as it reads them.",
        )
        .config(ConfigKey::required("source", "The CSV file's URL."))
        .config(ConfigKey::required(
            "key",
            "The column that identifies a record.",
        ))
        .config(ConfigKey::optional(
            "decimals",
            "Columns holding numbers, comma-separated.",
        ))
        .config(ConfigKey::optional(
            "write_first",
            "`true`: write a row before declaring the stream.",
        ))
        .stream(StreamSchema::from_source(
            STREAM,
            "One record of the harvested file.",
        ))
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let source = run.require("source")?;
        let key = run.require("key")?;
        let decimals: Vec<String> = run
            .config("decimals")
            .unwrap_or_default()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let bytes = vitrina_sdk::fetch::get(&source)?.bytes()?;
        let text = normalize::decode(&bytes, None).text;
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let first = lines
            .next()
            .ok_or_else(|| Error::source_changed("the file is empty"))?;
        let delimiter = if first.contains(';') { ';' } else { ',' };
        let header: Vec<&str> = first.split(delimiter).map(str::trim).collect();
        let schema = schema(&header, &key, &decimals)?;
        if run.config("write_first").as_deref() == Some("true") {
            run.emit(run.row(STREAM))?;
        }
        run.declare(schema)?;
        for line in lines {
            let mut row = run.row(STREAM);
            for (column, cell) in header.iter().zip(line.split(delimiter)) {
                let cell = normalize::clean_text(cell);
                row = if decimals.iter().any(|d| d == column) {
                    let number = normalize::parse_number(&cell).map_err(Error::source_changed)?;
                    let value: Option<Decimal> = number
                        .map(|n| n.parse())
                        .transpose()
                        .map_err(|_| Error::internal("the host's number is not a decimal"))?;
                    row.set(column, value)
                } else {
                    row.set(column, cell)
                };
            }
            run.emit(row)?;
        }
        Ok(())
    }
}

vitrina_sdk::export_plugin!(Harvest);
