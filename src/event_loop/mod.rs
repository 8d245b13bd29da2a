//! The event loop: asyncio's `BaseEventLoop`.
//!
//! [`EventLoop`] owns a loop: dropping it closes the loop (pending callbacks and timers are
//! dropped unrun; unfinished tasks are cancelled and their futures dropped). Everything one
//! does *with* a loop is on [`LoopHandle`], a cheap `Clone` that `EventLoop` dereferences to
//! and that callbacks capture. For other threads there is [`RemoteHandle`].
//!
//! | module | asyncio |
//! |---|---|
//! | [`run_once`] | `BaseEventLoop._run_once`, the one turn |
//! | `handle` | `events.Handle`, `events.TimerHandle` |
//! | `core` | the loop's fields: `_ready`, `_scheduled`, `_stopping`, ... |
//! | `ready` | the `_ready` deque (a ring that builds each item in its slot) |
//! | `remote` | `call_soon_threadsafe` and the self-pipe |
//! | `context` | `get_running_loop`, `current_task`, `all_tasks` |
//! | `exception` | `call_exception_handler`, `default_exception_handler` |
//! | `observe` | the debug-mode branches of `_run_once` (`slow_callback_duration`) |

/// Adds `$n` to the loop's counter `$counter` (see `introspect`); with the `observe`
/// feature off the loop counts nothing.
macro_rules! count {
    ($core:expr, $counter:ident, $n:expr) => {{
        #[cfg(feature = "observe")]
        crate::introspect::add(&$core.stats.$counter, $n);
        #[cfg(not(feature = "observe"))]
        let _ = ($core, $n);
    }};
}

pub(crate) mod components;
pub(crate) mod context;
pub(crate) mod core;
pub mod embed;
pub(crate) mod exception;
pub(crate) mod handle;
pub(crate) mod observe;
pub(crate) mod ready;
pub(crate) mod remote;
pub(crate) mod remote_handle;
pub mod run_once;
pub(crate) mod shutdown;

// Loom models of the cross-thread path (`scripts/loom`).
#[cfg(all(test, evloop_loom))]
mod loom_inbox;
#[cfg(all(test, evloop_loom))]
mod loom_wake;

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::panic::Location;
use std::rc::Rc;
use std::time::{Duration, Instant};

use self::core::Core;
use self::handle::{Handle, TimerHandle};
use self::remote_handle::RemoteHandle;
use crate::clock::Clock;
use crate::error::{LoopError, RunError};
#[cfg(feature = "observe")]
use crate::introspect::LoopStats;
use crate::task::{Task, TaskRef};

/// A handle to an event loop: schedule callbacks and tasks, run and stop it.
///
/// Cheap to clone (a reference count). It keeps the loop's memory alive but not the loop
/// itself: once the owning [`EventLoop`] is dropped or closed, every call returns
/// [`LoopError::Closed`]. It is `!Send`; other threads use [`RemoteHandle`].
///
/// Rosetta: the asyncio loop object (`asyncio.get_running_loop()`); tokio
/// `runtime::Handle` plus `LocalSet`.
#[derive(Clone)]
#[doc(alias("AbstractEventLoop", "tokio::runtime::Handle"))]
pub struct LoopHandle {
    pub(crate) core: Rc<Core>,
}

impl LoopHandle {
    /// Schedules `f` to run in a coming turn. Callbacks run in the order they were scheduled
    /// (FIFO). A callback scheduled while the loop is running a batch runs in the next turn.
    ///
    /// Rosetta: asyncio `loop.call_soon(f)`.
    ///
    /// # Errors
    ///
    /// [`LoopError::Closed`] if the loop was closed (`f` is dropped unrun).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::cell::RefCell;
    /// use std::rc::Rc;
    ///
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let log = Rc::new(RefCell::new(Vec::new()));
    /// for i in 0..3 {
    ///     let log = log.clone();
    ///     ev.call_soon(move || log.borrow_mut().push(i)).unwrap();
    /// }
    /// ev.stop(); // stop after one turn: the three callbacks run in it
    /// ev.run_forever().unwrap();
    /// assert_eq!(*log.borrow(), [0, 1, 2]);
    /// ```
    #[track_caller]
    pub fn call_soon(&self, f: impl FnOnce() + 'static) -> Result<Handle, LoopError> {
        self.core.check_open()?;
        let cell = self.core.call_soon_internal(f, Location::caller());
        Ok(Handle { cell })
    }

