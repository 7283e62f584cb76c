//! OCDS 1.1 release and record packages for `procurement` datasets.
//!
//! Procurement portals and monitoring tools harvest the Open Contracting
//! Data Standard. One row of the `procurement` profile is one contract, and
//! becomes one release of its procurement's `ocid`:
//!
//! - **Lots** follow the Lots extension: the lot is in `tender.lots` with its
//!   own title and estimated value, the item and the award point at it
//!   (`relatedLot`, `relatedLots`), and item ids are the lot ids, so the
//!   releases of a procurement's lots merge into one tender with every lot,
//!   award and contract instead of overwriting each other. `tender.title` is
//!   the procurement's subject, the same in every lot's release, and
//!   `tender.value` the procedure's estimate, never a lot's.
//! - **Bids** follow the Bids extension: the number of offers is a
//!   statistic of the lot it was counted for (`bids.statistics`); only a
//!   procurement without lots also says `tender.numberOfTenderers`.
//! - **Releases track change.** A release's id is the contract's id and a
//!   hash of everything else it says, so a contract that did not change
//!   keeps its release id from one version of the dataset to the next, and
//!   a changed one gets a new id. Its `date` is when the register published
//!   that state: the notice's modification time when the source gives it,
//!   else its publication day.
//! - **Tags** say what a release reports: an award notice reports an
//!   `award` and a `contract`; one with annexes adds `contractAmendment`.
//! - `parties`: the buyer (buyer, procuringEntity) and the supplier under
//!   the `BG-EIK` scheme. A supplier whose published ЕИК failed its checksum
//!   is named but not identified: a wrong number must not join two unrelated
//!   companies. EU-funded contracts add the European Union as `funder`, and
//!   name the programme in `planning.budget`.
//! - `contracts`: status, signature date, period (start, end, days), the
//!   value in force (the value at signature plus the annexes' change), and
//!   the annexes summarised as one amendment.
//! - Dates without a time are the day at midnight in Europe/Sofia, with its
//!   offset (+02:00 in winter, +03:00 in summer).
//!
//! [`write_release_package`] streams one release per row, so a million
//! contracts never sit in memory. [`write_record_package`] compiles each
//! procurement's releases into a record the way OCDS merging does (by date,
//! arrays of objects merged by `id`, later values winning); it needs the
//! rows in `ocid` order, as the profile's primary key sorts them, and holds
//! one procurement at a time. Amounts are copied digit for digit from the
//! rows' exact decimals into JSON numbers, never through a float.
//!
//! The packages carry their own URL (`uri`), which depends on where the
//! portal is published: the host renders them when asked, with the address
//! configured at that moment, so a moved portal never serves dead links.

use std::io::{self, Write};

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Europe::Sofia;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::Row;

/// The release package's file name inside a version's folder.
pub const FILE_NAME: &str = "ocds.json";

/// The record package's file name inside a version's folder.
pub const RECORDS_FILE_NAME: &str = "ocds-records.json";

/// The extensions the releases use, declared in every package.
pub const EXTENSIONS: [&str; 2] = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
];

/// What a package says about itself, decided when it is served.
#[derive(Debug, Clone)]
pub struct PackageInfo {
    /// The absolute URL the package is served at.
    pub uri: String,
    /// When the version the package renders was published.
    pub published_date: DateTime<Utc>,
    /// Who publishes the data (`Община Бургас / Municipality of Burgas`).
    pub publisher_name: String,
    /// The publisher's ЕИК, which identifies it under `BG-EIK`.
    pub publisher_eik: Option<String>,
    /// SPDX id of the data's licence (`CC-BY-4.0`).
    pub license: String,
    /// Where the publisher explains what it publishes and how often.
    pub publication_policy: Option<String>,
}

