//! The scheduler: runs each dataset on its schedule, one run at a time per
//! dataset, a bounded number at once overall, spread by jitter, retried
//! with backoff when the failure is transient.
//!
//! Each dataset has one task, a loop over one `select!`: the next slot (plus
//! the dataset's jitter) or shutdown. A run due while the previous one is
//! still running is recorded as skipped (single-flight); a global semaphore
//! (FIFO, so fair) bounds concurrent runs. Time comes from [`Clock`], which
//! follows tokio's clock, so the tests drive months of schedules with
//! tokio's paused time instead of sleeping.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, watch};

use super::{Backoff, Schedule};
use crate::runtime::Trigger;

/// Wall-clock time that advances with tokio's clock (and so pauses and
/// jumps with it in tests).
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    origin_utc: DateTime<Utc>,
    origin: tokio::time::Instant,
}

impl Clock {
    /// A clock that reads `now` at this instant of tokio's clock.
    pub fn starting_at(now: DateTime<Utc>) -> Self {
        Self {
            origin_utc: now,
            origin: tokio::time::Instant::now(),
        }
    }

    /// The real time.
    pub fn system() -> Self {
        Self::starting_at(Utc::now())
    }

    pub fn now(&self) -> DateTime<Utc> {
        let elapsed = tokio::time::Instant::now() - self.origin;
        self.origin_utc + chrono::Duration::from_std(elapsed).unwrap_or_default()
    }

    /// The tokio instant at which `at` comes.
    fn instant_of(&self, at: DateTime<Utc>) -> tokio::time::Instant {
        let ahead = (at - self.now()).to_std().unwrap_or_default();
        tokio::time::Instant::now() + ahead
    }
}

/// How a run ended, as far as scheduling cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Published a version, or found nothing new.
    Succeeded,
    /// Failed in a way a retry may fix (source down, too slow).
    Transient,
    /// Failed in a way that needs a person; no retry.
    Permanent,
}

/// What the scheduler asks of the rest of the daemon.
pub trait Runner: Send + Sync + 'static {
    /// Runs a dataset once.
    fn run(&self, dataset: &str, trigger: Trigger) -> impl Future<Output = Outcome> + Send;

    /// Records that a due run was skipped because one was still running.
    fn skipped(&self, dataset: &str) -> impl Future<Output = ()> + Send;

    /// When the dataset last succeeded, if ever.
    fn last_success(&self, dataset: &str) -> impl Future<Output = Option<DateTime<Utc>>> + Send;
}

/// How the scheduler behaves.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Runs at once, all datasets together.
    pub concurrency: usize,
    /// Each dataset's runs start up to this long after their slot, a fixed
    /// offset per dataset, so twenty datasets on `0 3 * * *` do not hit one
    /// municipal server in the same second.
    pub max_jitter: Duration,
    pub backoff: Backoff,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            concurrency: std::thread::available_parallelism().map_or(2, |n| n.get()),
            max_jitter: Duration::from_secs(30),
            backoff: Backoff::default(),
        }
    }
}

/// One scheduled dataset.
#[derive(Debug, Clone)]
pub struct Job {
    pub dataset: String,
    pub schedule: Schedule,
    pub paused: bool,
}

/// Runs jobs on their schedules until shut down.
pub struct Scheduler<R: Runner> {
    runner: Arc<R>,
    settings: Settings,
    clock: Clock,
    /// Bounds concurrent runs; tokio's semaphore queues waiters in order.
    permits: Arc<Semaphore>,
    /// Datasets with a run in progress (single-flight).
    running: Mutex<HashSet<String>>,
}

impl<R: Runner> Scheduler<R> {
    pub fn new(runner: Arc<R>, settings: Settings, clock: Clock) -> Arc<Self> {
        let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        Arc::new(Self {
            runner,
            settings,
            clock,
            permits,
            running: Mutex::new(HashSet::new()),
        })
    }

    /// Starts one task per job; they stop when `shutdown` turns true.
    pub fn spawn(
        self: &Arc<Self>,
        jobs: Vec<Job>,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        jobs.into_iter()
            .filter(|job| !job.paused)
            .map(|job| {
                let scheduler = Arc::clone(self);
                let shutdown = shutdown.clone();
                tokio::spawn(async move { scheduler.follow(job, shutdown).await })
            })
            .collect()
    }

