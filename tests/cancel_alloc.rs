//! A cancel without a message allocates nothing: not when it is requested, not when it is
//! delivered and caught (issue: "No allocation for a cancel that carries no message").
//!
//! Counting needs a global allocator, which is `unsafe` to implement: it is the only unsafe
//! code outside `src/task`, and it only forwards to the system allocator.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::time::Duration;

struct Counting;

thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards to the system allocator; only counts calls on the current thread.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.try_with(Cell::get).unwrap_or(false) {
            ALLOCATIONS.with(|a| a.set(a.get() + 1));
        }
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by `f` on this thread.
fn allocations(f: impl FnOnce()) -> usize {
    ALLOCATIONS.with(|a| a.set(0));
    COUNTING.with(|c| c.set(true));
    f();
    COUNTING.with(|c| c.set(false));
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn a_cancel_without_a_message_allocates_nothing() {
    let clock = evloop::ManualClock::stepped();
    let ev = evloop::EventLoop::with_clock(evloop::Clock::Manual(clock)).unwrap();
    let task = ev
        .create_task(async {
            match evloop::catch_cancel(evloop::sleep(Duration::from_secs(60))).await {
                Ok(()) => 0,
                Err(_) => 1,
            }
        })
        .unwrap();
    ev.run_once().unwrap(); // the task is now suspended in its sleep
    assert_eq!(allocations(|| assert!(task.cancel())), 0, "requesting");
    assert_eq!(
        allocations(|| ev.run_once().unwrap()),
        0,
        "delivering and catching"
    );
    let mut task = task;
    assert_eq!(task.take_result(), Some(Ok(1)));
}

#[test]
fn a_cancel_with_a_message_keeps_it() {
    let ev = evloop::EventLoop::new().unwrap();
    let task = ev
        .create_task(evloop::sleep(Duration::from_secs(60)))
        .unwrap();
    assert!(task.cancel_with_message("why"));
    assert_eq!(task.cancel_message().as_deref(), Some("why"));
}
