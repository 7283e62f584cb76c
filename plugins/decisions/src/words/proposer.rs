//! Who brought a proposal, normalised from the words a page writes it in
//! (`Кмета на Община Бургас`, `общински съветници от ПГ „Възход“`,
//! `общински съветник Стефан Димитров Янев`), and the political groups
//! (политически групи, ПГ) that pages name, in proposers and roll calls.
//!
//! The wording names the proposer first, in one of a few forms the law on
//! local government gives a right to propose (чл. 27, ал. 5 ЗМСМА and the
//! councils' rules): the mayor and deputy mayors, the mayors of districts
//! and villages (кметства) and their deputies (кметски наместници), the
//! council's chair, its committees, political groups and councillors.
//! What a page names first decides the kind; anything else is `other`,
//! never a guess.
//!
//! A group's name is kept without `ПГ` and its outer quotes, and quotes
//! inside it (`БСП – „Лява България“`) are written „…“, so that `ПГ „Нов
//! ред“`, `ПГ "Нов ред"` and `ПГ “Нов ред”` are one group.

use super::{Folded, skip_spaces, starts_word};

/// The kinds of proposer council pages name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProposerKind {
    /// `Кмета на Община Бургас`.
    Mayor,
    /// `Заместник-кмета по финанси`.
    DeputyMayor,
    /// The mayor of a district (район) or a village (кметство), or a
    /// кметски наместник.
    LocalMayor,
    /// `Председателя на Общински съвет – Бургас`, or a deputy chair.
    CouncilChair,
    /// A standing or temporary committee of the council, or its chair.
    Committee,
    /// A political group, or its councillors on its behalf (`общински
    /// съветници от ПГ „Възход“`).
    Group,
    /// Named councillors (`общински съветник Стефан Димитров Янев`, a bare
    /// name for a counter-proposal), or councillors of no one group.
    Councillors,
    /// Any other wording: citizens, the regional governor, an office.
    Other,
}

impl ProposerKind {
    /// Every kind, in the order the profile lists them.
    pub const ALL: [ProposerKind; 8] = [
        ProposerKind::Mayor,
        ProposerKind::DeputyMayor,
        ProposerKind::LocalMayor,
        ProposerKind::CouncilChair,
        ProposerKind::Committee,
        ProposerKind::Group,
        ProposerKind::Councillors,
        ProposerKind::Other,
    ];

    /// The value stored in the dataset.
    pub fn as_str(self) -> &'static str {
        match self {
            ProposerKind::Mayor => "mayor",
            ProposerKind::DeputyMayor => "deputy_mayor",
            ProposerKind::LocalMayor => "local_mayor",
            ProposerKind::CouncilChair => "council_chair",
            ProposerKind::Committee => "committee",
            ProposerKind::Group => "group",
            ProposerKind::Councillors => "councillors",
            ProposerKind::Other => "other",
        }
    }
}

/// A proposer, normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposer {
    pub kind: ProposerKind,
    /// The group that brought it (kinds `group` and `councillors`), when
    /// the text names exactly one.
    pub group: Option<String>,
    /// The councillor who brought it, when the text names exactly one.
    pub person: Option<String>,
}

/// Openings that name a political group.
const GROUP_OPENINGS: &[&str] = &[
    "пг ",
    "пг\"",
    "политическа група",
    "политическата група",
    "група \"",
    "групата на",
];

const DEPUTY_MAYOR_OPENINGS: &[&str] = &[
    "заместник-кмет",
    "заместник кмет",
    "зам.-кмет",
    "зам. кмет",
    "зам.кмет",
    "зам. - кмет",
];

const LOCAL_MAYOR_OPENINGS: &[&str] = &[
    "кметски наместник",
    "кметския наместник",
    "кметският наместник",
];

/// Words after `кмет` that make the mayor a district's or village's.
const LOCAL_PLACES: &[&str] = &[
    "район",
    "района",
    "кметство",
    "кметството",
    "с.",
    "село",
    "селото",
];

const CHAIR_OPENINGS: &[&str] = &[
    "председател",
    "заместник-председател",
    "заместник председател",
    "зам.-председател",
    "зам. председател",
];

const COMMITTEE_OPENINGS: &[&str] = &[
    "постоянна комисия",
    "постоянната комисия",
    "временна комисия",
    "временната комисия",
    "комисия",
    "комисията",
    "пк ",
];

/// Openings naming one councillor; then a name may follow.
const COUNCILLOR_OPENINGS: &[&str] = &[
    "общински съветник",
    "общинския съветник",
    "общинският съветник",
    "съветник",
    "съветника",
];

