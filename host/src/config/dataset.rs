//! `dataset.toml`: what a dataset is, which plugin collects it, which hosts
//! that plugin may reach, and its configuration.
//!
//! The fetch allowlist is parsed here into [`AllowRule`]s once, so a typo
//! (a host without its scheme, a path where a host belongs) is reported when
//! the configuration is read, not when the first fetch is refused at 3 a.m.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use url::Url;

use super::{ConfigError, FetchOverrides, LimitOverrides, parse_toml_file};

/// The data themes of the EU vocabulary DCAT-AP uses
/// (<http://publications.europa.eu/resource/authority/data-theme>).
pub const THEMES: &[&str] = &[
    "AGRI",
    "ECON",
    "EDUC",
    "ENER",
    "ENVI",
    "GOVE",
    "HEAL",
    "INTR",
    "JUST",
    "REGI",
    "SOCI",
    "TECH",
    "TRAN",
    "OP_DATPRO",
];

/// A dataset, from `datasets/<id>/dataset.toml`.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetConfig {
    /// The folder name: lowercase letters, digits and `-`.
    pub id: String,
    pub title: String,
    pub description: String,
    /// DCAT-AP data themes, by their codes in the EU vocabulary.
    pub theme: Vec<String>,
    pub keywords: Vec<String>,
    pub publisher: Option<String>,
    /// An SPDX id or licence URL, shown on every page and download.
    pub license: Option<String>,
    /// The id of the plugin that collects it.
    pub plugin: String,
    /// The canonical profile the data follows, if any.
    pub profile: Option<String>,
    /// A cron expression, in `timezone`.
    pub schedule: Option<String>,
    pub timezone: String,
    /// Not run on its schedule (manual runs still work).
    pub paused: bool,
    /// How a run's rows become a version.
    pub publish: PublishMode,
    /// Hosts the plugin may fetch from.
    pub allow: Vec<AllowRule>,
    /// Plain configuration handed to the plugin.
    pub config: BTreeMap<String, String>,
    /// Secret configuration: where each value comes from, never the value.
    pub secrets: BTreeMap<String, SecretSource>,
    pub limits: LimitOverrides,
    pub fetch: FetchOverrides,
    /// Where and when its data is about.
    pub coverage: Coverage,
    /// How its OCDS packages name their publisher (procurement datasets).
    pub ocds: OcdsSettings,
    /// How its Popolo file names councillors (council decision datasets).
    pub popolo: PopoloSettings,
    /// The source systems the data is read from, named for people.
    pub sources: Vec<SourceSystem>,
    /// The dataset's folder.
    pub dir: PathBuf,
}

/// Where and when a dataset's data is about (`[coverage]` of its
/// `dataset.toml`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coverage {
    /// The place; the operator's `[operator.area]` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<super::Area>,
    /// The field whose earliest and latest values bound the period the
    /// current version covers: a date, or an integer year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temporal_field: Option<String>,
}

/// A system the data is read from, named for people (`[[sources]]` of a
/// `dataset.toml`): the register, the council's site, the budget reports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSystem {
    pub title: String,
    /// Where a person finds it (`https://app.eop.bg`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// `[ocds]` of a procurement dataset: what its OCDS packages say about
/// their publisher, and whether its ocid prefix is a registered one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OcdsSettings {
    /// The publisher's ЕИК: the packages' `publisher` under `BG-EIK`.
    pub publisher_eik: Option<String>,
    /// Where the publisher explains what it publishes, how and how often.
    pub publication_policy: Option<String>,
    /// Whether the plugin's `ocid_prefix` is the one the OCDS Helpdesk
    /// registered for the publisher; until it is, every start warns.
    #[serde(default)]
    pub prefix_registered: bool,
}

/// `[popolo]` of a council decisions dataset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PopoloSettings {
    /// Another form of a councillor's name the pages print → the name the
    /// councillor is listed under (`"Иван Иванов" = "Иван Петров
    /// Иванов"`), so their votes are one person's.
    #[serde(default)]
    pub aliases: std::collections::BTreeMap<String, String>,
}

/// How a run's rows become a version.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishMode {
    /// The run's rows are the whole dataset: a row it did not emit is gone.
    #[default]
    Snapshot,
    /// The run's rows are merged into the current version by key: rows it
    /// did not emit are kept. For incremental plugins that read only what
    /// is new; a full refresh (`--full-refresh`) replaces everything.
    Merge,
}

/// Where a secret's value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum SecretSource {
    /// An environment variable of the daemon, written `env:NAME`.
    Env(String),
}

