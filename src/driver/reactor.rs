//! The reactor: asyncio's selector, built on [`mio::Poll`].
//!
//! One turn of the loop blocks here, in `Reactor::poll`, for at most the timeout the turn
//! worked out (zero when work is already ready, until the next timer otherwise, forever when
//! there is nothing at all). Whatever became ready while it waited is reported back as a
//! `Readiness` summary that the turn turns into ready work.
//!
//! The loop's own [`mio::Waker`] is registered with token `WAKE_TOKEN`: the self-pipe that
//! `call_soon_threadsafe` and wakes from other threads use to interrupt a blocking poll, like
//! asyncio's `_write_to_self`. Every socket or descriptor registered through `io` gets its
//! own token: its key in the reactor's source table, which holds what to tell when that
//! source is ready (a `Dispatch`). The reactor owns that table, the poll and the dispatch;
//! the turn only says when to poll and when to dispatch.

use std::cell::RefCell;
use std::io;
use std::rc::Rc;
use std::time::Duration;

use mio::event::Source;
use mio::{Events, Interest, Poll, Token, Waker};
use slab::Slab;

/// The token of the loop's own waker (the self-pipe).
pub(crate) const WAKE_TOKEN: Token = Token(usize::MAX);

/// How many readiness events one poll can report.
const EVENTS_CAPACITY: usize = 1024;

/// The longest a poll blocks even when a timer is further away (asyncio's
/// `MAXIMUM_SELECT_TIMEOUT`, one day), so a clock jump cannot leave the loop asleep for ever.
pub(crate) const MAX_POLL_TIMEOUT: Duration = Duration::from_secs(24 * 60 * 60);

/// What one poll found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Readiness {
    /// The waker fired: another thread queued work or woke a task.
    pub(crate) woken: bool,
    /// How many events the poll returned in all.
    pub(crate) events: usize,
}

/// Readiness bit: the source can be read.
pub(crate) const READABLE: u8 = 1;
/// Readiness bit: the source can be written.
pub(crate) const WRITABLE: u8 = 2;
/// Readiness bit: the peer closed its writing side (reads return 0 from now on).
pub(crate) const READ_CLOSED: u8 = 4;
/// Readiness bit: the source can no longer be written.
pub(crate) const WRITE_CLOSED: u8 = 8;
/// Readiness bit: an error is pending on the source.
pub(crate) const ERROR: u8 = 16;

/// The readiness bits of one mio event. Closed and error states also count as readable /
/// writable, so that a waiting operation wakes and sees the condition.
fn bits(event: &mio::event::Event) -> u8 {
    let mut b = 0;
    if event.is_readable() {
        b |= READABLE;
    }
    if event.is_writable() {
        b |= WRITABLE;
    }
    if event.is_read_closed() {
        b |= READ_CLOSED | READABLE;
    }
    if event.is_write_closed() {
        b |= WRITE_CLOSED | WRITABLE;
    }
    if event.is_error() {
        b |= ERROR | READABLE | WRITABLE;
    }
    b
}

/// What a registered source tells when it is ready: `io`'s per-socket state (waking the
/// tasks waiting on it) or an `add_reader` watch (scheduling its callbacks).
pub(crate) trait Dispatch {
    /// The source reported the readiness `bits` (`READABLE`, `WRITABLE`, ...).
    fn dispatch(&self, bits: u8);
}

/// The OS poller and its event buffer.
struct Poller {
    /// The epoll/kqueue instance.
    poll: Poll,
    /// Reused event buffer (no allocation per poll).
    events: Events,
}

/// The OS poller, the table of registered sources, and the events of the last poll.
///
/// Every method takes `&self`: the turn polls and dispatches, while sources register and
/// deregister from anywhere on the loop's thread. No borrow is held while a source's
/// `dispatch` runs, so it may register or deregister sources itself.
pub(crate) struct Reactor {
    /// The poller; borrowed mutably only inside `poll`.
    poller: RefCell<Poller>,
    /// What to tell for each token, by key.
    sources: RefCell<Slab<Rc<dyn Dispatch>>>,
    /// `(token, readiness bits)` of the last poll, waiting for `dispatch` (kept to reuse its
    /// allocation).
    pending: RefCell<Vec<(usize, u8)>>,
    /// A buffer the sources of this reactor lend for short reads (see `io::read_ahead`);
    /// allocated on first use.
    #[cfg(feature = "net")]
    scratch: RefCell<Vec<u8>>,
}

