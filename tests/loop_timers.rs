//! Timers on a virtual clock, and compaction of cancelled timers (asyncio-semantics.md §2, §7).

mod util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use util::{Trace, manual_loop, stepped_loop};

#[test]
fn an_hour_of_sleeping_takes_no_real_time_on_a_manual_clock() {
    let (ev, _clock) = manual_loop();
    let real = std::time::Instant::now();
    let start = ev.time();
    ev.run_until_complete(async {
        for _ in 0..60 {
            evloop::sleep(Duration::from_secs(60)).await;
        }
    })
    .unwrap();
    assert_eq!(ev.time() - start, Duration::from_secs(3600));
    assert!(
        real.elapsed() < Duration::from_secs(30),
        "generous: no real sleeping"
    );
}

#[test]
fn a_stepped_clock_fires_timers_only_when_advanced() {
    let (ev, clock) = stepped_loop();
    let t = Trace::new();
    ev.call_later(Duration::from_secs(10), t.cb("10s")).unwrap();
    ev.call_later(Duration::from_secs(20), t.cb("20s")).unwrap();
    ev.run_once().unwrap();
    t.assert(&[]);
    clock.advance(Duration::from_secs(9));
    ev.run_once().unwrap();
    t.assert(&[]);
    clock.advance(Duration::from_secs(1));
    ev.run_once().unwrap();
    t.assert(&["10s"]);
    clock.advance(Duration::from_secs(100));
    ev.run_once().unwrap();
    t.assert(&["10s", "20s"]);
}

#[test]
fn the_deadline_is_fixed_when_call_later_is_called() {
    let (ev, clock) = stepped_loop();
    let h = ev.call_later(Duration::from_secs(5), || ()).unwrap();
    let expected = ev.time() + Duration::from_secs(5);
    clock.advance(Duration::from_secs(1));
    assert_eq!(h.when(), expected);
}

#[test]
fn sleep_until_wakes_at_the_instant_and_a_past_instant_still_yields() {
    let (ev, _clock) = manual_loop();
    let start = ev.time();
    let t = Trace::new();
    let t2 = t.clone();
    let h = ev.handle();
    ev.call_soon(t.cb("callback queued before the task"))
        .unwrap();
    ev.run_until_complete(async move {
        evloop::sleep_until(start + Duration::from_secs(7)).await;
        t2.log(format!("woke at +{:?}", h.time() - start));
        // A deadline already passed does not return synchronously: the loop fires it.
        let turn_marker = t2.clone();
        h.call_soon(move || turn_marker.log("a turn passed"))
            .unwrap();
        evloop::sleep_until(start).await;
        t2.log("past deadline done");
    })
    .unwrap();
    t.assert(&[
        "callback queued before the task",
        "woke at +7s",
        "a turn passed",
        "past deadline done",
    ]);
}

#[test]
fn sleeps_interleave_by_deadline() {
    // Seed 002 example 4's shape: two countdowns with equal periods interleave.
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let (a, b) = (t.clone(), t.clone());
    ev.run_until_complete(async move {
        let first = evloop::spawn(async move {
            for i in (1..=2).rev() {
                a.log(format!("first {i}"));
                evloop::sleep(Duration::from_secs(1)).await;
            }
        });
        let second = evloop::spawn(async move {
            for i in (1..=4).rev() {
                b.log(format!("second {i}"));
                evloop::sleep(Duration::from_secs(1)).await;
            }
        });
        first.await.unwrap();
        second.await.unwrap();
    })
    .unwrap();
    t.assert(&[
        "first 2", "second 4", "first 1", "second 3", "second 2", "second 1",
    ]);
}

#[test]
fn dropping_a_sleep_cancels_its_timer() {
    let (ev, _clock) = manual_loop();
    let task = ev
        .create_task(evloop::sleep(Duration::from_secs(100)))
        .unwrap();
    ev.run_once().unwrap();
    assert_eq!(ev.timer_heap_len(), 1);
    task.cancel();
    ev.run_once().unwrap(); // the step drops the future, which cancels the timer
    assert!(task.cancelled());
    // The next turn removes the cancelled head while working out its timeout. (With nothing
    // at all to do, a turn blocks until woken, so give it a callback.)
    ev.call_soon(|| ()).unwrap();
    ev.run_once().unwrap();
    assert_eq!(ev.timer_heap_len(), 0);
}

/// Resident set size in bytes (Linux), or None elsewhere.
fn rss() -> Option<usize> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: usize = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

