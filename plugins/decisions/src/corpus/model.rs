//! The record of a session as the generator knows it: items with their
//! agenda point, reference, proposer and subject, and under each item the
//! decisions taken with their votes and outcomes. [`Record::expected`] says
//! what the parser must give back for it, decision for decision, computed
//! from the model alone and never from the parser's code.

use vitrina_sdk::normalize::NaiveDate;

use super::phrases;
use crate::session::{Outcome, VoteKind};
use crate::tally::{Counts, VoteType};

/// A session's record.
#[derive(Debug, Clone)]
pub struct Record {
    pub number: u32,
    pub first_day: NaiveDate,
    /// Set for a session held over two days.
    pub second_day: Option<NaiveDate>,
    pub items: Vec<Item>,
}

/// One agenda point.
#[derive(Debug, Clone)]
pub struct Item {
    /// `[27, 2]` for `т. 27.2`.
    pub point: Vec<u32>,
    /// The number of `ОбС 08-00-NNNNN`, when the page gives one.
    pub reference: Option<u32>,
    pub proposer: usize,
    pub subject: usize,
    /// Taken on the session's second day.
    pub second_day: bool,
    /// Empty for an item that carries no decision (`Питания`).
    pub decisions: Vec<Decision>,
}

/// One decision, or one proposal voted down, withdrawn or postponed.
#[derive(Debug, Clone)]
pub struct Decision {
    pub outcome: Fate,
    pub vote: Option<Vote>,
    /// `Решение № N` where the page numbers decisions; set by the renderer's
    /// layout, so the model says only which decisions could carry one.
    pub number: Option<u32>,
}

/// What became of the proposal, and what the page writes for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fate {
    /// Resolved: `Р Е Ш И:` and its text; `part` numbers the text when the
    /// parts of one decision were voted one by one.
    Adopted {
        text: Vec<usize>,
        part: Option<u32>,
    },
    /// A counter-proposal by a group, voted down before the item's own.
    Alternative {
        group: usize,
        statement: usize,
    },
    Rejected {
        statement: usize,
    },
    Withdrawn {
        statement: usize,
    },
    /// Postponed by a decision whose text defers it (`Отлага разглеждането`),
    /// or by a statement.
    Postponed {
        by_text: bool,
        statement: usize,
    },
    /// A vote the page gives without saying how it ended.
    Unstated,
}

/// A vote and the form the page writes it in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vote {
    pub kind: VoteType,
    pub form: Form,
}

/// The forms of a vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// A sentence of label–count pairs.
    Sentence(Sentence),
    /// `За | Против | Въздържали се` over the counts.
    Table { yes: u32, no: u32, abstain: u32 },
    /// Each councillor by name: (name index, option) in page order.
    Names {
        votes: Vec<(usize, NameVote)>,
        table: bool,
        /// The tally is printed above the names too.
        printed: bool,
    },
    /// Nobody against, nobody abstaining.
    Unanimous { yes: Option<u32>, style: usize },
    /// A sentence with one count mistyped (`4l`): unreadable.
    Misprinted { sentence: Sentence, typo: usize },
}

/// A councillor's vote in a roll call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameVote {
    Yes,
    No,
    Abstain,
    NotVoting,
}

/// A tally written as a sentence, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence {
    pub yes: u32,
    pub no: Option<u32>,
    pub abstain: Option<u32>,
    pub style: SentenceStyle,
}

/// The choices a clerk makes writing a tally.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceStyle {
    pub opening: usize,
    /// Which option comes first, second, third.
    pub order: usize,
    pub count_first: bool,
    pub quotes: usize,
    pub dash: usize,
    pub separator: usize,
    pub zero_as_word: bool,
    pub singular_abstain: bool,
    pub votes_word: bool,
    pub capitals: usize,
    /// `без „против“ и „въздържали се“` when both are zero.
    pub without: bool,
}

/// One row the parser must give back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub id: String,
    pub item: String,
    pub number: Option<String>,
    pub date: NaiveDate,
    pub reference: Option<String>,
    pub title: String,
    pub text: Option<String>,
    pub proposer: Option<String>,
    pub result: Outcome,
    pub vote_type: VoteKind,
    pub counts: Counts,
    /// The run must warn about this decision: its vote or result cannot
    /// be read from the page.
    pub unread: bool,
}

