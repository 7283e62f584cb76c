//! A record written as a session page, in one of the layouts councils use.
//!
//! The [`Layout`] is the clerk's template, the same for every item of a
//! page: where the tally stands (before or after `Р Е Ш И:`, in its own
//! paragraph or inside another), where the result is said (before, after,
//! in the tally's line, or only implied by `Р Е Ш И:` for adopted
//! decisions), how items and `Р Е Ш И` are written, the HTML around the
//! lines (`<p>`, one `<div>` broken by `<br>`, a table) and the page's
//! encoding. What varies from decision to decision (the tally's form and
//! spelling, the statement's words) is in the model.

use vitrina_sdk::normalize::NaiveDate;

use super::model::{Decision, Fate, Item, Record};
use super::phrases;
use super::vote::Block;

/// The clerk's template for a page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub container: Container,
    pub heading: usize,
    /// The preamble on the heading's line (`По т.4 от дневния ред: ОбС …`).
    pub preamble_on_heading: bool,
    pub marker: usize,
    pub tally_at: TallyAt,
    pub result_at: ResultAt,
    /// Adopted decisions get a statement too (`Решението се приема.`).
    pub state_adopted: bool,
    pub basis: bool,
    pub reference_style: usize,
    pub session_heading: usize,
    /// A signature under every item, not only the page.
    pub signed_items: bool,
    pub charset: Charset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Paragraphs,
    DivBr,
    Table,
}

/// Where the tally of a decision with `Р Е Ш И` stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyAt {
    /// Its own paragraph before `Р Е Ш И`.
    BeforeOwn,
    /// In the `Р Е Ш И` line, before the marker.
    BeforeInline,
    /// Its own paragraph right after `Р Е Ш И`, before the text.
    AfterMarker,
    /// Its own paragraph after the text.
    AfterOwn,
    /// At the end of the text's last paragraph.
    AfterInline,
}

impl TallyAt {
    fn leads(self) -> bool {
        matches!(
            self,
            TallyAt::BeforeOwn | TallyAt::BeforeInline | TallyAt::AfterMarker
        )
    }
}

/// Where the result is said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultAt {
    Before,
    After,
    /// In the tally's line, after the tally.
    AfterTally,
    /// In the tally's line, before the tally.
    BeforeTally,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    Utf8,
    /// Windows-1251, declared in a `<meta>` or not at all.
    Windows1251 {
        declared: bool,
    },
}

/// `Р Е Ш И` as clerks write it; 3 carries the legal basis, 4 the first
/// paragraph of text, 5 is a numbered decision.
const MARKERS: &[&str] = &["Р Е Ш И:", "РЕШИ:", "Р Е Ш И :", "Р Е Ш И:", "Р Е Ш И:"];
const INLINE_BASIS: usize = 3;
const TEXT_ON_MARKER: usize = 4;
pub const NUMBERED: usize = 5;
pub const MARKER_STYLES: usize = 6;
pub const HEADING_STYLES: usize = 6;

/// The page's HTML.
pub fn page(record: &Record, layout: &Layout) -> String {
    let mut body = String::new();
    for line in session_heading(record, layout) {
        body.push_str(&format!("<p>{}</p>\n", escape(&line)));
    }
    let mut day_marked = false;
    let mut items = Vec::new();
    for item in &record.items {
        if let (true, Some(day), false) = (item.second_day, record.second_day, day_marked) {
            items.push(Piece::Wide(format!("Втори ден – {} г.", dotted(day))));
            day_marked = true;
        }
        items.push(Piece::Item(item_blocks(item, layout)));
        if layout.signed_items {
            items.push(Piece::Wide("ПРЕДСЕДАТЕЛ НА ОБЩИНСКИ СЪВЕТ: (п)".into()));
        }
    }
    body.push_str(&container(&items, layout));
    body.push_str("<p>ПРЕДСЕДАТЕЛ НА ОБЩИНСКИ СЪВЕТ: (п)</p>\n<p>Вярно с оригинала</p>\n");
    let meta = match layout.charset {
        Charset::Utf8 => r#"<meta charset="utf-8">"#,
        Charset::Windows1251 { declared: true } => r#"<meta charset="windows-1251">"#,
        Charset::Windows1251 { declared: false } => "",
    };
    format!(
        "<!DOCTYPE html>\n<html lang=\"bg\"><head>{meta}<title>Решения</title></head><body>\n\
         <nav><a href=\"/\">Решения</a> | <a href=\"/z\">Заседания</a></nav>\n\
         <article class=\"node\"><h1>Взети решения</h1><div class=\"field--name-body\">\n{body}</div></article>\n\
         <footer>Общински съвет – Бургас, ул. „Александровска“ 26</footer></body></html>\n"
    )
}

