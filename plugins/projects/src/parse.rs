//! Parsing of a municipality's EU-project pages: the paginated listing that
//! links to the projects, and each project page, into [`Project`] values.
//!
//! Pure functions over already-decoded HTML, no I/O. The project pages are
//! free-form CMS articles whose only structure is a set of labels
//! (`Обща цел:`, `Специфични цели:`, `Бюджет на проекта:` …), so a page is
//! reduced to lines of text (one per block element or `<br>`) and a small
//! label-driven state machine assigns lines to fields. Labels are matched by
//! [`text::match_key`], so case, NBSP, `<strong>` wrappers and stray spaces
//! before the colon do not matter.
//!
//! Field rules (also on [`Project`]'s fields):
//! - List items lose their marker (`▶`, `✓`, `•`, `-` …) and one trailing
//!   `;`, `.`, `,` or `:`. Activities also lose their `Дейност N:` /
//!   `Дейност N.` prefix.
//! - In any list, a dash-marked line (`-Обучение…`) that follows an item with
//!   another marker (or none) is a sub-line of that item: the item becomes
//!   `"<item>: <sub 1>; <sub 2>"`. If every item is dash-marked, each is its
//!   own item.
//! - Partners are split on `;`, and on `,` only where the next part starts
//!   a new organisation (`Община`, `Областна`, `Municipality`): so
//!   `Община Гент, Белгия` is one partner and `Община Варна, Община Несебър`
//!   two. `няма` / `-` mean none.
//! - The budget currency comes from the budget text (`лв.`, `€`, `евро`); if
//!   it names none, it is the currency in force in the start month
//!   ([`money::currency_on`]); with neither, currency and `budget_eur` are
//!   `None`. Budgets follow normalize's money rule: exactly two decimals,
//!   digits below the cent rounded half-up with a warning naming the page.
//! - The duration is the page's `N месеца`; if the page states none, it is
//!   `start.months_until(end)`, the site's own convention (the seed page
//!   calls 05.2012–11.2013 `18 месеца`).
//! - Scalar fields take the text after the label, or the next line if the
//!   label stands alone; the first occurrence wins.
//! - `published` is the first date line between the title and the first
//!   label.

use std::collections::HashSet;
use std::fmt;

use scraper::{ElementRef, Html, Node, Selector};
use url::Url;
use vitrina_sdk::normalize::date::{self, YearMonth};
use vitrina_sdk::normalize::money::{self, Currency};
use vitrina_sdk::normalize::{Decimal, NaiveDate, text};

/// One listing page: the project pages it links to and the next listing page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    /// Absolute, deduplicated, in page order.
    pub projects: Vec<Url>,
    /// The page linked as the next one (`rel="next"` or `Следваща страница`).
    pub next_page: Option<Url>,
}

/// Whether a project has finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `приключил`, `завършен`.
    Completed,
    /// `в изпълнение`, `изпълнява се`, `текущ`.
    Ongoing,
}

impl Status {
    /// The value stored in the dataset: `completed` or `ongoing`.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Completed => "completed",
            Status::Ongoing => "ongoing",
        }
    }
}

/// One project as its page describes it. Missing labels give `None` or an
/// empty list; see the module documentation for the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    /// The page URL's last path segment without extension.
    pub id: String,
    /// The page heading, cleaned, in the page's own case.
    pub title: String,
    /// The date line under the title (`Понеделник, 5 Декември 2016`).
    pub published: Option<NaiveDate>,
    /// `Обща цел:`.
    pub general_goal: Option<String>,
    /// `Специфични цели:` items.
    pub specific_goals: Vec<String>,
    /// `Основни дейности:` items without their `Дейност N:` prefix.
    pub activities: Vec<String>,
    /// `Постигнати резултати:` items, sub-lines folded in.
    pub results: Vec<String>,
    /// `Статус:`.
    pub status: Option<Status>,
    /// `Бюджет на проекта:`, in its own currency, with two decimals.
    pub budget: Option<Decimal>,
    /// The budget's currency.
    pub currency: Option<Currency>,
    /// The budget in euro at the fixed BGN rate.
    pub budget_eur: Option<Decimal>,
    /// `Финансиране:`, cleaned, quotes as on the page.
    pub funding_programme: Option<String>,
    /// `ДФФП №:` (grant contract number).
    pub contract_number: Option<String>,
    /// `Партньори:`.
    pub partners: Vec<String>,
    /// First month named in `Продължителност:`.
    pub start_month: Option<YearMonth>,
    /// Last month named in `Продължителност:`.
    pub end_month: Option<YearMonth>,
    /// Stated `N месеца`, else computed from start and end.
    pub duration_months: Option<i64>,
    /// The page URL.
    pub source_url: String,
    /// For a person to look at although the page was read: a budget with
    /// digits below the cent, rounded to publish it.
    pub warnings: Vec<String>,
}

/// Why a page could not be parsed: its layout is not the expected one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseError {
    /// A listing page without any known project-list container.
    NoListing { url: String },
    /// A project page without any known content container.
    NoContent { url: String },
    /// A project page whose content has no non-empty heading.
    NoTitle { url: String },
    /// A project URL without a path segment to take the id from.
    NoId { url: String },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::NoListing { url } => write!(
                f,
                "{url}: no project list found (looked for {}); has the listing layout changed?",
                LISTING_CONTAINERS.join(", ")
            ),
            ParseError::NoContent { url } => write!(
                f,
                "{url}: no project content found (looked for {}); has the page layout changed?",
                CONTENT_CONTAINERS.join(", ")
            ),
            ParseError::NoTitle { url } => write!(
                f,
                "{url}: the project content has no title heading (h1/h2); has the page layout changed?"
            ),
            ParseError::NoId { url } => {
                write!(
                    f,
                    "{url}: the URL has no path segment to take a project id from"
                )
            }
        }
    }
}

impl std::error::Error for ParseError {}

/// Where listing pages keep their project links, most specific first.
const LISTING_CONTAINERS: &[&str] = &[
    ".project-list",
    ".projects-list",
    ".projects",
    ".item-list",
    ".blog",
];

