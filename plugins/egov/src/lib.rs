//! `egov`: a resource of Bulgaria's national open-data portal
//! (data.egov.bg), through its JSON-over-POST API.
//!
//! `getResourceData` answers a resource's table whole, as rows of cells
//! whose first row is the header: the plugin declares a stream from that
//! header (contract 0.2.0: the fields come from the source), every column
//! text (the portal keeps no types), named by the official transliteration
//! (`Наименование` → `naimenovanie`), and emits the rest. A resource that
//! is a JSON document rather than a table is refused with a clear error. A
//! run whose data did not change publishes nothing new (the host compares
//! content); with `version`, one version of the resource is read.
//!
//! `portal` defaults to `https://data.egov.bg`; a `file:` portal reads
//! `api/getResourceData` from the dataset's fixtures, which is how the demo
//! dataset runs without the network.

use serde_json::{Value as Json, json};
use vitrina_sdk::normalize::text::{clean, machine_name};
use vitrina_sdk::prelude::*;

struct Egov;

const STREAM: &str = "records";
const PORTAL: &str = "https://data.egov.bg";

/// The stream a header declares: `row` (the line's number, the key unless
/// `key` names columns), then every column as text.
fn declared(header: &[String], keys: &[String], description: &str) -> Result<StreamSchema, Error> {
    let mut names: Vec<String> = Vec::new();
    let mut schema = StreamSchema::from_source(STREAM, description);
    if keys.is_empty() {
        schema =
            schema.field(Field::integer("row", "The record's line in the resource, from 1.").key());
        names.push("row".to_string());
    }
    for title in header {
        let mut name = machine_name(title);
        let base = name.clone();
        let mut n = 2;
        while names.contains(&name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        let field = Field::text(&name, &format!("The portal's column „{}“.", clean(title)));
        schema = schema.field(if keys.iter().any(|k| *k == *title || *k == name) {
            field.key()
        } else {
            field.nullable()
        });
        names.push(name);
    }
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !header.contains(k) && !names.contains(k))
        .collect();
    if !missing.is_empty() {
        return Err(Error::config(format!(
            "key column(s) {missing:?} are not in the resource; its columns are {}",
            header.join(", ")
        )));
    }
    Ok(schema)
}

/// One call of the portal's API: `{"success": true, "data": ...}`.
fn call(portal: &str, action: &str, body: Json) -> Result<Json, Error> {
    let url = format!("{}/api/{action}", portal.trim_end_matches('/'));
    let response = vitrina_sdk::fetch::Request::post(&url, body.to_string().into_bytes())
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .send()?;
    if response.status >= 500 || response.status == 429 {
        return Err(Error::source_unavailable(format!(
            "{url}: the portal answered {}",
            response.status
        )));
    }
    let answer: Json = response.json()?;
    if answer["success"] != json!(true) {
        let message = answer["error"]["message"]
            .as_str()
            .or_else(|| answer["errors"].as_str())
            .unwrap_or("no reason given");
        return Err(Error::config(format!(
            "{action}: the portal refused: {message}; check `resource` in [config]"
        )));
    }
    Ok(answer["data"].clone())
}

/// A cell as text: the portal sends strings, and numbers now and then.
fn text(cell: &Json) -> Option<String> {
    let text = match cell {
        Json::Null => return None,
        Json::String(s) => clean(s),
        other => other.to_string(),
    };
    (!text.is_empty()).then_some(text)
}

impl Plugin for Egov {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "egov",
            env!("CARGO_PKG_VERSION"),
            "A resource of Bulgaria's national open-data portal (data.egov.bg), read whole with getResourceData; its columns as the portal's header names them.",
        )
        .config(ConfigKey::required(
            "resource",
            "The resource's URI on the portal (its `resource_uri`).",
        ))
        .config(ConfigKey::optional(
            "portal",
            "The portal's base URL (default https://data.egov.bg; a `file:` URL reads fixtures).",
        ))
        .config(ConfigKey::optional(
            "key",
            "The columns that identify a record, comma-separated; default its line (`row`).",
        ))
        .config(ConfigKey::optional(
            "version",
            "A version of the resource to read instead of the newest.",
        ))
        .config(ConfigKey::optional("api_key", "An API key of the portal.").secret())
        .stream(StreamSchema::from_source(
            STREAM,
            "One record of the resource, with the portal's own columns.",
        ))
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let portal = run.config("portal").unwrap_or_else(|| PORTAL.to_string());
        let resource = run.require("resource")?;
        let mut body = json!({ "resource_uri": resource });
        if let Some(version) = run.config("version") {
            body["version"] = json!(version);
        }
        if let Some(key) = run.secret("api_key") {
            body["api_key"] = json!(key);
        }
        let data = call(&portal, "getResourceData", body)?;
        let Some(table) = data.as_array() else {
            return Err(Error::source_changed(format!(
                "resource {resource} is not a table (getResourceData answered a {}); only tabular resources can be collected",
                if data.is_object() {
                    "JSON object"
                } else {
                    "value"
                }
            )));
        };
        let mut lines = table.iter();
        let header: Vec<String> = lines
            .next()
            .and_then(Json::as_array)
            .ok_or_else(|| Error::source_changed(format!("resource {resource} has no header row")))?
            .iter()
            .map(|c| text(c).unwrap_or_default())
            .collect();
        let keys: Vec<String> = run
            .config("key")
            .unwrap_or_default()
            .split(',')
            .map(|k| k.trim().to_string())
            .filter(|k| !k.is_empty())
            .collect();
        let description = format!(
            "One record of resource {resource} of data.egov.bg, with the portal's own columns."
        );
        let schema = declared(&header, &keys, &description)?;
        let fields: Vec<String> = schema
            .fields()
            .iter()
            .map(|f| f.name().to_string())
            .collect();
        run.declare(schema)?;
        for (number, line) in lines.enumerate() {
            let cells = line.as_array().ok_or_else(|| {
                Error::source_changed(format!(
                    "resource {resource}: line {} is not a row",
                    number + 2
                ))
            })?;
            if cells.iter().all(|c| text(c).is_none()) {
                continue;
            }
            let mut row = run.row(STREAM);
            let mut columns = fields.iter();
            if keys.is_empty() {
                columns.next();
                row = row.set("row", number as i64 + 1);
            }
            for (name, cell) in columns.zip(cells) {
                row = row.set(name, text(cell));
            }
            run.emit(row)?;
        }
        Ok(())
    }
}

vitrina_sdk::export_plugin!(Egov);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_declares_its_columns_by_their_transliteration() {
        let header = [
            "№".to_string(),
            "Наименование".into(),
            "Адрес".into(),
            "Адрес".into(),
        ];
        let schema = declared(&header, &[], "d").unwrap();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
        assert_eq!(names, ["row", "no", "naimenovanie", "adres", "adres_2"]);
        let keyed = declared(&header, &["Наименование".to_string()], "d").unwrap();
        assert!(
            keyed
                .fields()
                .iter()
                .find(|f| f.name() == "naimenovanie")
                .unwrap()
                .is_key()
        );
        assert!(declared(&header, &["ЕИК".to_string()], "d").is_err());
    }
}
