//! The dataset's fixtures, read the way a run reads the site: from
//! `fixtures/index.html` through its pagination to every session page, each
//! decision compared with `fixtures/expected.json` field by field. The
//! pages under `fixtures/broken/` must be reported, naming the page, and
//! give nothing. (What a run does around them, skipping or failing, needs
//! the host: see docs/plugins-decisions.md for the commands.)

use std::collections::HashSet;
use std::path::PathBuf;

use pretty_assertions::assert_eq;
use serde_json::{Value, json};
use url::Url;
use vitrina_sdk::normalize::encoding;

use crate::crawl::read_page;
use crate::html::content;
use crate::index::{SessionLink, parse_index};
use crate::session::{Decision, ParseError, Session};
use crate::words::read_proposer;
use crate::{attachments, roll_call, schema};

/// `file:///` is the fixtures folder, as the host resolves it.
const BASE: &str = "file:///";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../datasets/burgas-council-decisions/fixtures")
}

fn url(s: &str) -> Url {
    Url::parse(s).expect("test URL")
}

/// The fixture at `url`, decoded as the SDK decodes a `file:` response
/// (no headers: a BOM, else strict UTF-8, else Windows-1251).
fn fetch(url: &Url) -> String {
    let relative = url.path().trim_start_matches('/');
    let bytes = std::fs::read(fixtures().join(relative))
        .unwrap_or_else(|e| panic!("fixture {relative}: {e}"));
    encoding::decode(&bytes).text.into_owned()
}

/// Every session link from `index`, following pagination.
fn crawl(index: &str) -> Vec<SessionLink> {
    let mut page = Some(url(&format!("{BASE}{index}")));
    let mut links = Vec::new();
    let mut pages = 0;
    while let Some(current) = page {
        pages += 1;
        assert!(pages < 10, "pagination loops");
        let listing = parse_index(&fetch(&current), &current);
        links.extend(listing.sessions);
        page = listing.next_page;
    }
    links
}

fn read(link: &SessionLink) -> Result<Session, ParseError> {
    read_page(&content(&fetch(&link.url)), link)
}

fn sessions() -> Vec<Session> {
    crawl("index.html")
        .iter()
        .map(|link| read(link).unwrap_or_else(|e| panic!("{e}")))
        .collect()
}

/// The row as the host serves it (`expected.json`'s shape), built from the
/// same values `decision_row` sets.
fn row(s: &Session, d: &Decision) -> Value {
    let proposer = d.proposer.as_deref().map(read_proposer);
    json!({
        "id": d.id,
        "session_date": s.date.to_string(),
        "decision_date": d.date.to_string(),
        "session_number": s.number,
        "protocol_number": s.protocol,
        "agenda_item": d.item,
        "decision_number": d.number,
        "incoming_reference": d.reference,
        "title": d.title,
        "text": d.text,
        "proposer": d.proposer,
        "legal_basis": d.legal_basis,
        "result": d.result.as_str(),
        "vote_type": d.vote_type.as_str(),
        "votes_for": d.counts.yes,
        "votes_against": d.counts.no,
        "votes_abstained": d.counts.abstain,
        "roll_call": roll_call(d),
        "source_url": s.url,
        "proposer_type": proposer.as_ref().map(|p| p.kind.as_str()),
        "proposer_group": proposer.as_ref().and_then(|p| p.group.clone()),
        "proposer_person": proposer.and_then(|p| p.person),
        "protocol_url": s.protocol_url,
        "report_url": d.report_url,
        "attachments": attachments(d),
    })
}

fn rows() -> Vec<Value> {
    sessions()
        .iter()
        .flat_map(|s| s.decisions.iter().map(move |d| row(s, d)))
        .collect()
}

fn expected() -> Vec<Value> {
    let text = std::fs::read_to_string(fixtures().join("expected.json")).expect("expected.json");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

#[test]
fn every_decision_of_the_fixtures_is_as_expected() {
    let actual = rows();
    let expected = expected();
    for (a, e) in actual.iter().zip(&expected) {
        assert_eq!(a, e, "row {}", e["id"]);
    }
    assert_eq!(actual.len(), expected.len(), "number of rows");
}

#[test]
fn rows_have_every_schema_field_and_unique_ids() {
    let schema = schema();
    let mut names: Vec<&str> = schema.fields().iter().map(|f| f.name()).collect();
    names.sort_unstable();
    let mut ids = HashSet::new();
    for row in expected() {
        let keys: Vec<&str> = row
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, names, "{}", row["id"]);
        assert!(
            ids.insert(row["id"].to_string()),
            "duplicate id {}",
            row["id"]
        );
    }
}

