//! The grammar of a vote line: which count belongs to which option.
//!
//! ```text
//! line := (pair | count | link | filler | break)*
//! pair := label link* count    „за“ – 41,  За: 30,  за 40
//!       | count label          39 гласа „за“,  няма „въздържали се“
//! ```
//!
//! Fillers (`гласа`, `общински съветници`) are transparent anywhere in a
//! pair; a break (`,`, `;`, `и`, a word of prose) ends it. A link binds a
//! label to the count after it, never a count to the label after it: in
//! `Гласували 46 общински съветници: за – 41` the 46 says who voted. The
//! two orders may mix in one line: `„за“ – 39, 2 „против“ и няма
//! „въздържали се“`.
//!
//! Every way of pairing the line is tried. A reading gives every label a
//! count, uses each count once and leaves no digit over, save the number of
//! councillors who voted (a count before `общински съветници`, `души`, or
//! after `общо`). The line is read when its readings agree; with none, the
//! error names the first label without a count or the first number left
//! over, and readings that disagree are reported as ambiguous rather than
//! guessed between. A tally names at most five options, so a line with
//! more labels is refused before pairing and a few hundred pairings at
//! most are ever tried.

use super::tokens::{Count, Filler, Label, Token};
use super::{Counts, TallyError};

/// More than any Bulgarian council has members (Sofia has 61): a larger
/// count is a typo or a misread, not a vote.
const MAX_COUNT: u32 = 999;

/// The options a tally can name: за, против, въздържали се, не гласували,
/// отсъстващи.
const MAX_LABELS: usize = 5;

/// Counts read from a line, and how many label–count pairs gave them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Reading {
    pub counts: Counts,
    pub pairs: usize,
}

/// Reads the line's counts; see the module documentation.
pub(super) fn read(tokens: &[Token]) -> Result<Reading, TallyError> {
    let atoms = atoms(tokens);
    if let Some(label) = repeated_beyond_limit(&atoms) {
        return Err(TallyError::Repeated(label.name().into()));
    }
    let mut all = Vec::new();
    walk(&atoms, 0, Pairing::default(), &mut all);
    let complete: Vec<Result<Reading, TallyError>> = all
        .iter()
        .filter(|p| p.problems == 0)
        .map(Pairing::reading)
        .collect();
    let readings: Vec<Reading> = complete.iter().filter_map(|r| r.clone().ok()).collect();
    if let Some(first) = readings.first() {
        return if readings.iter().all(|r| r.counts == first.counts) {
            Ok(*first)
        } else {
            Err(TallyError::Ambiguous)
        };
    }
    if let Some(Err(e)) = complete.into_iter().next() {
        return Err(e);
    }
    let closest = all.iter().min_by_key(|p| p.problems);
    Err(closest
        .and_then(|p| p.first_problem)
        .map_or(TallyError::NoOptions, Problem::error))
}

/// Whether some label stands where a count could be its own: whether the
/// line has the shape of a tally at all, read or not.
pub(super) fn has_pair(tokens: &[Token]) -> bool {
    let atoms = atoms(tokens);
    (0..atoms.len()).any(|at| match atoms[at] {
        Atom::Label(_) => count_after(&atoms, at).is_some(),
        Atom::Count { .. } => matches!(atoms.get(at + 1), Some(Atom::Label(_))),
        _ => false,
    })
}

/// A token as pairing sees it: fillers are gone, counts know whether they
/// may be left over.
#[derive(Debug, Clone, Copy)]
enum Atom {
    Label(Label),
    Count { count: Count, may_stay: bool },
    Link,
    Break,
}

fn atoms(tokens: &[Token]) -> Vec<Atom> {
    tokens
        .iter()
        .enumerate()
        .filter_map(|(at, token)| match *token {
            Token::Label { label, .. } => Some(Atom::Label(label)),
            Token::Count(count) => Some(Atom::Count {
                count,
                may_stay: !count.digits || counts_voters(tokens, at),
            }),
            Token::Link => Some(Atom::Link),
            Token::Break => Some(Atom::Break),
            Token::Filler(_) => None,
        })
        .collect()
}

/// `46 общински съветници`, `общо 46`: the count at `at` is of the
/// councillors who voted, if no label takes it.
fn counts_voters(tokens: &[Token], at: usize) -> bool {
    let fillers_after = tokens[at + 1..]
        .iter()
        .map_while(|t| match t {
            Token::Filler(f) => Some(*f),
            _ => None,
        })
        .collect::<Vec<_>>();
    let filler_before = match at.checked_sub(1).map(|i| tokens[i]) {
        Some(Token::Filler(f)) => Some(f),
        _ => None,
    };
    fillers_after.contains(&Filler::Voters) || filler_before == Some(Filler::Total)
}

fn repeated_beyond_limit(atoms: &[Atom]) -> Option<Label> {
    let labels: Vec<Label> = atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Label(l) => Some(*l),
            _ => None,
        })
        .collect();
    if labels.len() <= MAX_LABELS {
        return None;
    }
    labels
        .iter()
        .enumerate()
        .find(|(i, l)| labels[..*i].contains(l))
        .map(|(_, l)| *l)
}

/// The count a label at `at` takes after it, past links, and the atom
/// after that count.
fn count_after(atoms: &[Atom], at: usize) -> Option<(u64, usize)> {
    let mut next = at + 1;
    while matches!(atoms.get(next), Some(Atom::Link)) {
        next += 1;
    }
    match atoms.get(next)? {
        Atom::Count { count, .. } => Some((count.value, next + 1)),
        _ => None,
    }
}

