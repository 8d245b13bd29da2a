//! Builders shared by the benches: one evloop loop, one tokio current-thread runtime with a
//! `LocalSet` and one smol `LocalExecutor`, so every side runs the same workload in the same
//! process, back to back; and the workloads themselves (`workloads`).
#![allow(dead_code)]

pub mod workloads;

use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use criterion::{Criterion, Throughput};

/// The tokio side: a current-thread runtime (with timers) and a `LocalSet` for `!Send` tasks.
pub struct Tokio {
    rt: tokio::runtime::Runtime,
    local: tokio::task::LocalSet,
}

impl Tokio {
    pub fn new() -> Tokio {
        Tokio {
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .enable_io()
                .build()
                .unwrap(),
            local: tokio::task::LocalSet::new(),
        }
    }

    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        self.local.block_on(&self.rt, fut)
    }
}

/// The smol side: a `LocalExecutor`, driven by `smol::block_on`.
pub struct Smol {
    pub ex: workloads::on_smol::Ex,
}

impl Smol {
    pub fn new() -> Smol {
        Smol {
            ex: Rc::new(smol::LocalExecutor::new()),
        }
    }

    pub fn block_on<F: Future>(&self, fut: F) -> F::Output {
        smol::block_on(self.ex.run(fut))
    }
}

/// A criterion group `group` that runs workload `name` (see `workloads`) on evloop, tokio
/// and smol, each on one runtime reused across iterations.
pub fn bench_workload(c: &mut Criterion, group: &str, name: &'static str) {
    let n = workloads::workload(name).ops;
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Elements(n as u64));
    let ev = evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(workloads::on_evloop::run(name, n))
                .unwrap()
        })
    });
    let tk = Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| tk.block_on(workloads::on_tokio::run(name, n)))
    });
    let sm = Smol::new();
    g.bench_function("smol", |b| {
        b.iter(|| sm.block_on(workloads::on_smol::run(sm.ex.clone(), name, n)))
    });
    g.finish();
}

/// Polls a future once and drops it: with a sleep, arms a timer and cancels it.
pub async fn poll_once_and_drop<F: Future>(fut: F) {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        let _ = fut.as_mut().poll(cx);
        std::task::Poll::Ready(())
    })
    .await;
}

/// The evloop side.
pub fn evloop() -> evloop::EventLoop {
    evloop::EventLoop::new().unwrap()
}

/// Criterion settings for workloads of ~100k operations per iteration.
pub fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}
