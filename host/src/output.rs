//! Rows written as CSV, JSON or NDJSON, as they arrive.
//!
//! `vitrina run --output` streams a run's rows through a [`RowWriter`], a
//! [`RowSink`] that never holds more than one batch. Decimals are written as
//! JSON strings: JSON numbers are read as binary floats by most consumers,
//! and money must stay exact.

use std::io::Write;

use crate::runtime::RowSink;
use crate::schema::{Row, StreamSchema, Value};

/// An output format for rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Json,
    Ndjson,
}

/// Writes the rows of one stream to a writer.
pub struct RowWriter {
    out: Box<dyn Write + Send>,
    format: Format,
    stream: Option<String>,
    started: bool,
}

impl RowWriter {
    /// Writes the rows of `stream` (or of the first stream that sends
    /// rows, when `None`) in `format`.
    pub fn new(out: Box<dyn Write + Send>, format: Format, stream: Option<String>) -> Self {
        Self {
            out,
            format,
            stream,
            started: false,
        }
    }

    /// Closes the document (the JSON array) and flushes.
    pub fn finish(&mut self) -> std::io::Result<()> {
        if self.format == Format::Json {
            self.out
                .write_all(if self.started { b"\n]\n" } else { b"[]\n" })?;
        }
        self.out.flush()
    }

    fn start(&mut self, schema: &StreamSchema) -> std::io::Result<()> {
        self.started = true;
        match self.format {
            Format::Csv => {
                write_csv_record(&mut self.out, schema.fields.iter().map(|f| f.name.as_str()))
            }
            Format::Json => self.out.write_all(b"["),
            Format::Ndjson => Ok(()),
        }
    }

    fn write_row(&mut self, schema: &StreamSchema, row: &Row, first: bool) -> std::io::Result<()> {
        match self.format {
            Format::Csv => write_csv_record(&mut self.out, row.iter().map(csv_cell)),
            Format::Json => {
                self.out.write_all(if first { b"\n" } else { b",\n" })?;
                write_json_object(&mut self.out, schema, row)
            }
            Format::Ndjson => {
                write_json_object(&mut self.out, schema, row)?;
                self.out.write_all(b"\n")
            }
        }
    }
}

impl RowSink for RowWriter {
    fn write(&mut self, schema: &StreamSchema, rows: Vec<Row>) -> Result<(), String> {
        let wanted = self.stream.get_or_insert_with(|| schema.name.clone());
        if *wanted != schema.name {
            return Ok(());
        }
        let io = |e: std::io::Error| format!("cannot write the output: {e}");
        let mut first = !self.started;
        if !self.started {
            self.start(schema).map_err(io)?;
        }
        for row in &rows {
            self.write_row(schema, row, first).map_err(io)?;
            first = false;
        }
        Ok(())
    }
}

pub fn csv_cell(value: &Value) -> std::borrow::Cow<'_, str> {
    match value {
        Value::Null => "".into(),
        Value::Boolean(b) => b.to_string().into(),
        Value::Integer(i) => i.to_string().into(),
        Value::Float(f) => f.to_string().into(),
        Value::Decimal(s)
        | Value::Text(s)
        | Value::Date(s)
        | Value::Datetime(s)
        | Value::Json(s) => s.as_str().into(),
    }
}

/// One RFC 4180 record: fields quoted when they hold a comma, quote or line break.
pub fn write_csv_record<'a, W: Write + ?Sized>(
    out: &mut W,
    fields: impl Iterator<Item = impl AsRef<str> + 'a>,
) -> std::io::Result<()> {
    let mut first = true;
    for field in fields {
        if !first {
            out.write_all(b",")?;
        }
        first = false;
        let field = field.as_ref();
        if field.contains([',', '"', '\n', '\r']) {
            out.write_all(b"\"")?;
            out.write_all(field.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(field.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

/// One row as a JSON object keyed by field name.
pub fn write_json_object<W: Write + ?Sized>(
    out: &mut W,
    schema: &StreamSchema,
    row: &Row,
) -> std::io::Result<()> {
    out.write_all(b"{")?;
    for (i, (field, value)) in schema.fields.iter().zip(row).enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &field.name)?;
        out.write_all(b":")?;
        write_json_value(out, value)?;
    }
    out.write_all(b"}")
}

fn write_json_value<W: Write + ?Sized>(out: &mut W, value: &Value) -> std::io::Result<()> {
    match value {
        Value::Null => out.write_all(b"null"),
        Value::Boolean(b) => out.write_all(if *b { b"true" } else { b"false" }),
        Value::Integer(i) => write!(out, "{i}"),
        Value::Float(f) => serde_json::to_writer(&mut *out, f).map_err(Into::into),
        // Validated JSON text goes in as it is.
        Value::Json(s) => out.write_all(s.as_bytes()),
        Value::Decimal(s) | Value::Text(s) | Value::Date(s) | Value::Datetime(s) => {
            serde_json::to_writer(&mut *out, s).map_err(Into::into)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Field, FieldType};
    use std::sync::{Arc, Mutex};

    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().write(buf)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn schema() -> StreamSchema {
        StreamSchema {
            name: "s".to_string(),
            description: String::new(),
            fields: vec![
                Field::new("title", FieldType::Text, true),
                Field::new("budget", FieldType::Decimal, true),
                Field::new("goals", FieldType::Json, true),
            ],
            primary_key: vec!["title".to_string()],
        }
    }

    fn render(format: Format) -> String {
        let buffer = Shared::default();
        let mut writer = RowWriter::new(Box::new(buffer.clone()), format, None);
        let rows = vec![
            vec![
                Value::Text("Бургас, \"Гент\"".into()),
                Value::Decimal("454090.00".into()),
                Value::Json("[\"a\"]".into()),
            ],
            vec![Value::Text("x".into()), Value::Null, Value::Null],
        ];
        writer.write(&schema(), rows).unwrap();
        writer.finish().unwrap();
        String::from_utf8(buffer.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn csv_quotes_what_needs_quoting() {
        assert_eq!(
            render(Format::Csv),
            "title,budget,goals\r\n\"Бургас, \"\"Гент\"\"\",454090.00,\"[\"\"a\"\"]\"\r\nx,,\r\n"
        );
    }

    #[test]
    fn json_keeps_decimals_exact_as_strings() {
        let json: serde_json::Value = serde_json::from_str(&render(Format::Json)).unwrap();
        assert_eq!(json[0]["budget"], "454090.00");
        assert_eq!(json[0]["goals"][0], "a");
        assert_eq!(json[1]["budget"], serde_json::Value::Null);
    }

    #[test]
    fn ndjson_is_one_object_per_line() {
        let text = render(Format::Ndjson);
        assert_eq!(text.lines().count(), 2);
        for line in text.lines() {
            serde_json::from_str::<serde_json::Value>(line).unwrap();
        }
    }
}
