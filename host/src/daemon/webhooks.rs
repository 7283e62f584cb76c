//! Webhook delivery: the events of the store's outbox, POSTed to each
//! `[[webhooks]]` subscription as the Standard Webhooks specification
//! describes them, at least once, in the background.
//!
//! Every second the dispatcher queues for each subscription the events it
//! wants (`Store::enqueue_deliveries`), then tries what is due: a JSON body
//! `{"type", "timestamp", "data"}` with `webhook-id` (the event's id, the
//! same on every attempt, for the receiver to de-duplicate),
//! `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "id.timestamp.body">` keyed with the subscription's `whsec_` secret. A
//! 2xx is delivered; anything else is tried again after 5 s, 10 s, 20 s ...
//! up to an hour apart, for a day, then given up; every attempt is in the
//! store's delivery log. Publishing never waits for any of it: the outbox
//! is written with the version, and this task reads it.
//!
//! A target must resolve to public addresses, as plugin fetches must, so
//! a subscription cannot be pointed at the operator's own network, unless
//! it says `allow_private = true`. Redirects are not followed.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::{Value as Json, json};
use sha2::Sha256;
use tokio_util::sync::CancellationToken;

use crate::config::Webhook;
use crate::publish::app::Links;
use crate::run::blocking;
use crate::store::{Delivery, DeliveryAttempt, Event, Store};

/// How often the outbox is looked at.
const POLL: Duration = Duration::from_secs(1);
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// The first wait before trying again; each failure doubles it.
const FIRST_RETRY: Duration = Duration::from_secs(5);
/// The longest wait between attempts.
const LONGEST_RETRY: Duration = Duration::from_secs(3600);
/// How long an event is tried before it is given up.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(24);
/// Deliveries tried per look.
const BATCH: usize = 64;

/// A subscription ready to deliver: its settings and its signing key.
struct Subscription {
    hook: Webhook,
    /// The secret's key bytes; `None` when its environment variable is
    /// missing or not a `whsec_` secret (logged; nothing is sent unsigned).
    key: Option<Vec<u8>>,
}

/// Where the subscriptions in force come from: the configuration as the
/// daemon last loaded it, so a reload changes them.
pub type Subscriptions = Box<dyn Fn() -> Vec<Webhook> + Send + Sync>;

/// Delivers the outbox's events to the configured subscriptions.
pub struct Dispatcher {
    store: Arc<dyn Store>,
    source: Subscriptions,
    /// The subscriptions last read, ready to deliver.
    ready: std::sync::Mutex<(Vec<Webhook>, Arc<Vec<Subscription>>)>,
    client: reqwest::Client,
    base_url: String,
}

