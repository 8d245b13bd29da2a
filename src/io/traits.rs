//! `AsyncRead` and `AsyncWrite`, with the shape of `futures-io`'s, plus the helpers asyncio
//! users reach for (`read`, `read_exact`, `read_to_end`, `write_all`, `flush`, `close`).
//!
//! The crate does not depend on `futures-io`; the traits have the same methods and
//! signatures, so an adapter to the ecosystem's traits is a few lines.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Reads bytes asynchronously (the shape of `futures::io::AsyncRead`).
pub trait AsyncRead {
    /// Reads into `buf`; `Ready(Ok(0))` means end of stream.
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>;
}

/// Writes bytes asynchronously (the shape of `futures::io::AsyncWrite`).
pub trait AsyncWrite {
    /// Writes some of `buf`; returns how much.
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>>;
    /// Flushes buffered data (sockets write through, so this is immediate for them).
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
    /// Closes the writing side (a TCP half-close).
    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>>;
}

/// `read`, `read_exact`, `read_to_end` for every [`AsyncRead`].
pub trait AsyncReadExt: AsyncRead + Unpin {
    /// Reads some bytes into `buf`; 0 at end of stream.
    #[doc(alias("sock_recv", "sock_recv_into"))]
    fn read<'a>(&'a mut self, buf: &'a mut [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        poll_fn(move |cx| Pin::new(&mut *self).poll_read(cx, buf))
    }

    /// Fills `buf` exactly.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::UnexpectedEof`] if the stream ends first.
    fn read_exact<'a>(
        &'a mut self,
        buf: &'a mut [u8],
    ) -> impl Future<Output = io::Result<()>> + 'a {
        async move {
            let mut filled = 0;
            while filled < buf.len() {
                let n = self.read(&mut buf[filled..]).await?;
                if n == 0 {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("stream ended after {filled} of {} bytes", buf.len()),
                    ));
                }
                filled += n;
            }
            Ok(())
        }
    }

    /// Reads until end of stream, appending to `out`; returns how many bytes were read.
    fn read_to_end<'a>(
        &'a mut self,
        out: &'a mut Vec<u8>,
    ) -> impl Future<Output = io::Result<usize>> + 'a {
        async move {
            let start = out.len();
            let mut chunk = [0u8; 4096];
            loop {
                let n = self.read(&mut chunk).await?;
                if n == 0 {
                    return Ok(out.len() - start);
                }
                out.extend_from_slice(&chunk[..n]);
            }
        }
    }
}

impl<R: AsyncRead + Unpin + ?Sized> AsyncReadExt for R {}

/// `write`, `write_all`, `flush`, `close` for every [`AsyncWrite`].
pub trait AsyncWriteExt: AsyncWrite + Unpin {
    /// Writes some of `buf`; returns how much.
    fn write<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<usize>> + 'a {
        poll_fn(move |cx| Pin::new(&mut *self).poll_write(cx, buf))
    }

    /// Writes all of `buf`.
    ///
    /// # Errors
    ///
    /// [`io::ErrorKind::WriteZero`] if the stream stops accepting data.
    #[doc(alias = "sock_sendall")]
    fn write_all<'a>(&'a mut self, buf: &'a [u8]) -> impl Future<Output = io::Result<()>> + 'a {
        async move {
            let mut written = 0;
            while written < buf.len() {
                let n = self.write(&buf[written..]).await?;
                if n == 0 {
                    return Err(io::ErrorKind::WriteZero.into());
                }
                written += n;
            }
            Ok(())
        }
    }

    /// Flushes.
    fn flush(&mut self) -> impl Future<Output = io::Result<()>> + '_ {
        poll_fn(move |cx| Pin::new(&mut *self).poll_flush(cx))
    }

    /// Closes the writing side.
    fn close(&mut self) -> impl Future<Output = io::Result<()>> + '_ {
        poll_fn(move |cx| Pin::new(&mut *self).poll_close(cx))
    }
}

impl<W: AsyncWrite + Unpin + ?Sized> AsyncWriteExt for W {}
