//! One session page, from its lines ([`crate::html::content_lines`]) to the
//! decisions it records.
//!
//! A page opens with a heading (`ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №9 ОТ ДАТА
//! 26.03.2024 ГОДИНА`, `ПРЕПИС – ИЗВЛЕЧЕНИЕ от Протокол № 9`) that gives the
//! session's number, protocol and date or dates, then lists agenda items.
//! Each item (`По т.2 от дневния ред`) has a preamble (incoming reference,
//! proposer, `относно:` title, legal basis) and one or more decisions: the
//! text after `Р Е Ш И:` or a numbered `Решение № 275`, or a statement
//! that the proposal was rejected, withdrawn or postponed, and the vote.
//!
//! The page is first cut into its heading and items ([`segment`]); each
//! item is then read as a whole ([`item`], from the [`pieces`] its lines
//! say), so that a vote and a result belong to their decision wherever the
//! clerk put them: before `Р Е Ш И` or after its text, on a line of their
//! own or inside another. An item can hold several decisions: a
//! counter-proposal rejected before the original is adopted, or parts of
//! a decision voted one by one. [`decision`] makes each into a row.
//!
//! A session over two days names both dates in its heading and marks the
//! second day with a line such as `Втори ден – 24.04.2024 г.`; decisions
//! after it carry that day as their date, while their ids keep the first
//! day, the session's date.
//!
//! The page's links give the session's protocol and each item's report
//! and attachments ([`links`]); every decision of an item shares the
//! item's.
//!
//! Parsing is all or nothing: a page that cannot be read completely (no
//! session date, an item with no decision) is a [`ParseError`] naming the
//! page and the item, and yields no decisions at all, so a half-read
//! session is never published. A vote or result that cannot be read is the
//! one thing a decision may lack: the decision is kept with its vote type
//! or result `unknown` and no counts, and the session carries a warning
//! naming the page, the agenda point and the text not understood, so it is
//! never silent and never guessed.

use std::collections::HashMap;

use thiserror::Error;
use vitrina_sdk::normalize::NaiveDate;

mod decision;
mod item;
mod links;
mod pieces;
mod segment;

pub use links::Attachment;

use decision::{ItemContext, lacks_text};
use item::read_item;
use segment::{ItemLines, segment};

use crate::html::PageLink;
use crate::tally::{Counts, IndividualVote, TallyError, VoteType};
use crate::words;

/// A session of the council and the decisions read from its page.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// The page it was read from.
    pub url: String,
    /// `ЗАСЕДАНИЕ №9`.
    pub number: Option<u32>,
    /// `Протокол № 9`.
    pub protocol: Option<String>,
    /// The session's (first) day.
    pub date: NaiveDate,
    /// The second day, for sessions held over two days.
    pub end_date: Option<NaiveDate>,
    /// The session's protocol, where the page links it outside its items;
    /// [`crate::crawl::read_page`] falls back on the one the index links
    /// beside the session.
    pub protocol_url: Option<String>,
    pub decisions: Vec<Decision>,
    /// Inconsistencies that did not stop the page from being read (a roll
    /// call whose names do not add up to the printed tally, a vote or
    /// result that could not be read).
    pub warnings: Vec<String>,
}

impl Session {
    /// Decisions published without their vote or result: the vote line
    /// could not be read, the result is not said, or no vote is recorded.
    pub fn unread_votes(&self) -> usize {
        self.decisions.iter().filter(|d| d.unread.is_some()).count()
    }
}

/// One decision of the council (or one rejected, withdrawn or postponed
/// proposal).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// `2024-03-26.27.2`: the session's date and the agenda item, with
    /// `-2`, `-3` … for further decisions under the same item.
    pub id: String,
    /// The agenda item, `27.2`.
    pub item: String,
    /// `Решение № 275`, where the council numbers its decisions.
    pub number: Option<String>,
    /// The day of the vote.
    pub date: NaiveDate,
    /// `ОбС 08-00-15376`.
    pub reference: Option<String>,
    /// The `относно` text.
    pub title: String,
    /// The operative text after `Р Е Ш И:`; lines joined by `\n`.
    pub text: Option<String>,
    pub proposer: Option<String>,
    pub legal_basis: Option<String>,
    pub result: Outcome,
    pub vote_type: VoteKind,
    pub counts: Counts,
    /// Councillors' votes by name, when the page lists them.
    pub votes: Vec<IndividualVote>,
    /// The item's report (докладна записка), where the page links it.
    pub report_url: Option<String>,
    /// The item's other documents the page links, in page order.
    pub attachments: Vec<Attachment>,
    /// Why the vote or the result is published `unknown`, when it is.
    pub unread: Option<Unread>,
}

/// What a decision's row lacks, and the text that was not understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unread {
    /// A vote line that cannot be read: `vote_type` is unknown, no counts.
    Vote { line: String, reason: TallyError },
    /// A vote without what became of the proposal: `result` is unknown.
    Result { vote: String },
    /// No vote for a decision that was voted: `vote_type` is unknown.
    NoVote { text: String },
}

impl Unread {
    /// The vote line, or the decision's text, that was not understood.
    pub fn text(&self) -> &str {
        match self {
            Unread::Vote { line, .. } => line,
            Unread::Result { vote } => vote,
            Unread::NoVote { text } => text,
        }
    }
}

/// What became of the proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Adopted,
    Rejected,
    Withdrawn,
    Postponed,
    /// A vote is recorded but the page does not say how it ended.
    Unknown,
}

