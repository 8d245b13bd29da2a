//! Cancellation (asyncio-semantics.md §6a): a request delivered at the next step, as a drop.

use crate::util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::{EventLoop, TaskError};
use util::{DropFlag, Trace, manual_loop};

/// Logs "cleanup (cancelled)" or "cleanup (normal exit)" when dropped.
struct Cleanup(Trace);

impl Drop for Cleanup {
    fn drop(&mut self) {
        let why = if evloop::is_cancelling() {
            "cancelled"
        } else {
            "normal exit"
        };
        self.0.log(format!("cleanup ({why})"));
    }
}

#[test]
fn cancel_before_the_first_step_means_the_body_never_runs() {
    let ev = EventLoop::new().unwrap();
    let ran = Rc::new(Cell::new(false));
    let dropped = Rc::new(Cell::new(false));
    let (r, guard) = (ran.clone(), DropFlag(dropped.clone()));
    let task = ev
        .create_task(async move {
            let _g = guard; // captured, so dropped with the unstarted future
            r.set(true);
        })
        .unwrap();
    assert!(task.cancel());
    assert!(!task.done(), "nothing happens synchronously");
    ev.run_once().unwrap();
    assert!(!ran.get(), "no line of the body ran");
    assert!(dropped.get(), "captured values were dropped");
    assert!(task.done() && task.cancelled());
}

#[test]
fn cancel_at_a_suspension_point_runs_cleanup_and_the_awaiter_sees_cancelled() {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    let out = ev
        .run_until_complete(async move {
            let t3 = t2.clone();
            let task = evloop::spawn(async move {
                let _c = Cleanup(t3.clone());
                t3.log("working");
                evloop::sleep(Duration::from_secs(10)).await;
                t3.log("never printed");
            });
            evloop::sleep(Duration::from_secs(1)).await;
            t2.log("cancelling");
            assert!(task.cancel());
            let r = task.await;
            t2.log("awaited");
            r
        })
        .unwrap();
    assert_eq!(out, Err(TaskError::Cancelled));
    t.assert(&["working", "cancelling", "cleanup (cancelled)", "awaited"]);
}

#[test]
fn a_finished_task_cannot_be_cancelled() {
    let ev = EventLoop::new().unwrap();
    let task = ev.create_task(async { 1 }).unwrap();
    ev.run_once().unwrap();
    assert!(!task.cancel());
    assert!(!task.cancelled());
}

#[test]
fn cancelling_twice_delivers_one_cancellation_and_counts_two() {
    let ev = EventLoop::new().unwrap();
    let task = ev
        .create_task(evloop::sleep(Duration::from_secs(5)))
        .unwrap();
    ev.run_once().unwrap();
    assert!(task.cancel());
    assert!(task.cancel());
    assert_eq!(task.cancelling(), 2);
    ev.run_once().unwrap();
    assert!(task.cancelled());
    assert_eq!(ev.ready_len(), 0);
}

#[test]
fn a_task_cancelling_itself_stops_at_its_next_suspension() {
    let t = Trace::new();
    let t2 = t.clone();
    let out = evloop::run(async move {
        let t3 = t2.clone();
        let task = evloop::spawn(async move {
            let _c = Cleanup(t3.clone());
            evloop::current_task().unwrap().cancel();
            t3.log("still running after cancel()");
            evloop::yield_now().await;
            t3.log("never printed");
        });
        task.await
    })
    .unwrap();
    assert_eq!(out, Err(TaskError::Cancelled));
    t.assert(&["still running after cancel()", "cleanup (cancelled)"]);
}

#[test]
fn a_cancel_requested_during_the_last_step_discards_the_result() {
    // asyncio test_cancel_at_end: returning after self-cancel ends CANCELLED.
    let out = evloop::run(async {
        evloop::spawn(async {
            evloop::current_task().unwrap().cancel();
            42
        })
        .await
    })
    .unwrap();
    assert_eq!(out, Err(TaskError::Cancelled));
}

#[test]
fn a_result_that_arrived_but_was_not_consumed_is_lost_to_a_cancel() {
    // asyncio §6a.6: the awaited thing completed, the task has not resumed, cancel wins.
    let ev = EventLoop::new().unwrap();
    let fut = ev.create_future::<i32>();
    let f2 = fut.clone();
    let task = ev.create_task(f2).unwrap();
    ev.run_once().unwrap();
    fut.set_result(1).unwrap(); // wakes the task: queued for the next turn
    task.cancel();
    ev.run_once().unwrap();
    assert!(task.cancelled());
}

#[test]
fn cancelling_a_task_cancels_the_task_it_awaits() {
    // asyncio §6a.8.
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let t3 = t2.clone();
        let inner = evloop::spawn(async move {
            let _c = Cleanup(t3);
            evloop::sleep(Duration::from_secs(10)).await;
        });
        let inner_ref = inner.task_ref();
        let outer = evloop::spawn(inner); // the outer task awaits the inner handle
        evloop::sleep(Duration::from_millis(1)).await;
        outer.cancel();
        assert_eq!(outer.await, Err(TaskError::Cancelled));
        evloop::yield_now().await;
        assert!(inner_ref.cancelled(), "the awaited task was cancelled too");
    })
    .unwrap();
    t.assert(&["cleanup (cancelled)"]);
}

#[test]
fn a_task_merely_holding_another_task_does_not_cancel_it() {
    evloop::run(async {
        let inner = evloop::spawn(evloop::sleep(Duration::from_millis(5)));
        let inner_ref = inner.task_ref();
        let outer = evloop::spawn(async move {
            let _held = inner; // never awaited
            evloop::sleep(Duration::from_secs(10)).await;
        });
        evloop::yield_now().await;
        outer.cancel();
        let _ = outer.await;
        evloop::sleep(Duration::from_millis(10)).await;
        assert!(inner_ref.done() && !inner_ref.cancelled());
    })
    .unwrap();
}

#[test]
fn cancelling_a_task_cancels_the_future_it_awaits() {
    let ev = EventLoop::new().unwrap();
    let fut = ev.create_future::<()>();
    let f2 = fut.clone();
    let task = ev.create_task(f2).unwrap();
    ev.run_once().unwrap();
    task.cancel();
    ev.run_once().unwrap();
    assert!(fut.cancelled());
}

#[test]
fn cleanup_runs_on_normal_exit_without_the_cancelling_flag() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let _c = Cleanup(t2);
        evloop::yield_now().await;
    })
    .unwrap();
    t.assert(&["cleanup (normal exit)"]);
    assert!(!evloop::is_cancelling());
}

#[test]
fn a_panic_during_cancellation_cleanup_becomes_the_outcome() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            if evloop::is_cancelling() {
                panic!("cleanup failed");
            }
        }
    }
    let out = evloop::run(async {
        let t = evloop::spawn(async {
            let _b = Bomb;
            evloop::sleep(Duration::from_secs(1)).await;
        });
        evloop::yield_now().await;
        t.cancel();
        t.await
    })
    .unwrap();
    assert_eq!(out, Err(TaskError::Panicked("cleanup failed".into())));
}

#[test]
fn run_cancels_what_is_left_after_main_returns() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        drop(evloop::spawn(async move {
            let _c = Cleanup(t2);
            evloop::sleep(Duration::from_secs(3600)).await;
        }));
        evloop::yield_now().await;
    })
    .unwrap();
    t.assert(&["cleanup (cancelled)"]);
}
