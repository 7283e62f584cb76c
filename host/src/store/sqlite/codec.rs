//! How values live in SQLite: typed columns per field, a canonical key
//! text, and a hash per row.
//!
//! Each dataset's rows sit in a table with a column per field, so filters
//! and sorts are SQL on real columns. Decimals are kept as text (exact)
//! and compared by an order key beside them ([`decimal_key`]), exact at
//! any length; dates as ISO text, which sorts right.

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use sha2::{Digest, Sha256};

use crate::schema::{FieldType, Row, StreamSchema, Value};

/// The table of a dataset's rows.
pub fn rows_table(dataset: &str) -> String {
    // Dataset ids are lowercase letters, digits and `-` (checked when the
    // configuration is read), so quoting is enough.
    format!("\"rows:{dataset}\"")
}

/// The columns the rows table of `dataset` has now (none if it has no table).
pub fn table_columns(conn: &rusqlite::Connection, dataset: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT name FROM pragma_table_info('rows:{dataset}')"
    ))?;
    stmt.query_map([], |r| r.get(0))?.collect()
}

/// The column of a field. Field names are machine names (checked before a
/// plugin's first row).
pub fn column(field: &str) -> String {
    format!("\"f_{field}\"")
}

/// The column holding a decimal field's order key ([`decimal_key`]).
pub fn key_column(field: &str) -> String {
    format!("\"k_{field}\"")
}

/// The SQL expression a field is compared and sorted by: decimals by their
/// order key, exact at any number of digits (a cast to REAL would keep
/// about fifteen).
pub fn sort_expr(field: &str, kind: FieldType) -> String {
    match kind {
        FieldType::Decimal => key_column(field),
        _ => column(field),
    }
}

/// A decimal as text that sorts, byte by byte, as the number does: a
/// class (`0` negative, `1` zero, `2` positive), the decimal exponent in
/// five digits (complemented when negative), then the significant digits
/// (complemented, and closed by `~`, when negative, so that a longer
/// negative mantissa sorts first). `1.50` and `1.5` have the same key.
/// `None` for text that is not a plain decimal (`-12.5`, `+3`, `.5`).
pub fn decimal_key(text: &str) -> Option<String> {
    let text = text.trim();
    let (negative, unsigned) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if whole.is_empty() && fraction.is_empty()
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole = whole.trim_start_matches('0');
    let digits: String = format!("{whole}{fraction}");
    let leading = digits.len() - digits.trim_start_matches('0').len();
    let significant = digits.trim_matches('0');
    if significant.is_empty() {
        return Some("1".to_string());
    }
    // The position of the decimal point relative to the first significant
    // digit: 123.4 → 3, 0.05 → -1.
    let exponent = whole.len() as i64 - leading as i64;
    if !(-40_000..40_000).contains(&exponent) {
        return None;
    }
    let biased = (exponent + 50_000) as u32;
    Some(if negative {
        let mantissa: String = significant
            .bytes()
            .map(|b| (b'9' - b + b'0') as char)
            .collect();
        format!("0{:05}{mantissa}~", 99_999 - biased)
    } else {
        format!("2{biased:05}{significant}")
    })
}

/// A value as SQLite stores it.
pub fn to_sql(value: &Value) -> ToSqlOutput<'_> {
    match value {
        Value::Null => ToSqlOutput::Owned(SqlValue::Null),
        Value::Boolean(b) => ToSqlOutput::Owned(SqlValue::Integer(i64::from(*b))),
        Value::Integer(i) => ToSqlOutput::Owned(SqlValue::Integer(*i)),
        Value::Float(f) => ToSqlOutput::Owned(SqlValue::Real(*f)),
        Value::Decimal(s)
        | Value::Text(s)
        | Value::Date(s)
        | Value::Datetime(s)
        | Value::Json(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
    }
}

