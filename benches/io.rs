//! TCP on loopback, evloop against tokio's current-thread runtime in the same run.
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
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = tcp_echo
}
criterion_main!(benches);
