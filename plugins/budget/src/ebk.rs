//! The Bulgarian unified budget classification (ЕБК) as budget reports
//! print it, and the words that tell a report's phase, direction and fund.
//!
//! Expenditure is classified twice: by *activity* (three digits, the first
//! being one of nine *functions*: `322` Неспециализирани училища is in
//! function 3, Образование) and by *paragraph* (`10-16` Вода, горива и
//! енергия, a subparagraph of `10-00` Издръжка). Revenue is classified by
//! paragraph only, and revenue paragraphs reuse the numbers of expenditure
//! paragraphs with other meanings. Reports write the same code many ways:
//! activities as `322` or with the function digit in front (`3322`),
//! paragraphs as `10-16`, `1016`, `§10-16` or, when Excel has eaten the
//! leading zero, `100` for `01-00`. This module turns all of them into one
//! canonical form and refuses what it cannot read, so that a misread column
//! fails loudly instead of filing amounts under a wrong code.

use std::fmt;

use vitrina_sdk::normalize::text;

/// What a budget line is for: the four phases of the Fiscal Data Package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Phase {
    /// A draft put to the council (проектобюджет).
    Proposed,
    /// The budget as the council adopted it (приет бюджет, план).
    Approved,
    /// The plan after the year's amendments (уточнен план).
    Adjusted,
    /// What was actually collected or paid (отчет, касово изпълнение).
    Executed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Proposed => "proposed",
            Phase::Approved => "approved",
            Phase::Adjusted => "adjusted",
            Phase::Executed => "executed",
        }
    }

    /// The phase a column header or title names. Execution words are tried
    /// first, so `Отчет за изпълнение на уточнения план` is executed, and
    /// `Уточнен план` is adjusted before `план` makes it approved.
    pub fn named_in(key: &str) -> Option<Phase> {
        const EXECUTED: &[&str] = &["отчет", "изпълн", "касов"];
        const ADJUSTED: &[&str] = &["уточн", "актуализ", "коригиран", "променен"];
        const PROPOSED: &[&str] = &["проект"];
        const APPROVED: &[&str] = &[
            "план",
            "приет",
            "бюджет",
            "закон",
            "утвърд",
            "първоначал",
            "гласуван",
        ];
        let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
        if has(EXECUTED) {
            Some(Phase::Executed)
        } else if has(ADJUSTED) {
            Some(Phase::Adjusted)
        } else if has(PROPOSED) {
            Some(Phase::Proposed)
        } else if has(APPROVED) {
            Some(Phase::Approved)
        } else {
            None
        }
    }

    /// Parses a `#phase=` override.
    pub fn from_name(s: &str) -> Option<Phase> {
        [
            Phase::Proposed,
            Phase::Approved,
            Phase::Adjusted,
            Phase::Executed,
        ]
        .into_iter()
        .find(|p| p.as_str() == s.trim().to_lowercase())
    }
}

/// Money coming in or going out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Direction {
    Expenditure,
    Revenue,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Expenditure => "expenditure",
            Direction::Revenue => "revenue",
        }
    }

    /// The direction a heading, title or sheet name names: `РАЗХОДИ`,
    /// `I. ПРИХОДИ`, `Разходи по функции`. `None` when it names both
    /// (`Приходи и разходи`) or neither.
    pub fn named_in(key: &str) -> Option<Direction> {
        let revenue = has_word_starting(key, &["приход"]);
        let expenditure = has_word_starting(key, &["разход"]);
        match (revenue, expenditure) {
            (true, false) => Some(Direction::Revenue),
            (false, true) => Some(Direction::Expenditure),
            _ => None,
        }
    }

    /// Parses a `#direction=` override.
    pub fn from_name(s: &str) -> Option<Direction> {
        match s.trim().to_lowercase().as_str() {
            "expenditure" | "разходи" => Some(Direction::Expenditure),
            "revenue" | "приходи" => Some(Direction::Revenue),
            _ => None,
        }
    }
}

