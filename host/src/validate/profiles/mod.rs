//! Profiles: the canonical schemas of municipal data (`budget`,
//! `decision`, `procurement`, `project`), so the same kind of data looks
//! the same in every city that runs Vitrina.
//!
//! Each profile is a Frictionless Table Schema kept beside this file as
//! JSON and compiled into the binary: the same document is served at
//! `/api/v1/profiles/{name}` and read here into checks. A plugin that claims
//! a profile is held to it twice: its declared schema, when the plugin is
//! loaded (every profile field with the profile's type, required fields not
//! nullable, the same primary key), and every row as it arrives (`enum`,
//! `pattern`, `minimum`/`maximum`, `minLength`/`maxLength`, and two
//! extensions: `checksum` (`bg-eik` for ЕИК/БУЛСТАТ numbers) and
//! `decimalPlaces`, which money fields set to 2, so every amount in every
//! output carries exactly its cents). Fields beyond the profile's are
//! allowed: a city may publish more, never less.
//!
//! A profile may also name quality measures (`qualityMeasures`): counts of
//! the rows of a version that hold a value saying the source could not be
//! read (a council decision with `vote_type = unknown`). The store counts
//! them over every row of each version it publishes, so the dataset's
//! metadata says how much of the published data is incomplete.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::schema::{FieldType, QualityMeasure, Row, StreamSchema, Value};

/// The profiles compiled into the binary: (name, Table Schema JSON).
const SOURCES: &[(&str, &str)] = &[
    ("budget", include_str!("../../../../profiles/budget.json")),
    (
        "decision",
        include_str!("../../../../profiles/decision.json"),
    ),
    (
        "procurement",
        include_str!("../../../../profiles/procurement.json"),
    ),
    ("project", include_str!("../../../../profiles/project.json")),
];

/// A canonical schema.
#[derive(Debug)]
pub struct Profile {
    pub name: String,
    pub title: String,
    pub description: String,
    pub version: String,
    pub fields: Vec<ProfileField>,
    pub primary_key: Vec<String>,
    /// What each version's metadata counts about its rows.
    pub quality: Vec<QualityMeasure>,
    /// The Table Schema document, as published.
    pub schema: serde_json::Value,
}

/// One field of a profile, with its constraints compiled.
#[derive(Debug)]
pub struct ProfileField {
    pub name: String,
    pub kind: FieldType,
    pub required: bool,
    /// A date this field holds may lie ahead of the run (a contract's end);
    /// in any other date field that is a typo worth a warning.
    pub may_be_future: bool,
    constraints: Constraints,
}

#[derive(Debug, Default)]
struct Constraints {
    allowed: Option<Vec<String>>,
    pattern: Option<Regex>,
    minimum: Option<Decimal>,
    maximum: Option<Decimal>,
    min_length: Option<usize>,
    max_length: Option<usize>,
    checksum: Option<Checksum>,
    /// Exactly this many digits after the decimal point (money: 2).
    decimal_places: Option<usize>,
}

/// Check digits the profile asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Checksum {
    /// ЕИК/БУЛСТАТ: 9 or 13 digits with their check digits.
    BgEik,
}

/// The Table Schema as written.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSchema {
    name: String,
    title: String,
    description: String,
    version: String,
    fields: Vec<RawField>,
    primary_key: Vec<String>,
    #[serde(default)]
    quality_measures: Vec<QualityMeasure>,
}

#[derive(Deserialize)]
struct RawField {
    name: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    constraints: RawConstraints,
    checksum: Option<String>,
    #[serde(rename = "decimalPlaces")]
    decimal_places: Option<usize>,
    #[serde(rename = "mayBeFuture", default)]
    may_be_future: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct RawConstraints {
    #[serde(default)]
    required: bool,
    #[serde(rename = "enum")]
    allowed: Option<Vec<String>>,
    pattern: Option<String>,
    minimum: Option<serde_json::Number>,
    maximum: Option<serde_json::Number>,
    min_length: Option<usize>,
    max_length: Option<usize>,
}

static PROFILES: LazyLock<BTreeMap<&'static str, Profile>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(name, document)| {
            // The documents are part of the source; the unit tests load
            // every one, so a broken one never reaches a release.
            let profile = parse(document)
                .unwrap_or_else(|e| panic!("the built-in profile `{name}` is invalid: {e}"));
            (*name, profile)
        })
        .collect()
});

