//! The `budget` plugin: a municipality's budgets and budget execution
//! reports, as budget lines classified by the Bulgarian ЕБК.
//!
//! The plugin reads the files listed in `sources` (Windows-1251 or UTF-8
//! CSV, XLSX, XLS or ODS annexes), finds the budget table in each, and
//! emits one row per amount under the `budget` profile: fiscal year, phase,
//! direction, fund, function, activity, paragraph and its whole paragraph,
//! whether it is capital expenditure, the amount as printed
//! (multiplied out of `хил. лв.`, two decimals, digits below the cent
//! rounded half-up with a warning), its currency, its euro value by the
//! statutory rule, the date the amount stands at (a report's date, part
//! of the key so that reports of one year stay apart), and the file and
//! row it came from. Parsing lives in
//! pure modules tested on the fixtures natively; this file is the glue to
//! the SDK: configuration, fetching, warnings and mapping lines to rows.
//!
//! # Layout
//! - [`source`]: the `sources` setting and its per-file `#` options.
//! - [`index`]: report files linked from the budget page (`index_url`).
//! - [`grid`]: a file as sheets of cells (CSV or spreadsheet).
//! - [`header`]: the header row and what each column holds.
//! - [`title`]: year, report date, unit and currency from the title rows.
//! - [`table`]: lines and the headings that classify them.
//! - [`totals`]: printed totals, checked against the lines, not published.
//! - [`report`]: one file to budget lines, with the euro rule applied.
//! - [`ebk`]: the budget classification's codes, names and words.
//! - [`error`]: locations and the typed parse errors.

pub mod ebk;
pub mod error;
pub mod grid;
pub mod header;
pub mod index;
pub mod report;
pub mod source;
pub mod table;
pub mod title;
pub mod totals;

use vitrina_sdk::prelude::*;

use error::ParseError;
use report::Line;
use source::Source;

/// The stream this plugin produces.
pub const STREAM: &str = "budget_lines";

struct Budget;

impl Plugin for Budget {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "budget",
            env!("CARGO_PKG_VERSION"),
            "A municipality's budgets and budget execution reports (CSV, XLSX, XLS, ODS), as \
             budget lines by fiscal year, report date, phase, direction, fund, activity and \
             paragraph of the Bulgarian budget classification (ЕБК), in the original currency \
             and in euro.",
        )
        .profile("budget")
        .config(ConfigKey::optional(
            "sources",
            "The report and budget files to read, separated by commas or line breaks: http(s) \
             URLs, or file:///… for fixtures. Each may end in options for what its title does \
             not say: #year=2024, #date=2025-06-30 (the date a report is made up to), \
             #direction=revenue|expenditure, \
             #phase=proposed|approved|adjusted|executed (for amount columns that name only a \
             fund), #sheet=Name (read one worksheet only; by default every sheet with a budget \
             table is read). Example: \"https://example.org/otchet-2024.csv, \
             https://example.org/byudzhet-2026.xlsx#sheet=Разходи\". Set sources, index_url \
             or both.",
        ))
        .config(ConfigKey::optional(
            "index_url",
            "A page that links to the report files (the municipality's budget page): every \
             CSV, XLSX, XLS or ODS file it links to is read after sources (a file in sources \
             is read once, with its options).",
        ))
        .config(ConfigKey::optional(
            "link_pattern",
            "With index_url: read only links whose text or URL contains one of these \
             |-separated words, compared without case (\"отчет|otchet\").",
        ))
        .stream(schema())
    }

    fn check(check: &mut Check) -> Result<(), Error> {
        let (sources, notes) = configured_sources(|key| check.config(key))?;
        for note in notes {
            check.note(note);
        }
        for source in sources {
            let parsed = read_source(&source)?;
            let warnings = match parsed.warnings.len() {
                0 => "no warning".to_string(),
                1 => format!("1 warning: {}", parsed.warnings[0]),
                n => format!("{n} warnings, the first: {}", parsed.warnings[0]),
            };
            check.note(format!(
                "{}: {} budget lines, {warnings}",
                source.url,
                parsed.lines.len()
            ));
        }
        Ok(())
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let (sources, notes) = configured_sources(|key| run.config(key))?;
        for note in notes {
            run.warn(note);
        }
        let total = sources.len() as u64;
        let mut lines = Vec::new();
        for (done, source) in sources.iter().enumerate() {
            let parsed = read_source(source)?;
            for note in &parsed.notes {
                info!("{note}");
            }
            for warning in parsed.warnings {
                run.warn(warning);
            }
            info!("{}: {} budget lines", source.url, parsed.lines.len());
            lines.extend(parsed.lines);
            run.progress(done as u64 + 1, Some(total));
        }
        // Two files may give the same line (a year listed twice); each file
        // was already checked on its own.
        report::ensure_unique(&lines).map_err(parse_error)?;
        for line in &lines {
            run.emit(line_row(run, line))?;
        }
        Ok(())
    }
}

