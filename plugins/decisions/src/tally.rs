//! Vote tallies as council pages print them, and councillors' individual
//! votes in roll calls.
//!
//! The same three numbers come in many shapes: `Гласували: „за“ – 41,
//! „против“ – 2, „въздържали се“ – 3`; `за – 12; против – 21; въздържали
//! се – 10`; `ГЛАСУВАЛИ: 32 “за”, 0 “против”, 0 “въздържали се”.`;
//! `За: 30, Против: 0, Въздържали се: 5`; `„за“ – 35 общински съветници,
//! „против“ – няма`; with `Поименно гласуване` or `Тайно гласуване` in front.
//! A line is read as a sequence of option labels and counts. Whether the
//! count follows its label or precedes it is decided once per line, by
//! whichever comes first, so `за – 41 против – 2` cannot pair `против`
//! with 41.
//!
//! A line that announces a vote (`Гласували:`) but cannot be read is an
//! error, never a guess: a wrong count is worse than a page reported as
//! unreadable. A line without such an opening is a tally only if it holds
//! at least two label–count pairs (a table cell, or a synthesized line from
//! a vote table); otherwise it is ordinary text.

use thiserror::Error;
use vitrina_sdk::normalize::text;

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
    #[error("it announces a vote but names no option (за, против, въздържали се)")]
    NoOptions,
}

/// One councillor's vote in a roll call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndividualVote {
    pub name: String,
    pub option: VoteOption,
}

/// The options of a vote, as Popolo and Open Civic Data name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteOption {
    Yes,
    No,
    Abstain,
    NotVoting,
    Absent,
}

impl VoteOption {
    /// The value stored in the dataset.
    pub fn as_str(self) -> &'static str {
        match self {
            VoteOption::Yes => "yes",
            VoteOption::No => "no",
            VoteOption::Abstain => "abstain",
            VoteOption::NotVoting => "not_voting",
            VoteOption::Absent => "absent",
        }
    }
}

/// More than any Bulgarian council has members (Sofia has 61): a larger
/// count is a typo or a misread, not a vote.
const MAX_COUNT: u32 = 999;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    /// Digits as written; checked against [`MAX_COUNT`] only when paired,
    /// since text lines hold years and amounts.
    Number(u64),
    /// `-`, `:`, `=`: between a label and its count.
    Link,
    /// `,`, `;`, `(`, `)`, `.`, `/`: between pairs.
    Break,
}

/// Words that may sit between a label and its count without breaking the
/// pair (`41 гласа „за“`, `„за“ – 35 общински съветници`).
const FILLER: &[&str] = &[
    "гласа",
    "глас",
    "гласували",
    "души",
    "общински",
    "съветници",
    "съветника",
    "бр",
    "броя",
];

/// Words that open a vote line.
const OPENINGS: &[&str] = &[
    "гласували",
    "гласуване",
    "гласуването",
    "поименно",
    "поименното",
    "тайно",
    "тайното",
    "явно",
    "явното",
    "резултати",
    "резултат",
    "резултатът",
];

/// Reads a line that may state a vote. `Ok(None)`: not a vote line.
pub fn read_tally(line: &str) -> Result<Option<Tally>, TallyError> {
    let tokens = tokenize(line);
    let announced = tokens
        .iter()
        .find_map(|t| match t {
            Token::Word(w) => Some(OPENINGS.contains(&w.as_str())),
            Token::Number(_) => Some(false),
            _ => None,
        })
        .unwrap_or(false);
    let vote_type = vote_type(&tokens);
    let labels = labels(&tokens);
    if labels.is_empty() {
        let has_number = tokens.iter().any(|t| matches!(t, Token::Number(_)));
        return match (announced, has_number) {
            (false, _) => Ok(None),
            (true, false) => Ok(Some(Tally::Heading(vote_type.unwrap_or(VoteType::Open)))),
            (true, true) => Err(TallyError::NoOptions),
        };
    }
    match pair_counts(&tokens, &labels) {
        Ok((counts, pairs)) if announced || pairs >= 2 => {
            let counts = unanimous(&tokens, counts);
            Ok(Some(Tally::Counts { vote_type, counts }))
        }
        Ok(_) => Ok(None),
        Err(e) if announced => Err(e),
        Err(_) => Ok(None),
    }
}

