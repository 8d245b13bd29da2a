//! Load (issue "Prove it holds", item 4): one loop holds a million live tasks, a million
//! pending timers, and 10,000 concurrent loopback TCP connections. Memory per task and per
//! timer, next to tokio's, is measured by `bench/examples/load.rs` (release build).

use std::time::Duration;

#[test]
fn a_million_live_tasks_then_all_finish() {
    const N: usize = 1_000_000;
    evloop::run(async {
        let go = evloop::sync::Event::new();
        let tasks: Vec<_> = (0..N)
            .map(|i| {
                let go = go.clone();
                evloop::spawn(async move {
                    go.wait().await;
                    i
                })
            })
            .collect();
        evloop::yield_now().await;
        assert_eq!(
            evloop::all_tasks().len(),
            N + 1,
            "all parked at once (and main)"
        );
        go.set();
        let mut sum = 0usize;
        for t in tasks {
            sum += t.await.unwrap();
        }
        assert_eq!(sum, N * (N - 1) / 2);
        assert_eq!(evloop::all_tasks().len(), 1, "only main is left");
    })
    .unwrap();
}

#[test]
fn a_million_pending_timers_fire_in_order_or_cancel() {
    const N: usize = 1_000_000;
    let ev = evloop::EventLoop::new().unwrap();
    let fired = std::rc::Rc::new(std::cell::Cell::new(0usize));
    let mut handles = Vec::with_capacity(N);
    for i in 0..N {
        // Half due in 50 ms, half in an hour.
        let delay = if i % 2 == 0 {
            Duration::from_millis(50)
        } else {
            Duration::from_secs(3600)
        };
        let f = fired.clone();
        handles.push(ev.call_later(delay, move || f.set(f.get() + 1)).unwrap());
    }
    assert_eq!(ev.timer_heap_len(), N);
    let stop = ev.handle();
    ev.call_later(Duration::from_millis(100), move || stop.stop())
        .unwrap();
    ev.run_forever().unwrap();
    assert_eq!(fired.get(), N / 2, "the due half fired, each once");
    // Cancel the rest: the heap is compacted, not left full of dead entries.
    handles.iter().for_each(evloop::TimerHandle::cancel);
    ev.run_once_timeout(Some(Duration::ZERO)).unwrap();
    assert!(ev.timer_heap_len() < N / 4, "{} left", ev.timer_heap_len());
    assert_eq!(ev.next_timeout(), None);
}

/// The client half of `ten_thousand_connections`, in a child process (so that the two ends
/// of 10,000 connections do not share one descriptor limit). Without the variable it is the
/// ordinary test run and does nothing.
#[test]
fn load_client_child() {
    use std::io::{Read, Write};
    let Some(addr) = std::env::var_os("EVLOOP_LOAD_CLIENT") else {
        return;
    };
    let addr = addr.into_string().unwrap();
    let n: usize = std::env::var("EVLOOP_LOAD_N").unwrap().parse().unwrap();
    // Connect, then have one byte echoed, one connection after another: a client that
    // only connects outruns a debug-build server, overflows the accept queue, and then
    // waits out SYN retransmits (a second each). Every connection stays open.
    let mut conns = Vec::with_capacity(n);
    for i in 0..n {
        let mut c = std::net::TcpStream::connect(&addr).unwrap();
        c.write_all(&[(i % 251) as u8]).unwrap();
        let mut b = [0u8; 1];
        c.read_exact(&mut b).unwrap();
        assert_eq!(b[0], (i % 251) as u8);
        conns.push(c);
    }
    // The server closes first (once all were open), so the TIME_WAIT states stay on its
    // side: left on this side, 10,000 of them would hold ephemeral ports for a minute and
    // slow every test that connects after this one.
    for c in &mut conns {
        let mut rest = Vec::new();
        c.read_to_end(&mut rest).unwrap();
    }
    println!("all {n} echoed");
}

#[cfg(all(target_os = "linux", feature = "net", feature = "executor"))]
fn open_files_limit() -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3))
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024)
}

#[cfg(all(target_os = "linux", feature = "net", feature = "executor"))]
#[test]
fn ten_thousand_connections_on_one_loop() {
    use evloop::io::{AsyncReadExt, AsyncWriteExt};
    const N: usize = 10_000;
    let limit = open_files_limit();
    if limit < N + 200 {
        eprintln!("skipped: the open-file limit is {limit}, below the {N} connections needed");
        return;
    }
    evloop::run(async {
        let listener = evloop::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let open = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let peak = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let all_open = evloop::sync::Event::new();
        let (o, p, all) = (open.clone(), peak.clone(), all_open.clone());
        let server = evloop::spawn(async move {
            loop {
                let (mut c, _) = listener.accept().await.unwrap();
                let (o, p, all) = (o.clone(), p.clone(), all.clone());
                o.set(o.get() + 1);
                p.set(p.get().max(o.get()));
                if o.get() == N {
                    all.set();
                }
                evloop::spawn(async move {
                    let mut b = [0u8; 1];
                    c.read_exact(&mut b).await.unwrap();
                    c.write_all(&b).await.unwrap();
                    all.wait().await;
                    drop(c); // the server closes first
                    o.set(o.get() - 1);
                });
            }
        });
        let exe = std::env::current_exe().unwrap();
        let client = evloop::to_thread(move || {
            std::process::Command::new(exe)
                .args(["--exact", "load_client_child", "--nocapture"])
                .env("EVLOOP_LOAD_CLIENT", addr.to_string())
                .env("EVLOOP_LOAD_N", N.to_string())
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        let out = String::from_utf8_lossy(&client.stdout);
        assert!(
            client.status.success() && out.contains(&format!("all {N} echoed")),
            "client failed: {out}\n{}",
            String::from_utf8_lossy(&client.stderr)
        );
        assert_eq!(
            peak.get(),
            N,
            "all {N} connections were open on the loop at once"
        );
        // Every connection was closed.
        while open.get() > 0 {
            evloop::sleep(Duration::from_millis(10)).await;
        }
        server.cancel();
    })
    .unwrap();
}
