//! Finding a report's header row and what each column holds.
//!
//! Reports put a few title rows above the table (`ОБЩИНА БУРГАС`, `ОТЧЕТ ЗА
//! КАСОВОТО ИЗПЪЛНЕНИЕ НА БЮДЖЕТА КЪМ 31.12.2024 г.`, `(в лева)`), then a
//! header row, sometimes with a second row under merged cells (`Бюджет
//! 2026` over `Държавни дейности | Местни дейности | Дофинансиране |
//! Общо`). Columns are recognized by meaning, not position, because every
//! municipality and every year orders them differently: codes (function,
//! activity, paragraph), names, a fund, and amount columns, each with a
//! phase (plan, adjusted plan, execution) and possibly a fund. Percentages
//! and differences are recognized too, so that they are never read as
//! amounts.

use vitrina_sdk::Decimal;
use vitrina_sdk::normalize::{number, text};

use crate::ebk::{Fund, Phase};
use crate::grid::{GridRow, Sheet};

/// How far down a sheet the header is looked for.
pub const HEADER_SEARCH_ROWS: usize = 40;

/// What the header is looked for as, for the "header not found" error.
pub const HEADER_LOOKED_FOR: &str = "a header row with a paragraph column (§§, Параграф, Код) and \
     an amount column (План, Уточнен план, Отчет, Изпълнение)";

/// What one column holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Role {
    Function,
    Activity,
    Paragraph,
    Name,
    /// A per-row fund marker (`Вид дейност`: Д / М).
    Fund,
    Amount(AmountColumn),
}

/// An amount column: which phase, which fund, and its unit.
#[derive(Debug, Clone, PartialEq)]
pub struct AmountColumn {
    pub phase: Phase,
    /// `Some` when the header names a fund (`Уточнен план държавни дейности`).
    pub fund: Option<Fund>,
    /// The header says `Общо`/`Всичко`: with fund columns beside it, the sum
    /// of their amounts, checked but not emitted.
    pub is_total: bool,
    /// Multiplier from a unit in the header itself (`Отчет (хил. лв.)`).
    pub multiplier: Option<Decimal>,
}

/// A recognized column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub index: usize,
    /// The header text as printed, for messages.
    pub header: String,
    pub role: Role,
}

impl Column {
    /// `„Отчет“ (F)`: how messages name a column.
    pub fn label(&self) -> String {
        format!("„{}“ ({})", self.header, column_letter(self.index))
    }
}

/// The header of one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// Position in `Sheet::rows` of the (first) header row.
    pub row: usize,
    /// Position of the first body row.
    pub body_start: usize,
    pub columns: Vec<Column>,
    /// Header cells that were not understood, for the run log.
    pub ignored: Vec<String>,
}

/// A header column that names a fund but no phase, when the title does not
/// say which phase either.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "column {column} names no phase (план, уточнен план, отчет) and the title rows do not say \
     which either; add #phase=approved (or adjusted, executed) to the source URL"
)]
pub struct NoPhase {
    /// The header row's number in the file.
    pub row: u32,
    pub column: String,
}

/// Finds the header in the first rows of a sheet; `None` when there is none.
/// `default_phase` is for amount columns whose header names only a fund or
/// `Общо` (the phase is then in the title, or in the source's `#phase=`).
pub fn find(
    sheet: &Sheet,
    default_phase: impl Fn(usize) -> Option<Phase>,
) -> Option<Result<Header, NoPhase>> {
    let limit = sheet.rows.len().min(HEADER_SEARCH_ROWS);
    (0..limit).find_map(|i| header_at(sheet, i, &default_phase))
}

fn header_at(
    sheet: &Sheet,
    i: usize,
    default_phase: &impl Fn(usize) -> Option<Phase>,
) -> Option<Result<Header, NoPhase>> {
    let row = &sheet.rows[i];
    let texts: Vec<String> = row.cells.iter().map(|c| c.text()).collect();
    if !looks_like_header(&texts) {
        return None;
    }
    let sub = sheet.rows.get(i + 1).filter(|r| is_sub_header(&texts, r));
    let headers = match sub {
        Some(sub) => merge_header_rows(&texts, sub),
        None => texts,
    };
    let body_start = i + 1 + usize::from(sub.is_some());
    let parsed = columns(&headers, default_phase(i)).map_err(|column| NoPhase {
        row: row.number,
        column,
    });
    Some(parsed.map(|(columns, ignored)| Header {
        row: i,
        body_start,
        columns,
        ignored,
    }))
}

