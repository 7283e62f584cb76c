//! Files derived from every version for partner networks: a Frictionless
//! `datapackage.json` for every dataset, and the standard a dataset's
//! profile maps to (OCDS for procurement, a Fiscal Data Package for
//! budgets, Popolo for council decisions).
//!
//! They are written with the version's downloads, before the version
//! becomes visible, so a harvester that sees version N finds all of N's
//! files; they never change after. The renderings themselves live in the
//! `vitrina-standards` crate and read rows as the rows API serves them
//! (JSON objects); [`json_rows`] converts the store's rows as they stream
//! past, on a thread of their own, so a million contracts never sit in
//! memory.

use std::io::Write;
use std::sync::Arc;
use std::sync::mpsc::sync_channel;

use serde_json::{Map, Value as Json, json};
use vitrina_standards::Publication;

use crate::config::DatasetConfig;
use crate::schema::{FieldType, Row, StreamSchema, Value};
use crate::store::{DerivedFile, RowSource, StoreError, VersionFacts};
use crate::validate::profiles::{self, Profile};

/// The Frictionless descriptor of every version.
pub const DATAPACKAGE: &str = "datapackage.json";

/// The Fiscal Data Package of a `budget` version.
pub const FISCAL_DATAPACKAGE: &str = "fiscal-datapackage.json";

/// The Popolo motions and vote events of a `decision` version.
pub const POPOLO: &str = "popolo.json";

/// The OCDS release package of a `procurement` version.
pub const OCDS: &str = vitrina_standards::ocds::FILE_NAME;

/// Every name a derived file may have, for routing downloads.
const NAMES: &[&str] = &[DATAPACKAGE, FISCAL_DATAPACKAGE, POPOLO, OCDS];

/// Whether `file` names a derived file.
pub fn is_derived(file: &str) -> bool {
    NAMES.contains(&file)
}

/// Every derived file a dataset's versions get; `profile` is the one its
/// plugin produces.
pub fn for_dataset(
    dataset: &DatasetConfig,
    profile: Option<&str>,
    base_url: &str,
) -> Vec<Arc<dyn DerivedFile>> {
    let about = About::new(dataset, base_url);
    let profile = profile.and_then(profiles::get);
    let mut files: Vec<Arc<dyn DerivedFile>> = vec![Arc::new(DataPackage {
        about: about.clone(),
        profile,
    })];
    let Some(profile) = profile else {
        return files;
    };
    let rendering = match profile.name.as_str() {
        "budget" => Rendering::new(
            FISCAL_DATAPACKAGE,
            about,
            profile,
            render_fiscal_data_package,
        ),
        "decision" => Rendering::new(POPOLO, about, profile, render_popolo),
        "procurement" => Rendering {
            // A release package must hold a release: an empty version has none.
            wanted: |version| version.row_count > 0,
            ..Rendering::new(OCDS, about, profile, render_ocds)
        },
        _ => return files,
    };
    files.push(Arc::new(rendering));
    files
}

/// The standard rendering a profile's versions get, if any: the key of
/// its link in the dataset's `links.latest`, and its file name.
pub fn standard_file(profile: Option<&str>) -> Option<(&'static str, &'static str)> {
    match profile? {
        "budget" => Some(("fiscal_data_package", FISCAL_DATAPACKAGE)),
        "decision" => Some(("popolo", POPOLO)),
        "procurement" => Some(("ocds", OCDS)),
        _ => None,
    }
}

/// What every rendering says about the dataset, short of the version.
#[derive(Debug, Clone)]
struct About {
    dataset: String,
    title: String,
    description: String,
    publisher: String,
    license: String,
    /// `{base}/api/v1/datasets/{id}/versions/`
    versions_url: String,
}

impl About {
    fn new(dataset: &DatasetConfig, base_url: &str) -> Self {
        Self {
            dataset: dataset.id.clone(),
            title: dataset.title.clone(),
            description: dataset.description.clone(),
            publisher: dataset.publisher.clone().unwrap_or_default(),
            license: dataset.license.clone().unwrap_or_default(),
            versions_url: format!(
                "{}/api/v1/datasets/{}/versions/",
                base_url.trim_end_matches('/'),
                dataset.id
            ),
        }
    }

    fn publication(&self, version: &VersionFacts) -> Publication {
        Publication {
            dataset: self.dataset.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            publisher: self.publisher.clone(),
            license: self.license.clone(),
            version: version.number,
            published_at: version.published_at,
            version_url: format!("{}{}/", self.versions_url, version.number),
        }
    }
}

/// `datapackage.json`: the version's CSV described as a tabular resource,
/// with one more for each further table of the dataset.
struct DataPackage {
    about: About,
    profile: Option<&'static Profile>,
}

