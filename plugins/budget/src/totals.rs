//! Checking printed totals against the lines they cover.
//!
//! A report states its sums several ways: totals rows (`ВСИЧКО РАЗХОДИ:`,
//! `Всичко за дейност 322`, `ВСИЧКО МЕСТНИ ДЕЙНОСТИ`), headings with
//! amounts, a whole paragraph (`10-00`) printed over its subparagraphs, and
//! an `Общо` column beside one column per fund. None of them is published,
//! since that would count the money twice; each is compared with the sum of
//! the published lines it covers, and a difference becomes a warning that
//! names the row, the column, both sums and the difference.

use std::collections::HashMap;

use vitrina_sdk::Decimal;

use crate::ebk::{Activity, Direction, Fund, Phase};
use crate::error::{Location, Place};
use crate::header::{AmountColumn, Column, Header, Role};
use crate::table::TableLine;

/// The amount columns of a table, and which of them are published.
pub struct AmountColumns<'a> {
    columns: Vec<(&'a Column, &'a AmountColumn)>,
    /// Phases that have a column per fund: their `Общо` column is a check.
    split_phases: Vec<Phase>,
}

/// A published amount column: its phase, its fund if it has one, its index.
pub struct Published {
    pub phase: Phase,
    pub fund: Option<Fund>,
    pub index: usize,
}

impl<'a> AmountColumns<'a> {
    pub fn new(header: &'a Header) -> Self {
        let columns: Vec<_> = header
            .columns
            .iter()
            .filter_map(|c| match &c.role {
                Role::Amount(a) => Some((c, a)),
                _ => None,
            })
            .collect();
        let split_phases = columns
            .iter()
            .filter(|(_, a)| a.fund.is_some())
            .map(|(_, a)| a.phase)
            .collect();
        Self {
            columns,
            split_phases,
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &(&'a Column, &'a AmountColumn)> {
        self.columns.iter()
    }

    /// Whether a column's amounts are published (rather than checked): a
    /// column per fund is, and so is the only column of a phase.
    pub fn is_published(&self, amount: &AmountColumn) -> bool {
        amount.fund.is_some() || !self.split_phases.contains(&amount.phase)
    }

    /// The published amounts of a row, with their column.
    pub fn published(&self, amounts: &[(usize, Decimal)]) -> Vec<(Published, Decimal)> {
        self.columns
            .iter()
            .filter(|(_, a)| self.is_published(a))
            .filter_map(|(c, a)| {
                let (_, value) = amounts.iter().find(|(i, _)| *i == c.index)?;
                let column = Published {
                    phase: a.phase,
                    fund: a.fund,
                    index: c.index,
                };
                Some((column, *value))
            })
            .collect()
    }

    /// On a line with a column per fund, the `Общо` column of a phase must
    /// be the sum of that phase's fund columns.
    pub fn fund_sum_warnings(&self, at: &Location, amounts: &[(usize, Decimal)]) -> Vec<String> {
        let value = |index: usize| amounts.iter().find(|(i, _)| *i == index).map(|(_, v)| *v);
        let mut warnings = Vec::new();
        for (column, amount) in self.columns.iter().filter(|(_, a)| !self.is_published(a)) {
            let Some(stated) = value(column.index) else {
                continue;
            };
            let sum: Decimal = self
                .columns
                .iter()
                .filter(|(_, a)| a.phase == amount.phase && a.fund.is_some())
                .filter_map(|(c, _)| value(c.index))
                .sum();
            if sum != stated {
                warnings.push(format!(
                    "{at}: column {} says {stated} but the fund columns beside it add up to {sum} \
                     (difference {}); the fund columns are published",
                    column.label(),
                    stated - sum
                ));
            }
        }
        warnings
    }

    /// Compares a printed total with the lines it covers, column by column.
    pub fn total_warnings(&self, total: &Total, lines: &[TableLine], place: &Place) -> Vec<String> {
        let mut warnings = Vec::new();
        for (index, stated) in &total.values {
            let Some((column, amount)) = self.columns.iter().find(|(c, _)| c.index == *index)
            else {
                continue;
            };
            let published = self.is_published(amount);
            // A published column sums its own lines; an `Общо` column sums
            // the lines of its phase in every fund column.
            let counts = |l: &TableLine| {
                if published {
                    l.column == *index
                } else {
                    l.phase == amount.phase
                }
            };
            let sum: Decimal = lines
                .iter()
                .filter(|l| total.scope.covers(l) && counts(l))
                .map(|l| l.amount)
                .sum();
            if sum != *stated {
                warnings.push(format!(
                    "{}: „{}“ in column {} says {stated} but the lines it covers add up to {sum} \
                     (difference {})",
                    place.at(total.row),
                    total.label,
                    column.label(),
                    stated - sum
                ));
            }
        }
        warnings
    }
}

/// The lines a total covers. `None` fields cover everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Scope {
    pub direction: Option<Direction>,
    pub fund: Option<Fund>,
    pub function: Option<u8>,
    pub activity: Option<Activity>,
}

impl Scope {
    fn covers(&self, line: &TableLine) -> bool {
        let function = line.activity.map(Activity::function).or(line.function);
        self.direction.is_none_or(|d| d == line.direction)
            && self.fund.is_none_or(|f| f == line.fund)
            && self.function.is_none_or(|f| function == Some(f))
            && self.activity.is_none_or(|a| line.activity == Some(a))
    }
}

/// A printed total, checked once every line is read.
#[derive(Debug, Clone)]
pub struct Total {
    pub scope: Scope,
    /// The row's text, for the warning.
    pub label: String,
    pub row: u32,
    /// Stated amounts by column index.
    pub values: Vec<(usize, Decimal)>,
}

/// A whole paragraph (`10-00`) printed with subparagraphs (`10-16`,
/// `10-20`) of the same activity, fund and column is their subtotal: it is
/// dropped from the lines and checked against them.
pub fn fold_paragraph_groups(lines: &mut Vec<TableLine>, place: &Place) -> Vec<String> {
    type GroupKey = (Direction, Fund, Option<Activity>, Option<u8>, usize, u8);
    let group_key = |l: &TableLine| -> GroupKey {
        (
            l.direction,
            l.fund,
            l.activity,
            l.function,
            l.column,
            l.paragraph.group,
        )
    };
    let mut parts: HashMap<GroupKey, Decimal> = HashMap::new();
    for line in lines.iter().filter(|l| !l.paragraph.is_whole()) {
        *parts.entry(group_key(line)).or_default() += line.amount;
    }
    let mut warnings = Vec::new();
    lines.retain(|line| {
        let Some(sum) = parts
            .get(&group_key(line))
            .filter(|_| line.paragraph.is_whole())
        else {
            return true;
        };
        if *sum != line.amount {
            warnings.push(format!(
                "{}: paragraph {} ({}) says {} but its subparagraphs add up to {sum} \
                 (difference {}); the subparagraphs are published",
                place.at(line.row),
                line.paragraph,
                line.phase.as_str(),
                line.amount,
                line.amount - sum
            ));
        }
        false
    });
    warnings
}
