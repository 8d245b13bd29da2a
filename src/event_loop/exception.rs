//! The exception handler: where panics in callbacks and tasks end up.
//!
//! Faults stop at one boundary. The turn runs every callback and task step inside
//! `catch_unwind`; a panic never unwinds out of the loop. A panicking callback is reported at
//! once ("Exception in callback ..."); a panicking task stores the panic as its result, and it
//! is reported only if nobody reads it ("Task exception was never retrieved"), exactly as
//! asyncio does. The report goes to the handler set with
//! [`set_exception_handler`](crate::LoopHandle::set_exception_handler), or to
//! [`default_exception_handler`], which prints to standard error.
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use std::rc::Rc;
//! use evloop::EventLoop;
//!
//! let ev = EventLoop::new().unwrap();
//! let seen = Rc::new(RefCell::new(Vec::new()));
//! let s = seen.clone();
//! ev.set_exception_handler(move |ctx| s.borrow_mut().push(ctx.message.clone()));
//! ev.call_soon(|| panic!("boom")).unwrap();
//! ev.call_soon({
//!     let h = ev.handle();
//!     move || h.stop()
//! })
//! .unwrap();
//! ev.run_forever().unwrap(); // the panic did not stop the loop
//! assert!(seen.borrow()[0].starts_with("Exception in callback"));
//! ```

use std::fmt;
use std::panic::Location;
use std::rc::Rc;

/// A custom exception handler (asyncio: `handler(loop, context)`; capture a
/// [`LoopHandle`](crate::LoopHandle) if the loop is needed).
pub(crate) type ExceptionHandler = Rc<dyn Fn(&ExceptionContext)>;

/// What went wrong, as passed to the exception handler (asyncio's `context` dict).
#[derive(Debug, Clone)]
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
}

impl fmt::Display for ExceptionContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(task) = &self.task {
            write!(f, "\ntask: {task}")?;
        }
        if let Some(err) = &self.error {
            write!(f, "\npanicked: {err}")?;
        }
        Ok(())
    }
}

/// The handler used when none is set: prints the context to standard error, as asyncio's
/// `default_exception_handler` logs it at ERROR level.
pub fn default_exception_handler(ctx: &ExceptionContext) {
    eprintln!("{ctx}");
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
            location: None,
        };
        assert_eq!(
            ctx.to_string(),
            "Task exception was never retrieved\n\
             task: <Task name='Task-3' id=3 spawned at src/main.rs:4:5>\n\
             panicked: boom"
        );
    }
}
