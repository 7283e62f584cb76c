//! The `fetch` import: HTTP and `file:` fixtures under the dataset's policy.
//!
//! Plugins have no sockets; every byte they read from outside comes through
//! here. The policy is enforced on every hop, never only on the first URL:
//! - the URL's scheme and host must match the dataset's `fetch.allow`;
//! - names are resolved by the host, and a name resolving to a loopback,
//!   private, link-local or metadata address is always refused (the
//!   connection then goes to the checked address, so DNS cannot change its
//!   answer in between); a private address is reachable only through a URL
//!   that names it literally, as the dataset's `fetch.allow` does;
//! - redirects are followed here, each target checked like the first URL;
//!   the plugin's headers (credentials among them) follow only within the
//!   same origin, and `https` never redirects to `http`;
//! - connect, first-byte and total timeouts, and a cap on the body size
//!   counted as it streams (so a lying `Content-Length` or a gzip bomb
//!   stops at the cap);
//! - at most `fetch.host_requests_per_second` requests to one host, over
//!   every run of the process (see [`super::politeness`]);
//! - `file:` URLs read only inside the dataset's own `fixtures/` folder,
//!   which acts as the root: `..` is refused and a symlink that leads out of
//!   the folder is refused after canonicalization;
//! - per run, URLs of at most 8 KiB, at most 32 bodies open at once, and
//!   budgets of requests and bytes over all fetches (see [`FetchLedger`]).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use tokio::io::AsyncReadExt;
use tokio::time::Instant;
use url::Url;
use wasmtime::component::Resource;

use super::budget;
use super::host::RunState;
use super::report::{FailureKind, LogLevel, LogSource, RunFailure};
use crate::config::{AllowRule, FetchLimits};

/// Why a fetch failed, as every contract version says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FetchErrorKind {
    Denied,
    InvalidUrl,
    Timeout,
    TooLarge,
    Unreachable,
    Protocol,
    NotFound,
}

/// Why a fetch failed, and what to tell the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchFailure {
    pub kind: FetchErrorKind,
    pub message: String,
}

impl FetchFailure {
    fn new(kind: FetchErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    fn denied(message: impl Into<String>) -> Self {
        Self::new(FetchErrorKind::Denied, message)
    }
}

/// A request a plugin makes, whatever its contract version.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Request {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

/// A response handed to a plugin: its body is a handle in the run's table.
pub struct Response {
    pub status: u16,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Resource<Body>,
}

/// What a dataset may fetch, and how much.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    pub allow: Vec<AllowRule>,
    /// The canonical `fixtures/` folder, when the dataset has one.
    pub fixtures: Option<PathBuf>,
    pub limits: FetchLimits,
    pub user_agent: String,
}

impl FetchPolicy {
    /// Checks an http(s) URL against the allowlist.
    fn check_url(&self, url: &Url) -> Result<(), FetchFailure> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(FetchFailure::new(
                FetchErrorKind::InvalidUrl,
                format!("{url}: only http, https and file URLs can be fetched"),
            ));
        }
        if self.allow.iter().any(|rule| rule.matches(url)) {
            Ok(())
        } else {
            let host = url.host_str().unwrap_or("");
            Err(FetchFailure::denied(format!(
                "{url}: host `{host}` is not allowed for this dataset; add `{}://{host}` to fetch.allow in dataset.toml if it is a source",
                url.scheme()
            )))
        }
    }
}

/// One URL fetched during a run, for the run's summary (userinfo, query
/// values and secrets redacted).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FetchRecord {
    pub url: String,
    pub status: u16,
    pub bytes: u64,
}

/// What a run's fetches have cost it: requests, bytes and open bodies
/// against their budgets, and the first [`budget::FETCH_RECORDS`] fetches
/// as records for the report (later ones are counted only).
#[derive(Debug, Default)]
pub struct FetchLedger {
    pub records: Vec<FetchRecord>,
    /// Requests made, redirect hops included.
    pub requests: u64,
    /// Body bytes read over all fetches.
    pub bytes: u64,
    /// Bodies the plugin holds open now.
    pub open_bodies: usize,
    /// Whether the last fetch has a record the next bytes belong to.
    recording: bool,
}

