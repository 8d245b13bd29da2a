//! asyncio's `Future`: a result that someone will set later, awaited by any number of tasks.
//!
//! **Drop and cancel first.** A [`Future<T>`] is a shared handle (`Clone`): dropping one clone
//! does nothing to the others. [`cancel`](Future::cancel) completes it at once as cancelled:
//! every awaiter then gets [`FutureError::Cancelled`]. If a task awaiting a `Future` is itself
//! cancelled, the future is cancelled too (`docs/asyncio-semantics.md#awaiting-a-future-passes-a-cancel-on`).
//!
//! Completing it twice is an error value ([`InvalidStateError`]), not a panic. Awaiting gives a
//! clone of the value, so `T: Clone`; wrap large values in `Rc`.
//!
//! ```text
//!   Pending ──set_result──► Done(Ok)
//!      │ ────set_exception─► Done(Err(Exception))
//!      └─────cancel────────► Done(Err(Cancelled))
//! ```
//!
//! Done callbacks are always scheduled on the loop, in registration order, never run inside
//! `set_result` (`docs/asyncio-semantics.md#done-callbacks-run-from-the-loop`).
//!
//! Rosetta: asyncio `asyncio.Future` / `loop.create_future()`; tokio's nearest is a
//! `oneshot` channel (single consumer) or `watch`.
//!
//! # Examples
//!
//! ```
//! use evloop::Future;
//!
//! evloop::run(async {
//!     let fut: Future<&str> = Future::new();
//!     let setter = fut.clone();
//!     evloop::spawn(async move { setter.set_result("ready").unwrap() });
//!     assert_eq!(fut.clone().await.unwrap(), "ready");
//!     // A second set is an error, not a panic.
//!     assert!(fut.set_result("again").is_err());
//! })
//! .unwrap();
//! ```

use std::cell::{Cell, RefCell};
use std::error::Error;
use std::fmt;
use std::panic::Location;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use slab::Slab;

use crate::error::{
    ExceptionContext, FUTURE_NEVER_RETRIEVED, FutureError, InvalidStateError, LoopError,
    default_exception_handler,
};
use crate::event_loop::context;
use crate::event_loop::core::Core;
use crate::task::{DoneCallbackId, cancel};

/// A done callback waiting for the future to complete.
type FutureCallback<T> = Box<dyn FnOnce(&Future<T>)>;

struct Inner<T: 'static> {
    /// `None` while pending; then the outcome, set once.
    outcome: RefCell<Option<Result<T, FutureError>>>,
    /// The wakers of the tasks awaiting it, keyed by the awaiting clone's slot.
    waiters: RefCell<Slab<Waker>>,
    /// Done callbacks with their ids, in registration order; drained at completion.
    callbacks: RefCell<Vec<(u64, FutureCallback<T>)>>,
    /// The id the next done callback gets.
    next_callback: Cell<u64>,
    /// The loop the callbacks run on; bound at creation or at the first `add_done_callback`.
    core: RefCell<Weak<Core>>,
    /// Its error was read (by `result()` or an await): no "never retrieved" report.
    retrieved: Cell<bool>,
}

/// The last handle gone with an error nobody read: asyncio's "Future exception was never
/// retrieved", through the exception handler of the future's loop.
impl<T: 'static> Drop for Inner<T> {
    fn drop(&mut self) {
        let Some(Err(FutureError::Exception(e))) = &*self.outcome.borrow() else {
            return;
        };
        if self.retrieved.get() {
            return;
        }
        let mut ctx = ExceptionContext::new(FUTURE_NEVER_RETRIEVED);
        ctx.error = Some(e.to_string());
        ctx.future = Some(format!("<Future finished exception={e}>"));
        match self.core.borrow().upgrade() {
            Some(core) => core.report(&ctx),
            None => default_exception_handler(&ctx),
        }
    }
}

