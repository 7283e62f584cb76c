//! One agenda item read as a whole: its preamble (reference, proposer,
//! subject, legal basis), then its decisions, each with its vote and
//! result.
//!
//! A decision has one place for each thing a page says about it: a
//! counter-proposal's author, `Р Е Ш И` or its number, its text, a
//! statement of outcome, a vote. The item's pieces ([`super::pieces`]) are
//! taken in order, each into the current decision while its place there is
//! free; a piece whose place is taken starts the item's next decision. So
//! a vote belongs to the decision whose `Р Е Ш И` follows it (`Гласували: …`
//! then `Р Е Ш И:`) as much as to the one it follows, and a result belongs
//! to its vote whether it is said before or after it: one decision is
//! never split into two rows. Where a page votes the parts of a decision
//! one by one, the text between two votes is the next part's when the
//! votes follow their text, and text after a vote is its own when the
//! votes lead.

use vitrina_sdk::normalize::NaiveDate;

use super::pieces::{Piece, pieces};
use crate::tally::{self, Counts, IndividualVote, Tally, TallyError, VoteOption, VoteType};
use crate::words::{self, Statement};

/// An item's preamble: what the council was asked.
#[derive(Default, Clone)]
pub(super) struct Preamble {
    pub reference: Option<String>,
    pub proposer: Option<String>,
    pub title: Option<String>,
    /// The title may go on over the next lines (a `<br>` inside it).
    title_open: bool,
    /// The first untitled line, the title when there is no `относно`.
    pub first_line: Option<String>,
    pub legal_basis: Option<String>,
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
            let text = match words::incoming_reference(line) {
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

/// A decision's vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Vote {
    Read {
        kind: Option<VoteType>,
        counts: Counts,
        line: String,
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

/// How a decision came to have text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Resolution {
    /// Its own `Р Е Ш И` or decision number.
    Marker,
    /// A further part of the decision before it, voted on its own.
    Continued,
}

/// One decision being read.
#[derive(Debug, Default)]
pub(super) struct Draft {
    /// The author of a counter-proposal.
    pub alternative: Option<String>,
    pub number: Option<String>,
    pub number_date: Option<NaiveDate>,
    pub resolves: Option<Resolution>,
    pub text: Vec<String>,
    pub statement: Option<Statement>,
    pub vote: Option<Vote>,
    /// `Поименно гласуване:` seen, counts or names to follow.
    pub announced: Option<VoteType>,
    pub votes: Vec<IndividualVote>,
    pub legal_basis: Option<String>,
    /// The day of the session when the decision started.
    pub day: Option<NaiveDate>,
    /// The vote came before any of the text: the text after it is this
    /// decision's.
    vote_leads: bool,
}

impl Draft {
    fn new(day: NaiveDate) -> Self {
        Self {
            day: Some(day),
            ..Self::default()
        }
    }

    fn is_empty(&self) -> bool {
        self.alternative.is_none()
            && self.number.is_none()
            && self.resolves.is_none()
            && self.statement.is_none()
            && !self.has_vote()
    }

    pub(super) fn has_vote(&self) -> bool {
        self.vote.is_some() || self.announced.is_some() || !self.votes.is_empty()
    }

    fn in_roll_call(&self) -> bool {
        let named = match &self.vote {
            Some(Vote::Read { kind, .. } | Vote::Unread { kind, .. }) => *kind,
            None => None,
        };
        self.announced == Some(VoteType::RollCall) || named == Some(VoteType::RollCall)
    }

    /// Text read now is this decision's: it resolves, and its vote (if
    /// any) came before its text.
    fn takes_text(&self) -> bool {
        self.resolves.is_some() && (!self.has_vote() || self.vote_leads)
    }

    /// `Р Е Ш И` read now opens this decision's text: nothing it holds
    /// says it is another decision (a counter-proposal, a result other
    /// than adoption, text of its own).
    fn takes_marker(&self) -> bool {
        self.resolves != Some(Resolution::Marker)
            && self.number.is_none()
            && self.text.is_empty()
            && self.alternative.is_none()
            && matches!(self.statement, None | Some(Statement::Adopted))
    }

    /// The counts the vote line states, if it was read.
    pub(super) fn printed_counts(&self) -> Option<Counts> {
        match self.vote {
            Some(Vote::Read { counts, .. }) => Some(counts),
            _ => None,
        }
    }

    /// The vote as the page wrote it, for warnings.
    pub(super) fn vote_line(&self) -> Option<&str> {
        match &self.vote {
            Some(Vote::Read { line, .. } | Vote::Unread { line, .. }) => Some(line),
            None => None,
        }
    }
}

/// An item's preamble and decisions.
pub(super) struct ReadItem {
    pub preamble: Preamble,
    pub drafts: Vec<Draft>,
}

/// Reads an item's lines into its preamble and decisions.
pub(super) fn read_item(lines: &[(String, NaiveDate)]) -> ReadItem {
    let first_day = lines.first().map(|(_, d)| *d).unwrap_or_default();
    let mut reader = Reader {
        preamble: Preamble::default(),
        drafts: Vec::new(),
        current: Draft::new(first_day),
        pending: Vec::new(),
        day: first_day,
    };
    for (line, day) in lines {
        reader.day = *day;
        for piece in pieces(line) {
            reader.take(piece);
        }
    }
    let last = std::mem::take(&mut reader.current);
    reader.drafts.push(last);
    ReadItem {
        preamble: reader.preamble,
        drafts: reader
            .drafts
            .into_iter()
            .filter(|d| !d.is_empty())
            .collect(),
    }
}

struct Reader {
    preamble: Preamble,
    drafts: Vec<Draft>,
    current: Draft,
    /// Text after a vote that followed its decision's text: the next
    /// part's text if another vote follows, else a note, or the legal
    /// basis of the next `Р Е Ш И`.
    pending: Vec<String>,
    day: NaiveDate,
}

/// What starts a further decision.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Start {
    Vote,
    Statement,
    Marker,
    Alternative,
}

impl Reader {
    fn take(&mut self, piece: Piece) {
        match piece {
            Piece::Tally {
                tally: Tally::Heading(kind),
                ..
            } => {
                if self.current.has_vote() {
                    self.start(Start::Vote);
                }
                self.note_vote_position();
                self.current.announced = Some(kind);
            }
            Piece::Tally {
                tally: Tally::Counts { vote_type, counts },
                line,
            } => self.vote(Vote::Read {
                kind: vote_type,
                counts,
                line,
            }),
            Piece::Unread { line, reason, kind } => self.vote(Vote::Unread { line, reason, kind }),
            Piece::Number(heading) => {
                self.marker(None);
                self.current.number = Some(heading.number);
                self.current.number_date = heading.date;
            }
            Piece::Resolves { basis } => self.marker(basis),
            Piece::Statement { said, line } if !said.sure && self.current.takes_text() => {
                self.text(line);
            }
            Piece::Statement { said, .. } => self.statement(said.statement),
            Piece::Alternative(who) => {
                if !self.current.is_empty() {
                    self.start(Start::Alternative);
                }
                self.current.alternative = Some(who);
            }
            Piece::Text(line) => self.text(line),
        }
    }

