//! The workloads of the suite, written once per runtime in that runtime's own idiom, so that
//! the criterion benches (`core`, `coord`) and the comparison command
//! (`examples/compare.rs`) run exactly the same code. CPython's twins are in
//! `benches/python/bench.py`, under the same names.

use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::Pin;
use std::rc::Rc;
use std::time::Duration;

/// One workload: its name (the criterion function group and bench.py's key), what it does,
/// and how many operations it makes at full size (time is reported per operation).
pub struct Workload {
    pub name: &'static str,
    pub what: &'static str,
    pub ops: usize,
}

const fn w(name: &'static str, what: &'static str, ops: usize) -> Workload {
    Workload { name, what, ops }
}

/// Every workload, in table order.
pub const WORKLOADS: [Workload; 10] = [
    w("spawn_many_local", "spawn + await, 100k tasks", 100_000),
    w("yield_one", "1 task yielding 100k times", 100_000),
    w("yield_many", "100 tasks x 1k yields", 100_000),
    w("chained_spawn", "chained spawn, depth 10k", 10_000),
    w("ping_pong", "ping-pong between two tasks, 100k", 100_000),
    w("bounded_queue", "bounded queue (64), 1M items", 1_000_000),
    w(
        "timers_armed_cancelled",
        "timeouts armed and cancelled, 100k",
        100_000,
    ),
    w("call_soon", "call_soon, 100k", 100_000),
    w("gather", "gather of 10k futures", 10_000),
    w(
        "lock_contention",
        "lock, 100 tasks x 100 acquisitions",
        10_000,
    ),
];

/// The workload named `name`.
pub fn workload(name: &str) -> &'static Workload {
    WORKLOADS
        .iter()
        .find(|w| w.name == name)
        .unwrap_or_else(|| panic!("no workload {name}"))
}

/// Tasks in `yield_many` and `lock_contention`.
const TASKS: usize = 100;
/// Capacity of the queue in `bounded_queue`.
const CAPACITY: usize = 64;
/// How far `timers_armed_cancelled` arms each timer (it never fires).
const FAR: Duration = Duration::from_secs(10);

type Chain = Pin<Box<dyn Future<Output = usize>>>;

pub mod on_evloop {
    use super::*;

    fn chain(n: usize) -> Chain {
        Box::pin(async move {
            match n {
                0 => 0,
                _ => evloop::spawn(chain(n - 1)).await.unwrap() + 1,
            }
        })
    }

