//! Proptest strategies for records and layouts: items of every shape (one
//! decision; counter-proposals voted down before the item's own; parts
//! voted one by one; withdrawn, postponed and informational items), votes
//! in every form, sessions of one or two days.

use proptest::prelude::*;
use vitrina_sdk::normalize::NaiveDate;

use super::model::{Decision, Fate, Form, Item, NameVote, Record, Sentence, SentenceStyle, Vote};
use super::phrases;
use super::render::{
    Charset, Container, HEADING_STYLES, Layout, MARKER_STYLES, NUMBERED, ResultAt, TallyAt,
};
use crate::tally::VoteType;

/// A record and the layout it is written in.
pub fn case() -> impl Strategy<Value = (Record, Layout)> {
    (record(), layout()).prop_map(|(mut record, layout)| {
        number_decisions(&mut record, &layout);
        (record, layout)
    })
}

/// Where the page numbers its decisions, every decision with `Р Е Ш И`
/// gets the next number.
fn number_decisions(record: &mut Record, layout: &Layout) {
    let mut next = 200;
    for decision in record.items.iter_mut().flat_map(|i| &mut i.decisions) {
        decision.number = (layout.marker == NUMBERED && decision.outcome.resolves()).then(|| {
            next += 1;
            next
        });
    }
}

fn layout() -> BoxedStrategy<Layout> {
    (
        (
            0..3usize,
            0..HEADING_STYLES,
            any::<bool>(),
            0..MARKER_STYLES,
        ),
        (0..5usize, 0..4usize, any::<bool>(), any::<bool>()),
        (0..2usize, 0..2usize, any::<bool>(), 0..3usize),
    )
        .prop_map(
            |(
                (container, heading, preamble_on_heading, marker),
                (tally_at, result_at, state_adopted, basis),
                (reference_style, session_heading, signed_items, charset),
            )| Layout {
                container: [Container::Paragraphs, Container::DivBr, Container::Table][container],
                heading,
                preamble_on_heading,
                marker,
                tally_at: [
                    TallyAt::BeforeOwn,
                    TallyAt::BeforeInline,
                    TallyAt::AfterMarker,
                    TallyAt::AfterOwn,
                    TallyAt::AfterInline,
                ][tally_at],
                result_at: [
                    ResultAt::Before,
                    ResultAt::After,
                    ResultAt::AfterTally,
                    ResultAt::BeforeTally,
                ][result_at],
                state_adopted,
                basis,
                reference_style,
                session_heading,
                signed_items,
                charset: [
                    Charset::Utf8,
                    Charset::Windows1251 { declared: true },
                    Charset::Windows1251 { declared: false },
                ][charset],
            },
        )
        .boxed()
}

fn record() -> BoxedStrategy<Record> {
    (
        1..60u32,
        (2016..2026i32, 1..13u32, 1..29u32),
        any::<bool>(),
        prop::collection::vec((shape(), any::<bool>()), 1..6),
        0..25u32,
        any::<prop::sample::Index>(),
    )
        .prop_map(|(number, (y, m, d), two_days, shapes, start, split)| {
            let first_day = NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default();
            let second_day = two_days.then(|| first_day.succ_opt().unwrap_or(first_day));
            let second_from = second_day.map(|_| split.index(shapes.len()) + 1);
            let mut items = Vec::new();
            let mut point = start;
            let mut sub = 0;
            for (i, (mut item, is_sub)) in shapes.into_iter().enumerate() {
                if is_sub && sub > 0 {
                    sub += 1;
                } else {
                    point += 1;
                    sub = u32::from(is_sub);
                }
                item.point = if sub > 0 {
                    vec![point, sub]
                } else {
                    vec![point]
                };
                item.second_day = second_from.is_some_and(|from| i >= from);
                items.push(item);
            }
            Record {
                number,
                first_day,
                second_day,
                items,
            }
        })
        .boxed()
}

/// An item of one of the shapes a council's record has.
fn shape() -> BoxedStrategy<Item> {
    let decisions = prop_oneof![
        4 => single(),
        2 => (prop::collection::vec(alternative(), 1..3), adopted(None))
            .prop_map(|(mut alts, adopted)| {
                alts.push(adopted);
                alts
            }),
        2 => prop::collection::vec(adopted(Some(0)), 2..4).prop_map(|mut parts| {
            for (i, part) in parts.iter_mut().enumerate() {
                if let Fate::Adopted { part, .. } = &mut part.outcome {
                    *part = Some(i as u32 + 1);
                }
            }
            parts
        }),
        1 => Just(Vec::new()),
    ];
    (
        decisions,
        prop::option::weighted(0.8, 15000..16000u32),
        0..phrases::PROPOSERS.len(),
        0..phrases::SUBJECTS.len(),
    )
        .prop_map(|(decisions, reference, proposer, subject)| Item {
            point: Vec::new(),
            reference,
            proposer,
            subject,
            second_day: false,
            decisions,
        })
        .boxed()
}

