//! What the title rows above a table say about all of its amounts: the
//! fiscal year, the date a report is made up to, the unit and currency,
//! and sometimes the direction (`ОТЧЕТ ЗА ПРИХОДИТЕ`) or phase (`БЮДЖЕТ ЗА
//! 2026 г.`).
//!
//! The title is the text of the rows above the header, then the sheet's
//! name, then the file's name, in that order of trust: `КЪМ 31.12.2024 г.`
//! in a title beats `2025` in a file name that a web editor typed.

use chrono::Datelike;
use vitrina_sdk::normalize::money::Currency;
use vitrina_sdk::normalize::{date, number, text};
use vitrina_sdk::{Decimal, NaiveDate};

use crate::ebk::{Direction, Phase};
use crate::grid::Sheet;

/// What a table's title says.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Title {
    pub year: Option<i32>,
    /// The date a report is made up to (`КЪМ 31.12.2024 г.`).
    pub report_date: Option<NaiveDate>,
    /// `(хил. лв.)` → 1000; `None` when no unit is stated.
    pub multiplier: Option<Decimal>,
    /// The currency the unit note names (`(в лева)`, `(в евро)`).
    pub currency: Option<Currency>,
    pub direction: Option<Direction>,
    pub phase: Option<Phase>,
}

/// Reads the title of the table whose header is at `header_row`.
pub fn read(sheet: &Sheet, header_row: usize, file_name: &str) -> Title {
    let lines: Vec<String> = sheet.rows[..header_row]
        .iter()
        .flat_map(|row| row.cells.iter().map(|c| text::clean(&c.text())))
        .filter(|t| !t.is_empty())
        .collect();
    let sheet_name = sheet.name.as_deref().unwrap_or_default();
    let mut title = Title::default();
    for line in &lines {
        title.absorb(line);
    }
    title.absorb_name(sheet_name);
    title.absorb_name(file_name);
    title
}

impl Title {
    fn absorb(&mut self, line: &str) {
        let k = text::match_key(line);
        if self.report_date.is_none() {
            self.report_date = as_of_date(&k);
        }
        if self.year.is_none() {
            self.year = self.report_date.map(|d| d.year()).or_else(|| year_in(&k));
        }
        if self.multiplier.is_none() && names_unit(&k) {
            self.multiplier = number::unit_multiplier(&k);
            self.currency = currency_in(&k);
        }
        self.direction = self.direction.or_else(|| Direction::named_in(&k));
        self.phase = self.phase.or_else(|| Phase::named_in(&k));
    }

    /// A sheet or file name may tell the year and the direction; its
    /// words are too loose to tell a unit or phase.
    fn absorb_name(&mut self, name: &str) {
        let k = text::match_key(name);
        self.year = self.year.or_else(|| bare_year(&k));
        self.direction = self.direction.or_else(|| Direction::named_in(&k));
    }
}

/// The date a report is made up to: the date right after `към` (`… КЪМ
/// 31.12.2024 г.`), else the last date of a line about a report or a
/// period (`Отчет за периода 01.01.2025 – 30.06.2025`). A decision's date
/// (`Приложение към Решение № 5 от 24.04.2026 г.`) is not a report date.
fn as_of_date(k: &str) -> Option<NaiveDate> {
    let right_after_kam = k.match_indices("към").find_map(|(at, word)| {
        let rest = k[at + word.len()..].trim_start();
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let token = rest.split(' ').next().unwrap_or_default();
        date::find_dates(token).into_iter().next()
    });
    if right_after_kam.is_some() {
        return right_after_kam;
    }
    let about_a_report = ["отчет", "изпълн", "период"].iter().any(|w| k.contains(w))
        && !["решение", "протокол"].iter().any(|w| k.contains(w));
    about_a_report
        .then(|| date::find_dates(k).last().copied())
        .flatten()
}

/// A year the line names as one: `2026 г.`, `2026 година`, `за 2026`,
/// `бюджет 2026`.
fn year_in(k: &str) -> Option<i32> {
    let words: Vec<&str> = k
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | ':'))
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().find_map(|(i, w)| {
        let (digits, suffix) =
            w.split_at(w.len() - w.trim_start_matches(|c: char| c.is_ascii_digit()).len());
        let year = plausible_year(digits)?;
        let next = words.get(i + 1).copied().unwrap_or_default();
        let before = i.checked_sub(1).map(|j| words[j]).unwrap_or_default();
        let marked = suffix.starts_with('г')
            || next.starts_with('г')
            || matches!(before, "за" | "бюджет" | "бюджета" | "година" | "год.");
        marked.then_some(year)
    })
}

/// A year standing alone in a name: `otchet-2024.csv`, `Бюджет_2026`.
fn bare_year(k: &str) -> Option<i32> {
    k.split(|c: char| !c.is_ascii_digit())
        .find_map(plausible_year)
}

fn plausible_year(digits: &str) -> Option<i32> {
    if digits.len() != 4 {
        return None;
    }
    digits.parse().ok().filter(|y| (1990..=2100).contains(y))
}

