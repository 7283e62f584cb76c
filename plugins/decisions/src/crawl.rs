//! One run: follow the index, read the session pages that are new or have
//! changed since the bookmark, emit their decisions, save the new bookmark.
//!
//! A page is read again when the server does not answer a conditional
//! request with 304 and its content lines or links differ from the
//! fingerprint remembered, or when its entry on the index links another
//! protocol than when it was read (its rows carry that protocol when the
//! page links none). Every decision of a page that is read is emitted; nothing of
//! a page that is skipped. With the dataset published in merge mode, rows
//! of skipped pages stay as they were.
//!
//! A session page that cannot be read completely publishes nothing of that
//! session; a listed page that is gone (404) is treated the same way, while
//! an unavailable site (5xx, timeouts) fails the run as transient. By
//! default (`on_broken_page = "skip"`) the run goes on without
//! it, warns naming the page and what was wrong, and leaves it out of the
//! bookmark so the next run reads it again: one mangled page does not hold
//! back the decisions of every later session, and the warning repeats in
//! every run's summary until the page or the plugin is fixed. If no page
//! read in the run could be parsed, the site has most likely changed its
//! format: the run fails with `source changed`. `on_broken_page = "fail"`
//! fails the run on the first broken page.
//!
//! A decision whose vote line cannot be read is not a broken page: it is
//! emitted with its vote `unknown`, the page's warning names it, and the
//! run's summary ends with how many such decisions the run emitted.

use std::collections::{HashMap, HashSet};

use url::Url;
use vitrina_sdk::prelude::*;

use crate::bookmark::{Bookmark, Previous, SessionMark, fingerprint};
use crate::html::{self, Content};
use crate::index::{SessionLink, parse_index};
use crate::session::{ParseError, Session, parse_session};
use crate::{Config, OnBrokenPage, STREAM, decision_row};

/// The plugin version: a bookmark written by another version is ignored,
/// since a new parser may read old pages differently.
const PARSER: &str = env!("CARGO_PKG_VERSION");

/// What a run did, for its log line.
#[derive(Default)]
struct Counters {
    /// Pages read and parsed completely.
    parsed: usize,
    /// Pages unchanged since the bookmark, not parsed.
    unchanged: usize,
    skipped_before_since: usize,
    /// Why each broken page (unparsable or gone) was left out.
    broken: Vec<String>,
    decisions: usize,
    /// Decisions emitted with a vote line that could not be read.
    unread_votes: usize,
}

pub fn collect(run: &mut Run, config: &Config) -> Result<(), Error> {
    let previous = previous_bookmark(run);
    let links = session_links(run, config)?;
    if links.is_empty() {
        return Err(Error::source_changed(format!(
            "the index {} links to no session's decisions page (looked for links whose text names decisions of a session, „ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ …“); has the layout changed?",
            config.index_url
        )));
    }
    info!("{} session pages listed", links.len());
    let mut next = Bookmark::new(PARSER);
    let mut sessions_by_date: HashMap<String, String> = HashMap::new();
    let mut counters = Counters::default();
    let total = links.len() as u64;
    for (done, link) in links.iter().enumerate() {
        run.progress(done as u64, Some(total));
        if config
            .since
            .is_some_and(|since| link.date.is_some_and(|d| d < since))
        {
            counters.skipped_before_since += 1;
            continue;
        }
        read_session(run, config, link, &previous, &mut next, &mut counters)?;
        claim_date(&next, &link.url, &mut sessions_by_date)?;
    }
    run.progress(total, Some(total));
    finish(run, config, next, counters)
}

/// The bookmark of the last published run, unless this is a full refresh.
fn previous_bookmark(run: &mut Run) -> Previous {
    let previous = Previous::load(run.state(STREAM).as_deref(), PARSER);
    match &previous {
        Previous::None => info!("no bookmark: reading every session page"),
        Previous::OtherParser(v) => {
            info!("bookmark written by version {v}: reading every session page again")
        }
        Previous::Unreadable(e) => run.warn(format!(
            "the saved bookmark cannot be read ({e}); reading every session page"
        )),
        Previous::Usable(b) => info!("bookmark remembers {} session pages", b.sessions.len()),
    }
    previous
}

