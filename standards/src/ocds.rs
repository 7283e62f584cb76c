//! OCDS 1.1 release packages for `procurement` datasets.
//!
//! Procurement portals and monitoring tools harvest the Open Contracting
//! Data Standard. [`write_release_package`] renders one published version
//! of a dataset of the `procurement` profile as a release package (schema
//! `1__1__5`): one release per contract, so a procurement with several lots
//! is several releases of one `ocid`, which an OCDS merge combines into one
//! record with one tender and an award and a contract per lot.
//!
//! What goes where:
//! - `parties`: the buyer (roles buyer and procuringEntity) and the
//!   supplier, identified under the `BG-EIK` scheme. A supplier whose
//!   published ЕИК failed its checksum is named but not identified: a wrong
//!   number must not join two unrelated companies. EU-funded contracts add
//!   the European Union as `funder`, and say so in `planning.budget`.
//! - `tender`: id = УНП, the OCDS method with the Bulgarian procedure name in
//!   `procurementMethodDetails`, the main category, the estimated value, the
//!   CPV code as the item's classification, the number of tenderers.
//! - `awards` and `contracts`: one each, linked by `awardID`, with the value
//!   in its own currency (lev amounts stay in BGN: OCDS values carry their
//!   currency, and the euro figure is derived data the rows API serves).
//! - Dates are the day at midnight in Europe/Sofia, with its offset (+02:00
//!   in winter, +03:00 in summer).
//!
//! Releases are written one at a time as rows arrive, so a million
//! contracts never sit in memory. Amounts are copied digit for digit from
//! the rows' exact decimals into JSON numbers, never through a float.
//! A version without rows gives a package with an empty `releases`, which
//! the schema rejects (`minItems: 1`): publish none for an empty version.

use std::io::{self, Write};

use chrono::{NaiveDate, NaiveTime, SecondsFormat, TimeZone};
use chrono_tz::Europe::Sofia;
use serde::Serialize;
use serde_json::value::RawValue;

use crate::{Publication, Row};

/// The package's file name inside the version's folder.
pub const FILE_NAME: &str = "ocds.json";

/// Writes the release package of one version of a `procurement` dataset.
/// Fails with `InvalidData` naming the row and field when a row lacks a
/// field the profile requires, and with the writer's error otherwise.
pub fn write_release_package<W: Write>(
    out: &mut W,
    publication: &Publication,
    rows: impl Iterator<Item = Row>,
) -> io::Result<()> {
    let header = serde_json::json!({
        "uri": format!("{}{FILE_NAME}", publication.version_url),
        "version": "1.1",
        "publishedDate": publication.published_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "publisher": { "name": publication.publisher },
        "license": license_url(&publication.license),
    });
    let header = serde_json::to_string(&header)?;
    // The header object is written without its closing brace, then the
    // releases, then the brace: a streamed array inside a small object.
    out.write_all(&header.as_bytes()[..header.len() - 1])?;
    out.write_all(b",\"releases\":[")?;
    for (index, row) in rows.enumerate() {
        if index > 0 {
            out.write_all(b",")?;
        }
        let release = release(&row, publication.version).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("row {}: {e}", index + 1),
            )
        })?;
        serde_json::to_writer(&mut *out, &release)?;
    }
    out.write_all(b"]}")
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

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Release<'a> {
    ocid: &'a str,
    id: String,
    date: String,
    tag: [&'static str; 3],
    initiation_type: &'static str,
    language: &'static str,
    parties: Vec<Party<'a>>,
    buyer: PartyRef<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    planning: Option<Planning>,
    tender: Tender<'a>,
    awards: [Award<'a>; 1],
    contracts: [Contract<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Party<'a> {
    id: String,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    identifier: Option<Identifier<'a>>,
    roles: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Identifier<'a> {
    scheme: &'static str,
    id: &'a str,
    legal_name: &'a str,
}

#[derive(Serialize, Clone)]
struct PartyRef<'a> {
    id: String,
    name: &'a str,
}

#[derive(Serialize)]
struct Planning {
    budget: Budget,
}

#[derive(Serialize)]
struct Budget {
    description: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Tender<'a> {
    id: &'a str,
    title: &'a str,
    status: &'static str,
    procuring_entity: PartyRef<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    procurement_method: Option<&'a str>,
    procurement_method_details: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    main_procurement_category: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    value: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    items: Vec<Item<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    number_of_tenderers: Option<i64>,
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'static str,
    description: &'a str,
    classification: Classification<'a>,
}

#[derive(Serialize)]
struct Classification<'a> {
    scheme: &'static str,
    id: &'a str,
}

#[derive(Serialize)]
struct Value {
    amount: Box<RawValue>,
    currency: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Award<'a> {
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    title: Option<String>,
    status: &'static str,
    value: Value,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppliers: Vec<PartyRef<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Contract<'a> {
    id: &'a str,
    #[serde(rename = "awardID")]
    award_id: String,
    date_signed: String,
    value: Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    period: Option<Period>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Period {
    duration_in_days: i64,
}

/// The fields of one row, read by name; errors name the field.
struct Fields<'a>(&'a Row);

