//! Stopping store queries that are no longer worth finishing: one past its
//! time budget, or one whose requester has gone (a client that
//! disconnected, a request that timed out).
//!
//! The publisher runs each store read of a request inside a [`Scope`] on
//! its blocking thread; the store checks the scope every few thousand
//! SQLite steps and stops the query when the budget is spent or the
//! requester is gone. Work outside a scope (publishing, start-up checks,
//! regenerating files) is never stopped this way.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// What a store read may spend, and whether its requester still wants it.
#[derive(Debug, Clone)]
pub struct Scope {
    /// Set when the requester has gone.
    pub gone: Arc<AtomicBool>,
    pub deadline: Instant,
    /// The budget the deadline came from, for the error message.
    pub budget: Duration,
}

impl Scope {
    /// A scope of `budget` from now, with a fresh `gone` flag.
    pub fn new(budget: Duration) -> Self {
        Self {
            gone: Arc::new(AtomicBool::new(false)),
            deadline: Instant::now() + budget,
            budget,
        }
    }

    /// Why a query in this scope should stop now, if it should.
    pub fn stop(&self) -> Option<Stop> {
        if self.gone.load(Ordering::Relaxed) {
            Some(Stop::Gone)
        } else if Instant::now() >= self.deadline {
            Some(Stop::OverBudget)
        } else {
            None
        }
    }
}

/// Why a query was stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    OverBudget,
    Gone,
}

thread_local! {
    static CURRENT: RefCell<Option<Scope>> = const { RefCell::new(None) };
}

/// Runs `f` with `scope` in force on this thread.
pub fn within<T>(scope: Scope, f: impl FnOnce() -> T) -> T {
    let previous = CURRENT.with(|c| c.replace(Some(scope)));
    // Restored even if `f` panics, so a pooled thread never keeps it.
    struct Restore(Option<Scope>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            CURRENT.with(|c| *c.borrow_mut() = previous);
        }
    }
    let _restore = Restore(previous);
    f()
}

/// The scope in force on this thread, if any.
pub fn current() -> Option<Scope> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Marks its scope's requester gone when dropped: held by the request's
/// future, so a disconnect or a timeout (which drop the future) stops the
/// query that would answer it.
pub struct GoneOnDrop(pub Arc<AtomicBool>);

impl Drop for GoneOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_in_force_only_inside_within() {
        assert!(current().is_none());
        let scope = Scope::new(Duration::from_secs(60));
        within(scope.clone(), || {
            assert!(current().is_some());
            assert_eq!(current().unwrap().stop(), None);
        });
        assert!(current().is_none());
        let guard = GoneOnDrop(scope.gone.clone());
        drop(guard);
        assert_eq!(scope.stop(), Some(Stop::Gone));
        assert_eq!(Scope::new(Duration::ZERO).stop(), Some(Stop::OverBudget));
    }
}
