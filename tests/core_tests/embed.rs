//! Embedding (issue "Embed it anywhere", item 3-4): a host steps the loop with
//! `run_once_timeout`, waits on the loop's descriptor in its own poller, calls `block_on`
//! from synchronous code; several loops run side by side on several threads.

use std::cell::Cell;
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use evloop::{EventLoop, LoopError, RemoteHandle};
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};

#[test]
fn run_once_timeout_caps_the_wait() {
    let ev = EventLoop::new().unwrap();
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    ev.call_later(Duration::from_secs(10), move || f.set(true))
        .unwrap();
    let t = ev.next_timeout().unwrap();
    assert!(
        t > Duration::from_secs(9) && t <= Duration::from_secs(10),
        "{t:?}"
    );

    // Never blocks with a zero cap, even with the timer ten seconds away.
    let start = Instant::now();
    ev.run_once_timeout(Some(Duration::ZERO)).unwrap();
    assert!(start.elapsed() < Duration::from_secs(2));
    // Blocks for about the cap.
    let start = Instant::now();
    ev.run_once_timeout(Some(Duration::from_millis(30)))
        .unwrap();
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(25) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
    assert!(!fired.get());

    // Ready work: the next turn must not wait at all.
    ev.call_soon(|| {}).unwrap();
    assert_eq!(ev.next_timeout(), Some(Duration::ZERO));
    ev.run_once_timeout(None).unwrap();
}

#[test]
fn next_timeout_is_none_with_nothing_scheduled() {
    let ev = EventLoop::new().unwrap();
    assert_eq!(ev.next_timeout(), None);
    ev.remote().call_soon_threadsafe(|| {}).unwrap();
    assert_eq!(
        ev.next_timeout(),
        Some(Duration::ZERO),
        "queued by another thread"
    );
}

#[test]
fn a_host_poller_waits_on_the_loops_descriptor() {
    let ev = EventLoop::new().unwrap();
    // The host's own poller (another epoll), with evloop's descriptor in it.
    let mut host = Poll::new().unwrap();
    let fd = ev.as_raw_fd();
    host.registry()
        .register(&mut SourceFd(&fd), Token(7), Interest::READABLE)
        .unwrap();

    let got = Rc::new(Cell::new(0));
    // Work from another thread, 50 ms from now.
    let remote = ev.remote();
    let g = got.clone();
    let (tx, rx) = mpsc::channel::<()>();
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        remote
            .call_soon_threadsafe(move || tx.send(()).unwrap())
            .unwrap();
    });
    // And a timer, 100 ms from now.
    let g2 = g.clone();
    ev.call_later(Duration::from_millis(100), move || g2.set(g2.get() + 1))
        .unwrap();

    let mut events = Events::with_capacity(8);
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut host_wakeups = 0;
    let mut remote_seen = false;
    while !(remote_seen && got.get() == 1) {
        assert!(Instant::now() < deadline, "the loop never became ready");
        // Wait on the host's poller, no longer than evloop's next timer.
        host.poll(&mut events, ev.next_timeout()).unwrap();
        host_wakeups += 1;
        ev.run_once_timeout(Some(Duration::ZERO)).unwrap();
        remote_seen |= rx.try_recv().is_ok();
    }
    sender.join().unwrap();
    assert_eq!(got.get(), 1, "the timer fired through the host's wait");
    // The host slept in its poller until something was due, rather than spinning (how the
    // two events share wake-ups depends on timing, so only the bound is checked).
    assert!(
        (1..=20).contains(&host_wakeups),
        "{host_wakeups} host wake-ups"
    );
}

#[cfg(feature = "executor")]
#[test]
fn block_on_polls_a_borrowing_future_in_place() {
    let mut total = 0;
    let words = ["a", "bb", "ccc"];
    let out = evloop::block_on(async {
        // A task on the same loop, and a thread-pool job whose wake comes from another thread.
        let t = evloop::spawn(async { 10 });
        let from_thread = evloop::to_thread(|| 5).await.unwrap();
        for w in &words {
            total += w.len();
        }
        t.await.unwrap() + from_thread
    })
    .unwrap();
    assert_eq!((out, total), (15, 6));
}

