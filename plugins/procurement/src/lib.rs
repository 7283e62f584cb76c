//! The `procurement` plugin: one buyer's public procurement contracts, from
//! the national register.
//!
//! Two sources combine. The register's yearly CSV exports (`sources`) are
//! the full record: every contract of every buyer, filtered here to the
//! buyer with ЕИК `buyer_eik`. The listing of new notices (`notices_url`,
//! optional) carries what was published since the last export. A full run
//! reads the listing first and then the exports, last listed first; a
//! contract read twice keeps its first reading, so the newest source says
//! what a contract is. With `incremental = "true"` and a bookmark saved by
//! an earlier run, a run reads only the notices modified since the
//! bookmark; that needs the dataset's `publish = "merge"`, which keeps the
//! rows a run does not emit. A full refresh (`--full-refresh`) reads
//! everything again.
//!
//! # Layout
//! - [`settings`]: `[config]` read and checked.
//! - [`columns`]: the register's columns, found by header name.
//! - [`export`]: streaming a yearly export record by record.
//! - [`notices`]: the paginated JSON listing.
//! - [`read`]: a record normalized into a contract.
//! - [`contract`]: a contract of the profile, and what can be wrong.
//! - [`fast`]: fast paths for the plain cells of every row.
//! - [`gather`]: a run's reading: order of sources, filter, skips, duplicates.
//! - [`tally`]: warnings counted, keys remembered.

pub mod columns;
pub mod contract;
pub mod export;
pub mod fast;
pub mod gather;
pub mod notices;
pub mod read;
pub mod settings;
pub mod tally;

use std::io;

use chrono::DateTime;
use url::Url;
use vitrina_sdk::prelude::*;

use contract::{Contract, FIELDS};
use gather::{Fetcher, Sink, Time, export_error, gather};
use notices::parse_page;
use settings::Settings;

/// The stream this plugin produces.
pub const STREAM: &str = "contracts";

struct Procurement;

impl Plugin for Procurement {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "procurement",
            env!("CARGO_PKG_VERSION"),
            "A buyer's public procurement contracts, from the national register's yearly CSV exports and its listing of new notices.",
        )
        .profile("procurement")
        .config(ConfigKey::required(
            "buyer_eik",
            "The buyer's ЕИК/БУЛСТАТ (9 or 13 digits): only its contracts are collected.",
        ))
        .config(ConfigKey::required(
            "sources",
            "The register's yearly CSV exports, oldest first, separated by commas or line breaks (http(s), or file:///name.csv for fixtures). Later files override earlier ones.",
        ))
        .config(ConfigKey::required(
            "ocid_prefix",
            "The publisher's registered OCDS prefix (`ocds-abc123`); the ocid is the prefix, a hyphen and the УНП.",
        ))
        .config(ConfigKey::optional(
            "notices_url",
            "The first page of the JSON listing of new notices; read before the exports and newer than them.",
        ))
        .config(ConfigKey::optional(
            "incremental",
            "`true`: when a bookmark exists, read only notices modified since it (needs publish = \"merge\"). Default false.",
        ))
        .config(ConfigKey::optional(
            "max_pages",
            "Listing pages followed at most (default 100).",
        ))
        .config(ConfigKey::optional(
            "max_bad_rows",
            "Records of the buyer that may be skipped as unreadable before the run fails as `source changed` (default 100).",
        ))
        .stream(schema())
    }

    fn check(check: &mut Check) -> Result<(), Error> {
        let settings =
            Settings::read(|k| check.config(k)).map_err(|e| Error::config(e.to_string()))?;
        for url in &settings.sources {
            let export = export::open(HostFetch.stream(url)?).map_err(|e| export_error(e, url))?;
            check.note(format!(
                "{url}: {} of the register's columns found",
                export.known_columns()
            ));
        }
        if let Some(url) = &settings.notices_url {
            let page = parse_page(&HostFetch.bytes(url)?)
                .map_err(|e| Error::source_changed(format!("listing page {url}: {e}")))?;
            check.note(format!(
                "{url}: {} notices on the first page",
                page.notices.len()
            ));
        }
        Ok(())
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let settings =
            Settings::read(|k| run.config(k)).map_err(|e| Error::config(e.to_string()))?;
        let bookmark = bookmark(run);
        let newest = gather(&settings, bookmark, &mut HostFetch, &mut RunSink(run))?;
        if let Some(newest) = newest {
            let saved = serde_json::json!({ "modified": newest.to_rfc3339() });
            run.checkpoint(STREAM, &saved.to_string())?;
        }
        Ok(())
    }
}

