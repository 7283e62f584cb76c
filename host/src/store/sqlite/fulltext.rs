//! Full-text search inside a dataset: an SQLite FTS5 index of every row's
//! text fields, written at publish time, so `rows?q=` is an index lookup
//! combinable with every filter, sort, cursor and version.
//!
//! Rows never change once stored (a changed row is a new row with its own
//! validity range), so the index only grows: each publish adds the rows it
//! inserted, keyed by their `rid`, and a search of any version is the
//! index's matches intersected with that version's validity condition.
//! Words are indexed in the catalog search's folded form (lowercase, Latin
//! under the official Bulgarian transliteration, light stem; see
//! [`crate::search::text`]), so `Зелен Бургас`, `zelen burgas`,
//! `зелени` and `зелен бург` all find the row that says `Зелен Бургас`.

use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;
use rusqlite::types::ValueRef;

use super::codec::column;
use crate::schema::{FieldType, StreamSchema};
use crate::search::text;
use crate::store::StoreError;

/// The most words a search may have: each is one index lookup.
pub const MAX_WORDS: usize = 16;

/// The index of a dataset's rows.
pub fn index_table(dataset: &str) -> String {
    format!("\"text:{dataset}\"")
}

/// Registers `vitrina_text(...)`: the folded words of its text arguments,
/// space-separated, as the index stores them.
pub fn register_functions(conn: &Connection) -> rusqlite::Result<()> {
    conn.create_scalar_function(
        "vitrina_text",
        -1,
        FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
        |ctx| {
            let mut words = String::new();
            for i in 0..ctx.len() {
                if let ValueRef::Text(t) = ctx.get_raw(i) {
                    text::fold_into(&String::from_utf8_lossy(t), &mut words);
                }
            }
            Ok(words)
        },
    )
}

/// Creates the index of `dataset` if it has none. A store written before
/// the index existed gets every stored row indexed now, once.
pub fn ensure_index(
    conn: &Connection,
    dataset: &str,
    text_fields: &[&str],
    rows_table: &str,
) -> Result<(), StoreError> {
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = ?1)",
        [format!("text:{dataset}")],
        |r| r.get(0),
    )?;
    if exists {
        return Ok(());
    }
    // Contentless (the rows table has the text) and without positions
    // (searches are sets of words, never phrases): the smallest index
    // that answers them.
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE {} USING fts5(words, content='', detail=none)",
        index_table(dataset)
    ))?;
    index_rows(conn, dataset, text_fields, rows_table, "1")
}

/// Adds to the index the rows `version` inserted.
pub fn index_version(
    conn: &Connection,
    dataset: &str,
    text_fields: &[&str],
    rows_table: &str,
    version: u64,
) -> Result<(), StoreError> {
    index_rows(
        conn,
        dataset,
        text_fields,
        rows_table,
        &format!("valid_from = {version}"),
    )
}

/// The fields of `schema` the index reads.
pub fn text_fields(schema: &StreamSchema) -> Vec<&str> {
    schema
        .fields
        .iter()
        .filter(|f| f.kind == FieldType::Text)
        .map(|f| f.name.as_str())
        .collect()
}

fn index_rows(
    conn: &Connection,
    dataset: &str,
    text_fields: &[&str],
    rows_table: &str,
    condition: &str,
) -> Result<(), StoreError> {
    let text_columns: Vec<String> = text_fields.iter().map(|f| column(f)).collect();
    if text_columns.is_empty() {
        return Ok(());
    }
    conn.execute(
        &format!(
            "INSERT INTO {index} (rowid, words)
             SELECT rid, w FROM (SELECT rid, vitrina_text({columns}) AS w FROM {rows_table} WHERE {condition})
             WHERE w <> ''",
            index = index_table(dataset),
            columns = text_columns.join(", "),
        ),
        [],
    )?;
    Ok(())
}

/// The FTS5 query for what a reader typed: every word, folded as the
/// index is, must be a word of the row, and the last may be the start of
/// one (the reader may still be typing it: `зелен бург` finds `Зелен
/// Бургас`). Whole words are the cheap case for FTS5: a prefix merges the
/// lists of every word it begins, three to four times the work. `None`
/// when the text has no words. Folded words are letters and digits only,
/// so quoting each keeps FTS5's query syntax out of the reader's hands.
pub fn match_expression(query: &str) -> Option<String> {
    let words = text::terms(query);
    let last = words.len().min(MAX_WORDS).checked_sub(1)?;
    Some(
        words
            .iter()
            .take(MAX_WORDS)
            .enumerate()
            .map(|(i, w)| {
                if i == last {
                    format!("\"{w}\"*")
                } else {
                    format!("\"{w}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// The same words as whole words, not prefixes: cheaper for FTS5 to
/// count (a prefix query merges the lists of every word it begins), so
/// it estimates how common a search is. Whole-word matches are a subset
/// of prefix matches, so an estimate over a bound is a true one.
pub fn whole_words_expression(query: &str) -> Option<String> {
    match_expression(query).map(|e| e.replace("\"*", "\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_is_quoted_and_the_last_a_prefix() {
        assert_eq!(
            match_expression("Зелен Бургас").as_deref(),
            Some("\"zelen\" \"burga\"*")
        );
        assert_eq!(
            match_expression("zelen burgas"),
            match_expression("Зелен Бургас")
        );
    }

    #[test]
    fn query_syntax_is_never_passed_through() {
        // Operators, quotes and column filters fold away to plain words.
        assert_eq!(
            match_expression("words: \"NEAR(a b)\" OR -x*").as_deref(),
            Some("\"word\" \"near\" \"a\" \"b\" \"or\" \"x\"*")
        );
        assert_eq!(match_expression(" ,.;\"* "), None);
    }
}
