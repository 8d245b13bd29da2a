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

pub use crate::error::{ExceptionContext, default_exception_handler};

/// A custom exception handler (asyncio: `handler(loop, context)`; capture a
/// [`LoopHandle`](crate::LoopHandle) if the loop is needed).
pub type ExceptionHandler = Rc<dyn Fn(&ExceptionContext)>;
