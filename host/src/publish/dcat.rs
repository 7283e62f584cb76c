//! The catalog as DCAT-AP 3.0 for partner networks' harvesters (the
//! national portal, data.europa.eu, other municipalities' portals): one RDF
//! graph per answer, built with `oxrdf` from the publisher's in-memory
//! catalog and written as Turtle (`oxttl`) or JSON-LD (`oxjsonld`), so
//! the two always say the same.
//!
//! The catalogue names its publisher (the operator), languages, licence
//! and theme taxonomy; each dataset its title, description, identifier,
//! keywords, EU data themes, publisher, contact point, accrual periodicity
//! (read from its schedule), dates, landing page and profile; each
//! download of its current version is a distribution with access and
//! download URL, EU file type, IANA media type, licence and byte size;
//! the API is a `dcat:DataService`. Controlled values carry their class
//! and scheme in the graph, as the SEMIC shapes check them. Large
//! catalogs come in pages (`?page=N`, Hydra's paged collection, as
//! data.europa.eu harvests).

use chrono::NaiveDate;
use oxrdf::vocab::{rdf, xsd};
use oxrdf::{Graph, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};

use super::app::{Catalog, DatasetState, Links, segment};
use crate::schema::Value;
use crate::store::{Compression, Filter, FilterOp, RowQuery, SortKey, Store, split_table_id};

/// Datasets per page of the catalog.
pub const PAGE_SIZE: usize = 100;

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const SKOS: &str = "http://www.w3.org/2004/02/skos/core#";
const HYDRA: &str = "http://www.w3.org/ns/hydra/core#";
const EU: &str = "http://publications.europa.eu/resource/authority/";
const IANA: &str = "http://www.iana.org/assignments/media-types/";
const DCATAP: &str = "http://data.europa.eu/r5r/";
const SPDX: &str = "http://spdx.org/rdf/terms#";
const NUTS: &str = "http://data.europa.eu/nuts/code/";

/// The prefixes both syntaxes write.
pub const PREFIXES: [(&str, &str); 10] = [
    ("dcat", DCAT),
    ("dcatap", DCATAP),
    ("dct", DCT),
    ("foaf", FOAF),
    ("vcard", VCARD),
    ("skos", SKOS),
    ("hydra", HYDRA),
    ("spdx", SPDX),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
];

/// What a graph is about: the whole catalog (one page of it), or one
/// dataset.
pub enum Scope<'a> {
    Catalog { page: usize },
    Dataset(&'a DatasetState),
}

/// Builds graphs of one catalog.
pub struct Builder<'a> {
    pub base: &'a str,
    pub store: &'a dyn Store,
    pub operator: &'a crate::config::Operator,
    graph: Graph,
}

fn iri(text: impl Into<String>) -> NamedNode {
    // Every IRI here is built from the base URL and percent-encoded
    // segments, or is a vocabulary's.
    NamedNode::new_unchecked(text)
}

fn term(prefix: &str, local: &str) -> NamedNode {
    iri(format!("{prefix}{local}"))
}

fn text(value: &str, language: Option<&str>) -> Literal {
    match language {
        Some(language) => Literal::new_language_tagged_literal_unchecked(value, language),
        None => Literal::new_simple_literal(value),
    }
}

fn typed(value: impl Into<String>, datatype: NamedNodeRef<'_>) -> Literal {
    Literal::new_typed_literal(value, datatype)
}

fn date(day: NaiveDate) -> Literal {
    typed(day.format("%Y-%m-%d").to_string(), xsd::DATE)
}

fn date_time(t: &chrono::DateTime<chrono::Utc>) -> Literal {
    typed(
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        xsd::DATE_TIME,
    )
}

impl<'a> Builder<'a> {
    pub fn new(base: &'a str, store: &'a dyn Store, operator: &'a crate::config::Operator) -> Self {
        Self {
            base,
            store,
            operator,
            graph: Graph::new(),
        }
    }

    fn add(&mut self, subject: &NamedNode, predicate: NamedNode, object: impl Into<Term>) {
        self.graph.insert(&Triple::new(
            NamedOrBlankNode::NamedNode(subject.clone()),
            predicate,
            object.into(),
        ));
    }

    fn a(&mut self, subject: &NamedNode, class: NamedNode) {
        self.add(subject, rdf::TYPE.into_owned(), class);
    }

