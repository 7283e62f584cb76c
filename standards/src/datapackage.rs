//! Frictionless Data Package descriptors: the `datapackage.json` that sits
//! beside every version's CSV, so data portals and `frictionless validate`
//! know the file's columns, types and constraints without reading our API.
//!
//! The descriptor is a tabular data package with one resource, the
//! version's `data.csv`, referenced by a relative path: the descriptor and
//! the CSV are published in the same folder, so the pair stays valid
//! wherever it is copied or mirrored. Nothing in it names the portal's own
//! address: the file is stored once and served for years, and a portal that
//! moves (a new `public_url`) must not leave it pointing at the old one.

use serde_json::{Value, json};

use crate::Publication;

/// The file name of the version's CSV, relative to the descriptor.
pub const CSV_PATH: &str = "data.csv";

/// A Data Package descriptor for `publication`, whose CSV has the columns
/// of `table_schema` (a Frictionless Table Schema) and `row_count` rows.
pub fn descriptor(publication: &Publication, table_schema: Value, row_count: u64) -> Value {
    let mut package = json!({
        "profile": "tabular-data-package",
        "name": package_name(&publication.dataset),
        "title": publication.title,
        "description": publication.description,
        "version": format!("{}.0.0", publication.version),
        "created": publication.published_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "contributors": [ { "title": publication.publisher, "role": "publisher" } ],
        "resources": [ csv_resource(&publication.dataset, CSV_PATH, table_schema, row_count) ],
    });
    if !publication.license.is_empty() {
        package["licenses"] = json!([crate::licences::data_package_entry(&publication.license)]);
    }
    package
}

/// Adds a further table of the version to `package`: its CSV at `path`
/// (relative to the descriptor), under the resource name `name`.
pub fn add_table(package: &mut Value, name: &str, path: &str, table_schema: Value, row_count: u64) {
    if let Some(resources) = package["resources"].as_array_mut() {
        resources.push(csv_resource(name, path, table_schema, row_count));
    }
}

/// A tabular resource: a UTF-8 CSV with a header row at `path`.
fn csv_resource(name: &str, path: &str, table_schema: Value, row_count: u64) -> Value {
    json!({
        "name": package_name(name),
        "path": path,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "dialect": { "delimiter": ",", "doubleQuote": true, "header": true },
        "schema": table_schema,
        "stats": { "rows": row_count },
    })
}

/// A package or resource name as the spec allows: lowercase letters,
/// digits, `-`, `_`, `.`.
fn package_name(dataset: &str) -> String {
    dataset
        .chars()
        .map(|c| {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publication() -> Publication {
        Publication {
            dataset: "burgas-projects".to_string(),
            title: "Проекти".to_string(),
            description: "EU-funded projects".to_string(),
            publisher: "Община Бургас".to_string(),
            license: "CC-BY-4.0".to_string(),
            version: 3,
            published_at: "2026-03-29T01:30:00Z".parse().unwrap(),
            version_url: "https://data.burgas.bg/api/v1/datasets/burgas-projects/versions/3/"
                .to_string(),
        }
    }

    #[test]
    fn one_tabular_resource_beside_the_descriptor() {
        let schema = json!({"fields": [{"name": "id", "type": "string"}], "primaryKey": ["id"]});
        let package = descriptor(&publication(), schema.clone(), 8);
        assert_eq!(package["profile"], "tabular-data-package");
        assert_eq!(package["name"], "burgas-projects");
        assert_eq!(package["version"], "3.0.0");
        assert_eq!(package["created"], "2026-03-29T01:30:00Z");
        assert_eq!(package["licenses"][0]["name"], "CC-BY-4.0");
        assert_eq!(
            package["licenses"][0]["path"],
            "https://creativecommons.org/licenses/by/4.0/"
        );
        assert_eq!(
            package["licenses"][0]["title"],
            "Creative Commons Attribution 4.0 International"
        );
        let resource = &package["resources"][0];
        assert_eq!(resource["path"], "data.csv");
        assert_eq!(resource["schema"], schema);
        assert_eq!(resource["stats"]["rows"], 8);
    }

    #[test]
    fn the_portals_address_is_not_stored() {
        let package = descriptor(&publication(), json!({"fields": []}), 0);
        let text = package.to_string();
        assert!(!text.contains("data.burgas.bg"), "{text}");
        assert!(package.get("homepage").is_none());
    }

    #[test]
    fn no_license_no_licenses() {
        let mut p = publication();
        p.license.clear();
        p.dataset = "Burgas Budget".to_string();
        let package = descriptor(&p, json!({"fields": []}), 0);
        assert!(package.get("licenses").is_none());
        assert_eq!(package["name"], "burgas-budget");
    }
}
