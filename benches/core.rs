//! The core workloads, evloop against tokio's current-thread runtime in the same run.
//!
//! Run with `cargo bench --bench core`. Each group has an `evloop` and a `tokio` function on
//! the same workload; compare the two within one run. Names follow tokio's own benches
//! (`spawn_many_local`, `yield_many`, `chained_spawn`) so results compare.

mod common;

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const SPAWN_MANY: usize = 100_000;
const YIELD_TASKS: usize = 100;
const YIELDS: usize = 1_000;
const CHAIN: usize = 10_000;
const TIMERS: usize = 100_000;
const CALLBACKS: usize = 100_000;

/// Spawn 100,000 trivial tasks and await them all.
fn spawn_many_local(c: &mut Criterion) {
    let mut g = c.benchmark_group("spawn_many_local");
    g.throughput(Throughput::Elements(SPAWN_MANY as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                let handles: Vec<_> = (0..SPAWN_MANY)
                    .map(|i| evloop::spawn(async move { black_box(i) }))
                    .collect();
                for h in handles {
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
                let handles: Vec<_> = (0..SPAWN_MANY)
                    .map(|i| tokio::task::spawn_local(async move { black_box(i) }))
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
        })
    });
    g.finish();
}

/// 100 tasks each yielding 1,000 times.
fn yield_many(c: &mut Criterion) {
    let mut g = c.benchmark_group("yield_many");
    g.throughput(Throughput::Elements((YIELD_TASKS * YIELDS) as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                let handles: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        evloop::spawn(async {
                            for _ in 0..YIELDS {
                                evloop::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in handles {
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
                let handles: Vec<_> = (0..YIELD_TASKS)
                    .map(|_| {
                        tokio::task::spawn_local(async {
                            for _ in 0..YIELDS {
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
        })
    });
    g.finish();
}

type Boxed = Pin<Box<dyn Future<Output = ()>>>;

fn ev_chain(n: usize) -> Boxed {
    Box::pin(async move {
        if n > 0 {
            evloop::spawn(ev_chain(n - 1)).await.unwrap();
        }
    })
}

fn tk_chain(n: usize) -> Boxed {
    Box::pin(async move {
        if n > 0 {
            tokio::task::spawn_local(tk_chain(n - 1)).await.unwrap();
        }
    })
}

/// A chain of 10,000 tasks, each spawning the next and awaiting it.
fn chained_spawn(c: &mut Criterion) {
    let mut g = c.benchmark_group("chained_spawn");
    g.throughput(Throughput::Elements(CHAIN as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| ev.run_until_complete(ev_chain(CHAIN)).unwrap())
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| b.iter(|| tk.block_on(tk_chain(CHAIN))));
    g.finish();
}

/// 100,000 timers: armed and cancelled; and armed and fired (100k tasks sleeping 1 ms).
fn timers(c: &mut Criterion) {
    let mut g = c.benchmark_group("timers_armed_cancelled");
    g.throughput(Throughput::Elements(TIMERS as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                for _ in 0..TIMERS {
                    common::poll_once_and_drop(evloop::sleep(Duration::from_secs(10))).await;
                }
            })
            .unwrap()
        })
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                for _ in 0..TIMERS {
                    common::poll_once_and_drop(tokio::time::sleep(Duration::from_secs(10))).await;
                }
            })
        })
    });
    g.finish();

    let mut g = c.benchmark_group("timers_fired");
    g.throughput(Throughput::Elements(TIMERS as u64));
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                let handles: Vec<_> = (0..TIMERS)
                    .map(|_| evloop::spawn(evloop::sleep(Duration::from_millis(1))))
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
            .unwrap()
        })
    });
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let handles: Vec<_> = (0..TIMERS)
                    .map(|_| tokio::task::spawn_local(tokio::time::sleep(Duration::from_millis(1))))
                    .collect();
                for h in handles {
                    h.await.unwrap();
                }
            })
        })
    });
    g.finish();
}

/// `call_soon` throughput: 100,000 callbacks queued and run. tokio has no callback queue; its
/// nearest equivalent is a detached `spawn_local` of a ready future.
fn call_soon(c: &mut Criterion) {
    let mut g = c.benchmark_group("call_soon");
    g.throughput(Throughput::Elements(CALLBACKS as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
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
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            let count = Rc::new(Cell::new(0usize));
            tk.block_on(async {
                for _ in 0..CALLBACKS {
                    let c = count.clone();
                    drop(tokio::task::spawn_local(async move { c.set(c.get() + 1) }));
                }
                while count.get() < CALLBACKS {
                    tokio::task::yield_now().await;
                }
            });
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = spawn_many_local, yield_many, chained_spawn, timers, call_soon
}
criterion_main!(benches);
