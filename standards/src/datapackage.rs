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

/// The file name of the version's JSON download, relative to the descriptor.
pub const JSON_PATH: &str = "data.json";

/// A decimal as `data.json` writes it: the exact digits in a JSON string.
const DECIMAL_TEXT: &str = "^-?[0-9]+(\\.[0-9]+)?$";

/// Adds the version's JSON download to `package`, as a second resource of
/// the same rows. `decimals` names the fields that are exact decimals:
/// `data.json` writes them as JSON strings so no digit is lost to a binary
/// float, and its schema says so, where `data.csv`'s says number.
pub fn add_json_rows(
    package: &mut Value,
    dataset: &str,
    mut table_schema: Value,
    decimals: &[&str],
    row_count: u64,
) {
    if let Some(fields) = table_schema["fields"].as_array_mut() {
        for field in fields
            .iter_mut()
            .filter(|f| f["name"].as_str().is_some_and(|n| decimals.contains(&n)))
        {
            as_decimal_text(field);
        }
    }
    let resource = json!({
        "name": format!("{}-json", package_name(dataset)),
        "path": JSON_PATH,
        "profile": "tabular-data-resource",
        "format": "json",
        "mediatype": "application/json",
        "encoding": "utf-8",
        "schema": table_schema,
        "stats": { "rows": row_count },
    });
    if let Some(resources) = package["resources"].as_array_mut() {
        resources.push(resource);
    }
}

/// A number field of the CSV as `data.json` carries it: a string of the
/// exact decimal, its numeric bounds said in words.
fn as_decimal_text(field: &mut Value) {
    let Some(object) = field.as_object_mut() else {
        return;
    };
    object.insert("type".into(), json!("string"));
    object.remove("decimalPlaces");
    let mut bounds = Vec::new();
    if let Some(constraints) = object.get_mut("constraints").and_then(Value::as_object_mut) {
        for (key, word) in [("minimum", "at least"), ("maximum", "at most")] {
            if let Some(bound) = constraints.remove(key) {
                bounds.push(format!("{word} {bound}"));
            }
        }
        constraints.insert("pattern".into(), json!(DECIMAL_TEXT));
    } else {
        object.insert("constraints".into(), json!({ "pattern": DECIMAL_TEXT }));
    }
    let description = object
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let bounds = if bounds.is_empty() {
        String::new()
    } else {
        format!(", {}", bounds.join(" and "))
    };
    object.insert(
        "description".into(),
        json!(format!(
            "{description} In data.json an exact decimal written as a JSON string (`\"1234.50\"`{bounds}), so that no digit is lost to a binary float."
        ).trim_start().to_string()),
    );
}

/// Names the systems the data is read from (`sources` of the spec), and
/// marks a dataset read from bundled sample files (`sample`, an extension
/// property) so nobody takes it for the live source.
pub fn add_provenance(package: &mut Value, sources: &[(String, Option<String>)], sample: bool) {
    if !sources.is_empty() {
        package["sources"] = sources
            .iter()
            .map(|(title, path)| match path {
                Some(path) => json!({ "title": title, "path": path }),
                None => json!({ "title": title }),
            })
            .collect();
    }
    if sample {
        package["sample"] = json!(true);
    }
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

    #[test]
    fn data_json_is_described_with_its_decimals_as_strings() {
        let schema = json!({"fields": [
            {"name": "id", "type": "string"},
            {"name": "value", "type": "number", "decimalPlaces": 2, "description": "The value.",
             "constraints": {"required": true, "minimum": 0}},
            {"name": "bids", "type": "integer", "constraints": {"minimum": 0}}
        ]});
        let mut package = descriptor(&publication(), schema.clone(), 8);
        add_json_rows(&mut package, "burgas-projects", schema, &["value"], 8);
        let resource = &package["resources"][1];
        assert_eq!(resource["path"], "data.json");
        assert_eq!(resource["format"], "json");
        let value = &resource["schema"]["fields"][1];
        assert_eq!(value["type"], "string");
        assert!(value.get("decimalPlaces").is_none());
        assert_eq!(
            value["constraints"],
            json!({"required": true, "pattern": "^-?[0-9]+(\\.[0-9]+)?$"})
        );
        let description = value["description"].as_str().unwrap();
        assert!(
            description.starts_with("The value. In data.json"),
            "{description}"
        );
        assert!(description.contains("at least 0"), "{description}");
        // The CSV's own schema keeps the number, and integers stay integers.
        assert_eq!(
            package["resources"][0]["schema"]["fields"][1]["type"],
            "number"
        );
        assert_eq!(resource["schema"]["fields"][2]["type"], "integer");
    }

    #[test]
    fn sources_are_named_and_sample_data_is_marked() {
        let mut package = descriptor(&publication(), json!({"fields": []}), 0);
        add_provenance(&mut package, &[], false);
        assert!(package.get("sources").is_none());
        assert!(package.get("sample").is_none());
        add_provenance(
            &mut package,
            &[
                (
                    "ЦАИС ЕОП".to_string(),
                    Some("https://app.eop.bg".to_string()),
                ),
                ("A portal".to_string(), None),
            ],
            true,
        );
        assert_eq!(
            package["sources"],
            json!([{"title": "ЦАИС ЕОП", "path": "https://app.eop.bg"}, {"title": "A portal"}])
        );
        assert_eq!(package["sample"], true);
    }
}
