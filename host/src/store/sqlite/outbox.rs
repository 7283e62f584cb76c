//! The outbox: what happened that subscribers are told of, written in the
//! same transaction as what it announces (a version, a failed run), so a
//! crash never loses an event nor invents one; and each subscription's
//! deliveries of them, with their attempts.
//!
//! Events are numbered (`seq`); each subscription keeps a cursor, and
//! `enqueue` turns the events past it that the subscription wants into
//! deliveries (one row per event and subscription: its id is the event's,
//! the same on every attempt, for the receiver to de-duplicate). A
//! subscription seen for the first time starts after the newest event: it
//! is told what happens from then on, not the store's whole history. A
//! subscription whose attempts fail [`PAUSE_AFTER_FAILURES`] times in a
//! row is paused until an operator resumes it.

use rusqlite::{Connection, OptionalExtension, params};

use crate::config::Webhook;
use crate::store::{
    Delivery, DeliveryAttempt, Event, StoreError, StoredWebhook, SubscriptionState,
};

/// The outbox's tables, as a migration.
pub const TABLES: &str = r#"
    CREATE TABLE IF NOT EXISTS events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        dataset TEXT NOT NULL,
        version INTEGER,
        created_at TEXT NOT NULL,
        data TEXT NOT NULL
    );
    CREATE TABLE IF NOT EXISTS deliveries (
        event INTEGER NOT NULL REFERENCES events(seq),
        subscription TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt TEXT NOT NULL,
        delivered_at TEXT,
        abandoned_at TEXT,
        last_status INTEGER,
        last_error TEXT,
        PRIMARY KEY (event, subscription)
    );
    CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (next_attempt)
        WHERE delivered_at IS NULL AND abandoned_at IS NULL;
    CREATE TABLE IF NOT EXISTS subscription_cursors (
        subscription TEXT PRIMARY KEY,
        after INTEGER NOT NULL
    );
"#;

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Records an event; call inside the transaction of what it announces.
pub fn record(
    conn: &Connection,
    kind: &str,
    dataset: &str,
    version: Option<u64>,
    data: &serde_json::Value,
) -> Result<(), StoreError> {
    let id = format!(
        "msg_{}_{}_{}",
        dataset,
        version.map_or_else(|| "run".to_string(), |v| v.to_string()),
        uuid_like()
    );
    conn.execute(
        "INSERT INTO events (id, kind, dataset, version, created_at, data)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            id,
            kind,
            dataset,
            version.map(|v| v as i64),
            now(),
            data.to_string()
        ],
    )?;
    Ok(())
}

/// Records that `dataset` went stale, once for each last success: a
/// dataset that stays stale is announced once, and again only after it
/// succeeded and went stale anew. Whether it recorded one.
pub fn record_stale(
    conn: &mut Connection,
    dataset: &str,
    last_success: &chrono::DateTime<chrono::Utc>,
) -> Result<bool, StoreError> {
    let since = last_success.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let announced: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM events WHERE kind = 'data.stale' AND dataset = ?1
                        AND json_extract(data, '$.last_success') = ?2)",
        params![dataset, since],
        |r| r.get(0),
    )?;
    if !announced {
        record(
            &tx,
            "data.stale",
            dataset,
            None,
            &serde_json::json!({ "last_success": since }),
        )?;
    }
    tx.commit()?;
    Ok(!announced)
}

/// 16 random hex digits: event ids are unique without a counter that a
/// crash could reuse.
fn uuid_like() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos(),
    );
    format!("{:016x}", hasher.finish())
}

/// Turns the events past `subscription`'s cursor that it `wants` into
/// deliveries, due now, and moves the cursor; one transaction. How many.
pub fn enqueue(
    conn: &mut Connection,
    subscription: &str,
    wants: &dyn Fn(&Event) -> bool,
) -> Result<usize, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let newest: i64 = tx.query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?;
    let after: Option<i64> = tx
        .query_row(
            "SELECT after FROM subscription_cursors WHERE subscription = ?1",
            [subscription],
            |r| r.get(0),
        )
        .optional()?;
    let Some(after) = after else {
        tx.execute(
            "INSERT INTO subscription_cursors (subscription, after) VALUES (?1, ?2)",
            params![subscription, newest],
        )?;
        tx.commit()?;
        return Ok(0);
    };
    let events = events_between(&tx, after, newest)?;
    let due = now();
    let mut queued = 0;
    for event in events.iter().filter(|e| wants(e)) {
        queued += tx.execute(
            "INSERT OR IGNORE INTO deliveries (event, subscription, next_attempt) VALUES (?1, ?2, ?3)",
            params![event.seq as i64, subscription, due],
        )?;
    }
    tx.execute(
        "UPDATE subscription_cursors SET after = ?2 WHERE subscription = ?1",
        params![subscription, newest],
    )?;
    tx.commit()?;
    Ok(queued)
}

