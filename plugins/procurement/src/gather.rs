//! One run's reading, from configured sources to contracts, without the SDK.
//!
//! [`gather`] decides what is read and in which order, filters the buyer's
//! records, skips what cannot be read, drops contracts already read, and
//! hands each contract and warning to a [`Sink`]; fetching goes through a
//! [`Fetcher`]. The plugin plugs the host's `fetch` and the run's sink into
//! these; the tests plug in the fixtures folder and a vector, so the order
//! of sources, the merge of the listing with the exports and the
//! incremental bookmark are tested natively, end to end.
//!
//! The order: the listing first (it is newer than any export), then the
//! exports, last configured first. The first reading of a contract wins,
//! so the newest source says what a contract is.

use std::collections::HashSet;
use std::io::Read;

use chrono::{DateTime, FixedOffset};
use url::Url;
use vitrina_sdk::Error;

use crate::contract::Contract;
use crate::export::{self, ExportError};
use crate::notices::parse_page;
use crate::read::{Context, Record, read_contract};
use crate::settings::Settings;
use crate::tally::{Keys, Tally, Topic};

/// Records read between two progress reports.
const PROGRESS_EVERY: u64 = 50_000;

/// How sources are fetched.
pub trait Fetcher {
    type Body: Read;
    /// A body to stream (an export).
    fn stream(&mut self, url: &Url) -> Result<Self::Body, Error>;
    /// A whole body (a listing page).
    fn bytes(&mut self, url: &Url) -> Result<Vec<u8>, Error>;
}

/// Where contracts and warnings go.
pub trait Sink {
    fn emit(&mut self, contract: Contract) -> Result<(), Error>;
    fn warn(&mut self, message: String);
    fn info(&mut self, message: String);
    fn progress(&mut self, records_read: u64);
}

/// Time as the listing states it.
pub type Time = DateTime<FixedOffset>;

/// Reads what the settings name; returns the newest `modified` time of the
/// listing (or the old bookmark when the listing had nothing newer), to be
/// saved as the next bookmark. `bookmark` is the last run's; it makes the
/// run incremental only when `incremental` is set and a listing exists.
pub fn gather(
    settings: &Settings,
    bookmark: Option<Time>,
    fetcher: &mut impl Fetcher,
    sink: &mut impl Sink,
) -> Result<Option<Time>, Error> {
    let incremental = settings.incremental && bookmark.is_some() && settings.notices_url.is_some();
    let mut reader = Reader::new(settings, sink);
    let mut newest = None;
    if let Some(url) = &settings.notices_url {
        let since = if incremental { bookmark } else { None };
        newest = reader.read_listing(fetcher, url, since)?;
    }
    if incremental {
        reader
            .sink
            .info("incremental run: only notices modified after the bookmark".into());
    } else {
        for url in settings.sources.iter().rev() {
            reader.read_export(fetcher, url)?;
        }
    }
    reader.finish();
    Ok(newest.or(bookmark))
}

/// The state of one run's reading.
struct Reader<'s, S: Sink> {
    sink: &'s mut S,
    buyer_eik: String,
    context: Context,
    max_pages: usize,
    max_bad_rows: u64,
    /// Keys emitted so far: a contract read again is dropped.
    keys: Keys,
    tally: Tally,
    /// Records read from exports, every buyer's.
    read: u64,
    emitted: u64,
}

impl<'s, S: Sink> Reader<'s, S> {
    fn new(settings: &Settings, sink: &'s mut S) -> Self {
        Self {
            sink,
            buyer_eik: settings.buyer_eik.clone(),
            context: Context::new(settings.ocid_prefix.clone()),
            max_pages: settings.max_pages,
            max_bad_rows: settings.max_bad_rows,
            keys: Keys::default(),
            tally: Tally::default(),
            read: 0,
            emitted: 0,
        }
    }

    /// Streams one export, taking the buyer's records.
    fn read_export(&mut self, fetcher: &mut impl Fetcher, url: &Url) -> Result<(), Error> {
        self.sink.info(format!("reading export {url}"));
        let body = fetcher
            .stream(url)
            .map_err(|e| e.context(format!("export {url}")))?;
        let mut export = export::open(body).map_err(|e| export_error(e, url))?;
        let want = self.buyer_eik.clone().into_bytes();
        let before = self.emitted;
        while let Some(record) = export.next_record().map_err(|e| export_error(e, url))? {
            self.read += 1;
            if self.read.is_multiple_of(PROGRESS_EVERY) {
                self.sink.progress(self.read);
            }
            if record.buyer_is(&want) {
                let location = format!("{url}#L{}", record.line);
                self.take(&record, location)?;
            }
        }
        let found = self.emitted - before;
        self.sink
            .info(format!("{url}: {found} contracts of the buyer"));
        Ok(())
    }

