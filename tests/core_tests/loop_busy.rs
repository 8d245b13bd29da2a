//! A busy loop: a task that yields alone takes its next turns without leaving `run_task`
//! (phase 6 of `run_once`), and the poll budget decides when a busy loop polls for I/O.
//! Each test checks that the shortcut changes nothing a program can see: turns are still
//! counted, a host stepping the loop still gets one turn per call, and other threads,
//! timers, I/O, `stop()` and debug mode still get their turn.

#![cfg(feature = "observe")]

use std::cell::Cell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use crate::util;

use evloop::EventLoop;
use evloop::event_loop::run_once::POLL_BUDGET;

/// Spawns a task that counts its steps in the returned cell and yields until `until`
/// says stop.
fn yielder(ev: &EventLoop, until: impl Fn() -> bool + 'static) -> Rc<Cell<usize>> {
    let steps = Rc::new(Cell::new(0));
    let s = steps.clone();
    ev.create_task(async move {
        loop {
            s.set(s.get() + 1);
            if until() {
                return;
            }
            evloop::yield_now().await;
        }
    })
    .unwrap();
    steps
}

#[test]
fn every_step_of_a_lone_yielder_is_still_a_turn_and_a_poll_of_the_task() {
    let ev = EventLoop::new().unwrap();
    let before = ev.stats();
    ev.run_until_complete(async {
        for _ in 0..1000 {
            evloop::yield_now().await;
        }
    })
    .unwrap();
    let s = ev.stats();
    // 1001 steps, one turn each, plus the turn that runs the done callback (stop).
    assert_eq!(s.polls - before.polls, 1001, "{s:?}");
    assert_eq!(s.turns - before.turns, 1002, "{s:?}");
}

#[test]
fn a_host_stepping_the_loop_gets_exactly_one_step_per_turn() {
    let ev = EventLoop::new().unwrap();
    let steps = yielder(&ev, || false);
    for turn in 1..=10 {
        ev.run_once().unwrap();
        assert_eq!(steps.get(), turn);
    }
}

#[test]
fn a_call_from_another_thread_runs_one_step_after_it_arrives() {
    let ev = EventLoop::new().unwrap();
    let remote = ev.remote();
    // The task publishes its step count; the callback records it when it runs, and the
    // sending thread right after its send.
    let steps = Arc::new(AtomicU64::new(0));
    let ran_at = Arc::new(AtomicU64::new(0));
    let (s, r) = (steps.clone(), ran_at.clone());
    let sender = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        let s2 = s.clone();
        remote
            .call_soon_threadsafe(move || r.store(s2.load(SeqCst), SeqCst))
            .unwrap();
        s.load(SeqCst)
    });
    let (s, r) = (steps.clone(), ran_at.clone());
    ev.run_until_complete(async move {
        while r.load(SeqCst) == 0 && s.load(SeqCst) < 1 << 30 {
            s.fetch_add(1, SeqCst);
            evloop::yield_now().await;
        }
    })
    .unwrap();
    let sent_at = sender.join().unwrap();
    let ran_at = ran_at.load(SeqCst);
    // The step running when the call arrived ends, the next turn drains the call behind
    // the task, so one more step runs first. A shortcut that ignored other threads would
    // only notice at the end of the poll budget.
    assert!(ran_at >= sent_at, "ran at step {ran_at}, sent at {sent_at}");
    assert!(
        ran_at <= sent_at + 2,
        "ran at step {ran_at}, sent at {sent_at}"
    );
}

#[test]
fn a_due_timer_fires_in_the_next_turn_while_a_task_yields_alone() {
    let (ev, clock) = util::stepped_loop();
    let fired_at = Rc::new(Cell::new(None));
    let steps = Rc::new(Cell::new(0u32));
    let (f, s) = (fired_at.clone(), steps.clone());
    ev.call_later(Duration::from_secs(1), move || f.set(Some(s.get())))
        .unwrap();
    let (f, s) = (fired_at.clone(), steps.clone());
    ev.run_until_complete(async move {
        while f.get().is_none() && s.get() < 10_000 {
            s.set(s.get() + 1);
            if s.get() == 10 {
                clock.advance(Duration::from_secs(1));
            }
            evloop::yield_now().await;
        }
    })
    .unwrap();
    // Due during step 10: the next turn moves it behind the task's entry.
    assert_eq!(fired_at.get(), Some(11));
}

#[test]
fn stop_from_a_lone_yielder_ends_run_forever_after_that_turn() {
    let ev = EventLoop::new().unwrap();
    let handle = ev.handle();
    let steps = Rc::new(Cell::new(0));
    let s = steps.clone();
    ev.create_task(async move {
        loop {
            s.set(s.get() + 1);
            if s.get() == 100 {
                handle.stop();
            }
            if s.get() == 1000 {
                return;
            }
            evloop::yield_now().await;
        }
    })
    .unwrap();
    ev.run_forever().unwrap();
    assert_eq!(steps.get(), 100);
}

#[test]
fn debug_mode_turned_on_by_a_lone_yielder_times_its_next_steps() {
    let ev = EventLoop::new().unwrap();
    // Every step counts as slow, so each one that was timed is reported.
    ev.set_slow_callback_duration(Duration::ZERO);
    let reports = Rc::new(Cell::new(0));
    let r = reports.clone();
    ev.set_exception_handler(move |ctx| {
        if ctx.message.starts_with("Executing <Task") {
            r.set(r.get() + 1);
        }
    });
    ev.run_until_complete(async {
        for step in 1..=20 {
            if step == 10 {
                // From the next turn on (asyncio reads the flag once per turn, too).
                evloop::get_running_loop().unwrap().set_debug(true);
            }
            evloop::yield_now().await;
        }
    })
    .unwrap();
    // Steps 11 to 21 ran in observed turns.
    assert_eq!(reports.get(), 11);
}