impl FetchLedger {
    fn record(&mut self, record: FetchRecord) {
        self.recording = self.records.len() < budget::FETCH_RECORDS;
        if self.recording {
            self.records.push(record);
        }
    }

    fn add_bytes(&mut self, n: usize) {
        self.bytes += n as u64;
        if self.recording
            && let Some(last) = self.records.last_mut()
        {
            last.bytes += n as u64;
        }
    }
}

/// A response ready for the plugin to read.
pub struct Fetched {
    pub status: u16,
    /// The URL that answered, after redirects.
    pub url: Url,
    /// Headers, names in lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Redirects followed on the way.
    pub hops: u32,
}

/// Performs fetches for one run.
///
/// The HTTP client is built on the first http(s) fetch: building one loads
/// the TLS roots, which runs that read only `file:` fixtures (and the
/// describe call every plugin load makes) never need.
pub struct Fetcher {
    policy: Arc<FetchPolicy>,
    client: std::sync::OnceLock<Result<reqwest::Client, String>>,
}

impl Fetcher {
    /// A fetcher whose connections resolve names through the policy.
    pub fn new(policy: FetchPolicy) -> Self {
        Self {
            policy: Arc::new(policy),
            client: std::sync::OnceLock::new(),
        }
    }

    /// The caps this fetcher works under.
    pub fn limits(&self) -> &FetchLimits {
        &self.policy.limits
    }

    fn client(&self) -> Result<&reqwest::Client, FetchFailure> {
        let client = self.client.get_or_init(|| {
            let resolver = PolicyResolver;
            reqwest::Client::builder()
                .user_agent(self.policy.user_agent.clone())
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .connect_timeout(self.policy.limits.connect_timeout())
                .dns_resolver(Arc::new(resolver))
                .build()
                .map_err(|e| format!("cannot build the HTTP client: {e}"))
        });
        client
            .as_ref()
            .map_err(|e| FetchFailure::new(FetchErrorKind::Protocol, e.clone()))
    }

    /// Performs `request`, following redirects; returns the response's
    /// status, final URL, headers and body.
    pub async fn fetch(&self, request: Request) -> Result<Fetched, FetchFailure> {
        let url = parse_url(&request.url)?;
        if url.scheme() == "file" {
            let path = open_fixture_path(self.policy.fixtures.as_deref(), &request.url, &url)?;
            let file = tokio::fs::File::open(&path)
                .await
                .map_err(|e| FetchFailure::new(FetchErrorKind::NotFound, format!("{url}: {e}")))?;
            let body = Body::File {
                file,
                read: 0,
                cap: self.policy.limits.max_response_bytes(),
                url: url.to_string(),
            };
            return Ok(Fetched {
                status: 200,
                url,
                headers: Vec::new(),
                body,
                hops: 0,
            });
        }
        self.fetch_http(request, url).await
    }