const EVENT_COLUMNS: &str = "e.seq, e.id, e.kind, e.dataset, e.version, e.created_at, e.data";

fn event_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<Event> {
    let data: String = row.get(6)?;
    Ok(Event {
        seq: row.get::<_, i64>(0)? as u64,
        id: row.get(1)?,
        kind: row.get(2)?,
        dataset: row.get(3)?,
        version: row.get::<_, Option<i64>>(4)?.map(|v| v as u64),
        created_at: super::parse_time(&row.get::<_, String>(5)?),
        data: serde_json::from_str(&data).unwrap_or_default(),
    })
}

fn events_between(conn: &Connection, after: i64, until: i64) -> Result<Vec<Event>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS} FROM events e WHERE e.seq > ?1 AND e.seq <= ?2 ORDER BY e.seq"
    ))?;
    let events = stmt
        .query_map(params![after, until], event_from)?
        .collect::<Result<_, _>>()?;
    Ok(events)
}

const DELIVERY_COLUMNS: &str = "d.subscription, d.attempts, d.next_attempt, d.delivered_at, d.abandoned_at, d.last_status, d.last_error";

fn delivery_from(row: &rusqlite::Row<'_>) -> rusqlite::Result<Delivery> {
    let time = |i: usize| -> rusqlite::Result<Option<chrono::DateTime<chrono::Utc>>> {
        Ok(row
            .get::<_, Option<String>>(i)?
            .map(|t| super::parse_time(&t)))
    };
    Ok(Delivery {
        event: event_from(row)?,
        subscription: row.get(7)?,
        attempts: row.get::<_, i64>(8)? as u32,
        next_attempt: super::parse_time(&row.get::<_, String>(9)?),
        delivered_at: time(10)?,
        abandoned_at: time(11)?,
        last_status: row.get::<_, Option<i64>>(12)?.map(|s| s as u16),
        last_error: row.get(13)?,
    })
}

/// Failed attempts in a row after which a subscription is paused: with
/// the retries doubling from 5 s to an hour, about half a day of a
/// receiver that never answers.
pub const PAUSE_AFTER_FAILURES: u32 = 20;

/// Deliveries due by now, oldest event first, at most `limit`; none of a
/// paused subscription.
pub fn due(conn: &Connection, limit: usize) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS}, {DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event
         JOIN subscription_cursors c ON c.subscription = d.subscription
         WHERE d.delivered_at IS NULL AND d.abandoned_at IS NULL AND d.next_attempt <= ?1
           AND c.paused_at IS NULL
         ORDER BY d.event LIMIT ?2"
    ))?;
    let deliveries = stmt
        .query_map(params![now(), limit as i64], delivery_from)?
        .collect::<Result<_, _>>()?;
    Ok(deliveries)
}

/// The latest deliveries of a subscription, newest first.
pub fn log(
    conn: &Connection,
    subscription: &str,
    limit: usize,
) -> Result<Vec<Delivery>, StoreError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {EVENT_COLUMNS}, {DELIVERY_COLUMNS} FROM deliveries d JOIN events e ON e.seq = d.event
         WHERE d.subscription = ?1 ORDER BY d.event DESC LIMIT ?2"
    ))?;
    let deliveries = stmt
        .query_map(params![subscription, limit as i64], delivery_from)?
        .collect::<Result<_, _>>()?;
    Ok(deliveries)
}