/// Which money a line belongs to. Municipal budgets keep activities the
/// state delegates (paid by a state subsidy), the municipality's own local
/// activities, and co-financing: local money added to delegated activities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Fund {
    /// The report does not split by fund: the amount covers all of them.
    All,
    /// Делегирани от държавата дейности.
    Delegated,
    /// Местни дейности.
    Local,
    /// Дофинансиране на делегирани дейности с местни приходи.
    Cofinancing,
}

impl Fund {
    pub fn as_str(self) -> &'static str {
        match self {
            Fund::All => "all",
            Fund::Delegated => "delegated",
            Fund::Local => "local",
            Fund::Cofinancing => "cofinancing",
        }
    }

    /// The fund a heading or column header names. Co-financing is tried
    /// first: its full name (`Дофинансиране на делегирани дейности с местни
    /// приходи`) names the other two as well.
    pub fn named_in(key: &str) -> Option<Fund> {
        if key.contains("дофинансиран") {
            Some(Fund::Cofinancing)
        } else if has_word_starting(key, &["делегиран", "държавн"]) {
            Some(Fund::Delegated)
        } else if has_word_starting(key, &["местн"]) {
            Some(Fund::Local)
        } else {
            None
        }
    }

    /// The fund a cell of a fund column holds: a word as in [`named_in`]
    /// (`Fund::named_in`), or the abbreviations reports use (`Д`, `ДДД`,
    /// `М`, `МД`, `Доф`).
    pub fn from_cell(key: &str) -> Option<Fund> {
        match key.trim_end_matches('.') {
            "д" | "дд" | "ддд" | "дейности д" => Some(Fund::Delegated),
            "м" | "мд" => Some(Fund::Local),
            "доф" | "дф" => Some(Fund::Cofinancing),
            _ => Fund::named_in(key),
        }
    }
}

/// A paragraph code `NN-NN`: the economic classification of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Paragraph {
    /// The paragraph (`10` in `10-16`).
    pub group: u8,
    /// The subparagraph (`16` in `10-16`); `0` for a whole paragraph.
    pub item: u8,
}

impl Paragraph {
    /// A whole paragraph (`10-00`) rather than a subparagraph.
    pub fn is_whole(self) -> bool {
        self.item == 0
    }

    /// The whole paragraph a subparagraph belongs to (`10-16` → `10-00`):
    /// the level budgets are compared at, since sources differ in which
    /// subparagraphs they print.
    pub fn whole(self) -> Paragraph {
        Paragraph {
            group: self.group,
            item: 0,
        }
    }
}

/// The expenditure paragraphs of ЕБК's capital expenditure (капиталови
/// разходи): 51 основен ремонт на ДМА, 52 придобиване на ДМА, 53
/// придобиване на НМА, 54 придобиване на земя, 55 капиталови трансфери.
pub const CAPITAL_PARAGRAPHS: std::ops::RangeInclusive<u8> = 51..=55;

/// Whether a line is capital expenditure. Revenue paragraphs reuse these
/// numbers with other meanings, so revenue is never capital expenditure.
pub fn is_capital(direction: Direction, paragraph: Paragraph) -> bool {
    direction == Direction::Expenditure && CAPITAL_PARAGRAPHS.contains(&paragraph.group)
}

impl fmt::Display for Paragraph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}-{:02}", self.group, self.item)
    }
}

/// An activity code (`322`); its first digit is its function.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Activity(pub u16);

impl Activity {
    pub fn function(self) -> u8 {
        // Activities are 100..=999, so the quotient is a single digit.
        (self.0 / 100) as u8
    }
}

impl fmt::Display for Activity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:03}", self.0)
    }
}

/// Why a cell is not the code its column should hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CodeError(pub String);

/// A code cell split into its leading code and the name printed after it
/// (`322 Неспециализирани училища`, `§ 10-16 Вода, горива и енергия`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coded {
    pub code: String,
    pub rest: String,
}