/// What stops a pairing from being a reading.
#[derive(Debug, Clone, Copy)]
enum Problem {
    NoCount(Label),
    LeftOver(u64),
}

impl Problem {
    fn error(self) -> TallyError {
        match self {
            Problem::NoCount(label) => TallyError::NoCount(label.name().into()),
            Problem::LeftOver(n) => TallyError::StrayNumber(n),
        }
    }
}

/// One way of pairing the line, in line order. Only the first problem is
/// kept, for the message: a long line of prose has thousands.
#[derive(Debug, Clone, Default)]
struct Pairing {
    pairs: Vec<(Label, u64)>,
    problems: usize,
    first_problem: Option<Problem>,
}

impl Pairing {
    fn with_pair(&self, label: Label, value: u64) -> Self {
        let mut next = self.clone();
        next.pairs.push((label, value));
        next
    }

    fn note(&mut self, problem: Problem) {
        self.problems += 1;
        self.first_problem.get_or_insert(problem);
    }

    /// The counts of a pairing without problems: each option once, each
    /// count a plausible number of councillors.
    fn reading(&self) -> Result<Reading, TallyError> {
        let mut counts = Counts::default();
        let mut seen = Vec::new();
        for &(label, value) in &self.pairs {
            if seen.contains(&label) {
                return Err(TallyError::Repeated(label.name().into()));
            }
            seen.push(label);
            let value = u32::try_from(value)
                .ok()
                .filter(|&v| v <= MAX_COUNT)
                .ok_or_else(|| TallyError::TooLarge(value.to_string()))?;
            match label {
                Label::Yes => counts.yes = Some(value),
                Label::No => counts.no = Some(value),
                Label::Abstain => counts.abstain = Some(value),
                Label::NotVoting | Label::Absent => {}
            }
        }
        Ok(Reading {
            counts,
            pairs: self.pairs.len(),
        })
    }
}

/// Tries every pairing from `at` on: a label takes the count after it or
/// goes without; a count is taken by the label right after it or left over.
/// It recurses only where a pair may form, so its depth is bounded by the
/// labels, not by the length of the line.
fn walk(atoms: &[Atom], mut at: usize, mut so_far: Pairing, out: &mut Vec<Pairing>) {
    loop {
        let Some(atom) = atoms.get(at) else {
            out.push(so_far);
            return;
        };
        match *atom {
            Atom::Link | Atom::Break => {}
            Atom::Label(label) => {
                if let Some((value, next)) = count_after(atoms, at) {
                    walk(atoms, next, so_far.with_pair(label, value), out);
                }
                so_far.note(Problem::NoCount(label));
            }
            Atom::Count { count, may_stay } => {
                if let Some(Atom::Label(label)) = atoms.get(at + 1) {
                    walk(atoms, at + 2, so_far.with_pair(*label, count.value), out);
                }
                if !may_stay {
                    so_far.note(Problem::LeftOver(count.value));
                }
            }
        }
        at += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::super::tokens::tokenize;
    use super::*;

    /// For, against, abstaining.
    type Three = (Option<u32>, Option<u32>, Option<u32>);

    fn counts(line: &str) -> Result<Three, TallyError> {
        read(&tokenize(line).tokens).map(|r| (r.counts.yes, r.counts.no, r.counts.abstain))
    }

    #[test]
    fn each_count_goes_to_the_label_it_stands_by() {
        assert_eq!(counts("за 40 против 1"), Ok((Some(40), Some(1), None)));
        assert_eq!(counts("40 за 1 против"), Ok((Some(40), Some(1), None)));
        assert_eq!(counts("за 40 1 против"), Ok((Some(40), Some(1), None)));
        assert_eq!(
            counts("„за“ 39 „против“ – 2"),
            Ok((Some(39), Some(2), None))
        );
    }

    #[test]
    fn the_number_who_voted_is_left_over_but_no_other_number() {
        assert_eq!(
            counts("гласували 46 общински съветници: за – 41"),
            Ok((Some(41), None, None))
        );
        assert_eq!(
            counts("гласували 46 общински съветници за 41 против 2"),
            Ok((Some(41), Some(2), None))
        );
        assert_eq!(counts("общо 46: за – 46"), Ok((Some(46), None, None)));
        assert_eq!(counts("за – 41 42"), Err(TallyError::StrayNumber(42)));
    }

    #[test]
    fn readings_that_disagree_are_not_guessed_between() {
        assert_eq!(
            counts("46 съветници за 41 съветници"),
            Err(TallyError::Ambiguous)
        );
    }

    #[test]
    fn errors_name_what_is_missing_or_wrong() {
        assert_eq!(
            counts("за – , против 2"),
            Err(TallyError::NoCount("за".into()))
        );
        assert_eq!(
            counts("за 1, против 2, за 3, против 4, за 5, против 6"),
            Err(TallyError::Repeated("за".into()))
        );
        assert_eq!(counts("за 1000"), Err(TallyError::TooLarge("1000".into())));
    }

    #[test]
    fn a_line_of_labels_and_counts_is_cheap_to_read() {
        let line = "за 1 ".repeat(10_000);
        assert!(counts(&line).is_err());
        let numbers = "1 2 3 ".repeat(10_000);
        assert!(has_pair(&tokenize(&format!("{numbers} за")).tokens));
    }
}
