//! `wait_for`, `timeout` and `timeout_at`: give up on a future when a deadline passes.
//!
//! asyncio 3.11 cancels the task awaiting the timeout and turns the `CancelledError` into a
//! `TimeoutError` on the way out. evloop wraps the future instead (as asyncio 3.12's
//! `wait_for` awaits the inner future in the same task): when the deadline passes, the inner
//! future is dropped — its cleanup runs then, seeing [`is_cancelling`](crate::is_cancelling)
//! true — and only then does the wrapper return [`TimeoutError`]. A result that is ready when
//! the deadline is checked wins over the timeout.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::error::TimeoutError;
use crate::event_loop::context;
use crate::task::cancel;
use crate::time::{Sleep, sleep_until};

/// When a scope's deadline is.
#[derive(Clone, Copy, Debug)]
enum ScopeDeadline {
    /// `delay` after the scope's first poll (asyncio computes it at `__aenter__`).
    After(Duration),
    /// At this instant.
    At(Instant),
    /// Never (asyncio `timeout(None)`).
    Never,
}

#[derive(Debug)]
struct Scope {
    deadline: Cell<ScopeDeadline>,
    expired: Cell<bool>,
}

/// A rescheduleable deadline shared by a [`Timeout`] and anyone holding a clone (asyncio's
/// `Timeout` context manager object).
///
/// Rosetta: asyncio `asyncio.timeout(delay)` / `timeout_at(when)`; tokio `time::timeout`
/// with `Sleep::reset`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let scope = evloop::timeout(Duration::from_millis(10));
///     let inside = scope.clone();
///     let r = scope
///         .run(async move {
///             // Need more time: push the deadline out from inside the body.
///             let ev = evloop::get_running_loop().unwrap();
///             inside.reschedule(Some(ev.time() + Duration::from_secs(60)));
///             evloop::sleep(Duration::from_millis(30)).await;
///             "made it"
///         })
///         .await;
///     assert_eq!(r, Ok("made it"));
///     assert!(!scope.expired());
/// })
/// .unwrap();
/// ```
#[derive(Clone, Debug)]
pub struct TimeoutScope {
    scope: Rc<Scope>,
}

/// A scope whose deadline is `delay` after it starts (`None`-like scopes: use
/// [`TimeoutScope::never`]).
pub fn timeout(delay: Duration) -> TimeoutScope {
    TimeoutScope::new(ScopeDeadline::After(delay))
}

/// A scope whose deadline is `when` on the loop's clock.
pub fn timeout_at(when: Instant) -> TimeoutScope {
    TimeoutScope::new(ScopeDeadline::At(when))
}

/// Awaits `fut`, giving up after `timeout`: on expiry `fut` is dropped (its cleanup runs
/// first) and the result is `Err(TimeoutError)`.
///
/// Rosetta: asyncio `asyncio.wait_for(aw, timeout)`; tokio `time::timeout`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let slow = evloop::sleep(Duration::from_secs(10));
///     let r = evloop::wait_for(slow, Duration::from_millis(5)).await;
///     assert_eq!(r, Err(evloop::TimeoutError));
/// })
/// .unwrap();
/// ```
pub fn wait_for<F: Future>(fut: F, timeout: Duration) -> Timeout<F> {
    self::timeout(timeout).run(fut)
}

impl TimeoutScope {
    fn new(deadline: ScopeDeadline) -> TimeoutScope {
        TimeoutScope {
            scope: Rc::new(Scope {
                deadline: Cell::new(deadline),
                expired: Cell::new(false),
            }),
        }
    }

    /// A scope that never expires until rescheduled (asyncio `timeout(None)`).
    pub fn never() -> TimeoutScope {
        TimeoutScope::new(ScopeDeadline::Never)
    }

    /// Runs `fut` under this scope's deadline.
    pub fn run<F: Future>(&self, fut: F) -> Timeout<F> {
        Timeout {
            fut: Some(fut),
            scope: self.clone(),
            timer: None,
        }
    }

    /// Moves the deadline (`None`: never). Takes effect at once, even while running.
    pub fn reschedule(&self, when: Option<Instant>) {
        self.scope
            .deadline
            .set(when.map_or(ScopeDeadline::Never, ScopeDeadline::At));
    }

    /// The deadline, once known (`None` if never, or not started yet with a relative delay).
    pub fn when(&self) -> Option<Instant> {
        match self.scope.deadline.get() {
            ScopeDeadline::At(t) => Some(t),
            ScopeDeadline::After(_) | ScopeDeadline::Never => None,
        }
    }

    /// True once the deadline passed and the future was given up on.
    pub fn expired(&self) -> bool {
        self.scope.expired.get()
    }

    /// The absolute deadline, fixing a relative one at `now`.
    fn resolve(&self, now: impl FnOnce() -> Instant) -> Option<Instant> {
        match self.scope.deadline.get() {
            ScopeDeadline::At(t) => Some(t),
            ScopeDeadline::Never => None,
            ScopeDeadline::After(d) => {
                let t = crate::clock::deadline_after(now(), d);
                self.scope.deadline.set(ScopeDeadline::At(t));
                Some(t)
            }
        }
    }
}

pin_project! {
    /// A future run under a deadline; see [`wait_for`] and [`TimeoutScope::run`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        fut: Option<F>,
        scope: TimeoutScope,
        #[pin]
        timer: Option<Sleep>,
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(fut) = this.fut.as_mut().as_pin_mut() else {
            return Poll::Ready(Err(TimeoutError));
        };
        if let Poll::Ready(v) = fut.poll(cx) {
            this.fut.set(None);
            return Poll::Ready(Ok(v));
        }
        let now = || {
            context::with_current(|core| core.now())
                .expect("a timeout polled outside a running event loop")
        };
        let Some(deadline) = this.scope.resolve(now) else {
            this.timer.set(None);
            return Poll::Pending;
        };
        if now() >= deadline {
            // Give up: drop the inner future first, as a cancellation, so its cleanup has
            // run before the caller sees the timeout.
            let _cancelling = cancel::enter();
            this.fut.set(None);
            this.scope.scope.expired.set(true);
            return Poll::Ready(Err(TimeoutError));
        }
        // (Re)arm the timer for the current deadline; rescheduling replaces it.
        let armed_for = this.timer.as_ref().as_pin_ref().and_then(|s| s.deadline());
        if armed_for != Some(deadline) {
            this.timer.set(Some(sleep_until(deadline)));
        }
        if let Some(timer) = this.timer.as_pin_mut() {
            // When it fires, the next poll sees the deadline passed.
            let _ = timer.poll(cx);
        }
        Poll::Pending
    }
}
