//! The admin API under `/api/v1/admin`: what the municipality's IT staff
//! use to run the daemon without a shell on the machine.
//!
//! It is off unless a token is configured. Each request must carry
//! `Authorization: Bearer <token>`; the token's SHA-256 is compared in
//! constant time with every configured one, and a failure is a bare 401
//! whatever went wrong. By default only loopback peers are served (a proxy
//! on the same machine included), and `[admin] listen` can move the API to
//! a listener of its own. The daemon's side is the [`Control`] trait; this
//! module only authenticates, routes and renders. Every action is logged on
//! the target `vitrina::admin` with the token's name.

use std::net::SocketAddr;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use bytes::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{HeaderMap, Method, StatusCode};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::errors::ApiError;
use super::throttle::LoginThrottle;
use crate::config::{TokenDigest, Webhook};
use crate::store::{RunRecord, Store};

/// The path prefix of every admin route.
pub const PREFIX: &str = "/api/v1/admin";

/// How many runs a listing returns unless asked otherwise, and at most.
const DEFAULT_RUNS: usize = 50;
const MAX_RUNS: usize = 1000;

/// What the admin API asks of the daemon.
#[async_trait]
pub trait Control: Send + Sync + 'static {
    /// Starts a run of `dataset` now; its run id.
    fn trigger(&self, dataset: &str, by: &str) -> Result<String, ControlError>;

    /// Pauses or resumes a dataset's schedule.
    async fn set_paused(&self, dataset: &str, paused: bool, by: &str) -> Result<(), ControlError>;

    /// Reads the configuration again; the old one stays on any error.
    async fn reload(self: Arc<Self>, by: &str) -> Result<ReloadReport, ControlError>;

    /// Every dataset's scheduling state.
    fn status(&self) -> serde_json::Value;

    /// The configuration in force, secrets redacted.
    fn effective_config(&self) -> serde_json::Value;

    /// Whether `dataset` is configured.
    fn knows(&self, dataset: &str) -> bool;

    /// Every webhook subscription in force: those of `vitrina.toml`, then
    /// those made through this API.
    fn webhooks(&self) -> Vec<WebhookEntry>;

    /// Adds or replaces a subscription made through this API, once its
    /// secret reads and its target passes the network policy; whether it
    /// is new.
    async fn put_webhook(&self, hook: Webhook, by: &str) -> Result<bool, ControlError>;

    /// Removes a subscription made through this API.
    async fn delete_webhook(&self, name: &str, by: &str) -> Result<(), ControlError>;
}

/// Where a webhook subscription was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WebhookOrigin {
    /// A `[[webhooks]]` of `vitrina.toml`: changed there, by a reload.
    Config,
    /// This API (`PUT /api/v1/admin/webhooks/{name}`), kept in the store.
    Admin,
}

/// A subscription in force, and where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookEntry {
    #[serde(flatten)]
    pub hook: Webhook,
    pub origin: WebhookOrigin,
    /// Who last set it, and when (subscriptions made through this API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// What a reload changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReloadReport {
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub changed: Vec<String>,
    pub unchanged: usize,
    /// Settings that changed but take effect only after a restart.
    pub restart_needed: Vec<String>,
}

/// Why the daemon refused an admin action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    #[error("no dataset `{0}` is configured")]
    UnknownDataset(String),
    #[error("no webhook subscription `{0}`; list them with GET /api/v1/admin/webhooks")]
    UnknownWebhook(String),
    #[error("`{0}` is running now; wait for that run to end (GET /api/v1/admin/runs?dataset={0})")]
    Busy(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    InvalidConfig(String),
    #[error("the daemon is shutting down")]
    ShuttingDown,
    #[error("{0}")]
    Internal(String),
}

impl From<ControlError> for ApiError {
    fn from(error: ControlError) -> Self {
        let message = error.to_string();
        match error {
            ControlError::UnknownDataset(_) | ControlError::UnknownWebhook(_) => {
                ApiError::not_found(message)
            }
            ControlError::Busy(_) => ApiError::conflict("run_in_progress", message),
            ControlError::Conflict(_) => ApiError::conflict("conflict", message),
            ControlError::InvalidConfig(_) => ApiError::invalid_config(message),
            ControlError::ShuttingDown => ApiError::unavailable("shutting_down", message),
            ControlError::Internal(_) => ApiError::internal(message),
        }
    }
}

