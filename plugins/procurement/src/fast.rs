//! Fast paths for the cells of every row, in front of `vitrina-normalize`.
//!
//! A national export is a million rows of twenty cells. The general
//! parsers handle every odd form a cell can take, at the price of Unicode
//! normalization, lowercasing and a few allocations per call; profiling
//! the plugin on a million rows showed half its time in text cleanup
//! alone. Most cells, though, are already in the register's plain form:
//! tidy text, `1198450,00`, `11.03.2024`, `3`. Each function here
//! recognizes that plain form cheaply and returns exactly what the general
//! parser would; anything else is handed to the general parser. [`Memo`]
//! remembers the answers for the few distinct procedure types, categories
//! and supplier numbers a buyer's rows repeat.
//!
//! The tests check every cell of the fixtures against the general parsers.

use std::borrow::Cow;
use std::collections::HashMap;

use vitrina_sdk::normalize::text::clean;
use vitrina_sdk::{Decimal, NaiveDate};

/// Entries a [`Memo`] table keeps at most, so hostile input cannot grow it
/// without bound; past that, answers are computed each time.
const MEMO_LIMIT: usize = 100_000;

/// `clean(s)`, without copying or normalizing text that is already clean:
/// no leading, trailing or doubled space, and only characters that NFC
/// leaves alone and `clean` keeps (printable ASCII, basic Cyrillic and the
/// typographic marks Bulgarian text uses).
pub fn tidy(s: &str) -> Cow<'_, str> {
    if is_tidy(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(clean(s))
    }
}

/// Byte by byte, as this looks at most cells of every row: ASCII and
/// Cyrillic take one comparison each.
fn is_tidy(s: &str) -> bool {
    let b = s.as_bytes();
    if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
        return false;
    }
    let (mut i, mut after_space) = (0, false);
    while i < b.len() {
        let width = match (b[i], b.get(i + 1)) {
            (b' ', _) if after_space => return false,
            (b' '..=b'~', _) => 1,
            // Basic Cyrillic, U+0400..U+045F.
            (0xD0, Some(0x80..=0xBF)) | (0xD1, Some(0x80..=0x9F)) => 2,
            // « and ».
            (0xC2, Some(0xAB | 0xBB)) => 2,
            (0x80.., _) => match s[i..].chars().next() {
                Some(c @ ('„' | '“' | '”' | '‘' | '’' | '–' | '—' | '…' | '№' | '€')) => {
                    c.len_utf8()
                }
                _ => return false,
            },
            _ => return false,
        };
        after_space = b[i] == b' ';
        i += width;
    }
    true
}

/// `1198450,00`, `69999`, `0,5`: digits and an optional decimal comma with
/// one or two decimals, as the register prints amounts. The scale is the
/// number of decimals written, as `parse_money` gives it.
pub fn plain_amount(s: &str) -> Option<Decimal> {
    let (whole, fraction) = s.split_once(',').unwrap_or((s, ""));
    let plain = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 16
        || fraction.len() > 2
        || !plain(whole)
        || !plain(fraction)
    {
        return None;
    }
    if s.contains(',') && fraction.is_empty() {
        return None;
    }
    let digits = whole.bytes().chain(fraction.bytes());
    let mantissa = digits.fold(0i64, |n, b| n * 10 + i64::from(b - b'0'));
    // At most 18 digits: no overflow, and the scale is 0 to 2.
    Some(Decimal::new(mantissa, fraction.len() as u32))
}

/// `11.03.2024`: the register's date form, exactly.
pub fn plain_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[2] != b'.' || b[5] != b'.' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<u32> {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(number(6..10)?).ok()?;
    NaiveDate::from_ymd_opt(year, number(3..5)?, number(0..2)?)
}

/// `3`, `365`: a whole number of at most 9 digits.
pub fn plain_count(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Answers remembered per distinct input text.
#[derive(Debug)]
pub struct Memo<T> {
    answers: HashMap<String, T>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Self {
            answers: HashMap::new(),
        }
    }
}

