//! Failed admin logins, counted per client address, so a token cannot be
//! guessed at the speed of the network.
//!
//! Each address has a small allowance of failures that refills slowly (a
//! token bucket); with none left, the admin API answers `429` with
//! `Retry-After` before looking at the token at all, so guessing goes no
//! faster than the refill. Successful logins cost nothing. The table of
//! addresses is bounded: when full, the oldest entries are forgotten.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures an address may make in a burst.
const BURST: f64 = 10.0;
/// One more failure is allowed every this long.
const REFILL: Duration = Duration::from_secs(6);
/// Addresses remembered at once.
const MAX_ADDRESSES: usize = 10_000;

/// Failed logins per client address.
#[derive(Default)]
pub struct LoginThrottle {
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    allowance: f64,
    updated: Instant,
}

impl Bucket {
    fn refilled(self, now: Instant) -> Self {
        let earned = now.duration_since(self.updated).as_secs_f64() / REFILL.as_secs_f64();
        Self {
            allowance: (self.allowance + earned).min(BURST),
            updated: now,
        }
    }
}

impl LoginThrottle {
    /// How long `ip` must wait before its next attempt, if it must.
    pub fn wait(&self, ip: IpAddr) -> Option<Duration> {
        let now = Instant::now();
        let buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let bucket = buckets.get(&ip)?.refilled(now);
        (bucket.allowance < 1.0).then(|| {
            REFILL
                .mul_f64(1.0 - bucket.allowance)
                .max(Duration::from_secs(1))
        })
    }

    /// Counts a failed login from `ip`.
    pub fn failed(&self, ip: IpAddr) {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() >= MAX_ADDRESSES && !buckets.contains_key(&ip) {
            forget_oldest(&mut buckets);
        }
        let bucket = buckets.entry(ip).or_insert(Bucket {
            allowance: BURST,
            updated: now,
        });
        *bucket = bucket.refilled(now);
        bucket.allowance = (bucket.allowance - 1.0).max(0.0);
    }
}

fn forget_oldest(buckets: &mut HashMap<IpAddr, Bucket>) {
    let mut by_age: Vec<(Instant, IpAddr)> =
        buckets.iter().map(|(ip, b)| (b.updated, *ip)).collect();
    by_age.sort_unstable();
    for (_, ip) in by_age.into_iter().take(MAX_ADDRESSES / 10) {
        buckets.remove(&ip);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_is_held_back_after_its_burst_of_failures() {
        let throttle = LoginThrottle::default();
        let (attacker, other): (IpAddr, IpAddr) =
            ("127.0.0.1".parse().unwrap(), "::1".parse().unwrap());
        for _ in 0..BURST as usize {
            assert_eq!(throttle.wait(attacker), None);
            throttle.failed(attacker);
        }
        let wait = throttle.wait(attacker).expect("held back after the burst");
        assert!(wait >= Duration::from_secs(1) && wait <= REFILL, "{wait:?}");
        assert_eq!(
            throttle.wait(other),
            None,
            "another address is not held back"
        );
    }

    #[test]
    fn the_table_of_addresses_stays_bounded() {
        let throttle = LoginThrottle::default();
        for i in 0..(MAX_ADDRESSES as u32 + 500) {
            throttle.failed(IpAddr::from(i.to_be_bytes()));
        }
        assert!(throttle.buckets.lock().unwrap().len() <= MAX_ADDRESSES);
    }
}