/// The admin API's state: tokens (replaced on reload) and the daemon.
pub struct Admin {
    tokens: RwLock<Vec<TokenDigest>>,
    allow_remote: bool,
    control: Arc<dyn Control>,
    /// Failed logins per client address.
    throttle: LoginThrottle,
}

impl Admin {
    pub fn new(tokens: Vec<TokenDigest>, allow_remote: bool, control: Arc<dyn Control>) -> Self {
        Self {
            tokens: RwLock::new(tokens),
            allow_remote,
            control,
            throttle: LoginThrottle::default(),
        }
    }

    /// Replaces the tokens (after a reload).
    pub fn set_tokens(&self, tokens: Vec<TokenDigest>) {
        *self.tokens.write().unwrap_or_else(|e| e.into_inner()) = tokens;
    }

    /// The name of the token the request carries, if it is a valid one.
    fn authenticate(&self, headers: &HeaderMap) -> Option<String> {
        let presented = headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")?
            .trim();
        let digest: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        let tokens = self.tokens.read().unwrap_or_else(|e| e.into_inner());
        // Every token is compared, whichever matches, so the time taken
        // says nothing about which one (or how much of one) matched.
        let mut found = None;
        for token in tokens.iter() {
            if constant_time_eq(&digest, &token.sha256) {
                found = Some(token.name.clone());
            }
        }
        found
    }
}

/// Compares two digests without stopping at the first difference.
fn constant_time_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
    let difference = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(difference) == 0
}

/// An admin answer: status and JSON body.
pub struct AdminAnswer {
    pub status: StatusCode,
    pub body: Bytes,
    pub headers: HeaderMap,
}

impl AdminAnswer {
    fn json(status: StatusCode, value: &impl Serialize) -> Self {
        let mut body = serde_json::to_vec_pretty(value).unwrap_or_default();
        body.push(b'\n');
        Self {
            status,
            body: Bytes::from(body),
            headers: HeaderMap::new(),
        }
    }

    fn error(error: &ApiError) -> Self {
        Self::from(error)
    }
}

impl From<&ApiError> for AdminAnswer {
    fn from(error: &ApiError) -> Self {
        let mut answer = Self {
            status: error.status,
            body: error.body(),
            headers: HeaderMap::new(),
        };
        if error.status == StatusCode::UNAUTHORIZED {
            answer.headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"vitrina-admin\""),
            );
        }
        if let Some(wait) = error.retry_after {
            answer.headers.insert(
                header::RETRY_AFTER,
                HeaderValue::from(wait.as_secs().max(1)),
            );
        }
        if let Some(allow) = error.allow {
            answer
                .headers
                .insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        answer
    }
}