/// The profile called `name`.
pub fn get(name: &str) -> Option<&'static Profile> {
    PROFILES.get(name)
}

/// Every profile, by name.
pub fn all() -> impl Iterator<Item = &'static Profile> {
    PROFILES.values()
}

/// The profile names, for messages.
pub fn names() -> String {
    PROFILES.keys().copied().collect::<Vec<_>>().join(", ")
}

fn parse(document: &str) -> Result<Profile, String> {
    let schema: serde_json::Value = serde_json::from_str(document).map_err(|e| e.to_string())?;
    let raw = RawSchema::deserialize(&schema).map_err(|e| e.to_string())?;
    let fields = raw
        .fields
        .into_iter()
        .map(compile_field)
        .collect::<Result<Vec<_>, _>>()?;
    for key in &raw.primary_key {
        if !fields.iter().any(|f| &f.name == key && f.required) {
            return Err(format!("primary key field `{key}` is not a required field"));
        }
    }
    for measure in &raw.quality_measures {
        check_measure(measure, &fields)?;
    }
    Ok(Profile {
        name: raw.name,
        title: raw.title,
        description: raw.description,
        version: raw.version,
        fields,
        primary_key: raw.primary_key,
        quality: raw.quality_measures,
        schema,
    })
}

/// A measure counts text fields of the profile, by a value they may hold.
fn check_measure(measure: &QualityMeasure, fields: &[ProfileField]) -> Result<(), String> {
    let name = &measure.name;
    if measure.any_of.is_empty() {
        return Err(format!("quality measure `{name}` names no field"));
    }
    for (field, value) in &measure.any_of {
        let Some(f) = fields.iter().find(|f| &f.name == field) else {
            return Err(format!(
                "quality measure `{name}` counts the unknown field `{field}`"
            ));
        };
        if f.kind != FieldType::Text {
            return Err(format!(
                "quality measure `{name}` counts `{field}`, not a text field"
            ));
        }
        if let Some(allowed) = &f.constraints.allowed
            && !allowed.contains(value)
        {
            return Err(format!(
                "quality measure `{name}` counts `{field}` = `{value}`, a value the field cannot hold"
            ));
        }
    }
    Ok(())
}

fn compile_field(raw: RawField) -> Result<ProfileField, String> {
    let kind = match raw.kind.as_str() {
        "string" => FieldType::Text,
        "integer" => FieldType::Integer,
        "number" => FieldType::Decimal,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "datetime" => FieldType::Datetime,
        "array" | "object" => FieldType::Json,
        other => return Err(format!("field `{}`: unknown type `{other}`", raw.name)),
    };
    let c = raw.constraints;
    let bound = |n: Option<serde_json::Number>| -> Result<Option<Decimal>, String> {
        n.map(|n| {
            Decimal::from_str(&n.to_string())
                .or_else(|_| Decimal::from_scientific(&n.to_string()))
                .map_err(|e| format!("field `{}`: bound {n}: {e}", raw.name))
        })
        .transpose()
    };
    let pattern = c
        .pattern
        .map(|p| Regex::new(&format!("^(?:{p})$")))
        .transpose()
        .map_err(|e| format!("field `{}`: pattern: {e}", raw.name))?;
    let checksum = match raw.checksum.as_deref() {
        None => None,
        Some("bg-eik") => Some(Checksum::BgEik),
        Some(other) => return Err(format!("field `{}`: unknown checksum `{other}`", raw.name)),
    };
    if raw.decimal_places.is_some() && kind != FieldType::Decimal {
        return Err(format!(
            "field `{}`: decimalPlaces applies to numbers only",
            raw.name
        ));
    }
    Ok(ProfileField {
        kind,
        required: c.required,
        may_be_future: raw.may_be_future,
        constraints: Constraints {
            allowed: c.allowed,
            pattern,
            minimum: bound(c.minimum)?,
            maximum: bound(c.maximum)?,
            min_length: c.min_length,
            max_length: c.max_length,
            checksum,
            decimal_places: raw.decimal_places,
        },
        name: raw.name,
    })
}

