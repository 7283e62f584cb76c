//! Numbers and dates on a session page: agenda items (`По т.27.2 от
//! дневния ред`, `ПО ПЪРВА ТОЧКА`), ordinal numbers written out, the
//! session's and protocol's numbers, numbered decisions (`Решение № 275 /
//! 26.02.2009`), the session's one or two dates and the line that opens its
//! second day.

use chrono::Datelike;
use vitrina_sdk::normalize::{NaiveDate, date};

use super::{Folded, skip_spaces, starts_at, starts_word, word_end, word_starts};

/// An agenda-item heading: the item's number and what follows the heading
/// on the same line (tables and some editors put the title there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemHeading {
    /// `2`, `27.2`: the point as numbered on the agenda.
    pub item: String,
    pub rest: String,
}

/// `По т.2 от дневния ред`, `По т. 27.2 от дневния ред:`, `По точка 5 от
/// дн. ред`, `ПО ПЪРВА ТОЧКА ОТ ДНЕВНИЯ РЕД:`, `По двадесет и първа точка`,
/// `Т.5 от дневния ред`, `По т.3:`.
///
/// Decision texts also cite points (`по т.2 от Решение № 5 …`), so a
/// heading must name the agenda (`дневния ред`, `дн. ред`), or end at the
/// number, or go on after a colon or dash; one starting without `По` must
/// name the agenda.
pub fn item_heading(line: &str) -> Option<ItemHeading> {
    let f = Folded::new(line);
    let k = &f.folded;
    let mut pos = 0;
    let has_po = starts_word(k, 0, "по");
    if has_po {
        pos = skip_spaces(k, 2);
    }
    let (item, after) = numbered_point(k, pos).or_else(|| ordinal_point(k, pos))?;
    let mut pos = skip_spaces(k, after);
    let names_agenda = ["от дневния ред", "от дн. ред", "от дневен ред", "от дн.ред"]
        .iter()
        .find(|p| starts_at(k, pos, p));
    if let Some(phrase) = names_agenda {
        pos = skip_spaces(k, pos + phrase.chars().count());
    } else if !has_po {
        return None;
    }
    let at_end = pos >= f.len();
    let punctuated = matches!(k.get(pos), Some(':' | '-' | ','))
        || (k.get(pos) == Some(&'.') && pos + 1 >= f.len());
    if names_agenda.is_none() && !at_end && !punctuated {
        return None;
    }
    while matches!(k.get(pos), Some(':' | '-' | ',' | '.' | ' ')) {
        pos += 1;
    }
    Some(ItemHeading {
        item,
        rest: f.rest(pos),
    })
}

/// `т.27.2`, `т. 5`, `точка 5`, `т.№5`: the point number and where it ends.
fn numbered_point(k: &[char], pos: usize) -> Option<(String, usize)> {
    let after_word = ["точка", "т."]
        .iter()
        .find(|w| starts_at(k, pos, w))
        .map(|w| pos + w.chars().count())?;
    let mut pos = skip_spaces(k, after_word);
    if k.get(pos) == Some(&'№') {
        pos = skip_spaces(k, pos + 1);
    }
    let (number, end) = dotted_number(k, pos)?;
    Some((number, end))
}

/// `първа точка`, `двадесет и първа точка`.
fn ordinal_point(k: &[char], pos: usize) -> Option<(String, usize)> {
    let (value, end) = ordinal_at(k, pos)?;
    let end = skip_spaces(k, end);
    starts_word(k, end, "точка").then(|| (value.to_string(), end + "точка".chars().count()))
}

/// `27.2`, `5`, `5.` (a trailing dot is punctuation): digits groups joined
/// by single dots.
fn dotted_number(k: &[char], pos: usize) -> Option<(String, usize)> {
    let mut end = pos;
    let mut text = String::new();
    loop {
        let start = end;
        while k.get(end).is_some_and(char::is_ascii_digit) {
            end += 1;
        }
        if end == start {
            return None;
        }
        text.extend(&k[start..end]);
        if k.get(end) == Some(&'.') && k.get(end + 1).is_some_and(char::is_ascii_digit) {
            text.push('.');
            end += 1;
        } else {
            return Some((text, end));
        }
    }
}

