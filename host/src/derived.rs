//! Files derived from every version for partner networks: a Frictionless
//! `datapackage.json` for every dataset, and the standard a dataset's
//! profile maps to (OCDS release and record packages for procurement, a
//! Fiscal Data Package and the fiscal table it describes for budgets,
//! Popolo for council decisions). None holds the portal's own address
//! except the OCDS packages' `uri`, which the standard requires absolute.
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
use vitrina_standards::ocds::PackageInfo;

use crate::config::DatasetConfig;
use crate::schema::{FieldType, Row, StreamSchema, Value};
use crate::store::{DerivedFile, RowSource, StoreError, VersionFacts};
use crate::validate::profiles::{self, Profile};

/// The Frictionless descriptor of every version.
pub const DATAPACKAGE: &str = "datapackage.json";

/// The Fiscal Data Package of a `budget` version.
pub const FISCAL_DATAPACKAGE: &str = "fiscal-datapackage.json";

/// The fiscal table that package describes: one row per budget line, a
/// euro measure per direction and phase.
pub const FISCAL_TABLE: &str = vitrina_standards::fdp::FISCAL_TABLE;

/// The Popolo motions and vote events of a `decision` version.
pub const POPOLO: &str = "popolo.json";

/// The OCDS release package of a `procurement` version.
pub const OCDS: &str = vitrina_standards::ocds::FILE_NAME;

/// The OCDS record package of a `procurement` version: each procurement's
/// releases compiled into its current state.
pub const OCDS_RECORDS: &str = vitrina_standards::ocds::RECORDS_FILE_NAME;

/// The derived files that name the portal's address (OCDS requires its
/// packages' `uri` absolute): written again when the address changes
/// (`Store::readdress`).
pub const ADDRESSED: [&str; 2] = [OCDS, OCDS_RECORDS];

