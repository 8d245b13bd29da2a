//! Coordination workloads, evloop against tokio's current-thread runtime in the same run.
//!
//! Run with `cargo bench --bench coord`. tokio's nearest equivalents: `mpsc` for the queue,
//! `Mutex` for the lock, spawning and awaiting in order for gather.

mod common;

use std::hint::black_box;
use std::rc::Rc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const QUEUE_ITEMS: usize = 1_000_000;
const QUEUE_CAPACITY: usize = 64;
const ROUND_TRIPS: usize = 100_000;
const GATHER: usize = 10_000;
const LOCK_TASKS: usize = 100;
const LOCK_ROUNDS: usize = 100;

/// One producer and one consumer through a bounded queue of 64.
fn bounded_queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("bounded_queue_64");
    g.throughput(Throughput::Elements(QUEUE_ITEMS as u64));
    g.sample_size(10);
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                let q = evloop::Queue::new(QUEUE_CAPACITY);
                let producer = {
                    let q = q.clone();
                    evloop::spawn(async move {
                        for i in 0..QUEUE_ITEMS {
                            q.put(i).await.unwrap();
                        }
                    })
                };
                let mut sum = 0usize;
                for _ in 0..QUEUE_ITEMS {
                    sum += q.get().await.unwrap();
                }
                producer.await.unwrap();
                black_box(sum)
            })
            .unwrap()
        })
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let (tx, mut rx) = tokio::sync::mpsc::channel(QUEUE_CAPACITY);
                let producer = tokio::task::spawn_local(async move {
                    for i in 0..QUEUE_ITEMS {
                        tx.send(i).await.unwrap();
                    }
                });
                let mut sum = 0usize;
                for _ in 0..QUEUE_ITEMS {
                    sum += rx.recv().await.unwrap();
                }
                producer.await.unwrap();
                black_box(sum)
            })
        })
    });
    g.finish();
}

/// Two tasks passing a value back and forth, 100,000 round trips.
fn ping_pong(c: &mut Criterion) {
    let mut g = c.benchmark_group("ping_pong");
    g.throughput(Throughput::Elements(ROUND_TRIPS as u64));
    g.sample_size(10);
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                let (ping, pong) = (evloop::Queue::new(1), evloop::Queue::new(1));
                let echo = {
                    let (ping, pong) = (ping.clone(), pong.clone());
                    evloop::spawn(async move {
                        for _ in 0..ROUND_TRIPS {
                            let v: usize = ping.get().await.unwrap();
                            pong.put(v + 1).await.unwrap();
                        }
                    })
                };
                let mut v = 0;
                for _ in 0..ROUND_TRIPS {
                    ping.put(v).await.unwrap();
                    v = pong.get().await.unwrap();
                }
                echo.await.unwrap();
                black_box(v)
            })
            .unwrap()
        })
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let (ping_tx, mut ping_rx) = tokio::sync::mpsc::channel::<usize>(1);
                let (pong_tx, mut pong_rx) = tokio::sync::mpsc::channel::<usize>(1);
                let echo = tokio::task::spawn_local(async move {
                    for _ in 0..ROUND_TRIPS {
                        let v = ping_rx.recv().await.unwrap();
                        pong_tx.send(v + 1).await.unwrap();
                    }
                });
                let mut v = 0;
                for _ in 0..ROUND_TRIPS {
                    ping_tx.send(v).await.unwrap();
                    v = pong_rx.recv().await.unwrap();
                }
                echo.await.unwrap();
                black_box(v)
            })
        })
    });
    g.finish();
}

/// Gather 10,000 trivial futures (tokio: spawn them all, await in order).
fn gather(c: &mut Criterion) {
    let mut g = c.benchmark_group("gather_10k");
    g.throughput(Throughput::Elements(GATHER as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                let out = evloop::gather((0..GATHER).map(|i| async move { i }))
                    .await
                    .unwrap();
                black_box(out.len())
            })
            .unwrap()
        })
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let handles: Vec<_> = (0..GATHER)
                    .map(|i| tokio::task::spawn_local(async move { i }))
                    .collect();
                let mut out = Vec::with_capacity(GATHER);
                for h in handles {
                    out.push(h.await.unwrap());
                }
                black_box(out.len())
            })
        })
    });
    g.finish();
}

/// 100 tasks each taking a lock 100 times, yielding while they hold it.
fn lock_contention(c: &mut Criterion) {
    let mut g = c.benchmark_group("lock_contention_100");
    g.throughput(Throughput::Elements((LOCK_TASKS * LOCK_ROUNDS) as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                let lock = evloop::sync::Lock::new();
                let tasks: Vec<_> = (0..LOCK_TASKS)
                    .map(|_| {
                        let lock = lock.clone();
                        evloop::spawn(async move {
                            for _ in 0..LOCK_ROUNDS {
                                let _g = lock.acquire().await;
                                evloop::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
            .unwrap()
        })
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let lock = Rc::new(tokio::sync::Mutex::new(()));
                let tasks: Vec<_> = (0..LOCK_TASKS)
                    .map(|_| {
                        let lock = lock.clone();
                        tokio::task::spawn_local(async move {
                            for _ in 0..LOCK_ROUNDS {
                                let _g = lock.lock().await;
                                tokio::task::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for t in tasks {
                    t.await.unwrap();
                }
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bounded_queue, ping_pong, gather, lock_contention
}
criterion_main!(benches);
