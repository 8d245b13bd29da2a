//! Ctrl-C as a future (tokio's `signal::ctrl_c`), and how it composes with the Ctrl-C of
//! [`run`](crate::run).
//!
//! One loop has one SIGINT dispatcher, made while anybody needs it: it watches the signal
//! and, when it comes, wakes every [`ctrl_c`] future waiting on the loop. Only if none is
//! waiting does it take the *default action* `run` sets: cancel the main task (asyncio's
//! `Runner._on_sigint`). So a program that awaits `ctrl_c()` handles Ctrl-C itself, and one
//! that does not gets asyncio's behaviour. With nobody waiting and no default left, the
//! dispatcher goes away, and SIGINT's own default action (terminate the process) is back.
//!
//! `add_signal_handler(SIGINT, ..)` replaces `run`'s default, as in asyncio, where
//! `loop.add_signal_handler(SIGINT)` takes the signal from the runner; `ctrl_c()` futures
//! are woken alongside the handler.
//!
//! ```no_run
//! evloop::run(async {
//!     let work = evloop::spawn(evloop::sleep(std::time::Duration::from_secs(3600)));
//!     evloop::signals::ctrl_c().await.unwrap();
//!     println!("shutting down");
//!     work.cancel();
//! })
//! .unwrap();
//! ```

use std::cell::{Cell, RefCell};
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use super::signals::{SIGINT, SignalWatch};
use crate::error::{LoopError, SignalError};
use crate::event_loop::LoopHandle;

/// A `ctrl_c()` future's slot: set when the signal came, and its waker.
#[derive(Default)]
struct Waiting {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

/// The loop's SIGINT dispatcher (a loop component; see the module docs).
#[derive(Default)]
struct CtrlC {
    watch: RefCell<Option<SignalWatch>>,
    waiters: RefCell<Vec<Rc<Waiting>>>,
    /// What a SIGINT nobody awaits does: `run`'s cancel of its main task; taken when used.
    default: RefCell<Option<Box<dyn FnOnce()>>>,
}

/// Waits for the next Ctrl-C (`SIGINT`) on the running loop (tokio `signal::ctrl_c`). While
/// it waits, a Ctrl-C wakes it instead of cancelling `run`'s main task; every `ctrl_c()`
/// waiting at the time wakes.
///
/// # Errors
///
/// [`SignalError::Loop`] outside a running loop, or if the OS refuses to watch the signal.
///
/// # Examples
///
/// ```
/// use evloop::signals::{SIGINT, raise};
///
/// let got = evloop::run(async {
///     let waiting = evloop::spawn(evloop::signals::ctrl_c());
///     evloop::yield_now().await; // it starts waiting
///     raise(SIGINT).unwrap(); // as a Ctrl-C would; the main task is not cancelled
///     waiting.await.unwrap()
/// });
/// assert!(matches!(got, Ok(Ok(()))));
/// ```
#[doc(alias("tokio::signal::ctrl_c", "KeyboardInterrupt"))]
pub async fn ctrl_c() -> Result<(), SignalError> {
    let ev = crate::get_running_loop().map_err(|_| LoopError::NoRunningLoop)?;
    let me = Rc::new(Waiting::default());
    ev.ctrl_c().waiters.borrow_mut().push(me.clone());
    let installed = ev.install_ctrl_c();
    let _leave = Leave {
        ev: ev.clone(),
        me: me.clone(),
    };
    installed?;
    poll_fn(|cx| {
        if me.fired.get() {
            return Poll::Ready(Ok(()));
        }
        *me.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    })
    .await
}

/// Takes a `ctrl_c()` off the waiters when it ends or is dropped.
struct Leave {
    ev: LoopHandle,
    me: Rc<Waiting>,
}

impl Drop for Leave {
    fn drop(&mut self) {
        let ctrl_c = self.ev.ctrl_c();
        ctrl_c
            .waiters
            .borrow_mut()
            .retain(|w| !Rc::ptr_eq(w, &self.me));
        self.ev.release_ctrl_c();
    }
}

impl LoopHandle {
    fn ctrl_c(&self) -> Rc<CtrlC> {
        self.core.components().get_or_insert_with(CtrlC::default)
    }

    /// Makes the first SIGINT that no `ctrl_c()` awaits run `f` (what `run` does with its
    /// main task); cleared by `add_signal_handler(SIGINT, ..)`.
    pub(crate) fn set_ctrl_c_default(&self, f: impl FnOnce() + 'static) -> Result<(), SignalError> {
        *self.ctrl_c().default.borrow_mut() = Some(Box::new(f));
        self.install_ctrl_c()
    }

    /// `add_signal_handler(SIGINT)` takes the signal from `run`, as asyncio's does.
    pub(crate) fn clear_ctrl_c_default(&self) {
        if let Some(ctrl_c) = self.core.components().get::<CtrlC>() {
            let old = ctrl_c.default.borrow_mut().take();
            drop(old);
            self.release_ctrl_c();
        }
    }

    /// Watches SIGINT unless the dispatcher does already.
    fn install_ctrl_c(&self) -> Result<(), SignalError> {
        let ctrl_c = self.ctrl_c();
        if ctrl_c.watch.borrow().is_some() {
            return Ok(());
        }
        let handle = self.clone();
        let watch = self.watch_signal(SIGINT, move || handle.dispatch_ctrl_c())?;
        *ctrl_c.watch.borrow_mut() = Some(watch);
        Ok(())
    }

    /// Stops watching SIGINT once nobody waits and no default is left.
    fn release_ctrl_c(&self) {
        let Some(ctrl_c) = self.core.components().get::<CtrlC>() else {
            return;
        };
        let unused = ctrl_c.waiters.borrow().is_empty() && ctrl_c.default.borrow().is_none();
        if unused {
            let watch = ctrl_c.watch.borrow_mut().take();
            drop(watch); // outside the borrow: it deregisters from the loop
        }
    }

    /// A SIGINT came: wake the waiting `ctrl_c()`s, or else take the default action.
    fn dispatch_ctrl_c(&self) {
        let ctrl_c = self.ctrl_c();
        let waiters = std::mem::take(&mut *ctrl_c.waiters.borrow_mut());
        if waiters.is_empty() {
            let default = ctrl_c.default.borrow_mut().take();
            if let Some(f) = default {
                f();
            }
        }
        for w in waiters {
            w.fired.set(true);
            let waker = w.waker.borrow_mut().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
        self.release_ctrl_c();
    }
}
