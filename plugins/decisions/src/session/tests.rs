//! The session parser on the Burgas sample page and on hand-written pages
//! for each shape a session page takes: alternatives, parts voted one by
//! one, two-day sessions, withdrawals and postponements, roll calls,
//! numbered decisions, and pages that must be reported as broken.

use super::*;

const URL: &str = "https://burgascouncil.org/node/781";

fn parse(page: &str) -> Result<Session, ParseError> {
    let lines: Vec<String> = page
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    parse_session(&lines, &[], URL)
}

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("test date")
}

/// An invented session page in the council site's format
/// (`fixtures/README.md`).
const SAMPLE: &str = include_str!("../../fixtures/burgas_council_protocol_9_2024_excerpt.txt");

#[test]
fn the_burgas_sample_page() {
    let session = parse(SAMPLE).expect("sample parses");
    assert_eq!(session.number, Some(9));
    assert_eq!(session.protocol.as_deref(), Some("9"));
    assert_eq!(session.date, d(2024, 3, 26));
    assert_eq!(session.end_date, None);
    let ids: Vec<&str> = session.decisions.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["2024-03-26.2", "2024-03-26.3", "2024-03-26.27.2"]);

    let first = &session.decisions[0];
    assert_eq!(first.reference.as_deref(), Some("ОбС 08-00-15376"));
    assert_eq!(first.proposer.as_deref(), Some("Кмета на Община Бургас"));
    assert_eq!(first.legal_basis.as_deref(), Some("чл. 21, ал. 2 от ЗМСМА"));
    assert!(first.title.starts_with("Приемане на Наредба за изменение"));
    assert!(
        first
            .text
            .as_deref()
            .is_some_and(|t| t.starts_with("Приема Наредба"))
    );
    assert_eq!(first.result, Outcome::Adopted);
    assert_eq!(first.vote_type, VoteKind::Open);
    assert_eq!(
        first.counts,
        Counts {
            yes: Some(41),
            no: Some(2),
            abstain: Some(3)
        }
    );

    let budget = &session.decisions[1];
    assert_eq!(budget.vote_type, VoteKind::RollCall);
    assert_eq!(budget.counts.abstain, Some(0));
    assert_eq!(budget.legal_basis, None);

    let rejected = &session.decisions[2];
    assert_eq!(rejected.item, "27.2");
    assert_eq!(rejected.result, Outcome::Rejected);
    assert_eq!(rejected.text, None);
    assert_eq!(rejected.counts.no, Some(21));
    assert_eq!(
        rejected.proposer.as_deref(),
        Some("общински съветници от ПГ „Х“")
    );
}

#[test]
fn an_alternative_rejected_before_the_original_is_adopted() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.4 от дневния ред
        ОбС 08-00-1 Докладна записка от Кмета, относно: Наем на имот
        Алтернативно предложение на ПГ „Х“ за търг с по-висока цена
        Предложението не се приема.
        Гласували: за – 10, против – 30, въздържали се – 5
        Общински съвет – Бургас, на основание чл. 21, ал. 1, т. 8 от ЗМСМА,
        Р Е Ш И:
        Дава съгласие за наем.
        Гласували: за – 35, против – 8, въздържали се – 2",
    )
    .expect("parses");
    let [alternative, adopted] = session.decisions.as_slice() else {
        panic!("two decisions: {:?}", session.decisions);
    };
    assert_eq!(alternative.id, "2024-04-23.4");
    assert_eq!(alternative.result, Outcome::Rejected);
    assert_eq!(alternative.proposer.as_deref(), Some("ПГ „Х“"));
    assert_eq!(adopted.proposer.as_deref(), Some("Кмета"));
    assert_eq!(alternative.counts.yes, Some(10));
    assert_eq!(adopted.id, "2024-04-23.4-2");
    assert_eq!(adopted.result, Outcome::Adopted);
    assert_eq!(adopted.title, "Наем на имот");
    assert_eq!(adopted.text.as_deref(), Some("Дава съгласие за наем."));
    assert_eq!(
        adopted.legal_basis.as_deref(),
        Some("чл. 21, ал. 1, т. 8 от ЗМСМА")
    );
    assert_eq!(adopted.counts.yes, Some(35));
}

