//! Popolo for a version of a `decision` dataset: the council's motions and
//! vote events, and the council, its sessions, political groups and
//! councillors they name, so that votes can be analysed by councillor and
//! by group.
//!
//! Parliamentary-monitoring tools (and the Open Civic Data ecosystem built
//! on Popolo) read a council's record as motions, each with the vote events
//! that decided it. The file is
//! `{"motions": […], "events": […], "organizations": […], "persons": […],
//! "memberships": […]}`. One row of the `decision` profile becomes one
//! motion:
//!
//! - `id`: the dataset and the row's id (`burgas-council-decisions/2024-03-26.2`),
//!   unique when several councils' files are merged; the vote event's id adds
//!   `/vote`.
//! - `identifier`: how the council cites the decision: its number where it
//!   numbers them (`Решение № 275`), else agenda point and protocol in the
//!   Burgas form (`т. 27.2, Протокол № 9/26.03.2024`). Where several
//!   decisions were voted under one agenda point (an alternative first,
//!   parts one by one) each adds its vote's place in page order (`т. 2,
//!   гласуване 2, Протокол № 10/23.04.2024`), so identifiers are unique.
//! - `organization_id` (the council), `legislative_session_id` (the
//!   session, an event of classification `legislative session`), on the
//!   motion and on its vote event.
//! - `creator_id`: the councillor (`proposer_person`) or else the group
//!   (`proposer_group`) that brought the proposal; absent when it came from
//!   an office (the mayor, the chair, a committee). `proposer` (a Popolo
//!   extension) keeps the kind and the wording: `{"classification":
//!   "mayor", "name": "Кмета на Община Бургас"}`.
//! - `text`: the decision's text as the page gives it (resolved, or voted
//!   down), or the subject (`относно`) when the page gives none of the
//!   proposal's own (a rejection without text, a withdrawal, a
//!   postponement); `title` (a Popolo extension) always holds the subject.
//! - `result`: `pass` (adopted), `fail` (rejected), `withdrawn`,
//!   `postponed`; absent when unknown.
//! - `classification`: `decision` (a council decision, not a parliamentary
//!   motion type); the vote event's is the vote type: `open`, `roll-call`,
//!   `secret`.
//! - Dates are ISO 8601 calendar dates (`2024-03-26`): council pages give
//!   the day, not the time. Popolo's schemas type `date` and `start_date`
//!   as `date-time` but accept partial ISO 8601 dates elsewhere
//!   (`event.json`'s pattern); the tests validate against that pattern.
//! - `sources`: the council's own pages and documents: the session page,
//!   the protocol, the report (докладна записка) and the attachments where
//!   the row links them. Nothing in the file points at the portal that
//!   serves it: a version's file is the same whichever host published it.
//!
//! The vote event says what was put to the vote. Usually it is the
//! proposal (`motion_classification`, an Open Civic Data extension:
//! `["passage"]`) and its result is the motion's. A postponed item's vote,
//! when the page records one, is a vote to postpone
//! (`["postponement"]`, result `pass`, `motion_text` the text resolved:
//! `Отлага разглеждането …`); a rejection resolved as text (`Отхвърля …`)
//! is a vote to reject that passed (`["rejection"]`). A motion without a
//! recorded vote (withdrawn, postponed by the chair, or adopted with no
//! tally on the page) has no vote events.
//!
//! Counts use Popolo's options: `yes`, `no`, `abstain` as the page states
//! them. When the council voted by roll call, each councillor's vote names
//! its `voter_id` (and `group_id` where the page gives the group), options
//! `yes`, `no`, `abstain`, `absent`, `not voting`, and the counts add the
//! listed `absent` and `not voting`, so they agree with the votes. Where
//! the page's stated counts and its list of names disagree, the counts
//! stay the page's (what the chair announced and the result rests on), and
//! the vote event says so: `listed_counts` counts the listed votes and
//! `counts_note` explains.
//!
//! The writer streams: one motion is in memory at a time (and the next
//! row, to tell whether it shares an agenda point); what the directory
//! lists after the motions is bounded by the council ([`directory`]).
//! Rows come in primary-key order, as the host gives them, where further
//! decisions under a point (`2024-04-23.2-2`) follow the first directly.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::{Publication, Row};