impl Profile {
    /// Every way `stream` falls short of this profile.
    pub fn check_schema(&self, stream: &StreamSchema) -> Vec<String> {
        let mut problems = Vec::new();
        let name = &self.name;
        for wanted in &self.fields {
            let Some(field) = stream.fields.iter().find(|f| f.name == wanted.name) else {
                problems.push(format!(
                    "profile `{name}` wants a field `{}` ({}), which the stream does not declare",
                    wanted.name,
                    wanted.kind.name()
                ));
                continue;
            };
            if field.kind != wanted.kind {
                problems.push(format!(
                    "profile `{name}`: field `{}` must be {}, the stream declares {}",
                    wanted.name,
                    wanted.kind.name(),
                    field.kind.name()
                ));
            }
            if wanted.required && field.nullable {
                problems.push(format!(
                    "profile `{name}`: field `{}` is required, the stream declares it nullable",
                    wanted.name
                ));
            }
        }
        if stream.primary_key != self.primary_key {
            problems.push(format!(
                "profile `{name}`: the primary key must be ({}), the stream's is ({})",
                self.primary_key.join(", "),
                stream.primary_key.join(", ")
            ));
        }
        problems
    }

    /// The row checks of this profile for rows of `stream` (which passed
    /// [`Profile::check_schema`]).
    pub fn row_checks(&'static self, stream: &StreamSchema) -> RowChecks {
        let checks = self
            .fields
            .iter()
            .filter(|f| !f.constraints.is_empty())
            .filter_map(|f| Some((stream.position(&f.name)?, f)))
            .collect();
        RowChecks { checks }
    }
}

impl Constraints {
    fn is_empty(&self) -> bool {
        self.allowed.is_none()
            && self.pattern.is_none()
            && self.minimum.is_none()
            && self.maximum.is_none()
            && self.min_length.is_none()
            && self.max_length.is_none()
            && self.checksum.is_none()
            && self.decimal_places.is_none()
    }

    /// Why `value` breaks a constraint, if it does. Nulls pass: whether a
    /// field may be null is the schema's business.
    fn check(&self, value: &Value) -> Result<(), String> {
        match value {
            Value::Null => Ok(()),
            Value::Text(text) => self.check_text(text),
            Value::Integer(n) => self.check_number(Decimal::from(*n)),
            Value::Decimal(text) => {
                self.check_decimal_places(text)?;
                match Decimal::from_str(text) {
                    Ok(n) => self.check_number(n),
                    // The type check reports a malformed decimal.
                    Err(_) => Ok(()),
                }
            }
            _ => Ok(()),
        }
    }

    fn check_text(&self, text: &str) -> Result<(), String> {
        let length = text.chars().count();
        if let Some(min) = self.min_length
            && length < min
        {
            return Err(format!(
                "is {length} characters long, at least {min} are required"
            ));
        }
        if let Some(max) = self.max_length
            && length > max
        {
            return Err(format!(
                "is {length} characters long, at most {max} are allowed"
            ));
        }
        if let Some(allowed) = &self.allowed
            && !allowed.iter().any(|a| a == text)
        {
            return Err(format!("{text:?} is not one of {}", allowed.join(", ")));
        }
        if let Some(pattern) = &self.pattern
            && !pattern.is_match(text)
        {
            return Err(format!(
                "{text:?} does not match the pattern {}",
                pattern.as_str()
            ));
        }
        match self.checksum {
            Some(Checksum::BgEik) if !vitrina_normalize::eik::is_valid_eik(text) => Err(format!(
                "{text:?} is not a valid ЕИК/БУЛСТАТ (its check digit is wrong)"
            )),
            _ => Ok(()),
        }
    }

