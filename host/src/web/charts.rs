//! The chart of a dataset page, chosen by the dataset's profile and
//! computed on the server from the current version's rows.
//!
//! Each chart is labelled bars in one or more series: the page draws it
//! with uPlot and shows the same numbers as a table beside it, so the
//! chart has a text alternative and works without scripts. Aggregating on
//! the server keeps the page small (a few dozen numbers, not the rows)
//! and is done once per version and language: the page is cached by its
//! ETag like every API answer.
//!
//! - budget: expenditure by function in the latest year with an
//!   execution report, adjusted plan against execution;
//! - procurement: contract value by month, and the top suppliers;
//! - decision: decisions per session, adopted and rejected;
//! - project: each project's budget, and its duration.

use std::collections::BTreeMap;

use serde::Serialize;

use super::i18n::{self, Lang};
use crate::schema::{StreamSchema, Value};
use crate::store::{Filter, FilterOp, MAX_LIMIT, RowQuery, SortKey, Store, StoreError, Version};

/// The most rows a chart reads: enough for any municipal budget or
/// council, and a bound on a page's cost for a huge procurement dataset
/// (the chart then says it covers the first rows).
const MAX_ROWS: usize = 200_000;
/// The most bars of one chart; the rest are summed as "other".
const MAX_BARS: usize = 15;

/// A bar chart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Chart {
    pub title: String,
    /// What the values are: `€`, or a count's noun.
    pub unit: String,
    pub labels: Vec<String>,
    pub series: Vec<Series>,
    /// The values as the reader writes them, `[series][bar]`, for the table.
    pub shown: Vec<Vec<String>>,
    /// Set when the chart read only the first [`MAX_ROWS`] rows.
    pub partial: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Series {
    pub name: String,
    pub values: Vec<f64>,
}

/// The charts of `version` for its profile.
pub fn charts(
    store: &dyn Store,
    version: &Version,
    profile: Option<&str>,
    lang: Lang,
) -> Result<Vec<Chart>, StoreError> {
    let reader = Reader { store, version };
    Ok(match profile {
        Some("budget") => budget(&reader, lang)?.into_iter().collect(),
        Some("procurement") => procurement(&reader, lang)?,
        Some("decision") => decisions(&reader, lang)?.into_iter().collect(),
        Some("project") => projects(&reader, lang)?,
        _ => Vec::new(),
    })
}

/// Walks a version's rows, whole pages at a time.
struct Reader<'a> {
    store: &'a dyn Store,
    version: &'a Version,
}

impl Reader<'_> {
    fn schema(&self) -> &StreamSchema {
        &self.version.schema
    }

    fn has(&self, fields: &[&str]) -> bool {
        fields
            .iter()
            .all(|f| self.schema().fields.iter().any(|s| s.name == *f))
    }

    /// Calls `f` with each row's values of `fields`; returns whether all
    /// rows were read.
    fn each(
        &self,
        fields: &[&str],
        filters: Vec<Filter>,
        mut f: impl FnMut(&[Value]),
    ) -> Result<bool, StoreError> {
        let mut query = RowQuery {
            version: self.version.number,
            filters,
            fields: Some(fields.iter().map(|s| s.to_string()).collect()),
            limit: MAX_LIMIT,
            ..RowQuery::default()
        };
        let mut read = 0;
        loop {
            let page = self.store.rows(&self.version.dataset, &query)?;
            for row in &page.rows {
                f(row);
            }
            read += page.rows.len();
            match page.next {
                Some(cursor) if read < MAX_ROWS => query.after = Some(cursor),
                Some(_) => return Ok(false),
                None => return Ok(true),
            }
        }
    }

    /// The largest value of a text or date field among the rows `filters`
    /// pass.
    fn max_text(&self, field: &str, filters: Vec<Filter>) -> Result<Option<String>, StoreError> {
        Ok(match self.max_value(field, filters)? {
            Some(Value::Text(s) | Value::Date(s)) => Some(s),
            _ => None,
        })
    }

    /// The largest value of an integer field among the rows `filters` pass.
    fn max_integer(&self, field: &str, filters: Vec<Filter>) -> Result<Option<i64>, StoreError> {
        Ok(match self.max_value(field, filters)? {
            Some(Value::Integer(n)) => Some(n),
            _ => None,
        })
    }

    /// The largest value of `field` among the rows `filters` pass.
    fn max_value(&self, field: &str, filters: Vec<Filter>) -> Result<Option<Value>, StoreError> {
        let page = self.store.rows(
            &self.version.dataset,
            &RowQuery {
                version: self.version.number,
                filters,
                sort: vec![SortKey {
                    field: field.to_string(),
                    descending: true,
                }],
                fields: Some(vec![field.to_string()]),
                limit: 1,
                ..RowQuery::default()
            },
        )?;
        Ok(page
            .rows
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next()))
    }
}

