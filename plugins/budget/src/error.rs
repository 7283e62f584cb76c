//! Where a budget line came from, and why a source could not be read.
//!
//! Every error names the file (as configured), the sheet for spreadsheets,
//! the row as a person sees it when opening the file, and the column by its
//! header and letter, then says what was expected: the person fixing a
//! failed run opens the file at that spot and either finds a typo in the
//! source or a new layout the plugin must learn.

use std::fmt;
use std::sync::Arc;

/// A place in a source file. Every line carries one, so the file and sheet
/// names are shared rather than copied.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The source's URL, as listed in `sources`, without its `#` options.
    pub file: Arc<str>,
    /// The worksheet, for spreadsheets.
    pub sheet: Option<Arc<str>>,
    /// The 1-based row (the CSV line where the record starts).
    pub row: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", sheet „{sheet}“")?;
        }
        write!(f, ", row {}", self.row)
    }
}

/// A table within a source: a CSV file, or one sheet of a workbook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: Arc<str>,
    pub sheet: Option<Arc<str>>,
}

impl Place {
    pub fn at(&self, row: u32) -> Location {
        Location {
            file: self.file.clone(),
            sheet: self.sheet.clone(),
            row,
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", sheet „{sheet}“")?;
        }
        Ok(())
    }
}

/// Why a source could not be turned into budget lines. Every variant means
/// the source is not in a format the plugin knows (the run fails as
/// `source changed`), except [`ParseError::DuplicateLine`] across two
/// files, which is a configuration mistake.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("{file} {reason}")]
    Unreadable { file: String, reason: String },

    #[error(
        "{file}: no header found{}: looked in the first {rows} rows for {looked_for}; the \
         report's layout may have changed, or the URL now serves another file",
        sheet_list(.sheets)
    )]
    HeaderNotFound {
        file: String,
        /// The sheets searched, for workbooks.
        sheets: Vec<String>,
        rows: usize,
        looked_for: &'static str,
    },

    #[error("{file} has no sheet „{sheet}“ (it has {}); fix #sheet= in sources", .available.join(", "))]
    SheetNotFound {
        file: String,
        sheet: String,
        available: Vec<String>,
    },

    #[error("{at}: {reason}")]
    Header { at: Location, reason: String },

    #[error(
        "{place}: cannot tell the fiscal year: no year in the title rows, the sheet name or the \
         file name; add #year=YYYY to the source URL"
    )]
    NoYear { place: Place },

    #[error(
        "{at}: cannot tell whether this line is revenue or expenditure: no ПРИХОДИ/РАЗХОДИ \
         heading or title above it and no activity code; add #direction=revenue (or \
         expenditure) to the source URL"
    )]
    NoDirection { at: Location },

    #[error("{at}, column {column}: {cell:?} is not an amount ({reason})")]
    BadAmount {
        at: Location,
        column: String,
        cell: String,
        reason: String,
    },

    #[error("{at}, column {column}: {reason}")]
    BadCode {
        at: Location,
        column: String,
        reason: String,
    },

    #[error(
        "{first} and {second} are the same budget line ({key}); {}",
        if .first.file == .second.file {
            "the report lists it twice"
        } else {
            "list each report or budget once in sources, and give a report whose title \
             has no date its date with #date="
        }
    )]
    DuplicateLine {
        first: Location,
        second: Location,
        key: String,
    },
}

impl ParseError {
    /// True for mistakes in `[config]` rather than in a source.
    pub fn is_config(&self) -> bool {
        match self {
            ParseError::DuplicateLine { first, second, .. } => first.file != second.file,
            ParseError::SheetNotFound { .. } => true,
            _ => false,
        }
    }
}

fn sheet_list(sheets: &[String]) -> String {
    if sheets.is_empty() {
        String::new()
    } else {
        format!(" in sheets {}", sheets.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_read_like_directions() {
        let place = Place {
            file: "file:///2026/byudzhet.xlsx".into(),
            sheet: Some("Разходи".into()),
        };
        assert_eq!(
            place.at(12).to_string(),
            "file:///2026/byudzhet.xlsx, sheet „Разходи“, row 12"
        );
        let csv = Location {
            file: "file:///2024.csv".into(),
            sheet: None,
            row: 5,
        };
        assert_eq!(csv.to_string(), "file:///2024.csv, row 5");
    }

    #[test]
    fn a_line_twice_in_two_files_is_a_configuration_mistake() {
        let at = |file: &str, row| Location {
            file: file.into(),
            sheet: None,
            row,
        };
        let twice = |a, b| ParseError::DuplicateLine {
            first: a,
            second: b,
            key: "2024 executed".into(),
        };
        let across = twice(at("a.csv", 5), at("b.csv", 7));
        assert!(across.is_config());
        assert!(
            across
                .to_string()
                .contains("list each report or budget once")
        );
        let within = twice(at("a.csv", 5), at("a.csv", 9));
        assert!(!within.is_config());
        assert!(within.to_string().contains("the report lists it twice"));
    }
}
