//! Configuration: `vitrina.toml` for the daemon, `dataset.toml` per dataset.
//!
//! Both are parsed strictly (unknown keys are errors, so a typo never goes
//! silently unused) and every error names the file, the line and what to
//! change. Run limits and fetch caps have defaults here, may be set for the
//! whole daemon in `vitrina.toml`, and overridden per dataset.

mod dataset;
mod limits;

use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use dataset::{
    AllowRule, Coverage, DatasetConfig, HostPattern, OcdsSettings, PopoloSettings, PublishMode,
    SecretSource, SourceSystem,
};
pub use limits::{FetchLimits, FetchOverrides, LimitOverrides, Limits, MAX_MEMORY_MIB};

/// What went wrong reading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// toml's message carries the line, column and the offending text.
    #[error("{path}: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("no dataset `{id}` in {dir}; the datasets there are: {known}")]
    UnknownDataset {
        id: String,
        dir: PathBuf,
        known: String,
    },
}

/// Who runs this Vitrina, named in the User-Agent of every fetch so a
/// municipal server's admin knows whom to call.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Operator {
    pub name: String,
    pub contact: String,
    /// The place its datasets cover unless one says otherwise, for the
    /// catalogs partner portals harvest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<Area>,
}

/// A place data covers, by the EU's statistical codes: a NUTS region and
/// a local administrative unit (a municipality), as Eurostat numbers them.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Area {
    /// Its name, `български / English` where it has both.
    pub name: String,
    /// The NUTS code of the region it lies in (`BG341`: Burgas).
    pub nuts: Option<String>,
    /// Its LAU code (`BGS04`: the Municipality of Burgas).
    pub lau: Option<String>,
}

impl Area {
    /// Checks the codes' shapes: NUTS is a country code and up to three
    /// letters or digits; LAU codes are national, letters and digits.
    pub fn validate(&self) -> Result<(), String> {
        let code = |c: &str| {
            c.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        };
        if let Some(nuts) = &self.nuts
            && !(nuts.len() >= 2
                && nuts.len() <= 5
                && code(nuts)
                && nuts.as_bytes()[..2].iter().all(u8::is_ascii_uppercase))
        {
            return Err(format!(
                "nuts = {nuts:?}: a NUTS code is a country code and up to three more letters or digits, e.g. \"BG341\""
            ));
        }
        if let Some(lau) = &self.lau
            && (lau.is_empty() || lau.len() > 20 || !code(lau))
        {
            return Err(format!(
                "lau = {lau:?}: a LAU code is uppercase letters and digits, e.g. \"BGS04\""
            ));
        }
        if self.nuts.is_none() && self.lau.is_none() {
            return Err("name a nuts or a lau code, or both".to_string());
        }
        Ok(())
    }
}

impl Default for Operator {
    fn default() -> Self {
        Self {
            name: "Vitrina demo".to_string(),
            contact: "set [operator] contact in vitrina.toml".to_string(),
            area: None,
        }
    }
}

/// The events a webhook may ask for.
pub const WEBHOOK_EVENTS: [&str; 4] = [
    "version.published",
    "schema.changed",
    "run.failed",
    "data.stale",
];

/// A subscription to what happens, delivered by HTTP POST as Standard
/// Webhooks describes (signed with its secret), from `[[webhooks]]`.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Webhook {
    /// Its name: the key of its deliveries, so keep it when the URL moves.
    pub name: String,
    /// Where events are POSTed.
    pub url: String,
    /// Where the signing secret comes from: `env:NAME` (an environment
    /// variable of the daemon) or `file:/absolute/path` (a file only the
    /// daemon reads, as secret managers write them); the value is Standard
    /// Webhooks' `whsec_` and base64. The secret itself is never written
    /// in the configuration nor in the store.
    pub secret: String,
    /// The datasets it is told of; none: all.
    #[serde(default)]
    pub datasets: Vec<String>,
    /// The events it is told of; none: all.
    #[serde(default)]
    pub events: Vec<String>,
    /// Whether its target may be a loopback or private address (an
    /// operator's own receiver); like plugin fetches, such targets are
    /// refused unless named.
    #[serde(default)]
    pub allow_private: bool,
}

fn validate_webhooks(webhooks: &[Webhook]) -> Result<(), String> {
    let mut names = std::collections::HashSet::new();
    for hook in webhooks {
        hook.validate()
            .map_err(|e| format!("[[webhooks]] `{}`: {e}", hook.name))?;
        if !names.insert(hook.name.as_str()) {
            return Err(format!("[[webhooks]] `{}` is named twice", hook.name));
        }
    }
    Ok(())
}

