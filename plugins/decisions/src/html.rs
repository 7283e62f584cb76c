//! From a council's HTML page to the lines of text the session parser reads.
//!
//! Council sites are CMS pages edited by hand: the same session comes as
//! `<p>` per paragraph, as one `<div>` broken by `<br>`, or as a table with
//! the item in one cell and the decision in the next, with `&nbsp;`,
//! `<strong>` and `<span>` scattered through. Reducing a page to cleaned
//! lines (one per block element, `<br>` or table cell) makes all of these
//! the same input. Two kinds of table carry meaning in their grid rather
//! than their cells' reading order and are rewritten as text first: a vote
//! table (`За | Против | Въздържали се` over `41 | 2 | 3`) becomes one line
//! `за – 41, против – 2, въздържали се – 3`, and a roll-call table (`№ |
//! Общински съветник | Гласувал`) becomes one `Име – за` line per
//! councillor (`Име (Група) – вот` when the table has a group column).
//!
//! Links in the content are kept beside the lines, each with the line its
//! text is on, so that a session's protocol and an item's report and
//! attachments can be told by where they stand and what they say
//! ([`crate::session`]).
//!
//! The walk uses an explicit stack: pages are untrusted, and recursion over
//! a deeply nested document could overflow the stack.

use scraper::{ElementRef, Html, Node, Selector};
use vitrina_sdk::normalize::text;

use crate::tally;

/// Where session pages keep their content, most specific first (Drupal's
/// body field, then generic containers). Menus and footers outside it
/// carry words like `Решения` and `Заседания` that must not be read.
const CONTENT_CONTAINERS: &[&str] = &[
    "article.node",
    ".node__content",
    ".field--name-body",
    "article",
    "main",
    "#content",
    ".content",
    ".region-content",
];

/// Elements that start and end a line of text.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "div",
    "dl",
    "dt",
    "figcaption",
    "figure",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hr",
    "li",
    "main",
    "ol",
    "p",
    "pre",
    "section",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Elements whose text is never part of the content.
const SKIPPED_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "form", "iframe", "svg", "button", "select",
    "textarea", "object", "head",
];

/// Class fragments of in-content widgets (share buttons, breadcrumbs).
const SKIPPED_CLASSES: &[&str] = &["share", "social", "breadcrumb", "print", "pager"];

/// A page's content: its cleaned, non-empty lines and the links among
/// them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Content {
    pub lines: Vec<String>,
    pub links: Vec<PageLink>,
}

/// A link in the content, in page order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLink {
    /// The index in [`Content::lines`] of the line the link's text starts
    /// on.
    pub line: usize,
    /// The link's text, cleaned; its `title` when it has no text (an icon).
    pub text: String,
    /// The target as written, to be resolved against the page's URL.
    pub href: String,
}

/// The page's content: lines and links.
pub fn content(html: &str) -> Content {
    let doc = Html::parse_document(html);
    let root = CONTENT_CONTAINERS
        .iter()
        .find_map(|css| select(doc.root_element(), css).into_iter().next())
        .unwrap_or_else(|| doc.root_element());
    block_lines(root)
}

/// The cleaned, non-empty lines of the page's content.
pub fn content_lines(html: &str) -> Vec<String> {
    content(html).lines
}

fn block_lines(root: ElementRef<'_>) -> Content {
    let mut links = Vec::new();
    let mut lines = Lines::default();
    // (node, closing): a block element is visited twice, to break the line
    // before its first and after its last child.
    let mut stack = vec![(*root, false)];
    while let Some((node, closing)) = stack.pop() {
        if let Node::Text(t) = node.value() {
            lines.current.push_str(t);
            continue;
        }
        let Some(element) = ElementRef::wrap(node) else {
            continue;
        };
        let name = element.value().name();
        if BLOCK_ELEMENTS.contains(&name) {
            lines.flush();
        }
        if closing || is_skipped(element) {
            continue;
        }
        if name == "table"
            && let Some(rewritten) = table_as_text(element)
        {
            lines.done.extend(rewritten);
            continue;
        }
        if name == "a"
            && let Some(link) = page_link(element, lines.done.len())
        {
            links.push(link);
        }
        stack.push((node, true));
        stack.extend(node.children().rev().map(|child| (child, false)));
    }
    lines.flush();
    Content {
        lines: lines.done,
        links,
    }
}

