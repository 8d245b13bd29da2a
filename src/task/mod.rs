//! Tasks: asyncio's `Task`, a future driven by the loop.
//!
//! **Drop and cancel first.** Dropping a [`Task<T>`] handle does *not* cancel the task: it
//! keeps running, detached, and its result is dropped when it finishes (as in asyncio, where
//! the loop keeps a task alive). [`Task::cancel`](TaskRef::cancel) is a request, as in
//! asyncio: nothing happens at once. At the task's next step the cancel is delivered: thrown
//! into the poll (`task::cancel`), it is caught by a [`catch_cancel`](crate::catch_cancel)
//! scope around the await where the task is suspended, and the task's code goes on (it may
//! clean up with awaits, then re-raise the cancel or swallow it). A cancel that nothing
//! catches ends the task at that await: its future is dropped there, its destructors run
//! (they are its `finally` blocks, and [`is_cancelling`](crate::is_cancelling) is true),
//! and whoever awaits it gets [`TaskError::Cancelled`]. A task whose code never polled a
//! place that takes cancels is stopped the same way, without a poll, and a task cancelled
//! before its first step never runs a line of its body. [`abort`](TaskRef::abort) is the
//! hard stop: the next step drops the future whatever it would catch. See
//! `docs/cancellation.md`.
//!
//! # Life cycle
//!
//! ```text
//!  spawn ──► Scheduled ──step──► Running ──Pending──► Waiting ──wake──► Scheduled
//!                │                  │
//!                │                  └──Ready / panic / uncaught cancel──► Done
//!                ▼
//!              Done: cancelled, and the task never polled a place that takes cancels (or
//!              was aborted): the future is dropped unpolled
//! ```
//!
//! - **Scheduled**: its key is in the loop's ready queue exactly once, however often it was
//!   woken (`waker`).
//! - **Running**: the loop is polling its future, inside `catch_unwind`; a panic ends the task
//!   with [`TaskError::Panicked`] and is reported if nobody reads it. A step that delivers a
//!   cancel polls with the cancel in flight: a scope in the task catches it and the task
//!   goes on, or the step ends the task as cancelled (`task::state`, `StepStart`).
//! - **Done**: the future has been dropped (in place, where it was pinned); the result waits
//!   in the cell for the handle, or is dropped at once if the handle is gone.
//!
//! # Invariants
//!
//! 1. A task's future is polled, and dropped, only on its loop's thread. `Task<T>` and
//!    [`TaskRef`] are `!Send`; the waker reaches only the task's `WakeHeader`.
//! 2. A task's key is in the ready queue at most once (`scheduled` flag).
//! 3. A finished task is never polled again, and wakes after it finished are ignored.
//!
//! Rosetta: asyncio `asyncio.Task` / `loop.create_task`; tokio `task::spawn_local` and
//! `JoinHandle`.

// The free lists of the loop's finished task blocks.
#[allow(unsafe_code)]
pub(crate) mod blocks;
pub(crate) mod cancel;
// Pinning a task's future inside its cell, and reaching the cell from an untyped pointer.
#[allow(unsafe_code)]
pub(crate) mod cell;
// What other threads touch (atomics, the inbox's mutex): std's, or loom's in the loom models.
pub(crate) mod cross_thread;
// The layout of a task's block; `WakeRef` is sent to the loop's thread.
pub(crate) mod finished;
pub(crate) mod header;
#[allow(unsafe_code)]
pub(crate) mod layout;
pub(crate) mod state;
// The task's one allocation and its two reference counts.
#[allow(unsafe_code)]
pub(crate) mod raw;
// The running scheduler is kept as a raw pointer for the local wake path.
pub(crate) mod callback_id;
pub(crate) mod factory;
#[allow(unsafe_code)]
pub(crate) mod running;
mod task_ref;
// The waker's hand-written vtable (see its module docs).
#[allow(unsafe_code)]
pub(crate) mod waker;

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::pin::Pin;
use std::task::{Context, Poll};

pub use callback_id::DoneCallbackId;
use raw::TaskPtr;
pub use state::TaskState;
pub use task_ref::TaskRef;

use crate::error::TaskError;

/// A handle to a spawned task; awaiting it gives the task's result.
///
/// Dropping the handle does **not** cancel the task (see the [module docs](self)). Awaiting it
/// gives `Ok(value)`, or `Err(TaskError::Cancelled)` / `Err(TaskError::Panicked(msg))`. If the
/// task awaiting a `Task<T>` is itself cancelled, the cancellation is passed on to the awaited
/// task, as asyncio does.
///
/// `Task<T>` dereferences to [`TaskRef`] for `cancel`, `done`, `name`, `add_done_callback` and
/// the rest.
///
/// Rosetta: asyncio `asyncio.Task`; tokio `task::JoinHandle`.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let task = evloop::spawn(async { 6 * 7 });
///     assert_eq!(task.name(), "Task-2"); // Task-1 is the main future
///     assert_eq!(task.await, Ok(42));
/// })
/// .unwrap();
/// ```
#[doc(alias("JoinHandle", "tokio::task::JoinHandle"))]
pub struct Task<T> {
    /// The task: a thin pointer to its one allocation, whose cell knows `T`. Whether this
    /// handle is being awaited is the `awaited` bit of its state (there is one handle per task).
    erased: TaskRef,
    /// The result type; the cell behind `erased` produces exactly this `T`.
    _result: PhantomData<fn() -> T>,
}