    /// The graph of `scope`.
    pub fn build(mut self, catalog: &Catalog, scope: Scope<'_>) -> Graph {
        match scope {
            Scope::Dataset(state) => {
                self.dataset(state);
            }
            Scope::Catalog { page } => self.catalog(catalog, page),
        }
        self.graph
    }

    fn catalog_iri(&self) -> NamedNode {
        iri(format!("{}/catalog", self.base))
    }

    fn catalog(&mut self, catalog: &Catalog, page: usize) {
        let node = self.catalog_iri();
        self.a(&node, term(DCAT, "Catalog"));
        self.add(&node, term(DCT, "title"), text("Vitrina", Some("en")));
        self.add(
            &node,
            term(DCT, "description"),
            text(
                "Open data published with Vitrina: every version kept, as JSON, CSV and the standards partners read.",
                Some("en"),
            ),
        );
        let publisher = self.operator_agent();
        self.add(&node, term(DCT, "publisher"), publisher);
        let homepage = iri(format!("{}/", self.base));
        self.a(&homepage, term(FOAF, "Document"));
        self.add(&node, term(FOAF, "homepage"), homepage);
        for language in ["BUL", "ENG"] {
            let language = self.controlled("language", language, DCT, "LinguisticSystem");
            self.add(&node, term(DCT, "language"), language);
        }
        let scheme = iri(format!("{EU}data-theme"));
        self.a(&scheme, term(SKOS, "ConceptScheme"));
        self.add(&scheme, term(DCT, "title"), text("Data theme", Some("en")));
        self.add(&node, term(DCAT, "themeTaxonomy"), scheme);
        if let Some(modified) = catalog.last_modified() {
            self.add(&node, term(DCT, "modified"), date_time(&modified));
        }
        let service = self.service(catalog);
        self.add(&node, term(DCAT, "service"), service);
        let total = catalog.datasets.len();
        let shown: Vec<&std::sync::Arc<DatasetState>> = catalog
            .datasets
            .values()
            .skip(page.saturating_sub(1) * PAGE_SIZE)
            .take(PAGE_SIZE)
            .collect();
        for state in shown {
            let dataset = self.dataset(state);
            self.add(&node, term(DCAT, "dataset"), dataset);
        }
        self.paging(page, total);
    }

    /// Hydra's paged collection, as data.europa.eu's harvester follows it.
    fn paging(&mut self, page: usize, total: usize) {
        let pages = total.div_ceil(PAGE_SIZE).max(1);
        let base = self.base;
        let at = |n: usize| iri(format!("{base}/catalog?page={n}"));
        let node = at(page);
        self.a(&node, term(HYDRA, "PagedCollection"));
        self.add(
            &node,
            term(HYDRA, "totalItems"),
            typed(total.to_string(), xsd::NON_NEGATIVE_INTEGER),
        );
        self.add(
            &node,
            term(HYDRA, "itemsPerPage"),
            typed(PAGE_SIZE.to_string(), xsd::NON_NEGATIVE_INTEGER),
        );
        self.add(&node, term(HYDRA, "firstPage"), at(1));
        self.add(&node, term(HYDRA, "lastPage"), at(pages));
        if page > 1 {
            self.add(&node, term(HYDRA, "previousPage"), at(page - 1));
        }
        if page < pages {
            self.add(&node, term(HYDRA, "nextPage"), at(page + 1));
        }
    }

    /// The operator, as the catalogue's publisher.
    fn operator_agent(&mut self) -> NamedNode {
        let node = iri(format!("{}/catalog#publisher", self.base));
        self.a(&node, term(FOAF, "Agent"));
        self.add(&node, term(FOAF, "name"), text(&self.operator.name, None));
        node
    }

    /// A value of an EU controlled vocabulary, with its class and scheme.
    fn controlled(&mut self, vocabulary: &str, code: &str, prefix: &str, class: &str) -> NamedNode {
        let node = iri(format!("{EU}{vocabulary}/{code}"));
        self.a(&node, term(prefix, class));
        self.add(
            &node,
            term(SKOS, "inScheme"),
            iri(format!("{EU}{vocabulary}")),
        );
        node
    }

    /// An EU data theme, with its English label.
    fn theme(&mut self, code: &str) -> NamedNode {
        let node = self.controlled("data-theme", code, SKOS, "Concept");
        let label = theme_label(code).unwrap_or(code);
        self.add(&node, term(SKOS, "prefLabel"), text(label, Some("en")));
        node
    }

