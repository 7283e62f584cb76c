//! The council's index of sessions: which pages hold a session's decisions,
//! and where the index goes on.
//!
//! Council sites list sessions newest first on a paginated page, among
//! links to agendas (`ДНЕВЕН РЕД НА ЗАСЕДАНИЕ №9`), draft decisions,
//! invitations, news and PDF protocols. A link is a session's decisions
//! page when its text speaks of decisions of a session (`ВЗЕТИ РЕШЕНИЯ НА
//! ЗАСЕДАНИЕ №9 ОТ ДАТА 26.03.2024 ГОДИНА`, `Решения от заседание на
//! 27 и 28.02.2020 г.`), whatever the markup around it; the date in the text,
//! when there is one, lets a run skip sessions before `since` without
//! fetching them. A protocol linked in the session's own entry on the index
//! (`Протокол №12 (PDF)` beside the link) is kept for the session whose
//! page links none.

use std::collections::HashSet;

use scraper::{ElementRef, Html, Selector};
use url::Url;
use vitrina_sdk::normalize::NaiveDate;

use crate::html::select;
use crate::words::{self, Folded};

/// A link to a session's decisions page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionLink {
    /// Absolute, without fragment.
    pub url: Url,
    /// The session's (first) date as the link text gives it.
    pub date: Option<NaiveDate>,
    /// The protocol the index links in the session's entry.
    pub protocol: Option<Url>,
}

/// One page of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexPage {
    /// In page order, each once.
    pub sessions: Vec<SessionLink>,
    /// The next index page (`rel="next"`, `Следваща`, `›`).
    pub next_page: Option<Url>,
}

/// Link targets that are documents, never session pages.
const DOCUMENT_EXTENSIONS: &[&str] = &[
    "pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "rtf", "zip", "rar", "7z", "jpg", "png",
];

/// How far above a session's link its entry on the index may start.
const MAX_ENTRY_DEPTH: usize = 8;

/// Reads one index page; links are resolved against `base`.
pub fn parse_index(html: &str, base: &Url) -> IndexPage {
    let doc = Html::parse_document(html);
    let next_page = next_page(&doc, base);
    let mut seen = HashSet::new();
    let sessions = select(doc.root_element(), "a[href]")
        .into_iter()
        .filter(|a| !in_navigation(*a))
        .filter_map(|a| {
            let text = vitrina_sdk::normalize::text::clean(&a.text().collect::<String>());
            if !is_session_text(&text) {
                return None;
            }
            let url = resolve(a, base)?;
            let is_listing = &url == base || next_page.as_ref() == Some(&url);
            if is_listing || is_document(&url) || !seen.insert(url.clone()) {
                return None;
            }
            let date = words::session_dates(&text).into_iter().next();
            let protocol = entry_protocol(a, &url, base);
            Some(SessionLink {
                url,
                date,
                protocol,
            })
        })
        .collect();
    IndexPage {
        sessions,
        next_page,
    }
}

/// The protocol linked in the entry of the session linked by `a`: the
/// largest element around `a` (up to [`MAX_ENTRY_DEPTH`] levels) that
/// links no other session's page, such as the `views-row`, list item or
/// table row the site lists the session in.
fn entry_protocol(a: ElementRef<'_>, session: &Url, base: &Url) -> Option<Url> {
    let mut entry = a;
    for ancestor in a
        .ancestors()
        .filter_map(ElementRef::wrap)
        .take(MAX_ENTRY_DEPTH)
    {
        if links_another_session(ancestor, session, base) {
            break;
        }
        entry = ancestor;
    }
    select(entry, "a[href]").into_iter().find_map(|link| {
        let text = vitrina_sdk::normalize::text::clean(&link.text().collect::<String>());
        let says_protocol = Folded::new(&text).key().contains("протокол");
        if !says_protocol || is_session_text(&text) {
            return None;
        }
        let mut url = base.join(link.attr("href")?.trim()).ok()?;
        url.set_fragment(None);
        let web = matches!(url.scheme(), "http" | "https");
        let fixture = url.scheme() == "file" && base.scheme() == "file";
        (web || fixture).then_some(url)
    })
}

/// Whether an element links a session page other than `session`'s. It
/// stops at the first: on a long flat list every entry's parent holds
/// them all.
fn links_another_session(element: ElementRef<'_>, session: &Url, base: &Url) -> bool {
    let Ok(links) = Selector::parse("a[href]") else {
        return true;
    };
    element.select(&links).any(|a| {
        let text = vitrina_sdk::normalize::text::clean(&a.text().collect::<String>());
        is_session_text(&text) && resolve(a, base).is_some_and(|url| &url != session)
    })
}

/// Decisions of a session, not its agenda, draft decisions or invitation.
fn is_session_text(text: &str) -> bool {
    let f = Folded::new(text);
    let k = f.key();
    let about_decisions = k.contains("решени");
    let about_session = k.contains("заседани") || k.contains("сесия");
    let other = ["дневен ред", "проект", "покана"]
        .iter()
        .any(|w| k.contains(w));
    about_decisions && about_session && !other
}

/// Links in menus and breadcrumbs repeat site sections (`Решения на
/// заседания`), never a session.
fn in_navigation(a: ElementRef<'_>) -> bool {
    a.ancestors().filter_map(ElementRef::wrap).any(|e| {
        let el = e.value();
        matches!(el.name(), "nav" | "header" | "footer")
            || el.classes().any(|c| {
                let c = c.to_ascii_lowercase();
                c.contains("menu") || c.contains("breadcrumb")
            })
    })
}

