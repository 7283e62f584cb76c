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
//! - [`contract`]: a record normalized into a contract of the profile.
//! - [`tally`]: warnings counted, keys remembered.

pub mod columns;
pub mod contract;
pub mod export;
pub mod notices;
pub mod settings;
pub mod tally;

use std::collections::HashSet;
use std::io;

use chrono::{DateTime, FixedOffset};
use url::Url;
use vitrina_sdk::prelude::*;

use contract::{Context, FIELDS, Record, read_contract};
use export::ExportError;
use notices::parse_page;
use settings::Settings;
use tally::{Keys, Tally, Topic};

/// The stream this plugin produces.
pub const STREAM: &str = "contracts";

/// Records read between two progress reports.
const PROGRESS_EVERY: u64 = 50_000;

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
            let mut body = Body::new(fetch::get(url.as_str())?);
            let export = export::open(&mut body).map_err(|e| export_error(e, url))?;
            check.note(format!(
                "{url}: {} of the register's columns found",
                export.known_columns()
            ));
        }
        if let Some(url) = &settings.notices_url {
            let page = parse_page(&fetch::get(url.as_str())?.bytes()?)
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
        let mut collector = Collector::new(run, &settings);
        let incremental =
            settings.incremental && bookmark.is_some() && settings.notices_url.is_some();
        let mut newest = None;
        if let Some(url) = &settings.notices_url {
            let since = if incremental { bookmark } else { None };
            newest = collector.read_listing(url, since)?;
        }
        if incremental {
            info!("incremental run: notices modified after the bookmark only");
        } else {
            for url in settings.sources.iter().rev() {
                collector.read_export(url)?;
            }
        }
        collector.finish()?;
        if let Some(newest) = newest.or(bookmark) {
            run.checkpoint(
                STREAM,
                &serde_json::json!({ "modified": newest.to_rfc3339() }).to_string(),
            )?;
        }
        Ok(())
    }
}

vitrina_sdk::export_plugin!(Procurement);

/// The `modified` time saved by the last run that published, if usable.
fn bookmark(run: &mut Run) -> Option<DateTime<FixedOffset>> {
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

/// A run's reading state: what was emitted, what was doubted.
struct Collector<'r> {
    run: &'r mut Run,
    buyer_eik: String,
    context: Context,
    max_pages: usize,
    max_bad_rows: u64,
    keys: Keys,
    tally: Tally,
    read: u64,
}

impl<'r> Collector<'r> {
    fn new(run: &'r mut Run, settings: &Settings) -> Self {
        Self {
            run,
            buyer_eik: settings.buyer_eik.clone(),
            context: Context {
                ocid_prefix: settings.ocid_prefix.clone(),
            },
            max_pages: settings.max_pages,
            max_bad_rows: settings.max_bad_rows,
            keys: Keys::default(),
            tally: Tally::default(),
            read: 0,
        }
    }

    /// Streams one export, taking the buyer's records.
    fn read_export(&mut self, url: &Url) -> Result<(), Error> {
        info!("reading export {url}");
        let mut body =
            Body::new(fetch::get(url.as_str()).map_err(|e| e.context(format!("export {url}")))?);
        let mut export = export::open(&mut body).map_err(|e| export_error(e, url))?;
        let want = self.buyer_eik.clone().into_bytes();
        let before = self.run.emitted(STREAM);
        while let Some(record) = export.next_record().map_err(|e| export_error(e, url))? {
            self.read += 1;
            if self.read.is_multiple_of(PROGRESS_EVERY) {
                self.run.progress(self.read, None);
            }
            if record.buyer_is(&want) {
                let location = format!("{url}#L{}", record.line);
                self.take(&record, location)?;
            }
        }
        info!(
            "{url}: {} contracts of the buyer",
            self.run.emitted(STREAM) - before
        );
        Ok(())
    }

    /// Reads the listing from `first`, following `next`; returns the newest
    /// `modified` time seen. With `since`, takes only notices modified after
    /// it and stops at the first page that has none.
    fn read_listing(
        &mut self,
        first: &Url,
        since: Option<DateTime<FixedOffset>>,
    ) -> Result<Option<DateTime<FixedOffset>>, Error> {
        let mut newest = since;
        let mut seen = HashSet::new();
        let mut next = Some(first.clone());
        while let Some(url) = next.take() {
            if seen.len() >= self.max_pages {
                self.run.warn(format!(
                    "stopped after {} listing pages (max_pages)",
                    self.max_pages
                ));
                break;
            }
            if !seen.insert(url.clone()) {
                self.run.warn(format!(
                    "listing page {url} links back to an earlier page; stopped following"
                ));
                break;
            }
            let page = fetch::get(url.as_str())
                .and_then(Response::bytes)
                .map_err(|e| e.context(format!("listing page {url}")))?;
            let page = parse_page(&page)
                .map_err(|e| Error::source_changed(format!("listing page {url}: {e}")))?;
            let mut fresh = false;
            for notice in &page.notices {
                newest = newest.max(Some(notice.modified));
                if since.is_some_and(|s| notice.modified <= s) {
                    continue;
                }
                fresh = true;
                if notice.buyer_is(&self.buyer_eik) {
                    self.take(notice, format!("{url}#notice-{}", notice.id))?;
                }
            }
            if since.is_some() && !fresh {
                break;
            }
            next = page
                .next
                .map(|n| {
                    url.join(&n).map_err(|e| {
                        Error::source_changed(format!("listing page {url}: \"next\" {n:?}: {e}"))
                    })
                })
                .transpose()?;
        }
        Ok(newest)
    }

