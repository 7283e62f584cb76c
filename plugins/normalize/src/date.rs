//! Dates and month-year periods as Bulgarian sources write them.
//!
//! Council pages, registers and project descriptions use `26.03.2024 г.`,
//! `26.03.2024год.`, `Понеделник, 5 Декември 2016`, gazette references with
//! Roman months (`15.XII.2016`) and project periods given only to the month
//! (`05.2012г. - 11.2013г.`). The parsers accept these forms and nothing
//! looser: two-digit years and bare numbers are rejected, because a wrong
//! date that looks right is worse than a missing one.
//!
//! Parsing works on a lowercased character slice with small matchers that
//! return the position after what they consumed, so the same patterns serve
//! both whole-string parsing and searching in free text.

use std::fmt;
use std::ops::RangeInclusive;

use chrono::NaiveDate;

/// A calendar month: the resolution of project periods and budget reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    /// `None` unless `month` is 1..=12 and the year is within the range
    /// `NaiveDate` can represent.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| YearMonth { year, month })
    }

    /// Whole months from `self` to `later`: 2012-05 → 2013-11 is 18, the
    /// figure project pages print as their duration. Negative when `later` is
    /// earlier; saturates instead of overflowing for hand-built extremes.
    pub fn months_until(self, later: YearMonth) -> i32 {
        let years = i64::from(later.year) - i64::from(self.year);
        let months = i64::from(later.month) - i64::from(self.month);
        let total = years * 12 + months;
        // Clamped into i32's range just above, so the conversion cannot fail.
        i32::try_from(total.clamp(i64::from(i32::MIN), i64::from(i32::MAX))).unwrap_or_default()
    }

    /// The first day of the month. A value built by hand with an out-of-range
    /// month or year is clamped rather than panicking.
    pub fn first_day(self) -> NaiveDate {
        let month = self.month.clamp(1, 12);
        NaiveDate::from_ymd_opt(self.year, month, 1).unwrap_or(if self.year < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
    }
}