impl Webhook {
    /// Checks what can be checked without the network: its name, URL,
    /// secret reference and events.
    pub fn validate(&self) -> Result<(), String> {
        if !crate::validate::is_machine_name(&self.name) {
            return Err(format!(
                "name {:?}: lowercase letters, digits and `_`, starting with a letter",
                self.name
            ));
        }
        let url = url::Url::parse(&self.url).map_err(|e| format!("url {:?}: {e}", self.url))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(format!("url {:?} must be http(s) with a host", self.url));
        }
        if SecretRef::parse(&self.secret).is_none() {
            return Err(format!(
                "secret = {:?}: write where it comes from, \"env:GHENT_WEBHOOK_SECRET\" or \"file:/etc/vitrina/ghent.secret\"; never the secret itself",
                self.secret
            ));
        }
        if let Some(event) = self
            .events
            .iter()
            .find(|e| !WEBHOOK_EVENTS.contains(&e.as_str()))
        {
            return Err(format!(
                "no event {event:?}; the events are {}",
                WEBHOOK_EVENTS.join(", ")
            ));
        }
        Ok(())
    }
}

/// Where a secret comes from: never the secret itself, so neither the
/// configuration nor the store ever holds one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretRef<'a> {
    /// An environment variable of the daemon.
    Env(&'a str),
    /// A file (an absolute path), as secret managers and systemd's
    /// credentials write them; read when needed, so it can be written
    /// while the daemon runs.
    File(&'a std::path::Path),
}

impl<'a> SecretRef<'a> {
    /// `env:NAME` or `file:/absolute/path`.
    pub fn parse(spec: &'a str) -> Option<Self> {
        if let Some(name) = spec.strip_prefix("env:") {
            return (!name.is_empty()).then_some(SecretRef::Env(name));
        }
        let path = std::path::Path::new(spec.strip_prefix("file:")?);
        path.is_absolute().then_some(SecretRef::File(path))
    }

    /// The secret's value, trimmed of the line end a file often has; or
    /// why it cannot be read (which never includes the value).
    pub fn read(&self) -> Result<String, String> {
        match self {
            SecretRef::Env(name) => std::env::var(name)
                .map_err(|_| format!("the environment variable {name} is not set for the daemon")),
            SecretRef::File(path) => std::fs::read_to_string(path)
                .map(|text| text.trim().to_string())
                .map_err(|e| format!("cannot read {}: {e}", path.display())),
        }
    }
}

/// The HTTP server, from `[server]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Server {
    /// Address and port to listen on.
    pub listen: String,
    /// The public origin that links in responses are built on, when the
    /// server sits behind a proxy or CDN (`https://data.burgas.bg`);
    /// `http://<listen>` when unset.
    pub public_url: Option<String>,
    /// Memory for rendered responses kept for repeated requests, in MiB.
    pub response_cache_mb: usize,
    /// Memory for the column index that answers filtered and sorted pages
    /// without scanning (the busiest datasets' columns), in MiB; 0 turns
    /// it off.
    pub column_index_mb: usize,
}

impl Server {
    /// The origin links in published files are built on: `public_url`,
    /// else the address the server is configured to listen on.
    pub fn public_base_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }
}

impl Default for Server {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_string(),
            public_url: None,
            response_cache_mb: 32,
            column_index_mb: 64,
        }
    }
}

/// The scheduler, from `[schedule]`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScheduleSettings {
    /// Runs at once, all datasets together; the number of cores when unset.
    pub concurrency: Option<usize>,
    /// Each dataset's runs start up to this many seconds after their slot
    /// (a fixed offset per dataset), so datasets sharing a schedule do not
    /// hit one server in the same second.
    pub max_jitter_seconds: f64,
    /// On shutdown, runs in flight get this long to end before they are
    /// cancelled (and recorded as cancelled; nothing half-published).
    pub shutdown_grace_seconds: f64,
    /// A run that failed transiently (source down, timeout) is retried
    /// after this long, then twice as long each time, up to the cap.
    pub retry_after_seconds: f64,
    pub retry_cap_seconds: f64,
    /// Retries before giving up until the next slot.
    pub max_retries: u32,
}

impl Default for ScheduleSettings {
    fn default() -> Self {
        Self {
            concurrency: None,
            max_jitter_seconds: 30.0,
            shutdown_grace_seconds: 30.0,
            retry_after_seconds: 60.0,
            retry_cap_seconds: 3600.0,
            max_retries: 5,
        }
    }
}

