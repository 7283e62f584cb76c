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

use chrono::Datelike;
use vitrina_sdk::normalize::text;
use vitrina_sdk::normalize::{NaiveDate, date};

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
        (0..self.len()).find(|&i| starts_word(&self.folded, i, needle))
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
    let c = c.to_lowercase().next().unwrap_or(c);
    let folded: String = text::fold_dashes(&text::fold_quotes(&c.to_string()));
    folded.chars().next().unwrap_or(c)
}

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
    if matches!(k.get(pos), Some('/')) || starts_word(k, pos, "от") {
        let after = if k[pos] == '/' { pos + 1 } else { pos + 2 };
        let tail = f.rest(after);
        let (found, used) = date_prefix(&tail)?;
        date = Some(found);
        pos = skip_spaces(k, after + (f.len() - after - tail.chars().count()) + used);
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

/// Where `Р Е Ш И` (letter-spaced, or `РЕШИ` in capitals, or `реши:`)
/// splits a line: the text before it and the text after it.
pub fn resolves_marker(line: &str) -> Option<(String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let f = Folded::new(line);
    let k = &f.folded;
    let letters = ['р', 'е', 'ш', 'и'];
    (0..k.len()).find_map(|start| {
        if k[start] != 'р' || (start > 0 && k[start - 1].is_alphabetic()) {
            return None;
        }
        let mut pos = start;
        let mut spaced = false;
        let mut upper = true;
        for (i, letter) in letters.iter().enumerate() {
            if i > 0 && k.get(pos) == Some(&' ') {
                spaced = true;
                pos += 1;
            }
            if k.get(pos) != Some(letter) {
                return None;
            }
            upper &= chars[pos].is_uppercase();
            pos += 1;
        }
        if k.get(pos).is_some_and(|c| c.is_alphabetic()) {
            return None;
        }
        let colon_at = skip_spaces(k, pos);
        let colon = k.get(colon_at) == Some(&':');
        let at_end = colon_at >= k.len();
        // `реши` in running text is a verb; the marker is letter-spaced,
        // or followed by a colon, or a line-final `РЕШИ` in capitals.
        if !(spaced || colon || (upper && at_end)) {
            return None;
        }
        let after = if colon { colon_at + 1 } else { pos };
        Some((f.original(0, start), f.rest(after)))
    })
}

/// `ОбС 08-00-15376`, `Вх. № ОбС 08-00-15376`, `вх. № 08-00-1234`: the
/// council's incoming reference, as `ОбС 08-00-15376` (or the bare number
/// when the line gives no `ОбС`).
pub fn incoming_reference(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let k = &f.folded;
    (0..k.len()).find_map(|start| {
        if start > 0 && k[start - 1].is_alphanumeric() {
            return None;
        }
        let end = reference_number_end(k, start)?;
        let before: String = k[start.saturating_sub(8)..start].iter().collect();
        let number: String = k[start..end].iter().collect();
        if before.contains("обс") {
            Some(format!("ОбС {number}"))
        } else if before.contains('№') {
            Some(number)
        } else {
            None
        }
    })
}

/// `08-00-15376` at `pos`: 2 digits, dash, 2 digits, dash, 1 to 7 digits.
fn reference_number_end(k: &[char], pos: usize) -> Option<usize> {
    let digits = |from: usize, min: usize, max: usize| -> Option<usize> {
        let end = (from..k.len().min(from + max + 1))
            .find(|&i| !k[i].is_ascii_digit())
            .unwrap_or(k.len().min(from + max + 1));
        (end - from >= min && end - from <= max).then_some(end)
    };
    let a = digits(pos, 2, 2)?;
    (k.get(a) == Some(&'-')).then_some(())?;
    let b = digits(a + 1, 2, 2)?;
    (k.get(b) == Some(&'-')).then_some(())?;
    let c = digits(b + 1, 1, 7)?;
    (!k.get(c).is_some_and(char::is_ascii_digit)).then_some(c)
}

/// The title after `относно` (`…, относно: Актуализация на бюджета`).
pub fn subject(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let at = f.find("относно")?;
    if at > 0 && f.folded[at - 1].is_alphabetic() {
        return None;
    }
    let mut pos = at + "относно".chars().count();
    while matches!(f.folded.get(pos), Some(':' | ' ' | '-' | ',')) {
        pos += 1;
    }
    Some(f.rest(pos)).filter(|s| !s.is_empty())
}

/// The documents a council receives, as they open a preamble line.
const DOCUMENT_KINDS: &[&str] = &[
    "докладна записка",
    "предложение",
    "писмо",
    "доклад",
    "становище",
    "искане",
    "заявление",
    "проект за решение",
];

/// Who brings the item: `Докладна записка от Кмета на Община Бургас,
/// относно:` gives `Кмета на Община Бургас`.
pub fn proposer(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let kind_end = DOCUMENT_KINDS
        .iter()
        .filter_map(|kind| f.find_words(kind).map(|at| at + kind.chars().count()))
        .min()?;
    let from = skip_spaces(&f.folded, kind_end);
    if !(starts_word(&f.folded, from, "от") || starts_word(&f.folded, from, "на")) {
        return None;
    }
    let start = from + 2;
    let end = f
        .find("относно")
        .filter(|&end| end > start)
        .unwrap_or(f.len());
    let who = f.original(start, end);
    let who = who.trim_end_matches([',', ' ', ':', '-', '–']).to_string();
    (!who.is_empty()).then_some(who)
}

/// Who brings a counter-proposal voted before the item's own:
/// `Алтернативно предложение на ПГ „Нов ред“ за …` gives `ПГ „Нов ред“`.
pub fn alternative_proposer(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let k = &f.folded;
    let opening = [
        "алтернативно предложение",
        "контрапредложение",
        "друго предложение",
    ]
    .iter()
    .find(|o| starts_at(k, 0, o))?;
    let from = skip_spaces(k, opening.chars().count());
    if !(starts_word(k, from, "от") || starts_word(k, from, "на")) {
        return None;
    }
    let start = from + 2;
    // A group's name ends with its closing quote (`ПГ „Обединени за
    // Бургас“` holds a ` за `); a person's name before `за`, `относно` or
    // a comma.
    let stop = [" за ", " относно", ", ", ":"]
        .iter()
        .filter_map(|stop| {
            let byte = f
                .key()
                .match_indices(stop)
                .map(|(b, _)| b)
                .find(|&b| f.key()[..b].chars().count() > start)?;
            Some(f.key()[..byte].chars().count())
        })
        .min()
        .unwrap_or(f.len());
    let open_quote = (start..stop).find(|&i| k[i] == '"');
    let end = match open_quote {
        Some(open) => (open + 1..f.len())
            .find(|&i| k[i] == '"')
            .map_or(stop, |close| close + 1),
        None => stop,
    };
    let who = f.original(start, end);
    (!who.is_empty()).then_some(who)
}

/// The legal basis after `на основание`, up to the council's name or the
/// end: `Общински съвет – Бургас, на основание чл. 21, ал. 2 от ЗМСМА,`
/// gives `чл. 21, ал. 2 от ЗМСМА`.
pub fn legal_basis(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let at = f.find("на основание")?;
    let start = at + "на основание".chars().count();
    // The council's name ends the citation; `Закона за общинския дълг`
    // inside it does not.
    let end = [
        ", общински съвет",
        " общински съвет",
        ", общинският съвет",
        " общинският съвет",
    ]
    .iter()
    .filter_map(|stop| f.find(stop))
    .filter(|&end| end > start)
    .min()
    .unwrap_or(f.len());
    let basis = f.original(start, end);
    let basis = basis.trim_end_matches([',', ';', ':', ' ']).to_string();
    (!basis.is_empty()).then_some(basis)
}

/// What a statement line says happened to an item, outside a decision's
/// text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    Rejected,
    Withdrawn,
    Postponed,
}