#[test]
fn parts_voted_one_by_one_are_separate_decisions() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.6 от дневния ред
        относно: Промени в капиталовата програма
        Р Е Ш И:
        1. Одобрява промените.
        Гласували: за – 40, против – 0, въздържали се – 1
        2. Възлага на кмета изпълнението.
        Гласували: за – 38, против – 2, въздържали се – 1
        ПРЕДСЕДАТЕЛ: (п) Иван Иванов",
    )
    .expect("parses");
    let texts: Vec<Option<&str>> = session
        .decisions
        .iter()
        .map(|d| d.text.as_deref())
        .collect();
    assert_eq!(
        texts,
        [
            Some("1. Одобрява промените."),
            Some("2. Възлага на кмета изпълнението.")
        ]
    );
    assert_eq!(session.decisions[1].id, "2024-04-23.6-2");
    assert_eq!(session.decisions[1].result, Outcome::Adopted);
}

#[test]
fn a_second_day_dates_its_decisions_but_not_their_ids() {
    let session = parse(
        "ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №10 ОТ ДАТИ 23.04.2024 И 24.04.2024 ГОДИНА
        По т.1 от дневния ред
        относно: Първо
        Р Е Ш И: Приема.
        Гласували: за – 40
        Втори ден – 24.04.2024 г.
        По т.2 от дневния ред
        относно: Второ
        Р Е Ш И: Приема.
        Гласували: за – 41",
    )
    .expect("parses");
    assert_eq!(session.end_date, Some(d(2024, 4, 24)));
    let days: Vec<(&str, NaiveDate)> = session
        .decisions
        .iter()
        .map(|d| (d.id.as_str(), d.date))
        .collect();
    assert_eq!(
        days,
        [
            ("2024-04-23.1", d(2024, 4, 23)),
            ("2024-04-23.2", d(2024, 4, 24))
        ]
    );
}

#[test]
fn withdrawn_and_postponed_items() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.7 от дневния ред
        ОбС 08-00-7 Докладна записка от Кмета, относно: Продажба
        Докладната записка е оттеглена от вносителя.
        По т.8 от дневния ред
        относно: Промяна на ПУП
        Р Е Ш И:
        Отлага разглеждането на докладната записка за следващото заседание.
        Гласували: за – 30, против – 5, въздържали се – 3
        По т.9 от дневния ред
        относно: Питания",
    )
    .expect("parses");
    let summary: Vec<(Outcome, VoteKind)> = session
        .decisions
        .iter()
        .map(|d| (d.result, d.vote_type))
        .collect();
    assert_eq!(
        summary,
        [
            (Outcome::Withdrawn, VoteKind::None),
            (Outcome::Postponed, VoteKind::Open)
        ]
    );
}

#[test]
fn a_roll_call_listed_by_name() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.3 от дневния ред
        относно: Заем
        Р Е Ш И: Поема дълг.
        Поименно гласуване:
        Иван Петров Иванов – за
        Мария Колева – против
        Петър Петров – за",
    )
    .expect("parses");
    let decision = &session.decisions[0];
    assert_eq!(decision.vote_type, VoteKind::RollCall);
    assert_eq!(
        decision.counts,
        Counts {
            yes: Some(2),
            no: Some(1),
            abstain: Some(0)
        }
    );
    assert_eq!(decision.votes.len(), 3);
    assert!(session.warnings.is_empty());
}

#[test]
fn a_roll_call_that_disagrees_with_its_tally_is_reported() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.3 от дневния ред
        относно: Заем
        Р Е Ш И: Поема дълг.
        Поименно гласуване: за – 3, против – 0, въздържали се – 0
        Иван Петров Иванов – за
        Мария Колева – против",
    )
    .expect("parses");
    assert_eq!(session.decisions[0].counts.yes, Some(3));
    assert_eq!(session.warnings.len(), 1, "{:?}", session.warnings);
    assert!(session.warnings[0].contains("2024-04-23.3"));
}

#[test]
fn numbered_decisions_with_ordinal_items() {
    let session = parse(
        "ПРОТОКОЛ
        № 12
        от заседание на Общински съвет, проведено на 28.05.2024 г.
        ПО ПЪРВА ТОЧКА ОТ ДНЕВНИЯ РЕД:
        Докладна записка относно отчет за дейността
        РЕШЕНИЕ № 215:
        Приема отчета.
        ГЛАСУВАЛИ: 32 “за”, 0 “против”, 0 “въздържали се”.
        ПРЕДСЕДАТЕЛ НА ОБЩИНСКИ СЪВЕТ: (п)",
    )
    .expect("parses");
    assert_eq!(session.protocol.as_deref(), Some("12"));
    let decision = &session.decisions[0];
    assert_eq!(decision.id, "2024-05-28.1");
    assert_eq!(decision.number.as_deref(), Some("215"));
    assert_eq!(decision.title, "отчет за дейността");
    assert_eq!(decision.text.as_deref(), Some("Приема отчета."));
}

