//! Limits (issue 28, point 4): every public function taking a duration or an instant is
//! driven at its extremes; each saturates or returns a typed error, and none panics,
//! overflows or hangs. Time runs on the manual clock, so a century passes in no real time.
//! Counts and sizes of the coordination types are in `tests/coord_tests/limits_sync.rs`; sockets,
//! streams, processes, threads and the extension runtime in `tests/limits_io.rs`.
//!
//! "Never" is a century (`clock::FAR_FUTURE`): a deadline further away is taken as a century
//! away, and a manual clock moves at most a century in one step.
//!
//! | function | extremes | behaviour |
//! |---|---|---|
//! | `call_later` | 0, 1 ns, `MAX` | 0: due at the next turn, after `call_soon`s; `MAX`: never |
//! | `call_at` | both ends of `Instant`'s range | start: due at the next turn; end: never |
//! | `ManualClock::advance` | 0, 1 ns, `MAX` | 0: still; `MAX`: a century; never backwards |
//! | `ManualClock::advance_to` | both ends of time | start: ignored; end: a century on |
//! | `sleep` | 0, 1 ns, `MAX` | 0: one turn, no timer (asyncio `sleep(0)`); `MAX`: a century |
//! | `sleep_until` | both ends of time | start: no time passes; end: a century |
//! | `timeout`, `wait_for` | 0, 1 ns, `MAX` | 0: done without suspending wins, else times out |
//! | `timeout_at`, `reschedule` | both ends of time | as `timeout(0)` / `timeout(MAX)` |
//! | `wait` | no tasks; timeout 0, `MAX` | empty: `([], [])` at once; 0: one turn; `MAX`: never |
//! | `as_completed` | no tasks | `None` at once |
//! | `run_once_timeout` | 0, `MAX` | 0: never blocks; `MAX`: blocks until woken, no overflow |
//! | `next_timeout` | timers at both ends of time | 0 for a past timer, a century for "never" |
//! | `set_slow_callback_duration` | `MAX` | no step is slow (0: `tests/core_tests/loop_busy.rs`) |

use crate::util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::{Duration, Instant};

use evloop::{ReturnWhen, TimeoutError};
use util::limits::{CENTURY, THOUSAND_DAYS, end_of_time, start_of_time, within};
use util::{Trace, manual_loop, stepped_loop};

/// Timers at 0, 1 ns and `MAX`, and at both ends of `Instant`'s range. Mirrors:
///
/// ```python
/// loop.call_later(0, log.append, "later 0")
/// loop.call_soon(log.append, "soon")
/// loop.call_at(loop.time() - 1e9, log.append, "at the start of time")
/// # next iteration: ['soon', 'at the start of time', 'later 0']
/// ```
///
/// (with one difference, below), and `call_at(1e300)` / `call_later(1e300)`, which never
/// run.
#[test]
fn timers_at_zero_one_and_both_ends_of_time() {
    let (ev, clock) = stepped_loop();
    let t = Trace::new();
    ev.call_later(Duration::ZERO, t.cb("later 0")).unwrap();
    ev.call_soon(t.cb("soon")).unwrap();
    ev.call_at(start_of_time(ev.time()), t.cb("at the start of time"))
        .unwrap();
    ev.call_later(Duration::from_nanos(1), t.cb("later 1 ns"))
        .unwrap();
    let end = ev.call_at(end_of_time(ev.time()), t.cb("at the end of time"));
    let end = end.unwrap();
    ev.call_later(Duration::MAX, t.cb("later MAX")).unwrap();
    t.assert(&[]); // nothing runs synchronously
    ev.run_once().unwrap();
    // Due timers run by deadline, one before the loop was created included (asyncio: the
    // past one first).
    t.assert(&["soon", "at the start of time", "later 0"]);
    ev.run_once().unwrap();
    assert_eq!(t.events().len(), 3);
    clock.advance(Duration::from_nanos(1));
    ev.run_once().unwrap();
    assert_eq!(t.events()[3], "later 1 ns");
    clock.advance(THOUSAND_DAYS);
    ev.run_once().unwrap();
    assert_eq!(t.events().len(), 4, "never-timers stayed put");
    assert!(end.when() > ev.time(), "{:?}", end.when());
    assert_eq!(ev.timer_heap_len(), 2);
}