/// A subscription's state: failed attempts in a row, and since when it
/// is paused, if it is.
pub fn state(conn: &Connection, subscription: &str) -> Result<SubscriptionState, StoreError> {
    let row: Option<(i64, Option<String>)> = conn
        .query_row(
            "SELECT failures, paused_at FROM subscription_cursors WHERE subscription = ?1",
            [subscription],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let (failures, paused_at) = row.unwrap_or((0, None));
    Ok(SubscriptionState {
        consecutive_failures: failures as u32,
        paused_at: paused_at.map(|t| super::parse_time(&t)),
    })
}

/// The table of subscriptions made through the admin API, as a migration.
pub const WEBHOOKS_TABLE: &str = r#"
    CREATE TABLE IF NOT EXISTS webhooks (
        name TEXT PRIMARY KEY,
        settings TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
"#;

/// The subscriptions made through the admin API, by name.
pub fn webhooks(conn: &Connection) -> Result<Vec<StoredWebhook>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT settings, updated_by, updated_at FROM webhooks ORDER BY name")?;
    let rows: Vec<(String, String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<_, _>>()?;
    rows.into_iter()
        .map(|(settings, updated_by, updated_at)| {
            let hook: Webhook = serde_json::from_str(&settings)
                .map_err(|e| StoreError::Corrupt(format!("a stored webhook subscription: {e}")))?;
            Ok(StoredWebhook {
                hook,
                updated_by,
                updated_at: super::parse_time(&updated_at),
            })
        })
        .collect()
}

/// Adds or replaces a subscription; whether it is new. A new one's cursor
/// is set in the same transaction, so it is told of every event from the
/// moment it was made, whenever the dispatcher first looks at it.
pub fn put_webhook(conn: &mut Connection, hook: &Webhook, by: &str) -> Result<bool, StoreError> {
    let settings = serde_json::to_string(hook)
        .map_err(|e| StoreError::Corrupt(format!("a webhook subscription: {e}")))?;
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let existed: bool = tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM webhooks WHERE name = ?1)",
        [&hook.name],
        |r| r.get(0),
    )?;
    tx.execute(
        "INSERT INTO webhooks (name, settings, updated_by, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (name) DO UPDATE SET settings = ?2, updated_by = ?3, updated_at = ?4",
        params![hook.name, settings, by, now()],
    )?;
    tx.execute(
        "INSERT OR IGNORE INTO subscription_cursors (subscription, after)
         SELECT ?1, coalesce(max(seq), 0) FROM events",
        [&hook.name],
    )?;
    tx.commit()?;
    Ok(!existed)
}

/// Removes a subscription, gives up its undelivered events and forgets its
/// cursor, so one made again under the name starts from then.
pub fn delete_webhook(conn: &mut Connection, name: &str) -> Result<bool, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let removed = tx.execute("DELETE FROM webhooks WHERE name = ?1", [name])?;
    if removed > 0 {
        tx.execute(
            "UPDATE deliveries SET abandoned_at = ?2, last_error = 'the subscription was removed'
             WHERE subscription = ?1 AND delivered_at IS NULL AND abandoned_at IS NULL",
            params![name, now()],
        )?;
        tx.execute(
            "DELETE FROM subscription_cursors WHERE subscription = ?1",
            [name],
        )?;
    }
    tx.commit()?;
    Ok(removed > 0)
}

/// Resumes a paused subscription: its waiting deliveries are due now.
pub fn resume(conn: &mut Connection, subscription: &str) -> Result<bool, StoreError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let resumed = tx.execute(
        "UPDATE subscription_cursors SET paused_at = NULL, failures = 0
         WHERE subscription = ?1 AND paused_at IS NOT NULL",
        [subscription],
    )?;
    tx.execute(
        "UPDATE deliveries SET next_attempt = ?2
         WHERE subscription = ?1 AND delivered_at IS NULL AND abandoned_at IS NULL",
        params![subscription, now()],
    )?;
    tx.commit()?;
    Ok(resumed > 0)
}

/// Records one attempt at a delivery.
pub fn attempted(
    conn: &Connection,
    event: u64,
    subscription: &str,
    attempt: &DeliveryAttempt,
) -> Result<(), StoreError> {
    let time =
        |t: &chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    // A subscription's run of failures, and its pause when they are too many.
    match attempt {
        DeliveryAttempt::Delivered { .. } => conn.execute(
            "UPDATE subscription_cursors SET failures = 0 WHERE subscription = ?1",
            [subscription],
        )?,
        DeliveryAttempt::Failed { .. } => conn.execute(
            "UPDATE subscription_cursors SET failures = failures + 1,
                 paused_at = CASE WHEN failures + 1 >= ?2 AND paused_at IS NULL THEN ?3 ELSE paused_at END
             WHERE subscription = ?1",
            params![subscription, PAUSE_AFTER_FAILURES as i64, now()],
        )?,
    };
    match attempt {
        DeliveryAttempt::Delivered { status } => conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, delivered_at = ?3, last_status = ?4, last_error = NULL
             WHERE event = ?1 AND subscription = ?2",
            params![event as i64, subscription, now(), *status as i64],
        )?,
        DeliveryAttempt::Failed {
            status,
            error,
            retry_at,
        } => conn.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_status = ?3, last_error = ?4,
                 next_attempt = coalesce(?5, next_attempt),
                 abandoned_at = CASE WHEN ?5 IS NULL THEN ?6 ELSE NULL END
             WHERE event = ?1 AND subscription = ?2",
            params![
                event as i64,
                subscription,
                status.map(|s| s as i64),
                error,
                retry_at.as_ref().map(time),
                now()
            ],
        )?,
    };
    Ok(())
}