impl Reactor {
    /// The poller's own descriptor (epoll or kqueue): readable whenever a poll would report
    /// something.
    #[cfg(unix)]
    pub(crate) fn as_raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.poller.borrow().poll.as_raw_fd()
    }

    /// Creates the poller and the waker registered on it.
    pub(crate) fn new() -> io::Result<(Reactor, Waker)> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKE_TOKEN)?;
        Ok((
            Reactor {
                poller: RefCell::new(Poller {
                    poll,
                    events: Events::with_capacity(EVENTS_CAPACITY),
                }),
                sources: RefCell::new(Slab::new()),
                pending: RefCell::new(Vec::new()),
                #[cfg(feature = "net")]
                scratch: RefCell::new(Vec::new()),
            },
            waker,
        ))
    }

    /// True if no source is registered (a busy loop then has no reason to poll).
    pub(crate) fn is_empty(&self) -> bool {
        self.sources.borrow().is_empty()
    }

    /// Registers `source` for `interest`; its events go to `target`. Returns its key.
    ///
    /// # Errors
    ///
    /// The OS refused the registration (nothing is kept then).
    pub(crate) fn register(
        &self,
        source: &mut impl Source,
        interest: Interest,
        target: Rc<dyn Dispatch>,
    ) -> io::Result<usize> {
        let key = self.sources.borrow_mut().insert(target);
        let registered =
            self.poller
                .borrow()
                .poll
                .registry()
                .register(source, Token(key), interest);
        if let Err(e) = registered {
            let target = self.sources.borrow_mut().remove(key);
            drop(target); // outside the borrow
            return Err(e);
        }
        Ok(key)
    }

    /// Changes what the source with `key` is watched for (and re-arms it: mio is
    /// edge-triggered).
    pub(crate) fn reregister(
        &self,
        source: &mut impl Source,
        key: usize,
        interest: Interest,
    ) -> io::Result<()> {
        self.poller
            .borrow()
            .poll
            .registry()
            .reregister(source, Token(key), interest)
    }

    /// Removes the source with `key`. A closed reactor has nothing left to remove.
    pub(crate) fn deregister(&self, source: &mut impl Source, key: usize) {
        let _ = self.poller.borrow().poll.registry().deregister(source);
        let target = self.sources.borrow_mut().try_remove(key);
        drop(target); // outside the borrow: it may be the last reference to a socket's state
    }

    /// Waits for readiness for at most `timeout` (`None`: until something happens) and keeps
    /// each source event for [`dispatch`](Self::dispatch).
    ///
    /// An interrupted wait (`EINTR`, e.g. a signal arrived) is not an error: it reports
    /// nothing ready and the loop simply turns again.
    pub(crate) fn poll(&self, timeout: Option<Duration>) -> io::Result<Readiness> {
        let mut poller = self.poller.borrow_mut();
        let Poller { poll, events } = &mut *poller;
        match poll.poll(events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(Readiness::default()),
            Err(e) => return Err(e),
        }
        let mut r = Readiness::default();
        let mut pending = self.pending.borrow_mut();
        for event in events.iter() {
            r.events += 1;
            if event.token() == WAKE_TOKEN {
                r.woken = true;
            } else {
                pending.push((event.token().0, bits(event)));
            }
        }
        Ok(r)
    }

    /// Tells each source of the last poll's events that it is ready, in the order the poll
    /// reported them (the readiness phase; asyncio `_process_events`). Returns how many
    /// events there were.
    pub(crate) fn dispatch(&self) -> usize {
        let mut events = std::mem::take(&mut *self.pending.borrow_mut());
        let n = events.len();
        for (token, bits) in events.drain(..) {
            let target = self.sources.borrow().get(token).cloned();
            if let Some(target) = target {
                target.dispatch(bits);
            }
        }
        *self.pending.borrow_mut() = events;
        n
    }

    /// Runs `f` on the reactor's scratch buffer of `size` bytes (made on first use). `f`
    /// must not ask for the scratch again.
    #[cfg(feature = "net")]
    pub(crate) fn with_scratch<R>(&self, size: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
        let mut scratch = self.scratch.borrow_mut();
        if scratch.len() < size {
            scratch.resize(size, 0);
        }
        f(&mut scratch[..size])
    }

    /// Takes every source out (the loop is closing), for the caller to drop with no borrow
    /// held.
    pub(crate) fn take_sources(&self) -> Slab<Rc<dyn Dispatch>> {
        std::mem::take(&mut *self.sources.borrow_mut())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wake_interrupts_a_blocking_poll() {
        let (reactor, waker) = Reactor::new().unwrap();
        assert!(!reactor.poll(Some(Duration::ZERO)).unwrap().woken);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            waker.wake().unwrap();
            // Keep the waker (its eventfd) open until the poll has seen the event: closing it
            // removes it from the epoll set. The loop keeps its waker for its whole life.
            waker
        });
        // Would block for a minute if the wake were lost.
        let r = reactor.poll(Some(Duration::from_secs(60))).unwrap();
        assert!(r.woken);
        drop(t.join().unwrap());
    }
}
