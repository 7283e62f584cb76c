//! Popolo output built from the `burgas-council-decisions` fixtures'
//! expected rows, validated against the official Popolo schemas kept in
//! `standards/schemas/popolo-unversioned/`.
//!
//! The schemas are JSON Schema draft-03, which the `jsonschema` crate does
//! not implement. The only draft-03 keyword they use is `"required": true`
//! on a property, so [`draft4`] rewrites that into draft-04's `required`
//! list and the schemas are validated as draft-04 (`tools/validate/popolo.py`
//! validates the same output as draft-03 with Python's `jsonschema`).
//! `date-time` is checked with Popolo's own ISO 8601 pattern (from
//! `event.json`), which admits the calendar dates council pages give.

use chrono::{TimeZone, Utc};
use pretty_assertions::assert_eq;
use serde_json::{Value, json};

use super::write_popolo;
use crate::{Publication, Row};

const SCHEMAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/popolo-unversioned");
const EXPECTED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../datasets/burgas-council-decisions/fixtures/expected.json"
);

/// Popolo's pattern for dates and date-times (`event.json`, `start_date`).
const POPOLO_DATE: &str = r"^[0-9]{4}((-[0-9]{2}){0,2}|(-[0-9]{2}){2}T[0-9]{2}(:[0-9]{2}){0,2}(Z|[+-][0-9]{2}(:[0-9]{2})?))$";

/// Every Popolo schema, so that `$ref`s resolve without the network.
const ALL_SCHEMAS: &[&str] = &[
    "area.json",
    "contact_detail.json",
    "count.json",
    "event.json",
    "group_result.json",
    "identifier.json",
    "link.json",
    "membership.json",
    "motion.json",
    "organization.json",
    "other_name.json",
    "person.json",
    "post.json",
    "speech.json",
    "vote.json",
    "vote_event.json",
];

fn publication() -> Publication {
    Publication {
        dataset: "burgas-council-decisions".into(),
        title: "Решения на Общински съвет – Бургас / Decisions of the Burgas Municipal Council"
            .into(),
        description: "Decisions of the Municipal Council of Burgas with their votes.".into(),
        publisher: "Общински съвет – Бургас / Municipal Council of Burgas".into(),
        license: "CC-BY-4.0".into(),
        version: 4,
        published_at: Utc
            .with_ymd_and_hms(2024, 6, 26, 4, 30, 0)
            .single()
            .expect("a valid instant"),
        version_url: "https://data.burgas.bg/api/v1/datasets/burgas-council-decisions/versions/4/"
            .into(),
    }
}

fn rows() -> Vec<Row> {
    let text = std::fs::read_to_string(EXPECTED).expect("the dataset's expected.json");
    let rows: Vec<Value> = serde_json::from_str(&text).expect("expected.json is JSON");
    rows.into_iter()
        .map(|row| match row {
            Value::Object(map) => map,
            other => panic!("not a row: {other}"),
        })
        .collect()
}

fn popolo(rows: Vec<Row>) -> Value {
    let mut out = Vec::new();
    write_popolo(&mut out, &publication(), rows.into_iter()).expect("written");
    serde_json::from_slice(&out).expect("the output is JSON")
}

fn motions() -> Vec<Value> {
    match popolo(rows()) {
        Value::Object(mut doc) => match doc.remove("motions") {
            Some(Value::Array(motions)) => motions,
            other => panic!("motions: {other:?}"),
        },
        other => panic!("not an object: {other}"),
    }
}

fn motion(id: &str) -> Value {
    let wanted = format!("burgas-council-decisions/{id}");
    motions()
        .into_iter()
        .find(|m| m["id"] == wanted.as_str())
        .unwrap_or_else(|| panic!("no motion {wanted}"))
}

/// Draft-03 `"required": true` on properties, as a draft-04 list.
fn draft4(mut schema: Value) -> Value {
    if let Value::Object(map) = &mut schema {
        if map.contains_key("$schema") {
            map.insert(
                "$schema".into(),
                json!("http://json-schema.org/draft-04/schema#"),
            );
        }
        let mut required = Vec::new();
        if let Some(Value::Object(properties)) = map.get_mut("properties") {
            for (name, property) in properties.iter_mut() {
                if let Value::Object(p) = property
                    && p.remove("required") == Some(Value::Bool(true))
                {
                    required.push(json!(name));
                }
                *property = draft4(property.take());
            }
        }
        if !required.is_empty() {
            map.insert("required".into(), Value::Array(required));
        }
        for key in ["items", "additionalProperties"] {
            if let Some(inner) = map.get_mut(key) {
                *inner = draft4(inner.take());
            }
        }
    }
    schema
}

fn schema(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{SCHEMAS}/{name}"))
        .unwrap_or_else(|e| panic!("{SCHEMAS}/{name}: {e}"));
    draft4(serde_json::from_str(&text).expect("schema parses"))
}

