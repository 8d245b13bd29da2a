//! The byte buffer of a reader and of a writer: appended at the back, taken from the front.
//!
//! Taking from the front of a `Vec` moves everything behind it, so a reader answering many
//! small reads from a large buffer, or a writer sending a large buffer a socket's worth at a
//! time, would cost O(n²) for n bytes (issue 28: 37.5 s to send 256 MiB over loopback,
//! against asyncio's 0.9 s). Here what was taken is only counted, and dropped when it is the
//! larger half of the buffer: each byte is moved at most once per halving, so n bytes cost
//! O(n) in all, and the dead prefix never takes more memory than the bytes still queued.

/// Bytes waiting, oldest first.
#[derive(Default)]
pub(crate) struct ByteQueue {
    /// The bytes; those from `start` on are still queued.
    buf: Vec<u8>,
    /// How many bytes at the front of `buf` were taken already; at most half of `buf`,
    /// except that a buffer taken to the end is cleared instead.
    start: usize,
}

impl ByteQueue {
    /// The queued bytes.
    pub(crate) fn as_slice(&self) -> &[u8] {
        &self.buf[self.start..]
    }

    /// How many bytes are queued.
    pub(crate) fn len(&self) -> usize {
        self.buf.len() - self.start
    }

    /// True when nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Queues `data` at the back.
    pub(crate) fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// Drops the `n` oldest bytes (`n` at most [`len`](Self::len)).
    pub(crate) fn consume(&mut self, n: usize) {
        debug_assert!(n <= self.len());
        self.start += n;
        if self.start == self.buf.len() {
            self.clear();
        } else if self.start > self.buf.len() / 2 {
            // What is left is the smaller half: moving it is paid for by what was taken.
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// Takes the `n` oldest bytes (`n` at most [`len`](Self::len)).
    pub(crate) fn take(&mut self, n: usize) -> Vec<u8> {
        if n == self.len() {
            return self.take_all();
        }
        let out = self.as_slice()[..n].to_vec();
        self.consume(n);
        out
    }

    /// Takes everything queued (without a copy when nothing was taken before).
    pub(crate) fn take_all(&mut self) -> Vec<u8> {
        let mut all = std::mem::take(&mut self.buf);
        all.drain(..std::mem::take(&mut self.start));
        all
    }

    /// Drops everything queued.
    pub(crate) fn clear(&mut self) {
        self.buf.clear();
        self.start = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::ByteQueue;

    /// Sending a large buffer a socket-sized chunk at a time moves each byte at most once
    /// more (issue 28: draining the front after every write was quadratic).
    #[test]
    fn taking_a_buffer_in_chunks_moves_each_byte_at_most_once() {
        let total = 64 << 20;
        let chunk = 64 << 10;
        let mut q = ByteQueue::default();
        q.push(&vec![7; total]);
        let mut moved = 0;
        while !q.is_empty() {
            let n = q.len().min(chunk);
            let before = q.start;
            q.consume(n);
            if q.start == 0 && before + n != 0 {
                moved += q.buf.len(); // what the compaction kept, moved to the front
            }
        }
        assert!(moved <= total, "moved {moved} bytes to send {total}");
        assert!(q.buf.is_empty() && q.start == 0);
    }

    #[test]
    fn takes_come_out_in_order_and_the_dead_prefix_stays_the_smaller_half() {
        let mut q = ByteQueue::default();
        q.push(b"0123456789");
        assert_eq!(q.take(3), b"012");
        assert_eq!((q.start, q.as_slice()), (3, &b"3456789"[..]));
        assert_eq!(q.take(3), b"345");
        assert_eq!(q.start, 0, "6 of 10 taken: the rest moved to the front");
        q.push(b"ab");
        assert_eq!(q.take_all(), b"6789ab");
        assert!(q.is_empty());
        q.push(b"xyz");
        q.consume(1);
        assert_eq!(q.take(2), b"yz");
        assert_eq!((q.buf.len(), q.start), (0, 0), "taken to the end: cleared");
    }
}
