//! Streams: asyncio's high-level `open_connection` / `start_server` API.
//!
//! A connection is a [`StreamReader`] and a [`StreamWriter`] over one TCP socket. The reader
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
use std::net::{Shutdown, SocketAddr};
use std::rc::Rc;
use std::task::{Context, Poll};

pub use super::stream_writer::StreamWriter;
use crate::error::StreamError;
use crate::net::TcpStream;
pub use crate::server::Server;

pub(super) mod byte_queue;
mod source;

use byte_queue::ByteQueue;

/// asyncio's default buffer limit for a reader, and high-water mark for a writer.
pub const DEFAULT_LIMIT: usize = 64 * 1024;

/// What a reader or writer sits on: a TCP socket, or one of a child process's pipes. Each
/// direction is polled through a shared reference (a connection's reader and writer share
/// one socket); a pipe supports one direction only.
///
/// A direction or an address the channel lacks is `Unsupported`, the defaults below.
pub(crate) trait Channel {
    /// Reads what is there, or registers the waker.
    fn poll_read_shared(&self, _cx: &mut Context<'_>, _buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(io::ErrorKind::Unsupported.into()))
    }
    /// Writes what the channel takes, or registers the waker.
    fn poll_write_shared(&self, _cx: &mut Context<'_>, _buf: &[u8]) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(io::ErrorKind::Unsupported.into()))
    }
    /// Ends the writing direction (the peer reads end of stream).
    fn shutdown_write(&self) -> io::Result<()> {
        Err(io::ErrorKind::Unsupported.into())
    }
    /// The peer's address, for sockets.
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        Err(io::ErrorKind::Unsupported.into())
    }
}

impl Channel for TcpStream {
    fn poll_read_shared(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        TcpStream::poll_read_shared(self, cx, buf)
    }
    fn poll_write_shared(&self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        TcpStream::poll_write_shared(self, cx, buf)
    }
    fn shutdown_write(&self) -> io::Result<()> {
        self.shutdown(Shutdown::Write)
    }
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        TcpStream::peer_addr(self)
    }
}

/// The reading half of a connection (asyncio `StreamReader`).
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
        if self.eof {
            return Ok(false);
        }
        let mut chunk = [0u8; 16 * 1024];
        let n = poll_fn(|cx| self.stream.poll_read_shared(cx, &mut chunk)).await?;
        if n == 0 {
            self.eof = true;
            return Ok(false);
        }
        self.buf.push(&chunk[..n]);
        Ok(true)
    }

    /// Up to `n` bytes (`None`: everything until end of stream); empty at end of stream,
    /// and at once for `Some(0)`. It waits for data only when nothing is buffered.
    ///
    /// # Errors
    ///
    /// A socket error.
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

/// Connects to `host:port` and gives the connection's reader and writer (asyncio
/// `asyncio.open_connection`).
///
/// # Errors
///
/// As [`TcpStream::connect`].
pub async fn open_connection(host: &str, port: u16) -> io::Result<(StreamReader, StreamWriter)> {
    let stream: Rc<dyn Channel> = Rc::new(TcpStream::connect((host, port)).await?);
    Ok((StreamReader::new(stream.clone()), StreamWriter::new(stream)))
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
pub fn start_server<F, Fut>(handler: F, host: &str, port: u16) -> io::Result<Server>
where
    F: Fn(StreamReader, StreamWriter) -> Fut + 'static,
    Fut: Future<Output = ()> + 'static,
{
    Server::serve(host, port, move |conn| {
        let stream: Rc<dyn Channel> = Rc::new(conn);
        crate::spawn(handler(
            StreamReader::new(stream.clone()),
            StreamWriter::new(stream),
        ));
    })
}
