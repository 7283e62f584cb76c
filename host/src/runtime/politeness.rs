//! Politeness towards municipal servers: at most so many requests per
//! second to one host, whichever runs ask.
//!
//! A municipality's web server is often one small machine; twenty datasets
//! read from it at 03:00 must queue, not arrive as a burst. Every fetch
//! (each redirect hop included) takes the next free slot of its host: the
//! first request goes at once, each next one an interval after the last
//! slot handed out. Slots are handed out under a lock and waited for
//! outside it, so waiting runs do not hold anyone else up, and a run
//! cancelled while waiting just drops its slot.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// Hosts and the instant their next request may go.
static NEXT_SLOT: LazyLock<Mutex<HashMap<String, Instant>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// Above this many hosts remembered, hosts whose slot has passed are forgotten.
const FORGET_ABOVE: usize = 1024;

/// Waits for `host`'s next slot, `interval` after the one before; returns
/// how long it waited.
pub async fn wait_turn(host: &str, interval: Duration) -> Duration {
    if interval.is_zero() {
        return Duration::ZERO;
    }
    let now = Instant::now();
    let slot = {
        let mut next = NEXT_SLOT.lock().unwrap_or_else(|e| e.into_inner());
        if next.len() > FORGET_ABOVE {
            next.retain(|_, at| *at > now);
        }
        let entry = next.entry(host.to_ascii_lowercase()).or_insert(now);
        let slot = (*entry).max(now);
        *entry = slot + interval;
        slot
    };
    tokio::time::sleep_until(slot).await;
    slot - now
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced_and_other_hosts_do_not_wait() {
        let interval = Duration::from_millis(500);
        let start = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..4 {
            waits.push(wait_turn("slow.example", interval).await);
        }
        // The four requests went at 0, 0.5, 1.0 and 1.5 s.
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
        assert_eq!(waits[0], Duration::ZERO);
        assert_eq!(wait_turn("other.example", interval).await, Duration::ZERO);
        assert_eq!(
            wait_turn("OTHER.example", interval).await,
            interval,
            "case-insensitive"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_requests_queue_in_turn() {
        let interval = Duration::from_secs(1);
        let start = Instant::now();
        let tasks: Vec<_> = (0..3)
            .map(|_| tokio::spawn(async move { wait_turn("queue.example", interval).await }))
            .collect();
        let mut waits = Vec::new();
        for task in tasks {
            waits.push(task.await.unwrap());
        }
        waits.sort();
        assert_eq!(
            waits,
            vec![
                Duration::ZERO,
                Duration::from_secs(1),
                Duration::from_secs(2)
            ]
        );
        assert_eq!(start.elapsed(), Duration::from_secs(2));
        assert_eq!(
            wait_turn("free.example", Duration::ZERO).await,
            Duration::ZERO
        );
    }
}
