//! A vote written out: as a sentence of label–count pairs in any order and
//! spelling, a `За | Против | Въздържали се` table, a roll call by name (as
//! lines or a table), a unanimous vote, or a sentence with a mistyped count.

use super::model::{Form, NameVote, Sentence, SentenceStyle, Vote};
use super::phrases::{self, DASHES, QUOTES, SEPARATORS};
use crate::tally::VoteType;

/// A block of a page: a line of text, or a table of cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Line(String),
    Table(Vec<Vec<String>>),
}

impl Vote {
    /// The vote as one sentence, when it can stand inside a line.
    pub fn inline(&self) -> Option<String> {
        match &self.form {
            Form::Sentence(s) => Some(sentence(s, self.kind, None)),
            Form::Unanimous { yes, style } => Some(unanimous(*yes, *style, self.kind)),
            Form::Misprinted { sentence: s, typo } => {
                Some(sentence(s, self.kind, Some(phrases::TYPOS[*typo])))
            }
            Form::Table { .. } | Form::Names { .. } => None,
        }
    }

    /// The vote as blocks of its own.
    pub fn blocks(&self) -> Vec<Block> {
        if let Some(line) = self.inline() {
            return vec![Block::Line(line)];
        }
        match &self.form {
            Form::Table { yes, no, abstain } => self.table(*yes, *no, *abstain),
            Form::Names {
                votes,
                table,
                printed,
            } => names(votes, *table, *printed),
            _ => Vec::new(),
        }
    }

    /// Whether the vote's words already say the proposal was adopted.
    pub fn states_adoption(&self) -> bool {
        matches!(self.form, Form::Unanimous { style: 2 | 3, .. })
    }

    fn table(&self, yes: u32, no: u32, abstain: u32) -> Vec<Block> {
        let cell = |n: u32| match n {
            0 if (yes + abstain).is_multiple_of(2) => "няма".to_string(),
            n => n.to_string(),
        };
        let grid = vec![
            vec!["„За“".into(), "„Против“".into(), "„Въздържали се“".into()],
            vec![cell(yes), cell(no), cell(abstain)],
        ];
        let caption = match self.kind {
            VoteType::RollCall => Some("Поименно гласуване:"),
            VoteType::Secret => Some("Тайно гласуване:"),
            VoteType::Open if yes.is_multiple_of(2) => Some("Гласуване:"),
            VoteType::Open => None,
        };
        caption
            .map(|c| Block::Line(c.into()))
            .into_iter()
            .chain([Block::Table(grid)])
            .collect()
    }
}

/// A roll call listed by name, under its heading.
fn names(votes: &[(usize, NameVote)], table: bool, printed: bool) -> Vec<Block> {
    let count = |o| votes.iter().filter(|(_, v)| *v == o).count();
    let heading = if printed {
        format!(
            "Поименно гласуване: „за“ – {}, „против“ – {}, „въздържали се“ – {}",
            count(NameVote::Yes),
            count(NameVote::No),
            count(NameVote::Abstain)
        )
    } else {
        "Поименно гласуване:".to_string()
    };
    let option = |v: NameVote, i: usize| match v {
        NameVote::Yes => "за",
        NameVote::No => "против",
        NameVote::Abstain if i.is_multiple_of(2) => "въздържал се",
        NameVote::Abstain => "въздържала се",
        NameVote::NotVoting => "не гласувал",
    };
    let mut blocks = vec![Block::Line(heading)];
    if table {
        let mut rows = vec![vec![
            "№".to_string(),
            "Общински съветник".to_string(),
            "Гласувал".to_string(),
        ]];
        rows.extend(votes.iter().enumerate().map(|(i, (n, v))| {
            vec![
                format!("{}.", i + 1),
                phrases::name(*n),
                option(*v, i).to_string(),
            ]
        }));
        blocks.push(Block::Table(rows));
    } else {
        blocks.extend(votes.iter().enumerate().map(|(i, (n, v))| {
            Block::Line(format!(
                "{}. {} – {}",
                i + 1,
                phrases::name(*n),
                option(*v, i)
            ))
        }));
    }
    blocks
}