/// Where project pages keep the article, most specific first: the page also
/// carries a sidebar and footer with label-like lines (`Тел.:`, `Статус:`).
const CONTENT_CONTAINERS: &[&str] = &[
    "article.project",
    ".item-page",
    ".content article",
    "article",
    "div.content",
    "#content",
    "main",
];

/// Link targets that are documents or media, never project pages.
const NON_PAGE_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "odt", "ods", "rtf", "zip", "rar", "7z",
    "jpg", "jpeg", "png", "gif", "webp", "svg", "mp4",
];

/// Project links (absolute, resolved against `base`, deduplicated, in page
/// order) and the next listing page.
///
/// Links come from the first listing container. When some of them sit in
/// headings (`<h2><a>`), only heading links count: thumbnails, `Прочети
/// повече` and links in summaries are then noise. Links to other hosts, to
/// documents, to the listing itself and to pagination are dropped;
/// fragments are removed before deduplication.
pub fn parse_listing(html: &str, base: &Url) -> Result<Listing, ParseError> {
    let doc = Html::parse_document(html);
    let container = first_match(&doc, LISTING_CONTAINERS).ok_or_else(|| ParseError::NoListing {
        url: base.to_string(),
    })?;
    let next_page = next_page_link(&doc, base);
    let links: Vec<(Url, bool)> = select_all(container, "a[href]")
        .filter(|a| !is_pagination_link(*a))
        .filter_map(|a| {
            let url = project_link(a, base, next_page.as_ref())?;
            Some((url, is_in_heading(a)))
        })
        .collect();
    let any_in_heading = links.iter().any(|(_, in_heading)| *in_heading);
    let mut seen = HashSet::new();
    let projects = links
        .into_iter()
        .filter(|(_, in_heading)| *in_heading || !any_in_heading)
        .map(|(url, _)| url)
        .filter(|url| seen.insert(url.as_str().to_owned()))
        .collect();
    Ok(Listing {
        projects,
        next_page,
    })
}

/// The link's target if it can be a project page of this site.
fn project_link(a: ElementRef<'_>, base: &Url, next_page: Option<&Url>) -> Option<Url> {
    let mut url = base.join(a.attr("href")?.trim()).ok()?;
    url.set_fragment(None);
    let is_listing = without_fragment(base) == url || next_page == Some(&url);
    (is_same_site(&url, base) && !is_listing && !is_document(&url)).then_some(url)
}

/// Same host, and the same scheme or both web schemes: sites mix `http` and
/// `https` links, and the fixtures are read from `file:///` URLs, while
/// `mailto:` and `javascript:` links are never pages.
fn is_same_site(url: &Url, base: &Url) -> bool {
    let is_web = |u: &Url| matches!(u.scheme(), "http" | "https");
    let same_scheme = url.scheme() == base.scheme() || (is_web(url) && is_web(base));
    let is_page_scheme = is_web(url) || url.scheme() == "file";
    same_scheme && is_page_scheme && url.host() == base.host()
}

fn without_fragment(url: &Url) -> Url {
    let mut url = url.clone();
    url.set_fragment(None);
    url
}

fn is_document(url: &Url) -> bool {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    last.rsplit_once('.')
        .is_some_and(|(_, ext)| NON_PAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

fn is_in_heading(a: ElementRef<'_>) -> bool {
    a.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|e| matches!(e.value().name(), "h1" | "h2" | "h3" | "h4" | "h5" | "h6"))
}

/// `rel="next"`/`rel="prev"` links point at listing pages, not projects.
fn is_pagination_link(a: ElementRef<'_>) -> bool {
    ["next", "prev", "previous"]
        .iter()
        .any(|rel| has_rel(a, rel))
}

/// The next listing page: a `rel="next"` link (or `<link>`), else a link
/// whose text says `Следваща` / `Напред`. Never the page itself, never
/// another site.
fn next_page_link(doc: &Html, base: &Url) -> Option<Url> {
    let by_rel = select_all(doc.root_element(), "a[href][rel], link[href][rel]")
        .filter(|e| has_rel(*e, "next"))
        .filter_map(|e| resolve_page(e, base));
    let by_text = select_all(doc.root_element(), "a[href]")
        .filter(|a| says_next(*a))
        .filter_map(|a| resolve_page(a, base));
    by_rel.chain(by_text).next()
}

fn has_rel(e: ElementRef<'_>, wanted: &str) -> bool {
    e.attr("rel").is_some_and(|rel| {
        rel.split_ascii_whitespace()
            .any(|r| r.eq_ignore_ascii_case(wanted))
    })
}

fn says_next(a: ElementRef<'_>) -> bool {
    let key = text::match_key(&a.text().collect::<String>());
    ["следваща", "напред", "next"]
        .iter()
        .any(|word| key.starts_with(word))
}

fn resolve_page(e: ElementRef<'_>, base: &Url) -> Option<Url> {
    let mut url = base.join(e.attr("href")?.trim()).ok()?;
    url.set_fragment(None);
    (is_same_site(&url, base) && url != without_fragment(base)).then_some(url)
}

/// Parses one project page. A page without a content container or a title
/// is an error (the layout changed); every other field is optional.
pub fn parse_project(html: &str, url: &Url) -> Result<Project, ParseError> {
    let source_url = url.to_string();
    let id = slug(url).ok_or_else(|| ParseError::NoId {
        url: source_url.clone(),
    })?;
    let doc = Html::parse_document(html);
    let content = first_match(&doc, CONTENT_CONTAINERS).ok_or_else(|| ParseError::NoContent {
        url: source_url.clone(),
    })?;
    let heading = select_all(content, "h1, h2").find(|h| !element_text(*h).is_empty());
    let heading = heading.ok_or_else(|| ParseError::NoTitle {
        url: source_url.clone(),
    })?;
    let mut draft = Draft::default();
    for line in block_lines(content, heading) {
        draft.feed(&line);
    }
    Ok(draft.finish(id, element_text(heading), source_url))
}

/// The last non-empty path segment without its extension.
fn slug(url: &Url) -> Option<String> {
    let last = url.path_segments()?.rev().find(|s| !s.is_empty())?;
    let stem = match last.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric()) => {
            stem
        }
        _ => last,
    };
    Some(stem.to_owned())
}

