//! Event, Lock, Semaphore, BoundedSemaphore, Condition, Barrier (asyncio-semantics.md §19),
//! including the cancellation paths.

use crate::util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::sync::{Barrier, BoundedSemaphore, Condition, Event, Lock, Semaphore};
use evloop::{BrokenBarrierError, EventLoop};
use util::Trace;

#[test]
fn event_wakes_waiters_in_order_and_clear_does_not_unwake_them() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let ev = Event::new();
        let waiters: Vec<_> = (0..3)
            .map(|i| {
                let (ev, t) = (ev.clone(), t2.clone());
                evloop::spawn(async move {
                    ev.wait().await;
                    t.log(format!("w{i}"));
                })
            })
            .collect();
        evloop::yield_now().await;
        ev.set();
        ev.clear(); // too late to un-wake them
        for w in waiters {
            w.await.unwrap();
        }
        assert!(!ev.is_set());
        ev.set();
        ev.wait().await; // set: returns at once
    })
    .unwrap();
    t.assert(&["w0", "w1", "w2"]);
}

#[test]
fn lock_is_fair_fifo_and_releases_on_drop() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let lock = Lock::new();
        let held = lock.acquire().await;
        let tasks: Vec<_> = (0..3)
            .map(|i| {
                let (lock, t) = (lock.clone(), t2.clone());
                evloop::spawn(async move {
                    let _g = lock.acquire().await;
                    t.log(format!("t{i} in"));
                    evloop::yield_now().await;
                    t.log(format!("t{i} out"));
                })
            })
            .collect();
        evloop::yield_now().await;
        drop(held);
        // A newcomer cannot barge past the woken waiter.
        assert!(lock.try_acquire().is_none());
        for task in tasks {
            task.await.unwrap();
        }
        assert!(!lock.locked());
    })
    .unwrap();
    t.assert(&["t0 in", "t0 out", "t1 in", "t1 out", "t2 in", "t2 out"]);
}

#[test]
fn a_cancelled_holder_releases_the_lock() {
    evloop::run(async {
        let lock = Lock::new();
        let holder = {
            let lock = lock.clone();
            evloop::spawn(async move {
                let _g = lock.acquire().await;
                evloop::sleep(Duration::from_secs(3600)).await;
            })
        };
        evloop::yield_now().await;
        assert!(lock.locked());
        holder.cancel();
        let _ = holder.await;
        assert!(!lock.locked());
    })
    .unwrap();
}

#[test]
fn a_lock_waiter_cancelled_after_being_woken_passes_its_turn_on() {
    // asyncio test_cancel_race.
    let ev = EventLoop::new().unwrap();
    let lock = Lock::new();
    let held = lock.try_acquire().unwrap();
    let got = Rc::new(Cell::new(""));
    let (la, lb, g) = (lock.clone(), lock.clone(), got.clone());
    let a = ev.create_task(async move { la.acquire().await }).unwrap();
    let b = ev
        .create_task(async move {
            let _g = lb.acquire().await;
            g.set("b");
        })
        .unwrap();
    ev.run_once().unwrap(); // both wait
    drop(held); // wakes a
    a.cancel(); // cancelled before it runs
    ev.run_once().unwrap();
    ev.run_once().unwrap();
    assert!(a.cancelled());
    assert!(b.done());
    assert_eq!(got.get(), "b");
    assert!(!lock.locked());
}

