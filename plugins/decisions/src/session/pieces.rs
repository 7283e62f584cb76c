//! What a line of an item says, before it is known which decision it
//! belongs to: a vote, `Р Е Ш И`, a decision number, a statement of
//! outcome, a counter-proposal, or text.
//!
//! A clerk puts several of these on one line: text and its tally (`Приема
//! отчета. Гласували: …`), a tally and its result (`… въздържали се 1.
//! Предложението не се приема.`), a tally before the marker (`С 41 гласа
//! „за“ … Общинският съвет Р Е Ш И:`). A line is cut at `Р Е Ш И` and into
//! sentences, and each sentence read on its own; text sentences are kept
//! together as the line wrote them. A line none of whose sentences is a
//! vote is read whole, so a sentence boundary guessed wrong (`гр. Бургас`)
//! never cuts a line of text.

use crate::tally::{self, Tally, TallyError, VoteType};
use crate::words::{self, DecisionHeading, Said};

/// One thing a line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Piece {
    /// A vote line read: counts, or a heading announcing them (`Поименно
    /// гласуване:`). `line` is the sentence, for warnings.
    Tally { tally: Tally, line: String },
    /// A vote line that cannot be read, with the vote type it names.
    Unread {
        line: String,
        reason: TallyError,
        kind: Option<VoteType>,
    },
    /// `Решение № 275:`.
    Number(DecisionHeading),
    /// `Р Е Ш И:`, with the legal basis written on its line.
    Resolves { basis: Option<String> },
    /// A statement of what became of the proposal, and its sentence: an
    /// unsure one inside decision text is text after all.
    Statement { said: Said, line: String },
    /// `Алтернативно предложение на ПГ „…“`: who proposed it.
    Alternative(String),
    /// Preamble, decision text, a councillor's vote in a roll call.
    Text(String),
}

/// The start of an unread vote line, as quoted in warnings.
const QUOTED_CHARS: usize = 160;

/// What `line` says, in the order it says it.
pub(super) fn pieces(line: &str) -> Vec<Piece> {
    if let Some(heading) = words::decision_heading(line) {
        let rest = heading.rest.clone();
        let mut out = vec![Piece::Number(heading)];
        if !rest.is_empty() {
            out.extend(sentences(&rest));
        }
        return out;
    }
    if let Some((before, after)) = words::resolves_marker(line) {
        let mut out = before_marker(&before);
        out.push(Piece::Resolves {
            basis: words::legal_basis(&before),
        });
        if !after.is_empty() {
            out.extend(sentences(&after));
        }
        return out;
    }
    if let Some(who) = words::alternative_proposer(line) {
        return vec![Piece::Alternative(who)];
    }
    sentences(line)
}

/// What stands before `Р Е Ш И` on its line that matters: a tally or a
/// statement. The council's name and the legal basis are not decision text.
fn before_marker(before: &str) -> Vec<Piece> {
    let f = words::Folded::new(before);
    // The council's name and the legal basis end what a clerk says first.
    let cut = ["на основание", "общински съвет", "общинският съвет"]
        .iter()
        .filter_map(|w| f.find_words(w))
        .min()
        .unwrap_or(before.chars().count());
    let head = f.original(0, cut);
    sentences(&head)
        .into_iter()
        .filter(|p| !matches!(p, Piece::Text(_)))
        .collect()
}

/// A line read sentence by sentence, when one of its sentences is a vote;
/// else read whole.
fn sentences(line: &str) -> Vec<Piece> {
    let cuts = sentence_starts(line);
    if cuts.len() > 1 {
        let read: Vec<(usize, usize, Vec<Piece>)> = cuts
            .iter()
            .zip(cuts.iter().skip(1).chain([&line.len()]))
            .map(|(&a, &b)| (a, b, sentence(line[a..b].trim())))
            .collect();
        let has_vote = read.iter().any(|(_, _, p)| {
            p.iter()
                .any(|p| matches!(p, Piece::Tally { .. } | Piece::Unread { .. }))
        });
        if has_vote {
            return merge_text(line, read);
        }
    }
    sentence(line.trim())
}

/// Neighbouring text sentences as one piece, cut from the line as written.
fn merge_text(line: &str, read: Vec<(usize, usize, Vec<Piece>)>) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut text: Option<(usize, usize)> = None;
    let flush = |text: &mut Option<(usize, usize)>, out: &mut Vec<Piece>| {
        if let Some((a, b)) = text.take() {
            out.push(Piece::Text(line[a..b].trim().to_string()));
        }
    };
    let mut voted = false;
    for (a, b, pieces) in read {
        if let [Piece::Text(_)] = pieces.as_slice() {
            text = Some(text.map_or((a, b), |(start, _)| (start, b)));
            continue;
        }
        flush(&mut text, &mut out);
        // A statement after a vote on its line is the vote's result, never
        // decision text; one before it may be either.
        for piece in pieces {
            voted |= matches!(piece, Piece::Tally { .. } | Piece::Unread { .. });
            out.push(if voted { sure(piece) } else { piece });
        }
    }
    flush(&mut text, &mut out);
    out
}

