//! Scheduled callbacks: asyncio's `Handle` and `TimerHandle`.
//!
//! A callback given to `call_soon` or `call_later` is stored once, in a reference-counted
//! cell that both the loop (ready queue or timer heap) and the user's handle point to.
//! Cancelling the handle marks the cell and drops the closure at once (asyncio sets
//! `_callback = None`), so whatever it captured is released even though the cell itself stays
//! in the queue until the loop skips it.
//!
//! ```text
//!            call_soon ──► Pending ──run──► Ran
//!  call_later ──► InHeap ──due──┘   │
//!                   │               │
//!                   └────cancel─────┴──► Cancelled   (never runs)
//! ```

use std::cell::Cell;
use std::fmt;
use std::panic::Location;
use std::rc::{Rc, Weak};
use std::time::Instant;

use super::core::Core;

/// Where a scheduled callback is in its life (see the diagram in the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HandleState {
    /// Waiting in the ready queue.
    Pending,
    /// Waiting in the timer heap for its deadline.
    InHeap,
    /// Has run (or is running).
    Ran,
    /// Was cancelled; will never run.
    Cancelled,
}

/// What every scheduled callback carries besides the closure itself.
pub(crate) struct HandleBase {
    /// The handle's state; changed by the loop (moving and running it) and by `cancel`.
    state: Cell<HandleState>,
    /// Where the callback was scheduled, for exception reports ("Exception in callback ...").
    location: &'static Location<'static>,
}

impl HandleBase {
    pub(crate) fn state(&self) -> HandleState {
        self.state.get()
    }

    pub(crate) fn set_state(&self, s: HandleState) {
        self.state.set(s);
    }

    /// Marks the handle `Ran`; false (and nothing changes) if it was cancelled.
    fn begin_run(&self) -> bool {
        if self.state() == HandleState::Cancelled {
            return false;
        }
        self.set_state(HandleState::Ran);
        true
    }

    pub(crate) fn location(&self) -> &'static Location<'static> {
        self.location
    }
}

/// A type-erased scheduled callback. One allocation holds the state and the closure.
pub(crate) trait Callback {
    /// The bookkeeping shared by every callback.
    fn base(&self) -> &HandleBase;
    /// Runs the closure (at most once, never once cancelled) and marks the handle `Ran`.
    fn run(&self);
    /// Drops the closure without running it.
    fn discard(&self);
}

struct CallbackCell<F> {
    base: HandleBase,
    /// The closure; `None` once it ran or was cancelled.
    f: Cell<Option<F>>,
}

impl<F: FnOnce()> Callback for CallbackCell<F> {
    fn base(&self) -> &HandleBase {
        &self.base
    }

    fn run(&self) {
        if self.base.begin_run()
            && let Some(f) = self.f.take()
        {
            f();
        }
    }

    fn discard(&self) {
        drop(self.f.take());
    }
}

/// Allocates a callback cell in the given initial state.
pub(crate) fn new_callback<F: FnOnce() + 'static>(
    f: F,
    state: HandleState,
    location: &'static Location<'static>,
) -> Rc<dyn Callback> {
    Rc::new(CallbackCell {
        base: HandleBase {
            state: Cell::new(state),
            location,
        },
        f: Cell::new(Some(f)),
    })
}

/// Marks a callback cancelled and drops its closure. Returns true if this call cancelled it
/// (false if it had already run or been cancelled), and whether it was still in the timer heap.
pub(crate) fn cancel_callback(cb: &dyn Callback) -> (bool, bool) {
    let was = cb.base().state();
    match was {
        HandleState::Pending | HandleState::InHeap => {
            cb.base().set_state(HandleState::Cancelled);
            cb.discard();
            (true, was == HandleState::InHeap)
        }
        HandleState::Ran | HandleState::Cancelled => (false, false),
    }
}

