//! Driving the loop from a host program: one turn at a time, from another event loop, or
//! from synchronous code.
//!
//! `run_forever` hands the thread to the loop. A game loop, a GUI toolkit or a simulation
//! cannot do that: it has its own loop and wants evloop to be one step in it. Three ways in:
//!
//! - [`LoopHandle::run_once_timeout`]: one turn (asyncio's `_run_once`), blocking at most as
//!   long as the host allows (`Some(Duration::ZERO)`: never).
//! - The loop's poll descriptor ([`AsRawFd`]) and [`LoopHandle::next_timeout`]: register
//!   the descriptor in the host's `poll`/epoll/GLib loop, wait on it with at most
//!   `next_timeout()`, and run one turn when it is readable or the time is up.
//! - [`block_on`] / [`LoopHandle::block_on`]: run a future to its end from synchronous code;
//!   unlike [`run`](crate::run), the future need not be `'static` (it is polled in place,
//!   not spawned), so it may borrow from the caller.
//!
//! # Examples
//!
//! A host loop that does its own work between turns:
//!
//! ```
//! use std::time::Duration;
//!
//! let ev = evloop::EventLoop::new().unwrap();
//! let task = ev.create_task(async {
//!     evloop::sleep(Duration::from_millis(5)).await;
//!     "done"
//! }).unwrap();
//! let mut frames = 0;
//! while !task.done() {
//!     frames += 1; // the host's own work: draw a frame, step a simulation...
//!     ev.run_once_timeout(Some(Duration::from_millis(1))).unwrap();
//! }
//! assert!(frames > 1);
//! ```
//!
//! A future that borrows from its caller:
//!
//! ```
//! let words = vec!["borrowed", "not", "moved"];
//! let n = evloop::block_on(async {
//!     evloop::yield_now().await;
//!     words.len()
//! })
//! .unwrap();
//! assert_eq!((n, words.len()), (3, 3));
//! ```

#[cfg(unix)]
use std::os::fd::{AsRawFd, RawFd};
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use super::remote::{Inbox, Remote};
use super::{EventLoop, LoopHandle, context};
use crate::error::LoopError;

impl LoopHandle {
    /// Runs one turn, blocking in the poll for at most `max_wait` (`None`: until there is
    /// something to do, like [`run_once`](LoopHandle::run_once); `Some(Duration::ZERO)`:
    /// never blocks).
    ///
    /// # Errors
    ///
    /// As [`run_forever`](LoopHandle::run_forever).
    pub fn run_once_timeout(&self, max_wait: Option<Duration>) -> Result<(), LoopError> {
        let _running = context::enter(&self.core)?;
        self.core.run_once(max_wait, false)
    }

    /// How long the loop could sleep now: zero if work is ready (or other threads queued
    /// some), the time to the nearest timer, or `None` when only I/O or another thread can
    /// bring work. A host waiting on the loop's descriptor uses it as its timeout (rounded
    /// *up* to its poller's granularity: rounded down, the host wakes just before the timer
    /// is due, again and again, until it is).
    pub fn next_timeout(&self) -> Option<Duration> {
        let core = &self.core;
        if !core.ready.borrow().is_empty() || core.stopping.get() || core.shared.has_pending() {
            return Some(Duration::ZERO);
        }
        let deadline = core.timers.borrow_mut().next_deadline()?;
        Some(deadline.saturating_duration_since(core.now()))
    }

    /// Runs the loop until `fut` is done and gives its output. `fut` is polled in place (it
    /// is not a task), so it need not be `'static`; tasks it spawns run on this loop.
    ///
    /// Rosetta: tokio `Runtime::block_on`; asyncio has no twin (`run_until_complete` wraps
    /// the coroutine in a task).
    ///
    /// # Errors
    ///
    /// As [`run_forever`](LoopHandle::run_forever): the loop is running, closed, or the
    /// poller failed.
    ///
    /// # Panics
    ///
    /// A panic in `fut` itself goes on up to the caller (tasks' panics are caught as usual).
    pub fn block_on<F: std::future::Future>(&self, fut: F) -> Result<F::Output, LoopError> {
        let _running = context::enter(&self.core)?;
        let main = Arc::new(MainWake {
            woken: AtomicBool::new(true),
            shared: self.core.shared.clone(),
        });
        let waker = Waker::from(main.clone());
        let mut cx = Context::from_waker(&waker);
        let mut fut = pin!(fut);
        loop {
            if main.woken.swap(false, Ordering::AcqRel)
                && let Poll::Ready(out) = fut.as_mut().poll(&mut cx)
            {
                return Ok(out);
            }
            // `stop()` has no meaning here; do not let it turn the loop into a spin.
            self.core.stopping.set(false);
            self.core.run_once(None, true)?;
        }
    }
}

/// The waker of the future `block_on` polls in place: a flag, plus a nudge through the
/// thread-safe queue so that a loop blocked in its poll wakes up (the future's waker may be
/// called from any thread).
struct MainWake {
    woken: AtomicBool,
    shared: Arc<Inbox>,
}

impl Wake for MainWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.woken.swap(true, Ordering::AcqRel) {
            // An empty closure: boxing it does not allocate. A closed loop has nothing to
            // wake.
            let _ = self.shared.push(Remote::Call(
                Box::new(|| {}),
                std::panic::Location::caller(),
            ));
        }
    }
}

/// Runs `fut` to its end on a new loop, from synchronous code, then cancels what it left
/// running and closes the loop (as [`run`](crate::run) does). `fut` need not be `'static`.
///
/// # Errors
///
/// [`LoopError::AnotherLoopRunning`] inside a running loop; [`LoopError::Io`] if the poller
/// could not be made.
pub fn block_on<F: std::future::Future>(fut: F) -> Result<F::Output, LoopError> {
    if context::running_loop().is_some() {
        return Err(LoopError::AnotherLoopRunning);
    }
    let ev = EventLoop::new()?;
    let out = ev.block_on(fut)?;
    ev.shutdown()?;
    Ok(out)
}

/// The poller's descriptor (epoll on Linux, kqueue on BSD and macOS): readable when a turn
/// would find I/O or another thread's work. Register it in a host's event loop; see the
/// [module docs](self).
#[cfg(unix)]
impl AsRawFd for LoopHandle {
    fn as_raw_fd(&self) -> RawFd {
        self.core.reactor().as_raw_fd()
    }
}

#[cfg(unix)]
impl AsRawFd for EventLoop {
    fn as_raw_fd(&self) -> RawFd {
        self.handle.as_raw_fd()
    }
}