#[test]
fn broken_pages_are_errors_that_name_page_and_item() {
    let no_date = parse("ВЗЕТИ РЕШЕНИЯ\nПо т.1 от дневния ред\nотносно: Х\nР Е Ш И: Да.");
    assert_eq!(no_date, Err(ParseError::NoSessionDate { url: URL.into() }));
    let cut_short = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.1 от дневния ред
        относно: Х
        Р Е Ш И: Да.
        Гласували: за – 40
        По т.2 от дневния ред
        ОбС 08-00-2 Докладна записка от Кмета, относно: Y",
    );
    assert_eq!(
        cut_short,
        Err(ParseError::NoDecision {
            url: URL.into(),
            item: "2".into()
        })
    );
    let empty = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024\nПо т.1 от дневния ред\nотносно: Х\nР Е Ш И:\nГласували: за – 40",
    );
    assert!(
        matches!(empty, Err(ParseError::EmptyText { .. })),
        "{empty:?}"
    );
    let no_items = parse("ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024\nНяма взети решения.");
    assert_eq!(no_items, Err(ParseError::NoItems { url: URL.into() }));
}

/// Three layouts that once lost a decision's vote or result (issue 15):
/// the generated corpus found them; these keep them found.
#[test]
fn a_vote_in_its_own_paragraph_before_the_decision_belongs_to_it() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.5 от дневния ред
        ОбС 08-00-7 Докладна записка от Кмета, относно: Продажба на имот
        Гласували: „за“ – 33, „против“ – 4, „въздържали се“ – 2
        Общински съвет – Бургас, на основание чл. 21, ал. 1, т. 8 от ЗМСМА,
        Р Е Ш И:
        Дава съгласие за продажба.",
    )
    .expect("parses");
    let [decision] = session.decisions.as_slice() else {
        panic!("one decision, not {:?}", session.decisions);
    };
    assert_eq!(decision.result, Outcome::Adopted);
    assert_eq!(decision.vote_type, VoteKind::Open);
    assert_eq!(
        decision.counts,
        Counts {
            yes: Some(33),
            no: Some(4),
            abstain: Some(2)
        }
    );
    assert!(decision.unread.is_none(), "{:?}", decision.unread);
}

#[test]
fn a_result_said_after_the_tally_in_the_same_line_is_read() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.6 от дневния ред
        ОбС 08-00-8 Докладна записка от общински съветник, относно: Промяна на наредба
        Гласували: за – 12, против – 20, въздържали се 1. Предложението не се приема.",
    )
    .expect("parses");
    let [decision] = session.decisions.as_slice() else {
        panic!("one decision, not {:?}", session.decisions);
    };
    assert_eq!(decision.result, Outcome::Rejected);
    assert_eq!(
        decision.counts,
        Counts {
            yes: Some(12),
            no: Some(20),
            abstain: Some(1)
        }
    );
    assert!(decision.unread.is_none(), "{:?}", decision.unread);
}

#[test]
fn a_unanimous_vote_phrased_as_a_noun_is_read() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.7 от дневния ред
        ОбС 08-00-9 Докладна записка от Кмета, относно: Дарение
        Общински съвет – Бургас, с единодушие от 41 гласа „за“,
        Р Е Ш И:
        Приема дарението.",
    )
    .expect("parses");
    let [decision] = session.decisions.as_slice() else {
        panic!("one decision, not {:?}", session.decisions);
    };
    assert_eq!(decision.result, Outcome::Adopted);
    assert_eq!(decision.vote_type, VoteKind::Open);
    assert_eq!(decision.counts.yes, Some(41));
    assert_eq!(decision.counts.no, Some(0));
    assert!(decision.unread.is_none(), "{:?}", decision.unread);
}

