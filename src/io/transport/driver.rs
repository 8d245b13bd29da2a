//! A connection's driver task: the one task per connection that moves bytes between the
//! socket or pipe and the transport's buffer and calls the protocol (see the
//! [module docs](super)).

use std::future::poll_fn;
use std::io;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::calls::{Calls, Received, guarded, report_callback, report_fatal, report_flow};
use super::{Connection, READS_PER_STEP, Transport};

/// The connection's driver task: `connection_made`, then steps until the connection ends,
/// then closes the channel and calls `connection_lost`.
pub(super) async fn drive<C: Calls>(shared: Rc<Connection>, mut protocol: C) {
    let transport = Transport {
        shared: shared.clone(),
    };
    // asyncio schedules `connection_made` as a callback: its exception is reported as one,
    // and the connection goes on.
    if let Err(e) = guarded(|| protocol.connection_made(&transport)) {
        report_callback(protocol.name(), "connection_made", &e);
    }
    let mut buf = Vec::new();
    let exc = poll_fn(|cx| shared.step(cx, &transport, &mut protocol, &mut buf)).await;
    drop(shared.stream.borrow_mut().take());
    shared.st.borrow_mut().driver = None;
    if let Err(e) = guarded(|| protocol.connection_lost(exc)) {
        report_callback(protocol.name(), "connection_lost", &e);
    }
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
    /// The channel is still sending what it holds (TLS records, `close_notify`) and the
    /// connection is ending: wait for the channel.
    Wait,
}

impl Connection {
    /// One driver step (see the module docs for the order).
    fn step<C: Calls>(
        &self,
        cx: &mut Context<'_>,
        transport: &Transport,
        protocol: &mut C,
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
                Next::Pause => {
                    if let Err(e) = guarded(|| protocol.pause_writing()) {
                        report_flow(transport, protocol.name(), "pause_writing", &e);
                    }
                }
                Next::Resume => {
                    if let Err(e) = guarded(|| protocol.resume_writing()) {
                        report_flow(transport, protocol.name(), "resume_writing", &e);
                    }
                }
                Next::Finish(exc) => break Poll::Ready(exc),
                Next::Wait => break Poll::Pending,
                Next::Read => {
                    if reads == READS_PER_STEP {
                        cx.waker().wake_by_ref();
                        break Poll::Pending;
                    }
                    reads += 1;
                    if !self.may_read() {
                        break Poll::Pending;
                    }
                    let received = match self.stream.borrow().as_deref() {
                        Some(ch) => protocol.receive(ch, cx, buf),
                        None => Received::Pending,
                    };
                    match received {
                        Received::Pending => break Poll::Pending,
                        Received::Data => {}
                        Received::Eof => self.on_eof(transport, protocol),
                        Received::Failed(e) => self.st.borrow_mut().fail(e),
                        Received::Fatal(method, e) => {
                            report_fatal(transport, protocol.name(), method, &e);
                            self.st.borrow_mut().fail(io::Error::other(e));
                        }
                    }
                }
            }
        };
        self.st.borrow_mut().in_driver = false;
        result
    }

    /// The channel reached its end: a socket asks the protocol whether to stay half-open;
    /// a read pipe tells it, then closes (as asyncio's pipe transport); for a write pipe the
    /// reader went away: it closes, with `BrokenPipe` if bytes were still unsent.
    fn on_eof<C: Calls>(&self, transport: &Transport, protocol: &mut C) {
        self.st.borrow_mut().eof_seen = true;
        if !self.can_read {
            let mut st = self.st.borrow_mut();
            if st.out.is_empty() {
                st.closing = true;
            } else {
                st.fail(io::ErrorKind::BrokenPipe.into());
            }
            return;
        }
        match guarded(|| protocol.eof_received()) {
            Ok(keep_open) if keep_open && self.can_write => {}
            Ok(_) => self.st.borrow_mut().closing = true,
            Err(e) => {
                report_fatal(transport, protocol.name(), "eof_received", &e);
                self.st.borrow_mut().fail(io::Error::other(e));
            }
        }
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
                Poll::Ready(Ok(n)) => {
                    st.unflushed = true;
                    drop(st.out.drain(..n));
                }
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
            let ending = st.closing || st.eof_wanted;
            if st.unflushed {
                match s.poll_flush_shared(cx) {
                    Poll::Ready(Ok(())) => st.unflushed = false,
                    Poll::Ready(Err(e)) => {
                        st.fail(e);
                        return Next::Finish(st.error.take());
                    }
                    Poll::Pending if ending => return Next::Wait,
                    Poll::Pending => return Next::Read,
                }
            }
            // `write_eof`, or a `close` of a channel that says goodbye (TLS).
            let shut = st.eof_wanted || (st.closing && s.closes_with_notice());
            if shut && !st.eof_sent {
                match s.poll_shutdown_write(cx) {
                    Poll::Ready(Ok(())) => st.eof_sent = true,
                    Poll::Ready(Err(e)) => {
                        st.fail(e);
                        return Next::Finish(st.error.take());
                    }
                    Poll::Pending => return Next::Wait,
                }
            }
            // A write pipe's `write_eof` closed it: nothing is left to do (asyncio).
            if st.closing || (st.eof_sent && !self.can_read) {
                return Next::Finish(None);
            }
        }
        Next::Read
    }

    /// Whether reading is on.
    fn may_read(&self) -> bool {
        let st = self.st.borrow();
        st.reading && !st.eof_seen && !st.closing
    }
}
