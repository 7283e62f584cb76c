//! A fixed set of threads for the publisher's renders: store reads, the
//! rendering of their answers, and compression.
//!
//! Renders already run at most `max_queries` at a time (the permits in
//! `App::queries`), but on tokio's elastic blocking pool each could land on
//! a new thread, and the allocator keeps memory per thread: under a burst
//! of varied pages a dozen threads each held their own free pages, most of
//! the server's memory. Here the same work always runs on the same few
//! threads, so the memory kept is the few threads' and no more.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

type Job = Box<dyn FnOnce() + Send>;

/// The render threads.
pub struct RenderPool {
    jobs: Mutex<Sender<Job>>,
}

/// The work did not finish: it panicked (on its thread, which lives on),
/// or the pool stopped with the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the render did not finish (it panicked, or the server is stopping)")]
pub struct RenderLost;

impl RenderPool {
    /// A pool of `threads` threads (at least one), named for the logs.
    pub fn new(threads: usize) -> Self {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            let spawned = std::thread::Builder::new()
                .name(format!("vitrina-render-{i}"))
                .spawn(move || work(&queue));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a render thread");
            }
        }
        Self {
            jobs: Mutex::new(jobs),
        }
    }

    /// Runs `work` on a render thread and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, RenderLost> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            if let Ok(value) = outcome {
                let _ = done.send(value);
            }
        });
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job)
            .map_err(|_| RenderLost)?;
        result.await.map_err(|_| RenderLost)
    }
}

/// A render thread's life: the next job, until the pool is dropped.
fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_the_pools_own_threads() {
        let pool = RenderPool::new(2);
        let mut names = std::collections::BTreeSet::new();
        for _ in 0..20 {
            let name = pool
                .run(|| std::thread::current().name().unwrap_or("").to_string())
                .await
                .unwrap();
            names.insert(name);
        }
        assert!(!names.is_empty() && names.len() <= 2, "{names:?}");
        assert!(names.iter().all(|n| n.starts_with("vitrina-render-")));
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let pool = RenderPool::new(1);
        assert_eq!(
            pool.run(|| -> u32 { panic!("boom") }).await,
            Err(RenderLost)
        );
        assert_eq!(pool.run(|| 7).await, Ok(7));
    }
}
