//! The run context a plugin works with, and the entry points the export
//! macro calls.
//!
//! [`Run`] gives a plugin its configuration, its saved bookmarks and a
//! buffered sink: rows are checked by name as they are built, collected per
//! stream and sent to the host in batches (a call per row would be slow, one
//! call per run would hold the whole dataset in memory twice). Rows left in
//! the buffers when `collect` returns are flushed before the SDK reports
//! success, so a plugin never loses its last batch.

use std::rc::Rc;

use crate::Plugin;
use crate::bindings::vitrina::plugin::types::{
    Cell, CheckReport, CollectError, PluginInfo as WitPluginInfo, RunContext, RunSummary, Trigger,
};
use crate::bindings::vitrina::plugin::{config, sink, state};
use crate::error::Error;
use crate::row::{Row, cell_size};
use crate::schema::{ConfigKey, StreamSchema};

/// Send a batch once it holds this many rows...
const BATCH_ROWS: usize = 512;
/// ...or this many bytes, whichever comes first.
const BATCH_BYTES: usize = 512 * 1024;

/// Rows of one stream waiting to be sent.
struct StreamBuffer {
    schema: Rc<StreamSchema>,
    rows: Vec<Vec<Cell>>,
    bytes: usize,
    emitted: u64,
}

/// One run of `collect`: configuration, bookmarks, and the sink.
pub struct Run {
    context: RunContext,
    streams: Vec<StreamBuffer>,
    warnings: Vec<String>,
}

impl Run {
    fn new(context: RunContext, streams: Vec<StreamSchema>) -> Self {
        let streams = streams
            .into_iter()
            .map(|schema| StreamBuffer {
                schema: Rc::new(schema),
                rows: Vec::with_capacity(BATCH_ROWS),
                bytes: 0,
                emitted: 0,
            })
            .collect();
        Self {
            context,
            streams,
            warnings: Vec::new(),
        }
    }

    /// The dataset being collected.
    pub fn dataset(&self) -> &str {
        &self.context.dataset
    }

    /// This run's id, for log correlation.
    pub fn run_id(&self) -> &str {
        &self.context.run_id
    }

    /// Why the run happens.
    pub fn trigger(&self) -> Trigger {
        self.context.trigger
    }

    /// Whether saved bookmarks are to be ignored.
    pub fn full_refresh(&self) -> bool {
        self.context.full_refresh
    }

    /// A configuration value from `[config]` in `dataset.toml`.
    pub fn config(&self, key: &str) -> Option<String> {
        config::get(key)
    }

    /// A configuration value that must be set.
    pub fn require(&self, key: &str) -> Result<String, Error> {
        require(key)
    }

    /// A secret configuration value; never log it.
    pub fn secret(&self, key: &str) -> Option<String> {
        config::get_secret(key)
    }

    /// The bookmark saved for `stream` by the last run that published, unless
    /// this run is a full refresh.
    pub fn state(&self, stream: &str) -> Option<String> {
        if self.context.full_refresh {
            return None;
        }
        state::get(stream)
    }

    /// A new, empty row of `stream`, to fill with [`Row::set`].
    pub fn row(&self, stream: &str) -> Row {
        match self.stream_index(stream) {
            Some(i) => Row::new(Rc::clone(&self.streams[i].schema)),
            None => Row::unknown_stream(stream),
        }
    }

    /// Emits a row. Fails when the row misses a required field or names an
    /// unknown one, or when the host refused the batch (an invalid row, a
    /// limit reached): then the run has failed and the plugin should return
    /// the error.
    pub fn emit(&mut self, row: Row) -> Result<(), Error> {
        let stream = row.stream().to_string();
        let index = self.stream_index(&stream);
        let cells = row.finish().map_err(|e| {
            let n = index.map_or(0, |i| {
                self.streams[i].emitted + self.streams[i].rows.len() as u64
            });
            Error::internal(format!("stream `{stream}`, row {}: {e}", n + 1))
        })?;
        // `finish` fails for rows of undeclared streams, so the index exists.
        let index = index.ok_or_else(|| Error::internal(format!("unknown stream `{stream}`")))?;
        let buffer = &mut self.streams[index];
        buffer.bytes += cells.iter().map(cell_size).sum::<usize>();
        buffer.rows.push(cells);
        if buffer.rows.len() >= BATCH_ROWS || buffer.bytes >= BATCH_BYTES {
            self.flush_stream(index)?;
        }
        Ok(())
    }

