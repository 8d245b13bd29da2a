//! The running loop of this thread, and the free functions that reach it.
//!
//! asyncio finds the running loop with `get_running_loop()`, a per-thread slot set only while
//! a loop runs. evloop does the same: [`CURRENT`] holds the loop only between entering
//! `run_*` and leaving it, so there is no hidden global state outside a run, and several
//! loops can live on several threads side by side.
//!
//! Outside a running loop the free functions follow one rule: one that only *reads* what
//! is running answers "nothing" ([`running_loop`] and [`current_task`] give `None`,
//! [`all_tasks`] is empty), as `current_task()` does in a plain callback; [`get_running_loop`]
//! is the exception, its purpose being the error ([`LoopError::NoRunningLoop`], asyncio's
//! `RuntimeError('no running event loop')`); one that *acts* on the loop ([`spawn`]) panics
//! with a message naming the thread, as tokio's `spawn` does.
//!
//! ```
//! assert!(evloop::get_running_loop().is_err());
//! assert!(evloop::running_loop().is_none());
//! assert!(evloop::current_task().is_none());
//! assert!(evloop::all_tasks().is_empty());
//! evloop::run(async {
//!     assert!(evloop::get_running_loop().is_ok());
//!     assert!(evloop::current_task().is_some());
//! })
//! .unwrap();
//! ```

use std::cell::RefCell;
use std::future::Future;
use std::panic::Location;
use std::rc::Rc;

use super::LoopHandle;
use super::core::{Core, LoopState};
use crate::error::LoopError;
use crate::task::running::{self, RunningGuard};
use crate::task::{Task, TaskRef};

thread_local! {
    /// The loop running on this thread, if any.
    static CURRENT: RefCell<Option<Rc<Core>>> = const { RefCell::new(None) };
}

/// Proof that a loop is running on this thread; leaving the run drops it, which clears the
/// thread's slot, marks the loop idle and forgets a pending `stop()`.
pub(crate) struct Enter {
    core: Rc<Core>,
    /// The loop registered as its tasks' running scheduler (the local wake path).
    _running: RunningGuard,
}

/// Checks that `core` could become the running loop of this thread now.
///
/// # Errors
///
/// `Closed`, `AlreadyRunning`, or `AnotherLoopRunning` (loops do not nest).
pub(crate) fn can_enter(core: &Core) -> Result<(), LoopError> {
    match core.state.get() {
        LoopState::Closed => Err(LoopError::Closed),
        LoopState::Running => Err(LoopError::AlreadyRunning),
        LoopState::Idle => match CURRENT.try_with(|slot| slot.try_borrow().map(|s| s.is_some())) {
            Ok(Ok(false)) => Ok(()),
            Ok(_) => Err(LoopError::AnotherLoopRunning),
            Err(_) => Err(LoopError::ThreadExiting),
        },
    }
}

/// Makes `core` the running loop of this thread.
///
/// # Errors
///
/// As [`can_enter`].
pub(crate) fn enter(core: &Rc<Core>) -> Result<Enter, LoopError> {
    can_enter(core)?;
    CURRENT.with(|slot| *slot.borrow_mut() = Some(core.clone()));
    core.state.set(LoopState::Running);
    let running = running::enter(core.id(), core.clone());
    Ok(Enter {
        core: core.clone(),
        _running: running,
    })
}

impl Drop for Enter {
    fn drop(&mut self) {
        if self.core.state.get() == LoopState::Running {
            self.core.state.set(LoopState::Idle);
        }
        self.core.stopping.set(false);
        let prev = CURRENT.try_with(|slot| slot.borrow_mut().take());
        drop(prev); // outside the borrow: it may be the last reference to the loop
        if self.core.close_when_run_ends.take() {
            self.core.close();
        }
    }
}

/// Runs `f` with the running loop of this thread, if there is one. A thread whose
/// thread-locals are being destroyed runs none (nor can it start one, see [`can_enter`]),
/// so code called from a thread-local's destructor gets `None`, not a panic.
#[inline(always)]
pub(crate) fn with_current<R>(f: impl FnOnce(&Rc<Core>) -> R) -> Option<R> {
    CURRENT
        .try_with(|slot| slot.borrow().as_ref().map(f))
        .ok()
        .flatten()
}

/// The panic message of a free function that needs the running loop, called on a thread
/// that is not running one.
pub(crate) fn no_running_loop(what: &str) -> String {
    let thread = std::thread::current();
    format!(
        "{what} called outside a running event loop (thread '{}' is not running one); \
         from another thread, send work to the loop with RemoteHandle::call_soon_threadsafe",
        thread.name().unwrap_or("<unnamed>")
    )
}

