//! The phrases around a decision: `Р Е Ш И:` in its spellings, the
//! incoming reference, the `относно` subject, who proposed it (and who
//! proposed the alternative voted first), the legal basis, the statements
//! that an item was rejected, withdrawn or postponed, signatures, and items
//! that carry no decision.

use super::{Folded, skip_spaces, starts_at, starts_word};

/// Where `Р Е Ш И` (letter-spaced, or `РЕШИ` in capitals, or `реши:`)
/// splits a line: the text before it and the text after it.
pub fn resolves_marker(line: &str) -> Option<(String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let f = Folded::new(line);
    let k = &f.folded;
    let letters = ['р', 'е', 'ш', 'и'];
    (0..k.len()).find_map(|start| {
        if k[start] != 'р' || (start > 0 && k[start - 1].is_alphabetic()) {
            return None;
        }
        let mut pos = start;
        let mut spaced = false;
        let mut upper = true;
        for (i, letter) in letters.iter().enumerate() {
            if i > 0 && k.get(pos) == Some(&' ') {
                spaced = true;
                pos += 1;
            }
            if k.get(pos) != Some(letter) {
                return None;
            }
            upper &= chars[pos].is_uppercase();
            pos += 1;
        }
        if k.get(pos).is_some_and(|c| c.is_alphabetic()) {
            return None;
        }
        let colon_at = skip_spaces(k, pos);
        let colon = k.get(colon_at) == Some(&':');
        let at_end = colon_at >= k.len();
        // `реши` in running text is a verb; the marker is letter-spaced,
        // or followed by a colon, or a line-final `РЕШИ` in capitals.
        if !(spaced || colon || (upper && at_end)) {
            return None;
        }
        let after = if colon { colon_at + 1 } else { pos };
        Some((f.original(0, start), f.rest(after)))
    })
}

/// `ОбС 08-00-15376`, `Вх. № ОбС 08-00-15376`, `вх. № 08-00-1234`: the
/// council's incoming reference, as `ОбС 08-00-15376` (or the bare number
/// when the line gives no `ОбС`).
pub fn incoming_reference(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let k = &f.folded;
    (0..k.len()).find_map(|start| {
        if start > 0 && k[start - 1].is_alphanumeric() {
            return None;
        }
        let end = reference_number_end(k, start)?;
        let before: String = k[start.saturating_sub(8)..start].iter().collect();
        let number: String = k[start..end].iter().collect();
        if before.contains("обс") {
            Some(format!("ОбС {number}"))
        } else if before.contains('№') {
            Some(number)
        } else {
            None
        }
    })
}

/// `08-00-15376` at `pos`: 2 digits, dash, 2 digits, dash, 1 to 7 digits.
fn reference_number_end(k: &[char], pos: usize) -> Option<usize> {
    let digits = |from: usize, min: usize, max: usize| -> Option<usize> {
        let end = (from..k.len().min(from + max + 1))
            .find(|&i| !k[i].is_ascii_digit())
            .unwrap_or(k.len().min(from + max + 1));
        (end - from >= min && end - from <= max).then_some(end)
    };
    let a = digits(pos, 2, 2)?;
    (k.get(a) == Some(&'-')).then_some(())?;
    let b = digits(a + 1, 2, 2)?;
    (k.get(b) == Some(&'-')).then_some(())?;
    let c = digits(b + 1, 1, 7)?;
    (!k.get(c).is_some_and(char::is_ascii_digit)).then_some(c)
}

/// The title after `относно` (`…, относно: Актуализация на бюджета`).
pub fn subject(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let at = f.find("относно")?;
    if at > 0 && f.folded[at - 1].is_alphabetic() {
        return None;
    }
    let mut pos = at + "относно".chars().count();
    while matches!(f.folded.get(pos), Some(':' | ' ' | '-' | ',')) {
        pos += 1;
    }
    Some(f.rest(pos)).filter(|s| !s.is_empty())
}

/// The documents a council receives, as they open a preamble line.
const DOCUMENT_KINDS: &[&str] = &[
    "докладна записка",
    "предложение",
    "писмо",
    "доклад",
    "становище",
    "искане",
    "заявление",
    "проект за решение",
];