/// Whether a line is a unit note: `(в лева)`, `(хил. лв.)`, `в евро`,
/// `Мярка: лв.`. A title that merely mentions money (`приходи в лева от
/// такси`) is rare; a line in parentheses or a short one is the note.
fn names_unit(k: &str) -> bool {
    let short = k.chars().count() <= 30;
    let note = k.starts_with('(') || k.starts_with("в ") || k.starts_with("мярка") || short;
    note && number::unit_multiplier(k).is_some()
}

fn currency_in(k: &str) -> Option<Currency> {
    let words: Vec<&str> = k
        .split(|c: char| !c.is_alphanumeric() && c != '€')
        .filter(|w| !w.is_empty())
        .collect();
    let any = |names: &[&str]| words.iter().any(|w| names.contains(w));
    if any(&["лв", "лева", "лев", "bgn"]) {
        Some(Currency::Bgn)
    } else if any(&["евро", "eur", "euro", "€"]) || k.contains('€') {
        Some(Currency::Eur)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::{Cell, GridRow};

    fn sheet(name: Option<&str>, lines: &[&str]) -> Sheet {
        Sheet {
            name: name.map(str::to_string),
            rows: lines
                .iter()
                .zip(1..)
                .map(|(line, number)| GridRow {
                    number,
                    cells: vec![Cell::Text(line.to_string()), Cell::Empty],
                })
                .chain(std::iter::once(GridRow {
                    number: 99,
                    cells: vec![Cell::Text("§§".into())],
                }))
                .collect(),
        }
    }

    fn title(name: Option<&str>, lines: &[&str], file: &str) -> Title {
        read(&sheet(name, lines), lines.len(), file)
    }

    #[test]
    fn the_sample_report_title() {
        let t = title(
            None,
            &[
                "ОБЩИНА БУРГАС",
                "ОТЧЕТ ЗА КАСОВОТО ИЗПЪЛНЕНИЕ НА БЮДЖЕТА КЪМ 31.12.2024 г.",
                "(в лева)",
            ],
            "file.csv",
        );
        assert_eq!(t.year, Some(2024));
        assert_eq!(t.report_date, NaiveDate::from_ymd_opt(2024, 12, 31));
        assert_eq!(t.multiplier, Some(Decimal::ONE));
        assert_eq!(t.currency, Some(Currency::Bgn));
        assert_eq!(t.phase, Some(Phase::Executed));
        assert_eq!(t.direction, None);
    }

    #[test]
    fn thousands_of_leva_and_a_revenue_title() {
        let t = title(
            None,
            &[
                "ОТЧЕТ ЗА ИЗПЪЛНЕНИЕ НА ПРИХОДИТЕ към 30.06.2025 г.",
                "(хил. лв.)",
            ],
            "",
        );
        assert_eq!(t.multiplier, Some(Decimal::from(1000)));
        assert_eq!(t.currency, Some(Currency::Bgn));
        assert_eq!(t.direction, Some(Direction::Revenue));
        assert_eq!(t.report_date, NaiveDate::from_ymd_opt(2025, 6, 30));
    }

    #[test]
    fn a_budget_title_in_euro_with_the_direction_in_the_sheet_name() {
        let t = title(
            Some("Разходи"),
            &["БЮДЖЕТ НА ОБЩИНА БУРГАС ЗА 2026 ГОДИНА", "в евро"],
            "annex.xlsx",
        );
        assert_eq!(t.year, Some(2026));
        assert_eq!(t.report_date, None);
        assert_eq!(t.currency, Some(Currency::Eur));
        assert_eq!(t.phase, Some(Phase::Approved));
        assert_eq!(t.direction, Some(Direction::Expenditure));
    }

    #[test]
    fn the_file_name_is_the_last_resort_for_the_year() {
        assert_eq!(
            title(None, &["ОБЩИНА БУРГАС"], "otchet-2023.csv").year,
            Some(2023)
        );
        assert_eq!(
            title(None, &["Приложение № 12"], "prilozhenie.csv").year,
            None
        );
        let t = title(None, &["ОТЧЕТ КЪМ 31.12.2024 г."], "otchet-2023.csv");
        assert_eq!(t.year, Some(2024), "the title beats the file name");
    }

    #[test]
    fn a_decision_date_is_not_a_report_date() {
        let t = title(
            None,
            &[
                "Приложение към Решение № 5 по Протокол № 8 от 24.04.2026 г.",
                "ОТЧЕТ ЗА ИЗПЪЛНЕНИЕТО НА БЮДЖЕТА ЗА 2025 г.",
            ],
            "",
        );
        assert_eq!((t.year, t.report_date), (Some(2025), None));
        let t = title(None, &["Отчет за периода 01.01.2025 – 30.06.2025"], "");
        assert_eq!(t.report_date, NaiveDate::from_ymd_opt(2025, 6, 30));
        assert_eq!(t.year, Some(2025));
    }

    #[test]
    fn decision_numbers_are_not_years() {
        let t = title(None, &["Приложение към решение № 2024 по т. 5"], "");
        assert_eq!(t.year, None);
    }
}