vitrina_sdk::export_plugin!(Budget);

/// The files to read: `sources`, then the files `index_url` links to that
/// `sources` does not list. The notes are for the operator (a capped index).
fn configured_sources(
    config: impl Fn(&str) -> Option<String>,
) -> Result<(Vec<Source>, Vec<String>), Error> {
    let set = |key: &str| config(key).filter(|v| !v.trim().is_empty());
    let mut sources = match set("sources") {
        Some(value) => source::parse(&value).map_err(|e| Error::config(e.to_string()))?,
        None => Vec::new(),
    };
    let mut notes = Vec::new();
    match set("index_url") {
        Some(index) => {
            let pattern = set("link_pattern");
            let linked = linked_sources(index.trim(), pattern.as_deref(), &mut notes)?;
            let listed: Vec<String> = sources.iter().map(|s| s.url.clone()).collect();
            sources.extend(linked.into_iter().filter(|s| !listed.contains(&s.url)));
        }
        None if sources.is_empty() => {
            return Err(Error::config(
                "set sources (the report files), index_url (a page linking to them) or both \
                 under [config] in dataset.toml",
            ));
        }
        None => {}
    }
    Ok((sources, notes))
}

fn linked_sources(
    index: &str,
    pattern: Option<&str>,
    notes: &mut Vec<String>,
) -> Result<Vec<Source>, Error> {
    let base = url::Url::parse(index)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https" | "file"))
        .ok_or_else(|| Error::config(format!("index_url = {index:?} is not an http(s) URL")))?;
    let html =
        fetch::get_text(base.as_str()).map_err(|e| e.context(format!("index page {base}")))?;
    let mut links = index::report_links(&html, &base, pattern);
    if links.is_empty() {
        let matching = pattern.map_or(String::new(), |p| format!(" matching {p:?}"));
        return Err(Error::source_changed(format!(
            "index page {base} links to no CSV or spreadsheet file{matching}: has the page \
             moved or changed, or should link_pattern change?"
        )));
    }
    if links.len() > index::MAX_LINKS {
        notes.push(format!(
            "index page {base} links to {} report files; read the first {} (narrow \
             link_pattern or list the files in sources)",
            links.len(),
            index::MAX_LINKS
        ));
        links.truncate(index::MAX_LINKS);
    }
    info!("index page {base}: {} report files", links.len());
    links
        .iter()
        .map(|link| source::parse_one(link.url.as_str()))
        .collect::<Result<_, _>>()
        .map_err(|e| Error::source_changed(format!("index page {base}: {e}")))
}

fn read_source(source: &Source) -> Result<report::Parsed, Error> {
    let bytes = fetch::get(&source.url)
        .and_then(|response| response.bytes())
        .map_err(|e| e.context(format!("source {}", source.url)))?;
    report::parse(source, &bytes).map_err(parse_error)
}

fn parse_error(e: ParseError) -> Error {
    if e.is_config() {
        Error::config(e.to_string())
    } else {
        Error::source_changed(e.to_string())
    }
}

