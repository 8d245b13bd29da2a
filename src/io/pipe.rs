//! Pipe ends on the loop: a child's stdin, stdout and stderr, and the pipes
//! [`connect_read_pipe`](crate::transport::connect_read_pipe) and
//! [`connect_write_pipe`](crate::transport::connect_write_pipe) adopt.
//!
//! An end is made non-blocking (std gives blocking ones; a blocking read would stall the
//! whole loop) and registered with the loop's reactor, then used as a [`Channel`] in its one
//! direction.

use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::task::{Context, Poll};

use mio::unix::pipe;

use super::channel::Channel;
use super::registration::{Direction, Registered};

/// One pipe end, in one direction.
pub(crate) struct PipeEnd<S: mio::event::Source> {
    /// `None` once closed (so the reader of a write end sees end of stream).
    io: RefCell<Option<Registered<S>>>,
}

impl<S: mio::event::Source> PipeEnd<S> {
    fn poll_with<R>(
        &self,
        cx: &mut Context<'_>,
        dir: Direction,
        mut op: impl FnMut(&S) -> io::Result<R>,
    ) -> Poll<io::Result<R>> {
        let io = self.io.borrow();
        let Some(io) = io.as_ref() else {
            return Poll::Ready(Err(io::ErrorKind::BrokenPipe.into()));
        };
        io.reg.poll_io(cx, dir, || op(&io.inner))
    }
}

impl Channel for PipeEnd<pipe::Receiver> {
    fn poll_read_shared(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        self.poll_with(cx, Direction::Read, |mut rx| rx.read(buf))
    }
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<()> {
        match self.io.borrow().as_ref() {
            Some(io) => io.reg.poll_ready(cx, Direction::Read),
            None => Poll::Ready(()),
        }
    }
    fn can_write(&self) -> bool {
        false
    }
    fn kind(&self) -> &'static str {
        "read pipe"
    }
}

impl Channel for PipeEnd<pipe::Sender> {
    /// A write end never has data; it turns "readable" only when the reading end closed
    /// (the reactor reports an error or hang-up on it). That is its end of stream, which is
    /// how a write-pipe transport notices, as asyncio's watches its pipe for reading.
    fn poll_read_shared(&self, cx: &mut Context<'_>, _buf: &mut [u8]) -> Poll<io::Result<usize>> {
        let io = self.io.borrow();
        let Some(io) = io.as_ref() else {
            return Poll::Pending;
        };
        io.reg.poll_ready(cx, Direction::Read).map(|()| Ok(0))
    }
    fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        self.poll_with(cx, Direction::Write, |mut tx| tx.write(buf))
    }
    fn try_write_now(&self, buf: &[u8]) -> io::Result<usize> {
        let io = self.io.borrow();
        let Some(io) = io.as_ref() else {
            return Err(io::ErrorKind::BrokenPipe.into());
        };
        io.reg.try_io(Direction::Write, || (&io.inner).write(buf))
    }
    fn shutdown_write(&self) -> io::Result<()> {
        // Closing our end is the reader's end of stream.
        drop(self.io.borrow_mut().take());
        Ok(())
    }
    fn can_read(&self) -> bool {
        false
    }
    fn kind(&self) -> &'static str {
        "write pipe"
    }
}

/// A pipe end that can be made non-blocking.
pub(crate) trait NonBlocking: mio::event::Source {
    fn set_nonblocking(&self) -> io::Result<()>;
}

impl NonBlocking for pipe::Sender {
    fn set_nonblocking(&self) -> io::Result<()> {
        pipe::Sender::set_nonblocking(self, true)
    }
}

impl NonBlocking for pipe::Receiver {
    fn set_nonblocking(&self) -> io::Result<()> {
        pipe::Receiver::set_nonblocking(self, true)
    }
}

/// Makes `end` a registered, non-blocking pipe end of the running loop.
///
/// # Errors
///
/// What the OS reports (a descriptor the reactor cannot watch, such as a regular file), or
/// no running loop.
pub(crate) fn pipe_end<S: NonBlocking>(end: S) -> io::Result<PipeEnd<S>> {
    end.set_nonblocking()?;
    Ok(PipeEnd {
        io: RefCell::new(Some(Registered::new(end)?)),
    })
}