    /// Schedules `f` to run once `delay` has passed on the loop's clock. The deadline is
    /// fixed now (`time() + delay`); timers fire by deadline, then in scheduling order.
    ///
    /// Rosetta: asyncio `loop.call_later(delay, f)`.
    ///
    /// # Errors
    ///
    /// [`LoopError::Closed`] if the loop was closed.
    #[track_caller]
    pub fn call_later(
        &self,
        delay: Duration,
        f: impl FnOnce() + 'static,
    ) -> Result<TimerHandle, LoopError> {
        let when = crate::clock::deadline_after(self.time(), delay);
        self.core.call_at(when, f, Location::caller())
    }

    /// Schedules `f` to run at `when` on the loop's clock; a deadline in the past means "due
    /// now" (it still runs from the loop, never synchronously), one more than about a
    /// century away is taken as a century away ("never", as a `call_later` that long).
    ///
    /// Rosetta: asyncio `loop.call_at(when, f)`.
    ///
    /// # Errors
    ///
    /// [`LoopError::Closed`] if the loop was closed.
    #[track_caller]
    pub fn call_at(
        &self,
        when: Instant,
        f: impl FnOnce() + 'static,
    ) -> Result<TimerHandle, LoopError> {
        let when = crate::clock::clamp_deadline(self.time(), when);
        self.core.call_at(when, f, Location::caller())
    }

    /// Schedules `f` from this thread through the thread-safe path (see [`RemoteHandle`]).
    ///
    /// # Errors
    ///
    /// [`LoopError::Closed`] if the loop was closed.
    #[track_caller]
    pub fn call_soon_threadsafe(&self, f: impl FnOnce() + Send + 'static) -> Result<(), LoopError> {
        self.remote().call_soon_threadsafe(f)
    }

    /// The loop's current time: its clock's monotonic "now" (asyncio `loop.time()`).
    pub fn time(&self) -> Instant {
        self.core.now()
    }

