//! TCP on loopback and the thread hand-offs, evloop against tokio's current-thread runtime
//! and smol's `LocalExecutor` (with `smol::net`, `unblock` and `channel`) in the same run.
//!
//! Run with `cargo bench --bench io`. The echo workload: 50 clients, each doing 2,000 round
//! trips of 64 bytes against an echo server on the same loop.

mod common;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CLIENTS: usize = 50;
const ROUND_TRIPS: usize = 2_000;
const MSG: usize = 64;

async fn evloop_echo() {
    use evloop::io::{AsyncReadExt, AsyncWriteExt};
    let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let server = evloop::spawn(async move {
        loop {
            let (mut conn, _) = listener.accept().await.unwrap();
            evloop::spawn(async move {
                let mut buf = [0u8; MSG];
                while conn.read_exact(&mut buf).await.is_ok() {
                    if conn.write_all(&buf).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            evloop::spawn(async move {
                let mut c = evloop::net::TcpStream::connect(addr).await.unwrap();
                c.set_nodelay(true).unwrap();
                let msg = [7u8; MSG];
                let mut back = [0u8; MSG];
                for _ in 0..ROUND_TRIPS {
                    c.write_all(&msg).await.unwrap();
                    c.read_exact(&mut back).await.unwrap();
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    server.cancel();
}

async fn tokio_echo() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::task::spawn_local(async move {
        loop {
            let (mut conn, _) = listener.accept().await.unwrap();
            tokio::task::spawn_local(async move {
                let mut buf = [0u8; MSG];
                while conn.read_exact(&mut buf).await.is_ok() {
                    if conn.write_all(&buf).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            tokio::task::spawn_local(async move {
                let mut c = tokio::net::TcpStream::connect(addr).await.unwrap();
                c.set_nodelay(true).unwrap();
                let msg = [7u8; MSG];
                let mut back = [0u8; MSG];
                for _ in 0..ROUND_TRIPS {
                    c.write_all(&msg).await.unwrap();
                    c.read_exact(&mut back).await.unwrap();
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    server.abort();
}

async fn smol_echo(ex: common::workloads::on_smol::Ex) {
    use smol::io::{AsyncReadExt, AsyncWriteExt};
    let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ex2 = ex.clone();
    let server = ex.spawn(async move {
        loop {
            let (mut conn, _) = listener.accept().await.unwrap();
            ex2.spawn(async move {
                let mut buf = [0u8; MSG];
                while conn.read_exact(&mut buf).await.is_ok() {
                    if conn.write_all(&buf).await.is_err() {
                        break;
                    }
                }
            })
            .detach();
        }
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            ex.spawn(async move {
                let mut c = smol::net::TcpStream::connect(addr).await.unwrap();
                c.set_nodelay(true).unwrap();
                let msg = [7u8; MSG];
                let mut back = [0u8; MSG];
                for _ in 0..ROUND_TRIPS {
                    c.write_all(&msg).await.unwrap();
                    c.read_exact(&mut back).await.unwrap();
                }
            })
        })
        .collect();
    for c in clients {
        c.await;
    }
    drop(server); // dropping a smol task cancels it
}

fn tcp_echo(c: &mut Criterion) {
    let mut g = c.benchmark_group("tcp_echo_50x2000x64B");
    g.throughput(Throughput::Elements((CLIENTS * ROUND_TRIPS) as u64));
    g.sample_size(10);
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| ev.run_until_complete(evloop_echo()).unwrap())
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| b.iter(|| tk.block_on(tokio_echo())));
    let sm = common::Smol::new();
    g.bench_function("smol", |b| b.iter(|| sm.block_on(smol_echo(sm.ex.clone()))));
    g.finish();
}

const EXECUTOR_TRIPS: usize = 1_000;
const THREADSAFE_TRIPS: usize = 1_000;
const ACCEPTS: usize = 1_000;

/// A blocking job's round trip: hand it to the pool, get the result back on the loop.
fn executor_round_trip(c: &mut Criterion) {
    let mut g = c.benchmark_group("run_in_executor_round_trip");
    g.throughput(Throughput::Elements(EXECUTOR_TRIPS as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                for i in 0..EXECUTOR_TRIPS {
                    assert_eq!(evloop::to_thread(move || i).await.unwrap(), i);
                }
            })
            .unwrap()
        })
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                for i in 0..EXECUTOR_TRIPS {
                    assert_eq!(tokio::task::spawn_blocking(move || i).await.unwrap(), i);
                }
            })
        })
    });
    let sm = common::Smol::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            sm.block_on(async {
                for i in 0..EXECUTOR_TRIPS {
                    assert_eq!(smol::unblock(move || i).await, i);
                }
            })
        })
    });
    g.finish();
}

/// Another thread answers the loop by scheduling work on it: the latency of the
/// thread-safe path (evloop: call_soon_threadsafe waking a future; tokio: a oneshot sent
/// from the other thread; smol: a one-slot channel sent to from the other thread).
fn threadsafe_round_trip(c: &mut Criterion) {
    use std::sync::mpsc;
    let mut g = c.benchmark_group("call_soon_threadsafe_round_trip");
    g.throughput(Throughput::Elements(THREADSAFE_TRIPS as u64));
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            let remote = ev.remote();
            let (tx, rx) = mpsc::channel::<Box<dyn FnOnce() + Send>>();
            let helper = std::thread::spawn(move || {
                while let Ok(reply) = rx.recv() {
                    remote.call_soon_threadsafe(reply).unwrap();
                }
            });
            ev.run_until_complete(async move {
                for _ in 0..THREADSAFE_TRIPS {
                    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                    let (d, waker_slot) = (
                        done.clone(),
                        std::sync::Arc::new(std::sync::Mutex::new(None::<std::task::Waker>)),
                    );
                    let w = waker_slot.clone();
                    tx.send(Box::new(move || {
                        d.store(true, std::sync::atomic::Ordering::SeqCst);
                        if let Some(w) = w.lock().unwrap().take() {
                            w.wake();
                        }
                    }))
                    .unwrap();
                    std::future::poll_fn(|cx| {
                        if done.load(std::sync::atomic::Ordering::SeqCst) {
                            return std::task::Poll::Ready(());
                        }
                        *waker_slot.lock().unwrap() = Some(cx.waker().clone());
                        if done.load(std::sync::atomic::Ordering::SeqCst) {
                            return std::task::Poll::Ready(());
                        }
                        std::task::Poll::Pending
                    })
                    .await;
                }
            })
            .unwrap();
            helper.join().unwrap();
        })
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            let (tx, rx) = mpsc::channel::<tokio::sync::oneshot::Sender<()>>();
            let helper = std::thread::spawn(move || {
                while let Ok(reply) = rx.recv() {
                    let _ = reply.send(());
                }
            });
            tk.block_on(async move {
                for _ in 0..THREADSAFE_TRIPS {
                    let (otx, orx) = tokio::sync::oneshot::channel();
                    tx.send(otx).unwrap();
                    orx.await.unwrap();
                }
            });
            helper.join().unwrap();
        })
    });
    let sm = common::Smol::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            let (tx, rx) = mpsc::channel::<smol::channel::Sender<()>>();
            let helper = std::thread::spawn(move || {
                while let Ok(reply) = rx.recv() {
                    let _ = reply.send_blocking(());
                }
            });
            sm.block_on(async move {
                for _ in 0..THREADSAFE_TRIPS {
                    let (otx, orx) = smol::channel::bounded(1);
                    tx.send(otx).unwrap();
                    orx.recv().await.unwrap();
                }
            });
            helper.join().unwrap();
        })
    });
    g.finish();
}