/// The admin routes.
#[derive(Debug, PartialEq, Eq)]
enum AdminRoute<'a> {
    Status,
    Config,
    Reload,
    Runs,
    Run(&'a str),
    Trigger(&'a str),
    Pause(&'a str),
    Resume(&'a str),
    /// Every webhook subscription in force.
    Webhooks,
    /// One subscription: read, set (made through this API) or removed.
    Webhook(&'a str),
    /// A webhook subscription's delivery log.
    Deliveries(&'a str),
    /// Resumes a webhook subscription paused for failing.
    ResumeWebhook(&'a str),
}

impl AdminRoute<'_> {
    /// The methods the route takes, as `Allow` lists them.
    fn allow(&self) -> &'static str {
        match self {
            AdminRoute::Status
            | AdminRoute::Config
            | AdminRoute::Runs
            | AdminRoute::Run(_)
            | AdminRoute::Webhooks
            | AdminRoute::Deliveries(_) => "GET",
            AdminRoute::Webhook(_) => "GET, PUT, DELETE",
            _ => "POST",
        }
    }

    fn takes(&self, method: &Method) -> bool {
        self.allow().split(", ").any(|m| m == method.as_str())
    }
}

fn admin_route(path: &str) -> Option<AdminRoute<'_>> {
    let rest = path.strip_prefix(PREFIX)?.strip_prefix('/')?;
    let parts: Vec<&str> = rest.split('/').collect();
    Some(match parts.as_slice() {
        ["status"] => AdminRoute::Status,
        ["config"] => AdminRoute::Config,
        ["reload"] => AdminRoute::Reload,
        ["runs"] => AdminRoute::Runs,
        ["runs", id] => AdminRoute::Run(id),
        ["datasets", id, "runs"] => AdminRoute::Trigger(id),
        ["datasets", id, "pause"] => AdminRoute::Pause(id),
        ["datasets", id, "resume"] => AdminRoute::Resume(id),
        ["webhooks"] => AdminRoute::Webhooks,
        ["webhooks", name] => AdminRoute::Webhook(name),
        ["webhooks", name, "deliveries"] => AdminRoute::Deliveries(name),
        ["webhooks", name, "resume"] => AdminRoute::ResumeWebhook(name),
        _ => return None,
    })
}

/// The label of an admin path in metrics.
pub fn route_label(path: &str) -> &'static str {
    match admin_route(path) {
        None => "other",
        Some(AdminRoute::Status) => "/api/v1/admin/status",
        Some(AdminRoute::Config) => "/api/v1/admin/config",
        Some(AdminRoute::Reload) => "/api/v1/admin/reload",
        Some(AdminRoute::Runs) => "/api/v1/admin/runs",
        Some(AdminRoute::Run(_)) => "/api/v1/admin/runs/:id",
        Some(AdminRoute::Trigger(_)) => "/api/v1/admin/datasets/:id/runs",
        Some(AdminRoute::Pause(_)) => "/api/v1/admin/datasets/:id/pause",
        Some(AdminRoute::Resume(_)) => "/api/v1/admin/datasets/:id/resume",
        Some(AdminRoute::Webhooks) => "/api/v1/admin/webhooks",
        Some(AdminRoute::Webhook(_)) => "/api/v1/admin/webhooks/:name",
        Some(AdminRoute::Deliveries(_)) => "/api/v1/admin/webhooks/:name/deliveries",
        Some(AdminRoute::ResumeWebhook(_)) => "/api/v1/admin/webhooks/:name/resume",
    }
}

/// One admin request.
pub struct AdminRequest<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    pub peer: SocketAddr,
    /// The request's body, read within [`MAX_BODY`].
    pub body: &'a [u8],
}

/// The largest admin request body: a subscription is a few hundred bytes.
pub const MAX_BODY: usize = 64 * 1024;

/// Answers an admin request; `admin` is `None` when the API is off.
pub async fn handle(
    admin: Option<&Admin>,
    store: &Arc<dyn Store>,
    request: AdminRequest<'_>,
) -> AdminAnswer {
    match answer(admin, store, &request).await {
        Ok(answer) => answer,
        Err(error) => AdminAnswer::error(&error),
    }
}

async fn answer(
    admin: Option<&Admin>,
    store: &Arc<dyn Store>,
    request: &AdminRequest<'_>,
) -> Result<AdminAnswer, ApiError> {
    let Some(admin) = admin else {
        return Err(ApiError::not_found(
            "the admin API is off: set VITRINA_ADMIN_TOKEN or [[admin.tokens]] in vitrina.toml",
        ));
    };
    let ip = request.peer.ip().to_canonical();
    if !admin.allow_remote && !ip.is_loopback() {
        return Err(ApiError::forbidden(
            "the admin API answers only on loopback; set [admin] allow_remote = true to change that",
        ));
    }
    if let Some(wait) = admin.throttle.wait(ip) {
        return Err(ApiError::too_many_attempts(wait));
    }
    // Authentication comes before routing, so an unauthenticated caller
    // cannot even tell which admin routes exist.
    let Some(who) = admin.authenticate(request.headers) else {
        admin.throttle.failed(ip);
        tracing::warn!(target: "vitrina::admin", peer = %request.peer, path = request.path, "refused: no valid token");
        return Err(ApiError::unauthorized());
    };
    let route = admin_route(request.path).ok_or_else(|| {
        ApiError::not_found(format!(
            "there is no admin route `{}`; see /api/v1/openapi.json",
            request.path
        ))
    })?;
    if !route.takes(request.method) {
        return Err(ApiError::method_not_allowed_on_admin(
            request.method.as_str(),
            route.allow(),
        ));
    }
    let control = &admin.control;
    match route {
        AdminRoute::Status => Ok(AdminAnswer::json(StatusCode::OK, &control.status())),
        AdminRoute::Config => Ok(AdminAnswer::json(
            StatusCode::OK,
            &control.effective_config(),
        )),
        AdminRoute::Runs => list_runs(control.as_ref(), store, request.query).await,
        AdminRoute::Run(id) => show_run(store, id).await,
        AdminRoute::Reload => {
            tracing::info!(target: "vitrina::admin", by = %who, action = "reload", "admin action");
            let report = Arc::clone(control).reload(&who).await?;
            Ok(AdminAnswer::json(StatusCode::OK, &report))
        }
        AdminRoute::Trigger(dataset) => {
            tracing::info!(target: "vitrina::admin", by = %who, action = "run", dataset, "admin action");
            let run_id = control.trigger(dataset, &who)?;
            let body = serde_json::json!({
                "dataset": dataset,
                "run_id": run_id,
                "run_url": format!("{PREFIX}/runs/{run_id}"),
            });
            Ok(AdminAnswer::json(StatusCode::ACCEPTED, &body))
        }
        AdminRoute::Webhooks => {
            simple_admin_query(request.query)?;
            list_webhooks(control.as_ref(), store).await
        }
        AdminRoute::Webhook(name) => {
            simple_admin_query(request.query)?;
            match *request.method {
                Method::PUT => put_webhook(control.as_ref(), name, request.body, &who).await,
                Method::DELETE => {
                    tracing::info!(target: "vitrina::admin", by = %who, action = "remove webhook", webhook = name, "admin action");
                    control.delete_webhook(name, &who).await?;
                    let body = serde_json::json!({ "webhook": name, "removed": true });
                    Ok(AdminAnswer::json(StatusCode::OK, &body))
                }
                _ => show_webhook(control.as_ref(), store, name).await,
            }
        }
        AdminRoute::Deliveries(name) => {
            simple_admin_query(request.query)?;
            let (store, owned) = (Arc::clone(store), name.to_string());
            let (log, state) = tokio::task::spawn_blocking(move || {
                Ok::<_, crate::store::StoreError>((
                    store.delivery_log(&owned, DEFAULT_RUNS)?,
                    store.subscription_state(&owned)?,
                ))
            })
            .await
            .map_err(|e| ApiError::internal(format!("the delivery log ({e})")))??;
            let pending = log
                .iter()
                .filter(|d| d.delivered_at.is_none() && d.abandoned_at.is_none())
                .count();
            let body = serde_json::json!({
                "webhook": name,
                "pending": pending,
                "consecutive_failures": state.consecutive_failures,
                "paused_at": state.paused_at,
                "deliveries": log,
            });
            Ok(AdminAnswer::json(StatusCode::OK, &body))
        }
        AdminRoute::ResumeWebhook(name) => {
            tracing::info!(target: "vitrina::admin", by = %who, action = "resume webhook", webhook = name, "admin action");
            let (store, owned) = (Arc::clone(store), name.to_string());
            let resumed = tokio::task::spawn_blocking(move || store.resume_subscription(&owned))
                .await
                .map_err(|e| ApiError::internal(format!("resuming the webhook ({e})")))??;
            let body = serde_json::json!({ "webhook": name, "resumed": resumed });
            Ok(AdminAnswer::json(StatusCode::OK, &body))
        }
        AdminRoute::Pause(dataset) | AdminRoute::Resume(dataset) => {
            let paused = matches!(route, AdminRoute::Pause(_));
            let action = if paused { "pause" } else { "resume" };
            tracing::info!(target: "vitrina::admin", by = %who, action, dataset, "admin action");
            control.set_paused(dataset, paused, &who).await?;
            let body = serde_json::json!({ "dataset": dataset, "paused": paused });
            Ok(AdminAnswer::json(StatusCode::OK, &body))
        }
    }
}

/// What `PUT /webhooks/{name}` takes: a subscription's settings, its name
/// being the path's.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookBody {
    /// Optional, and then the path's.
    name: Option<String>,
    url: String,
    secret: String,
    #[serde(default)]
    datasets: Vec<String>,
    #[serde(default)]
    events: Vec<String>,
    #[serde(default)]
    allow_private: bool,
}

