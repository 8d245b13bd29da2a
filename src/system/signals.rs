//! Unix signals as loop callbacks: asyncio's `add_signal_handler` / `remove_signal_handler`.
//!
//! A signal handler runs in *signal context*: it interrupts whatever the thread was doing,
//! and may only do async-signal-safe things. So, as in asyncio, the handler does one thing:
//! it writes a byte to a socket pair (the *self-pipe*). The loop watches the other end with
//! [`add_reader`](crate::LoopHandle::add_reader); when the byte arrives, the loop drains the
//! pipe and calls your callback **as an ordinary callback, on the loop's thread**, where it
//! may do anything a callback may do. Several signals arriving before the loop looks are
//! collapsed into one call, as in asyncio.
//!
//! Each watched signal has its own pipe, so the readable descriptor itself says which signal
//! came. The low-level part (installing the process's handler, the signal-safe write) is the
//! `signal-hook` crate's: getting that right by hand needs `unsafe` and care that a
//! well-kept library already took.
//!
//! **Process-wide by nature.** A signal's disposition belongs to the process, not to a loop.
//! evloop keeps one small process-wide table of the signals it has taken over, so that when
//! the last loop removes its handler the signal's default action (for `SIGINT`: terminate)
//! comes back. Several loops may watch the same signal; each gets its callback.
//!
//! # Examples
//!
//! ```
//! use std::cell::Cell;
//! use std::rc::Rc;
//! use evloop::signals::SIGUSR1;
//!
//! let ev = evloop::EventLoop::new().unwrap();
//! let got = Rc::new(Cell::new(false));
//! let (g, h) = (got.clone(), ev.handle());
//! ev.add_signal_handler(SIGUSR1, move || {
//!     g.set(true);
//!     h.stop();
//! })
//! .unwrap();
//! evloop::signals::raise(SIGUSR1).unwrap();
//! ev.run_forever().unwrap();
//! assert!(got.get());
//! assert!(ev.remove_signal_handler(SIGUSR1));
//! ```

use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::{Rc, Weak};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use signal_hook::SigId;
pub use signal_hook::consts::signal::{
    SIGALRM, SIGCHLD, SIGHUP, SIGINT, SIGPIPE, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
};

pub use super::ctrl_c::ctrl_c;
use crate::error::{LoopError, SignalError};
use crate::event_loop::LoopHandle;
use crate::event_loop::core::Core;

/// Sends `sig` to this process (for tests and examples).
///
/// # Errors
///
/// What the OS reports.
pub fn raise(sig: i32) -> io::Result<()> {
    signal_hook::low_level::raise(sig)
}

/// One watched signal of one loop; dropping it stops the watching.
pub(crate) struct SignalWatch {
    sig: i32,
    /// The end the loop reads.
    read: UnixStream,
    /// The registration that writes to the other end (and owns it).
    id: SigId,
    core: Weak<Core>,
}

impl Drop for SignalWatch {
    fn drop(&mut self) {
        signal_hook::low_level::unregister(self.id);
        release_default(self.sig);
        if let Some(core) = self.core.upgrade() {
            LoopHandle { core }.remove_reader(self.read.as_raw_fd());
        }
    }
}

/// The handlers `add_signal_handler` set on one loop, one per signal (a loop component,
/// made on the first one).
#[derive(Default)]
struct SignalHandlers(std::cell::RefCell<Vec<SignalWatch>>);

/// Per signal: "nobody in this process watches it, so act as if unhandled", and how many
/// loops watch it.
static TAKEN_OVER: Mutex<Vec<(i32, Arc<AtomicBool>, usize)>> = Mutex::new(Vec::new());

/// A loop starts watching `sig`: the default action is off while anybody watches.
fn claim_default(sig: i32) -> io::Result<()> {
    let mut table = TAKEN_OVER.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, unwatched, count)) = table.iter_mut().find(|(s, ..)| *s == sig) {
        *count += 1;
        unwatched.store(false, Ordering::SeqCst);
        return Ok(());
    }
    let unwatched = Arc::new(AtomicBool::new(false));
    // Installed once per signal and kept: it runs the default action whenever no loop
    // watches the signal any more.
    signal_hook::flag::register_conditional_default(sig, unwatched.clone())?;
    table.push((sig, unwatched, 1));
    Ok(())
}

fn release_default(sig: i32) {
    let mut table = TAKEN_OVER.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, unwatched, count)) = table.iter_mut().find(|(s, ..)| *s == sig) {
        *count -= 1;
        if *count == 0 {
            unwatched.store(true, Ordering::SeqCst);
        }
    }
}