    /// The fixed delay of a dataset's runs after their slot.
    pub fn jitter(&self, dataset: &str) -> Duration {
        let max = self.settings.max_jitter.as_millis() as u64;
        if max == 0 {
            return Duration::ZERO;
        }
        let mut hasher = DefaultHasher::new();
        dataset.hash(&mut hasher);
        Duration::from_millis(hasher.finish() % max)
    }

    async fn follow(self: Arc<Self>, job: Job, mut shutdown: watch::Receiver<bool>) {
        if self.missed_a_run(&job).await {
            self.run_with_retries(&job.dataset, Trigger::Startup, &mut shutdown)
                .await;
        }
        loop {
            let Some(slot) = job.schedule.next_after(self.clock.now()) else {
                return;
            };
            let due = self.clock.instant_of(slot) + self.jitter(&job.dataset);
            tokio::select! {
                _ = tokio::time::sleep_until(due) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
            let scheduler = Arc::clone(&self);
            let dataset = job.dataset.clone();
            let mut shutdown = shutdown.clone();
            // The run goes on its own task so the loop can notice the next
            // slot (and record it as skipped) while a long run is going.
            tokio::spawn(async move {
                scheduler
                    .run_with_retries(&dataset, Trigger::Schedule, &mut shutdown)
                    .await;
            });
        }
    }

    /// Whether the last success is older than one period of the schedule
    /// (or there never was one): then the dataset runs once at start-up,
    /// not once per missed slot.
    async fn missed_a_run(&self, job: &Job) -> bool {
        let now = self.clock.now();
        let Some(period) = job.schedule.period(now) else {
            return false;
        };
        match self.runner.last_success(&job.dataset).await {
            None => true,
            Some(last) => now - last > period,
        }
    }

    /// Runs once, then retries transient failures with backoff.
    async fn run_with_retries(
        &self,
        dataset: &str,
        first: Trigger,
        shutdown: &mut watch::Receiver<bool>,
    ) {
        let mut trigger = first;
        for attempt in 0.. {
            let outcome = match self.run_once(dataset, trigger).await {
                Some(outcome) => outcome,
                None => return,
            };
            if outcome != Outcome::Transient {
                return;
            }
            let Some(delay) = self.settings.backoff.delay(attempt) else {
                tracing::warn!(
                    dataset,
                    "transient failures used up the retries; waiting for the next slot"
                );
                return;
            };
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = shutdown.changed() => return,
            }
            trigger = Trigger::Retry;
        }
    }

    /// One run under single-flight and the concurrency limit; `None` when
    /// skipped because the dataset is already running.
    async fn run_once(&self, dataset: &str, trigger: Trigger) -> Option<Outcome> {
        if !self
            .running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dataset.to_string())
        {
            self.runner.skipped(dataset).await;
            return None;
        }
        let outcome = match Arc::clone(&self.permits).acquire_owned().await {
            Ok(_permit) => self.runner.run(dataset, trigger).await,
            // The semaphore is never closed; treat it as a failed run anyway.
            Err(_) => Outcome::Permanent,
        };
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(dataset);
        Some(outcome)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    /// A runner for scheduling tests: each run takes `duration` of tokio's
    /// (paused) time and returns the next scripted outcome; it records when
    /// runs started and ended, and skips.
    struct Recorder {
        clock: Clock,
        duration: Duration,
        outcomes: Mutex<Vec<Outcome>>,
        last_success: Option<DateTime<Utc>>,
        /// Runs as they start: dataset, trigger, time.
        runs: Mutex<Vec<(String, Trigger, DateTime<Utc>)>>,
        skips: Mutex<Vec<(String, DateTime<Utc>)>>,
        active: AtomicUsize,
        most_active: AtomicUsize,
    }

    impl Recorder {
        fn new(clock: Clock, duration: Duration) -> Self {
            Self {
                clock,
                duration,
                outcomes: Mutex::new(Vec::new()),
                last_success: Some(clock.now()),
                runs: Mutex::new(Vec::new()),
                skips: Mutex::new(Vec::new()),
                active: AtomicUsize::new(0),
                most_active: AtomicUsize::new(0),
            }
        }

        fn starts(&self) -> Vec<(Trigger, DateTime<Utc>)> {
            self.runs
                .lock()
                .unwrap()
                .iter()
                .map(|r| (r.1, r.2))
                .collect()
        }
    }

