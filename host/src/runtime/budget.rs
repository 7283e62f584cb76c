//! What one run of a plugin may make the host do, and the accounting that
//! holds it to that.
//!
//! A plugin is untrusted code, and most of what it costs the host is not
//! its own linear memory: log lines the host keeps, fetch records, open
//! response bodies (each a socket or a file descriptor), bookmarks, handles
//! in the resource table, rows waiting to be staged. Every one of those has
//! a budget per run, counted in calls and in bytes, with a failure of its
//! own when it runs out, so that the host's memory during a run stays
//! within the run's memory limit plus the fixed overhead these budgets add
//! up to ([`HOST_OVERHEAD_BYTES`], documented in `docs/architecture.md`).
//!
//! Budgets that a dataset may need to move (requests and bytes fetched)
//! are `[fetch]` settings; the rest are constants: a plugin that needs more
//! than these is misbehaving, not large.

use super::report::{FailureKind, RunFailure};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// Log lines a run keeps; later lines are counted, not kept.
pub const LOG_LINES: usize = 10_000;
/// Bytes of log text (messages and fields) a run keeps.
pub const LOG_BYTES: u64 = 2 * MIB;
/// The longest message kept; longer ones are cut and marked.
pub const LOG_MESSAGE_BYTES: usize = 4 * 1024;
/// Fields kept per log line; the rest are dropped and counted.
pub const LOG_FIELDS: usize = 32;
/// The longest field name or value kept.
pub const LOG_FIELD_BYTES: usize = 1024;

/// The longest URL a plugin may fetch.
pub const URL_BYTES: usize = 8 * 1024;
/// Fetch records a run keeps for its report; later fetches are counted.
pub const FETCH_RECORDS: usize = 1_000;
/// Response bodies a plugin may hold open at once.
pub const OPEN_BODIES: usize = 32;

/// Handles (WASI streams and pollables, bodies) a plugin may hold at once.
pub const HANDLES: usize = 1_024;
/// The most a plugin may ask `wasi:random` for in one call.
pub const RANDOM_BYTES: u64 = MIB;

/// One bookmark's size.
pub const BOOKMARK_BYTES: usize = MIB as usize;
/// All of a run's bookmarks together.
pub const BOOKMARKS_BYTES: usize = 4 * MIB as usize;
/// `sink.checkpoint` calls in one run.
pub const CHECKPOINTS: u64 = 100_000;

/// Calls of the small imports (`config.get`, `get-secret`, `state.get`,
/// `sink.progress`) in one run: each is cheap, but not free without end.
pub const SMALL_CALLS: u64 = 1_000_000;
/// The longest text one `normalize` call takes: a cell, not a document
/// (whole documents go through `normalize.decode`, within the fetch cap).
pub const NORMALIZE_TEXT_BYTES: usize = 64 * 1024;

/// Warnings a run's summary keeps, and the longest one.
pub const WARNINGS: usize = 100;
pub const WARNING_BYTES: usize = 4 * 1024;

/// Bytes of validated rows waiting for the staging thread; the plugin
/// waits when the store falls this far behind.
pub const STAGING_QUEUE_BYTES: u64 = 16 * MIB;

/// The stored report of a run: logs are cut first, then fetch records.
pub const REPORT_BYTES: usize = MIB as usize;

/// What the budgets above add up to, beyond the plugin's own memory, the
/// arguments of the import call in progress (a copy of what the plugin
/// passes, never more than its memory) and the 24 bytes per row the
/// primary-key check keeps: logs, fetch records (URLs included), captured
/// output, bookmarks, warnings, the staging queue and the buffers of the
/// open bodies.
pub const HOST_OVERHEAD_BYTES: u64 = LOG_BYTES
    + FETCH_RECORDS as u64 * (URL_BYTES as u64 + 64)
    + 2 * 256 * KIB
    + BOOKMARKS_BYTES as u64
    + (WARNINGS * WARNING_BYTES) as u64
    + STAGING_QUEUE_BYTES
    + OPEN_BODIES as u64 * MIB;

