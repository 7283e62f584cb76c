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
//! session date, an item with no decision, an unreadable vote line) is a
//! [`ParseError`] naming the page and the item, and yields no decisions at
//! all, so a half-read session is never published.

use std::collections::HashMap;

use thiserror::Error;
use vitrina_sdk::normalize::NaiveDate;

use crate::tally::{self, Counts, IndividualVote, Tally, TallyError, VoteType};
use crate::words::{self, Statement};

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
    /// call whose names do not add up to the printed tally).
    pub warnings: Vec<String>,
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
    #[error("{url}: item т.{item}: cannot read the vote line „{line}“: {reason}")]
    BadTally {
        url: String,
        item: String,
        line: String,
        reason: TallyError,
    },
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

/// An item's preamble: what the council was asked.
#[derive(Default, Clone)]
struct Preamble {
    reference: Option<String>,
    proposer: Option<String>,
    title: Option<String>,
    /// The title may go on over the next lines (a `<br>` inside it).
    title_open: bool,
    /// The first untitled line, the title when there is no `относно`.
    first_line: Option<String>,
    legal_basis: Option<String>,
    /// `Алтернативно предложение на ПГ …`: who proposed the counter-proposal
    /// voted first.
    alternative_proposer: Option<String>,
}

impl Preamble {
    fn feed(&mut self, line: &str) {
        // Checked first: `на основание …` on its own line starts lowercase
        // and would otherwise pass for the title going on.
        if let Some(basis) = words::legal_basis(line) {
            self.legal_basis = Some(basis);
            self.title_open = false;
            return;
        }
        if self.title_open && continues_title(line) {
            if let Some(title) = &mut self.title {
                title.push(' ');
                title.push_str(line);
            }
            return;
        }
        self.title_open = false;
        if let Some(who) = words::alternative_proposer(line) {
            self.alternative_proposer = Some(who);
            return;
        }
        self.reference = self
            .reference
            .take()
            .or_else(|| words::incoming_reference(line));
        self.proposer = self.proposer.take().or_else(|| words::proposer(line));
        if self.title.is_none()
            && let Some(subject) = words::subject(line)
        {
            self.title = Some(subject);
            self.title_open = true;
        } else if self.first_line.is_none() {
            let reference = words::incoming_reference(line);
            let text = match reference {
                Some(r) => line.replacen(&r, "", 1).trim().to_string(),
                None => line.to_string(),
            };
            self.first_line = Some(text).filter(|t| !t.is_empty());
        }
    }
}

/// A title broken over lines continues on a line that starts mid-sentence:
/// lowercase, a digit, or an opening quote or bracket.
fn continues_title(line: &str) -> bool {
    line.starts_with(|c: char| {
        c.is_lowercase() || c.is_ascii_digit() || matches!(c, '„' | '"' | '“' | '«' | '(')
    })
}

/// One decision being read.
#[derive(Default)]
struct Draft {
    number: Option<String>,
    number_date: Option<NaiveDate>,
    /// `Р Е Ш И` seen: the lines after it are the decision's text.
    resolves: bool,
    text: Vec<String>,
    statement: Option<Statement>,
    tally: Option<(Option<VoteType>, Counts)>,
    /// `Поименно гласуване:` seen, counts or names to follow.
    announced: Option<VoteType>,
    votes: Vec<IndividualVote>,
    legal_basis: Option<String>,
    /// The day of the session when the decision started.
    day: Option<NaiveDate>,
}

impl Draft {
    fn is_empty(&self) -> bool {
        self.number.is_none()
            && !self.resolves
            && self.statement.is_none()
            && self.tally.is_none()
            && self.votes.is_empty()
    }

    /// A vote has been recorded: what follows belongs to another decision.
    fn is_voted(&self) -> bool {
        self.tally.is_some()
    }

    fn in_roll_call(&self) -> bool {
        self.announced == Some(VoteType::RollCall)
            || matches!(self.tally, Some((Some(VoteType::RollCall), _)))
    }
}

/// One agenda item being read.
struct Item {
    item: String,
    preamble: Preamble,
    drafts: Vec<Draft>,
    current: Draft,
    /// Lines after a completed vote: the text of a further decision if
    /// another vote follows, else a signature or note to drop.
    after_vote: Vec<String>,
    /// Past a signature block: ignore lines until the next item.
    closed: bool,
}