/// Ordinal stems of units, teens and tens, each followed by a gender or
/// article ending (`пет|а`, `девет|ото`, `петдесет|и`). Longest first, so
/// `петнадесет` wins over `пет`.
const ORDINAL_STEMS: &[(&str, u32)] = &[
    ("четиринадесет", 14),
    ("деветнадесет", 19),
    ("седемнадесет", 17),
    ("шестнадесет", 16),
    ("осемнадесет", 18),
    ("единадесет", 11),
    ("дванадесет", 12),
    ("тринадесет", 13),
    ("петнадесет", 15),
    ("четиридесет", 40),
    ("деветдесет", 90),
    ("седемдесет", 70),
    ("осемдесет", 80),
    ("шестдесет", 60),
    ("четирийсет", 40),
    ("единайсет", 11),
    ("дванайсет", 12),
    ("двадесет", 20),
    ("тридесет", 30),
    ("петдесет", 50),
    ("двайсет", 20),
    ("трийсет", 30),
    ("четвърт", 4),
    ("десет", 10),
    ("девет", 9),
    ("първ", 1),
    ("втор", 2),
    ("трет", 3),
    ("шест", 6),
    ("седм", 7),
    ("пет", 5),
    ("осм", 8),
];

/// What follows an ordinal stem: feminine, neuter, masculine, with or
/// without the article. Longest first.
const ORDINAL_ENDINGS: &[&str] = &["ата", "ото", "ият", "ия", "ът", "а", "о", "и"];

/// Cardinal tens that open a compound ordinal (`двадесет и първа`).
const CARDINAL_TENS: &[(&str, u32)] = &[
    ("двадесет", 20),
    ("двайсет", 20),
    ("тридесет", 30),
    ("трийсет", 30),
    ("четиридесет", 40),
    ("четирийсет", 40),
    ("петдесет", 50),
    ("шестдесет", 60),
    ("седемдесет", 70),
    ("осемдесет", 80),
    ("деветдесет", 90),
];

/// An ordinal number written out at `pos`: `първа` (1), `ДЕВЕТОТО` (9),
/// `двадесет и шеста` (26); the value and where the words end.
pub fn ordinal_at(k: &[char], pos: usize) -> Option<(u32, usize)> {
    let compound = CARDINAL_TENS.iter().find_map(|(tens, value)| {
        let after = pos + tens.chars().count();
        if !starts_word(k, pos, tens) {
            return None;
        }
        let and = skip_spaces(k, after);
        if !starts_word(k, and, "и") {
            return None;
        }
        let (unit, end) = ordinal_word(k, skip_spaces(k, and + 1))?;
        (unit < 10).then_some((value + unit, end))
    });
    compound.or_else(|| ordinal_word(k, pos))
}

/// One ordinal word at `pos`.
fn ordinal_word(k: &[char], pos: usize) -> Option<(u32, usize)> {
    let word_end = word_end(k, pos);
    let word: String = k[pos..word_end].iter().collect();
    ORDINAL_STEMS.iter().find_map(|(stem, value)| {
        let ending = word.strip_prefix(stem)?;
        ORDINAL_ENDINGS
            .contains(&ending)
            .then_some((*value, word_end))
    })
}

/// The session's number: `ЗАСЕДАНИЕ №9`, `заседание № 12`, or the ordinal
/// before the word, `ДЕВЕТОТО ЗАСЕДАНИЕ`, `двадесет и шесто извънредно
/// заседание`.
pub fn session_number(line: &str) -> Option<u32> {
    let f = Folded::new(line);
    let at = f.find("заседание")?;
    let after = skip_spaces(&f.folded, at + "заседание".chars().count());
    if f.folded.get(after) == Some(&'№') {
        return leading_number(&f.folded, skip_spaces(&f.folded, after + 1));
    }
    ordinal_before(&f.folded, at)
}

/// An ordinal phrase ending right before char `at` (an optional
/// `редовно`/`извънредно` in between).
fn ordinal_before(k: &[char], at: usize) -> Option<u32> {
    let words = word_starts(&k[..at]);
    let mut candidates: Vec<usize> = words.iter().rev().take(4).copied().collect();
    candidates.reverse();
    candidates.into_iter().find_map(|start| {
        let (value, end) = ordinal_at(k, start)?;
        let gap: String = k[end..at].iter().collect();
        let gap = gap.trim();
        matches!(gap, "" | "редовно" | "извънредно").then_some(value)
    })
}

/// The protocol's number: `от Протокол № 9`, `Протокол №9/26.03.2024 г.`,
/// `ПРОТОКОЛ № 12-А`; also a line of only `№ 12` right after a line of
/// only `ПРОТОКОЛ` (see [`is_bare_protocol_word`]).
pub fn protocol_number(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let at = f.find("протокол")?;
    let mut pos = skip_spaces(&f.folded, at + "протокол".chars().count());
    if f.folded.get(pos) != Some(&'№') {
        return None;
    }
    pos = skip_spaces(&f.folded, pos + 1);
    identifier_at(&f, pos)
}