fn resolve(a: ElementRef<'_>, base: &Url) -> Option<Url> {
    let mut url = base.join(a.attr("href")?.trim()).ok()?;
    url.set_fragment(None);
    is_same_site(&url, base).then_some(url)
}

/// Same host, and the same scheme or both web schemes (sites mix `http`
/// and `https` links; fixtures are read from `file:///`).
fn is_same_site(url: &Url, base: &Url) -> bool {
    let is_web = |u: &Url| matches!(u.scheme(), "http" | "https");
    let same_scheme = url.scheme() == base.scheme() || (is_web(url) && is_web(base));
    let is_page_scheme = is_web(url) || url.scheme() == "file";
    same_scheme && is_page_scheme && url.host() == base.host()
}

/// A link to a file (a PDF, an office document, an archive, a scan) by its
/// name's extension.
pub(crate) fn is_document(url: &Url) -> bool {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or("");
    last.rsplit_once('.')
        .is_some_and(|(_, ext)| DOCUMENT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// `rel="next"` on a link or `<link>`, else a link whose text says next.
/// Never the page itself.
fn next_page(doc: &Html, base: &Url) -> Option<Url> {
    let by_rel = select(doc.root_element(), "a[href][rel], link[href][rel]")
        .into_iter()
        .filter(|e| {
            e.attr("rel").is_some_and(|r| {
                r.split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
    let by_text = select(doc.root_element(), "a[href]")
        .into_iter()
        .filter(|a| says_next(*a));
    by_rel
        .chain(by_text)
        .filter_map(|e| resolve(e, base))
        .find(|url| url != base)
}

fn says_next(a: ElementRef<'_>) -> bool {
    let text = vitrina_sdk::normalize::text::clean(&a.text().collect::<String>());
    // Arrows are compared before folding, which would turn `»` into `"`.
    let arrow = matches!(text.as_str(), "›" | "»" | "›»" | ">" | "→");
    let f = Folded::new(&text);
    arrow
        || ["следваща", "напред", "next"]
            .iter()
            .any(|w| f.key().starts_with(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn session_links_among_agendas_news_menus_and_documents() {
        let base = url("https://burgascouncil.org/reshenia");
        let page = r#"<html><body>
          <nav><a href="/reshenia">Решения на заседания</a></nav>
          <div class="view-content">
            <h3><a href="/node/781">ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №9 ОТ ДАТА 26.03.2024 ГОДИНА</a></h3>
            <a href="/node/777">ДНЕВЕН РЕД НА ЗАСЕДАНИЕ №9 ОТ ДАТА 26.03.2024 ГОДИНА</a>
            <a href="/files/protokol-9.pdf">Решения от заседание №9 (PDF)</a>
            <a href="/node/781#top">ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №9</a>
            <a href="https://other.example/node/1">Взети решения на заседание №1</a>
            <a href="node/640">Решения от заседание на 27 и 28.02.2020 г.</a>
            <a href="/novini/1752">Важно съобщение</a>
          </div>
          <ul class="pager"><li><a href="?page=1" rel="next">Следваща ›</a></li></ul>
        </body></html>"#;
        let index = parse_index(page, &base);
        assert_eq!(
            index.sessions,
            vec![
                SessionLink {
                    url: url("https://burgascouncil.org/node/781"),
                    date: NaiveDate::from_ymd_opt(2024, 3, 26),
                    protocol: None,
                },
                SessionLink {
                    url: url("https://burgascouncil.org/node/640"),
                    date: NaiveDate::from_ymd_opt(2020, 2, 27),
                    protocol: None,
                },
            ]
        );
        assert_eq!(
            index.next_page,
            Some(url("https://burgascouncil.org/reshenia?page=1"))
        );
    }

    #[test]
    fn a_protocol_in_the_sessions_own_entry() {
        let base = url("https://burgascouncil.org/reshenia");
        let page = r#"<div class="view-content">
          <div class="views-row"><h3><a href="/node/828">ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №12 ОТ ДАТА 04.06.2024 ГОДИНА</a></h3>
            <div><a href="/files/protokol-12.pdf#p1">Протокол №12 (PDF)</a></div></div>
          <div class="views-row"><h3><a href="/node/815">ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ №11 ОТ ДАТА 28.05.2024 ГОДИНА</a></h3></div>
          <p><a href="/files/protokol-10.pdf">Протокол №10</a></p>
        </div>"#;
        let protocols: Vec<Option<String>> = parse_index(page, &base)
            .sessions
            .into_iter()
            .map(|s| s.protocol.map(String::from))
            .collect();
        assert_eq!(
            protocols,
            [
                Some("https://burgascouncil.org/files/protokol-12.pdf".to_string()),
                None
            ],
            "a protocol outside every session's entry is no session's"
        );
    }

    #[test]
    fn next_page_by_arrow_and_never_the_page_itself() {
        let base = url("file:///index.html");
        let page =
            r#"<a href="index.html">1</a> <a href="index.html">»</a> <a href="index-2.html">›</a>"#;
        assert_eq!(
            parse_index(page, &base).next_page,
            Some(url("file:///index-2.html"))
        );
        let last = r#"<a href="index.html" rel="next">Следваща</a>"#;
        assert_eq!(parse_index(last, &base).next_page, None);
    }
}
