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

use std::rc::Rc;

use super::LoopHandle;

pub use crate::error::{ExceptionContext, default_exception_handler};

/// A custom exception handler (asyncio: `handler(loop, context)`; capture a
/// [`LoopHandle`](crate::LoopHandle) if the loop is needed).
pub type ExceptionHandler = Rc<dyn Fn(&ExceptionContext)>;

/// The exception handler's methods on the loop (asyncio's `set_exception_handler`,
/// `get_exception_handler`, `default_exception_handler`, `call_exception_handler`).
impl LoopHandle {
    /// Sets the handler that receives panics from callbacks and unretrieved task panics.
    ///
    /// Rosetta: asyncio `loop.set_exception_handler(handler)`.
    ///
    /// ```
    /// # use std::{cell::RefCell, rc::Rc};
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let seen = Rc::new(RefCell::new(None));
    /// let s = seen.clone();
    /// ev.set_exception_handler(move |ctx| *s.borrow_mut() = ctx.error.clone());
    /// ev.call_soon(|| panic!("boom")).unwrap(); // asyncio: an exception in a callback
    /// ev.stop();
    /// ev.run_forever().unwrap();
    /// assert_eq!(seen.borrow().as_deref(), Some("boom"));
    /// ```
    pub fn set_exception_handler(&self, handler: impl Fn(&ExceptionContext) + 'static) {
        *self.core.handler.borrow_mut() = Some(Rc::new(handler));
    }

    /// The handler set with [`set_exception_handler`](Self::set_exception_handler), if any
    /// (asyncio `loop.get_exception_handler()`, which returns `None` for the default).
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// assert!(ev.get_exception_handler().is_none());
    /// ev.set_exception_handler(|ctx| eprintln!("custom: {ctx}"));
    /// let handler = ev.get_exception_handler().unwrap();
    /// handler(&evloop::ExceptionContext::new("called by hand"));
    /// ```
    pub fn get_exception_handler(&self) -> Option<ExceptionHandler> {
        self.core.handler.borrow().clone()
    }

    /// Reports `ctx` the default way, whatever handler is set (asyncio
    /// `loop.default_exception_handler(context)`, which a custom handler may call to log
    /// as usual): it prints to standard error.
    ///
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// ev.set_exception_handler(|ctx| eprintln!("custom: {ctx}"));
    /// // the custom handler is bypassed: this prints the default report
    /// ev.default_exception_handler(&evloop::ExceptionContext::new("by hand"));
    /// ```
    pub fn default_exception_handler(&self, ctx: &ExceptionContext) {
        crate::default_exception_handler(ctx);
    }

    /// Restores the default handler (asyncio `loop.set_exception_handler(None)`).
    pub fn clear_exception_handler(&self) {
        let old = self.core.handler.borrow_mut().take();
        drop(old);
    }

    /// Reports `ctx` through the loop's exception handler (asyncio
    /// `loop.call_exception_handler(context)`).
    ///
    /// ```
    /// # use std::{cell::RefCell, rc::Rc};
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let seen = Rc::new(RefCell::new(String::new()));
    /// let s = seen.clone();
    /// ev.set_exception_handler(move |ctx| *s.borrow_mut() = ctx.message.clone());
    /// ev.call_exception_handler(&evloop::ExceptionContext::new("something failed"));
    /// assert_eq!(*seen.borrow(), "something failed");
    /// ```
    pub fn call_exception_handler(&self, ctx: &ExceptionContext) {
        self.core.report(ctx);
    }
}
