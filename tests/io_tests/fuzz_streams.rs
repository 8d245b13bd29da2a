//! The streams API under random input (issue 28, point 5): a `StreamReader` is fed random
//! bytes in random chunks (some after a pending read) and answers a random sequence of
//! `readuntil`, `readexactly`, `readline` and `read`; every answer, error and `at_eof` must
//! be what a small reference model of asyncio's `StreamReader` gives. A stable-toolchain fuzz
//! target: CI runs 500 cases, `scripts/fuzz` many more. The cost of hostile input (10x the
//! input may cost about 10x, not 100x) is checked in `tests/fuzz_cost.rs`.
//!
//! The model's rules, from CPython's `Lib/asyncio/streams.py`:
//! - A read takes a chunk from the source only when its buffer cannot answer.
//! - `readuntil(sep)`: an empty `sep` is an error that reads nothing. Otherwise it searches
//!   as chunks arrive. If `sep` starts more than `limit` bytes in ("found, but chunk is longer
//!   than limit", `consumed` = where it starts), or the bytes searched without finding it put
//!   its earliest possible start past `limit` ("not found, and chunk exceed the limit",
//!   `consumed` = that start), the answer is `LimitOverrun` and the data stays buffered.
//!   At the end of stream without `sep`: `IncompleteRead` with everything, buffer emptied.
//! - `readexactly(n)`: `n` bytes, or `IncompleteRead` with everything at the end of stream.
//! - `readline()`: `readuntil(b"\n")`, but the end of stream gives what is left, and after a
//!   `LimitOverrun` the line (with its `\n`, if found) or else the whole buffer is dropped.
//! - `read(Some(0))` is empty at once; `read(Some(n))` takes a chunk only if the buffer is
//!   empty, then up to `n` bytes; `read(None)` everything until the end of stream.
#![cfg(feature = "net")]

use crate::util;

use std::collections::VecDeque;
use std::future::Future;

use evloop::streams::{DEFAULT_LIMIT, StreamReader};
use evloop::{EventLoop, StreamError};
use proptest::prelude::*;
use util::chunks::Chunks;

/// The most a reader takes from its source in one read (its fill buffer, 16 KiB); chunks
/// here are smaller, so each read takes exactly one.
const READ_SIZE: usize = 16 * 1024;

/// One call on the reader.
#[derive(Debug, Clone)]
enum Op {
    ReadUntil(Vec<u8>),
    ReadExactly(usize),
    ReadLine,
    Read(Option<usize>),
}

/// What a call gave, comparable.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Data(Vec<u8>),
    Incomplete {
        partial: Vec<u8>,
        expected: Option<usize>,
    },
    Overrun {
        consumed: usize,
    },
    EmptySeparator,
    Io(String),
}

impl From<Result<Vec<u8>, StreamError>> for Outcome {
    fn from(r: Result<Vec<u8>, StreamError>) -> Outcome {
        match r {
            Ok(data) => Outcome::Data(data),
            Err(StreamError::IncompleteRead { partial, expected }) => {
                Outcome::Incomplete { partial, expected }
            }
            Err(StreamError::LimitOverrun { consumed }) => Outcome::Overrun { consumed },
            Err(StreamError::EmptySeparator) => Outcome::EmptySeparator,
            Err(StreamError::Io(e)) => Outcome::Io(e.to_string()),
        }
    }
}

/// The reference: asyncio's rules over a plain buffer and the chunks not yet taken.
struct Model {
    chunks: VecDeque<Vec<u8>>,
    buf: Vec<u8>,
    eof: bool,
    limit: usize,
}

impl Model {
    /// Takes the next chunk into the buffer; false at the end of stream.
    fn pull(&mut self) -> bool {
        match self.chunks.pop_front() {
            Some(chunk) => {
                self.buf.extend_from_slice(&chunk);
                true
            }
            None => {
                self.eof = true;
                false
            }
        }
    }

    fn take(&mut self, n: usize) -> Vec<u8> {
        self.buf.drain(..n).collect()
    }

    fn readuntil(&mut self, sep: &[u8]) -> Outcome {
        if sep.is_empty() {
            return Outcome::EmptySeparator;
        }
        loop {
            if let Some(at) = self.buf.windows(sep.len()).position(|w| w == sep) {
                if at > self.limit {
                    return Outcome::Overrun { consumed: at };
                }
                return Outcome::Data(self.take(at + sep.len()));
            }
            let earliest = (self.buf.len() + 1).saturating_sub(sep.len());
            if earliest > self.limit {
                return Outcome::Overrun { consumed: earliest };
            }
            if !self.pull() {
                let partial = self.take(self.buf.len());
                return Outcome::Incomplete {
                    partial,
                    expected: None,
                };
            }
        }
    }