impl ScheduleSettings {
    fn validate(&self) -> Result<(), String> {
        if self.concurrency == Some(0) {
            return Err("[schedule] concurrency must be at least 1".to_string());
        }
        for (name, value) in [
            ("max_jitter_seconds", self.max_jitter_seconds),
            ("shutdown_grace_seconds", self.shutdown_grace_seconds),
            ("retry_after_seconds", self.retry_after_seconds),
            ("retry_cap_seconds", self.retry_cap_seconds),
        ] {
            if !(0.0..=86_400.0).contains(&value) {
                return Err(format!(
                    "[schedule] {name} = {value}: give seconds from 0 to 86400"
                ));
            }
        }
        Ok(())
    }

    pub fn shutdown_grace(&self) -> std::time::Duration {
        std::time::Duration::from_secs_f64(self.shutdown_grace_seconds)
    }

    /// Delays before each retry of a transient failure.
    pub fn backoff(&self) -> crate::schedule::Backoff {
        crate::schedule::Backoff {
            base: std::time::Duration::from_secs_f64(self.retry_after_seconds),
            factor: 2.0,
            cap: std::time::Duration::from_secs_f64(
                self.retry_cap_seconds.max(self.retry_after_seconds),
            ),
            max_retries: self.max_retries,
        }
    }
}

/// The admin API, from `[admin]`.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSettings {
    /// Serve the admin API on this address only (not on `[server] listen`).
    pub listen: Option<String>,
    /// Answer admin requests from other machines; loopback only when false.
    pub allow_remote: bool,
    /// Who may use the admin API. `VITRINA_ADMIN_TOKEN`, when set, adds a
    /// token named `VITRINA_ADMIN_TOKEN`.
    pub tokens: Vec<AdminToken>,
}

/// One admin token: a name for the logs, and either the SHA-256 of the
/// token (`printf %s "$TOKEN" | sha256sum`) or the environment variable
/// holding it. The token itself is never written in the file.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AdminToken {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub env: Option<String>,
}

/// The environment variable holding an admin token.
pub const ADMIN_TOKEN_ENV: &str = "VITRINA_ADMIN_TOKEN";

/// A token ready for comparison: its name and the SHA-256 of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDigest {
    pub name: String,
    pub sha256: [u8; 32],
}

impl AdminSettings {
    fn validate(&self) -> Result<(), String> {
        for token in &self.tokens {
            match (&token.sha256, &token.env) {
                (Some(hex_digest), None) => {
                    if hex_digest.len() != 64 || hex::decode(hex_digest).is_err() {
                        return Err(format!(
                            "[[admin.tokens]] `{}`: sha256 must be 64 hex digits (printf %s \"$TOKEN\" | sha256sum)",
                            token.name
                        ));
                    }
                }
                (None, Some(_)) => {}
                _ => {
                    return Err(format!(
                        "[[admin.tokens]] `{}`: set exactly one of sha256 (the token's SHA-256) or env (the variable holding it)",
                        token.name
                    ));
                }
            }
        }
        Ok(())
    }

    /// The tokens in force now: configured ones whose value is known, and
    /// `VITRINA_ADMIN_TOKEN`. Empty means the admin API is off.
    pub fn digests(&self) -> Vec<TokenDigest> {
        use sha2::{Digest, Sha256};
        let from_value = |name: &str, value: &str| TokenDigest {
            name: name.to_string(),
            sha256: Sha256::digest(value.as_bytes()).into(),
        };
        let mut digests = Vec::new();
        for token in &self.tokens {
            if let Some(hex_digest) = &token.sha256 {
                let mut sha256 = [0u8; 32];
                if hex::decode_to_slice(hex_digest, &mut sha256).is_ok() {
                    digests.push(TokenDigest {
                        name: token.name.clone(),
                        sha256,
                    });
                }
            } else if let Some(value) = token.env.as_deref().and_then(non_empty_env) {
                digests.push(from_value(&token.name, &value));
            }
        }
        if let Some(value) = non_empty_env(ADMIN_TOKEN_ENV) {
            digests.push(from_value(ADMIN_TOKEN_ENV, &value));
        }
        digests
    }
}