mod directory;

use directory::Directory;

/// The council whose decisions a dataset holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Council {
    /// `Общински съвет – Бургас`.
    pub name: String,
    /// Other forms of a councillor's name the pages print (`Иван
    /// Петров`), each to the form the person is listed under (`Иван
    /// Георгиев Петров`): the operator's word that they are one person,
    /// since nothing on a page says so.
    pub aliases: std::collections::BTreeMap<String, String>,
}

impl Council {
    /// The council as the dataset's publisher names it: the publisher's
    /// first name where it gives several (`Общински съвет – Бургас /
    /// Municipal Council of Burgas`), else the dataset's id (a title names
    /// the data, not the council).
    pub fn from_publication(publication: &Publication) -> Self {
        let first = publication
            .publisher
            .split(" / ")
            .next()
            .unwrap_or_default()
            .trim();
        let name = match first {
            "" => publication.dataset.clone(),
            first => first.to_string(),
        };
        Self {
            name,
            aliases: Default::default(),
        }
    }
}

/// Writes the Popolo file for the rows of one version of a `decision`
/// dataset. A row without `id` or `title` is refused with `InvalidData`
/// naming the row.
pub fn write_popolo<W: Write>(
    out: &mut W,
    publication: &Publication,
    council: &Council,
    rows: impl Iterator<Item = Row>,
) -> io::Result<()> {
    let mut directory = Directory::new(&publication.dataset, &council.name);
    directory.alias(&council.aliases);
    out.write_all(b"{\"motions\":[")?;
    let mut rows = rows.enumerate().peekable();
    while let Some((n, row)) = rows.next() {
        if n > 0 {
            out.write_all(b",")?;
        }
        let next_id = rows.peek().and_then(|(_, next)| text(next, "id"));
        let shares_point = text(&row, "id")
            .zip(next_id)
            .is_some_and(|(id, next)| next.strip_prefix(id).is_some_and(|r| r.starts_with('-')));
        let motion =
            motion(publication, &mut directory, &row, shares_point).map_err(|missing| {
                io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!(
                        "{} row {}: no `{missing}`; not a row of the `decision` profile",
                        publication.dataset,
                        n + 1
                    ),
                )
            })?;
        serde_json::to_writer(&mut *out, &motion)?;
    }
    out.write_all(b"]")?;
    directory.write_to(out)?;
    out.write_all(b"}")?;
    Ok(())
}

/// A field's text, if present and not null.
fn text<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

/// The motion for one row; `Err` names a missing required field.
/// `shares_point`: the next row is a further decision under this one's
/// agenda point.
fn motion(
    publication: &Publication,
    directory: &mut Directory,
    row: &Row,
    shares_point: bool,
) -> Result<Value, &'static str> {
    let id = text(row, "id").ok_or("id")?;
    let title = text(row, "title").ok_or("title")?;
    let motion_id = format!("{}/{id}", publication.dataset);
    let date = text(row, "decision_date").or_else(|| text(row, "session_date"));
    let question = Question::of(row);
    let council = directory.council();
    let session = directory.session(row);
    let mut motion = Map::new();
    motion.insert("id".into(), json!(motion_id));
    put(
        &mut motion,
        "identifier",
        identifier(row, vote_number(id, shares_point)),
    );
    motion.insert("title".into(), json!(title));
    let resolved = text(row, "text").filter(|_| question == Question::Passage);
    motion.insert("text".into(), json!(resolved.unwrap_or(title)));
    motion.insert("classification".into(), json!("decision"));
    put(&mut motion, "date", date.map(str::to_string));
    put(
        &mut motion,
        "result",
        motion_result(text(row, "result")).map(str::to_string),
    );
    motion.insert("organization_id".into(), json!(council));
    put(&mut motion, "legislative_session_id", session.clone());
    put(&mut motion, "creator_id", creator(directory, row));
    if let Some(proposer) = proposer(row) {
        motion.insert("proposer".into(), proposer);
    }
    let event = VoteEvent {
        motion_id: &motion_id,
        organization_id: &council,
        session: session.as_deref(),
        date,
        question,
    };
    let events: Vec<Value> = event.render(directory, row).into_iter().collect();
    motion.insert("vote_events".into(), Value::Array(events));
    motion.insert("sources".into(), Value::Array(motion_sources(row)));
    Ok(Value::Object(motion))
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<String>) {
    if let Some(value) = value {
        map.insert(key.into(), Value::String(value));
    }
}

