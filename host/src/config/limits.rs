//! Run limits and fetch caps: defaults, daemon-wide settings, and
//! per-dataset overrides.
//!
//! A plugin gets exactly what its dataset allows: an interpreted-language
//! plugin may need far more memory than a small Rust one, and a 1 GB export
//! needs a larger response cap than a web page. So every limit can be set
//! per dataset; the daemon-wide values in `vitrina.toml` are the defaults.

use std::time::Duration;

use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;

/// Limits on one run of a plugin.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// CPU time the plugin's own code may use (host calls excluded).
    pub cpu_seconds: f64,
    /// The plugin's linear memory.
    pub memory_mib: u64,
    /// The whole run, host calls (fetches) included.
    pub wall_clock_seconds: f64,
    /// Rows emitted, all streams together.
    pub max_rows: u64,
    /// Bytes emitted (cell contents), all streams together.
    pub max_bytes_mib: u64,
    /// The size of one row.
    pub max_row_kib: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            cpu_seconds: 120.0,
            memory_mib: 256,
            wall_clock_seconds: 900.0,
            max_rows: 10_000_000,
            max_bytes_mib: 4096,
            max_row_kib: 1024,
        }
    }
}

impl Limits {
    /// The CPU limit as a duration.
    pub fn cpu(&self) -> Duration {
        Duration::from_secs_f64(self.cpu_seconds)
    }

    /// The wall-clock limit as a duration.
    pub fn wall_clock(&self) -> Duration {
        Duration::from_secs_f64(self.wall_clock_seconds)
    }

    /// The memory limit in bytes.
    pub fn memory_bytes(&self) -> u64 {
        self.memory_mib * MIB
    }

    /// The emitted-bytes limit in bytes.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes_mib * MIB
    }

    /// The row-size limit in bytes.
    pub fn max_row_bytes(&self) -> u64 {
        self.max_row_kib * 1024
    }

    /// These limits with a dataset's overrides applied.
    pub fn with(&self, o: &LimitOverrides) -> Limits {
        Limits {
            cpu_seconds: o.cpu_seconds.unwrap_or(self.cpu_seconds),
            memory_mib: o.memory_mib.unwrap_or(self.memory_mib),
            wall_clock_seconds: o.wall_clock_seconds.unwrap_or(self.wall_clock_seconds),
            max_rows: o.max_rows.unwrap_or(self.max_rows),
            max_bytes_mib: o.max_bytes_mib.unwrap_or(self.max_bytes_mib),
            max_row_kib: o.max_row_kib.unwrap_or(self.max_row_kib),
        }
    }

    /// Rejects limits that cannot work, with the reason.
    pub fn validate(&self) -> Result<(), String> {
        let positive = |name: &str, value: f64| {
            (value.is_finite() && value > 0.0)
                .then_some(())
                .ok_or_else(|| {
                    format!("limits.{name} must be a positive number of seconds, not {value}")
                })
        };
        positive("cpu_seconds", self.cpu_seconds)?;
        positive("wall_clock_seconds", self.wall_clock_seconds)?;
        if !(1..=MAX_MEMORY_MIB).contains(&self.memory_mib) {
            return Err(format!(
                "limits.memory_mib must be between 1 and {MAX_MEMORY_MIB}, not {}",
                self.memory_mib
            ));
        }
        Ok(())
    }
}

/// The most memory any plugin may be given; the engine's memory pool is
/// sized for it.
pub const MAX_MEMORY_MIB: u64 = 4096;

/// A dataset's `[limits]`: each key overrides the daemon-wide value.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LimitOverrides {
    pub cpu_seconds: Option<f64>,
    pub memory_mib: Option<u64>,
    pub wall_clock_seconds: Option<f64>,
    pub max_rows: Option<u64>,
    pub max_bytes_mib: Option<u64>,
    pub max_row_kib: Option<u64>,
}

impl LimitOverrides {
    /// Rejects overrides that cannot work, whatever the daemon-wide values.
    pub fn validate(&self) -> Result<(), String> {
        Limits::default().with(self).validate()
    }
}

