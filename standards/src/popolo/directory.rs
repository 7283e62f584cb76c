//! What a Popolo file lists beside its motions: the council's sessions,
//! its political groups, the councillors, and who belongs to which group.
//!
//! Each is gathered as the motions stream past and written after them:
//! their number is bounded by the council (a few dozen councillors and
//! groups, a dozen sessions a year), never by the number of decisions.
//!
//! Ids are made from what the council's pages print, under the dataset, so
//! the same councillor or group has the same id in every motion and every
//! version: a person's is the slug of the name in Latin letters by the
//! official Bulgarian transliteration
//! (`burgas-council-decisions/person/bilyana-vasileva-karagyozova`), a
//! group's the slug of its name (`…/group/nov-red`), a session's its first
//! day (`…/session/2024-03-26`). Pages that print one councillor's name in
//! two forms (with and without the middle name) give two persons, since
//! nothing on the page says they are one, unless the operator says so
//! (`[popolo] aliases` in `dataset.toml`): then the other form is the
//! person's `other_names`, and every vote is under the one id.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};
use vitrina_normalize::text;

use super::text as field;
use crate::Row;

/// A session of the council, as its decisions give it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Session {
    number: Option<i64>,
    protocol: Option<String>,
    /// The session's first day, `YYYY-MM-DD`.
    start: String,
    /// Its last day of decisions, when later than the first.
    end: Option<String>,
    page: Option<String>,
    protocol_url: Option<String>,
}

/// The council, its sessions, groups, councillors and memberships, as far
/// as the motions written so far name them.
#[derive(Debug)]
pub(super) struct Directory {
    dataset: String,
    council_name: String,
    sessions: BTreeMap<String, Session>,
    /// Group id → name.
    groups: BTreeMap<String, String>,
    /// Person id → name.
    persons: BTreeMap<String, String>,
    /// Person id → the other forms of the name seen.
    other_names: BTreeMap<String, BTreeSet<String>>,
    /// The slug of another form of a name → the name it stands for.
    aliases: BTreeMap<String, String>,
    /// (person id, organization id): the council's own and groups'.
    memberships: BTreeSet<(String, String)>,
}

impl Directory {
    pub(super) fn new(dataset: &str, council_name: &str) -> Self {
        Self {
            dataset: dataset.to_string(),
            council_name: council_name.to_string(),
            sessions: BTreeMap::new(),
            groups: BTreeMap::new(),
            persons: BTreeMap::new(),
            other_names: BTreeMap::new(),
            aliases: BTreeMap::new(),
            memberships: BTreeSet::new(),
        }
    }

    /// Lists each of `aliases` (another form → the name) as the person it
    /// names; forms are matched whatever their case and spacing.
    pub(super) fn alias(&mut self, aliases: &BTreeMap<String, String>) {
        self.aliases = aliases
            .iter()
            .filter_map(|(form, name)| Some((slug(form)?, text::clean(name))))
            .collect();
    }

    /// The council's id.
    pub(super) fn council(&self) -> String {
        format!("{}/council", self.dataset)
    }

    /// The id of the session a decision was taken at (the day it began,
    /// `session_date`), noting what the decision says of it: its number,
    /// protocol, page and last day (the first decision to say a thing
    /// wins: a session's decisions come from one page).
    pub(super) fn session(&mut self, row: &Row) -> Option<String> {
        let date = field(row, "session_date")?;
        let decided = field(row, "decision_date");
        let number = row.get("session_number").and_then(Value::as_i64);
        let protocol = field(row, "protocol_number");
        let page = field(row, "source_url");
        let protocol_url = field(row, "protocol_url");
        let session = self
            .sessions
            .entry(date.to_string())
            .or_insert_with(|| Session {
                number: None,
                protocol: None,
                start: date.to_string(),
                end: None,
                page: None,
                protocol_url: None,
            });
        session.number = session.number.or(number);
        session.protocol = session.protocol.take().or(protocol.map(str::to_string));
        session.page = session.page.take().or(page.map(str::to_string));
        session.protocol_url = session
            .protocol_url
            .take()
            .or(protocol_url.map(str::to_string));
        if let Some(day) = decided.filter(|d| *d > date)
            && session.end.as_deref().is_none_or(|end| day > end)
        {
            session.end = Some(day.to_string());
        }
        Some(format!("{}/session/{date}", self.dataset))
    }