/// A line of a roll call: `Иван Петров Иванов – за`, `12. Мария Колева:
/// против`, `Петър Петров – не гласувал`.
pub fn read_individual_vote(line: &str) -> Option<IndividualVote> {
    let folded = text::fold_dashes(line);
    let (name, vote) = folded
        .rsplit_once(" - ")
        .or_else(|| folded.rsplit_once(':'))
        .or_else(|| folded.rsplit_once('|'))?;
    let option = individual_option(vote)?;
    let name = text::strip_list_marker(name.trim().trim_end_matches(['|', '-', ':']));
    let words: Vec<&str> = name.split_whitespace().collect();
    let is_name = (2..=4).contains(&words.len())
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase))
        && words
            .iter()
            .all(|w| w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '.'));
    is_name.then_some(IndividualVote { name, option })
}

/// The option a roll-call line records.
fn individual_option(vote: &str) -> Option<VoteOption> {
    let key = text::match_key(vote);
    let key = key.trim_matches(|c: char| !c.is_alphabetic() && c != ' ');
    let key = key.trim().trim_matches('"').trim();
    match key {
        "за" => Some(VoteOption::Yes),
        "против" => Some(VoteOption::No),
        "въздържал се" | "въздържала се" | "въздържал" | "въздържала" | "въздържа се" => {
            Some(VoteOption::Abstain)
        }
        "не гласувал" | "не гласувала" | "не гласува" | "не е гласувал" | "не е гласувала" => {
            Some(VoteOption::NotVoting)
        }
        "отсъства" | "отсъствал" | "отсъствала" | "отсъстващ" | "отсъстваща" => {
            Some(VoteOption::Absent)
        }
        _ => None,
    }
}

/// `Гласували: 46 общински съветници:` names the voters present, not an
/// option's count: such a number, followed by councillors and a colon, is
/// dropped before pairing.
fn tokenize(line: &str) -> Vec<Token> {
    let key = text::match_key(line);
    let mut tokens = Vec::new();
    let mut chars = key.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_alphabetic() {
            let mut word = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphabetic()) {
                word.push(c);
                chars.next();
            }
            tokens.push(Token::Word(word));
        } else if c.is_ascii_digit() {
            let mut digits = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_ascii_digit()) {
                digits.push(c);
                chars.next();
            }
            // `4l` (a letter typed for a digit) is not a count: kept as a
            // word, it leaves its label without one, which is reported.
            let mut glued = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_alphabetic()) {
                glued.push(c);
                chars.next();
            }
            if !glued.is_empty() && !FILLER.contains(&glued.as_str()) {
                tokens.push(Token::Word(format!("{digits}{glued}")));
                continue;
            }
            tokens.push(Token::Number(digits.parse().unwrap_or(u64::MAX)));
            if !glued.is_empty() {
                tokens.push(Token::Word(glued));
            }
        } else {
            match c {
                '-' | ':' | '=' => tokens.push(Token::Link),
                ',' | ';' | '(' | ')' | '.' | '/' => tokens.push(Token::Break),
                _ => {}
            }
            chars.next();
        }
    }
    drop_voter_totals(tokens)
}

