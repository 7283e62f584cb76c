//! Finding report files on the municipality's budget page.
//!
//! Municipalities publish a new execution report every month or quarter on
//! the same page (`Бюджет` → `Отчети`). With `index_url` the plugin reads
//! that page and every CSV or spreadsheet it links to, so a new report is
//! collected without anyone editing the dataset's configuration.
//! `link_pattern` narrows the links to the reports wanted (`отчет`), since
//! such pages also link to draft budgets, decisions and presentations.

use std::collections::HashSet;

use scraper::{Html, Selector};
use url::Url;
use vitrina_sdk::normalize::text;

/// File extensions of the tables the plugin reads; a link to anything else
/// (a PDF, a Word document, another page) is not a source.
const TABLE_EXTENSIONS: &[&str] = &["csv", "xlsx", "xls", "ods"];

/// At most this many files are read from one page, so that a page that
/// suddenly lists its whole archive cannot turn a run into hundreds of
/// downloads.
pub const MAX_LINKS: usize = 60;

/// A link to a report file, with the text it is shown with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLink {
    pub url: Url,
    pub text: String,
}

/// The links to table files on an index page, resolved against `base`,
/// without fragments, each once, in page order. With `pattern`, only links
/// whose text or URL contains one of its `|`-separated words (compared
/// without case, quotes or dashes).
pub fn report_links(html: &str, base: &Url, pattern: Option<&str>) -> Vec<ReportLink> {
    let document = Html::parse_document(html);
    // A constant, valid selector: parsing it cannot fail.
    let Ok(anchors) = Selector::parse("a[href]") else {
        return Vec::new();
    };
    let words: Vec<String> = pattern
        .map(|p| {
            p.split('|')
                .map(text::match_key)
                .filter(|w| !w.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut seen = HashSet::new();
    document
        .select(&anchors)
        .filter_map(|a| {
            let mut url = base.join(a.value().attr("href")?.trim()).ok()?;
            url.set_fragment(None);
            let text = text::clean(&a.text().collect::<String>());
            Some(ReportLink { url, text })
        })
        .filter(|link| is_table(&link.url))
        .filter(|link| words.is_empty() || matches_any(link, &words))
        .filter(|link| seen.insert(link.url.to_string()))
        .collect()
}

fn is_table(url: &Url) -> bool {
    let last = url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or_default();
    last.rsplit_once('.')
        .is_some_and(|(_, ext)| TABLE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

fn matches_any(link: &ReportLink, words: &[String]) -> bool {
    let text = text::match_key(&link.text);
    let url = text::match_key(&crate::source::percent_decode(link.url.as_str()));
    words.iter().any(|w| text.contains(w) || url.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"<html><body>
      <h1>Бюджет</h1>
      <ul>
        <li><a href="/uploads/otchet-2025.xls">Отчет за изпълнението на бюджета към 31.12.2025 г.</a></li>
        <li><a href="/uploads/otchet-2025.xls#view">Отчет 2025 (изтегли)</a></li>
        <li><a href="uploads/Proekt%20byudzhet%202026.xlsx">Проектобюджет 2026</a></li>
        <li><a href="/uploads/otchet-2025.pdf">Отчет 2025 (PDF)</a></li>
        <li><a href="https://www.burgas.bg/uploads/prihodi-2024.CSV">Приходи 2024</a></li>
        <li><a href="/bg/info/index/1234">Решение на Общинския съвет</a></li>
        <li><a>без връзка</a></li>
      </ul></body></html>"#;

    fn base() -> Url {
        Url::parse("https://www.burgas.bg/bg/byudzhet/").unwrap()
    }

    fn urls(links: &[ReportLink]) -> Vec<&str> {
        links.iter().map(|l| l.url.as_str()).collect()
    }

    #[test]
    fn every_table_file_once_in_page_order() {
        let links = report_links(PAGE, &base(), None);
        assert_eq!(
            urls(&links),
            [
                "https://www.burgas.bg/uploads/otchet-2025.xls",
                "https://www.burgas.bg/bg/byudzhet/uploads/Proekt%20byudzhet%202026.xlsx",
                "https://www.burgas.bg/uploads/prihodi-2024.CSV",
            ]
        );
        assert_eq!(
            links[0].text,
            "Отчет за изпълнението на бюджета към 31.12.2025 г."
        );
    }

    #[test]
    fn a_pattern_matches_link_text_or_url() {
        let links = report_links(PAGE, &base(), Some("ОТЧЕТ | prihodi"));
        assert_eq!(
            urls(&links),
            [
                "https://www.burgas.bg/uploads/otchet-2025.xls",
                "https://www.burgas.bg/uploads/prihodi-2024.CSV",
            ]
        );
        let links = report_links(PAGE, &base(), Some("proekt byudzhet"));
        assert_eq!(links.len(), 1, "the decoded URL matches");
    }
}
