//! Transports and protocols: asyncio's low-level, callback-style networking API.
//!
//! The streams API is "a task awaits the socket". This one is the other way round: **the
//! loop calls you**. You write a [`Protocol`], a set of callbacks (`connection_made`,
//! `data_received`, `eof_received`, `connection_lost`, `pause_writing`, `resume_writing`);
//! [`create_server`] or [`create_connection`] gives each connection a [`Transport`] to
//! write to, and calls the protocol as things happen. Nothing in a protocol awaits.
//!
//! **How it is built.** Each connection has one driver task (asyncio has a reader callback
//! registered with the selector instead). In every step the driver, in this order: tells the
//! protocol to pause writing if a write overfilled the buffer; sends what the buffer holds;
//! tells the protocol to resume writing once the buffer fell to the low-water mark; sends the
//! EOF `write_eof` asked for; finishes if the transport is closing and everything was sent;
//! then reads, handing each chunk to `data_received`, and repeats, until the socket would
//! block. Then it waits for readiness, or for a transport method called from elsewhere to
//! wake it. [`Transport::write`] itself tries the socket first and buffers only what the
//! socket did not take, as asyncio's does.
//!
//! Where this differs from asyncio (the `(transport, protocol)` pair, when `pause_writing`
//! is called, typed address accessors) is listed in the [mapping](crate::guide::mapping).
//!
//! # Examples
//!
//! An echo server and a client that sends one line and waits for the connection to close:
//!
//! ```
//! use evloop::transport::{Protocol, Transport, create_connection, create_server};
//!
//! struct Echo(Option<Transport>);
//! impl Protocol for Echo {
//!     fn connection_made(&mut self, t: &Transport) {
//!         self.0 = Some(t.clone());
//!     }
//!     fn data_received(&mut self, data: &[u8]) {
//!         let t = self.0.as_ref().unwrap();
//!         t.write(data);
//!         t.close();
//!     }
//! }
//!
//! struct Client(evloop::Future<Vec<u8>>, Vec<u8>);
//! impl Protocol for Client {
//!     fn data_received(&mut self, data: &[u8]) {
//!         self.1.extend_from_slice(data);
//!     }
//!     fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
//!         self.0.set_result(std::mem::take(&mut self.1)).unwrap();
//!     }
//! }
//!
//! evloop::run(async {
//!     let server = create_server(|| Echo(None), "127.0.0.1", 0).unwrap();
//!     let port = server.local_addr().unwrap().port();
//!     let got = evloop::Future::new();
//!     let client = Client(got.clone(), Vec::new());
//!     let t = create_connection(move || client, "127.0.0.1", port).await.unwrap();
//!     t.write(b"hello\n");
//!     assert_eq!(got.await.unwrap(), b"hello\n");
//!     server.close();
//! })
//! .unwrap();
//! ```

use std::cell::RefCell;

use std::io;
use std::net::SocketAddr;
use std::rc::Rc;
use std::task::Waker;

use crate::net::TcpStream;
use crate::server::Server;
use crate::streams::DEFAULT_LIMIT;

mod driver;
use driver::drive;

/// The most a single `data_received` call is given.
const READ_SIZE: usize = 32 * 1024;

/// Reads per driver step before it yields to other tasks (fairness under a fast sender).
const READS_PER_STEP: usize = 16;

/// What the loop calls on a connection (asyncio `asyncio.Protocol`).
///
/// Every method runs on the loop thread as part of the connection's driver task; none may
/// block. A panic in one is reported through the loop's exception handler and closes that
/// connection only.
#[doc(alias("BaseProtocol", "asyncio.BaseProtocol"))]
pub trait Protocol: 'static {
    /// The connection is up; keep a clone of `transport` to write later. Always the first
    /// call.
    fn connection_made(&mut self, transport: &Transport) {
        let _ = transport;
    }

    /// Some bytes arrived (at most 32 KiB per call; message boundaries are not kept).
    fn data_received(&mut self, data: &[u8]);

    /// The peer will send nothing more. Return `false` (the default) to close the transport,
    /// `true` to keep it half-open and go on writing.
    fn eof_received(&mut self) -> bool {
        false
    }

    /// The connection is gone: `None` after [`Transport::close`] or
    /// [`Transport::abort`] or an EOF, `Some(error)` after a fault (a reset, say). Always
    /// the last call, exactly once.
    fn connection_lost(&mut self, exc: Option<io::Error>) {
        let _ = exc;
    }

    /// The transport's write buffer went over its high-water mark: stop writing for now.
    fn pause_writing(&mut self) {}

    /// The write buffer fell to its low-water mark: writing may go on.
    fn resume_writing(&mut self) {}
}