/// A link with a target and something to call it by. Its text goes on the
/// line being built, which becomes line `line` when it is flushed (a line
/// is only ever added at the end).
fn page_link(a: ElementRef<'_>, line: usize) -> Option<PageLink> {
    let href = a.attr("href")?.trim();
    let text = text::clean(&a.text().collect::<String>());
    let text = match text.is_empty() {
        true => text::clean(a.attr("title").unwrap_or_default()),
        false => text,
    };
    (!href.is_empty() && !text.is_empty()).then(|| PageLink {
        line,
        text,
        href: href.to_string(),
    })
}

fn is_skipped(e: ElementRef<'_>) -> bool {
    let el = e.value();
    SKIPPED_ELEMENTS.contains(&el.name())
        || el.classes().any(|c| {
            let c = c.to_ascii_lowercase();
            SKIPPED_CLASSES.iter().any(|s| c.contains(s))
        })
}

#[derive(Default)]
struct Lines {
    current: String,
    done: Vec<String>,
}

impl Lines {
    fn flush(&mut self) {
        let line = text::clean(&self.current);
        self.current.clear();
        if !line.is_empty() {
            self.done.push(line);
        }
    }
}

/// The rows of a table (its own, not nested tables'), each a list of cell
/// texts.
fn table_rows(table: ElementRef<'_>) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for child in table.children().filter_map(ElementRef::wrap) {
        match child.value().name() {
            "tr" => rows.push(row_cells(child)),
            "thead" | "tbody" | "tfoot" => rows.extend(
                child
                    .children()
                    .filter_map(ElementRef::wrap)
                    .filter(|e| e.value().name() == "tr")
                    .map(row_cells),
            ),
            _ => {}
        }
    }
    rows.retain(|cells| cells.iter().any(|c| !c.is_empty()));
    rows
}

fn row_cells(tr: ElementRef<'_>) -> Vec<String> {
    tr.children()
        .filter_map(ElementRef::wrap)
        .filter(|e| matches!(e.value().name(), "td" | "th"))
        .map(|cell| text::clean(&cell.text().collect::<Vec<_>>().join(" ")))
        .collect()
}

/// A vote table or a roll-call table, rewritten as lines; `None` for any
/// other table, which is read cell by cell.
fn table_as_text(table: ElementRef<'_>) -> Option<Vec<String>> {
    let rows = table_rows(table);
    vote_grid(&rows)
        .map(|line| vec![line])
        .or_else(|| roll_call(&rows))
}

/// An option label as a vote table's header cell spells it.
fn is_option_label(cell: &str) -> bool {
    let key = text::match_key(cell);
    let key = key.trim_matches(|c: char| !c.is_alphabetic() && c != ' ');
    matches!(
        key,
        "за" | "против" | "въздържали се" | "въздържал се" | "въздържали" | "не гласували"
    )
}

fn is_count(cell: &str) -> bool {
    let key = text::match_key(cell);
    key == "няма" || (!key.is_empty() && key.chars().all(|c| c.is_ascii_digit()))
}

/// `За | Против | Въздържали се` over `41 | 2 | 3`, possibly after a
/// leading caption cell in both rows (`Гласуване | …`, `Поименно | …`); or
/// rows of `За | 41`. Returns one tally line, with the caption in front so
/// the vote type survives.
fn vote_grid(rows: &[Vec<String>]) -> Option<String> {
    let (caption, pairs) = grid_across(rows).or_else(|| grid_down(rows))?;
    let body = pairs
        .iter()
        .map(|(label, count)| format!("{label} – {count}"))
        .collect::<Vec<_>>()
        .join(", ");
    Some(match caption {
        Some(caption) => format!("{}: {body}", caption.trim()),
        None => body,
    })
}

