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
//!   the target onto the loop's thread-safe queue and wake its poll (see `remote`). The loop
//!   applies the same flag check when it drains the queue, so a remote wake never touches the
//!   flags from another thread.
//!
//! Waking a task several times before it runs polls it once: `scheduled` stays true from the
//! first wake until the loop takes the task off the ready queue (asyncio: "a task is scheduled
//! at most once at any time").
//!
//! # Why a hand-written vtable
//!
//! The target lives in an `Arc`, and cloning or dropping an `Arc` is an atomic
//! read-modify-write. std's `Waker::from(Arc<W>)` would cost one per task for the task's own
//! waker, and the target's allocation one more pair. [`TaskWaker`] avoids both:
//!
//! 1. the task's own waker is a *borrowed view* of the `Arc` it owns, made on the stack for
//!    each poll: lending `&Waker` costs nothing; only a clone (a future storing the waker)
//!    counts a reference;
//! 2. when a task finishes and no clone of its waker is left (`Arc::get_mut` succeeds, which
//!    proves no other thread can reach the target), the loop keeps the target in a pool and
//!    reuses it for the next spawn, so a short task allocates no target and touches no atomic.
//!
//! This module is one of the two that may use `unsafe` (the other is the task cell, for
//! pinning); each block says which invariant it relies on.

use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::event_loop::context;
use crate::event_loop::remote::{Remote, Shared};

/// What a task's waker points at.
pub(crate) struct WakeTarget {
    /// The id of the loop that owns the task (the address of its [`Shared`], unique while any
    /// waker keeps that alive).
    pub(crate) owner: usize,
    /// The task's key in its loop's task slab. Changed only while the target is not shared
    /// (through `Arc::get_mut`, when it is recycled).
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

    /// Readies a recycled target for a new task. Takes `&mut`, so no waker can observe it.
    pub(crate) fn reset(&mut self, key: usize) {
        self.key = key;
        *self.scheduled.get_mut() = false;
        *self.done.get_mut() = false;
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

/// The remote half of waking: queue `target` on its loop's thread-safe queue. Fails only if
/// the loop is closed, and a wake for a closed loop is a no-op.
fn wake_remote(target: Arc<WakeTarget>) {
    let shared = target.shared.clone();
    let _ = shared.push(Remote::Wake(target));
}

/// A task's own waker: owns one reference to the target and lends `Waker` views of it.
pub(crate) struct TaskWaker {
    /// The reference this task holds.
    target: Arc<WakeTarget>,
}

impl TaskWaker {
    pub(crate) fn new(target: Arc<WakeTarget>) -> TaskWaker {
        TaskWaker { target }
    }

    /// Calls `f` with a waker for this task. Making the view costs nothing: it takes no
    /// reference; only clones of it do.
    pub(crate) fn with_waker<R>(&self, f: impl FnOnce(&Waker) -> R) -> R {
        let data = Arc::as_ptr(&self.target).cast::<()>();
        // SAFETY: `data` points at a live `WakeTarget` inside an `Arc`, which is what every
        // function of `VTABLE` expects. The view is never dropped (`ManuallyDrop`), so it
        // gives back no reference it does not own; it is only lent to `f` while `self`, which
        // owns a reference, is borrowed, so it cannot outlive the target. Clones made from
        // it take their own reference through `clone_raw`.
        let view = ManuallyDrop::new(unsafe { Waker::new(data, &VTABLE) });
        f(&view)
    }

    pub(crate) fn target(&self) -> &WakeTarget {
        &self.target
    }

    /// Gives the target back for reuse if no clone of the waker is alive anywhere (then no
    /// other thread can reach it); `None` otherwise.
    pub(crate) fn into_reusable(self) -> Option<Arc<WakeTarget>> {
        let mut target = self.target;
        Arc::get_mut(&mut target)?;
        Some(target)
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);

/// # Safety
///
/// `data` must come from a waker made by [`TaskWaker::new`] or [`clone_raw`]: a pointer to a
/// `WakeTarget` inside a live `Arc`.
unsafe fn clone_raw(data: *const ()) -> RawWaker {
    // SAFETY: per the contract, `data` is `Arc::as_ptr` of a live `Arc<WakeTarget>`; the new
    // waker owns the reference taken here and gives it back in `drop_raw` or `wake_raw`.
    unsafe { Arc::increment_strong_count(data.cast::<WakeTarget>()) };
    RawWaker::new(data, &VTABLE)
}

/// # Safety
///
/// As [`clone_raw`], and the waker owns one reference (it was made by `clone_raw`: the
/// borrowed view is never woken by value, since it is never dropped or moved out).
unsafe fn wake_raw(data: *const ()) {
    // SAFETY: the consumed waker owned one reference, taken over here and released when
    // `target` drops (or handed on to the remote queue).
    let target = unsafe { Arc::from_raw(data.cast::<WakeTarget>()) };
    if !context::schedule_local(&target) {
        wake_remote(target);
    }
}

/// # Safety
///
/// As [`clone_raw`].
unsafe fn wake_by_ref_raw(data: *const ()) {
    let ptr = data.cast::<WakeTarget>();
    // SAFETY: the caller's waker keeps the target alive for this call.
    let target = unsafe { &*ptr };
    if !context::schedule_local(target) {
        // SAFETY: as above; the remote queue gets a reference of its own, taken here.
        let owned = unsafe {
            Arc::increment_strong_count(ptr);
            Arc::from_raw(ptr)
        };
        wake_remote(owned);
    }
}

/// # Safety
///
/// As [`wake_raw`].
unsafe fn drop_raw(data: *const ()) {
    // SAFETY: the dropped waker owned one reference; release it.
    drop(unsafe { Arc::from_raw(data.cast::<WakeTarget>()) });
}