impl<T> Task<T> {
    /// The handle of a task whose future's output is `T`.
    ///
    /// # Safety
    ///
    /// `task` must be a `TaskCell<F>` with `F::Output = T`: the result is read through its
    /// vtable as that type.
    #[allow(unsafe_code)]
    pub(crate) unsafe fn new(task: TaskPtr) -> Task<T> {
        Task {
            erased: TaskRef(task),
            _result: PhantomData,
        }
    }

    /// The task's result if it is done, moving it out (asyncio `Task.result()`); `None` while
    /// it is still running.
    ///
    /// # Panics
    ///
    /// If the result was already taken (by an earlier call or by awaiting the handle).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut task = evloop::spawn(async { 7 });
    ///     assert_eq!(task.take_result(), None); // still running
    ///     evloop::yield_now().await;
    ///     assert_eq!(task.take_result(), Some(Ok(7)));
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias("exception", "result"))]
    pub fn take_result(&mut self) -> Option<Result<T, TaskError>> {
        let task = &self.erased.0;
        let mut out: Option<Result<T, TaskError>> = None;
        // SAFETY: `out` has the type the cell writes (`Task::new`'s contract).
        #[allow(unsafe_code)]
        unsafe {
            (task.header().vtable.take_result)(task.as_raw(), (&raw mut out).cast())
        };
        out
    }

    /// An erased reference to the task, for storing alongside tasks of other types.
    pub fn task_ref(&self) -> TaskRef {
        self.erased.clone()
    }

    /// Forgets that this handle is being awaited, so dropping it while the awaiting task is
    /// cancelled does not cancel the task (what `shield` is for).
    pub(crate) fn disown(&mut self) {
        self.erased.0.header().update(|s| s.set_awaited(false));
    }
}

impl<T> AsRef<TaskRef> for Task<T> {
    fn as_ref(&self) -> &TaskRef {
        &self.erased
    }
}

impl AsRef<TaskRef> for TaskRef {
    fn as_ref(&self) -> &TaskRef {
        self
    }
}

impl<T> Deref for Task<T> {
    type Target = TaskRef;

    fn deref(&self) -> &TaskRef {
        &self.erased
    }
}

impl<T> Future for Task<T> {
    type Output = Result<T, TaskError>;

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if this.erased.0.header().status().forwarded() && observe_forwarded(&this.erased) {
            return Poll::Pending;
        }
        if let Some(out) = this.take_result() {
            this.erased.0.header().update(|s| s.set_awaited(false));
            return Poll::Ready(out);
        }
        let header = this.erased.0.header();
        if cancel::in_flight() {
            pass_on(header);
        }
        header.set_join_waker(cx.waker());
        header.update(|s| s.set_awaited(true));
        Poll::Pending
    }
}

/// The awaiting task's own cancel went into `task`: once that one ended cancelled, the
/// awaiter observes its cancel here, after the inner cleanup (asyncio: the `await` raises
/// `CancelledError`), and the result stays readable. True if it threw.
#[cold]
#[inline(never)]
fn observe_forwarded(task: &TaskRef) -> bool {
    let header = task.0.header();
    if !header.status().cancelled_ending() {
        return false;
    }
    header.update(|s| s.set_forwarded(false).set_awaited(false));
    cancel::throw(header.pending_cancel());
    true
}

/// The awaiting task is being cancelled: pass the cancel on to the awaited task and wait
/// for it to finish (asyncio `Task.cancel` cancels `_fut_waiter`;
/// `docs/cancellation.md#awaiting-passes-a-cancel-on`).
#[cold]
#[inline(never)]
fn pass_on(header: &header::TaskHeader) {
    if let Some(cancelled) = cancel::catch() {
        header.update(|s| s.set_forwarded(true));
        header.cancel(cancelled.message);
    }
}

impl<T> Drop for Task<T> {
    fn drop(&mut self) {
        // A task awaiting another task passes its cancellation on
        // (`docs/asyncio-semantics.md#awaiting-a-task-passes-a-cancel-on`).
        if self.erased.0.header().status().awaited() && cancel::is_cancelling() {
            self.erased.cancel();
        }
        let task = &self.erased.0;
        // SAFETY: the vtable is the cell's own; the cell is alive (`erased` holds it).
        #[allow(unsafe_code)]
        unsafe {
            (task.header().vtable.handle_dropped)(task.as_raw())
        };
    }
}

impl<T> fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.erased.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    /// A handle is one pointer, like tokio's `JoinHandle`: a `Vec` of 100k handles is 800 KB.
    #[test]
    fn a_task_handle_is_one_pointer() {
        assert_eq!(
            std::mem::size_of::<super::Task<u64>>(),
            std::mem::size_of::<usize>()
        );
    }
}
