//! Misuse returns errors; panics are caught and reported (asyncio-semantics.md §3, §4).

use crate::util;

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use evloop::{EventLoop, LoopError, RunError, TaskError};
use util::Trace;

#[test]
fn running_a_running_loop_is_an_error() {
    let ev = EventLoop::new().unwrap();
    let h = ev.handle();
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    ev.call_soon(move || {
        s.borrow_mut().push(format!("{:?}", h.run_forever()));
        s.borrow_mut().push(format!("{:?}", h.run_once()));
        s.borrow_mut()
            .push(format!("{:?}", h.run_until_complete(async {}).map(|_| ())));
        s.borrow_mut().push(format!("{:?}", h.close()));
        h.stop();
    })
    .unwrap();
    ev.run_forever().unwrap();
    assert_eq!(
        *seen.borrow(),
        [
            "Err(AlreadyRunning)",
            "Err(AlreadyRunning)",
            "Err(Loop(AlreadyRunning))",
            "Err(CloseWhileRunning)"
        ]
    );
}

#[test]
fn a_loop_cannot_run_inside_another() {
    let outer = EventLoop::new().unwrap();
    let inner = EventLoop::new().unwrap();
    let r = outer
        .run_until_complete(async move {
            let a = inner
                .run_until_complete(async { 1 })
                .map(|_| ())
                .unwrap_err();
            let b = evloop::run(async { 1 }).unwrap_err();
            (format!("{a:?}"), format!("{b:?}"), b.to_string())
        })
        .unwrap();
    assert_eq!(r.0, "Loop(AnotherLoopRunning)");
    // asyncio: RuntimeError("asyncio.run() cannot be called from a running event loop").
    assert_eq!(r.1, "Loop(RunInRunningLoop)");
    assert!(
        r.2.ends_with("asyncio.run() cannot be called from a running event loop"),
        "{}",
        r.2
    );
}

#[test]
fn every_use_of_a_closed_loop_is_an_error() {
    let ev = EventLoop::new().unwrap();
    ev.close().unwrap();
    ev.close().unwrap(); // idempotent
    assert!(ev.is_closed());
    assert!(matches!(ev.call_soon(|| ()), Err(LoopError::Closed)));
    assert!(matches!(
        ev.call_later(Duration::ZERO, || ()),
        Err(LoopError::Closed)
    ));
    assert!(matches!(
        ev.call_at(ev.time(), || ()),
        Err(LoopError::Closed)
    ));
    assert!(matches!(ev.create_task(async {}), Err(LoopError::Closed)));
    assert!(matches!(ev.run_forever(), Err(LoopError::Closed)));
    assert!(matches!(ev.run_once(), Err(LoopError::Closed)));
    assert!(matches!(
        ev.run_until_complete(async {}),
        Err(RunError::Loop(LoopError::Closed))
    ));
    assert!(matches!(
        ev.call_soon_threadsafe(|| ()),
        Err(LoopError::Closed)
    ));
    assert_eq!(LoopError::Closed.to_string(), "Event loop is closed");
}

#[test]
fn close_drops_pending_callbacks_unrun() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    ev.call_soon(t.cb("soon")).unwrap();
    ev.call_later(Duration::from_secs(1), t.cb("later"))
        .unwrap();
    ev.close().unwrap();
    t.assert(&[]);
}

#[test]
fn a_panic_in_a_callback_is_reported_and_the_loop_keeps_running() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let reports = Rc::new(RefCell::new(Vec::new()));
    let r = reports.clone();
    ev.set_exception_handler(move |ctx| r.borrow_mut().push(ctx.clone()));
    ev.call_soon(|| panic!("boom")).unwrap();
    ev.call_soon(t.cb("after the panic, same batch")).unwrap();
    ev.run_until_complete(async {}).unwrap();
    t.assert(&["after the panic, same batch"]);
    let reports = reports.borrow();
    assert_eq!(reports.len(), 1);
    // asyncio: "Exception in callback boom() at file:line", with the handle in the context;
    // a closure's name is its type's.
    let source = "core_tests::loop_errors::a_panic_in_a_callback_is_reported_and_the_loop_keeps_running\
                  ::{{closure}}() at tests/core_tests/loop_errors.rs:";
    let msg = &reports[0].message;
    assert!(
        msg.starts_with(&format!("Exception in callback {source}")),
        "{msg}"
    );
    let handle = reports[0].handle.as_deref().unwrap();
    assert!(handle.starts_with(&format!("<Handle {source}")), "{handle}");
    assert_eq!(reports[0].error.as_deref(), Some("boom"));
}

