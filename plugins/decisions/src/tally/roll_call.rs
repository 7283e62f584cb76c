//! Councillors' individual votes in a roll call: `Иван Петров Иванов – за`,
//! `12. Мария Колева: против`, `Петър Петров – не гласувал`, one line each
//! (a roll-call table is turned into such lines by [`crate::html`]). A
//! councillor's political group, where the page gives it, stands in
//! brackets after the name: `Иван Петров Иванов (ПГ „ГЕРБ“) – за` (a
//! table's group column is written so too).

use vitrina_sdk::normalize::text;

use crate::words;

/// One councillor's vote in a roll call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndividualVote {
    pub name: String,
    pub option: VoteOption,
    /// The councillor's group, normalised ([`words::group_name`]); `None`
    /// when the page gives none, or says the councillor has none.
    pub group: Option<String>,
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

/// A line of a roll call, or `None` when the line is not a name and a
/// vote.
pub fn read_individual_vote(line: &str) -> Option<IndividualVote> {
    let folded = text::fold_dashes(line);
    let (name, vote) = folded
        .rsplit_once(" - ")
        .or_else(|| folded.rsplit_once(':'))
        .or_else(|| folded.rsplit_once('|'))?;
    let option = individual_option(vote)?;
    let name = text::strip_list_marker(name.trim().trim_end_matches(['|', '-', ':']));
    let (name, group) = match name.strip_suffix(')').and_then(|n| n.rsplit_once(" (")) {
        Some((name, group)) => (name.trim().to_string(), words::group_name(group)),
        None => (name, None),
    };
    let words: Vec<&str> = name.split_whitespace().collect();
    let is_name = (2..=4).contains(&words.len())
        && words
            .iter()
            .all(|w| w.chars().next().is_some_and(char::is_uppercase))
        && words
            .iter()
            .all(|w| w.chars().all(|c| c.is_alphabetic() || c == '-' || c == '.'));
    is_name.then_some(IndividualVote {
        name,
        option,
        group,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roll_call_lines() {
        assert_eq!(
            read_individual_vote("1. Иван Петров Иванов – за"),
            Some(IndividualVote {
                name: "Иван Петров Иванов".into(),
                option: VoteOption::Yes,
                group: None,
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

    #[test]
    fn a_group_in_brackets_after_the_name() {
        let vote = read_individual_vote("7. Иван Петров Иванов (ПГ “Нов ред”) – против");
        assert_eq!(
            vote,
            Some(IndividualVote {
                name: "Иван Петров Иванов".into(),
                option: VoteOption::No,
                group: Some("Нов ред".into()),
            })
        );
        let bare = read_individual_vote("Мария Колева (Обединени за Бургас) – за");
        assert_eq!(
            bare.and_then(|v| v.group).as_deref(),
            Some("Обединени за Бургас")
        );
        let independent = read_individual_vote("Мария Колева (независим) – за");
        assert_eq!(
            independent.map(|v| (v.name, v.group)),
            Some(("Мария Колева".to_string(), None))
        );
        // A bracket that is not after a name leaves no name.
        assert_eq!(read_individual_vote("(ПГ „Х“) – за"), None);
    }
}
