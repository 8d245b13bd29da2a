//! What watching the loop costs: the same workloads with the loop plain, in debug mode, and
//! recording a timeline, in one run.
//!
//! Run with `cargo bench --bench observe`. The `plain` function is the baseline; `debug` and
//! `recording` are the ratios to read. (Whether the *off* path costs anything compared with a
//! build without these features is a before/after comparison of `benches/core.rs`; see
//! `docs/performance.md`.)

mod common;

use std::cell::Cell;
use std::rc::Rc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CALLBACKS: usize = 100_000;
const YIELDS: usize = 100_000;

/// The three ways to run a loop, each a fresh loop set up for it.
fn modes() -> [(&'static str, evloop::EventLoop); 3] {
    let plain = common::evloop();
    let debug = common::evloop();
    debug.set_debug(true);
    let recording = common::evloop();
    recording.start_recording();
    [("plain", plain), ("debug", debug), ("recording", recording)]
}

/// 100,000 `call_soon` callbacks run in one turn.
fn call_soon(c: &mut Criterion) {
    let mut g = c.benchmark_group("observe_call_soon");
    g.throughput(Throughput::Elements(CALLBACKS as u64));
    for (name, ev) in modes() {
        g.bench_function(name, |b| {
            b.iter(|| {
                if name == "recording" {
                    ev.start_recording(); // start over: keep the recording one batch long
                }
                let count = Rc::new(Cell::new(0usize));
                for _ in 0..CALLBACKS {
                    let c = count.clone();
                    ev.call_soon(move || c.set(c.get() + 1)).unwrap();
                }
                ev.stop();
                ev.run_forever().unwrap();
                assert_eq!(count.get(), CALLBACKS);
            })
        });
    }
    g.finish();
}

/// One task yielding 100,000 times: a task step per turn.
fn yield_one(c: &mut Criterion) {
    let mut g = c.benchmark_group("observe_yield_one");
    g.throughput(Throughput::Elements(YIELDS as u64));
    for (name, ev) in modes() {
        g.bench_function(name, |b| {
            b.iter(|| {
                if name == "recording" {
                    ev.start_recording();
                }
                ev.run_until_complete(async {
                    for _ in 0..YIELDS {
                        evloop::yield_now().await;
                    }
                })
                .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = call_soon, yield_one
}
criterion_main!(benches);
