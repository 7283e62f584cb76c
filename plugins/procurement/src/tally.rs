//! Counting what a run had to skip or doubt, without flooding the run log.
//!
//! A national export can carry thousands of mistyped supplier numbers; a
//! warning per row would bury the one that matters. [`Tally`] lets the
//! first few of each kind through in full (with their file and line) and
//! sums up the rest at the end. [`Keys`] remembers which contracts were
//! already emitted, as 64-bit hashes, so a million-row run keeps 8 bytes a
//! contract rather than its key text.

use std::collections::{BTreeMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::contract::NoteKind;

/// Messages of one topic shown in full before they are only counted.
const SHOWN_PER_TOPIC: u64 = 10;

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Topic {
    /// A contract kept with a doubtful detail.
    Note(NoteKind),
    /// A record of the buyer that could not become a contract.
    Skipped,
    /// A contract seen a second time (in a later file or page).
    Duplicate,
}

impl Topic {
    fn summary(self) -> &'static str {
        match self {
            Topic::Note(kind) => kind.summary(),
            Topic::Skipped => "records of the buyer skipped as unreadable",
            Topic::Duplicate => "contracts seen again and skipped (the first one read was kept)",
        }
    }
}

/// Counts per topic.
#[derive(Debug, Default)]
pub struct Tally {
    counts: BTreeMap<Topic, u64>,
}

impl Tally {
    /// Counts a warning; returns the message when it is to be shown now.
    pub fn record(&mut self, topic: Topic, message: impl FnOnce() -> String) -> Option<String> {
        let count = self.counts.entry(topic).or_default();
        *count += 1;
        (*count <= SHOWN_PER_TOPIC).then(message)
    }

    /// How many warnings of a topic were counted.
    pub fn count(&self, topic: Topic) -> u64 {
        self.counts.get(&topic).copied().unwrap_or_default()
    }

    /// One line per topic whose warnings were not all shown.
    pub fn summary(&self) -> Vec<String> {
        self.counts
            .iter()
            .filter(|(_, n)| **n > SHOWN_PER_TOPIC)
            .map(|(topic, n)| {
                format!(
                    "{n} {} in all; the first {SHOWN_PER_TOPIC} are listed above",
                    topic.summary()
                )
            })
            .collect()
    }
}

/// The primary keys emitted so far.
#[derive(Debug, Default)]
pub struct Keys {
    seen: HashSet<u64>,
}

impl Keys {
    /// Remembers a key; false when it was seen before. Two different keys
    /// share a hash with odds of about 1 in 10^7 for a million contracts.
    pub fn insert(&mut self, ocid: &str, contract_id: &str) -> bool {
        // DefaultHasher::new() uses fixed keys: the same key, the same hash.
        let mut hasher = DefaultHasher::new();
        (ocid, contract_id).hash(&mut hasher);
        self.seen.insert(hasher.finish())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_ten_are_shown_then_summed_up() {
        let mut tally = Tally::default();
        let shown = (0..25)
            .filter_map(|i| tally.record(Topic::Skipped, || format!("row {i}")))
            .count();
        assert_eq!(shown, 10);
        tally.record(Topic::Duplicate, || "once".into());
        assert_eq!(tally.count(Topic::Skipped), 25);
        let summary = tally.summary();
        assert_eq!(summary.len(), 1, "{summary:?}");
        assert!(
            summary[0].starts_with("25 records of the buyer skipped"),
            "{summary:?}"
        );
    }

    #[test]
    fn keys_are_remembered_by_both_parts() {
        let mut keys = Keys::default();
        assert!(keys.insert("ocds-a-00123-2024-0001", "Д-1"));
        assert!(keys.insert("ocds-a-00123-2024-0001", "Д-2"));
        assert!(keys.insert("ocds-a-00123-2024-0002", "Д-1"));
        assert!(!keys.insert("ocds-a-00123-2024-0001", "Д-1"));
    }
}