/// Byte offsets where sentences start: the line's start, and after `. `,
/// `! ` or `) ` before a capital, a digit, a quote or a bracket.
fn sentence_starts(line: &str) -> Vec<usize> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    let mut starts = vec![0];
    for i in 2..chars.len() {
        let (at, c) = chars[i];
        let opens =
            c.is_uppercase() || c.is_ascii_digit() || matches!(c, '(' | '„' | '“' | '"' | '«');
        if opens && chars[i - 1].1 == ' ' && matches!(chars[i - 2].1, '.' | '!' | ')') {
            starts.push(at);
        }
    }
    starts
}

/// One sentence: a vote, a statement, both (`Предложението не се приема с
/// 12 гласа „за“ …`), or text.
fn sentence(s: &str) -> Vec<Piece> {
    let said = words::statement(s);
    let vote = match tally::read_tally(s) {
        Ok(Some(tally)) => Some(Piece::Tally {
            tally,
            line: s.to_string(),
        }),
        Ok(None) => None,
        Err(reason) => Some(Piece::Unread {
            line: s.chars().take(QUOTED_CHARS).collect(),
            reason,
            kind: tally::vote_type_named(s),
        }),
    };
    let line = s.to_string();
    match (said, vote) {
        (Some(said), Some(vote)) => vec![sure(Piece::Statement { said, line }), vote],
        (None, Some(vote)) => vec![vote],
        (Some(said), None) => vec![Piece::Statement { said, line }],
        (None, None) => vec![Piece::Text(line)],
    }
}

/// A statement beside a vote is never decision text.
fn sure(piece: Piece) -> Piece {
    match piece {
        Piece::Statement { said, line } => Piece::Statement {
            said: Said { sure: true, ..said },
            line,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tally::Counts;
    use crate::words::Statement;

    fn open(yes: u32, no: u32, abstain: u32) -> Tally {
        Tally::Counts {
            vote_type: None,
            counts: Counts {
                yes: Some(yes),
                no: Some(no),
                abstain: Some(abstain),
            },
        }
    }

    fn kinds(line: &str) -> Vec<String> {
        pieces(line)
            .iter()
            .map(|p| match p {
                Piece::Tally { .. } => "tally".to_string(),
                Piece::Unread { .. } => "unread".into(),
                Piece::Number(_) => "number".into(),
                Piece::Resolves { .. } => "resolves".into(),
                Piece::Statement { said, .. } => format!("{:?}", said.statement),
                Piece::Alternative(_) => "alternative".into(),
                Piece::Text(t) => format!("text: {t}"),
            })
            .collect()
    }

    #[test]
    fn a_result_after_the_tally_on_its_line() {
        let line = "Гласували: за – 12, против – 21, въздържали се 1. Предложението не се приема.";
        assert_eq!(kinds(line), ["tally", "Rejected"]);
        assert!(matches!(
            &pieces(line)[0],
            Piece::Tally { tally, .. } if *tally == open(12, 21, 1)
        ));
    }

    #[test]
    fn text_and_its_tally_on_one_line() {
        assert_eq!(
            kinds("Приема отчета за 2023 г. Гласували: „за“ – 39, „против“ – 5"),
            ["text: Приема отчета за 2023 г.", "tally"]
        );
        assert_eq!(
            kinds(
                "Приема Наредбата съгласно приложението. (Гласували: 39 за, 0 против, 1 въздържал се)"
            ),
            ["text: Приема Наредбата съгласно приложението.", "tally"]
        );
    }

    #[test]
    fn a_tally_before_the_marker() {
        assert_eq!(
            kinds("С 41 гласа „за“, 2 „против“ и 3 „въздържали се“ Общинският съвет Р Е Ш И:"),
            ["tally", "resolves"]
        );
        assert_eq!(
            kinds("Общински съвет – Бургас, на основание чл. 21, ал. 2 от ЗМСМА, Р Е Ш И: Приема."),
            ["resolves", "text: Приема."]
        );
    }

    #[test]
    fn a_statement_with_the_tally_in_one_sentence() {
        assert_eq!(
            kinds("Предложението не се приема с 12 гласа „за“, 21 „против“ и 10 „въздържали се“."),
            ["Rejected", "tally"]
        );
        assert_eq!(kinds("Приема се единодушно."), ["Adopted", "tally"]);
    }

    #[test]
    fn lines_of_text_are_never_cut() {
        let line = "Продажба на имот в ж.к. „Изгрев“, гр. Бургас. Цена 412 300 лв. без ДДС.";
        assert_eq!(kinds(line), [format!("text: {line}")]);
        assert_eq!(
            pieces("Отлага разглеждането на точката."),
            [Piece::Statement {
                said: Said {
                    statement: Statement::Postponed,
                    sure: false
                },
                line: "Отлага разглеждането на точката.".into()
            }]
        );
    }
}