fn drop_voter_totals(tokens: Vec<Token>) -> Vec<Token> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut i = 0;
    while i < tokens.len() {
        if let Token::Number(_) = tokens[i] {
            let mut j = i + 1;
            while matches!(&tokens.get(j), Some(Token::Word(w)) if ["общински", "съветници", "души"].contains(&w.as_str()))
            {
                j += 1;
            }
            if j > i + 1 && matches!(tokens.get(j), Some(Token::Link) | None) {
                i = j + 1;
                continue;
            }
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// `поименно`/`поименното`, `тайно`/`тайното`, `явно`/`явното`.
fn vote_type(tokens: &[Token]) -> Option<VoteType> {
    tokens.iter().find_map(|t| match t {
        Token::Word(w) if w.starts_with("поименн") => Some(VoteType::RollCall),
        Token::Word(w) if w.starts_with("тайн") => Some(VoteType::Secret),
        Token::Word(w) if w.starts_with("явн") => Some(VoteType::Open),
        _ => None,
    })
}

/// An option label found in the token list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Yes,
    No,
    Abstain,
    NotVoting,
    Absent,
}

impl Label {
    fn name(self) -> &'static str {
        match self {
            Label::Yes => "за",
            Label::No => "против",
            Label::Abstain => "въздържали се",
            Label::NotVoting => "не гласували",
            Label::Absent => "отсъстващи",
        }
    }
}

