//! Values and rows built by field name.
//!
//! A [`Row`] starts with every cell `null` and is filled with
//! [`Row::set`]`("field", value)`. Each `set` is checked against the stream's
//! schema (the field exists, the value has the field's type or is `null` in a
//! nullable field), so a plugin never builds a row by position and a mistake
//! names the field instead of shifting every column after it. The host
//! validates again on arrival; this check only makes the error point at the
//! plugin's own line.

use std::rc::Rc;

use rust_decimal::Decimal;

use crate::bindings::vitrina::plugin::types::{Cell, FieldType};
use crate::schema::StreamSchema;

/// A typed value for one cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value.
    Null,
    Boolean(bool),
    Integer(i64),
    /// An exact decimal: money, quantities.
    Decimal(Decimal),
    /// A measurement; never money.
    Float(f64),
    Text(String),
    Date(chrono::NaiveDate),
    /// RFC 3339 with an offset.
    Datetime(String),
    Json(serde_json::Value),
}

impl Value {
    /// A JSON array of strings, for list fields such as activities.
    pub fn json_list<I, S>(items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Value::Json(serde_json::Value::Array(
            items
                .into_iter()
                .map(|s| serde_json::Value::String(s.into()))
                .collect(),
        ))
    }

    /// The type name used in error messages.
    fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Boolean(_) => "boolean",
            Value::Integer(_) => "integer",
            Value::Decimal(_) => "decimal",
            Value::Float(_) => "float",
            Value::Text(_) => "text",
            Value::Date(_) => "date",
            Value::Datetime(_) => "datetime",
            Value::Json(_) => "json",
        }
    }

    /// Converts to a cell of `kind`, widening integers into decimal fields.
    fn into_cell(self, kind: FieldType) -> Result<Cell, Value> {
        Ok(match (self, kind) {
            (Value::Null, _) => Cell::Null,
            (Value::Boolean(b), FieldType::Boolean) => Cell::Boolean(b),
            (Value::Integer(i), FieldType::Integer) => Cell::Integer(i),
            (Value::Integer(i), FieldType::Decimal) => Cell::Decimal(i.to_string()),
            (Value::Decimal(d), FieldType::Decimal) => Cell::Decimal(decimal_text(d)),
            (Value::Float(f), FieldType::Float) if f.is_finite() => Cell::Float(f),
            (Value::Text(s), FieldType::Text) => Cell::Text(s),
            (Value::Date(d), FieldType::Date) => Cell::Date(iso_date(d)),
            (Value::Datetime(s), FieldType::Datetime) => Cell::Datetime(s),
            (Value::Json(j), FieldType::Json) => Cell::Json(j.to_string()),
            (other, _) => return Err(other),
        })
    }
}

macro_rules! value_from {
    ($($t:ty => |$v:ident| $e:expr),* $(,)?) => {
        $(impl From<$t> for Value {
            fn from($v: $t) -> Self {
                $e
            }
        })*
    };
}

value_from! {
    bool => |v| Value::Boolean(v),
    i64 => |v| Value::Integer(v),
    i32 => |v| Value::Integer(v.into()),
    u32 => |v| Value::Integer(v.into()),
    Decimal => |v| Value::Decimal(v),
    f64 => |v| Value::Float(v),
    String => |v| Value::Text(v),
    &str => |v| Value::Text(v.to_string()),
    &String => |v| Value::Text(v.clone()),
    chrono::NaiveDate => |v| Value::Date(v),
    serde_json::Value => |v| Value::Json(v),
    Vec<String> => |v| Value::json_list(v),
}

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// A row of one stream, built by field name.
#[derive(Debug, Clone)]
pub struct Row {
    schema: Rc<StreamSchema>,
    pub(crate) cells: Vec<Cell>,
    /// The first mistake made while building, reported at emit time so the
    /// builder can stay chainable.
    error: Option<String>,
    /// Where the next `set` probably goes: plugins set fields in schema
    /// order, so checking this position first skips the search by name.
    next: usize,
}

impl Row {
    pub(crate) fn new(schema: Rc<StreamSchema>) -> Self {
        let cells = vec![Cell::Null; schema.fields.len()];
        Self {
            schema,
            cells,
            error: None,
            next: 0,
        }
    }