/// Openings naming several councillors.
const COUNCILLORS_OPENINGS: &[&str] = &[
    "общински съветници",
    "общинските съветници",
    "група общински съветници",
    "група от общински съветници",
    "съветници",
    "група съветници",
];

/// Titles before a name, not part of it.
const HONORIFICS: &[&str] = &[
    "г-н",
    "г-жа",
    "д-р",
    "инж.",
    "арх.",
    "адв.",
    "проф.",
    "доц.",
];

/// Reads a proposer as a page writes it.
pub fn read_proposer(text: &str) -> Proposer {
    let f = Folded::new(text.trim());
    let k = f.key();
    let opens = |phrases: &[&'static str]| phrases.iter().find(|p| k.starts_with(*p)).copied();
    let groups = named_groups(text);
    let one_group = match groups.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    };
    let proposer = |kind, group, person| Proposer {
        kind,
        group,
        person,
    };
    if opens(GROUP_OPENINGS).is_some() {
        return proposer(ProposerKind::Group, one_group, None);
    }
    if opens(DEPUTY_MAYOR_OPENINGS).is_some() {
        return proposer(ProposerKind::DeputyMayor, None, None);
    }
    if opens(LOCAL_MAYOR_OPENINGS).is_some() {
        return proposer(ProposerKind::LocalMayor, None, None);
    }
    if ["кмет", "кмета", "кметът"]
        .iter()
        .any(|w| starts_word(&f.folded, 0, w))
    {
        let local = LOCAL_PLACES.iter().any(|w| names_word(&f, w));
        let kind = if local {
            ProposerKind::LocalMayor
        } else {
            ProposerKind::Mayor
        };
        return proposer(kind, None, None);
    }
    if opens(CHAIR_OPENINGS).is_some() {
        // `Председателя на ПК по …` is a committee's; `Председателя на ПГ
        // „…“` a group's; otherwise the council's chair.
        return if names_word(&f, "комисия") || names_word(&f, "комисията") || names_word(&f, "пк")
        {
            proposer(ProposerKind::Committee, None, None)
        } else if one_group.is_some() {
            proposer(ProposerKind::Group, one_group, None)
        } else {
            proposer(ProposerKind::CouncilChair, None, None)
        };
    }
    if opens(COMMITTEE_OPENINGS).is_some() {
        return proposer(ProposerKind::Committee, None, None);
    }
    // Plural openings first: `съветници` starts with `съветник`.
    if opens(COUNCILLORS_OPENINGS).is_some() {
        return match one_group {
            Some(group) => proposer(ProposerKind::Group, Some(group), None),
            None => proposer(ProposerKind::Councillors, None, None),
        };
    }
    if let Some(opening) = opens(COUNCILLOR_OPENINGS) {
        let person = name_after(&f, opening.chars().count());
        return proposer(ProposerKind::Councillors, one_group, person);
    }
    match person_name(text) {
        Some(person) => proposer(ProposerKind::Councillors, None, Some(person)),
        None => proposer(ProposerKind::Other, None, None),
    }
}

/// `word` anywhere in the text, as a whole word.
fn names_word(f: &Folded, word: &str) -> bool {
    f.find_words(word).is_some()
}

/// The name after an opening (`общински съветник Иван Петров от ПГ …`),
/// up to what ends a name: ` от `, a comma, `относно`, a bracket.
fn name_after(f: &Folded, from: usize) -> Option<String> {
    let start = skip_spaces(&f.folded, from);
    let rest = &f.key()[f
        .key()
        .char_indices()
        .nth(start)
        .map_or(f.key().len(), |(b, _)| b)..];
    let end = [" от ", ",", " относно", " (", ";", ":"]
        .iter()
        .filter_map(|stop| rest.find(stop))
        .min()
        .unwrap_or(rest.len());
    let end = start + rest[..end].chars().count();
    person_name(&f.original(start, end))
}

/// A person's name: two to four words after any title (`д-р`), each
/// capitalised and the rest in lowercase (each part of a double name, and
/// initials: `Петя Стоянова-Димова`, `Иван П. Иванов`). Institutions
/// capitalise their first word only (`Областния управител`), and headings
/// are in capitals, so neither passes for a name.
pub fn person_name(text: &str) -> Option<String> {
    let mut words: Vec<&str> = text.split_whitespace().collect();
    while words
        .first()
        .is_some_and(|w| HONORIFICS.contains(&w.to_lowercase().as_str()))
    {
        words.remove(0);
    }
    let is_part = |part: &str| {
        let mut chars = part.chars();
        chars.next().is_some_and(char::is_uppercase) && chars.all(|c| c.is_lowercase() || c == '.')
    };
    let is_name = (2..=4).contains(&words.len()) && words.iter().all(|w| w.split('-').all(is_part));
    is_name.then(|| words.join(" "))
}