/// Who brings the item: `Докладна записка от Кмета на Община Бургас,
/// относно:` gives `Кмета на Община Бургас`.
pub fn proposer(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let kind_end = DOCUMENT_KINDS
        .iter()
        .filter_map(|kind| f.find_words(kind).map(|at| at + kind.chars().count()))
        .min()?;
    let from = skip_spaces(&f.folded, kind_end);
    if !(starts_word(&f.folded, from, "от") || starts_word(&f.folded, from, "на")) {
        return None;
    }
    let start = from + 2;
    let end = f
        .find("относно")
        .filter(|&end| end > start)
        .unwrap_or(f.len());
    let who = f.original(start, end);
    let who = who.trim_end_matches([',', ' ', ':', '-', '–']).to_string();
    (!who.is_empty()).then_some(who)
}

/// Who brings a counter-proposal voted before the item's own:
/// `Алтернативно предложение на ПГ „Нов ред“ за …` gives `ПГ „Нов ред“`.
pub fn alternative_proposer(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let k = &f.folded;
    let opening = [
        "алтернативно предложение",
        "контрапредложение",
        "друго предложение",
    ]
    .iter()
    .find(|o| starts_at(k, 0, o))?;
    let from = skip_spaces(k, opening.chars().count());
    if !(starts_word(k, from, "от") || starts_word(k, from, "на")) {
        return None;
    }
    let start = from + 2;
    // A group's name ends with its closing quote (`ПГ „Обединени за
    // Бургас“` holds a ` за `); a person's name before `за`, `относно` or
    // a comma.
    let stop = [" за ", " относно", ", ", ":"]
        .iter()
        .filter_map(|stop| {
            let byte = f
                .key()
                .match_indices(stop)
                .map(|(b, _)| b)
                .find(|&b| f.key()[..b].chars().count() > start)?;
            Some(f.key()[..byte].chars().count())
        })
        .min()
        .unwrap_or(f.len());
    let open_quote = (start..stop).find(|&i| k[i] == '"');
    let end = match open_quote {
        Some(open) => (open + 1..f.len())
            .find(|&i| k[i] == '"')
            .map_or(stop, |close| close + 1),
        None => stop,
    };
    let who = f.original(start, end);
    (!who.is_empty()).then_some(who)
}

/// The legal basis after `на основание`, up to the council's name or the
/// end: `Общински съвет – Бургас, на основание чл. 21, ал. 2 от ЗМСМА,`
/// gives `чл. 21, ал. 2 от ЗМСМА`.
pub fn legal_basis(line: &str) -> Option<String> {
    let f = Folded::new(line);
    let at = f.find("на основание")?;
    let start = at + "на основание".chars().count();
    // The council's name ends the citation; `Закона за общинския дълг`
    // inside it does not.
    let end = [
        ", общински съвет",
        " общински съвет",
        ", общинският съвет",
        " общинският съвет",
    ]
    .iter()
    .filter_map(|stop| f.find(stop))
    .filter(|&end| end > start)
    .min()
    .unwrap_or(f.len());
    let basis = f.original(start, end);
    let basis = basis.trim_end_matches([',', ';', ':', ' ']).to_string();
    (!basis.is_empty()).then_some(basis)
}

/// What a statement says became of the proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statement {
    Adopted,
    Rejected,
    Withdrawn,
    Postponed,
}

/// A statement of outcome, and whether it is certainly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Said {
    pub statement: Statement,
    /// Its subject is the proposal (`Решението не се приема`, `Точката се
    /// отлага`) or it is a bare `Приема се.`: it can never be a line of
    /// decision text, which opens with the council's verb (`Отлага
    /// разглеждането …`, `Отхвърля …`) instead.
    pub sure: bool,
}

/// Openings of a statement whose subject is the proposal or the item.
const STATEMENT_SUBJECTS: &[&str] = &[
    "решението",
    "предложението",
    "проектът",
    "проекта",
    "докладната записка",
    "точката",
    "разглеждането",
    "вносителят",
    "вносителят е",
    "алтернативното предложение",
];

/// Whole statements without a subject.
const BARE_STATEMENTS: &[&str] = &[
    "приема се",
    "приема се единодушно",
    "не се приема",
    "отхвърля се",
    "оттегля се",
    "отлага се",
];

