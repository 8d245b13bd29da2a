//! Coordination workloads, evloop against tokio's current-thread runtime and smol's
//! `LocalExecutor` in the same run.
//!
//! Run with `cargo bench --bench coord`. The nearest equivalents: tokio's `mpsc` and
//! `Mutex`, smol's `channel` and `lock::Mutex`; for gather, spawning every future and
//! awaiting them in order. The workloads live in `common/workloads.rs`.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};

/// One producer and one consumer through a bounded queue of 64, 1,000,000 items.
fn bounded_queue(c: &mut Criterion) {
    common::bench_workload(c, "bounded_queue_64", "bounded_queue");
}

/// Two tasks passing a number back and forth through two one-slot queues, 100,000 times.
fn ping_pong(c: &mut Criterion) {
    common::bench_workload(c, "ping_pong", "ping_pong");
}

/// Gather 10,000 trivial futures.
fn gather(c: &mut Criterion) {
    common::bench_workload(c, "gather_10k", "gather");
}

/// 100 tasks each taking a lock 100 times, yielding while they hold it.
fn lock_contention(c: &mut Criterion) {
    common::bench_workload(c, "lock_contention_100", "lock_contention");
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = bounded_queue, ping_pong, gather, lock_contention
}
criterion_main!(benches);
