//! Tasks: spawning, waking, results, names, done callbacks, panics (asyncio-semantics.md §6).

use crate::util;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use evloop::{EventLoop, TaskError, TaskState};
use util::{Pending, Trace};

#[test]
fn nothing_of_a_task_runs_until_the_loop_steps_it() {
    let ev = EventLoop::new().unwrap();
    let ran = Rc::new(Cell::new(false));
    let r = ran.clone();
    let task = ev.create_task(async move { r.set(true) }).unwrap();
    assert!(!ran.get());
    assert_eq!(task.state(), TaskState::Scheduled);
    ev.run_once().unwrap();
    assert!(ran.get() && task.done());
}

#[test]
fn waking_several_times_before_it_runs_polls_once() {
    let ev = EventLoop::new().unwrap();
    let p = Pending::new();
    let task = ev.create_task(p.clone()).unwrap();
    ev.run_once().unwrap();
    assert_eq!(p.polls.get(), 1);
    // Local path: wakes from inside the running loop queue the task once.
    let (p2, h) = (p.clone(), ev.handle());
    let queued = Rc::new(Cell::new(0));
    let q = queued.clone();
    ev.call_soon(move || {
        for _ in 0..5 {
            p2.wake();
        }
        let w = p2.waker.borrow().clone().unwrap();
        w.wake_by_ref();
        w.wake();
        q.set(h.ready_len());
    })
    .unwrap();
    ev.run_once().unwrap();
    assert_eq!(queued.get(), 1, "one queue entry however many wakes");
    ev.run_once().unwrap();
    assert_eq!(p.polls.get(), 2);
    // Remote path: wakes while the loop is not running are deduplicated when drained.
    for _ in 0..5 {
        p.wake();
    }
    // Drained in the readiness phase, they join this very turn's batch.
    ev.run_once().unwrap();
    assert_eq!(p.polls.get(), 3);
    assert_eq!(ev.ready_len(), 0, "no spurious poll queued");
    assert_eq!(task.state(), TaskState::Waiting);
}

#[test]
fn a_wake_after_the_task_finished_is_a_no_op() {
    let ev = EventLoop::new().unwrap();
    let p = Pending::new();
    let task = ev.create_task(p.clone()).unwrap();
    ev.run_once().unwrap();
    p.ready.set(true);
    p.wake();
    ev.run_once().unwrap();
    assert!(task.done());
    p.wake();
    assert_eq!(ev.ready_len(), 0);
    // A new task may now reuse the slab slot; the stale waker must not poll it.
    let p2 = Pending::new();
    let _t2 = ev.create_task(p2.clone()).unwrap();
    ev.run_once().unwrap();
    p.wake();
    ev.run_once().unwrap();
    assert_eq!(p2.polls.get(), 1);
}

#[test]
fn a_task_that_wakes_itself_and_finishes_in_the_same_step_frees_its_slot() {
    let ev = EventLoop::new().unwrap();
    let task = ev
        .create_task(std::future::poll_fn(|cx| {
            cx.waker().wake_by_ref();
            std::task::Poll::Ready(1)
        }))
        .unwrap();
    ev.run_once().unwrap();
    assert!(task.done());
    ev.run_once().unwrap();
    assert_eq!(ev.ready_len(), 0);
    assert!(ev.all_tasks().is_empty());
}

#[test]
fn awaiting_a_task_gives_its_result() {
    let out = evloop::run(async {
        let t = evloop::spawn(async {
            evloop::sleep(Duration::from_millis(1)).await;
            "value"
        });
        t.await
    })
    .unwrap();
    assert_eq!(out, Ok("value"));
}

#[test]
fn names_ids_and_locations() {
    evloop::run(async {
        let me = evloop::current_task().unwrap();
        assert_eq!(me.name(), "Task-1");
        let t = evloop::spawn(async {});
        assert_eq!((t.id(), t.name()), (2, "Task-2".to_string()));
        t.set_name("worker");
        assert_eq!(t.name(), "worker");
        assert!(t.location().file().ends_with("task_lifecycle.rs"));
        t.await.unwrap();
    })
    .unwrap();
}

#[test]
fn current_task_and_all_tasks() {
    let ev = EventLoop::new().unwrap();
    assert!(evloop::current_task().is_none());
    let seen = Rc::new(RefCell::new(None));
    let s = seen.clone();
    ev.call_soon(move || *s.borrow_mut() = Some(evloop::current_task().is_none()))
        .unwrap();
    ev.run_until_complete(async {
        let other = evloop::spawn(evloop::sleep(Duration::from_millis(5)));
        let all = evloop::all_tasks();
        assert_eq!(all.len(), 2);
        assert!(all.iter().any(|t| t.id() == other.id()));
        assert!(
            all.iter()
                .any(|t| t.id() == evloop::current_task().unwrap().id())
        );
        other.await.unwrap();
        assert_eq!(evloop::all_tasks().len(), 1);
    })
    .unwrap();
    assert_eq!(
        *seen.borrow(),
        Some(true),
        "no current task inside a plain callback"
    );
}

#[test]
fn dropping_the_handle_does_not_cancel_the_task() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        drop(evloop::spawn(async move {
            evloop::sleep(Duration::from_millis(1)).await;
            t2.log("detached task finished");
        }));
        evloop::sleep(Duration::from_millis(10)).await;
    })
    .unwrap();
    t.assert(&["detached task finished"]);
}