    /// Whom to ask about the data: the operator.
    fn contact(&mut self, node: &NamedNode) -> NamedNode {
        let contact = iri(format!("{}#contact", node.as_str()));
        self.a(&contact, term(VCARD, "Kind"));
        self.add(&contact, term(VCARD, "fn"), text(&self.operator.name, None));
        let reach = self.operator.contact.clone();
        if reach.contains('@') && !reach.contains(' ') {
            self.add(
                &contact,
                term(VCARD, "hasEmail"),
                iri(format!("mailto:{reach}")),
            );
        } else if reach.starts_with("http://") || reach.starts_with("https://") {
            self.add(&contact, term(VCARD, "hasURL"), iri(reach));
        }
        contact
    }

    /// A text in Bulgarian, or in Bulgarian and English where it says
    /// both as `български / English` (as the bundled datasets' titles do).
    fn say(&mut self, node: &NamedNode, predicate: NamedNode, value: &str) {
        match value.split_once(" / ") {
            Some((bulgarian, english)) if english.is_ascii() => {
                self.add(node, predicate.clone(), text(bulgarian.trim(), Some("bg")));
                self.add(node, predicate, text(english.trim(), Some("en")));
            }
            _ => self.add(node, predicate, text(value, Some("bg"))),
        }
    }

    /// The API, as a data service.
    fn service(&mut self, catalog: &Catalog) -> NamedNode {
        let node = iri(format!("{}/api/v1", self.base));
        self.a(&node, term(DCAT, "DataService"));
        self.add(
            &node,
            term(DCT, "title"),
            text("Vitrina open data API", Some("en")),
        );
        let endpoint = iri(format!("{}/api/v1", self.base));
        self.add(&node, term(DCAT, "endpointURL"), endpoint);
        let description = iri(format!("{}/api/v1/openapi.json", self.base));
        self.add(&node, term(DCAT, "endpointDescription"), description);
        let openapi = iri("https://spec.openapis.org/oas/v3.1.0");
        self.a(&openapi, term(DCT, "Standard"));
        self.add(&node, term(DCT, "conformsTo"), openapi);
        let contact = self.contact(&node);
        self.add(&node, term(DCAT, "contactPoint"), contact);
        for keyword in ["open data", "API", "JSON", "CSV"] {
            self.add(&node, term(DCAT, "keyword"), text(keyword, Some("en")));
        }
        let mut themes: Vec<&String> = catalog
            .datasets
            .values()
            .flat_map(|d| &d.meta.theme)
            .collect();
        themes.sort();
        themes.dedup();
        for theme in themes {
            let theme = self.theme(theme);
            self.add(&node, term(DCAT, "theme"), theme);
        }
        for id in catalog.datasets.keys() {
            let dataset = self.dataset_iri(id);
            self.add(&node, term(DCAT, "servesDataset"), dataset);
        }
        node
    }

    fn dataset_iri(&self, id: &str) -> NamedNode {
        iri(format!("{}/api/v1/datasets/{}", self.base, segment(id)))
    }

