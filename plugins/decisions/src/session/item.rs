//! One agenda item being read: its preamble (reference, proposer,
//! subject, legal basis) and the decisions under it, line by line.
//!
//! Lines are taken in order of precedence: a vote, a councillor's vote in
//! a roll call, a decision number, `Р Е Ш И`, a statement of outcome, the
//! decision's text, the preamble. A decision is complete once its vote is
//! read; a further opening after that starts the item's next decision.

use vitrina_sdk::normalize::NaiveDate;

use super::{Outcome, VoteKind};
use crate::tally::{self, Counts, IndividualVote, Tally, TallyError, VoteType};
use crate::words::{self, Statement};

/// An item's preamble: what the council was asked.
#[derive(Default, Clone)]
pub(super) struct Preamble {
    pub(super) reference: Option<String>,
    pub(super) proposer: Option<String>,
    pub(super) title: Option<String>,
    /// The title may go on over the next lines (a `<br>` inside it).
    pub(super) title_open: bool,
    /// The first untitled line, the title when there is no `относно`.
    pub(super) first_line: Option<String>,
    pub(super) legal_basis: Option<String>,
    /// `Алтернативно предложение на ПГ …`: who proposed the counter-proposal
    /// voted first.
    pub(super) alternative_proposer: Option<String>,
}

impl Preamble {
    pub(super) fn feed(&mut self, line: &str) {
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
pub(super) fn continues_title(line: &str) -> bool {
    line.starts_with(|c: char| {
        c.is_lowercase() || c.is_ascii_digit() || matches!(c, '„' | '"' | '“' | '«' | '(')
    })
}

/// A decision's vote line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Vote {
    Read {
        kind: Option<VoteType>,
        counts: Counts,
    },
    /// A vote line the tally reader could not read: the decision is still
    /// published, with its vote unknown and a warning, rather than dropped
    /// or given counts that were guessed. `kind` is the vote type the line
    /// names, so a roll call's names after it are still read.
    Unread {
        line: String,
        reason: TallyError,
        kind: Option<VoteType>,
    },
}

/// The start of an unread vote line, as quoted in warnings.
const QUOTED_CHARS: usize = 160;

/// One decision being read.
#[derive(Default)]
pub(super) struct Draft {
    pub(super) number: Option<String>,
    pub(super) number_date: Option<NaiveDate>,
    /// `Р Е Ш И` seen: the lines after it are the decision's text.
    pub(super) resolves: bool,
    pub(super) text: Vec<String>,
    pub(super) statement: Option<Statement>,
    pub(super) vote: Option<Vote>,
    /// `Поименно гласуване:` seen, counts or names to follow.
    pub(super) announced: Option<VoteType>,
    pub(super) votes: Vec<IndividualVote>,
    pub(super) legal_basis: Option<String>,
    /// The day of the session when the decision started.
    pub(super) day: Option<NaiveDate>,
}

impl Draft {
    pub(super) fn is_empty(&self) -> bool {
        self.number.is_none()
            && !self.resolves
            && self.statement.is_none()
            && self.vote.is_none()
            && self.votes.is_empty()
    }

    /// A vote has been recorded: what follows belongs to another decision.
    pub(super) fn is_voted(&self) -> bool {
        self.vote.is_some()
    }

    pub(super) fn in_roll_call(&self) -> bool {
        let named = match &self.vote {
            Some(Vote::Read { kind, .. } | Vote::Unread { kind, .. }) => *kind,
            None => None,
        };
        self.announced == Some(VoteType::RollCall) || named == Some(VoteType::RollCall)
    }