/// A table element costs the host a pointer.
const TABLE_ELEMENT_BYTES: u64 = 8;

/// The plugin's memory as a whole: every linear memory and every table of
/// every core instance of the component, against one limit.
///
/// wasmtime asks the store's limiter before each memory or table grows
/// (instantiation included, from zero), one memory at a time; summing the
/// growth here is what makes the limit cover a component with several
/// memories instead of multiplying it.
#[derive(Debug, Default)]
pub struct MemoryBudget {
    limit: u64,
    used: u64,
    peak: u64,
    /// The total a refused growth would have reached, so the trap that
    /// usually follows can be explained.
    refused: Option<u64>,
}

impl MemoryBudget {
    pub fn new(limit: u64) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// Whether a memory may grow from `current` to `desired` bytes.
    pub fn grow_memory(&mut self, current: usize, desired: usize) -> bool {
        self.grow(desired.saturating_sub(current) as u64)
    }

    /// Whether a table may grow from `current` to `desired` elements.
    pub fn grow_table(&mut self, current: usize, desired: usize) -> bool {
        self.grow(desired.saturating_sub(current) as u64 * TABLE_ELEMENT_BYTES)
    }

    fn grow(&mut self, by: u64) -> bool {
        let wanted = self.used.saturating_add(by);
        if wanted > self.limit {
            self.refused = Some(wanted);
            return false;
        }
        self.used = wanted;
        self.peak = self.peak.max(wanted);
        true
    }

    /// The most the plugin held at once.
    pub fn peak(&self) -> u64 {
        self.peak
    }

    /// The failure to report if the plugin trapped after a refusal.
    pub fn refusal(&self, limit_mib: u64) -> Option<RunFailure> {
        let wanted = self.refused?;
        Some(RunFailure::new(
            FailureKind::MemoryLimit,
            format!(
                "the plugin asked for {} MiB of memory in all (linear memories and tables together), over its limit of {limit_mib} MiB (limits.memory_mib)",
                wanted.div_ceil(MIB)
            ),
        ))
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary; whether
/// anything was cut.
pub fn cut_to(text: &mut String, max: usize) -> bool {
    if text.len() <= max {
        return false;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    true
}

/// Cuts `text` to at most `max` bytes, saying so at its end.
pub fn truncate_marked(text: &mut String, max: usize) {
    let original = text.len();
    if cut_to(text, max) {
        text.push_str(&format!(" … [cut: {original} bytes in all]"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memories_and_tables_share_one_limit() {
        let mut budget = MemoryBudget::new(10 * MIB);
        // Two memories instantiated at 4 MiB each: 8 MiB in all.
        assert!(budget.grow_memory(0, 4 * MIB as usize));
        assert!(budget.grow_memory(0, 4 * MIB as usize));
        // The second may not grow by 4 MiB more, though alone it would fit.
        assert!(!budget.grow_memory(4 * MIB as usize, 8 * MIB as usize));
        let failure = budget.refusal(10).unwrap();
        assert_eq!(failure.kind, FailureKind::MemoryLimit);
        assert!(failure.message.contains("12 MiB"), "{}", failure.message);
        // A table of a million elements costs 8 MiB, over what is left.
        assert!(!budget.grow_table(0, 1_000_000));
        assert!(budget.grow_table(0, 1_000));
        assert_eq!(budget.peak(), 8 * MIB + 8_000);
    }

    #[test]
    fn truncation_keeps_characters_whole_and_says_so() {
        let mut text = "Бургас".repeat(10);
        truncate_marked(&mut text, 5);
        assert!(text.starts_with("Бу"), "{text}");
        assert!(text.ends_with("[cut: 120 bytes in all]"), "{text}");
        let mut short = "ok".to_string();
        truncate_marked(&mut short, 5);
        assert_eq!(short, "ok");
    }
}