#[test]
fn semaphore_limits_and_hands_units_over_fifo() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let sem = Semaphore::new(2);
        let running = Rc::new(Cell::new(0));
        let max = Rc::new(Cell::new(0));
        let tasks: Vec<_> = (0..5)
            .map(|i| {
                let (sem, t, running, max) =
                    (sem.clone(), t2.clone(), running.clone(), max.clone());
                evloop::spawn(async move {
                    let _p = sem.acquire().await;
                    t.log(format!("t{i}"));
                    running.set(running.get() + 1);
                    max.set(max.get().max(running.get()));
                    evloop::sleep(Duration::from_millis(1)).await;
                    running.set(running.get() - 1);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(max.get(), 2);
        assert_eq!(sem.value(), 2);
    })
    .unwrap();
    t.assert(&["t0", "t1", "t2", "t3", "t4"]);
}

#[test]
fn a_semaphore_waiter_cancelled_after_receiving_a_unit_gives_it_back() {
    let ev = EventLoop::new().unwrap();
    let sem = Semaphore::new(1);
    let held = ev.run_until_complete({
        let s = sem.clone();
        async move { s.acquire().await }
    });
    let held = held.unwrap();
    let (sa, sb) = (sem.clone(), sem.clone());
    let a = ev.create_task(async move { sa.acquire().await }).unwrap();
    let b = ev.create_task(async move { sb.acquire().await }).unwrap();
    ev.run_once().unwrap();
    drop(held); // the unit goes to a
    assert_eq!(sem.value(), 0, "handed over at release time");
    a.cancel();
    ev.run_once().unwrap();
    ev.run_once().unwrap();
    assert!(a.cancelled());
    assert!(b.done() && !b.cancelled(), "a's unit went on to b");
    drop(b);
    assert_eq!(
        sem.value(),
        1,
        "b's permit was dropped with its result: unit back"
    );
}

#[test]
fn bounded_semaphore_refuses_to_release_too_often() {
    let sem = BoundedSemaphore::new(1);
    assert_eq!(
        sem.release().unwrap_err().to_string(),
        "BoundedSemaphore released too many times"
    );
    let plain = Semaphore::new(1);
    plain.release().unwrap(); // a plain semaphore may grow
    assert_eq!(plain.value(), 2);
    evloop::run(async move {
        let p = sem.acquire().await;
        p.forget();
        assert_eq!(sem.value(), 0);
        sem.release().unwrap();
        assert!(sem.release().is_err());
    })
    .unwrap();
}

#[test]
fn condition_wait_notify_and_wait_for() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let cond = Rc::new(Condition::new());
        let items = Rc::new(Cell::new(0));
        let consumers: Vec<_> = (0..3)
            .map(|i| {
                let (cond, items, t) = (cond.clone(), items.clone(), t2.clone());
                evloop::spawn(async move {
                    let g = cond.acquire().await;
                    let _g = cond.wait_for(g, || items.get() > 0).await;
                    items.set(items.get() - 1);
                    t.log(format!("c{i}"));
                })
            })
            .collect();
        evloop::yield_now().await;
        let g = cond.acquire().await;
        items.set(1);
        cond.notify(&g, 1);
        drop(g);
        evloop::sleep(Duration::from_millis(1)).await;
        let g = cond.acquire().await;
        items.set(2);
        cond.notify_all(&g);
        drop(g);
        for c in consumers {
            c.await.unwrap();
        }
    })
    .unwrap();
    t.assert(&["c0", "c1", "c2"]);
}

#[test]
#[should_panic(expected = "own lock")]
fn condition_wait_needs_its_own_lock() {
    evloop::run(async {
        let cond = Condition::new();
        let other = Lock::new();
        let g = other.acquire().await;
        let _ = cond.wait(g).await;
    })
    .unwrap();
}

#[test]
fn barrier_releases_all_parties_and_can_be_broken() {
    evloop::run(async {
        let b = Barrier::new(2);
        let first = {
            let b = b.clone();
            evloop::spawn(async move { b.wait().await })
        };
        evloop::yield_now().await;
        assert_eq!(b.n_waiting(), 1);
        assert_eq!(b.wait().await, Ok(1), "the last arrival returns at once");
        assert_eq!(first.await.unwrap(), Ok(0));
        // Reusable for another round; abort breaks it.
        let waiting = {
            let b = b.clone();
            evloop::spawn(async move { b.wait().await })
        };
        evloop::yield_now().await;
        b.abort();
        assert_eq!(waiting.await.unwrap(), Err(BrokenBarrierError));
        assert_eq!(b.wait().await, Err(BrokenBarrierError));
        b.reset();
        assert!(!b.broken());
    })
    .unwrap();
}

#[test]
fn a_cancelled_barrier_party_no_longer_counts() {
    evloop::run(async {
        let b = Barrier::new(2);
        let quitter = {
            let b = b.clone();
            evloop::spawn(async move { b.wait().await })
        };
        evloop::yield_now().await;
        quitter.cancel();
        let _ = quitter.await;
        assert_eq!(b.n_waiting(), 0);
    })
    .unwrap();
}