    impl Runner for Recorder {
        async fn run(&self, dataset: &str, trigger: Trigger) -> Outcome {
            self.runs
                .lock()
                .unwrap()
                .push((dataset.to_string(), trigger, self.clock.now()));
            let now_active = self.active.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_active.fetch_max(now_active, Ordering::SeqCst);
            tokio::time::sleep(self.duration).await;
            self.active.fetch_sub(1, Ordering::SeqCst);
            let mut outcomes = self.outcomes.lock().unwrap();
            if outcomes.is_empty() {
                Outcome::Succeeded
            } else {
                outcomes.remove(0)
            }
        }

        async fn skipped(&self, dataset: &str) {
            self.skips
                .lock()
                .unwrap()
                .push((dataset.to_string(), self.clock.now()));
        }

        async fn last_success(&self, _: &str) -> Option<DateTime<Utc>> {
            self.last_success
        }
    }

    fn settings(concurrency: usize) -> Settings {
        Settings {
            concurrency,
            max_jitter: Duration::ZERO,
            backoff: Backoff {
                base: Duration::from_secs(60),
                factor: 2.0,
                cap: Duration::from_secs(600),
                max_retries: 3,
            },
        }
    }

    fn job(dataset: &str, cron: &str) -> Job {
        Job {
            dataset: dataset.to_string(),
            schedule: Schedule::parse(cron, "Europe/Sofia").unwrap(),
            paused: false,
        }
    }

    /// Runs the scheduler for `length` of (paused) time, then stops it.
    async fn run_for(
        recorder: &Arc<Recorder>,
        settings: Settings,
        clock: Clock,
        jobs: Vec<Job>,
        length: Duration,
    ) {
        let scheduler = Scheduler::new(Arc::clone(recorder), settings, clock);
        let (stop, shutdown) = watch::channel(false);
        let tasks = scheduler.spawn(jobs, shutdown);
        tokio::time::sleep(length).await;
        stop.send(true).unwrap();
        for task in tasks {
            task.await.unwrap();
        }
    }

