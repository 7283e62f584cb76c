//! Generated bindings for each released contract version, and their
//! conversion into the host's version-independent types.
//!
//! Released WIT versions are frozen: each gets a module here generated from
//! its own folder under `wit/`, and the host adapts every version to the
//! types in [`crate::schema`]. A new contract version adds a module and an
//! arm in [`ContractVersion`]; plugins built against older versions keep
//! running unchanged.

/// The contract versions this host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractVersion {
    V0_1_0,
}

impl ContractVersion {
    /// The newest version, the one the SDK builds against.
    pub const LATEST: ContractVersion = ContractVersion::V0_1_0;

    /// Every version this host runs, oldest first.
    pub const ALL: &[ContractVersion] = &[ContractVersion::V0_1_0];

    /// The semver of the WIT package.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractVersion::V0_1_0 => "0.1.0",
        }
    }

    /// The version a component imports, from an import name such as
    /// `vitrina:plugin/sink@0.1.0`.
    pub fn from_import_name(name: &str) -> Option<Result<Self, String>> {
        let version = name.strip_prefix("vitrina:plugin/")?.split_once('@')?.1;
        Some(
            Self::ALL
                .iter()
                .copied()
                .find(|v| v.as_str() == version)
                .ok_or_else(|| version.to_string()),
        )
    }
}

/// Bindings for `vitrina:plugin@0.1.0`.
pub mod v0_1_0 {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "collector",
        imports: {
            "vitrina:plugin/fetch": async | trappable,
            default: trappable,
        },
        exports: { default: async },
        with: {
            "vitrina:plugin/fetch.body": crate::runtime::fetch::Body,
        },
    });

    use self::vitrina::plugin::types as wit;
    use super::ContractVersion;
    use crate::schema::{Field, FieldType, Value};

    impl From<wit::Cell> for Value {
        fn from(cell: wit::Cell) -> Self {
            match cell {
                wit::Cell::Null => Value::Null,
                wit::Cell::Boolean(b) => Value::Boolean(b),
                wit::Cell::Integer(i) => Value::Integer(i),
                wit::Cell::Decimal(s) => Value::Decimal(s),
                wit::Cell::Float(f) => Value::Float(f),
                wit::Cell::Text(s) => Value::Text(s),
                wit::Cell::Date(s) => Value::Date(s),
                wit::Cell::Datetime(s) => Value::Datetime(s),
                wit::Cell::Json(s) => Value::Json(s),
            }
        }
    }

    impl From<wit::FieldType> for FieldType {
        fn from(kind: wit::FieldType) -> Self {
            match kind {
                wit::FieldType::Boolean => FieldType::Boolean,
                wit::FieldType::Integer => FieldType::Integer,
                wit::FieldType::Decimal => FieldType::Decimal,
                wit::FieldType::Float => FieldType::Float,
                wit::FieldType::Text => FieldType::Text,
                wit::FieldType::Date => FieldType::Date,
                wit::FieldType::Datetime => FieldType::Datetime,
                wit::FieldType::Json => FieldType::Json,
            }
        }
    }

    /// The plugin's description in the host's terms.
    pub fn plugin_info(info: wit::PluginInfo) -> crate::schema::PluginInfo {
        crate::schema::PluginInfo {
            id: info.id,
            version: info.version,
            description: info.description,
            contract: ContractVersion::V0_1_0.as_str().to_string(),
            profile: info.profile,
            streams: info.streams.into_iter().map(stream_schema).collect(),
            config: info
                .config
                .into_iter()
                .map(|k| crate::schema::ConfigKey {
                    name: k.name,
                    description: k.description,
                    required: k.required,
                    secret: k.secret,
                })
                .collect(),
        }
    }

    fn stream_schema(s: wit::StreamSchema) -> crate::schema::StreamSchema {
        crate::schema::StreamSchema {
            name: s.name,
            description: s.description,
            fields: s
                .fields
                .into_iter()
                .map(|f| Field {
                    name: f.name,
                    kind: f.kind.into(),
                    nullable: f.nullable,
                    description: f.description,
                    unit: f.unit,
                })
                .collect(),
            primary_key: s.primary_key,
        }
    }
}