/// The place of the row's vote among several under its agenda point: `-2`
/// after the point in its id (`2024-04-23.2-2`), or 1 for the first when
/// another follows.
fn vote_number(id: &str, shares_point: bool) -> Option<u32> {
    let (_, point) = id.rsplit_once('.')?;
    let suffix = point.split_once('-').and_then(|(_, n)| n.parse().ok());
    suffix.or(shares_point.then_some(1))
}

/// `Решение № 275`, else `т. 27.2, Протокол № 9/26.03.2024`, with the vote's
/// place when several decisions share the point.
fn identifier(row: &Row, vote: Option<u32>) -> Option<String> {
    if let Some(number) = text(row, "decision_number") {
        return Some(match vote {
            Some(n) => format!("Решение № {number}, гласуване {n}"),
            None => format!("Решение № {number}"),
        });
    }
    let item = text(row, "agenda_item")?;
    let protocol = text(row, "protocol_number")?;
    let date = text(row, "session_date").and_then(bulgarian_date)?;
    Some(match vote {
        Some(n) => format!("т. {item}, гласуване {n}, Протокол № {protocol}/{date}"),
        None => format!("т. {item}, Протокол № {protocol}/{date}"),
    })
}

/// `2024-03-26` as Bulgarian citations print it: `26.03.2024`.
fn bulgarian_date(iso: &str) -> Option<String> {
    let mut parts = iso.splitn(3, '-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    Some(format!("{day}.{month}.{year}"))
}

fn motion_result(result: Option<&str>) -> Option<&'static str> {
    match result? {
        "adopted" => Some("pass"),
        "rejected" => Some("fail"),
        "withdrawn" => Some("withdrawn"),
        "postponed" => Some("postponed"),
        _ => None,
    }
}

/// Who brought the proposal, as an id the file lists: the councillor,
/// else the group.
fn creator(directory: &mut Directory, row: &Row) -> Option<String> {
    let group = text(row, "proposer_group").and_then(|g| directory.group(g));
    match text(row, "proposer_person") {
        Some(person) => directory.councillor(person, group.as_deref()).or(group),
        None => group,
    }
}

/// `{"classification": "mayor", "name": "Кмета на Община Бургас"}`: the
/// proposer's kind and wording, for every proposer, offices too.
fn proposer(row: &Row) -> Option<Value> {
    let mut proposer = Map::new();
    put(
        &mut proposer,
        "classification",
        text(row, "proposer_type").map(str::to_string),
    );
    proposer.insert("name".into(), json!(text(row, "proposer")?));
    Some(Value::Object(proposer))
}

/// What the council voted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Question {
    /// The proposal itself.
    Passage,
    /// To postpone it.
    Postponement,
    /// A text that turns it down (`Отхвърля …`).
    Rejection,
}