/// A stored value read back with its field's type.
pub fn from_sql(value: ValueRef<'_>, kind: FieldType) -> Value {
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    match (value, kind) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), FieldType::Boolean) => Value::Boolean(i != 0),
        (ValueRef::Integer(i), FieldType::Float) => Value::Float(i as f64),
        (ValueRef::Integer(i), FieldType::Decimal) => Value::Decimal(i.to_string()),
        (ValueRef::Integer(i), _) => Value::Integer(i),
        (ValueRef::Real(f), FieldType::Decimal) => Value::Decimal(f.to_string()),
        (ValueRef::Real(f), _) => Value::Float(f),
        (ValueRef::Text(t) | ValueRef::Blob(t), kind) => match kind {
            FieldType::Decimal => Value::Decimal(text(t)),
            FieldType::Date => Value::Date(text(t)),
            FieldType::Datetime => Value::Datetime(text(t)),
            FieldType::Json => Value::Json(text(t)),
            FieldType::Integer => text(t).parse().map(Value::Integer).unwrap_or(Value::Null),
            _ => Value::Text(text(t)),
        },
    }
}

/// A key value as text: how it appears in a URL and in the key column.
pub fn key_part(value: &Value) -> String {
    value.text().into_owned()
}

/// The canonical key of a row: its key values as a JSON array of strings.
pub fn row_key(row: &Row, key_positions: &[usize]) -> String {
    key_text(key_positions.iter().map(|&i| key_part(&row[i])))
}

/// The canonical key from key values given as text, in key order.
pub fn key_text<I: IntoIterator<Item = S>, S: Into<String>>(parts: I) -> String {
    let parts: Vec<String> = parts.into_iter().map(Into::into).collect();
    serde_json::to_string(&parts).unwrap_or_default()
}

/// A hash of a row's values with their types and field names: equal rows,
/// equal hashes; a value moved to another field, another hash.
pub fn row_hash(schema: &StreamSchema, row: &Row) -> [u8; 16] {
    let mut hasher = Sha256::new();
    for (field, value) in schema.fields.iter().zip(row) {
        hasher.update(field.name.as_bytes());
        hasher.update([0xff]);
        match value {
            Value::Null => hasher.update([0]),
            Value::Boolean(b) => hasher.update([1, u8::from(*b)]),
            Value::Integer(i) => {
                hasher.update([2]);
                hasher.update(i.to_le_bytes());
            }
            Value::Float(f) => {
                hasher.update([3]);
                hasher.update(f.to_le_bytes());
            }
            Value::Decimal(s)
            | Value::Text(s)
            | Value::Date(s)
            | Value::Datetime(s)
            | Value::Json(s) => {
                hasher.update([4]);
                hasher.update((s.len() as u64).to_le_bytes());
                hasher.update(s.as_bytes());
            }
        }
    }
    let digest = hasher.finalize();
    let mut out = [0; 16];
    out.copy_from_slice(&digest[..16]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_keys_sort_as_the_numbers() {
        let ascending = [
            "-1000000000000000000000.5",
            "-100",
            "-12.55",
            "-12.5",
            "-12",
            "-0.5",
            "-0.05",
            "0",
            "0.0001",
            "0.05",
            "0.5",
            "1",
            "1.5",
            "1.55",
            "9.99",
            "10",
            "12345678901234567.1",
            "12345678901234567.2",
            "99999999999999999999999999.99",
        ];
        let keys: Vec<String> = ascending.iter().map(|d| decimal_key(d).unwrap()).collect();
        for (pair, texts) in keys.windows(2).zip(ascending.windows(2)) {
            assert!(
                pair[0] < pair[1],
                "{} should sort before {}",
                texts[0],
                texts[1]
            );
        }
    }

    #[test]
    fn equal_numbers_have_equal_keys() {
        assert_eq!(decimal_key("1.50"), decimal_key("1.5"));
        assert_eq!(decimal_key("+001.5"), decimal_key("1.5"));
        assert_eq!(decimal_key("0.00"), decimal_key("-0"));
        assert_eq!(decimal_key(".5"), decimal_key("0.5"));
        assert_ne!(decimal_key("15"), decimal_key("1.5"));
        for bad in ["", "-", ".", "1e5", "1,5", "abc", "1.2.3"] {
            assert_eq!(decimal_key(bad), None, "{bad}");
        }
    }
}