fn session_heading(record: &Record, layout: &Layout) -> Vec<String> {
    let first = dotted(record.first_day);
    match (layout.session_heading % 2, record.second_day) {
        (0, None) => vec![format!(
            "ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №{} ОТ ДАТА {first} ГОДИНА",
            record.number
        )],
        (0, Some(second)) => vec![format!(
            "ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №{} ОТ ДАТИ {first} И {} ГОДИНА",
            record.number,
            dotted(second)
        )],
        (_, second) => {
            let when = match second {
                None => format!("{first} г."),
                // `23 и 24.04.2024`, unless the days are in two months.
                Some(second)
                    if second.format("%m").to_string()
                        == record.first_day.format("%m").to_string() =>
                {
                    format!("{} и {} г.", record.first_day.format("%d"), dotted(second))
                }
                Some(second) => format!("{first} и {} г.", dotted(second)),
            };
            vec![
                "ПРЕПИС – ИЗВЛЕЧЕНИЕ".into(),
                format!("от Протокол № {}", record.number),
                format!("от проведеното на {when} заседание"),
            ]
        }
    }
}

fn dotted(day: NaiveDate) -> String {
    day.format("%d.%m.%Y").to_string()
}

/// A part of the page's body.
enum Piece {
    /// An item: its heading and preamble first, then the rest.
    Item(ItemBlocks),
    /// A line across the page: a day marker, a signature.
    Wide(String),
}

struct ItemBlocks {
    heading: String,
    preamble: Option<String>,
    rest: Vec<Block>,
}

fn item_blocks(item: &Item, layout: &Layout) -> ItemBlocks {
    let heading = item_heading(item, layout.heading);
    if item.decisions.is_empty() {
        let title = phrases::INFORMATIONAL[item.subject % phrases::INFORMATIONAL.len()];
        return ItemBlocks {
            heading,
            preamble: Some(title.into()),
            rest: Vec::new(),
        };
    }
    let mut rest = Vec::new();
    for decision in &item.decisions {
        rest.extend(decision_blocks(item, decision, layout));
    }
    ItemBlocks {
        heading,
        preamble: Some(preamble(item, layout.reference_style)),
        rest,
    }
}

fn item_heading(item: &Item, style: usize) -> String {
    let p = item.point_text();
    let ordinal = match item.point.as_slice() {
        [n] => phrases::ordinal(*n),
        _ => None,
    };
    match (style % HEADING_STYLES, ordinal) {
        (1, _) => format!("По т. {p} от дневния ред:"),
        (2, _) => format!("По точка {p} от дневния ред"),
        (3, Some(o)) => format!("ПО {} ТОЧКА ОТ ДНЕВНИЯ РЕД:", o.to_uppercase()),
        (4, _) => format!("По т.{p}:"),
        (5, Some(o)) => format!("По {o} точка от дневния ред"),
        _ => format!("По т.{p} от дневния ред"),
    }
}

fn preamble(item: &Item, style: usize) -> String {
    let proposer = phrases::PROPOSERS[item.proposer];
    let subject = phrases::SUBJECTS[item.subject];
    match (item.reference.map(phrases::reference), style % 2) {
        (Some(r), 0) => format!("{r} Докладна записка от {proposer}, относно: {subject}"),
        (Some(r), _) => format!("Вх. № {r} – Докладна записка от {proposer} относно: {subject}"),
        (None, _) => format!("Докладна записка от {proposer}, относно: {subject}"),
    }
}