/// The group a roll call's group column or bracket gives: a group named
/// as in a proposer (`ПГ „ГЕРБ“`), else the cell's text as the group's
/// name (`Обединени за Бургас`, `„Възход“`). `None` for an empty cell and
/// for councillors of no group (`независим`).
pub fn group_name(cell: &str) -> Option<String> {
    if let [one] = named_groups(cell).as_slice() {
        return Some(one.clone());
    }
    let f = Folded::new(cell.trim());
    let bare = f
        .key()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .to_string();
    let independent = [
        "независим",
        "независима",
        "независими",
        "нечленуващ",
        "нечленуваща",
    ];
    if bare.is_empty() || independent.contains(&bare.as_str()) {
        return None;
    }
    Some(normalise_quotes(&unquote(cell.trim())))
}

/// Every political group a text names after `ПГ`, `политическа група` or
/// `група „…“`, each once, in order.
pub fn named_groups(text: &str) -> Vec<String> {
    let f = Folded::new(text);
    let k = &f.folded;
    let mut groups: Vec<String> = Vec::new();
    for at in 0..k.len() {
        let Some(after) = ["пг", "политическа група", "политическата група", "група"]
            .iter()
            .find(|w| starts_word(k, at, w))
            .map(|w| skip_spaces(k, at + w.chars().count()))
        else {
            continue;
        };
        let after = if starts_word(k, after, "на") {
            skip_spaces(k, after + 2)
        } else {
            after
        };
        // `група` alone (`група общински съветници`) names no group
        // unless a quoted name follows.
        let keyword_is_bare_group = starts_word(k, at, "група") && k.get(after) != Some(&'"');
        if keyword_is_bare_group {
            continue;
        }
        if let Some(name) = group_at(&f, after)
            && !groups.contains(&name)
        {
            groups.push(name);
        }
    }
    groups
}

/// The group's name that starts at `at`: quoted (to its matching closing
/// quote) or bare (to a comma, `и`, `относно` or the end).
fn group_at(f: &Folded, at: usize) -> Option<String> {
    let k = &f.folded;
    let end = if k.get(at) == Some(&'"') {
        closing_quote(k, at)? + 1
    } else {
        let rest: String = k[at..].iter().collect();
        let stop = [",", ";", ":", " и ", " относно", " от ", " (", " за "]
            .iter()
            .filter_map(|s| rest.find(s))
            .min()
            .unwrap_or(rest.len());
        at + rest[..stop].chars().count()
    };
    let name = normalise_quotes(&unquote(&f.original(at, end)));
    let name = name.trim_end_matches(['.', ',', ' ']).to_string();
    (!name.is_empty() && name.chars().any(char::is_alphanumeric)).then_some(name)
}

/// The quote that closes the one opened at `open`, counting quotes opened
/// inside (`„БСП – „Лява България““`): a quote after a space or a dash
/// opens, any other closes.
fn closing_quote(k: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, &c) in k.iter().enumerate().skip(open) {
        if c != '"' {
            continue;
        }
        if i == open || opens_quote(k, i) {
            depth += 1;
        } else {
            depth -= 1;
            if depth == 0 {
                return Some(i);
            }
        }
    }
    None
}

fn opens_quote(k: &[char], i: usize) -> bool {
    i == 0 || matches!(k[i - 1], ' ' | '(' | '-')
}

/// The text without the quotes around all of it.
fn unquote(text: &str) -> String {
    let f = Folded::new(text);
    let k = &f.folded;
    if k.first() == Some(&'"') && closing_quote(k, 0) == Some(k.len() - 1) {
        f.original(1, k.len() - 1)
    } else {
        text.trim().to_string()
    }
}

