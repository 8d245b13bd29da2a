//! `wait_for`, `timeout` and `timeout_at`: give up on a future when a deadline passes.
//!
//! As in asyncio 3.11+ (`asyncio.timeout`, and `wait_for` since 3.12), a deadline that
//! passes **cancels the task** running the scope. The cancel is delivered inside the scope
//! like any other (`docs/cancellation.md#timeouts`): the work's `catch_cancel` scopes may
//! clean up with awaits; when the cancel comes back out, the scope turns it into
//! [`TimeoutError`] (whose `source()` is the cancel) if it is the one the scope caused, that
//! is if [`uncancel`](crate::TaskRef::uncancel) brings the task's count of cancel requests
//! back to what it was when the scope started. A cancel from outside that arrives meanwhile
//! stays a cancel and goes on outwards. A result that is ready when the deadline is checked
//! wins over the timeout; work that swallows the scope's cancel and returns a value gives
//! that value (and `expired()` is true).

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use pin_project_lite::pin_project;

use crate::error::TimeoutError;
use crate::event_loop::context;
use crate::task::{TaskRef, cancel};
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

/// A rescheduleable deadline, entered once by [`run`](TimeoutScope::run) (asyncio's
/// `Timeout` context manager object). [`handle`](TimeoutScope::handle) gives clones that
/// reschedule it or read its state, from inside the body or after it.
///
/// asyncio raises `RuntimeError("Timeout has already been entered")` when one `Timeout` is
/// entered twice; here `run` takes the scope by value and a [`TimeoutHandle`] cannot run
/// anything, so a second entry does not compile.
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
///     let inside = scope.handle();
///     let after = scope.handle();
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
///     assert!(!after.expired());
/// })
/// .unwrap();
/// ```
///
/// Entering twice is refused at compile time:
///
/// ```compile_fail
/// # evloop::run(async {
/// let scope = evloop::timeout(std::time::Duration::from_secs(1));
/// let _ = scope.run(async {}).await;
/// let _ = scope.run(async {}).await; // `scope` was moved by the first `run`
/// # });
/// ```
#[doc(alias = "Timeout")]
#[derive(Debug)]
pub struct TimeoutScope {
    handle: TimeoutHandle,
}

/// A clone of a [`TimeoutScope`]'s deadline: reschedules it and reads its state (asyncio's
/// `Timeout.reschedule`, `when`, `expired` on the context manager object).
///
/// ```
/// # use std::time::Duration;
/// # evloop::run(async {
/// let scope = evloop::timeout(Duration::from_millis(1)); // asyncio: async with timeout(0.001) as cm:
/// let cm = scope.handle();
/// let r = scope.run(std::future::pending::<()>()).await;
/// assert_eq!(r, Err(evloop::TimeoutError));
/// assert!(cm.expired()); // asyncio: cm.expired()
/// # }).unwrap();
/// ```
#[derive(Clone, Debug)]
#[doc(alias("Timeout", "asyncio.Timeout"))]
pub struct TimeoutHandle {
    scope: Rc<Scope>,
}

/// A scope whose deadline is `delay` after it starts (`None`-like scopes: use
/// [`TimeoutScope::never`]).
///
/// ```
/// # use std::time::Duration;
/// # evloop::run(async {
/// // asyncio: async with asyncio.timeout(10): ...
/// let r = evloop::timeout(Duration::from_secs(10)).run(async { "in time" }).await;
/// assert_eq!(r, Ok("in time"));
/// # }).unwrap();
/// ```
pub fn timeout(delay: Duration) -> TimeoutScope {
    TimeoutScope::new(ScopeDeadline::After(delay))
}

/// A scope whose deadline is `when` on the loop's clock; one more than about a century past
/// the scope's first poll is taken as a century (as `timeout(Duration::MAX)`).
///
/// ```
/// # use std::time::Duration;
/// # evloop::run(async {
/// let ev = evloop::get_running_loop().unwrap();
/// let deadline = ev.time() + Duration::from_millis(1); // asyncio: timeout_at(loop.time() + 0.001)
/// let r = evloop::timeout_at(deadline).run(std::future::pending::<()>()).await;
/// assert_eq!(r, Err(evloop::TimeoutError));
/// # }).unwrap();
/// ```
pub fn timeout_at(when: Instant) -> TimeoutScope {
    TimeoutScope::new(ScopeDeadline::At(when))
}