/// Cancels a timer scheduled on `core`: as [`cancel_callback`], and if it was still in the
/// heap, counts it there (so that the heap is compacted once most of it is cancelled).
pub(crate) fn cancel_timer(cb: &dyn Callback, core: &Weak<Core>) {
    let (_, in_heap) = cancel_callback(cb);
    if in_heap && let Some(core) = core.upgrade() {
        core.timer_cancelled();
    }
}

/// A callback scheduled with [`call_soon`](crate::LoopHandle::call_soon).
///
/// Dropping the handle does **not** cancel the callback; call [`cancel`](Handle::cancel).
///
/// Rosetta: asyncio `asyncio.Handle`; tokio has no callback queue (the nearest is spawning a
/// task).
pub struct Handle {
    pub(crate) cell: Rc<dyn Callback>,
}

impl Handle {
    /// Cancels the callback: it will never run, and its closure is dropped now. Idempotent;
    /// does nothing if it already ran.
    pub fn cancel(&self) {
        cancel_callback(&*self.cell);
    }

    /// True if [`cancel`](Handle::cancel) was called before the callback ran.
    pub fn cancelled(&self) -> bool {
        self.cell.base().state() == HandleState::Cancelled
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<Handle {:?} at {}>",
            self.cell.base().state(),
            self.cell.base().location()
        )
    }
}

/// A callback scheduled with [`call_later`](crate::LoopHandle::call_later) or
/// [`call_at`](crate::LoopHandle::call_at).
///
/// Dropping the handle does **not** cancel the timer. A cancelled timer stays in the loop's
/// heap until the loop removes it lazily; when more than half of a large heap is cancelled the
/// heap is rebuilt, so cancelled timers never pile up.
///
/// Rosetta: asyncio `asyncio.TimerHandle`; tokio `time::Sleep` (dropping it cancels, unlike
/// here).
pub struct TimerHandle {
    pub(crate) cell: Rc<dyn Callback>,
    /// The absolute deadline, fixed when the timer was scheduled.
    pub(crate) when: Instant,
    /// The loop whose heap holds the timer (to count the cancellation there).
    pub(crate) core: Weak<Core>,
}

impl TimerHandle {
    /// Cancels the timer: it will never run, and its closure is dropped now. Idempotent.
    pub fn cancel(&self) {
        cancel_timer(&*self.cell, &self.core);
    }

    /// True if [`cancel`](TimerHandle::cancel) was called before the timer fired.
    pub fn cancelled(&self) -> bool {
        self.cell.base().state() == HandleState::Cancelled
    }

    /// The absolute deadline on the loop's clock (asyncio `TimerHandle.when()`).
    pub fn when(&self) -> Instant {
        self.when
    }
}

impl fmt::Debug for TimerHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<TimerHandle {:?} when={:?} at {}>",
            self.cell.base().state(),
            self.when,
            self.cell.base().location()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn cancel_drops_the_closure_and_prevents_running() {
        let dropped = Rc::new(RefCell::new(false));
        struct Flag(Rc<RefCell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                *self.0.borrow_mut() = true;
            }
        }
        let flag = Flag(dropped.clone());
        let ran = Rc::new(Cell::new(false));
        let r = ran.clone();
        let cb = new_callback(
            move || {
                let _keep = &flag;
                r.set(true)
            },
            HandleState::Pending,
            Location::caller(),
        );
        let h = Handle { cell: cb.clone() };
        h.cancel();
        assert!(h.cancelled());
        assert!(*dropped.borrow(), "closure dropped at cancel time");
        cb.run();
        assert!(!ran.get());
        h.cancel(); // idempotent
        assert!(h.cancelled());
    }

    #[test]
    fn a_callback_runs_once() {
        let n = Rc::new(Cell::new(0));
        let m = n.clone();
        let cb = new_callback(
            move || m.set(m.get() + 1),
            HandleState::Pending,
            Location::caller(),
        );
        cb.run();
        cb.run();
        assert_eq!(n.get(), 1);
        assert_eq!(cancel_callback(&*cb), (false, false));
    }
}