    /// A row for a stream the plugin did not declare: every `set` is
    /// ignored and emitting it reports the unknown stream.
    pub(crate) fn unknown_stream(name: &str) -> Self {
        let mut row = Self::new(Rc::new(StreamSchema::new(name, "")));
        row.error = Some(format!("stream `{name}` is not declared in describe()"));
        row
    }

    /// The stream this row belongs to.
    pub fn stream(&self) -> &str {
        &self.schema.name
    }

    /// Sets a field by name. A missing field or a value of the wrong type is
    /// remembered and reported when the row is emitted.
    pub fn set(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.put(field, value.into());
        self
    }

    /// Sets a field by name on a row held by reference (for loops).
    pub fn put(&mut self, field: &str, value: Value) {
        if self.error.is_some() {
            return;
        }
        let hinted = self
            .schema
            .fields
            .get(self.next)
            .is_some_and(|f| f.name == field);
        let Some(index) = (if hinted {
            Some(self.next)
        } else {
            self.schema.position(field)
        }) else {
            self.error = Some(format!(
                "stream `{}` has no field `{field}`",
                self.schema.name
            ));
            return;
        };
        self.next = index + 1;
        let spec = &self.schema.fields[index];
        if value == Value::Null && !spec.nullable {
            self.error = Some(format!(
                "field `{field}` is not nullable but was set to null"
            ));
            return;
        }
        match value.into_cell(spec.kind) {
            Ok(cell) => self.cells[index] = cell,
            Err(value) => {
                self.error = Some(format!(
                    "field `{field}` is {} but was given {}",
                    kind_name(spec.kind),
                    value.type_name()
                ))
            }
        }
    }

    /// Checks that every non-nullable field was set, and returns the cells.
    pub(crate) fn finish(self) -> Result<Vec<Cell>, String> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let missing: Vec<&str> = self
            .schema
            .fields
            .iter()
            .zip(&self.cells)
            .filter(|(f, c)| !f.nullable && matches!(c, Cell::Null))
            .map(|(f, _)| f.name.as_str())
            .collect();
        if !missing.is_empty() {
            return Err(format!("required fields not set: {}", missing.join(", ")));
        }
        Ok(self.cells)
    }
}

/// The contract's name for a field type.
pub fn kind_name(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Boolean => "boolean",
        FieldType::Integer => "integer",
        FieldType::Decimal => "decimal",
        FieldType::Float => "float",
        FieldType::Text => "text",
        FieldType::Date => "date",
        FieldType::Datetime => "datetime",
        FieldType::Json => "json",
    }
}

/// The approximate number of bytes a cell carries across the boundary,
/// used to size sink batches.
pub(crate) fn cell_size(cell: &Cell) -> usize {
    match cell {
        Cell::Null | Cell::Boolean(_) => 1,
        Cell::Integer(_) | Cell::Float(_) => 8,
        Cell::Decimal(s) | Cell::Text(s) | Cell::Date(s) | Cell::Datetime(s) | Cell::Json(s) => {
            s.len() + 8
        }
    }
}

/// `YYYY-MM-DD`. chrono's formatter parses its format string on every
/// call; a date per row of a million-row export makes that show.
fn iso_date(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// The exact text of a decimal (`-1234.50`: scale kept, no exponent),
/// without going through `fmt` machinery for every amount of a large export.
fn decimal_text(d: Decimal) -> String {
    let digits = d.mantissa().unsigned_abs().to_string();
    let scale = d.scale() as usize;
    let mut out = String::with_capacity(digits.len() + scale + 3);
    if d.is_sign_negative() && !d.is_zero() {
        out.push('-');
    }
    if scale == 0 {
        out.push_str(&digits);
    } else if digits.len() > scale {
        let (whole, fraction) = digits.split_at(digits.len() - scale);
        out.push_str(whole);
        out.push('.');
        out.push_str(fraction);
    } else {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', scale - digits.len()));
        out.push_str(&digits);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_text_matches_display() {
        for (mantissa, scale) in [
            (45409000, 2),
            (-5, 3),
            (0, 2),
            (7, 0),
            (-120, 1),
            (1, 10),
            (i64::MAX, 4),
        ] {
            let d = Decimal::new(mantissa, scale);
            assert_eq!(decimal_text(d), d.to_string(), "{mantissa} e-{scale}");
        }
    }
}
