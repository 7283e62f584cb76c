//! Words as the catalog search compares them: lowercased, Cyrillic
//! transliterated to Latin under the official Bulgarian system (the
//! Transliteration Act of 2009, the one on passports and road signs), and
//! stemmed by stripping the common endings of Bulgarian and English words.
//!
//! Comparing in one Latin form is what makes transliteration work both
//! ways: `byudzhet` and `бюджет` both become `byudzhet`, `Burgas` and
//! `Бургас` both `burgas`. The stemmer is deliberately light (endings, not
//! morphology): `бюджети`, `бюджета` and `бюджетът` all meet `бюджет`, and
//! a word it cannot reduce still matches by prefix (see `super::matches`).

/// The search terms of `text`: its words, folded and stemmed, in order.
pub fn terms(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| stem(&transliterate(&word.to_lowercase())).to_string())
        .collect()
}

/// Appends the terms of `text` to `out`, each after a space when `out`
/// already holds something: [`terms`] joined by spaces, as the full-text
/// index stores a row's words, without a string per word. Words of ASCII
/// and the Bulgarian alphabet (nearly all of them) take a path of their
/// own that lowercases and transliterates in one pass; any other word
/// takes [`terms`]' own, so the result is the same to the byte.
pub fn fold_into(text: &str, out: &mut String) {
    let mut word = String::new();
    for raw in text.split(|c: char| !is_word_char(c)) {
        if raw.is_empty() {
            continue;
        }
        word.clear();
        if raw.chars().all(is_plain) {
            fold_plain(raw, &mut word);
        } else {
            word.push_str(&transliterate(&raw.to_lowercase()));
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(stem(&word));
    }
}

/// ASCII, or a letter of the basic Cyrillic block (U+0400 to U+045F),
/// whose lowercase forms are a fixed offset away.
fn is_plain(c: char) -> bool {
    c.is_ascii() || ('\u{400}'..='\u{45f}').contains(&c)
}

/// `char::is_alphanumeric`, quick for the letters most text has.
fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphanumeric()
    } else {
        ('\u{400}'..='\u{45f}').contains(&c) || c.is_alphanumeric()
    }
}

/// Lowercases and transliterates a word of [`is_plain`] characters.
fn fold_plain(raw: &str, out: &mut String) {
    fn lower(c: char) -> char {
        match c {
            'A'..='Z' => c.to_ascii_lowercase(),
            '\u{410}'..='\u{42f}' => char::from_u32(c as u32 + 0x20).unwrap_or(c),
            '\u{400}'..='\u{40f}' => char::from_u32(c as u32 + 0x50).unwrap_or(c),
            _ => c,
        }
    }
    let mut last = raw.chars().rev().map(lower);
    // `-ия` at the end is `-ia` (as in `transliterate`); both letters are
    // two bytes in either case.
    let iya = matches!((last.next(), last.next()), (Some('я'), Some('и')));
    let body = if iya { &raw[..raw.len() - 4] } else { raw };
    for c in body.chars().map(lower) {
        match latin(c) {
            Some(l) => out.push_str(l),
            None => out.push(c),
        }
    }
    if iya {
        out.push_str("ia");
    }
}

use vitrina_normalize::text::latin;
pub use vitrina_normalize::text::transliterate;

/// Endings stripped from a transliterated word, longest first: Bulgarian
/// plurals and definite articles, then English plurals and verb forms.
/// (The articles `-та`, `-то`, `-те` are left to the vowel rules: taken
/// first, they would cut `бюджета` to `byudzhe`.)
const ENDINGS: &[&str] = &[
    "ovete", "evete", "yata", "ite", "ata", "ove", "eve", "yat", "ing", "ies", "at", "ya", "es",
    "ed", "a", "e", "i", "o", "s", "y",
];

/// The shortest stem an ending may leave: shorter words are kept whole.
const MIN_STEM: usize = 4;

/// `word` without its ending, if what is left is long enough to mean
/// something.
pub fn stem(word: &str) -> &str {
    ENDINGS
        .iter()
        .filter_map(|ending| word.strip_suffix(ending))
        .find(|rest| rest.chars().count() >= MIN_STEM)
        .unwrap_or(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_and_its_transliteration_meet() {
        assert_eq!(terms("Бюджет"), terms("byudzhet"));
        assert_eq!(terms("Бургас"), terms("Burgas"));
        assert_eq!(terms("ОБЩЕСТВЕНИ ПОРЪЧКИ"), terms("obshtestveni porachki"));
    }

    #[test]
    fn endings_of_plurals_and_articles_are_stripped() {
        let one = terms("бюджет");
        for form in ["бюджети", "бюджета", "бюджетът", "бюджетите"] {
            assert_eq!(terms(form), one, "{form}");
        }
        assert_eq!(terms("решения"), terms("решение"));
        assert_eq!(terms("поръчка"), terms("поръчки"));
        // `-ище` nouns and their `-ища` plurals.
        assert_eq!(terms("училище"), terms("училища"));
        assert_eq!(terms("читалище"), terms("читалищата"));
        assert_eq!(terms("budgets"), terms("budget"));
        assert_eq!(terms("projects"), terms("project"));
        // Short words are kept whole.
        assert_eq!(terms("eu"), ["eu"]);
        assert_eq!(terms("дата"), ["data"]);
    }

    proptest::proptest! {
        #[test]
        fn the_index_folds_as_the_search_does(
            text in "[a-zA-Z0-9 а-яА-ЯѐѝЀЍЁёЇїІіÉéßΣσςİı\\-_.,—ия ИЯ]{0,40}|\\PC{0,30}"
        ) {
            let mut folded = String::new();
            fold_into(&text, &mut folded);
            proptest::prop_assert_eq!(folded, terms(&text).join(" "));
        }
    }

    #[test]
    fn folding_appends_after_a_space() {
        let mut out = String::new();
        fold_into("Зелен", &mut out);
        fold_into("", &mut out);
        fold_into("БУРГАС, София", &mut out);
        assert_eq!(out, "zelen burga sofi");
    }

    #[test]
    fn words_are_split_on_anything_but_letters_and_digits() {
        assert_eq!(
            terms("budget_eur, 2024/25"),
            ["budget", "eur", "2024", "25"]
        );
        assert!(terms(" — ").is_empty());
    }
}