impl SecretSource {
    /// The value, if the source has one now.
    pub fn resolve(&self) -> Option<String> {
        match self {
            SecretSource::Env(name) => std::env::var(name).ok(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDataset {
    id: Option<String>,
    title: String,
    description: String,
    #[serde(default)]
    theme: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    publisher: Option<String>,
    license: Option<String>,
    plugin: String,
    profile: Option<String>,
    schedule: Option<String>,
    timezone: Option<String>,
    #[serde(default)]
    paused: bool,
    #[serde(default)]
    publish: PublishMode,
    #[serde(default)]
    fetch: RawFetch,
    #[serde(default)]
    config: BTreeMap<String, toml::Value>,
    #[serde(default)]
    secrets: BTreeMap<String, String>,
    #[serde(default)]
    limits: LimitOverrides,
    #[serde(default)]
    coverage: Coverage,
    #[serde(default)]
    ocds: OcdsSettings,
    #[serde(default)]
    popolo: PopoloSettings,
    #[serde(default)]
    sources: Vec<SourceSystem>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawFetch {
    #[serde(default)]
    allow: Vec<String>,
    max_response_mib: Option<u64>,
    connect_timeout_seconds: Option<f64>,
    first_byte_timeout_seconds: Option<f64>,
    total_timeout_seconds: Option<f64>,
    max_redirects: Option<u32>,
    host_requests_per_second: Option<f64>,
    max_requests: Option<u64>,
    max_total_mib: Option<u64>,
}

impl RawFetch {
    fn caps(&self) -> FetchOverrides {
        FetchOverrides {
            max_response_mib: self.max_response_mib,
            connect_timeout_seconds: self.connect_timeout_seconds,
            first_byte_timeout_seconds: self.first_byte_timeout_seconds,
            total_timeout_seconds: self.total_timeout_seconds,
            max_redirects: self.max_redirects,
            host_requests_per_second: self.host_requests_per_second,
            max_requests: self.max_requests,
            max_total_mib: self.max_total_mib,
        }
    }
}

impl DatasetConfig {
    /// Reads `datasets/<id>/dataset.toml`.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let raw: RawDataset = parse_toml_file(path)?;
        let invalid = |message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let folder = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let id = raw.id.unwrap_or_else(|| folder.clone());
        if id != folder {
            return Err(invalid(format!(
                "id `{id}` differs from the folder name `{folder}`: make them equal"
            )));
        }
        if !is_dataset_id(&id) {
            return Err(invalid(format!(
                "dataset id `{id}` must be lowercase letters, digits and `-`, starting with a letter"
            )));
        }
        raw.limits
            .validate()
            .map_err(|e| invalid(format!("[limits]: {e}")))?;
        super::FetchLimits::default()
            .with(&raw.fetch.caps())
            .validate()
            .map_err(|e| invalid(format!("[fetch]: {e}")))?;
        let allow = raw
            .fetch
            .allow
            .iter()
            .map(|entry| AllowRule::parse(entry))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(format!("fetch.allow: {e}")))?;
        let secrets = raw
            .secrets
            .into_iter()
            .map(|(key, spec)| parse_secret(&key, &spec).map(|s| (key, s)))
            .collect::<Result<_, _>>()
            .map_err(invalid)?;
        if let Some(area) = &raw.coverage.area {
            area.validate()
                .map_err(|e| invalid(format!("[coverage.area]: {e}")))?;
        }
        for theme in &raw.theme {
            if !THEMES.contains(&theme.as_str()) {
                return Err(invalid(format!(
                    "theme: `{theme}` is not a data theme of the EU vocabulary; use one of {}",
                    THEMES.join(", ")
                )));
            }
        }
        Ok(DatasetConfig {
            id,
            title: raw.title,
            description: raw.description,
            theme: raw.theme,
            keywords: raw.keywords,
            publisher: raw.publisher,
            license: raw.license,
            plugin: raw.plugin,
            profile: raw.profile,
            schedule: raw.schedule,
            timezone: raw.timezone.unwrap_or_else(|| "Europe/Sofia".to_string()),
            paused: raw.paused,
            publish: raw.publish,
            allow,
            config: raw
                .config
                .into_iter()
                .map(|(k, v)| (k, toml_to_string(v)))
                .collect(),
            secrets,
            limits: raw.limits,
            fetch: raw.fetch.caps(),
            coverage: raw.coverage,
            ocds: raw.ocds,
            popolo: raw.popolo,
            sources: raw.sources,
            dir,
        })
    }

    /// Whether its plugin reads files bundled with the installation
    /// (`file:` URLs in its configuration) rather than the live source.
    pub fn reads_bundled_files(&self) -> bool {
        self.config.values().any(|value| value.contains("file:"))
    }

    /// What the operator should fix before the data goes public, said at
    /// every start: an OCDS publisher still on an unregistered ocid prefix
    /// mints ids that may collide with another publisher's.
    pub fn advice(&self) -> Vec<String> {
        let mut advice = Vec::new();
        if self.reads_bundled_files() {
            advice.push(format!(
                "it reads bundled sample files (`file:` URLs in [config]), and is published marked as sample data: \
                 point its sources at the live system in {} before going public",
                self.dir.join("dataset.toml").display()
            ));
        }
        if self.profile.as_deref() == Some("procurement") && !self.ocds.prefix_registered {
            let prefix = self
                .config
                .get("ocid_prefix")
                .map_or("(none)", String::as_str);
            advice.push(format!(
                "its OCDS ids use the ocid prefix `{prefix}`, which is not marked as registered: \
                 register a prefix with the OCDS Helpdesk (https://standard.open-contracting.org/latest/en/guidance/publish/#register-an-ocid-prefix), \
                 set it as `ocid_prefix` under [config] and `prefix_registered = true` under [ocds] in {}",
                self.dir.join("dataset.toml").display()
            ));
        }
        let aliases = &self.popolo.aliases;
        for (form, name) in aliases
            .iter()
            .filter(|(_, name)| aliases.contains_key(*name))
        {
            advice.push(format!(
                "[popolo] aliases: \"{form}\" stands for \"{name}\", which is itself listed as another form: \
                 point \"{form}\" at the name the councillor is listed under in {}",
                self.dir.join("dataset.toml").display()
            ));
        }
        advice
    }

    /// The folder `file:` URLs read from.
    pub fn fixtures_dir(&self) -> PathBuf {
        self.dir.join("fixtures")
    }
}

/// Lowercase letters, digits and `-`, starting with a letter; at most 64 bytes.
pub(crate) fn is_dataset_id(id: &str) -> bool {
    let mut bytes = id.bytes();
    matches!(bytes.next(), Some(b'a'..=b'z'))
        && id.len() <= 64
        && bytes.all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
}

fn parse_secret(key: &str, spec: &str) -> Result<SecretSource, String> {
    match spec.strip_prefix("env:") {
        Some(name) if !name.is_empty() => Ok(SecretSource::Env(name.to_string())),
        _ => Err(format!(
            "secrets.{key} = {spec:?}: write where the value comes from, e.g. \"env:BURGAS_API_TOKEN\"; never the secret itself"
        )),
    }
}

/// Plugins read configuration as text; numbers and booleans are written
/// the TOML way.
fn toml_to_string(value: toml::Value) -> String {
    match value {
        toml::Value::String(s) => s,
        other => other.to_string(),
    }
}

/// Which hosts an allow entry covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum HostPattern {
    /// Exactly this DNS name.
    Exact(String),
    /// Any name ending in `.suffix` (written `*.suffix`), not the suffix itself.
    Suffix(String),
    /// This IP address, which may then be private or loopback: naming an
    /// address is how a dataset allows one.
    Ip(IpAddr),
}

/// One entry of `fetch.allow`: `https://www.burgas.bg`, `https://*.burgas.bg`,
/// `http://127.0.0.1:8080`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AllowRule {
    pub scheme: String,
    pub host: HostPattern,
    /// When absent, any port.
    pub port: Option<u16>,
}

impl AllowRule {
    /// Parses an allow entry; the scheme is required.
    pub fn parse(entry: &str) -> Result<Self, String> {
        let Some((scheme, rest)) = entry.split_once("://") else {
            return Err(format!(
                "{entry:?} has no scheme: write it as https://{entry}"
            ));
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(format!(
                "{entry:?}: only http and https hosts can be allowed"
            ));
        }
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#', '@']) || authority.is_empty() {
            return Err(format!(
                "{entry:?}: write only scheme, host and optional port, no path"
            ));
        }
        let (host, port) = split_port(authority).map_err(|e| format!("{entry:?}: {e}"))?;
        let host = parse_host_pattern(host).map_err(|e| format!("{entry:?}: {e}"))?;
        Ok(AllowRule { scheme, host, port })
    }