impl PackageInfo {
    fn header(&self) -> serde_json::Value {
        let mut publisher = serde_json::json!({ "name": self.publisher_name });
        if let Some(eik) = &self.publisher_eik {
            publisher["scheme"] = "BG-EIK".into();
            publisher["uid"] = eik.as_str().into();
        }
        let mut header = serde_json::json!({
            "uri": self.uri,
            "version": "1.1",
            "extensions": EXTENSIONS,
            "publishedDate": self.published_date.to_rfc3339_opts(SecondsFormat::Secs, true),
            "publisher": publisher,
            "license": license_url(&self.license),
        });
        if let Some(policy) = &self.publication_policy {
            header["publicationPolicy"] = policy.as_str().into();
        }
        header
    }
}

/// Writes the release package of one version: one release per contract.
/// Fails with `InvalidData` naming the row and field when a row lacks a
/// field the profile requires, and with the writer's error otherwise.
pub fn write_release_package<W: Write>(
    out: &mut W,
    info: &PackageInfo,
    rows: impl Iterator<Item = Row>,
) -> io::Result<()> {
    open_package(out, &info.header(), "releases")?;
    for (index, row) in rows.enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        let release = release(&row).map_err(|e| row_error(index, e))?;
        serde_json::to_writer(&mut *out, &release)?;
    }
    out.write_all(b"]}")
}

/// Writes the record package of one version: for each procurement, its
/// releases and the compiled release they merge into. `releases_uri` is
/// the release package the releases come from. The rows must come in
/// `ocid` order; a procurement met twice fails with `InvalidData`.
pub fn write_record_package<W: Write>(
    out: &mut W,
    info: &PackageInfo,
    releases_uri: &str,
    rows: impl Iterator<Item = Row>,
) -> io::Result<()> {
    let mut header = info.header();
    header["packages"] = serde_json::json!([releases_uri]);
    open_package(out, &header, "records")?;
    let mut group: Vec<Release> = Vec::new();
    let mut written = 0usize;
    for (index, row) in rows.enumerate() {
        let release = release(&row).map_err(|e| row_error(index, e))?;
        if let Some(last) = group.last()
            && last.ocid != release.ocid
        {
            if last.ocid > release.ocid {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "row {}: `{}` comes after `{}`; records need the rows in ocid order",
                        index + 1,
                        release.ocid,
                        last.ocid
                    ),
                ));
            }
            write_record(out, std::mem::take(&mut group), written)?;
            written += 1;
        }
        group.push(release);
    }
    if !group.is_empty() {
        write_record(out, group, written)?;
    }
    out.write_all(b"]}")
}

/// Writes the record package of one procurement from every state its
/// contracts' rows have had, across versions: each state is a release
/// (the same state, the same release), and the compiled release merges
/// them in date order. `packages` are the release packages the states
/// were published in. Fails with `InvalidData` when the rows belong to
/// several procurements or none.
pub fn write_procurement_record<W: Write>(
    out: &mut W,
    info: &PackageInfo,
    packages: &[String],
    rows: impl Iterator<Item = Row>,
) -> io::Result<()> {
    let releases = rows
        .enumerate()
        .map(|(index, row)| release(&row).map_err(|e| row_error(index, e)))
        .collect::<io::Result<Vec<Release>>>()?;
    let Some(first) = releases.first() else {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "no release: the procurement has no contract",
        ));
    };
    if let Some(other) = releases.iter().find(|r| r.ocid != first.ocid) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "rows of `{}` and `{}` in one record",
                first.ocid, other.ocid
            ),
        ));
    }
    let mut header = info.header();
    header["packages"] = serde_json::json!(packages);
    open_package(out, &header, "records")?;
    write_record(out, releases, 0)?;
    out.write_all(b"]}")
}

/// The releases of one procurement compiled into its current state, by
/// OCDS merging rules: releases in date order, later values win, arrays of
/// objects merge by `id`.
pub fn compile(mut releases: Vec<Release>) -> Option<Release> {
    // Stable: releases of one date keep their order, as OCDS merging does.
    releases.sort_by(|a, b| a.date.cmp(&b.date));
    let mut releases = releases.into_iter();
    let mut compiled = releases.next()?;
    for later in releases {
        compiled.absorb(later);
    }
    compiled.id = format!("{}-{}", compiled.ocid, compiled.date);
    compiled.tag = vec!["compiled"];
    Some(compiled)
}

