//! Ordering rules of the loop, each as asyncio has it (asyncio-semantics.md §1–§3).

use crate::util;

use std::time::Duration;

use evloop::EventLoop;
use util::{Trace, manual_loop};

#[test]
fn call_soon_is_fifo() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    for name in ["a", "b", "c", "d"] {
        ev.call_soon(t.cb(name)).unwrap();
    }
    ev.stop();
    ev.run_forever().unwrap();
    t.assert(&["a", "b", "c", "d"]);
}

#[test]
fn ready_callbacks_run_before_due_timers_in_the_same_turn() {
    // asyncio §1.2: call_soon(a); call_later(0, b); call_soon(c) runs a, c, b.
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    ev.call_soon(t.cb("a")).unwrap();
    ev.call_later(Duration::ZERO, t.cb("b")).unwrap();
    ev.call_soon(t.cb("c")).unwrap();
    ev.run_once().unwrap();
    t.assert(&["a", "c", "b"]);
}

#[test]
fn timers_fire_by_deadline_then_in_scheduling_order() {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let now = ev.time();
    ev.call_at(now + Duration::from_secs(3), t.cb("3s"))
        .unwrap();
    ev.call_at(now + Duration::from_secs(1), t.cb("1s-first"))
        .unwrap();
    ev.call_later(Duration::from_secs(2), t.cb("2s")).unwrap();
    ev.call_at(now + Duration::from_secs(1), t.cb("1s-second"))
        .unwrap();
    // A deadline in the past is due at once, before later ones.
    ev.call_at(now - Duration::from_secs(1), t.cb("past"))
        .unwrap();
    let h = ev.handle();
    ev.call_later(Duration::from_secs(4), move || h.stop())
        .unwrap();
    ev.run_forever().unwrap();
    t.assert(&["past", "1s-first", "1s-second", "2s", "3s"]);
    assert_eq!(
        ev.time() - now,
        Duration::from_secs(4),
        "virtual time moved"
    );
}

#[test]
fn work_scheduled_during_a_batch_runs_in_the_next_turn() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let h = ev.handle();
    let t2 = t.clone();
    ev.call_soon(move || {
        t2.log("first");
        h.call_soon(t2.cb("scheduled-by-first")).unwrap();
    })
    .unwrap();
    ev.call_soon(t.cb("second")).unwrap();
    ev.run_once().unwrap();
    t.assert(&["first", "second"]);
    assert_eq!(ev.ready_len(), 1);
    ev.run_once().unwrap();
    t.assert(&["first", "second", "scheduled-by-first"]);
}

#[test]
fn stop_lets_the_current_batch_finish_and_keeps_leftovers() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let h = ev.handle();
    let t2 = t.clone();
    ev.call_soon(move || {
        t2.log("stopper");
        h.stop();
        h.call_soon(t2.cb("next-run")).unwrap();
    })
    .unwrap();
    ev.call_soon(t.cb("same-batch")).unwrap();
    ev.run_forever().unwrap();
    t.assert(&["stopper", "same-batch"]);
    // The leftover runs on the next run; stop() was forgotten when run_forever returned.
    ev.stop();
    ev.run_forever().unwrap();
    t.assert(&["stopper", "same-batch", "next-run"]);
}

#[test]
fn stop_before_run_forever_runs_exactly_one_turn() {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let h = ev.handle();
    let t2 = t.clone();
    ev.call_soon(move || {
        t2.log("turn 1");
        h.call_soon(t2.cb("turn 2")).unwrap();
    })
    .unwrap();
    ev.call_later(Duration::from_secs(1), t.cb("timer"))
        .unwrap();
    ev.stop();
    ev.run_forever().unwrap();
    t.assert(&["turn 1"]);
}

#[test]
fn cancelled_handles_and_timers_never_run() {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let a = ev.call_soon(t.cb("a")).unwrap();
    ev.call_soon(t.cb("b")).unwrap();
    let timer = ev
        .call_later(Duration::from_secs(1), t.cb("timer"))
        .unwrap();
    ev.call_later(Duration::from_secs(2), t.cb("timer2"))
        .unwrap();
    a.cancel();
    timer.cancel();
    assert!(a.cancelled() && timer.cancelled());
    ev.run_until_complete(evloop::sleep(Duration::from_secs(3)))
        .unwrap();
    t.assert(&["b", "timer2"]);
}

