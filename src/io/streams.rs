//! Streams: asyncio's high-level `open_connection` / `start_server` API.
//!
//! A connection is a [`StreamReader`] and a [`StreamWriter`] over one TCP socket (or a
//! Unix-domain one: [`open_unix_connection`], [`start_unix_server`]). The reader
//! buffers what arrives and hands it out by size, line or separator; the writer buffers what
//! is written, sends it in the background, and [`drain`](StreamWriter::drain) is the flow
//! control: it waits while more than the high-water mark (64 KiB) is buffered, until the
//! buffer falls to the low-water mark (a quarter of it), as asyncio's transports do.
//!
//! **Drop and cancel first.** Dropping a reader or writer does not close the connection;
//! the socket closes when both are gone (or at [`close`](StreamWriter::close)). A cancelled
//! read leaves whatever it had buffered in the reader for the next read.
//!
//! # Examples
//!
//! ```
//! use evloop::streams::{open_connection, start_server};
//!
//! evloop::run(async {
//!     let server = start_server(
//!         |mut reader, writer| async move {
//!             while let Ok(line) = reader.readline().await {
//!                 if line.is_empty() {
//!                     break; // EOF
//!                 }
//!                 writer.write(&line);
//!                 let _ = writer.drain().await;
//!             }
//!         },
//!         "127.0.0.1",
//!         0,
//!     )
//!     .unwrap();
//!     let port = server.local_addr().unwrap().port();
//!     let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
//!     writer.write(b"hello\n");
//!     writer.drain().await.unwrap();
//!     assert_eq!(reader.readline().await.unwrap(), b"hello\n");
//!     server.close();
//! })
//! .unwrap();
//! ```

use std::future::{Future, poll_fn};
use std::io;
use std::net::Shutdown;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll};

pub(crate) use super::channel::Channel;
pub use super::stream_writer::StreamWriter;
use crate::error::StreamError;
use crate::net::TcpStream;
pub use crate::server::Server;
use crate::server::{Client, ServerOptions};

pub(super) mod byte_queue;
mod byte_stream;
mod connect;
mod source;
#[cfg(feature = "tls")]
mod tls;
#[cfg(unix)]
mod unix;

pub use connect::{ConnectOptions, open_connection_with};
pub(crate) use connect::{Connected, connect_with};

#[cfg(unix)]
pub use unix::{open_unix_connection, start_unix_server, start_unix_server_with};

use byte_queue::ByteQueue;

/// asyncio's default buffer limit for a reader, and high-water mark for a writer.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// The reading half of a connection (asyncio `StreamReader`).
///
/// # Examples
///
/// ```
/// use evloop::streams::{open_connection, start_server};
///
/// evloop::run(async {
///     let greet = |_reader, writer: evloop::streams::StreamWriter| async move {
///         writer.write(b"hello\nworld\n");
///     };
///     let server = start_server(greet, "127.0.0.1", 0).unwrap();
///     let port = server.local_addr().unwrap().port();
///     let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
///     assert_eq!(reader.readline().await.unwrap(), b"hello\n");
///     assert_eq!(reader.readexactly(5).await.unwrap(), b"world");
///     server.close();
/// })
/// .unwrap();
/// ```
pub struct StreamReader {
    stream: Rc<dyn Channel>,
    /// Received and not yet handed out; handing out n bytes in any number of reads costs
    /// O(n) (see `byte_queue`).
    buf: ByteQueue,
    /// The peer closed its side.
    eof: bool,
    /// The most a separator search may buffer.
    limit: usize,
}

impl StreamReader {
    pub(crate) fn new(stream: Rc<dyn Channel>) -> StreamReader {
        StreamReader {
            stream,
            buf: ByteQueue::default(),
            eof: false,
            limit: DEFAULT_LIMIT,
        }
    }

    /// Reads more into the buffer; false at end of stream.
    async fn fill(&mut self) -> io::Result<bool> {
        poll_fn(|cx| self.poll_fill(cx)).await
    }

