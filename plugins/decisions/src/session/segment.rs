//! A page cut into its heading and its agenda items, before anything is
//! read inside an item.
//!
//! The heading (everything before the first `По т.N`) gives the session's
//! number, protocol and one or two dates. Each item runs from its heading
//! to the next; a day marker (`Втори ден – 24.04.2024 г.`) dates the lines
//! after it, and a signature (`ПРЕДСЕДАТЕЛ: (п)`) ends the item, so that
//! what follows it is never read as part of a decision. Each item keeps
//! the numbers of its lines, so links can be told apart by item.

use vitrina_sdk::normalize::NaiveDate;

use super::ParseError;
use crate::words;

/// The session as its heading gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Heading {
    pub number: Option<u32>,
    pub protocol: Option<String>,
    pub first_day: NaiveDate,
    pub second_day: Option<NaiveDate>,
}

/// One agenda item's lines, each with the day it was read on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ItemLines {
    /// `27.2`.
    pub point: String,
    pub lines: Vec<(String, NaiveDate)>,
    /// Where the item's heading and lines are among the page's lines: the
    /// links on them are the item's.
    pub line_numbers: Vec<usize>,
}

/// A page: its heading, and its items in order.
pub(super) struct Page {
    pub heading: Heading,
    pub items: Vec<ItemLines>,
}

/// Cuts a page's lines into its heading and items.
pub(super) fn segment(lines: &[String], url: &str) -> Result<Page, ParseError> {
    let mut facts = Facts::default();
    let mut at = 0;
    while at < lines.len() && words::item_heading(&lines[at]).is_none() {
        facts.feed(&lines[at]);
        at += 1;
    }
    let (first_day, second_day) = facts.days(url)?;
    let heading = Heading {
        number: facts.number,
        protocol: facts.protocol,
        first_day,
        second_day,
    };
    if at == lines.len() {
        return Err(ParseError::NoItems { url: url.into() });
    }
    let is_session_day = |d: NaiveDate| d == first_day || Some(d) == second_day;
    let mut items: Vec<ItemLines> = Vec::new();
    let mut day = first_day;
    let mut closed = false;
    for (number, line) in lines.iter().enumerate().skip(at) {
        if let Some(heading) = words::item_heading(line) {
            let mut item = ItemLines {
                point: heading.item,
                lines: Vec::new(),
                line_numbers: vec![number],
            };
            if !heading.rest.is_empty() {
                item.lines.push((heading.rest, day));
            }
            items.push(item);
            closed = false;
        } else if let Some(d) = words::day_marker(line).filter(|d| is_session_day(*d)) {
            day = d;
        } else if words::is_footer(line) {
            closed = true;
        } else if let (false, Some(item)) = (closed, items.last_mut()) {
            item.lines.push((line.clone(), day));
            item.line_numbers.push(number);
        }
    }
    Ok(Page { heading, items })
}

/// The facts of the heading, gathered line by line.
#[derive(Default)]
struct Facts {
    number: Option<u32>,
    protocol: Option<String>,
    dates: Vec<NaiveDate>,
    /// The previous line was a bare `ПРОТОКОЛ`.
    protocol_next: bool,
}

impl Facts {
    fn feed(&mut self, line: &str) {
        if self.protocol_next {
            self.protocol = self.protocol.take().or_else(|| words::bare_number(line));
        }
        self.protocol_next = words::is_bare_protocol_word(line);
        self.number = self.number.or_else(|| words::session_number(line));
        self.protocol = self
            .protocol
            .take()
            .or_else(|| words::protocol_number(line));
        let key = words::Folded::new(line);
        if key.key().contains("заседани") || key.key().contains("протокол") {
            self.dates.extend(words::session_dates(line));
        }
    }

    /// The session's first and optional second day.
    fn days(&self, url: &str) -> Result<(NaiveDate, Option<NaiveDate>), ParseError> {
        let mut dates = self.dates.clone();
        dates.sort();
        dates.dedup();
        match dates.as_slice() {
            [] => Err(ParseError::NoSessionDate { url: url.into() }),
            [one] => Ok((*one, None)),
            [first, second] if (*second - *first).num_days() <= 3 => Ok((*first, Some(*second))),
            _ => Err(ParseError::AmbiguousDates {
                url: url.into(),
                count: dates.len(),
                dates: dates
                    .iter()
                    .map(NaiveDate::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }
}
