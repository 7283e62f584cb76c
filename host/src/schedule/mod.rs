//! When datasets run: cron schedules in a dataset's time zone, retries with
//! backoff, and jitter.
//!
//! A schedule is evaluated in local wall-clock time (Europe/Sofia unless the
//! dataset says otherwise), because that is how a municipality thinks of
//! "every night at 03:30". Daylight-saving transitions are resolved so that
//! a slot runs exactly once: a local time skipped by the spring-forward
//! jump runs at the first instant after the jump, and a local time that
//! happens twice on the fall-back night runs at its first occurrence.

mod backoff;
pub mod scheduler;

use std::str::FromStr;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

pub use backoff::Backoff;
pub use scheduler::{
    Clock, Ended, Job, RunTicket, Runner, Scheduler, Settings, Stopped, TriggerError,
};

/// Why a schedule could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "`{expression}` is not a cron schedule ({reason}); write 5 fields (`30 3 * * *`: minute hour day month weekday) or 6 with seconds first"
    )]
    Cron { expression: String, reason: String },
    #[error("`{0}` is not a time zone; use an IANA name such as Europe/Sofia")]
    TimeZone(String),
}

/// A cron schedule in a time zone.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: cron::Schedule,
    zone: Tz,
    expression: String,
}

impl Schedule {
    /// Parses a cron expression with 5 fields (minute precision) or 6-7
    /// fields (seconds first, optional year), in the named IANA time zone.
    pub fn parse(expression: &str, zone: &str) -> Result<Self, ScheduleError> {
        let fields = expression.split_whitespace().count();
        let full = if fields == 5 {
            format!("0 {expression}")
        } else {
            expression.to_string()
        };
        let cron = cron::Schedule::from_str(&full).map_err(|e| ScheduleError::Cron {
            expression: expression.to_string(),
            reason: e.to_string(),
        })?;
        let zone: Tz = zone
            .parse()
            .map_err(|_| ScheduleError::TimeZone(zone.to_string()))?;
        Ok(Self {
            cron,
            zone,
            expression: expression.to_string(),
        })
    }

    /// The expression as written.
    pub fn expression(&self) -> &str {
        &self.expression
    }

    /// The time zone the expression is read in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The first slot strictly after `after`, as an instant.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        // Walk the schedule in local wall-clock time (represented as naive
        // times carried in UTC, which has no transitions), and resolve each
        // local slot to an instant. The walk starts an hour early so a slot
        // moved forward by a spring-forward gap is not missed.
        let local_after =
            after.with_timezone(&self.zone).naive_local() - chrono::Duration::hours(2);
        self.cron
            .after(&Utc.from_utc_datetime(&local_after))
            .take(10_000)
            .filter_map(|slot| self.resolve(slot.naive_utc()))
            .find(|instant| *instant > after)
    }

    /// The instant a local slot runs at: once, whatever the DST transition.
    fn resolve(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
            // Fall back: the slot happens twice; run at the first.
            LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
            // Spring forward: the slot does not exist; run an hour later by
            // the clock, which is the instant it would have been.
            LocalResult::None => self
                .zone
                .from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// The typical interval between slots, from the next two after `now`:
    /// a dataset whose last success is older than this missed a run.
    pub fn period(&self, now: DateTime<Utc>) -> Option<chrono::Duration> {
        let first = self.next_after(now)?;
        let second = self.next_after(first)?;
        Some(second - first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// Every slot between two instants.
    fn slots(schedule: &Schedule, from: &str, to: &str) -> Vec<DateTime<Utc>> {
        let (mut t, end) = (utc(from), utc(to));
        let mut out = Vec::new();
        while let Some(next) = schedule.next_after(t).filter(|n| *n <= end) {
            out.push(next);
            t = next;
        }
        out
    }

    #[test]
    fn five_and_six_field_expressions() {
        let nightly = Schedule::parse("30 3 * * *", "Europe/Sofia").unwrap();
        // 03:30 in Sofia in winter is 01:30 UTC.
        assert_eq!(
            nightly.next_after(utc("2026-01-10T12:00:00Z")),
            Some(utc("2026-01-11T01:30:00Z"))
        );
        let every_second = Schedule::parse("* * * * * *", "UTC").unwrap();
        assert_eq!(
            every_second.next_after(utc("2026-01-10T12:00:00Z")),
            Some(utc("2026-01-10T12:00:01Z"))
        );
        assert_eq!(
            nightly.period(utc("2026-01-10T12:00:00Z")),
            Some(chrono::Duration::hours(24))
        );
    }

    #[test]
    fn bad_expressions_and_zones_say_how_to_write_them() {
        let cron = Schedule::parse("every night", "Europe/Sofia").unwrap_err();
        assert!(cron.to_string().contains("30 3 * * *"), "{cron}");
        let zone = Schedule::parse("30 3 * * *", "Europe/Burgas").unwrap_err();
        assert!(zone.to_string().contains("Europe/Sofia"), "{zone}");
    }

    #[test]
    fn the_skipped_hour_of_spring_forward_still_runs_once() {
        // Sofia moves from 03:00 EET to 04:00 EEST on 2026-03-29: 03:30 does not exist.
        let schedule = Schedule::parse("30 3 * * *", "Europe/Sofia").unwrap();
        let runs = slots(&schedule, "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z");
        assert_eq!(
            runs,
            vec![utc("2026-03-29T01:30:00Z"), utc("2026-03-30T00:30:00Z")]
        );
    }

    #[test]
    fn the_repeated_hour_of_fall_back_runs_once() {
        // Sofia moves from 04:00 EEST back to 03:00 EET on 2026-10-25: 03:30 happens twice.
        let schedule = Schedule::parse("30 3 * * *", "Europe/Sofia").unwrap();
        let runs = slots(&schedule, "2026-10-24T12:00:00Z", "2026-10-26T12:00:00Z");
        assert_eq!(
            runs,
            vec![utc("2026-10-25T00:30:00Z"), utc("2026-10-26T01:30:00Z")]
        );
    }

    #[test]
    fn hourly_schedules_keep_their_count_across_transitions() {
        let hourly = Schedule::parse("0 * * * *", "Europe/Sofia").unwrap();
        // The spring-forward day has 23 hours and 23 slots (03:00 does not
        // exist); the fall-back day has 25 hours but 24 slots (03:00 twice,
        // run once).
        assert_eq!(
            slots(&hourly, "2026-03-28T21:59:59Z", "2026-03-29T20:59:59Z").len(),
            23
        );
        assert_eq!(
            slots(&hourly, "2026-10-24T20:59:59Z", "2026-10-25T21:59:59Z").len(),
            24
        );
    }
}