#[cfg(unix)]
#[test]
fn a_busy_loop_sees_io_within_the_poll_budget() {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    let ev = EventLoop::new().unwrap();
    let (mut tx, rx) = UnixStream::pair().unwrap();
    rx.set_nonblocking(true).unwrap();
    let readable = Rc::new(Cell::new(false));
    let r = readable.clone();
    ev.add_reader(rx.as_raw_fd(), move || r.set(true)).unwrap();
    // The data is there before the loop starts; the yielder and the main task keep the
    // loop busy.
    tx.write_all(b"x").unwrap();
    let r = readable.clone();
    let steps = yielder(&ev, move || r.get());
    ev.run_until_complete(async move {
        while !readable.get() {
            evloop::yield_now().await;
        }
    })
    .unwrap();
    // Two tasks ready per turn: the reader callback comes after at most POLL_BUDGET items.
    assert!(steps.get() <= POLL_BUDGET, "took {} steps", steps.get());
    assert!(ev.remove_reader(rx.as_raw_fd()));
}

#[cfg(unix)]
#[test]
fn a_lone_yielder_sees_io_within_the_poll_budget() {
    use std::io::Write;
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    let ev = EventLoop::new().unwrap();
    let (mut tx, rx) = UnixStream::pair().unwrap();
    let readable = Rc::new(Cell::new(false));
    let r = readable.clone();
    ev.add_reader(rx.as_raw_fd(), move || r.set(true)).unwrap();
    tx.write_all(b"x").unwrap();
    let r = readable.clone();
    let steps = Rc::new(Cell::new(0));
    let s = steps.clone();
    // The main task is the only ready work: every turn is the shortcut's, until the
    // budget runs out and the turn polls.
    ev.run_until_complete(async move {
        while !r.get() && s.get() < 100_000 {
            s.set(s.get() + 1);
            evloop::yield_now().await;
        }
    })
    .unwrap();
    assert!(readable.get());
    assert!(steps.get() <= POLL_BUDGET + 1, "took {} steps", steps.get());
    assert!(ev.remove_reader(rx.as_raw_fd()));
}

/// Reactor polls during `10 * POLL_BUDGET` yields of the main task alone.
fn polls_while_yielding(ev: &EventLoop) -> u64 {
    ev.run_until_complete(async {
        let ev = evloop::get_running_loop().unwrap();
        let before = ev.stats().reactor_polls;
        for _ in 0..10 * POLL_BUDGET {
            evloop::yield_now().await;
        }
        ev.stats().reactor_polls - before
    })
    .unwrap()
}

#[test]
fn a_busy_loop_with_no_io_source_never_polls() {
    let ev = EventLoop::new().unwrap();
    assert_eq!(polls_while_yielding(&ev), 0);
}

#[cfg(unix)]
#[test]
fn a_busy_loop_with_an_io_source_polls_once_per_budget() {
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    let ev = EventLoop::new().unwrap();
    let (_tx, rx) = UnixStream::pair().unwrap();
    ev.add_reader(rx.as_raw_fd(), || {}).unwrap();
    let polls = polls_while_yielding(&ev);
    assert!((9..=11).contains(&polls), "{polls} polls");
    assert!(ev.remove_reader(rx.as_raw_fd()));
}

/// Mirrors asyncio: `loop.call_later(0, f)` then `loop.call_soon(g)`, while a task keeps
/// the loop busy. asyncio runs `g` then `f` in the very next turn (a due timer joins the
/// batch behind the ready callbacks). A busy evloop turn reads the clock when a timer was
/// armed since its last look, so it finds `f` due as asyncio does: `['g', 'f']`, and the
/// other task took 2 steps.
#[test]
fn a_timer_due_when_scheduled_fires_in_the_next_busy_turn() {
    let ev = EventLoop::new().unwrap();
    let order = Rc::new(std::cell::RefCell::new(Vec::new()));
    let o = order.clone();
    let steps = yielder(&ev, move || o.borrow().len() == 2);
    let o = order.clone();
    ev.call_later(Duration::ZERO, move || o.borrow_mut().push("f"))
        .unwrap();
    let o = order.clone();
    ev.call_soon(move || o.borrow_mut().push("g")).unwrap();
    let o = order.clone();
    ev.run_until_complete(async move {
        while o.borrow().len() < 2 {
            evloop::yield_now().await;
        }
    })
    .unwrap();
    assert_eq!(*order.borrow(), ["g", "f"]);
    // Both ran in the first turn, with the yielder's first step.
    assert_eq!(steps.get(), 2);
}

/// A timer that comes due while two tasks keep the loop busy fires within the poll
/// budget's worth of items after its deadline (the clock is read again then).
#[test]
fn a_busy_loop_sees_a_timer_come_due_within_the_poll_budget() {
    let ev = EventLoop::new().unwrap();
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    let deadline = ev.time() + Duration::from_millis(5);
    ev.call_at(deadline, move || f.set(true)).unwrap();
    let steps_after = Rc::new(Cell::new(0usize));
    let s = steps_after.clone();
    let f = fired.clone();
    let steps = yielder(&ev, move || {
        if std::time::Instant::now() >= deadline {
            s.set(s.get() + 1);
        }
        f.get()
    });
    let f = fired.clone();
    ev.run_until_complete(async move {
        while !f.get() {
            evloop::yield_now().await;
        }
    })
    .unwrap();
    assert!(steps.get() > 1);
    // Two tasks ready per turn: the clock is read again within POLL_BUDGET items.
    assert!(
        steps_after.get() <= POLL_BUDGET,
        "{} steps after",
        steps_after.get()
    );
}
