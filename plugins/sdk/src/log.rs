//! Logging into the run log.
//!
//! Lines go to the host, which keeps them with the run's history and shows
//! them in `vitrina run`. Use the macros for plain messages and
//! [`with_fields`] when a line should carry key-value context (`url`, `row`).

pub use crate::bindings::vitrina::plugin::types::LogLevel as Level;

/// Logs `message` at `level` with key-value context.
pub fn with_fields(level: Level, message: &str, fields: &[(&str, &str)]) {
    let fields: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    crate::bindings::vitrina::plugin::log::log(level, message, &fields);
}

/// Logs `message` at `level`.
pub fn message(level: Level, message: &str) {
    crate::bindings::vitrina::plugin::log::log(level, message, &[]);
}

/// Logs a debug line: `debug!("parsed {n} rows")`.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)*) => { $crate::log::message($crate::log::Level::Debug, &format!($($arg)*)) };
}

/// Logs an info line: `info!("fetched {url}")`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)*) => { $crate::log::message($crate::log::Level::Info, &format!($($arg)*)) };
}

/// Logs a warning line. To also report it in the run summary, use `Run::warn`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)*) => { $crate::log::message($crate::log::Level::Warn, &format!($($arg)*)) };
}

/// Logs an error line.
#[macro_export]
macro_rules! error {
    ($($arg:tt)*) => { $crate::log::message($crate::log::Level::Error, &format!($($arg)*)) };
}
