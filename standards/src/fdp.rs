//! Fiscal Data Packages for published versions of `budget` datasets.
//!
//! Budget tools (OpenSpending and the tools built on the Fiscal Data
//! Package specification) read a tabular data package plus a `model` that
//! says which columns are money (*measures*, each with a currency, a budget
//! phase and a direction) and which describe it (*dimensions*: datetime,
//! classification …). The first thing they show is the *default
//! aggregate*: every measure summed over every row. The version's own
//! `data.csv` is in long format (one row per amount, with `phase` and
//! `direction` as columns), so a measure over it would add approved to
//! executed amounts and revenue to expenditure. Budget tools therefore get
//! a table of their own, `fiscal.csv`, written by [`write_fiscal_table`]:
//!
//! - one row per budget line: fiscal year, report date, direction, fund,
//!   function, activity, paragraph group and paragraph with their names,
//!   and whether the line is capital expenditure;
//! - one euro column per direction and phase the version holds
//!   (`expenditure_approved_eur`, `revenue_executed_eur` …): the line's
//!   `amount_eur` in that phase, empty when the line has none.
//!
//! Each measure has one direction, one phase and one currency, so its
//! default aggregate is a total worth showing: the sum of `amount_eur` over
//! the long rows of that direction and phase (`tools/validate/fdp.py` loads
//! the package with the `datapackage` library, as a partner would, and
//! checks exactly that). The total still spans every fiscal year and report
//! date of the version: a version holding a half-year and a closing report
//! of one year adds both, and budget tools filter on the `report_date` and
//! `fiscal_year` dimensions for a single report.
//!
//! Only euro amounts are measures, because a measure has one currency and
//! a version spanning 2025 and 2026 holds amounts in BGN and in EUR. The
//! original amounts, and the file, sheet and row of every amount, stay in
//! `data.csv`: each cell of `fiscal.csv` is one row there, found by the
//! line's key and the measure's direction and phase.
//!
//! [`fiscal_data_package`] writes the descriptor, stored as
//! `fiscal-datapackage.json` beside `fiscal.csv` in the version's folder.
//! It refers to the table by a relative path and names no address of the
//! portal, so the folder stays valid wherever it is served or mirrored. Its
//! model keys paragraphs by direction and code (revenue and expenditure
//! reuse paragraph numbers with other meanings) and declares the ЕБК
//! hierarchies as the specification does, by `parent` attributes within a
//! dimension (function → activity; direction → paragraph group →
//! paragraph): the profile has no `hierarchies` property. The descriptor
//! validates against the `fiscal-data-package` profile bundled with the
//! `datapackage` Python package (1.15.4), which requires `"profile":
//! "tabular-data-package"`.
//!
//! The table is pivoted in memory, in a `BTreeMap` keyed by budget line
//! (which also sorts the output, so the same rows always give the same
//! bytes): a municipal budget has thousands of lines, not millions, so
//! this holds a few megabytes at most. Amounts are summed in whole cents,
//! exactly.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::{Publication, Row};

/// The fiscal table's file name, relative to the descriptor: both are
/// published in the version's folder.
pub const FISCAL_TABLE: &str = "fiscal.csv";

/// The fiscal table's resource name, which the model's sources default to.
const RESOURCE: &str = "fiscal";

/// The `budget` profile classifies by the Bulgarian ЕБК, so its data is
/// Bulgarian.
const COUNTRY: &str = "BG";

/// The currency of every measure: the rows' `amount_eur`.
const CURRENCY: &str = "EUR";

/// Table Schema constraint keywords; a profile's own extensions (such as
/// `checksum`) are left out of the published schema.
const TABLE_SCHEMA_CONSTRAINTS: &[&str] = &[
    "required",
    "unique",
    "pattern",
    "enum",
    "minimum",
    "maximum",
    "minLength",
    "maxLength",
];

/// The columns that describe a budget line, in table order, with their
/// Table Schema types (for a profile that lacks one of them).
const LINE_COLUMNS: &[(&str, &str)] = &[
    ("fiscal_year", "integer"),
    ("report_date", "date"),
    ("direction", "string"),
    ("fund", "string"),
    ("function", "string"),
    ("function_name", "string"),
    ("activity", "string"),
    ("activity_name", "string"),
    ("paragraph_group", "string"),
    ("paragraph", "string"),
    ("paragraph_name", "string"),
    ("capital", "boolean"),
];

/// What identifies a budget line: the `budget` profile's key without the
/// phase, which the measures carry.
const LINE_KEY: &[&str] = &[
    "fiscal_year",
    "report_date",
    "direction",
    "fund",
    "activity",
    "paragraph",
];