/// The manual clock at 0, 1 ns and `MAX`, and moved to both ends of time: it moves forward
/// only, at most a century at a step, and the loop on it keeps working (a clock moved to the
/// last representable instant would make every later `now + delay` overflow).
#[test]
fn the_manual_clock_moves_forward_only_and_a_century_at_most() {
    let (ev, clock) = stepped_loop();
    let t0 = clock.now();
    clock.advance(Duration::ZERO);
    assert_eq!(clock.now(), t0);
    clock.advance(Duration::from_nanos(1));
    assert_eq!(clock.now() - t0, Duration::from_nanos(1));
    clock.advance_to(start_of_time(t0));
    assert_eq!(clock.now() - t0, Duration::from_nanos(1), "never backwards");

    let before = clock.now();
    clock.advance_to(end_of_time(t0));
    let jumped = clock.now();
    assert!(
        jumped > before && jumped - before <= CENTURY,
        "{:?}",
        jumped - before
    );
    clock.advance(Duration::from_nanos(1));
    assert_eq!(
        clock.now() - jumped,
        Duration::from_nanos(1),
        "never backwards"
    );
    clock.advance(Duration::MAX);
    assert!(clock.now() - jumped > THOUSAND_DAYS);

    // The loop still does arithmetic on its time without overflowing.
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    ev.call_later(Duration::from_secs(1), move || f.set(true))
        .unwrap();
    ev.call_later(Duration::MAX, || panic!("never")).unwrap();
    clock.advance(Duration::from_secs(1));
    ev.run_once().unwrap();
    assert!(fired.get());
}

/// `sleep` and `sleep_until` at their extremes on an auto-advancing clock. `sleep(0)` is one
/// bare turn with no timer and no time passing (asyncio `await asyncio.sleep(0)`):
///
/// ```python
/// async def a(): log("a1"); await asyncio.sleep(0); log("a2")
/// async def b(): log("b1"); await asyncio.sleep(0); log("b2")
/// # a1 b1 a2 b2
/// ```
///
/// A deadline at the start of time is due at once; one at the end of time (or `MAX` away) is
/// a century away, and the loop's time stays sound after it.
#[test]
fn sleeps_at_zero_one_and_both_ends_of_time() {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    for name in ["a", "b"] {
        let t = t.clone();
        ev.create_task(async move {
            t.log(format!("{name}1"));
            evloop::sleep(Duration::ZERO).await;
            t.log(format!("{name}2"));
        })
        .unwrap();
    }
    let t0 = ev.time();
    ev.run_until_complete(evloop::sleep(Duration::ZERO))
        .unwrap();
    ev.run_until_complete(evloop::sleep(Duration::ZERO))
        .unwrap();
    t.assert(&["a1", "b1", "a2", "b2"]);
    assert_eq!(ev.time(), t0, "sleep(0) lets no time pass");
    assert_eq!(ev.timer_heap_len(), 0, "and arms no timer");

    let elapsed = |fut: evloop::Sleep| {
        let start = ev.time();
        ev.run_until_complete(fut).unwrap();
        ev.time() - start
    };
    assert_eq!(
        elapsed(evloop::sleep(Duration::from_nanos(1))),
        Duration::from_nanos(1)
    );
    assert_eq!(
        elapsed(evloop::sleep_until(start_of_time(ev.time()))),
        Duration::ZERO
    );
    assert_eq!(elapsed(evloop::sleep(Duration::MAX)), CENTURY);
    assert_eq!(
        elapsed(evloop::sleep_until(end_of_time(ev.time()))),
        CENTURY
    );
    // Still sound: a second is a second.
    assert_eq!(
        elapsed(evloop::sleep(Duration::from_secs(1))),
        Duration::from_secs(1)
    );
}