fn write_record<W: Write>(out: &mut W, mut releases: Vec<Release>, index: usize) -> io::Result<()> {
    // A record lists its releases oldest first, each once: a contract
    // whose row came back to an earlier state is that state's release.
    releases.sort_by(|a, b| a.date.cmp(&b.date));
    let mut seen = std::collections::HashSet::new();
    releases.retain(|r| seen.insert(r.id.clone()));
    if index > 0 {
        out.write_all(b",")?;
    }
    let ocid = releases[0].ocid.clone();
    let record = Record {
        ocid,
        compiled_release: compile(releases.clone()),
        releases,
    };
    serde_json::to_writer(&mut *out, &record)?;
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Record {
    ocid: String,
    releases: Vec<Release>,
    compiled_release: Option<Release>,
}

/// The header object without its closing brace, then `"key":[`: a
/// streamed array inside a small object.
fn open_package<W: Write>(out: &mut W, header: &serde_json::Value, key: &str) -> io::Result<()> {
    let header = serde_json::to_string(header)?;
    out.write_all(&header.as_bytes()[..header.len() - 1])?;
    write!(out, ",\"{key}\":[")
}

fn row_error(index: usize, error: String) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("row {}: {error}", index + 1),
    )
}

/// The canonical URL of a licence given by its SPDX id.
pub fn license_url(spdx: &str) -> String {
    match spdx {
        "CC-BY-4.0" => "https://creativecommons.org/licenses/by/4.0/".into(),
        "CC-BY-SA-4.0" => "https://creativecommons.org/licenses/by-sa/4.0/".into(),
        "CC0-1.0" => "https://creativecommons.org/publicdomain/zero/1.0/".into(),
        "ODbL-1.0" => "https://opendatacommons.org/licenses/odbl/1-0/".into(),
        other => format!("https://spdx.org/licenses/{other}.html"),
    }
}

/// One release of a procurement: what one notice says about one contract,
/// or, compiled, everything known about the procurement.
#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
pub struct Release {
    ocid: String,
    id: String,
    date: String,
    tag: Vec<&'static str>,
    initiation_type: &'static str,
    language: &'static str,
    parties: Vec<Party>,
    buyer: PartyRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    planning: Option<Planning>,
    tender: Tender,
    #[serde(skip_serializing_if = "Option::is_none")]
    bids: Option<Bids>,
    awards: Vec<Award>,
    contracts: Vec<Contract>,
}

impl Release {
    /// The release's id within its ocid.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Merges a later release of the same procurement into this one.
    fn absorb(&mut self, later: Release) {
        self.id = later.id;
        self.date = later.date;
        self.tag = later.tag;
        merge_by_id(&mut self.parties, later.parties);
        self.buyer = later.buyer;
        if later.planning.is_some() {
            self.planning = later.planning;
        }
        self.tender.absorb(later.tender);
        match (&mut self.bids, later.bids) {
            (Some(bids), Some(later)) => merge_by_id(&mut bids.statistics, later.statistics),
            (bids @ None, later) => *bids = later,
            (Some(_), None) => {}
        }
        merge_by_id(&mut self.awards, later.awards);
        merge_by_id(&mut self.contracts, later.contracts);
    }
}

/// An element of an array OCDS merges by identifier.
trait Identified {
    fn ident(&self) -> &str;
}

/// Later elements replace earlier ones of the same id; new ids are added
/// in the order they come.
fn merge_by_id<T: Identified>(into: &mut Vec<T>, later: Vec<T>) {
    for element in later {
        match into.iter().position(|e| e.ident() == element.ident()) {
            Some(at) => into[at] = element,
            None => into.push(element),
        }
    }
}

macro_rules! identified {
    ($($t:ty),*) => {
        $(impl Identified for $t {
            fn ident(&self) -> &str {
                &self.id
            }
        })*
    };
}
identified!(Party, Item, Lot, Document, Statistic, Award, Contract);

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Party {
    id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<Identifier>,
    roles: Vec<&'static str>,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Identifier {
    scheme: &'static str,
    id: String,
    legal_name: String,
}