/// Money coming in or going out, in the order the table's columns follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    Expenditure,
    Revenue,
}

impl Direction {
    pub const ALL: [Direction; 2] = [Direction::Expenditure, Direction::Revenue];

    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Expenditure => "expenditure",
            Direction::Revenue => "revenue",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// The budget phases of the Fiscal Data Package, in the order of a
/// budget's year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    Proposed,
    Approved,
    Adjusted,
    Executed,
}

impl Phase {
    pub const ALL: [Phase; 4] = [
        Phase::Proposed,
        Phase::Approved,
        Phase::Adjusted,
        Phase::Executed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Proposed => "proposed",
            Phase::Approved => "approved",
            Phase::Adjusted => "adjusted",
            Phase::Executed => "executed",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// What the phase's amounts are, for the column's description.
    fn meaning(self) -> &'static str {
        match self {
            Phase::Proposed => "as proposed to the council (проектобюджет)",
            Phase::Approved => {
                "as approved: the budget as adopted, or the plan column of a report (план, закон)"
            }
            Phase::Adjusted => "in the plan as amended during the year (уточнен план)",
            Phase::Executed => "as executed up to the report date (отчет, изпълнение)",
        }
    }
}

/// One measure of the fiscal table: the euro amounts of one direction in
/// one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Measure {
    pub direction: Direction,
    pub phase: Phase,
}

impl Measure {
    /// Every measure a version can have, in column order.
    pub fn all() -> impl Iterator<Item = Measure> {
        Direction::ALL.into_iter().flat_map(|direction| {
            Phase::ALL
                .into_iter()
                .map(move |phase| Measure { direction, phase })
        })
    }

    /// The measure a row's amount belongs to; `None` when its direction or
    /// phase is not one the profile allows.
    pub fn of(row: &Row) -> Option<Measure> {
        Some(Measure {
            direction: Direction::parse(text(row, "direction")?)?,
            phase: Phase::parse(text(row, "phase")?)?,
        })
    }

    /// Its column in the fiscal table (`expenditure_executed_eur`).
    pub fn column(self) -> String {
        format!("{}_{}_eur", self.direction.as_str(), self.phase.as_str())
    }
}

/// The measures of a version whose rows hold `present`: those, in column
/// order. A version without rows has all of them, since none can be ruled
/// out and a Fiscal Data Package must have a measure. The descriptor and
/// the table both use this, so they always agree.
fn measure_columns(present: &BTreeSet<Measure>) -> Vec<Measure> {
    if present.is_empty() {
        Measure::all().collect()
    } else {
        present.iter().copied().collect()
    }
}

/// What a descriptor needs to know about a version's rows: collected in one
/// pass over the rows, holding only a few values whatever their number.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FiscalSummary {
    /// The directions and phases the rows hold: the table's measures.
    pub measures: BTreeSet<Measure>,
    pub first_year: Option<i64>,
    pub last_year: Option<i64>,
}

impl FiscalSummary {
    /// Summarizes the rows of a version.
    pub fn from_rows(rows: impl IntoIterator<Item = Row>) -> Self {
        let mut summary = Self::default();
        for row in rows {
            summary.add(&row);
        }
        summary
    }

    /// Adds one row.
    pub fn add(&mut self, row: &Row) {
        self.measures.extend(Measure::of(row));
        if let Some(year) = row.get("fiscal_year").and_then(Value::as_i64) {
            self.first_year = Some(self.first_year.map_or(year, |y| y.min(year)));
            self.last_year = Some(self.last_year.map_or(year, |y| y.max(year)));
        }
    }
}

/// The Fiscal Data Package descriptor of a version of a `budget` dataset,
/// describing its [`FISCAL_TABLE`] as written by [`write_fiscal_table`]
/// from the same rows. `profile` is the profile's Table Schema
/// (`budget.json`): the line columns take their titles, descriptions and
/// constraints from it.
pub fn fiscal_data_package(
    publication: &Publication,
    profile: &Value,
    summary: &FiscalSummary,
) -> Value {
    let measures = measure_columns(&summary.measures);
    let mut package = json!({
        "profile": "tabular-data-package",
        "name": publication.dataset,
        "title": publication.title,
        "description": publication.description,
        "version": format!("{}.0.0", publication.version),
        "created": publication.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "contributors": [{"title": publication.publisher, "role": "publisher"}],
        "countryCode": COUNTRY,
        "granularity": "aggregated",
        "resources": [resource(profile, &measures)],
        "model": {
            "measures": model_measures(&measures),
            "dimensions": dimensions(),
        },
    });
    if !publication.license.is_empty() {
        package["licenses"] = json!([crate::licences::data_package_entry(&publication.license)]);
    }
    if let Some(period) = fiscal_period(summary) {
        package["fiscalPeriod"] = period;
    }
    package
}

