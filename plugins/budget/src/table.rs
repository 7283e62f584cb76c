//! Reading the body of a budget table: lines, and the headings that
//! classify them.
//!
//! Below the header a report mixes three kinds of rows. *Lines* carry a
//! paragraph code and amounts; they are what gets published, one amount per
//! phase (and per fund, when the report has a column for each fund).
//! *Headings* carry no paragraph: `РАЗХОДИ`, `МЕСТНИ ДЕЙНОСТИ`, `Функция 03
//! Образование`, `Дейност 322 …` set the direction, fund, function or
//! activity of the lines under them. *Totals* (`ВСИЧКО РАЗХОДИ:`, `Всичко за
//! дейност 322`) are recognized here with the lines they cover, and checked
//! by [`totals`] once the table is read. A report whose total does not add
//! up is still published, line by line as printed, because the lines are
//! the data and a wrong total is usually a typo in the total; the warning
//! lets a person look.

use vitrina_sdk::Decimal;
use vitrina_sdk::normalize::money::{self, Cents};
use vitrina_sdk::normalize::{number, text};

use crate::ebk::{self, Activity, Direction, Fund, Paragraph, Phase};
use crate::error::{Location, ParseError, Place};
use crate::grid::{Cell, GridRow, Sheet};
use crate::header::{self, Column, Header, Role};
use crate::totals::{self, AmountColumns, Scope, Total};

/// One amount of one line, before the year and currency are applied.
#[derive(Debug, Clone, PartialEq)]
pub struct TableLine {
    pub phase: Phase,
    pub direction: Direction,
    pub fund: Fund,
    pub activity: Option<Activity>,
    pub activity_name: Option<String>,
    /// Set only when the report gives a function but no activity.
    pub function: Option<u8>,
    pub paragraph: Paragraph,
    pub paragraph_name: Option<String>,
    /// In the currency's units with two decimals: a `хил. лв.` report is
    /// already multiplied out ([`money::to_cents`]).
    pub amount: Decimal,
    pub row: u32,
    pub column: usize,
}

/// What the caller knows about the table before reading it.
#[derive(Debug, Clone)]
pub struct Setup {
    pub place: Place,
    /// The table's unit (`хил. лв.` → 1000), for columns without their own.
    pub multiplier: Decimal,
    /// The direction from the title, or the source's `#direction=`.
    pub direction: Option<Direction>,
    /// Whether `direction` came from `#direction=` and so beats headings.
    pub direction_fixed: bool,
}

/// The lines of one table and the warnings its totals raised.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    pub lines: Vec<TableLine>,
    pub warnings: Vec<String>,
}

/// Reads the body of `sheet` under `header`.
pub fn read(sheet: &Sheet, header: &Header, setup: &Setup) -> Result<Table, ParseError> {
    let mut reader = Reader::new(header, setup);
    for row in &sheet.rows[header.body_start..] {
        reader.row(row)?;
    }
    Ok(reader.finish())
}

/// The classification in force at the current row, set by headings.
#[derive(Debug, Clone, Default)]
struct Context {
    direction: Option<Direction>,
    fund: Option<Fund>,
    function: Option<u8>,
    activity: Option<(Activity, Option<String>)>,
}

