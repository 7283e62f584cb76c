//! A decision read from an item ([`super::item::Draft`]) made into the
//! published row: its result and vote type, its counts (the printed tally,
//! else the roll call's names counted) and, when its vote or result cannot
//! be read, why, in a warning naming the page, the agenda point and the
//! text that was not understood.

use super::item::{Draft, Preamble, Resolution, Vote};
use super::links::ItemDocuments;
use super::{Decision, Outcome, Unread, VoteKind};
use crate::tally::{self, Counts};
use crate::words::{self, Statement};

/// The start of a decision's text, as quoted in a warning about it.
const QUOTED_CHARS: usize = 120;

/// What the item's decisions share.
pub(super) struct ItemContext<'a> {
    pub url: &'a str,
    pub point: &'a str,
    pub title: &'a str,
    pub preamble: &'a Preamble,
    pub documents: &'a ItemDocuments,
}

/// The row for `draft`, and the warnings it gives.
pub(super) fn decision(cx: &ItemContext<'_>, id: String, draft: Draft) -> (Decision, Vec<String>) {
    let text = (!draft.text.is_empty()).then(|| draft.text.join("\n"));
    let result = outcome(&draft);
    let vote_type = vote_kind(&draft, result);
    let mut warnings = Vec::new();
    let counts = counts(cx, &id, &draft, &mut warnings);
    let unread = unread(&draft, result, vote_type, text.as_deref());
    if let Some(unread) = &unread {
        warnings.push(warning(cx, &id, unread, &draft));
    }
    let proposer = draft
        .alternative
        .clone()
        .or_else(|| cx.preamble.proposer.clone());
    let keeps_text = result != Outcome::Rejected || draft.resolves.is_some();
    let decision = Decision {
        id,
        item: cx.point.to_string(),
        number: draft.number.clone(),
        date: draft.number_date.or(draft.day).unwrap_or_default(),
        reference: cx.preamble.reference.clone(),
        title: cx.title.to_string(),
        text: text.filter(|_| keeps_text),
        proposer,
        legal_basis: draft
            .legal_basis
            .clone()
            .or_else(|| cx.preamble.legal_basis.clone()),
        result,
        vote_type,
        counts,
        votes: draft.votes,
        report_url: cx.documents.report.clone(),
        attachments: cx.documents.attachments.clone(),
        unread,
    };
    (decision, warnings)
}

/// The result: a statement says it; else the text (`Отлага …`, `Отхвърля
/// …`, anything else is adopted); else a decision number; else unknown.
fn outcome(draft: &Draft) -> Outcome {
    let first = draft.text.first().map(String::as_str);
    match draft.statement {
        Some(Statement::Rejected) => Outcome::Rejected,
        Some(Statement::Withdrawn) => Outcome::Withdrawn,
        Some(Statement::Postponed) => Outcome::Postponed,
        _ if first.is_some_and(words::postpones) => Outcome::Postponed,
        _ if first.is_some_and(words::rejects) => Outcome::Rejected,
        Some(Statement::Adopted) => Outcome::Adopted,
        None if first.is_some() || draft.number.is_some() => Outcome::Adopted,
        None => Outcome::Unknown,
    }
}

fn vote_kind(draft: &Draft, result: Outcome) -> VoteKind {
    match (&draft.vote, draft.announced) {
        (Some(Vote::Read { kind: Some(k), .. }), _) => (*k).into(),
        (Some(Vote::Read { kind: None, .. }), _) => VoteKind::Open,
        (Some(Vote::Unread { .. }), _) => VoteKind::Unknown,
        (None, Some(kind)) if !draft.votes.is_empty() => kind.into(),
        (None, _) if !draft.votes.is_empty() => VoteKind::RollCall,
        (None, _) => match result {
            Outcome::Withdrawn => VoteKind::None,
            Outcome::Postponed if draft.resolves.is_none() => VoteKind::None,
            _ => VoteKind::Unknown,
        },
    }
}

/// Why the decision's vote or result is not published, if it is not.
fn unread(draft: &Draft, result: Outcome, kind: VoteKind, text: Option<&str>) -> Option<Unread> {
    if let Some(Vote::Unread { line, reason, .. }) = &draft.vote {
        return Some(Unread::Vote {
            line: line.clone(),
            reason: reason.clone(),
        });
    }
    if result == Outcome::Unknown {
        return Some(Unread::Result {
            vote: draft.vote_line().unwrap_or_default().to_string(),
        });
    }
    (kind == VoteKind::Unknown).then(|| Unread::NoVote {
        text: text
            .unwrap_or_default()
            .chars()
            .take(QUOTED_CHARS)
            .collect(),
    })
}

fn warning(cx: &ItemContext<'_>, id: &str, unread: &Unread, draft: &Draft) -> String {
    let at = format!("{}: item т.{}, decision {id}", cx.url, cx.point);
    match unread {
        Unread::Vote { line, reason } => {
            let counts = if draft.votes.is_empty() {
                "no counts"
            } else {
                "the counts of the roll call's names"
            };
            format!(
                "{at}: cannot read the vote „{line}“ ({reason}); published with vote_type unknown and {counts}"
            )
        }
        Unread::Result { vote } => format!(
            "{at}: the vote „{vote}“ is recorded but not whether the proposal passed (no „Р Е Ш И“ and no statement such as „Предложението не се приема“); published with result unknown"
        ),
        Unread::NoVote { text } => format!(
            "{at}: the page records no vote for the decision „{text}“; published with vote_type unknown and no counts"
        ),
    }
}

/// The printed tally, else the roll call's names counted; a mismatch
/// between the two is reported, and the printed tally kept.
fn counts(cx: &ItemContext<'_>, id: &str, draft: &Draft, warnings: &mut Vec<String>) -> Counts {
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
    match (draft.printed_counts(), counted) {
        (Some(printed), Some(counted)) => {
            if printed != counted {
                warnings.push(format!(
                    "{}: decision {id}: the roll call lists {} for, {} against, {} abstaining, but the tally says {} / {} / {}",
                    cx.url,
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

fn show(n: Option<u32>) -> String {
    n.map_or_else(|| "?".into(), |n| n.to_string())
}

/// `Р Е Ш И` with nothing after it: the page is cut short.
pub(super) fn lacks_text(draft: &Draft) -> bool {
    let marked = draft.resolves == Some(Resolution::Marker) || draft.number.is_some();
    marked && draft.text.is_empty() && draft.statement.is_none()
}