    /// Declares the fields of a stream described with
    /// [`StreamSchema::from_source`], as the source gave them this run.
    /// Call it before emitting any row of the run; rows of the stream are
    /// then built and checked against these fields.
    pub fn declare(&mut self, schema: StreamSchema) -> Result<(), Error> {
        let index = self.stream_index(&schema.name).ok_or_else(|| {
            Error::internal(format!(
                "stream `{}` is not described; describe it with StreamSchema::from_source",
                schema.name
            ))
        })?;
        // Rows already built go first, so the host judges them in order.
        self.flush_all()?;
        sink::declare(&schema.to_wit()).map_err(|e| Error::Denied(e.message))?;
        self.streams[index].schema = Rc::new(schema);
        Ok(())
    }

    /// Saves a bookmark for `stream`, committed only if this run publishes.
    /// Rows emitted so far are sent first, so the bookmark never runs ahead
    /// of the rows it covers.
    pub fn checkpoint(&mut self, stream: &str, bookmark: &str) -> Result<(), Error> {
        if let Some(index) = self.stream_index(stream) {
            self.flush_stream(index)?;
        }
        sink::checkpoint(stream, bookmark).map_err(|e| Error::Denied(e.message))
    }

    /// Reports progress to the operator's progress bar.
    pub fn progress(&self, done: u64, total: Option<u64>) {
        sink::progress(done, total);
    }

    /// Records a warning: logged now and listed in the run's summary.
    pub fn warn(&mut self, message: impl Into<String>) {
        let message = message.into();
        crate::log::message(crate::log::Level::Warn, &message);
        self.warnings.push(message);
    }

    /// How many rows of `stream` were emitted so far (sent or buffered).
    pub fn emitted(&self, stream: &str) -> u64 {
        self.stream_index(stream).map_or(0, |i| {
            self.streams[i].emitted + self.streams[i].rows.len() as u64
        })
    }

    fn stream_index(&self, name: &str) -> Option<usize> {
        self.streams.iter().position(|s| s.schema.name == name)
    }

    fn flush_stream(&mut self, index: usize) -> Result<(), Error> {
        let buffer = &mut self.streams[index];
        if buffer.rows.is_empty() {
            return Ok(());
        }
        let result = sink::write(&buffer.schema.name, &buffer.rows);
        buffer.emitted += buffer.rows.len() as u64;
        buffer.rows.clear();
        buffer.bytes = 0;
        result.map_err(|e| Error::Denied(e.message))
    }

    fn flush_all(&mut self) -> Result<(), Error> {
        (0..self.streams.len()).try_for_each(|i| self.flush_stream(i))
    }
}

/// What `check` works with: configuration, and notes for the operator.
pub struct Check {
    config: Vec<ConfigKey>,
    messages: Vec<String>,
}

impl Check {
    /// A configuration value.
    pub fn config(&self, key: &str) -> Option<String> {
        config::get(key)
    }

    /// A configuration value that must be set.
    pub fn require(&self, key: &str) -> Result<String, Error> {
        require(key)
    }

    /// A secret configuration value.
    pub fn secret(&self, key: &str) -> Option<String> {
        config::get_secret(key)
    }

    /// Adds a line to the report shown to the operator.
    pub fn note(&mut self, message: impl Into<String>) {
        self.messages.push(message.into());
    }

    /// Checks that every key the plugin declared as required is set.
    pub fn require_config(&mut self) -> Result<(), Error> {
        let missing: Vec<&str> = self
            .config
            .iter()
            .filter(|k| k.required)
            .filter(|k| {
                let value = if k.secret {
                    config::get_secret(&k.name)
                } else {
                    config::get(&k.name)
                };
                value.is_none_or(|v| v.trim().is_empty())
            })
            .map(|k| k.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(Error::config(format!(
                "missing required config: {}; set it under [config] in dataset.toml",
                missing.join(", ")
            )));
        }
        self.note(format!("{} config keys set", self.config.len()));
        Ok(())
    }
}

fn require(key: &str) -> Result<String, Error> {
    config::get(key)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| {
            Error::config(format!(
                "config key `{key}` is not set; set it under [config] in dataset.toml"
            ))
        })
}

#[doc(hidden)]
pub fn describe_entry<P: Plugin>() -> WitPluginInfo {
    P::describe().to_wit()
}

#[doc(hidden)]
pub fn check_entry<P: Plugin>() -> Result<CheckReport, CollectError> {
    let mut check = Check {
        config: P::describe().config,
        messages: Vec::new(),
    };
    P::check(&mut check).map_err(Error::into_wit)?;
    Ok(CheckReport {
        messages: check.messages,
    })
}

#[doc(hidden)]
pub fn collect_entry<P: Plugin>(context: RunContext) -> Result<RunSummary, CollectError> {
    let mut run = Run::new(context, P::describe().streams);
    P::collect(&mut run)
        .and_then(|()| run.flush_all())
        .map_err(Error::into_wit)?;
    Ok(RunSummary {
        warnings: run.warnings,
    })
}
