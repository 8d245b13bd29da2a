//! A cancel on its way through a task's code: thrown in at a step, caught by a scope.
//!
//! asyncio delivers a cancel by throwing `CancelledError` into the coroutine at the `await`
//! where it is suspended; the exception travels outwards until an `except CancelledError:`
//! catches it, or ends the task. evloop does the same with a per-thread slot: when a task's
//! step delivers a pending cancel (`state::StepStart::Deliver`), it [`throw`]s the cancel
//! into the slot and polls the future. The innermost place that takes cancels (a
//! `catch_cancel` scope, an await that passes the cancel on) finds it there when its inner
//! future returns `Pending` and [`catch`]es it; one that re-raises throws it again. When the
//! poll returns, the step looks at the slot once: a cancel still in it was caught by nobody,
//! and the task ends cancelled at that point (`docs/cancellation.md#delivery`).
//!
//! A task that never polled such a place is cancelled without a poll: its future is dropped
//! at the next step, and [`is_cancelling`] is true while it drops, so destructors can tell a
//! cancel from an ordinary exit.

use std::cell::{Cell, RefCell};
use std::sync::Arc;

use crate::error::Cancelled;

thread_local! {
    /// How many cancellation drops are in progress on this thread.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// A cancel thrown into the poll running on this thread and not caught yet.
    static IN_FLIGHT: Cell<bool> = const { Cell::new(false) };
    /// Its message, if it has one (kept apart so that the flag stays a plain `bool`).
    static MESSAGE: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

/// Throws `cancelled` into the poll running on this thread: the innermost scope that takes
/// cancels catches it.
#[cold]
#[inline(never)]
pub(crate) fn throw(cancelled: Cancelled) {
    if let Some(m) = cancelled.message {
        // A loop never runs while the thread-locals are destroyed (`context::can_enter`),
        // so the slot is there; `try_with` keeps even a misuse from aborting.
        let _ = MESSAGE.try_with(|slot| *slot.borrow_mut() = Some(m));
    }
    IN_FLIGHT.with(|f| f.set(true));
}

/// True while a thrown cancel is looking for a catcher.
#[inline(always)]
pub(crate) fn in_flight() -> bool {
    IN_FLIGHT.with(Cell::get)
}

/// Catches the cancel in flight, if there is one.
#[inline(always)]
pub(crate) fn catch() -> Option<Cancelled> {
    if in_flight() { Some(take()) } else { None }
}

/// Takes the cancel in flight (there is one).
/// Takes the cancel in flight, if any, for [`put_back`] to throw again: code that runs a
/// nested step (an eager task's first) must neither take nor see its caller's cancel.
pub(crate) fn set_aside() -> Option<Cancelled> {
    catch()
}

/// Throws again what [`set_aside`] took.
pub(crate) fn put_back(cancelled: Option<Cancelled>) {
    if let Some(c) = cancelled {
        throw(c);
    }
}

#[cold]
#[inline(never)]
fn take() -> Cancelled {
    IN_FLIGHT.with(|f| f.set(false));
    let message = MESSAGE
        .try_with(|slot| slot.borrow_mut().take())
        .ok()
        .flatten();
    Cancelled { message }
}

/// Marks a cancellation drop in progress until the guard is dropped.
pub(crate) struct Cancelling(());

pub(crate) fn enter() -> Cancelling {
    DEPTH.with(|d| d.set(d.get() + 1));
    Cancelling(())
}

impl Drop for Cancelling {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get() - 1));
    }
}

/// True while the current thread is dropping a future because its task was cancelled (and
/// nothing in it caught the cancel), or because a scope that caught a cancel is dropping the
/// work it guarded.
///
/// Use it in a destructor to tell cancellation from an ordinary exit, the way asyncio code
/// uses `except asyncio.CancelledError:`. Code that needs to *await* while cleaning up uses
/// [`catch_cancel`](crate::catch_cancel) instead.
///
/// Rosetta: asyncio `except CancelledError:` in a coroutine; tokio has no equivalent (an
/// aborted task's future is simply dropped).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// struct Cleanup;
/// impl Drop for Cleanup {
///     fn drop(&mut self) {
///         if evloop::is_cancelling() {
///             println!("cancelled, cleaning up");
///         }
///     }
/// }
///
/// evloop::run(async {
///     let task = evloop::spawn(async {
///         let _guard = Cleanup;
///         evloop::sleep(Duration::from_secs(10)).await;
///     });
///     evloop::sleep(Duration::from_millis(1)).await;
///     task.cancel();
///     assert!(task.await.unwrap_err().is_cancelled());
/// })
/// .unwrap();
/// ```
pub fn is_cancelling() -> bool {
    DEPTH.with(|d| d.get() > 0)
}
