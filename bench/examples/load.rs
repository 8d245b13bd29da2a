//! Memory per idle task and per pending timer, on evloop or on tokio's current-thread
//! runtime, measured the same way: resident memory before and after making `n` of them.
//!
//! - idle task: a spawned task awaiting `std::future::pending()` (its handle kept in a Vec);
//! - pending timer (future): a boxed one-hour sleep, polled once so it is registered;
//! - pending timer (callback, evloop only): `call_later(1 h)`, its handle kept;
//! - open TCP connection: a loopback connection, both ends open and registered with the
//!   loop (the client end and the accepted end; bytes per connection, i.e. per pair);
//! - the loop itself: `n` loops (tokio: current-thread runtimes with I/O and time drivers)
//!   made and kept, idle; their fixed footprint, epoll instance and wake-up descriptor
//!   included. Fewer of these by default (each costs descriptors).
//!
//! Run: `cargo run --release --example load` (a table; each measurement runs in a fresh
//! process, so none inherits another's freed memory), or `-- evloop task 1000000` for one.

use std::future::{Future, pending, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

/// Resident memory of this process, in bytes (Linux: /proc/self/statm).
fn rss() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("Linux /proc");
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("statm's resident field");
    pages * 4096
}

fn per(before: usize, n: usize) -> f64 {
    rss().saturating_sub(before) as f64 / n as f64
}

/// Polls each future once (registering its timer), without finishing it.
async fn poll_each_once<F: Future + ?Sized>(futs: &mut [Pin<Box<F>>]) {
    poll_fn(|cx| {
        for f in futs.iter_mut() {
            let _ = f.as_mut().poll(cx);
        }
        Poll::Ready(())
    })
    .await
}

const HOUR: Duration = Duration::from_secs(3600);

/// Makes `n` of `what` on evloop and gives the resident bytes per item.
fn evloop(what: &str, n: usize) -> f64 {
    if what == "loop" {
        let before = rss();
        let loops: Vec<_> = (0..n).map(|_| evloop::EventLoop::new().unwrap()).collect();
        let bytes = per(before, n);
        drop(loops);
        return bytes;
    }
    let what = what.to_string();
    evloop::run(async move {
        let before = rss();
        match what.as_str() {
            "task" => {
                let tasks: Vec<_> = (0..n).map(|_| evloop::spawn(pending::<()>())).collect();
                evloop::yield_now().await; // every task ran its first step and is parked
                let bytes = per(before, n);
                drop(tasks); // run's clean-up cancels them
                bytes
            }
            "timer" => {
                let mut sleeps: Vec<_> = (0..n).map(|_| Box::pin(evloop::sleep(HOUR))).collect();
                poll_each_once(&mut sleeps).await;
                per(before, n)
            }
            "conn" => {
                let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let addr = listener.local_addr().unwrap();
                let mut pairs = Vec::with_capacity(n);
                for _ in 0..n {
                    let client = evloop::net::TcpStream::connect(addr).await.unwrap();
                    let (server, _) = listener.accept().await.unwrap();
                    pairs.push((client, server));
                }
                per(before, n)
            }
            _ => {
                let ev = evloop::get_running_loop().unwrap();
                let handles: Vec<_> = (0..n)
                    .map(|_| ev.call_later(HOUR, || {}).unwrap())
                    .collect();
                let bytes = per(before, n);
                handles.iter().for_each(evloop::TimerHandle::cancel);
                bytes
            }
        }
    })
    .unwrap()
}

/// A tokio current-thread runtime with its I/O and time drivers, as the benches use.
fn tokio_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The same on tokio's current-thread runtime (no callback timers there).
fn tokio(what: &str, n: usize) -> f64 {
    if what == "loop" {
        let before = rss();
        let rts: Vec<_> = (0..n).map(|_| tokio_runtime()).collect();
        let bytes = per(before, n);
        drop(rts);
        return bytes;
    }
    let rt = tokio_runtime();
    tokio::task::LocalSet::new().block_on(&rt, async move {
        let before = rss();
        if what == "conn" {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mut pairs = Vec::with_capacity(n);
            for _ in 0..n {
                let client = tokio::net::TcpStream::connect(addr).await.unwrap();
                let (server, _) = listener.accept().await.unwrap();
                pairs.push((client, server));
            }
            per(before, n)
        } else if what == "task" {
            let tasks: Vec<_> = (0..n)
                .map(|_| tokio::task::spawn_local(pending::<()>()))
                .collect();
            tokio::task::yield_now().await;
            let bytes = per(before, n);
            tasks.iter().for_each(tokio::task::JoinHandle::abort);
            bytes
        } else {
            let mut sleeps: Vec<_> = (0..n).map(|_| Box::pin(tokio::time::sleep(HOUR))).collect();
            poll_each_once(&mut sleeps).await;
            per(before, n)
        }
    })
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let n: usize = arg(3).and_then(|s| s.parse().ok()).unwrap_or(1_000_000);
    match (arg(1), arg(2)) {
        (Some("evloop"), Some(what)) => println!("{:.0}", evloop(what, n)),
        (Some("tokio"), Some(what)) => println!("{:.0}", tokio(what, n)),
        _ => {
            // Each measurement in a fresh process of its own.
            let n = arg(1).and_then(|s| s.parse().ok()).unwrap_or(n);
            let me = std::env::current_exe().unwrap();
            let measure = |rt: &str, what: &str| {
                // Connections and loops cost descriptors: fewer of them (4,000 connections
                // are 8,000 descriptors; the soft limit must allow it).
                let n = match what {
                    "conn" => n.min(4_000),
                    "loop" => n.min(1_000),
                    _ => n,
                };
                let out = std::process::Command::new(&me)
                    .args([rt, what, &n.to_string()])
                    .output()
                    .unwrap();
                String::from_utf8(out.stdout).unwrap().trim().to_string()
            };
            println!("resident bytes per item, {n} items (connections: 4,000; loops: 1,000)");
            println!("| item | evloop | tokio current-thread |");
            println!("|---|---|---|");
            println!(
                "| idle task | {} | {} |",
                measure("evloop", "task"),
                measure("tokio", "task")
            );
            println!(
                "| pending timer (boxed sleep, polled once) | {} | {} |",
                measure("evloop", "timer"),
                measure("tokio", "timer")
            );
            println!(
                "| pending timer (`call_later` handle) | {} | n/a |",
                measure("evloop", "callback")
            );
            println!(
                "| open TCP connection (both ends) | {} | {} |",
                measure("evloop", "conn"),
                measure("tokio", "conn")
            );
            println!(
                "| the loop itself (idle) | {} | {} |",
                measure("evloop", "loop"),
                measure("tokio", "loop")
            );
        }
    }
}
