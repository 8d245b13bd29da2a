//! Stream reads that learn whether they drained the socket.
//!
//! mio's readiness is edge-triggered, so a read that *fills* the caller's buffer cannot tell
//! whether the socket holds more: the next read has to try. In a request/response exchange
//! (read a 64-byte message, answer it, read the next) that try nearly always finds nothing
//! and costs a system call that returns `EAGAIN`, once per message on each side. A read that
//! comes back *short* has emptied the socket's receive queue, so its readiness can be cleared
//! at once (tokio does the same): the next read waits for an event without a system call, and
//! data that arrives later raises a new event, so no wake-up is lost. The one exception is
//! the peer's end of the stream (or an error): it may already sit behind the bytes just read,
//! and its one event was already seen, so once reported it keeps the socket readable.
//!
//! To make small reads come back short, a read of at most [`SMALL_READ`] bytes reads into
//! the loop's scratch buffer ([`SCRATCH`] bytes, one per loop) instead, and copies out what
//! the caller asked for. Unless more than the scratch holds was waiting, the read is short.
//! What is left in the scratch moves to the stream's *spill* and is handed out, in order,
//! before the next system call, the way a `BufReader` would (asyncio's transports read up to
//! 256 KiB per call and buffer it in the `StreamReader` too). The spill is one pointer in
//! the stream, allocated only while it holds bytes: a stream that never receives more than
//! it asks for never allocates one. Larger reads go straight to the caller's buffer, with
//! the same short-read rule. (Reading into the caller's buffer and the scratch with one
//! `readv` would save the copy, but on Linux a two-buffer `readv` costs more than a `recv`
//! plus the copy of a small read; `docs/performance.md` has the figures.)

use std::cell::Cell;
use std::io::{self, Read};
use std::task::{Context, Poll};

use super::registration::{Direction, Registration};

/// Bytes of the loop's scratch buffer.
pub(crate) const SCRATCH: usize = 16 * 1024;

/// The largest read that goes through the scratch buffer; larger ones go straight to the
/// caller's buffer.
pub(crate) const SMALL_READ: usize = 1024;

/// A stream's read side: the bytes read ahead of the caller, not yet handed out. One
/// pointer; the spill is allocated only while it holds bytes.
#[derive(Default)]
pub(crate) struct ReadAhead {
    spill: Cell<Option<Box<Spill>>>,
}

/// Bytes read past what a read asked for; `bytes[at..]` are still to hand out.
struct Spill {
    bytes: Vec<u8>,
    at: usize,
}

impl ReadAhead {
    /// Reads into `buf` from `source` (registered as `reg`): first from the spill, else from
    /// the socket once it is readable, clearing its readiness when the read drained it.
    pub(crate) fn poll_read<S>(
        &self,
        reg: &Registration,
        source: &S,
        cx: &Context<'_>,
        buf: &mut [u8],
    ) -> Poll<io::Result<usize>>
    where
        for<'a> &'a S: Read,
    {
        if buf.is_empty() {
            return Poll::Ready(Ok(0));
        }
        let n = self.take(buf);
        if n > 0 {
            return Poll::Ready(Ok(n));
        }
        reg.poll_io(cx, Direction::Read, || {
            let (n, drained) = if buf.len() > SMALL_READ {
                let n = (&mut &*source).read(buf)?;
                (n, n < buf.len())
            } else {
                reg.with_scratch(|scratch| self.read_from(&mut &*source, buf, scratch))?
            };
            if drained && n > 0 {
                // `n == 0` is the end of the stream, which stays readable.
                reg.drained();
            }
            Ok(n)
        })
    }

    /// One read into `scratch`, copied out into `buf` (at most as long as `scratch`): how
    /// much went to `buf`, and whether the read came back short (the source had no more).
    /// What did not fit in `buf` is kept in the spill.
    fn read_from(
        &self,
        source: &mut impl Read,
        buf: &mut [u8],
        scratch: &mut [u8],
    ) -> io::Result<(usize, bool)> {
        let n = source.read(scratch)?;
        let given = n.min(buf.len());
        buf[..given].copy_from_slice(&scratch[..given]);
        if n > given {
            let old = self.spill.replace(Some(Box::new(Spill {
                bytes: scratch[given..n].to_vec(),
                at: 0,
            })));
            debug_assert!(old.is_none(), "read while the spill held bytes");
        }
        Ok((given, n < scratch.len()))
    }

    /// Whether bytes read ahead wait to be handed out.
    pub(crate) fn holds_bytes(&self) -> bool {
        let spill = self.spill.take();
        let holds = spill.is_some();
        self.spill.set(spill);
        holds
    }

    /// Hands out spilled bytes into `buf`; 0 when there are none.
    fn take(&self, buf: &mut [u8]) -> usize {
        let Some(mut spill) = self.spill.take() else {
            return 0;
        };
        let n = buf.len().min(spill.bytes.len() - spill.at);
        buf[..n].copy_from_slice(&spill.bytes[spill.at..spill.at + n]);
        spill.at += n;
        if spill.at < spill.bytes.len() {
            self.spill.set(Some(spill));
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that hands out `data` and counts its calls.
    struct Source {
        data: Vec<u8>,
        calls: usize,
    }

    impl Read for Source {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.calls += 1;
            let n = buf.len().min(self.data.len());
            buf[..n].copy_from_slice(&self.data[..n]);
            self.data.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn a_read_of_exactly_what_was_waiting_knows_the_source_is_drained() {
        let ahead = ReadAhead::default();
        let mut src = Source {
            data: vec![7; 64],
            calls: 0,
        };
        let mut buf = [0; 64];
        let mut scratch = [0; 128];
        let (n, drained) = ahead.read_from(&mut src, &mut buf, &mut scratch).unwrap();
        assert_eq!((n, drained, src.calls), (64, true, 1));
        let spill = ahead.spill.take();
        assert!(spill.is_none(), "no spill allocated");
    }

    #[test]
    fn bytes_past_the_buffer_are_handed_out_in_order_before_the_next_read() {
        let ahead = ReadAhead::default();
        let mut src = Source {
            data: (0..100).collect(),
            calls: 0,
        };
        let mut buf = [0; 10];
        let mut scratch = [0; 32];
        let (n, drained) = ahead.read_from(&mut src, &mut buf, &mut scratch).unwrap();
        assert_eq!((n, drained), (10, false), "32 read, 100 waiting");
        let mut seen: Vec<u8> = buf.to_vec();
        loop {
            let n = ahead.take(&mut buf);
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
        }
        assert_eq!(seen, (0..32).collect::<Vec<u8>>());
        let spill = ahead.spill.take();
        assert!(spill.is_none(), "the spill is freed once handed out");
        let (n, drained) = ahead.read_from(&mut src, &mut buf, &mut scratch).unwrap();
        assert_eq!((n, drained, buf[0]), (10, false, 32));
        assert_eq!(src.calls, 2);
    }

    #[test]
    fn the_end_of_the_stream_reads_zero_and_is_short() {
        let ahead = ReadAhead::default();
        let mut src = Source {
            data: Vec::new(),
            calls: 0,
        };
        let (n, drained) = ahead.read_from(&mut src, &mut [0; 8], &mut [0; 8]).unwrap();
        assert_eq!(
            (n, drained),
            (0, true),
            "poll_read keeps readiness when n == 0"
        );
    }
}
