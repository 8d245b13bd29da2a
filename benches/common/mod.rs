//! Builders shared by the benches: one evloop loop and one tokio current-thread runtime with a
//! `LocalSet`, so both sides run the same workload in the same process, back to back.
#![allow(dead_code)]

use std::future::Future;
use std::time::Duration;

use criterion::Criterion;

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