/// The signing key of a Standard Webhooks secret (`whsec_` and base64).
pub fn signing_key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret.strip_prefix("whsec_").unwrap_or(secret);
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .filter(|key| !key.is_empty())
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
pub fn signature(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

impl Dispatcher {
    pub fn new(store: Arc<dyn Store>, source: Subscriptions, base_url: &str) -> Self {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .timeout(ATTEMPT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Vitrina/", env!("CARGO_PKG_VERSION"), " webhooks"))
            .build()
            .unwrap_or_default();
        Self {
            store,
            source,
            ready: std::sync::Mutex::new((Vec::new(), Arc::new(Vec::new()))),
            client,
            base_url: base_url.trim_end_matches('/').to_string(),
        }
    }

    /// The subscriptions in force, read again when the configuration
    /// changed them.
    fn subscriptions(&self) -> Arc<Vec<Subscription>> {
        let hooks = (self.source)();
        let mut ready = self.ready.lock().unwrap_or_else(|e| e.into_inner());
        let changed = ready.0 != hooks;
        // A secret that could not be read is looked for again each time:
        // the operator may set it while the daemon runs.
        if changed || ready.1.iter().any(|s| s.key.is_none()) {
            let subscriptions = Arc::new(prepare(&hooks, changed));
            if changed {
                tracing::info!(
                    subscriptions = hooks.len(),
                    "webhook subscriptions in force"
                );
            }
            *ready = (hooks, subscriptions);
        }
        Arc::clone(&ready.1)
    }

    /// Delivers until `stop`.
    pub async fn run(self, stop: CancellationToken) {
        // A subscription seen for the first time is told what happens from
        // now: register each before anything else can be published.
        self.deliver_due().await;
        tracing::info!(
            subscriptions = self.subscriptions().len(),
            "delivering webhooks"
        );
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = tick.tick() => self.deliver_due().await,
                () = stop.cancelled() => return,
            }
        }
    }

    /// One look at the outbox: queue what is new, try what is due.
    pub async fn deliver_due(&self) {
        let subscriptions = self.subscriptions();
        if subscriptions.is_empty() {
            return;
        }
        for subscription in subscriptions.iter().filter(|s| s.key.is_some()) {
            let hook = subscription.hook.clone();
            let queued = blocking(&self.store, move |s| {
                s.enqueue_deliveries(&hook.name, &|event| wants(&hook, event))
            })
            .await;
            if let Err(error) = queued {
                tracing::warn!(webhook = %subscription.hook.name, %error, "could not queue webhook events");
            }
        }
        let due = match blocking(&self.store, |s| s.due_deliveries(BATCH)).await {
            Ok(due) => due,
            Err(error) => {
                tracing::warn!(%error, "could not read the webhook outbox");
                return;
            }
        };
        for delivery in due {
            let Some(subscription) = subscriptions
                .iter()
                .find(|s| s.hook.name == delivery.subscription && s.key.is_some())
            else {
                continue;
            };
            let attempt = self.attempt(subscription, &delivery).await;
            match &attempt {
                DeliveryAttempt::Delivered { status } => tracing::info!(
                    webhook = %delivery.subscription,
                    event = %delivery.event.id,
                    status,
                    "webhook delivered"
                ),
                DeliveryAttempt::Failed {
                    error, retry_at, ..
                } => tracing::warn!(
                    webhook = %delivery.subscription,
                    event = %delivery.event.id,
                    %error,
                    retry_at = ?retry_at,
                    "webhook not delivered"
                ),
            }
            let (seq, name) = (delivery.event.seq, delivery.subscription.clone());
            if let Err(error) = blocking(&self.store, move |s| {
                s.record_delivery(seq, &name, &attempt)
            })
            .await
            {
                tracing::warn!(%error, "could not record a webhook attempt");
            }
        }
    }

    async fn attempt(&self, subscription: &Subscription, delivery: &Delivery) -> DeliveryAttempt {
        let retry = |status: Option<u16>, error: String| DeliveryAttempt::Failed {
            status,
            error,
            retry_at: retry_at(delivery),
        };
        if let Err(error) = check_target(&subscription.hook).await {
            return DeliveryAttempt::Failed {
                status: None,
                error,
                retry_at: None,
            };
        }
        let body = serde_json::to_vec(&self.body(&delivery.event)).unwrap_or_default();
        let timestamp = chrono::Utc::now().timestamp();
        let key = subscription.key.as_deref().unwrap_or_default();
        let sent = self
            .client
            .post(&subscription.hook.url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.event.id)
            .header("webhook-timestamp", timestamp.to_string())
            .header(
                "webhook-signature",
                signature(key, &delivery.event.id, timestamp, &body),
            )
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => DeliveryAttempt::Delivered {
                status: response.status().as_u16(),
            },
            Ok(response) => retry(
                Some(response.status().as_u16()),
                format!("the receiver answered {}", response.status()),
            ),
            Err(error) => retry(None, format!("could not deliver: {error}")),
        }
    }

    /// What a subscriber receives: the event, with the links to follow.
    fn body(&self, event: &Event) -> Json {
        let links = Links {
            base: &self.base_url,
            dataset: &event.dataset,
        };
        let mut data = json!({ "dataset": event.dataset, "version": event.version });
        if let Some(extra) = event.data.as_object() {
            for (key, value) in extra {
                data[key] = value.clone();
            }
        }
        let mut urls = json!({ "dataset": links.dataset() });
        if let Some(n) = event.version {
            urls["version"] = json!(links.version(n));
            urls["csv"] = json!(links.download(Some(n), "csv"));
            urls["json"] = json!(links.download(Some(n), "json"));
            if n > 1 {
                urls["changes"] =
                    json!(format!("{}/changes?from={}&to={n}", links.dataset(), n - 1));
            }
        }
        data["links"] = urls;
        json!({
            "type": event.kind,
            "timestamp": event.created_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "data": data,
        })
    }
}

/// How often datasets are looked at for staleness.
const STALENESS_POLL: Duration = Duration::from_secs(60);

/// Announces (`data.stale`) each dataset that went stale, once for each
/// time: older than its schedule promises (`DatasetState::stale_since`).
pub async fn watch_staleness(
    store: Arc<dyn Store>,
    app: Arc<crate::publish::App>,
    stop: CancellationToken,
) {
    let mut tick = tokio::time::interval(STALENESS_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = stop.cancelled() => return,
        }
        let now = chrono::Utc::now();
        let stale: Vec<(String, chrono::DateTime<chrono::Utc>)> = app
            .catalog()
            .datasets
            .values()
            .filter_map(|d| d.stale_since(now).map(|last| (d.meta.id.clone(), last)))
            .collect();
        for (dataset, last) in stale {
            let id = dataset.clone();
            match blocking(&store, move |s| s.announce_stale(&id, &last)).await {
                Ok(true) => tracing::warn!(%dataset, last_success = %last, "dataset went stale"),
                Ok(false) => {}
                Err(error) => {
                    tracing::warn!(%dataset, %error, "could not record that a dataset went stale")
                }
            }
        }
    }
}