    /// [`fill`](Self::fill) as a poll function, for the `futures-io` traits.
    pub(super) fn poll_fill(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<bool>> {
        if self.eof {
            return Poll::Ready(Ok(false));
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = std::task::ready!(self.stream.poll_read_shared(cx, &mut chunk))?;
        if n == 0 {
            self.eof = true;
            return Poll::Ready(Ok(false));
        }
        self.buf.push(&chunk[..n]);
        Poll::Ready(Ok(true))
    }

    /// Up to `n` bytes (`None`: everything until end of stream); empty at end of stream,
    /// and at once for `Some(0)`. It waits for data only when nothing is buffered.
    ///
    /// # Errors
    ///
    /// A socket error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let send = |_r, w: evloop::streams::StreamWriter| async move { w.write(b"hello"); w.close() };
    /// # let port = start_server(send, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer sends "hello" and closes.
    /// let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// assert_eq!(reader.read(Some(0)).await.unwrap(), b""); // at once
    /// assert_eq!(reader.read(None).await.unwrap(), b"hello"); // everything until EOF
    /// assert_eq!(reader.read(Some(100)).await.unwrap(), b""); // at EOF: empty
    /// # })
    /// # .unwrap();
    /// ```
    #[doc(alias("pipe_connection_lost", "pipe_data_received"))]
    pub async fn read(&mut self, n: Option<usize>) -> Result<Vec<u8>, StreamError> {
        match n {
            None => {
                while self.fill().await? {}
                Ok(self.buf.take_all())
            }
            // asyncio: `if n == 0: return b''`, without waiting for data.
            Some(0) => Ok(Vec::new()),
            Some(n) => {
                if self.buf.is_empty() {
                    self.fill().await?;
                }
                let take = n.min(self.buf.len());
                Ok(self.buf.take(take))
            }
        }
    }

    /// Exactly `n` bytes.
    ///
    /// # Errors
    ///
    /// [`StreamError::IncompleteRead`] if the stream ends first (with what was read).
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::StreamError;
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let send = |_r, w: evloop::streams::StreamWriter| async move { w.write(b"abcdef"); w.close() };
    /// # let port = start_server(send, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer sends "abcdef" and closes.
    /// let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// assert_eq!(reader.readexactly(4).await.unwrap(), b"abcd");
    /// match reader.readexactly(4).await {
    ///     Err(StreamError::IncompleteRead { partial, .. }) => assert_eq!(partial, b"ef"),
    ///     other => panic!("{other:?}"),
    /// }
    /// # })
    /// # .unwrap();
    /// ```
    pub async fn readexactly(&mut self, n: usize) -> Result<Vec<u8>, StreamError> {
        while self.buf.len() < n {
            if !self.fill().await? {
                return Err(StreamError::IncompleteRead {
                    partial: self.buf.take_all(),
                    expected: Some(n),
                });
            }
        }
        Ok(self.buf.take(n))
    }

    /// Everything up to and including `separator`, which must start within the limit.
    /// Each byte is searched once (and again only within a separator's length of the end),
    /// however the data arrives.
    ///
    /// # Errors
    ///
    /// [`StreamError::IncompleteRead`] at end of stream without it;
    /// [`StreamError::LimitOverrun`] if it starts past the limit, or more than the limit was
    /// searched without finding it (the data stays buffered); [`StreamError::EmptySeparator`]
    /// for an empty `separator`. Which error does not depend on how the data arrives.
    ///
    /// # Examples
    ///
    /// ```
    /// use evloop::StreamError;
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let send = |_r, w: evloop::streams::StreamWriter| async move { w.write(b"key=value;rest"); w.close() };
    /// # let port = start_server(send, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer sends "key=value;rest" and closes.
    /// let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// assert_eq!(reader.readuntil(b";").await.unwrap(), b"key=value;");
    /// let end = reader.readuntil(b";").await;
    /// assert!(matches!(end, Err(StreamError::IncompleteRead { partial, .. }) if partial == b"rest"));
    /// # })
    /// # .unwrap();
    /// ```
    pub async fn readuntil(&mut self, separator: &[u8]) -> Result<Vec<u8>, StreamError> {
        if separator.is_empty() {
            return Err(StreamError::EmptySeparator);
        }
        // The separator does not start before `from` (asyncio's `offset`).
        let mut from = 0;
        loop {
            let buffered = self.buf.as_slice();
            if let Some(i) = find(&buffered[from..], separator) {
                let at = from + i;
                // asyncio: "Separator is found, but chunk is longer than limit".
                if at > self.limit {
                    return Err(StreamError::LimitOverrun { consumed: at });
                }
                return Ok(self.buf.take(at + separator.len()));
            }
            from = (buffered.len() + 1).saturating_sub(separator.len());
            // asyncio: "Separator is not found, and chunk exceed the limit".
            if from > self.limit {
                return Err(StreamError::LimitOverrun { consumed: from });
            }
            if !self.fill().await? {
                return Err(StreamError::IncompleteRead {
                    partial: self.buf.take_all(),
                    expected: None,
                });
            }
        }
    }

    /// One line, including its `\n`; at end of stream, what is left (possibly empty).
    ///
    /// # Errors
    ///
    /// [`StreamError::LimitOverrun`] for a line longer than the limit: the line is dropped,
    /// with its `\n` if it came, else everything buffered (the rest of the line comes with
    /// the next read), as asyncio does before raising `ValueError`. Or a socket error.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let send = |_r, w: evloop::streams::StreamWriter| async move { w.write(b"one\ntwo"); w.close() };
    /// # let port = start_server(send, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer sends "one\ntwo" and closes.
    /// let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// assert_eq!(reader.readline().await.unwrap(), b"one\n");
    /// assert_eq!(reader.readline().await.unwrap(), b"two"); // what is left at EOF
    /// assert_eq!(reader.readline().await.unwrap(), b""); // nothing more
    /// # })
    /// # .unwrap();
    /// ```
    pub async fn readline(&mut self) -> Result<Vec<u8>, StreamError> {
        match self.readuntil(b"\n").await {
            Err(StreamError::IncompleteRead { partial, .. }) => Ok(partial),
            Err(StreamError::LimitOverrun { consumed }) => {
                if self.buf.as_slice().get(consumed) == Some(&b'\n') {
                    self.buf.consume(consumed + 1);
                } else {
                    self.buf.clear();
                }
                Err(StreamError::LimitOverrun { consumed })
            }
            other => other,
        }
    }

    /// True at end of stream with nothing left buffered.
    ///
    /// # Examples
    ///
    /// ```
    /// # use evloop::streams::{open_connection, start_server};
    /// # evloop::run(async {
    /// # let send = |_r, w: evloop::streams::StreamWriter| async move { w.write(b"data"); w.close() };
    /// # let port = start_server(send, "127.0.0.1", 0).unwrap().local_addr().unwrap().port();
    /// // The peer sends "data" and closes.
    /// let (mut reader, _writer) = open_connection("127.0.0.1", port).await.unwrap();
    /// assert!(!reader.at_eof());
    /// assert_eq!(reader.read(None).await.unwrap(), b"data");
    /// assert!(reader.at_eof());
    /// # })
    /// # .unwrap();
    /// ```
    pub fn at_eof(&self) -> bool {
        self.eof && self.buf.is_empty()
    }

    /// Sets the buffer limit for separator searches.
    pub fn set_limit(&mut self, limit: usize) {
        self.limit = limit.max(1);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

impl Client for TcpStream {
    fn close(&self) {
        stream_client_close(self)
    }
    fn abort(&self) {
        let _ = self.shutdown(Shutdown::Both);
    }
}

/// A stream server's `close_clients`: reading stops now (the handler's reads see end of
/// stream, as asyncio's `transport.close()` feeds its reader EOF), what the writer buffered
/// is still sent, and the socket closes once the handler drops its reader and writer.
pub(crate) fn stream_client_close(ch: &dyn Channel) {
    let _ = ch.shutdown_read();
}

/// The accept-loop callback of a stream server: a reader and writer pair over each
/// connection, handed to a new task running `handler`.
pub(crate) fn stream_handler<C, F, Fut>(handler: F) -> impl FnMut(C) -> Weak<dyn Client>
where
    C: Channel + Client + 'static,
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    move |conn| {
        let conn = Rc::new(conn);
        let client: Weak<C> = Rc::downgrade(&conn);
        let stream: Rc<dyn Channel> = conn;
        crate::spawn(handler(
            StreamReader::new(stream.clone()),
            StreamWriter::new(stream),
        ));
        client
    }
}

/// Connects to `host:port` and gives the connection's reader and writer (asyncio
/// `asyncio.open_connection`). A host name is resolved off the loop's thread, as asyncio
/// does (see [`open_connection_with`] for happy eyeballs and TLS).
///
/// # Errors
///
/// The resolver's error, or the connection's, as [`open_connection_with`].
///
/// # Examples
///
/// ```
/// use evloop::streams::{open_connection, start_server};
///
/// evloop::run(async {
/// #   let upper = |mut r: evloop::streams::StreamReader, w: evloop::streams::StreamWriter| async move {
/// #       w.write(&r.readline().await.unwrap().to_ascii_uppercase());
/// #   };
/// #   let server = start_server(upper, "127.0.0.1", 0).unwrap();
/// #   let port = server.local_addr().unwrap().port();
///     // A server on `port` answers each line in upper case.
///     let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
///     writer.write(b"ping\n");
///     assert_eq!(reader.readline().await.unwrap(), b"PING\n");
///     assert_eq!(writer.peer_addr().unwrap().port(), port);
/// })
/// .unwrap();
/// ```
pub async fn open_connection(host: &str, port: u16) -> io::Result<(StreamReader, StreamWriter)> {
    open_connection_with(host, port, &ConnectOptions::default()).await
}

/// Starts a server on `host:port` (port 0: any free port) that runs `handler` as a new task
/// for each connection (asyncio `asyncio.start_server`).
///
/// # Errors
///
/// As [`TcpListener::bind`](crate::net::TcpListener::bind).
///
/// # Panics
///
/// Outside a running loop.
///
/// # Examples
///
/// ```
/// use evloop::streams::{open_connection, start_server};
///
/// evloop::run(async {
///     let server = start_server(
///         |mut reader, writer| async move {
///             let name = reader.readline().await.unwrap();
///             writer.write(b"hello, ");
///             writer.write(&name);
///         },
///         "127.0.0.1",
///         0, // any free port
///     )
///     .unwrap();
///     let port = server.local_addr().unwrap().port();
///     let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
///     writer.write(b"bob\n");
///     assert_eq!(reader.readline().await.unwrap(), b"hello, bob\n");
///     server.close();
/// })
/// .unwrap();
/// ```
pub fn start_server<F, Fut>(handler: F, host: &str, port: u16) -> io::Result<Server>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    start_server_with(handler, host, port, &ServerOptions::default())
}

/// [`start_server`] with asyncio's keyword arguments (`start_serving`); see
/// [`Server::start_serving`] for an example.
///
/// # Errors
///
/// As [`start_server`].
///
/// # Panics
///
/// Outside a running loop.
pub fn start_server_with<F, Fut>(
    handler: F,
    host: &str,
    port: u16,
    options: &ServerOptions,
) -> io::Result<Server>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    #[cfg(feature = "tls")]
    if let Some(config) = options.tls() {
        let on_conn = tls::tls_stream_handler(handler, config.clone());
        return Server::serve_tcp(host, port, options, on_conn);
    }
    Server::serve_tcp(host, port, options, stream_handler(handler))
}