    fn dataset(&mut self, state: &DatasetState) -> NamedNode {
        let meta = &state.meta;
        let node = self.dataset_iri(&meta.id);
        self.a(&node, term(DCAT, "Dataset"));
        self.say(&node, term(DCT, "title"), &meta.title);
        self.say(&node, term(DCT, "description"), &meta.description);
        self.add(&node, term(DCT, "identifier"), text(&meta.id, None));
        for keyword in &meta.keywords {
            // The bundled datasets list Bulgarian and English keywords
            // together; Bulgarian is written in Cyrillic.
            let language = if keyword.is_ascii() { "en" } else { "bg" };
            self.add(&node, term(DCAT, "keyword"), text(keyword, Some(language)));
        }
        for theme in &meta.theme {
            let theme = self.theme(theme);
            self.add(&node, term(DCAT, "theme"), theme);
        }
        if let Some(publisher) = &meta.publisher {
            let agent = iri(format!(
                "{}/api/3/action/organization_show?id={}",
                self.base,
                super::ckan::organization_name(publisher)
            ));
            self.a(&agent, term(FOAF, "Agent"));
            self.say(&agent, term(FOAF, "name"), publisher);
            self.add(&node, term(DCT, "publisher"), agent);
        }
        let contact = self.contact(&node);
        self.add(&node, term(DCAT, "contactPoint"), contact);
        if let Some(frequency) = meta.schedule.as_deref().and_then(frequency) {
            let frequency = self.controlled("frequency", frequency, DCT, "Frequency");
            self.add(&node, term(DCT, "accrualPeriodicity"), frequency);
        }
        let area = meta.coverage.area.as_ref().or(self.operator.area.as_ref());
        if let Some(area) = area.cloned() {
            for place in self.places(&area) {
                self.add(&node, term(DCT, "spatial"), place);
            }
        }
        if let Some((start, end)) = self.period(state) {
            let period = iri(format!("{}#temporal", node.as_str()));
            self.a(&period, term(DCT, "PeriodOfTime"));
            self.add(&period, term(DCAT, "startDate"), date(start));
            self.add(&period, term(DCAT, "endDate"), date(end));
            self.add(&node, term(DCT, "temporal"), period);
        }
        let landing = iri(format!("{}/datasets/{}", self.base, segment(&meta.id)));
        self.a(&landing, term(FOAF, "Document"));
        self.add(&node, term(DCAT, "landingPage"), landing);
        if let Some(profile) = &meta.profile {
            let standard = iri(format!("{}/api/v1/profiles/{profile}", self.base));
            self.a(&standard, term(DCT, "Standard"));
            self.add(&node, term(DCT, "conformsTo"), standard);
        }
        if let Some(first) = state.versions.values().next() {
            self.add(&node, term(DCT, "issued"), date_time(&first.published_at));
        }
        if let Some(current) = &state.current {
            self.add(
                &node,
                term(DCT, "modified"),
                date_time(&current.published_at),
            );
            self.add(
                &node,
                term(DCAT, "version"),
                text(&current.number.to_string(), None),
            );
        }
        for distribution in self.distributions(state) {
            self.add(&node, term(DCAT, "distribution"), distribution);
        }
        node
    }

    /// The places of an area: its NUTS region by the EU's own IRI, and its
    /// local administrative unit, which has none, by its code and name.
    fn places(&mut self, area: &crate::config::Area) -> Vec<NamedNode> {
        let mut places = Vec::new();
        if let Some(nuts) = &area.nuts {
            let region = iri(format!("{NUTS}{nuts}"));
            self.a(&region, term(DCT, "Location"));
            places.push(region);
        }
        if let Some(lau) = &area.lau {
            let unit = iri(format!("{}#lau-{lau}", self.catalog_iri().as_str()));
            self.a(&unit, term(DCT, "Location"));
            self.add(&unit, term(DCT, "identifier"), text(lau, None));
            self.say(&unit, term(SKOS, "prefLabel"), &area.name);
            places.push(unit);
        }
        places
    }

    /// The first and last day the current version's rows are about: the
    /// least and greatest value of the dataset's temporal field (a date, or
    /// a year for its whole), read through the same queries as the API.
    fn period(&self, state: &DatasetState) -> Option<(NaiveDate, NaiveDate)> {
        let field = state.meta.coverage.temporal_field.as_ref()?;
        let current = state.current.as_ref()?;
        let end = |descending: bool| -> Option<Value> {
            let query = RowQuery {
                version: current.number,
                filters: vec![Filter {
                    field: field.clone(),
                    op: FilterOp::IsNull(false),
                }],
                sort: vec![SortKey {
                    field: field.clone(),
                    descending,
                }],
                fields: Some(vec![field.clone()]),
                limit: 1,
                ..RowQuery::default()
            };
            let page = self.store.rows(&state.meta.id, &query).ok()?;
            page.rows.into_iter().next()?.into_iter().next()
        };
        let day = |value: Value, last: bool| -> Option<NaiveDate> {
            match value {
                Value::Integer(year) => {
                    let (month, day) = if last { (12, 31) } else { (1, 1) };
                    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
                }
                Value::Date(text) | Value::Datetime(text) => {
                    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
                }
                _ => None,
            }
        };
        Some((day(end(false)?, false)?, day(end(true)?, true)?))
    }