#[test]
fn the_fixtures_cover_what_real_pages_vary_in() {
    let sessions = sessions();
    let decisions: Vec<&Decision> = sessions.iter().flat_map(|s| &s.decisions).collect();
    assert!(sessions.len() >= 4 && decisions.len() >= 25);
    assert!(
        sessions.iter().any(|s| s.end_date.is_some()),
        "a session over two days"
    );
    assert!(
        sessions
            .iter()
            .any(|s| s.decisions.iter().any(|d| d.date != s.date)),
        "a decision taken on a second day"
    );
    let results: HashSet<&str> = decisions.iter().map(|d| d.result.as_str()).collect();
    for result in ["adopted", "rejected", "withdrawn", "postponed"] {
        assert!(results.contains(result), "a decision {result}");
    }
    let vote_types: HashSet<&str> = decisions.iter().map(|d| d.vote_type.as_str()).collect();
    for vote_type in ["open", "roll_call", "secret", "none", "unknown"] {
        assert!(vote_types.contains(vote_type), "a vote {vote_type}");
    }
    assert!(
        decisions.iter().any(|d| d.item.contains('.')),
        "a sub-point"
    );
    assert!(
        decisions.iter().any(|d| d.number.is_some()),
        "a numbered decision"
    );
    assert!(
        decisions.iter().any(|d| d.votes.len() > 40),
        "a roll call by name"
    );
    assert!(
        decisions.iter().any(|d| d.id.ends_with("-2")),
        "two decisions under one point"
    );
    assert!(
        decisions
            .iter()
            .any(|d| d.votes.iter().any(|v| v.group.is_some())),
        "a roll call that gives councillors' groups"
    );
    let kinds: HashSet<&str> = decisions
        .iter()
        .filter_map(|d| d.proposer.as_deref())
        .map(|p| read_proposer(p).kind.as_str())
        .collect();
    for kind in ["mayor", "council_chair", "group", "councillors"] {
        assert!(kinds.contains(kind), "a proposal by {kind}");
    }
    assert!(decisions.iter().any(|d| d.report_url.is_some()), "a report");
    assert!(
        decisions.iter().any(|d| !d.attachments.is_empty()),
        "attachments"
    );
    assert!(
        decisions
            .iter()
            .any(|d| d.report_url.is_none() && d.attachments.is_empty()),
        "an item that links no document"
    );
    assert!(
        sessions.iter().any(|s| s.protocol_url.is_none()),
        "a session whose protocol is linked nowhere"
    );
    let raw_pages: String = crawl("index.html").iter().map(|l| fetch(&l.url)).collect();
    for form in [
        "– няма",
        "«за»",
        "“за”",
        "\"за\"",
        "„за“",
        "<br",
        "<table",
        "&nbsp;",
    ] {
        assert!(raw_pages.contains(form), "fixtures use {form}");
    }
}

#[test]
fn a_protocol_is_the_pages_own_else_the_one_its_index_entry_links() {
    let links = crawl("index.html");
    let protocol_of = |node: &str| {
        let link = links
            .iter()
            .find(|l| l.url.path() == node)
            .unwrap_or_else(|| panic!("{node} is listed"));
        let page = content(&fetch(&link.url));
        let own = crate::session::parse_session(&page.lines, &page.links, link.url.as_str())
            .map(|s| s.protocol_url);
        let read = read(link).map(|s| s.protocol_url);
        (own, read)
    };
    let page = "file:///sites/default/files/protokoli/2024/protokol-13-25-06-2024.pdf";
    assert_eq!(
        protocol_of("/node/842"),
        (Ok(Some(page.into())), Ok(Some(page.into())))
    );
    let index = "file:///sites/default/files/protokol-12-2024.pdf";
    assert_eq!(
        protocol_of("/node/828"),
        (Ok(None), Ok(Some(index.into()))),
        "the page links none; its entry on the index does"
    );
    assert_eq!(protocol_of("/node/803"), (Ok(None), Ok(None)));
}

#[test]
fn a_page_cut_short_is_reported_by_page_and_item_and_gives_nothing() {
    let links = crawl("broken/index.html");
    // The second link is listed but gone (no fixture): a run skips it as
    // broken too.
    assert_eq!(links.len(), 3);
    assert!(!fixtures().join("broken/node/902").exists());
    let broken = read(&links[0]);
    assert_eq!(
        broken,
        Err(ParseError::NoDecision {
            url: "file:///broken/node/901".into(),
            item: "3".into()
        })
    );
    let message = broken.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("file:///broken/node/901: item т.3"),
        "{message}"
    );
    let good = read(&links[2]).expect("the other session still reads");
    assert_eq!(good.url, "file:///node/781");
}