    /// Turns one record of the buyer into a row, or says why not.
    fn take(&mut self, record: &impl Record, location: String) -> Result<(), Error> {
        let read = match read_contract(record, &self.context, location.clone()) {
            Ok(read) => read,
            Err(e) => return self.skip(&location, &e.to_string()),
        };
        for note in read.notes {
            let shown = self.tally.record(Topic::Note(note.kind), || {
                format!("{location}: {}", note.message)
            });
            shown.into_iter().for_each(|m| self.run.warn(m));
        }
        let contract = read.contract;
        if !self.keys.insert(&contract.ocid, &contract.contract_id) {
            let shown = self.tally.record(Topic::Duplicate, || {
                format!(
                    "{location}: contract {} of {} was already read from a newer source; skipped",
                    contract.contract_id, contract.unp
                )
            });
            shown.into_iter().for_each(|m| self.run.warn(m));
            return Ok(());
        }
        let mut row = self.run.row(STREAM);
        for (field, value) in FIELDS.into_iter().zip(contract.into_values()) {
            row.put(field, value);
        }
        self.run.emit(row)
    }

    fn skip(&mut self, location: &str, why: &str) -> Result<(), Error> {
        let shown = self
            .tally
            .record(Topic::Skipped, || format!("{location}: skipped: {why}"));
        shown.into_iter().for_each(|m| self.run.warn(m));
        if self.tally.count(Topic::Skipped) > self.max_bad_rows {
            return Err(Error::source_changed(format!(
                "more than {} records of the buyer could not be read (max_bad_rows); the last, {location}: {why}. Has the register changed its export format?",
                self.max_bad_rows
            )));
        }
        Ok(())
    }

    fn finish(self) -> Result<(), Error> {
        for line in self.tally.summary() {
            self.run.warn(line);
        }
        if self.run.emitted(STREAM) == 0 && self.tally.count(Topic::Duplicate) == 0 {
            info!(
                "no contract of buyer {} in {} records read",
                self.buyer_eik, self.read
            );
        }
        Ok(())
    }
}

/// An export error as the run reports it: a failed fetch keeps its kind,
/// anything else means the export is not what the plugin knows.
fn export_error(error: ExportError, url: &Url) -> Error {
    if let ExportError::Read { line, source } = error {
        return match source.into_inner().map(|e| e.downcast::<Error>()) {
            Some(Ok(fetch_error)) => fetch_error.context(format!("export {url}, line {line}")),
            Some(Err(other)) => {
                Error::source_changed(format!("export {url}, line {line}: {other}"))
            }
            None => Error::source_changed(format!("export {url}, line {line}: read failed")),
        };
    }
    Error::source_changed(format!(
        "export {url}: {error}. Has the register changed its export layout? The column names the plugin knows are in plugins/procurement/src/columns.rs"
    ))
}

/// A response body as `io::Read`, for the CSV reader. A failed chunk
/// travels inside the `io::Error`, so the run reports the fetch's own kind
/// (a timeout is transient; a size limit is not).
struct Body {
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
/// (`host/src/validate/profiles/procurement.json`).
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
        .field(Field::decimal("estimated_value", "The procurement's estimated value, exact, in estimated_currency.").nullable())
        .field(Field::text("estimated_currency", "BGN or EUR.").nullable())
        .field(Field::text("buyer_name", "The contracting authority as registered."))
        .field(Field::text("buyer_eik", "The contracting authority's ЕИК/БУЛСТАТ."))
        .field(Field::text("lot", "The lot the contract is for, as registered.").nullable())
        .field(Field::text("contract_number", "The contract's number as registered (`Д-118`).").nullable())
        .field(Field::date("contract_date", "The date the contract was signed."))
        .field(Field::decimal("value", "The contract's value at signature, exact, in currency."))
        .field(Field::text("currency", "BGN or EUR: the currency of value."))
        .field(Field::decimal("value_eur", "value in euro: BGN at the fixed 1.95583, half-up to the cent.").unit("EUR"))
        .field(Field::text("supplier_name", "The contractor as registered.").nullable())
        .field(Field::text("supplier_eik", "The contractor's ЕИК when it passes the checksum.").nullable())
        .field(Field::text("supplier_eik_published", "The contractor's ЕИК as the register prints it, valid or not.").nullable())
        .field(Field::boolean("supplier_eik_valid", "Whether the published supplier ЕИК passes the checksum; null when none is given.").nullable())
        .field(Field::integer("bids_count", "Offers received; null when not published.").nullable())
        .field(Field::boolean("eu_funded", "Financed with EU funds (EU финансиране: Да/Не).").nullable())
        .field(Field::integer("duration_days", "The contract's term in days.").unit("days").nullable())
        .field(Field::date("published", "When the register published the notice.").nullable())
        .field(Field::text("source_url", "The export and line (`#L12`), or the listing page and notice (`#notice-612871`), the row was read from."))
}