    /// Each download of the current version (the further tables' CSVs
    /// too), at its `latest/` address, which stays while versions move.
    fn distributions(&mut self, state: &DatasetState) -> Vec<NamedNode> {
        let Some(version) = state.current.clone() else {
            return Vec::new();
        };
        let mut files: Vec<(&DatasetState, &str, &str, &str, String)> = vec![
            (state, "data.csv", "CSV", "text/csv", "CSV".to_string()),
            (
                state,
                "data.json",
                "JSON",
                "application/json",
                "JSON".to_string(),
            ),
            (
                state,
                crate::derived::DATAPACKAGE,
                "JSON",
                "application/json",
                "Frictionless Data Package".to_string(),
            ),
        ];
        if let Some((_, file)) = crate::derived::standard_file(state.meta.profile.as_deref()) {
            files.push((state, file, "JSON", "application/json", file.to_string()));
        }
        for table in &state.tables {
            let stream = split_table_id(&table.meta.id).map_or("", |(_, s)| s);
            files.push((
                table,
                "data.csv",
                "CSV",
                "text/csv",
                format!("{stream} (CSV)"),
            ));
        }
        let licence = state.meta.license.as_deref().and_then(licence);
        let mut nodes = Vec::new();
        for (owner, name, file_type, media, title) in files {
            let Some(owner_version) = owner.current.as_deref() else {
                continue;
            };
            let Some(size) =
                self.store
                    .file_size(&owner.meta.id, owner_version, name, Compression::Identity)
            else {
                continue;
            };
            let links = Links {
                base: self.base,
                dataset: &owner.meta.id,
            };
            let url = iri(links.file(None, name));
            let node = iri(format!("{}#distribution", url.as_str()));
            self.a(&node, term(DCAT, "Distribution"));
            self.add(&node, term(DCT, "title"), text(&title, Some("en")));
            self.add(
                &node,
                term(DCT, "description"),
                text(
                    &format!("{title} of the current version; every version stays at its own address under versions/."),
                    Some("en"),
                ),
            );
            self.add(&node, term(DCAT, "accessURL"), url.clone());
            self.add(&node, term(DCAT, "downloadURL"), url.clone());
            let format = self.controlled("file-type", file_type, DCT, "MediaTypeOrExtent");
            self.add(&node, term(DCT, "format"), format);
            let media = iri(format!("{IANA}{media}"));
            self.a(&media, term(DCT, "MediaType"));
            self.add(&node, term(DCAT, "mediaType"), media);
            self.add(
                &node,
                term(DCAT, "byteSize"),
                typed(size.to_string(), xsd::NON_NEGATIVE_INTEGER),
            );
            if let Some(sha256) = self.store.file_sha256(&owner.meta.id, owner_version, name) {
                // Named, not blank: the same catalog serialises the same.
                let checksum = iri(format!("{}#sha256", url.as_str()));
                self.a(&checksum, term(SPDX, "Checksum"));
                // The algorithm as DCAT-AP 3.0.1's shapes name it: under
                // `https://spdx.org/rdf/terms`, typed as an algorithm.
                let algorithm = iri("https://spdx.org/rdf/terms#checksumAlgorithm_sha256");
                self.a(&algorithm, term(SPDX, "ChecksumAlgorithm"));
                self.add(&checksum, term(SPDX, "algorithm"), algorithm);
                self.add(
                    &checksum,
                    term(SPDX, "checksumValue"),
                    typed(sha256, xsd::HEX_BINARY),
                );
                self.add(&node, term(SPDX, "checksum"), checksum);
            }
            self.add(
                &node,
                term(DCT, "modified"),
                date_time(&version.published_at),
            );
            // Every version is kept, and `latest/` always answers.
            let availability = self.controlled("planned-availability", "STABLE", SKOS, "Concept");
            self.add(
                &availability,
                term(SKOS, "prefLabel"),
                text("stable", Some("en")),
            );
            self.add(&node, term(DCATAP, "availability"), availability);
            if let Some(code) = licence {
                let licence = self.controlled("licence", code, DCT, "LicenseDocument");
                self.add(&node, term(DCT, "license"), licence);
            }
            nodes.push(node);
        }
        nodes
    }
}

/// The English label of an EU data theme.
fn theme_label(code: &str) -> Option<&'static str> {
    Some(match code {
        "AGRI" => "Agriculture, fisheries, forestry and food",
        "ECON" => "Economy and finance",
        "EDUC" => "Education, culture and sport",
        "ENER" => "Energy",
        "ENVI" => "Environment",
        "GOVE" => "Government and public sector",
        "HEAL" => "Health",
        "INTR" => "International issues",
        "JUST" => "Justice, legal system and public safety",
        "REGI" => "Regions and cities",
        "SOCI" => "Population and society",
        "TECH" => "Science and technology",
        "TRAN" => "Transport",
        _ => return None,
    })
}

