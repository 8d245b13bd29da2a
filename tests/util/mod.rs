//! Shared test instruments: a trace recorder, a manual-clock loop, futures that count polls
//! and drops, a byte source that hands out chosen chunks (`chunks`).
#![allow(dead_code)]

/// Byte sources are futures-io readers, which the crate has with `net`.
#[cfg(feature = "net")]
pub mod chunks;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use evloop::{Clock, EventLoop, ManualClock};

pub mod limits;

/// Records events in order; clones share one log.
#[derive(Clone, Default)]
pub struct Trace(Rc<RefCell<Vec<String>>>);

impl Trace {
    pub fn new() -> Trace {
        Trace::default()
    }

    pub fn log(&self, event: impl Into<String>) {
        self.0.borrow_mut().push(event.into());
    }

    /// A closure that logs `event` when called.
    pub fn cb(&self, event: &str) -> impl FnOnce() + 'static {
        let t = self.clone();
        let e = event.to_string();
        move || t.log(e)
    }

    pub fn events(&self) -> Vec<String> {
        self.0.borrow().clone()
    }

    pub fn assert(&self, expected: &[&str]) {
        assert_eq!(self.events(), expected, "trace differs");
    }
}

/// A loop on an auto-advancing manual clock, and the clock.
pub fn manual_loop() -> (EventLoop, ManualClock) {
    let clock = ManualClock::new();
    let ev = EventLoop::with_clock(Clock::Manual(clock.clone())).unwrap();
    (ev, clock)
}

/// A loop on a clock that only moves by hand.
pub fn stepped_loop() -> (EventLoop, ManualClock) {
    let clock = ManualClock::stepped();
    let ev = EventLoop::with_clock(Clock::Manual(clock.clone())).unwrap();
    (ev, clock)
}

/// Sets a flag when dropped.
pub struct DropFlag(pub Rc<Cell<bool>>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.set(true);
    }
}

/// A future that stays pending, counts its polls and hands out its waker.
#[derive(Clone, Default)]
pub struct Pending {
    pub polls: Rc<Cell<usize>>,
    pub waker: Rc<RefCell<Option<Waker>>>,
    pub ready: Rc<Cell<bool>>,
}

impl Pending {
    pub fn new() -> Pending {
        Pending::default()
    }

    pub fn wake(&self) {
        self.waker
            .borrow()
            .as_ref()
            .expect("polled once")
            .wake_by_ref();
    }
}

impl Future for Pending {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.polls.set(self.polls.get() + 1);
        *self.waker.borrow_mut() = Some(cx.waker().clone());
        if self.ready.get() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

/// How many random cases a property test runs: `PROPTEST_CASES` if set (the fuzz and
/// memcheck scripts set it), else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `main` on a loop whose clock jumps ahead when idle, and returns what it logged.
pub fn run_traced<F: Future<Output = ()> + 'static>(main: impl FnOnce(Trace) -> F) -> Vec<String> {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    ev.run_until_complete(main(t.clone())).unwrap();
    t.events()
}