impl Item {
    fn new(item: String, day: Option<NaiveDate>) -> Self {
        Self {
            item,
            preamble: Preamble::default(),
            drafts: Vec::new(),
            current: Draft {
                day,
                ..Draft::default()
            },
            after_vote: Vec::new(),
            closed: false,
        }
    }

    /// Starts the next decision of this item, its text being `text`.
    fn next_draft(&mut self, day: Option<NaiveDate>, text: Vec<String>) {
        let previous = std::mem::take(&mut self.current);
        self.drafts.push(previous);
        self.current.day = day;
        // A further decision under the same heading keeps being a decision:
        // its text came after the first one's `Р Е Ш И`.
        self.current.resolves = !text.is_empty();
        self.current.text = text;
    }

    /// Starts a new decision if the current one already has its vote. The
    /// lines between the two may state the new decision's legal basis
    /// (`Общински съвет – Бургас, на основание …,` before `Р Е Ш И:`).
    fn open_decision(&mut self, day: Option<NaiveDate>) {
        if self.current.is_voted() {
            let between = std::mem::take(&mut self.after_vote);
            self.next_draft(day, Vec::new());
            self.current.resolves = false;
            self.current.legal_basis = between.iter().rev().find_map(|l| words::legal_basis(l));
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
        let url = self.url;
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
        feed_item(item, line, day, url)
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
            feed_item(&mut item, &heading.rest, self.day, self.url)?;
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
        })
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
        match (draft.tally.map(|(_, c)| c), counted) {
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

/// One line inside an item, in order of precedence: a vote, a councillor's
/// vote in a roll call, a decision number, `Р Е Ш И`, a statement, the
/// decision's text, the preamble.
fn feed_item(
    item: &mut Item,
    line: &str,
    day: Option<NaiveDate>,
    url: &str,
) -> Result<(), ParseError> {
    let tally = tally::read_tally(line).map_err(|reason| ParseError::BadTally {
        url: url.into(),
        item: item.item.clone(),
        line: line.chars().take(160).collect(),
        reason,
    })?;
    if let Some(tally) = tally {
        feed_tally(item, tally, day);
        return Ok(());
    }
    if item.current.in_roll_call()
        && let Some(vote) = tally::read_individual_vote(line)
    {
        item.current.votes.push(vote);
        return Ok(());
    }
    if let Some(heading) = words::decision_heading(line) {
        item.open_decision(day);
        item.current.number = Some(heading.number);
        item.current.number_date = heading.date;
        item.current.resolves = true;
        if !heading.rest.is_empty() {
            item.current.text.push(heading.rest);
        }
        return Ok(());
    }
    if let Some((before, after)) = words::resolves_marker(line) {
        item.open_decision(day);
        if let Some(basis) = words::legal_basis(&before) {
            item.current.legal_basis = Some(basis);
        }
        item.current.resolves = true;
        if !after.is_empty() {
            item.current.text.push(after);
        }
        return Ok(());
    }
    let in_text = item.current.resolves && !item.current.is_voted();
    if !in_text && let Some(statement) = words::statement(line) {
        if item.current.statement.is_some() || item.current.resolves {
            item.open_decision(day);
        }
        item.current.statement = Some(statement);
        return Ok(());
    }
    if item.current.is_voted() {
        item.after_vote.push(line.to_string());
    } else if in_text {
        if item.current.text.is_empty()
            && item.current.legal_basis.is_none()
            && let Some(basis) = words::legal_basis(line).filter(|_| starts_with_basis(line))
        {
            item.current.legal_basis = Some(basis);
        }
        item.current.text.push(line.to_string());
    } else if item.current.number.is_none() && item.drafts.is_empty() {
        item.preamble.feed(line);
    } else if let Some(basis) = words::legal_basis(line) {
        item.current.legal_basis = Some(basis);
    }
    Ok(())
}

fn starts_with_basis(line: &str) -> bool {
    words::Folded::new(line).key().starts_with("на основание")
}

/// A vote line: counts close the current decision's vote (or, after a
/// completed vote, belong to a further decision whose text came between);
/// a heading announces counts or names to follow.
fn feed_tally(item: &mut Item, tally: Tally, day: Option<NaiveDate>) {
    match tally {
        Tally::Heading(kind) => {
            if item.current.is_voted() {
                let text = std::mem::take(&mut item.after_vote);
                item.next_draft(day, text);
            }
            item.current.announced = Some(kind);
        }
        Tally::Counts { vote_type, counts } => {
            if item.current.is_voted() {
                let text = std::mem::take(&mut item.after_vote);
                item.next_draft(day, text);
            }
            let kind = vote_type.or(item.current.announced);
            item.current.tally = Some((kind, counts));
        }
    }
}

fn outcome(draft: &Draft, text: Option<&str>) -> Outcome {
    match draft.statement {
        Some(Statement::Rejected) => Outcome::Rejected,
        Some(Statement::Withdrawn) => Outcome::Withdrawn,
        Some(Statement::Postponed) => Outcome::Postponed,
        None if text.is_some_and(words::postpones) => Outcome::Postponed,
        None if draft.resolves || draft.number.is_some() => Outcome::Adopted,
        None => Outcome::Unknown,
    }
}

fn vote_kind(draft: &Draft, result: Outcome) -> VoteKind {
    match (&draft.tally, draft.announced) {
        (Some((Some(kind), _)), _) => (*kind).into(),
        (Some((None, _)), _) => VoteKind::Open,
        (None, Some(kind)) if !draft.votes.is_empty() => kind.into(),
        (None, _) if !draft.votes.is_empty() => VoteKind::RollCall,
        (None, _) if draft.statement.is_some() && !draft.resolves => match result {
            Outcome::Withdrawn | Outcome::Postponed => VoteKind::None,
            _ => VoteKind::Unknown,
        },
        (None, _) => VoteKind::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://burgascouncil.org/node/781";

    fn parse(page: &str) -> Result<Session, ParseError> {
        let lines: Vec<String> = page
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect();
        parse_session(&lines, URL)
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("test date")
    }

    /// The shared sample: `shared/samples/burgas_council_protocol_9_2024_excerpt.txt`.
    const SAMPLE: &str =
        include_str!("../../../../shared/samples/burgas_council_protocol_9_2024_excerpt.txt");

    #[test]
    fn the_shared_burgas_sample() {
        let session = parse(SAMPLE).expect("sample parses");
        assert_eq!(session.number, Some(9));
        assert_eq!(session.protocol.as_deref(), Some("9"));
        assert_eq!(session.date, d(2024, 3, 26));
        assert_eq!(session.end_date, None);
        let ids: Vec<&str> = session.decisions.iter().map(|d| d.id.as_str()).collect();
        assert_eq!(ids, ["2024-03-26.2", "2024-03-26.3", "2024-03-26.27.2"]);

        let first = &session.decisions[0];
        assert_eq!(first.reference.as_deref(), Some("ОбС 08-00-15376"));
        assert_eq!(first.proposer.as_deref(), Some("Кмета на Община Бургас"));
        assert_eq!(first.legal_basis.as_deref(), Some("чл. 21, ал. 2 от ЗМСМА"));
        assert!(first.title.starts_with("Приемане на Наредба за изменение"));
        assert!(
            first
                .text
                .as_deref()
                .is_some_and(|t| t.starts_with("Приема Наредба"))
        );
        assert_eq!(first.result, Outcome::Adopted);
        assert_eq!(first.vote_type, VoteKind::Open);
        assert_eq!(
            first.counts,
            Counts {
                yes: Some(41),
                no: Some(2),
                abstain: Some(3)
            }
        );

        let budget = &session.decisions[1];
        assert_eq!(budget.vote_type, VoteKind::RollCall);
        assert_eq!(budget.counts.abstain, Some(0));
        assert_eq!(budget.legal_basis, None);

        let rejected = &session.decisions[2];
        assert_eq!(rejected.item, "27.2");
        assert_eq!(rejected.result, Outcome::Rejected);
        assert_eq!(rejected.text, None);
        assert_eq!(rejected.counts.no, Some(21));
        assert_eq!(
            rejected.proposer.as_deref(),
            Some("общински съветници от ПГ „Х“")
        );
    }

    #[test]
    fn an_alternative_rejected_before_the_original_is_adopted() {
        let session = parse(
            "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
            По т.4 от дневния ред
            ОбС 08-00-1 Докладна записка от Кмета, относно: Наем на имот
            Алтернативно предложение на ПГ „Х“ за търг с по-висока цена
            Предложението не се приема.
            Гласували: за – 10, против – 30, въздържали се – 5
            Общински съвет – Бургас, на основание чл. 21, ал. 1, т. 8 от ЗМСМА,
            Р Е Ш И:
            Дава съгласие за наем.
            Гласували: за – 35, против – 8, въздържали се – 2",
        )
        .expect("parses");
        let [alternative, adopted] = session.decisions.as_slice() else {
            panic!("two decisions: {:?}", session.decisions);
        };
        assert_eq!(alternative.id, "2024-04-23.4");
        assert_eq!(alternative.result, Outcome::Rejected);
        assert_eq!(alternative.proposer.as_deref(), Some("ПГ „Х“"));
        assert_eq!(adopted.proposer.as_deref(), Some("Кмета"));
        assert_eq!(alternative.counts.yes, Some(10));
        assert_eq!(adopted.id, "2024-04-23.4-2");
        assert_eq!(adopted.result, Outcome::Adopted);
        assert_eq!(adopted.title, "Наем на имот");
        assert_eq!(adopted.text.as_deref(), Some("Дава съгласие за наем."));
        assert_eq!(
            adopted.legal_basis.as_deref(),
            Some("чл. 21, ал. 1, т. 8 от ЗМСМА")
        );
        assert_eq!(adopted.counts.yes, Some(35));
    }

    #[test]
    fn parts_voted_one_by_one_are_separate_decisions() {
        let session = parse(
            "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
            По т.6 от дневния ред
            относно: Промени в капиталовата програма
            Р Е Ш И:
            1. Одобрява промените.
            Гласували: за – 40, против – 0, въздържали се – 1
            2. Възлага на кмета изпълнението.
            Гласували: за – 38, против – 2, въздържали се – 1
            ПРЕДСЕДАТЕЛ: (п) Иван Иванов",
        )
        .expect("parses");
        let texts: Vec<Option<&str>> = session
            .decisions
            .iter()
            .map(|d| d.text.as_deref())
            .collect();
        assert_eq!(
            texts,
            [
                Some("1. Одобрява промените."),
                Some("2. Възлага на кмета изпълнението.")
            ]
        );
        assert_eq!(session.decisions[1].id, "2024-04-23.6-2");
        assert_eq!(session.decisions[1].result, Outcome::Adopted);
    }

    #[test]
    fn a_second_day_dates_its_decisions_but_not_their_ids() {
        let session = parse(
            "ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №10 ОТ ДАТИ 23.04.2024 И 24.04.2024 ГОДИНА
            По т.1 от дневния ред
            относно: Първо
            Р Е Ш И: Приема.
            Гласували: за – 40
            Втори ден – 24.04.2024 г.
            По т.2 от дневния ред
            относно: Второ
            Р Е Ш И: Приема.
            Гласували: за – 41",
        )
        .expect("parses");
        assert_eq!(session.end_date, Some(d(2024, 4, 24)));
        let days: Vec<(&str, NaiveDate)> = session
            .decisions
            .iter()
            .map(|d| (d.id.as_str(), d.date))
            .collect();
        assert_eq!(
            days,
            [
                ("2024-04-23.1", d(2024, 4, 23)),
                ("2024-04-23.2", d(2024, 4, 24))
            ]
        );
    }

    #[test]
    fn withdrawn_and_postponed_items() {
        let session = parse(
            "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
            По т.7 от дневния ред
            ОбС 08-00-7 Докладна записка от Кмета, относно: Продажба
            Докладната записка е оттеглена от вносителя.
            По т.8 от дневния ред
            относно: Промяна на ПУП
            Р Е Ш И:
            Отлага разглеждането на докладната записка за следващото заседание.
            Гласували: за – 30, против – 5, въздържали се – 3
            По т.9 от дневния ред
            относно: Питания",
        )
        .expect("parses");
        let summary: Vec<(Outcome, VoteKind)> = session
            .decisions
            .iter()
            .map(|d| (d.result, d.vote_type))
            .collect();
        assert_eq!(
            summary,
            [
                (Outcome::Withdrawn, VoteKind::None),
                (Outcome::Postponed, VoteKind::Open)
            ]
        );
    }

    #[test]
    fn a_roll_call_listed_by_name() {
        let session = parse(
            "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
            По т.3 от дневния ред
            относно: Заем
            Р Е Ш И: Поема дълг.
            Поименно гласуване:
            Иван Петров Иванов – за
            Мария Колева – против
            Петър Петров – за",
        )
        .expect("parses");
        let decision = &session.decisions[0];
        assert_eq!(decision.vote_type, VoteKind::RollCall);
        assert_eq!(
            decision.counts,
            Counts {
                yes: Some(2),
                no: Some(1),
                abstain: Some(0)
            }
        );
        assert_eq!(decision.votes.len(), 3);
        assert!(session.warnings.is_empty());
    }

    #[test]
    fn a_roll_call_that_disagrees_with_its_tally_is_reported() {
        let session = parse(
            "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
            По т.3 от дневния ред
            относно: Заем
            Р Е Ш И: Поема дълг.
            Поименно гласуване: за – 3, против – 0, въздържали се – 0
            Иван Петров Иванов – за
            Мария Колева – против",
        )
        .expect("parses");
        assert_eq!(session.decisions[0].counts.yes, Some(3));
        assert_eq!(session.warnings.len(), 1, "{:?}", session.warnings);
        assert!(session.warnings[0].contains("2024-04-23.3"));
    }

    #[test]
    fn numbered_decisions_with_ordinal_items() {
        let session = parse(
            "ПРОТОКОЛ
            № 12
            от заседание на Общински съвет, проведено на 28.05.2024 г.
            ПО ПЪРВА ТОЧКА ОТ ДНЕВНИЯ РЕД:
            Докладна записка относно отчет за дейността
            РЕШЕНИЕ № 215:
            Приема отчета.
            ГЛАСУВАЛИ: 32 “за”, 0 “против”, 0 “въздържали се”.
            ПРЕДСЕДАТЕЛ НА ОБЩИНСКИ СЪВЕТ: (п)",
        )
        .expect("parses");
        assert_eq!(session.protocol.as_deref(), Some("12"));
        let decision = &session.decisions[0];
        assert_eq!(decision.id, "2024-05-28.1");
        assert_eq!(decision.number.as_deref(), Some("215"));
        assert_eq!(decision.title, "отчет за дейността");
        assert_eq!(decision.text.as_deref(), Some("Приема отчета."));
    }

    #[test]
    fn broken_pages_are_errors_that_name_page_and_item() {
        let no_date = parse("ВЗЕТИ РЕШЕНИЯ\nПо т.1 от дневния ред\nотносно: Х\nР Е Ш И: Да.");
        assert_eq!(no_date, Err(ParseError::NoSessionDate { url: URL.into() }));
        let cut_short = parse(
            "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
            По т.1 от дневния ред
            относно: Х
            Р Е Ш И: Да.
            Гласували: за – 40
            По т.2 от дневния ред
            ОбС 08-00-2 Докладна записка от Кмета, относно: Y",
        );
        assert_eq!(
            cut_short,
            Err(ParseError::NoDecision {
                url: URL.into(),
                item: "2".into()
            })
        );
        let bad_vote = parse(
            "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
            По т.1 от дневния ред
            относно: Х
            Р Е Ш И: Да.
            Гласували: „за“ – 4l, „против“ – 2",
        );
        let Err(error) = bad_vote else {
            panic!("a misprinted count must not parse: {bad_vote:?}");
        };
        let message = error.to_string();
        assert!(
            message.contains(URL) && message.contains("т.1") && message.contains("4l"),
            "{message}"
        );
        let empty = parse(
            "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024\nПо т.1 от дневния ред\nотносно: Х\nР Е Ш И:\nГласували: за – 40",
        );
        assert!(
            matches!(empty, Err(ParseError::EmptyText { .. })),
            "{empty:?}"
        );
        let no_items = parse("ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024\nНяма взети решения.");
        assert_eq!(no_items, Err(ParseError::NoItems { url: URL.into() }));
    }
}
