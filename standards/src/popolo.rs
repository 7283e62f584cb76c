//! Popolo motions and vote events for a version of a `decision` dataset.
//!
//! Parliamentary-monitoring tools (and the Open Civic Data ecosystem built
//! on Popolo) read a council's record as motions, each with the vote events
//! that decided it and the counts per option. One row of the `decision`
//! profile becomes one motion:
//!
//! - `id`: the dataset and the row's id (`burgas-council-decisions/2024-03-26.2`),
//!   unique when several councils' files are merged; the vote event's id adds
//!   `/vote`.
//! - `identifier`: how the council cites the decision: its number where it
//!   numbers them (`Решение № 275`), else agenda point and protocol in the
//!   Burgas form (`т. 27.2, Протокол № 9/26.03.2024`).
//! - `text`: the text the council resolved, or the subject (`относно`) when
//!   nothing was resolved; `title` (a Popolo extension) always holds the
//!   subject.
//! - `result`: `pass` (adopted), `fail` (rejected), `withdrawn`,
//!   `postponed`; absent when unknown. The vote event's result is `pass` or
//!   `fail` as the vote went (a vote to postpone passed).
//! - `classification`: `decision` (a council decision, not a parliamentary
//!   motion type); the vote event's is the vote type: `open`, `roll-call`,
//!   `secret`.
//! - `counts`: Open Civic Data options `yes`, `no`, `abstain`, for the counts
//!   the page states; `votes` name each councillor when the council voted by
//!   roll call (options `yes`, `no`, `abstain`, `not voting`, `absent`).
//! - Dates are ISO 8601 calendar dates (`2024-03-26`): council pages give
//!   the day, not the time. Popolo's schemas type `date` and `start_date`
//!   as `date-time` but accept partial ISO 8601 dates elsewhere
//!   (`event.json`'s pattern); the tests validate against that pattern.
//! - `sources`: the council's page of the session. Nothing in the file
//!   points at the portal that serves it: a version's file is the same
//!   whichever host published it.
//!
//! A motion without a recorded vote (withdrawn, or adopted with no tally on
//! the page) has no vote events. The writer streams: one motion is in
//! memory at a time.

use std::io::{self, Write};

use serde_json::{Map, Value, json};

use crate::{Publication, Row};

/// Writes `{"motions": [...]}` for the rows of one version of a `decision`
/// dataset. A row without `id` or `title` is refused with `InvalidData`
/// naming the row.
pub fn write_popolo<W: Write>(
    out: &mut W,
    publication: &Publication,
    rows: impl Iterator<Item = Row>,
) -> io::Result<()> {
    out.write_all(b"{\"motions\":[")?;
    for (n, row) in rows.enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        let motion = motion(publication, &row).map_err(|missing| {
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
    out.write_all(b"]}")?;
    Ok(())
}

/// A field's text, if present and not null.
fn text<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.get(field).and_then(Value::as_str)
}

/// The motion for one row; `Err` names a missing required field.
fn motion(publication: &Publication, row: &Row) -> Result<Value, &'static str> {
    let id = text(row, "id").ok_or("id")?;
    let title = text(row, "title").ok_or("title")?;
    let motion_id = format!("{}/{id}", publication.dataset);
    let date = text(row, "decision_date").or_else(|| text(row, "session_date"));
    let sources = sources(row);
    let mut motion = Map::new();
    motion.insert("id".into(), json!(motion_id));
    put(&mut motion, "identifier", identifier(row));
    motion.insert("title".into(), json!(title));
    motion.insert("text".into(), json!(text(row, "text").unwrap_or(title)));
    motion.insert("classification".into(), json!("decision"));
    put(&mut motion, "date", date.map(str::to_string));
    put(
        &mut motion,
        "result",
        motion_result(text(row, "result")).map(str::to_string),
    );
    let events: Vec<Value> = vote_event(&motion_id, date, row, &sources)
        .into_iter()
        .collect();
    motion.insert("vote_events".into(), Value::Array(events));
    motion.insert("sources".into(), Value::Array(sources));
    Ok(Value::Object(motion))
}

fn put(map: &mut Map<String, Value>, key: &str, value: Option<String>) {
    if let Some(value) = value {
        map.insert(key.into(), Value::String(value));
    }
}

/// `Решение № 275`, else `т. 27.2, Протокол № 9/26.03.2024`.
fn identifier(row: &Row) -> Option<String> {
    if let Some(number) = text(row, "decision_number") {
        return Some(format!("Решение № {number}"));
    }
    let item = text(row, "agenda_item")?;
    let protocol = text(row, "protocol_number")?;
    let date = text(row, "session_date").and_then(bulgarian_date)?;
    Some(format!("т. {item}, Протокол № {protocol}/{date}"))
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

/// The vote that decided the motion, if the page records one.
fn vote_event(motion_id: &str, date: Option<&str>, row: &Row, sources: &[Value]) -> Option<Value> {
    let classification = match text(row, "vote_type")? {
        "open" => "open",
        "roll_call" => "roll-call",
        "secret" => "secret",
        _ => return None,
    };
    let mut event = Map::new();
    event.insert("id".into(), json!(format!("{motion_id}/vote")));
    event.insert("motion_id".into(), json!(motion_id));
    event.insert("classification".into(), json!(classification));
    put(&mut event, "start_date", date.map(str::to_string));
    let result = match text(row, "result") {
        Some("adopted" | "postponed") => Some("pass"),
        Some("rejected") => Some("fail"),
        _ => None,
    };
    put(&mut event, "result", result.map(str::to_string));
    event.insert("counts".into(), Value::Array(counts(row)));
    if let Some(votes) = votes(row) {
        event.insert("votes".into(), Value::Array(votes));
    }
    event.insert("sources".into(), Value::Array(sources.to_vec()));
    Some(Value::Object(event))
}

/// `[{"option": "yes", "value": 41}, …]` for the counts the row states.
fn counts(row: &Row) -> Vec<Value> {
    [
        ("yes", "votes_for"),
        ("no", "votes_against"),
        ("abstain", "votes_abstained"),
    ]
    .iter()
    .filter_map(|(option, field)| {
        let value = row.get(*field).and_then(Value::as_i64)?;
        Some(json!({"option": option, "value": value}))
    })
    .collect()
}

/// Each councillor's vote from the row's `roll_call`.
fn votes(row: &Row) -> Option<Vec<Value>> {
    let list = row.get("roll_call")?.as_array()?;
    let votes = list
        .iter()
        .filter_map(|vote| {
            let name = vote.get("name")?.as_str()?;
            let option = match vote.get("option")?.as_str()? {
                "not_voting" => "not voting",
                other => other,
            };
            Some(json!({"voter": {"name": name}, "option": option}))
        })
        .collect();
    Some(votes)
}

fn sources(row: &Row) -> Vec<Value> {
    text(row, "source_url")
        .map(|url| json!({"url": url, "note": "The council's page of the session's decisions"}))
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests;
