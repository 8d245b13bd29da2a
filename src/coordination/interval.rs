//! Ticking at a fixed period: tokio's `time::interval`, which asyncio programs write as a
//! loop around `asyncio.sleep(period)`.
//!
//! The loop-around-sleep drifts: each period starts when the previous body ended, so the
//! body's own time adds up. An [`Interval`] keeps a schedule instead: tick `n` is due at
//! `start + n * period` on the loop's clock, whatever the body took. When the program falls
//! behind (a tick comes due while the body still runs), [`MissedTickBehavior`] says what
//! happens, with tokio's three choices.
//!
//! ```
//! use std::time::Duration;
//!
//! evloop::run(async {
//!     let ev = evloop::get_running_loop().unwrap();
//!     let mut every = evloop::interval(Duration::from_millis(2));
//!     let first = every.tick().await; // the first tick is due at once
//!     let third = {
//!         every.tick().await;
//!         every.tick().await
//!     };
//!     assert_eq!(third - first, Duration::from_millis(4)); // on schedule, no drift
//!     assert!(ev.time() >= third);
//! })
//! .unwrap();
//! ```

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use super::time::{Sleep, sleep_until};
use crate::clock::deadline_after;
use crate::event_loop::context;

/// How late a tick may be before it counts as missed: a real clock always wakes a little
/// after the deadline, and that must not shift a `Delay` schedule every tick (tokio's
/// tolerance).
const LATE: Duration = Duration::from_millis(5);

/// What an [`Interval`] does with ticks that came due while the program was busy.
///
/// # Examples
///
/// ```
/// use evloop::MissedTickBehavior;
///
/// let mut every = evloop::interval(std::time::Duration::from_secs(1));
/// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Burst);
/// every.set_missed_tick_behavior(MissedTickBehavior::Skip);
/// assert_eq!(every.missed_tick_behavior(), MissedTickBehavior::Skip);
/// ```
#[doc(alias = "tokio::time::MissedTickBehavior")]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum MissedTickBehavior {
    /// Catch up: the missed ticks fire one after the other, at once, until the schedule
    /// is kept again (the default, as tokio's).
    #[default]
    Burst,
    /// Start over: the next tick is a whole period after the late one was taken, and the
    /// schedule moves with it.
    Delay,
    /// Drop the missed ticks: the next tick is the next one of the original schedule that
    /// is still ahead.
    Skip,
}

/// When the first tick is due.
#[derive(Clone, Copy, Debug)]
enum Start {
    /// At the first poll (on the running loop's clock).
    FirstPoll,
    At(Instant),
}

/// A schedule of ticks a fixed period apart; see the [module docs](self) and [`interval`].
#[doc(alias = "tokio::time::Interval")]
#[derive(Debug)]
pub struct Interval {
    period: Duration,
    /// When the next tick is due, once known.
    next: Start,
    behavior: MissedTickBehavior,
    /// The wait for the next tick, while one is armed.
    sleep: Option<Sleep>,
}

/// Ticks every `period`, the first tick at once (tokio `time::interval`). A zero period is
/// taken as one nanosecond: each tick then costs a turn of the loop, and none is lost.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let mut every = evloop::interval(Duration::from_millis(1));
///     for _ in 0..3 {
///         every.tick().await;
///     }
/// })
/// .unwrap();
/// ```
#[doc(alias = "tokio::time::interval")]
pub fn interval(period: Duration) -> Interval {
    Interval::new(Start::FirstPoll, period)
}

/// Ticks every `period`, the first tick at `start` (tokio `time::interval_at`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let ev = evloop::get_running_loop().unwrap();
///     let start = ev.time() + Duration::from_millis(2);
///     let mut every = evloop::interval_at(start, Duration::from_millis(1));
///     assert_eq!(every.tick().await, start);
///     assert!(ev.time() >= start);
/// })
/// .unwrap();
/// ```
#[doc(alias = "tokio::time::interval_at")]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    Interval::new(Start::At(start), period)
}

impl Interval {
    fn new(next: Start, period: Duration) -> Interval {
        Interval {
            period: period.max(Duration::from_nanos(1)),
            next,
            behavior: MissedTickBehavior::default(),
            sleep: None,
        }
    }

    /// Waits for the next tick and gives the instant it was due (not when it was taken).
    /// Dropping the wait loses no tick: the next `tick` waits for the same one.
    ///
    /// # Panics
    ///
    /// If polled outside a running evloop loop.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut every = evloop::interval(std::time::Duration::from_millis(1));
    ///     let a = every.tick().await;
    ///     let b = every.tick().await;
    ///     assert_eq!(b - a, std::time::Duration::from_millis(1));
    /// })
    /// .unwrap();
    /// ```
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// [`tick`](Self::tick) as a poll function, for hand-written futures and `select`
    /// loops: `Ready` with the due instant once the next tick is due.
    ///
    /// # Panics
    ///
    /// If polled outside a running evloop loop.
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        let due = match self.next {
            Start::At(due) => due,
            Start::FirstPoll => {
                let now = context::with_current(|core| core.now())
                    .expect("evloop::Interval polled outside a running event loop");
                self.next = Start::At(now);
                now
            }
        };
        let sleep = self.sleep.get_or_insert_with(|| sleep_until(due));
        ready!(Pin::new(sleep).poll(cx));
        self.sleep = None;
        let now = context::with_current(|core| core.now()).unwrap_or(due);
        self.next = Start::At(self.after(due, now));
        Poll::Ready(due)
    }

    /// When the tick after one due at `due` and taken at `now` is due.
    fn after(&self, due: Instant, now: Instant) -> Instant {
        let on_schedule = deadline_after(due, self.period);
        if now <= due + LATE {
            return on_schedule;
        }
        match self.behavior {
            MissedTickBehavior::Burst => on_schedule,
            MissedTickBehavior::Delay => deadline_after(now, self.period),
            MissedTickBehavior::Skip => {
                let period = self.period.as_nanos();
                let behind = (now - due).as_nanos() % period;
                let ahead = u64::try_from(period - behind).unwrap_or(u64::MAX);
                deadline_after(now, Duration::from_nanos(ahead))
            }
        }
    }

    /// Starts the schedule over: the next tick is due a period from now (tokio
    /// `Interval::reset`).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// evloop::run(async {
    ///     let mut every = evloop::interval(Duration::from_millis(1));
    ///     let first = every.tick().await;
    ///     every.reset();
    ///     // Due a whole period after the reset, which came after the first tick.
    ///     assert!(every.tick().await >= first + Duration::from_millis(1));
    /// })
    /// .unwrap();
    /// ```
    pub fn reset(&mut self) {
        let now = context::with_current(|core| core.now()).unwrap_or_else(Instant::now);
        self.next = Start::At(deadline_after(now, self.period));
        self.sleep = None;
    }

    /// What it does with missed ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.behavior
    }

    /// Sets what it does with missed ticks from the next tick on.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.behavior = behavior;
    }

    /// The period between ticks.
    ///
    /// # Examples
    ///
    /// ```
    /// let every = evloop::interval(std::time::Duration::ZERO);
    /// assert_eq!(every.period(), std::time::Duration::from_nanos(1));
    /// ```
    pub fn period(&self) -> Duration {
        self.period
    }
}