fn non_empty_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// The daemon's configuration, from `vitrina.toml`.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Where versions, run history and caches live.
    pub data_dir: PathBuf,
    /// One folder per dataset, each with a `dataset.toml`.
    pub datasets_dir: PathBuf,
    /// Extra plugin components (`*.wasm`) beside the bundled ones.
    pub plugins_dir: Option<PathBuf>,
    pub operator: Operator,
    pub server: Server,
    pub schedule: ScheduleSettings,
    pub admin: AdminSettings,
    /// Default run limits for every dataset.
    pub limits: Limits,
    /// Default fetch caps for every dataset.
    pub fetch: FetchLimits,
    /// Who is told, by HTTP, when data changes (`[[webhooks]]`).
    pub webhooks: Vec<Webhook>,
    /// The file this was read from, for error messages; not a setting.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            datasets_dir: PathBuf::from("datasets"),
            plugins_dir: None,
            operator: Operator::default(),
            server: Server::default(),
            schedule: ScheduleSettings::default(),
            admin: AdminSettings::default(),
            limits: Limits::default(),
            fetch: FetchLimits::default(),
            webhooks: Vec::new(),
            source: None,
        }
    }
}

impl Config {
    /// Reads `path`; relative directories in it are relative to the file's folder.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let mut config: Config = parse_toml_file(path)?;
        let base = path.parent().unwrap_or(Path::new("."));
        config.data_dir = base.join(&config.data_dir);
        config.datasets_dir = base.join(&config.datasets_dir);
        config.plugins_dir = config.plugins_dir.map(|d| base.join(d));
        config.source = Some(path.to_path_buf());
        let invalid = |message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        config.limits.validate().map_err(invalid)?;
        config
            .fetch
            .validate()
            .map_err(|e| invalid(format!("[fetch] {e}")))?;
        config.admin.validate().map_err(invalid)?;
        config.schedule.validate().map_err(invalid)?;
        validate_webhooks(&config.webhooks).map_err(invalid)?;
        if let Some(area) = &config.operator.area {
            area.validate()
                .map_err(|e| invalid(format!("[operator.area]: {e}")))?;
        }
        Ok(config)
    }

    /// Reads `path` if it exists, else the defaults (relative to the working
    /// directory): the demo runs with no configuration at all.
    pub fn load_or_default(path: &Path) -> Result<Self, ConfigError> {
        if path.exists() {
            Self::load(path)
        } else {
            Ok(Self::default())
        }
    }

    /// Every dataset under `datasets_dir`, sorted by id.
    pub fn datasets(&self) -> Result<Vec<DatasetConfig>, ConfigError> {
        let entries =
            std::fs::read_dir(&self.datasets_dir).map_err(|source| ConfigError::Read {
                path: self.datasets_dir.clone(),
                source,
            })?;
        let mut datasets = Vec::new();
        for entry in entries.flatten() {
            let file = entry.path().join("dataset.toml");
            if file.is_file() {
                datasets.push(DatasetConfig::load(&file)?);
            }
        }
        datasets.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(datasets)
    }

    /// The dataset with `id`.
    pub fn dataset(&self, id: &str) -> Result<DatasetConfig, ConfigError> {
        let file = self.datasets_dir.join(id).join("dataset.toml");
        if dataset::is_dataset_id(id) && file.is_file() {
            return DatasetConfig::load(&file);
        }
        let known: Vec<String> = self.datasets()?.into_iter().map(|d| d.id).collect();
        Err(ConfigError::UnknownDataset {
            id: id.to_string(),
            dir: self.datasets_dir.clone(),
            known: if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            },
        })
    }
}

