//! Row queries: filters, sort, fields, limit, and the keyset cursor that
//! pins a walk through the pages to one version.
//!
//! Filter values arrive as text (from a query string) and are interpreted
//! by the store with the field's type: `amount__gte=1000` compares numbers,
//! `date__lt=2024-03-01` compares dates. Pagination is keyset only: the
//! cursor carries the version and the sort values of the last row shown, so
//! a page is found by an index seek however deep, and a walk that started
//! on version N stays on version N while N+1 is published.

use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::schema::Value;

/// The default page size.
pub const DEFAULT_LIMIT: usize = 100;
/// The largest page size.
pub const MAX_LIMIT: usize = 10_000;

/// A query for a page of rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RowQuery {
    /// The version to read (the current one unless `as_of` or a cursor says otherwise).
    pub version: u64,
    pub filters: Vec<Filter>,
    /// Words every returned row's text fields must contain (each as the
    /// start of a word, folded as the catalog search folds them).
    pub text: Option<String>,
    /// Sort order; the primary key always breaks ties, so the order is total.
    pub sort: Vec<SortKey>,
    /// The fields to return; all when `None`.
    pub fields: Option<Vec<String>>,
    pub limit: usize,
    /// Continue after this row.
    pub after: Option<Cursor>,
}

/// One filter on one field.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub field: String,
    pub op: FilterOp,
}

/// A filter's comparison, with its operand as text.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterOp {
    Eq(String),
    Ne(String),
    Gt(String),
    Gte(String),
    Lt(String),
    Lte(String),
    In(Vec<String>),
    /// Case-insensitive substring, for text fields.
    Contains(String),
    /// `true`: the field is null; `false`: it is not.
    IsNull(bool),
}

/// One sort field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortKey {
    pub field: String,
    pub descending: bool,
}

/// Where a page ends: the version, and the sort values then key values of
/// the last row returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    pub version: u64,
    pub values: Vec<Value>,
}

#[derive(Serialize, Deserialize)]
struct CursorWire {
    v: u64,
    k: Vec<WireValue>,
}

/// A value in a cursor: type-tagged so it decodes to exactly what it was.
#[derive(Serialize, Deserialize)]
#[serde(tag = "t", content = "v")]
enum WireValue {
    #[serde(rename = "n")]
    Null,
    #[serde(rename = "b")]
    Boolean(bool),
    #[serde(rename = "i")]
    Integer(i64),
    #[serde(rename = "d")]
    Decimal(String),
    #[serde(rename = "f")]
    Float(f64),
    #[serde(rename = "s")]
    Text(String),
    #[serde(rename = "D")]
    Date(String),
    #[serde(rename = "T")]
    Datetime(String),
    #[serde(rename = "j")]
    Json(String),
}

impl From<&Value> for WireValue {
    fn from(v: &Value) -> Self {
        match v.clone() {
            Value::Null => WireValue::Null,
            Value::Boolean(b) => WireValue::Boolean(b),
            Value::Integer(i) => WireValue::Integer(i),
            Value::Decimal(s) => WireValue::Decimal(s),
            Value::Float(f) => WireValue::Float(f),
            Value::Text(s) => WireValue::Text(s),
            Value::Date(s) => WireValue::Date(s),
            Value::Datetime(s) => WireValue::Datetime(s),
            Value::Json(s) => WireValue::Json(s),
        }
    }
}

impl From<WireValue> for Value {
    fn from(v: WireValue) -> Self {
        match v {
            WireValue::Null => Value::Null,
            WireValue::Boolean(b) => Value::Boolean(b),
            WireValue::Integer(i) => Value::Integer(i),
            WireValue::Decimal(s) => Value::Decimal(s),
            WireValue::Float(f) => Value::Float(f),
            WireValue::Text(s) => Value::Text(s),
            WireValue::Date(s) => Value::Date(s),
            WireValue::Datetime(s) => Value::Datetime(s),
            WireValue::Json(s) => Value::Json(s),
        }
    }
}

/// The longest cursor accepted: a cursor is a few sort values, not a document.
const MAX_CURSOR_LEN: usize = 4096;

impl Cursor {
    /// The opaque text form used in `next` and `?cursor=`.
    pub fn encode(&self) -> String {
        let wire = CursorWire {
            v: self.version,
            k: self.values.iter().map(WireValue::from).collect(),
        };
        // Serializing plain data to JSON cannot fail.
        let json = serde_json::to_vec(&wire).unwrap_or_default();
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
    }

    /// Decodes a cursor; garbage gives an error, never a panic.
    pub fn decode(text: &str) -> Result<Cursor, String> {
        if text.len() > MAX_CURSOR_LEN {
            return Err("the cursor is too long".to_string());
        }
        let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text)
            .map_err(|_| "the cursor is not one this API issued".to_string())?;
        let wire: CursorWire = serde_json::from_slice(&json)
            .map_err(|_| "the cursor is not one this API issued".to_string())?;
        Ok(Cursor {
            version: wire.v,
            values: wire.k.into_iter().map(Value::from).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let cursor = Cursor {
            version: 7,
            values: vec![
                Value::Decimal("12.50".into()),
                Value::Text("Бургас".into()),
                Value::Null,
                Value::Integer(-3),
            ],
        };
        assert_eq!(Cursor::decode(&cursor.encode()).unwrap(), cursor);
    }

    #[test]
    fn garbage_cursors_are_errors() {
        for garbage in ["", "!!!", "eyJ2IjoxfQ", "bm90IGpzb24", &"A".repeat(10_000)] {
            assert!(Cursor::decode(garbage).is_err(), "{garbage}");
        }
    }
}

#[cfg(test)]
mod fuzz {
    use proptest::prelude::*;

    use super::Cursor;

    proptest! {
        /// Whatever a client sends as a cursor, decoding answers, never panics.
        #[test]
        fn any_text_decodes_or_errs(text in ".{0,300}") {
            let _ = Cursor::decode(&text);
        }

        /// Valid base64 of arbitrary bytes is still only ever an error or a cursor.
        #[test]
        fn any_bytes_decode_or_err(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            use base64::Engine;
            let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
            let _ = Cursor::decode(&text);
        }
    }
}