    fn apply(&mut self, op: &Op) -> Outcome {
        match *op {
            Op::ReadUntil(ref sep) => self.readuntil(sep),
            Op::ReadExactly(n) => {
                while self.buf.len() < n {
                    if !self.pull() {
                        let partial = self.take(self.buf.len());
                        return Outcome::Incomplete {
                            partial,
                            expected: Some(n),
                        };
                    }
                }
                Outcome::Data(self.take(n))
            }
            Op::ReadLine => match self.readuntil(b"\n") {
                Outcome::Incomplete { partial, .. } => Outcome::Data(partial),
                Outcome::Overrun { consumed } => {
                    if self.buf[consumed..].starts_with(b"\n") {
                        self.buf.drain(..=consumed);
                    } else {
                        self.buf.clear();
                    }
                    Outcome::Overrun { consumed }
                }
                other => other,
            },
            Op::Read(Some(0)) => Outcome::Data(Vec::new()),
            Op::Read(Some(n)) => {
                if self.buf.is_empty() {
                    self.pull();
                }
                Outcome::Data(self.take(n.min(self.buf.len())))
            }
            Op::Read(None) => {
                while self.pull() {}
                Outcome::Data(self.take(self.buf.len()))
            }
        }
    }

    fn at_eof(&self) -> bool {
        self.eof && self.buf.is_empty()
    }
}

thread_local! {
    /// One loop per test thread, reused by every case.
    static LOOP: EventLoop = EventLoop::new().unwrap();
}

fn on_loop<T: 'static>(fut: impl Future<Output = T> + 'static) -> T {
    LOOP.with(|ev| ev.run_until_complete(fut).unwrap())
}

/// Runs `ops` on a reader fed `data` in chunks of `sizes` (pausing as `pauses` says), with
/// `limit`; gives each call's outcome and `at_eof()` after it.
fn on_reader(
    data: Vec<u8>,
    sizes: Vec<usize>,
    pauses: Vec<bool>,
    limit: usize,
    ops: Vec<Op>,
) -> Vec<(Outcome, bool)> {
    on_loop(async move {
        let mut r = StreamReader::from_reader(Chunks::with_pauses(data, sizes, pauses));
        r.set_limit(limit);
        let mut out = Vec::new();
        for op in ops {
            let outcome = match op {
                Op::ReadUntil(sep) => r.readuntil(&sep).await,
                Op::ReadExactly(n) => r.readexactly(n).await,
                Op::ReadLine => r.readline().await,
                Op::Read(n) => r.read(n).await,
            };
            out.push((Outcome::from(outcome), r.at_eof()));
        }
        out
    })
}

/// The same on the model.
fn on_model(data: &[u8], sizes: &[usize], limit: usize, ops: &[Op]) -> Vec<(Outcome, bool)> {
    let mut m = Model {
        chunks: Chunks::split(data, sizes, READ_SIZE).into(),
        buf: Vec::new(),
        eof: false,
        limit,
    };
    ops.iter().map(|op| (m.apply(op), m.at_eof())).collect()
}

const ALPHABET: &[u8] = b"ab\n|";

/// Mostly a small alphabet, so that separators occur; now and then any byte.
fn byte() -> impl Strategy<Value = u8> {
    prop_oneof![8 => prop::sample::select(ALPHABET), 1 => any::<u8>()]
}

/// Separators: empty, one byte, several bytes (which straddle chunk boundaries), and ones
/// that never occur (`Z` is not in the alphabet; a stray byte rarely is).
fn separator() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => Just(Vec::new()),
        4 => prop::collection::vec(prop::sample::select(ALPHABET), 1..=1),
        4 => prop::collection::vec(prop::sample::select(ALPHABET), 2..=4),
        1 => Just(b"Z".to_vec()),
        1 => prop::collection::vec(prop::sample::select(ALPHABET), 1..=3)
            .prop_map(|mut s| { s.push(b'Z'); s }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => separator().prop_map(Op::ReadUntil),
        3 => (0usize..=80).prop_map(Op::ReadExactly),
        1 => (0usize..=400).prop_map(Op::ReadExactly),
        3 => Just(Op::ReadLine),
        2 => (0usize..=40).prop_map(|n| Op::Read(Some(n))),
        1 => Just(Op::Read(None)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(util::cases(500)))]

    /// The fuzz target for the streams API: any data, chunking, limit and calls give exactly
    /// the model's answers, and never a panic.
    #[test]
    fn reader_answers_as_the_asyncio_model(
        data in prop::collection::vec(byte(), 0..300),
        sizes in prop::collection::vec(1usize..=48, 1..8),
        pauses in prop::collection::vec(any::<bool>(), 0..4),
        limit in prop_oneof![4 => 1usize..=64, 1 => Just(DEFAULT_LIMIT)],
        ops in prop::collection::vec(op(), 0..24),
    ) {
        let want = on_model(&data, &sizes, limit, &ops);
        let got = on_reader(data, sizes, pauses, limit, ops);
        prop_assert_eq!(got, want);
    }
}