/// A row with a paragraph header and an amount header: the table's header,
/// or its repetition at the top of a printed page.
pub fn looks_like_header(texts: &[String]) -> bool {
    let has_paragraph = texts.iter().any(|t| is_paragraph_header(&key(t)));
    let has_amount_word = texts.iter().any(|t| is_amount_header(&key(t)));
    has_paragraph && has_amount_word
}

/// Whether a header-like text names a phase, fund or total (`Държавни
/// дейности`, `Отчет`, `Общо`): what a sub-header cell holds.
pub fn names_amount_split(text: &str) -> bool {
    let k = key(text);
    Fund::named_in(&k).is_some() || Phase::named_in(&k).is_some() || is_total(&k)
}

/// The row under a header is a second header row when each of its filled
/// cells names a fund, phase or total and sits under an amount header (or
/// under the merged span of one): under merged `Уточнен план` cells it says
/// which fund each column is. A section heading such as `МЕСТНИ ДЕЙНОСТИ`
/// under the name column is a body row, not a header.
fn is_sub_header(upper: &[String], lower: &GridRow) -> bool {
    let carried = carry_right(upper, lower.cells.len());
    let mut filled = lower
        .cells
        .iter()
        .zip(&carried)
        .filter(|(cell, _)| !cell.is_empty())
        .peekable();
    filled.peek().is_some()
        && filled
            .all(|(cell, above)| names_amount_split(&cell.text()) && is_amount_header(&key(above)))
}

/// Each upper header cell, with empty cells taking the text of the nearest
/// filled one to their left: a merged cell keeps its text in its first
/// column only.
fn carry_right(upper: &[String], width: usize) -> Vec<String> {
    let mut carried = String::new();
    (0..width.max(upper.len()))
        .map(|i| {
            let top = upper.get(i).map(|s| s.trim()).unwrap_or_default();
            if !top.is_empty() {
                carried = top.to_string();
            }
            carried.clone()
        })
        .collect()
}

/// Combines a header row with the sub-header row under it.
fn merge_header_rows(upper: &[String], lower: &GridRow) -> Vec<String> {
    let carried = carry_right(upper, lower.cells.len());
    carried
        .iter()
        .enumerate()
        .map(|(i, above)| {
            let top = upper.get(i).map(|s| s.trim()).unwrap_or_default();
            let bottom = lower.cell(i).text();
            if bottom.trim().is_empty() {
                top.to_string()
            } else {
                format!("{above} {}", bottom.trim())
            }
        })
        .collect()
}

type Columns = (Vec<Column>, Vec<String>);

/// The columns a header names; the error is the column that names no phase.
fn columns(headers: &[String], default_phase: Option<Phase>) -> Result<Columns, String> {
    let mut columns = Vec::new();
    let mut ignored = Vec::new();
    for (index, header) in headers.iter().enumerate() {
        let header = text::clean(header);
        if header.is_empty() {
            continue;
        }
        match classify(&header, default_phase) {
            Classified::Role(role) => columns.push(Column {
                index,
                header,
                role,
            }),
            Classified::Skip => {}
            Classified::Unknown => ignored.push(header),
            Classified::NoPhase => {
                return Err(format!("„{header}“ ({})", column_letter(index)));
            }
        }
    }
    Ok((columns, ignored))
}

enum Classified {
    Role(Role),
    /// Known and deliberately unused: percentages, differences, row numbers.
    Skip,
    Unknown,
    NoPhase,
}