    async fn fetch_http(&self, request: Request, mut url: Url) -> Result<Fetched, FetchFailure> {
        let limits = &self.policy.limits;
        let deadline = Instant::now() + limits.total_timeout();
        let mut method = parse_method(&request.method)?;
        let mut body = request.body;
        let mut headers = request.headers;
        let mut hops = 0;
        loop {
            self.policy.check_url(&url)?;
            let response = self
                .send(&method, &url, &headers, body.clone(), deadline)
                .await?;
            let status = response.status();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|l| l.to_str().ok())
                .map(str::to_string);
            let Some(location) = location.filter(|_| status.is_redirection()) else {
                return self.finish(response, url, deadline, hops);
            };
            hops += 1;
            if hops > limits.max_redirects {
                return Err(FetchFailure::new(
                    FetchErrorKind::Protocol,
                    format!("{url}: more than {} redirects", limits.max_redirects),
                ));
            }
            let next = url.join(&location).map_err(|e| {
                FetchFailure::new(
                    FetchErrorKind::Protocol,
                    format!("{url} redirects to a bad URL {location:?}: {e}"),
                )
            })?;
            carry_across_redirect(&url, &next, &mut headers)?;
            if status == reqwest::StatusCode::SEE_OTHER
                || (matches!(status.as_u16(), 301 | 302) && method == reqwest::Method::POST)
            {
                method = reqwest::Method::GET;
                body = None;
            }
            url = next;
        }
    }

    async fn send(
        &self,
        method: &reqwest::Method,
        url: &Url,
        headers: &[(String, String)],
        body: Option<Vec<u8>>,
        deadline: Instant,
    ) -> Result<reqwest::Response, FetchFailure> {
        if let Some(host) = url.host_str() {
            let waited =
                super::politeness::wait_turn(host, self.policy.limits.host_interval()).await;
            if !waited.is_zero() {
                tracing::debug!(host, ?waited, "waited for the host's politeness slot");
            }
        }
        let mut builder = self.client()?.request(method.clone(), url.clone());
        for (name, value) in headers.iter().filter(|(n, _)| !is_reserved_header(n)) {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(body) = body {
            builder = builder.body(body);
        }
        let first_byte = (Instant::now() + self.policy.limits.first_byte_timeout()).min(deadline);
        match tokio::time::timeout_at(first_byte, builder.send()).await {
            Err(_) => Err(FetchFailure::new(
                FetchErrorKind::Timeout,
                format!(
                    "{url}: no response within {:?}",
                    self.policy.limits.first_byte_timeout()
                ),
            )),
            Ok(Err(e)) => Err(classify(url, &e)),
            Ok(Ok(response)) => Ok(response),
        }
    }

    fn finish(
        &self,
        response: reqwest::Response,
        url: Url,
        deadline: Instant,
        hops: u32,
    ) -> Result<Fetched, FetchFailure> {
        let cap = self.policy.limits.max_response_bytes();
        if let Some(length) = response.content_length().filter(|&l| l > cap) {
            return Err(too_large(&url, length, cap));
        }
        let headers = response
            .headers()
            .iter()
            .filter_map(|(n, v)| Some((n.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let status = response.status().as_u16();
        let body = Body::Http {
            response,
            pending: Bytes::new(),
            read: 0,
            cap,
            deadline,
            url: url.to_string(),
        };
        Ok(Fetched {
            status,
            url,
            headers,
            body,
            hops,
        })
    }
}

/// A response body being read by the plugin.
pub enum Body {
    Http {
        response: reqwest::Response,
        /// Bytes received but not yet handed to the plugin.
        pending: Bytes,
        read: u64,
        cap: u64,
        deadline: Instant,
        url: String,
    },
    File {
        file: tokio::fs::File,
        read: u64,
        cap: u64,
        url: String,
    },
}

impl Body {
    /// Reads up to `max` bytes; empty at the end.
    pub async fn read(&mut self, max: usize) -> Result<Vec<u8>, FetchFailure> {
        let max = max.clamp(1, 4 * 1024 * 1024);
        match self {
            Body::Http {
                response,
                pending,
                read,
                cap,
                deadline,
                url,
            } => {
                if pending.is_empty() {
                    *pending = match tokio::time::timeout_at(*deadline, response.chunk()).await {
                        Err(_) => {
                            return Err(FetchFailure::new(
                                FetchErrorKind::Timeout,
                                format!("{url}: the body did not arrive in time"),
                            ));
                        }
                        Ok(Err(e)) => return Err(classify_body(url, &e)),
                        Ok(Ok(None)) => return Ok(Vec::new()),
                        Ok(Ok(Some(chunk))) => chunk,
                    };
                }
                let take = pending.split_to(max.min(pending.len()));
                count(read, *cap, take.len(), url)?;
                Ok(take.to_vec())
            }
            Body::File {
                file,
                read,
                cap,
                url,
            } => {
                let mut buffer = vec![0; max.min(1024 * 1024)];
                let n = file.read(&mut buffer).await.map_err(|e| {
                    FetchFailure::new(FetchErrorKind::NotFound, format!("{url}: {e}"))
                })?;
                buffer.truncate(n);
                count(read, *cap, n, url)?;
                Ok(buffer)
            }
        }
    }
}

fn count(read: &mut u64, cap: u64, n: usize, url: &str) -> Result<(), FetchFailure> {
    *read += n as u64;
    if *read > cap {
        let url = Url::parse(url).map_err(|_| FetchFailure::denied(url.to_string()))?;
        return Err(too_large(&url, *read, cap));
    }
    Ok(())
}

fn too_large(url: &Url, size: u64, cap: u64) -> FetchFailure {
    FetchFailure::new(
        FetchErrorKind::TooLarge,
        format!(
            "{url}: the body is larger than the cap of {} bytes (at least {size}); raise fetch.max_response_mib in dataset.toml if the source really is that large",
            cap
        ),
    )
}

fn parse_url(raw: &str) -> Result<Url, FetchFailure> {
    Url::parse(raw).map_err(|e| {
        FetchFailure::new(
            FetchErrorKind::InvalidUrl,
            format!("{raw:?} is not a URL: {e}"),
        )
    })
}

fn parse_method(method: &str) -> Result<reqwest::Method, FetchFailure> {
    let method = if method.is_empty() { "GET" } else { method };
    reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).map_err(|_| {
        FetchFailure::new(
            FetchErrorKind::InvalidUrl,
            format!("{method:?} is not an HTTP method"),
        )
    })
}

/// What crosses a redirect from `from` to `to`: nothing from `https` to
/// plain `http`, and the plugin's headers (credentials among them) only
/// within one origin (scheme, host and port), since they were meant for it.
fn carry_across_redirect(
    from: &Url,
    to: &Url,
    headers: &mut Vec<(String, String)>,
) -> Result<(), FetchFailure> {
    if from.scheme() == "https" && to.scheme() == "http" {
        return Err(FetchFailure::denied(format!(
            "{from} redirects to {to}, from https to plain http; refused"
        )));
    }
    if to.origin() != from.origin() {
        headers.clear();
    }
    Ok(())
}

/// Headers the host sets itself; a plugin's values are ignored.
fn is_reserved_header(name: &str) -> bool {
    [
        "host",
        "user-agent",
        "content-length",
        "transfer-encoding",
        "connection",
        "te",
        "upgrade",
    ]
    .iter()
    .any(|r| name.eq_ignore_ascii_case(r))
}

/// Maps a `file:` URL to a path inside `fixtures`, refusing anything that
/// could leave it.
fn open_fixture_path(
    fixtures: Option<&Path>,
    raw: &str,
    url: &Url,
) -> Result<PathBuf, FetchFailure> {
    let Some(root) = fixtures else {
        return Err(FetchFailure::denied(format!(
            "{raw}: this dataset has no fixtures/ folder, so file: URLs are not available"
        )));
    };
    if url
        .host_str()
        .is_some_and(|h| !h.is_empty() && h != "localhost")
    {
        return Err(FetchFailure::denied(format!(
            "{raw}: file: URLs cannot name a host"
        )));
    }
    // The URL parser silently resolves `..`; look at what the plugin wrote.
    if raw_has_dot_dot(raw) {
        return Err(FetchFailure::denied(format!(
            "{raw}: `..` is not allowed in file: paths; fixtures are read from the dataset's fixtures/ folder only"
        )));
    }
    let mut path = root.to_path_buf();
    for segment in url.path_segments().into_iter().flatten() {
        let segment = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
        if segment == ".." || segment.contains(['/', '\\', '\0']) {
            return Err(FetchFailure::denied(format!(
                "{raw}: the path leaves the fixtures/ folder"
            )));
        }
        if !segment.is_empty() && segment != "." {
            path.push(segment.as_ref());
        }
    }
    let canonical = path.canonicalize().map_err(|_| {
        FetchFailure::new(
            FetchErrorKind::NotFound,
            format!("{raw}: no such fixture file"),
        )
    })?;
    if !canonical.starts_with(root) {
        return Err(FetchFailure::denied(format!(
            "{raw}: the path leads out of the fixtures/ folder (through a symlink); refused"
        )));
    }
    if canonical.is_dir() {
        // A folder answers with its index, as a web server's does: an API
        // whose `/datasets/x` and `/datasets/x/export` are both fixtures
        // keeps the first as `datasets/x/index.json`.
        for index in ["index.json", "index.html"] {
            let Ok(file) = canonical.join(index).canonicalize() else {
                continue;
            };
            if file.starts_with(root) && file.is_file() {
                return Ok(file);
            }
        }
    }
    if !canonical.is_file() {
        return Err(FetchFailure::new(
            FetchErrorKind::NotFound,
            format!("{raw}: not a file"),
        ));
    }
    Ok(canonical)
}

fn raw_has_dot_dot(raw: &str) -> bool {
    let path = raw.split(['?', '#']).next().unwrap_or(raw);
    path.split(['/', '\\'])
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .to_string()
        })
        .any(|s| s == ".." || s.eq_ignore_ascii_case(".%2e") || s.eq_ignore_ascii_case("%2e."))
}