/// A chunk larger than the reader's fill buffer arrives over several reads, and a separator
/// straddling the cut is still found.
#[test]
fn a_chunk_larger_than_a_read_arrives_in_pieces() {
    let mut data = vec![b'x'; READ_SIZE - 1];
    data.extend_from_slice(b"\r\n tail");
    let out = on_reader(
        data.clone(),
        vec![data.len()],
        Vec::new(),
        DEFAULT_LIMIT,
        vec![Op::ReadUntil(b"\r\n".to_vec()), Op::Read(None)],
    );
    assert_eq!(out[0].0, Outcome::Data(data[..READ_SIZE + 1].to_vec()));
    assert_eq!(out[1], (Outcome::Data(b" tail".to_vec()), true));
}

// ---- The rules by example, each once with the Python it mirrors ----

/// A separator past the limit is refused whether the line arrives in one chunk or a byte at
/// a time (before, one chunk gave the overlong line), and the data stays. Mirrors:
///
/// ```python
/// reader = asyncio.StreamReader(limit=5)
/// reader.feed_data(b"0123456789\nrest"); reader.feed_eof()
/// try:
///     await reader.readuntil(b"\n")
/// except asyncio.LimitOverrunError as e:
///     print(e.consumed)             # 10
/// print(await reader.read())        # b'0123456789\nrest'
/// ```
#[test]
fn a_separator_past_the_limit_is_refused_however_the_data_arrives() {
    let data = b"0123456789\nrest".to_vec();
    let ops = vec![Op::ReadUntil(b"\n".to_vec()), Op::Read(None)];
    let whole = on_reader(data.clone(), vec![data.len()], Vec::new(), 5, ops.clone());
    assert_eq!(whole[0].0, Outcome::Overrun { consumed: 10 });
    assert_eq!(whole[1].0, Outcome::Data(data.clone()));
    // A byte at a time, the search gives up once the separator could only start past 5.
    let bytes = on_reader(data.clone(), vec![1], Vec::new(), 5, ops);
    assert_eq!(bytes[0].0, Outcome::Overrun { consumed: 6 });
    assert_eq!(bytes[1].0, Outcome::Data(data));
}

/// `readline` drops an overlong line, so a loop that skips such lines goes on (before, the
/// line stayed and every later `readline` failed the same way). Mirrors:
///
/// ```python
/// reader = asyncio.StreamReader(limit=5)
/// reader.feed_data(b"0123456789\nok\n"); reader.feed_eof()
/// try:
///     await reader.readline()
/// except ValueError as e:
///     print(e)                      # Separator is found, but chunk is longer than limit
/// print(await reader.readline())    # b'ok\n'
/// ```
#[test]
fn readline_drops_an_overlong_line() {
    let data = b"0123456789\nok\n".to_vec();
    let out = on_reader(
        data.clone(),
        vec![data.len()],
        Vec::new(),
        5,
        vec![Op::ReadLine, Op::ReadLine],
    );
    assert_eq!(out[0].0, Outcome::Overrun { consumed: 10 });
    assert_eq!(out[1], (Outcome::Data(b"ok\n".to_vec()), false));
}

/// `read(Some(0))` answers at once: it must not wait for data that may never come (before,
/// with nothing buffered it waited for the next chunk). Mirrors `await reader.read(0)`,
/// which is `b''` at once.
#[test]
fn read_of_zero_bytes_does_not_wait() {
    struct NeverRead;
    impl evloop::io::AsyncRead for NeverRead {
        fn poll_read(
            self: std::pin::Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
            _buf: &mut [u8],
        ) -> std::task::Poll<std::io::Result<usize>> {
            panic!("read(Some(0)) read from its source");
        }
    }
    let got = on_loop(async {
        let mut r = StreamReader::from_reader(NeverRead);
        r.read(Some(0)).await.unwrap()
    });
    assert!(got.is_empty());
}