fn classify(header: &str, default_phase: Option<Phase>) -> Classified {
    let k = key(header);
    if is_derived(&k) || is_row_number(&k) {
        return Classified::Skip;
    }
    let role = if is_paragraph_header(&k) {
        Role::Paragraph
    } else if is_function_header(&k) {
        Role::Function
    } else if is_activity_header(&k) {
        Role::Activity
    } else if is_fund_header(&k) {
        Role::Fund
    } else if is_name_header(&k) {
        Role::Name
    } else if is_amount_header(&k) {
        let Some(phase) = Phase::named_in(&k).or(default_phase) else {
            return Classified::NoPhase;
        };
        Role::Amount(AmountColumn {
            phase,
            fund: Fund::named_in(&k),
            is_total: is_total(&k),
            multiplier: unit_in_header(&k),
        })
    } else {
        return Classified::Unknown;
    };
    Classified::Role(role)
}

/// The comparison key of a header: lowercase, folded quotes and dashes.
pub fn key(s: &str) -> String {
    text::match_key(s)
}

fn is_paragraph_header(k: &str) -> bool {
    // `§31-11` in a body row is a code, not a header.
    if k.chars().any(|c| c.is_ascii_digit()) {
        return false;
    }
    k.starts_with('§')
        || k.contains("параграф")
        || k == "код"
        || k.starts_with("код по ебк")
        || k == "шифър"
}

fn is_function_header(k: &str) -> bool {
    matches!(
        k,
        "функция" | "ф-я" | "код функция" | "функция код" | "функц."
    )
}

fn is_activity_header(k: &str) -> bool {
    matches!(
        k,
        "дейност" | "д-ст" | "код дейност" | "дейност код" | "код на дейност" | "код на дейността"
    )
}

fn is_fund_header(k: &str) -> bool {
    matches!(
        k,
        "вид дейност" | "вид на дейността" | "вид" | "фонд" | "вид финансиране"
    )
}

fn is_name_header(k: &str) -> bool {
    ["наименование", "показател", "описание", "позиция"]
        .iter()
        .any(|w| k.contains(w))
}

fn is_amount_header(k: &str) -> bool {
    !is_derived(k) && (Phase::named_in(k).is_some() || Fund::named_in(k).is_some() || is_total(k))
}

fn is_total(k: &str) -> bool {
    k.starts_with("общо") || k.starts_with("всичко") || k.ends_with(" общо")
}

/// Columns computed from others: percentages, differences, changes.
fn is_derived(k: &str) -> bool {
    k.contains('%')
        || [
            "процент",
            "разлика",
            "отклонение",
            "изменение",
            "корекци",
            "промяна",
            "увеличение",
            "намаление",
            "структура",
        ]
        .iter()
        .any(|w| k.contains(w))
}

fn is_row_number(k: &str) -> bool {
    matches!(k, "№" | "no" | "№ по ред" | "ред" | "№ ред" | "n")
}

/// A unit written into an amount header (`Отчет (хил. лв.)`), when it
/// scales: plain `(лв.)` leaves the table's unit in force.
fn unit_in_header(k: &str) -> Option<Decimal> {
    number::unit_multiplier(k).filter(|m| *m != Decimal::ONE)
}

