//! The Rust SDK for Vitrina collector plugins.
//!
//! A plugin collects one dataset from a municipal source and streams typed
//! rows to the host. With this SDK a plugin author writes only parsing and
//! mapping code: implement [`Plugin`], describe the streams with
//! [`StreamSchema`] builders, build rows by field name with [`Run::row`],
//! and export the type with [`export_plugin!`]. The SDK takes care of the
//! WIT bindings, batching rows into the host's sink, fetching through the
//! host with charset handling, and logging.
//!
//! ```ignore
//! use vitrina_sdk::prelude::*;
//!
//! struct Hello;
//!
//! impl Plugin for Hello {
//!     fn describe() -> PluginInfo {
//!         PluginInfo::new("hello", env!("CARGO_PKG_VERSION"), "Says hello.")
//!             .stream(StreamSchema::new("greetings", "One greeting.")
//!                 .field(Field::text("id", "Greeting id.").key())
//!                 .field(Field::text("text", "The greeting.")))
//!     }
//!
//!     fn collect(run: &mut Run) -> Result<(), Error> {
//!         run.emit(run.row("greetings").set("id", "1").set("text", "Здравей"))
//!     }
//! }
//!
//! vitrina_sdk::export_plugin!(Hello);
//! ```
//!
//! # Layout
//! - [`schema`]: plugin, stream and field descriptions.
//! - [`row`]: values and rows built by field name.
//! - [`run`]: the run context: config, state, buffered sink, warnings.
//! - [`fetch`]: HTTP through the host, read as bytes, text or JSON.
//! - [`log`]: logging into the run log.
//! - [`error`]: the typed error a plugin returns.

// The generated bindings refer to the SDK by its crate name, also from
// inside the SDK itself.
extern crate self as vitrina_sdk;

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/v0.2.0",
        world: "collector",
        pub_export_macro: true,
        export_macro_name: "__export_collector",
        default_bindings_module: "vitrina_sdk::bindings",
        runtime_path: "vitrina_sdk::__private::wit_bindgen::rt",
    });
}

pub mod error;
pub mod fetch;
pub mod log;
pub mod profile;
pub mod row;
pub mod run;
pub mod schema;

#[doc(hidden)]
pub mod __private {
    pub use wit_bindgen;

    pub use crate::run::{check_entry, collect_entry, describe_entry};
}

pub use error::Error;
pub use row::{Row, Value};
pub use run::{Check, Run};
pub use schema::{ConfigKey, Field, FieldType, PluginInfo, StreamSchema};
pub use vitrina_normalize as normalize;
pub use vitrina_normalize::{Decimal, NaiveDate};

/// The version of the WIT contract this SDK builds plugins against.
pub const CONTRACT_VERSION: &str = "0.2.0";

/// Everything a plugin usually imports.
pub mod prelude {
    pub use crate::error::Error;
    pub use crate::fetch::{self, Request, Response};
    pub use crate::row::{Row, Value};
    pub use crate::run::{Check, Run};
    pub use crate::schema::{ConfigKey, Field, FieldType, PluginInfo, StreamSchema};
    pub use crate::{Decimal, NaiveDate, Plugin};
    pub use crate::{debug, error, info, warn};
}

/// A collector plugin. Implement it on a unit struct and export it with
/// [`export_plugin!`].
pub trait Plugin {
    /// Describes the plugin: id, version, streams, profile, config keys.
    /// Called by the host once per plugin build, and by the SDK at the start
    /// of each run to know the streams' fields. Must not fetch.
    fn describe() -> PluginInfo;

    /// Checks the configuration and that the source answers, without
    /// collecting. By default it checks that every required config key is set.
    fn check(check: &mut Check) -> Result<(), Error> {
        check.require_config()
    }

    /// Collects the dataset, emitting rows through `run`. Rows still
    /// buffered when this returns `Ok` are flushed by the SDK.
    fn collect(run: &mut Run) -> Result<(), Error>;
}

/// Exports a [`Plugin`] implementation as the component's `collector` world.
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        #[doc(hidden)]
        struct __VitrinaExport;

        impl $crate::bindings::Guest for __VitrinaExport {
            fn describe() -> $crate::bindings::vitrina::plugin::types::PluginInfo {
                $crate::__private::describe_entry::<$plugin>()
            }

            fn check() -> ::core::result::Result<
                $crate::bindings::vitrina::plugin::types::CheckReport,
                $crate::bindings::vitrina::plugin::types::CollectError,
            > {
                $crate::__private::check_entry::<$plugin>()
            }

            fn collect(
                ctx: $crate::bindings::vitrina::plugin::types::RunContext,
            ) -> ::core::result::Result<
                $crate::bindings::vitrina::plugin::types::RunSummary,
                $crate::bindings::vitrina::plugin::types::CollectError,
            > {
                $crate::__private::collect_entry::<$plugin>(ctx)
            }
        }

        $crate::bindings::__export_collector!(__VitrinaExport with_types_in $crate::bindings);
    };
}
