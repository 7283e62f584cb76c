//! The host's own picture of a plugin and its rows, independent of any
//! contract version.
//!
//! Each WIT version has its own generated bindings; they are converted into
//! these types at the boundary, so validation, storage and publishing never
//! depend on which contract version a plugin was built against.

use serde::{Deserialize, Serialize};

/// A count of the rows of a version that hold any of some field values,
/// published with the version (`decisions_with_unread_vote`): how much of
/// the data says its source could not be read. Profiles declare them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QualityMeasure {
    pub name: String,
    pub description: String,
    /// A row counts when any of these fields holds its value.
    pub any_of: std::collections::BTreeMap<String, String>,
}

/// The type a field declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Boolean,
    Integer,
    Decimal,
    Float,
    Text,
    Date,
    Datetime,
    Json,
}

impl FieldType {
    /// The contract's name for the type.
    pub fn name(self) -> &'static str {
        match self {
            FieldType::Boolean => "boolean",
            FieldType::Integer => "integer",
            FieldType::Decimal => "decimal",
            FieldType::Float => "float",
            FieldType::Text => "text",
            FieldType::Date => "date",
            FieldType::Datetime => "datetime",
            FieldType::Json => "json",
        }
    }
}

/// One column of a stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: FieldType,
    pub nullable: bool,
    pub description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

impl Field {
    /// A field with no description or unit (tests, generated schemas).
    pub fn new(name: &str, kind: FieldType, nullable: bool) -> Self {
        Self {
            name: name.to_string(),
            kind,
            nullable,
            description: String::new(),
            unit: None,
        }
    }
}

/// One table a plugin produces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamSchema {
    pub name: String,
    pub description: String,
    pub fields: Vec<Field>,
    pub primary_key: Vec<String>,
}

impl StreamSchema {
    /// The position of the field called `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Whether rows stored under `other` are rows of this schema too: the
    /// same columns in the same order, with the same types, nullability
    /// and key (descriptions and units may differ), so a merge can carry
    /// them into a version of this one.
    pub fn holds_rows_of(&self, other: &StreamSchema) -> bool {
        let same_column = |(a, b): (&Field, &Field)| {
            a.name == b.name && a.kind == b.kind && a.nullable == b.nullable
        };
        self.fields.len() == other.fields.len()
            && self.fields.iter().zip(&other.fields).all(same_column)
            && self.primary_key == other.primary_key
    }

    /// Positions of the primary-key fields, in key order.
    pub fn key_positions(&self) -> Vec<usize> {
        self.primary_key
            .iter()
            .filter_map(|k| self.fields.iter().position(|f| &f.name == k))
            .collect()
    }
}

/// One configuration key a plugin reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConfigKey {
    pub name: String,
    pub description: String,
    pub required: bool,
    pub secret: bool,
}

/// What a plugin says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginInfo {
    pub id: String,
    pub version: String,
    pub description: String,
    /// The WIT contract version the plugin was built against.
    pub contract: String,
    pub profile: Option<String>,
    pub streams: Vec<StreamSchema>,
    pub config: Vec<ConfigKey>,
}

impl PluginInfo {
    /// The stream with `name`.
    pub fn stream(&self, name: &str) -> Option<&StreamSchema> {
        self.streams.iter().find(|s| s.name == name)
    }
}

/// One cell as the host keeps it. Text-carried types (decimal, date,
/// datetime, json) keep the exact text the plugin sent once validated, so
/// nothing is reformatted or rounded on the way to the published file.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Boolean(bool),
    Integer(i64),
    Decimal(String),
    Float(f64),
    Text(String),
    Date(String),
    Datetime(String),
    Json(String),
}

impl Value {
    /// The type of a non-null value.
    pub fn kind(&self) -> Option<FieldType> {
        Some(match self {
            Value::Null => return None,
            Value::Boolean(_) => FieldType::Boolean,
            Value::Integer(_) => FieldType::Integer,
            Value::Decimal(_) => FieldType::Decimal,
            Value::Float(_) => FieldType::Float,
            Value::Text(_) => FieldType::Text,
            Value::Date(_) => FieldType::Date,
            Value::Datetime(_) => FieldType::Datetime,
            Value::Json(_) => FieldType::Json,
        })
    }

    /// The value as plain text, empty for null: how it stands in a CSV
    /// cell, a row's key and its address.
    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            Value::Null => "".into(),
            Value::Boolean(b) => b.to_string().into(),
            Value::Integer(i) => i.to_string().into(),
            Value::Float(f) => f.to_string().into(),
            Value::Decimal(s)
            | Value::Text(s)
            | Value::Date(s)
            | Value::Datetime(s)
            | Value::Json(s) => s.as_str().into(),
        }
    }

    /// The bytes the value occupies, for the run's size limits.
    pub fn size(&self) -> usize {
        match self {
            Value::Null | Value::Boolean(_) => 1,
            Value::Integer(_) | Value::Float(_) => 8,
            Value::Decimal(s)
            | Value::Text(s)
            | Value::Date(s)
            | Value::Datetime(s)
            | Value::Json(s) => s.len(),
        }
    }
}

/// One row: a value per field, in the stream's field order.
pub type Row = Vec<Value>;

#[cfg(test)]
mod tests {
    use super::*;

    fn contracts(fields: Vec<Field>, key: &[&str]) -> StreamSchema {
        StreamSchema {
            name: "contracts".into(),
            description: "Contracts.".into(),
            fields,
            primary_key: key.iter().map(|k| k.to_string()).collect(),
        }
    }

    #[test]
    fn rows_carry_over_only_into_the_same_columns() {
        let id = Field::new("id", FieldType::Text, false);
        let value = Field::new("value", FieldType::Decimal, true);
        let before = contracts(vec![id.clone(), value.clone()], &["id"]);
        // Words about the table and its fields do not change its rows.
        let described = StreamSchema {
            description: "Every contract, signed or amended.".into(),
            fields: vec![
                id.clone(),
                Field {
                    description: "Contract value, VAT excluded.".into(),
                    unit: Some("EUR".into()),
                    ..value.clone()
                },
            ],
            ..before.clone()
        };
        assert!(described.holds_rows_of(&before));
        let required = Field {
            nullable: false,
            ..value.clone()
        };
        for changed in [
            contracts(vec![id.clone(), required], &["id"]),
            contracts(vec![value.clone(), id.clone()], &["id"]),
            contracts(vec![id.clone(), value.clone()], &["id", "value"]),
            contracts(vec![id.clone()], &["id"]),
            contracts(
                vec![
                    id.clone(),
                    value.clone(),
                    Field::new("lot", FieldType::Text, true),
                ],
                &["id"],
            ),
        ] {
            assert!(!changed.holds_rows_of(&before), "{changed:?}");
        }
    }
}
