//! The calls a connection's driver makes on its protocol, whichever kind it is: a
//! [`Protocol`] is handed each chunk it reads (`data_received`), a
//! [`BufferedProtocol`](super::BufferedProtocol) lends the buffer to read into
//! (`get_buffer`, `buffer_updated`). [`AnyProtocol`] is what the `create_*` and `connect_*`
//! functions accept, so each takes either kind, as asyncio's do.
//!
//! Every call is made under `catch_unwind`, and a panic is reported the way asyncio reports
//! an exception from the same method (see [`Protocol`]).

use std::any::Any;
use std::io;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Connection, Protocol, READ_SIZE, Transport};
use crate::error::{ExceptionContext, panic_message};
use crate::io::channel::Channel;

/// What one read found.
pub(super) enum Received {
    /// Nothing to read now (the waker is registered).
    Pending,
    /// Some bytes were handed to the protocol.
    Data,
    /// End of stream.
    Eof,
    /// The channel failed.
    Failed(io::Error),
    /// A protocol method failed: `(method, what it raised)`, a fatal error of the connection.
    Fatal(&'static str, String),
}

/// What the driver calls, for either kind of protocol.
pub(super) trait Calls: 'static {
    /// The protocol's type name, for reports.
    fn name(&self) -> &'static str;
    fn connection_made(&mut self, t: &Transport);
    /// Reads one chunk from `ch` and hands it to the protocol; `scratch` is the driver's
    /// read buffer, for protocols that take chunks.
    fn receive(
        &mut self,
        ch: &dyn Channel,
        cx: &mut Context<'_>,
        scratch: &mut Vec<u8>,
    ) -> Received;
    fn eof_received(&mut self) -> bool;
    fn connection_lost(&mut self, exc: Option<io::Error>);
    fn pause_writing(&mut self);
    fn resume_writing(&mut self);
}

/// Runs `f`, giving the panic's message if it panicked.
pub(super) fn guarded<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    catch_unwind(AssertUnwindSafe(f)).map_err(|p: Box<dyn Any + Send>| panic_message(&*p))
}

/// Reports through the running loop's exception handler.
fn report(ctx: ExceptionContext) {
    if let Ok(h) = crate::get_running_loop() {
        h.call_exception_handler(&ctx);
    }
}

/// A fatal error of a connection's protocol, in asyncio's words (`_fatal_error`): "Fatal
/// error: protocol.data_received() call failed.", with the transport and protocol.
pub(super) fn report_fatal(t: &Transport, protocol: &str, method: &str, error: &str) {
    report(ExceptionContext {
        message: format!("Fatal error: protocol.{method}() call failed."),
        error: Some(error.to_string()),
        transport: Some(t.describe()),
        protocol: Some(format!("<{protocol}>")),
        ..ExceptionContext::default()
    });
}

/// A panic in a protocol method asyncio calls as a plain callback (`connection_made`,
/// `connection_lost`): "Exception in callback P.connection_made()".
pub(super) fn report_callback(protocol: &str, method: &str, error: &str) {
    let source = format!("{protocol}.{method}()");
    report(ExceptionContext {
        message: format!("Exception in callback {source}"),
        error: Some(error.to_string()),
        handle: Some(format!("<Handle {source}>")),
        ..ExceptionContext::default()
    });
}

/// A panic in `pause_writing` or `resume_writing`: asyncio's "protocol.pause_writing()
/// failed", with the transport and protocol; the connection goes on.
pub(super) fn report_flow(t: &Transport, protocol: &str, method: &str, error: &str) {
    report(ExceptionContext {
        message: format!("protocol.{method}() failed"),
        error: Some(error.to_string()),
        transport: Some(t.describe()),
        protocol: Some(format!("<{protocol}>")),
        ..ExceptionContext::default()
    });
}

/// The calls both kinds of protocol have, in a `Calls` impl for a wrapper whose field `0` is
/// the protocol, of type `$p`: forwarded as they are.
macro_rules! forward_to_protocol {
    ($p:ident) => {
        fn name(&self) -> &'static str {
            std::any::type_name::<$p>()
        }
        fn connection_made(&mut self, t: &Transport) {
            self.0.connection_made(t)
        }
        fn eof_received(&mut self) -> bool {
            self.0.eof_received()
        }
        fn connection_lost(&mut self, exc: Option<io::Error>) {
            self.0.connection_lost(exc)
        }
        fn pause_writing(&mut self) {
            self.0.pause_writing()
        }
        fn resume_writing(&mut self) {
            self.0.resume_writing()
        }
    };
}
pub(super) use forward_to_protocol;

/// A [`Protocol`], as the driver calls it.
pub(super) struct Chunks<P>(pub(super) P);

impl<P: Protocol> Calls for Chunks<P> {
    forward_to_protocol!(P);
    fn receive(
        &mut self,
        ch: &dyn Channel,
        cx: &mut Context<'_>,
        scratch: &mut Vec<u8>,
    ) -> Received {
        if scratch.is_empty() {
            scratch.resize(READ_SIZE, 0);
        }
        match ch.poll_read_shared(cx, scratch) {
            Poll::Pending => Received::Pending,
            Poll::Ready(Err(e)) => Received::Failed(e),
            Poll::Ready(Ok(0)) => Received::Eof,
            Poll::Ready(Ok(n)) => match guarded(|| self.0.data_received(&scratch[..n])) {
                Ok(()) => Received::Data,
                Err(e) => Received::Fatal("data_received", e),
            },
        }
    }
}

pub(super) mod sealed {
    use super::*;

    /// Starts a connection's driver task for a protocol of one kind.
    pub trait Start<Kind> {
        /// Spawns the driver of `conn` with this protocol.
        #[allow(private_interfaces)]
        fn spawn_driver(self, conn: Rc<Connection>);
    }

    /// The kind of a [`Protocol`](super::Protocol).
    pub enum ChunkKind {}
    /// The kind of a [`BufferedProtocol`](super::super::BufferedProtocol).
    pub enum BufferKind {}
}

/// A [`Protocol`] or a [`BufferedProtocol`](super::BufferedProtocol): what the functions
/// that start a transport accept (asyncio takes either class wherever a protocol factory
/// goes). `Kind` is inferred; a type should implement only one of the two traits.
pub trait AnyProtocol<Kind>: sealed::Start<Kind> + 'static {}

impl<K, T: sealed::Start<K> + 'static> AnyProtocol<K> for T {}

impl<P: Protocol> sealed::Start<sealed::ChunkKind> for P {
    #[allow(private_interfaces)]
    fn spawn_driver(self, conn: Rc<Connection>) {
        crate::spawn(super::driver::drive(conn, Chunks(self)));
    }
}
