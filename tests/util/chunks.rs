//! A byte source that hands out data in chosen chunks, for `StreamReader::from_reader`.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use evloop::io::AsyncRead;

/// Gives `data` one chunk per read, chunk `i` being `sizes[i % sizes.len()]` bytes (cut
/// short by the end of the data or by a smaller read buffer), then the end of stream. Before
/// chunk `i` it first answers `Pending` once, waking itself, if `pauses[i % pauses.len()]`.
/// Nothing is allocated per read.
pub struct Chunks {
    /// Everything the source will give.
    data: Vec<u8>,
    /// How much of `data` was given.
    at: usize,
    /// Chunk sizes, cycled; each at least 1.
    sizes: Vec<usize>,
    /// Whether to pause before a chunk, cycled; empty for never.
    pauses: Vec<bool>,
    /// The number of the next chunk.
    chunk: usize,
    /// The pause before the next chunk was taken.
    paused: bool,
}

impl Chunks {
    /// `data` in chunks of `sizes`, cycled.
    pub fn new(data: Vec<u8>, sizes: Vec<usize>) -> Chunks {
        Chunks::with_pauses(data, sizes, Vec::new())
    }

    /// As [`new`](Chunks::new), pausing before the chunks `pauses` says.
    pub fn with_pauses(data: Vec<u8>, sizes: Vec<usize>, pauses: Vec<bool>) -> Chunks {
        assert!(!sizes.is_empty() && sizes.iter().all(|&s| s > 0));
        Chunks {
            data,
            at: 0,
            sizes,
            pauses,
            chunk: 0,
            paused: false,
        }
    }

    /// The chunks a reader reading at most `max` bytes at a time gets from `data`.
    pub fn split(data: &[u8], sizes: &[usize], max: usize) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let mut at = 0;
        while at < data.len() {
            let n = sizes[out.len() % sizes.len()].min(data.len() - at).min(max);
            out.push(data[at..at + n].to_vec());
            at += n;
        }
        out
    }
}

impl AsyncRead for Chunks {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.at == this.data.len() {
            return Poll::Ready(Ok(0));
        }
        if !this.paused && !this.pauses.is_empty() && this.pauses[this.chunk % this.pauses.len()] {
            this.paused = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let n = this.sizes[this.chunk % this.sizes.len()]
            .min(this.data.len() - this.at)
            .min(buf.len());
        buf[..n].copy_from_slice(&this.data[this.at..this.at + n]);
        this.at += n;
        this.chunk += 1;
        this.paused = false;
        Poll::Ready(Ok(n))
    }
}