/// Subscriptions with their signing keys; one whose secret is missing is
/// kept, its events waiting until the secret is set, and logged when
/// `report` is set.
fn prepare(hooks: &[Webhook], report: bool) -> Vec<Subscription> {
    hooks
        .iter()
        .map(|hook| {
            let key = key_of(hook);
            if let (Err(error), true) = (&key, report) {
                tracing::error!(
                    webhook = %hook.name,
                    secret = %hook.secret,
                    %error,
                    "the webhook's secret cannot be used; its events wait until it is set"
                );
            }
            Subscription {
                hook: hook.clone(),
                key: key.ok(),
            }
        })
        .collect()
}

/// The signing key a subscription's secret reference leads to, or why
/// there is none (never the value).
pub fn key_of(hook: &Webhook) -> Result<Vec<u8>, String> {
    let reference = crate::config::SecretRef::parse(&hook.secret)
        .ok_or_else(|| format!("{:?} is not env:NAME or file:/path", hook.secret))?;
    let value = reference.read()?;
    signing_key(&value).ok_or_else(|| {
        format!(
            "the secret {} names is not a Standard Webhooks secret (`whsec_` and base64)",
            hook.secret
        )
    })
}

/// Whether `hook` is told of `event`.
fn wants(hook: &Webhook, event: &Event) -> bool {
    (hook.events.is_empty() || hook.events.contains(&event.kind))
        && (hook.datasets.is_empty() || hook.datasets.contains(&event.dataset))
}

/// When to try again: doubling from 5 s up to an hour, and never once the
/// event is a day old.
fn retry_at(delivery: &Delivery) -> Option<chrono::DateTime<chrono::Utc>> {
    let now = chrono::Utc::now();
    if now - delivery.event.created_at > GIVE_UP_AFTER {
        return None;
    }
    let wait = FIRST_RETRY
        .saturating_mul(1u32 << delivery.attempts.min(16))
        .min(LONGEST_RETRY);
    Some(now + chrono::Duration::from_std(wait).unwrap_or_default())
}

/// Refuses a target that resolves to a loopback, private or otherwise
/// non-public address, unless the subscription allows it.
pub async fn check_target(hook: &Webhook) -> Result<(), String> {
    if hook.allow_private {
        return Ok(());
    }
    let url = url::Url::parse(&hook.url).map_err(|e| e.to_string())?;
    let host = url.host_str().unwrap_or_default().to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let addresses = tokio::net::lookup_host((host.as_str(), port))
        .await
        .map_err(|e| format!("cannot resolve {host}: {e}"))?;
    for address in addresses {
        if !crate::runtime::fetch::is_public(address.ip()) {
            return Err(format!(
                "{host} resolves to {}, which is not a public address; a webhook may call it only with allow_private = true",
                address.ip()
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_standard_webhooks_example() {
        // The specification's own example, as its libraries test it.
        let key = signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            signature(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert!(signing_key("whsec_").is_none());
        assert!(signing_key("not base64 !").is_none());
    }

    #[test]
    fn retries_double_up_to_an_hour_and_stop_after_a_day() {
        let event = |age: chrono::Duration| Event {
            seq: 1,
            id: "msg_1".into(),
            kind: "version.published".into(),
            dataset: "d".into(),
            version: Some(1),
            created_at: chrono::Utc::now() - age,
            data: json!({}),
        };
        let delivery = |attempts: u32, age| Delivery {
            event: event(age),
            subscription: "s".into(),
            attempts,
            next_attempt: chrono::Utc::now(),
            delivered_at: None,
            abandoned_at: None,
            last_status: None,
            last_error: None,
        };
        let wait = |attempts| {
            (retry_at(&delivery(attempts, chrono::Duration::zero())).unwrap() - chrono::Utc::now())
                .num_seconds()
        };
        assert!((4..=5).contains(&wait(0)), "{}", wait(0));
        assert!((19..=20).contains(&wait(2)), "{}", wait(2));
        assert!((3599..=3600).contains(&wait(30)), "{}", wait(30));
        assert!(retry_at(&delivery(3, chrono::Duration::hours(25))).is_none());
    }
}
