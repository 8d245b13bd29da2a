//! The streams API as the ecosystem's byte streams: a [`StreamReader`] is a `futures-io`
//! `AsyncRead` and `AsyncBufRead` over its own buffer, so `lines()`, `read_line`,
//! `futures::io::copy` and codecs read from it; what they leave buffered, asyncio's
//! `readline`/`readexactly` read next, and the other way round.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use super::StreamReader;
use crate::io::{AsyncBufRead, AsyncRead};

impl AsyncBufRead for StreamReader {
    fn poll_fill_buf(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<&[u8]>> {
        let this = self.get_mut();
        if this.buf.is_empty() {
            ready!(this.poll_fill(cx))?; // at end of stream the buffer stays empty
        }
        Poll::Ready(Ok(this.buf.as_slice()))
    }

    fn consume(self: Pin<&mut Self>, amt: usize) {
        let this = self.get_mut();
        this.buf.consume(amt.min(this.buf.len()));
    }
}

impl AsyncRead for StreamReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        if out.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let available = ready!(self.as_mut().poll_fill_buf(cx))?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Poll::Ready(Ok(n))
    }
}
