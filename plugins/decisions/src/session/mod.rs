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
//! An item can hold several decisions: an alternative proposal rejected
//! before the original is adopted, or parts of a decision voted one by one.
//! A new decision starts when a decision opening (`Р Е Ш И`, a number, a
//! statement, or a second tally after text) follows a completed vote.
//!
//! A session over two days names both dates in its heading and marks the
//! second day with a line such as `Втори ден – 24.04.2024 г.`; decisions
//! after it carry that day as their date, while their ids keep the first
//! day, the session's date.
//!
//! Parsing is all or nothing: a page that cannot be read completely (no
//! session date, an item with no decision) is a [`ParseError`] naming the
//! page and the item, and yields no decisions at all, so a half-read
//! session is never published. A vote line that cannot be read is the one
//! thing a decision may lack: the decision is kept with its vote `unknown`
//! and no counts, and the session carries a warning naming the page, the
//! agenda point and the line, so it is never silent and never guessed.
//!
//! This module holds the page: its heading, its items in order, ids and
//! dates. `item` reads one agenda item's lines into its decisions.

use std::collections::HashMap;

use thiserror::Error;
use vitrina_sdk::normalize::NaiveDate;

mod item;

use item::{Draft, Item, Vote, feed_item, outcome, vote_kind};

use crate::tally::{self, Counts, IndividualVote, VoteType};
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
    pub decisions: Vec<Decision>,
    /// Inconsistencies that did not stop the page from being read (a roll
    /// call whose names do not add up to the printed tally, a vote line
    /// that could not be read).
    pub warnings: Vec<String>,
}

