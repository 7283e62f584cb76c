//! Rows written as CSV, JSON or NDJSON, as they arrive.
//!
//! `vitrina run --output` streams a run's rows through a [`RowWriter`], a
//! [`RowSink`] that never holds more than one batch. Decimals are written as
//! JSON strings: JSON numbers are read as binary floats by most consumers,
//! and money must stay exact.

use std::io::Write;

use crate::runtime::{RowSink, RowSinkError};
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
    out: Out,
    stream: Option<String>,
    started: bool,
}

/// The writer of one format: CSV goes through the `csv` crate's writer,
/// which keeps its own small buffer; JSON and NDJSON go straight out.
enum Out {
    // Boxed: the csv writer carries its buffer state inline.
    Csv(Box<csv::Writer<Box<dyn Write + Send>>>),
    Json(Box<dyn Write + Send>),
    Ndjson(Box<dyn Write + Send>),
}

impl RowWriter {
    /// Writes the rows of `stream` (or of the first stream that sends
    /// rows, when `None`) in `format`.
    pub fn new(out: Box<dyn Write + Send>, format: Format, stream: Option<String>) -> Self {
        let out = match format {
            Format::Csv => Out::Csv(Box::new(csv_writer(out))),
            Format::Json => Out::Json(out),
            Format::Ndjson => Out::Ndjson(out),
        };
        Self {
            out,
            stream,
            started: false,
        }
    }

    /// Closes the document (the JSON array) and flushes.
    pub fn finish(&mut self) -> std::io::Result<()> {
        match &mut self.out {
            Out::Csv(csv) => csv.flush(),
            Out::Json(out) => {
                out.write_all(if self.started { b"\n]\n" } else { b"[]\n" })?;
                out.flush()
            }
            Out::Ndjson(out) => out.flush(),
        }
    }

    fn start(&mut self, schema: &StreamSchema) -> std::io::Result<()> {
        self.started = true;
        match &mut self.out {
            Out::Csv(csv) => write_csv_header(csv, schema),
            Out::Json(out) => out.write_all(b"["),
            Out::Ndjson(_) => Ok(()),
        }
    }

    fn write_row(&mut self, schema: &StreamSchema, row: &Row, first: bool) -> std::io::Result<()> {
        match &mut self.out {
            Out::Csv(csv) => write_csv_row(csv, row),
            Out::Json(out) => {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                write_json_object(out, schema, row)
            }
            Out::Ndjson(out) => {
                write_json_object(out, schema, row)?;
                out.write_all(b"\n")
            }
        }
    }
}

impl RowSink for RowWriter {
    fn write(&mut self, schema: &StreamSchema, rows: Vec<Row>) -> Result<(), RowSinkError> {
        let wanted = self.stream.get_or_insert_with(|| schema.name.clone());
        if *wanted != schema.name {
            return Ok(());
        }
        let mut first = !self.started;
        if !self.started {
            self.start(schema)?;
        }
        for row in &rows {
            self.write_row(schema, row, first)?;
            first = false;
        }
        Ok(())
    }
}

/// A cell as CSV text: empty for null, decimals and dates as they are stored.
pub fn csv_cell(value: &Value) -> std::borrow::Cow<'_, str> {
    value.text()
}

/// Vitrina's CSV (RFC 4180): `,` between fields, CRLF after each record,
/// a field quoted only when it holds a comma, a quote or a line break.
/// Every CSV the host writes (downloads, pages, `vitrina run --output`)
/// comes from here, so a value looks the same everywhere. The writer
/// buffers a few KiB; call `flush` before using what is under it.
pub fn csv_writer<W: Write>(out: W) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .quote_style(csv::QuoteStyle::Necessary)
        // The header and every row come from one schema; a row of another
        // length would be a bug upstream, not a reason to stop a download.
        .flexible(true)
        .from_writer(out)
}

/// The header record: the schema's field names.
pub fn write_csv_header<W: Write>(
    csv: &mut csv::Writer<W>,
    schema: &StreamSchema,
) -> std::io::Result<()> {
    csv.write_record(schema.fields.iter().map(|f| f.name.as_str()))?;
    Ok(())
}

/// One row as a record.
pub fn write_csv_row<W: Write>(csv: &mut csv::Writer<W>, row: &Row) -> std::io::Result<()> {
    for value in row {
        csv.write_field(csv_cell(value).as_bytes())?;
    }
    csv.write_record(None::<&[u8]>)?;
    Ok(())
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

    /// A record of one empty field is written `""`, not as an empty line,
    /// which CSV readers skip: `fields=note` over a null note must still
    /// give one record per row.
    #[test]
    fn a_lone_empty_field_is_a_record() {
        let schema = StreamSchema {
            fields: vec![Field::new("note", FieldType::Text, true)],
            primary_key: vec![],
            ..schema()
        };
        let mut csv = csv_writer(Vec::new());
        write_csv_header(&mut csv, &schema).unwrap();
        write_csv_row(&mut csv, &vec![Value::Null]).unwrap();
        write_csv_row(&mut csv, &vec![Value::Text("a\rb".into())]).unwrap();
        let text = csv.into_inner().unwrap();
        assert_eq!(&text[..], b"note\r\n\"\"\r\n\"a\rb\"\r\n");
        let read: Vec<csv::StringRecord> = csv::Reader::from_reader(&text[..])
            .records()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(read.len(), 2, "the null row is a record");
        assert_eq!(&read[0][0], "");
        assert_eq!(&read[1][0], "a\rb");
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