type Grid<'a> = (Option<String>, Vec<(&'a String, &'a String)>);

/// Labels in the first row, counts in the second.
fn grid_across(rows: &[Vec<String>]) -> Option<Grid<'_>> {
    let [header, values] = rows else {
        return None;
    };
    if header.len() != values.len() || header.is_empty() {
        return None;
    }
    let skip = usize::from(!is_option_label(&header[0]) && !is_count(&values[0]));
    let (labels, counts) = (&header[skip..], &values[skip..]);
    let is_grid = !labels.is_empty()
        && labels.iter().all(|l| is_option_label(l))
        && counts.iter().all(|c| is_count(c));
    let caption = (skip == 1).then(|| format!("{} {}", header[0], values[0]));
    is_grid.then(|| (caption, labels.iter().zip(counts).collect()))
}

/// One `label | count` row per option.
fn grid_down(rows: &[Vec<String>]) -> Option<Grid<'_>> {
    let is_grid = rows.len() >= 2
        && rows
            .iter()
            .all(|r| r.len() == 2 && is_option_label(&r[0]) && is_count(&r[1]));
    is_grid.then(|| (None, rows.iter().map(|r| (&r[0], &r[1])).collect()))
}

/// A table with a name column and a vote column, whose data rows record
/// individual votes, and perhaps a group column. Returns `Име – вот` lines,
/// `Име (Група) – вот` where a row gives a group.
fn roll_call(rows: &[Vec<String>]) -> Option<Vec<String>> {
    let (header, data) = rows.split_first()?;
    let column = |words: &[&str]| {
        header.iter().position(|cell| {
            let key = text::match_key(cell);
            words.iter().any(|w| key.contains(w))
        })
    };
    let name_at = column(&["съветник", "име", "трите имена"])?;
    let vote_at = column(&["гласувал", "глас", "вот"])?;
    let group_at = header.iter().position(|cell| {
        let key = text::match_key(cell);
        let key = key.trim_matches(|c: char| !c.is_alphabetic());
        key == "пг"
            || ["група", "партия", "коалиция"]
                .iter()
                .any(|w| key.contains(w))
    });
    let lines: Vec<String> = data
        .iter()
        .filter_map(|row| {
            let name = row.get(name_at)?;
            let group = group_at
                .and_then(|at| row.get(at))
                .filter(|g| g.chars().any(char::is_alphanumeric));
            let line = match group {
                Some(group) => format!("{name} ({group}) – {}", row.get(vote_at)?),
                None => format!("{name} – {}", row.get(vote_at)?),
            };
            tally::read_individual_vote(&line).map(|_| line)
        })
        .collect();
    (!lines.is_empty() && lines.len() == data.len()).then_some(lines)
}