vitrina_sdk::export_plugin!(Procurement);

/// The `modified` time saved by the last run that published, if usable.
fn bookmark(run: &mut Run) -> Option<Time> {
    let saved = run.state(STREAM)?;
    let parsed = serde_json::from_str::<serde_json::Value>(&saved)
        .ok()
        .and_then(|v| v.get("modified")?.as_str().map(str::to_string))
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok());
    if parsed.is_none() {
        run.warn(format!(
            "ignored an unreadable bookmark {saved:?}; reading everything"
        ));
    }
    parsed
}

/// Fetching through the host.
struct HostFetch;

impl Fetcher for HostFetch {
    type Body = Body;

    fn stream(&mut self, url: &Url) -> Result<Body, Error> {
        Ok(Body::new(fetch::get(url.as_str())?))
    }

    fn bytes(&mut self, url: &Url) -> Result<Vec<u8>, Error> {
        fetch::get(url.as_str())?.bytes()
    }
}

/// The run's sink: contracts become rows of [`STREAM`].
struct RunSink<'r>(&'r mut Run);

impl Sink for RunSink<'_> {
    fn emit(&mut self, contract: Contract) -> Result<(), Error> {
        let mut row = self.0.row(STREAM);
        for (field, value) in FIELDS.into_iter().zip(contract.into_values()) {
            row.put(field, value);
        }
        self.0.emit(row)
    }

    fn warn(&mut self, message: String) {
        self.0.warn(message);
    }

    fn info(&mut self, message: String) {
        info!("{message}");
    }

    fn progress(&mut self, records_read: u64) {
        self.0.progress(records_read, None);
    }
}

/// A response body as `io::Read`, for the CSV reader. A failed chunk
/// travels inside the `io::Error`, so the run reports the fetch's own kind
/// (a timeout is transient; a size limit is not).
pub struct Body {
    response: Response,
    chunk: Vec<u8>,
    at: usize,
}

impl Body {
    fn new(response: Response) -> Self {
        Self {
            response,
            chunk: Vec::new(),
            at: 0,
        }
    }
}

