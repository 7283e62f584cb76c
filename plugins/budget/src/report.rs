//! From one downloaded file to the budget lines the `budget` profile
//! publishes.
//!
//! A file is read as sheets ([`grid`]); in each sheet the header is found
//! ([`header`]), the title above it read for the year, unit and currency
//! ([`title`]), and the body read into lines with its totals checked
//! ([`table`]). This module puts the pieces together, applies the year's
//! currency, the euro rule and the date the amounts stand at, and makes
//! sure no budget line is published twice. It does no I/O: the plugin fetches, this parses, so the fixtures
//! test every step natively.

use std::collections::HashMap;

use vitrina_sdk::normalize::money::{self, Currency};
use vitrina_sdk::{Decimal, NaiveDate};

use crate::ebk::{self, Activity, Direction, Fund, Paragraph, Phase};
use crate::error::{Location, ParseError, Place};
use crate::grid::{self, Sheet};
use crate::header::{self, HEADER_LOOKED_FOR, HEADER_SEARCH_ROWS};
use crate::source::Source;
use crate::table::{self, Setup, TableLine};
use crate::title;

/// One published budget line: one amount of one classification in one
/// phase of one fiscal year, as a budget or report of one date gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub fiscal_year: i32,
    pub phase: Phase,
    pub direction: Direction,
    pub fund: Fund,
    /// The activity; `None` for lines classified by paragraph only
    /// (revenue, mostly), published as activity `000`.
    pub activity: Option<Activity>,
    pub activity_name: Option<String>,
    /// A function given without an activity; see [`Line::function`].
    pub function_only: Option<u8>,
    pub paragraph: Paragraph,
    pub paragraph_name: Option<String>,
    pub amount: Decimal,
    pub currency: Currency,
    pub amount_eur: Decimal,
    /// The date the amount stands at; see [`report_date`].
    pub report_date: NaiveDate,
    pub source: Location,
}

/// The code published for lines that belong to no activity.
pub const NO_ACTIVITY: &str = "000";

impl Line {
    /// The function: the activity's first digit, or the one the report gave.
    pub fn function(&self) -> Option<u8> {
        self.activity.map(Activity::function).or(self.function_only)
    }

    pub fn function_name(&self) -> Option<&'static str> {
        self.function().and_then(ebk::function_name)
    }

    /// The activity code as published: three digits, or `000`.
    pub fn activity_code(&self) -> String {
        self.activity
            .map_or_else(|| NO_ACTIVITY.to_string(), |a| a.to_string())
    }

    /// The whole paragraph the line's paragraph belongs to (`10-00`).
    pub fn paragraph_group(&self) -> Paragraph {
        self.paragraph.whole()
    }

    /// Whether the line is capital expenditure (paragraphs 51 to 55).
    pub fn capital(&self) -> bool {
        ebk::is_capital(self.direction, self.paragraph)
    }

    /// The primary key: what makes a line unique in the dataset. The date
    /// is part of it, so the reports of one year made up to different
    /// dates (30.06 and 31.12) stay apart.
    pub fn key(
        &self,
    ) -> (
        i32,
        Phase,
        Direction,
        Fund,
        Option<Activity>,
        Paragraph,
        NaiveDate,
    ) {
        (
            self.fiscal_year,
            self.phase,
            self.direction,
            self.fund,
            self.activity,
            self.paragraph,
            self.report_date,
        )
    }

    fn key_text(&self) -> String {
        format!(
            "{} {} {} fund {} activity {} paragraph {} as of {}",
            self.fiscal_year,
            self.phase.as_str(),
            self.direction.as_str(),
            self.fund.as_str(),
            self.activity_code(),
            self.paragraph,
            self.report_date
        )
    }
}

/// What one source gave.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed {
    pub lines: Vec<Line>,
    /// For a person to look at: totals that do not add up, and the like.
    pub warnings: Vec<String>,
    /// For the run log: sheets skipped, header cells not understood.
    pub notes: Vec<String>,
}

/// Parses one downloaded source file.
pub fn parse(source: &Source, bytes: &[u8]) -> Result<Parsed, ParseError> {
    let sheets = grid::read(bytes).map_err(|e| ParseError::Unreadable {
        file: source.url.clone(),
        reason: e.to_string(),
    })?;
    let sheets = select_sheets(source, sheets)?;
    let mut parsed = Parsed::default();
    let mut found_header = false;
    for sheet in &sheets {
        let place = Place {
            file: source.url.as_str().into(),
            sheet: sheet.name.as_deref().map(Into::into),
        };
        let default_phase = |row: usize| {
            source
                .phase
                .or_else(|| title::read(sheet, row, &source.file_name).phase)
        };
        let Some(header) = header::find(sheet, default_phase) else {
            parsed
                .notes
                .push(format!("{place}: no budget table; skipped"));
            continue;
        };
        found_header = true;
        let header = header.map_err(|e| ParseError::Header {
            at: place.at(e.row),
            reason: e.to_string(),
        })?;
        if !header.ignored.is_empty() {
            parsed.notes.push(format!(
                "{place}: columns not used: {}",
                header.ignored.join(", ")
            ));
        }
        read_sheet(source, sheet, &header, place, &mut parsed)?;
    }
    if !found_header {
        return Err(ParseError::HeaderNotFound {
            file: source.url.clone(),
            sheets: sheets.iter().filter_map(|s| s.name.clone()).collect(),
            rows: HEADER_SEARCH_ROWS,
            looked_for: HEADER_LOOKED_FOR,
        });
    }
    ensure_unique(&parsed.lines)?;
    Ok(parsed)
}

