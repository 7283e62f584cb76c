//! Standard formats for published data.
//!
//! Partner networks do not read Vitrina's own row format: procurement
//! portals harvest OCDS release packages, budget tools read Fiscal Data
//! Packages, parliamentary-monitoring tools read Popolo, and data portals
//! read Frictionless Data Packages. Each module here turns the rows of one
//! published version, in the JSON shape the rows API serves (decimals as
//! strings, JSON cells embedded, null for missing), into one of those
//! formats. The functions are pure: the host decides where the results are
//! stored and served, and the tests validate them against the standards'
//! official schemas.

pub mod datapackage;
pub mod fdp;
pub mod licences;
pub mod ocds;
pub mod popolo;

use chrono::{DateTime, Utc};

/// One row as the rows API serves it.
pub type Row = serde_json::Map<String, serde_json::Value>;

/// The version being rendered and where it is published.
#[derive(Debug, Clone)]
pub struct Publication {
    /// The dataset's id (`burgas-procurements`).
    pub dataset: String,
    pub title: String,
    pub description: String,
    /// Who publishes the data (`Община Бургас / Municipality of Burgas`).
    pub publisher: String,
    /// SPDX id of the data's license (`CC-BY-4.0`).
    pub license: String,
    /// The version's number.
    pub version: u64,
    /// When the version was published.
    pub published_at: DateTime<Utc>,
    /// The absolute URL of the version's folder of downloads, ending in `/`
    /// (`https://data.burgas.bg/api/v1/datasets/burgas-budget/versions/3/`).
    pub version_url: String,
}