/// `Предложението не се приема.`, `Решението не е прието`, `не събра
/// необходимото мнозинство`, `Отхвърля предложението` (rejected);
/// `Докладната записка е оттеглена`, `Оттегля се`, `Точката отпада от
/// дневния ред` (withdrawn); `Разглеждането се отлага`, `Отлага се`,
/// `Точката е отложена` (postponed); `Решението се приема`, `Приема се.`
/// (adopted, only when sure: decision texts open with `Приема …`).
pub fn statement(line: &str) -> Option<Said> {
    let f = Folded::new(line);
    let k = f.key();
    // Titles name withdrawals and rejections too (`относно: Оттегляне на
    // пълномощия`); a statement is never the line that carries the subject.
    if k.contains("относно") || incoming_reference(line).is_some() {
        return None;
    }
    let bare = k.trim_matches(|c: char| !c.is_alphabetic());
    let sure = BARE_STATEMENTS.contains(&bare)
        || STATEMENT_SUBJECTS
            .iter()
            .any(|s| starts_word(&f.folded, skip_spaces(&f.folded, 0), s));
    let statement = said(k, sure)?;
    Some(Said { statement, sure })
}

fn said(k: &str, sure: bool) -> Option<Statement> {
    let any = |phrases: &[&str]| phrases.iter().any(|p| k.contains(p));
    if any(&[
        "не се приема",
        "не е прието",
        "не е приета",
        "не е приет ",
        "не прие ",
        "не прие.",
        "отхвърля",
        "не събра необходим",
        "не получи необходим",
    ]) {
        Some(Statement::Rejected)
    } else if any(&[
        "е оттеглен",
        "се оттегля",
        "оттегля се",
        "оттегли ",
        "оттегли.",
        "оттегли докладната",
        "отпада от дневния ред",
    ]) {
        Some(Statement::Withdrawn)
    } else if any(&[
        "се отлага",
        "отлага се",
        "е отложен",
        "отлага разглеждането",
    ]) {
        Some(Statement::Postponed)
    } else if sure
        && any(&[
            "се приема",
            "приема се",
            "е прието",
            "е приета",
            "бе прието",
        ])
    {
        Some(Statement::Adopted)
    } else {
        None
    }
}

/// Decision text that postpones rather than decides (`Отлага
/// разглеждането на …`).
pub fn postpones(text_line: &str) -> bool {
    Folded::new(text_line).key().starts_with("отлага")
}

/// Decision text that turns the proposal down (`Отхвърля предложението
/// …`): the council voted for a text that rejects it.
pub fn rejects(text_line: &str) -> bool {
    Folded::new(text_line).key().starts_with("отхвърля")
}

/// The signature block under a decision or the page: chair, secretary,
/// `Вярно с оригинала`, `(п)`.
pub fn is_footer(line: &str) -> bool {
    let f = Folded::new(line);
    let k = f.key();
    // `Секретарят на общината да …` opens a sentence of decision text; a
    // signature is short, or carries `(п)` or a colon.
    let short = line.split_whitespace().count() <= 6;
    if !(short || k.contains("(п)") || k.trim_end().ends_with(':')) {
        return false;
    }
    [
        "председател",
        "зам.-председател",
        "заместник-председател",
        "вярно с оригинала",
        "протоколист",
        "изготвил",
        "секретар",
        "(п)",
    ]
    .iter()
    .any(|p| k.starts_with(p))
}

