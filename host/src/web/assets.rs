//! The pages' static files (style sheet, script, the vendored chart
//! library), embedded in the binary and served under names that carry a
//! hash of their content.
//!
//! A hashed name never changes meaning, so every asset is served
//! `immutable` for a year and a new release's pages simply name new
//! files: no run-time download, no CDN, no stale script after an upgrade.

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

/// One embedded file.
pub struct Asset {
    /// The name pages use: `site.1a2b3c4d.css`.
    pub name: String,
    pub content_type: &'static str,
    pub body: &'static [u8],
    /// A strong ETag (the same hash as the name, and then some).
    pub etag: String,
}

/// The files, by the key templates know them by.
const FILES: &[(&str, &str, &[u8])] = &[
    (
        "site.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/site.css"),
    ),
    (
        "site.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/site.js"),
    ),
    (
        "uplot.js",
        "text/javascript; charset=utf-8",
        include_bytes!("assets/vendor/uplot-1.6.32/uPlot.iife.min.js"),
    ),
    (
        "uplot.css",
        "text/css; charset=utf-8",
        include_bytes!("assets/vendor/uplot-1.6.32/uPlot.min.css"),
    ),
];

/// Every asset, keyed as in [`FILES`].
pub fn all() -> &'static [(&'static str, Asset)] {
    static ASSETS: OnceLock<Vec<(&'static str, Asset)>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        FILES
            .iter()
            .map(|(key, content_type, body)| {
                let hash = hex::encode(Sha256::digest(body));
                let (stem, extension) = key.rsplit_once('.').unwrap_or((key, ""));
                let asset = Asset {
                    name: format!("{stem}.{}.{extension}", &hash[..12]),
                    content_type,
                    body,
                    etag: format!("\"{}\"", &hash[..32]),
                };
                (*key, asset)
            })
            .collect()
    })
}

/// The asset served at `/assets/{name}`.
pub fn by_name(name: &str) -> Option<&'static Asset> {
    all().iter().map(|(_, a)| a).find(|a| a.name == name)
}

/// Key → URL path, for templates.
pub fn urls() -> std::collections::BTreeMap<&'static str, String> {
    all()
        .iter()
        .map(|(key, asset)| (*key, format!("/assets/{}", asset.name)))
        .collect()
}
