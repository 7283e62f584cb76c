//! Streaming a yearly register export, one record at a time.
//!
//! An export holds every contract of every buyer in the country for a year:
//! hundreds of megabytes. It is read through the `csv` crate as byte
//! records into one reused buffer, so memory stays flat whatever the file's
//! size, and a record is decoded only after its buyer ЕИК, compared as
//! bytes, matched the configured one: the other buyers' rows, nearly all of
//! them, cost a scan and nothing more.
//!
//! The reader tolerates what exports do: a byte-order mark, `,` or `;`
//! between fields, quoted fields with commas, quotes and line breaks inside,
//! title rows above the header, ragged rows, and a file that is UTF-8 in one
//! cell and Windows-1251 in the next (each cell is decoded on its own:
//! Cyrillic in Windows-1251 is never valid UTF-8, so the test is safe).

use std::borrow::Cow;
use std::io::{self, Read};

use csv::{ByteRecord, ReaderBuilder};
use vitrina_sdk::normalize::encoding;

use crate::columns::{Column, HeaderMap, MissingColumns};
use crate::read::Record;

/// How many rows from the top may be titles before the header must appear.
const HEADER_SEARCH_ROWS: usize = 20;
/// How many bytes are looked at to choose the delimiter.
const SNIFF_BYTES: usize = 16 * 1024;

/// Why an export could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("reading the export failed at line {line}: {source}")]
    Read { line: u64, source: io::Error },
    #[error(
        "no header row in the first {HEADER_SEARCH_ROWS} rows: looked for the register's column names (\"Уникален номер на поръчката\", \"Предмет на поръчката\", \"ЕИК на възложителя\", ...)"
    )]
    NoHeader,
    #[error("header on line {line}: {missing}")]
    Columns { line: u64, missing: MissingColumns },
}

fn read_error(line: u64, e: csv::Error) -> ExportError {
    let source = match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    };
    ExportError::Read { line, source }
}

/// An open export positioned after its header.
pub struct Export<R: Read> {
    reader: csv::Reader<R>,
    headers: HeaderMap,
    record: ByteRecord,
}

/// What an [`Export`] reads from: the bytes looked at to choose the
/// delimiter, then the rest of the input.
pub type Input<R> = io::Chain<io::Cursor<Vec<u8>>, R>;

/// Opens an export: chooses the delimiter, skips a byte-order mark and title
/// rows, maps the header.
pub fn open<R: Read>(mut input: R) -> Result<Export<Input<R>>, ExportError> {
    let head = read_head(&mut input).map_err(|source| ExportError::Read { line: 1, source })?;
    let delimiter = sniff_delimiter(&head);
    let mut reader = ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        // csv's default CRLF handling numbers the lines of CRLF files
        // one too low; with `\n` alone the `\r` stays at the end of the
        // last cell and `decode` drops it.
        .terminator(csv::Terminator::Any(b'\n'))
        .buffer_capacity(64 * 1024)
        .from_reader(io::Cursor::new(head).chain(input));
    let mut record = ByteRecord::new();
    for _ in 0..HEADER_SEARCH_ROWS {
        let line = reader.position().line();
        if !reader
            .read_byte_record(&mut record)
            .map_err(|e| read_error(line, e))?
        {
            break;
        }
        let headers = HeaderMap::new(
            record
                .iter()
                .map(|f| decode(f))
                .collect::<Vec<_>>()
                .iter()
                .map(|s| s.as_ref()),
        );
        // A title row may mention a column name; a header names many.
        if headers.known() >= 5 {
            headers
                .check()
                .map_err(|missing| ExportError::Columns { line, missing })?;
            return Ok(Export {
                reader,
                headers,
                record,
            });
        }
    }
    Err(ExportError::NoHeader)
}

impl<R: Read> Export<R> {
    /// How many of the register's columns the header names.
    pub fn known_columns(&self) -> usize {
        self.headers.known()
    }

    /// The next record, or `None` at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<ExportRecord<'_>>, ExportError> {
        let line = self.reader.position().line();
        if !self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| read_error(line, e))?
        {
            return Ok(None);
        }
        let line = self.record.position().map_or(line, |p| p.line());
        Ok(Some(ExportRecord {
            record: &self.record,
            headers: &self.headers,
            line,
        }))
    }
}

/// One record of an export, borrowed until the next is read.
pub struct ExportRecord<'a> {
    record: &'a ByteRecord,
    headers: &'a HeaderMap,
    /// The line the record starts on (1-based; a quoted line break makes a
    /// record span several).
    pub line: u64,
}

impl ExportRecord<'_> {
    /// Whether the buyer ЕИК cell holds the ЕИК `want` (ASCII digits). Only
    /// digits are compared, so `BG000056814` and ` 000056814 ` match too;
    /// no allocation, as this runs on every row of the country.
    pub fn buyer_is(&self, want: &[u8]) -> bool {
        let Some(cell) = self
            .headers
            .get(Column::BuyerEik)
            .and_then(|i| self.record.get(i))
        else {
            return false;
        };
        let mut digits = cell.iter().filter(|b| b.is_ascii_digit());
        want.iter().all(|w| digits.next() == Some(w)) && digits.next().is_none()
    }
}

impl Record for ExportRecord<'_> {
    fn text(&self, column: Column) -> Option<Cow<'_, str>> {
        let i = self.headers.get(column)?;
        Some(self.record.get(i).map_or(Cow::Borrowed(""), decode))
    }
}