#[test]
fn block_on_inside_a_running_loop_is_an_error() {
    evloop::run(async {
        assert!(matches!(
            evloop::block_on(async {}),
            Err(LoopError::AnotherLoopRunning)
        ));
    })
    .unwrap();
}

#[test]
fn loops_on_several_threads_pass_work_to_each_other() {
    // Four loops in a ring: each receives a counter from its left neighbour through
    // call_soon_threadsafe, adds one on its own loop, and passes it on, 100 laps.
    const LOOPS: usize = 4;
    const LAPS: u64 = 100;
    let (remote_tx, remote_rx) = mpsc::channel::<(usize, RemoteHandle)>();
    let (next_tx, next_rx) = mpsc::channel::<Vec<RemoteHandle>>();
    let next_rx = std::sync::Arc::new(std::sync::Mutex::new(next_rx));
    let (done_tx, done_rx) = mpsc::channel::<u64>();
    let threads: Vec<_> = (0..LOOPS)
        .map(|i| {
            let (remote_tx, next_rx, done_tx) =
                (remote_tx.clone(), next_rx.clone(), done_tx.clone());
            std::thread::spawn(move || {
                assert!(
                    evloop::get_running_loop().is_err(),
                    "no loop before running"
                );
                let ev = EventLoop::new().unwrap();
                remote_tx.send((i, ev.remote())).unwrap();
                let all = next_rx.lock().unwrap().recv().unwrap();
                let right = all[(i + 1) % LOOPS].clone();
                let own_tasks = Rc::new(Cell::new(0u32));
                // Each loop also runs its own local tasks meanwhile.
                for _ in 0..3 {
                    let n = own_tasks.clone();
                    ev.create_task(async move { n.set(n.get() + 1) }).unwrap();
                }
                ev.handle()
                    .call_soon(move || {
                        THREAD_CTX.with(|c| *c.borrow_mut() = Some((right, done_tx)));
                        if i == 0 {
                            pass(0);
                        }
                    })
                    .unwrap();
                ev.run_forever().unwrap();
                assert_eq!(own_tasks.get(), 3);
                assert!(evloop::get_running_loop().is_err(), "no loop after running");
            })
        })
        .collect();
    let mut remotes: Vec<(usize, RemoteHandle)> =
        (0..LOOPS).map(|_| remote_rx.recv().unwrap()).collect();
    remotes.sort_by_key(|(i, _)| *i);
    let remotes: Vec<RemoteHandle> = remotes.into_iter().map(|(_, r)| r).collect();
    for _ in 0..LOOPS {
        next_tx.send(remotes.clone()).unwrap();
    }
    let total = done_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    assert_eq!(total, LAPS * LOOPS as u64);
    for r in &remotes {
        r.stop().unwrap();
    }
    threads.into_iter().for_each(|t| t.join().unwrap());

    /// This thread's right neighbour, and where the last pass reports.
    type Ctx = (RemoteHandle, mpsc::Sender<u64>);
    thread_local! {
        static THREAD_CTX: std::cell::RefCell<Option<Ctx>> = const { std::cell::RefCell::new(None) };
    }
    /// On this thread's loop: count, then hand the counter to the right neighbour.
    fn pass(count: u64) {
        THREAD_CTX.with(|c| {
            let c = c.borrow();
            let (right, done) = c.as_ref().expect("set before any pass");
            // Runs on the loop that owns this thread.
            assert!(evloop::get_running_loop().is_ok());
            let count = count + 1;
            if count == LAPS * LOOPS as u64 {
                done.send(count).unwrap();
                return;
            }
            right.call_soon_threadsafe(move || pass(count)).unwrap();
        });
    }
}