impl Record {
    /// Every decision the page records, in page order.
    pub fn expected(&self) -> Vec<Expected> {
        let mut rows = Vec::new();
        for item in &self.items {
            for (nth, decision) in item.decisions.iter().enumerate() {
                rows.push(self.expected_row(item, nth, decision));
            }
        }
        rows
    }

    fn expected_row(&self, item: &Item, nth: usize, decision: &Decision) -> Expected {
        let point = item.point_text();
        let id = match nth {
            0 => format!("{}.{point}", self.first_day),
            n => format!("{}.{point}-{}", self.first_day, n + 1),
        };
        let date = match (item.second_day, self.second_day) {
            (true, Some(day)) => day,
            _ => self.first_day,
        };
        let proposer = match &decision.outcome {
            Fate::Alternative { group, .. } => phrases::GROUPS[*group].to_string(),
            _ => phrases::PROPOSERS[item.proposer].to_string(),
        };
        let (vote_type, counts, unread_vote) = expected_vote(decision);
        let result = decision.outcome.result();
        Expected {
            id,
            item: point,
            number: decision.number.map(|n| n.to_string()),
            date,
            reference: item.reference.map(phrases::reference),
            title: phrases::SUBJECTS[item.subject].to_string(),
            text: decision.outcome.text(),
            proposer: Some(proposer),
            result,
            vote_type,
            counts,
            unread: unread_vote || result == Outcome::Unknown,
        }
    }
}

impl Item {
    pub fn point_text(&self) -> String {
        self.point
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }
}

impl Fate {
    pub fn result(&self) -> Outcome {
        match self {
            Fate::Adopted { .. } => Outcome::Adopted,
            Fate::Alternative { .. } | Fate::Rejected { .. } => Outcome::Rejected,
            Fate::Withdrawn { .. } => Outcome::Withdrawn,
            Fate::Postponed { .. } => Outcome::Postponed,
            Fate::Unstated => Outcome::Unknown,
        }
    }

    /// The decision's text as the page prints it, paragraphs by newlines.
    pub fn text(&self) -> Option<String> {
        match self {
            Fate::Adopted { text, part } => Some(
                text.iter()
                    .enumerate()
                    .map(|(i, &t)| match part {
                        Some(n) if i == 0 => format!("{n}. {}", phrases::TEXTS[t]),
                        _ => phrases::TEXTS[t].to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            Fate::Postponed { by_text: true, .. } => Some(phrases::POSTPONING_TEXT.to_string()),
            _ => None,
        }
    }

    /// Whether the page writes `Р Е Ш И:` and text for it.
    pub fn resolves(&self) -> bool {
        matches!(
            self,
            Fate::Adopted { .. } | Fate::Postponed { by_text: true, .. }
        )
    }
}

/// The vote type, counts, and whether the vote is unreadable.
fn expected_vote(decision: &Decision) -> (VoteKind, Counts, bool) {
    let Some(vote) = &decision.vote else {
        return match decision.outcome {
            Fate::Withdrawn { .. } | Fate::Postponed { .. } => {
                (VoteKind::None, Counts::default(), false)
            }
            _ => (VoteKind::Unknown, Counts::default(), true),
        };
    };
    let kind = vote.kind.into();
    match &vote.form {
        Form::Sentence(s) => (kind, s.counts(), false),
        Form::Table { yes, no, abstain } => (kind, counts(*yes, *no, *abstain), false),
        Form::Names { votes, .. } => {
            let n = |o| votes.iter().filter(|(_, v)| *v == o).count() as u32;
            let c = counts(n(NameVote::Yes), n(NameVote::No), n(NameVote::Abstain));
            (kind, c, false)
        }
        Form::Unanimous { yes, .. } => (
            kind,
            Counts {
                yes: *yes,
                no: Some(0),
                abstain: Some(0),
            },
            false,
        ),
        Form::Misprinted { .. } => (VoteKind::Unknown, Counts::default(), true),
    }
}

fn counts(yes: u32, no: u32, abstain: u32) -> Counts {
    Counts {
        yes: Some(yes),
        no: Some(no),
        abstain: Some(abstain),
    }
}

impl Sentence {
    /// The counts the sentence states: `без` and `няма` are zeros.
    pub fn counts(&self) -> Counts {
        Counts {
            yes: Some(self.yes),
            no: self.no,
            abstain: self.abstain,
        }
    }

    /// Whether `без „против“ и „въздържали се“` is written.
    pub fn writes_without(&self) -> bool {
        self.style.without && self.no == Some(0) && self.abstain == Some(0)
    }
}
