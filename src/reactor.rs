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
//! own token (its key in the loop's source slab), and its events come back as
//! `(token, readiness bits)` pairs for the turn to dispatch.

use std::io;
use std::time::Duration;

use mio::{Events, Poll, Token, Waker};

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

/// The OS poller and its event buffer.
pub(crate) struct Reactor {
    /// The epoll/kqueue instance.
    poll: Poll,
    /// Reused event buffer (no allocation per poll).
    events: Events,
}

impl Reactor {
    /// The poller's own descriptor (epoll or kqueue): readable whenever a poll would report
    /// something.
    #[cfg(unix)]
    pub(crate) fn as_raw_fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.poll.as_raw_fd()
    }

    /// Creates the poller and the waker registered on it.
    pub(crate) fn new() -> io::Result<(Reactor, Waker)> {
        let poll = Poll::new()?;
        let waker = Waker::new(poll.registry(), WAKE_TOKEN)?;
        Ok((
            Reactor {
                poll,
                events: Events::with_capacity(EVENTS_CAPACITY),
            },
            waker,
        ))
    }

    /// The registry sources are registered with.
    pub(crate) fn registry(&self) -> &mio::Registry {
        self.poll.registry()
    }

    /// Waits for readiness for at most `timeout` (`None`: until something happens), and
    /// appends each source event to `io_events` as `(token, readiness bits)`.
    ///
    /// An interrupted wait (`EINTR`, e.g. a signal arrived) is not an error: it reports
    /// nothing ready and the loop simply turns again.
    pub(crate) fn poll(
        &mut self,
        timeout: Option<Duration>,
        io_events: &mut Vec<(usize, u8)>,
    ) -> io::Result<Readiness> {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => return Ok(Readiness::default()),
            Err(e) => return Err(e),
        }
        let mut r = Readiness::default();
        for event in self.events.iter() {
            r.events += 1;
            if event.token() == WAKE_TOKEN {
                r.woken = true;
            } else {
                io_events.push((event.token().0, bits(event)));
            }
        }
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wake_interrupts_a_blocking_poll() {
        let (mut reactor, waker) = Reactor::new().unwrap();
        let mut io = Vec::new();
        assert!(!reactor.poll(Some(Duration::ZERO), &mut io).unwrap().woken);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            waker.wake().unwrap();
            // Keep the waker (its eventfd) open until the poll has seen the event: closing it
            // removes it from the epoll set. The loop keeps its waker for its whole life.
            waker
        });
        // Would block for a minute if the wake were lost.
        let r = reactor
            .poll(Some(Duration::from_secs(60)), &mut io)
            .unwrap();
        assert!(r.woken);
        drop(t.join().unwrap());
    }
}
