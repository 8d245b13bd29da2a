//! Every error evloop returns, as types.
//!
//! asyncio raises `RuntimeError` with a message for loop misuse, `CancelledError` for
//! cancellation and `InvalidStateError` for futures set twice. evloop returns the same
//! situations as enum variants, so a caller can `match` on them instead of parsing strings.
//! The `Display` text of each variant repeats asyncio's message, so logs read the same.

use std::error::Error;
use std::fmt;
use std::io;
use std::rc::Rc;

mod cancelled;
mod coordination;
mod report;
#[cfg(feature = "net")]
mod stream;
pub use cancelled::Cancelled;
pub use coordination::{BrokenBarrierError, GetError, PutError, TimeoutError, TooManyReleases};
pub use report::{
    DESTROYED_PENDING, ExceptionContext, FUTURE_NEVER_RETRIEVED, NEVER_RETRIEVED, SHUTDOWN_FAILURE,
    default_exception_handler,
};
#[cfg(feature = "net")]
pub use stream::StreamError;

/// Misuse of an event loop: running it twice, using it after `close`, and so on.
///
/// Nothing is lost when one of these is returned: the call had no effect.
///
/// Rosetta: asyncio raises `RuntimeError(...)` with the message shown by `Display`.
#[derive(Debug)]
#[non_exhaustive]
pub enum LoopError {
    /// `run_forever`, `run_until_complete` or `run_once` on a loop that is already running.
    AlreadyRunning,
    /// Another event loop is already running on this thread (loops do not nest).
    AnotherLoopRunning,
    /// [`run`](crate::run) was called inside a running loop.
    RunInRunningLoop,
    /// The loop was closed; it accepts no more work.
    Closed,
    /// `close()` was called while the loop is running.
    CloseWhileRunning,
    /// `run_until_complete` returned because `stop()` was called before the future finished.
    /// The task is still pending and a later run may finish it.
    StoppedBeforeComplete,
    /// A function that needs the running loop was called outside one.
    NoRunningLoop,
    /// The loop was run from a thread-local's destructor, as its thread exits: the
    /// thread-local that tells its tasks which loop runs them is gone.
    ThreadExiting,
    /// The operating system refused to create or poll the reactor.
    Io(io::Error),
}

impl fmt::Display for LoopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoopError::AlreadyRunning => f.write_str("This event loop is already running"),
            LoopError::AnotherLoopRunning => {
                f.write_str("Cannot run the event loop while another loop is running")
            }
            LoopError::RunInRunningLoop => {
                f.write_str("asyncio.run() cannot be called from a running event loop")
            }
            LoopError::Closed => f.write_str("Event loop is closed"),
            LoopError::CloseWhileRunning => f.write_str("Cannot close a running event loop"),
            LoopError::StoppedBeforeComplete => {
                f.write_str("Event loop stopped before Future completed.")
            }
            LoopError::NoRunningLoop => f.write_str("no running event loop"),
            LoopError::ThreadExiting => {
                f.write_str("Cannot run an event loop while its thread is exiting")
            }
            LoopError::Io(e) => write!(f, "event loop I/O error: {e}"),
        }
    }
}

impl Error for LoopError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            LoopError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<io::Error> for LoopError {
    fn from(e: io::Error) -> Self {
        LoopError::Io(e)
    }
}

/// Why a task produced no value: it was cancelled, or its future panicked.
///
/// Rosetta: asyncio's `CancelledError` / the exception stored in the task; tokio's `JoinError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task was cancelled before it finished (asyncio: `CancelledError`).
    /// ```
    /// # evloop::run(async {
    /// let task = evloop::spawn(std::future::pending::<()>());
    /// task.cancel(); // asyncio: task.cancel(); await task raises CancelledError
    /// assert_eq!(task.await, Err(evloop::TaskError::Cancelled));
    /// # }).unwrap();
    /// ```
    #[doc(alias = "CancelledError")]
    Cancelled,
    /// The task's future panicked; the panic message is kept.
    Panicked(String),
}

impl TaskError {
    /// True for [`TaskError::Cancelled`].
    pub fn is_cancelled(&self) -> bool {
        matches!(self, TaskError::Cancelled)
    }
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TaskError::Cancelled => f.write_str("task was cancelled"),
            TaskError::Panicked(msg) => write!(f, "task panicked: {msg}"),
        }
    }
}

impl Error for TaskError {}

/// The error `run_until_complete` and [`run`](crate::run) return: either the loop was
/// misused, or the future it drove did not finish with a value.
#[derive(Debug)]
pub enum RunError {
    /// The loop could not run the future (see [`LoopError`]).
    Loop(LoopError),
    /// The future was cancelled or panicked (see [`TaskError`]).
    Task(TaskError),
    /// Ctrl-C (`SIGINT`) cancelled the main task of [`run`](crate::run) (asyncio:
    /// `KeyboardInterrupt`). Only with the `signal` feature, on the main thread.
    Interrupted,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RunError::Loop(e) => e.fmt(f),
            RunError::Task(e) => e.fmt(f),
            RunError::Interrupted => f.write_str("interrupted (Ctrl-C)"),
        }
    }
}