#[derive(Serialize, Clone, Debug)]
struct PartyRef {
    id: String,
    name: String,
}

#[derive(Serialize, Clone, Debug)]
struct Planning {
    budget: Budget,
}

#[derive(Serialize, Clone, Debug)]
struct Budget {
    description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    project: Option<String>,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Tender {
    id: String,
    title: String,
    status: &'static str,
    procuring_entity: PartyRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    procurement_method: Option<String>,
    procurement_method_details: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    main_procurement_category: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    items: Vec<Item>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    lots: Vec<Lot>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number_of_tenderers: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    documents: Vec<Document>,
}

impl Tender {
    fn absorb(&mut self, later: Tender) {
        self.id = later.id;
        self.title = later.title;
        self.status = later.status;
        self.procuring_entity = later.procuring_entity;
        self.procurement_method_details = later.procurement_method_details;
        replace_if_some(&mut self.procurement_method, later.procurement_method);
        replace_if_some(
            &mut self.main_procurement_category,
            later.main_procurement_category,
        );
        replace_if_some(&mut self.value, later.value);
        replace_if_some(&mut self.number_of_tenderers, later.number_of_tenderers);
        merge_by_id(&mut self.items, later.items);
        merge_by_id(&mut self.lots, later.lots);
        merge_by_id(&mut self.documents, later.documents);
    }
}

/// A field a later release leaves out keeps its earlier value.
fn replace_if_some<T>(field: &mut Option<T>, later: Option<T>) {
    if later.is_some() {
        *field = later;
    }
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Item {
    id: String,
    description: String,
    classification: Classification,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_lot: Option<String>,
}

#[derive(Serialize, Clone, Debug)]
struct Classification {
    scheme: &'static str,
    id: String,
}

#[derive(Serialize, Clone, Debug)]
struct Lot {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Document {
    id: String,
    document_type: &'static str,
    title: &'static str,
    url: String,
}

#[derive(Serialize, Clone, Debug)]
struct Bids {
    statistics: Vec<Statistic>,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Statistic {
    id: String,
    measure: &'static str,
    value: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    related_lot: Option<String>,
}

#[derive(Serialize, Clone, Debug)]
struct Value {
    amount: Box<RawValue>,
    currency: String,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Award {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    value: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppliers: Vec<PartyRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_lots: Vec<String>,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Contract {
    id: String,
    #[serde(rename = "awardID")]
    award_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_details: Option<&'static str>,
    date_signed: String,
    value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<Period>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    amendments: Vec<Amendment>,
}

#[derive(Serialize, Clone, Debug)]
#[serde(rename_all = "camelCase")]
struct Period {
    start_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration_in_days: Option<i64>,
}

#[derive(Serialize, Clone, Debug)]
struct Amendment {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    description: String,
}

/// The fields of one row, read by name; errors name the field.
struct Fields<'a>(&'a Row);

impl<'a> Fields<'a> {
    fn text(&self, name: &str) -> Option<&'a str> {
        self.0.get(name)?.as_str().filter(|s| !s.is_empty())
    }

    fn owned(&self, name: &str) -> Option<String> {
        self.text(name).map(str::to_string)
    }

    fn required(&self, name: &str) -> Result<&'a str, String> {
        self.text(name)
            .ok_or_else(|| format!("field `{name}` is missing"))
    }

    fn integer(&self, name: &str) -> Option<i64> {
        self.0.get(name)?.as_i64()
    }

    fn flag(&self, name: &str) -> Option<bool> {
        self.0.get(name)?.as_bool()
    }

    fn date(&self, name: &str) -> Result<Option<NaiveDate>, String> {
        self.text(name)
            .map(|s| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|e| format!("field `{name}` = {s:?} is not a date: {e}"))
            })
            .transpose()
    }

    /// A date-time field as RFC 3339 with its own offset.
    fn datetime(&self, name: &str) -> Result<Option<String>, String> {
        self.text(name)
            .map(|s| {
                DateTime::parse_from_rfc3339(s)
                    .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
                    .map_err(|e| format!("field `{name}` = {s:?} is not a date-time: {e}"))
            })
            .transpose()
    }

    fn decimal(&self, name: &str) -> Result<Option<Box<RawValue>>, String> {
        self.text(name)
            .map(|number| {
                json_number(number)
                    .ok_or_else(|| format!("field `{name}` = {number:?} is not a decimal"))
            })
            .transpose()
    }

    /// An amount and its currency, both present or the value is absent.
    fn value(&self, amount: &str, currency: &str) -> Result<Option<Value>, String> {
        let (Some(amount), Some(currency)) = (self.decimal(amount)?, self.text(currency)) else {
            return Ok(None);
        };
        Ok(Some(Value {
            amount,
            currency: currency.to_string(),
        }))
    }
}

/// A row's decimal text as a JSON number, unchanged: `-`, digits, and an
/// optional fraction, as the rows API writes decimals.
fn json_number(decimal: &str) -> Option<Box<RawValue>> {
    let digits = decimal.strip_prefix('-').unwrap_or(decimal);
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, "0"));
    let well_formed = !whole.is_empty()
        && !fraction.is_empty()
        && whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
        && (whole == "0" || !whole.starts_with('0'));
    if !well_formed {
        return None;
    }
    RawValue::from_string(decimal.to_string()).ok()
}