fn equals(field: &str, value: &str) -> Filter {
    Filter {
        field: field.to_string(),
        op: FilterOp::Eq(value.to_string()),
    }
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Integer(n) => Some(*n as f64),
        Value::Float(f) => Some(*f),
        Value::Decimal(d) => d.parse().ok(),
        _ => None,
    }
}

fn text(value: &Value) -> Option<&str> {
    match value {
        Value::Text(s) | Value::Date(s) | Value::Datetime(s) => Some(s),
        _ => None,
    }
}

/// A budget function as a bar's label: its code, and its name when known.
fn function_label(code: &Value, name: &Value) -> Option<String> {
    match (text(code), text(name)) {
        (Some(code), Some(name)) if !name.is_empty() => Some(format!("{code} {name}")),
        (Some(code), _) => Some(code.to_string()),
        _ => None,
    }
}

fn word(lang: Lang, bg: &str, en: &str) -> String {
    match lang {
        Lang::Bg => bg.to_string(),
        Lang::En => en.to_string(),
    }
}

/// Sums by label into named series, keeping the `MAX_BARS` largest labels
/// (by the first series) and folding the rest into "other".
struct Bars {
    names: Vec<String>,
    sums: BTreeMap<String, Vec<f64>>,
}

impl Bars {
    fn new(names: Vec<String>) -> Self {
        Self {
            names,
            sums: BTreeMap::new(),
        }
    }

    fn add(&mut self, label: &str, series: usize, value: f64) {
        let n = self.names.len();
        self.sums
            .entry(label.to_string())
            .or_insert_with(|| vec![0.0; n])[series] += value;
    }

    /// Bars in label order (dates, sessions).
    fn in_label_order(self) -> (Vec<String>, Vec<Vec<f64>>) {
        let labels: Vec<String> = self.sums.keys().cloned().collect();
        let values = self.sums.into_values().collect();
        (labels, values)
    }

    /// The largest bars first, the rest as one "other" bar.
    fn largest(self, other: &str) -> (Vec<String>, Vec<Vec<f64>>) {
        let mut bars: Vec<(String, Vec<f64>)> = self.sums.into_iter().collect();
        bars.sort_by(|a, b| b.1[0].total_cmp(&a.1[0]).then_with(|| a.0.cmp(&b.0)));
        if bars.len() > MAX_BARS {
            let rest = bars.split_off(MAX_BARS - 1);
            let mut summed = vec![0.0; rest[0].1.len()];
            for (_, values) in rest {
                for (s, v) in summed.iter_mut().zip(values) {
                    *s += v;
                }
            }
            bars.push((other.to_string(), summed));
        }
        bars.into_iter().unzip()
    }

    fn chart(
        names: Vec<String>,
        (labels, values): (Vec<String>, Vec<Vec<f64>>),
        title: String,
        unit: Unit,
        lang: Lang,
        complete: bool,
    ) -> Option<Chart> {
        if labels.is_empty() {
            return None;
        }
        let series: Vec<Series> = names
            .into_iter()
            .enumerate()
            .map(|(i, name)| Series {
                name,
                values: values.iter().map(|v| v[i]).collect(),
            })
            .collect();
        let shown = series
            .iter()
            .map(|s| s.values.iter().map(|v| unit.show(lang, *v)).collect())
            .collect();
        Some(Chart {
            title,
            unit: unit.label(lang),
            labels,
            series,
            shown,
            partial: !complete,
        })
    }
}

#[derive(Clone, Copy)]
enum Unit {
    Euro,
    Count,
    Months,
}

impl Unit {
    fn show(self, lang: Lang, value: f64) -> String {
        match self {
            Unit::Euro => i18n::money(lang, value, "EUR"),
            Unit::Count | Unit::Months => i18n::number(lang, &format!("{value:.0}")),
        }
    }

    fn label(self, lang: Lang) -> String {
        match self {
            Unit::Euro => "€".to_string(),
            Unit::Count => word(lang, "брой", "count"),
            Unit::Months => word(lang, "месеци", "months"),
        }
    }
}

