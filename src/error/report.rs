//! What goes to the loop's exception handler: [`ExceptionContext`], and the handler used
//! when none is set.
//!
//! It lives beside the error types, below the loop and the tasks, because both report
//! through it: the loop for a panicking callback, a task for a panic nobody read.

use std::fmt;
use std::panic::Location;

use super::panic_message;

/// The report of a task that panicked and whose result nobody read (asyncio's words).
pub const NEVER_RETRIEVED: &str = "Task exception was never retrieved";

/// The report of a future whose error nobody read: asyncio's words for a future (not a
/// task) collected with its exception unread. evloop sends it when the last handle of a
/// [`Future`](crate::Future) completed with `set_exception` goes unread, and for a blocking
/// job that panicked after its [`Blocking`](crate::executor::Blocking) was dropped.
pub const FUTURE_NEVER_RETRIEVED: &str = "Future exception was never retrieved";

/// The report of a task still pending when its loop closed (asyncio's `Task.__del__`).
pub const DESTROYED_PENDING: &str = "Task was destroyed but it is pending!";

/// The report of a task that panicked while `run()` was cancelling it at shutdown.
pub const SHUTDOWN_FAILURE: &str = "unhandled exception during asyncio.run() shutdown";

/// What went wrong, as passed to the exception handler (asyncio's `context` dict). Build
/// one with [`ExceptionContext::new`] and set the fields that apply; more may be added.
///
/// # Examples
///
/// ```
/// use evloop::ExceptionContext;
///
/// let mut ctx = ExceptionContext::new("Something odd happened");
/// ctx.error = Some("details".into());
/// assert_eq!(ctx.to_string(), "Something odd happened\npanicked: details");
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct ExceptionContext {
    /// What happened, in asyncio's words: "Exception in callback ...", "Task exception was
    /// never retrieved", "Unhandled error in exception handler".
    pub message: String,
    /// The panic message, if a panic caused it (asyncio's `exception`).
    pub error: Option<String>,
    /// The task involved, as `<Task name='...' id=N spawned at file:line:col>` (asyncio's `task`).
    pub task: Option<String>,
    /// Where the callback was scheduled or the task spawned.
    pub location: Option<&'static Location<'static>>,
    /// The callback involved, as `<Handle name() at file:line:col>` (asyncio's `handle`).
    pub handle: Option<String>,
    /// The future involved, as `<Future finished exception=...>` (asyncio's `future`).
    pub future: Option<String>,
    /// The transport involved, as `<Transport tcp peer=...>` (asyncio's `transport`).
    pub transport: Option<String>,
    /// The protocol involved, as `<its type name>` (asyncio's `protocol`).
    pub protocol: Option<String>,
}

impl fmt::Display for ExceptionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(handle) = &self.handle {
            write!(f, "\nhandle: {handle}")?;
        }
        if let Some(future) = &self.future {
            write!(f, "\nfuture: {future}")?;
        }
        if let Some(task) = &self.task {
            write!(f, "\ntask: {task}")?;
        }
        if let Some(transport) = &self.transport {
            write!(f, "\ntransport: {transport}")?;
        }
        if let Some(protocol) = &self.protocol {
            write!(f, "\nprotocol: {protocol}")?;
        }
        if let Some(err) = &self.error {
            write!(f, "\npanicked: {err}")?;
        }
        Ok(())
    }
}

/// The handler used when none is set: prints the context to standard error, as asyncio's
/// `default_exception_handler` logs it at ERROR level.
///
/// ```
/// let ev = evloop::EventLoop::new().unwrap();
/// // a custom handler that logs as usual, then does more (asyncio: calls
/// // loop.default_exception_handler(context))
/// ev.set_exception_handler(|ctx| evloop::default_exception_handler(ctx));
/// ev.call_exception_handler(&evloop::ExceptionContext::new("logged to stderr"));
/// ```
pub fn default_exception_handler(ctx: &ExceptionContext) {
    eprintln!("{ctx}");
}

impl ExceptionContext {
    /// A context with only its message set.
    pub fn new(message: impl Into<String>) -> ExceptionContext {
        ExceptionContext {
            message: message.into(),
            ..ExceptionContext::default()
        }
    }

    /// The report of a panic that escaped callback `name` (a closure's type name, if
    /// known) scheduled at `location` (asyncio `Handle._run`: "Exception in callback
    /// name() at file:line", with the handle in the context).
    pub(crate) fn callback_panic(
        name: Option<&str>,
        location: &'static Location<'static>,
        payload: &(dyn std::any::Any + Send),
    ) -> ExceptionContext {
        let source = match name {
            Some(name) => format!("{name}() at {location}"),
            None => format!("at {location}"),
        };
        ExceptionContext {
            message: format!("Exception in callback {source}"),
            error: Some(panic_message(payload)),
            location: Some(location),
            handle: Some(format!("<Handle {source}>")),
            ..ExceptionContext::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_report_reads_like_asyncios() {
        let ctx = ExceptionContext {
            message: "Task exception was never retrieved".into(),
            error: Some("boom".into()),
            task: Some("<Task name='Task-3' id=3 spawned at src/main.rs:4:5>".into()),
            ..ExceptionContext::default()
        };
        assert_eq!(
            ctx.to_string(),
            "Task exception was never retrieved\n\
             task: <Task name='Task-3' id=3 spawned at src/main.rs:4:5>\n\
             panicked: boom"
        );
    }
}