    /// Money is written with its cents, never more or fewer digits:
    /// `3000125.00`, not `3000125` or `3000125.000`.
    fn check_decimal_places(&self, text: &str) -> Result<(), String> {
        let Some(wanted) = self.decimal_places else {
            return Ok(());
        };
        let found = text
            .split_once('.')
            .map_or(0, |(_, fraction)| fraction.len());
        if found == wanted {
            Ok(())
        } else {
            Err(format!(
                "{text} has {found} decimals; this amount is written with exactly {wanted} (round to the cent with vitrina_normalize::money::to_cents)"
            ))
        }
    }

    fn check_number(&self, n: Decimal) -> Result<(), String> {
        if let Some(min) = self.minimum
            && n < min
        {
            return Err(format!("{n} is below the minimum {min}"));
        }
        if let Some(max) = self.maximum
            && n > max
        {
            return Err(format!("{n} is above the maximum {max}"));
        }
        Ok(())
    }
}

/// A profile's constraints on the rows of one stream, by position.
#[derive(Debug, Clone)]
pub struct RowChecks {
    checks: Vec<(usize, &'static ProfileField)>,
}

impl RowChecks {
    /// The first constraint `row` breaks: the field's name and why.
    pub fn check(&self, row: &Row) -> Result<(), (String, String)> {
        for &(position, field) in &self.checks {
            if let Some(value) = row.get(position) {
                field
                    .constraints
                    .check(value)
                    .map_err(|message| (field.name.clone(), message))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Field;

    #[test]
    fn every_built_in_profile_loads_and_has_a_key() {
        for (name, document) in SOURCES {
            let profile = parse(document).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(&profile.name, name);
            assert!(!profile.primary_key.is_empty());
            assert!(!profile.description.is_empty());
            for field in &profile.fields {
                assert!(
                    crate::validate::is_machine_name(&field.name),
                    "{}",
                    field.name
                );
            }
        }
        assert!(get("project").is_some());
        assert!(get("nope").is_none());
    }

    #[test]
    fn decisions_count_those_published_without_a_readable_vote() {
        let measure = &get("decision").unwrap().quality[0];
        assert_eq!(measure.name, "decisions_with_unread_vote");
        assert_eq!(measure.any_of["vote_type"], "unknown");
        assert_eq!(measure.any_of["result"], "unknown");
    }

    #[test]
    fn a_quality_measure_must_count_a_value_its_field_can_hold() {
        let with = |any_of: &str| {
            parse(&format!(
                r#"{{"name": "p", "title": "", "description": "", "version": "1",
                    "fields": [{{"name": "id", "type": "string", "constraints": {{"required": true}}}},
                               {{"name": "state", "type": "string", "constraints": {{"enum": ["ok", "unknown"]}}}},
                               {{"name": "n", "type": "integer"}}],
                    "primaryKey": ["id"],
                    "qualityMeasures": [{{"name": "m", "description": "", "anyOf": {any_of}}}]}}"#
            ))
            .map(|p| p.quality.len())
        };
        assert_eq!(with(r#"{"state": "unknown"}"#), Ok(1));
        assert!(with(r#"{}"#).unwrap_err().contains("names no field"));
        assert!(
            with(r#"{"nope": "x"}"#)
                .unwrap_err()
                .contains("unknown field `nope`")
        );
        assert!(
            with(r#"{"n": "0"}"#)
                .unwrap_err()
                .contains("not a text field")
        );
        assert!(
            with(r#"{"state": "lost"}"#)
                .unwrap_err()
                .contains("cannot hold")
        );
    }

    fn project_stream() -> StreamSchema {
        let profile = get("project").unwrap();
        StreamSchema {
            name: "projects".to_string(),
            description: String::new(),
            fields: profile
                .fields
                .iter()
                .map(|f| Field::new(&f.name, f.kind, !f.required))
                .chain([Field::new("extra_note", FieldType::Text, true)])
                .collect(),
            primary_key: profile.primary_key.clone(),
        }
    }

    #[test]
    fn a_schema_matching_the_profile_passes_and_extra_fields_are_allowed() {
        assert_eq!(
            get("project").unwrap().check_schema(&project_stream()),
            Vec::<String>::new()
        );
    }

    #[test]
    fn a_schema_falling_short_is_told_every_problem() {
        let mut stream = project_stream();
        stream.fields.retain(|f| f.name != "title");
        for field in &mut stream.fields {
            if field.name == "budget" {
                field.kind = FieldType::Float;
            }
            if field.name == "source_url" {
                field.nullable = true;
            }
        }
        stream.primary_key = vec!["source_url".to_string()];
        let problems = get("project").unwrap().check_schema(&stream);
        let text = problems.join("\n");
        assert_eq!(problems.len(), 4, "{text}");
        assert!(text.contains("field `title`"), "{text}");
        assert!(text.contains("`budget` must be decimal"), "{text}");
        assert!(text.contains("`source_url` is required"), "{text}");
        assert!(text.contains("primary key must be (id)"), "{text}");
    }

    fn row_with(stream: &StreamSchema, changes: &[(&str, Value)]) -> Row {
        let mut row: Row = stream
            .fields
            .iter()
            .map(|f| match f.kind {
                FieldType::Json => Value::Json("[]".to_string()),
                _ if f.nullable => Value::Null,
                _ => Value::Text("x".to_string()),
            })
            .collect();
        for (name, value) in changes {
            row[stream.position(name).unwrap()] = value.clone();
        }
        row
    }

    #[test]
    fn rows_are_held_to_enums_patterns_and_bounds() {
        let stream = project_stream();
        let checks = get("project").unwrap().row_checks(&stream);
        let good = row_with(
            &stream,
            &[
                ("status", Value::Text("ongoing".into())),
                ("budget", Value::Decimal("454090.00".into())),
                ("start_month", Value::Text("2012-05".into())),
                ("duration_months", Value::Integer(18)),
            ],
        );
        assert_eq!(checks.check(&good), Ok(()));
        for (field, value, expected) in [
            (
                "status",
                Value::Text("done".into()),
                "not one of completed, ongoing",
            ),
            (
                "budget",
                Value::Decimal("-1.00".into()),
                "below the minimum 0",
            ),
            (
                "start_month",
                Value::Text("05.2012".into()),
                "does not match",
            ),
            (
                "start_month",
                Value::Text("2012-13".into()),
                "does not match",
            ),
            ("duration_months", Value::Integer(-3), "below the minimum"),
            ("id", Value::Text(String::new()), "at least 1"),
        ] {
            let row = row_with(&stream, &[(field, value)]);
            let (name, message) = checks.check(&row).unwrap_err();
            assert_eq!(name, field);
            assert!(message.contains(expected), "{field}: {message}");
        }
    }

    #[test]
    fn eik_checksums_are_checked() {
        let constraints = Constraints {
            checksum: Some(Checksum::BgEik),
            ..Constraints::default()
        };
        assert_eq!(constraints.check(&Value::Text("020469788".into())), Ok(()));
        assert_eq!(
            constraints.check(&Value::Text("1213961230342".into())),
            Ok(())
        );
        assert!(constraints.check(&Value::Text("123456789".into())).is_err());
        assert_eq!(constraints.check(&Value::Null), Ok(()));
    }

    #[test]
    fn money_carries_exactly_two_decimals() {
        let stream = project_stream();
        let checks = get("project").unwrap().row_checks(&stream);
        for (budget, ok) in [
            ("3000125.00", true),
            ("0.50", true),
            ("3000125.000", false),
            ("3000125", false),
            ("3000125.5", false),
        ] {
            let row = row_with(&stream, &[("budget", Value::Decimal(budget.into()))]);
            match (checks.check(&row), ok) {
                (Ok(()), true) => {}
                (Err((field, message)), false) => {
                    assert_eq!(field, "budget");
                    assert!(message.contains("exactly 2"), "{budget}: {message}");
                }
                (result, _) => panic!("{budget}: {result:?}"),
            }
        }
        for profile in all() {
            for field in profile.fields.iter().filter(|f| {
                f.name.contains("amount") || f.name.contains("value") || f.name.contains("budget")
            }) {
                if field.kind == FieldType::Decimal {
                    assert_eq!(
                        field.constraints.decimal_places,
                        Some(2),
                        "{}.{}",
                        profile.name,
                        field.name
                    );
                }
            }
        }
    }
}