fn resource(profile: &Value, measures: &[Measure]) -> Value {
    let documented: BTreeMap<&str, &Value> = profile["fields"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| Some((f.get("name")?.as_str()?, f)))
        .collect();
    let line_fields = LINE_COLUMNS
        .iter()
        .map(|&(name, kind)| match documented.get(name) {
            Some(field) => table_schema_field(field),
            None => json!({"name": name, "type": kind}),
        });
    let fields: Vec<Value> = line_fields
        .chain(measures.iter().map(|&m| measure_field(m)))
        .collect();
    json!({
        "profile": "tabular-data-resource",
        "name": RESOURCE,
        "path": FISCAL_TABLE,
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": {"delimiter": ",", "doubleQuote": true, "header": true},
        "schema": {"fields": fields, "primaryKey": LINE_KEY, "missingValues": [""]},
    })
}

fn table_schema_field(field: &Value) -> Value {
    let mut out = Map::new();
    for key in ["name", "type", "title", "description", "format"] {
        if let Some(value) = field.get(key) {
            out.insert(key.to_string(), value.clone());
        }
    }
    let constraints: Map<String, Value> = field["constraints"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(k, _)| TABLE_SCHEMA_CONSTRAINTS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !constraints.is_empty() {
        out.insert("constraints".to_string(), Value::Object(constraints));
    }
    Value::Object(out)
}

fn measure_field(m: Measure) -> Value {
    let direction = m.direction.as_str();
    let phase = m.phase.as_str();
    let mut title = direction.to_string();
    title[..1].make_ascii_uppercase();
    json!({
        "name": m.column(),
        "type": "number",
        "title": format!("{title}, {phase} (EUR)"),
        "description": format!(
            "The line's {direction} {} in euro: amount_eur of its row in data.csv with \
             direction {direction} and phase {phase}; empty when the line has none. One \
             direction and one phase, so the column's total is a meaningful sum.",
            m.phase.meaning()
        ),
    })
}

/// The model's measures: each with its currency, direction and phase.
fn model_measures(measures: &[Measure]) -> Value {
    let entries = measures.iter().map(|&m| {
        let measure = json!({
            "source": m.column(),
            "currency": CURRENCY,
            "direction": m.direction.as_str(),
            "phase": m.phase.as_str(),
        });
        (m.column(), measure)
    });
    Value::Object(entries.collect())
}

/// The dimensions, over the line columns. Hierarchies are `parent`
/// attributes within a dimension, and labels name the attribute they label
/// (`labelfor`), as the specification defines them.
fn dimensions() -> Value {
    let single = |kind: &str, name: &str| {
        json!({
            "dimensionType": kind,
            "attributes": {name: {"source": name}},
            "primaryKey": name,
        })
    };
    let mut capital = single("classification", "capital");
    capital["classificationType"] = json!("economic");
    json!({
        "fiscal_year": single("datetime", "fiscal_year"),
        "report_date": single("datetime", "report_date"),
        "fund": single("classification", "fund"),
        // Function → activity. A line with a function but no activity has
        // activity 000, so the function is part of the key.
        "functional_classification": {
            "dimensionType": "classification",
            "classificationType": "functional",
            "attributes": {
                "function": {"source": "function"},
                "function_name": {"source": "function_name", "labelfor": "function"},
                "activity": {"source": "activity", "parent": "function"},
                "activity_name": {"source": "activity_name", "labelfor": "activity"},
            },
            "primaryKey": ["function", "activity"],
        },
        // Direction → paragraph group → paragraph: revenue and expenditure
        // are two classifications that reuse numbers, so a paragraph is
        // keyed by its direction and code.
        "economic_classification": {
            "dimensionType": "classification",
            "classificationType": "economic",
            "attributes": {
                "direction": {"source": "direction"},
                "paragraph_group": {"source": "paragraph_group", "parent": "direction"},
                "paragraph": {"source": "paragraph", "parent": "paragraph_group"},
                "paragraph_name": {"source": "paragraph_name", "labelfor": "paragraph"},
            },
            "primaryKey": ["direction", "paragraph"],
        },
        "capital": capital,
    })
}

/// From the first day of the first fiscal year to the last day of the last.
fn fiscal_period(summary: &FiscalSummary) -> Option<Value> {
    Some(json!({
        "start": format!("{:04}-01-01", summary.first_year?),
        "end": format!("{:04}-12-31", summary.last_year?),
    }))
}

/// The key a budget line is sorted and merged by: [`LINE_KEY`]'s values.
type LineKey = (
    Option<i64>,
    Option<String>,
    Direction,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// One row of the fiscal table, as it is being pivoted.
struct Line {
    /// The values of [`LINE_COLUMNS`].
    columns: Vec<Value>,
    /// Each measure's amount, in cents.
    amounts: BTreeMap<Measure, i128>,
}

/// Writes the fiscal table of a version from its rows (in any order): a
/// CSV with a header row, one row per budget line sorted by its key, the
/// columns [`fiscal_data_package`] declares for the same rows. Fails with
/// `InvalidData` on a row the `budget` profile would have refused (an
/// unknown direction or phase, an amount that is not a decimal with at
/// most two places), rather than leaving its amount out of the totals.
pub fn write_fiscal_table<W: Write>(
    out: &mut W,
    rows: impl Iterator<Item = Row>,
) -> io::Result<()> {
    let mut lines: BTreeMap<LineKey, Line> = BTreeMap::new();
    let mut present = BTreeSet::new();
    for (index, row) in rows.enumerate() {
        let invalid = |what: &str| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("fiscal table: row {}: {what}", index + 1),
            )
        };
        let measure =
            Measure::of(&row).ok_or_else(|| invalid("direction or phase is not the profile's"))?;
        let cents = row
            .get("amount_eur")
            .and_then(cents)
            .ok_or_else(|| invalid("amount_eur is not a decimal with two places"))?;
        present.insert(measure);
        let line = lines
            .entry(line_key(&row, measure.direction))
            .or_insert_with(|| Line {
                columns: vec![Value::Null; LINE_COLUMNS.len()],
                amounts: BTreeMap::new(),
            });
        // A line's phases come from one row of a report, so they share
        // names; a name one source left out is taken from another.
        for (cell, &(name, _)) in line.columns.iter_mut().zip(LINE_COLUMNS) {
            if cell.is_null()
                && let Some(value) = row.get(name)
            {
                *cell = value.clone();
            }
        }
        // The profile's key makes each cell one row; were two rows to meet
        // in a cell, adding them keeps every total equal to the long sum.
        let amount = line.amounts.entry(measure).or_insert(0);
        *amount = amount
            .checked_add(cents)
            .ok_or_else(|| invalid("amounts too large to add"))?;
    }

    let measures = measure_columns(&present);
    let header = LINE_COLUMNS
        .iter()
        .map(|&(name, _)| name.to_string())
        .chain(measures.iter().map(|m| m.column()));
    write_record(out, header.map(|name| csv_text(&name)))?;
    for line in lines.values() {
        let columns = line.columns.iter().map(csv_value);
        let amounts = measures.iter().map(|m| {
            line.amounts
                .get(m)
                .map_or_else(String::new, |&c| format_cents(c))
        });
        write_record(out, columns.chain(amounts))?;
    }
    Ok(())
}