/// Every schema error of every motion, with the motion's index and the
/// JSON path.
fn popolo_errors(motions: &[Value]) -> Vec<String> {
    let mut builder = jsonschema::Registry::new();
    for name in ALL_SCHEMAS {
        builder = builder
            .add(
                format!("http://www.popoloproject.com/schemas/{name}"),
                schema(name),
            )
            .expect("schema registers");
    }
    let registry = builder.prepare().expect("registry");
    let date = popolo_date();
    let validator = jsonschema::draft4::options()
        .with_registry(&registry)
        .should_validate_formats(true)
        .with_format("date-time", move |s: &str| date(s))
        .build(&schema("motion.json"))
        .expect("the motion schema compiles");
    motions
        .iter()
        .enumerate()
        .flat_map(|(i, motion)| {
            validator
                .iter_errors(motion)
                .take(10)
                .map(|e| format!("motion {i} {}: {e}", e.instance_path()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether `s` matches Popolo's date pattern, evaluated by `jsonschema`
/// itself as a `pattern` so the regex dialect is the schema's.
fn popolo_date() -> impl Fn(&str) -> bool + Send + Sync + 'static {
    let pattern = jsonschema::validator_for(&json!({"type": "string", "pattern": POPOLO_DATE}))
        .expect("Popolo's date pattern compiles");
    move |s: &str| pattern.is_valid(&json!(s))
}

#[test]
fn every_fixture_decision_is_a_valid_popolo_motion() {
    // The file `tools/validate/popolo.py` can check too.
    if let Some(path) = std::env::var_os("VITRINA_POPOLO_OUT") {
        let text = serde_json::to_string_pretty(&popolo(rows())).unwrap();
        std::fs::write(path, text).expect("VITRINA_POPOLO_OUT is writable");
    }
    let motions = motions();
    assert_eq!(motions.len(), rows().len());
    let errors = popolo_errors(&motions);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn the_schema_check_sees_into_vote_events_counts_and_dates() {
    let mut motions = motions();
    motions[0]["vote_events"][0]["counts"][0]["value"] = json!("40");
    motions[1]["vote_events"][0]["counts"][1] = json!({"option": "no"});
    motions[2]["date"] = json!("26.03.2024");
    motions[3]["sources"][0] = json!({"note": "no url"});
    let errors = popolo_errors(&motions);
    assert_eq!(errors.len(), 4, "{errors:#?}");
    assert!(
        errors[0].contains("/vote_events/0/counts/0/value"),
        "{errors:#?}"
    );
    assert!(
        errors[1].contains("\"value\" is a required property"),
        "{errors:#?}"
    );
}

#[test]
fn an_adopted_decision_with_its_counts() {
    let m = motion("2024-03-26.2");
    assert_eq!(m["result"], "pass");
    assert_eq!(m["classification"], "decision");
    assert_eq!(m["date"], "2024-03-26");
    assert_eq!(m["identifier"], "т. 2, Протокол № 9/26.03.2024");
    assert!(
        m["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Приема Наредба"))
    );
    let event = &m["vote_events"][0];
    assert_eq!(event["id"], "burgas-council-decisions/2024-03-26.2/vote");
    assert_eq!(event["motion_id"], m["id"]);
    assert_eq!(event["classification"], "open");
    assert_eq!(event["result"], "pass");
    assert_eq!(
        event["counts"],
        json!([
            {"option": "yes", "value": 41},
            {"option": "no", "value": 2},
            {"option": "abstain", "value": 3}
        ])
    );
    assert_eq!(
        m["sources"],
        json!([{"url": "file:///node/781", "note": "The council's page of the session's decisions"}])
    );
}

#[test]
fn the_file_names_no_url_of_the_portal() {
    let text = serde_json::to_string(&popolo(rows())).expect("serializes");
    let portal = publication().version_url;
    assert!(!text.contains(&portal), "{portal}");
    assert!(!text.contains("data.burgas.bg"));
    assert!(!text.contains("/api/v1/"));
    assert!(
        text.contains("file:///node/781"),
        "the council's pages stay"
    );
}

#[test]
fn a_roll_call_names_every_councillor() {
    let event = &motion("2024-06-25.1")["vote_events"][0];
    assert_eq!(event["classification"], "roll-call");
    let votes = event["votes"].as_array().expect("votes");
    assert_eq!(votes.len(), 51);
    let not_voting = votes.iter().filter(|v| v["option"] == "not voting").count();
    assert_eq!(not_voting, 2);
    assert_eq!(
        votes[0],
        json!({"voter": {"name": "Биляна Василева Карагьозова"}, "option": "yes"})
    );
}

#[test]
fn rejected_withdrawn_postponed_and_unrecorded_votes() {
    let rejected = motion("2024-03-26.27.2");
    assert_eq!(rejected["result"], "fail");
    assert_eq!(rejected["vote_events"][0]["result"], "fail");
    assert_eq!(
        rejected["text"], rejected["title"],
        "nothing resolved: the subject"
    );

    let withdrawn = motion("2024-04-23.7");
    assert_eq!(withdrawn["result"], "withdrawn");
    assert_eq!(withdrawn["vote_events"], json!([]));

    let postponed = motion("2024-04-23.5");
    assert_eq!(postponed["result"], "postponed");
    assert_eq!(postponed["vote_events"][0]["result"], "pass");

    let unrecorded = motion("2024-06-04.4");
    assert_eq!(unrecorded["result"], "pass");
    assert_eq!(unrecorded["vote_events"], json!([]));

    let numbered = motion("2024-05-28.5");
    assert_eq!(numbered["identifier"], "Решение № 204");
    assert_eq!(
        numbered["vote_events"][0]["counts"],
        json!([
            {"option": "yes", "value": 46},
            {"option": "no", "value": 0},
            {"option": "abstain", "value": 0}
        ])
    );
}

#[test]
fn second_day_decisions_are_dated_by_their_day() {
    let m = motion("2024-04-23.4");
    assert_eq!(m["date"], "2024-04-24");
    assert_eq!(m["vote_events"][0]["start_date"], "2024-04-24");
}

#[test]
fn no_rows_is_an_empty_list_and_a_row_without_id_is_refused() {
    assert_eq!(popolo(Vec::new()), json!({"motions": []}));
    let mut rows = rows();
    rows[2].remove("id");
    let mut out = Vec::new();
    let error =
        write_popolo(&mut out, &publication(), rows.into_iter()).expect_err("a row without id");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert!(error.to_string().contains("row 3: no `id`"), "{error}");
}