/// Splits a cell into a leading code (digits, dashes and the spaces between
/// them, after any `§`) and the rest; `None` when the cell does not start
/// with a code.
pub fn split_code(cell: &str) -> Option<Coded> {
    let cleaned = text::clean(cell);
    let body = cleaned.trim_start_matches(['§', ' ']);
    if !body.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let is_code_char = |c: char| c.is_ascii_digit() || matches!(c, '-' | '–' | '—' | '.' | '§');
    let mut end = 0;
    let mut offset = 0;
    for token in body.split(' ') {
        let prefix = token.len() - token.trim_start_matches(is_code_char).len();
        if prefix > 0 {
            end = offset + prefix;
        }
        // A word, or a code glued to a word (`1016Вода`), ends the code.
        if prefix < token.len() {
            break;
        }
        offset += token.len() + 1;
    }
    let code = body[..end].trim_end_matches(['-', '–', '—', '.', ' ']);
    let rest = body[end..].trim_start_matches([' ', '.', '-', '–', '—', ':']);
    Some(Coded {
        code: code.to_string(),
        rest: rest.trim().to_string(),
    })
}

/// Parses a paragraph code: `10-16`, `10 - 16`, `10–16`, `1016`, `§10-16`,
/// `§§ 10-16`, a two-digit paragraph `10` (→ `10-00`), and `100` for `01-00`
/// (a code typed into Excel as a number loses its leading zero).
pub fn parse_paragraph(code: &str) -> Result<Paragraph, CodeError> {
    let bad = |why: &str| CodeError(format!("{code:?} is not a paragraph code ({why})"));
    let code = code.trim().trim_start_matches(['§', ' ']);
    let parts: Vec<&str> = code
        .split(['-', '–', '—'])
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    let (group, item) = match parts.as_slice() {
        [g, i] if digits(g) && digits(i) && g.len() <= 2 && i.len() <= 2 => (*g, *i),
        [whole] if digits(whole) => match whole.len() {
            1 | 2 => (*whole, "0"),
            3 => whole.split_at(1),
            4 => whole.split_at(2),
            _ => return Err(bad("more than four digits")),
        },
        _ => return Err(bad("expected NN-NN")),
    };
    let group: u8 = group.parse().map_err(|_| bad("expected NN-NN"))?;
    let item: u8 = item.parse().map_err(|_| bad("expected NN-NN"))?;
    if group == 0 {
        return Err(bad("paragraph 00 does not exist"));
    }
    Ok(Paragraph { group, item })
}

/// Parses an activity code: `322`, or `3322` (function digit, then the
/// activity). In the four-digit form the function must be the activity's
/// first digit: `3422` is a typo or a shifted column, not an activity.
pub fn parse_activity(code: &str) -> Result<Activity, CodeError> {
    let bad = |why: String| CodeError(format!("{code:?} is not an activity code ({why})"));
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("expected three or four digits".into()));
    }
    let activity = match digits.len() {
        3 => &digits[..],
        4 => {
            let (function, activity) = digits.split_at(1);
            if !activity.starts_with(function) {
                return Err(bad(format!(
                    "function {function} does not match activity {activity}"
                )));
            }
            activity
        }
        _ => return Err(bad("expected three or four digits".into())),
    };
    let value: u16 = activity
        .parse()
        .map_err(|_| bad("expected three or four digits".into()))?;
    if value < 100 {
        return Err(bad("activities start with their function, 1 to 9".into()));
    }
    Ok(Activity(value))
}

/// Parses a function code: `3`, `03`.
pub fn parse_function(code: &str) -> Result<u8, CodeError> {
    let trimmed = code.trim().trim_start_matches('0');
    match trimmed.parse::<u8>() {
        Ok(f @ 1..=9) => Ok(f),
        _ => Err(CodeError(format!(
            "{code:?} is not a function code (expected 1 to 9)"
        ))),
    }
}

/// The official names of the nine functions.
pub fn function_name(function: u8) -> Option<&'static str> {
    Some(match function {
        1 => "Общи държавни служби",
        2 => "Отбрана и сигурност",
        3 => "Образование",
        4 => "Здравеопазване",
        5 => "Социално осигуряване, подпомагане и грижи",
        6 => {
            "Жилищно строителство, благоустройство, комунално стопанство и опазване на околната среда"
        }
        7 => "Почивно дело, култура, религиозни дейности",
        8 => "Икономически дейности и услуги",
        9 => "Разходи, некласифицирани в другите функции",
        _ => return None,
    })
}