fn budget(reader: &Reader<'_>, lang: Lang) -> Result<Option<Chart>, StoreError> {
    let fields = [
        "fiscal_year",
        "phase",
        "direction",
        "function",
        "function_name",
        "amount_eur",
    ];
    if !reader.has(&fields) {
        return Ok(None);
    }
    // The latest year with an execution report; a year with only a
    // budget (the next one) shows it as approved.
    let executed = reader.max_integer("fiscal_year", vec![equals("phase", "executed")])?;
    let Some(year) = executed.or(reader.max_integer("fiscal_year", Vec::new())?) else {
        return Ok(None);
    };
    let names = vec![
        word(lang, "Уточнен план", "Adjusted"),
        word(lang, "Изпълнение", "Executed"),
    ];
    let mut bars = Bars::new(names.clone());
    let mut complete = true;
    for (series, phase) in [(0, "adjusted"), (1, "executed")] {
        let mut filters = vec![
            equals("fiscal_year", &year.to_string()),
            equals("direction", "expenditure"),
            equals("phase", phase),
        ];
        // Several reports of one year are kept apart by their date: the
        // chart shows the latest, never their sum.
        if reader.has(&["report_date"])
            && let Some(latest) = reader.max_text("report_date", filters.clone())?
        {
            filters.push(equals("report_date", &latest));
        }
        complete &= reader.each(
            &["function", "function_name", "amount_eur"],
            filters,
            |row| {
                let Some(label) = function_label(&row[0], &row[1]) else {
                    return;
                };
                if let Some(amount) = number(&row[2]) {
                    bars.add(&label, series, amount);
                }
            },
        )?;
    }
    // A year with an approved budget only has neither series: show the
    // approved amounts instead.
    if bars.sums.is_empty() {
        return approved_budget(reader, lang, year);
    }
    let title = match lang {
        Lang::Bg => format!("Разходи по функции, {year} г.: уточнен план и изпълнение"),
        Lang::En => format!("Expenditure by function, {year}: adjusted plan and execution"),
    };
    let other = word(lang, "Други", "Other");
    Ok(Bars::chart(
        names,
        bars.largest(&other),
        title,
        Unit::Euro,
        lang,
        complete,
    ))
}

fn approved_budget(
    reader: &Reader<'_>,
    lang: Lang,
    year: i64,
) -> Result<Option<Chart>, StoreError> {
    let names = vec![word(lang, "Приет бюджет", "Approved")];
    let mut bars = Bars::new(names.clone());
    let complete = reader.each(
        &["function", "function_name", "amount_eur"],
        vec![
            equals("fiscal_year", &year.to_string()),
            equals("direction", "expenditure"),
            equals("phase", "approved"),
        ],
        |row| {
            let Some(label) = function_label(&row[0], &row[1]) else {
                return;
            };
            if let Some(amount) = number(&row[2]) {
                bars.add(&label, 0, amount);
            }
        },
    )?;
    let title = match lang {
        Lang::Bg => format!("Разходи по функции, {year} г.: приет бюджет"),
        Lang::En => format!("Expenditure by function, {year}: approved budget"),
    };
    let other = word(lang, "Други", "Other");
    Ok(Bars::chart(
        names,
        bars.largest(&other),
        title,
        Unit::Euro,
        lang,
        complete,
    ))
}

fn procurement(reader: &Reader<'_>, lang: Lang) -> Result<Vec<Chart>, StoreError> {
    if !reader.has(&["contract_date", "value_eur", "supplier_name"]) {
        return Ok(Vec::new());
    }
    let value = vec![word(lang, "Стойност на договорите", "Contract value")];
    let mut by_month = Bars::new(value.clone());
    let mut by_supplier = Bars::new(value.clone());
    let complete = reader.each(
        &["contract_date", "value_eur", "supplier_name"],
        Vec::new(),
        |row| {
            let Some(amount) = number(&row[1]) else {
                return;
            };
            if let Some(date) = text(&row[0]).filter(|d| d.len() >= 7) {
                by_month.add(&date[..7], 0, amount);
            }
            if let Some(supplier) = text(&row[2]).filter(|s| !s.is_empty()) {
                by_supplier.add(supplier, 0, amount);
            }
        },
    )?;
    let (months, values) = by_month.in_label_order();
    let months = months.iter().map(|m| month_label(lang, m)).collect();
    let other = word(lang, "Други", "Other");
    Ok([
        Bars::chart(
            value.clone(),
            (months, values),
            word(
                lang,
                "Стойност на договорите по месеци",
                "Contract value by month",
            ),
            Unit::Euro,
            lang,
            complete,
        ),
        Bars::chart(
            value,
            by_supplier.largest(&other),
            word(
                lang,
                "Изпълнители с най-голяма стойност на договорите",
                "Suppliers with the largest contract value",
            ),
            Unit::Euro,
            lang,
            complete,
        ),
    ]
    .into_iter()
    .flatten()
    .collect())
}

