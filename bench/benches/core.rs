//! The core workloads, evloop against tokio's current-thread runtime and smol's
//! `LocalExecutor` in the same run.
//!
//! Run with `cargo bench --bench core`. Each group has an `evloop`, a `tokio` and a `smol`
//! function on the same workload (`common/workloads.rs`, shared with the comparison command);
//! compare them within one run. Names follow tokio's own benches (`spawn_many_local`,
//! `yield_many`, `chained_spawn`) so results compare.

mod common;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Spawn 100,000 trivial tasks and await them all.
fn spawn_many_local(c: &mut Criterion) {
    common::bench_workload(c, "spawn_many_local", "spawn_many_local");
}

/// One task yielding 100,000 times: the cost of one turn of each loop.
fn yield_one(c: &mut Criterion) {
    common::bench_workload(c, "yield_one", "yield_one");
}

/// 100 tasks each yielding 1,000 times.
fn yield_many(c: &mut Criterion) {
    common::bench_workload(c, "yield_many", "yield_many");
}

/// A chain of 10,000 tasks, each spawning the next and awaiting it.
fn chained_spawn(c: &mut Criterion) {
    common::bench_workload(c, "chained_spawn", "chained_spawn");
}

/// 100,000 timers armed and cancelled.
fn timers_armed_cancelled(c: &mut Criterion) {
    common::bench_workload(c, "timers_armed_cancelled", "timers_armed_cancelled");
}

/// 100,000 timers armed and fired: 100,000 tasks sleeping 1 ms.
fn timers_fired(c: &mut Criterion) {
    const TIMERS: usize = 100_000;
    const MS: Duration = Duration::from_millis(1);
    let mut g = c.benchmark_group("timers_fired");
    g.throughput(Throughput::Elements(TIMERS as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                let hs: Vec<_> = (0..TIMERS)
                    .map(|_| evloop::spawn(evloop::sleep(MS)))
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
            .unwrap()
        })
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let hs: Vec<_> = (0..TIMERS)
                    .map(|_| tokio::task::spawn_local(tokio::time::sleep(MS)))
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            })
        })
    });
    let sm = common::Smol::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            sm.block_on(async {
                let hs: Vec<_> = (0..TIMERS)
                    .map(|_| sm.ex.spawn(smol::Timer::after(MS)))
                    .collect();
                for h in hs {
                    h.await;
                }
            })
        })
    });
    g.finish();
}

/// `call_soon` throughput: 100,000 callbacks queued and run. tokio and smol have no callback
/// queue; their nearest equivalent is a detached spawn of a ready future.
fn call_soon(c: &mut Criterion) {
    common::bench_workload(c, "call_soon", "call_soon");
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = spawn_many_local, yield_one, yield_many, chained_spawn, timers_armed_cancelled,
        timers_fired, call_soon
}
criterion_main!(benches);
