//! The scheduler: runs each dataset on its schedule, one run at a time per
//! dataset, a bounded number at once overall, spread by jitter, retried
//! with backoff when the failure is transient.
//!
//! Each scheduled dataset has one task, a loop over one `select!`: the next
//! slot (plus the dataset's jitter) or its stop token. Each run goes on a
//! task of its own, so a loop notices the next slot (and records it as
//! skipped) while a long run is going (single-flight); a global semaphore
//! (FIFO, so fair) bounds concurrent runs. The job set can be replaced
//! while running ([`Scheduler::set_jobs`], for reloads and pauses): loops of
//! unchanged jobs keep going, runs in flight are never interrupted. On
//! shutdown, scheduling stops, runs get a grace period, and the rest are
//! cancelled through their [`RunTicket`]. Time comes from [`Clock`], which
//! follows tokio's clock, so the tests drive months of schedules with
//! tokio's paused time instead of sleeping.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use super::{Backoff, Schedule};
use crate::runtime::Trigger;
use crate::store::RunOutcome;

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

/// How a run ended, as the scheduler hears it: the run's outcome and, for
/// a failure, whether a retry may fix it (a source down, too slow) or it
/// needs a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ended {
    pub outcome: RunOutcome,
    pub transient: bool,
}

impl Ended {
    pub const PUBLISHED: Ended = Ended::of(RunOutcome::Published);
    pub const UNCHANGED: Ended = Ended::of(RunOutcome::Unchanged);
    /// Failed in a way that needs a person; no retry.
    pub const FAILED: Ended = Ended::of(RunOutcome::Failed);
    /// Failed in a way a retry may fix.
    pub const TRANSIENT: Ended = Ended {
        outcome: RunOutcome::Failed,
        transient: true,
    };
    /// Stopped by a shutdown; no retry.
    pub const CANCELLED: Ended = Ended::of(RunOutcome::Cancelled);

    pub const fn of(outcome: RunOutcome) -> Self {
        Self {
            outcome,
            transient: false,
        }
    }

    /// Whether the scheduler should try again soon.
    pub fn retry(&self) -> bool {
        self.outcome == RunOutcome::Failed && self.transient
    }
}

/// One run as the scheduler hands it to the [`Runner`].
#[derive(Debug, Clone)]
pub struct RunTicket {
    /// Chosen before the run starts, so whoever asked for it (the admin
    /// API) can follow it.
    pub run_id: String,
    pub trigger: Trigger,
    /// Cancelled when the run must stop (shutdown after the grace period).
    pub cancel: CancellationToken,
}

/// What the scheduler asks of the rest of the daemon.
pub trait Runner: Send + Sync + 'static {
    /// Runs a dataset once.
    fn run(&self, dataset: &str, ticket: RunTicket) -> impl Future<Output = Ended> + Send;

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
    /// A paused job keeps its place but never runs on its own.
    pub paused: bool,
}

impl Job {
    /// Whether `other` schedules the same way (so its loop can go on).
    fn same_as(&self, other: &Job) -> bool {
        self.dataset == other.dataset
            && self.paused == other.paused
            && self.schedule.expression() == other.schedule.expression()
            && self.schedule.zone() == other.schedule.zone()
    }
}

/// Why a run asked for now did not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TriggerError {
    #[error("`{0}` is running now; wait for that run to end")]
    Busy(String),
    #[error("the daemon is shutting down")]
    ShuttingDown,
}

/// How a shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped {
    /// Runs that ended on their own within the grace period.
    pub finished: usize,
    /// Runs cancelled at the end of the grace period.
    pub cancelled: usize,
}

/// A scheduled dataset's loop, stopped through its token.
struct Following {
    job: Job,
    stop: CancellationToken,
}

/// Runs jobs on their schedules until shut down.
pub struct Scheduler<R: Runner> {
    runner: Arc<R>,
    settings: Settings,
    clock: Clock,
    /// Bounds concurrent runs; tokio's semaphore queues waiters in order.
    permits: Arc<Semaphore>,
    /// Datasets with a run in progress (single-flight), with their run's
    /// cancel token.
    running: Mutex<HashMap<String, CancellationToken>>,
    /// Notified whenever a run ends.
    run_ended: Notify,
    following: Mutex<HashMap<String, Following>>,
    /// Cancelled on shutdown: no new loop, slot, retry or triggered run.
    stopping: CancellationToken,
}

