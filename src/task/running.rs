//! The loop running on this thread, as its tasks find it: a wake on the loop's own thread
//! must not go through the door (a lock and a syscall), so the running scheduler registers
//! itself with [`enter`], and a waker whose task belongs to it queues the task directly
//! ([`schedule_local`]); a finished task's block goes to its kept blocks the same way.

use std::cell::Cell;
use std::ptr::NonNull;
use std::rc::Rc;

use super::blocks::Blocks;
use super::cross_thread::const_thread_local;
use super::layout::{Schedule, TaskHeader};

// loom's in the loom models, so that each model thread has its own (see `cross_thread`).
const_thread_local! {
    /// The scheduler running on this thread, with its door's identity. Set and cleared
    /// only by [`enter`] and its guard, which holds the `Rc` the pointer was taken from.
    static RUNNING: Cell<Option<Running>> = Cell::new(None);
}

/// The scheduler running on this thread: its door's identity, the scheduler, and its kept
/// blocks (reached without a virtual call, as every finished task's block goes there).
#[derive(Clone, Copy)]
struct Running {
    id: usize,
    sched: NonNull<dyn Schedule>,
    blocks: NonNull<Blocks>,
}

/// Marks `sched` (whose door is `id`) as the scheduler running on this thread until the
/// guard is dropped.
pub(crate) fn enter(id: usize, sched: Rc<dyn Schedule>) -> RunningGuard {
    let running = Running {
        id,
        sched: NonNull::from(&*sched),
        blocks: NonNull::from(sched.blocks()),
    };
    RUNNING.with(|slot| slot.set(Some(running)));
    RunningGuard(sched)
}

/// Proof that a scheduler is registered as running on this thread; it keeps the scheduler
/// alive while it is.
pub(crate) struct RunningGuard(#[allow(dead_code)] Rc<dyn Schedule>);

impl Drop for RunningGuard {
    fn drop(&mut self) {
        RUNNING.with(|slot| slot.set(None));
    }
}

/// True if this thread is running the scheduler whose door is `owner`.
#[inline(always)]
pub(crate) fn is_running(owner: usize) -> bool {
    matches!(RUNNING.with(Cell::get), Some(r) if r.id == owner)
}

/// Runs `f` with the kept blocks of the scheduler whose door is `owner`, if this thread is
/// running it. The check is by the door's address: a task whose loop is gone and whose
/// door was never owned (no waker was cloned) may match a newer loop at the same address;
/// that is harmless here, since any loop of this thread may keep a free block.
#[inline(always)]
pub(crate) fn with_running_blocks<R>(owner: usize, f: impl FnOnce(&Blocks) -> R) -> Option<R> {
    match RUNNING.with(Cell::get) {
        // SAFETY: the slot is set only while the `RunningGuard` lives, and the guard holds
        // the scheduler that owns these blocks, so they are alive; they are only read
        // through shared references.
        Some(r) if r.id == owner => Some(f(unsafe { r.blocks.as_ref() })),
        _ => None,
    }
}

/// The local half of waking: if this thread is running the scheduler whose door is
/// `owner`, queue the task `header` gives and return true. Otherwise the caller takes the
/// remote path (and `header` is not called: off the loop's thread the header must not be
/// read).
#[inline(always)]
pub(crate) fn schedule_local<'a>(owner: usize, header: impl FnOnce() -> &'a TaskHeader) -> bool {
    match RUNNING.with(Cell::get) {
        Some(r) if r.id == owner => {
            // SAFETY: the slot is set only while the `RunningGuard` lives, and the guard
            // holds the `Rc` this pointer was taken from, so the scheduler is alive; it is
            // only ever read through shared references.
            unsafe { r.sched.as_ref() }.schedule(header());
            true
        }
        _ => false,
    }
}