impl<T: Clone> Memo<T> {
    /// The answer for `key`, computed by `compute` the first time.
    pub fn get(&mut self, key: &str, compute: impl FnOnce(&str) -> T) -> T {
        if let Some(answer) = self.answers.get(key) {
            return answer.clone();
        }
        let answer = compute(key);
        if self.answers.len() < MEMO_LIMIT {
            self.answers.insert(key.to_string(), answer.clone());
        }
        answer
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::path::Path;

    use vitrina_sdk::normalize::date::parse_date;
    use vitrina_sdk::normalize::money::parse_money;

    use super::*;

    /// Every distinct cell of the dataset's fixture exports and of the
    /// crate's sample export.
    fn cells() -> HashSet<String> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let fixtures = root.join("../../datasets/burgas-procurements/fixtures");
        let mut files: Vec<_> = [
            "contracts-2024.csv",
            "contracts-2025.csv",
            "contracts-2026.csv",
        ]
        .iter()
        .map(|f| fixtures.join(f))
        .collect();
        files.push(root.join("fixtures/aop_cais_contracts_2024_sample.csv"));
        let mut cells = HashSet::new();
        for file in files {
            let text = std::fs::read_to_string(&file).expect("fixture");
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(text.as_bytes());
            for record in reader.records() {
                cells.extend(record.expect("fixture record").iter().map(str::to_string));
            }
        }
        assert!(cells.len() > 1000, "{} cells", cells.len());
        cells
    }

    #[test]
    fn tidy_is_clean_on_every_fixture_cell() {
        for cell in cells() {
            assert_eq!(tidy(&cell), clean(&cell), "{cell:?}");
        }
    }

    #[test]
    fn tidy_sends_anything_odd_to_clean() {
        for odd in [
            " Община Бургас",
            "Община  Бургас",
            "Община\u{a0}Бургас",
            "Община\tБургас",
            "Кметство Ии\u{306}",
            "„Пътстрой“\u{200b} ЕООД",
            "line\nbreak",
            "\u{feff}Пореден номер",
        ] {
            assert!(matches!(tidy(odd), Cow::Owned(_)), "{odd:?}");
            assert_eq!(tidy(odd), clean(odd));
        }
        assert!(matches!(
            tidy("„Пътстрой Бургас“ ЕООД – № 5, 10 €"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn plain_amounts_match_parse_money() {
        let mut plain = 0;
        for cell in cells() {
            if let Some(fast) = plain_amount(&cell) {
                plain += 1;
                let general = parse_money(&cell).ok().flatten().map(|m| m.amount);
                assert_eq!(Some(fast), general, "{cell:?}");
                assert_eq!(
                    Some(fast.to_string()),
                    general.map(|g| g.to_string()),
                    "scale of {cell:?}"
                );
            }
        }
        assert!(plain > 500, "{plain}");
        for not_plain in [
            "1 198 450,00",
            "1.250,00",
            "-5",
            "5,",
            ",5",
            "1,234,5",
            "12,345",
            "x",
            "",
        ] {
            assert_eq!(plain_amount(not_plain), None, "{not_plain:?}");
        }
    }

    #[test]
    fn plain_dates_match_parse_date() {
        let mut plain = 0;
        for cell in cells() {
            if let Some(fast) = plain_date(&cell) {
                plain += 1;
                assert_eq!(Some(fast), parse_date(&cell).ok(), "{cell:?}");
            }
        }
        assert!(plain > 500, "{plain}");
        for not_plain in [
            "11.03.2024 г.",
            "1.3.2024",
            "31.02.2024",
            "2024-03-11",
            "11/03/2024",
        ] {
            assert_eq!(plain_date(not_plain), None, "{not_plain:?}");
        }
    }

    #[test]
    fn plain_counts() {
        assert_eq!(plain_count("365"), Some(365));
        assert_eq!(plain_count("0"), Some(0));
        for not_plain in ["", "-1", "3 дни", "1234567890", "٣"] {
            assert_eq!(plain_count(not_plain), None, "{not_plain:?}");
        }
    }

    #[test]
    fn memo_computes_once_per_key() {
        let mut memo = Memo::default();
        let mut calls = 0;
        for key in ["a", "b", "a", "a"] {
            memo.get(key, |k| {
                calls += 1;
                k.len()
            });
        }
        assert_eq!(calls, 2);
    }
}