/// A subscription in force, with where its deliveries stand.
async fn webhook_json(
    store: &Arc<dyn Store>,
    entry: &WebhookEntry,
) -> Result<serde_json::Value, ApiError> {
    let (store, name) = (Arc::clone(store), entry.hook.name.clone());
    let state = tokio::task::spawn_blocking(move || store.subscription_state(&name))
        .await
        .map_err(|e| ApiError::internal(format!("the subscription's state ({e})")))??;
    let mut json = serde_json::to_value(entry).unwrap_or_default();
    json["consecutive_failures"] = state.consecutive_failures.into();
    json["paused_at"] = serde_json::to_value(state.paused_at).unwrap_or_default();
    json["deliveries_url"] = format!("{PREFIX}/webhooks/{}/deliveries", entry.hook.name).into();
    Ok(json)
}

/// `GET /webhooks`: every subscription in force.
async fn list_webhooks(
    control: &dyn Control,
    store: &Arc<dyn Store>,
) -> Result<AdminAnswer, ApiError> {
    let mut listed = Vec::new();
    for entry in control.webhooks() {
        listed.push(webhook_json(store, &entry).await?);
    }
    Ok(AdminAnswer::json(
        StatusCode::OK,
        &serde_json::json!({ "webhooks": listed }),
    ))
}

