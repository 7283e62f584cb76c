//! The plugin contract, version by version: generated bindings for each
//! released WIT package, and one adapter per version onto the host's own
//! types and the one implementation of every import in [`RunState`].
//!
//! Released versions are frozen (`wit/v0.1.0`, `wit/v0.2.0`). A component
//! says which one it was built against by the package of its imports; the
//! linker holds every version's imports side by side, and [`CollectorPre`]
//! calls the exports through the bindings of the component's own version.
//! A plugin built against 0.1.0 keeps running unchanged while new plugins
//! use what 0.2.0 adds. A new version adds a module here, an arm in each
//! enum, and nothing elsewhere: validation, storage and publishing see only
//! [`crate::schema`].
//!
//! The imports both versions share are written once, by
//! [`shared_imports!`], over each version's generated types; each module
//! adds only what its version has of its own.

use wasmtime::Store;
use wasmtime::component::{HasSelf, InstancePre, Linker};

use super::Trigger;
use super::host::RunState;
use super::report::{FailureKind, RunFailure};
use crate::schema::PluginInfo;

mod v0_1_0;
mod v0_2_0;

/// The contract versions this host runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContractVersion {
    V0_1_0,
    V0_2_0,
}

impl ContractVersion {
    /// The newest version, the one the SDKs build against.
    pub const LATEST: ContractVersion = ContractVersion::V0_2_0;

    /// Every version this host runs, oldest first.
    pub const ALL: &[ContractVersion] = &[ContractVersion::V0_1_0, ContractVersion::V0_2_0];

