//! Bounded cost under hostile input (issue 28, point 5): for each fuzz target (the streams
//! reader, graph JSON, `property.json`, property values), an input of a hostile shape made
//! ten times larger may cost about ten times as much, not a hundred.
//!
//! These are complexity checks, not speed checks (speed is measured in benches): each
//! compares an input with the same input ten times larger, on the same machine, in the
//! same run, and bounds the *ratio*. An O(n) cost gives about 10, an O(n²) one about 100:
//! - **Memory** is counted, so it is exact and the bound is tight. The bytes allocated and
//!   the peak of live bytes may grow 20x: a doubling buffer holds between its length and
//!   twice it, so a 10x input may land on 2x the capacity ratio.
//! - **Time** is the least of several runs (the least is the one the machine did not
//!   disturb), and may grow 25x: a 2-core machine running other tests and a larger input
//!   falling out of a cache level each cost some, a quadratic cost is still far beyond.
//!
//! The small sizes are large enough that fixed costs (a loop turn, the first allocation)
//! do not hide the growth. Counting needs a global allocator, which is `unsafe` to
//! implement: it only forwards to the system allocator, as in `tests/cancel_alloc.rs`.
#![cfg(feature = "net")]
#![allow(unsafe_code)]

mod util;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::{Duration, Instant};

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    /// Bytes asked for while counting (a reallocation counts its new size).
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
    /// Bytes allocated minus bytes freed while counting; below zero when older blocks go.
    static LIVE: Cell<isize> = const { Cell::new(0) };
    /// The most `LIVE` reached.
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn counting() -> bool {
    COUNTING.try_with(Cell::get).unwrap_or(false)
}

fn count(asked: usize, live_change: isize) {
    ALLOCATED.with(|a| a.set(a.get() + asked));
    let live = LIVE.with(|l| {
        l.set(l.get() + live_change);
        l.get()
    });
    PEAK.with(|p| p.set(p.get().max(live)));
}