impl Question {
    fn of(row: &Row) -> Self {
        let rejects = text(row, "text")
            .is_some_and(|t| t.trim_start().to_lowercase().starts_with("отхвърля"));
        match text(row, "result") {
            Some("postponed") => Question::Postponement,
            Some("rejected") if rejects => Question::Rejection,
            _ => Question::Passage,
        }
    }

    fn classification(self) -> &'static str {
        match self {
            Question::Passage => "passage",
            Question::Postponement => "postponement",
            Question::Rejection => "rejection",
        }
    }

    /// The vote's result: a vote to postpone or to reject that was
    /// recorded as the outcome passed.
    fn result(self, row: &Row) -> Option<&'static str> {
        match (self, text(row, "result")?) {
            (Question::Postponement | Question::Rejection, _) => Some("pass"),
            (Question::Passage, "adopted") => Some("pass"),
            (Question::Passage, "rejected") => Some("fail"),
            _ => None,
        }
    }
}

/// What a motion's vote event shares with the motion.
struct VoteEvent<'a> {
    motion_id: &'a str,
    organization_id: &'a str,
    session: Option<&'a str>,
    date: Option<&'a str>,
    question: Question,
}

impl VoteEvent<'_> {
    /// The vote that decided the motion, if the page records one.
    fn render(&self, directory: &mut Directory, row: &Row) -> Option<Value> {
        let classification = match text(row, "vote_type")? {
            "open" => "open",
            "roll_call" => "roll-call",
            "secret" => "secret",
            _ => return None,
        };
        let mut event = Map::new();
        event.insert("id".into(), json!(format!("{}/vote", self.motion_id)));
        event.insert("motion_id".into(), json!(self.motion_id));
        event.insert("organization_id".into(), json!(self.organization_id));
        put(
            &mut event,
            "legislative_session_id",
            self.session.map(str::to_string),
        );
        event.insert("classification".into(), json!(classification));
        event.insert(
            "motion_classification".into(),
            json!([self.question.classification()]),
        );
        if self.question != Question::Passage {
            put(
                &mut event,
                "motion_text",
                text(row, "text").map(str::to_string),
            );
        }
        put(&mut event, "start_date", self.date.map(str::to_string));
        put(
            &mut event,
            "result",
            self.question.result(row).map(str::to_string),
        );
        let votes = votes(directory, row);
        let tally = Tally::of(row, votes.as_deref());
        event.insert("counts".into(), Value::Array(tally.counts));
        if let Some((listed, note)) = tally.disagreement {
            event.insert("listed_counts".into(), Value::Array(listed));
            event.insert("counts_note".into(), json!(note));
        }
        if let Some(votes) = votes {
            let votes = votes.into_iter().map(|v| v.render()).collect();
            event.insert("votes".into(), Value::Array(votes));
        }
        let sources = page_and_protocol(text(row, "source_url"), text(row, "protocol_url"));
        event.insert("sources".into(), Value::Array(sources));
        Some(Value::Object(event))
    }
}

/// One councillor's vote in a roll call.
struct Vote {
    voter_id: String,
    option: String,
    group_id: Option<String>,
}

impl Vote {
    fn render(self) -> Value {
        let mut vote = Map::new();
        vote.insert("voter_id".into(), json!(self.voter_id));
        vote.insert("option".into(), json!(self.option));
        put(&mut vote, "group_id", self.group_id);
        Value::Object(vote)
    }
}

/// Each councillor's vote from the row's `roll_call`, with the options
/// spelled as Popolo does; entries without a name are left out.
fn votes(directory: &mut Directory, row: &Row) -> Option<Vec<Vote>> {
    let list = row.get("roll_call")?.as_array()?;
    let votes = list
        .iter()
        .filter_map(|vote| {
            let name = vote.get("name")?.as_str()?;
            let option = match vote.get("option")?.as_str()? {
                "not_voting" => "not voting",
                other => other,
            };
            let group_id = vote
                .get("group")
                .and_then(Value::as_str)
                .and_then(|g| directory.group(g));
            let voter_id = directory.councillor(name, group_id.as_deref())?;
            Some(Vote {
                voter_id,
                option: option.to_string(),
                group_id,
            })
        })
        .collect();
    Some(votes)
}