/// A line that is only `ПРОТОКОЛ`: its number comes on the next line.
pub fn is_bare_protocol_word(line: &str) -> bool {
    Folded::new(line).key().trim() == "протокол"
}

/// `№ 12` on a line of its own.
pub fn bare_number(line: &str) -> Option<String> {
    let f = Folded::new(line);
    if f.folded.first() != Some(&'№') {
        return None;
    }
    let pos = skip_spaces(&f.folded, 1);
    let id = identifier_at(&f, pos)?;
    (pos + id.chars().count() >= f.len()).then_some(id)
}

/// A numeric identifier with an optional letter suffix (`9`, `12-А`, `46а`),
/// in its original case.
fn identifier_at(f: &Folded, pos: usize) -> Option<String> {
    let k = &f.folded;
    let mut end = pos;
    while k.get(end).is_some_and(char::is_ascii_digit) {
        end += 1;
    }
    if end == pos {
        return None;
    }
    let suffix_start = if k.get(end) == Some(&'-') {
        end + 1
    } else {
        end
    };
    if k.get(suffix_start).is_some_and(|c| c.is_alphabetic())
        && !k.get(suffix_start + 1).is_some_and(|c| c.is_alphabetic())
    {
        end = suffix_start + 1;
    }
    Some(f.original(pos, end))
}

fn leading_number(k: &[char], pos: usize) -> Option<u32> {
    let end = (pos..k.len())
        .find(|&i| !k[i].is_ascii_digit())
        .unwrap_or(k.len());
    k[pos..end].iter().collect::<String>().parse().ok()
}

/// A numbered decision heading: `Решение № 275 / 26.02.2009`, `РЕШЕНИЕ
/// 121:`, `Решение № 215 от 28.05.2024 г.`, possibly with the decision's
/// first words after a colon.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionHeading {
    pub number: String,
    pub date: Option<NaiveDate>,
    /// Text after the colon, if any.
    pub rest: String,
}

/// A line that opens a numbered decision. Texts cite other decisions
/// (`Решение № 5 от Протокол № 3 се отменя`), so after the number only a
/// date, a colon or nothing may follow.
pub fn decision_heading(line: &str) -> Option<DecisionHeading> {
    let f = Folded::new(line);
    let k = &f.folded;
    if !starts_word(k, 0, "решение") {
        return None;
    }
    let mut pos = skip_spaces(k, "решение".chars().count());
    if k.get(pos) == Some(&'№') {
        pos = skip_spaces(k, pos + 1);
    }
    let number = identifier_at(&f, pos)?;
    pos = skip_spaces(k, pos + number.chars().count());
    let mut date = None;
    let date_at = match k.get(pos) {
        Some('/') => Some(pos + 1),
        _ if starts_word(k, pos, "от") => Some(pos + 2),
        _ => None,
    };
    if let Some(at) = date_at.map(|at| skip_spaces(k, at)) {
        let (found, used) = date_prefix(&f.rest(at))?;
        date = Some(found);
        pos = skip_spaces(k, at + used);
    }
    let rest = match k.get(pos) {
        None => String::new(),
        Some(':') => f.rest(pos + 1),
        Some(_) => return None,
    };
    Some(DecisionHeading { number, date, rest })
}

/// A date at the start of `s` (`26.02.2009`, `28.05.2024 г.`), and how
/// many chars it and its year word take.
fn date_prefix(s: &str) -> Option<(NaiveDate, usize)> {
    let chars: Vec<char> = s.chars().collect();
    // Longest prefix that parses as one date: dates are short, so trying
    // each cut is cheap.
    (6..=chars.len().min(20)).rev().find_map(|len| {
        let candidate: String = chars[..len].iter().collect();
        date::parse_date(&candidate).ok().map(|d| (d, len))
    })
}

/// The dates a session heading names: `26.03.2024`, `27.02.2020 и
/// 28.02.2020`, `27 и 28.02.2020`, `23-24.04.2024`, `30 март 2004`.
pub fn session_dates(line: &str) -> Vec<NaiveDate> {
    let mut dates = date::find_dates(line);
    let f = Folded::new(line);
    let k = &f.folded;
    for pos in 0..k.len() {
        if let Some(first) = shared_month_day(k, pos, &dates) {
            dates.push(first);
        }
    }
    dates.sort();
    dates.dedup();
    dates
}