/// Awaits `fut`, giving up after `timeout`: on expiry the task is cancelled inside `fut`
/// (its cleanup runs, awaits included) and the result is `Err(TimeoutError)`. A zero
/// `timeout` gives up before `fut` is first polled, so none of it runs (asyncio 3.12+
/// cancels the work's task before it starts).
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
#[doc(alias = "tokio::time::timeout")]
pub fn wait_for<F: Future>(fut: F, timeout: Duration) -> Timeout<F> {
    let mut scoped = self::timeout(timeout).run(fut);
    scoped.before_start = timeout.is_zero();
    scoped
}

impl TimeoutScope {
    fn new(deadline: ScopeDeadline) -> TimeoutScope {
        TimeoutScope {
            handle: TimeoutHandle {
                scope: Rc::new(Scope {
                    deadline: Cell::new(deadline),
                    expired: Cell::new(false),
                }),
            },
        }
    }

    /// A scope that never expires until rescheduled (asyncio `timeout(None)`).
    pub fn never() -> TimeoutScope {
        TimeoutScope::new(ScopeDeadline::Never)
    }

    /// A handle on this scope's deadline, to reschedule it or read it from anywhere.
    pub fn handle(&self) -> TimeoutHandle {
        self.handle.clone()
    }

    /// Moves the deadline (`None`: never); see [`TimeoutHandle::reschedule`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// # evloop::run(async {
    /// let scope = evloop::timeout(Duration::from_millis(1));
    /// scope.reschedule(None); // asyncio: cm.reschedule(None): no deadline any more
    /// let r = scope.run(evloop::sleep(Duration::from_millis(2))).await;
    /// assert_eq!(r, Ok(()));
    /// # }).unwrap();
    /// ```
    pub fn reschedule(&self, when: Option<Instant>) {
        self.handle.reschedule(when);
    }

    /// The deadline, once known; see [`TimeoutHandle::when`].
    ///
    /// ```
    /// # use std::time::Duration;
    /// let when = std::time::Instant::now() + Duration::from_secs(1);
    /// assert_eq!(evloop::timeout_at(when).when(), Some(when));
    /// assert_eq!(evloop::TimeoutScope::never().when(), None); // asyncio: timeout(None).when()
    /// ```
    pub fn when(&self) -> Option<Instant> {
        self.handle.when()
    }

    /// Runs `fut` under this scope's deadline (asyncio `async with timeout(...)`). Takes the
    /// scope: it is entered once.
    pub fn run<F: Future>(self, fut: F) -> Timeout<F> {
        Timeout {
            fut: Some(fut),
            scope: self.handle,
            timer: None,
            task: None,
            entry_cancelling: 0,
            expiring: false,
            before_start: false,
        }
    }
}

impl TimeoutHandle {
    /// Moves the deadline (`None`: never). Takes effect at once, even while running.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # evloop::run(async {
    /// let scope = evloop::timeout(Duration::from_secs(60));
    /// let cm = scope.handle();
    /// let r = scope.run(async move {
    ///     cm.reschedule(Some(evloop::get_running_loop().unwrap().time())); // due now
    ///     std::future::pending::<()>().await
    /// });
    /// assert_eq!(r.await, Err(evloop::TimeoutError));
    /// # }).unwrap();
    /// ```
    pub fn reschedule(&self, when: Option<Instant>) {
        self.scope
            .deadline
            .set(when.map_or(ScopeDeadline::Never, ScopeDeadline::At));
    }

    /// The deadline, once known (`None` if never, or not started yet with a relative delay).
    ///
    /// ```
    /// # use std::time::Duration;
    /// let when = std::time::Instant::now() + Duration::from_secs(1);
    /// let cm = evloop::timeout_at(when).handle();
    /// assert_eq!(cm.when(), Some(when)); // asyncio: cm.when()
    /// ```
    pub fn when(&self) -> Option<Instant> {
        match self.scope.deadline.get() {
            ScopeDeadline::At(t) => Some(t),
            ScopeDeadline::After(_) | ScopeDeadline::Never => None,
        }
    }

    /// True once the deadline passed and the future was given up on.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # evloop::run(async {
    /// let scope = evloop::timeout(Duration::from_millis(1));
    /// let cm = scope.handle();
    /// assert!(!cm.expired());
    /// let _ = scope.run(std::future::pending::<()>()).await;
    /// assert!(cm.expired());
    /// # }).unwrap();
    /// ```
    pub fn expired(&self) -> bool {
        self.scope.expired.get()
    }

