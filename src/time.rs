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
use std::panic::Location;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::event_loop::context;
use crate::event_loop::core::Core;
use crate::event_loop::handle::{Callback, HandleState, WakeCell, cancel_timer};

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
#[track_caller]
pub fn sleep(delay: Duration) -> Sleep {
    Sleep {
        deadline: Deadline::After(delay),
        state: State::Idle,
        location: Location::caller(),
    }
}

/// Waits until the running loop's clock reaches `when`. A deadline in the past still waits
/// for the loop to fire the timer (one turn or two), never returning synchronously.
///
/// Rosetta: asyncio `loop.call_at` with a future; tokio `time::sleep_until`.
///
/// # Panics
///
/// If polled outside a running evloop loop.
#[track_caller]
pub fn sleep_until(when: Instant) -> Sleep {
    Sleep {
        deadline: Deadline::At(when),
        state: State::Idle,
        location: Location::caller(),
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
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// When a [`Sleep`] ends.
#[derive(Debug, Clone, Copy)]
enum Deadline {
    /// `delay` after the first poll.
    After(Duration),
    /// At this instant.
    At(Instant),
}

enum State {
    /// Not polled yet.
    Idle,
    /// `sleep(0)`: woke itself once; done at the next poll.
    Yielded,
    /// Waiting for its timer (in `core`'s heap), which will wake the task.
    Armed(Rc<WakeCell>, Weak<Core>),
    /// The timer fired and the sleep returned.
    Done,
}

impl fmt::Debug for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::Idle => "Idle",
            State::Yielded => "Yielded",
            State::Armed(..) => "Armed",
            State::Done => "Done",
        })
    }
}

/// The future returned by [`sleep`] and [`sleep_until`]; dropping it cancels its timer.
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// When it ends.
    deadline: Deadline,
    /// Where it is; see [`State`].
    state: State,
    /// Where `sleep` was called, for the timer's exception reports.
    location: &'static Location<'static>,
}

impl Sleep {
    /// The absolute deadline, once known (a `sleep(delay)` fixes it at its first poll).
    pub fn deadline(&self) -> Option<Instant> {
        match self.deadline {
            Deadline::At(t) => Some(t),
            Deadline::After(_) => None,
        }
    }

    /// First poll of a sleep that is not `sleep(0)`: fixes the deadline and arms a timer on
    /// the running loop that wakes this task.
    fn arm(&mut self, cx: &Context<'_>) {
        let deadline = self.deadline;
        let location = self.location;
        let (when, state) = context::with_current(|core| {
            let when = match deadline {
                Deadline::After(d) => core.now() + d,
                Deadline::At(when) => when,
            };
            let cell = WakeCell::new(cx.waker().clone(), location);
            core.push_timer(when, cell.clone())
                .expect("the running loop is open");
            (when, State::Armed(cell, core.self_weak.clone()))
        })
        .expect("evloop::sleep polled outside a running event loop");
        self.deadline = Deadline::At(when);
        self.state = state;
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        match &self.state {
            State::Idle => {
                if matches!(self.deadline, Deadline::After(d) if d.is_zero()) {
                    self.state = State::Yielded;
                    cx.waker().wake_by_ref();
                } else {
                    self.arm(cx);
                }
                Poll::Pending
            }
            State::Yielded => {
                self.state = State::Done;
                Poll::Ready(())
            }
            State::Armed(cell, _) if cell.base().state() == HandleState::Ran => {
                self.state = State::Done;
                Poll::Ready(())
            }
            State::Armed(cell, _) => {
                // Polled again before the deadline, perhaps by another task than the one
                // that armed it (the future was moved): the deadline wakes whoever awaits now.
                cell.set_waker(cx.waker());
                Poll::Pending
            }
            State::Done => Poll::Ready(()),
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let State::Armed(cell, core) = &self.state {
            cancel_timer(&**cell, core);
        }
    }
}