/// The statement of a decision's result, if the page says it.
fn statement(decision: &Decision, layout: &Layout) -> Option<String> {
    let pick = |list: &[&str], i: usize| list[i % list.len()].to_string();
    match &decision.outcome {
        Fate::Adopted { text, .. } => {
            let said = decision.vote.as_ref().is_some_and(|v| v.states_adoption());
            (layout.state_adopted && !said).then(|| pick(phrases::ADOPTED, text[0]))
        }
        Fate::Alternative { statement, .. } | Fate::Rejected { statement } => {
            Some(pick(phrases::REJECTED, *statement))
        }
        Fate::Withdrawn { statement } => Some(pick(phrases::WITHDRAWN, *statement)),
        Fate::Postponed {
            by_text: false,
            statement,
        } => Some(pick(phrases::POSTPONED, *statement)),
        Fate::Postponed { .. } | Fate::Unstated => None,
    }
}

/// A decision's blocks in the layout's order.
fn decision_blocks(item: &Item, decision: &Decision, layout: &Layout) -> Vec<Block> {
    let said = statement(decision, layout);
    let inline_vote = decision.vote.as_ref().and_then(|v| v.inline());
    // The result in the tally's line, when the tally is a sentence.
    let (said, vote_line) = match (layout.result_at, said, inline_vote) {
        (ResultAt::AfterTally, Some(s), Some(v)) => {
            (None, Some(format!("{}. {s}", v.trim_end_matches('.'))))
        }
        (ResultAt::BeforeTally, Some(s), Some(v)) => (None, Some(format!("{s} {v}"))),
        (_, said, v) => (said, v),
    };
    let vote_blocks = match (&vote_line, &decision.vote) {
        (Some(line), _) => vec![Block::Line(line.clone())],
        (None, Some(vote)) => vote.blocks(),
        (None, None) => Vec::new(),
    };
    let before = matches!(layout.result_at, ResultAt::Before);
    let mut blocks = Vec::new();
    if let Fate::Alternative { group, .. } = &decision.outcome {
        blocks.push(Block::Line(format!(
            "Алтернативно предложение на {} за провеждане на публичен търг.",
            phrases::GROUPS[*group]
        )));
    }
    if let (true, Some(s)) = (before, &said) {
        blocks.push(Block::Line(s.clone()));
    }
    if decision.outcome.resolves() {
        blocks.extend(resolving(item, decision, layout, vote_blocks, vote_line));
    } else {
        blocks.extend(vote_blocks);
    }
    if let (false, Some(s)) = (before, said) {
        blocks.push(Block::Line(s));
    }
    blocks
}

/// Basis, `Р Е Ш И`, text and vote of a decision that resolves something.
fn resolving(
    item: &Item,
    decision: &Decision,
    layout: &Layout,
    mut vote: Vec<Block>,
    vote_line: Option<String>,
) -> Vec<Block> {
    let text: Vec<String> = decision
        .outcome
        .text()
        .map(|t| t.lines().map(str::to_string).collect())
        .unwrap_or_default();
    let later_part = matches!(decision.outcome, Fate::Adopted { part: Some(n), .. } if n > 1);
    let marker = if layout.marker == NUMBERED {
        decision.number.map(|n| format!("РЕШЕНИЕ № {n}:"))
    } else {
        (!later_part).then(|| MARKERS[layout.marker].to_string())
    };
    let basis_text = phrases::LEGAL_BASES[item.subject % phrases::LEGAL_BASES.len()];
    let mut blocks = Vec::new();
    let mut tally_at = layout.tally_at;
    let Some(mut marker) = marker else {
        // A later part: its vote stands where the first part's did.
        let leads = tally_at.leads();
        if leads {
            blocks.append(&mut vote);
        }
        let inline = vote_line.filter(|v| !leads && starts_a_sentence(v));
        blocks.extend(after_text(text, inline, vote, tally_at));
        return blocks;
    };
    if layout.marker == INLINE_BASIS {
        marker = format!("Общински съвет – Бургас, на основание {basis_text}, {marker}");
    } else if layout.basis {
        blocks.push(Block::Line(format!(
            "Общински съвет – Бургас, на основание {basis_text},"
        )));
    }
    if tally_at == TallyAt::BeforeInline {
        match &vote_line {
            Some(v) if layout.marker != NUMBERED => {
                marker = format!(
                    "{}, Общински съвет – Бургас {marker}",
                    v.trim_end_matches('.')
                );
                vote.clear();
            }
            _ => tally_at = TallyAt::BeforeOwn,
        }
    }
    if tally_at == TallyAt::BeforeOwn {
        blocks.splice(0..0, vote.drain(..));
    }
    let mut text = text.into_iter();
    if layout.marker == TEXT_ON_MARKER
        && tally_at != TallyAt::AfterMarker
        && let Some(first) = text.next()
    {
        marker = format!("{marker} {first}");
    }
    blocks.push(Block::Line(marker));
    if tally_at == TallyAt::AfterMarker {
        blocks.append(&mut vote);
    }
    let rest: Vec<String> = text.collect();
    let inline = vote_line.filter(|_| tally_at == TallyAt::AfterInline);
    let inline = inline.filter(|v| starts_a_sentence(v));
    blocks.extend(after_text(rest, inline, vote, tally_at));
    blocks
}