    /// Wraps `fut` in a task scheduled on this loop; its first step runs in a coming turn.
    ///
    /// Rosetta: asyncio `loop.create_task(coro)`; tokio `LocalSet::spawn_local`.
    ///
    /// # Errors
    ///
    /// [`LoopError::Closed`] if the loop was closed (`fut` is dropped unpolled).
    #[track_caller]
    pub fn create_task<F: Future + 'static>(&self, fut: F) -> Result<Task<F::Output>, LoopError> {
        self.core.check_open()?;
        Ok(self.core.spawn(fut, Location::caller()))
    }

    /// Runs turns until [`stop`](LoopHandle::stop) is called. A `stop()` issued before the
    /// call makes it run exactly one turn.
    ///
    /// Rosetta: asyncio `loop.run_forever()`.
    ///
    /// # Errors
    ///
    /// [`LoopError::Closed`], [`LoopError::AlreadyRunning`],
    /// [`LoopError::AnotherLoopRunning`], or [`LoopError::Io`] if polling failed.
    pub fn run_forever(&self) -> Result<(), LoopError> {
        let _running = context::enter(&self.core)?;
        loop {
            self.core.run_once(None, true)?;
            if self.core.stopping.get() {
                return Ok(());
            }
        }
    }

    /// Runs exactly one turn of the loop (see [`run_once`]): for a host
    /// program that drives the loop itself, or a test that steps a manual clock.
    ///
    /// # Errors
    ///
    /// As [`run_forever`](LoopHandle::run_forever).
    pub fn run_once(&self) -> Result<(), LoopError> {
        self.run_once_timeout(None)
    }

    /// Runs the loop until `fut` completes and returns its output.
    ///
    /// `fut` is wrapped in a task; when it finishes a done callback stops the loop, so the
    /// loop stops at the end of the turn after completion, as in asyncio.
    ///
    /// Rosetta: asyncio `loop.run_until_complete(fut)`; tokio `LocalSet::block_on`.
    ///
    /// # Errors
    ///
    /// - [`RunError::Loop`]: as [`run_forever`](LoopHandle::run_forever) (then `fut` is
    ///   dropped unpolled), or [`LoopError::StoppedBeforeComplete`] if `stop()` was called
    ///   first (the task stays pending and a later run may finish it);
    /// - [`RunError::Task`]: the future panicked or its task was cancelled.
    #[track_caller]
    #[doc(alias("run", "block_on"))]
    pub fn run_until_complete<F: Future + 'static>(&self, fut: F) -> Result<F::Output, RunError> {
        // Check first, so that a refused run loses nothing (`fut` is dropped unpolled).
        context::can_enter(&self.core)?;
        self.run_task(self.core.spawn(fut, Location::caller()))
    }

    /// Runs the loop until `task` is done and gives its output (`run_until_complete` on a
    /// task, with no wrapper task around it).
    pub(crate) fn run_task<T: 'static>(&self, mut task: Task<T>) -> Result<T, RunError> {
        let armed = Rc::new(Cell::new(true));
        let stop_on_done = armed.clone();
        let weak = self.core.self_weak.clone();
        task.add_done_callback(move |_| {
            if let (true, Some(core)) = (stop_on_done.get(), weak.upgrade()) {
                core.stopping.set(true);
            }
        });
        let ran = self.run_forever();
        armed.set(false);
        ran?;
        match task.take_result() {
            Some(out) => Ok(out?),
            None => Err(LoopError::StoppedBeforeComplete.into()),
        }
    }

    /// Asks the loop to stop: the current turn finishes (the rest of its batch still runs),
    /// then `run_forever` returns. Work scheduled meanwhile stays queued for the next run.
    ///
    /// Rosetta: asyncio `loop.stop()`.
    pub fn stop(&self) {
        self.core.stopping.set(true);
    }

    /// Closes the loop. Queued callbacks and timers are dropped unrun; unfinished tasks are
    /// finished as cancelled, their futures dropped here (so their destructors run). Further
    /// use returns [`LoopError::Closed`]. Idempotent.
    ///
    /// Rosetta: asyncio `loop.close()` (which leaves tasks pending instead; see
    /// `docs/asyncio-mapping.md`).
    ///
    /// # Errors
    ///
    /// [`LoopError::CloseWhileRunning`] if the loop is running.
    pub fn close(&self) -> Result<(), LoopError> {
        if self.is_running() {
            return Err(LoopError::CloseWhileRunning);
        }
        self.core.close();
        Ok(())
    }

    /// True while the loop is inside `run_forever`, `run_until_complete` or `run_once`.
    pub fn is_running(&self) -> bool {
        self.core.state.get() == core::LoopState::Running
    }

    /// True once the loop was closed.
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// A `Send + Clone` handle for other threads.
    pub fn remote(&self) -> RemoteHandle {
        RemoteHandle {
            shared: self.core.shared.clone(),
        }
    }

    /// How many entries the timer heap holds, cancelled ones not yet removed included. It
    /// stays small however many timers are armed and cancelled (see [`timers`](crate::timers)).
    pub fn timer_heap_len(&self) -> usize {
        self.core.timers.borrow().len()
    }

    /// How many callbacks and task steps are queued for the coming turns.
    pub fn ready_len(&self) -> usize {
        self.core.ready.borrow().len()
    }

    /// The loop's unfinished tasks (asyncio `asyncio.all_tasks(loop)`).
    pub fn all_tasks(&self) -> Vec<TaskRef> {
        self.core.all_tasks()
    }

    /// The loop's counters now (see [`introspect`](crate::introspect)).
    #[cfg(feature = "observe")]
    pub fn stats(&self) -> LoopStats {
        self.core.stats()
    }

    /// The loop's unfinished tasks as a table, then its counters (see
    /// [`introspect`](crate::introspect)).
    #[cfg(feature = "observe")]
    pub fn dump(&self) -> String {
        format!(
            "{}\n{}\n",
            crate::introspect::task_table(&self.all_tasks()),
            self.stats()
        )
    }

    /// Turns debug mode on or off (asyncio `loop.set_debug`; see [`debug`](crate::debug)).
    /// It is also on from the start when the environment variable `EVLOOP_DEBUG` is set.
    #[cfg(feature = "observe")]
    pub fn set_debug(&self, on: bool) {
        self.core.debug.on.set(on);
        self.core.update_observed();
    }

    /// True in debug mode (asyncio `loop.get_debug()`).
    #[cfg(feature = "observe")]
    pub fn get_debug(&self) -> bool {
        self.core.debug.on.get()
    }

    /// How long a callback or task step may run before debug mode reports it (asyncio
    /// `loop.slow_callback_duration`; 100 ms by default).
    #[cfg(feature = "observe")]
    pub fn slow_callback_duration(&self) -> Duration {
        self.core.debug.slow.get()
    }

    /// Sets the slow-step threshold of debug mode.
    #[cfg(feature = "observe")]
    #[doc(alias = "slow_callback_duration")]
    pub fn set_slow_callback_duration(&self, limit: Duration) {
        self.core.debug.slow.set(limit);
    }

    /// Starts recording a [`Timeline`](crate::timeline::Timeline) of the loop's turns, from
    /// the next turn on (a recording already going on starts over).
    #[cfg(feature = "trace")]
    pub fn start_recording(&self) {
        let rec = crate::timeline::Recorder::new(self.stats());
        *self.core.recorder.borrow_mut() = Some(rec);
        self.core.update_observed();
    }

    /// Stops recording and returns the timeline (`None` if nothing was being recorded).
    #[cfg(feature = "trace")]
    pub fn stop_recording(&self) -> Option<crate::timeline::Timeline> {
        let rec = self.core.recorder.borrow_mut().take();
        self.core.update_observed();
        rec.map(crate::timeline::Recorder::finish)
    }
}