/// `Предложението не се приема.`, `Решението не е прието`, `не събра
/// необходимото мнозинство` (rejected); `Докладната записка е оттеглена`,
/// `Точката отпада от дневния ред` (withdrawn); `Разглеждането се отлага`,
/// `Точката е отложена` (postponed).
pub fn statement(line: &str) -> Option<Statement> {
    let f = Folded::new(line);
    let k = f.key();
    // Titles name withdrawals and rejections too (`относно: Оттегляне на
    // пълномощия`); a statement is never the line that carries the subject.
    if k.contains("относно") || incoming_reference(line).is_some() {
        return None;
    }
    let any = |phrases: &[&str]| phrases.iter().any(|p| k.contains(p));
    if any(&[
        "не се приема",
        "не е прието",
        "не е приета",
        "не прие ",
        "не прие.",
        "отхвърля",
        "не събра необходим",
        "не получи необходим",
    ]) {
        Some(Statement::Rejected)
    } else if any(&[
        "е оттеглен",
        "се оттегля",
        "оттегли ",
        "оттегли.",
        "оттегли докладната",
        "отпада от дневния ред",
    ]) {
        Some(Statement::Withdrawn)
    } else if any(&["се отлага", "е отложен", "отлага разглеждането"])
    {
        Some(Statement::Postponed)
    } else {
        None
    }
}