/// A connection refused because the address it resolves to is not public.
#[derive(Debug)]
struct DeniedAddress {
    host: String,
    addr: IpAddr,
}

impl std::fmt::Display for DeniedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` resolves to {}, a loopback, private, link-local or reserved address; refused (if it really is the source, name the address itself in fetch.allow and fetch it by that address)",
            self.host, self.addr
        )
    }
}

impl std::error::Error for DeniedAddress {}

/// Resolves names, then drops the connection if any address is not public.
///
/// A name never leads to a private address, even one the dataset names in
/// `fetch.allow`: naming `http://10.0.0.5` opens that address for URLs
/// that use it, not every name that happens to resolve to it. (URLs with
/// an IP address for a host are connected to directly, without this
/// resolver, once the allow rule naming that address has matched.)
struct PolicyResolver;

impl reqwest::dns::Resolve for PolicyResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            // One bad address refuses the name: a name that mixes public and
            // private answers is how rebinding starts.
            if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
                return Err(Box::new(DeniedAddress {
                    host,
                    addr: bad.ip(),
                }) as _);
            }
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    let nat64 = ip.segments()[..6] == [0x64, 0xff9b, 0, 0, 0, 0];
    if nat64 {
        let [.., a, b, c, d] = ip.octets();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local, incl. cloud metadata fd00:ec2::254
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local
        || (first == 0x2001 && ip.segments()[1] == 0xdb8)) // documentation
}

