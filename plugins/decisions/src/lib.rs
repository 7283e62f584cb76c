//! The `decisions` plugin: a municipal council's decisions and their votes,
//! from the council's session pages.
//!
//! The plugin reads the council's index of sessions (`index_url`), follows
//! its pagination, and reads each session's decisions page into one row per
//! decision under the `decision` profile. It is incremental: the bookmark
//! remembers every session page read, and a run fetches only pages that are
//! new or have changed (conditional requests, then a content fingerprint).
//! Every decision of every page it reads is emitted, nothing of pages it
//! skips: the dataset is meant to be published in merge mode, where rows a
//! run does not emit are kept.
//!
//! # Layout
//! - [`html`]: a page's HTML to cleaned lines; vote and roll-call tables to text.
//! - [`index`]: the index pages: session links and the next page.
//! - [`words`]: the phrases of a session page, one line at a time.
//! - [`tally`]: vote tallies and roll calls.
//! - [`session`]: a session page's lines to its decisions.
//! - [`bookmark`]: what a run remembers for the next one.
//! - [`crawl`]: the run itself: which pages to read, what to emit.

pub mod bookmark;
pub mod crawl;
pub mod html;
pub mod index;
pub mod session;
pub mod tally;
pub mod words;

use serde_json::json;
use url::Url;
use vitrina_sdk::normalize::date;
use vitrina_sdk::prelude::*;

use session::{Decision, Session};

/// The stream this plugin produces.
pub const STREAM: &str = "decisions";

/// At most this many index pages are followed by default, so a pagination
/// loop on the source cannot keep a run going forever.
const DEFAULT_MAX_INDEX_PAGES: usize = 50;

struct Decisions;

impl Plugin for Decisions {
    fn describe() -> PluginInfo {
        PluginInfo::new(
            "decisions",
            env!("CARGO_PKG_VERSION"),
            "Decisions of a municipal council with their votes, from the council's session pages (ВЗЕТИ РЕШЕНИЯ НА ЗАСЕДАНИЕ …). Incremental: only new or changed session pages are read.",
        )
        .profile("decision")
        .config(ConfigKey::required(
            "index_url",
            "The page that lists the sessions' decisions pages (http(s), or file:///index.html for fixtures).",
        ))
        .config(ConfigKey::optional(
            "max_index_pages",
            "How many index pages to follow at most (default 50).",
        ))
        .config(ConfigKey::optional(
            "since",
            "Skip sessions before this date (YYYY-MM-DD or DD.MM.YYYY), e.g. the start of the current mandate.",
        ))
        .config(ConfigKey::optional(
            "on_broken_page",
            "`skip` (default): a session page that cannot be read completely is left out with a warning and read again next run, unless no page could be read; `fail`: it fails the run.",
        ))
        .stream(schema())
    }

    fn check(check: &mut Check) -> Result<(), Error> {
        let config = Config::read(|key| check.config(key))?;
        let html = fetch::get_text(config.index_url.as_str())
            .map_err(|e| e.context(format!("index page {}", config.index_url)))?;
        let page = index::parse_index(&html, &config.index_url);
        if page.sessions.is_empty() {
            return Err(Error::source_changed(format!(
                "index page {} links to no session's decisions page; has the layout changed?",
                config.index_url
            )));
        }
        check.note(format!(
            "{} lists {} sessions on its first page{}",
            config.index_url,
            page.sessions.len(),
            if page.next_page.is_some() {
                ", and has more pages"
            } else {
                ""
            }
        ));
        Ok(())
    }

    fn collect(run: &mut Run) -> Result<(), Error> {
        let config = Config::read(|key| run.config(key))?;
        crawl::collect(run, &config)
    }
}

vitrina_sdk::export_plugin!(Decisions);

/// What to do with a session page that cannot be read completely.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnBrokenPage {
    /// Leave it out with a warning; fail only if no page could be read.
    Skip,
    /// Fail the run.
    Fail,
}

/// The dataset's `[config]`, checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub index_url: Url,
    pub max_index_pages: usize,
    pub since: Option<NaiveDate>,
    pub on_broken_page: OnBrokenPage,
}