impl<R: Runner> Scheduler<R> {
    pub fn new(runner: Arc<R>, settings: Settings, clock: Clock) -> Arc<Self> {
        let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
        Arc::new(Self {
            runner,
            settings,
            clock,
            permits,
            running: Mutex::new(HashMap::new()),
            run_ended: Notify::new(),
            following: Mutex::new(HashMap::new()),
            stopping: CancellationToken::new(),
        })
    }

    /// Makes `jobs` the scheduled set: loops of jobs that did not change go
    /// on, the others stop or start. Runs in flight are not touched.
    pub fn set_jobs(self: &Arc<Self>, jobs: Vec<Job>) {
        if self.stopping.is_cancelled() {
            return;
        }
        let mut following = lock(&self.following);
        let wanted: HashMap<String, Job> =
            jobs.into_iter().map(|j| (j.dataset.clone(), j)).collect();
        following.retain(|dataset, f| {
            let keep = wanted.get(dataset).is_some_and(|job| job.same_as(&f.job));
            if !keep {
                f.stop.cancel();
            }
            keep
        });
        for (dataset, job) in wanted {
            if following.contains_key(&dataset) {
                continue;
            }
            let stop = self.stopping.child_token();
            if !job.paused {
                let scheduler = Arc::clone(self);
                let (job, stop) = (job.clone(), stop.clone());
                tokio::spawn(async move { scheduler.follow(job, stop).await });
            }
            following.insert(dataset, Following { job, stop });
        }
    }

    /// Starts a run of `dataset` now (no retries); its run id, or why not.
    pub fn trigger(
        self: &Arc<Self>,
        dataset: &str,
        trigger: Trigger,
    ) -> Result<String, TriggerError> {
        if self.stopping.is_cancelled() {
            return Err(TriggerError::ShuttingDown);
        }
        let ticket = self
            .claim(dataset, trigger)
            .ok_or_else(|| TriggerError::Busy(dataset.to_string()))?;
        let run_id = ticket.run_id.clone();
        let scheduler = Arc::clone(self);
        let dataset = dataset.to_string();
        tokio::spawn(async move {
            scheduler.run_claimed(&dataset, ticket).await;
        });
        Ok(run_id)
    }

    /// Datasets with a run in progress.
    pub fn running(&self) -> Vec<String> {
        let mut running: Vec<String> = lock(&self.running).keys().cloned().collect();
        running.sort();
        running
    }

    /// Stops scheduling, waits up to `grace` for runs in flight, then
    /// cancels those still going and waits for them to record it.
    pub async fn shutdown(&self, grace: Duration) -> Stopped {
        self.stopping.cancel();
        let at_start = lock(&self.running).len();
        let _ = tokio::time::timeout(grace, self.all_runs_ended()).await;
        let cancelled = {
            let running = lock(&self.running);
            for token in running.values() {
                token.cancel();
            }
            running.len()
        };
        if cancelled > 0 {
            tracing::warn!(
                cancelled,
                ?grace,
                "cancelling runs still going after the grace period"
            );
            // A cancelled run stops at its next host call or epoch tick;
            // this bound only guards against a runner that ignores it.
            let _ = tokio::time::timeout(Duration::from_secs(30), self.all_runs_ended()).await;
        }
        Stopped {
            finished: at_start.saturating_sub(cancelled),
            cancelled,
        }
    }

    async fn all_runs_ended(&self) {
        loop {
            let ended = self.run_ended.notified();
            if lock(&self.running).is_empty() {
                return;
            }
            ended.await;
        }
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

    async fn follow(self: Arc<Self>, job: Job, stop: CancellationToken) {
        if self.missed_a_run(&job).await && !stop.is_cancelled() {
            self.start_with_retries(&job.dataset, Trigger::Startup, &stop);
        }
        loop {
            let Some(slot) = job.schedule.next_after(self.clock.now()) else {
                return;
            };
            let due = self.clock.instant_of(slot) + self.jitter(&job.dataset);
            tokio::select! {
                _ = tokio::time::sleep_until(due) => {}
                _ = stop.cancelled() => return,
            }
            self.start_with_retries(&job.dataset, Trigger::Schedule, &stop);
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

    /// Starts a run on its own task, retrying transient failures with
    /// backoff until `stop`; a run due while one is going is skipped.
    fn start_with_retries(
        self: &Arc<Self>,
        dataset: &str,
        first: Trigger,
        stop: &CancellationToken,
    ) {
        let scheduler = Arc::clone(self);
        let dataset = dataset.to_string();
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut trigger = first;
            for attempt in 0.. {
                let Some(ticket) = scheduler.claim(&dataset, trigger) else {
                    scheduler.runner.skipped(&dataset).await;
                    return;
                };
                if !scheduler.run_claimed(&dataset, ticket).await.retry() {
                    return;
                }
                let Some(delay) = scheduler.settings.backoff.delay(attempt) else {
                    tracing::warn!(
                        dataset,
                        "transient failures used up the retries; waiting for the next slot"
                    );
                    return;
                };
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = stop.cancelled() => return,
                }
                trigger = Trigger::Retry;
            }
        });
    }