#[test]
fn a_panicking_exception_handler_falls_back_to_the_default() {
    let ev = EventLoop::new().unwrap();
    ev.set_exception_handler(|_| panic!("handler is broken"));
    ev.call_soon(|| panic!("boom")).unwrap();
    let t = Trace::new();
    ev.call_soon(t.cb("still running")).unwrap();
    ev.run_until_complete(async {}).unwrap();
    t.assert(&["still running"]);
    ev.clear_exception_handler();
}

#[test]
fn the_main_future_panicking_comes_back_as_an_error() {
    let r = evloop::run(async { panic!("main failed") }).map(|_: ()| ());
    assert!(matches!(r, Err(RunError::Task(TaskError::Panicked(m))) if m == "main failed"));
}

#[test]
fn stopping_before_the_future_completes_is_an_error_and_the_task_survives() {
    let ev = EventLoop::new().unwrap();
    let h = ev.handle();
    ev.call_soon(move || h.stop()).unwrap();
    let t = Trace::new();
    let t2 = t.clone();
    let r = ev.run_until_complete(async move {
        evloop::sleep(Duration::from_millis(5)).await;
        t2.log("finished later");
    });
    assert!(matches!(
        r,
        Err(RunError::Loop(LoopError::StoppedBeforeComplete))
    ));
    assert_eq!(ev.all_tasks().len(), 1);
    ev.run_until_complete(evloop::sleep(Duration::from_millis(20)))
        .unwrap();
    t.assert(&["finished later"]);
}

#[test]
fn no_running_loop_outside_a_run() {
    assert!(matches!(
        evloop::get_running_loop(),
        Err(LoopError::NoRunningLoop)
    ));
    assert!(evloop::running_loop().is_none());
    assert!(evloop::all_tasks().is_empty());
    // The rule (`event_loop::context`): reading gives "nothing", only get_running_loop errs.
    assert!(evloop::current_task().is_none());
}

#[test]
#[should_panic(expected = "outside a running event loop")]
fn spawn_outside_a_loop_panics_with_a_clear_message() {
    drop(evloop::spawn(async {}));
}

#[test]
fn run_until_complete_from_a_running_callback_is_an_error() {
    let ev = EventLoop::new().unwrap();
    let seen = Rc::new(RefCell::new(None));
    let (s, h) = (seen.clone(), ev.handle());
    ev.call_soon(move || {
        *s.borrow_mut() = Some(format!("{:?}", h.run_until_complete(async {}).unwrap_err()));
        h.stop();
    })
    .unwrap();
    ev.run_forever().unwrap();
    assert_eq!(seen.borrow().as_deref(), Some("Loop(AlreadyRunning)"));
}

#[test]
fn a_task_handle_outliving_its_loop_reports_cancelled() {
    let dropped = Rc::new(std::cell::Cell::new(false));
    let task = {
        let ev = EventLoop::new().unwrap();
        let flag = util::DropFlag(dropped.clone());
        ev.create_task(async move {
            let _flag = flag;
            std::future::pending::<()>().await;
        })
        .unwrap()
        // The loop is dropped (closed) here with the task pending.
    };
    assert!(dropped.get(), "the pending task's destructors ran at close");
    assert!(task.done() && task.cancelled());
    // Awaiting it on another loop is an ordinary cancelled result, not a crash.
    let again = evloop::run(task).unwrap();
    assert!(matches!(again, Err(TaskError::Cancelled)));
}