impl io::Read for Body {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if self.at == self.chunk.len() {
            match self.response.next_chunk().map_err(io::Error::other)? {
                Some(chunk) => (self.chunk, self.at) = (chunk, 0),
                None => return Ok(0),
            }
        }
        let n = out.len().min(self.chunk.len() - self.at);
        out[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// The `contracts` stream, field for field the `procurement` profile
/// (`profiles/procurement.json`).
pub fn schema() -> StreamSchema {
    StreamSchema::new(STREAM, "One contract awarded by the buyer, as registered in the national public procurement register.")
        .field(Field::text("ocid", "OCDS contracting-process id: the registered prefix, a hyphen and the УНП.").key())
        .field(Field::text("contract_id", "The contract's id within the procurement: its number, else `lot-` and the lot, else `notice-` and the document number.").key())
        .field(Field::text("unp", "Уникален номер на поръчката, NNNNN-YYYY-NNNN."))
        .field(Field::text("notice_number", "The register's document number of the contract notice.").nullable())
        .field(Field::text("title", "The subject of the procurement as published."))
        .field(Field::text("procedure_type", "The procedure type in Bulgarian, as registered."))
        .field(Field::text("procurement_method", "OCDS method: open, selective, limited or direct; null when unmapped.").nullable())
        .field(Field::text("main_category", "OCDS main category: goods, services or works.").nullable())
        .field(Field::text("cpv", "Main CPV code, 8 digits without the check digit.").nullable())
        .field(Field::decimal("estimated_value", "The procurement's estimated value in estimated_currency, with two decimals.").nullable())
        .field(Field::text("estimated_currency", "BGN or EUR.").nullable())
        .field(Field::decimal("estimated_value_eur", "estimated_value in euro, converted as value_eur is.").unit("EUR").nullable())
        .field(Field::text("buyer_name", "The contracting authority as registered."))
        .field(Field::text("buyer_eik", "The contracting authority's ЕИК/БУЛСТАТ."))
        .field(Field::text("lot", "The lot the contract is for, as registered.").nullable())
        .field(Field::text("lot_title", "The lot's own name, from a subject that names its lot.").nullable())
        .field(Field::decimal("lot_estimated_value", "The lot's own estimate in estimated_currency, with two decimals.").nullable())
        .field(Field::decimal("lot_estimated_value_eur", "lot_estimated_value in euro.").unit("EUR").nullable())
        .field(Field::date("award_date", "The date of the decision naming the contractor.").nullable())
        .field(Field::text("contract_number", "The contract's number as registered (`Д-118`).").nullable())
        .field(Field::date("contract_date", "The date the contract was signed."))
        .field(Field::decimal("value", "The contract's value at signature in currency, with two decimals."))
        .field(Field::text("currency", "BGN or EUR: the currency of value."))
        .field(Field::decimal("value_eur", "value in euro: BGN at the fixed 1.95583, half-up to the cent.").unit("EUR"))
        .field(Field::date("contract_end_date", "The day the contract ends or ended.").nullable())
        .field(Field::text("contract_status", "active, completed or terminated, as the register says.").nullable())
        .field(Field::integer("amendments_count", "Annexes that amended the contract.").nullable())
        .field(Field::decimal("amendments_value_change", "The value after the annexes less the value at signature, in currency.").nullable())
        .field(Field::text("supplier_name", "The contractor as registered.").nullable())
        .field(Field::text("supplier_eik", "The contractor's ЕИК when it passes the checksum.").nullable())
        .field(Field::text("supplier_eik_published", "The contractor's ЕИК as the register prints it, valid or not.").nullable())
        .field(Field::boolean("supplier_eik_valid", "Whether the published supplier ЕИК passes the checksum; null when none is given.").nullable())
        .field(Field::integer("bids_count", "Offers received; null when not published.").nullable())
        .field(Field::boolean("eu_funded", "Financed with EU funds (EU финансиране: Да/Не).").nullable())
        .field(Field::text("eu_programme", "The EU programme that finances the contract.").nullable())
        .field(Field::integer("duration_days", "The contract's term in days.").unit("days").nullable())
        .field(Field::date("published", "When the register published the notice.").nullable())
        .field(Field::datetime("modified", "When the register last changed the notice (listing rows only).").nullable())
        .field(Field::text("procedure_url", "The procedure's page in the national register.").nullable())
        .field(Field::text("source_url", "The export and line (`#L12`), or the listing page and notice (`#notice-612871`), the row was read from."))
}

#[cfg(test)]
mod tests {

    use super::*;

    const PROFILE: &str = include_str!("../../../profiles/procurement.json");

    #[test]
    fn the_stream_is_the_procurement_profile_field_for_field() {
        assert_eq!(
            vitrina_sdk::profile::mismatches(&schema(), PROFILE),
            Vec::<String>::new()
        );
    }

    #[test]
    fn rows_are_built_in_the_stream_order() {
        let stream = schema();
        let names: Vec<&str> = stream.fields().iter().map(|f| f.name()).collect();
        assert_eq!(names, FIELDS);
    }
}
