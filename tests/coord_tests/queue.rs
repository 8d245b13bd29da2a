//! Queues (asyncio-semantics.md §18): order, capacity, waiting, cancellation, join, shutdown.

use crate::util;

use std::time::Duration;

use evloop::{EventLoop, GetError, LifoQueue, PriorityQueue, PutError, Queue};
use util::Trace;

#[test]
fn fifo_lifo_and_priority_orders() {
    let q = Queue::new(0);
    let l = LifoQueue::new(0);
    let p = PriorityQueue::new(0);
    for i in [3, 1, 2] {
        q.put_nowait(i).unwrap();
        l.put_nowait(i).unwrap();
        p.put_nowait(i).unwrap();
    }
    let drain =
        |f: &dyn Fn() -> Result<i32, GetError>| (0..3).map(|_| f().unwrap()).collect::<Vec<_>>();
    assert_eq!(drain(&|| q.get_nowait()), [3, 1, 2]);
    assert_eq!(drain(&|| l.get_nowait()), [2, 1, 3]);
    assert_eq!(drain(&|| p.get_nowait()), [1, 2, 3]);
}

#[test]
fn nowait_errors_hand_the_item_back() {
    let q = Queue::new(1);
    assert_eq!(q.get_nowait(), Err(GetError::Empty));
    q.put_nowait("a").unwrap();
    assert!(q.full());
    assert_eq!(q.put_nowait("b"), Err(PutError::Full("b")));
    assert_eq!(q.qsize(), 1);
    let unbounded = Queue::new(0);
    for i in 0..10_000 {
        unbounded.put_nowait(i).unwrap();
    }
    assert!(!unbounded.full());
    assert_eq!(unbounded.maxsize(), 0);
}

#[test]
fn waiting_getters_are_served_first_come_first_served() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let q = Queue::new(0);
        let mut getters = Vec::new();
        for name in ["g1", "g2", "g3"] {
            let (q, t) = (q.clone(), t2.clone());
            getters.push(evloop::spawn(async move {
                let item = q.get().await.unwrap();
                t.log(format!("{name} got {item}"));
            }));
            evloop::yield_now().await; // g1 waits first, then g2, then g3
        }
        for i in 0..3 {
            q.put_nowait(i).unwrap();
        }
        for g in getters {
            g.await.unwrap();
        }
    })
    .unwrap();
    t.assert(&["g1 got 0", "g2 got 1", "g3 got 2"]);
}

#[test]
fn a_full_queue_makes_putters_wait_in_order() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let q = Queue::new(1);
        q.put_nowait(0).unwrap();
        let mut putters = Vec::new();
        for i in 1..=3 {
            let (q, t) = (q.clone(), t2.clone());
            putters.push(evloop::spawn(async move {
                q.put(i).await.unwrap();
                t.log(format!("put {i}"));
            }));
        }
        evloop::yield_now().await;
        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(q.get().await.unwrap());
        }
        assert_eq!(got, [0, 1, 2, 3]);
        for p in putters {
            p.await.unwrap();
        }
    })
    .unwrap();
    t.assert(&["put 1", "put 2", "put 3"]);
}

#[test]
fn a_getter_cancelled_while_waiting_takes_nothing() {
    let ev = EventLoop::new().unwrap();
    let q: Queue<i32> = Queue::new(0);
    let q2 = q.clone();
    let getter = ev.create_task(async move { q2.get().await }).unwrap();
    ev.run_once().unwrap(); // the getter waits
    getter.cancel();
    ev.run_once().unwrap();
    assert!(getter.cancelled());
    q.put_nowait(7).unwrap();
    assert_eq!(
        q.get_nowait(),
        Ok(7),
        "the item was not lost to the cancelled getter"
    );
}

#[test]
fn a_woken_getter_cancelled_before_it_runs_passes_the_wake_up_on() {
    // asyncio test_get_cancelled_race.
    let ev = EventLoop::new().unwrap();
    let q: Queue<i32> = Queue::new(0);
    let (qa, qb) = (q.clone(), q.clone());
    let a = ev.create_task(async move { qa.get().await }).unwrap();
    let mut b = ev.create_task(async move { qb.get().await }).unwrap();
    ev.run_once().unwrap(); // both wait, a first
    q.put_nowait(1).unwrap(); // wakes a
    a.cancel(); // ... which is cancelled before it runs
    ev.run_once().unwrap(); // a drops: its wake-up goes to b
    ev.run_once().unwrap();
    assert!(a.cancelled());
    assert_eq!(b.take_result(), Some(Ok(Ok(1))));
}

