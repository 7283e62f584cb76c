//! The `sources` configuration: which files to read, and what to tell the
//! plugin about a file whose title does not say it.
//!
//! `sources` is one string (dataset `[config]` values are strings): URLs
//! separated by commas or line breaks. Each URL may end in a fragment of
//! options, `#year=2024&date=2024-06-30&direction=revenue&phase=approved&sheet=Разходи`.
//! A fragment is never sent to the server, so the options ride along with
//! the URL they belong to without changing what is fetched.

use url::Url;
use vitrina_sdk::NaiveDate;
use vitrina_sdk::normalize::date;

use crate::ebk::{Direction, Phase};

/// One source file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// What is fetched: the URL without its fragment.
    pub url: String,
    /// The file's name, decoded (`отчет-2024.csv`): a last hint at the year.
    pub file_name: String,
    /// `#year=`: the fiscal year, when the title rows do not give it.
    pub year: Option<i32>,
    /// `#date=`: the date a report is made up to, when its title does not
    /// say it (`2025-06-30` or `30.06.2025`).
    pub date: Option<NaiveDate>,
    /// `#direction=`: revenue or expenditure, beating headings and title.
    pub direction: Option<Direction>,
    /// `#phase=`: for amount columns whose header names no phase.
    pub phase: Option<Phase>,
    /// `#sheet=`: read only this worksheet (otherwise every sheet with a
    /// recognizable header is read).
    pub sheet: Option<String>,
}

/// A mistake in `sources`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("sources: {0}")]
pub struct SourceError(pub String);

/// Parses the `sources` value.
pub fn parse(value: &str) -> Result<Vec<Source>, SourceError> {
    let sources: Vec<Source> = value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .map(parse_one)
        .collect::<Result<_, _>>()?;
    if sources.is_empty() {
        return Err(SourceError(
            "no URL listed; list the report files, separated by commas".into(),
        ));
    }
    for (i, source) in sources.iter().enumerate() {
        // A whole workbook overlaps any of its sheets.
        let overlaps = |s: &Source| {
            s.url == source.url
                && (s.sheet.is_none() || source.sheet.is_none() || s.sheet == source.sheet)
        };
        if sources[..i].iter().any(overlaps) {
            return Err(SourceError(format!("{} is listed twice", source.url)));
        }
    }
    Ok(sources)
}

/// Parses one URL with its `#` options.
pub fn parse_one(entry: &str) -> Result<Source, SourceError> {
    let mut url =
        Url::parse(entry).map_err(|e| SourceError(format!("{entry:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https" | "file") {
        return Err(SourceError(format!(
            "{entry:?}: only http(s) and file:/// (fixtures) URLs can be read"
        )));
    }
    let fragment = url.fragment().map(str::to_string);
    url.set_fragment(None);
    let file_name = url
        .path_segments()
        .and_then(|mut segments| segments.next_back())
        .map(percent_decode)
        .unwrap_or_default();
    let mut source = Source {
        url: url.to_string(),
        file_name,
        year: None,
        date: None,
        direction: None,
        phase: None,
        sheet: None,
    };
    if let Some(fragment) = fragment {
        for (key, value) in url::form_urlencoded::parse(fragment.as_bytes()) {
            source.set_option(&key, value.trim(), entry)?;
        }
    }
    Ok(source)
}

/// Decodes `%D0%BE…` in a path segment; malformed escapes stay as they are.
pub(crate) fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Source {
    fn set_option(&mut self, key: &str, value: &str, entry: &str) -> Result<(), SourceError> {
        let bad = |what: &str| SourceError(format!("{entry:?}: {key}={value:?} is not {what}"));
        match key {
            "year" => {
                let year = value.parse().ok().filter(|y| (1990..=2100).contains(y));
                self.year = Some(year.ok_or_else(|| bad("a year"))?);
            }
            "date" => {
                let date = date::parse_date(value).ok();
                self.date = Some(date.ok_or_else(|| bad("a date (2025-06-30 or 30.06.2025)"))?);
            }
            "direction" => {
                let direction = Direction::from_name(value);
                self.direction = Some(direction.ok_or_else(|| bad("revenue or expenditure"))?);
            }
            "phase" => {
                let phase = Phase::from_name(value);
                self.phase =
                    Some(phase.ok_or_else(|| bad("proposed, approved, adjusted or executed"))?);
            }
            "sheet" if !value.is_empty() => self.sheet = Some(value.to_string()),
            "sheet" => return Err(bad("a sheet name")),
            other => {
                return Err(SourceError(format!(
                    "{entry:?}: unknown option #{other}= (known: year, date, direction, phase, sheet)"
                )));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_files_with_options() {
        let sources = parse(
            "file:///2024/otchet.csv#date=30.06.2024,\n  file:///2026/byudzhet.xlsx#year=2026&phase=approved, \
             https://www.burgas.bg/uploads/%D0%BE%D1%82%D1%87%D0%B5%D1%82.xls#sheet=%D0%A0%D0%B0%D0%B7%D1%85%D0%BE%D0%B4%D0%B8&direction=expenditure",
        )
        .unwrap();
        assert_eq!(sources.len(), 3);
        assert_eq!(sources[0].url, "file:///2024/otchet.csv");
        assert_eq!(sources[0].file_name, "otchet.csv");
        assert_eq!(sources[0].date, NaiveDate::from_ymd_opt(2024, 6, 30));
        assert_eq!(sources[1].url, "file:///2026/byudzhet.xlsx");
        assert_eq!(
            (sources[1].year, sources[1].phase),
            (Some(2026), Some(Phase::Approved))
        );
        assert_eq!(sources[2].file_name, "отчет.xls");
        assert_eq!(sources[2].sheet.as_deref(), Some("Разходи"));
        assert_eq!(sources[2].direction, Some(Direction::Expenditure));
        assert!(!sources[2].url.contains('#'));
    }

    #[test]
    fn mistakes_name_the_entry() {
        let err = parse("file:///a.csv#year=24").unwrap_err();
        assert_eq!(
            err.0,
            "\"file:///a.csv#year=24\": year=\"24\" is not a year"
        );
        let err = parse("file:///a.csv#date=2024-06").unwrap_err();
        assert_eq!(
            err.0,
            "\"file:///a.csv#date=2024-06\": date=\"2024-06\" is not a date (2025-06-30 or \
             30.06.2025)"
        );
        let err = parse("file:///a.csv#fund=local").unwrap_err();
        assert!(err.0.contains("unknown option #fund="), "{err}");
        let err = parse("ftp://example.org/a.csv").unwrap_err();
        assert!(err.0.contains("only http(s) and file:///"), "{err}");
        let err = parse("otchet.csv").unwrap_err();
        assert!(err.0.contains("is not a URL"), "{err}");
        assert!(parse(" , ").is_err());
        let err = parse("file:///a.csv, file:///a.csv#year=2024").unwrap_err();
        assert_eq!(err.0, "file:///a.csv is listed twice");
        assert!(parse("file:///a.xlsx#sheet=A, file:///a.xlsx#sheet=B").is_ok());
        assert!(parse("file:///a.xlsx#sheet=A, file:///a.xlsx").is_err());
    }
}