/// `GET /webhooks/{name}`: one subscription in force.
async fn show_webhook(
    control: &dyn Control,
    store: &Arc<dyn Store>,
    name: &str,
) -> Result<AdminAnswer, ApiError> {
    let entry = control
        .webhooks()
        .into_iter()
        .find(|e| e.hook.name == name)
        .ok_or_else(|| ControlError::UnknownWebhook(name.to_string()))?;
    Ok(AdminAnswer::json(
        StatusCode::OK,
        &webhook_json(store, &entry).await?,
    ))
}

/// `PUT /webhooks/{name}`: makes or replaces a subscription; 201 when new.
async fn put_webhook(
    control: &dyn Control,
    name: &str,
    body: &[u8],
    who: &str,
) -> Result<AdminAnswer, ApiError> {
    let body: WebhookBody = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_body(format!(
            "the body must be a JSON subscription {{\"url\", \"secret\": \"env:NAME\" or \"file:/path\", \"datasets\", \"events\", \"allow_private\"}}: {e}"
        ))
    })?;
    if let Some(other) = body.name.as_deref().filter(|n| *n != name) {
        return Err(ApiError::bad_body(format!(
            "the body names `{other}` but the path `{name}`; leave the name out or make them agree"
        )));
    }
    let hook = Webhook {
        name: name.to_string(),
        url: body.url,
        secret: body.secret,
        datasets: body.datasets,
        events: body.events,
        allow_private: body.allow_private,
    };
    tracing::info!(target: "vitrina::admin", by = %who, action = "set webhook", webhook = name, url = %hook.url, "admin action");
    let created = control.put_webhook(hook, who).await?;
    let entry = control
        .webhooks()
        .into_iter()
        .find(|e| e.hook.name == name)
        .ok_or_else(|| ControlError::UnknownWebhook(name.to_string()))?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut answer = AdminAnswer::json(status, &entry);
    if let Ok(location) = HeaderValue::from_str(&format!("{PREFIX}/webhooks/{name}")) {
        answer.headers.insert(header::LOCATION, location);
    }
    Ok(answer)
}

/// Refuses any query parameter on a route that takes none.
fn simple_admin_query(query: Option<&str>) -> Result<(), ApiError> {
    match url::form_urlencoded::parse(query.unwrap_or("").as_bytes()).next() {
        Some((name, _)) => Err(ApiError::bad_query(
            format!("unknown parameter `{name}`; this route takes none"),
            Vec::new(),
        )),
        None => Ok(()),
    }
}

