//! Generated tallies: every order of the three options, each count before
//! or after its label, every quote style, link, separator and conjunction,
//! `няма` on either side, counts from 0 to 80. The reader must give back
//! exactly the three numbers written, and must never give numbers for a
//! tally whose count is misprinted.

use proptest::prelude::*;

use super::*;

const QUOTES: &[(&str, &str)] = &[
    ("„", "“"),
    ("“", "”"),
    ("\"", "\""),
    ("«", "»"),
    ("'", "'"),
    ("‘", "’"),
    ("", ""),
];

/// Between a label and the count after it.
const LINKS: &[&str] = &[" – ", " - ", " — ", ": ", " : ", " ", "–", " = "];

/// Between a count and the label after it.
const BEFORE: &[&str] = &[" ", " гласа ", " глас ", "  "];

/// After a count that follows its label.
const AFTER: &[&str] = &["", " гласа", " общински съветници", " бр."];

const SEPARATORS: &[&str] = &[", ", "; ", " и ", ", и ", " ; ", ",", " , "];

const ABSTAIN: &[&str] = &[
    "въздържали се",
    "въздържал се",
    "въздържа се",
    "въздържала се",
];

/// Openings, with the vote type each names.
const OPENINGS: &[(&str, Option<VoteType>)] = &[
    ("", None),
    ("Гласували: ", None),
    ("ГЛАСУВАЛИ: ", None),
    ("Гласуване: ", None),
    ("Гласували 47 общински съветници: ", None),
    ("Поименно гласуване: ", Some(VoteType::RollCall)),
    ("Тайно гласуване: ", Some(VoteType::Secret)),
    ("Резултати от тайното гласуване: ", Some(VoteType::Secret)),
];

const ENDINGS: &[&str] = &["", ".", " ", ";"];

/// How one option and its count are written.
#[derive(Debug, Clone)]
struct Part {
    option: usize,
    count: u32,
    count_first: bool,
    /// A zero written as `няма` (or `нито един`) rather than `0`.
    zero_as_word: usize,
    quotes: usize,
    case: usize,
    link: usize,
    before: usize,
    after: usize,
    abstain: usize,
}

impl Part {
    fn label(&self) -> String {
        let name = match self.option {
            0 => "за",
            1 => "против",
            _ => ABSTAIN[self.abstain],
        };
        let name = match self.case {
            0 => name.to_string(),
            1 => name.to_uppercase(),
            _ => capitalized(name),
        };
        let (open, close) = QUOTES[self.quotes];
        format!("{open}{name}{close}")
    }

    fn count(&self) -> String {
        match (self.count, self.zero_as_word) {
            (0, 1) => "няма".into(),
            (0, 2) => "нито един".into(),
            (n, _) => n.to_string(),
        }
    }

    fn write(&self) -> String {
        if self.count_first {
            format!("{}{}{}", self.count(), BEFORE[self.before], self.label())
        } else {
            format!(
                "{}{}{}{}",
                self.label(),
                LINKS[self.link],
                self.count(),
                AFTER[self.after]
            )
        }
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn part(option: usize) -> impl Strategy<Value = Part> {
    (
        0u32..=80,
        any::<bool>(),
        0..3usize,
        0..QUOTES.len(),
        0..3usize,
        0..LINKS.len(),
        (0..BEFORE.len(), 0..AFTER.len(), 0..ABSTAIN.len()),
    )
        .prop_map(
            move |(
                count,
                count_first,
                zero_as_word,
                quotes,
                case,
                link,
                (before, after, abstain),
            )| {
                Part {
                    option,
                    count,
                    count_first,
                    zero_as_word,
                    quotes,
                    case,
                    link,
                    before,
                    after,
                    abstain,
                }
            },
        )
}

/// A whole tally line: an opening, the three options in some order joined
/// by separators, an ending.
#[derive(Debug, Clone)]
struct Sentence {
    opening: usize,
    parts: Vec<Part>,
    separators: [usize; 2],
    ending: usize,
}

impl Sentence {
    fn write(&self) -> String {
        let mut line = OPENINGS[self.opening].0.to_string();
        for (i, part) in self.parts.iter().enumerate() {
            if i > 0 {
                line.push_str(SEPARATORS[self.separators[i - 1]]);
            }
            line.push_str(&part.write());
        }
        line.push_str(ENDINGS[self.ending]);
        line
    }

    fn counts(&self) -> Counts {
        let of = |option| {
            self.parts
                .iter()
                .find(|p| p.option == option)
                .map(|p| p.count)
        };
        Counts {
            yes: of(0),
            no: of(1),
            abstain: of(2),
        }
    }
}

fn sentence() -> impl Strategy<Value = Sentence> {
    let order = Just(vec![0usize, 1, 2]).prop_shuffle();
    (
        0..OPENINGS.len(),
        order,
        (part(0), part(1), part(2)),
        [0..SEPARATORS.len(), 0..SEPARATORS.len()],
        0..ENDINGS.len(),
    )
        .prop_map(|(opening, order, (yes, no, abstain), separators, ending)| {
            let by_option = [yes, no, abstain];
            Sentence {
                opening,
                parts: order.iter().map(|&o| by_option[o].clone()).collect(),
                separators,
                ending,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn every_written_tally_reads_back_exactly(sentence in sentence()) {
        let line = sentence.write();
        let expected = Tally::Counts {
            vote_type: OPENINGS[sentence.opening].1,
            counts: sentence.counts(),
        };
        prop_assert_eq!(read_tally(&line), Ok(Some(expected)), "{}", line);
    }

    #[test]
    fn a_misprinted_count_is_an_error_never_other_numbers(
        sentence in sentence(),
        which in 0..3usize,
        typo in prop::sample::select(vec!["4l", "З", "O", "1O", "?", ""]),
    ) {
        let mut sentence = sentence;
        // Announced, so the line is a vote line whatever else it says.
        sentence.opening = 1;
        let clean = sentence.write();
        let part = &sentence.parts[which];
        let written = part.write();
        let misprinted = written.replacen(&part.count(), typo, 1);
        let line = clean.replacen(&written, &misprinted, 1);
        prop_assert!(read_tally(&line).is_err(), "{} read as {:?}", line, read_tally(&line));
    }
}