impl Session {
    /// Decisions whose vote line could not be read.
    pub fn unread_votes(&self) -> usize {
        self.decisions
            .iter()
            .filter(|d| d.unread_vote.is_some())
            .count()
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
    /// The vote line that could not be read, when there was one: the vote
    /// is then `unknown`.
    pub unread_vote: Option<String>,
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

/// Reads a session page's lines.
pub fn parse_session(lines: &[String], url: &str) -> Result<Session, ParseError> {
    let mut parser = Parser::new(url);
    for line in lines {
        parser.feed(line)?;
    }
    parser.finish()
}

/// The facts of the heading, gathered until the first item.
#[derive(Default)]
struct Heading {
    number: Option<u32>,
    protocol: Option<String>,
    dates: Vec<NaiveDate>,
    /// The previous line was a bare `ПРОТОКОЛ`.
    protocol_next: bool,
}

impl Heading {
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

struct Parser<'a> {
    url: &'a str,
    heading: Heading,
    /// Set from the heading when the first item starts.
    days: Option<(NaiveDate, Option<NaiveDate>)>,
    /// The current day of a session over two days.
    day: Option<NaiveDate>,
    item: Option<Item>,
    decisions: Vec<Decision>,
    /// Decisions per agenda item so far, for `-2`, `-3` … ids.
    per_item: HashMap<String, u32>,
    warnings: Vec<String>,
}

impl<'a> Parser<'a> {
    fn new(url: &'a str) -> Self {
        Self {
            url,
            heading: Heading::default(),
            days: None,
            day: None,
            item: None,
            decisions: Vec::new(),
            per_item: HashMap::new(),
            warnings: Vec::new(),
        }
    }

    fn feed(&mut self, line: &str) -> Result<(), ParseError> {
        if let Some(heading) = words::item_heading(line) {
            return self.start_item(heading);
        }
        if self.item.is_none() {
            self.heading.feed(line);
            return Ok(());
        }
        if let Some(day) = words::day_marker(line).filter(|d| self.is_session_day(*d)) {
            self.day = Some(day);
            return Ok(());
        }
        let day = self.day;
        let Some(item) = self.item.as_mut() else {
            return Ok(());
        };
        if item.closed {
            return Ok(());
        }
        if words::is_footer(line) {
            item.closed = true;
            return Ok(());
        }
        feed_item(item, line, day);
        Ok(())
    }

    fn is_session_day(&self, day: NaiveDate) -> bool {
        self.days
            .is_some_and(|(first, second)| day == first || Some(day) == second)
    }

    fn start_item(&mut self, heading: words::ItemHeading) -> Result<(), ParseError> {
        self.finish_item()?;
        if self.days.is_none() {
            let days = self.heading.days(self.url)?;
            self.days = Some(days);
            self.day = Some(days.0);
        }
        let mut item = Item::new(heading.item, self.day);
        if !heading.rest.is_empty() {
            feed_item(&mut item, &heading.rest, self.day);
        }
        self.item = Some(item);
        Ok(())
    }

    fn finish_item(&mut self) -> Result<(), ParseError> {
        let Some(mut item) = self.item.take() else {
            return Ok(());
        };
        let current = std::mem::take(&mut item.current);
        item.drafts.push(current);
        let drafts: Vec<Draft> = item.drafts.drain(..).filter(|d| !d.is_empty()).collect();
        let title = item
            .preamble
            .title
            .clone()
            .or_else(|| item.preamble.first_line.clone());
        if drafts.is_empty() {
            if title.as_deref().is_some_and(words::is_informational) {
                return Ok(());
            }
            return Err(ParseError::NoDecision {
                url: self.url.into(),
                item: item.item,
            });
        }
        let title = title.ok_or_else(|| ParseError::NoTitle {
            url: self.url.into(),
            item: item.item.clone(),
        })?;
        for draft in drafts {
            let decision = self.decision(&item, &title, draft)?;
            self.decisions.push(decision);
        }
        Ok(())
    }

    fn decision(&mut self, item: &Item, title: &str, draft: Draft) -> Result<Decision, ParseError> {
        let (first_day, _) = self.days.ok_or_else(|| ParseError::NoSessionDate {
            url: self.url.into(),
        })?;
        let seq = self.per_item.entry(item.item.clone()).or_insert(0);
        *seq += 1;
        let nth = *seq;
        let id = match nth {
            1 => format!("{first_day}.{}", item.item),
            n => format!("{first_day}.{}-{n}", item.item),
        };
        let text = (!draft.text.is_empty()).then(|| draft.text.join("\n"));
        let result = outcome(&draft, text.as_deref());
        if draft.resolves && text.is_none() && draft.statement.is_none() {
            return Err(ParseError::EmptyText {
                url: self.url.into(),
                item: item.item.clone(),
            });
        }
        let date = draft
            .number_date
            .filter(|d| self.is_session_day(*d))
            .or(draft.day)
            .unwrap_or(first_day);
        let counts = self.counts(&id, &draft);
        let unread_vote = self.unread_vote(&item.item, &id, &draft);
        let legal_basis = draft
            .legal_basis
            .clone()
            .or_else(|| item.preamble.legal_basis.clone());
        // A counter-proposal is the item's first vote; the item's own
        // proposal, by the original proposer, comes after it.
        let proposer = match &item.preamble.alternative_proposer {
            Some(who) if nth == 1 && result == Outcome::Rejected && !draft.resolves => {
                Some(who.clone())
            }
            _ => item.preamble.proposer.clone(),
        };
        Ok(Decision {
            id,
            item: item.item.clone(),
            number: draft.number.clone(),
            date,
            reference: item.preamble.reference.clone(),
            title: title.to_string(),
            text: text.filter(|_| result != Outcome::Rejected || draft.resolves),
            proposer,
            legal_basis,
            result,
            vote_type: vote_kind(&draft, result),
            counts,
            votes: draft.votes,
            unread_vote,
        })
    }

    /// The vote line of a decision whose vote could not be read, warned
    /// about by page, agenda point and text.
    fn unread_vote(&mut self, item: &str, id: &str, draft: &Draft) -> Option<String> {
        let Some(Vote::Unread { line, reason, .. }) = &draft.vote else {
            return None;
        };
        let counts = if draft.votes.is_empty() {
            "no counts"
        } else {
            "the counts of the roll call's names"
        };
        self.warnings.push(format!(
            "{}: item т.{item}, decision {id}: cannot read the vote „{line}“ ({reason}); \
             published with vote_type unknown and {counts}",
            self.url
        ));
        Some(line.clone())
    }

    /// The printed tally, else the roll call's names counted; a mismatch
    /// between the two is reported, and the printed tally kept.
    fn counts(&mut self, id: &str, draft: &Draft) -> Counts {
        let counted = (!draft.votes.is_empty()).then(|| {
            let n = |o| {
                let c = draft.votes.iter().filter(|v| v.option == o).count();
                u32::try_from(c).ok()
            };
            Counts {
                yes: n(tally::VoteOption::Yes),
                no: n(tally::VoteOption::No),
                abstain: n(tally::VoteOption::Abstain),
            }
        });
        match (draft.printed_counts(), counted) {
            (Some(printed), Some(counted)) => {
                if printed != counted {
                    self.warnings.push(format!(
                        "{}: decision {id}: the roll call lists {} for, {} against, {} abstaining, but the tally says {} / {} / {}",
                        self.url,
                        show(counted.yes),
                        show(counted.no),
                        show(counted.abstain),
                        show(printed.yes),
                        show(printed.no),
                        show(printed.abstain),
                    ));
                }
                printed
            }
            (Some(printed), None) => printed,
            (None, Some(counted)) => counted,
            (None, None) => Counts::default(),
        }
    }

    fn finish(mut self) -> Result<Session, ParseError> {
        self.finish_item()?;
        let Some((date, end_date)) = self.days else {
            self.heading.days(self.url)?;
            return Err(ParseError::NoItems {
                url: self.url.into(),
            });
        };
        Ok(Session {
            url: self.url.into(),
            number: self.heading.number,
            protocol: self.heading.protocol,
            date,
            end_date,
            decisions: self.decisions,
            warnings: self.warnings,
        })
    }
}

fn show(n: Option<u32>) -> String {
    n.map_or_else(|| "?".into(), |n| n.to_string())
}

#[cfg(test)]
mod tests;
