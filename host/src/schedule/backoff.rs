//! Exponential backoff for retrying transient failures.
//!
//! A source that is down is asked again after 1, 2, 4, ... minutes up to a
//! cap, so a municipal server that is restarting is not hammered, and a
//! long outage costs one request per cap interval.

use std::time::Duration;

/// Retry delays: `base × factor^attempt`, capped, for a bounded number of attempts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub base: Duration,
    pub factor: f64,
    pub cap: Duration,
    /// Retries after the first failure; then the run waits for its next slot.
    pub max_retries: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(60),
            factor: 2.0,
            cap: Duration::from_secs(3600),
            max_retries: 5,
        }
    }
}

impl Backoff {
    /// The delay before retry number `attempt` (0 for the first retry), or
    /// `None` once the retries are used up.
    pub fn delay(&self, attempt: u32) -> Option<Duration> {
        if attempt >= self.max_retries {
            return None;
        }
        let secs = self.base.as_secs_f64() * self.factor.powi(attempt.min(64) as i32);
        Some(Duration::from_secs_f64(secs.min(self.cap.as_secs_f64())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap_then_stop() {
        let backoff = Backoff {
            base: Duration::from_secs(60),
            factor: 2.0,
            cap: Duration::from_secs(300),
            max_retries: 5,
        };
        let delays: Vec<u64> = (0..6)
            .filter_map(|a| backoff.delay(a))
            .map(|d| d.as_secs())
            .collect();
        assert_eq!(delays, vec![60, 120, 240, 300, 300]);
        assert_eq!(backoff.delay(5), None);
    }
}
