//! Scheduled callbacks as the user holds them: asyncio's `Handle` and `TimerHandle`.
//!
//! Both point to the callback's cell (see `callback`), which the loop also queues;
//! cancelling through the handle marks the cell and drops the closure at once.

use std::fmt;
use std::rc::{Rc, Weak};
use std::time::Instant;

use super::core::Core;
use crate::callback::{Callback, HandleState, cancel_callback};

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
///
/// ```
/// let ev = evloop::EventLoop::new().unwrap();
/// let handle = ev.call_soon(|| unreachable!("cancelled")).unwrap(); // asyncio: loop.call_soon(f)
/// handle.cancel();
/// ev.stop();
/// ev.run_forever().unwrap(); // the callback does not run
/// ```
pub struct Handle {
    pub(crate) cell: Rc<dyn Callback>,
}

impl Handle {
    /// Cancels the callback: it will never run, and its closure is dropped now. Idempotent;
    /// does nothing if it already ran.
    ///
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let handle = ev.call_soon(|| unreachable!("cancelled")).unwrap();
    /// handle.cancel(); // asyncio: handle.cancel()
    /// ev.stop();
    /// ev.run_forever().unwrap(); // the callback does not run
    /// ```
    pub fn cancel(&self) {
        cancel_callback(&*self.cell);
    }

    /// True if [`cancel`](Handle::cancel) was called before the callback ran.
    ///
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let handle = ev.call_soon(|| ()).unwrap();
    /// assert!(!handle.cancelled());
    /// handle.cancel();
    /// assert!(handle.cancelled());
    /// ```
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
///
/// ```
/// # use std::time::Duration;
/// let ev = evloop::EventLoop::new().unwrap();
/// let now = ev.time();
/// let timer = ev.call_later(Duration::from_secs(60), || ()).unwrap(); // asyncio: loop.call_later
/// assert!(timer.when() >= now + Duration::from_secs(60));
/// timer.cancel();
/// ```
pub struct TimerHandle {
    pub(crate) cell: Rc<dyn Callback>,
    /// The absolute deadline, fixed when the timer was scheduled.
    pub(crate) when: Instant,
    /// The loop whose heap holds the timer (to count the cancellation there).
    pub(crate) core: Weak<Core>,
}

impl TimerHandle {
    /// Cancels the timer: it will never run, and its closure is dropped now. Idempotent.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let timer = ev.call_later(Duration::ZERO, || unreachable!("cancelled")).unwrap();
    /// timer.cancel();
    /// assert!(timer.cancelled());
    /// ev.run_until_complete(evloop::sleep(Duration::from_millis(1))).unwrap(); // it never fires
    /// ```
    pub fn cancel(&self) {
        cancel_timer(&*self.cell, &self.core);
    }

    /// True if [`cancel`](TimerHandle::cancel) was called before the timer fired.
    pub fn cancelled(&self) -> bool {
        self.cell.base().state() == HandleState::Cancelled
    }

    /// The absolute deadline on the loop's clock (asyncio `TimerHandle.when()`).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let when = ev.time() + Duration::from_secs(5);
    /// assert_eq!(ev.call_at(when, || ()).unwrap().when(), when); // asyncio: loop.call_at(when, f)
    /// ```
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
    use crate::callback::new_callback;
    use std::cell::Cell;
    use std::cell::RefCell;
    use std::panic::Location;

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
}