/// The options a page states counts for, and the rows' fields for them.
const STATED: [(&str, &str); 3] = [
    ("yes", "votes_for"),
    ("no", "votes_against"),
    ("abstain", "votes_abstained"),
];

/// Options only a roll call's names give.
const LISTED_ONLY: [&str; 2] = ["absent", "not voting"];

/// A vote event's counts, and how they differ from the names listed.
struct Tally {
    counts: Vec<Value>,
    /// `listed_counts` and `counts_note`, when the page's counts and its
    /// roll call disagree.
    disagreement: Option<(Vec<Value>, String)>,
}

impl Tally {
    fn of(row: &Row, votes: Option<&[Vote]>) -> Self {
        let stated = |field: &str| row.get(field).and_then(Value::as_i64);
        let Some(votes) = votes else {
            let counts = STATED
                .iter()
                .filter_map(|(option, field)| {
                    Some(json!({"option": option, "value": stated(field)?}))
                })
                .collect();
            return Tally {
                counts,
                disagreement: None,
            };
        };
        let listed = |option: &str| {
            let n = votes.iter().filter(|v| v.option == option).count();
            i64::try_from(n).unwrap_or(i64::MAX)
        };
        let mut counts = Vec::new();
        let mut differs = Vec::new();
        for (option, field) in STATED {
            let listed = listed(option);
            let value = match stated(field) {
                Some(stated) if stated != listed => {
                    differs.push((option, stated, listed));
                    stated
                }
                Some(stated) => stated,
                None => listed,
            };
            counts.push(json!({"option": option, "value": value}));
        }
        for option in LISTED_ONLY {
            let n = listed(option);
            if n > 0 {
                counts.push(json!({"option": option, "value": n}));
            }
        }
        let disagreement = (!differs.is_empty()).then(|| {
            let listed_counts = STATED
                .iter()
                .map(|(o, _)| *o)
                .chain(LISTED_ONLY)
                .map(|o| json!({"option": o, "value": listed(o)}))
                .collect();
            let said: Vec<String> = differs
                .iter()
                .map(|(o, stated, listed)| format!("{o}: {stated} stated, {listed} listed"))
                .collect();
            let note = format!(
                "The page's counts and its roll call by name disagree ({}); `counts` are the page's, `listed_counts` count the votes listed.",
                said.join("; ")
            );
            (listed_counts, note)
        });
        Tally {
            counts,
            disagreement,
        }
    }
}

/// The session page, then the protocol: what a session and its votes are
/// read from.
fn page_and_protocol(page: Option<&str>, protocol: Option<&str>) -> Vec<Value> {
    let page = page
        .map(|url| json!({"url": url, "note": "The council's page of the session's decisions"}));
    let protocol = protocol.map(|url| json!({"url": url, "note": "The session's protocol"}));
    page.into_iter().chain(protocol).collect()
}

/// The session page and protocol, then the report and attachments the
/// row links.
fn motion_sources(row: &Row) -> Vec<Value> {
    let mut sources = page_and_protocol(text(row, "source_url"), text(row, "protocol_url"));
    if let Some(url) = text(row, "report_url") {
        sources.push(
            json!({"url": url, "note": "Докладна записка (the report the item was brought on)"}),
        );
    }
    let attachments = row.get("attachments").and_then(Value::as_array);
    for attachment in attachments.into_iter().flatten() {
        let url = attachment.get("url").and_then(Value::as_str);
        let title = attachment.get("title").and_then(Value::as_str);
        if let Some(url) = url {
            sources.push(json!({"url": url, "note": title.unwrap_or("Attachment")}));
        }
    }
    sources
}

#[cfg(test)]
mod tests;