/// Timeouts at their extremes. `timeout(0)` mirrors `async with asyncio.timeout(0)`: a body
/// that never suspends finishes; one that suspends, even for `sleep(0)`, times out:
///
/// ```python
/// async with asyncio.timeout(0): r = 1                    # r == 1
/// async with asyncio.timeout(0): await asyncio.sleep(0)   # TimeoutError
/// await asyncio.wait_for(asyncio.sleep(0), 0)             # TimeoutError
/// async with asyncio.timeout_at(loop.time() - 1e9): r = 2 # r == 2
/// ```
///
/// (asyncio's `wait_for(coro, 0)` wraps the coroutine in a task that has not run yet, so it
/// times out even a coroutine that would finish at once; evloop polls the future in place,
/// as `async with timeout(0)` does.) A deadline at the end of time is a century away, like
/// `wait_for(..., MAX)`: on the auto-advancing clock both time out then, and neither leaves
/// the loop blocked with nothing to wake it.
#[test]
fn timeouts_at_zero_one_and_both_ends_of_time() {
    let out = within(Duration::from_secs(20), || {
        let (ev, _clock) = manual_loop();
        ev.run_until_complete(async {
            let ev = evloop::get_running_loop().unwrap();
            let zero = Duration::ZERO;
            assert_eq!(evloop::timeout(zero).run(async { 1 }).await, Ok(1));
            let r = evloop::timeout(zero).run(evloop::yield_now()).await;
            assert_eq!(r, Err(TimeoutError));
            let r = evloop::wait_for(evloop::sleep(zero), zero).await;
            assert_eq!(r, Err(TimeoutError));
            // A zero timeout gives up before the first poll, however quick the work.
            assert_eq!(
                evloop::wait_for(async { "now" }, zero).await,
                Err(TimeoutError)
            );
            let start = start_of_time(ev.time());
            assert_eq!(evloop::timeout_at(start).run(async { 2 }).await, Ok(2));
            let r = evloop::timeout_at(start).run(evloop::yield_now()).await;
            assert_eq!(r, Err(TimeoutError));

            let ns = Duration::from_nanos(1);
            let r = evloop::wait_for(evloop::sleep(2 * ns), ns).await;
            assert_eq!(r, Err(TimeoutError));
            assert_eq!(evloop::wait_for(evloop::sleep(ns), 2 * ns).await, Ok(()));

            let mut took = Vec::new();
            for scope in [
                evloop::timeout(Duration::MAX),
                evloop::timeout_at(end_of_time(ev.time())),
            ] {
                let t0 = ev.time();
                let r = scope.run(std::future::pending::<()>()).await;
                assert_eq!(r, Err(TimeoutError));
                took.push(ev.time() - t0);
            }
            // Moved to the end of time from inside: the same.
            let scope = evloop::TimeoutScope::never();
            let inside = scope.handle();
            let t0 = ev.time();
            let r = scope
                .run(async move {
                    inside.reschedule(Some(end_of_time(
                        evloop::get_running_loop().unwrap().time(),
                    )));
                    std::future::pending::<()>().await
                })
                .await;
            assert_eq!(r, Err(TimeoutError));
            took.push(ev.time() - t0);
            took
        })
        .unwrap()
    });
    assert_eq!(out, [CENTURY; 3]);
}