/// Reads and parses a TOML file into `T`, naming the file on every error.
fn parse_toml_file<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string().trim_end().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vitrina.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path)
    }

    #[test]
    fn webhooks_name_their_secret_and_known_events() {
        let hook = |name: &str, secret: &str, events: &[&str]| Webhook {
            name: name.into(),
            url: "https://partner.example/hooks".into(),
            secret: secret.into(),
            datasets: Vec::new(),
            events: events.iter().map(|e| e.to_string()).collect(),
            allow_private: false,
        };
        let good = hook("ghent", "env:GHENT_SECRET", &["version.published"]);
        assert!(validate_webhooks(std::slice::from_ref(&good)).is_ok());
        let literal = validate_webhooks(&[hook("ghent", "whsec_abc", &[])]).unwrap_err();
        assert!(literal.contains("never the secret itself"), "{literal}");
        let unknown = validate_webhooks(&[hook("ghent", "env:S", &["row.added"])]).unwrap_err();
        assert!(unknown.contains("version.published"), "{unknown}");
        let twice = validate_webhooks(&[good.clone(), good.clone()]).unwrap_err();
        assert!(twice.contains("named twice"), "{twice}");
        let mut ftp = good;
        ftp.url = "ftp://partner.example/".into();
        assert!(validate_webhooks(&[ftp]).is_err());
        let file = hook("ghent", "file:/run/secrets/ghent", &[]);
        assert!(validate_webhooks(&[file]).is_ok());
        let relative = validate_webhooks(&[hook("ghent", "file:ghent.secret", &[])]).unwrap_err();
        assert!(relative.contains("never the secret itself"), "{relative}");
    }

    #[test]
    fn an_area_names_its_place_by_eurostat_codes() {
        let area = |nuts: Option<&str>, lau: Option<&str>| Area {
            name: "Бургас / Burgas".into(),
            nuts: nuts.map(Into::into),
            lau: lau.map(Into::into),
        };
        assert!(area(Some("BG341"), Some("BGS04")).validate().is_ok());
        assert!(area(None, Some("44021")).validate().is_ok(), "Ghent");
        assert!(area(Some("bg341"), None).validate().is_err());
        assert!(area(Some("BG3412"), None).validate().is_err());
        assert!(area(Some("12"), None).validate().is_err());
        assert!(area(None, None).validate().is_err());
        let error = load("[operator]\nname = \"x\"\ncontact = \"y\"\n[operator.area]\nname = \"z\"\nnuts = \"?\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("[operator.area]"), "{error}");
    }

    #[test]
    fn secrets_are_read_from_where_they_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hook.secret");
        std::fs::write(&path, "whsec_abc\n").unwrap();
        let spec = format!("file:{}", path.display());
        assert_eq!(
            SecretRef::parse(&spec).unwrap().read().unwrap(),
            "whsec_abc"
        );
        let missing = format!("file:{}", dir.path().join("none").display());
        let error = SecretRef::parse(&missing).unwrap().read().unwrap_err();
        assert!(error.contains("none"), "{error}");
        let unset = SecretRef::parse("env:VITRINA_TEST_NO_SUCH_SECRET").unwrap();
        assert!(
            unset
                .read()
                .unwrap_err()
                .contains("VITRINA_TEST_NO_SUCH_SECRET")
        );
        assert_eq!(SecretRef::parse("env:"), None);
        assert_eq!(SecretRef::parse("whsec_abc"), None);
    }

    #[test]
    fn admin_tokens_are_hashes_or_variables_never_values() {
        use sha2::{Digest, Sha256};
        let digest = hex::encode(Sha256::digest(b"burgas-it-token"));
        let config = load(&format!(
            "[[admin.tokens]]\nname = \"burgas-it\"\nsha256 = \"{digest}\"\n\
             [[admin.tokens]]\nname = \"deploy\"\nenv = \"VITRINA_TEST_UNSET_TOKEN_VAR\"\n"
        ))
        .unwrap();
        let digests = config.admin.digests();
        assert_eq!(digests.len(), 1, "a variable that is not set adds no token");
        assert_eq!(digests[0].name, "burgas-it");
        assert_eq!(
            digests[0].sha256.to_vec(),
            Sha256::digest(b"burgas-it-token").to_vec()
        );

        for (text, expected) in [
            (
                "[[admin.tokens]]\nname = \"x\"\nsha256 = \"abc\"\n",
                "64 hex digits",
            ),
            ("[[admin.tokens]]\nname = \"x\"\n", "exactly one of sha256"),
            (
                "[[admin.tokens]]\nname = \"x\"\ntoken = \"plain\"\n",
                "unknown field `token`",
            ),
        ] {
            let error = load(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
        }
    }

    #[test]
    fn schedule_and_fetch_settings_are_checked() {
        for (text, expected) in [
            (
                "[schedule]\nconcurrency = 0\n",
                "concurrency must be at least 1",
            ),
            (
                "[schedule]\nshutdown_grace_seconds = -1\n",
                "shutdown_grace_seconds",
            ),
            (
                "[fetch]\nhost_requests_per_second = -2\n",
                "host_requests_per_second",
            ),
        ] {
            let error = load(text).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
            assert!(error.contains("vitrina.toml"), "names the file: {error}");
        }
        let config = load("[schedule]\nretry_after_seconds = 2\nmax_retries = 3\n").unwrap();
        let backoff = config.schedule.backoff();
        assert_eq!(backoff.delay(0), Some(std::time::Duration::from_secs(2)));
        assert_eq!(backoff.delay(1), Some(std::time::Duration::from_secs(4)));
        assert_eq!(backoff.delay(3), None);
    }
}
