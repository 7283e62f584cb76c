//! A source file as a grid of cells: CSV or a spreadsheet, read the same
//! way.
//!
//! Budget reports come as Windows-1251 CSV exported from the accounting
//! system, as Excel-exported CSV (UTF-8 with a BOM, sometimes comma- or
//! tab-separated), and as XLS/XLSX/ODS annexes to council decisions. The
//! rest of the plugin does not care which: it sees [`Sheet`]s of numbered
//! rows whose cells are text or, from spreadsheets, numbers. Row numbers are
//! the ones a person sees when opening the file (the line of a CSV record,
//! the row of a sheet), so error messages can point at them.

use std::io::Cursor;

use calamine::{Data, Reader};
use vitrina_sdk::Decimal;
use vitrina_sdk::normalize::encoding;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    /// A spreadsheet number, already reduced to the 15 significant digits
    /// Excel shows (its binary float would add noise like `…0000004`).
    Number(Decimal),
}

impl Cell {
    /// The cell as text: numbers without exponent or trailing zeros.
    pub fn text(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => s.clone(),
            Cell::Number(d) => d.normalize().to_string(),
        }
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(s) => s.trim().is_empty(),
            Cell::Number(_) => false,
        }
    }
}

/// One row, with the row number a person sees in the file.
#[derive(Debug, Clone, PartialEq)]
pub struct GridRow {
    /// 1-based: the CSV line where the record starts, or the sheet row.
    pub number: u32,
    /// Cells by column, from column A.
    pub cells: Vec<Cell>,
}

impl GridRow {
    pub fn cell(&self, column: usize) -> &Cell {
        self.cells.get(column).unwrap_or(&Cell::Empty)
    }

    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(Cell::is_empty)
    }
}

/// One table: a CSV file or one worksheet.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The worksheet's name; `None` for CSV.
    pub name: Option<String>,
    pub rows: Vec<GridRow>,
}

/// Why a file could not be read as a table.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GridError {
    #[error("is {0}, not a CSV file or a spreadsheet")]
    NotATable(&'static str),
    #[error("is not a readable spreadsheet: {0}")]
    Spreadsheet(String),
    #[error("is not readable CSV: {0}")]
    Csv(String),
}

/// Reads a downloaded file into sheets, telling spreadsheets from CSV by
/// their bytes rather than by the URL, which often lies (`.xls` files that
/// are HTML, download links without an extension).
pub fn read(bytes: &[u8]) -> Result<Vec<Sheet>, GridError> {
    if let Some(what) = not_a_table(bytes) {
        return Err(GridError::NotATable(what));
    }
    if is_spreadsheet(bytes) {
        read_workbook(bytes)
    } else {
        read_csv(bytes).map(|sheet| vec![sheet])
    }
}

/// ZIP (XLSX, ODS) or OLE2 (XLS) signatures.
fn is_spreadsheet(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// What an error page or a document is, when the source answered with one
/// instead of a table: a moved file often comes back as an HTML page with
/// status 200.
fn not_a_table(bytes: &[u8]) -> Option<&'static str> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_lowercase();
    let head = head.trim_start_matches('\u{feff}').trim_start();
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        Some("an HTML page")
    } else if head.starts_with("%pdf") {
        Some("a PDF document")
    } else if bytes.is_empty() {
        Some("empty")
    } else {
        None
    }
}

/// Reads CSV in any of the encodings and separators the sources use.
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, GridError> {
    let decoded = encoding::decode(bytes);
    let text = decoded.text.as_ref();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(sniff_delimiter(text))
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    // The csv crate counts records, not the line breaks inside quoted
    // cells; count those from byte offsets so the row is the editor's line.
    let mut lines = LineCounter::new(text);
    for record in reader.records() {
        let record = record.map_err(|e| GridError::Csv(e.to_string()))?;
        let number = record.position().map_or(0, |p| lines.line_at(p.byte()));
        let cells = record
            .iter()
            .map(|field| {
                if field.trim().is_empty() {
                    Cell::Empty
                } else {
                    Cell::Text(field.to_string())
                }
            })
            .collect();
        rows.push(GridRow { number, cells });
    }
    Ok(Sheet { name: None, rows })
}

/// Line numbers of byte offsets, for offsets asked in increasing order.
struct LineCounter<'t> {
    text: &'t [u8],
    offset: usize,
    line: u32,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, byte: u64) -> u32 {
        let mut target = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // After a CRLF record the reader stops at the LF: the record starts
        // past it.
        if target > 0 && self.text[target - 1] == b'\r' && self.text.get(target) == Some(&b'\n') {
            target += 1;
        }
        if target > self.offset {
            let breaks = self.text[self.offset..target]
                .iter()
                .filter(|&&b| b == b'\n')
                .count();
            self.line = self
                .line
                .saturating_add(u32::try_from(breaks).unwrap_or(u32::MAX));
            self.offset = target;
        }
        self.line
    }
}