/// Labels with the token span they occupy (`въздържали се` is two words).
fn labels(tokens: &[Token]) -> Vec<(Label, usize, usize)> {
    let word = |i: usize| match tokens.get(i) {
        Some(Token::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let label = match word(i) {
            Some("за") => Some((Label::Yes, 1)),
            Some("против") => Some((Label::No, 1)),
            Some(w) if w.starts_with("въздържал") || w == "въздържа" => Some((
                Label::Abstain,
                if word(i + 1) == Some("се") { 2 } else { 1 },
            )),
            Some("не") if word(i + 1).is_some_and(|w| w.starts_with("гласува")) => {
                Some((Label::NotVoting, 2))
            }
            Some(w) if w.starts_with("отсъств") => Some((Label::Absent, 1)),
            _ => None,
        };
        match label {
            Some((label, len)) => {
                found.push((label, i, i + len));
                i += len;
            }
            None => i += 1,
        }
    }
    found
}

/// A count token: a number, or `няма` / `нула` / `нито един` for zero.
fn count_at(tokens: &[Token], i: usize) -> Option<(u64, usize)> {
    match tokens.get(i)? {
        Token::Number(n) => Some((*n, 1)),
        Token::Word(w) if w == "няма" || w == "нула" => Some((0, 1)),
        Token::Word(w) if w == "нито" => match tokens.get(i + 1) {
            Some(Token::Word(next)) if next.starts_with("един") => Some((0, 2)),
            _ => None,
        },
        _ => None,
    }
}

fn is_filler(token: &Token) -> bool {
    matches!(token, Token::Link) || matches!(token, Token::Word(w) if FILLER.contains(&w.as_str()))
}

/// Pairs every label with its count; returns the counts and how many pairs.
fn pair_counts(
    tokens: &[Token],
    labels: &[(Label, usize, usize)],
) -> Result<(Counts, usize), TallyError> {
    let first_label = labels[0].1;
    let first_count = (0..tokens.len()).find(|&i| count_at(tokens, i).is_some());
    let count_first = first_count.is_some_and(|c| c < first_label);
    let mut used = vec![false; tokens.len()];
    let mut counts = Counts::default();
    let mut seen = Vec::new();
    for &(label, start, end) in labels {
        let found = if count_first {
            count_before(tokens, start)
        } else {
            count_after(tokens, end)
        };
        let (value, at, len) = found.ok_or_else(|| TallyError::NoCount(label.name().into()))?;
        let value = u32::try_from(value)
            .ok()
            .filter(|&v| v <= MAX_COUNT)
            .ok_or_else(|| TallyError::TooLarge(value.to_string()))?;
        used[at..at + len].iter_mut().for_each(|u| *u = true);
        if seen.contains(&label) {
            return Err(TallyError::Repeated(label.name().into()));
        }
        seen.push(label);
        match label {
            Label::Yes => counts.yes = Some(value),
            Label::No => counts.no = Some(value),
            Label::Abstain => counts.abstain = Some(value),
            Label::NotVoting | Label::Absent => {}
        }
    }
    let stray = tokens.iter().enumerate().find_map(|(i, t)| match t {
        Token::Number(n) if !used[i] => Some(*n),
        _ => None,
    });
    match stray {
        Some(n) => Err(TallyError::StrayNumber(n)),
        None => Ok((counts, seen.len())),
    }
}

/// The count right after a label, past links and filler words.
fn count_after(tokens: &[Token], mut i: usize) -> Option<(u64, usize, usize)> {
    while tokens.get(i).is_some_and(is_filler) {
        i += 1;
    }
    count_at(tokens, i).map(|(v, len)| (v, i, len))
}

/// The count right before a label, past links and filler words.
fn count_before(tokens: &[Token], start: usize) -> Option<(u64, usize, usize)> {
    let mut i = start.checked_sub(1)?;
    while is_filler(&tokens[i]) {
        i = i.checked_sub(1)?;
    }
    // `нито един` spans two tokens ending at `i`.
    if i > 0
        && let Some((v, 2)) = count_at(tokens, i - 1)
    {
        return Some((v, i - 1, 2));
    }
    count_at(tokens, i).map(|(v, len)| (v, i, len))
}

/// `Гласували единодушно „за“ – 45`: nobody against, nobody abstaining.
fn unanimous(tokens: &[Token], mut counts: Counts) -> Counts {
    let says = tokens
        .iter()
        .any(|t| matches!(t, Token::Word(w) if w == "единодушно" || w == "единогласно"));
    if says && counts.yes.is_some() {
        counts.no = counts.no.or(Some(0));
        counts.abstain = counts.abstain.or(Some(0));
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(yes: Option<u32>, no: Option<u32>, abstain: Option<u32>) -> Counts {
        Counts { yes, no, abstain }
    }

    fn read(line: &str) -> (Option<VoteType>, Counts) {
        match read_tally(line) {
            Ok(Some(Tally::Counts { vote_type, counts })) => (vote_type, counts),
            other => panic!("{line:?} read as {other:?}"),
        }
    }

    #[test]
    fn the_burgas_form_with_bulgarian_quotes() {
        assert_eq!(
            read("Гласували: „за“ – 41, „против“ – 2, „въздържали се“ – 3"),
            (None, counts(Some(41), Some(2), Some(3)))
        );
    }

    #[test]
    fn semicolons_and_no_quotes() {
        assert_eq!(
            read("Гласували: за – 12; против – 21; въздържали се – 10"),
            (None, counts(Some(12), Some(21), Some(10)))
        );
    }

    #[test]
    fn counts_before_labels() {
        assert_eq!(
            read("ГЛАСУВАЛИ: 32 “за”, 0 “против”, 0 “въздържали се”."),
            (None, counts(Some(32), Some(0), Some(0)))
        );
        assert_eq!(
            read("(Гласували: 39 за, 0 против, 1 въздържал се)"),
            (None, counts(Some(39), Some(0), Some(1)))
        );
    }

    #[test]
    fn nyama_is_zero_and_roll_calls_are_named() {
        assert_eq!(
            read("Поименно гласуване: „за“ – 38, „против“ – 9, „въздържали се“ – няма"),
            (Some(VoteType::RollCall), counts(Some(38), Some(9), Some(0)))
        );
    }

    #[test]
    fn colons_guillemets_filler_words_and_secret_ballots() {
        assert_eq!(
            read("Гласуване: За: 30, Против: 0, Въздържали се: 5"),
            (None, counts(Some(30), Some(0), Some(5)))
        );
        assert_eq!(
            read(
                "Тайно гласуване: «за» - 35 гласа, «против» - 10 гласа, «въздържали се» - 4 гласа"
            ),
            (Some(VoteType::Secret), counts(Some(35), Some(10), Some(4)))
        );
        assert_eq!(
            read("Резултати от тайното гласуване: „за“ – 35, „против“ – 10, „въздържали се“ – 4"),
            (Some(VoteType::Secret), counts(Some(35), Some(10), Some(4)))
        );
        assert_eq!(
            read("Гласували „за“ - 35 общински съветници, „против“ - няма, „въздържали се“ - 2"),
            (None, counts(Some(35), Some(0), Some(2)))
        );
    }

    #[test]
    fn the_number_of_voters_present_is_not_a_count() {
        assert_eq!(
            read("Гласували 46 общински съветници: за – 41, против – 2, въздържали се – 3"),
            (None, counts(Some(41), Some(2), Some(3)))
        );
    }

    #[test]
    fn without_separators_the_order_of_the_first_pair_decides() {
        assert_eq!(
            read("Гласували: за 40 против 1 въздържали се 2"),
            (None, counts(Some(40), Some(1), Some(2)))
        );
    }

    #[test]
    fn unanimous_votes_and_missing_options() {
        assert_eq!(
            read("Гласували единодушно „за“ – 45"),
            (None, counts(Some(45), Some(0), Some(0)))
        );
        assert_eq!(
            read("Гласували: за – 30, против – 3"),
            (None, counts(Some(30), Some(3), None))
        );
        assert_eq!(
            read("Гласували: „за“ – 40, „против“ – 1, „въздържали се“ – 0, „не гласували“ – 3"),
            (None, counts(Some(40), Some(1), Some(0)))
        );
    }

    #[test]
    fn unlabelled_lines_need_two_pairs() {
        assert_eq!(
            read("„за“ – 40, „против“ – 0, „въздържали се“ – 1"),
            (None, counts(Some(40), Some(0), Some(1)))
        );
        assert_eq!(read_tally("Отпуска помощ за 2024 г. на 3 лица"), Ok(None));
        assert_eq!(read_tally("Приема отчета за дейността."), Ok(None));
    }

    #[test]
    fn headings_announce_counts_to_follow() {
        assert_eq!(
            read_tally("Поименно гласуване:"),
            Ok(Some(Tally::Heading(VoteType::RollCall)))
        );
        assert_eq!(
            read_tally("Гласували:"),
            Ok(Some(Tally::Heading(VoteType::Open)))
        );
    }

    #[test]
    fn unreadable_announced_votes_are_errors() {
        assert_eq!(
            read_tally("Гласували: „за“ – 4l, „против“ – 2"),
            Err(TallyError::NoCount("за".into()))
        );
        assert_eq!(
            read_tally("Гласували: за – 41, за – 2"),
            Err(TallyError::Repeated("за".into()))
        );
        assert_eq!(
            read_tally("Гласували: за – 41 42, против – 2"),
            Err(TallyError::StrayNumber(42))
        );
        assert_eq!(read_tally("Гласували: 41/2/3"), Err(TallyError::NoOptions));
        assert_eq!(
            read_tally("Гласували: за – 4100"),
            Err(TallyError::TooLarge("4100".into()))
        );
    }

    #[test]
    fn roll_call_lines() {
        assert_eq!(
            read_individual_vote("1. Иван Петров Иванов – за"),
            Some(IndividualVote {
                name: "Иван Петров Иванов".into(),
                option: VoteOption::Yes
            })
        );
        assert_eq!(
            read_individual_vote("Мария Колева: против").map(|v| v.option),
            Some(VoteOption::No)
        );
        assert_eq!(
            read_individual_vote("Петя Стоянова-Димова – въздържала се").map(|v| v.option),
            Some(VoteOption::Abstain)
        );
        assert_eq!(
            read_individual_vote("Стоян Николов – не гласувал").map(|v| v.option),
            Some(VoteOption::NotVoting)
        );
        assert_eq!(read_individual_vote("Гласували: за – 41"), None);
        assert_eq!(read_individual_vote("отпуска помощ – за"), None);
    }
}