fn element_text(e: ElementRef<'_>) -> String {
    text::clean(&e.text().collect::<String>())
}

/// All elements under `root` matching a constant CSS selector. The selectors
/// are literals, so a parse failure is a bug; it yields no matches rather
/// than a panic.
fn select_all<'a>(root: ElementRef<'a>, css: &str) -> impl Iterator<Item = ElementRef<'a>> + 'a {
    let selector = Selector::parse(css).ok();
    let matches: Vec<ElementRef<'a>> = selector
        .map(|s| root.select(&s).collect())
        .unwrap_or_default();
    matches.into_iter()
}

fn first_match<'a>(doc: &'a Html, candidates: &[&str]) -> Option<ElementRef<'a>> {
    candidates
        .iter()
        .find_map(|css| select_all(doc.root_element(), css).next())
}

/// Elements that start and end a line of text.
const BLOCK_ELEMENTS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "br",
    "caption",
    "dd",
    "details",
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
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Elements whose text is never part of the article.
const SKIPPED_ELEMENTS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "form", "iframe", "svg", "button", "select",
    "textarea", "object",
];

/// Class fragments of in-article widgets (share buttons, breadcrumbs, tags).
const SKIPPED_CLASSES: &[&str] = &["share", "social", "breadcrumb", "tags", "print"];

/// The cleaned, non-empty text lines of `root`, one per block element or
/// `<br>`, leaving out `title` and non-content widgets.
///
/// Walks with an explicit stack: pages are untrusted, and recursion over a
/// deeply nested document could overflow the stack.
fn block_lines(root: ElementRef<'_>, title: ElementRef<'_>) -> Vec<String> {
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
        let is_block = BLOCK_ELEMENTS.contains(&name);
        if is_block {
            lines.flush();
        }
        if closing || node.id() == title.id() || is_skipped(element) {
            continue;
        }
        stack.push((node, true));
        stack.extend(node.children().rev().map(|child| (child, false)));
    }
    lines.flush();
    lines.done
}

fn is_skipped(e: ElementRef<'_>) -> bool {
    let el = e.value();
    SKIPPED_ELEMENTS.contains(&el.name())
        || el.classes().any(|c| {
            SKIPPED_CLASSES
                .iter()
                .any(|s| c.to_ascii_lowercase().contains(s))
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

/// The fields a label introduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    GeneralGoal,
    SpecificGoals,
    Activities,
    Results,
    Status,
    Budget,
    Partners,
    Contract,
    Duration,
    Funding,
    /// A known label whose section is not stored (`Очаквани резултати:`);
    /// knowing it keeps its items out of the preceding list.
    Ignored,
}

impl Field {
    /// Whether a label standing alone introduces several lines rather than
    /// one value on the next line.
    fn is_list(self) -> bool {
        matches!(
            self,
            Field::SpecificGoals
                | Field::Activities
                | Field::Results
                | Field::Partners
                | Field::Ignored
        )
    }
}

/// Label texts as pages print them (without the colon).
const LABELS: &[(&str, Field)] = &[
    ("Обща цел", Field::GeneralGoal),
    ("Цел на проекта", Field::GeneralGoal),
    ("Основна цел", Field::GeneralGoal),
    ("Специфични цели", Field::SpecificGoals),
    ("Конкретни цели", Field::SpecificGoals),
    ("Основни дейности", Field::Activities),
    ("Дейности", Field::Activities),
    ("Дейности по проекта", Field::Activities),
    ("Постигнати резултати", Field::Results),
    ("Резултати", Field::Results),
    ("Статус", Field::Status),
    ("Статус на проекта", Field::Status),
    ("Бюджет на проекта", Field::Budget),
    ("Бюджет", Field::Budget),
    ("Обща стойност", Field::Budget),
    ("Обща стойност на проекта", Field::Budget),
    ("Стойност на проекта", Field::Budget),
    ("Партньори", Field::Partners),
    ("Партньор", Field::Partners),
    ("Партньори по проекта", Field::Partners),
    ("ДФФП №", Field::Contract),
    ("ДФФП", Field::Contract),
    ("Договор №", Field::Contract),
    ("Номер на договор", Field::Contract),
    ("Продължителност", Field::Duration),
    ("Продължителност на проекта", Field::Duration),
    ("Срок на изпълнение", Field::Duration),
    ("Период на изпълнение", Field::Duration),
    ("Финансиране", Field::Funding),
    ("Финансираща програма", Field::Funding),
    ("Източник на финансиране", Field::Funding),
    ("Очаквани резултати", Field::Ignored),
    ("Целеви групи", Field::Ignored),
    ("Целева група", Field::Ignored),
    ("Място на изпълнение", Field::Ignored),
    ("Бенефициент", Field::Ignored),
];

/// The label a line starts with and the text after it. List items (lines
/// with a marker) are never labels, even when they contain a colon.
fn split_label(line: &str) -> Option<(Field, &str)> {
    if text::strip_list_marker(line) != line {
        return None;
    }
    let (head, value) = line.split_once(':').unwrap_or((line, ""));
    let key = text::match_key(head);
    LABELS
        .iter()
        .find(|(label, _)| text::match_key(label) == key)
        .map(|(_, field)| (*field, value.trim()))
}

/// Longest preamble line searched for a date inside other words.
const DATE_LINE_MAX_CHARS: usize = 80;

/// Where the state machine is between lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first label: the date line lives here.
    Preamble,
    /// A scalar label stood alone; the next line is its value.
    Pending(Field),
    /// Inside a list section: every line is an item.
    In(Field),
    /// After a label with its value: lines are ignored until the next label.
    Between,
}

/// A list item and the dash-marked sub-lines that follow it.
#[derive(Debug, Default)]
struct Item {
    text: String,
    subs: Vec<String>,
    dash_marked: bool,
}

impl Item {
    fn finish(self) -> String {
        let head = self.text.trim_end_matches(':').trim_end();
        if self.subs.is_empty() {
            head.to_owned()
        } else {
            format!("{head}: {}", self.subs.join("; "))
        }
    }
}

/// The raw field texts gathered from the lines, interpreted in [`finish`].
///
/// [`finish`]: Draft::finish
#[derive(Debug)]
struct Draft {
    state: State,
    published: Option<NaiveDate>,
    general_goal: Option<String>,
    specific_goals: Vec<Item>,
    activities: Vec<Item>,
    results: Vec<Item>,
    partners: Vec<String>,
    status: Option<String>,
    budget: Option<String>,
    contract: Option<String>,
    duration: Option<String>,
    funding: Option<String>,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            state: State::Preamble,
            published: None,
            general_goal: None,
            specific_goals: Vec::new(),
            activities: Vec::new(),
            results: Vec::new(),
            partners: Vec::new(),
            status: None,
            budget: None,
            contract: None,
            duration: None,
            funding: None,
        }
    }
}