fn single() -> BoxedStrategy<Vec<Decision>> {
    prop_oneof![
        4 => adopted(None),
        2 => (0..phrases::REJECTED.len(), vote(false)).prop_map(|(statement, vote)| {
            decision(Fate::Rejected { statement }, Some(vote))
        }),
        1 => (0..phrases::WITHDRAWN.len())
            .prop_map(|statement| decision(Fate::Withdrawn { statement }, None)),
        1 => (any::<bool>(), 0..phrases::POSTPONED.len(), prop::option::of(vote(false)))
            .prop_map(|(by_text, statement, vote)| {
                let vote = if by_text { vote.or_else(|| Some(plain_vote())) } else { vote };
                decision(Fate::Postponed { by_text, statement }, vote)
            }),
        1 => vote(false).prop_map(|vote| decision(Fate::Unstated, Some(vote))),
    ]
    .prop_map(|d| vec![d])
    .boxed()
}

fn decision(outcome: Fate, vote: Option<Vote>) -> Decision {
    Decision {
        outcome,
        vote,
        number: None,
    }
}

fn plain_vote() -> Vote {
    Vote {
        kind: VoteType::Open,
        form: Form::Table {
            yes: 30,
            no: 1,
            abstain: 2,
        },
    }
}

/// An adopted decision; `part` marks the parts of one decision.
fn adopted(part: Option<u32>) -> BoxedStrategy<Decision> {
    // Parts are voted one by one, so each has a vote; a decision on its
    // own may lack one on the page.
    let vote = match part {
        Some(_) => vote(true).prop_map(Some).boxed(),
        None => prop::option::weighted(0.95, vote(true)).boxed(),
    };
    (prop::collection::vec(0..phrases::TEXTS.len(), 1..3), vote)
        .prop_map(move |(text, vote)| decision(Fate::Adopted { text, part }, vote))
        .boxed()
}

fn alternative() -> BoxedStrategy<Decision> {
    (
        0..phrases::GROUPS.len(),
        0..phrases::REJECTED.len(),
        vote(false),
    )
        .prop_map(|(group, statement, vote)| {
            decision(Fate::Alternative { group, statement }, Some(vote))
        })
        .boxed()
}

/// A vote in any form; `adopting` allows forms that say the proposal
/// passed.
fn vote(adopting: bool) -> BoxedStrategy<Vote> {
    let kind = prop_oneof![
        6 => Just(VoteType::Open),
        2 => Just(VoteType::RollCall),
        1 => Just(VoteType::Secret),
    ];
    let form = prop_oneof![
        8 => sentence(false).prop_map(Form::Sentence),
        2 => (count(), count(), count()).prop_map(|(yes, no, abstain)| Form::Table { yes, no, abstain }),
        2 => names(),
        // A unanimous vote has someone voting: `единодушно 0 „за“` is no
        // council's sentence.
        2 => (1..52u32, 0..if adopting { 4usize } else { 2 }).prop_map(|(yes, style)| {
            Form::Unanimous { yes: (style != 3).then_some(yes), style }
        }),
        1 => (sentence(true), 0..phrases::TYPOS.len())
            .prop_map(|(sentence, typo)| Form::Misprinted { sentence, typo }),
    ];
    (kind, form)
        .prop_map(|(kind, form)| {
            let kind = match &form {
                Form::Names { .. } => VoteType::RollCall,
                Form::Unanimous { style: 2 | 3, .. } => VoteType::Open,
                _ => kind,
            };
            Vote { kind, form }
        })
        .boxed()
}

fn count() -> impl Strategy<Value = u32> {
    prop_oneof![1 => Just(0u32), 1 => Just(1u32), 4 => 0..52u32]
}

fn names() -> BoxedStrategy<Form> {
    let option = prop_oneof![
        6 => Just(NameVote::Yes),
        2 => Just(NameVote::No),
        1 => Just(NameVote::Abstain),
        1 => Just(NameVote::NotVoting),
    ];
    (
        prop::collection::vec(option, 1..25),
        0..phrases::NAMES,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(options, offset, table, printed)| Form::Names {
            votes: options
                .into_iter()
                .enumerate()
                .map(|(i, o)| ((offset + i) % phrases::NAMES, o))
                .collect(),
            table,
            printed,
        })
        .boxed()
}

/// A tally sentence; `announced` opens it with `Гласували:` so that a
/// mistyped count is a vote line that cannot be read, not prose.
fn sentence(announced: bool) -> BoxedStrategy<Sentence> {
    (
        count(),
        prop::option::weighted(0.8, count()),
        prop::option::weighted(0.7, count()),
        style(),
    )
        .prop_map(move |(yes, no, abstain, mut style)| {
            // A lone pair is a tally only with words of a vote around it:
            // no clerk writes `24 за` on its own.
            if announced || (no.is_none() && abstain.is_none() && style.opening == 0) {
                style.opening = 1;
            }
            Sentence {
                yes,
                no,
                abstain,
                style,
            }
        })
        .boxed()
}

fn style() -> BoxedStrategy<SentenceStyle> {
    (
        (
            0..phrases::OPENINGS.len(),
            0..6usize,
            any::<bool>(),
            0..phrases::QUOTES.len(),
        ),
        (
            0..phrases::DASHES.len(),
            0..phrases::SEPARATORS.len(),
            any::<bool>(),
        ),
        (any::<bool>(), any::<bool>(), 0..3usize, any::<bool>()),
    )
        .prop_map(
            |(
                (opening, order, count_first, quotes),
                (dash, separator, zero_as_word),
                (singular_abstain, votes_word, capitals, without),
            )| SentenceStyle {
                opening,
                order,
                count_first,
                quotes,
                dash,
                separator,
                zero_as_word,
                singular_abstain,
                votes_word,
                capitals,
                without,
            },
        )
        .boxed()
}