    #[tokio::test(start_paused = true)]
    async fn each_slot_runs_once_on_time() {
        let clock = Clock::starting_at(utc("2026-01-10T10:00:30Z"));
        let recorder = Arc::new(Recorder::new(clock, Duration::from_secs(5)));
        run_for(
            &recorder,
            settings(2),
            clock,
            vec![job("a", "* * * * *")],
            Duration::from_secs(200),
        )
        .await;
        let starts: Vec<String> = recorder
            .starts()
            .iter()
            .map(|(_, t)| t.format("%H:%M:%S").to_string())
            .collect();
        assert_eq!(starts, vec!["10:01:00", "10:02:00", "10:03:00"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_run_due_while_the_last_is_running_is_skipped() {
        let clock = Clock::starting_at(utc("2026-01-10T10:00:30Z"));
        let recorder = Arc::new(Recorder::new(clock, Duration::from_secs(90)));
        run_for(
            &recorder,
            settings(2),
            clock,
            vec![job("a", "* * * * *")],
            Duration::from_secs(230),
        )
        .await;
        let starts: Vec<String> = recorder
            .starts()
            .iter()
            .map(|(_, t)| t.format("%H:%M:%S").to_string())
            .collect();
        assert_eq!(starts, vec!["10:01:00", "10:03:00"]);
        let skips: Vec<String> = recorder
            .skips
            .lock()
            .unwrap()
            .iter()
            .map(|(_, t)| t.format("%H:%M:%S").to_string())
            .collect();
        assert_eq!(skips, vec!["10:02:00", "10:04:00"]);
    }

    #[tokio::test(start_paused = true)]
    async fn the_concurrency_limit_queues_runs() {
        let clock = Clock::starting_at(utc("2026-01-10T10:00:30Z"));
        let recorder = Arc::new(Recorder::new(clock, Duration::from_secs(10)));
        let jobs = vec![
            job("a", "1 * * * *"),
            job("b", "1 * * * *"),
            job("c", "1 * * * *"),
        ];
        run_for(
            &recorder,
            settings(1),
            clock,
            jobs,
            Duration::from_secs(120),
        )
        .await;
        assert_eq!(recorder.most_active.load(Ordering::SeqCst), 1);
        let starts: Vec<String> = recorder
            .starts()
            .iter()
            .map(|(_, t)| t.format("%H:%M:%S").to_string())
            .collect();
        assert_eq!(starts, vec!["10:01:00", "10:01:10", "10:01:20"]);
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_retry_with_backoff_and_permanent_ones_do_not() {
        let clock = Clock::starting_at(utc("2026-01-10T10:00:30Z"));
        let recorder = Arc::new(Recorder::new(clock, Duration::from_secs(1)));
        *recorder.outcomes.lock().unwrap() = vec![
            Outcome::Transient,
            Outcome::Transient,
            Outcome::Succeeded,
            Outcome::Permanent,
        ];
        run_for(
            &recorder,
            settings(2),
            clock,
            vec![job("a", "0 11 * * *")],
            Duration::from_secs(60 * 60),
        )
        .await;
        let starts: Vec<(Trigger, String)> = recorder
            .starts()
            .iter()
            .map(|(trigger, t)| (*trigger, t.format("%H:%M:%S").to_string()))
            .collect();
        // 11:00 Sofia is 09:00 UTC: the next slot is tomorrow, so nothing ran
        // in this hour but nothing was due either.
        assert!(starts.is_empty(), "{starts:?}");

        let clock = Clock::starting_at(utc("2026-01-10T08:59:00Z"));
        let recorder = Arc::new(Recorder::new(clock, Duration::from_secs(1)));
        *recorder.outcomes.lock().unwrap() =
            vec![Outcome::Transient, Outcome::Transient, Outcome::Succeeded];
        run_for(
            &recorder,
            settings(2),
            clock,
            vec![job("a", "0 11 * * *")],
            Duration::from_secs(60 * 60),
        )
        .await;
        let starts: Vec<(Trigger, String)> = recorder
            .starts()
            .iter()
            .map(|(trigger, t)| (*trigger, t.format("%H:%M:%S").to_string()))
            .collect();
        assert_eq!(
            starts,
            vec![
                (Trigger::Schedule, "09:00:00".to_string()),
                (Trigger::Retry, "09:01:01".to_string()),
                (Trigger::Retry, "09:03:02".to_string()),
            ]
        );

        let recorder = Arc::new(Recorder::new(clock, Duration::from_secs(1)));
        *recorder.outcomes.lock().unwrap() = vec![Outcome::Permanent];
        let clock = Clock::starting_at(utc("2026-01-10T08:59:00Z"));
        run_for(
            &recorder,
            settings(2),
            clock,
            vec![job("a", "0 11 * * *")],
            Duration::from_secs(60 * 60),
        )
        .await;
        assert_eq!(
            recorder.starts().len(),
            1,
            "no retry after a permanent failure"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_missed_run_runs_once_at_start_up() {
        let clock = Clock::starting_at(utc("2026-01-10T12:00:00Z"));
        let mut stale = Recorder::new(clock, Duration::from_secs(1));
        stale.last_success = Some(utc("2026-01-07T01:30:00Z"));
        let stale = Arc::new(stale);
        run_for(
            &stale,
            settings(2),
            clock,
            vec![job("a", "30 3 * * *")],
            Duration::from_secs(60),
        )
        .await;
        assert_eq!(
            stale.starts(),
            vec![(Trigger::Startup, utc("2026-01-10T12:00:00Z"))],
            "once, not once per missed night"
        );

        let mut fresh = Recorder::new(clock, Duration::from_secs(1));
        fresh.last_success = Some(utc("2026-01-10T01:30:00Z"));
        let fresh = Arc::new(fresh);
        run_for(
            &fresh,
            settings(2),
            clock,
            vec![job("a", "30 3 * * *")],
            Duration::from_secs(60),
        )
        .await;
        assert!(fresh.starts().is_empty());
    }

    #[test]
    fn jitter_is_bounded_stable_and_spread() {
        let clock = Clock::starting_at(utc("2026-01-10T12:00:00Z"));
        let recorder = Arc::new(Recorder::new(clock, Duration::ZERO));
        let scheduler = Scheduler::new(
            recorder,
            Settings {
                max_jitter: Duration::from_secs(30),
                ..settings(1)
            },
            clock,
        );
        let mut seen = HashMap::new();
        for i in 0..200 {
            let name = format!("dataset-{i}");
            let jitter = scheduler.jitter(&name);
            assert!(jitter < Duration::from_secs(30));
            assert_eq!(jitter, scheduler.jitter(&name), "stable per dataset");
            seen.insert(jitter.as_secs(), ());
        }
        assert!(
            seen.len() > 20,
            "spread over the window: {} distinct seconds",
            seen.len()
        );
    }
}
