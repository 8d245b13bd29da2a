//! The thread-safe door: call_soon_threadsafe and wakes from other threads
//! (asyncio-semantics.md §14.1).

use crate::util;

use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::thread;
use std::time::{Duration, Instant};

use evloop::{EventLoop, LoopError};

#[test]
fn call_soon_threadsafe_wakes_a_loop_blocked_on_a_long_timer() {
    let ev = EventLoop::new().unwrap();
    ev.call_later(Duration::from_secs(60), || {
        panic!("timer must not be reached")
    })
    .unwrap();
    let remote = ev.remote();
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let started = Instant::now();
    let worker = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        for i in 0..3 {
            let g = g.clone();
            remote
                .call_soon_threadsafe(move || g.lock().unwrap().push(i))
                .unwrap();
        }
        remote.stop().unwrap();
    });
    ev.run_forever().unwrap();
    worker.join().unwrap();
    assert_eq!(*got.lock().unwrap(), [0, 1, 2], "FIFO from one thread");
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "woken long before the timer"
    );
}

#[test]
fn a_task_woken_from_another_thread_resumes() {
    let (tx, rx) = mpsc::channel();
    let out = evloop::run(async move {
        let mut sent = false;
        let flag = Arc::new(Mutex::new(false));
        std::future::poll_fn(move |cx| {
            if *flag.lock().unwrap() {
                return Poll::Ready("woken remotely");
            }
            if !sent {
                sent = true;
                let waker = cx.waker().clone();
                let flag = flag.clone();
                tx.send(thread::spawn(move || {
                    thread::sleep(Duration::from_millis(20));
                    *flag.lock().unwrap() = true;
                    waker.wake();
                }))
                .unwrap();
            }
            Poll::Pending
        })
        .await
    })
    .unwrap();
    rx.recv().unwrap().join().unwrap();
    assert_eq!(out, "woken remotely");
}

#[test]
fn many_threads_calling_in_at_once_lose_nothing() {
    let ev = EventLoop::new().unwrap();
    let count = Arc::new(Mutex::new(0usize));
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let remote = ev.remote();
            let count = count.clone();
            thread::spawn(move || {
                for _ in 0..1000 {
                    let c = count.clone();
                    remote
                        .call_soon_threadsafe(move || *c.lock().unwrap() += 1)
                        .unwrap();
                }
            })
        })
        .collect();
    let c = count.clone();
    ev.run_until_complete(async move {
        while *c.lock().unwrap() < 4000 {
            evloop::sleep(Duration::from_millis(1)).await;
        }
    })
    .unwrap();
    for w in workers {
        w.join().unwrap();
    }
    assert_eq!(*count.lock().unwrap(), 4000);
}

#[test]
fn a_remote_handle_outliving_its_loop_gets_closed() {
    let ev = EventLoop::new().unwrap();
    let remote = ev.remote();
    drop(ev);
    assert!(remote.is_closed());
    assert!(matches!(
        remote.call_soon_threadsafe(|| ()),
        Err(LoopError::Closed)
    ));
    thread::spawn(move || assert!(remote.call_soon_threadsafe(|| ()).is_err()))
        .join()
        .unwrap();
}

#[test]
fn a_waker_outliving_its_loop_is_a_harmless_no_op() {
    let ev = EventLoop::new().unwrap();
    let p = util::Pending::new();
    let _task = ev.create_task(p.clone()).unwrap();
    ev.run_once().unwrap();
    let waker = p.waker.borrow().clone().unwrap();
    drop(ev);
    waker.wake_by_ref();
    thread::spawn(move || waker.wake()).join().unwrap();
}

#[test]
fn loops_on_different_threads_run_side_by_side() {
    let handles: Vec<_> = (0..3)
        .map(|i| {
            thread::spawn(move || {
                evloop::run(async move {
                    let t = evloop::spawn(async move {
                        evloop::sleep(Duration::from_millis(5)).await;
                        i * 10
                    });
                    t.await.unwrap()
                })
                .unwrap()
            })
        })
        .collect();
    let outs: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(outs, [0, 10, 20]);
}