/// Every session link on the index and its next pages, in order, each once.
fn session_links(run: &mut Run, config: &Config) -> Result<Vec<SessionLink>, Error> {
    let mut links = Vec::new();
    let mut seen_links = HashSet::new();
    let mut seen_pages = HashSet::new();
    let mut next = Some(config.index_url.clone());
    while let Some(page) = next.take() {
        if !seen_pages.insert(page.clone()) {
            run.warn(format!(
                "index page {page} links back to an earlier page; stopped following"
            ));
            break;
        }
        if seen_pages.len() > config.max_index_pages {
            run.warn(format!(
                "stopped after {} index pages (max_index_pages); older sessions are not read",
                config.max_index_pages
            ));
            break;
        }
        let html =
            fetch::get_text(page.as_str()).map_err(|e| e.context(format!("index page {page}")))?;
        let index = parse_index(&html, &page);
        links.extend(
            index
                .sessions
                .into_iter()
                .filter(|l| seen_links.insert(l.url.clone())),
        );
        next = index.next_page;
    }
    Ok(links)
}

/// A session page as fetched.
enum Page {
    /// The server answered 304 to the bookmark's validators.
    NotModified,
    Fetched {
        content: Content,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

fn fetch_page(url: &Url, known: Option<&SessionMark>) -> Result<Page, Error> {
    let context = |e: Error| e.context(format!("session page {url}"));
    let mut request = Request::get(url.as_str());
    for (name, value) in known
        .map(SessionMark::conditional_headers)
        .unwrap_or_default()
    {
        request = request.header(name, value);
    }
    let response = request.send().map_err(context)?;
    if response.status == 304 && known.is_some() {
        return Ok(Page::NotModified);
    }
    let response = response.error_for_status().map_err(context)?;
    let etag = response.header("etag").map(str::to_string);
    let last_modified = response.header("last-modified").map(str::to_string);
    let html = response.text().map_err(context)?;
    Ok(Page::Fetched {
        content: html::content(&html),
        etag,
        last_modified,
    })
}

/// A session page's decisions, with the protocol its entry on the index
/// links when the page itself links none.
pub fn read_page(page: &Content, link: &SessionLink) -> Result<Session, ParseError> {
    let mut session = parse_session(&page.lines, &page.links, link.url.as_str())?;
    if session.protocol_url.is_none() {
        session.protocol_url = link.protocol.as_ref().map(Url::to_string);
    }
    Ok(session)
}

/// Reads one session page unless it is unchanged, emits its decisions and
/// records it in `next`.
fn read_session(
    run: &mut Run,
    config: &Config,
    link: &SessionLink,
    previous: &Previous,
    next: &mut Bookmark,
    counters: &mut Counters,
) -> Result<(), Error> {
    let url = link.url.as_str();
    let index_protocol = link.protocol.as_ref().map(Url::to_string);
    // A page whose index entry links another protocol than when it was
    // read is read again, unconditionally: its rows carry the protocol.
    let known = previous
        .get(url)
        .filter(|k| k.index_protocol == index_protocol);
    let page = match fetch_page(&link.url, known) {
        Ok(page) => page,
        // A listed page that is gone (404) or too large is one broken page,
        // not a broken site; unavailability (5xx, timeouts) and denials
        // still fail the run.
        Err(Error::SourceChanged(message)) => {
            return broken_page(run, config, message, counters);
        }
        Err(other) => return Err(other),
    };
    let (content, etag, last_modified) = match page {
        Page::NotModified => {
            if let Some(known) = known {
                next.sessions.insert(url.to_string(), known.clone());
            }
            counters.unchanged += 1;
            return Ok(());
        }
        Page::Fetched {
            content,
            etag,
            last_modified,
        } => (content, etag, last_modified),
    };
    let print = fingerprint(&content.lines, &content.links);
    if let Some(known) = known.filter(|k| k.matches(&print)) {
        let mark = SessionMark {
            etag,
            last_modified,
            ..known.clone()
        };
        next.sessions.insert(url.to_string(), mark);
        counters.unchanged += 1;
        return Ok(());
    }
    let session = match read_page(&content, link) {
        Ok(session) => session,
        Err(e) => return broken_page(run, config, e.to_string(), counters),
    };
    counters.parsed += 1;
    if config.since.is_some_and(|since| session.date < since) {
        counters.skipped_before_since += 1;
        return Ok(());
    }
    emit_session(run, &session, counters)?;
    next.sessions.insert(
        url.to_string(),
        SessionMark {
            etag,
            last_modified,
            fingerprint: print,
            index_protocol,
            session_date: session.date.to_string(),
            decisions: session.decisions.len(),
        },
    );
    Ok(())
}

fn emit_session(run: &mut Run, session: &Session, counters: &mut Counters) -> Result<(), Error> {
    for warning in &session.warnings {
        run.warn(warning.clone());
    }
    for decision in &session.decisions {
        run.emit(decision_row(run, session, decision))?;
    }
    counters.decisions += session.decisions.len();
    counters.unread_votes += session.unread_votes();
    debug!(
        "{}: session of {}, {} decisions",
        session.url,
        session.date,
        session.decisions.len()
    );
    Ok(())
}

/// A page left out: unparsable, or gone from the site.
fn broken_page(
    run: &mut Run,
    config: &Config,
    error: String,
    counters: &mut Counters,
) -> Result<(), Error> {
    if config.on_broken_page == OnBrokenPage::Fail {
        return Err(Error::source_changed(format!(
            "{error}. Nothing was published; fix the page or update the plugin (on_broken_page = \"fail\")"
        )));
    }
    run.warn(format!(
        "skipped a session page: {error}. None of its decisions were emitted (earlier versions of them stay published); it is read again next run"
    ));
    counters.broken.push(error);
    Ok(())
}

/// The run summary's count of decisions whose vote could not be read; each
/// has its own warning already.
fn unread_votes_summary(unread: usize) -> Option<String> {
    let decisions = match unread {
        0 => return None,
        1 => "1 decision was".to_string(),
        n => format!("{n} decisions were"),
    };
    Some(format!(
        "{decisions} emitted with vote_type or result unknown because their vote could not be read (decisions_with_unread_vote; each is named above with its page, agenda point and the text not understood); teach plugins/decisions/src/tally/ the form, or ask the site's editors to fix the page"
    ))
}

/// Ids are made of the session's date, so two pages with the same session
/// date would give the same ids. The same session listed under two URLs is
/// the likely cause; either way a person must look.
fn claim_date(
    next: &Bookmark,
    url: &Url,
    sessions_by_date: &mut HashMap<String, String>,
) -> Result<(), Error> {
    let Some(mark) = next.sessions.get(url.as_str()) else {
        return Ok(());
    };
    match sessions_by_date.insert(mark.session_date.clone(), url.to_string()) {
        Some(other) if other != url.as_str() => Err(Error::source_changed(format!(
            "two session pages give the same session date {}: {other} and {url}; decision ids (date.item) would collide. Is one session listed twice? Remove the duplicate from the index or report it to the site's editors",
            mark.session_date
        ))),
        _ => Ok(()),
    }
}

fn finish(run: &mut Run, config: &Config, next: Bookmark, c: Counters) -> Result<(), Error> {
    info!(
        "{} session pages parsed, {} unchanged, {} broken, {} before `since`; {} decisions emitted, {} with a vote that could not be read",
        c.parsed,
        c.unchanged,
        c.broken.len(),
        c.skipped_before_since,
        c.decisions,
        c.unread_votes
    );
    // How many of this run's decisions lack a readable vote, for the run's
    // log. The dataset's metadata counts them over the whole version (the
    // decision profile's `decisions_with_unread_vote`), merged rows too.
    vitrina_sdk::log::with_fields(
        vitrina_sdk::log::Level::Info,
        "decisions published without a readable vote or result",
        &[("decisions_with_unread_vote", &c.unread_votes.to_string())],
    );
    if let Some(summary) = unread_votes_summary(c.unread_votes) {
        run.warn(summary);
    }
    if !c.broken.is_empty() && c.parsed == 0 {
        return Err(Error::source_changed(format!(
            "no session page read in this run could be parsed ({} broken, {} unchanged, index {}); the site's format has probably changed. First problem: {}",
            c.broken.len(),
            c.unchanged,
            config.index_url,
            c.broken[0]
        )));
    }
    run.checkpoint(STREAM, &next.to_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_unread_votes_only_when_there_are_any() {
        assert_eq!(unread_votes_summary(0), None);
        let one = unread_votes_summary(1).unwrap_or_default();
        assert!(
            one.starts_with("1 decision was emitted with vote_type or result unknown"),
            "{one}"
        );
        let many = unread_votes_summary(3).unwrap_or_default();
        assert!(many.starts_with("3 decisions were emitted"), "{many}");
    }
}
