//! Signals (asyncio-semantics.md §20.4): delivered as ordinary loop callbacks, replaced by a
//! second add, removed, refused for uncatchable or unknown numbers, and seen by every loop
//! that watches. Each test uses its own signal: the tests of this file share a process.
#![cfg(all(unix, feature = "signal"))]

use std::cell::Cell;
use std::rc::Rc;
use std::sync::mpsc;
use std::time::Duration;

use evloop::signals::{SIGUSR1, SIGUSR2, SIGWINCH, raise};
use evloop::{EventLoop, LoopError, SignalError};

#[test]
fn a_signal_runs_its_handler_as_a_callback_on_the_loop_thread() {
    let ev = EventLoop::new().unwrap();
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    let h = ev.handle();
    let loop_thread = std::thread::current().id();
    ev.add_signal_handler(SIGUSR1, move || {
        assert_eq!(std::thread::current().id(), loop_thread);
        assert!(
            evloop::get_running_loop().is_ok(),
            "inside the running loop"
        );
        c.set(c.get() + 1);
        h.stop();
    })
    .unwrap();
    // Nothing runs in signal context: raising only writes to the pipe.
    raise(SIGUSR1).unwrap();
    raise(SIGUSR1).unwrap();
    assert_eq!(calls.get(), 0, "not called before the loop runs");
    ev.run_forever().unwrap();
    // Two arrivals before the loop looked are one call, as in asyncio.
    assert_eq!(calls.get(), 1);
    assert!(ev.remove_signal_handler(SIGUSR1));
    assert!(!ev.remove_signal_handler(SIGUSR1), "already removed");
}

#[test]
fn adding_again_replaces_the_handler() {
    let ev = EventLoop::new().unwrap();
    let which = Rc::new(Cell::new(""));
    for name in ["first", "second"] {
        let (w, h) = (which.clone(), ev.handle());
        ev.add_signal_handler(SIGWINCH, move || {
            w.set(name);
            h.stop();
        })
        .unwrap();
    }
    raise(SIGWINCH).unwrap();
    ev.run_forever().unwrap();
    assert_eq!(which.get(), "second");
    // Closing the loop removes its handlers (SIGWINCH's default is to ignore it).
    ev.close().unwrap();
    raise(SIGWINCH).unwrap();
}

#[test]
fn uncatchable_unknown_and_closed_are_errors() {
    let ev = EventLoop::new().unwrap();
    for sig in [9, 19] {
        match ev.add_signal_handler(sig, || {}) {
            Err(SignalError::Uncatchable(s)) => {
                assert_eq!(s, sig);
                assert_eq!(
                    SignalError::Uncatchable(s).to_string(),
                    format!("sig {sig} cannot be caught")
                );
            }
            other => panic!("{sig}: {other:?}"),
        }
    }
    assert!(matches!(
        ev.add_signal_handler(12345, || {}),
        Err(SignalError::Invalid(12345))
    ));
    ev.close().unwrap();
    assert!(matches!(
        ev.add_signal_handler(SIGUSR2, || {}),
        Err(SignalError::Loop(LoopError::Closed))
    ));
}

#[test]
fn every_loop_watching_a_signal_gets_it() {
    // Two loops on two threads watch SIGUSR2; one raise reaches both.
    let (ready_tx, ready_rx) = mpsc::channel();
    let (done_tx, done_rx) = mpsc::channel();
    let threads: Vec<_> = (0..2)
        .map(|i| {
            let (ready_tx, done_tx) = (ready_tx.clone(), done_tx.clone());
            std::thread::spawn(move || {
                let ev = EventLoop::new().unwrap();
                let h = ev.handle();
                ev.add_signal_handler(SIGUSR2, move || h.stop()).unwrap();
                ready_tx.send(()).unwrap();
                ev.run_forever().unwrap();
                done_tx.send(i).unwrap();
                // Keep watching until both loops saw it, so the raise never meets an
                // unwatched SIGUSR2 (whose default action ends the process).
                std::thread::sleep(Duration::from_millis(100));
            })
        })
        .collect();
    ready_rx.recv().unwrap();
    ready_rx.recv().unwrap();
    raise(SIGUSR2).unwrap();
    let mut got: Vec<i32> = (0..2)
        .map(|_| done_rx.recv_timeout(Duration::from_secs(10)).unwrap())
        .collect();
    got.sort();
    assert_eq!(got, [0, 1]);
    threads.into_iter().for_each(|t| t.join().unwrap());
}