    /// The id of the group named `name` (as the rows write it, without
    /// `ПГ`), listed as a group of the council.
    pub(super) fn group(&mut self, name: &str) -> Option<String> {
        let slug = slug(name)?;
        let id = format!("{}/group/{slug}", self.dataset);
        self.groups
            .entry(id.clone())
            .or_insert_with(|| name.to_string());
        Some(id)
    }

    /// The id of the councillor named `name`, listed as a member of the
    /// council, and of `group` when it is known.
    pub(super) fn councillor(&mut self, name: &str, group: Option<&str>) -> Option<String> {
        let printed = text::clean(name);
        let name = match self.aliases.get(&slug(&printed)?) {
            Some(name) => name.clone(),
            None => printed.clone(),
        };
        let id = format!("{}/person/{}", self.dataset, slug(&name)?);
        if printed != name {
            self.other_names
                .entry(id.clone())
                .or_default()
                .insert(printed);
        }
        self.persons.entry(id.clone()).or_insert(name);
        self.memberships.insert((id.clone(), self.council()));
        if let Some(group) = group {
            self.memberships.insert((id.clone(), group.to_string()));
        }
        Some(id)
    }

    /// Writes `,"events":[…],"organizations":[…],"persons":[…],
    /// "memberships":[…]`, to follow the motions.
    pub(super) fn write_to<W: std::io::Write>(&self, out: &mut W) -> std::io::Result<()> {
        write_array(out, "events", self.sessions.values().map(|s| self.event(s)))?;
        let council = json!({
            "id": self.council(),
            "name": self.council_name,
            "classification": "legislature",
        });
        let groups = self.groups.iter().map(|(id, name)| {
            json!({
                "id": id,
                "name": format!("ПГ „{name}“"),
                "classification": "party",
                "parent_id": self.council(),
            })
        });
        write_array(out, "organizations", std::iter::once(council).chain(groups))?;
        write_array(
            out,
            "persons",
            self.persons
                .iter()
                .map(|(id, name)| person(id, name, self.other_names.get(id))),
        )?;
        let memberships = self.memberships.iter().map(|(person, organization)| {
            json!({"person_id": person, "organization_id": organization, "role": "member"})
        });
        write_array(out, "memberships", memberships)
    }

    fn event(&self, s: &Session) -> Value {
        let mut event = Map::new();
        event.insert(
            "id".into(),
            json!(format!("{}/session/{}", self.dataset, s.start)),
        );
        let numbered = s.number.map(|n| format!(" № {n}")).unwrap_or_default();
        event.insert(
            "name".into(),
            json!(format!(
                "Заседание{numbered} на {}, {}",
                self.council_name,
                super::bulgarian_date(&s.start).unwrap_or_else(|| s.start.clone())
            )),
        );
        event.insert("classification".into(), json!("legislative session"));
        event.insert("start_date".into(), json!(s.start));
        if let Some(end) = &s.end {
            event.insert("end_date".into(), json!(end));
        }
        event.insert("organization_id".into(), json!(self.council()));
        let identifiers: Vec<Value> = [
            (s.number.map(|n| n.to_string()), "session number"),
            (s.protocol.clone(), "protocol number"),
        ]
        .into_iter()
        .filter_map(|(id, scheme)| Some(json!({"identifier": id?, "scheme": scheme})))
        .collect();
        if !identifiers.is_empty() {
            event.insert("identifiers".into(), Value::Array(identifiers));
        }
        let sources = super::page_and_protocol(s.page.as_deref(), s.protocol_url.as_deref());
        event.insert("sources".into(), Value::Array(sources));
        Value::Object(event)
    }
}