impl LoopHandle {
    /// Calls `cb` on the loop's thread, as a callback, each time `sig` arrives (asyncio
    /// `loop.add_signal_handler`); replaces an earlier handler of `sig` on this loop. A
    /// `SIGINT` handler also replaces [`run`](crate::run)'s Ctrl-C (which cancels the main
    /// task), as asyncio's does; [`ctrl_c`] futures still wake alongside it.
    ///
    /// # Errors
    ///
    /// [`SignalError::Uncatchable`] for `SIGKILL`, `SIGSTOP` and the signals of faults
    /// (`SIGSEGV`, `SIGILL`, `SIGFPE`); [`SignalError::Invalid`] for a number that is not a
    /// signal; [`SignalError::Loop`] if the loop is closed or the OS refuses.
    ///
    /// ```
    /// # use std::{cell::Cell, rc::Rc};
    /// use evloop::signals::SIGWINCH; // ignored by default: safe to raise in a test
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let (got, h) = (Rc::new(Cell::new(0)), ev.handle());
    /// let g = got.clone();
    /// ev.add_signal_handler(SIGWINCH, move || { g.set(g.get() + 1); h.stop() }).unwrap();
    /// evloop::signals::raise(SIGWINCH).unwrap();
    /// ev.run_forever().unwrap(); // the handler runs as a loop callback
    /// assert_eq!(got.get(), 1);
    /// # ev.remove_signal_handler(SIGWINCH);
    /// ```
    pub fn add_signal_handler(&self, sig: i32, cb: impl Fn() + 'static) -> Result<(), SignalError> {
        if signal_hook::consts::FORBIDDEN.contains(&sig) {
            return Err(SignalError::Uncatchable(sig));
        }
        if signal_hook::low_level::signal_name(sig).is_none() {
            return Err(SignalError::Invalid(sig));
        }
        if self.is_closed() {
            return Err(LoopError::Closed.into());
        }
        let watch = self.watch_signal(sig, cb)?;
        if sig == SIGINT {
            self.clear_ctrl_c_default(); // the handler replaces `run`'s Ctrl-C
        }
        let handlers = self
            .core
            .components()
            .get_or_insert_with(SignalHandlers::default);
        let mut signals = handlers.0.borrow_mut();
        let old = match signals.iter().position(|w| w.sig == sig) {
            Some(i) => Some(std::mem::replace(&mut signals[i], watch)),
            None => {
                signals.push(watch);
                None
            }
        };
        drop(signals);
        drop(old);
        Ok(())
    }

    /// Watches `sig` with `cb`, without touching the table of handlers `add_signal_handler`
    /// keeps (the child watcher uses this, so a user's own `SIGCHLD` handler does not
    /// replace it).
    pub(crate) fn watch_signal(
        &self,
        sig: i32,
        cb: impl Fn() + 'static,
    ) -> Result<SignalWatch, SignalError> {
        let io_err = |e: io::Error| SignalError::Loop(LoopError::Io(e));
        let (read, write) = UnixStream::pair().map_err(io_err)?;
        read.set_nonblocking(true).map_err(io_err)?;
        let reader = read.try_clone().map_err(io_err)?;
        claim_default(sig).map_err(io_err)?;
        let id = match signal_hook::low_level::pipe::register(sig, write) {
            Ok(id) => id,
            Err(e) => {
                release_default(sig);
                return Err(io_err(e));
            }
        };
        // From here on, dropping `watch` undoes everything.
        let watch = SignalWatch {
            sig,
            read,
            id,
            core: Rc::downgrade(&self.core),
        };
        self.add_reader(watch.read.as_raw_fd(), move || {
            // Drain the pipe: any number of arrivals since the last look is one call.
            let mut buf = [0u8; 64];
            while matches!((&reader).read(&mut buf), Ok(n) if n > 0) {}
            cb();
        })?;
        Ok(watch)
    }

    /// Stops watching `sig`; true if a handler was set (asyncio
    /// `loop.remove_signal_handler`). With no loop watching it any more, the signal's default
    /// action is back.
    ///
    /// ```
    /// use evloop::signals::SIGWINCH;
    /// let ev = evloop::EventLoop::new().unwrap();
    /// ev.add_signal_handler(SIGWINCH, || ()).unwrap();
    /// assert!(ev.remove_signal_handler(SIGWINCH));
    /// assert!(!ev.remove_signal_handler(SIGWINCH)); // none set any more: False, as asyncio
    /// ```
    pub fn remove_signal_handler(&self, sig: i32) -> bool {
        let Some(handlers) = self.core.components().get::<SignalHandlers>() else {
            return false;
        };
        let watch = {
            let mut signals = handlers.0.borrow_mut();
            let pos = signals.iter().position(|w| w.sig == sig);
            pos.map(|i| signals.swap_remove(i))
        };
        watch.is_some()
    }
}