/// A result that will be set later; see the [module docs](self).
///
/// ```
/// # evloop::run(async {
/// let fut = evloop::Future::new(); // asyncio: loop.create_future()
/// let setter = evloop::spawn({ let fut = fut.clone(); async move { fut.set_result(42) } });
/// assert_eq!(fut.await.unwrap(), 42); // waits until the setter ran
/// # setter.await.unwrap().unwrap();
/// # }).unwrap();
/// ```
pub struct Future<T: 'static> {
    inner: Rc<Inner<T>>,
    /// This clone's waker slot while it is being awaited.
    waiter: Option<usize>,
}

impl<T: 'static> Future<T> {
    /// A pending future, bound to the running loop if there is one.
    pub fn new() -> Future<T> {
        let core = context::with_current(Rc::downgrade).unwrap_or_default();
        Future::with_core(core)
    }

    pub(crate) fn bound(core: &Rc<Core>) -> Future<T> {
        Future::with_core(Rc::downgrade(core))
    }

    fn with_core(core: Weak<Core>) -> Future<T> {
        Future {
            inner: Rc::new(Inner {
                outcome: RefCell::new(None),
                waiters: RefCell::new(Slab::new()),
                callbacks: RefCell::new(Vec::new()),
                next_callback: Cell::new(0),
                core: RefCell::new(core),
                retrieved: Cell::new(false),
            }),
            waiter: None,
        }
    }

    /// Completes the future with a value and wakes every awaiter.
    ///
    /// # Errors
    ///
    /// [`InvalidStateError`] if it is already done; `value` is dropped.
    ///
    /// ```
    /// let fut = evloop::Future::new();
    /// fut.set_result("done").unwrap();
    /// assert_eq!(fut.result().unwrap(), "done");
    /// ```
    pub fn set_result(&self, value: T) -> Result<(), InvalidStateError> {
        self.complete(Ok(value))
    }

    /// Completes the future with an error; every awaiter gets
    /// [`FutureError::Exception`] holding it.
    ///
    /// # Errors
    ///
    /// [`InvalidStateError`] if it is already done.
    ///
    /// ```
    /// let fut = evloop::Future::<()>::new();
    /// fut.set_exception(std::io::Error::other("boom")).unwrap();
    /// let Err(evloop::FutureError::Exception(e)) = fut.result() else { panic!() };
    /// assert_eq!(e.to_string(), "boom"); // asyncio: fut.exception()
    /// ```
    pub fn set_exception(&self, error: impl Error + 'static) -> Result<(), InvalidStateError> {
        self.complete(Err(FutureError::Exception(Rc::new(error))))
    }

    /// Cancels the future: if pending, it is done (cancelled) at once, awaiters get
    /// [`FutureError::Cancelled`], and this returns true; otherwise returns false.
    ///
    /// ```
    /// let fut = evloop::Future::<u8>::new();
    /// assert!(fut.cancel());
    /// assert!(!fut.cancel()); // already done
    /// ```
    pub fn cancel(&self) -> bool {
        self.complete(Err(FutureError::Cancelled)).is_ok()
    }

    /// The loop the future belongs to (asyncio `Future.get_loop()`): the one running when it
    /// was made, or when it was first given a done callback; `None` if neither happened or
    /// that loop is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let fut = evloop::Future::<u8>::new();
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     assert_eq!(fut.get_loop(), Some(ev)); // the same loop (asyncio: `is`)
    /// })
    /// .unwrap();
    /// assert!(evloop::Future::<u8>::new().get_loop().is_none());
    /// ```
    pub fn get_loop(&self) -> Option<crate::LoopHandle> {
        let core = self.inner.core.borrow().upgrade()?;
        (!core.is_closed()).then_some(crate::LoopHandle { core })
    }

    /// True once it has a result, an error, or was cancelled.
    ///
    /// ```
    /// let fut = evloop::Future::new();
    /// assert!(!fut.done());
    /// fut.set_result(1).unwrap();
    /// assert!(fut.done());
    /// ```
    pub fn done(&self) -> bool {
        self.inner.outcome.borrow().is_some()
    }

    /// True if it was cancelled.
    ///
    /// ```
    /// let fut = evloop::Future::<u8>::new();
    /// fut.cancel();
    /// assert!(fut.cancelled());
    /// ```
    pub fn cancelled(&self) -> bool {
        matches!(
            &*self.inner.outcome.borrow(),
            Some(Err(FutureError::Cancelled))
        )
    }

    /// Schedules `f` to run on the loop with this future once it is done (at once if it is).
    /// The id it gives takes `f` back with [`remove_done_callback`](Self::remove_done_callback).
    ///
    /// # Errors
    ///
    /// [`LoopError::NoRunningLoop`] if the future is bound to no loop and none is running, or
    /// [`LoopError::Closed`] if its loop was closed.
    ///
    /// ```
    /// # use std::{cell::Cell, rc::Rc};
    /// # evloop::run(async {
    /// let fut = evloop::Future::new();
    /// let seen = Rc::new(Cell::new(0));
    /// let s = seen.clone();
    /// fut.add_done_callback(move |f| s.set(f.result().unwrap())).unwrap();
    /// fut.set_result(7).unwrap();
    /// evloop::yield_now().await; // the callback runs from the loop, as in asyncio
    /// assert_eq!(seen.get(), 7);
    /// # }).unwrap();
    /// ```
    #[track_caller]
    pub fn add_done_callback(
        &self,
        f: impl FnOnce(&Future<T>) + 'static,
    ) -> Result<DoneCallbackId, LoopError> {
        let location = Location::caller();
        let core = self.loop_core()?;
        let id = self.inner.next_callback.get();
        self.inner.next_callback.set(id + 1);
        if self.done() {
            let me = self.clone();
            core.call_soon_internal(move || f(&me), location);
        } else {
            self.inner.callbacks.borrow_mut().push((id, Box::new(f)));
        }
        Ok(DoneCallbackId::new(id))
    }

    /// Takes back a done callback not yet scheduled, and gives how many were removed: 1, or
    /// 0 if the future is already done (its callbacks were scheduled then) or the id is
    /// unknown (asyncio `Future.remove_done_callback(fn)`, which removes every registration
    /// of `fn`; a closure has no identity to compare, so each registration has its id).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let fut = evloop::Future::<u8>::new();
    ///     let id = fut.add_done_callback(|_| unreachable!("removed")).unwrap();
    ///     assert_eq!(fut.remove_done_callback(id), 1);
    ///     assert_eq!(fut.remove_done_callback(id), 0);
    ///     fut.set_result(1).unwrap();
    ///     evloop::yield_now().await;
    /// })
    /// .unwrap();
    /// ```
    pub fn remove_done_callback(&self, id: DoneCallbackId) -> usize {
        let removed = {
            let mut callbacks = self.inner.callbacks.borrow_mut();
            let at = callbacks.iter().position(|(i, _)| *i == id.get());
            at.map(|at| callbacks.remove(at))
        };
        // Dropped outside the borrow: the closure's captures may run code that uses it.
        usize::from(removed.is_some())
    }

    /// The loop callbacks run on, binding the running loop if the future has none yet.
    fn loop_core(&self) -> Result<Rc<Core>, LoopError> {
        let bound = self.inner.core.borrow().upgrade();
        let core = match bound {
            Some(core) => core,
            None => {
                let core = context::with_current(Rc::clone).ok_or(LoopError::NoRunningLoop)?;
                *self.inner.core.borrow_mut() = Rc::downgrade(&core);
                core
            }
        };
        core.check_open()?;
        Ok(core)
    }

    fn complete(&self, outcome: Result<T, FutureError>) -> Result<(), InvalidStateError> {
        {
            let mut slot = self.inner.outcome.borrow_mut();
            if slot.is_some() {
                return Err(InvalidStateError);
            }
            *slot = Some(outcome);
        }
        let waiters = std::mem::take(&mut *self.inner.waiters.borrow_mut());
        for (_, w) in waiters {
            w.wake();
        }
        let callbacks = std::mem::take(&mut *self.inner.callbacks.borrow_mut());
        if !callbacks.is_empty()
            && let Ok(core) = self.loop_core()
        {
            for (_, f) in callbacks {
                let me = self.clone();
                core.call_soon_internal(move || f(&me), Location::caller());
            }
        }
        Ok(())
    }
}

