//! Keeping a run's secrets out of everything it records, and a plugin's
//! control characters out of the operator's terminal.
//!
//! A plugin reads secrets through `get-secret` and may put them anywhere:
//! a query string, a URL's userinfo, a header, a log line, an error
//! message. Everything the host keeps about a run (log lines, fetch
//! records, failure messages, warnings) passes through a [`Redactor`] on
//! its way in, so no secret reaches the daemon's log, the run history or
//! `vitrina runs show`; rows and bookmarks that carry one are refused
//! outright, since they are published. Recorded URLs lose their userinfo
//! and the values of their query parameters too (small numbers, the pages
//! and offsets an operator reads a crawl by, stay), because a source's API
//! key is often not declared as a secret at all.

use std::borrow::Cow;
use std::collections::BTreeMap;

use aho_corasick::AhoCorasick;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

/// Secrets shorter than this cannot be told apart from ordinary text: they
/// are still handed to the plugin, but a run warns that it cannot keep
/// them out of its records.
pub const MIN_SECRET_BYTES: usize = 6;

/// What a redacted value is replaced with.
const REDACTED: &str = "[redacted]";

/// Finds and replaces every known form of a run's secret values.
#[derive(Debug, Default)]
pub struct Redactor {
    /// Every form of every secret (as is, percent-encoded, form-encoded).
    matcher: Option<AhoCorasick>,
    /// The secret each pattern of `matcher` belongs to, by name.
    names: Vec<String>,
    /// Secrets too short to redact, by name.
    too_short: Vec<String>,
    /// The longest form of any secret, in bytes.
    longest: usize,
}

impl Redactor {
    /// A redactor for `secrets` (name → value).
    pub fn new(secrets: &BTreeMap<String, String>) -> Self {
        let mut patterns = Vec::new();
        let mut names = Vec::new();
        let mut too_short = Vec::new();
        for (name, value) in secrets {
            if value.len() < MIN_SECRET_BYTES {
                too_short.push(name.clone());
                continue;
            }
            for form in encoded_forms(value) {
                if !patterns.contains(&form) {
                    patterns.push(form);
                    names.push(name.clone());
                }
            }
        }
        let matcher = (!patterns.is_empty()).then(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(false)
                .build(&patterns)
                .expect("literal patterns always build")
        });
        let longest = patterns.iter().map(String::len).max().unwrap_or(0);
        Self {
            matcher,
            names,
            too_short,
            longest,
        }
    }

    /// Secrets too short to be redacted reliably, by name.
    pub fn too_short(&self) -> &[String] {
        &self.too_short
    }

    /// The longest form of any secret, in bytes: how far past a cut a
    /// secret may reach.
    pub fn longest(&self) -> usize {
        self.longest
    }

    /// `text` with every secret replaced.
    pub fn redact<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.matcher {
            Some(m) if m.is_match(text) => {
                Cow::Owned(m.replace_all(text, &vec![REDACTED; self.names.len()]))
            }
            _ => Cow::Borrowed(text),
        }
    }

    /// Replaces secrets in `text` in place.
    pub fn redact_in_place(&self, text: &mut String) {
        if let Cow::Owned(clean) = self.redact(text) {
            *text = clean;
        }
    }

    /// The name of a secret that `text` contains, if any.
    pub fn secret_in(&self, text: &str) -> Option<&str> {
        let found = self.matcher.as_ref()?.find(text)?;
        Some(&self.names[found.pattern().as_usize()])
    }

    /// A URL as a run records it: no userinfo, query values redacted
    /// except small numbers, and no secret anywhere.
    pub fn url(&self, raw: &str) -> String {
        let recorded = match Url::parse(raw) {
            Ok(mut url) => {
                if !url.username().is_empty() || url.password().is_some() {
                    // Brackets would be percent-encoded in userinfo.
                    let _ = url.set_username("redacted");
                    let _ = url.set_password(None);
                }
                if let Some(query) = url.query().map(redact_query_values) {
                    url.set_query(Some(&query));
                }
                url.to_string()
            }
            Err(_) => raw.to_string(),
        };
        self.redact(&recorded).into_owned()
    }
}

/// The forms a secret takes on its way into a URL or a form body.
fn encoded_forms(value: &str) -> Vec<String> {
    let mut forms = vec![value.to_string()];
    forms.push(utf8_percent_encode(value, NON_ALPHANUMERIC).to_string());
    forms.push(url::form_urlencoded::byte_serialize(value.as_bytes()).collect());
    // As the URL parser writes it into a query string or a path.
    if let Ok(url) = Url::parse(&format!("https://h/{value}?{value}")) {
        forms.extend(url.query().map(str::to_string));
        forms.push(url.path().trim_start_matches('/').to_string());
    }
    forms.sort();
    forms.dedup();
    forms.retain(|f| f.len() >= MIN_SECRET_BYTES);
    forms
}

/// `a=1&key=abc` → `a=1&key=[redacted]`: values that are not small
/// numbers are redacted, names kept.
fn redact_query_values(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value)) if !is_small_number(value) => format!("{name}={REDACTED}"),
            _ => pair.to_string(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn is_small_number(value: &str) -> bool {
    (1..=9).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit())
}

/// `text` with control characters (ANSI escapes, carriage returns,
/// newlines) and bidirectional overrides written as escapes, so what a
/// plugin writes can never move the cursor, recolour or rewrite the
/// operator's terminal, or hide text.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redactor() -> Redactor {
        let secrets = BTreeMap::from([
            ("api_token".to_string(), "s3cr3t/Token+value".to_string()),
            ("pin".to_string(), "1234".to_string()),
        ]);
        Redactor::new(&secrets)
    }

    #[test]
    fn every_form_of_a_secret_is_redacted() {
        let r = redactor();
        for text in [
            "token s3cr3t/Token+value in a log line",
            "https://api.example/x?key=s3cr3t%2FToken%2Bvalue",
            "form body key=s3cr3t%2FToken%2Bvalue&x=1",
            "https://api.example/s3cr3t/Token+value/items",
        ] {
            let clean = r.redact(text);
            assert!(!clean.contains("s3cr3t"), "{clean}");
            assert!(clean.contains(REDACTED), "{clean}");
            assert_eq!(r.secret_in(text), Some("api_token"), "{text}");
        }
        assert_eq!(r.redact("nothing here"), "nothing here");
        assert_eq!(r.too_short(), ["pin"]);
    }

    #[test]
    fn recorded_urls_lose_userinfo_and_query_values() {
        let r = Redactor::default();
        assert_eq!(
            r.url("https://user:pass@data.example/api?page=2&key=abcdef&q=Бургас&flag"),
            "https://redacted@data.example/api?page=2&key=[redacted]&q=[redacted]&flag"
        );
        assert_eq!(r.url("file:///index.html"), "file:///index.html");
        assert_eq!(
            r.url("https://data.example/api?offset=1234567890"),
            "https://data.example/api?offset=[redacted]"
        );
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            escape_controls("\u{1b}[31mred\u{1b}[0m\r\nnext"),
            "\\u{1b}[31mred\\u{1b}[0m\\r\\nnext"
        );
        assert_eq!(
            escape_controls("evil\u{202e}txt.exe"),
            "evil\\u{202e}txt.exe"
        );
        assert!(matches!(escape_controls("Бургас, 2026"), Cow::Borrowed(_)));
    }
}