/// The EU licence vocabulary's code for a licence named as `dataset.toml`
/// names it (SPDX), when it has one.
fn licence(spdx: &str) -> Option<&'static str> {
    Some(match spdx {
        "CC-BY-4.0" => "CC_BY_4_0",
        "CC-BY-SA-4.0" => "CC_BYSA_4_0",
        "CC0-1.0" => "CC0",
        "ODbL-1.0" => "ODBL_1_0",
        "OGL-3.0" | "OGL-UK-3.0" => "OGL_3_0",
        _ => return None,
    })
}

/// The EU frequency a cron schedule (`min hour day month weekday`, with
/// seconds first or not) runs at, when it is a plain one.
fn frequency(schedule: &str) -> Option<&'static str> {
    let mut fields: Vec<&str> = schedule.split_whitespace().collect();
    if fields.len() == 6 {
        fields.remove(0);
    }
    let [minute, hour, day, month, weekday] = fields.as_slice() else {
        return None;
    };
    let fixed = |f: &str| !f.contains(['*', '/', ',', '-']);
    Some(match (fixed(minute), fixed(hour), *day, *month, *weekday) {
        (true, true, "*", "*", "*") => "DAILY",
        (true, true, "*", "*", w) if fixed(w) => "WEEKLY",
        (true, true, d, "*", "*") if fixed(d) => "MONTHLY",
        (true, true, d, m, "*") if fixed(d) && fixed(m) => "ANNUAL",
        (true, false, "*", "*", "*") if *hour == "*" => "HOURLY",
        _ => return None,
    })
}

/// A serializer given every prefix of [`PREFIXES`] by `add`.
fn with_prefixes<S, E: std::error::Error + Send + Sync + 'static>(
    serializer: S,
    add: impl Fn(S, &'static str, &'static str) -> Result<S, E>,
) -> std::io::Result<S> {
    PREFIXES
        .iter()
        .try_fold(serializer, |s, (prefix, namespace)| {
            add(s, prefix, namespace)
        })
        .map_err(std::io::Error::other)
}

/// The graph as Turtle.
pub fn turtle(graph: &Graph) -> std::io::Result<Vec<u8>> {
    let serializer = with_prefixes(oxttl::TurtleSerializer::new(), |s, p, n| {
        s.with_prefix(p, n)
    })?;
    let mut writer = serializer.for_writer(Vec::new());
    for triple in sorted(graph) {
        writer.serialize_triple(triple)?;
    }
    writer.finish()
}

/// The graph's triples in one order, so equal graphs are equal bytes
/// (their ETag is computed before they are written).
fn sorted(graph: &Graph) -> Vec<oxrdf::TripleRef<'_>> {
    let mut triples: Vec<(String, oxrdf::TripleRef<'_>)> = graph
        .iter()
        .map(|t| (format!("{} {} {}", t.subject, t.predicate, t.object), t))
        .collect();
    triples.sort_by(|a, b| a.0.cmp(&b.0));
    triples.into_iter().map(|(_, t)| t).collect()
}

/// The graph as JSON-LD.
pub fn json_ld(graph: &Graph) -> std::io::Result<Vec<u8>> {
    let serializer = with_prefixes(oxjsonld::JsonLdSerializer::new(), |s, p, n| {
        s.with_prefix(p, n)
    })?;
    let mut writer = serializer.for_writer(Vec::new());
    for triple in sorted(graph) {
        writer.serialize_quad(triple.in_graph(oxrdf::GraphNameRef::DefaultGraph))?;
    }
    writer.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_read_as_eu_frequencies() {
        assert_eq!(frequency("0 6 * * *"), Some("DAILY"));
        assert_eq!(frequency("0 0 5 * * *"), Some("DAILY"), "seconds first");
        assert_eq!(frequency("30 2 * * 1"), Some("WEEKLY"));
        assert_eq!(frequency("0 3 1 * *"), Some("MONTHLY"));
        assert_eq!(frequency("0 3 1 1 *"), Some("ANNUAL"));
        assert_eq!(frequency("15 * * * *"), Some("HOURLY"));
        assert_eq!(frequency("*/5 * * * *"), None);
        assert_eq!(frequency("not a schedule"), None);
    }

    #[test]
    fn licences_map_to_the_eu_vocabulary() {
        assert_eq!(licence("CC-BY-4.0"), Some("CC_BY_4_0"));
        assert_eq!(licence("proprietary"), None);
    }
}