/// `GET /runs?dataset=ID&limit=N`: the newest runs, of one dataset or all.
async fn list_runs(
    control: &dyn Control,
    store: &Arc<dyn Store>,
    query: Option<&str>,
) -> Result<AdminAnswer, ApiError> {
    let mut dataset = None;
    let mut limit = DEFAULT_RUNS;
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match name.as_ref() {
            "dataset" => dataset = Some(value.into_owned()),
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=MAX_RUNS).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_query(
                            format!("limit must be a number from 1 to {MAX_RUNS}"),
                            Vec::new(),
                        )
                    })?
            }
            other => {
                return Err(ApiError::bad_query(
                    format!("unknown parameter `{other}`; use dataset and limit"),
                    Vec::new(),
                ));
            }
        }
    }
    if let Some(id) = &dataset
        && !control.knows(id)
    {
        return Err(ControlError::UnknownDataset(id.clone()).into());
    }
    let store = Arc::clone(store);
    let runs = tokio::task::spawn_blocking(move || -> Result<Vec<RunRecord>, ApiError> {
        let ids = match dataset {
            Some(id) => vec![id],
            None => store.datasets()?.into_iter().map(|d| d.meta.id).collect(),
        };
        let mut runs = Vec::new();
        for id in ids {
            runs.extend(store.runs(&id, limit)?);
        }
        runs.sort_by_key(|r| std::cmp::Reverse(r.started_at));
        runs.truncate(limit);
        Ok(runs)
    })
    .await
    .map_err(|e| ApiError::internal(format!("the runs task failed: {e}")))??;
    let listed: Vec<serde_json::Value> = runs.iter().map(run_summary).collect();
    Ok(AdminAnswer::json(
        StatusCode::OK,
        &serde_json::json!({ "runs": listed }),
    ))
}

/// A run in a listing: what happened, without its logs.
fn run_summary(run: &RunRecord) -> serde_json::Value {
    serde_json::json!({
        "run_id": run.run_id,
        "dataset": run.dataset,
        "started_at": run.started_at,
        "outcome": run.outcome,
        "version": run.version,
        "rows": run.rows,
        "trigger": run.trigger,
        "duration_ms": run.duration_ms,
        "failure": run.failure_kind.as_ref().map(|kind| serde_json::json!({
            "kind": kind,
            "message": run.failure_message,
        })),
        "url": format!("{PREFIX}/runs/{}", run.run_id),
    })
}

/// `GET /runs/{id}`: one run with its whole report, logs included.
async fn show_run(store: &Arc<dyn Store>, id: &str) -> Result<AdminAnswer, ApiError> {
    let (store, key) = (Arc::clone(store), id.to_string());
    let run = tokio::task::spawn_blocking(move || store.run(&key))
        .await
        .map_err(|e| ApiError::internal(format!("the runs task failed: {e}")))??;
    let run = run.ok_or_else(|| {
        ApiError::not_found(format!(
            "no run `{id}`; list runs with GET {PREFIX}/runs (a run still going is recorded when it ends)"
        ))
    })?;
    let mut body = run_summary(&run);
    body["report"] = run.report.unwrap_or_default();
    Ok(AdminAnswer::json(StatusCode::OK, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(
            admin_route("/api/v1/admin/status"),
            Some(AdminRoute::Status)
        );
        assert_eq!(
            admin_route("/api/v1/admin/datasets/a/runs"),
            Some(AdminRoute::Trigger("a"))
        );
        assert_eq!(
            admin_route("/api/v1/admin/runs/r1"),
            Some(AdminRoute::Run("r1"))
        );
        assert_eq!(
            admin_route("/api/v1/admin/webhooks/ghent"),
            Some(AdminRoute::Webhook("ghent"))
        );
        assert!(AdminRoute::Webhook("ghent").takes(&Method::DELETE));
        assert!(!AdminRoute::Webhooks.takes(&Method::PUT));
        assert_eq!(admin_route("/api/v1/admin"), None);
        assert_eq!(admin_route("/api/v1/adminx/status"), None);
        assert_eq!(admin_route("/api/v1/admin/datasets/a/delete"), None);
    }

    #[test]
    fn digests_compare_equal_only_when_equal() {
        let digest = |text: &str| -> [u8; 32] { Sha256::digest(text.as_bytes()).into() };
        let (a, b, c) = (digest("secret"), digest("secret"), digest("secreT"));
        assert!(constant_time_eq(&a, &b));
        assert!(!constant_time_eq(&a, &c));
    }
}
