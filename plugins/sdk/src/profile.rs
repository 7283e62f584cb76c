//! Checking a plugin's stream against a profile before the host does.
//!
//! The host refuses to load a plugin whose first stream falls short of the
//! profile it claims; a plugin's own tests catch that earlier by comparing
//! [`StreamSchema`] with the profile's Table Schema (the JSON file the host
//! publishes at `/api/v1/profiles/{name}`):
//!
//! ```ignore
//! const PROFILE: &str = include_str!("../../../profiles/budget.json");
//! assert_eq!(vitrina_sdk::profile::mismatches(&schema(), PROFILE), Vec::<String>::new());
//! ```

use serde_json::Value;

use crate::bindings::vitrina::plugin::types::FieldType;
use crate::row::kind_name;
use crate::schema::StreamSchema;

/// Every way `stream` differs from the profile in `table_schema` (the
/// profile's JSON): the same fields in the same order, each of the
/// profile's type, required exactly when not nullable, and the same primary
/// key. Empty when the stream is the profile field for field.
pub fn mismatches(stream: &StreamSchema, table_schema: &str) -> Vec<String> {
    let profile: Value = match serde_json::from_str(table_schema) {
        Ok(profile) => profile,
        Err(e) => return vec![format!("the profile is not JSON: {e}")],
    };
    let wanted = profile["fields"].as_array().cloned().unwrap_or_default();
    let mut problems = Vec::new();
    let declared: Vec<&str> = stream.fields().iter().map(|f| f.name()).collect();
    let profiled: Vec<&str> = wanted.iter().filter_map(|f| f["name"].as_str()).collect();
    if declared != profiled {
        problems.push(format!(
            "fields differ: the stream declares {declared:?}, the profile wants {profiled:?}"
        ));
    }
    for (field, spec) in stream.fields().iter().zip(&wanted) {
        let name = field.name();
        let kind = kind_of(spec["type"].as_str().unwrap_or_default());
        if kind.map(kind_name) != Some(kind_name(field.kind())) {
            problems.push(format!(
                "`{name}` is {}, the profile wants {}",
                kind_name(field.kind()),
                spec["type"]
            ));
        }
        let required = spec["constraints"]["required"].as_bool().unwrap_or(false);
        if required == field.is_nullable() {
            problems.push(format!(
                "`{name}`: required in the profile is {required}, nullable in the stream is {}",
                field.is_nullable()
            ));
        }
    }
    let key: Vec<&str> = stream
        .fields()
        .iter()
        .filter(|f| f.is_key())
        .map(|f| f.name())
        .collect();
    let profile_key: Vec<&str> = profile["primaryKey"]
        .as_array()
        .map(|k| k.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if key != profile_key {
        problems.push(format!(
            "the key is {key:?}, the profile's is {profile_key:?}"
        ));
    }
    problems
}

/// The field kind of a Table Schema type, as the host maps it.
fn kind_of(table_schema_type: &str) -> Option<FieldType> {
    Some(match table_schema_type {
        "string" => FieldType::Text,
        "integer" => FieldType::Integer,
        "number" => FieldType::Decimal,
        "boolean" => FieldType::Boolean,
        "date" => FieldType::Date,
        "datetime" => FieldType::Datetime,
        "array" | "object" => FieldType::Json,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Field;

    const PROFILE: &str = r#"{"name": "t", "fields": [
        {"name": "id", "type": "string", "constraints": {"required": true}},
        {"name": "amount", "type": "number"}
    ], "primaryKey": ["id"]}"#;

    #[test]
    fn a_matching_stream_has_no_mismatch_and_a_wrong_one_is_told_why() {
        let good = StreamSchema::new("t", "")
            .field(Field::text("id", "").key())
            .field(Field::decimal("amount", "").nullable());
        assert_eq!(mismatches(&good, PROFILE), Vec::<String>::new());

        let bad = StreamSchema::new("t", "")
            .field(Field::text("id", "").nullable())
            .field(Field::float("amount", ""));
        let problems = mismatches(&bad, PROFILE).join("\n");
        assert!(problems.contains("`amount` is float"), "{problems}");
        assert!(problems.contains("`id`: required"), "{problems}");
        assert!(problems.contains("the key is []"), "{problems}");
    }
}
