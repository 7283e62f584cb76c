//! The open licences datasets are published under, by SPDX id: their
//! titles and where to read them, for every file and page that names one
//! (Data Package `licenses`, the Fiscal Data Package, the dataset page).
//! One table, so a licence reads the same everywhere.

use serde_json::{Value, json};

/// (SPDX id, title, the licence's own page).
const KNOWN: &[(&str, &str, &str)] = &[
    (
        "CC-BY-4.0",
        "Creative Commons Attribution 4.0 International",
        "https://creativecommons.org/licenses/by/4.0/",
    ),
    (
        "CC-BY-SA-4.0",
        "Creative Commons Attribution-ShareAlike 4.0 International",
        "https://creativecommons.org/licenses/by-sa/4.0/",
    ),
    (
        "CC0-1.0",
        "Creative Commons Zero v1.0 Universal",
        "https://creativecommons.org/publicdomain/zero/1.0/",
    ),
    (
        "ODbL-1.0",
        "Open Data Commons Open Database License v1.0",
        "https://opendatacommons.org/licenses/odbl/1-0/",
    ),
    (
        "OGL-UK-3.0",
        "Open Government Licence v3.0",
        "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
    ),
];

/// A licence's title and page: known ones by their own, any other SPDX id
/// by its entry in the SPDX list.
pub fn describe(spdx: &str) -> (String, String) {
    match KNOWN.iter().find(|(id, _, _)| *id == spdx) {
        Some((_, title, url)) => (title.to_string(), url.to_string()),
        None => (
            spdx.to_string(),
            format!("https://spdx.org/licenses/{spdx}.html"),
        ),
    }
}

/// A Data Package `licenses` entry: `name` (the SPDX id), `path`, `title`.
pub fn data_package_entry(spdx: &str) -> Value {
    let (title, path) = describe(spdx);
    json!({ "name": spdx, "path": path, "title": title })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_licences_have_their_own_page_and_others_spdxs() {
        assert_eq!(
            data_package_entry("CC-BY-4.0"),
            json!({
                "name": "CC-BY-4.0",
                "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0 International",
            })
        );
        assert_eq!(
            describe("EUPL-1.2"),
            (
                "EUPL-1.2".to_string(),
                "https://spdx.org/licenses/EUPL-1.2.html".to_string()
            )
        );
    }
}
