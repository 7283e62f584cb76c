//! Vote tallies as council pages print them, and councillors' individual
//! votes in roll calls.
//!
//! A clerk writes the same three numbers in any order and either way round:
//! `Гласували: „за“ – 41, „против“ – 2, „въздържали се“ – 3`; `39 гласа
//! „за“, 2 „против“ и няма „въздържали се“`; `„за“ – 39; против – няма;
//! въздържали се: 1`; `За: 30, Против: 0`; `единодушно 46 «за»`; often with
//! `Поименно гласуване` or `Тайно гласуване` in front. A line is cut into
//! tokens ([`tokens`]), and a small grammar ([`grammar`]) pairs each count
//! with its label, whether the count stands before or after it, both
//! orders mixed in one line, with any quote marks, dashes, colons and
//! conjunctions between.
//!
//! A line is a tally when it opens with a vote word (`Гласували`,
//! `Поименно гласуване`, `Резултати от тайното гласуване`), holds two or
//! more label–count pairs (a vote table's cells, a line under a `Поименно
//! гласуване:` heading), or one pair and something only a vote line says
//! (a quoted option, `гласа`, an abstention, `единодушно`). A tally that
//! cannot be read completely is an error, never a guess: a wrong count is
//! worse than a vote reported as unread. So is a line with a label beside a
//! count and something only a vote line says that the grammar cannot read,
//! so an unusual tally is reported rather than taken for prose. Other lines
//! are prose: `Отпуска помощ за 2024 г. на 3 лица` is no vote.

mod grammar;
mod roll_call;
mod tokens;

pub use roll_call::{IndividualVote, VoteOption, read_individual_vote};

use thiserror::Error;

use tokens::Line;

/// The counts a tally states; `None` where the page says nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub yes: Option<u32>,
    pub no: Option<u32>,
    pub abstain: Option<u32>,
}

/// How the council voted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteType {
    /// By show of hands or the voting system, counts only.
    Open,
    /// `Поименно гласуване`: each councillor's vote is recorded by name.
    RollCall,
    /// `Тайно гласуване`: by ballot.
    Secret,
}

/// A line about a vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tally {
    /// Counts, with the vote type if the line names one.
    Counts {
        vote_type: Option<VoteType>,
        counts: Counts,
    },
    /// `Поименно гласуване:` alone: the counts or names follow.
    Heading(VoteType),
}

/// Why a vote line cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TallyError {
    #[error("no count for „{0}“")]
    NoCount(String),
    #[error("„{0}“ is counted twice")]
    Repeated(String),
    #[error("the number {0} belongs to no option")]
    StrayNumber(u64),
    #[error("the number {0} is too large for a council vote")]
    TooLarge(String),
    #[error("the counts can be paired with the options in more than one way")]
    Ambiguous,
    #[error("it announces a vote but names no option (за, против, въздържали се)")]
    NoOptions,
}

/// Reads a line that may state a vote. `Ok(None)`: not a vote line.
/// `Err`: a vote line that cannot be read.
pub fn read_tally(line: &str) -> Result<Option<Tally>, TallyError> {
    let line = tokens::tokenize(line);
    if line.bare_unanimous {
        return Ok(Some(Tally::Counts {
            vote_type: line.vote_type,
            counts: unanimous(&line, Counts::default()),
        }));
    }
    if !line.has_label() {
        return heading(&line);
    }
    match grammar::read(&line.tokens) {
        Ok(reading) if is_tally(&line, &reading) => Ok(Some(Tally::Counts {
            vote_type: line.vote_type,
            counts: unanimous(&line, reading.counts),
        })),
        Ok(_) => Ok(None),
        Err(e) if line.announced || looks_like_a_vote(&line) => Err(e),
        Err(_) => Ok(None),
    }
}

/// The vote type a line names (`поименно`, `тайно`, `явно`), whether or not
/// its counts can be read: the names of a roll call follow an unread
/// `Поименно гласуване: …` line as well.
pub fn vote_type_named(line: &str) -> Option<VoteType> {
    tokens::tokenize(line).vote_type
}

/// A line that opens with a vote word but names no option: a heading for
/// the counts or names that follow, unless it holds numbers other than the
/// number of councillors who voted.
fn heading(line: &Line) -> Result<Option<Tally>, TallyError> {
    if !line.announced {
        return Ok(None);
    }
    match grammar::read(&line.tokens) {
        Ok(_) => Ok(Some(Tally::Heading(
            line.vote_type.unwrap_or(VoteType::Open),
        ))),
        Err(_) => Err(TallyError::NoOptions),
    }
}

fn is_tally(line: &Line, reading: &grammar::Reading) -> bool {
    line.announced || reading.pairs >= 2 || (reading.pairs == 1 && line.speaks_of_votes())
}

fn looks_like_a_vote(line: &Line) -> bool {
    line.speaks_of_votes() && grammar::has_pair(&line.tokens)
}

/// `Гласували единодушно „за“ – 45`: nobody against, nobody abstaining;
/// `Приема се единодушно`: likewise, with the number for left unsaid.
fn unanimous(line: &Line, mut counts: Counts) -> Counts {
    if line.unanimous && (counts.yes.is_some() || line.bare_unanimous) {
        counts.no = counts.no.or(Some(0));
        counts.abstain = counts.abstain.or(Some(0));
    }
    counts
}

#[cfg(test)]
mod properties;
#[cfg(test)]
mod tests;