#[test]
fn done_callbacks_run_in_order_from_the_loop_never_synchronously() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let task = ev.create_task(async { 1 }).unwrap();
    for name in ["cb1", "cb2"] {
        let t = t.clone();
        task.add_done_callback(move |tr| t.log(format!("{name} done={}", tr.done())));
    }
    ev.run_once().unwrap(); // the step finishes the task and schedules the callbacks
    t.assert(&[]);
    ev.run_once().unwrap();
    t.assert(&["cb1 done=true", "cb2 done=true"]);
    // Added after completion: scheduled at once, still not synchronous.
    let t3 = t.clone();
    task.add_done_callback(move |_| t3.log("late"));
    assert_eq!(t.events().len(), 2);
    ev.run_once().unwrap();
    assert_eq!(t.events().last().unwrap(), "late");
}

#[test]
fn a_panicking_task_gives_panicked_and_the_loop_goes_on() {
    let out = evloop::run(async {
        let bad = evloop::spawn(async {
            evloop::yield_now().await;
            panic!("something went wrong");
        });
        let good = evloop::spawn(async { 2 });
        (bad.await, good.await)
    })
    .unwrap();
    assert_eq!(
        out.0,
        Err(TaskError::Panicked("something went wrong".into()))
    );
    assert_eq!(out.1, Ok(2));
}

#[test]
fn an_unretrieved_task_panic_is_reported_naming_the_task() {
    let ev = EventLoop::new().unwrap();
    let reports = Rc::new(RefCell::new(Vec::new()));
    let r = reports.clone();
    ev.set_exception_handler(move |ctx| r.borrow_mut().push(ctx.clone()));
    // Detached: reported when it finishes.
    drop(ev.create_task(async { panic!("lost") }).unwrap());
    // Kept but never awaited: reported when the handle is dropped.
    let kept = ev.create_task(async { panic!("ignored") }).unwrap();
    // Awaited: not reported.
    ev.run_until_complete(async {
        let seen = evloop::spawn(async { panic!("seen") });
        assert!(seen.await.is_err());
    })
    .unwrap();
    assert_eq!(reports.borrow().len(), 1);
    drop(kept);
    let reports = reports.borrow();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0].message, "Task exception was never retrieved");
    assert!(reports[0].task.as_deref().unwrap().contains("Task-1"));
    assert_eq!(reports[0].error.as_deref(), Some("lost"));
    assert_eq!(reports[1].error.as_deref(), Some("ignored"));
}

#[test]
fn a_task_is_dropped_on_its_loop_and_its_destructors_run_at_close() {
    let ev = EventLoop::new().unwrap();
    let dropped = Rc::new(Cell::new(false));
    let guard = util::DropFlag(dropped.clone());
    let task = ev
        .create_task(async move {
            let _g = guard;
            evloop::sleep(Duration::from_secs(3600)).await;
        })
        .unwrap();
    ev.run_once().unwrap();
    drop(ev); // closes the loop
    assert!(dropped.get());
    assert!(task.done() && task.cancelled());
}

#[test]
fn a_panicking_done_callback_is_reported_and_the_next_still_runs() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let reports = Rc::new(RefCell::new(Vec::new()));
    let r = reports.clone();
    ev.set_exception_handler(move |ctx| r.borrow_mut().push(ctx.message.clone()));
    let task = ev.create_task(async {}).unwrap();
    task.add_done_callback(|_| panic!("first callback fails"));
    let t2 = t.clone();
    task.add_done_callback(move |_| t2.log("second callback ran"));
    ev.run_until_complete(evloop::yield_now()).unwrap();
    t.assert(&["second callback ran"]);
    assert_eq!(reports.borrow().len(), 1);
    assert!(reports.borrow()[0].starts_with("Exception in callback"));
}

/// Mirrors asyncio's
///
/// ```python
/// async def main():
///     t = asyncio.create_task(asyncio.sleep(0))
///     def a(t): print("a")
///     def b(t): print("b")
///     def c(t): print("c")
///     t.add_done_callback(a); t.add_done_callback(b); t.add_done_callback(a)
///     print(t.remove_done_callback(a))
///     async def waiter():
///         await t
///         print("awaited")
///     w = asyncio.create_task(waiter())
///     await asyncio.sleep(0)
///     t.add_done_callback(c)
///     print(t.remove_done_callback(c))
///     await w
///     print(t.remove_done_callback(b))
/// ```
///
/// which prints `2`, `1`, `b`, `awaited`, `0`. A closure has no identity, so each
/// registration of `a` is taken back by its id. `c` is added while an awaiter waits behind
/// the earlier callbacks, the list evloop keeps apart, and is found there too.
#[test]
fn remove_done_callback_as_asyncio() {
    let events = util::run_traced(|t| async move {
        let task = evloop::spawn(evloop::yield_now());
        let cb = |name: &'static str| {
            let t = t.clone();
            move |_: &evloop::TaskRef| t.log(name)
        };
        let a1 = task.add_done_callback(cb("a"));
        let b = task.add_done_callback(cb("b"));
        let a2 = task.add_done_callback(cb("a"));
        t.log((task.remove_done_callback(a1) + task.remove_done_callback(a2)).to_string());
        let task_ref: evloop::TaskRef = (*task).clone();
        let t3 = t.clone();
        let w = evloop::spawn(async move {
            task.await.unwrap();
            t3.log("awaited");
        });
        evloop::yield_now().await;
        let c = task_ref.add_done_callback(cb("c"));
        t.log(task_ref.remove_done_callback(c).to_string());
        w.await.unwrap();
        t.log(task_ref.remove_done_callback(b).to_string());
    });
    assert_eq!(events, ["2", "1", "b", "awaited", "0"]);
}
