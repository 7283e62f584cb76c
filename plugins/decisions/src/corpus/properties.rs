//! The property: whatever the layout, parsing a generated page gives back
//! exactly the record's decisions, and warns about each decision whose
//! vote or result cannot be read.

use proptest::prelude::*;
use vitrina_sdk::normalize::encoding;

use super::model::{Expected, Record};
use super::render::{self, Charset, Layout};
use super::strategy::case;
use crate::html::content;
use crate::session::{Decision, Session, parse_session};

const URL: &str = "https://burgascouncil.org/node/9001";

/// Cases per run: thousands, in about half a minute unoptimized.
const CASES: u32 = 2000;

/// The page as the server sends it, and the charset its headers declare.
fn encode(html: &str, charset: Charset) -> (Vec<u8>, Option<&'static str>) {
    match charset {
        Charset::Utf8 => (html.as_bytes().to_vec(), Some("utf-8")),
        Charset::Windows1251 { declared } => {
            let (bytes, _, unmappable) = encoding_rs::WINDOWS_1251.encode(html);
            assert!(!unmappable, "a generated page has a character cp1251 lacks");
            (bytes.into_owned(), declared.then_some("windows-1251"))
        }
    }
}

/// Writes, encodes, decodes and parses the page as a run would.
fn read_back(record: &Record, layout: &Layout) -> (Vec<String>, Result<Session, String>) {
    let html = render::page(record, layout);
    let (bytes, declared) = encode(&html, layout.charset);
    let text = encoding::decode_with_label(&bytes, declared)
        .text
        .into_owned();
    let page = content(&text);
    let session = parse_session(&page.lines, &page.links, URL).map_err(|e| e.to_string());
    (page.lines, session)
}

fn observed(d: &Decision) -> Expected {
    Expected {
        id: d.id.clone(),
        item: d.item.clone(),
        number: d.number.clone(),
        date: d.date,
        reference: d.reference.clone(),
        title: d.title.clone(),
        text: d.text.clone(),
        proposer: d.proposer.clone(),
        result: d.result,
        vote_type: d.vote_type,
        counts: d.counts,
        unread: d.unread.is_some(),
    }
}

fn check(record: &Record, layout: &Layout) -> Result<(), TestCaseError> {
    let (lines, session) = read_back(record, layout);
    let page = lines.join("\n");
    let session = match session {
        Ok(session) => session,
        Err(e) => return Err(TestCaseError::fail(format!("{e}\npage:\n{page}"))),
    };
    let actual: Vec<Expected> = session.decisions.iter().map(observed).collect();
    prop_assert_eq!(&actual, &record.expected(), "page:\n{}", page);
    prop_assert_eq!(session.date, record.first_day);
    prop_assert_eq!(session.end_date, record.second_day);
    for d in session.decisions.iter().filter(|d| d.unread.is_some()) {
        let named = session.warnings.iter().any(|w| {
            w.starts_with(URL) && w.contains(&format!("т.{}", d.item)) && w.contains(&d.id)
        });
        prop_assert!(named, "no warning names {}: {:?}", d.id, session.warnings);
    }
    Ok(())
}

/// The corpus CI checks is the same every run, so a red build always
/// means a change broke it. To explore new pages, run with another seed:
/// `PROPTEST_RNG_SEED=N cargo test -p vitrina-plugin-decisions corpus`
/// (rare shapes such a run finds are not all read yet; see the notes).
const SEED: u64 = 2026;

proptest! {
    #![proptest_config(ProptestConfig {
        cases: CASES,
        rng_seed: proptest::test_runner::RngSeed::Fixed(
            std::env::var("PROPTEST_RNG_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(SEED),
        ),
        ..ProptestConfig::default()
    })]

    #[test]
    fn every_layout_gives_back_the_records_decisions((record, layout) in case()) {
        check(&record, &layout)?;
    }
}