impl fmt::Display for YearMonth {
    /// `2012-05`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// Why a string is not a date or month. `input` is the text as given; inputs
/// over 200 characters are cut there and end in `…`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a date: {input:?} ({reason})")]
pub struct DateError {
    pub input: String,
    pub reason: String,
}

/// `26.03.2024`, `26.03.2024 г.`, `26.03.2024г.`, `26.03.2024 год.`,
/// `26.3.2024`, `26/03/2024`, ISO `2024-03-26`, long forms
/// `Понеделник, 5 Декември 2016`, `5 декември 2016 г.`, `05 ДЕКЕМВРИ 2016Г.`
/// (month names any case, weekday optional and ignored), also Roman month
/// `15.XII.2016`.
///
/// Also tolerated: `година` as the year word, one space after a dot
/// (`26. 03. 2024`), a sentence-ending dot, `26-03-2024`.
pub fn parse_date(s: &str) -> Result<NaiveDate, DateError> {
    let text = lowered(&crate::text::clean(s));
    if text.is_empty() {
        return Err(error(s, "empty"));
    }
    let start = skip_weekday(&text);
    let Some((ymd, end)) = full_date_at(&text, start) else {
        let reason = if month_at(&text, start).is_some() {
            "month and year only, no day"
        } else {
            "unrecognized date format"
        };
        return Err(error(s, reason));
    };
    if skip_year_word(&text, end) != text.len() {
        return Err(error(s, "unexpected text after the date"));
    }
    ymd.to_date()
        .ok_or_else(|| error(s, &format!("no such day: {ymd}")))
}

/// `05.2012г.`, `05.2012 г.`, `5.2012`, `2012-05`, `май 2012`, `Май 2012 г.`
///
/// Also `05/2012`, `05-2012`, `XII.2016` and `дек. 2016`.
pub fn parse_month(s: &str) -> Result<YearMonth, DateError> {
    let text = lowered(&crate::text::clean(s));
    if text.is_empty() {
        return Err(error(s, "empty"));
    }
    let Some(((year, month), end)) = month_at(&text, 0) else {
        let reason = if full_date_at(&text, skip_weekday(&text)).is_some() {
            "a full date, not a month"
        } else {
            "unrecognized month format"
        };
        return Err(error(s, reason));
    };
    if skip_year_word(&text, end) != text.len() {
        return Err(error(s, "unexpected text after the month"));
    }
    YearMonth::new(year, month).ok_or_else(|| error(s, &format!("no such month: {month}")))
}

/// Month names in the nominative; Bulgarian does not decline them.
pub const MONTH_NAMES: [&str; 12] = [
    "януари",
    "февруари",
    "март",
    "април",
    "май",
    "юни",
    "юли",
    "август",
    "септември",
    "октомври",
    "ноември",
    "декември",
];

/// Shortest abbreviation accepted: three letters keep `юни`/`юли` and
/// `март`/`май` apart.
const MIN_ABBREVIATION: usize = 3;

/// Bulgarian month name (nominative, any case, also short forms `яну`,
/// `фев.`, `септ.`) → 1..=12.
///
/// Any prefix of at least three letters of a month name counts, with an
/// optional trailing dot.
pub fn month_from_name(s: &str) -> Option<u32> {
    let trimmed = s.trim();
    let word = trimmed.strip_suffix('.').unwrap_or(trimmed).to_lowercase();
    if word.chars().count() < MIN_ABBREVIATION {
        return None;
    }
    let index = MONTH_NAMES
        .iter()
        .position(|name| name.starts_with(&word))?;
    // At most 12 months, so the index always fits.
    u32::try_from(index + 1).ok()
}

const ROMAN_MONTHS: [&str; 12] = [
    "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
];

/// Roman numeral month I..XII → 1..=12.
///
/// Any case; the Cyrillic `Х` and Ukrainian `І`, which typists use as
/// look-alikes, count as `X` and `I`.
pub fn month_from_roman(s: &str) -> Option<u32> {
    let latin: String = s.trim().chars().map(roman_letter).collect::<Option<_>>()?;
    let index = ROMAN_MONTHS.iter().position(|&numeral| numeral == latin)?;
    // At most 12 months, so the index always fits.
    u32::try_from(index + 1).ok()
}

/// Finds all dates (dd.mm.yyyy forms and long forms) in free text, in order.
///
/// Month-only mentions such as `(05.2012г. - 11.2013г.)` are not dates and
/// are skipped; well-formed but impossible dates (`31.02.2024`) too.
pub fn find_dates(text: &str) -> Vec<NaiveDate> {
    let text = lowered(text);
    let mut found = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        if is_number_start(&text, pos)
            && let Some((ymd, end)) = full_date_at(&text, pos)
        {
            found.extend(ymd.to_date());
            pos = end;
        } else {
            pos += 1;
        }
    }
    found
}

/// Finds all month-year (`05.2012г.`) mentions in free text, in order,
/// ignoring full dates.
///
/// Recognizes `05.2012`, `5/2012`, `2012-05` and `май 2012`; impossible
/// months are skipped.
pub fn find_months(text: &str) -> Vec<YearMonth> {
    let text = lowered(text);
    let mut found = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        match mention_at(&text, pos) {
            Some((mention, end)) => {
                found.extend(mention.and_then(|(year, month)| YearMonth::new(year, month)));
                pos = end;
            }
            None => pos += 1,
        }
    }
    found
}

/// A month mention starting exactly at `pos`: `Some((Some(..), end))` for a
/// month, `Some((None, end))` for a full date to skip over whole.
fn mention_at(text: &[char], pos: usize) -> Option<(Option<(i32, u32)>, usize)> {
    if is_number_start(text, pos) {
        if let Some((_, end)) = full_date_at(text, pos) {
            return Some((None, end));
        }
        let (year_month, end) =
            numeric_month_at(text, pos, &['.', '/']).or_else(|| iso_month_at(text, pos, 2..=2))?;
        return Some((Some(year_month), end));
    }
    if is_word_start(text, pos) {
        let (year_month, end) = named_month_at(text, pos)?;
        return Some((Some(year_month), end));
    }
    None
}

