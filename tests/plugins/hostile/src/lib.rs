//! A plugin that misbehaves on purpose, so the tests can prove that the
//! host contains every kind of misbehaviour and stays healthy for the next
//! run.
//!
//! The `attack` config key picks the misbehaviour. Attacks on the host's
//! row validation bypass the SDK (whose own checks would catch them first)
//! and call the raw `sink` import, as a plugin written in another language
//! could.

use vitrina_sdk::bindings::vitrina::plugin::sink;
use vitrina_sdk::bindings::vitrina::plugin::types::Cell;
use vitrina_sdk::prelude::*;

struct Hostile;

const STREAM: &str = "items";

impl Plugin for Hostile {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "hostile",
            env!("CARGO_PKG_VERSION"),
            "Misbehaves on purpose, for the host's tests.",
        )
        .config(ConfigKey::required("attack", "Which misbehaviour to show."))
        .config(ConfigKey::optional(
            "url",
            "The URL the fetch attacks request.",
        ))
        .stream(
            StreamSchema::new(STREAM, "An item.")
                .field(Field::text("id", "Item id.").key())
                .field(Field::integer("n", "A number.").nullable())
                .field(Field::text("note", "A note.").nullable()),
        )
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let attack = run.require("attack")?;
        match attack.as_str() {
            "none" => behave(run),
            "cpu_loop" => spin_forever(),
            "memory_bomb" => grow_forever(),
            "fetch" => fetch_configured_url(run),
            "panic" => panic!("hostile plugin panics on purpose"),
            "wrong_type" => raw_write(vec![vec![
                text("a"),
                Cell::Text("not a number".into()),
                Cell::Null,
            ]]),
            "huge_row" => raw_write(vec![vec![
                text("big"),
                Cell::Null,
                Cell::Text("x".repeat(100 * 1024 * 1024)),
            ]]),
            "row_flood" => flood(),
            "undeclared_stream" => sink::write("nope", &[vec![text("a"), Cell::Null, Cell::Null]])
                .map_err(|e| Error::Denied(e.message)),
            "ignore_sink_errors" => ignore_errors(),
            other => Err(Error::config(format!("unknown attack {other:?}"))),
        }
    }
}

vitrina_sdk::export_plugin!(Hostile);

fn text(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// A well-behaved run: three valid rows.
fn behave(run: &mut Run) -> Result<(), Error> {
    for i in 0..3 {
        let row = run
            .row(STREAM)
            .set("id", format!("item-{i}"))
            .set("n", i64::from(i));
        run.emit(row)?;
    }
    Ok(())
}

fn spin_forever() -> Result<(), Error> {
    let mut x: u64 = 0;
    loop {
        x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
    }
}

fn grow_forever() -> Result<(), Error> {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        // Touch every page so the memory is really used, not just reserved.
        hoard.push(vec![0xA5; 1024 * 1024]);
        std::hint::black_box(&hoard);
    }
}

fn fetch_configured_url(run: &mut Run) -> Result<(), Error> {
    let url = run.require("url")?;
    let response = Request::get(url).send()?;
    let status = response.status;
    let body = response.bytes()?;
    let row = run
        .row(STREAM)
        .set("id", "fetched")
        .set("n", i64::from(status))
        .set("note", format!("{} bytes", body.len()));
    run.emit(row)
}

fn raw_write(rows: Vec<Vec<Cell>>) -> Result<(), Error> {
    sink::write(STREAM, &rows).map_err(|e| Error::Denied(e.message))
}

/// Tiny valid rows, in batches, until the host stops the plugin.
fn flood() -> Result<(), Error> {
    let mut next = 0u64;
    loop {
        let batch: Vec<Vec<Cell>> = (0..1000)
            .map(|i| vec![Cell::Text(format!("{}", next + i)), Cell::Null, Cell::Null])
            .collect();
        next += 1000;
        raw_write(batch)?;
    }
}

/// Invalid rows again and again, ignoring the host's refusals.
fn ignore_errors() -> Result<(), Error> {
    loop {
        let _ = raw_write(vec![vec![Cell::Null, Cell::Null, Cell::Null]]);
    }
}
