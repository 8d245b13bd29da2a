//! tokio's `AsyncRead`/`AsyncWrite` on evloop's byte streams (feature `tokio-io`), for
//! crates written against tokio's traits: `tokio-util` codecs, hyper-util's `TokioIo`,
//! tokio-rustls. Only the traits: no tokio runtime runs inside evloop.
//!
//! Each impl forwards to the stream's `futures-io` impl. tokio hands a buffer that may be
//! uninitialised; it is zeroed once (`ReadBuf::initialize_unfilled`) rather than read into
//! unsafely.
//!
//! ```
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//!
//! evloop::run(async {
//!     let (mut a, mut b) = evloop::net::UnixStream::pair().unwrap();
//!     AsyncWriteExt::write_all(&mut a, b"via tokio's traits").await.unwrap();
//!     drop(a);
//!     let mut got = String::new();
//!     AsyncReadExt::read_to_string(&mut b, &mut got).await.unwrap();
//!     assert_eq!(got, "via tokio's traits");
//! })
//! .unwrap();
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::ReadBuf;

use crate::io::{AsyncRead, AsyncWrite};

/// Reads through the stream's futures-io `poll_read` into tokio's buffer.
fn poll_read_into<R: AsyncRead + ?Sized>(
    reader: Pin<&mut R>,
    cx: &mut Context<'_>,
    buf: &mut ReadBuf<'_>,
) -> Poll<io::Result<()>> {
    let n = ready!(reader.poll_read(cx, buf.initialize_unfilled()))?;
    buf.advance(n);
    Poll::Ready(Ok(()))
}

macro_rules! tokio_read {
    ($($t:ty),+) => {$(
        impl tokio::io::AsyncRead for $t {
            fn poll_read(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &mut ReadBuf<'_>,
            ) -> Poll<io::Result<()>> {
                poll_read_into(self, cx, buf)
            }
        }
    )+};
}

macro_rules! tokio_write {
    ($($t:ty),+) => {$(
        impl tokio::io::AsyncWrite for $t {
            fn poll_write(
                self: Pin<&mut Self>,
                cx: &mut Context<'_>,
                buf: &[u8],
            ) -> Poll<io::Result<usize>> {
                AsyncWrite::poll_write(self, cx, buf)
            }

            fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_flush(self, cx)
            }

            fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
                AsyncWrite::poll_close(self, cx)
            }
        }
    )+};
}

tokio_read!(crate::net::TcpStream, crate::streams::StreamReader);
tokio_write!(crate::net::TcpStream, crate::streams::StreamWriter);
#[cfg(unix)]
tokio_read!(crate::net::UnixStream);
#[cfg(unix)]
tokio_write!(crate::net::UnixStream);
