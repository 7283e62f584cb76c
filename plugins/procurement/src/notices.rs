//! The paginated listing of new contract notices.
//!
//! The yearly exports appear once a year; contracts signed since arrive in
//! a listing of notices, newest first, a page at a time:
//!
//! ```json
//! {
//!   "notices": [
//!     {
//!       "id": "612871",
//!       "modified": "2026-02-10T09:15:00+02:00",
//!       "fields": { "Уникален номер на поръчката": "00123-2026-0031", "...": "..." }
//!     }
//!   ],
//!   "next": "notices-2.json"
//! }
//! ```
//!
//! `fields` uses the export's column names and formats, so one mapping
//! ([`Column`], [`crate::contract::read_contract`]) reads both sources;
//! `modified` (RFC 3339) is what incremental runs bookmark; `next` is a URL
//! relative to the page, absent or null on the last page.

use std::borrow::Cow;

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use crate::columns::Column;
use crate::read::Record;

/// Why a listing page is not what the plugin expects.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("not JSON: {0}")]
    Json(String),
    #[error("no \"notices\" array")]
    NoNotices,
    #[error("notice {index}: {reason}")]
    Notice { index: usize, reason: String },
    #[error("\"next\" is neither a string nor null")]
    Next,
}

/// One page of the listing.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub notices: Vec<Notice>,
    /// The next page's URL as written, relative to this page.
    pub next: Option<String>,
}

/// One notice: its id, when it last changed, and its cells by column.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub id: String,
    pub modified: DateTime<FixedOffset>,
    cells: Vec<(Column, String)>,
}

impl Record for Notice {
    fn text(&self, column: Column) -> Option<Cow<'_, str>> {
        let cell = self
            .cells
            .iter()
            .find(|(c, _)| *c == column)
            .map(|(_, text)| Cow::Borrowed(text.as_str()));
        // The listing says when the notice last changed beside its fields.
        match (cell, column) {
            (None, Column::Modified) => Some(Cow::Owned(self.modified.to_rfc3339())),
            (cell, _) => cell,
        }
    }
}

impl Notice {
    /// Whether the notice is of the buyer with ЕИК `want` (digits compared,
    /// as in the exports).
    pub fn buyer_is(&self, want: &str) -> bool {
        self.text(Column::BuyerEik)
            .is_some_and(|eik| eik.chars().filter(char::is_ascii_digit).eq(want.chars()))
    }
}

/// Parses one listing page.
pub fn parse_page(bytes: &[u8]) -> Result<Page, PageError> {
    let page: Value = serde_json::from_slice(bytes).map_err(|e| PageError::Json(e.to_string()))?;
    let notices = page
        .get("notices")
        .and_then(Value::as_array)
        .ok_or(PageError::NoNotices)?
        .iter()
        .enumerate()
        .map(|(index, notice)| {
            parse_notice(notice).map_err(|reason| PageError::Notice { index, reason })
        })
        .collect::<Result<_, _>>()?;
    let next = match page.get("next") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.trim().is_empty() => None,
        Some(Value::String(s)) => Some(s.trim().to_string()),
        Some(_) => return Err(PageError::Next),
    };
    Ok(Page { notices, next })
}

fn parse_notice(notice: &Value) -> Result<Notice, String> {
    let id = match notice.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return Err("no \"id\"".into()),
    };
    let modified = notice
        .get("modified")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("{id}: no \"modified\" time"))?;
    let modified = DateTime::parse_from_rfc3339(modified.trim())
        .map_err(|e| format!("{id}: \"modified\" {modified:?} is not RFC 3339: {e}"))?;
    let fields = notice
        .get("fields")
        .and_then(Value::as_object)
        .ok_or_else(|| format!("{id}: no \"fields\" object"))?;
    Ok(Notice {
        id,
        modified,
        cells: cells(fields),
    })
}

/// The cells of known columns; numbers and booleans are written as the
/// export would print them, so the same parsers read them.
fn cells(fields: &Map<String, Value>) -> Vec<(Column, String)> {
    fields
        .iter()
        .filter_map(|(name, value)| {
            let column = Column::from_header(name)?;
            let text = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string().replace('.', ","),
                Value::Bool(true) => "Да".to_string(),
                Value::Bool(false) => "Не".to_string(),
                _ => return None,
            };
            Some((column, text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_with_notices_and_a_next_link() {
        let page = parse_page(
            r#"{"notices": [{"id": 612871, "modified": "2026-02-10T09:15:00+02:00",
                 "fields": {"Уникален номер на поръчката": "00123-2026-0031",
                            "Стойност при сключване": 1250.5, "Брой оферти": 3,
                            "EU финансиране": true, "Непозната колона": "x",
                            "ЕИК на възложителя": "BG000056814"}}],
                "next": "notices-2.json"}"#
                .as_bytes(),
        )
        .expect("page parses");
        assert_eq!(page.next.as_deref(), Some("notices-2.json"));
        let notice = &page.notices[0];
        assert_eq!(notice.id, "612871");
        assert_eq!(notice.modified.to_rfc3339(), "2026-02-10T09:15:00+02:00");
        assert_eq!(notice.text(Column::Value).unwrap(), "1250,5");
        assert_eq!(notice.text(Column::Bids).unwrap(), "3");
        assert_eq!(notice.text(Column::EuFunded).unwrap(), "Да");
        assert!(notice.buyer_is("000056814"));
        assert!(!notice.buyer_is("00005681"));
    }

    #[test]
    fn the_last_page_has_no_next() {
        for json in [
            r#"{"notices": []}"#,
            r#"{"notices": [], "next": null}"#,
            r#"{"notices": [], "next": ""}"#,
        ] {
            assert_eq!(parse_page(json.as_bytes()).unwrap().next, None, "{json}");
        }
    }

    #[test]
    fn malformed_pages_say_what_is_wrong() {
        let cases = [
            ("<html>", "not JSON"),
            (r#"{"items": []}"#, "no \"notices\" array"),
            (
                r#"{"notices": [{"modified": "2026-01-01T00:00:00Z", "fields": {}}]}"#,
                "notice 0: no \"id\"",
            ),
            (
                r#"{"notices": [{"id": "7", "modified": "10.02.2026", "fields": {}}]}"#,
                "not RFC 3339",
            ),
            (
                r#"{"notices": [{"id": "7", "modified": "2026-01-01T00:00:00Z"}]}"#,
                "no \"fields\"",
            ),
            (r#"{"notices": [], "next": 2}"#, "\"next\""),
        ];
        for (json, expected) in cases {
            let err = parse_page(json.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(expected), "{json}: {err}");
        }
    }
}