fn classify(url: &Url, e: &reqwest::Error) -> FetchFailure {
    let mut source: Option<&dyn std::error::Error> = Some(e);
    while let Some(err) = source {
        if let Some(denied) = err.downcast_ref::<DeniedAddress>() {
            return FetchFailure::denied(format!("{url}: {denied}"));
        }
        source = err.source();
    }
    let kind = if e.is_timeout() {
        FetchErrorKind::Timeout
    } else if e.is_connect() {
        FetchErrorKind::Unreachable
    } else {
        FetchErrorKind::Protocol
    };
    FetchFailure::new(kind, format!("{url}: {}", error_chain(e)))
}

fn classify_body(url: &str, e: &reqwest::Error) -> FetchFailure {
    let kind = if e.is_timeout() {
        FetchErrorKind::Timeout
    } else {
        FetchErrorKind::Protocol
    };
    FetchFailure::new(
        kind,
        format!("{url}: reading the body failed: {}", error_chain(e)),
    )
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(err) = source {
        message.push_str(": ");
        message.push_str(&err.to_string());
        source = err.source();
    }
    message
}

impl RunState {
    /// Why this fetch may not even be tried, if it may not: its URL is too
    /// long, too many bodies are open, or the run's requests are spent.
    fn fetch_refusal(&mut self, raw: &str) -> Option<FetchFailure> {
        if raw.len() > budget::URL_BYTES {
            return Some(FetchFailure::new(
                FetchErrorKind::InvalidUrl,
                format!(
                    "a URL of {} bytes; at most {} KiB can be fetched",
                    raw.len(),
                    budget::URL_BYTES / 1024
                ),
            ));
        }
        if self.fetches.open_bodies >= budget::OPEN_BODIES {
            return Some(FetchFailure::denied(format!(
                "the plugin holds {} response bodies open, the most a run may; drop the ones it is done with before fetching more",
                budget::OPEN_BODIES
            )));
        }
        let max = self.fetcher.limits().max_requests;
        if self.fetches.requests >= max {
            let message = format!(
                "the run made {max} requests, its budget; raise fetch.max_requests in dataset.toml if the source really needs more"
            );
            self.failure
                .get_or_insert_with(|| RunFailure::new(FailureKind::FetchLimit, message.clone()));
            return Some(FetchFailure::denied(message));
        }
        None
    }