impl Config {
    /// Reads and checks the configuration through `get` (the run's or the
    /// check's config).
    pub fn read(get: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let raw = get("index_url")
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| {
                Error::config(
                    "config key `index_url` is not set; set it under [config] in dataset.toml",
                )
            })?;
        let index_url = Url::parse(raw.trim())
            .map_err(|e| Error::config(format!("index_url = {raw:?} is not a URL: {e}")))?;
        let max_index_pages = match get("max_index_pages") {
            Some(v) => v
                .trim()
                .parse()
                .ok()
                .filter(|&n: &usize| n > 0)
                .ok_or_else(|| {
                    Error::config(format!("max_index_pages = {v:?} is not a positive number"))
                })?,
            None => DEFAULT_MAX_INDEX_PAGES,
        };
        let since = match get("since").filter(|v| !v.trim().is_empty()) {
            Some(v) => Some(date::parse_date(&v).map_err(|e| {
                Error::config(format!("since = {v:?} is not a date (YYYY-MM-DD): {e}"))
            })?),
            None => None,
        };
        let on_broken_page = match get("on_broken_page").as_deref().map(str::trim) {
            None | Some("" | "skip") => OnBrokenPage::Skip,
            Some("fail") => OnBrokenPage::Fail,
            Some(other) => {
                return Err(Error::config(format!(
                    "on_broken_page = {other:?}: use \"skip\" or \"fail\""
                )));
            }
        };
        Ok(Self {
            index_url,
            max_index_pages,
            since,
            on_broken_page,
        })
    }
}

/// The `decisions` stream: one row per decision, the `decision` profile
/// (`profiles/decision.json`), field for field.
pub fn schema() -> StreamSchema {
    StreamSchema::new(STREAM, "One decision of the council, or one proposal it rejected, or an item withdrawn or postponed, with its vote.")
        .field(Field::text("id", "Stable id: the session's date and the agenda item (2024-03-26.27.2), with -2, -3 … for further decisions under the same item.").key())
        .field(Field::date("session_date", "The session's date; its first day when it was held over two days."))
        .field(Field::date("decision_date", "The day of the vote: the second day for decisions taken on the second day of a two-day session."))
        .field(Field::integer("session_number", "The session's number in the council's mandate (ЗАСЕДАНИЕ №9).").nullable())
        .field(Field::text("protocol_number", "The number of the session's protocol (Протокол № 9).").nullable())
        .field(Field::text("agenda_item", "The agenda point, as numbered on the agenda (2, 27.2)."))
        .field(Field::text("decision_number", "The decision's own number, where the council numbers its decisions (Решение № 275).").nullable())
        .field(Field::text("incoming_reference", "The council's registry number of the proposal (ОбС 08-00-15376).").nullable())
        .field(Field::text("title", "What the item is about: the text after относно."))
        .field(Field::text("text", "The operative text after Р Е Ш И:, lines separated by newlines; null when nothing was resolved (rejected, withdrawn).").nullable())
        .field(Field::text("proposer", "Who brought the proposal, as written (Кмета на Община Бургас).").nullable())
        .field(Field::text("legal_basis", "The legal provisions the decision cites (чл. 21, ал. 2 от ЗМСМА).").nullable())
        .field(Field::text("result", "adopted, rejected, withdrawn, postponed, or unknown when a vote is recorded without its outcome."))
        .field(Field::text("vote_type", "open, roll_call (поименно), secret (тайно), none (not put to a vote), or unknown (the page records no vote, or a vote line that could not be read: the run warns about each)."))
        .field(Field::integer("votes_for", "Votes for (за); null when the page does not say.").unit("votes").nullable())
        .field(Field::integer("votes_against", "Votes against (против); null when the page does not say.").unit("votes").nullable())
        .field(Field::integer("votes_abstained", "Abstentions (въздържали се); null when the page does not say.").unit("votes").nullable())
        .field(Field::json("roll_call", "Each councillor's vote when the page lists them: a JSON list of {\"name\", \"option\"}, option one of yes, no, abstain, not_voting, absent; null otherwise.").nullable())
        .field(Field::text("source_url", "The session page the decision was read from."))
        .field(Field::text("proposer_type", "Who brought it, normalised: mayor, deputy_mayor, local_mayor, council_chair, committee, group, councillors or other; null without a proposer.").nullable())
        .field(Field::text("proposer_group", "The political group that brought it (ПГ „Възход“ gives Възход), for group and councillors.").nullable())
        .field(Field::text("proposer_person", "The councillor who brought it, when one is named.").nullable())
        .field(Field::text("protocol_url", "The session's protocol, where the page or its index entry links it.").nullable())
        .field(Field::text("report_url", "The item's report (докладна записка), where the page links it.").nullable())
        .field(Field::json("attachments", "The item's other documents the page links: a JSON list of {\"title\", \"url\"}; null when it links none.").nullable())
}