/// A connection as a protocol sees it (asyncio's socket transport). Cheap to clone; all
/// clones are the same connection.
#[derive(Clone)]
#[doc(alias("BaseTransport", "ReadTransport", "WriteTransport"))]
pub struct Transport {
    shared: Rc<Connection>,
}

struct Connection {
    /// `None` once the connection is lost (the socket is closed).
    stream: RefCell<Option<TcpStream>>,
    peer: Option<SocketAddr>,
    local: Option<SocketAddr>,
    st: RefCell<TransportState>,
}

struct TransportState {
    /// Written and not yet sent.
    out: Vec<u8>,
    high: usize,
    low: usize,
    /// The protocol is (or is about to be) paused.
    protocol_paused: bool,
    /// `pause_writing` is owed to the protocol.
    pause_due: bool,
    /// Reading is not paused.
    reading: bool,
    eof_seen: bool,
    /// `close`, `abort` or a fault: no more reading or writing is accepted.
    closing: bool,
    /// Drop the buffer and finish now (`abort` or a fault).
    aborting: bool,
    /// The fault `connection_lost` will be told.
    error: Option<io::Error>,
    eof_wanted: bool,
    eof_sent: bool,
    driver: Option<Waker>,
    /// The driver is running (it re-checks the state after each callback, so no wake).
    in_driver: bool,
}

impl TransportState {
    fn wake_driver(&mut self) {
        if !self.in_driver
            && let Some(w) = &self.driver
        {
            w.wake_by_ref();
        }
    }

    /// Owes the protocol a `pause_writing` if the buffer just went over the high-water
    /// mark, and wakes the driver to send (and to deliver it).
    fn check_high_water(&mut self) {
        if !self.protocol_paused && self.out.len() > self.high {
            self.protocol_paused = true;
            self.pause_due = true;
        }
        self.wake_driver();
    }

    fn fail(&mut self, e: io::Error) {
        if !self.aborting {
            self.error = Some(e);
        }
        self.closing = true;
        self.aborting = true;
        self.out = Vec::new();
        self.wake_driver();
    }
}

impl Transport {
    fn start<P: Protocol>(stream: TcpStream, protocol: P) -> Transport {
        let shared = Rc::new(Connection {
            peer: stream.peer_addr().ok(),
            local: stream.local_addr().ok(),
            stream: RefCell::new(Some(stream)),
            st: RefCell::new(TransportState {
                out: Vec::new(),
                high: DEFAULT_LIMIT,
                low: DEFAULT_LIMIT / 4,
                protocol_paused: false,
                pause_due: false,
                reading: true,
                eof_seen: false,
                closing: false,
                aborting: false,
                error: None,
                eof_wanted: false,
                eof_sent: false,
                driver: None,
                in_driver: false,
            }),
        });
        crate::spawn(drive(shared.clone(), protocol));
        Transport { shared }
    }