/// `;` is what Bulgarian Excel and accounting systems write, because the
/// comma is the decimal mark; a comma or a tab is used when most of the
/// first lines carry no `;`.
fn sniff_delimiter(text: &str) -> u8 {
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(30)
        .collect();
    let share = |c: char| lines.iter().filter(|l| l.contains(c)).count() * 2 >= lines.len();
    if share(';') {
        b';'
    } else if share('\t') {
        b'\t'
    } else {
        b','
    }
}

/// Reads every worksheet of an XLSX, XLS or ODS workbook from memory.
pub fn read_workbook(bytes: &[u8]) -> Result<Vec<Sheet>, GridError> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| GridError::Spreadsheet(e.to_string()))?;
    let mut sheets = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| GridError::Spreadsheet(format!("sheet {name:?}: {e}")))?;
        sheets.push(sheet_from_range(name, &range));
    }
    Ok(sheets)
}

fn sheet_from_range(name: String, range: &calamine::Range<Data>) -> Sheet {
    // A range starts at its first used cell; keep absolute row and column
    // numbers so that messages match what the spreadsheet shows.
    let (first_row, first_column) = range.start().unwrap_or((0, 0));
    let rows = range
        .rows()
        .zip(first_row..)
        .map(|(cells, row)| GridRow {
            number: row.saturating_add(1),
            cells: std::iter::repeat_n(Cell::Empty, first_column as usize)
                .chain(cells.iter().map(cell_from_data))
                .collect(),
        })
        .collect();
    Sheet {
        name: Some(name),
        rows,
    }
}

fn cell_from_data(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(i) => Cell::Number(Decimal::from(*i)),
        Data::Float(f) => excel_decimal(*f).map_or_else(|| Cell::Text(f.to_string()), Cell::Number),
        Data::Bool(b) => Cell::Text(b.to_string()),
        // Dates and errors are never amounts or codes; keep them readable
        // so a misplaced one shows up in an error message as itself.
        Data::DateTime(d) => Cell::Text(d.to_string()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::Text(s.clone()),
        Data::Error(e) => Cell::Text(format!("#{e}")),
    }
}

/// A spreadsheet float as the decimal Excel displays: 15 significant
/// digits, so `0.30000000000000004` (a formula's cached result) is `0.3`.
fn excel_decimal(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    let scientific = format!("{value:.14e}");
    Decimal::from_scientific(&scientific)
        .ok()
        .map(|d| d.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sheet: &Sheet) -> Vec<(u32, Vec<String>)> {
        sheet
            .rows
            .iter()
            .map(|r| (r.number, r.cells.iter().map(Cell::text).collect()))
            .collect()
    }

    #[test]
    fn windows_1251_semicolon_csv_keeps_line_numbers() {
        let text =
            "ОБЩИНА;;\r\n(в лева);;\r\nФункция;\"Наименование\nна реда\";Отчет\r\n1;x;9 845,20\r\n";
        let bytes = encoding_rs::WINDOWS_1251.encode(text).0;
        let sheet = read_csv(&bytes).unwrap();
        let rows = texts(&sheet);
        assert_eq!(rows[0], (1, vec!["ОБЩИНА".into(), "".into(), "".into()]));
        assert_eq!(rows[2].1[1], "Наименование\nна реда");
        // The record after a quoted line break starts on line 5.
        assert_eq!(rows[3].0, 5);
        assert_eq!(rows[3].1, vec!["1", "x", "9 845,20"]);
    }

    #[test]
    fn comma_and_tab_separated_csv() {
        let sheet = read_csv("Параграф,Отчет\n13-01,\"1 250,00\"\n".as_bytes()).unwrap();
        assert_eq!(texts(&sheet)[1].1, vec!["13-01", "1 250,00"]);
        let sheet = read_csv("Параграф\tОтчет\n13-01\t1 250,00\n".as_bytes()).unwrap();
        assert_eq!(texts(&sheet)[1].1, vec!["13-01", "1 250,00"]);
    }

    #[test]
    fn html_and_pdf_are_not_tables() {
        let page = b"\xEF\xBB\xBF<!DOCTYPE html><html><title>404</title>";
        assert_eq!(read(page), Err(GridError::NotATable("an HTML page")));
        assert_eq!(
            read(b"%PDF-1.4"),
            Err(GridError::NotATable("a PDF document"))
        );
        assert_eq!(read(b""), Err(GridError::NotATable("empty")));
    }

    #[test]
    fn broken_spreadsheet_is_an_error_not_csv() {
        let err = read(b"PK\x03\x04 truncated").unwrap_err();
        assert!(matches!(err, GridError::Spreadsheet(_)), "{err:?}");
    }

    #[test]
    fn spreadsheet_floats_read_as_excel_shows_them() {
        assert_eq!(excel_decimal(0.1 + 0.2), Some(Decimal::new(3, 1)));
        assert_eq!(excel_decimal(2_450_000.0), Some(Decimal::from(2_450_000)));
        assert_eq!(excel_decimal(1234.567), Some(Decimal::new(1_234_567, 3)));
        assert_eq!(excel_decimal(-350.25), Some(Decimal::new(-35_025, 2)));
        assert_eq!(excel_decimal(f64::NAN), None);
        assert_eq!(Cell::Number(Decimal::new(101_600, 2)).text(), "1016");
    }
}