impl Outcome {
    /// The value stored in the dataset.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Adopted => "adopted",
            Outcome::Rejected => "rejected",
            Outcome::Withdrawn => "withdrawn",
            Outcome::Postponed => "postponed",
            Outcome::Unknown => "unknown",
        }
    }
}

/// How the decision was voted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteKind {
    Open,
    RollCall,
    Secret,
    /// Not put to a vote (withdrawn, or postponed by the chair).
    None,
    /// The page records no vote for a decision that must have had one.
    Unknown,
}

impl VoteKind {
    /// The value stored in the dataset.
    pub fn as_str(self) -> &'static str {
        match self {
            VoteKind::Open => "open",
            VoteKind::RollCall => "roll_call",
            VoteKind::Secret => "secret",
            VoteKind::None => "none",
            VoteKind::Unknown => "unknown",
        }
    }
}

impl From<VoteType> for VoteKind {
    fn from(t: VoteType) -> Self {
        match t {
            VoteType::Open => VoteKind::Open,
            VoteType::RollCall => VoteKind::RollCall,
            VoteType::Secret => VoteKind::Secret,
        }
    }
}

/// Why a session page cannot be read. Each names the page; item errors name
/// the item and quote the line.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ParseError {
    #[error(
        "{url}: no session date found (looked for a heading or protocol line with „заседание“ or „протокол“ and a date); has the page layout changed?"
    )]
    NoSessionDate { url: String },
    #[error(
        "{url}: the session heading names {count} different dates ({dates}); expected one, or two for a session over two days"
    )]
    AmbiguousDates {
        url: String,
        count: usize,
        dates: String,
    },
    #[error(
        "{url}: no agenda item found (looked for „По т.N от дневния ред“ lines); is this a session's decisions page?"
    )]
    NoItems { url: String },
    #[error("{url}: item т.{item} has no title (no „относно“ and no text before the decision)")]
    NoTitle { url: String, item: String },
    #[error(
        "{url}: item т.{item} records no decision (no „Р Е Ш И“, decision number, vote or statement that it was rejected, withdrawn or postponed); the page may be cut short"
    )]
    NoDecision { url: String, item: String },
    #[error("{url}: item т.{item}: „Р Е Ш И:“ is followed by no decision text")]
    EmptyText { url: String, item: String },
}

/// Reads a session page's lines, and the links among them
/// ([`crate::html::content`]).
pub fn parse_session(
    lines: &[String],
    links: &[PageLink],
    url: &str,
) -> Result<Session, ParseError> {
    let page = segment(lines, url)?;
    let (item_links, page_links) = links_by_item(&page.items, links, lines.len());
    let mut session = Session {
        url: url.into(),
        number: page.heading.number,
        protocol: page.heading.protocol.clone(),
        date: page.heading.first_day,
        end_date: page.heading.second_day,
        protocol_url: links::protocol(&page_links, url),
        decisions: Vec::new(),
        warnings: Vec::new(),
    };
    let mut per_point: HashMap<String, u32> = HashMap::new();
    for (item, links) in page.items.iter().zip(&item_links) {
        read_decisions(&mut session, item, links, &mut per_point)?;
    }
    Ok(session)
}

/// Each item's links, and the links outside every item.
fn links_by_item<'a>(
    items: &[ItemLines],
    links: &'a [PageLink],
    lines: usize,
) -> (Vec<Vec<&'a PageLink>>, Vec<&'a PageLink>) {
    let mut owner = vec![None; lines];
    for (i, item) in items.iter().enumerate() {
        for &line in &item.line_numbers {
            owner[line] = Some(i);
        }
    }
    let mut by_item = vec![Vec::new(); items.len()];
    let mut outside = Vec::new();
    for link in links {
        match owner.get(link.line).copied().flatten() {
            Some(i) => by_item[i].push(link),
            None => outside.push(link),
        }
    }
    (by_item, outside)
}

/// An item's decisions, appended to the session's; ids go `-2`, `-3` for
/// further decisions under one agenda point.
fn read_decisions(
    session: &mut Session,
    item: &ItemLines,
    links: &[&PageLink],
    per_point: &mut HashMap<String, u32>,
) -> Result<(), ParseError> {
    let read = read_item(&item.lines);
    let title = read
        .preamble
        .title
        .clone()
        .or_else(|| read.preamble.first_line.clone());
    let url = session.url.clone();
    if read.drafts.is_empty() {
        if title.as_deref().is_some_and(words::is_informational) {
            return Ok(());
        }
        return Err(ParseError::NoDecision {
            url,
            item: item.point.clone(),
        });
    }
    let title = title.ok_or_else(|| ParseError::NoTitle {
        url: url.clone(),
        item: item.point.clone(),
    })?;
    if read.drafts.iter().any(lacks_text) {
        return Err(ParseError::EmptyText {
            url,
            item: item.point.clone(),
        });
    }
    let documents = links::item_documents(links, &url);
    let cx = ItemContext {
        url: &url,
        point: &item.point,
        title: &title,
        preamble: &read.preamble,
        documents: &documents,
    };
    for mut draft in read.drafts {
        let seq = per_point.entry(item.point.clone()).or_insert(0);
        *seq += 1;
        let id = match *seq {
            1 => format!("{}.{}", session.date, item.point),
            n => format!("{}.{}-{n}", session.date, item.point),
        };
        // A decision's own date counts only if it is a day of the session.
        let is_day = |d: &NaiveDate| *d == session.date || Some(*d) == session.end_date;
        draft.number_date = draft.number_date.filter(is_day);
        let (decision, warnings) = decision::decision(&cx, id, draft);
        session.decisions.push(decision);
        session.warnings.extend(warnings);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