    /// Reads the listing from `first`, following `next`; returns the newest
    /// `modified` time seen. With `since`, takes only notices modified after
    /// it, and stops at the first page with none (the listing is newest
    /// first).
    fn read_listing(
        &mut self,
        fetcher: &mut impl Fetcher,
        first: &Url,
        since: Option<Time>,
    ) -> Result<Option<Time>, Error> {
        let mut newest = since;
        let mut seen = HashSet::new();
        let mut next = Some(first.clone());
        while let Some(url) = next.take() {
            if seen.len() >= self.max_pages {
                self.sink.warn(format!(
                    "stopped after {} listing pages (max_pages)",
                    self.max_pages
                ));
                break;
            }
            if !seen.insert(url.clone()) {
                self.sink.warn(format!(
                    "listing page {url} links back to an earlier page; stopped following"
                ));
                break;
            }
            let bytes = fetcher
                .bytes(&url)
                .map_err(|e| e.context(format!("listing page {url}")))?;
            let page = parse_page(&bytes)
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
            next = match page.next {
                Some(n) => Some(url.join(&n).map_err(|e| {
                    Error::source_changed(format!("listing page {url}: \"next\" {n:?}: {e}"))
                })?),
                None => None,
            };
        }
        Ok(newest)
    }

    /// Turns one record of the buyer into a contract, or says why not.
    fn take(&mut self, record: &impl Record, location: String) -> Result<(), Error> {
        let read = match read_contract(record, &mut self.context, location.clone()) {
            Ok(read) => read,
            Err(e) => return self.skip(&location, &e.to_string()),
        };
        for note in read.notes {
            self.warn(Topic::Note(note.kind), || {
                format!("{location}: {}", note.message)
            });
        }
        let contract = read.contract;
        if !self.keys.insert(&contract.ocid, &contract.contract_id) {
            self.warn(Topic::Duplicate, || {
                format!(
                    "{location}: contract {} of {} was already read from a newer source; skipped",
                    contract.contract_id, contract.unp
                )
            });
            return Ok(());
        }
        self.emitted += 1;
        self.sink.emit(contract)
    }

    fn skip(&mut self, location: &str, why: &str) -> Result<(), Error> {
        self.warn(Topic::Skipped, || format!("{location}: skipped: {why}"));
        if self.tally.count(Topic::Skipped) > self.max_bad_rows {
            return Err(Error::source_changed(format!(
                "more than {} records of the buyer could not be read (max_bad_rows); the last, {location}: {why}. Has the register changed its export format?",
                self.max_bad_rows
            )));
        }
        Ok(())
    }

    fn warn(&mut self, topic: Topic, message: impl FnOnce() -> String) {
        if let Some(message) = self.tally.record(topic, message) {
            self.sink.warn(message);
        }
    }

    fn finish(self) {
        for line in self.tally.summary() {
            self.sink.warn(line);
        }
        if self.emitted == 0 {
            self.sink.info(format!(
                "no new contract of buyer {} ({} export records read)",
                self.buyer_eik, self.read
            ));
        }
    }
}

