//! A [`StreamReader`] over any byte source, not only a socket or a pipe.
//!
//! asyncio builds a bare `StreamReader()` and pushes bytes into it with `feed_data` and
//! `feed_eof` (its protocol does, and so do its tests). An evloop reader pulls instead: it
//! reads from its source only when its buffer cannot answer. So the same thing is a reader
//! over an [`AsyncRead`]: whatever the source gives per read is one chunk, as a socket gives
//! what arrived, and `Ok(0)` is the end of stream.

use std::cell::RefCell;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::{Channel, StreamReader};
use crate::io::AsyncRead;

/// The read side of a byte source; writing, shutting down and the peer's address are
/// unsupported, as for a child's output pipe.
struct ReadOnly<R> {
    /// The source, borrowed only for the length of one `poll_read` (which runs no user code
    /// of the reader's, so the borrow never overlaps another).
    source: RefCell<R>,
}

impl<R: AsyncRead + Unpin> Channel for ReadOnly<R> {
    fn poll_read_shared(&self, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.source.borrow_mut()).poll_read(cx, buf)
    }
    fn can_write(&self) -> bool {
        false
    }
    fn kind(&self) -> &'static str {
        "reader"
    }
}

impl StreamReader {
    /// A reader over any [`AsyncRead`]: each read of the source is one chunk, `Ok(0)` is the
    /// end of stream, an error is a [`StreamError::Io`](crate::StreamError::Io).
    ///
    /// **Drop and cancel first.** Dropping the reader drops the source. A cancelled read
    /// leaves what it had buffered in the reader, as for a socket.
    ///
    /// Rosetta: asyncio `StreamReader()` fed by `feed_data` / `feed_eof`; tokio
    /// `BufReader::new(source)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::io;
    /// use std::pin::Pin;
    /// use std::task::{Context, Poll};
    ///
    /// use evloop::io::AsyncRead;
    /// use evloop::streams::StreamReader;
    ///
    /// /// Gives its chunks one read at a time, then the end of stream.
    /// struct Chunks(Vec<&'static [u8]>);
    ///
    /// impl AsyncRead for Chunks {
    ///     fn poll_read(
    ///         mut self: Pin<&mut Self>,
    ///         _cx: &mut Context<'_>,
    ///         buf: &mut [u8],
    ///     ) -> Poll<io::Result<usize>> {
    ///         if self.0.is_empty() {
    ///             return Poll::Ready(Ok(0));
    ///         }
    ///         let chunk = self.0.remove(0);
    ///         buf[..chunk.len()].copy_from_slice(chunk);
    ///         Poll::Ready(Ok(chunk.len()))
    ///     }
    /// }
    ///
    /// evloop::run(async {
    ///     let mut reader = StreamReader::from_reader(Chunks(vec![b"GET / HT", b"TP/1.1\r\nHost"]));
    ///     assert_eq!(reader.readuntil(b"\r\n").await.unwrap(), b"GET / HTTP/1.1\r\n");
    ///     assert_eq!(reader.read(None).await.unwrap(), b"Host");
    ///     assert!(reader.at_eof());
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias("feed_data", "feed_eof", "set_exception"))]
    pub fn from_reader<R: AsyncRead + Unpin + 'static>(source: R) -> StreamReader {
        let channel: Rc<dyn Channel> = Rc::new(ReadOnly {
            source: RefCell::new(source),
        });
        StreamReader::new(channel)
    }
}