/// Every name a derived file may have, for routing downloads.
const NAMES: &[&str] = &[
    DATAPACKAGE,
    FISCAL_DATAPACKAGE,
    FISCAL_TABLE,
    POPOLO,
    OCDS,
    OCDS_RECORDS,
];

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
    match profile.name.as_str() {
        "budget" => {
            files.push(Arc::new(Rendering::new(
                FISCAL_DATAPACKAGE,
                about.clone(),
                profile,
                render_fiscal_data_package,
            )));
            files.push(Arc::new(Rendering::new(
                FISCAL_TABLE,
                about,
                profile,
                render_fiscal_table,
            )));
        }
        "decision" => files.push(Arc::new(Rendering::new(
            POPOLO,
            about,
            profile,
            render_popolo,
        ))),
        "procurement" => {
            // A package must hold a release: an empty version has none.
            let wanted = |version: &VersionFacts| version.row_count > 0;
            files.push(Arc::new(Rendering {
                wanted,
                ..Rendering::new(OCDS, about.clone(), profile, render_ocds)
            }));
            files.push(Arc::new(Rendering {
                wanted,
                ..Rendering::new(OCDS_RECORDS, about, profile, render_ocds_records)
            }));
        }
        _ => {}
    }
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
    ocds: crate::config::OcdsSettings,
    /// Other forms of councillors' names, for Popolo.
    aliases: std::collections::BTreeMap<String, String>,
    /// The source systems, as (title, path).
    sources: Vec<(String, Option<String>)>,
    /// Read from bundled sample files, not the live source.
    sample: bool,
    /// The portal's address the links are built from.
    base_url: String,
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
            ocds: dataset.ocds.clone(),
            aliases: dataset.popolo.aliases.clone(),
            sources: dataset
                .sources
                .iter()
                .map(|s| (s.title.clone(), s.path.clone()))
                .collect(),
            sample: dataset.reads_bundled_files(),
            base_url: base_url.to_string(),
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

    /// What an OCDS package of `version` says about itself.
    fn ocds_package(&self, version: &VersionFacts, file: &str) -> PackageInfo {
        PackageInfo {
            uri: format!("{}{}/{file}", self.versions_url, version.number),
            published_date: version.published_at,
            publisher_name: self.publisher.clone(),
            publisher_eik: self.ocds.publisher_eik.clone(),
            license: self.license.clone(),
            publication_policy: self.ocds.publication_policy.clone(),
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
        let publication = self.about.publication(version);
        let described = table_schema(schema, self.profile);
        let mut descriptor = vitrina_standards::datapackage::descriptor(
            &publication,
            described.clone(),
            version.row_count,
        );
        vitrina_standards::datapackage::add_provenance(
            &mut descriptor,
            &self.about.sources,
            self.about.sample,
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
        // The JSON download last: resource 0 stays the CSV, then the
        // further tables' CSVs, as they always were.
        let decimals: Vec<&str> = schema
            .fields
            .iter()
            .filter(|f| f.kind == FieldType::Decimal)
            .map(|f| f.name.as_str())
            .collect();
        vitrina_standards::datapackage::add_json_rows(
            &mut descriptor,
            &publication.dataset,
            described,
            &decimals,
            version.row_count,
        );
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
    &Rendered,
    &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()>;

/// What a rendering knows of the version beside its rows.
struct Rendered {
    publication: Publication,
    /// Other forms of councillors' names, for Popolo.
    aliases: std::collections::BTreeMap<String, String>,
    /// The profile's Table Schema.
    profile: Json,
    /// The OCDS packages' own descriptions of themselves.
    releases: PackageInfo,
    records: PackageInfo,
}

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

    fn address(&self) -> Option<&str> {
        ADDRESSED
            .contains(&self.name)
            .then_some(self.about.base_url.as_str())
    }

    fn write(
        &self,
        out: &mut (dyn Write + Send),
        version: &VersionFacts,
        schema: &StreamSchema,
        rows: &mut RowSource<'_>,
    ) -> Result<(), StoreError> {
        let rendered = Rendered {
            publication: self.about.publication(version),
            aliases: self.about.aliases.clone(),
            profile: self.profile.schema.clone(),
            releases: self.about.ocds_package(version, OCDS),
            records: self.about.ocds_package(version, OCDS_RECORDS),
        };
        let render = self.render;
        json_rows(schema, rows, out, move |out, rows| {
            render(out, &rendered, rows)
        })
    }
}

/// `fiscal-datapackage.json`: the version's CSV with the budget model
/// (measures and dimensions) budget tools read.
fn render_fiscal_data_package(
    out: &mut (dyn Write + Send),
    rendered: &Rendered,
    rows: &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()> {
    let summary = vitrina_standards::fdp::FiscalSummary::from_rows(rows);
    let package = vitrina_standards::fdp::fiscal_data_package(
        &rendered.publication,
        &rendered.profile,
        &summary,
    );
    serde_json::to_writer_pretty(&mut *out, &package)?;
    out.write_all(b"\n")
}

/// `fiscal.csv`: the budget lines pivoted to one euro measure per
/// direction and phase, the table `fiscal-datapackage.json` describes.
fn render_fiscal_table(
    mut out: &mut (dyn Write + Send),
    _rendered: &Rendered,
    rows: &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()> {
    vitrina_standards::fdp::write_fiscal_table(&mut out, rows)
}

/// `popolo.json`: each decision as a Popolo motion with its vote event,
/// and the council, its sessions, groups and councillors, for
/// parliamentary-monitoring tools. The council is the one the dataset's
/// publisher names.
fn render_popolo(
    mut out: &mut (dyn Write + Send),
    rendered: &Rendered,
    rows: &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()> {
    let council = vitrina_standards::popolo::Council {
        aliases: rendered.aliases.clone(),
        ..vitrina_standards::popolo::Council::from_publication(&rendered.publication)
    };
    vitrina_standards::popolo::write_popolo(&mut out, &rendered.publication, &council, rows)
}

/// `ocds.json`: an OCDS 1.1 release package, one release per contract,
/// for procurement portals and the Open Contracting tools.
fn render_ocds(
    mut out: &mut (dyn Write + Send),
    rendered: &Rendered,
    rows: &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()> {
    vitrina_standards::ocds::write_release_package(&mut out, &rendered.releases, rows)
}

/// `ocds-records.json`: the record package, each procurement's releases
/// and their compiled release. The store reads rows in primary-key order,
/// which the `procurement` profile starts with the ocid.
fn render_ocds_records(
    mut out: &mut (dyn Write + Send),
    rendered: &Rendered,
    rows: &mut dyn Iterator<Item = Map<String, Json>>,
) -> std::io::Result<()> {
    vitrina_standards::ocds::write_record_package(
        &mut out,
        &rendered.records,
        &rendered.releases.uri,
        rows,
    )
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
pub(crate) fn json_row(schema: &StreamSchema, row: &Row) -> Map<String, Json> {
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
