//! Tallies as clerks write them, lines that only look like tallies, and
//! tallies that cannot be read.

use super::*;

fn counts(yes: Option<u32>, no: Option<u32>, abstain: Option<u32>) -> Counts {
    Counts { yes, no, abstain }
}

fn all(yes: u32, no: u32, abstain: u32) -> Counts {
    counts(Some(yes), Some(no), Some(abstain))
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
        (None, all(41, 2, 3))
    );
}

#[test]
fn clerk_sentences_in_every_order() {
    for (line, expected) in [
        (
            "39 гласа „за“, 2 „против“ и няма „въздържали се“",
            all(39, 2, 0),
        ),
        ("„за“ – 39; против – няма; въздържали се: 1", all(39, 0, 1)),
        (
            "Гласували: „против“ – 2, 41 „за“, „въздържали се“ – 3",
            all(41, 2, 3),
        ),
        (
            "Гласували: няма „против“, „за“ – 44 и 4 въздържали се",
            all(44, 0, 4),
        ),
        (
            "Решението е прието с 39 гласа „за“, 2 гласа „против“ и 1 „въздържал се“.",
            all(39, 2, 1),
        ),
        (
            "ГЛАСУВАЛИ: „ЗА“ – 40, „ПРОТИВ“ – 3, 2 „ВЪЗДЪРЖАЛИ СЕ“",
            all(40, 3, 2),
        ),
        (
            "Гласували общо 46: за – 41, против – 2, въздържали се – 3",
            all(41, 2, 3),
        ),
        (
            "Гласували: за – 30 бр., против – 2 бр., въздържали се – няма",
            all(30, 2, 0),
        ),
    ] {
        assert_eq!(read(line), (None, expected), "{line}");
    }
}

#[test]
fn semicolons_and_no_quotes() {
    assert_eq!(
        read("Гласували: за – 12; против – 21; въздържали се – 10"),
        (None, all(12, 21, 10))
    );
}

#[test]
fn counts_before_labels() {
    assert_eq!(
        read("ГЛАСУВАЛИ: 32 “за”, 0 “против”, 0 “въздържали се”."),
        (None, all(32, 0, 0))
    );
    assert_eq!(
        read("(Гласували: 39 за, 0 против, 1 въздържал се)"),
        (None, all(39, 0, 1))
    );
}

#[test]
fn nyama_is_zero_and_roll_calls_are_named() {
    assert_eq!(
        read("Поименно гласуване: „за“ – 38, „против“ – 9, „въздържали се“ – няма"),
        (Some(VoteType::RollCall), all(38, 9, 0))
    );
}

#[test]
fn colons_guillemets_filler_words_and_secret_ballots() {
    assert_eq!(
        read("Гласуване: За: 30, Против: 0, Въздържали се: 5"),
        (None, all(30, 0, 5))
    );
    assert_eq!(
        read("Тайно гласуване: «за» - 35 гласа, «против» - 10 гласа, «въздържали се» - 4 гласа"),
        (Some(VoteType::Secret), all(35, 10, 4))
    );
    assert_eq!(
        read("Резултати от тайното гласуване: „за“ – 35, „против“ – 10, „въздържали се“ – 4"),
        (Some(VoteType::Secret), all(35, 10, 4))
    );
    assert_eq!(
        read("Гласували „за“ - 35 общински съветници, „против“ - няма, „въздържали се“ - 2"),
        (None, all(35, 0, 2))
    );
}

#[test]
fn the_number_of_voters_present_is_not_a_count() {
    assert_eq!(
        read("Гласували 46 общински съветници: за – 41, против – 2, въздържали се – 3"),
        (None, all(41, 2, 3))
    );
}

#[test]
fn without_separators_each_count_stays_by_its_label() {
    assert_eq!(
        read("Гласували: за 40 против 1 въздържали се 2"),
        (None, all(40, 1, 2))
    );
    assert_eq!(
        read("Гласували: 40 за 1 против 2 въздържали се"),
        (None, all(40, 1, 2))
    );
}