/// An export error as the run reports it: a failed fetch keeps its kind,
/// anything else means the export is not what the plugin knows.
pub fn export_error(error: ExportError, url: &Url) -> Error {
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::io::{self, Cursor};

    use super::*;

    /// Sources held in memory; a body may fail after its bytes.
    #[derive(Default)]
    struct Memory {
        files: HashMap<String, Vec<u8>>,
        fail_after: Option<Error>,
    }

    /// A body that reads its bytes, then fails as a broken fetch would.
    struct Failing(Cursor<Vec<u8>>, Option<Error>);

    impl Read for Failing {
        fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
            match self.0.read(out)? {
                0 => match self.1.take() {
                    Some(e) => Err(io::Error::other(e)),
                    None => Ok(0),
                },
                n => Ok(n),
            }
        }
    }

    impl Fetcher for Memory {
        type Body = Failing;

        fn stream(&mut self, url: &Url) -> Result<Failing, Error> {
            let bytes = self.bytes(url)?;
            Ok(Failing(Cursor::new(bytes), self.fail_after.clone()))
        }

        fn bytes(&mut self, url: &Url) -> Result<Vec<u8>, Error> {
            self.files
                .get(url.as_str())
                .cloned()
                .ok_or_else(|| Error::source_changed(format!("{url}: not found")))
        }
    }

    #[derive(Default)]
    struct Collected {
        contracts: Vec<Contract>,
        warnings: Vec<String>,
    }

    impl Sink for Collected {
        fn emit(&mut self, contract: Contract) -> Result<(), Error> {
            self.contracts.push(contract);
            Ok(())
        }
        fn warn(&mut self, message: String) {
            self.warnings.push(message);
        }
        fn info(&mut self, _: String) {}
        fn progress(&mut self, _: u64) {}
    }

    const HEADER: &str = "Уникален номер на поръчката,Вид на поръчката,Предмет на поръчката,Възложител,ЕИК на възложителя,Номер на договор,Дата на договор,Стойност при сключване\n";

    fn settings(extra: &[(&str, &str)]) -> Settings {
        let mut config = HashMap::from([
            ("buyer_eik", "000056814"),
            ("sources", "https://register.example/2024.csv"),
            ("ocid_prefix", "ocds-abc123"),
        ]);
        config.extend(extra.iter().copied());
        Settings::read(|k| config.get(k).map(|v| v.to_string())).expect("test settings")
    }

    fn export(rows: usize) -> Vec<u8> {
        let mut text = HEADER.to_string();
        for i in 1..=rows {
            text += &format!(
                "00123-2024-{i:04},Публично състезание,Ремонт {i},Община Бургас,000056814,Д-{i},01.02.2024,\"100,00\"\n"
            );
        }
        text.into_bytes()
    }

    #[test]
    fn a_fetch_that_breaks_mid_export_keeps_its_kind_and_says_where() {
        let mut memory = Memory {
            fail_after: Some(Error::source_unavailable("connection reset")),
            ..Memory::default()
        };
        // Larger than the first read, so the break comes while streaming.
        memory
            .files
            .insert("https://register.example/2024.csv".into(), export(400));
        let mut collected = Collected::default();
        let err = gather(&settings(&[]), None, &mut memory, &mut collected).unwrap_err();
        assert!(matches!(err, Error::SourceUnavailable(_)), "{err}");
        let at = "export https://register.example/2024.csv, line 402: connection reset";
        assert!(err.to_string().contains(at), "{err}");
        assert_eq!(collected.contracts.len(), 400);
    }

    #[test]
    fn a_listing_that_links_back_stops_with_a_warning() {
        let mut memory = Memory::default();
        memory
            .files
            .insert("https://register.example/2024.csv".into(), export(1));
        let page = r#"{"notices": [], "next": "notices.json?page=1"}"#;
        memory.files.insert(
            "https://register.example/notices.json?page=1".into(),
            page.into(),
        );
        let settings = settings(&[(
            "notices_url",
            "https://register.example/notices.json?page=1",
        )]);
        let mut collected = Collected::default();
        gather(&settings, None, &mut memory, &mut collected).expect("run succeeds");
        assert_eq!(collected.contracts.len(), 1);
        assert!(
            collected
                .warnings
                .iter()
                .any(|w| w.contains("links back to an earlier page")),
            "{:?}",
            collected.warnings
        );
    }

    #[test]
    fn the_same_contract_twice_in_one_export_is_emitted_once() {
        let mut bytes = export(2);
        bytes.extend_from_slice(&export(1)[HEADER.len()..]);
        let mut memory = Memory::default();
        memory
            .files
            .insert("https://register.example/2024.csv".into(), bytes);
        let mut collected = Collected::default();
        gather(&settings(&[]), None, &mut memory, &mut collected).expect("run succeeds");
        assert_eq!(collected.contracts.len(), 2);
        assert_eq!(collected.warnings.len(), 1, "{:?}", collected.warnings);
        assert!(
            collected.warnings[0].starts_with("https://register.example/2024.csv#L4: contract Д-1"),
            "{:?}",
            collected.warnings
        );
    }

    /// Deterministic garbage: no panic, whatever comes back.
    #[test]
    fn hostile_exports_never_panic() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let pieces: [&[u8]; 12] = [
            HEADER.as_bytes(),
            b",",
            b";",
            b"\"",
            b"\n",
            b"\r\n",
            b"000056814",
            "Д-1".as_bytes(),
            b"\xff\xfe",
            "1 000,00".as_bytes(),
            b"01.02.2024",
            b"00123-2024-0001",
        ];
        for _ in 0..300 {
            let mut bytes = Vec::new();
            for _ in 0..(next() % 60) {
                bytes.extend_from_slice(pieces[(next() % pieces.len() as u64) as usize]);
            }
            let mut memory = Memory::default();
            memory
                .files
                .insert("https://register.example/2024.csv".into(), bytes);
            let _ = gather(&settings(&[]), None, &mut memory, &mut Collected::default());
        }
    }
}
