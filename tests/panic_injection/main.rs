//! Panic injection (issue 28, point 3): every kind of user code the crate calls panics in
//! turn, synchronously and, where it is a future, at its first poll. For each case:
//!
//! - the loop keeps serving the others: a bystander task and a chain of callbacks, started
//!   before the panic, finish their work;
//! - the panic is reported once through the exception handler, with asyncio's message
//!   (`Exception in callback ...`, `Task exception was never retrieved`, `Error on
//!   transport creation for incoming connection`, ...), or given to the code that awaits
//!   it and then not reported, as asyncio does for a retrieved exception;
//! - nothing leaks: what the panicking code held (a counted sentinel) is freed once the
//!   loop is dropped. `scripts/memcheck` and `scripts/asan` run this file too.
//!
//! The extension runtime's hooks have their own matrix in
//! `tests/ext_tests/ext_lifecycle.rs::a_panic_in_any_hook_is_logged_and_the_lifecycle_goes_on`.
#![cfg(all(feature = "net", feature = "signal", feature = "executor"))]

mod loop_code;
mod net_code;

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Duration;

use evloop::{EventLoop, LoopHandle};

/// Held by the code that panics; freed once that code is dropped.
pub type Sentinel = Arc<()>;

/// What drives a case to the point where its panic happened.
pub type Drive = Pin<Box<dyn Future<Output = ()>>>;

/// One report: the message and the panic's text.
pub type Report = (String, String);

/// Runs one case: `inject` registers the panicking code on the loop and gives the future
/// that drives it. Returns the reports, after checking that the bystanders finished and
/// that the sentinel was freed.
pub fn case(inject: impl FnOnce(&LoopHandle, Sentinel) -> Drive) -> Vec<Report> {
    case_expecting(0, inject)
}

/// As [`case`], waiting (up to 10 s) for at least `expected` reports: a report from
/// another thread arrives at a turn of its own.
pub fn case_expecting(
    expected: usize,
    inject: impl FnOnce(&LoopHandle, Sentinel) -> Drive,
) -> Vec<Report> {
    let sentinel = Sentinel::default();
    let reports = Rc::new(RefCell::new(Vec::new()));
    let ticks = Rc::new(Cell::new(0));
    let calls = Rc::new(Cell::new(0));
    {
        let ev = EventLoop::new().unwrap();
        let r = reports.clone();
        ev.set_exception_handler(move |ctx| {
            r.borrow_mut()
                .push((ctx.message.clone(), ctx.error.clone().unwrap_or_default()))
        });
        let t = ticks.clone();
        let bystander = ev
            .create_task(async move {
                for _ in 0..20 {
                    evloop::yield_now().await;
                    t.set(t.get() + 1);
                }
            })
            .unwrap();
        chain(&ev.handle(), calls.clone(), 20);
        let drive = inject(&ev.handle(), sentinel.clone());
        let r = reports.clone();
        ev.run_until_complete(async move {
            drive.await;
            bystander.await.unwrap();
            evloop::sleep(Duration::from_millis(5)).await;
            for _ in 0..10_000 {
                if r.borrow().len() >= expected {
                    break;
                }
                evloop::sleep(Duration::from_millis(1)).await;
            }
        })
        .unwrap();
    }
    assert_eq!(ticks.get(), 20, "the bystander task stopped");
    assert_eq!(calls.get(), 20, "the callback chain stopped");
    assert_eq!(Arc::strong_count(&sentinel), 1, "the panicking code leaked");
    Rc::try_unwrap(reports).unwrap().into_inner()
}

/// A callback that schedules itself `left` more times.
pub fn chain(h: &LoopHandle, calls: Rc<Cell<u32>>, left: u32) {
    if left == 0 {
        return;
    }
    let h2 = h.clone();
    h.call_soon(move || {
        calls.set(calls.get() + 1);
        chain(&h2, calls, left - 1);
    })
    .unwrap();
}

/// Checks there is exactly one report, with `message` (its start) and the injected panic.
pub fn reported_once(reports: &[Report], message: &str) {
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].0.starts_with(message), "{reports:?}");
    assert!(reports[0].1.contains("injected"), "{reports:?}");
}

/// A driver that just lets `n` turns pass.
pub fn turns(n: usize) -> Drive {
    Box::pin(async move {
        for _ in 0..n {
            evloop::yield_now().await;
        }
    })
}