#[test]
fn unanimous_votes_and_missing_options() {
    assert_eq!(
        read("Гласували единодушно „за“ – 45"),
        (None, all(45, 0, 0))
    );
    assert_eq!(
        read("ГЛАСУВАЛИ: единодушно 46 «за»."),
        (None, all(46, 0, 0))
    );
    assert_eq!(
        read("Решението се приема с единодушие от 45 гласа „за“."),
        (None, all(45, 0, 0))
    );
    assert_eq!(
        read("Поименно гласуване: с единодушие от 45 гласа за"),
        (Some(VoteType::RollCall), all(45, 0, 0))
    );
    assert_eq!(
        read("Приема се единодушно."),
        (None, counts(None, Some(0), Some(0)))
    );
    assert_eq!(
        read_tally("Общинският съвет единодушно подкрепя инициативата."),
        Ok(None),
        "prose that speaks of unanimity is no vote"
    );
    assert_eq!(
        read("Гласували: за – 30, против – 3"),
        (None, counts(Some(30), Some(3), None))
    );
    assert_eq!(
        read("Гласували: „за“ – 40, „против“ – 1, „въздържали се“ – 0, „не гласували“ – 3"),
        (None, all(40, 1, 0))
    );
}

#[test]
fn without_against_and_abstaining_are_zeros() {
    assert_eq!(
        read("с 35 гласа „за“, без „против“ и „въздържали се“"),
        (None, all(35, 0, 0))
    );
    assert_eq!(
        read("Гласували: „за“ – 35, без „въздържали се“"),
        (None, counts(Some(35), None, Some(0)))
    );
}

#[test]
fn unlabelled_lines_need_two_pairs_or_words_of_a_vote() {
    assert_eq!(
        read("„за“ – 40, „против“ – 0, „въздържали се“ – 1"),
        (None, all(40, 0, 1))
    );
    assert_eq!(
        read("Приема се с 39 гласа „за“"),
        (None, counts(Some(39), None, None))
    );
    assert_eq!(read_tally("Отпуска помощ за 2024 г. на 3 лица"), Ok(None));
    assert_eq!(read_tally("Приема отчета за дейността."), Ok(None));
    assert_eq!(read_tally("Удължава договора за 3 години."), Ok(None));
}

#[test]
fn prose_that_names_an_option_is_not_a_vote() {
    for line in [
        "Приема Декларация на Общински съвет – Бургас против изграждането на вятърни паркове",
        "ОбС 08-00-15231 Докладна записка от ПГ „Обединени за Бургас“, относно: Декларация",
        "Упълномощава представителя на Общината да гласува „за“ по т. 1 от дневния ред.",
        "Гласували за решението:",
        "Отпуска 500 лв. за 2 деца против подпис",
    ] {
        assert!(
            !matches!(read_tally(line), Ok(Some(Tally::Counts { .. })) | Err(_)),
            "{line}: {:?}",
            read_tally(line)
        );
    }
}

#[test]
fn the_vote_type_of_a_line_read_or_not() {
    assert_eq!(
        vote_type_named("Поименно гласуване: за – 4l"),
        Some(VoteType::RollCall)
    );
    assert_eq!(
        vote_type_named("Резултати от тайното гласуване"),
        Some(VoteType::Secret)
    );
    assert_eq!(vote_type_named("Гласували: за – 40"), None);
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
    assert_eq!(
        read_tally("Гласували 47 общински съветници:"),
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
fn unreadable_lines_that_speak_of_a_vote_are_errors_too() {
    // No `Гласували`, but quoted options beside counts: a tally, misprinted.
    assert_eq!(
        read_tally("„за“ – 41, „против“ – 2, „въздържали се“ – З"),
        Err(TallyError::NoCount("въздържали се".into()))
    );
    assert_eq!(
        read_tally("Решението е прието с 39 гласа „за“ и 2 „против“, 7"),
        Err(TallyError::StrayNumber(7))
    );
}

#[test]
fn long_lines_are_read_without_deep_recursion() {
    let numbers = "1 ".repeat(50_000);
    assert_eq!(
        read_tally(&format!("Гласували: {numbers}за – 1, против – 2")),
        Err(TallyError::StrayNumber(1))
    );
    let prose = "Отпуска помощ за 2024 г. ".repeat(5_000);
    assert_eq!(read_tally(&prose), Ok(None));
}