    /// The time (read from `now` unless the scope never expires) and the absolute deadline:
    /// a relative one is fixed at this time, and either saturates a century past it (a
    /// deadline at the end of `Instant`'s range is "never", like `timeout(Duration::MAX)`).
    fn resolve(&self, now: impl FnOnce() -> Instant) -> Option<(Instant, Instant)> {
        let (now, fixed) = match self.scope.deadline.get() {
            ScopeDeadline::Never => return None,
            ScopeDeadline::At(t) => {
                let now = now();
                (now, crate::clock::clamp_deadline(now, t))
            }
            ScopeDeadline::After(d) => {
                let now = now();
                (now, crate::clock::deadline_after(now, d))
            }
        };
        self.scope.deadline.set(ScopeDeadline::At(fixed));
        Some((now, fixed))
    }
}

pin_project! {
    /// A future run under a deadline; see [`wait_for`] and [`TimeoutScope::run`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct Timeout<F> {
        #[pin]
        fut: Option<F>,
        scope: TimeoutHandle,
        #[pin]
        timer: Option<Sleep>,
        // The task running the scope, from the first poll.
        task: Option<TaskRef>,
        // Its count of cancel requests when the scope started (asyncio `_cancelling`).
        entry_cancelling: u16,
        // The deadline passed and the scope cancelled the task; its cancel is on its way.
        expiring: bool,
        // `wait_for` with a zero timeout: give up before the first poll.
        before_start: bool,
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, TimeoutError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.task.is_none() {
            // `__aenter__`: remember the task and how often it was asked to cancel.
            if let Some(task) = context::with_current(|core| core.current_task()).flatten() {
                task.set_catches();
                *this.entry_cancelling = task.cancelling();
                *this.task = Some(task);
            }
        }
        if std::mem::take(this.before_start) {
            // asyncio 3.12 `wait_for(aw, 0)`: the work is cancelled before it runs (its
            // task never starts), then `TimeoutError`. Dropped unpolled, it runs nothing.
            let _cancelling = cancel::enter();
            this.fut.set(None);
            this.scope.scope.expired.set(true);
            return Poll::Ready(Err(TimeoutError));
        }
        let Some(fut) = this.fut.as_mut().as_pin_mut() else {
            return Poll::Ready(Err(TimeoutError));
        };
        if let Poll::Ready(v) = fut.poll(cx) {
            this.fut.set(None);
            if std::mem::take(this.expiring) {
                // The work swallowed the scope's cancel and returned: its value stands.
                this.scope.scope.expired.set(true);
                if let Some(task) = this.task.as_ref()
                    && task.uncancel() <= *this.entry_cancelling
                {
                    let _ours = cancel::catch();
                }
            }
            return Poll::Ready(Ok(v));
        }
        if *this.expiring {
            if !cancel::in_flight() {
                return Poll::Pending; // the work is still cleaning up
            }
            // `__aexit__` with the cancel coming out of the work.
            *this.expiring = false;
            this.scope.scope.expired.set(true);
            let ours = this
                .task
                .as_ref()
                .is_some_and(|t| t.uncancel() <= *this.entry_cancelling);
            if !ours {
                // Cancelled from outside as well: the cancel goes on outwards.
                return Poll::Pending;
            }
            let _ = cancel::catch();
            let _cancelling = cancel::enter();
            this.fut.set(None);
            return Poll::Ready(Err(TimeoutError));
        }
        if cancel::in_flight() {
            return Poll::Pending; // a cancel from outside passes through the scope
        }
        let now = || {
            context::with_current(|core| core.now())
                .expect("a timeout polled outside a running event loop")
        };
        let Some((now, deadline)) = this.scope.resolve(now) else {
            this.timer.set(None);
            return Poll::Pending;
        };
        if now >= deadline {
            this.timer.set(None);
            match this.task.as_ref() {
                // asyncio `Timeout._on_timeout`: cancel the task; the cancel is delivered
                // inside the work at the task's next step, and comes back out here.
                Some(task) => {
                    *this.expiring = true;
                    task.cancel();
                    return Poll::Pending;
                }
                // Not polled by a task: give up on the work at once.
                None => {
                    let _cancelling = cancel::enter();
                    this.fut.set(None);
                    this.scope.scope.expired.set(true);
                    return Poll::Ready(Err(TimeoutError));
                }
            }
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