    /// Closes the current decision and opens the next. A further part of a
    /// decision being resolved goes on resolving; its text is what came
    /// after the previous part's vote.
    fn start(&mut self, by: Start) {
        let continues = self.current.resolves.is_some()
            && matches!(by, Start::Vote | Start::Statement)
            && (self.current.vote_leads || !self.pending.is_empty() || by == Start::Statement);
        let previous = std::mem::replace(&mut self.current, Draft::new(self.day));
        self.drafts.push(previous);
        let pending = std::mem::take(&mut self.pending);
        if continues {
            self.current.resolves = Some(Resolution::Continued);
            self.current.text = pending;
        } else {
            self.current.legal_basis = pending.iter().rev().find_map(|l| words::legal_basis(l));
        }
    }

    fn note_vote_position(&mut self) {
        if !self.current.has_vote() {
            self.current.vote_leads = self.current.text.is_empty() && self.pending.is_empty();
        }
    }

    /// A vote line, read or not: the current decision's, unless it has
    /// one (a heading with no counts yet takes them, and gives its type).
    fn vote(&mut self, mut vote: Vote) {
        if self.current.vote.is_some() || !self.pending.is_empty() || self.closes_roll_call(&vote) {
            self.start(Start::Vote);
        }
        self.note_vote_position();
        if let Vote::Read { kind, .. } = &mut vote {
            *kind = kind.or(self.current.announced);
        }
        self.current.vote = Some(vote);
    }

    /// A tally after a roll call by name is the roll call's own total only
    /// if it gives the names' counts; else it is the next decision's vote.
    fn closes_roll_call(&self, vote: &Vote) -> bool {
        let names = &self.current.votes;
        let count = |o| u32::try_from(names.iter().filter(|v| v.option == o).count()).ok();
        match vote {
            _ if names.is_empty() => false,
            Vote::Read { counts, .. } => {
                let named = Counts {
                    yes: count(VoteOption::Yes),
                    no: count(VoteOption::No),
                    abstain: count(VoteOption::Abstain),
                };
                *counts != named
            }
            Vote::Unread { .. } => true,
        }
    }

    /// `Р Е Ш И` or a decision number: opens the current decision's text,
    /// unless the current decision is another one.
    fn marker(&mut self, basis: Option<String>) {
        if !self.current.takes_marker() {
            self.start(Start::Marker);
        } else if let Some(b) = self
            .pending
            .iter()
            .rev()
            .find_map(|l| words::legal_basis(l))
        {
            self.current.legal_basis = Some(b);
        }
        self.pending.clear();
        self.current.resolves = Some(Resolution::Marker);
        if basis.is_some() {
            self.current.legal_basis = basis;
        }
    }

    fn statement(&mut self, statement: Statement) {
        if self.current.statement.is_some() || !self.pending.is_empty() {
            self.start(Start::Statement);
        }
        self.current.statement = Some(statement);
    }

    fn text(&mut self, line: String) {
        let current = &mut self.current;
        if current.in_roll_call()
            && let Some(vote) = tally::read_individual_vote(&line)
        {
            current.votes.push(vote);
        } else if current.takes_text() && self.pending.is_empty() && !leads_to_marker(&line) {
            if current.text.is_empty() && current.legal_basis.is_none() && starts_with_basis(&line)
            {
                current.legal_basis = words::legal_basis(&line);
            }
            current.text.push(line);
        } else if current.is_empty() && self.drafts.is_empty() {
            self.preamble.feed(&line);
        } else if current.has_vote() || current.resolves.is_some() {
            self.pending.push(line);
        } else if let Some(basis) = words::legal_basis(&line) {
            current.legal_basis = Some(basis);
        }
    }
}

/// `Общински съвет – Бургас, на основание …,`: the clause that opens the
/// next `Р Е Ш И`, never a line of decision text.
fn leads_to_marker(line: &str) -> bool {
    line.trim_end().ends_with(',') && words::legal_basis(line).is_some()
}

fn starts_with_basis(line: &str) -> bool {
    words::Folded::new(line).key().starts_with("на основание")
}
