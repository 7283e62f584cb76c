//! The dataset's `[config]`, read and checked before anything is fetched.
//!
//! Every value in `dataset.toml` is a string; this module turns them into
//! typed settings and names the key and the fix when one is wrong, so a
//! mistyped ЕИК fails the run at once instead of silently matching no row.

use url::Url;
use vitrina_sdk::normalize::eik::parse_eik;

/// Listing pages followed at most, so a `next` loop cannot run forever.
const DEFAULT_MAX_PAGES: usize = 100;
/// Records skipped as unreadable before the run gives up on the source.
const DEFAULT_MAX_BAD_ROWS: u64 = 100;

/// What `collect` needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The buyer whose contracts are collected: 9 or 13 digits.
    pub buyer_eik: String,
    /// The yearly exports, read in this order.
    pub sources: Vec<Url>,
    /// The first page of the listing of new notices.
    pub notices_url: Option<Url>,
    /// The OCDS prefix, without a trailing hyphen.
    pub ocid_prefix: String,
    /// Whether a run with a bookmark reads only the listing.
    pub incremental: bool,
    pub max_pages: usize,
    pub max_bad_rows: u64,
}

/// A configuration value that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{key} = {value:?}: {problem}; fix it under [config] in dataset.toml")]
pub struct SettingsError {
    pub key: &'static str,
    pub value: String,
    pub problem: String,
}

fn problem(key: &'static str, value: &str, problem: impl Into<String>) -> SettingsError {
    SettingsError {
        key,
        value: value.to_string(),
        problem: problem.into(),
    }
}

impl Settings {
    /// Reads the settings through `get` (the run's or the check's config).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Settings, SettingsError> {
        let required = |key: &'static str| {
            get(key)
                .filter(|v| !v.trim().is_empty())
                .ok_or_else(|| problem(key, "", "not set"))
        };
        let eik = required("buyer_eik")?;
        let buyer_eik = parse_eik(&eik)
            .map_err(|e| problem("buyer_eik", &eik, e.to_string()))?
            .to_string();
        let sources = url_list(&required("sources")?)?;
        let notices_url = get("notices_url")
            .filter(|v| !v.trim().is_empty())
            .map(|v| parse_url("notices_url", &v))
            .transpose()?;
        let ocid_prefix = ocid_prefix(&required("ocid_prefix")?)?;
        Ok(Settings {
            buyer_eik,
            sources,
            notices_url,
            ocid_prefix,
            incremental: flag("incremental", get("incremental"))?,
            max_pages: number("max_pages", get("max_pages"), DEFAULT_MAX_PAGES)?,
            max_bad_rows: number("max_bad_rows", get("max_bad_rows"), DEFAULT_MAX_BAD_ROWS)?,
        })
    }
}

/// URLs separated by commas, spaces or line breaks.
fn url_list(value: &str) -> Result<Vec<Url>, SettingsError> {
    value
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(|s| parse_url("sources", s))
        .collect()
}

fn parse_url(key: &'static str, value: &str) -> Result<Url, SettingsError> {
    let url =
        Url::parse(value.trim()).map_err(|e| problem(key, value, format!("not a URL: {e}")))?;
    match url.scheme() {
        "http" | "https" | "file" => Ok(url),
        other => Err(problem(
            key,
            value,
            format!("scheme {other}: is not http, https or file"),
        )),
    }
}

/// `ocds-abc123` or `ocds-abc123-`: the registered prefix, lowercase.
fn ocid_prefix(value: &str) -> Result<String, SettingsError> {
    let prefix = value.trim().trim_end_matches('-');
    let ok = prefix.strip_prefix("ocds-").is_some_and(|id| {
        !id.is_empty()
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    });
    if ok {
        Ok(prefix.to_string())
    } else {
        Err(problem(
            "ocid_prefix",
            value,
            "expected the OCDS prefix registered for the publisher, `ocds-` and lowercase letters or digits (`ocds-abc123`)",
        ))
    }
}

fn flag(key: &'static str, value: Option<String>) -> Result<bool, SettingsError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(false),
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        Some(other) => Err(problem(key, other, "expected true or false")),
    }
}

fn number<T: std::str::FromStr>(
    key: &'static str,
    value: Option<String>,
    default: T,
) -> Result<T, SettingsError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(default),
        Some(v) => v.parse().map_err(|_| problem(key, v, "not a whole number")),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn read(pairs: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::read(|k| map.get(k).cloned())
    }

    const BASE: [(&str, &str); 3] = [
        ("buyer_eik", "000056814"),
        (
            "sources",
            "file:///contracts-2024.csv, file:///contracts-2025.csv\n file:///contracts-2026.csv",
        ),
        ("ocid_prefix", "ocds-abc123-"),
    ];

    #[test]
    fn the_demo_configuration_reads() {
        let s = read(&BASE).expect("reads");
        assert_eq!(s.buyer_eik, "000056814");
        assert_eq!(s.sources.len(), 3);
        assert_eq!(s.sources[2].as_str(), "file:///contracts-2026.csv");
        assert_eq!(s.ocid_prefix, "ocds-abc123");
        assert_eq!(
            (s.incremental, s.max_pages, s.max_bad_rows),
            (false, 100, 100)
        );
        assert_eq!(s.notices_url, None);
    }

    #[test]
    fn mistakes_name_the_key() {
        let with = |key: &'static str, value: &'static str| {
            let mut pairs = BASE.to_vec();
            pairs.retain(|(k, _)| *k != key);
            pairs.push((key, value));
            read(&pairs).unwrap_err().to_string()
        };
        let cases = [
            (with("buyer_eik", "000056815"), "buyer_eik", "checksum"),
            (with("buyer_eik", " "), "buyer_eik", "not set"),
            (with("sources", "contracts.csv"), "sources", "not a URL"),
            (with("sources", "ftp://x/y.csv"), "sources", "is not http"),
            (with("ocid_prefix", "OCDS-ABC"), "ocid_prefix", "registered"),
            (with("incremental", "yes"), "incremental", "true or false"),
            (with("max_pages", "ten"), "max_pages", "whole number"),
            (
                with("notices_url", "notices.json"),
                "notices_url",
                "not a URL",
            ),
        ];
        for (message, key, why) in cases {
            assert!(message.starts_with(key), "{message}");
            assert!(message.contains(why), "{message}");
            assert!(message.contains("dataset.toml"), "{message}");
        }
    }
}
