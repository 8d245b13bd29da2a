//! The error of stream reads (feature `net`): asyncio's `IncompleteReadError`,
//! `LimitOverrunError` and a stream's `OSError`s. Apart because only the stream readers (of
//! sockets and of a child process's pipes) return it.

use std::error::Error;
use std::fmt;
use std::io;

/// What a `StreamReader` read gives instead of data.
///
/// Rosetta: asyncio `IncompleteReadError`, `LimitOverrunError`, and the `OSError`s of a
/// stream.
#[derive(Debug)]
pub enum StreamError {
    /// The stream ended before the read was satisfied (asyncio `IncompleteReadError`); what
    /// was read is kept in `partial`.
    /// ```
    /// # use evloop::{StreamError, streams::*};
    /// # evloop::run(async {
    /// let server = start_server(|_, w| async move { w.write(b"ab"); w.close() }, "127.0.0.1", 0);
    /// let port = server.unwrap().local_addr().unwrap().port();
    /// let (mut reader, _w) = open_connection("127.0.0.1", port).await.unwrap();
    /// let err = reader.readexactly(3).await.unwrap_err(); // the peer sent 2 bytes, then EOF
    /// let StreamError::IncompleteRead { partial, expected } = err else { panic!() };
    /// assert_eq!((&partial[..], expected), (&b"ab"[..], Some(3)));
    /// # }).unwrap();
    /// ```
    #[doc(alias("IncompleteReadError", "asyncio.IncompleteReadError"))]
    IncompleteRead {
        /// The bytes read before the end.
        partial: Vec<u8>,
        /// How many were wanted (`None` for a separator that never came).
        expected: Option<usize>,
    },
    /// The separator starts past the buffer limit, or more than the limit was searched
    /// without finding it (asyncio `LimitOverrunError`); `readuntil` leaves the data in the
    /// buffer, `readline` drops the overlong line.
    /// ```
    /// # use evloop::{StreamError, streams::*};
    /// # evloop::run(async {
    /// let server = start_server(|_, w| async move { w.write(b"abcdef\n") }, "127.0.0.1", 0);
    /// let port = server.unwrap().local_addr().unwrap().port();
    /// let (mut reader, _w) = open_connection("127.0.0.1", port).await.unwrap();
    /// reader.set_limit(4); // asyncio: open_connection(..., limit=4)
    /// let err = reader.readuntil(b"\n").await.unwrap_err();
    /// assert!(matches!(err, StreamError::LimitOverrun { consumed } if consumed > 4));
    /// # }).unwrap();
    /// ```
    #[doc(alias("LimitOverrunError", "asyncio.LimitOverrunError"))]
    LimitOverrun {
        /// Where the separator starts, or the earliest it could still start (asyncio's
        /// `consumed`); more than the limit.
        consumed: usize,
    },
    /// `readuntil` was given an empty separator (asyncio raises `ValueError`); nothing was
    /// read.
    EmptySeparator,
    /// The socket failed.
    Io(io::Error),
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StreamError::IncompleteRead { partial, expected } => match expected {
                Some(n) => write!(
                    f,
                    "{} bytes read on a total of {n} expected bytes",
                    partial.len()
                ),
                None => write!(
                    f,
                    "{} bytes read on a total of undefined expected bytes",
                    partial.len()
                ),
            },
            StreamError::LimitOverrun { consumed } => {
                write!(
                    f,
                    "Separator is not found within the limit (it starts at byte {consumed} or later)"
                )
            }
            StreamError::EmptySeparator => {
                f.write_str("Separator should be at least one-byte string")
            }
            StreamError::Io(e) => e.fmt(f),
        }
    }
}

impl Error for StreamError {}

impl From<io::Error> for StreamError {
    fn from(e: io::Error) -> Self {
        StreamError::Io(e)
    }
}