    /// Marks `dataset` as running, unless it already is.
    fn claim(&self, dataset: &str, trigger: Trigger) -> Option<RunTicket> {
        let mut running = lock(&self.running);
        if running.contains_key(dataset) {
            return None;
        }
        let cancel = CancellationToken::new();
        running.insert(dataset.to_string(), cancel.clone());
        Some(RunTicket {
            run_id: crate::runtime::new_run_id(),
            trigger,
            cancel,
        })
    }

    /// Runs a claimed dataset under the concurrency limit, then releases it.
    async fn run_claimed(&self, dataset: &str, ticket: RunTicket) -> Ended {
        let cancel = ticket.cancel.clone();
        let outcome = tokio::select! {
            permit = Arc::clone(&self.permits).acquire_owned() => match permit {
                Ok(_permit) => self.runner.run(dataset, ticket).await,
                // The semaphore is never closed; treat it as a failed run anyway.
                Err(_) => Ended::FAILED,
            },
            // Cancelled while queued: it never started, so nothing to record.
            _ = cancel.cancelled() => Ended::CANCELLED,
        };
        lock(&self.running).remove(dataset);
        self.run_ended.notify_waiters();
        outcome
    }
}

/// Locks a mutex, going on after a panic elsewhere: the maps stay whole.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
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
        outcomes: Mutex<Vec<Ended>>,
        last_success: Option<DateTime<Utc>>,
        /// Runs as they start: dataset, trigger, time.
        runs: Mutex<Vec<(String, Trigger, DateTime<Utc>)>>,
        skips: Mutex<Vec<(String, DateTime<Utc>)>>,
        active: AtomicUsize,
        most_active: AtomicUsize,
        /// Run ids of runs that saw their cancel token.
        cancelled: Mutex<Vec<String>>,
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
                cancelled: Mutex::new(Vec::new()),
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
        async fn run(&self, dataset: &str, ticket: RunTicket) -> Ended {
            self.runs
                .lock()
                .unwrap()
                .push((dataset.to_string(), ticket.trigger, self.clock.now()));
            let now_active = self.active.fetch_add(1, Ordering::SeqCst) + 1;
            self.most_active.fetch_max(now_active, Ordering::SeqCst);
            let cancelled = tokio::select! {
                _ = tokio::time::sleep(self.duration) => false,
                _ = ticket.cancel.cancelled() => true,
            };
            self.active.fetch_sub(1, Ordering::SeqCst);
            if cancelled {
                self.cancelled.lock().unwrap().push(ticket.run_id);
                return Ended::CANCELLED;
            }
            let mut outcomes = self.outcomes.lock().unwrap();
            if outcomes.is_empty() {
                Ended::PUBLISHED
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
        scheduler.set_jobs(jobs);
        tokio::time::sleep(length).await;
        scheduler.shutdown(Duration::from_secs(3600)).await;
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
        let starts = clock_times(&recorder);
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
        let starts = clock_times(&recorder);
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
        let starts = clock_times(&recorder);
        assert_eq!(starts, vec!["10:01:00", "10:01:10", "10:01:20"]);
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_retry_with_backoff_and_permanent_ones_do_not() {
        let clock = Clock::starting_at(utc("2026-01-10T10:00:30Z"));
        let recorder = Arc::new(Recorder::new(clock, Duration::from_secs(1)));
        *recorder.outcomes.lock().unwrap() = vec![
            Ended::TRANSIENT,
            Ended::TRANSIENT,
            Ended::PUBLISHED,
            Ended::FAILED,
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
            vec![Ended::TRANSIENT, Ended::TRANSIENT, Ended::PUBLISHED];
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
        *recorder.outcomes.lock().unwrap() = vec![Ended::FAILED];
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

    fn clock_times(recorder: &Recorder) -> Vec<String> {
        recorder
            .starts()
            .iter()
            .map(|(_, t)| t.format("%H:%M:%S").to_string())
            .collect()
    }

    #[tokio::test(start_paused = true)]
    async fn replacing_the_jobs_pauses_resumes_and_keeps_unchanged_loops() {
        let clock = Clock::starting_at(utc("2026-01-10T10:00:30Z"));
        let recorder = Arc::new(Recorder::new(clock, Duration::from_secs(1)));
        let scheduler = Scheduler::new(Arc::clone(&recorder), settings(2), clock);
        scheduler.set_jobs(vec![job("a", "* * * * *")]);
        tokio::time::sleep(Duration::from_secs(60)).await; // 10:01:30
        let mut paused = job("a", "* * * * *");
        paused.paused = true;
        scheduler.set_jobs(vec![paused]);
        tokio::time::sleep(Duration::from_secs(120)).await; // 10:03:30
        // Resuming, and setting the same job again: one loop, not two.
        scheduler.set_jobs(vec![job("a", "* * * * *")]);
        scheduler.set_jobs(vec![job("a", "* * * * *")]);
        tokio::time::sleep(Duration::from_secs(60)).await; // 10:04:30
        // Removing the job stops it.
        scheduler.set_jobs(Vec::new());
        tokio::time::sleep(Duration::from_secs(120)).await;
        scheduler.shutdown(Duration::from_secs(60)).await;
        // Resumed at 10:03:30 with the last success older than a period:
        // one catch-up run at once, then the schedule again.
        assert_eq!(
            clock_times(&recorder),
            vec!["10:01:00", "10:03:30", "10:04:00"]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_triggered_run_gets_an_id_and_a_busy_dataset_refuses() {
        let clock = Clock::starting_at(utc("2026-01-10T10:00:30Z"));
        let recorder = Arc::new(Recorder::new(clock, Duration::from_secs(30)));
        let scheduler = Scheduler::new(Arc::clone(&recorder), settings(2), clock);
        let id = scheduler.trigger("a", Trigger::Manual).unwrap();
        assert!(!id.is_empty());
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(scheduler.running(), vec!["a".to_string()]);
        assert_eq!(
            scheduler.trigger("a", Trigger::Manual),
            Err(TriggerError::Busy("a".to_string()))
        );
        assert!(
            scheduler.trigger("b", Trigger::Manual).is_ok(),
            "others may run"
        );
        tokio::time::sleep(Duration::from_secs(40)).await;
        assert!(scheduler.running().is_empty());
        let again = scheduler.trigger("a", Trigger::Manual).unwrap();
        assert_ne!(again, id, "every run has its own id");
        scheduler.shutdown(Duration::from_secs(60)).await;
        assert_eq!(
            scheduler.trigger("a", Trigger::Manual),
            Err(TriggerError::ShuttingDown)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn shutdown_lets_short_runs_finish_and_cancels_long_ones() {
        let clock = Clock::starting_at(utc("2026-01-10T10:00:30Z"));
        let short = Arc::new(Recorder::new(clock, Duration::from_secs(5)));
        let scheduler = Scheduler::new(Arc::clone(&short), settings(2), clock);
        scheduler.trigger("a", Trigger::Manual).unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let stopped = scheduler.shutdown(Duration::from_secs(10)).await;
        assert_eq!(
            stopped,
            Stopped {
                finished: 1,
                cancelled: 0
            }
        );
        assert!(short.cancelled.lock().unwrap().is_empty());

        let long = Arc::new(Recorder::new(clock, Duration::from_secs(600)));
        let scheduler = Scheduler::new(Arc::clone(&long), settings(2), clock);
        scheduler.set_jobs(vec![job("b", "* * * * *")]);
        let id = scheduler.trigger("a", Trigger::Manual).unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = tokio::time::Instant::now();
        let stopped = scheduler.shutdown(Duration::from_secs(10)).await;
        assert_eq!(
            stopped,
            Stopped {
                finished: 0,
                cancelled: 1
            }
        );
        assert_eq!(*long.cancelled.lock().unwrap(), vec![id]);
        assert!(
            before.elapsed() < Duration::from_secs(11),
            "{:?}",
            before.elapsed()
        );
        assert!(scheduler.running().is_empty());
        // Nothing is scheduled after a shutdown: "b" never ran.
        tokio::time::sleep(Duration::from_secs(300)).await;
        assert_eq!(long.starts().len(), 1);
    }
}