impl<'a> Fields<'a> {
    fn text(&self, name: &str) -> Option<&'a str> {
        self.0.get(name)?.as_str().filter(|s| !s.is_empty())
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

    /// An amount and its currency, both present or the value is absent.
    fn value(&self, amount: &str, currency: &str) -> Result<Option<Value>, String> {
        let (Some(number), Some(currency)) = (self.text(amount), self.text(currency)) else {
            return Ok(None);
        };
        Ok(Some(Value {
            amount: json_number(number)
                .ok_or_else(|| format!("field `{amount}` = {number:?} is not a decimal"))?,
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

/// One contract's release.
fn release(row: &Row, version: u64) -> Result<Release<'_>, String> {
    let f = Fields(row);
    let ocid = f.required("ocid")?;
    let contract_id = f.required("contract_id")?;
    let contract_date = f
        .date("contract_date")?
        .ok_or("field `contract_date` is missing")?;
    let published = f.date("published")?.unwrap_or(contract_date);
    let buyer = party_ref(f.required("buyer_eik")?, f.required("buyer_name")?);
    let supplier = f
        .text("supplier_name")
        .map(|name| match f.text("supplier_eik") {
            Some(eik) => party_ref(eik, name),
            None => PartyRef {
                id: format!("supplier-{contract_id}"),
                name,
            },
        });
    let eu_funded = f.flag("eu_funded");
    let award_id = format!("award-{contract_id}");
    let value = f
        .value("value", "currency")?
        .ok_or("field `value` or `currency` is missing")?;
    Ok(Release {
        ocid,
        // Unique within the ocid, and new with each version of the dataset.
        id: format!("{}-v{version}", contract_id.replace('#', "-")),
        date: sofia_midnight(published),
        tag: ["tender", "award", "contract"],
        initiation_type: "tender",
        language: "bg",
        parties: parties(&f, &buyer, supplier.as_ref(), eu_funded == Some(true)),
        planning: eu_funded.map(|eu| Planning {
            budget: Budget {
                description: if eu {
                    "Financed with European Union funds (EU финансиране: Да)."
                } else {
                    "Not financed with European Union funds (EU финансиране: Не)."
                },
            },
        }),
        tender: tender(&f, buyer.clone())?,
        awards: [Award {
            id: award_id.clone(),
            title: f.text("lot").map(|lot| format!("Обособена позиция {lot}")),
            status: "active",
            value: f
                .value("value", "currency")?
                .ok_or("field `value` is missing")?,
            suppliers: supplier.into_iter().collect(),
        }],
        contracts: [Contract {
            id: contract_id,
            award_id,
            date_signed: sofia_midnight(contract_date),
            value,
            period: f.integer("duration_days").map(|days| Period {
                duration_in_days: days,
            }),
        }],
        buyer,
    })
}

fn party_ref<'a>(eik: &str, name: &'a str) -> PartyRef<'a> {
    PartyRef {
        id: format!("BG-EIK-{eik}"),
        name,
    }
}

fn parties<'a>(
    f: &Fields<'a>,
    buyer: &PartyRef<'a>,
    supplier: Option<&PartyRef<'a>>,
    eu_funded: bool,
) -> Vec<Party<'a>> {
    let identified = |eik: Option<&'a str>, name: &'a str| {
        eik.map(|id| Identifier {
            scheme: "BG-EIK",
            id,
            legal_name: name,
        })
    };
    let mut parties = vec![Party {
        id: buyer.id.clone(),
        name: buyer.name,
        identifier: identified(f.text("buyer_eik"), buyer.name),
        roles: vec!["buyer", "procuringEntity"],
    }];
    match supplier {
        // A municipal company can win its own municipality's contract.
        Some(s) if s.id == buyer.id => parties[0].roles.push("supplier"),
        Some(s) => parties.push(Party {
            id: s.id.clone(),
            name: s.name,
            identifier: identified(f.text("supplier_eik"), s.name),
            roles: vec!["supplier"],
        }),
        None => {}
    }
    if eu_funded {
        parties.push(Party {
            id: "EU".into(),
            name: "Европейски съюз / European Union",
            identifier: None,
            roles: vec!["funder"],
        });
    }
    parties
}

fn tender<'a>(f: &Fields<'a>, buyer: PartyRef<'a>) -> Result<Tender<'a>, String> {
    let title = f.required("title")?;
    Ok(Tender {
        id: f.required("unp")?,
        title,
        // A contract was signed, so the tender is over.
        status: "complete",
        procuring_entity: buyer,
        procurement_method: f.text("procurement_method"),
        procurement_method_details: f.required("procedure_type")?,
        main_procurement_category: f.text("main_category"),
        value: f.value("estimated_value", "estimated_currency")?,
        items: f
            .text("cpv")
            .map(|cpv| Item {
                id: "1",
                description: title,
                classification: Classification {
                    scheme: "CPV",
                    id: cpv,
                },
            })
            .into_iter()
            .collect(),
        number_of_tenderers: f.integer("bids_count"),
    })
}

#[cfg(test)]
mod tests;
