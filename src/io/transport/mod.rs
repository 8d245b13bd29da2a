//! Transports and protocols: asyncio's low-level, callback-style networking API.
//!
//! The streams API is "a task awaits the socket". This one is the other way round: **the
//! loop calls you**. You write a [`Protocol`], a set of callbacks (`connection_made`,
//! `data_received`, `eof_received`, `connection_lost`, `pause_writing`, `resume_writing`);
//! [`create_server`] or [`create_connection`] gives each connection a [`Transport`] to
//! write to, and calls the protocol as things happen. Nothing in a protocol awaits.
//!
//! The same works over Unix-domain sockets ([`create_unix_server`],
//! [`create_unix_connection`]), on a socket connected elsewhere
//! ([`connect_accepted_socket`]), and on pipes ([`connect_read_pipe`],
//! [`connect_write_pipe`]). A [`BufferedProtocol`], which lends the buffer to read into,
//! goes wherever a [`Protocol`] does.
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

use crate::io::channel::Channel;
use crate::streams::DEFAULT_LIMIT;

mod buffered;
mod calls;
mod driver;
mod methods;
mod open;
#[cfg(unix)]
mod pipes;
mod protocol;

pub use buffered::BufferedProtocol;
pub use calls::AnyProtocol;
pub use open::{
    AcceptedSocket, connect_accepted_socket, create_connection, create_connection_with,
    create_server, create_server_with,
};
#[cfg(unix)]
pub use open::{create_unix_connection, create_unix_server, create_unix_server_with};
#[cfg(unix)]
pub use pipes::{connect_read_pipe, connect_write_pipe};
pub use protocol::Protocol;

/// The most a single `data_received` call is given.
const READ_SIZE: usize = 32 * 1024;

/// Reads per driver step before it yields to other tasks (fairness under a fast sender).
const READS_PER_STEP: usize = 16;

/// A connection as a protocol sees it (asyncio's socket and pipe transports). Cheap to
/// clone; all clones are the same connection.
///
/// # Examples
///
/// A protocol keeps the transport it is given in `connection_made` to write to it later:
///
/// ```
/// use evloop::transport::{Protocol, Transport, create_server};
///
/// struct Echo(Option<Transport>);
/// impl Protocol for Echo {
///     fn connection_made(&mut self, t: &Transport) {
///         self.0 = Some(t.clone()); // the same connection
///     }
///     fn data_received(&mut self, data: &[u8]) {
///         self.0.as_ref().unwrap().write(data);
///     }
/// }
///
/// # // A blocking peer on its own thread, awaited from the loop (`to_thread` needs feature `executor`).
/// # fn off_loop<T: Send + 'static>(
/// #     f: impl FnOnce() -> T + Send + 'static,
/// # ) -> impl std::future::Future<Output = std::thread::Result<T>> {
/// #     let t = std::thread::spawn(f);
/// #     async move {
/// #         while !t.is_finished() {
/// #             evloop::sleep(std::time::Duration::from_millis(1)).await;
/// #         }
/// #         t.join()
/// #     }
/// # }
/// evloop::run(async {
///     let server = create_server(|| Echo(None), "127.0.0.1", 0).unwrap();
///     let addr = server.local_addr().unwrap();
///     // `off_loop`: a blocking client on its own thread, awaited here
///     let reply = off_loop(move || {
///         use std::io::{Read, Write};
///         let mut s = std::net::TcpStream::connect(addr).unwrap();
///         s.write_all(b"ping").unwrap();
///         let mut buf = [0; 4];
///         s.read_exact(&mut buf).unwrap();
///         buf
///     });
///     assert_eq!(&reply.await.unwrap(), b"ping");
///     server.close();
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
#[doc(alias("BaseTransport", "ReadTransport", "WriteTransport"))]
pub struct Transport {
    shared: Rc<Connection>,
}

struct Connection {
    /// `None` once the connection is lost (the socket or pipe is closed).
    stream: RefCell<Option<Box<dyn Channel>>>,
    /// What the channel is (`tcp`, `unix`, `read pipe`, `write pipe`), for reports.
    kind: &'static str,
    /// The channel reads (not the write end of a pipe).
    can_read: bool,
    /// The channel writes (not the read end of a pipe).
    can_write: bool,
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
    /// Bytes went to the channel since it was last flushed (a TLS channel holds its records
    /// until then).
    unflushed: bool,
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
    /// Starts the driver task of a connection over `stream` running `protocol`.
    fn start<K>(stream: Box<dyn Channel>, protocol: impl AnyProtocol<K>) -> Transport {
        let shared = Rc::new(Connection {
            peer: stream.peer_addr().ok(),
            local: stream.local_addr().ok(),
            kind: stream.kind(),
            can_read: stream.can_read(),
            can_write: stream.can_write(),
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
                unflushed: false,
                driver: None,
                in_driver: false,
            }),
        });
        protocol.spawn_driver(shared.clone());
        Transport { shared }
    }

    /// How reports show it: `<Transport tcp peer=127.0.0.1:8000>`.
    fn describe(&self) -> String {
        match self.shared.peer {
            Some(peer) => format!("<Transport {} peer={peer}>", self.shared.kind),
            None => format!("<Transport {}>", self.shared.kind),
        }
    }
}

impl Connection {
    /// [`Transport::close`].
    fn close(&self) {
        let mut st = self.st.borrow_mut();
        if !st.closing {
            st.closing = true;
            st.wake_driver();
        }
    }

    /// [`Transport::abort`].
    fn abort(&self) {
        let mut st = self.st.borrow_mut();
        st.closing = true;
        st.aborting = true;
        st.out = Vec::new();
        st.wake_driver();
    }
}