/// The row for one decision of `session`.
pub fn decision_row(run: &Run, session: &Session, d: &Decision) -> Row {
    let proposer = d.proposer.as_deref().map(words::read_proposer);
    run.row(STREAM)
        .set("id", d.id.as_str())
        .set("session_date", session.date)
        .set("decision_date", d.date)
        .set("session_number", session.number)
        .set("protocol_number", session.protocol.clone())
        .set("agenda_item", d.item.as_str())
        .set("decision_number", d.number.clone())
        .set("incoming_reference", d.reference.clone())
        .set("title", d.title.as_str())
        .set("text", d.text.clone())
        .set("proposer", d.proposer.clone())
        .set("legal_basis", d.legal_basis.clone())
        .set("result", d.result.as_str())
        .set("vote_type", d.vote_type.as_str())
        .set("votes_for", d.counts.yes)
        .set("votes_against", d.counts.no)
        .set("votes_abstained", d.counts.abstain)
        .set("roll_call", roll_call(d))
        .set("source_url", session.url.as_str())
        .set("proposer_type", proposer.as_ref().map(|p| p.kind.as_str()))
        .set(
            "proposer_group",
            proposer.as_ref().and_then(|p| p.group.clone()),
        )
        .set("proposer_person", proposer.and_then(|p| p.person))
        .set("protocol_url", session.protocol_url.clone())
        .set("report_url", d.report_url.clone())
        .set("attachments", attachments(d))
}

/// The roll call as the `roll_call` field stores it: `group` only where
/// the page gives one.
pub fn roll_call(d: &Decision) -> Option<serde_json::Value> {
    (!d.votes.is_empty()).then(|| {
        d.votes
            .iter()
            .map(|v| {
                let mut vote = json!({"name": v.name, "option": v.option.as_str()});
                if let Some(group) = &v.group {
                    vote["group"] = json!(group);
                }
                vote
            })
            .collect()
    })
}

/// The item's documents as the `attachments` field stores them.
pub fn attachments(d: &Decision) -> Option<serde_json::Value> {
    (!d.attachments.is_empty()).then(|| {
        d.attachments
            .iter()
            .map(|a| json!({"title": a.title, "url": a.url}))
            .collect()
    })
}

#[cfg(test)]
mod corpus;
#[cfg(test)]
mod fixture_tests;

#[cfg(test)]
mod profile_tests {
    //! The stream's schema against the `decision` profile, the contract the
    //! host enforces and other cities' plugins share.

    use super::*;
    use serde_json::Value;

    const PROFILE: &str = include_str!("../../../profiles/decision.json");

    #[test]
    fn the_schema_is_the_decision_profile() {
        assert_eq!(
            vitrina_sdk::profile::mismatches(&schema(), PROFILE),
            Vec::<String>::new()
        );
        let profile: Value = serde_json::from_str(PROFILE).expect("profile is JSON");
        for spec in profile["fields"].as_array().expect("fields") {
            assert!(
                spec["description"].as_str().is_some_and(|d| d.len() > 20),
                "{}: the profile describes the field",
                spec["name"]
            );
        }
    }

    #[test]
    fn enums_in_the_profile_are_the_values_the_plugin_writes() {
        use session::{Outcome, VoteKind};
        let profile: Value = serde_json::from_str(PROFILE).expect("profile is JSON");
        let field_enum = |name: &str| -> Vec<String> {
            let field = profile["fields"]
                .as_array()
                .and_then(|f| f.iter().find(|f| f["name"] == name))
                .expect("field in profile");
            field["constraints"]["enum"]
                .as_array()
                .expect("enum")
                .iter()
                .map(|v| v.as_str().expect("text").to_string())
                .collect()
        };
        let results: Vec<String> = [
            Outcome::Adopted,
            Outcome::Rejected,
            Outcome::Withdrawn,
            Outcome::Postponed,
            Outcome::Unknown,
        ]
        .iter()
        .map(|o| o.as_str().to_string())
        .collect();
        assert_eq!(field_enum("result"), results);
        let vote_types: Vec<String> = [
            VoteKind::Open,
            VoteKind::RollCall,
            VoteKind::Secret,
            VoteKind::None,
            VoteKind::Unknown,
        ]
        .iter()
        .map(|v| v.as_str().to_string())
        .collect();
        assert_eq!(field_enum("vote_type"), vote_types);
        let kinds: Vec<String> = words::ProposerKind::ALL
            .iter()
            .map(|k| k.as_str().to_string())
            .collect();
        assert_eq!(field_enum("proposer_type"), kinds);
    }
}