    /// Whether `url`'s scheme, host and port fall under this rule.
    pub fn matches(&self, url: &Url) -> bool {
        if url.scheme() != self.scheme {
            return false;
        }
        if self.port.is_some() && url.port_or_known_default() != self.port {
            return false;
        }
        match (&self.host, url.host()) {
            (HostPattern::Exact(name), Some(url::Host::Domain(d))) => d.eq_ignore_ascii_case(name),
            (HostPattern::Suffix(suffix), Some(url::Host::Domain(d))) => {
                let d = d.to_ascii_lowercase();
                d.len() > suffix.len() + 1
                    && d.ends_with(suffix.as_str())
                    && d[..d.len() - suffix.len()].ends_with('.')
            }
            (HostPattern::Ip(ip), Some(url::Host::Ipv4(v4))) => *ip == IpAddr::V4(v4),
            (HostPattern::Ip(ip), Some(url::Host::Ipv6(v6))) => *ip == IpAddr::V6(v6),
            _ => false,
        }
    }
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (host, after) = v6
            .split_once(']')
            .ok_or("unclosed `[` in an IPv6 address")?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = port
        .map(|p| p.parse::<u16>().map_err(|_| format!("bad port `{p}`")))
        .transpose()?;
    Ok((host, port))
}

fn parse_host_pattern(host: &str) -> Result<HostPattern, String> {
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Ok(HostPattern::Ip(ip));
    }
    let host = host.to_ascii_lowercase();
    let (pattern, name) = match host.strip_prefix("*.") {
        Some(suffix) => (HostPattern::Suffix(suffix.to_string()), suffix),
        None => (HostPattern::Exact(host.clone()), host.as_str()),
    };
    let valid = !name.is_empty()
        && name.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid {
        Ok(pattern)
    } else {
        Err(format!("`{host}` is not a host name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn exact_suffix_and_ip_rules() {
        let exact = AllowRule::parse("https://www.burgas.bg").unwrap();
        assert!(exact.matches(&url("https://www.burgas.bg/bg/projects")));
        assert!(exact.matches(&url("https://WWW.Burgas.bg/")));
        assert!(
            !exact.matches(&url("http://www.burgas.bg/")),
            "scheme must match"
        );
        assert!(!exact.matches(&url("https://evil.www.burgas.bg/")));

        let suffix = AllowRule::parse("https://*.burgas.bg").unwrap();
        assert!(suffix.matches(&url("https://obs.burgas.bg/")));
        assert!(suffix.matches(&url("https://a.b.burgas.bg/")));
        assert!(!suffix.matches(&url("https://burgas.bg/")));
        assert!(!suffix.matches(&url("https://notburgas.bg/")));

        let ip = AllowRule::parse("http://127.0.0.1:8080").unwrap();
        assert!(ip.matches(&url("http://127.0.0.1:8080/x")));
        assert!(!ip.matches(&url("http://127.0.0.1:8081/x")));
        assert!(!ip.matches(&url("http://localhost:8080/x")));

        let v6 = AllowRule::parse("http://[::1]").unwrap();
        assert!(v6.matches(&url("http://[::1]:9000/")));
    }

    #[test]
    fn malformed_entries_say_how_to_fix_them() {
        assert!(
            AllowRule::parse("www.burgas.bg")
                .unwrap_err()
                .contains("https://www.burgas.bg")
        );
        assert!(
            AllowRule::parse("ftp://x.bg")
                .unwrap_err()
                .contains("only http and https")
        );
        assert!(
            AllowRule::parse("https://x.bg/path")
                .unwrap_err()
                .contains("no path")
        );
        assert!(
            AllowRule::parse("https://x.bg:99999")
                .unwrap_err()
                .contains("bad port")
        );
        assert!(AllowRule::parse("https://").is_err());
        assert!(AllowRule::parse("https://bad host").is_err());
    }

    #[test]
    fn themes_come_from_the_eu_vocabulary() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("budget");
        std::fs::create_dir(&folder).unwrap();
        let path = folder.join("dataset.toml");
        let write = |theme: &str| {
            std::fs::write(
                &path,
                format!(
                    "title = \"Budget\"\ndescription = \"\"\nplugin = \"budget\"\ntheme = {theme}\nkeywords = [\"бюджет\"]\n"
                ),
            )
            .unwrap();
        };
        write(r#"["ECON", "GOVE"]"#);
        let dataset = DatasetConfig::load(&path).unwrap();
        assert_eq!(dataset.theme, ["ECON", "GOVE"]);
        assert_eq!(dataset.keywords, ["бюджет"]);
        write(r#"["Economy"]"#);
        let error = DatasetConfig::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("`Economy` is not a data theme") && error.contains("ECON"),
            "{error}"
        );
    }

    #[test]
    fn dataset_ids() {
        assert!(is_dataset_id("burgas-projects"));
        assert!(!is_dataset_id("../etc"));
        assert!(!is_dataset_id("Burgas"));
        assert!(!is_dataset_id(""));
    }
}
