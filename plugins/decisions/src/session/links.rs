//! The documents a session page links: the session's protocol, and each
//! agenda item's report (докладна записка) and attachments (приложения).
//!
//! A link is told by where it stands and what it says. A link to the
//! protocol (`Протокол № 9`) outside every item, in the heading or under
//! the last signature, is the session's; inside an item it is one of the
//! item's documents (a committee's protocol, say). Inside an item, the
//! first link that says it is the report (`Докладна записка`), or whose
//! text is the incoming reference (`ОбС 08-00-15376`), is the report; the
//! others that say they are attachments (`Приложение № 1`) or point to a
//! file (`.pdf`, `.docx` …) are attachments, in page order. Links to
//! anything else (a law on another site, the page itself) are not the
//! item's documents.
//!
//! Targets are resolved against the page's URL; only web links (and
//! `file:` links on a `file:` page, as fixtures are read) are kept.

use url::Url;

use crate::html::PageLink;
use crate::index::is_document;
use crate::words::{self, Folded};

/// A URL longer than this is no document link a clerk made.
const MAX_URL: usize = 2000;

/// A document an item links.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The link's text (`Приложение № 1`).
    pub title: String,
    pub url: String,
}

/// What an item links.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct ItemDocuments {
    pub report: Option<String>,
    pub attachments: Vec<Attachment>,
}

/// The protocol among the links outside every item.
pub(super) fn protocol(links: &[&PageLink], page: &str) -> Option<String> {
    let page = Url::parse(page).ok()?;
    links
        .iter()
        .filter(|l| names(&l.text, &["протокол"]))
        .find_map(|l| resolve(&l.href, &page))
}

/// An item's report and attachments, from the links on its lines.
pub(super) fn item_documents(links: &[&PageLink], page: &str) -> ItemDocuments {
    let mut documents = ItemDocuments::default();
    let Ok(page) = Url::parse(page) else {
        return documents;
    };
    for link in links {
        let Some(url) = resolve(&link.href, &page) else {
            continue;
        };
        let known = documents.report.as_ref() == Some(&url)
            || documents.attachments.iter().any(|a| a.url == url);
        if known {
            continue;
        }
        if documents.report.is_none() && is_report(&link.text) {
            documents.report = Some(url);
        } else if names(&link.text, &["приложени"])
            || Url::parse(&url).is_ok_and(|u| is_document(&u))
        {
            documents.attachments.push(Attachment {
                title: link.text.clone(),
                url,
            });
        }
    }
    documents
}

/// `Докладна записка`, `доклад`, or the incoming reference alone.
fn is_report(text: &str) -> bool {
    let reference_only = words::incoming_reference(text).is_some()
        && text.chars().filter(|c| c.is_alphabetic()).count() <= 6;
    reference_only || names(text, &["докладна", "докладната", "доклад"])
}

/// Whether a word of `text` starts with one of `stems`.
fn names(text: &str, stems: &[&str]) -> bool {
    let f = Folded::new(text);
    let k = f.key();
    k.split(|c: char| !c.is_alphabetic())
        .any(|word| stems.iter().any(|s| word.starts_with(s)))
}

/// The absolute URL of a link, without its fragment; `None` for other
/// schemes (`javascript:`, `mailto:`), for the page itself, and for what
/// cannot be parsed.
fn resolve(href: &str, page: &Url) -> Option<String> {
    let mut url = page.join(href).ok()?;
    url.set_fragment(None);
    let web = matches!(url.scheme(), "http" | "https");
    let fixture = url.scheme() == "file" && page.scheme() == "file";
    let mut here = page.clone();
    here.set_fragment(None);
    let keep = (web || fixture) && url != here && url.as_str().len() <= MAX_URL;
    keep.then(|| url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "https://burgascouncil.org/node/781";

    fn link(line: usize, text: &str, href: &str) -> PageLink {
        PageLink {
            line,
            text: text.into(),
            href: href.into(),
        }
    }

    #[test]
    fn the_protocol_is_the_one_outside_the_items() {
        let links = [
            link(0, "Общински съвет", "/"),
            link(3, "Протокол на ПК по финанси", "/files/pk.pdf"),
            link(9, "Протокол № 9 (PDF)", "/files/protokol-9.pdf"),
        ];
        let outside: Vec<&PageLink> = links.iter().filter(|l| l.line != 3).collect();
        assert_eq!(
            protocol(&outside, PAGE).as_deref(),
            Some("https://burgascouncil.org/files/protokol-9.pdf")
        );
        assert_eq!(protocol(&outside[..1], PAGE), None);
    }

    #[test]
    fn an_items_report_and_attachments() {
        let links = [
            link(1, "ОбС 08-00-15376", "/dz/15376.pdf"),
            link(2, "ЗМСМА", "https://lex.bg/laws/ldoc/2132990465"),
            link(3, "Приложение № 1", "/files/p1.docx"),
            link(3, "Приложение № 1", "/files/p1.docx#page=2"),
            link(4, "Справка", "/files/spravka.xlsx"),
            link(4, "Докладна записка", "/dz/other.pdf"),
            link(4, "виж", "javascript:alert(1)"),
            link(4, "тук", "#top"),
            link(7, "Приложение № 2", "/files/p2.pdf"),
        ];
        let on_item: Vec<&PageLink> = links.iter().filter(|l| l.line <= 4).collect();
        let documents = item_documents(&on_item, PAGE);
        assert_eq!(
            documents.report.as_deref(),
            Some("https://burgascouncil.org/dz/15376.pdf")
        );
        let attachments: Vec<(&str, &str)> = documents
            .attachments
            .iter()
            .map(|a| (a.title.as_str(), a.url.as_str()))
            .collect();
        assert_eq!(
            attachments,
            [
                ("Приложение № 1", "https://burgascouncil.org/files/p1.docx"),
                ("Справка", "https://burgascouncil.org/files/spravka.xlsx"),
                ("Докладна записка", "https://burgascouncil.org/dz/other.pdf"),
            ]
        );
    }

    #[test]
    fn no_links_no_documents() {
        assert_eq!(item_documents(&[], PAGE), ItemDocuments::default());
        assert_eq!(protocol(&[], PAGE), None);
        let elsewhere = link(1, "Протокол", "file:///etc/passwd");
        assert_eq!(
            protocol(&[&elsewhere], PAGE),
            None,
            "a web page links no local file"
        );
        assert_eq!(
            item_documents(&[&elsewhere], "not a url"),
            ItemDocuments::default()
        );
    }
}