/// Names of the activities municipal reports use most, for reports that
/// print only the code. A name the report itself prints wins.
pub fn activity_name(activity: Activity) -> Option<&'static str> {
    Some(match activity.0 {
        122 => "Общинска администрация",
        123 => "Общински съвети",
        311 => "Детски градини",
        322 => "Неспециализирани училища, без професионални гимназии",
        604 => "Осветление на улици и площади",
        606 => "Изграждане, ремонт и поддържане на уличната мрежа",
        623 => "Чистота",
        738 => "Читалища",
        910 => "Разходи за лихви",
        998 => "Резерв",
        _ => return None,
    })
}

/// A heading that names a function (`Функция 03 „Образование“`, `ФУНКЦИЯ 3
/// - ОБРАЗОВАНИЕ`, `Ф-я 3`): the function and the name printed after it.
pub fn function_heading(key: &str) -> Option<(u8, String)> {
    let rest = strip_any_prefix(key, &["функция", "ф-я", "ф."])?;
    let coded = split_code(rest)?;
    let function = parse_function(&coded.code).ok()?;
    Some((function, coded.rest))
}

/// A heading that names an activity (`Дейност 322 Неспециализирани
/// училища`, `д-ст 322`): the activity and the name printed after it.
pub fn activity_heading(key: &str) -> Option<(Activity, String)> {
    let rest = strip_any_prefix(key, &["дейност", "д-ст", "д."])?;
    let coded = split_code(rest)?;
    let activity = parse_activity(&coded.code).ok()?;
    Some((activity, coded.rest))
}

/// A name as the report prints it, without the quotes and dashes around it.
pub fn tidy_name(name: &str) -> Option<String> {
    let cleaned = text::clean(name);
    let trimmed = cleaned
        .trim_matches(|c: char| {
            matches!(
                c,
                '„' | '“' | '”' | '"' | '«' | '»' | '-' | '–' | '—' | ':' | ' '
            )
        })
        .trim();
    (!trimmed.is_empty()).then(|| trimmed.to_string())
}

fn strip_any_prefix<'a>(key: &'a str, prefixes: &[&str]) -> Option<&'a str> {
    let key = key.trim_start();
    prefixes.iter().find_map(|p| {
        let rest = key.strip_prefix(p)?;
        // `дейности` must not pass for `дейност`.
        (!rest.starts_with(char::is_alphabetic)).then_some(rest)
    })
}