    fn record_fetch(&mut self, raw: &str, fetched: &Fetched) {
        let url = self.redactor.url(fetched.url.as_str());
        self.fetches.record(FetchRecord {
            url: url.clone(),
            status: fetched.status,
            bytes: 0,
        });
        let message = if raw == fetched.url.as_str() {
            format!("fetched {url}: {}", fetched.status)
        } else {
            format!(
                "fetched {} -> {url}: {}",
                self.redactor.url(raw),
                fetched.status
            )
        };
        self.push_log(LogLevel::Debug, LogSource::Host, message, Vec::new());
    }

    fn record_fetch_failure(&mut self, raw: &str, message: &str) {
        let fields = vec![("url".to_string(), self.redactor.url(raw))];
        self.push_log(
            LogLevel::Warn,
            LogSource::Host,
            format!("fetch failed: {message}"),
            fields,
        );
    }

    /// Counts bytes read against the run's total; past it the run fails.
    fn count_body_bytes(&mut self, n: usize) -> Result<(), FetchFailure> {
        self.fetches.add_bytes(n);
        let max = self.fetcher.limits().max_total_bytes();
        if self.fetches.bytes <= max {
            return Ok(());
        }
        let message = format!(
            "the run read more than {} MiB over all its fetches, its budget; raise fetch.max_total_mib in dataset.toml if the source really is that large",
            self.fetcher.limits().max_total_mib
        );
        self.failure
            .get_or_insert_with(|| RunFailure::new(FailureKind::FetchLimit, message.clone()));
        Err(FetchFailure::new(FetchErrorKind::TooLarge, message))
    }
}

/// The `fetch` import, which each contract version's bindings call.
impl RunState {
    /// Performs a plugin's request under the dataset's policy and budgets.
    pub(super) async fn fetch_for_plugin(
        &mut self,
        request: Request,
    ) -> wasmtime::Result<Result<Response, FetchFailure>> {
        self.ensure_running()?;
        if let Some(refusal) = self.fetch_refusal(&request.url) {
            let raw: String = request.url.chars().take(200).collect();
            self.record_fetch_failure(&raw, &refusal.message);
            return Ok(Err(refusal));
        }
        let raw = request.url.clone();
        self.fetches.requests += 1;
        let start = std::time::Instant::now();
        let result = self.fetcher.fetch(request).await;
        self.host_time += start.elapsed();
        match result {
            Ok(fetched) => {
                self.fetches.requests += u64::from(fetched.hops);
                self.record_fetch(&raw, &fetched);
                let body = self.table.push(fetched.body)?;
                self.fetches.open_bodies += 1;
                Ok(Ok(Response {
                    status: fetched.status,
                    url: fetched.url.to_string(),
                    headers: fetched.headers,
                    body,
                }))
            }
            Err(failure) => {
                self.record_fetch_failure(&raw, &failure.message);
                Ok(Err(failure))
            }
        }
    }

    /// Reads up to `max_bytes` more of a response body.
    pub(super) async fn read_body(
        &mut self,
        body: Resource<Body>,
        max_bytes: u32,
    ) -> wasmtime::Result<Result<Vec<u8>, FetchFailure>> {
        self.ensure_running()?;
        let start = std::time::Instant::now();
        let body = self.table.get_mut(&body)?;
        let result = body.read(max_bytes as usize).await;
        self.host_time += start.elapsed();
        Ok(match result {
            Ok(bytes) => self.count_body_bytes(bytes.len()).map(|()| bytes),
            Err(e) => Err(e),
        })
    }

    /// Lets go of a response body.
    pub(super) fn drop_body(&mut self, body: Resource<Body>) -> wasmtime::Result<()> {
        self.table.delete(body)?;
        self.fetches.open_bodies = self.fetches.open_bodies.saturating_sub(1);
        Ok(())
    }
}

