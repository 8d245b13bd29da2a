//! How a task is woken: asyncio's `Task.__wakeup`, as a [`std::task::Waker`].
//!
//! A waker must be `Send + Sync` (any thread may hold one), but an evloop task and its future
//! live on one thread. So the waker does not point at the task: it points at a small
//! [`WakeTarget`] that names the task by its loop and slab key and carries two flags. Waking
//! then takes one of two paths:
//!
//! - **local** (the waking thread is running the task's loop — the common case): check the
//!   flags and push the key onto the loop's ready queue. No lock, no atomic read-modify-write:
//!   the flags are only ever read and written by the loop's thread, with plain relaxed loads
//!   and stores.
//! - **remote** (any other thread, or the loop's thread while the loop is not running): push
//!   the target onto the loop's thread-safe queue and wake its poll (see
//!   [`remote`](crate::event_loop::remote)). The loop applies the same flag check when it
//!   drains the queue, so a remote wake never touches the flags from another thread.
//!
//! Waking a task several times before it runs polls it once: `scheduled` stays true from the
//! first wake until the loop takes the task off the ready queue (asyncio: "a task is scheduled
//! at most once at any time").

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Wake;

use crate::event_loop::context;
use crate::event_loop::remote::{Remote, Shared};

/// What a task's waker points at.
pub(crate) struct WakeTarget {
    /// The id of the loop that owns the task (the address of its [`Shared`], unique while any
    /// waker keeps that alive).
    pub(crate) owner: usize,
    /// The task's key in its loop's task slab.
    pub(crate) key: usize,
    /// True while the task's key is in the ready queue. Loop thread only.
    scheduled: AtomicBool,
    /// True once the task has finished; wakes are then ignored. Loop thread only.
    done: AtomicBool,
    /// The owning loop's thread-safe queue, for remote wakes.
    pub(crate) shared: Arc<Shared>,
}

impl WakeTarget {
    pub(crate) fn new(key: usize, shared: Arc<Shared>) -> WakeTarget {
        WakeTarget {
            owner: Arc::as_ptr(&shared) as usize,
            key,
            scheduled: AtomicBool::new(false),
            done: AtomicBool::new(false),
            shared,
        }
    }

    /// Marks the task scheduled; returns false if it was already scheduled or is done (then
    /// nothing must be queued). Must be called on the loop's thread.
    pub(crate) fn try_schedule(&self) -> bool {
        if self.done.load(Ordering::Relaxed) || self.scheduled.load(Ordering::Relaxed) {
            return false;
        }
        self.scheduled.store(true, Ordering::Relaxed);
        true
    }

    /// The loop took the task off the ready queue. Loop thread only.
    pub(crate) fn unschedule(&self) {
        self.scheduled.store(false, Ordering::Relaxed);
    }

    /// Whether the task's key is in the ready queue. Loop thread only.
    pub(crate) fn is_scheduled(&self) -> bool {
        self.scheduled.load(Ordering::Relaxed)
    }

    /// The task finished: ignore all later wakes. Loop thread only.
    pub(crate) fn set_done(&self) {
        self.done.store(true, Ordering::Relaxed);
    }
}

impl Wake for WakeTarget {
    fn wake(self: Arc<Self>) {
        if !context::schedule_local(&self) {
            // The loop is closed if this fails; a wake for a closed loop is a no-op.
            let shared = self.shared.clone();
            let _ = shared.push(Remote::Wake(self));
        }
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !context::schedule_local(self) {
            let _ = self.shared.push(Remote::Wake(self.clone()));
        }
    }
}