    /// Runs workload `name` with `n` operations on the running evloop loop.
    pub async fn run(name: &str, n: usize) {
        match name {
            "spawn_many_local" => {
                let hs: Vec<_> = (0..n).map(|i| evloop::spawn(async move { i })).collect();
                for h in hs {
                    black_box(h.await.unwrap());
                }
            }
            "yield_one" => {
                for _ in 0..n {
                    evloop::yield_now().await;
                }
            }
            "yield_many" => {
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| {
                        evloop::spawn(async move {
                            for _ in 0..n / TASKS {
                                evloop::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            }
            "chained_spawn" => assert_eq!(chain(n).await, n),
            "ping_pong" => {
                let (ping, pong) = (evloop::Queue::new(1), evloop::Queue::new(1));
                let (p2, q2) = (ping.clone(), pong.clone());
                let echo = evloop::spawn(async move {
                    for _ in 0..n {
                        let v: usize = p2.get().await.unwrap();
                        q2.put(v + 1).await.unwrap();
                    }
                });
                for i in 0..n {
                    ping.put(i).await.unwrap();
                    pong.get().await.unwrap();
                }
                echo.await.unwrap();
            }
            "bounded_queue" => {
                let q = evloop::Queue::new(CAPACITY);
                let q2 = q.clone();
                let producer = evloop::spawn(async move {
                    for i in 0..n {
                        q2.put(i).await.unwrap();
                    }
                });
                for _ in 0..n {
                    black_box(q.get().await.unwrap());
                }
                producer.await.unwrap();
            }
            "timers_armed_cancelled" => {
                for _ in 0..n {
                    super::super::poll_once_and_drop(evloop::sleep(FAR)).await;
                }
            }
            "call_soon" => {
                let ev = evloop::get_running_loop().unwrap();
                let count = Rc::new(Cell::new(0));
                for _ in 0..n {
                    let c = count.clone();
                    ev.call_soon(move || c.set(c.get() + 1)).unwrap();
                }
                while count.get() < n {
                    evloop::yield_now().await;
                }
            }
            "gather" => {
                let out = evloop::gather((0..n).map(|i| async move { i }))
                    .await
                    .unwrap();
                assert_eq!(out.len(), n);
            }
            "lock_contention" => {
                let lock = evloop::sync::Lock::new();
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let lock = lock.clone();
                        evloop::spawn(async move {
                            for _ in 0..n / TASKS {
                                let _held = lock.acquire().await;
                                evloop::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            }
            other => unreachable!("{other}"),
        }
    }
}

pub mod on_tokio {
    use super::*;
    use tokio::sync::mpsc::channel;
    use tokio::task::{spawn_local, yield_now};

    fn chain(n: usize) -> Chain {
        Box::pin(async move {
            match n {
                0 => 0,
                _ => spawn_local(chain(n - 1)).await.unwrap() + 1,
            }
        })
    }

    /// Runs workload `name` with `n` operations inside a tokio `LocalSet`.
    pub async fn run(name: &str, n: usize) {
        match name {
            "spawn_many_local" => {
                let hs: Vec<_> = (0..n).map(|i| spawn_local(async move { i })).collect();
                for h in hs {
                    black_box(h.await.unwrap());
                }
            }
            "yield_one" => {
                for _ in 0..n {
                    yield_now().await;
                }
            }
            "yield_many" => {
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| {
                        spawn_local(async move {
                            for _ in 0..n / TASKS {
                                yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            }
            "chained_spawn" => assert_eq!(chain(n).await, n),
            "ping_pong" => {
                let (ping_tx, mut ping_rx) = channel::<usize>(1);
                let (pong_tx, mut pong_rx) = channel::<usize>(1);
                let echo = spawn_local(async move {
                    for _ in 0..n {
                        let v = ping_rx.recv().await.unwrap();
                        pong_tx.send(v + 1).await.unwrap();
                    }
                });
                for i in 0..n {
                    ping_tx.send(i).await.unwrap();
                    pong_rx.recv().await.unwrap();
                }
                echo.await.unwrap();
            }
            "bounded_queue" => {
                let (tx, mut rx) = channel(CAPACITY);
                let producer = spawn_local(async move {
                    for i in 0..n {
                        tx.send(i).await.unwrap();
                    }
                });
                for _ in 0..n {
                    black_box(rx.recv().await.unwrap());
                }
                producer.await.unwrap();
            }
            "timers_armed_cancelled" => {
                for _ in 0..n {
                    super::super::poll_once_and_drop(tokio::time::sleep(FAR)).await;
                }
            }
            "call_soon" => {
                let count = Rc::new(Cell::new(0));
                for _ in 0..n {
                    let c = count.clone();
                    drop(spawn_local(async move { c.set(c.get() + 1) }));
                }
                while count.get() < n {
                    yield_now().await;
                }
            }
            "gather" => {
                let hs: Vec<_> = (0..n).map(|i| spawn_local(async move { i })).collect();
                let mut out = Vec::with_capacity(n);
                for h in hs {
                    out.push(h.await.unwrap());
                }
                assert_eq!(out.len(), n);
            }
            "lock_contention" => {
                let lock = Rc::new(tokio::sync::Mutex::new(()));
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let lock = lock.clone();
                        spawn_local(async move {
                            for _ in 0..n / TASKS {
                                let _held = lock.lock().await;
                                yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await.unwrap();
                }
            }
            other => unreachable!("{other}"),
        }
    }
}

pub mod on_smol {
    use super::*;
    use smol::LocalExecutor;
    use smol::channel::bounded;
    use smol::future::yield_now;

    /// smol's single-threaded executor, shared by the tasks that spawn onto it.
    pub type Ex = Rc<LocalExecutor<'static>>;

    fn chain(ex: Ex, n: usize) -> Chain {
        Box::pin(async move {
            match n {
                0 => 0,
                _ => ex.spawn(chain(ex.clone(), n - 1)).await + 1,
            }
        })
    }

    /// Runs workload `name` with `n` operations on `ex` (which must be running it).
    pub async fn run(ex: Ex, name: &str, n: usize) {
        match name {
            "spawn_many_local" => {
                let hs: Vec<_> = (0..n).map(|i| ex.spawn(async move { i })).collect();
                for h in hs {
                    black_box(h.await);
                }
            }
            "yield_one" => {
                for _ in 0..n {
                    yield_now().await;
                }
            }
            "yield_many" => {
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| {
                        ex.spawn(async move {
                            for _ in 0..n / TASKS {
                                yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await;
                }
            }
            "chained_spawn" => assert_eq!(chain(ex.clone(), n).await, n),
            "ping_pong" => {
                let (ping_tx, ping_rx) = bounded::<usize>(1);
                let (pong_tx, pong_rx) = bounded::<usize>(1);
                let echo = ex.spawn(async move {
                    for _ in 0..n {
                        let v = ping_rx.recv().await.unwrap();
                        pong_tx.send(v + 1).await.unwrap();
                    }
                });
                for i in 0..n {
                    ping_tx.send(i).await.unwrap();
                    pong_rx.recv().await.unwrap();
                }
                echo.await;
            }
            "bounded_queue" => {
                let (tx, rx) = bounded(CAPACITY);
                let producer = ex.spawn(async move {
                    for i in 0..n {
                        tx.send(i).await.unwrap();
                    }
                });
                for _ in 0..n {
                    black_box(rx.recv().await.unwrap());
                }
                producer.await;
            }
            "timers_armed_cancelled" => {
                for _ in 0..n {
                    super::super::poll_once_and_drop(smol::Timer::after(FAR)).await;
                }
            }
            "call_soon" => {
                let count = Rc::new(Cell::new(0));
                for _ in 0..n {
                    let c = count.clone();
                    ex.spawn(async move { c.set(c.get() + 1) }).detach();
                }
                while count.get() < n {
                    yield_now().await;
                }
            }
            "gather" => {
                let hs: Vec<_> = (0..n).map(|i| ex.spawn(async move { i })).collect();
                let mut out = Vec::with_capacity(n);
                for h in hs {
                    out.push(h.await);
                }
                assert_eq!(out.len(), n);
            }
            "lock_contention" => {
                let lock = Rc::new(smol::lock::Mutex::new(()));
                let hs: Vec<_> = (0..TASKS)
                    .map(|_| {
                        let lock = lock.clone();
                        ex.spawn(async move {
                            for _ in 0..n / TASKS {
                                let _held = lock.lock().await;
                                yield_now().await;
                            }
                        })
                    })
                    .collect();
                for h in hs {
                    h.await;
                }
            }
            other => unreachable!("{other}"),
        }
    }
}