/// The canonical fixtures folder of a dataset, if it has one.
pub fn canonical_fixtures(dir: &Path) -> Option<PathBuf> {
    dir.canonicalize().ok().filter(|d| d.is_dir())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_and_special_addresses() {
        for ip in ["93.184.216.34", "2a00:1450:4017:80b::200e", "8.8.8.8"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00:ec2::254",
            "::ffff:127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "224.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn headers_follow_redirects_within_one_origin_only() {
        let url = |u: &str| Url::parse(u).unwrap();
        let sent = || {
            vec![
                ("Authorization".to_string(), "Bearer t".to_string()),
                ("X-Api-Key".to_string(), "k".to_string()),
            ]
        };
        let mut headers = sent();
        carry_across_redirect(
            &url("https://a.bg/x"),
            &url("https://a.bg/y?z"),
            &mut headers,
        )
        .unwrap();
        assert_eq!(headers, sent(), "same origin keeps every header");
        for other in ["https://b.a.bg/y", "https://a.bg:8443/y"] {
            let mut headers = sent();
            carry_across_redirect(&url("https://a.bg/x"), &url(other), &mut headers).unwrap();
            assert!(headers.is_empty(), "{other} is another origin: {headers:?}");
        }
        let mut headers = sent();
        carry_across_redirect(&url("http://a.bg/x"), &url("https://a.bg/x"), &mut headers).unwrap();
        assert!(headers.is_empty(), "an upgrade changes the origin too");
        let downgrade =
            carry_across_redirect(&url("https://a.bg/x"), &url("http://a.bg/x"), &mut sent());
        let refused = downgrade.unwrap_err();
        assert_eq!(refused.kind, FetchErrorKind::Denied);
        assert!(
            refused.message.contains("from https to plain http"),
            "{}",
            refused.message
        );
    }

    #[test]
    fn dot_dot_is_seen_before_the_parser_removes_it() {
        assert!(raw_has_dot_dot("file:///../secret.txt"));
        assert!(raw_has_dot_dot("file:///a/%2e%2e/%2E%2E/etc/passwd"));
        assert!(raw_has_dot_dot("file:///a/.%2e/b"));
        assert!(!raw_has_dot_dot("file:///a/..b/c.html"));
        assert!(!raw_has_dot_dot("file:///index.html?x=.."));
    }

    #[test]
    fn fixture_paths_stay_inside_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("fixtures");
        std::fs::create_dir(&root).unwrap();
        std::fs::write(root.join("index.html"), "<html>").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
        let root = root.canonicalize().unwrap();
        let open = |raw: &str| open_fixture_path(Some(&root), raw, &Url::parse(raw).unwrap());

        assert_eq!(open("file:///index.html").unwrap(), root.join("index.html"));
        assert_eq!(
            open("file:///../secret.txt").unwrap_err().kind,
            FetchErrorKind::Denied
        );
        let link = open("file:///link.txt").unwrap_err();
        assert_eq!(link.kind, FetchErrorKind::Denied);
        assert!(link.message.contains("symlink"), "{}", link.message);
        assert_eq!(
            open("file:///missing.html").unwrap_err().kind,
            FetchErrorKind::NotFound
        );
        assert_eq!(
            open("file://evil.example/index.html").unwrap_err().kind,
            FetchErrorKind::Denied
        );
        // A folder answers with its index.json; one whose index leads out
        // through a symlink does not.
        std::fs::create_dir_all(root.join("datasets/x/exports")).unwrap();
        std::fs::write(root.join("datasets/x/index.json"), "{}").unwrap();
        assert_eq!(
            open("file:///datasets/x").unwrap(),
            root.join("datasets/x/index.json")
        );
        std::fs::create_dir(root.join("out")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("out/index.json"))
            .unwrap();
        assert_eq!(
            open("file:///out").unwrap_err().kind,
            FetchErrorKind::NotFound
        );
        let none = open_fixture_path(
            None,
            "file:///index.html",
            &Url::parse("file:///index.html").unwrap(),
        );
        assert_eq!(none.unwrap_err().kind, FetchErrorKind::Denied);
    }
}