/// `2024-03` as the reader writes a month.
fn month_label(lang: Lang, yyyy_mm: &str) -> String {
    let year = yyyy_mm[..4].parse().unwrap_or(0);
    let month: usize = yyyy_mm[5..].parse().unwrap_or(1);
    i18n::month(lang, year, month.saturating_sub(1))
}

fn decisions(reader: &Reader<'_>, lang: Lang) -> Result<Option<Chart>, StoreError> {
    if !reader.has(&["session_date", "result"]) {
        return Ok(None);
    }
    let names = vec![
        word(lang, "Приети", "Adopted"),
        word(lang, "Отхвърлени", "Rejected"),
        word(lang, "Други", "Other"),
    ];
    let mut bars = Bars::new(names.clone());
    let complete = reader.each(&["session_date", "result"], Vec::new(), |row| {
        let Some(date) = text(&row[0]) else {
            return;
        };
        let series = match text(&row[1]) {
            Some("adopted") => 0,
            Some("rejected") => 1,
            _ => 2,
        };
        bars.add(date, series, 1.0);
    })?;
    let (dates, values) = bars.in_label_order();
    let labels = dates
        .iter()
        .map(|d| {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(|date| i18n::short_date(lang, date))
                .unwrap_or_else(|_| d.clone())
        })
        .collect();
    Ok(Bars::chart(
        names,
        (labels, values),
        word(lang, "Решения по заседания", "Decisions per session"),
        Unit::Count,
        lang,
        complete,
    ))
}

fn projects(reader: &Reader<'_>, lang: Lang) -> Result<Vec<Chart>, StoreError> {
    if !reader.has(&["title", "budget_eur", "duration_months"]) {
        return Ok(Vec::new());
    }
    let budget = vec![word(lang, "Бюджет", "Budget")];
    let months = vec![word(lang, "Продължителност", "Duration")];
    let mut budgets = Bars::new(budget.clone());
    let mut durations = Bars::new(months.clone());
    let complete = reader.each(
        &["title", "budget_eur", "duration_months"],
        Vec::new(),
        |row| {
            let Some(title) = text(&row[0]) else {
                return;
            };
            if let Some(amount) = number(&row[1]) {
                budgets.add(title, 0, amount);
            }
            if let Some(n) = number(&row[2]) {
                durations.add(title, 0, n);
            }
        },
    )?;
    let other = word(lang, "Други", "Other");
    Ok([
        Bars::chart(
            budget,
            budgets.largest(&other),
            word(lang, "Бюджет на проектите", "Project budgets"),
            Unit::Euro,
            lang,
            complete,
        ),
        Bars::chart(
            months,
            durations.largest(&other),
            word(lang, "Продължителност на проектите", "Project durations"),
            Unit::Months,
            lang,
            complete,
        ),
    ]
    .into_iter()
    .flatten()
    .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_bars_are_kept_and_the_rest_summed() {
        let mut bars = Bars::new(vec!["a".into()]);
        for i in 0..20 {
            bars.add(&format!("l{i:02}"), 0, i as f64);
        }
        let (labels, values) = bars.largest("other");
        assert_eq!(labels.len(), MAX_BARS);
        assert_eq!(labels[0], "l19");
        assert_eq!(labels.last().unwrap(), "other");
        // 0 + 1 + ... + 5 are folded.
        assert_eq!(values.last().unwrap()[0], 15.0);
        let total: f64 = values.iter().map(|v| v[0]).sum();
        assert_eq!(total, (0..20).sum::<i32>() as f64);
    }

    #[test]
    fn months_are_written_in_words() {
        assert_eq!(month_label(Lang::Bg, "2024-03"), "март 2024 г.");
        assert_eq!(month_label(Lang::En, "2024-12"), "December 2024");
    }
}