/// The sum of two exact decimals of at most two places, as a JSON number:
/// the value at signature plus the annexes' change.
fn add_cents(a: &str, b: &str) -> Option<Box<RawValue>> {
    let cents = |s: &str| -> Option<i128> {
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if fraction.len() > 2 {
            return None;
        }
        let whole: i128 = whole.parse().ok()?;
        let fraction: i128 = format!("{fraction:0<2}").parse().ok()?;
        let value = whole * 100 + fraction;
        Some(if negative { -value } else { value })
    };
    let total = cents(a)? + cents(b)?;
    let sign = if total < 0 { "-" } else { "" };
    let total = total.abs();
    json_number(&format!("{sign}{}.{:02}", total / 100, total % 100))
}

/// Midnight of `date` in Sofia, with the offset in force then.
fn sofia_midnight(date: NaiveDate) -> String {
    let midnight = date.and_time(NaiveTime::MIN);
    // Sofia changes its clocks at 03:00 and 04:00, never at midnight, so
    // midnight always exists once; UTC is only a guard for the impossible.
    match Sofia.from_local_datetime(&midnight).earliest() {
        Some(local) => local.to_rfc3339_opts(SecondsFormat::Secs, false),
        None => format!("{}Z", midnight.format("%Y-%m-%dT%H:%M:%S")),
    }
}

/// 64-bit FNV-1a: a short, stable fingerprint of a release's content.
/// Not a defence against forgery, only a way to tell two states apart.
fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// One contract's release.
fn release(row: &Row) -> Result<Release, String> {
    let f = Fields(row);
    let ocid = f.required("ocid")?;
    let contract_id = f.required("contract_id")?;
    let contract_date = f
        .date("contract_date")?
        .ok_or("field `contract_date` is missing")?;
    // When the register published this state of the contract.
    let date = match f.datetime("modified")? {
        Some(modified) => modified,
        None => sofia_midnight(f.date("published")?.unwrap_or(contract_date)),
    };
    let buyer = party_ref(f.required("buyer_eik")?, f.required("buyer_name")?);
    let supplier = f
        .text("supplier_name")
        .map(|name| match f.text("supplier_eik") {
            Some(eik) => party_ref(eik, name),
            None => PartyRef {
                id: format!("supplier-{contract_id}"),
                name: name.to_string(),
            },
        });
    let lot = f.owned("lot");
    let eu_funded = f.flag("eu_funded");
    let amendments = f.integer("amendments_count").filter(|n| *n > 0);
    let mut tag = vec!["award", "contract"];
    if amendments.is_some() {
        tag.push("contractAmendment");
    }
    let mut release = Release {
        ocid: ocid.to_string(),
        id: String::new(),
        date,
        tag,
        initiation_type: "tender",
        language: "bg",
        parties: parties(&f, &buyer, supplier.as_ref(), eu_funded == Some(true)),
        planning: eu_funded.map(|eu| planning(eu, f.owned("eu_programme"))),
        tender: tender(&f, buyer.clone(), lot.as_deref())?,
        bids: f
            .integer("bids_count")
            .filter(|_| lot.is_some())
            .map(|n| Bids {
                statistics: vec![Statistic {
                    id: format!("bids-lot-{}", lot.as_deref().unwrap_or_default()),
                    measure: "bids",
                    value: n,
                    related_lot: lot.clone(),
                }],
            }),
        awards: vec![award(&f, contract_id, supplier, lot)?],
        contracts: vec![contract(&f, contract_id, contract_date, amendments)?],
        buyer,
    };
    release.id = release_id(&release, contract_id)?;
    Ok(release)
}