    /// Sends `data`, or buffers what the socket does not take now; never waits. Ignored
    /// once the transport is closing or after [`write_eof`](Self::write_eof).
    pub fn write(&self, data: &[u8]) {
        let mut st = self.shared.st.borrow_mut();
        if st.closing || st.eof_wanted || data.is_empty() {
            return;
        }
        let mut rest = data;
        if st.out.is_empty() {
            let stream = self.shared.stream.borrow();
            let Some(s) = stream.as_ref() else { return };
            match s.try_write_now(data) {
                Ok(n) => rest = &data[n..],
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) => return st.fail(e),
            }
            if rest.is_empty() {
                return;
            }
        }
        st.out.extend_from_slice(rest);
        st.check_high_water();
    }

    /// Writes each buffer in turn (asyncio `writelines`).
    pub fn writelines<'a>(&self, data: impl IntoIterator<Item = &'a [u8]>) {
        data.into_iter().for_each(|d| self.write(d));
    }

    /// Half-closes: sends end of stream once the buffer is sent; the peer can still write.
    pub fn write_eof(&self) {
        let mut st = self.shared.st.borrow_mut();
        if !st.closing && !st.eof_wanted {
            st.eof_wanted = true;
            st.wake_driver();
        }
    }

    /// Whether [`write_eof`](Self::write_eof) is supported (always, for TCP).
    pub fn can_write_eof(&self) -> bool {
        true
    }

    /// Closes once the buffer is sent; reading stops now. `connection_lost(None)` follows.
    pub fn close(&self) {
        let mut st = self.shared.st.borrow_mut();
        if !st.closing {
            st.closing = true;
            st.wake_driver();
        }
    }

    /// Closes now, dropping whatever is still buffered. `connection_lost(None)` follows.
    pub fn abort(&self) {
        let mut st = self.shared.st.borrow_mut();
        st.closing = true;
        st.aborting = true;
        st.out = Vec::new();
        st.wake_driver();
    }

    /// Whether it is closing or closed.
    pub fn is_closing(&self) -> bool {
        self.shared.st.borrow().closing
    }

    /// Stops calling `data_received` until [`resume_reading`](Self::resume_reading) (the
    /// kernel's buffer then fills and the peer's writes slow down).
    pub fn pause_reading(&self) {
        self.shared.st.borrow_mut().reading = false;
    }

    /// Calls `data_received` again.
    pub fn resume_reading(&self) {
        let mut st = self.shared.st.borrow_mut();
        if !st.reading {
            st.reading = true;
            st.wake_driver();
        }
    }

    /// Whether reading is on.
    pub fn is_reading(&self) -> bool {
        let st = self.shared.st.borrow();
        st.reading && !st.closing
    }

    /// Bytes buffered and not yet sent.
    pub fn get_write_buffer_size(&self) -> usize {
        self.shared.st.borrow().out.len()
    }

    /// The flow-control marks `(low, high)`.
    pub fn get_write_buffer_limits(&self) -> (usize, usize) {
        let st = self.shared.st.borrow();
        (st.low, st.high)
    }

    /// Sets the flow-control marks: `high` defaults to 64 KiB, or to four times `low` when
    /// only `low` is given (saturating at `usize::MAX`), and `low` to a quarter of `high`,
    /// as asyncio's defaults.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::InvalidInput`] when `low > high` (asyncio: `ValueError`).
    pub fn set_write_buffer_limits(
        &self,
        high: Option<usize>,
        low: Option<usize>,
    ) -> io::Result<()> {
        let high = high.unwrap_or_else(|| low.map_or(DEFAULT_LIMIT, |low| low.saturating_mul(4)));
        let low = low.unwrap_or(high / 4);
        if low > high {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("high ({high}) must be >= low ({low})"),
            ));
        }
        let mut st = self.shared.st.borrow_mut();
        (st.high, st.low) = (high, low);
        st.check_high_water();
        Ok(())
    }

    /// The peer's address (asyncio `get_extra_info('peername')`).
    #[doc(alias("get_extra_info", "peername"))]
    pub fn peer_addr(&self) -> Option<SocketAddr> {
        self.shared.peer
    }

    /// The local address (asyncio `get_extra_info('sockname')`).
    #[doc(alias("get_extra_info", "sockname"))]
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.shared.local
    }

    /// Sets `TCP_NODELAY` on the socket.
    ///
    /// # Errors
    ///
    /// What the OS reports, or `NotConnected` once the connection is lost.
    pub fn set_nodelay(&self, on: bool) -> io::Result<()> {
        match self.shared.stream.borrow().as_ref() {
            Some(s) => s.set_nodelay(on),
            None => Err(io::ErrorKind::NotConnected.into()),
        }
    }
}

/// Serves `host:port` (port 0: any free port), calling `protocol_factory` for a new protocol
/// per connection (asyncio `loop.create_server`).
///
/// # Errors
///
/// As [`TcpListener::bind`](crate::net::TcpListener::bind).
pub fn create_server<P: Protocol>(
    protocol_factory: impl Fn() -> P + 'static,
    host: &str,
    port: u16,
) -> io::Result<Server> {
    Server::serve(host, port, move |conn| {
        Transport::start(conn, protocol_factory());
    })
}

/// Connects to `host:port` and runs a protocol from `protocol_factory` on the connection
/// (asyncio `loop.create_connection`).
///
/// # Errors
///
/// As [`TcpStream::connect`].
pub async fn create_connection<P: Protocol>(
    protocol_factory: impl FnOnce() -> P,
    host: &str,
    port: u16,
) -> io::Result<Transport> {
    let stream = TcpStream::connect((host, port)).await?;
    Ok(Transport::start(stream, protocol_factory()))
}