#[test]
fn a_handle_cancelled_by_an_earlier_callback_in_the_same_batch_is_skipped() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let victim = std::rc::Rc::new(std::cell::RefCell::new(None::<evloop::Handle>));
    let v = victim.clone();
    ev.call_soon(move || v.borrow().as_ref().unwrap().cancel())
        .unwrap();
    *victim.borrow_mut() = Some(ev.call_soon(t.cb("victim")).unwrap());
    ev.run_once().unwrap();
    t.assert(&[]);
}

#[test]
fn tasks_start_in_creation_order_and_each_hop_costs_one_turn() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let (t1, t2) = (t.clone(), t.clone());
    ev.create_task(async move {
        t1.log("A step 1");
        evloop::yield_now().await;
        t1.log("A step 2");
    })
    .unwrap();
    ev.create_task(async move {
        t2.log("B step 1");
        evloop::yield_now().await;
        t2.log("B step 2");
    })
    .unwrap();
    ev.call_soon(t.cb("callback")).unwrap();
    ev.run_once().unwrap();
    t.assert(&["A step 1", "B step 1", "callback"]);
    ev.run_once().unwrap();
    t.assert(&["A step 1", "B step 1", "callback", "A step 2", "B step 2"]);
}

#[test]
fn two_tasks_yielding_alternate_strictly() {
    let t = Trace::new();
    let t0 = t.clone();
    evloop::run(async move {
        let mk = |name: &'static str, t: Trace| async move {
            for i in 0..3 {
                t.log(format!("{name}{i}"));
                evloop::yield_now().await;
            }
        };
        let a = evloop::spawn(mk("a", t0.clone()));
        let b = evloop::spawn(mk("b", t0.clone()));
        a.await.unwrap();
        b.await.unwrap();
    })
    .unwrap();
    t.assert(&["a0", "b0", "a1", "b1", "a2", "b2"]);
}

#[test]
fn run_until_complete_on_a_finished_future_returns_at_once() {
    let ev = EventLoop::new().unwrap();
    assert_eq!(ev.run_until_complete(async { 5 }).unwrap(), 5);
    assert_eq!(ev.run_until_complete(std::future::ready("x")).unwrap(), "x");
    // And pending callbacks still get their turn, as in asyncio (§3.5).
    let t = Trace::new();
    ev.call_soon(t.cb("pending")).unwrap();
    ev.run_until_complete(async {}).unwrap();
    t.assert(&["pending"]);
}

#[test]
fn run_until_complete_stops_the_turn_after_completion() {
    // asyncio §3.4: the done callback that stops the loop goes through call_soon, so a
    // callback scheduled in the completing step's turn still runs.
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let t2 = t.clone();
    let h = ev.handle();
    ev.run_until_complete(async move {
        h.call_soon(t2.cb("scheduled by the last step")).unwrap();
    })
    .unwrap();
    t.assert(&["scheduled by the last step"]);
}

#[test]
fn sleep_zero_is_one_turn_and_arms_no_timer() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let t2 = t.clone();
    let task = ev
        .create_task(async move {
            evloop::sleep(Duration::ZERO).await;
            t2.log("after sleep(0)");
        })
        .unwrap();
    ev.run_once().unwrap();
    assert_eq!(ev.timer_heap_len(), 0);
    t.assert(&[]);
    ev.run_once().unwrap();
    t.assert(&["after sleep(0)"]);
    assert!(task.done());
}

/// Deadlines before the loop was made keep their order (ties in scheduling order); they
/// were clamped at the loop's creation and so ran in scheduling order. Mirrors:
///
/// ```python
/// async def main():
///     loop = asyncio.get_running_loop()
///     now = loop.time()
///     for i, before in enumerate([3, 1, 2, 1]):
///         loop.call_at(now - 100 - before, print, i)
///     await asyncio.sleep(0.01)
/// ```
///
/// which prints 0, 2, 1, 3.
#[test]
fn call_at_in_the_past_keeps_deadline_order() {
    let long_ago = std::time::Instant::now()
        .checked_sub(Duration::from_secs(100))
        .expect("the clock started over 100 s ago");
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    for (i, before) in [3, 1, 2, 1].into_iter().enumerate() {
        ev.call_at(long_ago - Duration::from_secs(before), t.cb(&i.to_string()))
            .unwrap();
    }
    ev.run_until_complete(evloop::sleep(Duration::from_millis(10)))
        .unwrap();
    t.assert(&["0", "2", "1", "3"]);
}