/// The opening of a tally for a vote of `kind`, and what closes it.
fn opening(style: &SentenceStyle, kind: VoteType, total: u32) -> (String, &'static str) {
    let base = phrases::OPENINGS[style.opening % phrases::OPENINGS.len()];
    match kind {
        VoteType::Open => {
            let close = if base.starts_with('(') { ")" } else { "" };
            (base.replace("{total}", &total.to_string()), close)
        }
        VoteType::RollCall | VoteType::Secret => {
            let list = if kind == VoteType::RollCall {
                phrases::ROLL_CALL_OPENINGS
            } else {
                phrases::SECRET_OPENINGS
            };
            let prefix = list[style.opening % list.len()];
            let c = if base == "С " { "с " } else { "" };
            (format!("{prefix}{c}"), "")
        }
    }
}

/// Whether the opening writes `с N гласа „за“`: counts before labels.
fn with_form(style: &SentenceStyle) -> bool {
    phrases::OPENINGS[style.opening % phrases::OPENINGS.len()] == "С "
}

/// The tally sentence; `typo` replaces the count for `за`.
pub fn sentence(s: &Sentence, kind: VoteType, typo: Option<&str>) -> String {
    let style = &s.style;
    let total = s.yes + s.no.unwrap_or(0) + s.abstain.unwrap_or(0);
    let (open, close) = opening(style, kind, total);
    let count_first = style.count_first || with_form(style);
    let mut options: Vec<(usize, u32)> = [Some(s.yes), s.no, s.abstain]
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|c| (i, c)))
        .collect();
    let without = s.writes_without();
    if without {
        options.truncate(1);
    } else {
        permute(&mut options, style.order);
    }
    let pairs: Vec<String> = options
        .iter()
        .map(|&(option, n)| {
            let count = match (option, typo) {
                (0, Some(typo)) => typo.to_string(),
                _ if n == 0 && style.zero_as_word && !with_form(style) => "няма".to_string(),
                _ => n.to_string(),
            };
            pair(
                style,
                label(style, option),
                &count,
                count_first,
                with_form(style),
            )
        })
        .collect();
    let mut body = join(&pairs, SEPARATORS[style.separator % SEPARATORS.len()]);
    if without {
        let no = label(style, 1);
        let abstain = label(style, 2);
        body.push_str(&format!(", без {no} и {abstain}"));
    }
    format!("{open}{body}{close}")
}

fn permute(options: &mut [(usize, u32)], order: usize) {
    let n = options.len();
    if n > 1 {
        options.rotate_left(order % n);
        if order / n % 2 == 1 {
            options.swap(0, 1);
        }
    }
}

fn join(pairs: &[String], separator: &str) -> String {
    pairs.join(separator)
}

fn label(style: &SentenceStyle, option: usize) -> String {
    let word = match option {
        0 => "за",
        1 => "против",
        _ if style.singular_abstain => "въздържал се",
        _ => "въздържали се",
    };
    let word = match style.capitals % 3 {
        0 => word.to_string(),
        1 => capitalized(word),
        _ => word.to_uppercase(),
    };
    let (open, close) = QUOTES[style.quotes % QUOTES.len()];
    format!("{open}{word}{close}")
}

/// One option and its count; `с N гласа „за“` always says `гласа`.
fn pair(
    style: &SentenceStyle,
    label: String,
    count: &str,
    count_first: bool,
    with: bool,
) -> String {
    let votes = match count {
        _ if !(style.votes_word || with) || count == "няма" => "",
        "1" => " глас",
        _ => " гласа",
    };
    if count_first {
        format!("{count}{votes} {label}")
    } else {
        format!("{label}{}{count}{votes}", DASHES[style.dash % DASHES.len()])
    }
}

fn capitalized(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A unanimous vote; styles 2 and 3 also say the proposal was adopted.
fn unanimous(yes: Option<u32>, style: usize, kind: VoteType) -> String {
    let prefix = match kind {
        VoteType::Open => "Гласували: ",
        VoteType::RollCall => "Поименно гласуване: ",
        VoteType::Secret => "Тайно гласуване: ",
    };
    let n = yes.unwrap_or(0);
    match (style, yes) {
        (_, None) => "Приема се единодушно.".to_string(),
        (0, _) => format!("{prefix}единодушно {n} „за“"),
        (1, _) => format!("{prefix}с единодушие от {n} гласа „за“"),
        _ => format!("Решението се приема с единодушие от {n} гласа „за“."),
    }
}