/// The cells of one row, sorted by what their column holds.
struct RowCells<'a> {
    row: &'a GridRow,
    function: Option<(&'a Column, String)>,
    activity: Option<(&'a Column, String)>,
    paragraph: Option<(&'a Column, String)>,
    name: Option<String>,
    fund: Option<(&'a Column, String)>,
    /// Every filled cell outside the amount columns, cleaned.
    labels: Vec<String>,
}

struct Reader<'a> {
    header: &'a Header,
    setup: &'a Setup,
    amount_columns: AmountColumns<'a>,
    context: Context,
    lines: Vec<TableLine>,
    totals: Vec<Total>,
    warnings: Vec<String>,
}

impl<'a> Reader<'a> {
    fn new(header: &'a Header, setup: &'a Setup) -> Self {
        Self {
            header,
            setup,
            amount_columns: AmountColumns::new(header),
            context: Context {
                direction: setup.direction,
                ..Context::default()
            },
            lines: Vec::new(),
            totals: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn at(&self, row: u32) -> Location {
        self.setup.place.at(row)
    }

    fn row(&mut self, row: &GridRow) -> Result<(), ParseError> {
        if row.is_blank() || self.repeats_header(row) {
            return Ok(());
        }
        let cells = self.sort_cells(row);
        let amounts = self.amounts(row)?;
        if starts_with_total_word(&cells.labels) {
            self.total(&cells, amounts)
        } else if let Some((column, code)) = &cells.paragraph
            && let Some(paragraph) = self.paragraph(row, column, code, amounts.is_empty())?
        {
            self.line(&cells, paragraph, amounts)
        } else {
            self.heading(&cells, amounts)
        }
    }

    /// Reports split over pages repeat the header (and its sub-header row
    /// of fund names); such rows are skipped.
    fn repeats_header(&self, row: &GridRow) -> bool {
        let texts: Vec<String> = row.cells.iter().map(Cell::text).collect();
        if header::looks_like_header(&texts) {
            let holds_amounts = self.amount_columns.iter().any(|(c, _)| {
                let cell = row.cell(c.index);
                matches!(cell, Cell::Number(_))
                    || matches!(number::parse_number(&cell.text()), Ok(Some(_)))
            });
            return !holds_amounts;
        }
        let mut amount_texts = self
            .amount_columns
            .iter()
            .map(|(c, _)| row.cell(c.index))
            .filter(|cell| !cell.is_empty())
            .peekable();
        amount_texts.peek().is_some()
            && amount_texts.all(|cell| {
                matches!(cell, Cell::Text(t) if header::names_amount_split(t)
                    && number::parse_number(t).is_err())
            })
    }

    fn sort_cells<'r>(&self, row: &'r GridRow) -> RowCells<'r>
    where
        'a: 'r,
    {
        let mut cells = RowCells {
            row,
            function: None,
            activity: None,
            paragraph: None,
            name: None,
            fund: None,
            labels: Vec::new(),
        };
        for column in &self.header.columns {
            let value = text::clean(&row.cell(column.index).text());
            if value.is_empty() {
                continue;
            }
            match &column.role {
                Role::Amount(_) => continue,
                Role::Function => cells.function = Some((column, value.clone())),
                Role::Activity => cells.activity = Some((column, value.clone())),
                Role::Paragraph => cells.paragraph = Some((column, value.clone())),
                Role::Name => cells.name = Some(value.clone()),
                Role::Fund => cells.fund = Some((column, value.clone())),
            }
            cells.labels.push(value);
        }
        cells
    }

    /// The row's amounts by column, in units and to the cent; `x`, dashes
    /// and empty cells are absent. An amount with digits below the cent is
    /// rounded and warned about, since the cents are what is published.
    fn amounts(&mut self, row: &GridRow) -> Result<Vec<(usize, Decimal)>, ParseError> {
        let mut amounts = Vec::new();
        for (column, amount) in self.amount_columns.iter() {
            let multiplier = amount.multiplier.unwrap_or(self.setup.multiplier);
            let Some(cents) = self.amount(row, column, multiplier)? else {
                continue;
            };
            if cents.rounded {
                self.warnings
                    .push(self.rounding_warning(row, column, multiplier, cents.amount));
            }
            amounts.push((column.index, cents.amount));
        }
        Ok(amounts)
    }

    fn amount(
        &self,
        row: &GridRow,
        column: &Column,
        multiplier: Decimal,
    ) -> Result<Option<Cents>, ParseError> {
        let bad = |cell: String, reason: String| ParseError::BadAmount {
            at: self.at(row.number),
            column: column.label(),
            cell,
            reason,
        };
        let value = match row.cell(column.index) {
            Cell::Empty => return Ok(None),
            Cell::Number(n) => *n,
            Cell::Text(s) => match number::parse_number(s) {
                Ok(Some(v)) => v,
                Ok(None) => return Ok(None),
                Err(e) => return Err(bad(s.clone(), e.reason)),
            },
        };
        money::to_cents(value, multiplier)
            .map(Some)
            .map_err(|e| bad(value.to_string(), e.to_string()))
    }

    fn rounding_warning(
        &self,
        row: &GridRow,
        column: &Column,
        multiplier: Decimal,
        cents: Decimal,
    ) -> String {
        let cell = text::clean(&row.cell(column.index).text());
        let unit = if multiplier == Decimal::ONE {
            String::new()
        } else {
            format!(" × {multiplier}")
        };
        format!(
            "{}, column {}: „{cell}“{unit} has digits below the cent; published as {cents}, \
             rounded half-up",
            self.at(row.number),
            column.label()
        )
    }

    /// The row's paragraph, or `None` when the code column holds a heading
    /// (`Дейност 322 …`, `ПРИХОДИ`) rather than a code.
    fn paragraph(
        &self,
        row: &GridRow,
        column: &Column,
        code: &str,
        no_amounts: bool,
    ) -> Result<Option<Paragraph>, ParseError> {
        let Some(coded) = ebk::split_code(code) else {
            return Ok(None);
        };
        // Three digits typed as text are an activity heading in a single
        // code column (`122 Общинска администрация`); only a spreadsheet
        // number loses the leading zero of `01-00` and reads `100`.
        let is_number = matches!(row.cell(column.index), Cell::Number(_));
        if !is_number && activity_code(&coded.code).is_some() {
            return Ok(None);
        }
        match ebk::parse_paragraph(&coded.code) {
            Ok(p) => Ok(Some(p)),
            // A number in the code column of a row without amounts is a
            // heading's code (an activity); with amounts it is a broken line.
            Err(_) if no_amounts => Ok(None),
            Err(e) => Err(ParseError::BadCode {
                at: self.at(row.number),
                column: column.label(),
                reason: e.0,
            }),
        }
    }

    fn line(
        &mut self,
        cells: &RowCells<'_>,
        paragraph: Paragraph,
        amounts: Vec<(usize, Decimal)>,
    ) -> Result<(), ParseError> {
        let row = cells.row.number;
        self.line_codes(cells)?;
        if amounts.is_empty() {
            return Ok(());
        }
        let direction = self.direction_for_line(row)?;
        let fund = match &cells.fund {
            Some((column, value)) => self.fund_cell(cells.row, column, value)?,
            None => self.context.fund.unwrap_or(Fund::All),
        };
        let paragraph_name = cells
            .name
            .as_deref()
            .and_then(ebk::tidy_name)
            .or_else(|| inline_name(cells.paragraph.as_ref()));
        let (activity, activity_name) = match &self.context.activity {
            Some((a, name)) => (Some(*a), name.clone()),
            None => (None, None),
        };
        let function = activity
            .is_none()
            .then_some(self.context.function)
            .flatten();
        let at = self.at(row);
        self.warnings
            .extend(self.amount_columns.fund_sum_warnings(&at, &amounts));
        for (column, amount) in self.amount_columns.published(&amounts) {
            self.lines.push(TableLine {
                phase: column.phase,
                direction,
                fund: column.fund.unwrap_or(fund),
                activity,
                activity_name: activity_name.clone(),
                function,
                paragraph,
                paragraph_name: paragraph_name.clone(),
                amount,
                row,
                column: column.index,
            });
        }
        Ok(())
    }

    /// Updates the context from a line's own function and activity cells:
    /// in spreadsheets a merged activity cell fills only the first line of
    /// its block, so the lines after it keep that activity.
    fn line_codes(&mut self, cells: &RowCells<'_>) -> Result<(), ParseError> {
        let row = cells.row;
        let activity = match &cells.activity {
            Some((column, value)) => Some(self.activity_cell(row, column, value)?),
            None => None,
        };
        let function = match &cells.function {
            Some((column, value)) => Some(self.function_cell(row, column, value)?),
            None => None,
        };
        if let (Some(f), Some((a, _))) = (function, &activity)
            && a.function() != f
            && let Some((column, _)) = &cells.function
        {
            return Err(ParseError::BadCode {
                at: self.at(row.number),
                column: column.label(),
                reason: format!("function {f} does not match activity {a}"),
            });
        }
        if let Some((activity, name)) = activity {
            self.set_activity(activity, name);
        } else if let Some(function) = function
            && self.context.function != Some(function)
        {
            self.set_function(function);
        }
        Ok(())
    }

    fn activity_cell(
        &self,
        row: &GridRow,
        column: &Column,
        value: &str,
    ) -> Result<(Activity, Option<String>), ParseError> {
        let coded = ebk::split_code(value);
        let parsed = coded
            .as_ref()
            .ok_or_else(|| format!("{value:?} is not an activity code"))
            .and_then(|c| ebk::parse_activity(&c.code).map_err(|e| e.0));
        match parsed {
            Ok(activity) => Ok((activity, coded.and_then(|c| ebk::tidy_name(&c.rest)))),
            Err(reason) => Err(ParseError::BadCode {
                at: self.at(row.number),
                column: column.label(),
                reason,
            }),
        }
    }

    fn function_cell(&self, row: &GridRow, column: &Column, value: &str) -> Result<u8, ParseError> {
        let code = ebk::split_code(value).map(|c| c.code).unwrap_or_default();
        ebk::parse_function(&code).map_err(|_| ParseError::BadCode {
            at: self.at(row.number),
            column: column.label(),
            reason: format!("{value:?} is not a function code (expected 1 to 9)"),
        })
    }

    fn fund_cell(&self, row: &GridRow, column: &Column, value: &str) -> Result<Fund, ParseError> {
        Fund::from_cell(&header::key(value)).ok_or_else(|| ParseError::BadCode {
            at: self.at(row.number),
            column: column.label(),
            reason: format!(
                "{value:?} is not a fund (expected Д, М, Доф, or държавни / местни дейности / \
                 дофинансиране)"
            ),
        })
    }

    fn set_activity(&mut self, activity: Activity, name: Option<String>) {
        let same = self.context.activity.as_ref().map(|(a, _)| *a) == Some(activity);
        if same && name.is_none() {
            return;
        }
        let name = name.or_else(|| ebk::activity_name(activity).map(str::to_string));
        self.context.function = Some(activity.function());
        self.context.activity = Some((activity, name));
    }

    fn set_function(&mut self, function: u8) {
        self.context.function = Some(function);
        self.context.activity = None;
    }

    /// Expenditure is what has an activity; anything else needs a heading,
    /// the title or `#direction=` to say what it is.
    fn direction_for_line(&mut self, row: u32) -> Result<Direction, ParseError> {
        if let Some(direction) = self.context.direction {
            return Ok(direction);
        }
        if self.context.activity.is_some() || self.context.function.is_some() {
            self.context.direction = Some(Direction::Expenditure);
            return Ok(Direction::Expenditure);
        }
        Err(ParseError::NoDirection { at: self.at(row) })
    }

    fn total(
        &mut self,
        cells: &RowCells<'_>,
        amounts: Vec<(usize, Decimal)>,
    ) -> Result<(), ParseError> {
        let label = cells.labels.join(" ");
        let k = header::key(&label);
        let mut scope = Scope {
            direction: Direction::named_in(&k).or(self.context.direction),
            fund: Fund::named_in(&k),
            ..Scope::default()
        };
        if let Some((column, value)) = &cells.activity {
            scope.activity = Some(self.activity_cell(cells.row, column, value)?.0);
        } else if let Some(activity) =
            word_code(&k, "дейност").and_then(|c| ebk::parse_activity(c).ok())
        {
            scope.activity = Some(activity);
        } else if let Some(function) =
            word_code(&k, "функция").and_then(|c| ebk::parse_function(c).ok())
        {
            scope.function = Some(function);
        }
        // `Всичко за дейност 322` under `МЕСТНИ ДЕЙНОСТИ` covers the local
        // lines of 322 only; `ВСИЧКО РАЗХОДИ` covers every fund.
        if scope.activity.is_some() || scope.function.is_some() {
            scope.fund = scope.fund.or(self.context.fund);
        }
        self.push_total(scope, label, cells.row.number, amounts);
        Ok(())
    }

    fn push_total(&mut self, scope: Scope, label: String, row: u32, values: Vec<(usize, Decimal)>) {
        if !values.is_empty() {
            self.totals.push(Total {
                scope,
                label,
                row,
                values,
            });
        }
    }

    /// A row without a paragraph: a heading that sets the context (and,
    /// with amounts, is the total of what it heads), or a stray row.
    fn heading(
        &mut self,
        cells: &RowCells<'_>,
        amounts: Vec<(usize, Decimal)>,
    ) -> Result<(), ParseError> {
        let Some(scope) = self.apply_heading(cells)? else {
            if !amounts.is_empty() {
                self.warnings.push(format!(
                    "{}: „{}“ has amounts but no paragraph code and is not a total or a \
                     heading; skipped",
                    self.at(cells.row.number),
                    cells.labels.join(" ")
                ));
            }
            return Ok(());
        };
        self.push_total(scope, cells.labels.join(" "), cells.row.number, amounts);
        Ok(())
    }

    /// Applies a heading to the context; returns the scope of what it heads,
    /// or `None` when the row is no heading.
    fn apply_heading(&mut self, cells: &RowCells<'_>) -> Result<Option<Scope>, ParseError> {
        let applied =
            self.code_heading(cells)? || self.named_heading(cells) || self.section_heading(cells);
        Ok(applied.then(|| self.scope_here()))
    }

    /// A function or activity given by its code alone: in the function or
    /// activity column, or three digits in a single code column.
    fn code_heading(&mut self, cells: &RowCells<'_>) -> Result<bool, ParseError> {
        let name_cell = || cells.name.as_deref().and_then(ebk::tidy_name);
        if let Some((column, value)) = &cells.activity {
            let (activity, inline) = self.activity_cell(cells.row, column, value)?;
            self.set_activity(activity, inline.or_else(name_cell));
            return Ok(true);
        }
        if let Some((column, value)) = &cells.function {
            let function = self.function_cell(cells.row, column, value)?;
            self.set_function(function);
            return Ok(true);
        }
        if let Some((_, value)) = &cells.paragraph
            && let Some(coded) = ebk::split_code(value)
            && let Some(activity) = activity_code(&coded.code)
        {
            self.set_activity(activity, ebk::tidy_name(&coded.rest).or_else(name_cell));
            return Ok(true);
        }
        Ok(false)
    }

    /// `Дейност 322 „Неспециализирани училища“`, `Функция 03 Образование`.
    fn named_heading(&mut self, cells: &RowCells<'_>) -> bool {
        for label in &cells.labels {
            let k = header::key(label);
            if let Some((activity, name)) = ebk::activity_heading(&k) {
                // The key is lowercase; take the name as printed.
                let printed = printed_tail(label, &name);
                self.set_activity(activity, printed.as_deref().and_then(ebk::tidy_name));
                return true;
            }
            if let Some((function, _)) = ebk::function_heading(&k) {
                self.set_function(function);
                return true;
            }
        }
        false
    }

    /// `II. РАЗХОДИ`, `МЕСТНИ ДЕЙНОСТИ`, `МЕСТНИ ПРИХОДИ`: a direction
    /// starts a new section; a fund starts a new part of the section.
    fn section_heading(&mut self, cells: &RowCells<'_>) -> bool {
        let k = header::key(&cells.labels.join(" "));
        // A long text is a note (`Забележка: средствата за местни дейности
        // …`), not a section heading.
        if k.split(' ').count() > MAX_SECTION_HEADING_WORDS {
            return false;
        }
        let fund = Fund::named_in(&k);
        // `ДОФИНАНСИРАНЕ … С МЕСТНИ ПРИХОДИ` names revenue as the source of
        // the money it spends: co-financing is always expenditure.
        let direction = Direction::named_in(&k)
            .filter(|_| !self.setup.direction_fixed && fund != Some(Fund::Cofinancing));
        if let Some(direction) = direction {
            self.context = Context {
                direction: Some(direction),
                ..Context::default()
            };
        }
        if let Some(fund) = fund {
            self.context.fund = Some(fund);
            self.context.function = None;
            self.context.activity = None;
        }
        direction.is_some() || fund.is_some()
    }

    fn scope_here(&self) -> Scope {
        let activity = self.context.activity.as_ref().map(|(a, _)| *a);
        Scope {
            direction: self.context.direction,
            fund: self.context.fund,
            function: if activity.is_some() {
                None
            } else {
                self.context.function
            },
            activity,
        }
    }

    fn finish(mut self) -> Table {
        let place = &self.setup.place;
        let mut warnings = totals::fold_paragraph_groups(&mut self.lines, place);
        for total in &self.totals {
            warnings.extend(
                self.amount_columns
                    .total_warnings(total, &self.lines, place),
            );
        }
        self.warnings.extend(warnings);
        Table {
            lines: self.lines,
            warnings: self.warnings,
        }
    }
}

/// Section headings are short: `II. РАЗХОДИ`, `ДОФИНАНСИРАНЕ НА ДЕЛЕГИРАНИ
/// ДЕЙНОСТИ С МЕСТНИ ПРИХОДИ`.
const MAX_SECTION_HEADING_WORDS: usize = 12;

fn starts_with_total_word(labels: &[String]) -> bool {
    labels.iter().any(|label| {
        let k = header::key(label);
        ["всичко", "общо", "total", "итого", "сума "]
            .iter()
            .any(|w| k.starts_with(w))
    })
}

/// A bare three-digit activity code (`122`), as a code column prints an
/// activity heading.
fn activity_code(code: &str) -> Option<Activity> {
    let is_three_digits = code.len() == 3 && code.chars().all(|c| c.is_ascii_digit());
    is_three_digits
        .then(|| ebk::parse_activity(code).ok())
        .flatten()
}

/// The code after a word: `всичко за дейност 322` → `322`.
fn word_code<'k>(k: &'k str, word: &str) -> Option<&'k str> {
    let at = k.find(word)? + word.len();
    let rest = k[at..].trim_start_matches([' ', '№', ':']);
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    (end > 0).then(|| &rest[..end])
}

/// The name printed after the code in a code cell (`10-16 Вода, горива`).
fn inline_name(cell: Option<&(&Column, String)>) -> Option<String> {
    let (_, value) = cell?;
    ebk::tidy_name(&ebk::split_code(value)?.rest)
}

/// The last `chars` characters of `printed`, where `lowered` is the lower-
/// case tail found in its match key: the name as the report prints it.
fn printed_tail(printed: &str, lowered: &str) -> Option<String> {
    let cleaned = text::fold_dashes(&text::fold_quotes(&text::clean(printed)));
    let count = lowered.chars().count();
    let total = cleaned.chars().count();
    let tail: String = cleaned.chars().skip(total.checked_sub(count)?).collect();
    (tail.to_lowercase() == lowered).then_some(tail)
}