/// A councillor, with the parts of a Bulgarian full name where the name
/// has them: given name, father's name (презиме), family name.
fn person(id: &str, name: &str, other_names: Option<&BTreeSet<String>>) -> Value {
    let mut person = Map::new();
    person.insert("id".into(), json!(id));
    person.insert("name".into(), json!(name));
    if let Some(others) = other_names.filter(|o| !o.is_empty()) {
        let others: Vec<Value> = others.iter().map(|n| json!({"name": n})).collect();
        person.insert("other_names".into(), Value::Array(others));
    }
    let parts: Vec<&str> = name.split_whitespace().collect();
    let (given, patronymic, family) = match parts.as_slice() {
        [given, family] => (Some(given), None, Some(family)),
        [given, patronymic, family] => (Some(given), Some(patronymic), Some(family)),
        _ => (None, None, None),
    };
    for (key, part) in [
        ("given_name", given),
        ("patronymic_name", patronymic),
        ("family_name", family),
    ] {
        if let Some(part) = part {
            person.insert(key.into(), json!(part));
        }
    }
    Value::Object(person)
}

/// `,"name":[…]`, one item at a time.
fn write_array<W: std::io::Write>(
    out: &mut W,
    name: &str,
    items: impl Iterator<Item = Value>,
) -> std::io::Result<()> {
    write!(out, ",\"{name}\":[")?;
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        serde_json::to_writer(&mut *out, &item)?;
    }
    out.write_all(b"]")
}

/// A name's words in Latin letters, lowercase, joined by `-`
/// (`Петя Стоянова-Димова` → `petya-stoyanova-dimova`); letters of other
/// scripts are kept. `None` when the name has no letter or digit.
pub(super) fn slug(name: &str) -> Option<String> {
    let lower = text::clean(name).to_lowercase();
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(text::transliterate)
        .collect();
    (!words.is_empty()).then(|| words.join("-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_the_official_transliteration() {
        assert_eq!(
            slug("Биляна Василева Карагьозова").as_deref(),
            Some("bilyana-vasileva-karagyozova")
        );
        assert_eq!(
            slug(" Петя  Стоянова–Димова ").as_deref(),
            Some("petya-stoyanova-dimova")
        );
        assert_eq!(slug("Мария Щерева").as_deref(), Some("maria-shtereva"));
        assert_eq!(
            slug("БСП – „Лява България“").as_deref(),
            Some("bsp-lyava-balgaria")
        );
        assert_eq!(slug("„“ – ,"), None);
    }

    #[test]
    fn one_councillor_one_person_whatever_the_spacing() {
        let mut directory = Directory::new("d", "Общински съвет – Бургас");
        let group = directory.group("Нов ред");
        let a = directory.councillor("Иван Петров Иванов", group.as_deref());
        let b = directory.councillor(" Иван  Петров Иванов", None);
        assert_eq!(a, b);
        assert_eq!(a.as_deref(), Some("d/person/ivan-petrov-ivanov"));
        assert_eq!(directory.persons.len(), 1);
        assert_eq!(
            directory.memberships.iter().cloned().collect::<Vec<_>>(),
            [
                (
                    "d/person/ivan-petrov-ivanov".to_string(),
                    "d/council".to_string()
                ),
                (
                    "d/person/ivan-petrov-ivanov".to_string(),
                    "d/group/nov-red".to_string()
                ),
            ]
        );
        assert_eq!(directory.councillor("–", None), None);
    }

    #[test]
    fn another_form_of_a_name_the_operator_gave_is_the_same_person() {
        let mut directory = Directory::new("d", "Общински съвет – Бургас");
        directory.alias(&BTreeMap::from([(
            "Иван Иванов".to_string(),
            "Иван Петров Иванов".to_string(),
        )]));
        let full = directory.councillor("Иван Петров Иванов", None);
        let short = directory.councillor("ИВАН  иванов", None);
        let other = directory.councillor("Иван Петров", None);
        assert_eq!(short, full);
        assert_ne!(other, full, "only the forms given are joined");
        let listed = person(
            full.as_deref().unwrap(),
            &directory.persons[full.as_deref().unwrap()],
            directory.other_names.get(full.as_deref().unwrap()),
        );
        assert_eq!(listed["name"], "Иван Петров Иванов");
        assert_eq!(listed["other_names"], json!([{"name": "ИВАН иванов"}]));
        assert_eq!(directory.persons.len(), 2);
    }
}
