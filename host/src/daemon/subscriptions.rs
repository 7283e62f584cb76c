//! Webhook subscriptions made through the admin API: checked as the
//! configuration's are, then some (the secret must read and the target
//! must pass the network policy now, since nobody is watching a log when
//! an API call succeeds), kept in the store so they outlive restarts, and
//! served beside the `[[webhooks]]` of `vitrina.toml` to the dispatcher.
//!
//! A name belongs to one place: the configuration's subscriptions are
//! changed in `vitrina.toml`, so the API refuses to overwrite or remove
//! one, and a stored subscription whose name the configuration takes
//! later (by a reload) yields to it, with a warning.

use super::Daemon;
use super::webhooks::{check_target, key_of};
use crate::config::Webhook;
use crate::publish::admin::{ControlError, WebhookEntry, WebhookOrigin};
use crate::run::blocking;

impl Daemon {
    /// The subscriptions the dispatcher delivers to: the configuration's,
    /// then the stored ones whose names it does not take.
    pub fn webhooks_in_force(&self) -> Vec<Webhook> {
        self.webhook_entries().into_iter().map(|e| e.hook).collect()
    }

    pub(super) fn webhook_entries(&self) -> Vec<WebhookEntry> {
        let loaded = self.loaded();
        let configured = &loaded.config.webhooks;
        let mut entries: Vec<WebhookEntry> = configured
            .iter()
            .map(|hook| WebhookEntry {
                hook: hook.clone(),
                origin: WebhookOrigin::Config,
                updated_by: None,
                updated_at: None,
            })
            .collect();
        let stored = self
            .stored_webhooks
            .read()
            .unwrap_or_else(|e| e.into_inner());
        entries.extend(
            stored
                .iter()
                .filter(|s| !configured.iter().any(|c| c.name == s.hook.name))
                .map(|s| WebhookEntry {
                    hook: s.hook.clone(),
                    origin: WebhookOrigin::Admin,
                    updated_by: Some(s.updated_by.clone()),
                    updated_at: Some(s.updated_at),
                }),
        );
        entries
    }

    /// Warns of stored subscriptions the configuration now overrides.
    pub(super) fn warn_of_shadowed_webhooks(&self) {
        let loaded = self.loaded();
        let stored = self
            .stored_webhooks
            .read()
            .unwrap_or_else(|e| e.into_inner());
        for hook in stored
            .iter()
            .filter(|s| loaded.config.webhooks.iter().any(|c| c.name == s.hook.name))
        {
            tracing::warn!(
                webhook = %hook.hook.name,
                "a [[webhooks]] of vitrina.toml takes this name; the subscription made through the admin API is not used while it does"
            );
        }
    }

    /// Refuses a name the configuration owns.
    fn refuse_configured(&self, name: &str) -> Result<(), ControlError> {
        if self.loaded().config.webhooks.iter().any(|h| h.name == name) {
            return Err(ControlError::Conflict(format!(
                "`{name}` is a [[webhooks]] of {}: change it there and reload",
                self.config_path.display()
            )));
        }
        Ok(())
    }

    pub(super) async fn put_stored_webhook(
        &self,
        hook: Webhook,
        by: &str,
    ) -> Result<bool, ControlError> {
        hook.validate().map_err(ControlError::InvalidConfig)?;
        self.refuse_configured(&hook.name)?;
        let loaded = self.loaded();
        if let Some(unknown) = hook
            .datasets
            .iter()
            .find(|d| !loaded.datasets.contains_key(*d))
        {
            return Err(ControlError::InvalidConfig(format!(
                "datasets: no dataset `{unknown}` is configured (GET /api/v1/datasets lists them)"
            )));
        }
        key_of(&hook).map_err(|e| {
            ControlError::InvalidConfig(format!(
                "secret: {e}; make the secret readable by the daemon before subscribing"
            ))
        })?;
        check_target(&hook)
            .await
            .map_err(|e| ControlError::InvalidConfig(format!("url: {e}")))?;
        let (stored, who) = (hook.clone(), by.to_string());
        let created = blocking(&self.shared.store, move |s| s.put_webhook(&stored, &who))
            .await
            .map_err(|e| ControlError::Internal(format!("cannot store the subscription: {e}")))?;
        self.reread_stored_webhooks().await?;
        tracing::info!(webhook = %hook.name, url = %hook.url, by, created, "webhook subscription set");
        Ok(created)
    }

    pub(super) async fn delete_stored_webhook(
        &self,
        name: &str,
        by: &str,
    ) -> Result<(), ControlError> {
        self.refuse_configured(name)?;
        let owned = name.to_string();
        let removed = blocking(&self.shared.store, move |s| s.delete_webhook(&owned))
            .await
            .map_err(|e| ControlError::Internal(format!("cannot remove the subscription: {e}")))?;
        if !removed {
            return Err(ControlError::UnknownWebhook(name.to_string()));
        }
        self.reread_stored_webhooks().await?;
        tracing::info!(webhook = name, by, "webhook subscription removed");
        Ok(())
    }

    async fn reread_stored_webhooks(&self) -> Result<(), ControlError> {
        let stored = blocking(&self.shared.store, |s| s.stored_webhooks())
            .await
            .map_err(|e| {
                ControlError::Internal(format!("cannot read the webhook subscriptions: {e}"))
            })?;
        *self
            .stored_webhooks
            .write()
            .unwrap_or_else(|e| e.into_inner()) = stored;
        Ok(())
    }
}