fn error(input: &str, reason: &str) -> DateError {
    DateError {
        input: crate::error_input(input),
        reason: reason.to_owned(),
    }
}

fn lowered(s: &str) -> Vec<char> {
    s.chars().flat_map(char::to_lowercase).collect()
}

fn roman_letter(c: char) -> Option<char> {
    match c {
        'I' | 'i' | 'І' | 'і' => Some('I'),
        'V' | 'v' => Some('V'),
        'X' | 'x' | 'Х' | 'х' => Some('X'),
        _ => None,
    }
}

/// Year, month and day as written, not yet checked against the calendar.
#[derive(Debug, Clone, Copy)]
struct Ymd {
    year: i32,
    month: u32,
    day: u32,
}

impl Ymd {
    fn to_date(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, self.month, self.day)
    }
}

impl fmt::Display for Ymd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

// Matchers: each takes the text and a start position and returns what it
// matched with the position just after it, or `None`.

fn full_date_at(text: &[char], pos: usize) -> Option<(Ymd, usize)> {
    iso_date_at(text, pos)
        .or_else(|| numeric_date_at(text, pos))
        .or_else(|| roman_date_at(text, pos))
        .or_else(|| long_date_at(text, pos))
}

/// `2024-03-26`.
fn iso_date_at(text: &[char], pos: usize) -> Option<(Ymd, usize)> {
    let (year, p) = year_at(text, pos)?;
    let p = char_at(text, p, '-')?;
    let (month, p) = number_at(text, p, 1..=2)?;
    let p = char_at(text, p, '-')?;
    let (day, p) = number_at(text, p, 1..=2)?;
    Some((Ymd { year, month, day }, p))
}

/// `26.03.2024`, `26/03/2024`, `26-03-2024`: the same separator twice.
fn numeric_date_at(text: &[char], pos: usize) -> Option<(Ymd, usize)> {
    let (day, p) = number_at(text, pos, 1..=2)?;
    let separator = *text.get(p).filter(|c| matches!(c, '.' | '/' | '-'))?;
    let p = separator_at(text, p, separator)?;
    let (month, p) = number_at(text, p, 1..=2)?;
    let p = separator_at(text, p, separator)?;
    let (year, p) = year_at(text, p)?;
    Some((Ymd { year, month, day }, p))
}

/// `15.XII.2016`.
fn roman_date_at(text: &[char], pos: usize) -> Option<(Ymd, usize)> {
    let (day, p) = number_at(text, pos, 1..=2)?;
    let p = separator_at(text, p, '.')?;
    let (month, p) = roman_at(text, p)?;
    let p = separator_at(text, p, '.')?;
    let (year, p) = year_at(text, p)?;
    Some((Ymd { year, month, day }, p))
}

/// `5 декември 2016`, `05 дек. 2016`.
fn long_date_at(text: &[char], pos: usize) -> Option<(Ymd, usize)> {
    let (day, p) = number_at(text, pos, 1..=2)?;
    let p = spaces_at(text, p)?;
    let (month, p) = month_name_at(text, p)?;
    let (year, p) = year_at(text, p)?;
    Some((Ymd { year, month, day }, p))
}

/// Any month-year form, for whole-string parsing.
fn month_at(text: &[char], pos: usize) -> Option<((i32, u32), usize)> {
    iso_month_at(text, pos, 1..=2)
        .or_else(|| numeric_month_at(text, pos, &['.', '/', '-']))
        .or_else(|| named_month_at(text, pos))
        .or_else(|| roman_month_at(text, pos))
}

/// `2012-05`.
fn iso_month_at(
    text: &[char],
    pos: usize,
    month_digits: RangeInclusive<usize>,
) -> Option<((i32, u32), usize)> {
    let (year, p) = year_at(text, pos)?;
    let p = char_at(text, p, '-')?;
    let (month, p) = number_at(text, p, month_digits)?;
    Some(((year, month), p))
}

