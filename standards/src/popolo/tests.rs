//! Popolo output built from the `burgas-council-decisions` fixtures'
//! expected rows, its motions, events, organizations, persons and
//! memberships each validated against the official Popolo schemas kept in
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

use super::{Council, write_popolo};
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
    let publication = publication();
    let council = Council::from_publication(&publication);
    write_popolo(&mut out, &publication, &council, rows.into_iter()).expect("written");
    serde_json::from_slice(&out).expect("the output is JSON")
}

/// One of the file's top-level lists.
fn list(doc: &Value, name: &str) -> Vec<Value> {
    doc[name]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: {doc}"))
        .clone()
}

fn motions() -> Vec<Value> {
    list(&popolo(rows()), "motions")
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

/// Every schema error of every item, with the item's index and the JSON
/// path, each item validated against `schema_name` (`motion.json`).
fn schema_errors(schema_name: &str, items: &[Value]) -> Vec<String> {
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
        .build(&schema(schema_name))
        .expect("the schema compiles");
    items
        .iter()
        .enumerate()
        .flat_map(|(i, item)| {
            validator
                .iter_errors(item)
                .take(10)
                .map(|e| format!("{schema_name} {i} {}: {e}", e.instance_path()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn popolo_errors(motions: &[Value]) -> Vec<String> {
    schema_errors("motion.json", motions)
}

/// Whether `s` matches Popolo's date pattern, evaluated by `jsonschema`
/// itself as a `pattern` so the regex dialect is the schema's.
fn popolo_date() -> impl Fn(&str) -> bool + Send + Sync + 'static {
    let pattern = jsonschema::validator_for(&json!({"type": "string", "pattern": POPOLO_DATE}))
        .expect("Popolo's date pattern compiles");
    move |s: &str| pattern.is_valid(&json!(s))
}

/// A fixture row, by id.
fn row(id: &str) -> Row {
    rows()
        .into_iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

const DATASET: &str = "burgas-council-decisions";

fn id(kind: &str, slug: &str) -> String {
    format!("{DATASET}/{kind}/{slug}")
}

#[test]
fn every_fixture_decision_is_a_valid_popolo_motion() {
    // The file `tools/validate/popolo.py` can check too.
    let doc = popolo(rows());
    if let Some(path) = std::env::var_os("VITRINA_POPOLO_OUT") {
        let text = serde_json::to_string_pretty(&doc).unwrap();
        std::fs::write(path, text).expect("VITRINA_POPOLO_OUT is writable");
    }
    assert_eq!(list(&doc, "motions").len(), rows().len());
    for (name, schema) in [
        ("motions", "motion.json"),
        ("events", "event.json"),
        ("organizations", "organization.json"),
        ("persons", "person.json"),
        ("memberships", "membership.json"),
    ] {
        let items = list(&doc, name);
        assert!(!items.is_empty(), "{name}");
        let errors = schema_errors(schema, &items);
        assert!(errors.is_empty(), "{errors:#?}");
    }
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
    let mut events = list(&popolo(rows()), "events");
    events[0]["start_date"] = json!("26.03.2024");
    assert_eq!(schema_errors("event.json", &events).len(), 1);
}

#[test]
fn an_adopted_decision_with_its_counts_session_and_documents() {
    let m = motion("2024-03-26.2");
    assert_eq!(m["result"], "pass");
    assert_eq!(m["classification"], "decision");
    assert_eq!(m["date"], "2024-03-26");
    assert_eq!(m["identifier"], "т. 2, Протокол № 9/26.03.2024");
    assert_eq!(m["organization_id"], "burgas-council-decisions/council");
    assert_eq!(
        m["legislative_session_id"],
        "burgas-council-decisions/session/2024-03-26"
    );
    assert!(
        m["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Приема Наредба"))
    );
    let event = &m["vote_events"][0];
    assert_eq!(event["id"], "burgas-council-decisions/2024-03-26.2/vote");
    assert_eq!(event["motion_id"], m["id"]);
    assert_eq!(event["organization_id"], m["organization_id"]);
    assert_eq!(event["legislative_session_id"], m["legislative_session_id"]);
    assert_eq!(event["classification"], "open");
    assert_eq!(event["motion_classification"], json!(["passage"]));
    assert_eq!(event["result"], "pass");
    assert_eq!(
        event["counts"],
        json!([
            {"option": "yes", "value": 41},
            {"option": "no", "value": 2},
            {"option": "abstain", "value": 3}
        ])
    );
    let urls: Vec<&str> = m["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .filter_map(|s| s["url"].as_str())
        .collect();
    assert_eq!(
        urls,
        [
            "file:///node/781",
            "file:///sites/default/files/protokoli/2024/protokol-9-26-03-2024.pdf",
            "file:///sites/default/files/dokladni/2024/08-00-15376.pdf",
            "file:///sites/default/files/resheniya/2024/9-2-prilozhenie-1.pdf",
        ]
    );
    assert_eq!(m["sources"][3]["note"], "Приложение № 1");
    let event_urls: Vec<&Value> = event["sources"]
        .as_array()
        .expect("sources")
        .iter()
        .map(|s| &s["url"])
        .collect();
    assert_eq!(
        event_urls,
        [&m["sources"][0]["url"], &m["sources"][1]["url"]]
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
fn a_roll_call_names_every_councillor_by_id_and_group() {
    let event = &motion("2024-06-25.1")["vote_events"][0];
    assert_eq!(event["classification"], "roll-call");
    let votes = event["votes"].as_array().expect("votes");
    assert_eq!(votes.len(), 51);
    assert_eq!(
        votes[0],
        json!({
            "voter_id": id("person", "bilyana-vasileva-karagyozova"),
            "option": "yes",
            "group_id": id("group", "obedineni-za-burgas"),
        })
    );
    let independent = votes
        .iter()
        .find(|v| v["voter_id"] == id("person", "kiril-dimitrov-tenev").as_str())
        .expect("Кирил Димитров Тенев voted");
    assert_eq!(
        independent,
        &json!({"voter_id": id("person", "kiril-dimitrov-tenev"), "option": "not voting"})
    );
    // The counts agree with the votes listed: the page's for, against and
    // abstaining, and the two not voting only the names give.
    assert_eq!(
        event["counts"],
        json!([
            {"option": "yes", "value": 40},
            {"option": "no", "value": 6},
            {"option": "abstain", "value": 3},
            {"option": "not voting", "value": 2}
        ])
    );
    let total: i64 = event["counts"]
        .as_array()
        .expect("counts")
        .iter()
        .filter_map(|c| c["value"].as_i64())
        .sum();
    assert_eq!(total, 51);
    assert!(event.get("listed_counts").is_none());
    assert!(event.get("counts_note").is_none());
}

#[test]
fn counts_that_disagree_with_the_names_stay_the_pages_and_say_so() {
    let mut rows = rows();
    let changed = rows
        .iter_mut()
        .find(|r| r["id"] == "2024-06-25.1")
        .expect("the roll call");
    changed["roll_call"][0]["option"] = json!("no");
    changed["roll_call"][1]["option"] = json!("absent");
    let doc = popolo(rows);
    let event = list(&doc, "motions")
        .into_iter()
        .find(|m| m["id"] == "burgas-council-decisions/2024-06-25.1")
        .map(|m| m["vote_events"][0].clone())
        .expect("the motion");
    assert_eq!(
        event["counts"],
        json!([
            {"option": "yes", "value": 40},
            {"option": "no", "value": 6},
            {"option": "abstain", "value": 3},
            {"option": "absent", "value": 1},
            {"option": "not voting", "value": 2}
        ]),
        "the page's counts, and what only the names give"
    );
    assert_eq!(
        event["listed_counts"],
        json!([
            {"option": "yes", "value": 38},
            {"option": "no", "value": 7},
            {"option": "abstain", "value": 3},
            {"option": "absent", "value": 1},
            {"option": "not voting", "value": 2}
        ])
    );
    let note = event["counts_note"].as_str().expect("a note");
    assert!(
        note.contains("yes: 40 stated, 38 listed; no: 6 stated, 7 listed"),
        "{note}"
    );
    assert!(schema_errors("vote_event.json", &[event]).is_empty());

    // Without stated counts, the names give them all.
    let mut unstated = row("2024-06-25.1");
    for field in ["votes_for", "votes_against", "votes_abstained"] {
        unstated.insert(field.into(), Value::Null);
    }
    let event = &list(&popolo(vec![unstated]), "motions")[0]["vote_events"][0];
    assert_eq!(
        event["counts"],
        json!([
            {"option": "yes", "value": 40},
            {"option": "no", "value": 6},
            {"option": "abstain", "value": 3},
            {"option": "not voting", "value": 2}
        ])
    );
    assert!(event.get("listed_counts").is_none());
}

#[test]
fn councillors_groups_and_memberships() {
    let doc = popolo(rows());
    let persons = list(&doc, "persons");
    let bilyana = persons
        .iter()
        .find(|p| p["id"] == id("person", "bilyana-vasileva-karagyozova").as_str())
        .expect("a person for each councillor");
    assert_eq!(
        bilyana,
        &json!({
            "id": id("person", "bilyana-vasileva-karagyozova"),
            "name": "Биляна Василева Карагьозова",
            "given_name": "Биляна",
            "patronymic_name": "Василева",
            "family_name": "Карагьозова",
        })
    );
    // 51 who voted by name, and the councillor who proposed 2024-05-28.4.
    assert_eq!(persons.len(), 52);
    let council = format!("{DATASET}/council");
    assert_eq!(
        list(&doc, "organizations"),
        [
            json!({"id": council, "name": "Общински съвет – Бургас", "classification": "legislature"}),
            json!({"id": id("group", "nov-red"), "name": "ПГ „Нов ред“", "classification": "party", "parent_id": council}),
            json!({"id": id("group", "obedineni-za-burgas"), "name": "ПГ „Обединени за Бургас“", "classification": "party", "parent_id": council}),
            json!({"id": id("group", "vazhod"), "name": "ПГ „Възход“", "classification": "party", "parent_id": council}),
        ]
    );
    let memberships = list(&doc, "memberships");
    let of = |slug: &str| -> Vec<String> {
        memberships
            .iter()
            .filter(|m| m["person_id"] == id("person", slug).as_str())
            .filter_map(|m| m["organization_id"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        of("bilyana-vasileva-karagyozova"),
        [council.clone(), id("group", "obedineni-za-burgas")]
    );
    assert_eq!(
        of("kiril-dimitrov-tenev"),
        std::slice::from_ref(&council),
        "independent"
    );
    assert_eq!(of("stefan-dimitrov-yanev"), std::slice::from_ref(&council));
    assert!(memberships.iter().all(|m| m["role"] == "member"));
}

#[test]
fn a_councillor_has_one_id_across_motions_orders_and_versions() {
    let mut reversed = rows();
    reversed.reverse();
    let mut later = Vec::new();
    let mut publication = publication();
    publication.version = 9;
    publication.version_url = "https://other.example/versions/9/".into();
    write_popolo(
        &mut later,
        &publication,
        &Council::from_publication(&publication),
        reversed.into_iter(),
    )
    .expect("written");
    let later: Value = serde_json::from_slice(&later).expect("JSON");
    let first = popolo(rows());
    for name in ["persons", "organizations", "memberships", "events"] {
        assert_eq!(list(&first, name), list(&later, name), "{name}");
    }
}

#[test]
fn sessions_are_events_the_motions_point_to() {
    let doc = popolo(rows());
    let events = list(&doc, "events");
    let ids: Vec<&str> = events.iter().filter_map(|e| e["id"].as_str()).collect();
    assert_eq!(
        ids,
        [
            "burgas-council-decisions/session/2024-03-26",
            "burgas-council-decisions/session/2024-04-23",
            "burgas-council-decisions/session/2024-05-28",
            "burgas-council-decisions/session/2024-06-04",
            "burgas-council-decisions/session/2024-06-25",
        ]
    );
    for m in list(&doc, "motions") {
        assert!(
            ids.contains(&m["legislative_session_id"].as_str().unwrap_or_default()),
            "{}",
            m["id"]
        );
    }
    assert_eq!(
        events[0],
        json!({
            "id": "burgas-council-decisions/session/2024-03-26",
            "name": "Заседание № 9 на Общински съвет – Бургас, 26.03.2024",
            "classification": "legislative session",
            "start_date": "2024-03-26",
            "organization_id": "burgas-council-decisions/council",
            "identifiers": [
                {"identifier": "9", "scheme": "session number"},
                {"identifier": "9", "scheme": "protocol number"}
            ],
            "sources": [
                {"url": "file:///node/781", "note": "The council's page of the session's decisions"},
                {"url": "file:///sites/default/files/protokoli/2024/protokol-9-26-03-2024.pdf", "note": "The session's protocol"}
            ]
        })
    );
    assert_eq!(
        events[1]["end_date"], "2024-04-24",
        "a session over two days"
    );
    assert!(events[0].get("end_date").is_none());
    assert_eq!(
        events[3]["sources"][1]["url"], "file:///sites/default/files/protokol-12-2024.pdf",
        "the protocol the index links"
    );
}

#[test]
fn who_proposed_a_motion() {
    let councillor = motion("2024-05-28.4");
    assert_eq!(
        councillor["creator_id"],
        id("person", "stefan-dimitrov-yanev")
    );
    assert_eq!(councillor["proposer"]["classification"], "councillors");
    let group = motion("2024-04-23.2");
    assert_eq!(group["creator_id"], id("group", "nov-red"));
    let mayor = motion("2024-03-26.2");
    assert!(mayor.get("creator_id").is_none(), "an office, not a person");
    assert_eq!(
        mayor["proposer"],
        json!({"classification": "mayor", "name": "Кмета на Община Бургас"})
    );
    assert!(
        motion("2024-05-28.1").get("proposer").is_none(),
        "no proposer"
    );
}

#[test]
fn rejected_withdrawn_postponed_and_unrecorded_votes() {
    let rejected = motion("2024-03-26.27.2");
    assert_eq!(rejected["result"], "fail");
    assert_eq!(rejected["vote_events"][0]["result"], "fail");
    assert_eq!(
        rejected["vote_events"][0]["motion_classification"],
        json!(["passage"])
    );
    assert_eq!(
        rejected["text"], rejected["title"],
        "nothing resolved: the subject"
    );

    let withdrawn = motion("2024-04-23.7");
    assert_eq!(withdrawn["result"], "withdrawn");
    assert_eq!(withdrawn["vote_events"], json!([]));

    // The vote recorded for a postponed item is the vote to postpone.
    let postponed = motion("2024-04-23.5");
    assert_eq!(postponed["result"], "postponed");
    assert_eq!(postponed["text"], postponed["title"]);
    let vote = &postponed["vote_events"][0];
    assert_eq!(vote["result"], "pass");
    assert_eq!(vote["motion_classification"], json!(["postponement"]));
    assert!(
        vote["motion_text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Отлага разглеждането")),
        "{vote}"
    );
    assert_eq!(vote["counts"][0], json!({"option": "yes", "value": 27}));

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
fn a_rejection_resolved_as_text_is_a_vote_to_reject_that_passed() {
    let mut row = row("2024-03-26.27.2");
    row.insert(
        "text".into(),
        json!("Отхвърля предложението на ПГ „Възход“ за отпускане на помощ."),
    );
    let m = &list(&popolo(vec![row]), "motions")[0];
    assert_eq!(m["result"], "fail");
    assert_eq!(m["text"], m["title"]);
    let vote = &m["vote_events"][0];
    assert_eq!(vote["result"], "pass");
    assert_eq!(vote["motion_classification"], json!(["rejection"]));
    assert!(
        vote["motion_text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Отхвърля"))
    );
}

#[test]
fn motions_under_one_agenda_point_are_told_apart_by_their_vote() {
    let motions = motions();
    let identifiers: Vec<&str> = motions
        .iter()
        .filter_map(|m| m["identifier"].as_str())
        .collect();
    assert_eq!(identifiers.len(), motions.len());
    let unique: std::collections::HashSet<&&str> = identifiers.iter().collect();
    assert_eq!(unique.len(), identifiers.len(), "{identifiers:#?}");
    assert_eq!(
        motion("2024-04-23.2")["identifier"],
        "т. 2, гласуване 1, Протокол № 10/23.04.2024"
    );
    assert_eq!(
        motion("2024-04-23.2-2")["identifier"],
        "т. 2, гласуване 2, Протокол № 10/23.04.2024"
    );
    assert_eq!(
        motion("2024-04-23.1")["identifier"],
        "т. 1, Протокол № 10/23.04.2024"
    );
    // A numbered decision keeps its number, with the vote where needed.
    let mut numbered = vec![row("2024-04-23.3"), row("2024-04-23.3-2")];
    numbered[1].insert("decision_number".into(), json!("12"));
    let doc = popolo(numbered);
    let motions = list(&doc, "motions");
    assert_eq!(
        motions[0]["identifier"],
        "т. 3, гласуване 1, Протокол № 10/23.04.2024"
    );
    assert_eq!(motions[1]["identifier"], "Решение № 12, гласуване 2");
}

#[test]
fn second_day_decisions_are_dated_by_their_day() {
    let m = motion("2024-04-23.4");
    assert_eq!(m["date"], "2024-04-24");
    assert_eq!(m["vote_events"][0]["start_date"], "2024-04-24");
    assert_eq!(
        m["legislative_session_id"],
        "burgas-council-decisions/session/2024-04-23"
    );
}

#[test]
fn the_council_is_named_by_the_publisher() {
    let mut publication = publication();
    assert_eq!(
        Council::from_publication(&publication).name,
        "Общински съвет – Бургас"
    );
    publication.publisher = "Община Бургас".into();
    assert_eq!(
        Council::from_publication(&publication).name,
        "Община Бургас"
    );
    publication.publisher = " / Municipal Council".into();
    assert_eq!(
        Council::from_publication(&publication).name,
        "burgas-council-decisions"
    );
}

#[test]
fn no_rows_lists_only_the_council_and_a_row_without_id_is_refused() {
    assert_eq!(
        popolo(Vec::new()),
        json!({
            "motions": [],
            "events": [],
            "organizations": [{
                "id": "burgas-council-decisions/council",
                "name": "Общински съвет – Бургас",
                "classification": "legislature"
            }],
            "persons": [],
            "memberships": []
        })
    );
    let mut rows = rows();
    rows[2].remove("id");
    let mut out = Vec::new();
    let publication = publication();
    let council = Council::from_publication(&publication);
    let error = write_popolo(&mut out, &publication, &council, rows.into_iter())
        .expect_err("a row without id");
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert!(error.to_string().contains("row 3: no `id`"), "{error}");
}

#[test]
fn odd_roll_calls_and_groups_give_no_broken_ids() {
    let mut row = row("2024-06-25.1");
    row.insert(
        "roll_call".into(),
        json!([
            {"name": "„“ –", "option": "yes"},
            {"option": "yes"},
            {"name": "Мария Колева", "option": "paired", "group": "– –"},
            "not an object"
        ]),
    );
    row.insert("proposer_group".into(), json!("„“"));
    let doc = popolo(vec![row]);
    let event = &list(&doc, "motions")[0]["vote_events"][0];
    assert_eq!(
        event["votes"],
        json!([{"voter_id": id("person", "maria-koleva"), "option": "paired"}])
    );
    assert_eq!(
        list(&doc, "organizations").len(),
        1,
        "no group without a name"
    );
}