/// True when a word of `key` starts with one of `stems` (so `разходи` and
/// `разходите` match `разход`, but `предразходи` does not).
fn has_word_starting(key: &str, stems: &[&str]) -> bool {
    key.split(|c: char| !c.is_alphanumeric())
        .any(|word| stems.iter().any(|stem| word.starts_with(stem)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paragraph(s: &str) -> String {
        parse_paragraph(s)
            .map(|p| p.to_string())
            .unwrap_or_else(|e| e.0)
    }

    #[test]
    fn paragraphs_in_every_spelling() {
        for spelling in [
            "10-16",
            "1016",
            "§10-16",
            "§ 10-16",
            "§§ 10-16",
            "10 - 16",
            "10–16",
        ] {
            assert_eq!(paragraph(spelling), "10-16", "{spelling}");
        }
        assert_eq!(paragraph("100"), "01-00", "Excel ate the leading zero");
        assert_eq!(paragraph("51"), "51-00");
        assert_eq!(paragraph("1-1"), "01-01");
    }

    #[test]
    fn subparagraphs_belong_to_their_whole_paragraph() {
        let whole = |s: &str| parse_paragraph(s).unwrap().whole().to_string();
        assert_eq!(whole("10-16"), "10-00");
        assert_eq!(whole("10-00"), "10-00");
        assert_eq!(whole("100"), "01-00");
    }

    #[test]
    fn capital_expenditure_is_paragraphs_51_to_55_of_expenditure() {
        let capital = |direction, code: &str| is_capital(direction, parse_paragraph(code).unwrap());
        for code in ["51-00", "52-06", "53-01", "54-00", "55-01"] {
            assert!(capital(Direction::Expenditure, code), "{code}");
        }
        for code in ["10-16", "50-00", "56-00", "01-00"] {
            assert!(!capital(Direction::Expenditure, code), "{code}");
        }
        // A revenue paragraph with a capital number is not spending.
        assert!(!capital(Direction::Revenue, "52-00"));
    }

    #[test]
    fn paragraphs_that_are_not() {
        for bad in ["10-16-2", "12345", "00-10", "ab", "10-1a", ""] {
            assert!(parse_paragraph(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn activities_with_and_without_their_function() {
        assert_eq!(parse_activity("3322"), Ok(Activity(322)));
        assert_eq!(parse_activity("322"), Ok(Activity(322)));
        assert_eq!(parse_activity("3 322"), Ok(Activity(322)));
        assert_eq!(Activity(322).function(), 3);
        let err = parse_activity("3422").unwrap_err();
        assert!(
            err.0.contains("function 3 does not match activity 422"),
            "{err}"
        );
        assert!(parse_activity("22").is_err());
        assert!(parse_activity("099").is_err());
        assert!(parse_activity("32a").is_err());
    }

    #[test]
    fn codes_split_from_names() {
        let split = |s: &str| split_code(s).map(|c| (c.code, c.rest));
        let pair = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(
            split("322 Неспециализирани училища"),
            pair("322", "Неспециализирани училища")
        );
        assert_eq!(
            split("§ 10 - 16 Вода, горива и енергия"),
            pair("10 - 16", "Вода, горива и енергия")
        );
        assert_eq!(split("03 - Образование"), pair("03", "Образование"));
        assert_eq!(split("1016Вода"), pair("1016", "Вода"));
        assert_eq!(split("§10-16"), pair("10-16", ""));
        assert_eq!(split("ВСИЧКО РАЗХОДИ"), None);
    }

    #[test]
    fn headings_name_functions_and_activities() {
        assert_eq!(
            function_heading("функция 03 \"образование\""),
            Some((3, "\"образование\"".to_string()))
        );
        assert_eq!(
            function_heading("ф-я 6 - жилищно строителство").map(|h| h.0),
            Some(6)
        );
        assert_eq!(
            activity_heading("дейност 322 неспециализирани училища"),
            Some((Activity(322), "неспециализирани училища".to_string()))
        );
        assert_eq!(activity_heading("дейности на общината"), None);
        assert_eq!(function_heading("функционални разходи"), None);
    }

    #[test]
    fn phases_from_headers() {
        assert_eq!(Phase::named_in("уточнен план"), Some(Phase::Adjusted));
        assert_eq!(
            Phase::named_in("отчет към 31.12.2024"),
            Some(Phase::Executed)
        );
        assert_eq!(Phase::named_in("план 2025"), Some(Phase::Approved));
        assert_eq!(Phase::named_in("закон"), Some(Phase::Approved));
        assert_eq!(Phase::named_in("проектобюджет 2026"), Some(Phase::Proposed));
        assert_eq!(Phase::named_in("наименование"), None);
    }

    #[test]
    fn funds_and_directions_from_headings() {
        let cofinancing = "дофинансиране на делегирани дейности с местни приходи";
        assert_eq!(Fund::named_in(cofinancing), Some(Fund::Cofinancing));
        assert_eq!(
            Fund::named_in("делегирани от държавата дейности"),
            Some(Fund::Delegated)
        );
        assert_eq!(Fund::named_in("местни дейности"), Some(Fund::Local));
        assert_eq!(Fund::from_cell("д"), Some(Fund::Delegated));
        assert_eq!(Fund::from_cell("мд"), Some(Fund::Local));
        assert_eq!(Direction::named_in("i. приходи"), Some(Direction::Revenue));
        assert_eq!(
            Direction::named_in("разходи по функции, дейности и параграфи"),
            Some(Direction::Expenditure)
        );
        assert_eq!(Direction::named_in("приходи и разходи"), None);
    }

    #[test]
    fn names_lose_their_quotes() {
        assert_eq!(tidy_name(" „Образование“ ").as_deref(), Some("Образование"));
        assert_eq!(tidy_name(" - "), None);
    }
}
