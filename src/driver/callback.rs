//! A scheduled callback's cell: the closure given to `call_soon` or `call_later`, with its
//! state and where it was scheduled. The ready queue, the timer heap and the user's
//! [`Handle`](crate::Handle) all point to the same cell.
//!
//! Cancelling marks the cell and drops the closure at once (asyncio sets `_callback = None`),
//! so whatever it captured is released even though the cell itself stays queued until the
//! loop skips it.
//!
//! ```text
//!            call_soon ──► Pending ──run──► Ran
//!  call_later ──► InHeap ──due──┘   │
//!                   │               │
//!                   └────cancel─────┴──► Cancelled   (never runs)
//! ```

use std::cell::Cell;
use std::panic::Location;
use std::rc::Rc;

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
    #[inline]
    pub(crate) fn state(&self) -> HandleState {
        self.state.get()
    }

    #[inline]
    pub(crate) fn set_state(&self, s: HandleState) {
        self.state.set(s);
    }

    /// Marks the handle `Ran`; false (and nothing changes) if it was cancelled.
    #[inline]
    fn begin_run(&self) -> bool {
        if self.state() == HandleState::Cancelled {
            return false;
        }
        self.set_state(HandleState::Ran);
        true
    }

    #[inline]
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
    /// The closure's type name, for reports (asyncio names the callback's function).
    fn name(&self) -> &'static str;
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

    fn name(&self) -> &'static str {
        std::any::type_name::<F>()
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

#[cfg(test)]
mod tests {
    use super::*;

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