impl Draft {
    fn feed(&mut self, line: &str) {
        if let Some((field, value)) = split_label(line) {
            self.state = match (value.is_empty(), field.is_list()) {
                (true, true) => State::In(field),
                (true, false) => State::Pending(field),
                (false, _) => {
                    self.take(field, value);
                    State::Between
                }
            };
            return;
        }
        match self.state {
            State::Preamble => self.try_date(line),
            State::Pending(field) => {
                self.take(field, line);
                self.state = State::Between;
            }
            State::In(field) => self.take(field, line),
            State::Between => {}
        }
    }

    /// The date line, alone or with a short prefix (`Публикувано на …`).
    /// Long lines are prose: a date inside an introduction is not the
    /// publication date.
    fn try_date(&mut self, line: &str) {
        if self.published.is_some() {
            return;
        }
        self.published = date::parse_date(line).ok().or_else(|| {
            let short = line.chars().count() <= DATE_LINE_MAX_CHARS;
            short
                .then(|| date::find_dates(line).into_iter().next())
                .flatten()
        });
    }

    /// Stores one value (scalar) or one item (list) of `field`.
    fn take(&mut self, field: Field, value: &str) {
        let slot = match field {
            Field::SpecificGoals => return push_item(&mut self.specific_goals, value, false),
            Field::Activities => return push_item(&mut self.activities, value, true),
            Field::Results => return push_item(&mut self.results, value, false),
            Field::Partners => return self.partners.extend(split_partners(value)),
            Field::Ignored => return,
            Field::GeneralGoal => &mut self.general_goal,
            Field::Status => &mut self.status,
            Field::Budget => &mut self.budget,
            Field::Contract => &mut self.contract,
            Field::Duration => &mut self.duration,
            Field::Funding => &mut self.funding,
        };
        if slot.is_none() {
            *slot = Some(value.to_owned());
        }
    }

    fn finish(self, id: String, title: String, source_url: String) -> Project {
        let period = self
            .duration
            .as_deref()
            .map(Period::parse)
            .unwrap_or_default();
        let money = self.budget.as_deref().and_then(parse_budget);
        let budget = money.as_ref().map(|m| m.amount);
        let currency = money.as_ref().and_then(|m| {
            m.currency
                .or_else(|| period.start.map(|s| money::currency_on(s.first_day())))
        });
        let budget_eur = budget.zip(currency).map(|(a, c)| money::to_eur(a, c));
        let warnings = money
            .iter()
            .filter(|m| m.rounded)
            .map(|m| {
                format!(
                    "{source_url}: the budget „{}“ has digits below the cent; published as {}, \
                     rounded half-up",
                    text::clean(self.budget.as_deref().unwrap_or_default()),
                    m.amount
                )
            })
            .collect();
        Project {
            id,
            title,
            published: self.published,
            general_goal: self
                .general_goal
                .as_deref()
                .map(tidy_item)
                .filter(|s| !s.is_empty()),
            specific_goals: finish_items(self.specific_goals),
            activities: finish_items(self.activities),
            results: finish_items(self.results),
            status: self.status.as_deref().and_then(parse_status),
            budget,
            currency,
            budget_eur,
            funding_programme: self.funding.as_deref().and_then(non_empty_value),
            contract_number: self.contract.as_deref().and_then(parse_contract),
            partners: self.partners,
            start_month: period.start,
            end_month: period.end,
            duration_months: period.months,
            source_url,
            warnings,
        }
    }
}

fn finish_items(items: Vec<Item>) -> Vec<String> {
    items.into_iter().map(Item::finish).collect()
}

/// Adds a list line: a new item, or a sub-line of the previous item when
/// the line is dash-marked and the previous item is not.
fn push_item(items: &mut Vec<Item>, line: &str, is_activity: bool) {
    let dash_marked = line.starts_with(['-', '–', '—']);
    let mut item = tidy_item(&text::strip_list_marker(line));
    if is_activity {
        item = strip_activity_prefix(&item).to_owned();
    }
    if item.is_empty() {
        return;
    }
    match items.last_mut() {
        Some(last) if dash_marked && !last.dash_marked => last.subs.push(item),
        _ => items.push(Item {
            text: item,
            subs: Vec::new(),
            dash_marked,
        }),
    }
}

/// Cleans an item and drops one trailing `;`, `.` or `,`: the page's list
/// punctuation, not part of the value.
fn tidy_item(s: &str) -> String {
    let cleaned = text::clean(s);
    let trimmed = cleaned
        .strip_suffix([';', '.', ','])
        .unwrap_or(&cleaned)
        .trim_end();
    trimmed.to_owned()
}