/// `wait` and `as_completed` with no tasks and with timeouts at 0 and `MAX`. Mirrors:
///
/// ```python
/// await asyncio.wait([slow], timeout=0)       # (set(), {slow}): one turn
/// await asyncio.wait([instant], timeout=0)    # ({instant}, set())
/// ```
///
/// An empty input gives two empty lists at once (asyncio raises `ValueError`).
#[test]
fn wait_and_as_completed_at_the_extremes() {
    let (ev, _clock) = manual_loop();
    ev.run_until_complete(async {
        let nothing = evloop::wait(
            Vec::<evloop::Task<()>>::new(),
            ReturnWhen::AllCompleted,
            Some(Duration::ZERO),
        )
        .await;
        assert_eq!(nothing.unwrap_err(), evloop::WaitError::Empty);
        let mut none = evloop::as_completed(Vec::<evloop::Task<()>>::new());
        assert!(none.next().await.is_none());

        let slow = evloop::spawn(evloop::sleep(Duration::from_secs(1)));
        let (done, pending) = evloop::wait([slow], ReturnWhen::AllCompleted, Some(Duration::ZERO))
            .await
            .unwrap();
        assert_eq!((done.len(), pending.len()), (0, 1));
        let instant = evloop::spawn(async {});
        let (done, pending) =
            evloop::wait([instant], ReturnWhen::AllCompleted, Some(Duration::ZERO))
                .await
                .unwrap();
        assert_eq!((done.len(), pending.len()), (1, 0));

        let slow = evloop::spawn(evloop::sleep(THOUSAND_DAYS));
        let (done, pending) = evloop::wait([slow], ReturnWhen::AllCompleted, Some(Duration::MAX))
            .await
            .unwrap();
        assert_eq!(
            (done.len(), pending.len()),
            (1, 0),
            "MAX never times out first"
        );
    })
    .unwrap();
}

/// A host stepping the loop with a cap of 0 or `MAX`, and asking how long to wait with
/// timers at both ends of time: 0 never blocks, `MAX` blocks until woken (here by another
/// thread) without overflowing the poller's timeout, and a "never" timer is a century off.
#[test]
fn stepping_the_loop_with_caps_of_zero_and_max() {
    let ev = evloop::EventLoop::new().unwrap();
    let start = Instant::now();
    ev.run_once_timeout(Some(Duration::ZERO)).unwrap();
    assert!(start.elapsed() < Duration::from_secs(5));
    ev.call_soon(|| ()).unwrap();
    ev.run_once_timeout(Some(Duration::MAX)).unwrap();

    let remote = ev.remote();
    let woke = Rc::new(Cell::new(false));
    let w = woke.clone();
    ev.call_soon(move || w.set(true)).unwrap();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        remote.call_soon_threadsafe(|| ()).unwrap();
    });
    ev.run_once_timeout(Some(Duration::MAX)).unwrap();
    ev.run_once_timeout(Some(Duration::MAX)).unwrap();
    assert!(woke.get());

    let never = ev.call_later(Duration::MAX, || ()).unwrap();
    let t = ev.next_timeout().unwrap();
    assert!(
        t > CENTURY - Duration::from_secs(60) && t <= CENTURY,
        "{t:?}"
    );
    let past = ev.call_at(start_of_time(ev.time()), || ()).unwrap();
    assert_eq!(ev.next_timeout(), Some(Duration::ZERO));
    past.cancel();
    never.cancel();
}

/// Debug mode with `slow_callback_duration = MAX`: no step is slow (asyncio compares
/// `dt >= slow_callback_duration`; the zero end is in `tests/core_tests/loop_busy.rs`).
#[cfg(feature = "observe")]
#[test]
fn a_slow_callback_duration_of_max_reports_nothing() {
    let ev = evloop::EventLoop::new().unwrap();
    ev.set_debug(true);
    ev.set_slow_callback_duration(Duration::MAX);
    assert_eq!(ev.slow_callback_duration(), Duration::MAX);
    let reports = Rc::new(Cell::new(0));
    let r = reports.clone();
    ev.set_exception_handler(move |_| r.set(r.get() + 1));
    ev.run_until_complete(async {
        std::thread::sleep(Duration::from_millis(5));
        evloop::yield_now().await;
    })
    .unwrap();
    assert_eq!(reports.get(), 0);
}
