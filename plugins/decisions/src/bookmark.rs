//! What a run remembers between runs: the session pages it has read, so the
//! next run fetches only new or changed ones.
//!
//! The bookmark is JSON (the host stores it as text, per stream). For each
//! session page it keeps the validators the server sent (`ETag`,
//! `Last-Modified`, replayed as `If-None-Match` / `If-Modified-Since` so an
//! unchanged page costs a 304) and a fingerprint of the page's content
//! lines and links, which catches unchanged pages on servers that send no
//! validators (and `file:` fixtures) while ignoring menus, counters and
//! other chrome that changes on every request. It keeps the protocol the
//! index linked beside the page too, since rows carry it: a page whose
//! index entry now links another protocol is read again. It also records
//! the plugin version that read the pages: a new parser reads every page
//! again.
//!
//! The bookmark only saves work. A page missing from it is read; a
//! bookmark that cannot be read is ignored, with a warning, and every page
//! is read.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::html::PageLink;

/// The sessions read so far, by page URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bookmark {
    /// The plugin version that read them.
    pub parser: String,
    pub sessions: BTreeMap<String, SessionMark>,
}

/// What is remembered of one session page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMark {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// SHA-256 of the page's content lines and links ([`fingerprint`]).
    pub fingerprint: String,
    /// The protocol the index linked in the session's entry when the page
    /// was read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index_protocol: Option<String>,
    /// The session's date, `YYYY-MM-DD`.
    pub session_date: String,
    /// How many decisions the page gave.
    pub decisions: usize,
}

/// The previous run's bookmark, as far as it can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous {
    /// No bookmark (first run, full refresh, dry run).
    None,
    /// Written by another plugin version: read everything again.
    OtherParser(String),
    /// Not the JSON this plugin writes: read everything again.
    Unreadable(String),
    Usable(Bookmark),
}

impl Previous {
    /// Interprets the stored bookmark for a run of plugin version `parser`.
    pub fn load(stored: Option<&str>, parser: &str) -> Self {
        let Some(stored) = stored.filter(|s| !s.trim().is_empty()) else {
            return Previous::None;
        };
        match serde_json::from_str::<Bookmark>(stored) {
            Ok(b) if b.parser == parser => Previous::Usable(b),
            Ok(b) => Previous::OtherParser(b.parser),
            Err(e) => Previous::Unreadable(e.to_string()),
        }
    }

    /// What is remembered of a page, if anything.
    pub fn get(&self, url: &str) -> Option<&SessionMark> {
        match self {
            Previous::Usable(b) => b.sessions.get(url),
            _ => None,
        }
    }
}

impl SessionMark {
    /// The headers that let the server answer 304 Not Modified.
    pub fn conditional_headers(&self) -> Vec<(&'static str, &str)> {
        let etag = self.etag.as_deref().map(|v| ("If-None-Match", v));
        let since = self
            .last_modified
            .as_deref()
            .map(|v| ("If-Modified-Since", v));
        etag.into_iter().chain(since).collect()
    }

    /// Whether a page fetched again has the content remembered.
    pub fn matches(&self, fingerprint: &str) -> bool {
        self.fingerprint == fingerprint
    }
}

impl Bookmark {
    pub fn new(parser: &str) -> Self {
        Self {
            parser: parser.to_string(),
            sessions: BTreeMap::new(),
        }
    }

    pub fn to_json(&self) -> String {
        // Serializing strings and integers into a String cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A fingerprint of a page's content lines and the links among them.
pub fn fingerprint(lines: &[String], links: &[PageLink]) -> String {
    let mut hash = Sha256::new();
    for line in lines {
        hash.update(line.as_bytes());
        hash.update(b"\n");
    }
    // Lines never hold a NUL: it separates the links from them.
    hash.update(b"\0");
    for link in links {
        hash.update(format!("{}\t{}\t{}\n", link.line, link.text, link.href).as_bytes());
    }
    hex::encode(hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark() -> SessionMark {
        SessionMark {
            etag: Some("\"5f1-abc\"".into()),
            last_modified: None,
            fingerprint: fingerprint(&["a".into()], &[]),
            index_protocol: None,
            session_date: "2024-03-26".into(),
            decisions: 7,
        }
    }

    #[test]
    fn a_bookmark_survives_its_json() {
        let mut b = Bookmark::new("0.1.0");
        b.sessions.insert("file:///node/781".into(), mark());
        let json = b.to_json();
        assert!(!json.contains("last_modified"), "{json}");
        assert_eq!(Previous::load(Some(&json), "0.1.0"), Previous::Usable(b));
    }

    #[test]
    fn other_versions_and_garbage_mean_reading_everything() {
        let b = Bookmark::new("0.0.9").to_json();
        assert_eq!(
            Previous::load(Some(&b), "0.1.0"),
            Previous::OtherParser("0.0.9".into())
        );
        assert!(matches!(
            Previous::load(Some("{not json"), "0.1.0"),
            Previous::Unreadable(_)
        ));
        assert_eq!(Previous::load(None, "0.1.0"), Previous::None);
        assert_eq!(Previous::load(Some(" "), "0.1.0"), Previous::None);
    }

    #[test]
    fn validators_become_conditional_headers() {
        let mut m = mark();
        assert_eq!(m.conditional_headers(), [("If-None-Match", "\"5f1-abc\"")]);
        m.last_modified = Some("Wed, 27 Mar 2024 14:42:00 GMT".into());
        assert_eq!(m.conditional_headers().len(), 2);
        m.etag = None;
        m.last_modified = None;
        assert!(m.conditional_headers().is_empty());
        assert!(m.matches(&fingerprint(&["a".into()], &[])));
        assert!(!m.matches(&fingerprint(&["b".into()], &[])));
    }

    #[test]
    fn fingerprints_change_with_content_and_with_line_breaks() {
        let a = fingerprint(&["ab".into(), "c".into()], &[]);
        assert_eq!(a, fingerprint(&["ab".into(), "c".into()], &[]));
        assert_ne!(a, fingerprint(&["a".into(), "bc".into()], &[]));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn fingerprints_change_with_a_links_target() {
        let link = |href: &str| PageLink {
            line: 0,
            text: "Приложение № 1".into(),
            href: href.into(),
        };
        let lines = ["Приложение № 1".to_string()];
        assert_ne!(
            fingerprint(&lines, &[link("p1.pdf")]),
            fingerprint(&lines, &[link("p1-v2.pdf")])
        );
        assert_ne!(
            fingerprint(&lines, &[]),
            fingerprint(&lines, &[link("p1.pdf")])
        );
    }
}
