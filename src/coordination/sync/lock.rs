//! `Lock`: a fair mutual-exclusion lock (asyncio `asyncio.Lock`).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::waiters::{WaitList, WaiterStatus, wake_all};
use crate::task::cancel;

pub(crate) struct LockState {
    /// True while a guard exists.
    locked: bool,
    /// Tasks waiting in `acquire`, first come first served.
    waiters: WaitList,
}

/// A lock that tasks take in turn, first come first served.
///
/// Not reentrant. [`acquire`](Lock::acquire) returns a [`LockGuard`] that releases the lock
/// when dropped — also when the holder is cancelled. Release wakes the first waiter; until it
/// runs, `locked()` is false, but a newcomer still cannot barge in front of it (asyncio's
/// fast path only succeeds when nobody waits).
///
/// Rosetta: asyncio `asyncio.Lock`; tokio `sync::Mutex<()>` (also fair).
///
/// # Examples
///
/// ```
/// use evloop::sync::Lock;
///
/// evloop::run(async {
///     let lock = Lock::new();
///     let guard = lock.acquire().await;
///     assert!(lock.locked());
///     drop(guard); // released
///     assert!(!lock.locked());
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
#[doc(alias("Mutex", "tokio::sync::Mutex"))]
pub struct Lock {
    pub(crate) state: Rc<RefCell<LockState>>,
}

impl Lock {
    /// A new, unlocked lock.
    pub fn new() -> Lock {
        Lock {
            state: Rc::new(RefCell::new(LockState {
                locked: false,
                waiters: WaitList::default(),
            })),
        }
    }

    /// True while some task holds the lock.
    ///
    /// ```
    /// let lock = evloop::sync::Lock::new();
    /// let guard = lock.try_acquire().unwrap();
    /// assert!(lock.locked()); // asyncio: lock.locked()
    /// drop(guard);
    /// assert!(!lock.locked());
    /// ```
    pub fn locked(&self) -> bool {
        self.state.borrow().locked
    }

    /// Takes the lock, waiting for it if needed. Cancel-safe: a waiter cancelled after it was
    /// woken passes its turn to the next.
    ///
    /// ```
    /// # evloop::run(async {
    /// let lock = evloop::sync::Lock::new();
    /// let guard = lock.acquire().await; // asyncio: async with lock:
    /// assert!(lock.locked());
    /// drop(guard); // the end of the `async with` block releases it
    /// assert!(!lock.locked());
    /// # }).unwrap();
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        Acquire {
            lock: self,
            ticket: None,
        }
    }

    /// Takes the lock if it is free and nobody waits; never waits.
    pub fn try_acquire(&self) -> Option<LockGuard> {
        let mut st = self.state.borrow_mut();
        if st.locked || !st.waiters.is_empty() {
            return None;
        }
        st.locked = true;
        Some(LockGuard {
            state: self.state.clone(),
        })
    }

    pub(crate) fn owns(&self, guard: &LockGuard) -> bool {
        Rc::ptr_eq(&self.state, &guard.state)
    }
}

impl Default for Lock {
    fn default() -> Self {
        Lock::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        write!(
            f,
            "<Lock {} waiters={}>",
            if st.locked { "locked" } else { "unlocked" },
            st.waiters.len()
        )
    }
}

/// Proof that the lock is held; dropping it releases the lock and wakes the next waiter.
#[must_use = "the lock is released as soon as the guard is dropped"]
#[doc(alias("release", "MutexGuard"))]
pub struct LockGuard {
    state: Rc<RefCell<LockState>>,
}

impl Drop for LockGuard {
    fn drop(&mut self) {
        let mut st = self.state.borrow_mut();
        st.locked = false;
        let next = st.waiters.notify_one();
        drop(st);
        wake_all(next);
    }
}

impl fmt::Debug for LockGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<LockGuard>")
    }
}

/// The future returned by [`Lock::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct Acquire<'a> {
    lock: &'a Lock,
    ticket: Option<u64>,
}

impl Future for Acquire<'_> {
    type Output = LockGuard;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard> {
        if cancel::in_flight() {
            return Poll::Pending; // a cancel is delivered at this await (`task::cancel`)
        }
        let this = &mut *self;
        let mut st = this.lock.state.borrow_mut();
        let granted = match this.ticket {
            // Fast path: free, and nobody (not even a woken waiter) is in line.
            None => !st.locked && st.waiters.is_empty(),
            // Woken by a release: the lock is ours (asyncio sets `_locked = True` at once).
            Some(t) => st.waiters.status(t) == WaiterStatus::Notified && !st.locked,
        };
        if granted {
            if let Some(t) = this.ticket.take() {
                st.waiters.remove(t);
            }
            st.locked = true;
            return Poll::Ready(LockGuard {
                state: this.lock.state.clone(),
            });
        }
        st.waiters.wait(&mut this.ticket, cx);
        Poll::Pending
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if self.ticket.is_none() {
            return;
        }
        let mut st = self.lock.state.borrow_mut();
        let free = !st.locked;
        let next = st.waiters.leave(&mut self.ticket, free);
        drop(st);
        wake_all(next);
    }
}