impl<T: Clone + 'static> Future<T> {
    /// The result: the value, or the error it was completed with.
    ///
    /// # Errors
    ///
    /// [`FutureError::NotDone`] while pending (asyncio `InvalidStateError`),
    /// [`FutureError::Cancelled`], or [`FutureError::Exception`].
    ///
    /// ```
    /// let fut = evloop::Future::new();
    /// assert!(matches!(fut.result(), Err(evloop::FutureError::NotDone))); // asyncio: InvalidStateError
    /// fut.set_result(3).unwrap();
    /// assert_eq!(fut.result().unwrap(), 3);
    /// ```
    #[doc(alias = "exception")]
    pub fn result(&self) -> Result<T, FutureError> {
        match &*self.inner.outcome.borrow() {
            None => Err(FutureError::NotDone),
            Some(out) => {
                self.inner.retrieved.set(true);
                out.clone()
            }
        }
    }
}

impl<T: 'static> Default for Future<T> {
    fn default() -> Self {
        Future::new()
    }
}

impl<T: 'static> Clone for Future<T> {
    /// Another handle to the same future (not a copy of its value).
    fn clone(&self) -> Self {
        Future {
            inner: self.inner.clone(),
            waiter: None,
        }
    }
}

impl<T: Clone + 'static> std::future::Future for Future<T> {
    type Output = Result<T, FutureError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if cancel::in_flight() {
            return Poll::Pending; // the cancel is delivered at this await (`task::cancel`)
        }
        if let Some(out) = &*this.inner.outcome.borrow() {
            this.inner.retrieved.set(true);
            return Poll::Ready(out.clone());
        }
        let mut waiters = this.inner.waiters.borrow_mut();
        match this.waiter.and_then(|k| waiters.get_mut(k)) {
            Some(w) => {
                if !w.will_wake(cx.waker()) {
                    *w = cx.waker().clone();
                }
            }
            None => this.waiter = Some(waiters.insert(cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl<T: 'static> Drop for Future<T> {
    fn drop(&mut self) {
        let Some(key) = self.waiter.take() else {
            return;
        };
        let removed = {
            let mut waiters = self.inner.waiters.borrow_mut();
            waiters.try_remove(key)
        };
        drop(removed);
        // This clone was being awaited by a task that is being cancelled: cancel the future
        // too, as asyncio does
        // (`docs/asyncio-semantics.md#awaiting-a-future-passes-a-cancel-on`).
        if cancel::is_cancelling() {
            self.cancel();
        }
    }
}

impl<T: 'static> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match &*self.inner.outcome.borrow() {
            None => "pending",
            Some(Ok(_)) => "finished",
            Some(Err(FutureError::Cancelled)) => "cancelled",
            Some(Err(_)) => "finished with error",
        };
        write!(f, "<Future {state}>")
    }
}
impl crate::LoopHandle {
    /// A new pending [`Future`] bound to this loop (asyncio
    /// `loop.create_future()`).
    ///
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let fut = ev.create_future();
    /// assert_eq!(fut.get_loop(), Some(ev.handle()));
    /// fut.set_result(5).unwrap();
    /// assert_eq!(ev.run_until_complete(fut).unwrap().unwrap(), 5);
    /// ```
    pub fn create_future<T: 'static>(&self) -> Future<T> {
        Future::bound(&self.core)
    }
}