/// `27 и 28.02.2020` / `23-24.04.2024`: the first day, which shares the
/// month and year of the full date right after it.
fn shared_month_day(k: &[char], pos: usize, full: &[NaiveDate]) -> Option<NaiveDate> {
    if pos > 0 && (k[pos - 1].is_ascii_digit() || k[pos - 1] == '.') {
        return None;
    }
    let day_end = (pos..k.len().min(pos + 3)).find(|&i| !k[i].is_ascii_digit())?;
    if !(1..=2).contains(&(day_end - pos)) {
        return None;
    }
    let day: u32 = k[pos..day_end].iter().collect::<String>().parse().ok()?;
    let link = skip_spaces(k, day_end);
    if !(starts_word(k, link, "и") || k.get(link) == Some(&'-')) {
        return None;
    }
    let link = link + 1;
    let next = skip_spaces(k, link);
    let tail: String = k[next..].iter().collect();
    let second = date::find_dates(&tail).into_iter().next()?;
    let starts_with_it = tail.starts_with(|c: char| c.is_ascii_digit());
    let first = NaiveDate::from_ymd_opt(second.year(), second.month(), day)?;
    (starts_with_it && full.contains(&second) && first < second).then_some(first)
}

/// Words a day-marker line may hold besides its date: `Втори ден –
/// 28.02.2020 г.`, `Продължение на заседанието на 28.02.2020 г.`.
const DAY_MARKER_WORDS: &[&str] = &[
    "втори",
    "второ",
    "първи",
    "ден",
    "заседателен",
    "продължение",
    "на",
    "заседанието",
    "заседание",
    "г",
    "год",
    "година",
];