/// `05.2012`, `5/2012`.
fn numeric_month_at(text: &[char], pos: usize, separators: &[char]) -> Option<((i32, u32), usize)> {
    let (month, p) = number_at(text, pos, 1..=2)?;
    let separator = *text.get(p).filter(|c| separators.contains(c))?;
    let p = separator_at(text, p, separator)?;
    let (year, p) = year_at(text, p)?;
    Some(((year, month), p))
}

/// `май 2012`, `дек. 2016`, `Май, 2012`.
fn named_month_at(text: &[char], pos: usize) -> Option<((i32, u32), usize)> {
    let (month, p) = month_name_at(text, pos)?;
    let (year, p) = year_at(text, p)?;
    Some(((year, month), p))
}

/// `XII.2016`.
fn roman_month_at(text: &[char], pos: usize) -> Option<((i32, u32), usize)> {
    let (month, p) = roman_at(text, pos)?;
    let p = separator_at(text, p, '.')?;
    let (year, p) = year_at(text, p)?;
    Some(((year, month), p))
}

/// A month name and what separates it from the year: spaces, a dot, or
/// both, and optionally a comma (`дек.2016`, `май 2012`, `май, 2012`).
fn month_name_at(text: &[char], pos: usize) -> Option<(u32, usize)> {
    let (word, p) = word_at(text, pos)?;
    let month = month_from_name(&word)?;
    let after_dot = char_at(text, p, '.');
    let p = after_dot.unwrap_or(p);
    let p = char_at(text, p, ',').unwrap_or(p);
    match spaces_at(text, p) {
        Some(after_spaces) => Some((month, after_spaces)),
        None => after_dot.map(|_| (month, p)),
    }
}

/// A whole-word Roman numeral month.
fn roman_at(text: &[char], pos: usize) -> Option<(u32, usize)> {
    let rest = text.get(pos..)?;
    let len = rest
        .iter()
        .take_while(|&&c| roman_letter(c).is_some())
        .count();
    let end = pos + len;
    if len == 0 || text.get(end).is_some_and(|c| c.is_alphabetic()) {
        return None;
    }
    let numeral: String = rest[..len].iter().collect();
    Some((month_from_roman(&numeral)?, end))
}

/// A four-digit year, 1000..=9999.
fn year_at(text: &[char], pos: usize) -> Option<(i32, usize)> {
    let (year, p) = number_at(text, pos, 4..=4)?;
    // Four digits always fit an i32.
    let year = i32::try_from(year).ok()?;
    (year >= 1000).then_some((year, p))
}

/// A maximal run of ASCII digits whose length is in `digits`; callers allow
/// at most four digits, so the value fits a u32.
fn number_at(text: &[char], pos: usize, digits: RangeInclusive<usize>) -> Option<(u32, usize)> {
    let rest = text.get(pos..)?;
    let len = rest.iter().take_while(|c| c.is_ascii_digit()).count();
    if !digits.contains(&len) || len > 4 {
        return None;
    }
    let value = rest[..len]
        .iter()
        .filter_map(|c| c.to_digit(10))
        .fold(0, |acc, digit| acc * 10 + digit);
    Some((value, pos + len))
}

fn char_at(text: &[char], pos: usize, expected: char) -> Option<usize> {
    (text.get(pos) == Some(&expected)).then_some(pos + 1)
}

/// A date separator, followed by at most one space after a dot or slash
/// (`26. 03. 2024`).
fn separator_at(text: &[char], pos: usize, separator: char) -> Option<usize> {
    let p = char_at(text, pos, separator)?;
    let space_allowed = separator != '-';
    let followed_by_space = text.get(p).is_some_and(|c| c.is_whitespace());
    Some(if space_allowed && followed_by_space {
        p + 1
    } else {
        p
    })
}

