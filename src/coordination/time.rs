//! Waiting for time to pass: `sleep`, `sleep_until` and `yield_now`.
//!
//! **Drop and cancel first.** Dropping a [`Sleep`] cancels its timer at once (asyncio's
//! `sleep` cancels its timer in a `finally`), so a cancelled task leaves no timer behind.
//!
//! A sleep costs what it costs in asyncio: on its first poll it arms a timer on the running
//! loop whose callback wakes the task. When the deadline passes, the timer's callback runs in
//! that turn's batch and the task's next step runs in the turn after (two hops, as asyncio's
//! `future.set_result` → `Task.__wakeup`). `sleep(Duration::ZERO)` arms no timer: it is a bare
//! yield, exactly one turn (asyncio's `sleep(0)`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Weak;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::event_loop::context;
use crate::event_loop::core::Core;
use crate::task::cancel;
use crate::timers::SleepId;

/// Waits until `delay` has passed on the running loop's clock. The deadline is fixed at the
/// first poll (which, for `sleep(d).await`, is at once).
///
/// Rosetta: asyncio `asyncio.sleep(delay)`; tokio `time::sleep`.
///
/// # Panics
///
/// If polled outside a running evloop loop.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let ev = evloop::get_running_loop().unwrap();
///     let start = ev.time();
///     evloop::sleep(Duration::from_millis(20)).await;
///     assert!(ev.time() - start >= Duration::from_millis(20));
/// })
/// .unwrap();
/// ```
pub fn sleep(delay: Duration) -> Sleep {
    Sleep {
        state: SleepState::Idle(SleepDeadline::After(delay)),
    }
}

/// Waits until the running loop's clock reaches `when`. A deadline in the past still waits
/// for the loop to fire the timer (one turn or two), never returning synchronously; one more
/// than about a century away is taken as a century away (as `sleep(Duration::MAX)`).
///
/// Rosetta: asyncio `loop.call_at` with a future; tokio `time::sleep_until`.
///
/// # Panics
///
/// If polled outside a running evloop loop.
pub fn sleep_until(when: Instant) -> Sleep {
    Sleep {
        state: SleepState::Idle(SleepDeadline::At(when)),
    }
}

/// Gives the other ready work one turn, then resumes: asyncio's `await asyncio.sleep(0)`.
///
/// Two tasks looping on `yield_now()` alternate strictly.
///
/// Rosetta: asyncio `asyncio.sleep(0)`; tokio `task::yield_now`.
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future returned by [`yield_now`].
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct YieldNow {
    /// True after the first poll, which woke the task and returned `Pending`.
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            if cancel::in_flight() {
                return Poll::Pending; // the cancel is delivered here (`task::cancel`)
            }
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// When a [`Sleep`] ends.
#[derive(Debug, Clone, Copy)]
enum SleepDeadline {
    /// `delay` after the first poll.
    After(Duration),
    /// At this instant.
    At(Instant),
}

/// Where a [`Sleep`] is. The whole sleep is this enum (40 bytes): an armed sleep's waker
/// lives in the loop's timer slab, not here.
enum SleepState {
    /// Not polled yet.
    Idle(SleepDeadline),
    /// `sleep(0)`: woke itself once; done at the next poll.
    Yielded,
    /// Waiting for its timer (`id` in `core`'s timers), which will wake the task.
    Armed {
        when: Instant,
        id: SleepId,
        core: Weak<Core>,
    },
    /// Over: the timer fired (at `when`, if it had one) and the sleep returned.
    Done(Option<Instant>),
}

impl fmt::Debug for SleepState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SleepState::Idle(d) => write!(f, "Idle({d:?})"),
            SleepState::Yielded => f.write_str("Yielded"),
            SleepState::Armed { when, .. } => write!(f, "Armed({when:?})"),
            SleepState::Done(_) => f.write_str("Done"),
        }
    }
}

/// The future returned by [`sleep`] and [`sleep_until`]; dropping it cancels its timer.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// Where it is; see [`SleepState`].
    state: SleepState,
}

impl Sleep {
    /// The absolute deadline, once known (a `sleep(delay)` fixes it at its first poll).
    pub fn deadline(&self) -> Option<Instant> {
        match self.state {
            SleepState::Idle(SleepDeadline::At(t)) | SleepState::Armed { when: t, .. } => Some(t),
            SleepState::Done(when) => when,
            SleepState::Idle(SleepDeadline::After(_)) | SleepState::Yielded => None,
        }
    }

    /// First poll of a sleep that is not `sleep(0)`: fixes the deadline and arms a timer on
    /// the running loop that wakes this task.
    fn arm(&mut self, deadline: SleepDeadline, cx: &Context<'_>) {
        self.state = context::with_current(|core| {
            let when = match deadline {
                SleepDeadline::After(d) => crate::clock::deadline_after(core.now(), d),
                SleepDeadline::At(when) => clamp_at(core, when),
            };
            let id = core
                .arm_sleep(when, cx.waker())
                .expect("the running loop is open");
            let core = core.weak();
            SleepState::Armed { when, id, core }
        })
        .expect("evloop::sleep polled outside a running event loop");
    }
}

/// A `sleep_until` deadline, clamped a century on (out of line: `sleep` is the common case).
#[cold]
#[inline(never)]
fn clamp_at(core: &crate::event_loop::core::Core, when: Instant) -> Instant {
    crate::clock::clamp_deadline(core.now(), when)
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if cancel::in_flight() {
            // A cancel is being delivered to the task at this await: it is thrown here, so
            // the sleep does not complete even if its deadline passed (asyncio loses the
            // result of an await whose task was cancelled before it resumed).
            return Poll::Pending;
        }
        match &self.state {
            &SleepState::Idle(SleepDeadline::After(d)) if d.is_zero() => {
                self.state = SleepState::Yielded;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            &SleepState::Idle(deadline) => {
                self.arm(deadline, cx);
                Poll::Pending
            }
            SleepState::Yielded => {
                self.state = SleepState::Done(None);
                Poll::Ready(())
            }
            SleepState::Armed { when, id, core } => {
                // Polled again: still waiting unless the timer woke us. Perhaps polled by
                // another task than the one that armed it (the future was moved): then the
                // deadline wakes whoever awaits now. A loop that is gone never fires.
                let Some(core) = core.upgrade() else {
                    return Poll::Pending;
                };
                if core.sleep_pending(*id, cx.waker()) {
                    return Poll::Pending;
                }
                self.state = SleepState::Done(Some(*when));
                Poll::Ready(())
            }
            SleepState::Done(_) => Poll::Ready(()),
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let SleepState::Armed { id, core, .. } = &self.state
            && let Some(core) = core.upgrade()
        {
            core.cancel_sleep(*id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sleep_is_forty_bytes() {
        // A boxed sleep then takes a 48-byte block: with the 32-byte heap entry and the
        // 24-byte slot, a pending timer costs about 104 bytes (tokio's boxed `Sleep`: 112).
        assert!(
            std::mem::size_of::<Sleep>() <= 40,
            "{}",
            std::mem::size_of::<Sleep>()
        );
    }
}