impl Error for RunError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            RunError::Loop(e) => Some(e),
            RunError::Task(e) => Some(e),
            RunError::Interrupted => None,
        }
    }
}

impl From<LoopError> for RunError {
    fn from(e: LoopError) -> Self {
        RunError::Loop(e)
    }
}

impl From<TaskError> for RunError {
    fn from(e: TaskError) -> Self {
        RunError::Task(e)
    }
}

impl From<io::Error> for RunError {
    fn from(e: io::Error) -> Self {
        RunError::Loop(LoopError::Io(e))
    }
}

/// A [`Future`](crate::Future) was completed twice.
///
/// Rosetta: asyncio's `InvalidStateError`.
/// ```
/// let fut = evloop::Future::new();
/// fut.set_result(1).unwrap();
/// assert_eq!(fut.set_result(2), Err(evloop::InvalidStateError)); // already done
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvalidStateError;

impl fmt::Display for InvalidStateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid state: the future is already done")
    }
}

impl Error for InvalidStateError {}

/// What awaiting or reading a [`Future`](crate::Future) gives instead of a value.
#[derive(Debug, Clone)]
pub enum FutureError {
    /// The future was cancelled (asyncio: `CancelledError`).
    /// ```
    /// let fut = evloop::Future::<i32>::new();
    /// fut.cancel(); // fut.result() now raises CancelledError
    /// assert!(matches!(fut.result(), Err(evloop::FutureError::Cancelled)));
    /// ```
    #[doc(alias = "CancelledError")]
    Cancelled,
    /// The future was completed with `set_exception`; the error is shared by every awaiter.
    Exception(Rc<dyn Error>),
    /// `result()` was called before the future was done (asyncio: `InvalidStateError('Result
    /// is not set.')`).
    NotDone,
}

impl fmt::Display for FutureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FutureError::Cancelled => f.write_str("future was cancelled"),
            FutureError::Exception(e) => e.fmt(f),
            FutureError::NotDone => f.write_str("Result is not set."),
        }
    }
}

impl Error for FutureError {}

/// Turns a panic payload into the message it carried (`panic!("...")` gives a `&str` or a
/// `String`; anything else is reported as `"Box<dyn Any>"`, as the standard library does).
///
/// Rosetta: Python's `str(exc)` of a caught exception; in Rust, the payload of
/// `std::panic::catch_unwind` downcast to `&str` or `String`.
///
/// # Examples
///
/// ```
/// let caught = std::panic::catch_unwind(|| panic!("boom {}", 7)).unwrap_err();
/// assert_eq!(evloop::panic_message(&*caught), "boom 7");
/// ```
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "Box<dyn Any>".to_string()
    }
}

/// `add_signal_handler` refused (nothing was changed).
///
/// Rosetta: asyncio raises `RuntimeError('sig N cannot be caught')` or `ValueError`.
#[cfg(all(unix, feature = "signal"))]
#[derive(Debug)]
pub enum SignalError {
    /// `SIGKILL`, `SIGSTOP`, or a fault signal (`SIGSEGV`, `SIGILL`, `SIGFPE`).
    Uncatchable(i32),
    /// Not a signal number.
    Invalid(i32),
    /// The loop is closed, or the OS refused.
    Loop(LoopError),
}

#[cfg(all(unix, feature = "signal"))]
impl fmt::Display for SignalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignalError::Uncatchable(sig) => write!(f, "sig {sig} cannot be caught"),
            SignalError::Invalid(sig) => write!(f, "invalid signal number {sig}"),
            SignalError::Loop(e) => e.fmt(f),
        }
    }
}

#[cfg(all(unix, feature = "signal"))]
impl Error for SignalError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        match self {
            SignalError::Loop(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(all(unix, feature = "signal"))]
impl From<LoopError> for SignalError {
    fn from(e: LoopError) -> Self {
        SignalError::Loop(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_asyncio() {
        assert_eq!(
            LoopError::AlreadyRunning.to_string(),
            "This event loop is already running"
        );
        assert_eq!(LoopError::Closed.to_string(), "Event loop is closed");
        assert_eq!(FutureError::NotDone.to_string(), "Result is not set.");
    }

    #[test]
    fn panic_payloads_become_messages() {
        let p: Box<dyn std::any::Any + Send> = Box::new("boom");
        assert_eq!(panic_message(&*p), "boom");
        let p: Box<dyn std::any::Any + Send> = Box::new(String::from("bang"));
        assert_eq!(panic_message(&*p), "bang");
        let p: Box<dyn std::any::Any + Send> = Box::new(7u8);
        assert_eq!(panic_message(&*p), "Box<dyn Any>");
    }
}