/// One or more whitespace characters.
fn spaces_at(text: &[char], pos: usize) -> Option<usize> {
    let len = text
        .get(pos..)?
        .iter()
        .take_while(|c| c.is_whitespace())
        .count();
    (len > 0).then_some(pos + len)
}

fn word_at(text: &[char], pos: usize) -> Option<(String, usize)> {
    let rest = text.get(pos..)?;
    let len = rest.iter().take_while(|c| c.is_alphabetic()).count();
    (len > 0).then(|| (rest[..len].iter().collect(), pos + len))
}

const WEEKDAYS: [&str; 7] = [
    "понеделник",
    "вторник",
    "сряда",
    "четвъртък",
    "петък",
    "събота",
    "неделя",
];

/// Skips a leading weekday name with its optional comma and spaces.
fn skip_weekday(text: &[char]) -> usize {
    let Some((word, p)) = word_at(text, 0) else {
        return 0;
    };
    if !WEEKDAYS.contains(&word.as_str()) {
        return 0;
    }
    let p = char_at(text, p, ',').unwrap_or(p);
    spaces_at(text, p).unwrap_or(p)
}

/// Skips what may follow a year: `г.`, `г`, `год.`, `година`, or a
/// sentence-ending dot; returns the position after it (and after trailing
/// spaces).
fn skip_year_word(text: &[char], pos: usize) -> usize {
    let p = spaces_at(text, pos).unwrap_or(pos);
    let p = match word_at(text, p) {
        Some((word, after)) if matches!(word.as_str(), "г" | "год" | "година") => after,
        _ => pos,
    };
    let p = char_at(text, p, '.').unwrap_or(p);
    spaces_at(text, p).unwrap_or(p)
}

/// A digit that begins a number: not preceded by a digit, nor by a dot that
/// follows a digit (which would make it part of a longer dotted number).
fn is_number_start(text: &[char], pos: usize) -> bool {
    let is_digit_at = |i: usize| text.get(i).is_some_and(|c| c.is_ascii_digit());
    let continues_a_number = match pos {
        0 => false,
        1 => is_digit_at(0),
        _ => is_digit_at(pos - 1) || (text[pos - 1] == '.' && is_digit_at(pos - 2)),
    };
    is_digit_at(pos) && !continues_a_number
}