/// A clerk appends a tally to a line of text as a sentence of its own:
/// `… приложенията. Гласували: …`, `… (Гласували: …)`, never lowercase.
fn starts_a_sentence(vote: &str) -> bool {
    !vote.starts_with(char::is_lowercase)
}

/// The text, then the vote where it follows the text.
fn after_text(
    text: Vec<String>,
    inline: Option<String>,
    vote: Vec<Block>,
    tally_at: TallyAt,
) -> Vec<Block> {
    let mut blocks: Vec<Block> = text.into_iter().map(Block::Line).collect();
    match (tally_at, inline, blocks.last_mut()) {
        (TallyAt::AfterInline, Some(v), Some(Block::Line(last))) => {
            last.push(' ');
            last.push_str(&v);
        }
        _ => blocks.extend(vote),
    }
    blocks
}

/// The body's HTML in the page's container.
fn container(pieces: &[Piece], layout: &Layout) -> String {
    let kind = layout.container;
    match kind {
        Container::Table => table_layout(pieces),
        Container::Paragraphs | Container::DivBr => {
            let mut blocks = Vec::new();
            for piece in pieces {
                match piece {
                    Piece::Wide(line) => blocks.push(Block::Line(line.clone())),
                    Piece::Item(item) => {
                        match (&item.preamble, layout.preamble_on_heading) {
                            (Some(p), true) => {
                                blocks.push(Block::Line(format!("{} {p}", item.heading)))
                            }
                            (p, _) => {
                                blocks.push(Block::Line(item.heading.clone()));
                                blocks.extend(p.clone().map(Block::Line));
                            }
                        }
                        blocks.extend(item.rest.iter().cloned());
                    }
                }
            }
            flow(&blocks, kind == Container::DivBr)
        }
    }
}

/// Blocks as `<p>` each, or as `<div>`s of lines broken by `<br>`.
fn flow(blocks: &[Block], div: bool) -> String {
    let mut html = String::new();
    let mut open = false;
    for block in blocks {
        match block {
            Block::Line(line) if div => {
                if !open {
                    html.push_str("<div>");
                    open = true;
                }
                html.push_str(&format!("{}<br />\n", escape(line)));
            }
            Block::Line(line) => html.push_str(&format!("<p>{}</p>\n", escape(line))),
            Block::Table(rows) => {
                if open {
                    html.push_str("</div>\n");
                    open = false;
                }
                html.push_str(&table(rows));
            }
        }
    }
    if open {
        html.push_str("</div>\n");
    }
    html
}

/// Items as rows: the heading beside the preamble, the rest in a cell
/// below.
fn table_layout(pieces: &[Piece]) -> String {
    let mut html = String::from("<table border=\"1\"><tbody>\n");
    for piece in pieces {
        match piece {
            Piece::Wide(line) => html.push_str(&format!(
                "<tr><td colspan=\"2\">{}</td></tr>\n",
                escape(line)
            )),
            Piece::Item(item) => {
                html.push_str(&format!(
                    "<tr><td><strong>{}</strong></td><td>{}</td></tr>\n",
                    escape(&item.heading),
                    escape(item.preamble.as_deref().unwrap_or(""))
                ));
                if !item.rest.is_empty() {
                    html.push_str(&format!(
                        "<tr><td>&nbsp;</td><td>{}</td></tr>\n",
                        flow(&item.rest, false)
                    ));
                }
            }
        }
    }
    html.push_str("</tbody></table>\n");
    html
}

fn table(rows: &[Vec<String>]) -> String {
    let mut html = String::from("<table border=\"1\">");
    for row in rows {
        html.push_str("<tr>");
        for cell in row {
            html.push_str(&format!("<td>{}</td>", escape(cell)));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>\n");
    html
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
