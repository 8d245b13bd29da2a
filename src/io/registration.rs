// Without `net`, only the raw descriptor callbacks use this module (not `Registration`).
#![cfg_attr(not(feature = "net"), allow(dead_code))]

//! Registering a source with the reactor, and waiting for its readiness.
//!
//! mio reports readiness *edge-triggered*: an event says "this became readable", once. So
//! each registered source keeps the readiness it was last told about in [`ScheduledIo`], and
//! an operation follows one rule: **try the operation; on `WouldBlock`, clear the bit, then
//! wait for the next event**. The bit is only cleared by the task that just saw
//! `WouldBlock`, and events are only applied in the turn's readiness phase, between task
//! steps, so an event can never slip in between the failed attempt and the clear: no wake-up
//! is lost.

use std::cell::{Cell, RefCell};
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use mio::Interest;
use mio::event::Source;

use crate::event_loop::context;
use crate::reactor::{Dispatch, READABLE, Reactor, WRITABLE};
use crate::task::cancel;

/// Which way an operation goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Reading (or accepting).
    Read,
    /// Writing (or connecting).
    Write,
}

impl Direction {
    fn bit(self) -> u8 {
        match self {
            Direction::Read => READABLE,
            Direction::Write => WRITABLE,
        }
    }
}

/// The loop's view of one registered source.
#[derive(Default)]
pub(crate) struct ScheduledIo {
    /// Readiness bits last reported and not yet cleared by a `WouldBlock`.
    readiness: Cell<u8>,
    /// The task waiting to read.
    reader: RefCell<Option<Waker>>,
    /// The task waiting to write.
    writer: RefCell<Option<Waker>>,
}

impl Dispatch for ScheduledIo {
    /// An event arrived: record it and wake whoever waits for it (readiness phase).
    fn dispatch(&self, bits: u8) {
        self.readiness.set(self.readiness.get() | bits);
        if bits & READABLE != 0
            && let Some(w) = self.reader.borrow_mut().take()
        {
            w.wake();
        }
        if bits & WRITABLE != 0
            && let Some(w) = self.writer.borrow_mut().take()
        {
            w.wake();
        }
    }
}

/// A source's registration with the running loop's reactor; deregistered by the owner's
/// `Drop` through [`Registration::deregister`].
pub(crate) struct Registration {
    /// The reactor of the loop the source was registered with.
    reactor: Rc<Reactor>,
    /// The source's key in the reactor's table.
    key: usize,
    io: Rc<ScheduledIo>,
}

impl Registration {
    /// Registers `source` with the running loop for both directions.
    ///
    /// # Errors
    ///
    /// Outside a running loop, or if the OS refuses the registration.
    pub(crate) fn new(source: &mut impl Source) -> io::Result<Registration> {
        let reactor = context::with_current(|core| core.reactor().clone()).ok_or_else(|| {
            io::Error::other("evloop I/O needs a running event loop (use evloop::run)")
        })?;
        let io = Rc::new(ScheduledIo::default());
        let key = reactor.register(source, Interest::READABLE | Interest::WRITABLE, io.clone())?;
        Ok(Registration { reactor, key, io })
    }

    /// Ready to go `dir`, or registers the waker and returns `Pending`.
    pub(crate) fn poll_ready(&self, cx: &Context<'_>, dir: Direction) -> Poll<()> {
        if self.io.readiness.get() & dir.bit() != 0 {
            return Poll::Ready(());
        }
        let slot = match dir {
            Direction::Read => &self.io.reader,
            Direction::Write => &self.io.writer,
        };
        let mut slot = slot.borrow_mut();
        match &*slot {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => *slot = Some(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// Waits until the source is writable (a non-blocking connect has completed, one way or
    /// the other).
    pub(crate) async fn writable(&self) {
        std::future::poll_fn(|cx| self.poll_ready(cx, Direction::Write)).await
    }

    /// The operation said `WouldBlock`: forget the readiness until the next event.
    pub(crate) fn clear_ready(&self, dir: Direction) {
        self.io.readiness.set(self.io.readiness.get() & !dir.bit());
    }

    /// A short read emptied the receive queue: forget the readiness until the next event, as
    /// after `WouldBlock`, unless the peer's end or an error was reported. Those are final
    /// (reads return 0 or the error from then on), and their event has been seen: clearing
    /// would leave the reader waiting for an event that never comes.
    #[cfg(feature = "net")]
    pub(crate) fn drained(&self) {
        use crate::reactor::{ERROR, READ_CLOSED};
        if self.io.readiness.get() & (READ_CLOSED | ERROR) == 0 {
            self.clear_ready(Direction::Read);
        }
    }

    /// Runs `op` once readiness allows, following the rule in the module docs.
    pub(crate) fn poll_io<R>(
        &self,
        cx: &Context<'_>,
        dir: Direction,
        mut op: impl FnMut() -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        if cancel::in_flight() {
            // A cancel is delivered at this await (`task::cancel`): no bytes move now, so
            // none are lost when the operation is dropped.
            return Poll::Pending;
        }
        loop {
            std::task::ready!(self.poll_ready(cx, dir));
            match op() {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.clear_ready(dir),
                other => return Poll::Ready(other),
            }
        }
    }

    /// Runs `op` now, whatever the recorded readiness (asyncio's transports try `send` before
    /// buffering); a `WouldBlock` clears the bit as in [`poll_io`](Self::poll_io).
    pub(crate) fn try_io<R>(
        &self,
        dir: Direction,
        op: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        let result = op();
        if matches!(&result, Err(e) if e.kind() == io::ErrorKind::WouldBlock) {
            self.clear_ready(dir);
        }
        result
    }

    /// Runs `f` on the loop's read scratch buffer (see `io::read_ahead`).
    #[cfg(feature = "net")]
    pub(crate) fn with_scratch<R>(&self, f: impl FnOnce(&mut [u8]) -> R) -> R {
        self.reactor.with_scratch(super::read_ahead::SCRATCH, f)
    }

    /// Removes `source` from the reactor (call from the owner's `Drop`).
    pub(crate) fn deregister(&self, source: &mut impl Source) {
        // The loop may already be closed (its sources taken): nothing to undo then.
        self.reactor.deregister(source, self.key);
    }
}

/// A mio source together with its registration; removed from the reactor when dropped.
pub(crate) struct Registered<S: Source> {
    /// The OS socket (or other source).
    pub(crate) inner: S,
    /// Its registration with the loop's reactor.
    pub(crate) reg: Registration,
}

impl<S: Source> Registered<S> {
    /// Registers `inner` with the running loop.
    ///
    /// # Errors
    ///
    /// As [`Registration::new`].
    pub(crate) fn new(mut inner: S) -> io::Result<Registered<S>> {
        let reg = Registration::new(&mut inner)?;
        Ok(Registered { inner, reg })
    }
}

impl<S: Source> Drop for Registered<S> {
    fn drop(&mut self) {
        self.reg.deregister(&mut self.inner);
    }
}