/// Caps on every fetch a plugin makes.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FetchLimits {
    /// The largest response body, after decompression.
    pub max_response_mib: u64,
    pub connect_timeout_seconds: f64,
    /// From sending the request to the response headers.
    pub first_byte_timeout_seconds: f64,
    /// From sending the request to the last byte of the body.
    pub total_timeout_seconds: f64,
    pub max_redirects: u32,
    /// Politeness: at most this many requests per second to one source
    /// host, counted over every run of the daemon (0 = no limit).
    pub host_requests_per_second: f64,
    /// Requests in one run, redirect hops included.
    pub max_requests: u64,
    /// Body bytes one run may read over all its fetches.
    pub max_total_mib: u64,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            max_response_mib: 256,
            connect_timeout_seconds: 10.0,
            first_byte_timeout_seconds: 30.0,
            total_timeout_seconds: 300.0,
            max_redirects: 5,
            host_requests_per_second: 4.0,
            max_requests: 100_000,
            max_total_mib: 8192,
        }
    }
}

impl FetchLimits {
    pub fn max_response_bytes(&self) -> u64 {
        self.max_response_mib * MIB
    }

    /// The bytes one run may read over all its fetches.
    pub fn max_total_bytes(&self) -> u64 {
        self.max_total_mib.saturating_mul(MIB)
    }

    /// Rejects caps that cannot work.
    pub fn validate(&self) -> Result<(), String> {
        let rate = self.host_requests_per_second;
        if !rate.is_finite() || rate < 0.0 {
            return Err(format!(
                "host_requests_per_second = {rate}: give a rate of 0 (no limit) or more"
            ));
        }
        for (name, value) in [
            ("connect_timeout_seconds", self.connect_timeout_seconds),
            (
                "first_byte_timeout_seconds",
                self.first_byte_timeout_seconds,
            ),
            ("total_timeout_seconds", self.total_timeout_seconds),
        ] {
            if !value.is_finite() || value <= 0.0 {
                return Err(format!(
                    "{name} = {value}: give a positive number of seconds"
                ));
            }
        }
        Ok(())
    }

    /// The least time between two requests to one host; zero for no limit.
    pub fn host_interval(&self) -> Duration {
        if self.host_requests_per_second > 0.0 {
            Duration::from_secs_f64(1.0 / self.host_requests_per_second)
        } else {
            Duration::ZERO
        }
    }

    pub fn connect_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.connect_timeout_seconds.max(0.001))
    }

    pub fn first_byte_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.first_byte_timeout_seconds.max(0.001))
    }

    pub fn total_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.total_timeout_seconds.max(0.001))
    }
}

/// A dataset's fetch caps: each key overrides the daemon-wide value.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FetchOverrides {
    pub max_response_mib: Option<u64>,
    pub connect_timeout_seconds: Option<f64>,
    pub first_byte_timeout_seconds: Option<f64>,
    pub total_timeout_seconds: Option<f64>,
    pub max_redirects: Option<u32>,
    pub host_requests_per_second: Option<f64>,
    pub max_requests: Option<u64>,
    pub max_total_mib: Option<u64>,
}

impl FetchLimits {
    /// These caps with a dataset's overrides applied.
    pub fn with(&self, o: &FetchOverrides) -> FetchLimits {
        FetchLimits {
            max_response_mib: o.max_response_mib.unwrap_or(self.max_response_mib),
            connect_timeout_seconds: o
                .connect_timeout_seconds
                .unwrap_or(self.connect_timeout_seconds),
            first_byte_timeout_seconds: o
                .first_byte_timeout_seconds
                .unwrap_or(self.first_byte_timeout_seconds),
            total_timeout_seconds: o
                .total_timeout_seconds
                .unwrap_or(self.total_timeout_seconds),
            max_redirects: o.max_redirects.unwrap_or(self.max_redirects),
            host_requests_per_second: o
                .host_requests_per_second
                .unwrap_or(self.host_requests_per_second),
            max_requests: o.max_requests.unwrap_or(self.max_requests),
            max_total_mib: o.max_total_mib.unwrap_or(self.max_total_mib),
        }
    }
}