    /// The semver of the WIT package.
    pub fn as_str(self) -> &'static str {
        match self {
            ContractVersion::V0_1_0 => "0.1.0",
            ContractVersion::V0_2_0 => "0.2.0",
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

/// Adds every version's imports to the linker.
pub fn add_to_linker(linker: &mut Linker<RunState>) -> wasmtime::Result<()> {
    v0_1_0::Collector::add_to_linker::<_, HasSelf<RunState>>(linker, |state| state)?;
    v0_2_0::Collector::add_to_linker::<_, HasSelf<RunState>>(linker, |state| state)
}

/// What the host tells a plugin about the run it starts.
pub struct RunContext {
    pub run_id: String,
    pub dataset: String,
    pub trigger: Trigger,
    pub full_refresh: bool,
}

/// A component linked and ready to instantiate, with the bindings of the
/// contract version it was built against.
pub enum CollectorPre {
    V0_1_0(v0_1_0::CollectorPre<RunState>),
    V0_2_0(v0_2_0::CollectorPre<RunState>),
}

impl CollectorPre {
    pub fn new(version: ContractVersion, pre: InstancePre<RunState>) -> wasmtime::Result<Self> {
        Ok(match version {
            ContractVersion::V0_1_0 => Self::V0_1_0(v0_1_0::CollectorPre::new(pre)?),
            ContractVersion::V0_2_0 => Self::V0_2_0(v0_2_0::CollectorPre::new(pre)?),
        })
    }

    /// A fresh instance's `describe`, in the host's terms.
    pub async fn describe(&self, store: &mut Store<RunState>) -> wasmtime::Result<PluginInfo> {
        Ok(match self {
            Self::V0_1_0(pre) => {
                let info = pre.instantiate_async(&mut *store).await?;
                v0_1_0::plugin_info(info.call_describe(store).await?)
            }
            Self::V0_2_0(pre) => {
                let info = pre.instantiate_async(&mut *store).await?;
                v0_2_0::plugin_info(info.call_describe(store).await?)
            }
        })
    }

    /// A fresh instance's `check`: the plugin's notes, or why it failed.
    pub async fn check(
        &self,
        store: &mut Store<RunState>,
    ) -> wasmtime::Result<Result<Vec<String>, RunFailure>> {
        Ok(match self {
            Self::V0_1_0(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                let checked = instance.call_check(store).await?;
                checked.map(|r| r.messages).map_err(v0_1_0::failure)
            }
            Self::V0_2_0(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                let checked = instance.call_check(store).await?;
                checked.map(|r| r.messages).map_err(v0_2_0::failure)
            }
        })
    }

    /// A fresh instance's `collect`: its warnings, or why it failed.
    pub async fn collect(
        &self,
        store: &mut Store<RunState>,
        context: RunContext,
    ) -> wasmtime::Result<Result<Vec<String>, RunFailure>> {
        Ok(match self {
            Self::V0_1_0(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                let collected = instance
                    .call_collect(store, &v0_1_0::run_context(context))
                    .await?;
                collected.map(|s| s.warnings).map_err(v0_1_0::failure)
            }
            Self::V0_2_0(pre) => {
                let instance = pre.instantiate_async(&mut *store).await?;
                let collected = instance
                    .call_collect(store, &v0_2_0::run_context(context))
                    .await?;
                collected.map(|s| s.warnings).map_err(v0_2_0::failure)
            }
        })
    }
}

/// The failure a plugin reports, by the kind it chose.
fn plugin_failure(kind: FailureKind, message: String) -> RunFailure {
    RunFailure::new(kind, message)
}

/// The imports and conversions every version has in the same shape,
/// written once over a version's generated module: the types, `log`,
/// `config`, `state`, `fetch` and the shared parts of `sink`.
macro_rules! shared_imports {
    () => {
        use self::vitrina::plugin::{config, fetch, log, state, types};
        use crate::runtime::Trigger;
        use crate::runtime::contract::{RunContext as HostContext, plugin_failure};
        use crate::runtime::fetch::{Body, FetchErrorKind, FetchFailure, Request};
        use crate::runtime::host::{Refusal, RunState};
        use crate::runtime::report::{FailureKind, LogLevel, RunFailure};
        use crate::schema::{Field, FieldType, Row, Value};
        use wasmtime::component::Resource;

        impl From<types::Cell> for Value {
            fn from(cell: types::Cell) -> Self {
                match cell {
                    types::Cell::Null => Value::Null,
                    types::Cell::Boolean(b) => Value::Boolean(b),
                    types::Cell::Integer(i) => Value::Integer(i),
                    types::Cell::Decimal(s) => Value::Decimal(s),
                    types::Cell::Float(f) => Value::Float(f),
                    types::Cell::Text(s) => Value::Text(s),
                    types::Cell::Date(s) => Value::Date(s),
                    types::Cell::Datetime(s) => Value::Datetime(s),
                    types::Cell::Json(s) => Value::Json(s),
                }
            }
        }

        impl From<types::FieldType> for FieldType {
            fn from(kind: types::FieldType) -> Self {
                match kind {
                    types::FieldType::Boolean => FieldType::Boolean,
                    types::FieldType::Integer => FieldType::Integer,
                    types::FieldType::Decimal => FieldType::Decimal,
                    types::FieldType::Float => FieldType::Float,
                    types::FieldType::Text => FieldType::Text,
                    types::FieldType::Date => FieldType::Date,
                    types::FieldType::Datetime => FieldType::Datetime,
                    types::FieldType::Json => FieldType::Json,
                }
            }
        }

        fn rows(rows: Vec<types::Row>) -> Vec<Row> {
            rows.into_iter()
                .map(|row| row.into_iter().map(Value::from).collect())
                .collect()
        }

        /// The plugin's description in the host's terms.
        pub fn plugin_info(info: types::PluginInfo) -> crate::schema::PluginInfo {
            crate::schema::PluginInfo {
                id: info.id,
                version: info.version,
                description: info.description,
                contract: VERSION.as_str().to_string(),
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

        fn stream_schema(s: types::StreamSchema) -> crate::schema::StreamSchema {
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

        /// The run's context in this version's terms.
        pub fn run_context(context: HostContext) -> types::RunContext {
            types::RunContext {
                run_id: context.run_id,
                dataset: context.dataset,
                trigger: match context.trigger {
                    Trigger::Schedule => types::Trigger::Schedule,
                    Trigger::Startup => types::Trigger::Startup,
                    Trigger::Manual => types::Trigger::Manual,
                    Trigger::Retry => types::Trigger::Retry,
                },
                full_refresh: context.full_refresh,
            }
        }

        /// Why the plugin says it could not collect.
        pub fn failure(error: types::CollectError) -> RunFailure {
            use types::CollectError as E;
            let (kind, message) = match error {
                E::Config(m) => (FailureKind::Config, m),
                E::SourceUnavailable(m) => (FailureKind::SourceUnavailable, m),
                E::SourceChanged(m) => (FailureKind::SourceChanged, m),
                E::Denied(m) => (FailureKind::Denied, m),
                E::Internal(m) => (FailureKind::PluginError, m),
            };
            plugin_failure(kind, message)
        }

        fn sink_error(refused: Result<(), Refusal>) -> Result<(), sink::SinkError> {
            refused.map_err(|r| sink::SinkError { message: r.message })
        }

        impl types::Host for RunState {}

        impl log::Host for RunState {
            fn log(
                &mut self,
                level: types::LogLevel,
                message: String,
                fields: Vec<(String, String)>,
            ) -> wasmtime::Result<()> {
                let level = match level {
                    types::LogLevel::Trace => LogLevel::Trace,
                    types::LogLevel::Debug => LogLevel::Debug,
                    types::LogLevel::Info => LogLevel::Info,
                    types::LogLevel::Warn => LogLevel::Warn,
                    types::LogLevel::Error => LogLevel::Error,
                };
                self.plugin_log(level, message, fields)
            }
        }

        impl config::Host for RunState {
            fn get(&mut self, key: String) -> wasmtime::Result<Option<String>> {
                self.config_value(&key)
            }

            fn get_secret(&mut self, key: String) -> wasmtime::Result<Option<String>> {
                self.secret_value(&key)
            }
        }

        impl state::Host for RunState {
            fn get(&mut self, stream: String) -> wasmtime::Result<Option<String>> {
                self.bookmark(&stream)
            }
        }

        fn fetch_error(failure: FetchFailure) -> fetch::FetchError {
            let kind = match failure.kind {
                FetchErrorKind::Denied => fetch::FetchErrorKind::Denied,
                FetchErrorKind::InvalidUrl => fetch::FetchErrorKind::InvalidUrl,
                FetchErrorKind::Timeout => fetch::FetchErrorKind::Timeout,
                FetchErrorKind::TooLarge => fetch::FetchErrorKind::TooLarge,
                FetchErrorKind::Unreachable => fetch::FetchErrorKind::Unreachable,
                FetchErrorKind::Protocol => fetch::FetchErrorKind::Protocol,
                FetchErrorKind::NotFound => fetch::FetchErrorKind::NotFound,
            };
            fetch::FetchError {
                kind,
                message: failure.message,
            }
        }

        impl fetch::Host for RunState {
            async fn fetch(
                &mut self,
                request: fetch::Request,
            ) -> wasmtime::Result<Result<fetch::Response, fetch::FetchError>> {
                let request = Request {
                    method: request.method,
                    url: request.url,
                    headers: request.headers,
                    body: request.body,
                };
                Ok(self
                    .fetch_for_plugin(request)
                    .await?
                    .map(|response| fetch::Response {
                        status: response.status,
                        url: response.url,
                        headers: response.headers,
                        body: response.body,
                    })
                    .map_err(fetch_error))
            }
        }

        impl fetch::HostBody for RunState {
            async fn read(
                &mut self,
                body: Resource<Body>,
                max_bytes: u32,
            ) -> wasmtime::Result<Result<Vec<u8>, fetch::FetchError>> {
                Ok(self.read_body(body, max_bytes).await?.map_err(fetch_error))
            }

            async fn drop(&mut self, body: Resource<Body>) -> wasmtime::Result<()> {
                self.drop_body(body)
            }
        }
    };
}
use shared_imports;