/// `Дейност 3: Мониторинг` / `Дейност 1. Управление` / `Дейност 5 : …` →
/// the text after the number and its separator. Other text is kept.
fn strip_activity_prefix(s: &str) -> &str {
    const WORD: &str = "дейност";
    let Some((word_end, _)) = s.char_indices().nth(WORD.chars().count()) else {
        return s;
    };
    if s[..word_end].to_lowercase() != WORD {
        return s;
    }
    let rest = &s[word_end..];
    let after_space = rest.trim_start();
    if after_space.len() == rest.len() {
        // `Дейността …` is a word, not a numbered activity.
        return s;
    }
    let after_number = after_space.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    if after_number.len() == after_space.len()
        || !after_space.starts_with(|c: char| c.is_ascii_digit())
    {
        return s;
    }
    let after_separator = after_number
        .trim_start()
        .trim_start_matches([':', '.', '-', '–', '—', ')']);
    after_separator.trim_start()
}

/// Splits a partners value; see the module documentation for the rule.
fn split_partners(value: &str) -> Vec<String> {
    let value = text::strip_list_marker(value);
    if is_none_word(&value) {
        return Vec::new();
    }
    value
        .split(';')
        .flat_map(split_organisations)
        .map(|p| tidy_item(&p))
        .filter(|p| !p.is_empty() && !is_none_word(p))
        .collect()
}

/// Words that open an organisation's name: a comma before one of them
/// separates two partners; any other comma is part of a name (`Община
/// Гент, Белгия`).
const ORGANISATION_STARTS: &[&str] = &["община", "областна", "municipality"];

fn split_organisations(part: &str) -> Vec<String> {
    let mut partners: Vec<String> = Vec::new();
    for piece in part.split(',') {
        let key = text::match_key(piece);
        let starts_new = ORGANISATION_STARTS.iter().any(|w| key.starts_with(w));
        match partners.last_mut() {
            Some(last) if !starts_new => {
                last.push(',');
                last.push_str(piece);
            }
            _ => partners.push(piece.to_owned()),
        }
    }
    partners
}

fn is_none_word(s: &str) -> bool {
    let key = text::match_key(s);
    let key = key.trim_end_matches('.');
    matches!(
        key,
        "" | "-" | "няма" | "не" | "н/п" | "n/a" | "няма партньори"
    )
}

fn non_empty_value(s: &str) -> Option<String> {
    let cleaned = text::clean(s);
    (!is_none_word(&cleaned)).then_some(cleaned)
}

/// `№ 10-16-19/02.05.2012` → `10-16-19/02.05.2012`.
fn parse_contract(s: &str) -> Option<String> {
    let cleaned = text::clean(s);
    let number = cleaned.trim_start_matches('№').trim_start();
    non_empty_value(number)
}

fn parse_status(s: &str) -> Option<Status> {
    let key = text::match_key(s);
    let has = |words: &[&str]| words.iter().any(|w| key.contains(w));
    if has(&["в изпълнение", "изпълнява се", "текущ", "тече"]) {
        Some(Status::Ongoing)
    } else if has(&["приключ", "завърш"]) {
        Some(Status::Completed)
    } else {
        None
    }
}

/// A budget as published: two decimals, the currency its text names.
struct Budget {
    amount: Decimal,
    currency: Option<Currency>,
    /// Digits below the cent were rounded away.
    rounded: bool,
}

/// The amount by normalize's money rule, and the currency the text names,
/// if any. Units in the text (`1,5 млн. лв.`) are already multiplied out.
fn parse_budget(s: &str) -> Option<Budget> {
    let parsed = money::parse_money(s).ok().flatten()?;
    let cents = money::to_cents(parsed.amount, Decimal::ONE).ok()?;
    Some(Budget {
        amount: cents.amount,
        currency: parsed.currency,
        rounded: cents.rounded,
    })
}

/// What `Продължителност:` says.
#[derive(Debug, Default)]
struct Period {
    start: Option<YearMonth>,
    end: Option<YearMonth>,
    months: Option<i64>,
}

impl Period {
    fn parse(s: &str) -> Period {
        let mut months = date::find_months(s);
        if months.is_empty() {
            months = date::find_dates(s)
                .into_iter()
                .filter_map(month_of)
                .collect();
        }
        let start = months.first().copied();
        let end = months.get(1..).and_then(|later| later.last()).copied();
        let computed = start
            .zip(end)
            .map(|(s, e)| i64::from(s.months_until(e)))
            .filter(|m| *m > 0);
        Period {
            start,
            end,
            months: stated_months(s).or(computed),
        }
    }
}

/// The month of a full date (`01.03.2019 г.`), through its ISO form: the
/// plugin does not depend on chrono's traits directly.
fn month_of(d: NaiveDate) -> Option<YearMonth> {
    date::parse_month(&d.format("%Y-%m").to_string()).ok()
}