/// A line that opens a day of a session held over several days, with
/// that day's date.
pub fn day_marker(line: &str) -> Option<NaiveDate> {
    let dates = date::find_dates(line);
    let [day] = dates.as_slice() else {
        return None;
    };
    let f = Folded::new(line);
    let words: Vec<String> = f
        .key()
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let only_marker_words = words.iter().all(|w| DAY_MARKER_WORDS.contains(&w.as_str()));
    let says_day = words.iter().any(|w| w == "ден" || w == "продължение");
    (only_marker_words && (says_day || words.iter().all(|w| w.starts_with('г')))).then_some(*day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test date")
    }

    fn heading(item: &str, rest: &str) -> Option<ItemHeading> {
        Some(ItemHeading {
            item: item.to_string(),
            rest: rest.to_string(),
        })
    }
    #[test]
    fn item_headings_in_their_printed_forms() {
        assert_eq!(item_heading("По т.2 от дневния ред"), heading("2", ""));
        assert_eq!(
            item_heading("По т. 27.2 от дневния ред:"),
            heading("27.2", "")
        );
        assert_eq!(item_heading("ПО Т.5 ОТ ДНЕВНИЯ РЕД"), heading("5", ""));
        assert_eq!(item_heading("По точка 14 от дн. ред"), heading("14", ""));
        assert_eq!(item_heading("По т.3:"), heading("3", ""));
        assert_eq!(item_heading("По т.3."), heading("3", ""));
        assert_eq!(item_heading("Т.5 от дневния ред"), heading("5", ""));
        assert_eq!(
            item_heading("По т.4 от дневния ред: ОбС 08-00-1 относно: Х"),
            heading("4", "ОбС 08-00-1 относно: Х")
        );
    }
    #[test]
    fn item_headings_with_ordinal_words() {
        assert_eq!(
            item_heading("ПО ПЪРВА ТОЧКА ОТ ДНЕВНИЯ РЕД:"),
            heading("1", "")
        );
        assert_eq!(
            item_heading("По двадесет и първа точка от дневния ред"),
            heading("21", "")
        );
        assert_eq!(
            item_heading("По единадесета точка от дневния ред"),
            heading("11", "")
        );
    }
    #[test]
    fn citations_in_decision_text_are_not_item_headings() {
        assert_eq!(item_heading("по т.2 от Решение № 5 по Протокол № 3"), None);
        assert_eq!(item_heading("Т.5 се изменя"), None);
        assert_eq!(item_heading("Потвърждава т.3"), None);
        assert_eq!(item_heading("По-нататък"), None);
    }
    #[test]
    fn ordinals_in_every_gender_and_with_articles() {
        let ord = |s: &str| {
            let k: Vec<char> = s.chars().collect();
            ordinal_at(&k, 0).map(|(v, _)| v)
        };
        assert_eq!(ord("първа"), Some(1));
        assert_eq!(ord("деветото"), Some(9));
        assert_eq!(ord("пета"), Some(5));
        assert_eq!(ord("петнадесета"), Some(15));
        assert_eq!(ord("петдесета"), Some(50));
        assert_eq!(ord("двадесет и шеста"), Some(26));
        assert_eq!(ord("четиридесет и осмото"), Some(48));
        assert_eq!(ord("дванайсета"), Some(12));
        assert_eq!(ord("петък"), None);
        assert_eq!(ord("двадесет"), None);
    }
    #[test]
    fn session_numbers_by_digits_and_by_ordinal() {
        assert_eq!(
            session_number("ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №9 ОТ ДАТА 26.03.2024 ГОДИНА"),
            Some(9)
        );
        assert_eq!(session_number("заседание № 12 на Общински съвет"), Some(12));
        assert_eq!(
            session_number("се проведе ДЕВЕТОТО ЗАСЕДАНИЕ на Общински съвет"),
            Some(9)
        );
        assert_eq!(
            session_number("двадесет и шестото извънредно заседание"),
            Some(26)
        );
        assert_eq!(
            session_number("от проведеното на 26.03.2024 г. заседание"),
            None
        );
    }
    #[test]
    fn protocol_numbers() {
        assert_eq!(protocol_number("от Протокол № 9").as_deref(), Some("9"));
        assert_eq!(
            protocol_number("Протокол №9/26.03.2024 г.").as_deref(),
            Some("9")
        );
        assert_eq!(protocol_number("ПРОТОКОЛ № 12-А").as_deref(), Some("12-А"));
        assert_eq!(protocol_number("Протоколът е изготвен"), None);
        assert!(is_bare_protocol_word("ПРОТОКОЛ"));
        assert_eq!(bare_number("№ 12").as_deref(), Some("12"));
        assert_eq!(bare_number("№ 12 от дата"), None);
    }
    #[test]
    fn decision_headings_and_citations() {
        assert_eq!(
            decision_heading("Решение № 275 / 26.02.2009"),
            Some(DecisionHeading {
                number: "275".into(),
                date: Some(d(2009, 2, 26)),
                rest: String::new()
            })
        );
        assert_eq!(
            decision_heading("РЕШЕНИЕ 121:"),
            Some(DecisionHeading {
                number: "121".into(),
                date: None,
                rest: String::new()
            })
        );
        assert_eq!(
            decision_heading("РЕШЕНИЕ № 215 от 28.05.2024 г.: Приема отчета."),
            Some(DecisionHeading {
                number: "215".into(),
                date: Some(d(2024, 5, 28)),
                rest: "Приема отчета.".into()
            })
        );
        assert_eq!(
            decision_heading("Решение № 5 от Протокол № 3/2020 г. се отменя."),
            None
        );
        assert_eq!(decision_heading("Решението се обнародва"), None);
    }
    #[test]
    fn session_dates_in_one_and_two_day_forms() {
        assert_eq!(
            session_dates("ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №9 ОТ ДАТА 26.03.2024 ГОДИНА"),
            vec![d(2024, 3, 26)]
        );
        assert_eq!(
            session_dates("ОТ ДАТИ 23.04.2024 И 24.04.2024 ГОДИНА"),
            vec![d(2024, 4, 23), d(2024, 4, 24)]
        );
        assert_eq!(
            session_dates("от проведеното на 23 и 24.04.2024 г. заседание"),
            vec![d(2024, 4, 23), d(2024, 4, 24)]
        );
        assert_eq!(
            session_dates("заседание 23-24.04.2024 г."),
            vec![d(2024, 4, 23), d(2024, 4, 24)]
        );
        assert_eq!(
            session_dates("ОСЗ 12/30 март 2004 година"),
            vec![d(2004, 3, 30)]
        );
        assert_eq!(
            session_dates("т. 27 и 28.02.2020"),
            vec![d(2020, 2, 27), d(2020, 2, 28)]
        );
    }
    #[test]
    fn day_markers_of_two_day_sessions() {
        assert_eq!(
            day_marker("Втори ден – 24.04.2024 г."),
            Some(d(2024, 4, 24))
        );
        assert_eq!(
            day_marker("ПРОДЪЛЖЕНИЕ НА ЗАСЕДАНИЕТО НА 24.04.2024 Г."),
            Some(d(2024, 4, 24))
        );
        assert_eq!(day_marker("24.04.2024 г."), Some(d(2024, 4, 24)));
        assert_eq!(day_marker("Насрочва заседание на 24.04.2024 г."), None);
        assert_eq!(day_marker("Приема отчета за 2023 г."), None);
    }
}