// SAFETY: forwards to the system allocator; only counts on the current thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if counting() {
            count(layout.size(), layout.size() as isize);
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if counting() {
            count(0, -(layout.size() as isize));
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if counting() {
            count(new_size, new_size as isize - layout.size() as isize);
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// What one run of a workload cost.
#[derive(Debug, Clone, Copy)]
struct Cost {
    /// Bytes allocated.
    allocated: usize,
    /// The most bytes live at once (beyond those live before).
    peak: usize,
    /// Time taken.
    time: Duration,
}

/// How many times each workload runs; the least cost of the runs counts.
const RUNS: usize = 5;

/// Counts what this thread allocates, and the time, from `start` to `stop`.
struct Meter(Instant);

impl Meter {
    fn start() -> Meter {
        ALLOCATED.with(|a| a.set(0));
        LIVE.with(|l| l.set(0));
        PEAK.with(|p| p.set(0));
        COUNTING.with(|c| c.set(true));
        Meter(Instant::now())
    }

    fn stop(self) -> Cost {
        let time = self.0.elapsed();
        COUNTING.with(|c| c.set(false));
        Cost {
            allocated: ALLOCATED.with(Cell::get),
            peak: PEAK.with(Cell::get).max(0) as usize,
            time,
        }
    }
}

/// Held by each test of this file while it runs, so that they do not time each other.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The least cost of `RUNS` runs of `run`, which measures one run.
fn least(mut run: impl FnMut() -> Cost) -> Cost {
    (0..RUNS).map(|_| run()).fold(
        Cost {
            allocated: usize::MAX,
            peak: usize::MAX,
            time: Duration::MAX,
        },
        |a, b| Cost {
            allocated: a.allocated.min(b.allocated),
            peak: a.peak.min(b.peak),
            time: a.time.min(b.time),
        },
    )
}

/// The bound on the growth of counted memory for a 10x input (see the module docs).
const MEMORY_RATIO: f64 = 20.0;
/// The bound on the growth of time for a 10x input (see the module docs).
const TIME_RATIO: f64 = 25.0;

/// Asserts that `big`, for an input `size_ratio` times `small`'s (about 10), cost at most
/// the bounds above, scaled by `size_ratio / 10`. Prints the ratios.
fn assert_linear(what: &str, size_ratio: f64, small: Cost, big: Cost) {
    let ratio = |b: f64, s: f64| b / s.max(1.0);
    let allocated = ratio(big.allocated as f64, small.allocated as f64);
    let peak = ratio(big.peak as f64, small.peak as f64);
    let time = ratio(big.time.as_nanos() as f64, small.time.as_nanos() as f64);
    eprintln!(
        "{what}: input x{size_ratio:.1}: allocated x{allocated:.1}, peak x{peak:.1}, time x{time:.1} \
         ({:?} -> {:?})",
        small.time, big.time
    );
    let scale = size_ratio / 10.0;
    assert!(
        allocated <= MEMORY_RATIO * scale,
        "{what}: bytes allocated grew x{allocated:.1} for input x{size_ratio:.1}: {small:?} -> {big:?}"
    );
    assert!(
        peak <= MEMORY_RATIO * scale,
        "{what}: peak memory grew x{peak:.1} for input x{size_ratio:.1}: {small:?} -> {big:?}"
    );
    assert!(
        time <= TIME_RATIO * scale,
        "{what}: time grew x{time:.1} for input x{size_ratio:.1}: {small:?} -> {big:?}"
    );
}

// ---- The streams reader ----

mod streams {
    use super::*;

    use evloop::EventLoop;
    use evloop::streams::StreamReader;
    use util::chunks::Chunks;

    /// One step of a workload: a call repeated `times` times.
    #[derive(Clone, Copy)]
    enum Step {
        ReadUntil(&'static [u8], usize),
        ReadExactly(usize, usize),
        ReadLine(usize),
        Read(usize, usize),
    }

    /// A hostile input for the reader at scale `n`: the data, its chunk size, the limit,
    /// and the calls.
    struct Shape {
        data: Vec<u8>,
        chunk: usize,
        limit: usize,
        steps: Vec<Step>,
    }

    thread_local! {
        static LOOP: EventLoop = EventLoop::new().unwrap();
    }

    /// Runs the shape's calls on a fresh reader and measures them (not the set-up); gives
    /// the cost and how many bytes the calls handed out.
    fn run(shape: &Shape) -> (Cost, usize) {
        let source = Chunks::new(shape.data.clone(), vec![shape.chunk]);
        let (limit, steps) = (shape.limit, shape.steps.clone());
        LOOP.with(|ev| {
            ev.run_until_complete(async move {
                let mut r = StreamReader::from_reader(source);
                r.set_limit(limit);
                let mut handed_out = 0;
                let meter = Meter::start();
                for step in steps {
                    let times = match step {
                        Step::ReadUntil(_, t)
                        | Step::ReadExactly(_, t)
                        | Step::ReadLine(t)
                        | Step::Read(_, t) => t,
                    };
                    for _ in 0..times {
                        let got = match step {
                            Step::ReadUntil(sep, _) => r.readuntil(sep).await,
                            Step::ReadExactly(n, _) => r.readexactly(n).await,
                            Step::ReadLine(_) => r.readline().await,
                            Step::Read(n, _) => r.read(Some(n)).await,
                        };
                        handed_out += got.map_or(0, |d| d.len());
                    }
                }
                (meter.stop(), handed_out)
            })
            .unwrap()
        })
    }

    fn check(what: &str, shape: impl Fn(usize) -> (Shape, usize), n: usize) {
        let (small, small_out) = shape(n);
        let (big, big_out) = shape(10 * n);
        let cost = |s: &Shape, want: usize| {
            least(|| {
                let (cost, out) = run(s);
                assert_eq!(out, want, "{what}: bytes handed out");
                cost
            })
        };
        let size_ratio = big.data.len() as f64 / small.data.len() as f64;
        assert_linear(
            what,
            size_ratio,
            cost(&small, small_out),
            cost(&big, big_out),
        );
    }

    #[test]
    fn reader_cost_grows_linearly() {
        let _serial = serial();
        // A separator only at the end, arriving a byte per read.
        check(
            "readuntil, separator at the end, 1-byte chunks",
            |n| {
                let mut data = vec![b'x'; n];
                data.extend_from_slice(b"\r\n");
                let len = data.len();
                let steps = vec![Step::ReadUntil(b"\r\n", 1)];
                (
                    Shape {
                        data,
                        chunk: 1,
                        limit: n + 2,
                        steps,
                    },
                    len,
                )
            },
            2_000,
        );
        // A large readexactly arriving in 3-byte reads.
        check(
            "readexactly(n), 3-byte chunks",
            |n| {
                let steps = vec![Step::ReadExactly(n, 1)];
                (
                    Shape {
                        data: vec![7; n],
                        chunk: 3,
                        limit: 1,
                        steps,
                    },
                    n,
                )
            },
            6_000,
        );
        // Many tiny lines arriving as a socket gives them, 16 KiB at a time.
        check(
            "readline of 2-byte lines, 16 KiB chunks",
            |n| {
                let steps = vec![Step::ReadLine(n / 2)];
                (
                    Shape {
                        data: b"a\n".repeat(n / 2),
                        chunk: 16 << 10,
                        limit: 1 << 16,
                        steps,
                    },
                    n,
                )
            },
            20_000,
        );
        // A line over the limit stays buffered (`LimitOverrun`); then small readuntil calls,
        // and small reads, take it apart. Taking each piece from the front of a `Vec` moved
        // the rest of the buffer: O(n²), which shows once moving the buffer outweighs the
        // rest of a call (from about 100 KiB in a debug build: x23 at 64 KiB, x90 here).
        check(
            "64-byte readuntil calls on a buffer kept by LimitOverrun",
            |n| {
                let steps = vec![Step::ReadUntil(b"\n", 1), Step::ReadUntil(b"|", n / 64)];
                let data = [[b'a'; 63].as_slice(), b"|"].concat().repeat(n / 64);
                (
                    Shape {
                        data,
                        chunk: 4096,
                        limit: n - 1,
                        steps,
                    },
                    n,
                )
            },
            256 << 10,
        );
        check(
            "64-byte reads of a buffer kept by LimitOverrun",
            |n| {
                let steps = vec![
                    Step::ReadUntil(b"\n", 1),
                    Step::Read(64, n / 128),
                    Step::ReadExactly(64, n / 128),
                ];
                (
                    Shape {
                        data: vec![b'x'; n],
                        chunk: 4096,
                        limit: n - 1,
                        steps,
                    },
                    n,
                )
            },
            256 << 10,
        );
    }
}
