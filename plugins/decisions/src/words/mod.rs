//! The phrases a council's session page is built from, recognized one line
//! at a time: agenda items (`По т.27.2 от дневния ред`, `ПО ПЪРВА ТОЧКА ОТ
//! ДНЕВНИЯ РЕД`), ordinal numbers written out (`двадесет и първа`,
//! `ДЕВЕТОТО`), session, protocol and decision numbers, the letter-spaced
//! `Р Е Ш И:`, incoming references (`ОбС 08-00-15376`), proposers, legal
//! bases, and the statements that say an item was rejected, withdrawn or
//! postponed.
//!
//! Every function takes one cleaned line ([`text::clean`]) and matches on a
//! folded copy: lowercase, quotes and dashes folded, one character for one
//! character, so a position found in the folded copy cuts the original line
//! at the same place and extracted text keeps its case and its „quotes“.
//!
//! # Layout
//! - [`numbering`]: agenda items, ordinal numbers, session, protocol and
//!   decision numbers, session dates and the day markers of two-day
//!   sessions.
//! - [`phrases`]: `Р Е Ш И`, incoming references, subjects, proposers,
//!   legal bases, outcome statements, signatures.
//! - [`proposer`]: who a proposer is (the mayor, a group, a councillor …)
//!   and the political groups pages name.

mod numbering;
mod phrases;
mod proposer;

pub use numbering::*;
pub use phrases::*;
pub use proposer::*;

use vitrina_sdk::normalize::text;

/// A line lowercased with quotes and dashes folded, one char per char of
/// the original, so that char positions carry over.
pub struct Folded {
    original: Vec<char>,
    folded: Vec<char>,
    /// `folded` as a string, for `contains`/`starts_with`.
    key: String,
}

impl Folded {
    pub fn new(line: &str) -> Self {
        let original: Vec<char> = line.chars().collect();
        let folded: Vec<char> = original.iter().map(|&c| fold_char(c)).collect();
        let key = folded.iter().collect();
        Self {
            original,
            folded,
            key,
        }
    }

    /// The folded text.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The char index where `needle` (folded, lowercase) first occurs.
    pub fn find(&self, needle: &str) -> Option<usize> {
        let byte = self.key.find(needle)?;
        Some(self.key[..byte].chars().count())
    }

    /// The char index where `needle` first occurs as whole words.
    pub fn find_words(&self, needle: &str) -> Option<usize> {
        self.key
            .match_indices(needle)
            .map(|(byte, _)| self.key[..byte].chars().count())
            .find(|&i| starts_word(&self.folded, i, needle))
    }

    /// The original text from char `start` to char `end`, trimmed.
    pub fn original(&self, start: usize, end: usize) -> String {
        let end = end.min(self.original.len());
        let start = start.min(end);
        self.original[start..end]
            .iter()
            .collect::<String>()
            .trim()
            .to_string()
    }

    /// The original text from char `start` to the end, trimmed.
    pub fn rest(&self, start: usize) -> String {
        self.original(start, self.original.len())
    }

    fn len(&self) -> usize {
        self.folded.len()
    }
}

fn fold_char(c: char) -> char {
    let c = lowercase(c);
    // Letters, digits and spaces are never quotes or dashes: most of a
    // line, and folding them through strings made every phrase check
    // allocate twice per character.
    if c.is_alphanumeric() || c == ' ' {
        return c;
    }
    let folded: String = text::fold_dashes(&text::fold_quotes(&c.to_string()));
    folded.chars().next().unwrap_or(c)
}

/// Lowercase, directly for the Latin and Cyrillic letters pages are made
/// of: the general case mapping is called for every character of every
/// phrase check, and is many times slower.
fn lowercase(c: char) -> char {
    match c {
        'A'..='Z' => c.to_ascii_lowercase(),
        'А'..='Я' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
        'Ѐ'..='Џ' => char::from_u32(c as u32 + 0x50).unwrap_or(c),
        _ if c.is_ascii() || ('а'..='џ').contains(&c) => c,
        _ => c.to_lowercase().next().unwrap_or(c),
    }
}

fn starts_at(k: &[char], pos: usize, needle: &str) -> bool {
    let mut at = pos;
    needle.chars().all(|c| {
        at += 1;
        k.get(at - 1) == Some(&c)
    })
}

/// `needle` at `pos` as a whole word: no letter right before or after.
fn starts_word(k: &[char], pos: usize, needle: &str) -> bool {
    starts_at(k, pos, needle)
        && !k
            .get(pos + needle.chars().count())
            .is_some_and(|c| c.is_alphabetic())
        && (pos == 0 || !k[pos - 1].is_alphabetic())
}

fn skip_spaces(k: &[char], mut pos: usize) -> usize {
    while k.get(pos) == Some(&' ') {
        pos += 1;
    }
    pos
}

fn word_end(k: &[char], pos: usize) -> usize {
    (pos..k.len())
        .find(|&i| !k[i].is_alphabetic())
        .unwrap_or(k.len())
}

fn word_starts(k: &[char]) -> Vec<usize> {
    (0..k.len())
        .filter(|&i| k[i].is_alphabetic() && (i == 0 || !k[i - 1].is_alphabetic()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowercase_is_the_unicode_mapping() {
        for c in ('\0'..='\u{500}').chain(['„', '“', '–', '№']) {
            assert_eq!(lowercase(c), c.to_lowercase().next().unwrap_or(c), "{c:?}");
        }
    }

    #[test]
    fn folded_positions_cut_the_original_line() {
        let f = Folded::new("Докладна записка от ПГ „ОБЕДИНЕНИ“ – ОТНОСНО: Х");
        assert_eq!(f.key(), "докладна записка от пг \"обединени\" - относно: х");
        let at = f.find("\"обединени\"").expect("found in the folded key");
        assert_eq!(f.original(at, at + 11), "„ОБЕДИНЕНИ“");
        assert_eq!(f.find_words("записка"), Some(9));
        assert_eq!(f.find_words("запис"), None);
        assert_eq!(f.rest(f.find("х").expect("found")), "Х");
    }
}