/// The `budget_lines` stream: the `budget` profile, field for field.
pub fn schema() -> StreamSchema {
    StreamSchema::new(
        STREAM,
        "One amount of a municipal budget: one phase of one budget line of one fiscal year.",
    )
    .field(
        Field::integer(
            "fiscal_year",
            "The fiscal (calendar) year the amount belongs to.",
        )
        .key(),
    )
    .field(
        Field::text(
            "phase",
            "proposed (draft budget), approved (as adopted), adjusted (уточнен план: after the \
             year's amendments) or executed (отчет: actually collected or paid).",
        )
        .key(),
    )
    .field(Field::text("direction", "expenditure or revenue.").key())
    .field(
        Field::text(
            "fund",
            "delegated (state-delegated activities), local (local activities), cofinancing \
             (local money added to delegated activities), or all when the source does not \
             split by fund.",
        )
        .key(),
    )
    .field(
        Field::text(
            "function",
            "ЕБК function, 1 to 9: the first digit of the activity. Null when the line has \
             no activity.",
        )
        .nullable(),
    )
    .field(Field::text("function_name", "The function's official name.").nullable())
    .field(
        Field::text(
            "activity",
            "ЕБК activity, three digits (322); 000 for lines classified by paragraph only, \
             as revenue usually is.",
        )
        .key(),
    )
    .field(
        Field::text(
            "activity_name",
            "The activity's name as the source prints it, else its usual ЕБК name.",
        )
        .nullable(),
    )
    .field(Field::text(
        "paragraph_group",
        "The whole paragraph the paragraph belongs to, NN-00 (10-16 → 10-00).",
    ))
    .field(
        Field::text(
            "paragraph",
            "ЕБК paragraph or subparagraph, NN-NN (10-16). Revenue and expenditure \
             paragraphs share numbers with different meanings: read it with direction.",
        )
        .key(),
    )
    .field(
        Field::text(
            "paragraph_name",
            "The paragraph's name as the source prints it.",
        )
        .nullable(),
    )
    .field(Field::boolean(
        "capital",
        "Capital expenditure: expenditure under ЕБК paragraphs 51 to 55 (major repairs, \
         fixed and intangible assets, land, capital transfers). False for revenue.",
    ))
    .field(Field::decimal(
        "amount",
        "The amount in currency, in units with two decimals (a report in thousands is \
         multiplied out; digits below the cent, rare, are rounded half-up with a warning); \
         negative for deductions.",
    ))
    .field(Field::text(
        "currency",
        "The amount's currency: BGN up to fiscal year 2025, EUR from 2026, unless the source \
         states otherwise.",
    ))
    .field(
        Field::decimal(
            "amount_eur",
            "The amount in euro: BGN divided by the fixed 1.95583 and rounded half-up to the \
             cent; EUR amounts rounded to the cent.",
        )
        .unit("EUR"),
    )
    .field(
        Field::date(
            "report_date",
            "The date the amount stands at: the date a report is made up to (към 31.12.2024, \
             or #date=); for a budget as proposed or adopted, 1 January of its year; for a \
             report whose title gives no date, 31 December, with a warning.",
        )
        .key(),
    )
    .field(Field::text(
        "source_url",
        "The file the amount was read from.",
    ))
    .field(
        Field::text(
            "source_sheet",
            "The worksheet, for spreadsheets; null for CSV.",
        )
        .nullable(),
    )
    .field(Field::integer(
        "source_row",
        "The row in the file (the line where a CSV record starts), as a spreadsheet or editor \
         numbers it.",
    ))
}

fn line_row(run: &Run, line: &Line) -> Row {
    let mut row = run.row(STREAM);
    for (field, value) in line_values(line) {
        row.put(field, value);
    }
    row
}

/// A line's values by field name, in schema order: the row the plugin
/// emits, and what the fixture test compares with `expected.json`.
pub fn line_values(line: &Line) -> [(&'static str, Value); 19] {
    [
        ("fiscal_year", line.fiscal_year.into()),
        ("phase", line.phase.as_str().into()),
        ("direction", line.direction.as_str().into()),
        ("fund", line.fund.as_str().into()),
        ("function", line.function().map(|f| f.to_string()).into()),
        ("function_name", line.function_name().into()),
        ("activity", line.activity_code().into()),
        ("activity_name", line.activity_name.clone().into()),
        ("paragraph_group", line.paragraph_group().to_string().into()),
        ("paragraph", line.paragraph.to_string().into()),
        ("paragraph_name", line.paragraph_name.clone().into()),
        ("capital", line.capital().into()),
        ("amount", line.amount.into()),
        ("currency", line.currency.code().into()),
        ("amount_eur", line.amount_eur.into()),
        ("report_date", line.report_date.into()),
        ("source_url", line.source.file.to_string().into()),
        (
            "source_sheet",
            line.source.sheet.as_deref().map(str::to_string).into(),
        ),
        ("source_row", line.source.row.into()),
    ]
}

#[cfg(test)]
mod tests {
    //! The stream must be the `budget` profile field for field: the host
    //! publishes the profile as the dataset's public contract.

    use super::*;

    const PROFILE: &str = include_str!("../../../profiles/budget.json");

    #[test]
    fn schema_is_the_budget_profile() {
        assert_eq!(
            vitrina_sdk::profile::mismatches(&schema(), PROFILE),
            Vec::<String>::new()
        );
    }

    #[test]
    fn values_follow_the_schema_order() {
        let schema = schema();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
        let line = Line {
            fiscal_year: 2024,
            phase: ebk::Phase::Executed,
            direction: ebk::Direction::Expenditure,
            fund: ebk::Fund::All,
            activity: Some(ebk::Activity(322)),
            activity_name: None,
            function_only: None,
            paragraph: ebk::Paragraph {
                group: 10,
                item: 16,
            },
            paragraph_name: None,
            amount: Decimal::new(10_000, 2),
            currency: vitrina_sdk::normalize::money::Currency::Bgn,
            amount_eur: Decimal::new(5113, 2),
            report_date: NaiveDate::from_ymd_opt(2024, 12, 31).unwrap(),
            source: error::Location {
                file: "file:///a.csv".into(),
                sheet: None,
                row: 5,
            },
        };
        let value_names: Vec<&str> = line_values(&line).iter().map(|(n, _)| *n).collect();
        assert_eq!(value_names, names);
    }
}