    /// The counts the vote line states, if it was read.
    pub(super) fn printed_counts(&self) -> Option<Counts> {
        match self.vote {
            Some(Vote::Read { counts, .. }) => Some(counts),
            _ => None,
        }
    }
}

/// One agenda item being read.
pub(super) struct Item {
    pub(super) item: String,
    pub(super) preamble: Preamble,
    pub(super) drafts: Vec<Draft>,
    pub(super) current: Draft,
    /// Lines after a completed vote: the text of a further decision if
    /// another vote follows, else a signature or note to drop.
    pub(super) after_vote: Vec<String>,
    /// Past a signature block: ignore lines until the next item.
    pub(super) closed: bool,
}

impl Item {
    pub(super) fn new(item: String, day: Option<NaiveDate>) -> Self {
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
    pub(super) fn next_draft(&mut self, day: Option<NaiveDate>, text: Vec<String>) {
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
    pub(super) fn open_decision(&mut self, day: Option<NaiveDate>) {
        if self.current.is_voted() {
            let between = std::mem::take(&mut self.after_vote);
            self.next_draft(day, Vec::new());
            self.current.resolves = false;
            self.current.legal_basis = between.iter().rev().find_map(|l| words::legal_basis(l));
        }
    }
}

/// One line inside an item, in order of precedence: a vote (read or not),
/// a councillor's vote in a roll call, a decision number, `Р Е Ш И`, a
/// statement, the decision's text, the preamble.
pub(super) fn feed_item(item: &mut Item, line: &str, day: Option<NaiveDate>) {
    match tally::read_tally(line) {
        Ok(Some(tally)) => return feed_tally(item, tally, day),
        Ok(None) => {}
        Err(reason) => {
            let unread = Vote::Unread {
                line: line.chars().take(QUOTED_CHARS).collect(),
                reason,
                kind: tally::vote_type_named(line),
            };
            return feed_vote(item, unread, day);
        }
    }
    if item.current.in_roll_call()
        && let Some(vote) = tally::read_individual_vote(line)
    {
        item.current.votes.push(vote);
        return;
    }
    if let Some(heading) = words::decision_heading(line) {
        item.open_decision(day);
        item.current.number = Some(heading.number);
        item.current.number_date = heading.date;
        item.current.resolves = true;
        if !heading.rest.is_empty() {
            item.current.text.push(heading.rest);
        }
        return;
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
        return;
    }
    let in_text = item.current.resolves && !item.current.is_voted();
    if !in_text && let Some(statement) = words::statement(line) {
        if item.current.statement.is_some() || item.current.resolves {
            item.open_decision(day);
        }
        item.current.statement = Some(statement);
        return;
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
}

pub(super) fn starts_with_basis(line: &str) -> bool {
    words::Folded::new(line).key().starts_with("на основание")
}

/// A vote line: counts close the current decision's vote (or, after a
/// completed vote, belong to a further decision whose text came between);
/// a heading announces counts or names to follow.
fn feed_tally(item: &mut Item, tally: Tally, day: Option<NaiveDate>) {
    match tally {
        Tally::Heading(kind) => {
            close_vote(item, day);
            item.current.announced = Some(kind);
        }
        Tally::Counts { vote_type, counts } => {
            let kind = vote_type.or(item.current.announced);
            feed_vote(item, Vote::Read { kind, counts }, day);
        }
    }
}

/// A vote line, read or not, closes the current decision's vote; an
/// unread one closes it as surely, so the decisions after it stay apart.
fn feed_vote(item: &mut Item, vote: Vote, day: Option<NaiveDate>) {
    close_vote(item, day);
    item.current.vote = Some(vote);
}

/// After a completed vote, what follows belongs to a further decision,
/// whose text is what came between.
fn close_vote(item: &mut Item, day: Option<NaiveDate>) {
    if item.current.is_voted() {
        let text = std::mem::take(&mut item.after_vote);
        item.next_draft(day, text);
    }
}

pub(super) fn outcome(draft: &Draft, text: Option<&str>) -> Outcome {
    match draft.statement {
        Some(Statement::Rejected) => Outcome::Rejected,
        Some(Statement::Withdrawn) => Outcome::Withdrawn,
        Some(Statement::Postponed) => Outcome::Postponed,
        None if text.is_some_and(words::postpones) => Outcome::Postponed,
        None if draft.resolves || draft.number.is_some() => Outcome::Adopted,
        None => Outcome::Unknown,
    }
}

pub(super) fn vote_kind(draft: &Draft, result: Outcome) -> VoteKind {
    match (&draft.vote, draft.announced) {
        (
            Some(Vote::Read {
                kind: Some(kind), ..
            }),
            _,
        ) => (*kind).into(),
        (Some(Vote::Read { kind: None, .. }), _) => VoteKind::Open,
        (Some(Vote::Unread { .. }), _) => VoteKind::Unknown,
        (None, Some(kind)) if !draft.votes.is_empty() => kind.into(),
        (None, _) if !draft.votes.is_empty() => VoteKind::RollCall,
        (None, _) if draft.statement.is_some() && !draft.resolves => match result {
            Outcome::Withdrawn | Outcome::Postponed => VoteKind::None,
            _ => VoteKind::Unknown,
        },
        (None, _) => VoteKind::Unknown,
    }
}