/// Agenda points that carry no decision (questions, any other business).
pub fn is_informational(title: &str) -> bool {
    let f = Folded::new(title);
    ["питания", "разни", "изказвания", "отговори на питания"]
        .iter()
        .any(|w| f.key().starts_with(w) || f.key().contains(&format!(" {w}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn resolves_marker_in_its_spellings() {
        let split = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        assert_eq!(resolves_marker("Р Е Ш И:"), split("", ""));
        assert_eq!(resolves_marker("Р Е Ш И"), split("", ""));
        assert_eq!(resolves_marker("РЕШИ:"), split("", ""));
        assert_eq!(resolves_marker("Р Е Ш И :"), split("", ""));
        assert_eq!(
            resolves_marker("Общински съвет – Бургас Р Е Ш И: Приема"),
            split("Общински съвет – Бургас", "Приема")
        );
        assert_eq!(resolves_marker("съветът реши да изпрати"), None);
        assert_eq!(resolves_marker("решихме"), None);
        assert_eq!(resolves_marker("Пререшиха"), None);
    }
    #[test]
    fn incoming_references() {
        assert_eq!(
            incoming_reference("ОбС 08-00-15376 Докладна записка").as_deref(),
            Some("ОбС 08-00-15376")
        );
        assert_eq!(
            incoming_reference("Вх. № ОбС 08‑00‑15402 – Докладна записка").as_deref(),
            Some("ОбС 08-00-15402")
        );
        assert_eq!(
            incoming_reference("вх. № 08-00-1234 от 12.03.2024").as_deref(),
            Some("08-00-1234")
        );
        assert_eq!(incoming_reference("тел. 056-80-11"), None);
        assert_eq!(incoming_reference("в периода 2024-03-26"), None);
    }
    #[test]
    fn subjects_proposers_and_legal_bases() {
        let line = "ОбС 08-00-15376 Докладна записка от Кмета на Община Бургас, относно: Приемане на Наредба";
        assert_eq!(subject(line).as_deref(), Some("Приемане на Наредба"));
        assert_eq!(proposer(line).as_deref(), Some("Кмета на Община Бургас"));
        let line = "Докладна записка от общински съветници от ПГ „Х“, Относно Отпускане на помощ";
        assert_eq!(
            proposer(line).as_deref(),
            Some("общински съветници от ПГ „Х“")
        );
        assert_eq!(subject(line).as_deref(), Some("Отпускане на помощ"));
        assert_eq!(proposer("Докладна записка относно реализация"), None);
        assert_eq!(
            alternative_proposer("Алтернативно предложение на ПГ „Нов ред“ за търг").as_deref(),
            Some("ПГ „Нов ред“")
        );
        assert_eq!(alternative_proposer("Предложението не се приема."), None);
        assert_eq!(
            alternative_proposer("Алтернативно предложение от ПГ „Обединени за Бургас“ за търг")
                .as_deref(),
            Some("ПГ „Обединени за Бургас“")
        );
        assert_eq!(
            alternative_proposer("Контрапредложение от Иван Петров за по-ниска цена").as_deref(),
            Some("Иван Петров")
        );
        assert_eq!(
            legal_basis("Общински съвет – Бургас, на основание чл. 21, ал. 2 от ЗМСМА,").as_deref(),
            Some("чл. 21, ал. 2 от ЗМСМА")
        );
        assert_eq!(
            legal_basis(
                "На основание чл. 21, ал. 1, т. 8 от ЗМСМА и чл. 8 от ЗОС, Общински съвет – Бургас"
            )
            .as_deref(),
            Some("чл. 21, ал. 1, т. 8 от ЗМСМА и чл. 8 от ЗОС")
        );
        assert_eq!(
            legal_basis(
                "На основание чл. 17, ал. 1 от Закона за общинския дълг Общински съвет – Бургас:"
            )
            .as_deref(),
            Some("чл. 17, ал. 1 от Закона за общинския дълг")
        );
    }
    #[test]
    fn statements_of_outcome() {
        let sure = |statement| {
            Some(Said {
                statement,
                sure: true,
            })
        };
        let unsure = |statement| {
            Some(Said {
                statement,
                sure: false,
            })
        };
        assert_eq!(
            statement("Предложението не се приема."),
            sure(Statement::Rejected)
        );
        assert_eq!(
            statement("Проектът за решение не събра необходимото мнозинство."),
            sure(Statement::Rejected)
        );
        assert_eq!(
            statement("Докладната записка е оттеглена от вносителя."),
            sure(Statement::Withdrawn)
        );
        assert_eq!(
            statement("Разглеждането на точката се отлага."),
            sure(Statement::Postponed)
        );
        assert_eq!(statement("Оттегля се."), sure(Statement::Withdrawn));
        assert_eq!(statement("Отлага се."), sure(Statement::Postponed));
        assert_eq!(statement("Решението се приема."), sure(Statement::Adopted));
        assert_eq!(statement("Приема се единодушно."), sure(Statement::Adopted));
        assert_eq!(
            statement("Отхвърля предложението."),
            unsure(Statement::Rejected)
        );
        assert_eq!(
            statement("Отлага разглеждането на точката."),
            unsure(Statement::Postponed)
        );
        assert_eq!(statement("Приема отчета."), None);
        assert_eq!(statement("Приема се Наредба за изменение."), None);
        assert_eq!(
            statement("Докладна записка от Кмета, относно: Оттегляне на пълномощия"),
            None
        );
        assert!(postpones("Отлага разглеждането на докладната записка"));
        assert!(rejects("Отхвърля предложението на ПГ „Х“."));
    }
    #[test]
    fn footers_and_informational_items() {
        assert!(is_footer("ПРЕДСЕДАТЕЛ НА ОБЩИНСКИ СЪВЕТ: (п)"));
        assert!(is_footer("Вярно с оригинала"));
        assert!(!is_footer("Приема председателя"));
        assert!(!is_footer(
            "Секретарят на общината да организира изпълнението на решението."
        ));
        assert!(is_informational("Питания"));
        assert!(is_informational(
            "Отговори на питания на общински съветници"
        ));
        assert!(!is_informational("Приемане на бюджета"));
    }
}