/// The contract's id and the fingerprint of everything else the release
/// says: the same state of a contract has the same id in every version.
fn release_id(release: &Release, contract_id: &str) -> Result<String, String> {
    let content = serde_json::to_vec(release).map_err(|e| e.to_string())?;
    Ok(format!(
        "{}-{:016x}",
        contract_id.replace('#', "-"),
        fingerprint(&content)
    ))
}

fn party_ref(eik: &str, name: &str) -> PartyRef {
    PartyRef {
        id: format!("BG-EIK-{eik}"),
        name: name.to_string(),
    }
}

fn planning(eu_funded: bool, programme: Option<String>) -> Planning {
    let description = match (eu_funded, &programme) {
        (true, Some(programme)) => {
            format!("Financed with European Union funds under {programme} (EU финансиране: Да).")
        }
        (true, None) => "Financed with European Union funds (EU финансиране: Да).".to_string(),
        (false, _) => "Not financed with European Union funds (EU финансиране: Не).".to_string(),
    };
    Planning {
        budget: Budget {
            description,
            project: programme.filter(|_| eu_funded),
        },
    }
}

fn parties(
    f: &Fields<'_>,
    buyer: &PartyRef,
    supplier: Option<&PartyRef>,
    eu_funded: bool,
) -> Vec<Party> {
    let identified = |eik: Option<&str>, name: &str| {
        eik.map(|id| Identifier {
            scheme: "BG-EIK",
            id: id.to_string(),
            legal_name: name.to_string(),
        })
    };
    let mut parties = vec![Party {
        id: buyer.id.clone(),
        name: buyer.name.clone(),
        identifier: identified(f.text("buyer_eik"), &buyer.name),
        roles: vec!["buyer", "procuringEntity"],
    }];
    match supplier {
        // A municipal company can win its own municipality's contract.
        Some(s) if s.id == buyer.id => parties[0].roles.push("supplier"),
        Some(s) => parties.push(Party {
            id: s.id.clone(),
            name: s.name.clone(),
            identifier: identified(f.text("supplier_eik"), &s.name),
            roles: vec!["supplier"],
        }),
        None => {}
    }
    if eu_funded {
        parties.push(Party {
            id: "EU".into(),
            name: "Европейски съюз / European Union".into(),
            identifier: None,
            roles: vec!["funder"],
        });
    }
    parties
}