/// All elements under `root` matching a constant CSS selector; a selector
/// that does not parse (a bug) matches nothing rather than panicking.
pub fn select<'a>(root: ElementRef<'a>, css: &str) -> Vec<ElementRef<'a>> {
    Selector::parse(css)
        .map(|s| root.select(&s).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_breaks_and_nbsp_become_clean_lines() {
        let page = r#"<html><body><nav>Решения | Заседания</nav>
            <article class="node"><h1>ВЗЕТИ&nbsp;РЕШЕНИЯ</h1>
            <div>По т.2 от дневния ред<br>ОбС&nbsp;08-00-1 <strong>относно:</strong> Х<br/><br/>Р Е Ш И:</div>
            <p>  Приема&nbsp;&nbsp;отчета. </p></article>
            <footer>Общински съвет – Бургас</footer></body></html>"#;
        assert_eq!(
            content_lines(page),
            vec![
                "ВЗЕТИ РЕШЕНИЯ",
                "По т.2 от дневния ред",
                "ОбС 08-00-1 относно: Х",
                "Р Е Ш И:",
                "Приема отчета.",
            ]
        );
    }

    #[test]
    fn layout_tables_are_read_cell_by_cell() {
        let page = r#"<main><table><tr><td>По т.5 от дневния ред</td><td><p>относно: Х</p><p>Р Е Ш И:</p></td></tr></table></main>"#;
        assert_eq!(
            content_lines(page),
            vec!["По т.5 от дневния ред", "относно: Х", "Р Е Ш И:"]
        );
    }

    #[test]
    fn vote_tables_become_one_tally_line() {
        let page = r#"<main><p>Поименно гласуване:</p><table>
            <tr><th>„За“</th><th>„Против“</th><th>„Въздържали се“</th></tr>
            <tr><td>38</td><td>9</td><td>няма</td></tr></table></main>"#;
        assert_eq!(
            content_lines(page),
            vec![
                "Поименно гласуване:",
                "„За“ – 38, „Против“ – 9, „Въздържали се“ – няма"
            ]
        );
        let page = r#"<main><table><tbody><tr><td>Гласуване</td><td>За</td><td>Против</td></tr>
            <tr><td>Тайно</td><td>30</td><td>12</td></tr></tbody></table></main>"#;
        assert_eq!(
            content_lines(page),
            vec!["Гласуване Тайно: За – 30, Против – 12"]
        );
        let page = r#"<main><table><tr><td>За</td><td>41</td></tr><tr><td>Против</td><td>0</td></tr></table></main>"#;
        assert_eq!(content_lines(page), vec!["За – 41, Против – 0"]);
    }

    #[test]
    fn roll_call_tables_become_one_line_per_councillor() {
        let page = r#"<main><table>
            <tr><th>№</th><th>Общински съветник</th><th>Гласувал</th></tr>
            <tr><td>1</td><td>Иван Петров Иванов</td><td>за</td></tr>
            <tr><td>2</td><td>Мария Колева</td><td>против</td></tr></table></main>"#;
        assert_eq!(
            content_lines(page),
            vec!["Иван Петров Иванов – за", "Мария Колева – против"]
        );
    }

    #[test]
    fn a_group_column_goes_in_brackets_after_the_name() {
        let page = r#"<main><table>
            <tr><th>№</th><th>Общински съветник</th><th>ПГ</th><th>Гласувал</th></tr>
            <tr><td>1</td><td>Иван Петров Иванов</td><td>„Възход“</td><td>за</td></tr>
            <tr><td>2</td><td>Мария Колева</td><td></td><td>против</td></tr></table></main>"#;
        assert_eq!(
            content_lines(page),
            vec![
                "Иван Петров Иванов („Възход“) – за",
                "Мария Колева – против"
            ]
        );
    }

    #[test]
    fn links_are_kept_with_the_line_they_are_on() {
        let page = r#"<main><p>от <a href="/files/protokol-9.pdf">Протокол № 9</a></p>
            <p>По т.2 от дневния ред</p>
            <p>ОбС 08-00-1 <a href="dz.pdf"> Докладна&nbsp;записка </a> от Кмета</p>
            <p><a href="p1.pdf" title="Приложение № 1"><img src="pdf.png"></a>
            <a href="">празна</a> <a href="x.pdf"></a> <a>без адрес</a></p></main>"#;
        let content = content(page);
        assert_eq!(
            content.lines,
            vec![
                "от Протокол № 9",
                "По т.2 от дневния ред",
                "ОбС 08-00-1 Докладна записка от Кмета",
                "празна без адрес",
            ]
        );
        let links: Vec<(usize, &str, &str)> = content
            .links
            .iter()
            .map(|l| (l.line, l.text.as_str(), l.href.as_str()))
            .collect();
        assert_eq!(
            links,
            [
                (0, "Протокол № 9", "/files/protokol-9.pdf"),
                (2, "Докладна записка", "dz.pdf"),
                (3, "Приложение № 1", "p1.pdf"),
            ]
        );
    }

    #[test]
    fn deep_nesting_does_not_overflow_the_stack() {
        let page = format!(
            "<main>{}Р Е Ш И:{}</main>",
            "<div><span>".repeat(20_000),
            "</span></div>".repeat(20_000)
        );
        assert_eq!(content_lines(&page), vec!["Р Е Ш И:"]);
    }
}
