//! Limits of the loop's inputs: durations at their extremes saturate instead of
//! overflowing. (A file of its own: `loop_timers.rs` measures the process's memory, which
//! tests running beside it in the same process would disturb.)

use crate::util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use util::stepped_loop;

/// A delay too large for the clock means "never", as in asyncio and tokio, not an overflow
/// panic. Mirrors:
///
/// ```python
/// async def main():
///     loop = asyncio.get_running_loop()
///     h = loop.call_later(1e300, print, "never")
///     print(await asyncio.wait_for(asyncio.sleep(0, "done"), timeout=1e300))
///     try:
///         await asyncio.wait_for(asyncio.sleep(1e300), timeout=0.01)
///     except TimeoutError:
///         print("timed out")
///     async with asyncio.timeout(1e300):
///         print("in scope")
///     h.cancel()
///     print(h.cancelled())
/// ```
///
/// which prints `done`, `timed out`, `in scope`, `True`.
#[test]
fn a_huge_delay_means_never_not_an_overflow() {
    let out = evloop::run(async {
        let ev = evloop::get_running_loop().unwrap();
        let mut lines = Vec::new();
        let h = ev.call_later(Duration::MAX, || println!("never")).unwrap();
        let done = evloop::wait_for(async { "done" }, Duration::MAX)
            .await
            .unwrap();
        lines.push(done.to_string());
        let slept = evloop::wait_for(evloop::sleep(Duration::MAX), Duration::from_millis(10)).await;
        if slept.is_err() {
            lines.push("timed out".to_string());
        }
        evloop::timeout(Duration::MAX)
            .run(async {
                lines.push("in scope".to_string());
            })
            .await
            .unwrap();
        h.cancel();
        lines.push(h.cancelled().to_string());
        lines
    })
    .unwrap();
    assert_eq!(out, ["done", "timed out", "in scope", "true"]);
}

/// A manual clock advanced by `Duration::MAX` saturates instead of overflowing, and a timer
/// set for "never" (a delay the clock cannot add) does not fire a thousand days later.
#[test]
fn a_manual_clock_saturates_and_never_fires_a_never_timer() {
    let (ev, clock) = stepped_loop();
    let fired = Rc::new(Cell::new(false));
    let f = fired.clone();
    ev.call_later(Duration::MAX, move || f.set(true)).unwrap();
    clock.advance(Duration::from_secs(1000 * 24 * 60 * 60));
    ev.run_once().unwrap();
    assert!(!fired.get());
    let before = clock.now();
    clock.advance(Duration::MAX);
    clock.advance(Duration::MAX);
    assert!(clock.now() > before);
}

/// Releasing a semaphore past `usize::MAX` is refused with an error, not wrapped to zero
/// (asyncio's counter is a Python int and never overflows; Rust's `usize` cannot do that, so
/// the release that would pass it fails and the value stays).
#[test]
fn a_semaphore_at_usize_max_refuses_one_more_release() {
    let sem = evloop::sync::Semaphore::new(usize::MAX - 1);
    assert!(sem.release().is_ok());
    assert_eq!(sem.value(), usize::MAX);
    let err = sem.release().unwrap_err();
    assert!(err.to_string().contains("usize::MAX"), "{err}");
    assert_eq!(sem.value(), usize::MAX);
}

/// A task woken a hundred thousand times from another thread while it waits is queued once:
/// the wakes are coalesced, so the loop's inbox does not grow with them (tokio and asyncio's
/// `call_soon_threadsafe(task wake-up)` behave the same way: a task is scheduled once).
#[cfg(feature = "observe")]
#[test]
fn remote_wakes_of_a_waiting_task_are_coalesced() {
    use std::sync::{Arc, Mutex};
    use std::task::{Poll, Waker};

    let ev = evloop::EventLoop::new().unwrap();
    let slot: Arc<Mutex<Option<Waker>>> = Arc::new(Mutex::new(None));
    let polls = Rc::new(Cell::new(0));
    let (slot2, polls2) = (slot.clone(), polls.clone());
    let task = ev
        .create_task(std::future::poll_fn(move |cx| {
            polls2.set(polls2.get() + 1);
            *slot2.lock().unwrap() = Some(cx.waker().clone());
            if polls2.get() >= 2 {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        }))
        .unwrap();
    ev.run_once().unwrap();
    assert_eq!(polls.get(), 1);
    let before = ev.stats().remote_wakes;
    std::thread::spawn(move || {
        let waker = slot.lock().unwrap().clone().unwrap();
        for _ in 0..100_000 {
            waker.wake_by_ref();
        }
    })
    .join()
    .unwrap();
    ev.run_until_complete(task).unwrap().unwrap();
    assert_eq!(polls.get(), 2);
    assert_eq!(
        ev.stats().remote_wakes - before,
        1,
        "one queued wake for 100k wakes"
    );
}