/// Quotes written „…“ whatever form the page used.
fn normalise_quotes(text: &str) -> String {
    let f = Folded::new(text);
    let k = &f.folded;
    text.chars()
        .zip(k)
        .enumerate()
        .map(|(i, (c, &folded))| match folded {
            '"' if opens_quote(k, i) => '„',
            '"' => '“',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (&'static str, Option<String>, Option<String>) {
        let p = read_proposer(text);
        (p.kind.as_str(), p.group, p.person)
    }

    fn some(s: &str) -> Option<String> {
        Some(s.to_string())
    }

    #[test]
    fn the_mayor_and_the_other_mayors() {
        assert_eq!(read("Кмета на Община Бургас"), ("mayor", None, None));
        assert_eq!(read("Кмета на общината"), ("mayor", None, None));
        assert_eq!(
            read("кмета на Община Бургас Димитър Николов"),
            ("mayor", None, None)
        );
        assert_eq!(
            read("Заместник-кмета по финанси и бюджет"),
            ("deputy_mayor", None, None)
        );
        assert_eq!(
            read("Зам.-кмет по строителство"),
            ("deputy_mayor", None, None)
        );
        assert_eq!(
            read("Кмета на район „Младост“"),
            ("local_mayor", None, None)
        );
        assert_eq!(
            read("Кмета на кметство Маринка"),
            ("local_mayor", None, None)
        );
        assert_eq!(read("Кмета на с. Брястовец"), ("local_mayor", None, None));
        assert_eq!(
            read("Кметския наместник на с. Изворище"),
            ("local_mayor", None, None)
        );
    }

    #[test]
    fn the_chair_and_committees() {
        assert_eq!(
            read("Председателя на Общински съвет – Бургас"),
            ("council_chair", None, None)
        );
        assert_eq!(
            read("Заместник-председателя на Общински съвет - Бургас"),
            ("council_chair", None, None)
        );
        assert_eq!(
            read("Председателя на Постоянната комисия по финанси и бюджет"),
            ("committee", None, None)
        );
        assert_eq!(
            read("Постоянната комисия по законност"),
            ("committee", None, None)
        );
        assert_eq!(
            read("Председателя на ПГ „Възход“"),
            ("group", some("Възход"), None)
        );
    }

    #[test]
    fn groups_in_every_quote_form_are_one_group() {
        for text in [
            "общински съветници от ПГ „Нов ред“",
            "общински съветници от ПГ \"Нов ред\"",
            "общински съветници от ПГ “Нов ред”",
            "ПГ \"Нов ред\"",
            "Политическа група «Нов ред»",
        ] {
            assert_eq!(read(text), ("group", some("Нов ред"), None), "{text}");
        }
        assert_eq!(
            read("ПГ „БСП – „Лява България““"),
            ("group", some("БСП – „Лява България“"), None)
        );
        assert_eq!(read("ПГ ГЕРБ"), ("group", some("ГЕРБ"), None));
    }

    #[test]
    fn councillors_named_and_unnamed() {
        assert_eq!(
            read("общински съветник Стефан Димитров Янев"),
            ("councillors", None, some("Стефан Димитров Янев"))
        );
        assert_eq!(
            read("общинския съветник д-р Иван Петров от ПГ „Възход“"),
            ("councillors", some("Възход"), some("Иван Петров"))
        );
        assert_eq!(
            read("Иван Петров"),
            ("councillors", None, some("Иван Петров"))
        );
        assert_eq!(
            read("общински съветници Иван Петров и Мария Колева"),
            ("councillors", None, None)
        );
        assert_eq!(
            read("общински съветници от ПГ „Възход“ и ПГ „Нов ред“"),
            ("councillors", None, None)
        );
        assert_eq!(
            read("група общински съветници"),
            ("councillors", None, None)
        );
    }

    #[test]
    fn unknown_wording_is_other_and_never_a_guess() {
        for text in [
            "",
            "Областния управител на област Бургас",
            "граждани по реда на чл. 24",
            "кметовете",
            "\"\"\"",
            "ПРЕДЛОЖЕНИЕ",
            "съветника",
        ] {
            let p = read_proposer(text);
            assert_eq!(p.person, None, "{text}");
            assert!(p.group.is_none(), "{text}");
        }
        assert_eq!(read("Областния управител на област Бургас").0, "other");
        assert_eq!(read("кметовете").0, "other");
        assert_eq!(read("").0, "other");
        assert_eq!(read("ПРЕДЛОЖЕНИЕ").0, "other");
        assert_eq!(read("ПГ „“").1, None, "an empty group's name is no group");
    }

    #[test]
    fn roll_call_group_cells() {
        assert_eq!(group_name("ПГ „ГЕРБ“").as_deref(), Some("ГЕРБ"));
        assert_eq!(group_name("„Възход“").as_deref(), Some("Възход"));
        assert_eq!(
            group_name(" Обединени за Бургас ").as_deref(),
            Some("Обединени за Бургас")
        );
        assert_eq!(group_name("независим"), None);
        assert_eq!(group_name("Независима"), None);
        assert_eq!(group_name("–"), None);
        assert_eq!(group_name(""), None);
    }
}