#[test]
fn an_unreadable_vote_keeps_its_decision_with_the_vote_unknown_and_a_warning() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.1 от дневния ред
        относно: Х
        Р Е Ш И: Да.
        Гласували: „за“ – 4l, „против“ – 2
        По т.2 от дневния ред
        относно: Y
        Р Е Ш И:
        1. Приема.
        „за“ – 41, „против“ – 2, „въздържали се“ – З
        2. Възлага.
        Гласували: за – 40, против – 3, въздържали се – 1",
    )
    .expect("a page with an unread vote still parses");
    let summary: Vec<(&str, VoteKind, Counts, Option<&str>)> = session
        .decisions
        .iter()
        .map(|d| {
            (
                d.id.as_str(),
                d.vote_type,
                d.counts,
                d.unread.as_ref().map(Unread::text),
            )
        })
        .collect();
    let unread = Counts::default();
    assert_eq!(
        summary,
        [
            (
                "2024-04-23.1",
                VoteKind::Unknown,
                unread,
                Some("Гласували: „за“ – 4l, „против“ – 2")
            ),
            (
                "2024-04-23.2",
                VoteKind::Unknown,
                unread,
                Some("„за“ – 41, „против“ – 2, „въздържали се“ – З")
            ),
            (
                "2024-04-23.2-2",
                VoteKind::Open,
                Counts {
                    yes: Some(40),
                    no: Some(3),
                    abstain: Some(1)
                },
                None
            ),
        ]
    );
    assert_eq!(session.decisions[0].result, Outcome::Adopted);
    assert_eq!(session.decisions[2].text.as_deref(), Some("2. Възлага."));
    assert_eq!(session.unread_votes(), 2);
    assert_eq!(
        session.warnings,
        [
            format!(
                "{URL}: item т.1, decision 2024-04-23.1: cannot read the vote „Гласували: „за“ – \
                 4l, „против“ – 2“ (no count for „за“); published with vote_type unknown and no \
                 counts"
            ),
            format!(
                "{URL}: item т.2, decision 2024-04-23.2: cannot read the vote „„за“ – 41, \
                 „против“ – 2, „въздържали се“ – З“ (no count for „въздържали се“); published \
                 with vote_type unknown and no counts"
            ),
        ]
    );
}

#[test]
fn a_roll_call_under_an_unread_tally_is_still_counted_by_name() {
    let session = parse(
        "ЗАСЕДАНИЕ №10 ОТ ДАТА 23.04.2024
        По т.3 от дневния ред
        относно: Заем
        Р Е Ш И: Поема дълг.
        Поименно гласуване: за – 2, против – 1, въздържали се – 0, 7
        Иван Петров Иванов – за
        Мария Колева – против
        Петър Петров – за",
    )
    .expect("parses");
    let decision = &session.decisions[0];
    assert_eq!(decision.vote_type, VoteKind::Unknown);
    assert_eq!(decision.votes.len(), 3);
    assert_eq!(
        decision.counts,
        Counts {
            yes: Some(2),
            no: Some(1),
            abstain: Some(0)
        }
    );
    assert_eq!(session.warnings.len(), 1, "{:?}", session.warnings);
    assert!(
        session.warnings[0].contains("the number 7 belongs to no option")
            && session.warnings[0].ends_with("the counts of the roll call's names"),
        "{}",
        session.warnings[0]
    );
}

/// Fragments of real pages, recombined at random: whatever a page holds,
/// the parser returns a session or an error, never panics.
#[test]
fn no_line_soup_makes_the_parser_panic() {
    const FRAGMENTS: &[&str] = &[
        "По т.",
        "27.2",
        " от дневния ред",
        "ПО ПЪРВА ТОЧКА",
        "двадесет и ",
        "Р Е Ш И:",
        "РЕШЕНИЕ № ",
        "/ 26.02.2009",
        "ОбС 08-00-",
        "относно:",
        "Докладна записка от ",
        "на основание чл. 21",
        "Общински съвет",
        "Гласували: ",
        "„за“ – ",
        "против",
        "въздържали се",
        "няма",
        "41",
        "4l",
        "0",
        ", ",
        "; ",
        "–",
        ":",
        "(",
        ")",
        "«",
        "»",
        "Поименно гласуване",
        "Тайно",
        "Втори ден – ",
        "23 и 24.04.2024",
        "ЗАСЕДАНИЕ №",
        "Протокол № ",
        "Предложението не се приема.",
        "е оттеглена",
        "Отлага",
        "Иван Петров Иванов – за",
        "ПРЕДСЕДАТЕЛ: (п)",
        "Питания",
        " ",
        "",
        "№",
        "т.",
        ".",
        "й",
        "🙂",
    ];
    // xorshift64: deterministic, dependency-free; only coverage matters.
    let mut state: u64 = 0x5EED_DEC1_5100_0001;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..600 {
        let lines: Vec<String> = (0..next(40))
            .map(|_| {
                (0..next(6))
                    .map(|_| FRAGMENTS[next(FRAGMENTS.len())])
                    .collect()
            })
            .collect();
        let _ = parse_session(&lines, &[], URL);
    }
}
