//! Soak: churn tasks, timers, queue traffic and loopback TCP connections on one loop for a
//! while, printing resident memory and open descriptors at intervals. After warm-up both
//! must stay flat: anything that leaks per task, timer, item or connection shows up here.
//!
//! Run: `cargo run --release --example soak -- --seconds 60 --warmup 5 --interval 5`.
//! The last line is `summary rss_kib <warm> <end> fds <warm> <end> rounds <n>`;
//! `tests/examples.rs` runs a short version and checks it.

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use evloop::io::{AsyncReadExt, AsyncWriteExt};
use evloop::net::{TcpListener, TcpStream};

/// Resident memory in KiB (Linux: /proc/self/statm).
fn rss_kib() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4
}

/// Open file descriptors (Linux: /proc/self/fd).
fn fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// One round of churn: every kind of work, all finished (or cancelled) by the end.
async fn round(addr: std::net::SocketAddr, q: &evloop::Queue<u64>) {
    // Tasks: 200 short ones, half of them cancelled while sleeping.
    let tasks: Vec<_> = (0..200u64)
        .map(|i| {
            evloop::spawn(async move {
                evloop::sleep(Duration::from_micros(i % 5 * 100)).await;
                i
            })
        })
        .collect();
    for t in tasks.iter().step_by(2) {
        t.cancel();
    }
    // Timers: armed and cancelled, armed and fired.
    let ev = evloop::get_running_loop().unwrap();
    let fired = Rc::new(Cell::new(0));
    let handles: Vec<_> = (0..200)
        .map(|i| {
            let f = fired.clone();
            ev.call_later(
                Duration::from_millis(if i % 2 == 0 { 1 } else { 3_600_000 }),
                move || f.set(f.get() + 1),
            )
            .unwrap()
        })
        .collect();
    // Queue traffic through a bounded queue.
    let producer = {
        let q = q.clone();
        evloop::spawn(async move {
            for i in 0..500 {
                q.put(i).await.unwrap();
            }
        })
    };
    let mut sum = 0;
    for _ in 0..500 {
        sum += q.get().await.unwrap();
    }
    assert_eq!(sum, 500 * 499 / 2);
    producer.await.unwrap();
    // Connections: 10 clients, each echoes a message, then closes.
    let clients: Vec<_> = (0..10)
        .map(|_| {
            evloop::spawn(async move {
                let mut c = TcpStream::connect(addr).await.unwrap();
                c.write_all(b"soak!").await.unwrap();
                let mut buf = [0u8; 5];
                c.read_exact(&mut buf).await.unwrap();
                let mut rest = Vec::new();
                c.read_to_end(&mut rest).await.unwrap(); // the server closes first
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    for t in tasks {
        let _ = t.await;
    }
    evloop::sleep(Duration::from_millis(2)).await;
    assert_eq!(fired.get(), 100);
    handles.iter().for_each(evloop::TimerHandle::cancel);
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |flag: &str, default: u64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (seconds, warmup, interval) = (
        arg("--seconds", 60),
        arg("--warmup", 5),
        arg("--interval", 5),
    );
    evloop::run(async move {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let server = evloop::spawn(async move {
            loop {
                let Ok((mut c, _)) = listener.accept().await else {
                    continue;
                };
                evloop::spawn(async move {
                    let mut buf = [0u8; 5];
                    if c.read_exact(&mut buf).await.is_ok() {
                        let _ = c.write_all(&buf).await;
                    }
                });
            }
        });
        let q = evloop::Queue::new(16);
        let start = Instant::now();
        let (mut warm, mut next_report, mut rounds) = (None, Duration::ZERO, 0u64);
        while start.elapsed() < Duration::from_secs(seconds) {
            round(addr, &q).await;
            rounds += 1;
            let t = start.elapsed();
            if warm.is_none() && t >= Duration::from_secs(warmup) {
                warm = Some((rss_kib(), fds()));
            }
            if t >= next_report {
                println!(
                    "t={:>4}s rss_kib={} fds={} tasks={} rounds={rounds}",
                    t.as_secs(),
                    rss_kib(),
                    fds(),
                    evloop::all_tasks().len()
                );
                next_report += Duration::from_secs(interval);
            }
        }
        server.cancel();
        let (warm_rss, warm_fds) = warm.unwrap_or((rss_kib(), fds()));
        println!(
            "summary rss_kib {warm_rss} {} fds {warm_fds} {} rounds {rounds}",
            rss_kib(),
            fds()
        );
    })
    .unwrap();
}
