//! Describing a plugin: its streams, their typed fields, the primary key, the
//! profile it claims and the configuration it reads.
//!
//! These builders produce the contract's `plugin-info`. The host checks the
//! description before the first row (names well-formed, primary key present
//! and non-nullable, profile fields present) and validates every row against
//! it; the SDK uses the same description to build rows by field name.

use crate::bindings::vitrina::plugin::types as wit;

pub use wit::FieldType;

/// One column of a stream.
#[derive(Debug, Clone)]
pub struct Field {
    pub(crate) name: String,
    pub(crate) kind: FieldType,
    pub(crate) nullable: bool,
    pub(crate) key: bool,
    pub(crate) description: String,
    pub(crate) unit: Option<String>,
}

macro_rules! field_constructors {
    ($($fn_name:ident => $kind:ident),* $(,)?) => {
        $(
            #[doc = concat!("A non-nullable `", stringify!($fn_name), "` field.")]
            pub fn $fn_name(name: &str, description: &str) -> Self {
                Self::new(name, FieldType::$kind, description)
            }
        )*
    };
}

impl Field {
    /// A non-nullable field of the given type.
    pub fn new(name: &str, kind: FieldType, description: &str) -> Self {
        Self {
            name: name.to_string(),
            kind,
            nullable: false,
            key: false,
            description: description.to_string(),
            unit: None,
        }
    }

    field_constructors! {
        boolean => Boolean,
        integer => Integer,
        decimal => Decimal,
        float => Float,
        text => Text,
        date => Date,
        datetime => Datetime,
        json => Json,
    }

    /// Allows `null` in this field.
    pub fn nullable(mut self) -> Self {
        self.nullable = true;
        self
    }

    /// Makes the field part of the stream's primary key, in declaration order.
    pub fn key(mut self) -> Self {
        self.key = true;
        self
    }

    /// The unit of a numeric field (`BGN`, `EUR`, `months`).
    pub fn unit(mut self, unit: &str) -> Self {
        self.unit = Some(unit.to_string());
        self
    }

    /// The field's machine name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The field's type.
    pub fn kind(&self) -> FieldType {
        self.kind
    }

    /// Whether the field may be null.
    pub fn is_nullable(&self) -> bool {
        self.nullable
    }

    /// Whether the field is part of the stream's primary key.
    pub fn is_key(&self) -> bool {
        self.key
    }

    fn to_wit(&self) -> wit::Field {
        wit::Field {
            name: self.name.clone(),
            kind: self.kind,
            nullable: self.nullable,
            description: self.description.clone(),
            unit: self.unit.clone(),
        }
    }
}

/// One table the plugin produces.
#[derive(Debug, Clone)]
pub struct StreamSchema {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) fields: Vec<Field>,
}

impl StreamSchema {
    /// A stream whose fields come from the source: described so, and
    /// declared with [`crate::Run::declare`] during the run, before its
    /// first row (a harvester learns a portal's columns only then).
    pub fn from_source(name: &str, description: &str) -> Self {
        Self::new(name, description)
    }

    /// A stream with no fields yet.
    pub fn new(name: &str, description: &str) -> Self {
        Self {
            name: name.to_string(),
            description: description.to_string(),
            fields: Vec::new(),
        }
    }

    /// Adds a field; fields are kept in the order added.
    pub fn field(mut self, field: Field) -> Self {
        self.fields.push(field);
        self
    }

    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The stream's fields, in row order.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The position of a field in the row, by name.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    pub(crate) fn to_wit(&self) -> wit::StreamSchema {
        wit::StreamSchema {
            name: self.name.clone(),
            description: self.description.clone(),
            fields: self.fields.iter().map(Field::to_wit).collect(),
            primary_key: self
                .fields
                .iter()
                .filter(|f| f.key)
                .map(|f| f.name.clone())
                .collect(),
        }
    }
}

/// One configuration key the plugin reads from `[config]` in `dataset.toml`.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) required: bool,
    pub(crate) secret: bool,
}

impl ConfigKey {
    /// A required key.
    pub fn required(name: &str, description: &str) -> Self {
        Self {
            name: name.to_string(),
            description: description.to_string(),
            required: true,
            secret: false,
        }
    }

    /// An optional key.
    pub fn optional(name: &str, description: &str) -> Self {
        Self {
            required: false,
            ..Self::required(name, description)
        }
    }

    /// Marks the key as a secret: read it with `Run::secret`; never logged.
    pub fn secret(mut self) -> Self {
        self.secret = true;
        self
    }
}

/// What a plugin says about itself.
#[derive(Debug, Clone)]
pub struct PluginInfo {
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) description: String,
    pub(crate) profile: Option<String>,
    pub(crate) streams: Vec<StreamSchema>,
    pub(crate) config: Vec<ConfigKey>,
}

impl PluginInfo {
    /// A plugin with no streams yet. Pass `env!("CARGO_PKG_VERSION")` as the version.
    pub fn new(id: &str, version: &str, description: &str) -> Self {
        Self {
            id: id.to_string(),
            version: version.to_string(),
            description: description.to_string(),
            profile: None,
            streams: Vec::new(),
            config: Vec::new(),
        }
    }

    /// Claims a canonical profile (`budget`, `decision`, `procurement`, `project`).
    pub fn profile(mut self, profile: &str) -> Self {
        self.profile = Some(profile.to_string());
        self
    }

    /// Adds a stream.
    pub fn stream(mut self, stream: StreamSchema) -> Self {
        self.streams.push(stream);
        self
    }

    /// Adds a configuration key.
    pub fn config(mut self, key: ConfigKey) -> Self {
        self.config.push(key);
        self
    }

    /// The declared streams.
    pub fn streams(&self) -> &[StreamSchema] {
        &self.streams
    }

    /// The declared configuration keys.
    pub fn config_keys(&self) -> &[ConfigKey] {
        &self.config
    }

    pub(crate) fn to_wit(&self) -> wit::PluginInfo {
        wit::PluginInfo {
            id: self.id.clone(),
            version: self.version.clone(),
            description: self.description.clone(),
            profile: self.profile.clone(),
            streams: self.streams.iter().map(StreamSchema::to_wit).collect(),
            config: self
                .config
                .iter()
                .map(|k| wit::ConfigKey {
                    name: k.name.clone(),
                    description: k.description.clone(),
                    required: k.required,
                    secret: k.secret,
                })
                .collect(),
        }
    }
}