/// `A`, `B`, …, `Z`, `AA`: how spreadsheets name column `index` (0-based).
pub fn column_letter(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        // `rem` is below 26, so the letter is ASCII.
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::Cell;

    fn row(number: u32, cells: &[&str]) -> GridRow {
        GridRow {
            number,
            cells: cells
                .iter()
                .map(|c| {
                    if c.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::Text(c.to_string())
                    }
                })
                .collect(),
        }
    }

    fn sheet(rows: &[&[&str]]) -> Sheet {
        Sheet {
            name: None,
            rows: rows
                .iter()
                .zip(1..)
                .map(|(cells, n)| row(n, cells))
                .collect(),
        }
    }

    fn roles(header: &Header) -> Vec<String> {
        header
            .columns
            .iter()
            .map(|c| match &c.role {
                Role::Amount(a) => format!(
                    "{}:{}:{}{}",
                    column_letter(c.index),
                    a.phase.as_str(),
                    a.fund.map_or("-", |f| f.as_str()),
                    if a.is_total { ":total" } else { "" }
                ),
                other => format!("{}:{other:?}", column_letter(c.index)),
            })
            .collect()
    }

    #[test]
    fn the_sample_report_header() {
        let s = sheet(&[
            &["ОБЩИНА БУРГАС", "", "", "", "", ""],
            &["(в лева)", "", "", "", "", ""],
            &[
                "Функция",
                "Дейност",
                "§§",
                "Наименование",
                "Уточнен план",
                "Отчет",
            ],
            &[
                "1",
                "1122",
                "01-00",
                "Заплати",
                "9 845 200,00",
                "9 712 418,36",
            ],
        ]);
        let header = find(&s, |_| None).unwrap().unwrap();
        assert_eq!((header.row, header.body_start), (2, 3));
        assert_eq!(
            roles(&header),
            [
                "A:Function",
                "B:Activity",
                "C:Paragraph",
                "D:Name",
                "E:adjusted:-",
                "F:executed:-"
            ]
        );
    }

    #[test]
    fn percentages_and_row_numbers_are_not_amounts() {
        let s = sheet(&[&[
            "№",
            "Код",
            "Показатели",
            "Закон",
            "Уточнен план",
            "Изпълнение",
            "% изпълнение",
            "Бележка",
        ]]);
        let header = find(&s, |_| None).unwrap().unwrap();
        assert_eq!(
            roles(&header),
            [
                "B:Paragraph",
                "C:Name",
                "D:approved:-",
                "E:adjusted:-",
                "F:executed:-"
            ]
        );
        assert_eq!(header.ignored, ["Бележка"]);
    }

    #[test]
    fn merged_header_over_fund_columns() {
        let s = sheet(&[
            &[
                "Дейност",
                "§§",
                "Наименование",
                "Бюджет 2026 (в евро)",
                "",
                "",
                "",
            ],
            &[
                "",
                "",
                "",
                "Държавни дейности",
                "Местни дейности",
                "Дофинансиране",
                "Общо",
            ],
            &["", "10-16", "Вода", "1", "2", "3", "6"],
        ]);
        let header = find(&s, |_| None).unwrap().unwrap();
        assert_eq!(header.body_start, 2);
        assert_eq!(
            roles(&header)[3..],
            [
                "D:approved:delegated",
                "E:approved:local",
                "F:approved:cofinancing",
                "G:approved:-:total"
            ]
        );
    }

    #[test]
    fn a_fund_heading_under_the_header_is_not_a_sub_header() {
        let s = sheet(&[
            &["§§", "Наименование", "Уточнен план", "Отчет"],
            &["", "МЕСТНИ ДЕЙНОСТИ", "", ""],
        ]);
        let header = find(&s, |_| None).unwrap().unwrap();
        assert_eq!(header.body_start, 1);
    }

    #[test]
    fn fund_columns_take_the_title_phase_or_fail() {
        let s = sheet(&[&["§§", "Наименование", "Държавни дейности", "Местни дейности"]]);
        let header = find(&s, |_| Some(Phase::Executed)).unwrap().unwrap();
        assert_eq!(roles(&header)[2], "C:executed:delegated");
        let err = find(&s, |_| None).unwrap().unwrap_err();
        assert_eq!(err.column, "„Държавни дейности“ (C)");
    }

    #[test]
    fn a_line_whose_name_names_a_fund_is_not_a_header() {
        let s = sheet(&[
            &["Код", "Показатели", "Закон"],
            &[
                "§05-51",
                "Осигурителни вноски за Държавното обществено осигуряване",
                "890,0",
            ],
        ]);
        let header = find(&s, |_| None).unwrap().unwrap();
        assert_eq!(header.row, 0);
        let texts: Vec<String> = s.rows[1].cells.iter().map(|c| c.text()).collect();
        assert!(!looks_like_header(&texts));
    }

    #[test]
    fn no_header_in_a_notes_sheet() {
        let s = sheet(&[&["Бележки"], &["Приложението е прието с решение по т. 3"]]);
        assert_eq!(find(&s, |_| None), None);
    }

    #[test]
    fn a_unit_in_the_header_scales_its_column() {
        let s = sheet(&[&["§§", "Отчет (хил. лв.)", "План (лв.)"]]);
        let header = find(&s, |_| None).unwrap().unwrap();
        let multipliers: Vec<_> = header
            .columns
            .iter()
            .filter_map(|c| match &c.role {
                Role::Amount(a) => Some(a.multiplier),
                _ => None,
            })
            .collect();
        assert_eq!(multipliers, [Some(Decimal::from(1000)), None]);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(5), "F");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
    }
}