#[test]
fn a_million_armed_and_cancelled_timers_leave_memory_flat() {
    let (ev, _clock) = manual_loop();
    let fired = Rc::new(Cell::new(0));
    let mut max_heap = 0;
    let before = rss();
    for _ in 0..1_000_000 {
        let f = fired.clone();
        let h = ev
            .call_later(Duration::from_secs(60), move || f.set(f.get() + 1))
            .unwrap();
        h.cancel();
        max_heap = max_heap.max(ev.timer_heap_len());
    }
    // The heap is rebuilt whenever cancelled entries are the majority of >100 entries.
    assert!(max_heap <= 2 * 101, "heap grew to {max_heap}");
    // A live timer among the cancelled ones still fires.
    let f = fired.clone();
    ev.call_later(Duration::from_secs(1), move || f.set(f.get() + 100))
        .unwrap();
    ev.run_until_complete(evloop::sleep(Duration::from_secs(120)))
        .unwrap();
    assert_eq!(fired.get(), 100);
    if let (Some(before), Some(after)) = (before, rss()) {
        // 1M timers kept would be ~100 MB; allow generous slack for the allocator.
        assert!(
            after.saturating_sub(before) < 16 << 20,
            "RSS grew by {} bytes",
            after - before
        );
    }
}

#[test]
fn cancelled_timers_inside_a_long_lived_heap_are_compacted_too() {
    let (ev, _clock) = manual_loop();
    let keep: Vec<_> = (0..1000)
        .map(|i| ev.call_later(Duration::from_secs(1000 + i), || ()).unwrap())
        .collect();
    for _ in 0..100_000 {
        ev.call_later(Duration::from_secs(5), || ())
            .unwrap()
            .cancel();
    }
    assert!(
        ev.timer_heap_len() <= 2 * 1000 + 1,
        "{}",
        ev.timer_heap_len()
    );
    assert!(keep.iter().all(|h| !h.cancelled()));
}

#[test]
fn a_sleep_polled_first_by_one_task_wakes_the_task_that_awaits_it_later() {
    // The sleep arms its timer with the main task's waker, then moves into another task: the
    // deadline must wake that task (the timer swaps wakers in place), not the first one.
    let (ev, _clock) = manual_loop();
    let out = ev
        .run_until_complete(async {
            let mut sleep = Box::pin(evloop::sleep(Duration::from_secs(10)));
            std::future::poll_fn(|cx| {
                assert!(sleep.as_mut().poll(cx).is_pending(), "armed, not due");
                std::task::Poll::Ready(())
            })
            .await;
            let moved = evloop::spawn(async move {
                sleep.await;
                "woken"
            });
            // A guard: if the wrong task were woken, this times out instead of hanging.
            evloop::wait_for(moved, Duration::from_secs(3600)).await
        })
        .unwrap();
    assert_eq!(out, Ok(Ok("woken")));
}

/// asyncio's `sleep` cancels its timer handle in a `finally`: a task that stops awaiting its
/// sleep after the timer came due, but before the timer's callback ran, is not woken by it.
#[test]
fn a_sleep_dropped_between_coming_due_and_its_wake_wakes_nobody() {
    use std::cell::RefCell;
    use std::future::poll_fn;
    use std::task::{Poll, Waker};

    let (ev, clock) = stepped_loop();
    let give_up = Rc::new(Cell::new(false));
    let waker: Rc<RefCell<Option<Waker>>> = Rc::default();
    let (g, w) = (give_up.clone(), waker.clone());
    let mut sleep = Some(Box::pin(evloop::sleep(Duration::from_secs(1))));
    let task = ev
        .create_task(poll_fn(move |cx| {
            *w.borrow_mut() = Some(cx.waker().clone());
            if g.get() {
                sleep = None; // stop waiting: drops the sleep, cancelling its timer
            } else if let Some(s) = sleep.as_mut() {
                assert!(
                    s.as_mut().poll(cx).is_pending(),
                    "the sleep never ends here"
                );
            }
            Poll::<()>::Pending
        }))
        .unwrap();
    ev.run_once().unwrap(); // first step: the sleep arms its timer
    assert_eq!(task.task_ref().poll_count(), 1);
    clock.advance(Duration::from_secs(1));
    // Woken from outside the running loop: the wake is queued remotely, so the next turn
    // queues the task (phase 3) ahead of the due timer's wake (phase 4).
    give_up.set(true);
    waker.borrow_mut().take().unwrap().wake();
    ev.run_once().unwrap();
    assert_eq!(
        task.task_ref().poll_count(),
        2,
        "the task stepped and dropped its sleep"
    );
    ev.call_soon(|| ()).unwrap(); // something to run, so the turn does not block
    ev.run_once().unwrap();
    assert_eq!(
        task.task_ref().poll_count(),
        2,
        "the due timer of a dropped sleep woke the task again"
    );
    assert_eq!(ev.timer_heap_len(), 0);
}