fn tender(f: &Fields<'_>, buyer: PartyRef, lot: Option<&str>) -> Result<Tender, String> {
    let title = f.required("title")?;
    let lot_title = f.owned("lot_title");
    let items = f
        .owned("cpv")
        .map(|cpv| Item {
            // One item per lot, so the lots' items stay apart when merged.
            id: lot.map_or_else(|| "1".to_string(), |lot| format!("lot-{lot}")),
            description: lot_title.clone().unwrap_or_else(|| title.to_string()),
            classification: Classification {
                scheme: "CPV",
                id: cpv,
            },
            related_lot: lot.map(str::to_string),
        })
        .into_iter()
        .collect();
    let lots = lot
        .map(|lot| {
            Ok::<_, String>(Lot {
                id: lot.to_string(),
                title: lot_title.clone(),
                // A contract was signed for it.
                status: "complete",
                value: f.value("lot_estimated_value", "estimated_currency")?,
            })
        })
        .transpose()?
        .into_iter()
        .collect();
    let documents = f
        .owned("procedure_url")
        .map(|url| Document {
            id: "procedure-page".to_string(),
            document_type: "tenderNotice",
            title: "Преписка на поръчката в ЦАИС ЕОП / The procedure in the national register",
            url,
        })
        .into_iter()
        .collect();
    Ok(Tender {
        id: f.required("unp")?.to_string(),
        title: title.to_string(),
        // A contract was signed, so the tender is over.
        status: "complete",
        procuring_entity: buyer,
        procurement_method: f.owned("procurement_method"),
        procurement_method_details: f.required("procedure_type")?.to_string(),
        main_procurement_category: f.owned("main_category"),
        value: f.value("estimated_value", "estimated_currency")?,
        items,
        lots,
        // With lots, offers are counted per lot (`bids.statistics`).
        number_of_tenderers: f.integer("bids_count").filter(|_| lot.is_none()),
        documents,
    })
}

fn award(
    f: &Fields<'_>,
    contract_id: &str,
    supplier: Option<PartyRef>,
    lot: Option<String>,
) -> Result<Award, String> {
    Ok(Award {
        id: format!("award-{contract_id}"),
        title: f.owned("lot_title"),
        status: "active",
        date: f.date("award_date")?.map(sofia_midnight),
        value: f
            .value("value", "currency")?
            .ok_or("field `value` or `currency` is missing")?,
        suppliers: supplier.into_iter().collect(),
        related_lots: lot.into_iter().collect(),
    })
}

fn contract(
    f: &Fields<'_>,
    contract_id: &str,
    signed: NaiveDate,
    amendments: Option<i64>,
) -> Result<Contract, String> {
    let signed_value = f
        .value("value", "currency")?
        .ok_or("field `value` or `currency` is missing")?;
    let change = f.text("amendments_value_change");
    // OCDS gives the value in force; the profile keeps the value at
    // signature and the annexes' change apart.
    let value = match change {
        Some(change) => Value {
            amount: add_cents(signed_value.amount.get(), change).ok_or_else(|| {
                format!("field `amendments_value_change` = {change:?} is not a decimal")
            })?,
            currency: signed_value.currency.clone(),
        },
        None => signed_value,
    };
    let (status, status_details) = match f.text("contract_status") {
        Some("active") => (Some("active"), None),
        Some("completed") => (Some("terminated"), Some("Изпълнен / Completed")),
        Some("terminated") => (
            Some("terminated"),
            Some("Прекратен предсрочно / Terminated early"),
        ),
        _ => (None, None),
    };
    let end = f.date("contract_end_date")?;
    let days = f.integer("duration_days");
    Ok(Contract {
        id: contract_id.to_string(),
        award_id: format!("award-{contract_id}"),
        status,
        status_details,
        date_signed: sofia_midnight(signed),
        value,
        period: Some(Period {
            start_date: sofia_midnight(signed),
            end_date: end.map(sofia_midnight),
            duration_in_days: days,
        })
        .filter(|p| p.end_date.is_some() || p.duration_in_days.is_some()),
        amendments: amendments
            .map(|count| Amendment {
                id: format!("{contract_id}-annexes"),
                date: f.datetime("modified").ok().flatten(),
                description: match change {
                    Some(change) => format!(
                        "Анекси: {count}; промяна на стойността: {change} / Annexes: {count}; value change: {change}"
                    ),
                    None => format!("Анекси: {count} / Annexes: {count}"),
                },
            })
            .into_iter()
            .collect(),
    })
}

#[cfg(test)]
mod tests;