#[test]
fn a_woken_putter_cancelled_before_it_runs_passes_the_slot_on() {
    // asyncio test_put_cancelled_race.
    let ev = EventLoop::new().unwrap();
    let q = Queue::new(1);
    q.put_nowait(0).unwrap();
    let (qa, qb) = (q.clone(), q.clone());
    let a = ev.create_task(async move { qa.put(1).await }).unwrap();
    let b = ev.create_task(async move { qb.put(2).await }).unwrap();
    ev.run_once().unwrap(); // both wait for a slot
    assert_eq!(q.get_nowait(), Ok(0)); // frees a slot, wakes a
    a.cancel();
    ev.run_once().unwrap();
    ev.run_once().unwrap();
    assert!(a.cancelled());
    assert!(b.done() && !b.cancelled());
    assert_eq!(
        q.get_nowait(),
        Ok(2),
        "b got the slot, a's item was never put"
    );
    assert!(q.empty());
}

#[test]
fn waking_is_not_a_hand_off() {
    // asyncio §18.4: get_nowait can take the item a woken getter was woken for; the getter
    // looks again and goes back to the end of the line.
    let ev = EventLoop::new().unwrap();
    let q: Queue<i32> = Queue::new(0);
    let (qa, qb) = (q.clone(), q.clone());
    let mut a = ev.create_task(async move { qa.get().await }).unwrap();
    let mut b = ev.create_task(async move { qb.get().await }).unwrap();
    ev.run_once().unwrap();
    q.put_nowait(1).unwrap(); // wakes a
    assert_eq!(q.get_nowait(), Ok(1)); // stolen before a runs
    ev.call_soon(|| ()).unwrap(); // keep the next turns from blocking
    ev.run_once().unwrap(); // a finds nothing and re-queues behind b
    q.put_nowait(2).unwrap(); // wakes b (now first in line)
    ev.run_once().unwrap();
    assert_eq!(b.take_result(), Some(Ok(Ok(2))));
    assert!(!a.done());
    q.put_nowait(3).unwrap();
    ev.run_once().unwrap();
    assert_eq!(a.take_result(), Some(Ok(Ok(3))));
}

#[test]
fn task_done_and_join() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let q = Queue::new(0);
        assert!(q.task_done().is_err(), "nothing was put");
        for i in 0..3 {
            q.put_nowait(i).unwrap();
        }
        let worker = {
            let (q, t) = (q.clone(), t2.clone());
            evloop::spawn(async move {
                while let Ok(item) = q.get().await {
                    evloop::sleep(Duration::from_millis(1)).await;
                    t.log(format!("processed {item}"));
                    q.task_done().unwrap();
                }
            })
        };
        q.join().await;
        t2.log("joined");
        assert_eq!(
            q.task_done().unwrap_err().to_string(),
            "task_done() called too many times"
        );
        worker.cancel();
    })
    .unwrap();
    t.assert(&["processed 0", "processed 1", "processed 2", "joined"]);
}

#[test]
fn shutdown_fails_puts_drains_gets_and_wakes_everyone() {
    evloop::run(async {
        let q = Queue::new(1);
        q.put_nowait(1).unwrap();
        let blocked_putter = {
            let q = q.clone();
            evloop::spawn(async move { q.put(2).await })
        };
        let empty: Queue<i32> = Queue::new(0);
        let blocked_getter = {
            let e = empty.clone();
            evloop::spawn(async move { e.get().await })
        };
        evloop::yield_now().await;
        q.shutdown(false);
        empty.shutdown(false);
        assert_eq!(blocked_putter.await.unwrap(), Err(PutError::ShutDown(2)));
        assert_eq!(blocked_getter.await.unwrap(), Err(GetError::ShutDown));
        assert_eq!(q.put_nowait(3), Err(PutError::ShutDown(3)));
        assert_eq!(q.get().await, Ok(1), "queued items still come out");
        assert_eq!(q.get().await, Err(GetError::ShutDown));
        assert_eq!(q.get_nowait(), Err(GetError::ShutDown));
    })
    .unwrap();
}

#[test]
fn immediate_shutdown_drops_items_and_releases_join() {
    evloop::run(async {
        let q = Queue::new(0);
        for i in 0..3 {
            q.put_nowait(i).unwrap();
        }
        let joiner = {
            let q = q.clone();
            evloop::spawn(async move { q.join().await })
        };
        evloop::yield_now().await;
        q.shutdown(true);
        assert!(q.empty());
        joiner.await.unwrap();
    })
    .unwrap();
}