/// Connections accepted per second: 1,000 clients connect and hang up.
fn accept_rate(c: &mut Criterion) {
    let mut g = c.benchmark_group("accept_rate");
    g.throughput(Throughput::Elements(ACCEPTS as u64));
    g.sample_size(10);
    let ev = common::evloop();
    g.bench_function("evloop", |b| {
        b.iter(|| {
            ev.run_until_complete(async {
                let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = listener.local_addr().unwrap();
                let server = evloop::spawn(async move {
                    for _ in 0..ACCEPTS {
                        drop(listener.accept().await.unwrap());
                    }
                });
                for _ in 0..ACCEPTS {
                    drop(evloop::net::TcpStream::connect(addr).await.unwrap());
                }
                server.await.unwrap();
            })
            .unwrap()
        })
    });
    let tk = common::Tokio::new();
    g.bench_function("tokio", |b| {
        b.iter(|| {
            tk.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let server = tokio::task::spawn_local(async move {
                    for _ in 0..ACCEPTS {
                        drop(listener.accept().await.unwrap());
                    }
                });
                for _ in 0..ACCEPTS {
                    drop(tokio::net::TcpStream::connect(addr).await.unwrap());
                }
                server.await.unwrap();
            })
        })
    });
    let sm = common::Smol::new();
    g.bench_function("smol", |b| {
        b.iter(|| {
            sm.block_on(async {
                let listener = smol::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let server = sm.ex.spawn(async move {
                    for _ in 0..ACCEPTS {
                        drop(listener.accept().await.unwrap());
                    }
                });
                for _ in 0..ACCEPTS {
                    drop(smol::net::TcpStream::connect(addr).await.unwrap());
                }
                server.await;
            })
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = tcp_echo, executor_round_trip, threadsafe_round_trip, accept_rate
}
criterion_main!(benches);
