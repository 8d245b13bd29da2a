//! The loop's clock: every read of "now" goes through here.
//!
//! asyncio's `loop.time()` is `time.monotonic()`, and its own tests replace the loop with a
//! `TestLoop` whose clock a generator advances. evloop does the same with a [`Clock`] chosen
//! when the loop is built: [`Clock::System`] reads [`Instant::now`], [`Clock::Manual`] reads a
//! [`ManualClock`] that only moves when told to. Timer tests then run in no real time at all.
//!
//! A manual clock can move in two ways:
//! - by hand, with [`ManualClock::advance`] (asyncio's `TestLoop.advance_time`);
//! - by itself, when *auto-advance* is on (the default, like tokio's paused time): whenever
//!   the loop has nothing ready to run and would block waiting for a timer, the clock jumps
//!   to that timer's deadline instead of sleeping.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use evloop::{Clock, EventLoop, ManualClock};
//!
//! let clock = ManualClock::new();
//! let ev = EventLoop::with_clock(Clock::Manual(clock.clone())).unwrap();
//! let start = ev.time();
//! // An hour-long sleep finishes at once: the clock jumps to the deadline.
//! ev.run_until_complete(evloop::sleep(Duration::from_secs(3600))).unwrap();
//! assert_eq!(ev.time() - start, Duration::from_secs(3600));
//! ```

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// How far "never" is: a deadline past `now + FAR_FUTURE` is taken as this one, and a manual
/// clock moves at most this far in one step. About a century, far beyond any program's life,
/// and far from where `Instant` overflows: the clock would need billions of such steps.
pub(crate) const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// `now + delay`, saturating at [`FAR_FUTURE`]: a delay too large for the clock means
/// "never", as in asyncio (`call_later(1e300, f)`) and tokio, not an overflow panic.
pub(crate) fn deadline_after(now: Instant, delay: Duration) -> Instant {
    now + delay.min(FAR_FUTURE)
}

/// An absolute deadline, saturating at `now + FAR_FUTURE` like [`deadline_after`]: an
/// instant at the end of `Instant`'s range is "never" too, not a timer that an idle manual
/// clock jumps centuries to reach (which would leave it where every later `now + delay`
/// overflows).
pub(crate) fn clamp_deadline(now: Instant, when: Instant) -> Instant {
    when.min(deadline_after(now, FAR_FUTURE))
}

/// Where a loop reads the time from.
///
/// Rosetta: asyncio `loop.time()`; tokio `time::Instant::now()` (with `time::pause()` for the
/// manual variant).
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// The operating system's monotonic clock.
    #[default]
    System,
    /// A clock that tests step by hand (or that jumps to the next timer when idle).
    Manual(ManualClock),
}

impl Clock {
    /// The current time on this clock.
    pub fn now(&self) -> Instant {
        match self {
            Clock::System => Instant::now(),
            Clock::Manual(m) => m.now(),
        }
    }
}

/// A clock that only moves when told to: by [`advance`](ManualClock::advance), or (with
/// auto-advance on) by the loop jumping to its next timer when it has nothing else to do.
///
/// Clones share one clock, so a test keeps a clone to step the loop's time.
#[derive(Clone, Debug)]
pub struct ManualClock {
    inner: Rc<ManualInner>,
}

#[derive(Debug)]
struct ManualInner {
    /// The real instant the clock was created at; "now" is `base + offset`.
    base: Instant,
    /// How far the clock has been moved; only grows.
    offset: Cell<Duration>,
    /// Whether an idle loop may jump the clock to its next timer.
    auto_advance: Cell<bool>,
}

impl ManualClock {
    /// A manual clock with auto-advance on.
    pub fn new() -> Self {
        ManualClock {
            inner: Rc::new(ManualInner {
                base: Instant::now(),
                offset: Cell::new(Duration::ZERO),
                auto_advance: Cell::new(true),
            }),
        }
    }

    /// A manual clock with auto-advance off: time moves only through
    /// [`advance`](ManualClock::advance). Drive the loop with
    /// [`run_once`](crate::LoopHandle::run_once) and step the clock between turns; the loop
    /// never blocks waiting for a timer on this clock.
    pub fn stepped() -> Self {
        let clock = ManualClock::new();
        clock.set_auto_advance(false);
        clock
    }

    /// The current time on this clock.
    pub fn now(&self) -> Instant {
        self.inner.base + self.inner.offset.get()
    }

    /// Moves the clock forward by `by`.
    ///
    /// A step longer than about a century (the loop's "never") moves a century, so the
    /// clock never overflows however often it is told to move by `Duration::MAX`.
    pub fn advance(&self, by: Duration) {
        let offset = self.inner.offset.get();
        self.inner
            .offset
            .set(offset.saturating_add(by.min(FAR_FUTURE)));
    }

    /// Moves the clock forward to `when`; never backwards, and (like
    /// [`advance`](ManualClock::advance)) at most about a century in one step.
    pub fn advance_to(&self, when: Instant) {
        let now = self.now();
        if when > now {
            self.advance(when - now);
        }
    }

    /// Turns auto-advance on or off.
    pub fn set_auto_advance(&self, on: bool) {
        self.inner.auto_advance.set(on);
    }

    /// Whether an idle loop jumps this clock to its next timer.
    pub fn auto_advance(&self) -> bool {
        self.inner.auto_advance.get()
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_forward_and_only_when_told() {
        let c = ManualClock::stepped();
        let t0 = c.now();
        assert_eq!(c.now(), t0);
        c.advance(Duration::from_millis(5));
        assert_eq!(c.now() - t0, Duration::from_millis(5));
        c.advance_to(t0); // backwards: ignored
        assert_eq!(c.now() - t0, Duration::from_millis(5));
        let shared = Clock::Manual(c.clone());
        c.advance_to(t0 + Duration::from_secs(1));
        assert_eq!(shared.now() - t0, Duration::from_secs(1));
        assert!(!c.auto_advance());
    }
}