impl DerivedFile for DataPackage {
    fn name(&self) -> &'static str {
        DATAPACKAGE
    }

    /// It describes the version, not its rows: written before the version
    /// goes live.
    fn reads_rows(&self) -> bool {
        false
    }

    fn write(
        &self,
        out: &mut (dyn Write + Send),
        version: &VersionFacts,
        schema: &StreamSchema,
        _rows: &mut RowSource<'_>,
    ) -> Result<(), StoreError> {
        let mut descriptor = vitrina_standards::datapackage::descriptor(
            &self.about.publication(version),
            table_schema(schema, self.profile),
            version.row_count,
        );
        // Each further table's CSV sits in the version's folder as the
        // tables routes serve it, so the paths stay relative.
        for table in version.tables.iter() {
            let stream = &table.schema.name;
            vitrina_standards::datapackage::add_table(
                &mut descriptor,
                stream,
                &format!(
                    "tables/{stream}/{}",
                    vitrina_standards::datapackage::CSV_PATH
                ),
                table_schema(&table.schema, None),
                table.row_count,
            );
        }
        serde_json::to_writer_pretty(&mut *out, &descriptor).map_err(|e| StoreError::Write {
            file: DATAPACKAGE.to_string(),
            source: e.into(),
        })?;
        out.write_all(b"\n").map_err(io_error)
    }
}

/// A standard's rendering of the rows: the renderer gets the version's
/// publication, the profile's Table Schema and the rows as JSON objects.
type Render = fn(
    &mut (dyn Write + Send),
    &Publication,
    &Json,
    &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()>;

/// A standard file rendered from every row of a version: OCDS, a Fiscal
/// Data Package, Popolo.
struct Rendering {
    name: &'static str,
    about: About,
    profile: &'static Profile,
    render: Render,
    /// Whether a version with this many rows gets the file.
    wanted: fn(&VersionFacts) -> bool,
}

impl Rendering {
    fn new(name: &'static str, about: About, profile: &'static Profile, render: Render) -> Self {
        Self {
            name,
            about,
            profile,
            render,
            wanted: |_| true,
        }
    }
}

impl DerivedFile for Rendering {
    fn name(&self) -> &'static str {
        self.name
    }

    fn applies_to(&self, version: &VersionFacts) -> bool {
        (self.wanted)(version)
    }

    fn write(
        &self,
        out: &mut (dyn Write + Send),
        version: &VersionFacts,
        schema: &StreamSchema,
        rows: &mut RowSource<'_>,
    ) -> Result<(), StoreError> {
        let publication = self.about.publication(version);
        let (render, profile) = (self.render, &self.profile.schema);
        json_rows(schema, rows, out, move |out, rows| {
            render(out, &publication, profile, rows)
        })
    }
}