fn select_sheets(source: &Source, sheets: Vec<Sheet>) -> Result<Vec<Sheet>, ParseError> {
    let Some(wanted) = &source.sheet else {
        return Ok(sheets);
    };
    let key = |s: &str| header::key(s);
    let names: Vec<String> = sheets.iter().filter_map(|s| s.name.clone()).collect();
    let chosen: Vec<Sheet> = sheets
        .into_iter()
        .filter(|s| s.name.as_deref().map(key) == Some(key(wanted)))
        .collect();
    if chosen.is_empty() {
        return Err(ParseError::SheetNotFound {
            file: source.url.clone(),
            sheet: wanted.clone(),
            available: names,
        });
    }
    Ok(chosen)
}

fn read_sheet(
    source: &Source,
    sheet: &Sheet,
    header: &header::Header,
    place: Place,
    parsed: &mut Parsed,
) -> Result<(), ParseError> {
    let title = title::read(sheet, header.row, &source.file_name);
    let year = source
        .year
        .or(title.year)
        .ok_or_else(|| ParseError::NoYear {
            place: place.clone(),
        })?;
    let currency = title
        .currency
        .unwrap_or_else(|| money::currency_for_year(year));
    if currency != money::currency_for_year(year) {
        parsed.warnings.push(format!(
            "{place}: the title gives amounts in {} although {year} was counted in {}; kept in {}",
            currency.code(),
            money::currency_for_year(year).code(),
            currency.code()
        ));
    }
    let setup = Setup {
        place,
        multiplier: title.multiplier.unwrap_or(Decimal::ONE),
        direction: source.direction.or(title.direction),
        direction_fixed: source.direction.is_some(),
    };
    let table = table::read(sheet, header, &setup)?;
    parsed.warnings.extend(table.warnings);
    let report_date = match source.date.or(title.report_date) {
        Some(date) => date,
        None => {
            let (date, warning) = report_date(&table.lines, year, &setup.place);
            parsed.warnings.extend(warning);
            date
        }
    };
    parsed.lines.extend(
        table
            .lines
            .into_iter()
            .map(|line| to_line(line, year, currency, report_date, &setup.place)),
    );
    Ok(())
}

/// The date the amounts of a table stand at when neither its title nor
/// `#date=` gives one. It is part of the key, so every line needs one. A
/// budget (only proposed or approved amounts) stands at the first day of
/// its fiscal year, when it takes effect. A report (adjusted or executed
/// amounts) is taken for the year's closing report, made up to 31
/// December, with a warning: a report of part of the year must not pass
/// for the whole year unnoticed.
fn report_date(lines: &[TableLine], year: i32, place: &Place) -> (NaiveDate, Option<String>) {
    // `year` comes from `#year=` or a plausible year (1990 to 2100) in the
    // title or a name, so both days exist.
    let day = |month, day| NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default();
    let is_report = lines
        .iter()
        .any(|l| matches!(l.phase, Phase::Adjusted | Phase::Executed));
    if !is_report {
        return (day(1, 1), None);
    }
    let date = day(12, 31);
    let warning = format!(
        "{place}: the title gives no report date (към 30.06.{year}); its amounts are published \
         as of {date}, the year's closing report: add #date= to the source URL if the report \
         covers part of the year"
    );
    (date, Some(warning))
}

fn to_line(
    line: TableLine,
    fiscal_year: i32,
    currency: Currency,
    report_date: NaiveDate,
    place: &Place,
) -> Line {
    Line {
        fiscal_year,
        phase: line.phase,
        direction: line.direction,
        fund: line.fund,
        activity: line.activity,
        activity_name: line.activity_name,
        function_only: line.function,
        paragraph: line.paragraph,
        paragraph_name: line.paragraph_name,
        amount: line.amount,
        currency,
        amount_eur: money::to_eur(line.amount, currency),
        report_date,
        source: place.at(line.row),
    }
}

/// Fails on the first budget line that two rows give: the host would refuse
/// the duplicate key anyway, but only this message says which rows.
pub fn ensure_unique(lines: &[Line]) -> Result<(), ParseError> {
    let mut seen: HashMap<_, &Line> = HashMap::with_capacity(lines.len());
    for line in lines {
        if let Some(first) = seen.insert(line.key(), line) {
            return Err(ParseError::DuplicateLine {
                first: first.source.clone(),
                second: line.source.clone(),
                key: line.key_text(),
            });
        }
    }
    Ok(())
}