fn text<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

fn line_key(row: &Row, direction: Direction) -> LineKey {
    let owned = |field| text(row, field).map(str::to_string);
    (
        row.get("fiscal_year").and_then(Value::as_i64),
        owned("report_date"),
        direction,
        owned("fund"),
        owned("activity"),
        owned("paragraph"),
    )
}

/// An amount as the rows API serves decimals (`"1234.50"`, `"-0.05"`), in
/// cents. Money carries exactly two decimals (the profile's
/// `decimalPlaces`); fewer are read as they are, more are refused rather
/// than rounded, since rounding would make the totals differ from the long
/// table's.
fn cents(value: &Value) -> Option<i128> {
    match value {
        Value::String(s) => parse_cents(s),
        Value::Number(n) => parse_cents(&n.to_string()),
        _ => None,
    }
}

fn parse_cents(text: &str) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (units, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if units.is_empty() || !all_digits(units) || fraction.len() > 2 || !all_digits(fraction) {
        return None;
    }
    let units: i128 = units.parse().ok()?;
    let fraction: i128 = format!("{fraction:0<2}").parse().ok()?;
    let value = units.checked_mul(100)?.checked_add(fraction)?;
    Some(if negative { -value } else { value })
}

fn format_cents(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// One CSV record as `data.csv` writes them: comma-separated, CRLF-ended.
fn write_record<W: Write>(out: &mut W, cells: impl Iterator<Item = String>) -> io::Result<()> {
    for (i, cell) in cells.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        out.write_all(cell.as_bytes())?;
    }
    out.write_all(b"\r\n")
}

/// A cell: null is empty (the schema's missing value), an empty text is
/// `""`, booleans are `true`/`false`.
fn csv_value(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.is_empty() => "\"\"".to_string(),
        Value::String(s) => csv_text(s),
        other => csv_text(&other.to_string()),
    }
}

/// Text quoted when it holds a separator, a quote or a line break (RFC 4180).
fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests;