/// Decision text that postpones rather than decides (`Отлага
/// разглеждането на …`).
pub fn postpones(text_line: &str) -> bool {
    Folded::new(text_line).key().starts_with("отлага")
}

/// The signature block under a decision or the page: chair, secretary,
/// `Вярно с оригинала`, `(п)`.
pub fn is_footer(line: &str) -> bool {
    let f = Folded::new(line);
    let k = f.key();
    // `Секретарят на общината да …` opens a sentence of decision text; a
    // signature is short, or carries `(п)` or a colon.
    let short = line.split_whitespace().count() <= 6;
    if !(short || k.contains("(п)") || k.trim_end().ends_with(':')) {
        return false;
    }
    [
        "председател",
        "зам.-председател",
        "заместник-председател",
        "вярно с оригинала",
        "протоколист",
        "изготвил",
        "секретар",
        "(п)",
    ]
    .iter()
    .any(|p| k.starts_with(p))
}

/// Agenda points that carry no decision (questions, any other business).
pub fn is_informational(title: &str) -> bool {
    let f = Folded::new(title);
    ["питания", "разни", "изказвания", "отговори на питания"]
        .iter()
        .any(|w| f.key().starts_with(w) || f.key().contains(&format!(" {w}")))
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

fn starts_at(k: &[char], pos: usize, needle: &str) -> bool {
    let n: Vec<char> = needle.chars().collect();
    k.get(pos..pos + n.len()) == Some(&n[..])
}

/// `needle` at `pos` as a whole word (not followed by a letter).
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
    fn resolves_marker_in_its_spellings() {
        let split = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(resolves_marker("Р Е Ш И:"), split("", ""));
        assert_eq!(resolves_marker("Р Е Ш И"), split("", ""));
        assert_eq!(resolves_marker("РЕШИ:"), split("", ""));
        assert_eq!(resolves_marker("Р Е Ш И :"), split("", ""));
        assert_eq!(
            resolves_marker("Общински съвет – Бургас Р Е Ш И: Приема"),
            split("Общински съвет – Бургас", "Приема")
        );
        assert_eq!(resolves_marker("съветът реши да изпрати"), None);
        assert_eq!(resolves_marker("решихме"), None);
        assert_eq!(resolves_marker("Пререшиха"), None);
    }

    #[test]
    fn incoming_references() {
        assert_eq!(
            incoming_reference("ОбС 08-00-15376 Докладна записка").as_deref(),
            Some("ОбС 08-00-15376")
        );
        assert_eq!(
            incoming_reference("Вх. № ОбС 08‑00‑15402 – Докладна записка").as_deref(),
            Some("ОбС 08-00-15402")
        );
        assert_eq!(
            incoming_reference("вх. № 08-00-1234 от 12.03.2024").as_deref(),
            Some("08-00-1234")
        );
        assert_eq!(incoming_reference("тел. 056-80-11"), None);
        assert_eq!(incoming_reference("в периода 2024-03-26"), None);
    }

    #[test]
    fn subjects_proposers_and_legal_bases() {
        let line = "ОбС 08-00-15376 Докладна записка от Кмета на Община Бургас, относно: Приемане на Наредба";
        assert_eq!(subject(line).as_deref(), Some("Приемане на Наредба"));
        assert_eq!(proposer(line).as_deref(), Some("Кмета на Община Бургас"));
        let line = "Докладна записка от общински съветници от ПГ „Х“, Относно Отпускане на помощ";
        assert_eq!(
            proposer(line).as_deref(),
            Some("общински съветници от ПГ „Х“")
        );
        assert_eq!(subject(line).as_deref(), Some("Отпускане на помощ"));
        assert_eq!(proposer("Докладна записка относно реализация"), None);
        assert_eq!(
            alternative_proposer("Алтернативно предложение на ПГ „Нов ред“ за търг").as_deref(),
            Some("ПГ „Нов ред“")
        );
        assert_eq!(alternative_proposer("Предложението не се приема."), None);
        assert_eq!(
            alternative_proposer("Алтернативно предложение от ПГ „Обединени за Бургас“ за търг")
                .as_deref(),
            Some("ПГ „Обединени за Бургас“")
        );
        assert_eq!(
            alternative_proposer("Контрапредложение от Иван Петров за по-ниска цена").as_deref(),
            Some("Иван Петров")
        );
        assert_eq!(
            legal_basis("Общински съвет – Бургас, на основание чл. 21, ал. 2 от ЗМСМА,").as_deref(),
            Some("чл. 21, ал. 2 от ЗМСМА")
        );
        assert_eq!(
            legal_basis(
                "На основание чл. 21, ал. 1, т. 8 от ЗМСМА и чл. 8 от ЗОС, Общински съвет – Бургас"
            )
            .as_deref(),
            Some("чл. 21, ал. 1, т. 8 от ЗМСМА и чл. 8 от ЗОС")
        );
        assert_eq!(
            legal_basis(
                "На основание чл. 17, ал. 1 от Закона за общинския дълг Общински съвет – Бургас:"
            )
            .as_deref(),
            Some("чл. 17, ал. 1 от Закона за общинския дълг")
        );
    }

    #[test]
    fn statements_of_outcome() {
        assert_eq!(
            statement("Предложението не се приема."),
            Some(Statement::Rejected)
        );
        assert_eq!(
            statement("Проектът за решение не събра необходимото мнозинство."),
            Some(Statement::Rejected)
        );
        assert_eq!(
            statement("Докладната записка е оттеглена от вносителя."),
            Some(Statement::Withdrawn)
        );
        assert_eq!(
            statement("Разглеждането на точката се отлага."),
            Some(Statement::Postponed)
        );
        assert_eq!(statement("Приема отчета."), None);
        assert_eq!(
            statement("Докладна записка от Кмета, относно: Оттегляне на пълномощия"),
            None
        );
        assert!(postpones("Отлага разглеждането на докладната записка"));
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

    #[test]
    fn footers_and_informational_items() {
        assert!(is_footer("ПРЕДСЕДАТЕЛ НА ОБЩИНСКИ СЪВЕТ: (п)"));
        assert!(is_footer("Вярно с оригинала"));
        assert!(!is_footer("Приема председателя"));
        assert!(!is_footer(
            "Секретарят на общината да организира изпълнението на решението."
        ));
        assert!(is_informational("Питания"));
        assert!(is_informational(
            "Отговори на питания на общински съветници"
        ));
        assert!(!is_informational("Приемане на бюджета"));
    }
}