fn is_word_start(text: &[char], pos: usize) -> bool {
    let is_letter_at = |i: usize| text.get(i).is_some_and(|c| c.is_alphabetic());
    is_letter_at(pos) && (pos == 0 || !is_letter_at(pos - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        // Test dates are written by hand and always valid.
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn ym(year: i32, month: u32) -> YearMonth {
        YearMonth { year, month }
    }

    const SEED_DURATION: &str = "Продължителност: 18 месеца (05.2012г. - 11.2013г.)";

    #[test]
    fn seed_weekday_long_form() {
        assert_eq!(
            parse_date("Понеделник, 5 Декември 2016"),
            Ok(date(2016, 12, 5))
        );
    }

    #[test]
    fn seed_project_period() {
        let start = parse_month("05.2012г.");
        let end = parse_month("11.2013г.");
        assert_eq!(start, Ok(ym(2012, 5)));
        assert_eq!(end, Ok(ym(2013, 11)));
        assert_eq!(ym(2012, 5).months_until(ym(2013, 11)), 18);
        assert_eq!(find_months(SEED_DURATION), vec![ym(2012, 5), ym(2013, 11)]);
        assert_eq!(find_dates(SEED_DURATION), vec![]);
    }

    #[test]
    fn numeric_date_forms() {
        for s in [
            "26.03.2024",
            "26.03.2024 г.",
            "26.03.2024г.",
            "26.03.2024 год.",
            "26.03.2024 година",
            "26.03.2024 ГОДИНА",
            "26.3.2024",
            "26/03/2024",
            "26-03-2024",
            "2024-03-26",
            "26. 03. 2024 г.",
            "  26.03.2024\u{a0}г. ",
            "26.03.2024.",
        ] {
            assert_eq!(parse_date(s), Ok(date(2024, 3, 26)), "{s:?}");
        }
    }

    #[test]
    fn long_date_forms() {
        for s in [
            "5 декември 2016 г.",
            "05 ДЕКЕМВРИ 2016Г.",
            "5 Декември 2016",
            "Понеделник 5 декември 2016",
            "понеделник, 05 дек. 2016",
            "5 дек.2016",
            "15.XII.2016",
            "5.XII.2016 г.",
            "05.xii.2016",
        ] {
            let expected = if s.starts_with("15") { 15 } else { 5 };
            assert_eq!(parse_date(s), Ok(date(2016, 12, expected)), "{s:?}");
        }
        assert_eq!(parse_date("1 септ. 2020"), Ok(date(2020, 9, 1)));
        assert_eq!(parse_date("29 февруари 2024"), Ok(date(2024, 2, 29)));
        // Cyrillic Х typed for the Roman X.
        assert_eq!(parse_date("15.ХI.2016"), Ok(date(2016, 11, 15)));
    }

    #[test]
    fn impossible_and_malformed_dates_are_errors() {
        for s in [
            "",
            "   ",
            "31.02.2024",
            "29.02.2023",
            "00.01.2024",
            "32.01.2024",
            "26.13.2024",
            "26.03.24",
            "26.03.0999",
            "26.03.20245",
            "26.03-2024",
            "26..03.2024",
            "123.03.2024",
            "26.03.2024 10:00",
            "26 март",
            "март 2024",
            "5 мар 2016 г. г.",
            "2024-03",
            "1e5",
            "15.XIII.2016",
            "15.IIII.2016",
            "Петък",
            "Петък,",
            "5 ма 2016",
            "x",
        ] {
            assert!(parse_date(s).is_err(), "{s:?} gave {:?}", parse_date(s));
        }
    }

    #[test]
    fn date_errors_explain_themselves() {
        let reason = |s: &str| parse_date(s).err().map(|e| e.reason);
        assert_eq!(
            reason("31.02.2024").as_deref(),
            Some("no such day: 2024-02-31")
        );
        assert_eq!(
            reason("05.2012г.").as_deref(),
            Some("month and year only, no day")
        );
        assert_eq!(
            reason("26.03.2024 и още").as_deref(),
            Some("unexpected text after the date")
        );
        assert_eq!(
            parse_date("вчера").map_err(|e| e.to_string()),
            Err("not a date: \"вчера\" (unrecognized date format)".to_owned())
        );
    }

    #[test]
    fn month_forms() {
        for s in [
            "05.2012г.",
            "05.2012 г.",
            "5.2012",
            "05/2012",
            "2012-05",
            "май 2012",
            "Май 2012 г.",
            "МАЙ 2012",
            "май, 2012",
            "V.2012",
        ] {
            assert_eq!(parse_month(s), Ok(ym(2012, 5)), "{s:?}");
        }
        assert_eq!(parse_month("дек. 2016"), Ok(ym(2016, 12)));
        assert_eq!(parse_month("септ.2016г."), Ok(ym(2016, 9)));
    }

    #[test]
    fn malformed_months_are_errors() {
        for s in [
            "",
            "13.2012",
            "00.2012",
            "05.12",
            "2012",
            "май",
            "26.03.2024",
            "05.2012 и",
            "мая 2012",
        ] {
            assert!(parse_month(s).is_err(), "{s:?} gave {:?}", parse_month(s));
        }
        assert_eq!(
            parse_month("26.03.2024").map_err(|e| e.reason),
            Err("a full date, not a month".to_owned())
        );
        assert_eq!(
            parse_month("13.2012").map_err(|e| e.reason),
            Err("no such month: 13".to_owned())
        );
    }

    #[test]
    fn month_names_and_abbreviations() {
        let cases = [
            ("януари", 1),
            ("Яну", 1),
            ("фев.", 2),
            ("ФЕВРУАРИ", 2),
            ("март", 3),
            ("мар.", 3),
            ("апр", 4),
            ("май", 5),
            ("юни", 6),
            ("юли", 7),
            ("авг.", 8),
            ("септ.", 9),
            ("сеп", 9),
            ("Октомври", 10),
            ("ное.", 11),
            ("  декември ", 12),
        ];
        for (name, month) in cases {
            assert_eq!(month_from_name(name), Some(month), "{name:?}");
        }
        for name in [
            "",
            "ма",
            "ю",
            "юн",
            "мая",
            "декемврий",
            "december",
            ".",
            "мартенски",
        ] {
            assert_eq!(month_from_name(name), None, "{name:?}");
        }
    }

    #[test]
    fn roman_months() {
        for (numeral, month) in ROMAN_MONTHS.iter().zip(1..) {
            assert_eq!(month_from_roman(numeral), Some(month));
            assert_eq!(month_from_roman(&numeral.to_lowercase()), Some(month));
        }
        assert_eq!(month_from_roman("ХІІ"), Some(12));
        for numeral in ["", "IIII", "XIII", "0", "M", "VX", "I I"] {
            assert_eq!(month_from_roman(numeral), None, "{numeral:?}");
        }
    }

    #[test]
    fn year_month_basics() {
        assert_eq!(YearMonth::new(2012, 5), Some(ym(2012, 5)));
        assert_eq!(YearMonth::new(2012, 0), None);
        assert_eq!(YearMonth::new(2012, 13), None);
        assert_eq!(YearMonth::new(i32::MAX, 1), None);
        assert_eq!(ym(2012, 5).to_string(), "2012-05");
        assert_eq!(ym(2012, 5).first_day(), date(2012, 5, 1));
        assert_eq!(ym(2013, 11).months_until(ym(2012, 5)), -18);
        assert_eq!(ym(2012, 5).months_until(ym(2012, 5)), 0);
        assert!(ym(2012, 12) < ym(2013, 1));
    }

    #[test]
    fn find_dates_in_seed_like_text() {
        let text = "Понеделник, 5 Декември 2016\nДФФП №: 10-16-19/02.05.2012\n\
                    по т. 3, Протокол № 8/23.02.2016 г.; Решение № 275 / 26.02.2009; \
                    ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №9 ОТ ДАТА 26.03.2024 ГОДИНА; ДВ, бр. 102 от 15.XII.2016";
        assert_eq!(
            find_dates(text),
            vec![
                date(2016, 12, 5),
                date(2012, 5, 2),
                date(2016, 2, 23),
                date(2009, 2, 26),
                date(2024, 3, 26),
                date(2016, 12, 15),
            ]
        );
    }

    #[test]
    fn find_dates_skips_numbers_that_only_look_like_dates() {
        assert_eq!(
            find_dates("сума 1.250.2016 лв., т.27.2, 31.02.2024, 2007-2013"),
            vec![]
        );
        assert_eq!(
            find_dates("01.02.2024,03.04.2024"),
            vec![date(2024, 2, 1), date(2024, 4, 3)]
        );
        assert_eq!(find_dates(""), vec![]);
    }

    #[test]
    fn find_months_ignores_full_dates() {
        let text = "от май 2012 до 11.2013г.; договор от 02.05.2012 и 5 декември 2016; 2014-03; \
                    УНП 00045-2016-0012; ОбС 08-00-15376; 13.2012";
        assert_eq!(
            find_months(text),
            vec![ym(2012, 5), ym(2013, 11), ym(2014, 3)]
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let long_digits = "1".repeat(100_000);
        let long_dots = "1.".repeat(50_000);
        let long_word = "декември ".repeat(20_000);
        for s in [
            long_digits.as_str(),
            long_dots.as_str(),
            long_word.as_str(),
            ".",
            "-",
            "г.",
        ] {
            assert!(parse_date(s).is_err());
            assert!(parse_month(s).is_err());
            assert!(find_dates(s).is_empty());
        }
        assert_eq!(find_months(&long_word), vec![]);
        let many = "05.2012г. ".repeat(10_000);
        assert_eq!(find_months(&many).len(), 10_000);
    }
}