/// A cell as text: UTF-8 when it is, else Windows-1251; without the `\r`
/// of a CRLF line end.
fn decode(bytes: &[u8]) -> Cow<'_, str> {
    let bytes = bytes.strip_suffix(b"\r").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => Cow::Borrowed(s.strip_prefix('\u{feff}').unwrap_or(s)),
        Err(_) => Cow::Owned(
            encoding::decode_with_label(bytes, Some("windows-1251"))
                .text
                .into_owned(),
        ),
    }
}

/// Reads up to [`SNIFF_BYTES`] from the start, without a UTF-8 byte-order mark.
fn read_head(input: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    input
        .by_ref()
        .take(SNIFF_BYTES as u64)
        .read_to_end(&mut head)?;
    if head.starts_with(b"\xEF\xBB\xBF") {
        head.drain(..3);
    }
    Ok(head)
}

/// `;` when some of the first lines has more semicolons outside quotes
/// than any has commas, else `,` (the register's own choice). The busiest
/// line is the header, whatever title rows stand above it.
fn sniff_delimiter(head: &[u8]) -> u8 {
    let (mut line_commas, mut line_semicolons) = (0, 0);
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for &b in head {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => line_commas += 1,
            b';' if !quoted => line_semicolons += 1,
            b'\n' if !quoted => {
                commas = line_commas.max(commas);
                semicolons = line_semicolons.max(semicolons);
                (line_commas, line_semicolons) = (0, 0);
            }
            _ => {}
        }
    }
    commas = line_commas.max(commas);
    semicolons = line_semicolons.max(semicolons);
    if semicolons > commas { b';' } else { b',' }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An invented export in the register's format (`fixtures/README.md`).
    const SAMPLE: &str = include_str!("../fixtures/aop_cais_contracts_2024_sample.csv");

    fn open_ok(text: &[u8]) -> Export<Input<&[u8]>> {
        open(text).expect("export opens")
    }

    #[test]
    fn the_sample_reads_record_by_record() {
        let mut export = open_ok(SAMPLE.as_bytes());
        let mut unps = Vec::new();
        while let Some(record) = export.next_record().unwrap() {
            assert!(record.buyer_is(b"000056814"));
            unps.push((record.line, record.text(Column::Unp).unwrap().into_owned()));
        }
        assert_eq!(unps.len(), 5);
        assert_eq!(unps[0], (2, "00123-2024-0007".to_string()));
        assert_eq!(unps[4], (6, "00123-2026-0002".to_string()));
    }

    #[test]
    fn quoted_commas_quotes_and_line_breaks_stay_in_their_cell() {
        let text = "\u{feff}Уникален номер на поръчката,Предмет на поръчката,Вид на поръчката,ЕИК на възложителя,Дата на договор,Стойност при сключване\r\n\
            \"00123-2024-0001\",\"Ремонт на покрив, фасада и \"\"дограма\"\"\nна училище\",\"Публично състезание\",\"000056814\",\"01.02.2024\",\"100,00\"\r\n\
            \"00123-2024-0002\",\"Второ\",\"Публично състезание\",\"000056814\",\"01.02.2024\",\"5,00\"\r\n";
        let mut export = open_ok(text.as_bytes());
        let first = export.next_record().unwrap().unwrap();
        assert_eq!(first.line, 2);
        assert_eq!(
            first.text(Column::Title).unwrap(),
            "Ремонт на покрив, фасада и \"дограма\"\nна училище"
        );
        assert_eq!(first.text(Column::Value).unwrap(), "100,00");
        let second = export.next_record().unwrap().unwrap();
        assert_eq!(
            second.line, 4,
            "the quoted line break moved the next record down"
        );
        assert!(export.next_record().unwrap().is_none());
    }

    #[test]
    fn semicolons_title_rows_and_windows_1251() {
        let mut bytes = encoding_rs::WINDOWS_1251
            .encode("Регистър на обществените поръчки, справка за 2023 г.\nУНП;Предмет;Процедура;ЕИК на възложителя;Дата на сключване;Стойност на договора\n00123-2023-0001;Доставка на храни;Открита процедура;000056814;01.02.2023;1 200,50\n")
            .0
            .into_owned();
        bytes.extend_from_slice(b"\n");
        let mut export = open_ok(&bytes);
        let record = export.next_record().unwrap().unwrap();
        assert_eq!(record.line, 3);
        assert_eq!(record.text(Column::Title).unwrap(), "Доставка на храни");
        assert_eq!(record.text(Column::Value).unwrap(), "1 200,50");
        assert!(
            export.next_record().unwrap().is_none(),
            "blank lines are skipped"
        );
    }

    #[test]
    fn buyer_eik_compares_digits_only() {
        let text = "УНП,Предмет,Процедура,ЕИК на възложителя,Дата на договор,Стойност при сключване\n1,a,b,BG000056814,c,d\n1,a,b,0000568140,c,d\n1,a,b,,c,d\n1,a,b\n";
        let mut export = open_ok(text.as_bytes());
        let mut matches = Vec::new();
        while let Some(record) = export.next_record().unwrap() {
            matches.push(record.buyer_is(b"000056814"));
        }
        assert_eq!(matches, [true, false, false, false]);
    }

    #[test]
    fn a_file_without_the_register_header_says_what_was_looked_for() {
        let err = open(b"a,b,c\n1,2,3\n".as_slice())
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("no header row"), "{err}");
        assert!(err.contains("Уникален номер на поръчката"), "{err}");
        let text = "Уникален номер на поръчката,Предмет на поръчката,Вид на поръчката,Възложител,Изпълнител,Валута\n";
        let err = open(text.as_bytes()).err().unwrap().to_string();
        assert!(err.contains("header on line 1"), "{err}");
        assert!(err.contains("\"ЕИК на възложителя\""), "{err}");
    }
}
