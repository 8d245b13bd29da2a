//! A connection's driver task: the one task per connection that moves bytes between the
//! socket and the transport's buffer and calls the protocol (see the [module docs](super)).

use std::future::poll_fn;
use std::io;
use std::net::Shutdown;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Connection, Protocol, READ_SIZE, READS_PER_STEP, Transport};

/// The connection's driver task: `connection_made`, then steps until the connection ends,
/// then closes the socket and calls `connection_lost`.
pub(super) async fn drive<P: Protocol>(shared: Rc<Connection>, mut protocol: P) {
    protocol.connection_made(&Transport {
        shared: shared.clone(),
    });
    let mut buf = Vec::new();
    let exc = poll_fn(|cx| shared.step(cx, &mut protocol, &mut buf)).await;
    drop(shared.stream.borrow_mut().take());
    shared.st.borrow_mut().driver = None;
    protocol.connection_lost(exc);
}

/// What the write side found to do next.
enum Next {
    /// Call `pause_writing`, then look again.
    Pause,
    /// Call `resume_writing`, then look again.
    Resume,
    /// The connection is over.
    Finish(Option<io::Error>),
    /// Go on to reading.
    Read,
}

impl Connection {
    /// One driver step (see the module docs for the order).
    fn step<P: Protocol>(
        &self,
        cx: &mut Context<'_>,
        protocol: &mut P,
        buf: &mut Vec<u8>,
    ) -> Poll<Option<io::Error>> {
        {
            let mut st = self.st.borrow_mut();
            match &st.driver {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => st.driver = Some(cx.waker().clone()),
            }
            st.in_driver = true;
        }
        let mut reads = 0;
        let result = loop {
            match self.write_side(cx) {
                Next::Pause => protocol.pause_writing(),
                Next::Resume => protocol.resume_writing(),
                Next::Finish(exc) => break Poll::Ready(exc),
                Next::Read => {
                    if reads == READS_PER_STEP {
                        cx.waker().wake_by_ref();
                        break Poll::Pending;
                    }
                    reads += 1;
                    match self.read(cx, buf) {
                        Poll::Ready(Ok(0)) => {
                            self.st.borrow_mut().eof_seen = true;
                            if !protocol.eof_received() {
                                self.st.borrow_mut().closing = true;
                            }
                        }
                        Poll::Ready(Ok(n)) => protocol.data_received(&buf[..n]),
                        Poll::Ready(Err(e)) => self.st.borrow_mut().fail(e),
                        Poll::Pending => break Poll::Pending,
                    }
                }
            }
        };
        self.st.borrow_mut().in_driver = false;
        result
    }

    /// Everything but reading: owed notifications, sending, the EOF, finishing.
    fn write_side(&self, cx: &mut Context<'_>) -> Next {
        let mut st = self.st.borrow_mut();
        if std::mem::take(&mut st.pause_due) {
            return Next::Pause;
        }
        if st.aborting {
            return Next::Finish(st.error.take());
        }
        let stream = self.stream.borrow();
        let Some(s) = stream.as_ref() else {
            return Next::Finish(None);
        };
        while !st.out.is_empty() {
            match s.poll_write_shared(cx, &st.out) {
                Poll::Ready(Ok(n)) => drop(st.out.drain(..n)),
                Poll::Ready(Err(e)) => {
                    st.fail(e);
                    return Next::Finish(st.error.take());
                }
                Poll::Pending => break,
            }
        }
        if st.protocol_paused && st.out.len() <= st.low {
            st.protocol_paused = false;
            return Next::Resume;
        }
        if st.out.is_empty() {
            if st.eof_wanted && !st.eof_sent {
                st.eof_sent = true;
                if let Err(e) = s.shutdown(Shutdown::Write) {
                    st.fail(e);
                    return Next::Finish(st.error.take());
                }
            }
            if st.closing {
                return Next::Finish(None);
            }
        }
        Next::Read
    }

    /// Reads one chunk if reading is on; `Pending` when there is nothing to do.
    fn read(&self, cx: &mut Context<'_>, buf: &mut Vec<u8>) -> Poll<io::Result<usize>> {
        let st = self.st.borrow();
        if !st.reading || st.eof_seen || st.closing {
            return Poll::Pending;
        }
        drop(st);
        if buf.is_empty() {
            buf.resize(READ_SIZE, 0);
        }
        match self.stream.borrow().as_ref() {
            Some(s) => s.poll_read_shared(cx, buf),
            None => Poll::Pending,
        }
    }
}
