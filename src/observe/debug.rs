//! Debug mode: asyncio's `loop.set_debug(True)` / `PYTHONASYNCIODEBUG=1`.
//!
//! A loop in debug mode watches for the mistakes that make async programs slow or leaky,
//! and reports each through the loop's [exception handler](crate::ExceptionContext) (the
//! default prints to standard error), where asyncio logs a warning:
//!
//! | check | message | asyncio |
//! |---|---|---|
//! | a callback or task step ran longer than [`slow_callback_duration`](crate::LoopHandle::slow_callback_duration) (default 100 ms) | `Executing <Task name='worker' id=2 spawned at src/main.rs:9:5> took 0.150 seconds` | same words |
//! | the loop was closed with tasks still pending | `Task was destroyed but it is pending!` | same (asyncio says it when the task is garbage-collected) |
//! | a task panicked and nobody read its result | `Task exception was never retrieved`, with where it was spawned | same (evloop reports it in and out of debug mode) |
//!
//! Turn it on with [`LoopHandle::set_debug`](crate::LoopHandle::set_debug), or for every
//! loop of a process by setting the environment variable [`ENV_VAR`] (`EVLOOP_DEBUG=1`)
//! before the loop is made.
//!
//! # What it costs
//!
//! Off, nothing measurable: the turn reads one `bool` per item and takes the same path as
//! before (`bench/benches/observe.rs` compares). On, each callback and task step is bracketed by
//! two clock reads, which also fills in each task's
//! [`poll_time`](crate::TaskRef::poll_time).
//!
//! # Calls from the wrong thread
//!
//! asyncio's debug mode also raises when a non-thread-safe method is called from another
//! thread. In evloop that mistake does not compile: [`LoopHandle`](crate::LoopHandle),
//! [`Task`](crate::Task) and every other loop-bound type are `!Send`, and only
//! [`RemoteHandle`](crate::RemoteHandle) and wakers cross threads.
//!
//! ```compile_fail
//! let ev = evloop::EventLoop::new().unwrap();
//! let handle = ev.handle();
//! std::thread::spawn(move || handle.call_soon(|| ())); // LoopHandle is not Send
//! ```
//!
//! The one way left is the free functions that find "the running loop" (`evloop::spawn`,
//! `evloop::sleep`), called on a thread that is not running one, such as inside
//! `run_in_executor`. They panic (or return [`LoopError::NoRunningLoop`]) with a message
//! that names the thread and points at `RemoteHandle`.
//!
//! [`LoopError::NoRunningLoop`]: crate::LoopError::NoRunningLoop
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use std::time::Duration;
//!
//! let ev = evloop::EventLoop::new().unwrap();
//! ev.set_debug(true);
//! ev.set_slow_callback_duration(Duration::from_millis(20));
//! let warnings = Rc::new(RefCell::new(Vec::new()));
//! let w = warnings.clone();
//! ev.set_exception_handler(move |ctx| w.borrow_mut().push(ctx.message.clone()));
//!
//! ev.run_until_complete(async {
//!     std::thread::sleep(Duration::from_millis(30)); // blocks the loop: a bug
//! })
//! .unwrap();
//! assert!(warnings.borrow()[0].starts_with("Executing <Task name='Task-1'"));
//! assert!(warnings.borrow()[0].ends_with("seconds"));
//! ```

use std::cell::Cell;
use std::panic::Location;
use std::time::Duration;

use crate::error::ExceptionContext;
use crate::task::TaskRef;

/// The environment variable that turns debug mode on for every new loop when set to
/// anything but empty or `0` (asyncio: `PYTHONASYNCIODEBUG`).
pub const ENV_VAR: &str = "EVLOOP_DEBUG";

/// How long a callback or task step may run before debug mode calls it slow (asyncio's
/// `loop.slow_callback_duration`, 0.1 s).
pub const DEFAULT_SLOW_CALLBACK_DURATION: Duration = Duration::from_millis(100);

/// A loop's debug settings.
pub(crate) struct DebugMode {
    /// Debug mode is on.
    pub(crate) on: Cell<bool>,
    /// The slow-step threshold.
    pub(crate) slow: Cell<Duration>,
}

impl DebugMode {
    /// Settings for a new loop: on if [`ENV_VAR`] says so.
    pub(crate) fn from_env() -> DebugMode {
        let on = std::env::var_os(ENV_VAR).is_some_and(|v| !v.is_empty() && v != "0");
        DebugMode {
            on: Cell::new(on),
            slow: Cell::new(DEFAULT_SLOW_CALLBACK_DURATION),
        }
    }
}

/// What one item of the ready queue was, for reports and the timeline.
#[derive(Clone)]
pub(crate) enum StepKind {
    /// A step of this task.
    Task(TaskRef),
    /// A callback (its closure's type name) scheduled at this place.
    Callback(&'static str, &'static Location<'static>),
    /// The done callbacks of this finished task.
    DoneCallbacks(TaskRef),
}

impl StepKind {
    /// How asyncio's debug messages name the item: `<Task ...>` or `<Handle ...>`.
    fn describe(&self) -> String {
        match self {
            StepKind::Task(t) => describe_task(t),
            StepKind::Callback(name, at) => format!("<Handle {name}() at {at}>"),
            StepKind::DoneCallbacks(t) => format!("<done callbacks of {}>", describe_task(t)),
        }
    }

    fn location(&self) -> &'static Location<'static> {
        match self {
            StepKind::Task(t) | StepKind::DoneCallbacks(t) => t.location(),
            StepKind::Callback(_, at) => at,
        }
    }
}

/// `<Task name='worker' id=2 spawned at src/main.rs:9:5>`.
pub(crate) fn describe_task(t: &TaskRef) -> String {
    t.0.header().describe()
}

/// "Executing <...> took 0.150 seconds" (asyncio `base_events._run_once`).
pub(crate) fn slow_step(kind: &StepKind, took: Duration) -> ExceptionContext {
    ExceptionContext {
        message: format!(
            "Executing {} took {:.3} seconds",
            kind.describe(),
            took.as_secs_f64()
        ),
        error: None,
        task: match kind {
            StepKind::Task(t) | StepKind::DoneCallbacks(t) => Some(describe_task(t)),
            StepKind::Callback(..) => None,
        },
        location: Some(kind.location()),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_callback_message_reads_like_asyncios() {
        let at = Location::caller();
        let ctx = slow_step(&StepKind::Callback("f", at), Duration::from_millis(150));
        assert_eq!(
            ctx.message,
            format!("Executing <Handle f() at {at}> took 0.150 seconds")
        );
        assert!(ctx.task.is_none());
    }
}