/// Two handles are equal when they reach the same loop (asyncio compares loops with `is`).
impl PartialEq for LoopHandle {
    fn eq(&self, other: &LoopHandle) -> bool {
        Rc::ptr_eq(&self.core, &other.core)
    }
}

impl Eq for LoopHandle {}

impl fmt::Debug for LoopHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoopHandle")
            .field("state", &self.core.state.get())
            .field("ready", &self.core.ready.borrow().len())
            .field("timers", &self.core.timers.borrow().len())
            .field("tasks", &self.core.tasks.borrow().len())
            .finish()
    }
}

/// An event loop, owned: one per thread at a time, built on `mio::Poll`.
///
/// Dropping it closes the loop (see [`LoopHandle::close`]). All the scheduling and running
/// methods are on [`LoopHandle`], which `EventLoop` dereferences to.
///
/// Rosetta: asyncio `asyncio.new_event_loop()`; tokio `runtime::Builder::new_current_thread`
/// plus `LocalSet`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let ev = evloop::EventLoop::new().unwrap();
/// let out = ev
///     .run_until_complete(async {
///         evloop::sleep(Duration::from_millis(1)).await;
///         "slept"
///     })
///     .unwrap();
/// assert_eq!(out, "slept");
/// ev.close().unwrap();
/// assert!(ev.call_soon(|| ()).is_err());
/// ```
#[doc(alias("BaseEventLoop", "SelectorEventLoop", "Runner", "Runtime"))]
pub struct EventLoop {
    handle: LoopHandle,
}

impl EventLoop {
    /// A new loop on the system clock.
    ///
    /// # Errors
    ///
    /// [`LoopError::Io`] if the OS refused to create the poller.
    #[doc(alias("new_event_loop", "asyncio.new_event_loop"))]
    pub fn new() -> Result<EventLoop, LoopError> {
        EventLoop::with_clock(Clock::System)
    }

    /// A new loop reading time from `clock` (use [`Clock::Manual`] in tests).
    ///
    /// # Errors
    ///
    /// [`LoopError::Io`] if the OS refused to create the poller.
    pub fn with_clock(clock: Clock) -> Result<EventLoop, LoopError> {
        Ok(EventLoop {
            handle: LoopHandle {
                core: Core::new(clock)?,
            },
        })
    }

    /// A handle to this loop, for callbacks to capture.
    #[doc(alias = "get_loop")]
    pub fn handle(&self) -> LoopHandle {
        self.handle.clone()
    }
}

impl Deref for EventLoop {
    type Target = LoopHandle;

    fn deref(&self) -> &LoopHandle {
        &self.handle
    }
}

/// Dropping the loop closes it. Dropped by one of its own callbacks or tasks, it cannot close
/// under the code it is running: it stops after the current turn and closes as the run
/// returns.
impl Drop for EventLoop {
    fn drop(&mut self) {
        let core = &self.handle.core;
        if self.is_running() {
            core.close_when_run_ends.set(true);
            core.stopping.set(true);
        } else {
            core.close();
        }
    }
}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.handle.fmt(f)
    }
}
