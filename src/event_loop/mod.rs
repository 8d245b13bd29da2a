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
//! | `inspect` | `get_debug`, `set_debug`, `slow_callback_duration`, `all_tasks(loop)` |
//! | `owned` | `new_event_loop()`, and closing a loop when it is dropped |

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
pub(crate) mod inspect;
pub(crate) mod observe;
pub(crate) mod owned;
pub(crate) mod ready;
pub(crate) mod remote;
pub(crate) mod remote_handle;
pub mod run_once;
pub(crate) mod shutdown;
pub(crate) mod task_factory;

// Loom models of the cross-thread path (`scripts/loom`).
#[cfg(all(test, evloop_loom))]
mod loom_inbox;
#[cfg(all(test, evloop_loom))]
mod loom_wake;

use std::cell::Cell;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::rc::Rc;
use std::time::{Duration, Instant};

use self::core::Core;
use self::handle::{Handle, TimerHandle};
use self::remote_handle::RemoteHandle;
use crate::error::{LoopError, RunError};
use crate::task::{Task, TaskRef};

pub use self::owned::EventLoop;

/// A handle to an event loop: schedule callbacks and tasks, run and stop it.
///
/// Cheap to clone (a reference count). It keeps the loop's memory alive but not the loop
/// itself: once the owning [`EventLoop`] is dropped or closed, every call returns
/// [`LoopError::Closed`]. It is `!Send`; other threads use [`RemoteHandle`].
///
/// Rosetta: the asyncio loop object (`asyncio.get_running_loop()`); tokio
/// `runtime::Handle` plus `LocalSet`.
///
/// ```
/// # evloop::run(async {
/// let ev = evloop::get_running_loop().unwrap(); // asyncio: loop = asyncio.get_running_loop()
/// let task = ev.create_task(async { 1 + 1 }).unwrap();
/// assert_eq!(task.await, Ok(2));
/// # }).unwrap();
/// ```
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
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let (tx, rx) = std::sync::mpsc::channel();
    /// ev.call_soon_threadsafe(move || tx.send("ran").unwrap()).unwrap();
    /// ev.stop();
    /// ev.run_forever().unwrap();
    /// assert_eq!(rx.recv().unwrap(), "ran");
    /// ```
    #[track_caller]
    pub fn call_soon_threadsafe(&self, f: impl FnOnce() + Send + 'static) -> Result<(), LoopError> {
        self.remote().call_soon_threadsafe(f)
    }

    /// The loop's current time: its clock's monotonic "now" (asyncio `loop.time()`).
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let t = ev.time();
    /// assert!(ev.time() >= t); // monotonic, as asyncio's loop.time()
    /// ```
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
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let task = ev.create_task(async { "done" }).unwrap();
    /// assert_eq!(ev.run_until_complete(task).unwrap(), Ok("done"));
    /// ```
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
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let h = ev.handle();
    /// ev.call_soon(move || h.stop()).unwrap(); // a callback stops the loop
    /// ev.run_forever().unwrap(); // returns after that turn
    /// assert!(!ev.is_running());
    /// ```
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
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// assert_eq!(ev.run_until_complete(async { 6 * 7 }).unwrap(), 42);
    /// ```
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
        self.run_until_done(&task)?;
        match task.take_result() {
            Some(out) => Ok(out?),
            None => Err(LoopError::StoppedBeforeComplete.into()),
        }
    }

    /// Runs the loop until `task` is done, or stops for another reason. Not generic, so the
    /// `run_until_complete` of every output type shares one copy.
    fn run_until_done(&self, task: &TaskRef) -> Result<(), LoopError> {
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
        ran
    }

    /// Asks the loop to stop: the current turn finishes (the rest of its batch still runs),
    /// then `run_forever` returns. Work scheduled meanwhile stays queued for the next run.
    ///
    /// Rosetta: asyncio `loop.stop()`.
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// ev.stop(); // before run_forever: it runs exactly one turn
    /// ev.run_forever().unwrap();
    /// ```
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
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// ev.close().unwrap();
    /// assert!(ev.call_soon(|| ()).is_err()); // asyncio: RuntimeError, Event loop is closed
    /// ```
    pub fn close(&self) -> Result<(), LoopError> {
        if self.is_running() {
            return Err(LoopError::CloseWhileRunning);
        }
        self.core.close();
        Ok(())
    }

    /// True while the loop is inside `run_forever`, `run_until_complete` or `run_once`.
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let h = ev.handle();
    /// assert!(ev.run_until_complete(async move { h.is_running() }).unwrap());
    /// assert!(!ev.is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        self.core.state.get() == core::LoopState::Running
    }

    /// True once the loop was closed.
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// ev.close().unwrap();
    /// assert!(ev.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.core.is_closed()
    }

    /// A `Send + Clone` handle for other threads.
    pub fn remote(&self) -> RemoteHandle {
        RemoteHandle {
            shared: self.core.shared.clone(),
        }
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
