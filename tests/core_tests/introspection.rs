//! Introspection: every task's name, id, location, state and poll count; `all_tasks` and the
//! `dump` table; the loop's counters.

#![cfg(feature = "observe")]

use crate::util;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use evloop::{EventLoop, LoopStats, TaskState};
use util::manual_loop;

#[test]
fn a_task_walks_through_its_states() {
    let ev = EventLoop::new().unwrap();
    let seen_inside = Rc::new(RefCell::new(None));
    let s = seen_inside.clone();
    let fut = ev.create_future::<()>();
    let (tx, rx) = (fut.clone(), fut);
    let task = ev
        .create_task(async move {
            *s.borrow_mut() = evloop::current_task().map(|t| t.state());
            rx.await.unwrap();
        })
        .unwrap();
    assert_eq!(task.state(), TaskState::Scheduled);
    assert_eq!(task.poll_count(), 0);
    ev.stop();
    ev.run_forever().unwrap();
    assert_eq!(*seen_inside.borrow(), Some(TaskState::Running));
    assert_eq!(task.state(), TaskState::Waiting);
    assert_eq!(task.poll_count(), 1);
    tx.set_result(()).unwrap();
    let r = task.task_ref();
    ev.run_until_complete(task).unwrap().unwrap();
    assert_eq!(r.state(), TaskState::Done);
    assert_eq!(r.poll_count(), 2);
    let shown = format!("{r:?}");
    assert!(
        shown.contains("Done polls=2 spawned at tests/core_tests/introspection.rs:"),
        "{shown}"
    );
}

#[test]
fn the_dump_table_lists_every_unfinished_task() {
    let (ev, _clock) = manual_loop();
    let (table, b_at) = ev
        .run_until_complete(async {
            let a = evloop::spawn(evloop::sleep(Duration::from_secs(5)));
            a.set_name("sleeper");
            let b = evloop::spawn(async {
                for _ in 0..3 {
                    evloop::yield_now().await;
                }
                evloop::sleep(Duration::from_secs(5)).await;
            });
            b.set_name("yielder");
            let b_at = b.location().line();
            evloop::sleep(Duration::from_secs(1)).await;
            assert_eq!(evloop::all_tasks().len(), 3);
            let table = evloop::dump();
            a.cancel();
            b.cancel();
            (table, b_at)
        })
        .unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].starts_with("  id  name     state       polls  poll time  spawned at"),
        "{table}"
    );
    assert!(
        lines[1].starts_with("   1  Task-1   Running         2"),
        "{table}"
    );
    assert!(
        lines[2].starts_with("   2  sleeper  Waiting         1"),
        "{table}"
    );
    assert!(
        lines[3].starts_with("   3  yielder  Waiting         4"),
        "{table}"
    );
    assert!(
        lines[3].ends_with(&format!("tests/core_tests/introspection.rs:{b_at}:21")),
        "{table}"
    );
    // Then the counters.
    assert!(table.contains("           turns: "), "{table}");
    assert!(table.contains("timers scheduled: 3"), "{table}");
    assert_eq!(
        evloop::dump(),
        "",
        "outside a loop there is nothing to dump"
    );
}

#[test]
fn counters_count_callbacks_polls_wakes_and_timers() {
    let (ev, _clock) = manual_loop();
    let start = ev.stats();
    assert_eq!(start, LoopStats::default());
    for _ in 0..3 {
        ev.call_soon(|| ()).unwrap();
    }
    let cancelled = ev.call_later(Duration::from_secs(1), || ()).unwrap();
    ev.call_later(Duration::from_secs(2), || ()).unwrap();
    cancelled.cancel();
    ev.run_until_complete(async {
        for _ in 0..5 {
            evloop::yield_now().await;
        }
        evloop::sleep(Duration::from_secs(3)).await;
    })
    .unwrap();
    let s = ev.stats();
    assert_eq!(s.timers_scheduled, 3);
    assert_eq!(s.timers_cancelled, 1);
    assert_eq!(s.timers_fired, 2);
    // 3 call_soon + the call_later that fired + the sleep's timer callback.
    assert!(s.callbacks >= 5, "{s:?}");
    // The main task: first step, 5 yields, the sleep's wake-up.
    assert_eq!(s.polls, 7, "{s:?}");
    assert_eq!(s.local_wakes, 6, "{s:?}"); // 5 yields + the timer's wake
    assert_eq!(s.remote_wakes, 0);
    assert!(s.turns >= 8, "{s:?}");
}

#[test]
fn remote_wakes_and_blocked_time_are_counted() {
    let ev = EventLoop::new().unwrap();
    ev.run_until_complete(async {
        // A waker used from another thread: the wake comes through the remote queue, after
        // the loop has blocked in poll for a while.
        std::future::poll_fn({
            let mut sent = false;
            move |cx| {
                if sent {
                    return std::task::Poll::Ready(());
                }
                sent = true;
                let waker = cx.waker().clone();
                std::thread::spawn(move || {
                    std::thread::sleep(Duration::from_millis(30));
                    waker.wake();
                });
                std::task::Poll::Pending
            }
        })
        .await;
    })
    .unwrap();
    let s = ev.stats();
    assert_eq!(s.remote_wakes, 1, "{s:?}");
    assert!(s.blocked >= Duration::from_millis(20), "{s:?}");
    assert!(s.reactor_polls >= 1);
}

#[cfg(all(unix, feature = "net"))]
#[test]
fn io_events_are_counted() {
    use evloop::io::{AsyncReadExt, AsyncWriteExt};
    let ev = EventLoop::new().unwrap();
    ev.run_until_complete(async {
        let (mut a, mut b) = evloop::net::UnixStream::pair().unwrap();
        let writer = evloop::spawn(async move {
            evloop::sleep(Duration::from_millis(10)).await;
            a.write_all(b"x").await.unwrap();
            a
        });
        let mut buf = [0u8; 1];
        b.read_exact(&mut buf).await.unwrap();
        drop(writer.await);
    })
    .unwrap();
    assert!(ev.stats().io_events >= 1, "{:?}", ev.stats());
}