/// The `N` of `N месеца` / `N месец` / `N мес.`.
fn stated_months(s: &str) -> Option<i64> {
    let lower = s.to_lowercase();
    let mut rest = lower.as_str();
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let digits_and_after = &rest[start..];
        let after = digits_and_after.trim_start_matches(|c: char| c.is_ascii_digit());
        let digits = &digits_and_after[..digits_and_after.len() - after.len()];
        if after.trim_start().starts_with("мес") {
            return digits.parse().ok();
        }
        rest = after;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use pretty_assertions::assert_eq;
    use serde_json::{Value, json};
    use std::path::PathBuf;
    use vitrina_sdk::normalize::encoding;

    /// The fixtures folder as the dataset's demo config reads it
    /// (`index_url = "file:///index.html"`): `expected.json`'s `source_url`s
    /// are under it.
    const BASE: &str = "file:///";

    fn fixtures() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets/burgas-projects/fixtures")
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    /// The fixture at `url`: fixtures mirror the site's paths below `BASE`.
    /// Pages that are not UTF-8 are the Windows-1251 ones.
    fn fetch(url: &Url) -> String {
        let relative = url
            .as_str()
            .strip_prefix(BASE)
            .expect("fixture URL under BASE");
        let bytes = std::fs::read(fixtures().join(relative)).expect("fixture file");
        match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(e) => encoding::decode_with_label(e.as_bytes(), Some("windows-1251"))
                .text
                .into_owned(),
        }
    }

    /// Every project URL, following pagination from `index.html`.
    fn crawl() -> Vec<Url> {
        let mut page = Some(url(&format!("{BASE}index.html")));
        let mut projects = Vec::new();
        let mut pages = 0;
        while let Some(current) = page {
            pages += 1;
            assert!(pages < 10, "pagination loops");
            let listing = parse_listing(&fetch(&current), &current).expect("listing parses");
            projects.extend(listing.projects);
            page = listing.next_page;
        }
        projects
    }

    /// The dataset row for a project, as `expected.json` spells it.
    fn row(p: &Project) -> Value {
        let text = |d: Option<Decimal>| d.map(|d| d.to_string());
        json!({
            "id": p.id,
            "title": p.title,
            "published": p.published.map(|d| d.to_string()),
            "general_goal": p.general_goal,
            "specific_goals": p.specific_goals,
            "activities": p.activities,
            "results": p.results,
            "status": p.status.map(Status::as_str),
            "budget": text(p.budget),
            "currency": p.currency.map(|c| c.code()),
            "budget_eur": text(p.budget_eur),
            "funding_programme": p.funding_programme,
            "contract_number": p.contract_number,
            "partners": p.partners,
            "start_month": p.start_month.map(|m| m.to_string()),
            "end_month": p.end_month.map(|m| m.to_string()),
            "duration_months": p.duration_months,
            "source_url": p.source_url,
        })
    }

    fn parse_fixture(slug: &str) -> Project {
        let page = url(&format!("{BASE}projects/{slug}.html"));
        parse_project(&fetch(&page), &page).expect("fixture parses")
    }

    #[test]
    fn every_fixture_page_gives_the_expected_row() {
        let expected: Vec<Value> = serde_json::from_str(
            &std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json"),
        )
        .expect("expected.json is JSON");
        let rows: Vec<Value> = crawl()
            .iter()
            .map(|page| row(&parse_project(&fetch(page), page).expect("project parses")))
            .collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn windows_1251_fixture_is_really_windows_1251() {
        let bytes = std::fs::read(fixtures().join("projects/akve-kalide.html")).expect("fixture");
        assert!(std::str::from_utf8(&bytes).is_err());
        let page = url(&format!("{BASE}projects/akve-kalide.html"));
        let p = parse_project(&fetch(&page), &page).expect("parses");
        assert!(p.title.starts_with("ТЕРМИ „АКВЕ КАЛИДЕ“"), "{}", p.title);
        assert_eq!(p.specific_goals.len(), 3);
    }

    #[test]
    fn date_line_may_carry_a_short_prefix_but_prose_dates_are_not_publication_dates() {
        let page = url("https://www.burgas.bg/p/x.html");
        let dated =
            "<article><h1>Т</h1><p>Публикувано на: Понеделник, 5 Декември 2016</p></article>";
        let p = parse_project(dated, &page).expect("parses");
        assert_eq!(p.published, NaiveDate::from_ymd_opt(2016, 12, 5));
        let prose = "<article><h1>Т</h1><p>На 02.05.2012 г. Община Бургас подписа договор \
            за безвъзмездна финансова помощ по оперативната програма.</p></article>";
        let p = parse_project(prose, &page).expect("parses");
        assert_eq!(p.published, None);
    }

    #[test]
    fn seed_page_gives_the_known_values() {
        let p = parse_fixture("inovativni-modeli");
        assert_eq!(p.id, "inovativni-modeli");
        assert_eq!(
            p.title,
            "ИНОВАТИВНИ МОДЕЛИ ЗА ДОБРО И ПРОЗРАЧНО УПРАВЛЕНИЕ В ОБЩИНА БУРГАС"
        );
        assert_eq!(p.published, NaiveDate::from_ymd_opt(2016, 12, 5));
        assert_eq!(p.budget, Some(Decimal::new(45_409_000, 2)));
        assert_eq!(p.currency, Some(Currency::Bgn));
        assert_eq!(p.budget_eur, Some(Decimal::new(23_217_253, 2)));
        assert_eq!(
            p.start_month,
            Some(YearMonth {
                year: 2012,
                month: 5
            })
        );
        assert_eq!(
            p.end_month,
            Some(YearMonth {
                year: 2013,
                month: 11
            })
        );
        assert_eq!(p.duration_months, Some(18));
        assert_eq!(p.status, Some(Status::Completed));
        assert_eq!(p.partners, ["Община Гент, Белгия"]);
        assert_eq!(p.contract_number.as_deref(), Some("10-16-19/02.05.2012"));
        assert_eq!(
            (p.specific_goals.len(), p.activities.len(), p.results.len()),
            (4, 10, 7)
        );
    }

    #[test]
    fn listing_gives_heading_links_in_order_and_the_next_page() {
        let base = url(&format!("{BASE}index.html"));
        let listing = parse_listing(&fetch(&base), &base).expect("listing parses");
        let slugs: Vec<&str> = listing
            .projects
            .iter()
            .map(|u| u.path().rsplit('/').next().unwrap_or(""))
            .collect();
        assert_eq!(
            slugs,
            [
                "inovativni-modeli.html",
                "energiyna-efektivnost-uchilishta.html",
                "ustoychiva-gradska-mobilnost-etap-2.html",
                "sotsialni-uslugi-v-obshtnostta.html",
                "akve-kalide.html",
            ]
        );
        assert_eq!(listing.next_page, Some(url(&format!("{BASE}index-2.html"))));
    }

    #[test]
    fn last_listing_page_has_no_next_page() {
        let base = url(&format!("{BASE}index-2.html"));
        let listing = parse_listing(&fetch(&base), &base).expect("listing parses");
        assert_eq!(listing.projects.len(), 3);
        assert_eq!(listing.next_page, None);
    }

    #[test]
    fn listing_dedupes_and_drops_noise_links() {
        let html = r##"<div class="project-list">
            <h2><a href="p/a.html">A</a></h2>
            <h2><a href="p/a.html#top">A again</a></h2>
            <h2><a href="https://other.example/x.html">elsewhere</a></h2>
            <h2><a href="files/a.pdf">PDF</a></h2>
            <h2><a href="list.html">this page</a></h2>
            <h2><a href="mailto:x@burgas.bg">mail</a></h2>
            <h3><a href="/bg/p/b">B</a></h3>
            <h3><a href="http://www.burgas.bg/bg/p/c.html">C over http</a></h3>
            <h3><a href="file:///etc/passwd">local file</a></h3>
            <a href="https://other.example/list-2.html" rel="next">elsewhere</a>
            <a href="page-2.html">Следваща страница</a>
        </div>"##;
        let base = url("https://www.burgas.bg/bg/list.html");
        let listing = parse_listing(html, &base).expect("listing parses");
        assert_eq!(
            listing.projects,
            [
                url("https://www.burgas.bg/bg/p/a.html"),
                url("https://www.burgas.bg/bg/p/b"),
                url("http://www.burgas.bg/bg/p/c.html")
            ]
        );
        assert_eq!(
            listing.next_page,
            Some(url("https://www.burgas.bg/bg/page-2.html"))
        );
    }

    #[test]
    fn listing_without_headings_takes_every_page_link() {
        let html = r#"<ul class="projects">
            <li><a href="a.html">A</a> <a href="a.html">още</a></li>
            <li><a href="b.html">B</a> <a href="b.doc">документ</a></li>
        </ul><link rel="next" href="?page=2">"#;
        let base = url("https://www.burgas.bg/bg/projects");
        let listing = parse_listing(html, &base).expect("listing parses");
        assert_eq!(
            listing.projects,
            [
                url("https://www.burgas.bg/bg/a.html"),
                url("https://www.burgas.bg/bg/b.html")
            ]
        );
        assert_eq!(
            listing.next_page,
            Some(url("https://www.burgas.bg/bg/projects?page=2"))
        );
    }

    #[test]
    fn listing_without_a_container_is_an_error_naming_the_url() {
        let base = url("https://www.burgas.bg/bg/evroproekti/index.html");
        for html in ["", "<html><body><p>Няма проекти</p></body></html>"] {
            let err = parse_listing(html, &base).expect_err("no listing");
            assert_eq!(
                err,
                ParseError::NoListing {
                    url: base.to_string()
                }
            );
            assert!(err.to_string().contains(base.as_str()), "{err}");
        }
    }

    #[test]
    fn page_without_a_title_is_an_error_naming_the_url() {
        let page = url("https://www.burgas.bg/bg/evroproekti/projects/bez-zaglavie.html");
        let html = r#"<html lang="bg"><body><article class="project">
            <h1> &nbsp; </h1><p>Статус: приключил</p></article></body></html>"#;
        let err = parse_project(html, &page).expect_err("no title");
        assert_eq!(
            err,
            ParseError::NoTitle {
                url: page.to_string()
            }
        );
        assert!(err.to_string().contains(page.as_str()), "{err}");
    }

    #[test]
    fn empty_page_is_an_error_naming_the_url() {
        let page = url("https://www.burgas.bg/bg/evroproekti/projects/prazna.html");
        for html in ["", "   ", "<html><body></body></html>"] {
            let err = parse_project(html, &page).expect_err("empty page");
            assert_eq!(
                err,
                ParseError::NoContent {
                    url: page.to_string()
                }
            );
            assert!(err.to_string().contains(page.as_str()), "{err}");
        }
    }

    #[test]
    fn page_with_only_a_title_has_every_field_empty() {
        let page = url("https://www.burgas.bg/bg/proekti/samo-zaglavie/");
        let html = "<main><h2>Проект</h2></main>";
        let p = parse_project(html, &page).expect("title is enough");
        assert_eq!(p.id, "samo-zaglavie");
        assert_eq!(p.title, "Проект");
        assert_eq!(
            (p.published, p.general_goal, p.status, p.budget, p.currency),
            (None, None, None, None, None)
        );
        assert!(p.specific_goals.is_empty() && p.partners.is_empty());
        assert_eq!((p.start_month, p.duration_months), (None, None));
    }

    #[test]
    fn url_without_a_path_segment_has_no_id() {
        let page = url("https://www.burgas.bg/");
        let err = parse_project("<main><h1>X</h1></main>", &page).expect_err("no id");
        assert_eq!(
            err,
            ParseError::NoId {
                url: page.to_string()
            }
        );
    }

    #[test]
    fn labels_in_a_table_take_their_value_from_the_next_cell() {
        let page = url("https://www.burgas.bg/p/tablica.html");
        let html = r#"<article><h1>Т</h1><table>
            <tr><td><b>Статус:</b></td><td>Завършен</td></tr>
            <tr><td>Бюджет на проекта:</td><td>1 000 лв.</td></tr>
            <tr><td>Партньори:</td><td>няма</td></tr>
            <tr><td>Продължителност:</td><td>01.2020 г. - 07.2020 г.</td></tr>
        </table></article>"#;
        let p = parse_project(html, &page).expect("parses");
        assert_eq!(p.status, Some(Status::Completed));
        assert_eq!(p.budget, Some(Decimal::new(100_000, 2)));
        assert!(p.partners.is_empty());
        assert_eq!(p.duration_months, Some(6));
    }

    #[test]
    fn budgets_have_two_decimals_and_rounding_is_reported() {
        let page = url("https://www.burgas.bg/p/x.html");
        let budget = |text: &str| {
            let html = format!("<article><h1>Т</h1><p>Бюджет на проекта: {text}</p></article>");
            let p = parse_project(&html, &page).expect("parses");
            let show = |d: Option<Decimal>| d.map(|d| d.to_string()).unwrap_or_default();
            (show(p.budget), show(p.budget_eur), p.warnings)
        };
        assert_eq!(
            budget("1,5 млн. лв."),
            ("1500000.00".into(), "766937.82".into(), vec![])
        );
        assert_eq!(
            budget("12 500 евро"),
            ("12500.00".into(), "12500.00".into(), vec![])
        );
        assert_eq!(
            budget("454 090,125 лв."),
            (
                "454090.13".into(),
                "232172.60".into(),
                vec![
                    "https://www.burgas.bg/p/x.html: the budget „454 090,125 лв.“ has digits \
                     below the cent; published as 454090.13, rounded half-up"
                        .to_string()
                ]
            )
        );
        assert!(parse_fixture("inovativni-modeli").warnings.is_empty());
    }

    #[test]
    fn budget_without_currency_or_start_has_neither_currency_nor_euro() {
        let page = url("https://www.burgas.bg/p/x.html");
        let html = "<article><h1>Т</h1><p>Бюджет на проекта: 2 400 000</p></article>";
        let p = parse_project(html, &page).expect("parses");
        assert_eq!(p.budget, Some(Decimal::new(240_000_000, 2)));
        assert_eq!((p.currency, p.budget_eur), (None, None));
    }

    #[test]
    fn dash_items_are_sub_lines_only_under_another_marker() {
        let mut items = Vec::new();
        for line in ["✓ Обучения:", "-първо;", "– второ.", "✓ Друго"] {
            push_item(&mut items, line, false);
        }
        assert_eq!(finish_items(items), ["Обучения: първо; второ", "Друго"]);
        let mut dashes = Vec::new();
        for line in ["- едно;", "- две"] {
            push_item(&mut dashes, line, false);
        }
        assert_eq!(finish_items(dashes), ["едно", "две"]);
    }

    #[test]
    fn activity_prefixes_are_removed() {
        for (line, want) in [
            (
                "Дейност 1. Управление и организация",
                "Управление и организация",
            ),
            ("Дейност 2: Подготовка", "Подготовка"),
            ("ДЕЙНОСТ 10 – Информация", "Информация"),
            ("Дейност 5 : Публичност", "Публичност"),
            ("Дейност 1.2) Одит", "Одит"),
            ("Дейността на звеното", "Дейността на звеното"),
            ("Дейност по проекта", "Дейност по проекта"),
            ("Дейност", "Дейност"),
            ("Одит", "Одит"),
        ] {
            assert_eq!(strip_activity_prefix(line), want, "{line:?}");
        }
    }

    #[test]
    fn partners_split_on_semicolons_and_before_new_organisations() {
        for (value, want) in [
            ("Община Гент, Белгия", vec!["Община Гент, Белгия"]),
            (
                "Община Гент, Белгия; Община Солун, Гърция",
                vec!["Община Гент, Белгия", "Община Солун, Гърция"],
            ),
            (
                "Община Гент, Белгия, Община Нант, Франция.",
                vec!["Община Гент, Белгия", "Община Нант, Франция"],
            ),
            (
                "Община Варна, община Несебър",
                vec!["Община Варна", "община Несебър"],
            ),
            ("„Бургасбус“ ЕООД", vec!["„Бургасбус“ ЕООД"]),
            ("няма", vec![]),
            ("-", vec![]),
            ("", vec![]),
        ] {
            assert_eq!(split_partners(value), want, "{value:?}");
        }
    }

    #[test]
    fn status_words_are_recognised() {
        for (value, want) in [
            ("приключил", Some(Status::Completed)),
            ("Завършен", Some(Status::Completed)),
            ("приключен на 30.11.2013 г.", Some(Status::Completed)),
            ("в изпълнение", Some(Status::Ongoing)),
            ("В\u{a0}ИЗПЪЛНЕНИЕ", Some(Status::Ongoing)),
            ("изпълнява се", Some(Status::Ongoing)),
            ("текущ", Some(Status::Ongoing)),
            ("прекратен", None),
            ("", None),
        ] {
            assert_eq!(parse_status(value), want, "{value:?}");
        }
    }

    #[test]
    fn stated_durations_are_read() {
        assert_eq!(stated_months("18 месеца (05.2012г. - 11.2013г.)"), Some(18));
        assert_eq!(stated_months("24\u{a0}месеца"), Some(24));
        assert_eq!(stated_months("24 МЕСЕЦА"), Some(24));
        assert_eq!(stated_months("12 мес."), Some(12));
        assert_eq!(stated_months("от 03.2024 г. до 02.2026 г."), None);
        assert_eq!(stated_months("99999999999999999999999 месеца"), None);
    }

    #[test]
    fn contract_numbers_lose_a_leading_number_sign() {
        assert_eq!(
            parse_contract("№ 10-16-19/02.05.2012").as_deref(),
            Some("10-16-19/02.05.2012")
        );
        assert_eq!(parse_contract(" - "), None);
    }

    #[test]
    fn deeply_nested_pages_do_not_overflow_the_stack() {
        // Deep enough to overflow a 2 MiB test-thread stack with a recursive
        // walk; deeper only slows html5ever's own quadratic scope checks.
        let depth = 20_000;
        let html = format!(
            "<article><h1>Т</h1>{}<p>Статус: текущ</p>{}</article>",
            "<div>".repeat(depth),
            "</div>".repeat(depth)
        );
        let page = url("https://www.burgas.bg/p/dalboko.html");
        let p = parse_project(&html, &page).expect("parses");
        assert_eq!(p.status, Some(Status::Ongoing));
    }

    #[test]
    fn odd_markup_never_panics() {
        let page = url("https://www.burgas.bg/p/x.html");
        let pieces = [
            "<article>",
            "<h1>",
            "</h1>",
            "Т",
            "<p>",
            "</p>",
            "<br>",
            "<li>",
            "▶",
            "✓",
            "-",
            ":",
            "Статус",
            "Бюджет на проекта:",
            " 1.2,3 лв.",
            "€",
            "Продължителност:",
            "99 месеца",
            "13.2020",
            "Дейност",
            " 9",
            "Партньори:",
            ",",
            ";",
            "Община",
            "\u{a0}",
            "<table><td>",
            "Основни дейности:",
            "<script>",
            "<h2>",
            "<a href=\"::\">",
            "</a>",
            "<a rel=next href=x>",
        ];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        for _ in 0..2000 {
            let mut html = String::new();
            for _ in 0..(state % 40) {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                html.push_str(pieces[(state % pieces.len() as u64) as usize]);
            }
            let _ = parse_project(&html, &page);
            let _ = parse_listing(&html, &page);
        }
    }
}