/// A handle to the loop running on this thread, or `None` outside a running loop.
///
/// Rosetta: asyncio `asyncio.get_running_loop()` (which raises instead of returning `None`);
/// tokio `runtime::Handle::try_current()`.
///
/// ```
/// assert!(evloop::running_loop().is_none()); // no loop runs here
/// evloop::run(async { assert!(evloop::running_loop().is_some()) }).unwrap();
/// ```
#[doc(alias(
    "_get_running_loop",
    "get_event_loop",
    "asyncio.get_event_loop",
    "try_current"
))]
pub fn running_loop() -> Option<LoopHandle> {
    with_current(|core| LoopHandle { core: core.clone() })
}

/// A handle to the loop running on this thread.
///
/// # Errors
///
/// [`LoopError::NoRunningLoop`] outside a running loop (asyncio raises `RuntimeError('no
/// running event loop')`).
///
/// ```
/// assert!(evloop::get_running_loop().is_err()); // asyncio: RuntimeError, no running event loop
/// let ev = evloop::EventLoop::new().unwrap();
/// let seen = ev.run_until_complete(async { evloop::get_running_loop().unwrap() }).unwrap();
/// assert_eq!(seen, ev.handle());
/// ```
pub fn get_running_loop() -> Result<LoopHandle, LoopError> {
    running_loop().ok_or(LoopError::NoRunningLoop)
}

/// Spawns `fut` as a task on the running loop; its first step runs in a later turn.
///
/// The future need not be `Send`: it never leaves this thread. Dropping the returned
/// [`Task`] does not cancel it.
///
/// Rosetta: asyncio `asyncio.create_task(coro)`; tokio `task::spawn_local`.
///
/// # Panics
///
/// Outside a running loop (use [`LoopHandle::create_task`] there), like tokio's `spawn`.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let t = evloop::spawn(async { "done" });
///     assert_eq!(t.await.unwrap(), "done");
/// })
/// .unwrap();
/// ```
#[track_caller]
#[doc(alias(
    "create_task",
    "asyncio.create_task",
    "spawn_local",
    "tokio::task::spawn_local"
))]
pub fn spawn<F: Future + 'static>(fut: F) -> Task<F::Output> {
    let location = Location::caller();
    match with_current(Rc::clone) {
        Some(core) => core.spawn(fut, location),
        None => panic!("{}", no_running_loop("evloop::spawn")),
    }
}

/// The task whose step is running now; `None` in a plain callback or outside a loop.
///
/// Rosetta: asyncio `asyncio.current_task()`; tokio `task::id()`.
///
/// ```
/// # evloop::run(async {
/// let task = evloop::spawn(async { evloop::current_task().unwrap().id() });
/// let id = task.id();
/// assert_eq!(task.await, Ok(id)); // the task sees itself
/// # }).unwrap();
/// ```
pub fn current_task() -> Option<TaskRef> {
    with_current(|core| core.current_task()).flatten()
}

/// The unfinished tasks of the running loop (empty outside a loop).
///
/// Rosetta: asyncio `asyncio.all_tasks()`.
///
/// ```
/// # evloop::run(async {
/// let other = evloop::spawn(std::future::pending::<()>());
/// assert_eq!(evloop::all_tasks().len(), 2); // this one and `other`
/// other.cancel();
/// # }).unwrap();
/// ```
pub fn all_tasks() -> Vec<TaskRef> {
    with_current(|core| core.all_tasks()).unwrap_or_default()
}

/// The running loop's unfinished tasks as a table, then its counters (an empty string
/// outside a running loop). Print it from anywhere inside the loop to see what is going on.
///
/// Rosetta: asyncio has no single call; `for t in asyncio.all_tasks(): t.print_stack()` is
/// the nearest. tokio: `tokio-console`, as an external tool.
#[cfg(feature = "observe")]
pub fn dump() -> String {
    running_loop().map(|h| h.dump()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_no_loop_message_names_the_thread() {
        let msg = std::thread::Builder::new()
            .name("worker-7".into())
            .spawn(|| no_running_loop("evloop::spawn"))
            .unwrap()
            .join()
            .unwrap();
        assert!(msg.contains("thread 'worker-7'"), "{msg}");
        assert!(msg.contains("RemoteHandle::call_soon_threadsafe"), "{msg}");
    }
}