/// `fiscal-datapackage.json`: the version's CSV with the budget model
/// (measures and dimensions) budget tools read.
fn render_fiscal_data_package(
    out: &mut (dyn Write + Send),
    publication: &Publication,
    profile: &Json,
    rows: &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()> {
    let summary = vitrina_standards::fdp::FiscalSummary::from_rows(rows);
    let package = vitrina_standards::fdp::fiscal_data_package(publication, profile, &summary);
    serde_json::to_writer_pretty(&mut *out, &package)?;
    out.write_all(b"\n")
}

/// `popolo.json`: each decision as a Popolo motion with its vote event,
/// and the council, its sessions, groups and councillors, for
/// parliamentary-monitoring tools. The council is the one the dataset's
/// publisher names.
fn render_popolo(
    mut out: &mut (dyn Write + Send),
    publication: &Publication,
    _profile: &Json,
    rows: &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()> {
    let council = vitrina_standards::popolo::Council::from_publication(publication);
    vitrina_standards::popolo::write_popolo(&mut out, publication, &council, rows)
}

/// `ocds.json`: an OCDS 1.1 release package, one release per contract,
/// for procurement portals and the Open Contracting tools.
fn render_ocds(
    mut out: &mut (dyn Write + Send),
    publication: &Publication,
    _profile: &Json,
    rows: &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()> {
    vitrina_standards::ocds::write_release_package(&mut out, publication, rows)
}

/// The Table Schema of a stream: the profile's own description of each of
/// its fields (with its constraints), the stream's for the rest.
pub fn table_schema(schema: &StreamSchema, profile: Option<&Profile>) -> Json {
    let documented: Map<String, Json> = profile
        .and_then(|p| p.schema.get("fields").and_then(Json::as_array).cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|f| Some((f.get("name")?.as_str()?.to_string(), f)))
        .collect();
    let fields: Vec<Json> = schema
        .fields
        .iter()
        .map(|field| {
            documented.get(&field.name).cloned().unwrap_or_else(|| {
                let mut described = json!({
                    "name": field.name,
                    "type": frictionless_type(field.kind),
                    "description": field.description,
                });
                if !field.nullable {
                    described["constraints"] = json!({ "required": true });
                }
                described
            })
        })
        .collect();
    json!({ "fields": fields, "primaryKey": schema.primary_key, "missingValues": [""] })
}

fn frictionless_type(kind: FieldType) -> &'static str {
    match kind {
        FieldType::Boolean => "boolean",
        FieldType::Integer => "integer",
        FieldType::Decimal | FieldType::Float => "number",
        FieldType::Text => "string",
        FieldType::Date => "date",
        FieldType::Datetime => "datetime",
        FieldType::Json => "any",
    }
}

/// Streams the rows as JSON objects to `consume`, which runs on a thread
/// of its own while this thread reads the store (the store's connection
/// stays on the thread that opened it).
pub fn json_rows<F>(
    schema: &StreamSchema,
    rows: &mut RowSource<'_>,
    out: &mut (dyn Write + Send),
    consume: F,
) -> Result<(), StoreError>
where
    F: FnOnce(
            &mut (dyn Write + Send),
            &mut dyn Iterator<Item = Map<String, Json>>,
        ) -> std::io::Result<()>
        + Send,
{
    /// Rows in flight between the two threads.
    const QUEUE: usize = 1024;
    let (sender, receiver) = sync_channel(QUEUE);
    std::thread::scope(|scope| {
        let consumer = scope.spawn(move || {
            let mut iter = receiver.into_iter();
            consume(out, &mut iter)
        });
        let produced = rows(&mut |row| {
            sender
                .send(json_row(schema, row))
                .map_err(|_| std::io::Error::other("the writer stopped early"))
        });
        drop(sender);
        let consumed = consumer
            .join()
            .map_err(|_| StoreError::Worker("the writer thread of a standard file".to_string()))?;
        // The writer's own error says more than "stopped early".
        consumed.map_err(io_error)?;
        produced
    })
}

/// A row as the rows API serves it: decimals as strings (exact), JSON
/// cells embedded.
fn json_row(schema: &StreamSchema, row: &Row) -> Map<String, Json> {
    schema
        .fields
        .iter()
        .zip(row)
        .map(|(field, value)| (field.name.clone(), json_value(value)))
        .collect()
}

fn json_value(value: &Value) -> Json {
    match value {
        Value::Null => Json::Null,
        Value::Boolean(b) => Json::Bool(*b),
        Value::Integer(i) => Json::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
        Value::Decimal(s) | Value::Text(s) | Value::Date(s) | Value::Datetime(s) => {
            Json::String(s.clone())
        }
        Value::Json(s) => serde_json::from_str(s).unwrap_or_else(|_| Json::String(s.clone())),
    }
}

fn io_error(source: std::io::Error) -> StoreError {
    StoreError::Write {
        file: "a standard file".to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Field;

    fn stream() -> StreamSchema {
        StreamSchema {
            name: "projects".to_string(),
            description: String::new(),
            fields: vec![
                Field::new("id", FieldType::Text, false),
                Field::new("budget", FieldType::Decimal, true),
                Field::new("partners", FieldType::Json, false),
            ],
            primary_key: vec!["id".to_string()],
        }
    }

    #[test]
    fn the_table_schema_takes_the_profiles_description_of_its_fields() {
        let schema = table_schema(&stream(), profiles::get("project"));
        assert_eq!(schema["fields"][0]["name"], "id");
        assert_eq!(schema["fields"][0]["constraints"]["required"], true);
        assert_eq!(schema["fields"][1]["type"], "number");
        assert_eq!(schema["fields"][1]["constraints"]["minimum"], 0);
        assert_eq!(schema["fields"][2]["type"], "array");
        let plain = table_schema(&stream(), None);
        assert_eq!(plain["fields"][2]["type"], "any");
        assert_eq!(plain["primaryKey"], json!(["id"]));
    }

    #[test]
    fn rows_stream_through_to_a_consumer_thread() {
        let schema = stream();
        let rows = vec![
            vec![
                Value::Text("a".into()),
                Value::Decimal("10.50".into()),
                Value::Json("[\"Ghent\"]".into()),
            ],
            vec![
                Value::Text("b".into()),
                Value::Null,
                Value::Json("[]".into()),
            ],
        ];
        let mut source = |emit: &mut dyn FnMut(&Row) -> std::io::Result<()>| {
            for row in &rows {
                emit(row).map_err(io_error)?;
            }
            Ok(())
        };
        let mut out: Vec<u8> = Vec::new();
        json_rows(&schema, &mut source, &mut out, |out, rows| {
            for row in rows {
                serde_json::to_writer(&mut *out, &row)?;
                out.write_all(b"\n")?;
            }
            Ok(())
        })
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "{\"budget\":\"10.50\",\"id\":\"a\",\"partners\":[\"Ghent\"]}\n{\"budget\":null,\"id\":\"b\",\"partners\":[]}\n"
        );
    }
}
