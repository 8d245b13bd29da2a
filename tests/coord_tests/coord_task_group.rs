//! TaskGroup (asyncio-semantics.md §13).

use crate::util;

use std::time::Duration;

use evloop::{TaskError, TaskGroup};
use util::{Trace, manual_loop};

#[test]
fn leaving_the_group_waits_for_every_child() {
    let (ev, _c) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    let out = ev
        .run_until_complete(TaskGroup::run(move |tg| async move {
            for ms in [30, 10, 20] {
                let t = t2.clone();
                tg.spawn(async move {
                    evloop::sleep(Duration::from_millis(ms)).await;
                    t.log(format!("{ms}"));
                });
            }
            t2.log("body done");
            "result"
        }))
        .unwrap();
    assert_eq!(out, Ok("result"));
    t.assert(&["body done", "10", "20", "30"]);
}

#[test]
fn the_first_failure_cancels_the_rest_and_errors_come_out_together() {
    let (ev, _c) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    let reports = std::rc::Rc::new(std::cell::Cell::new(0));
    let r = reports.clone();
    ev.set_exception_handler(move |_| r.set(r.get() + 1));
    let out = ev
        .run_until_complete(TaskGroup::run(move |tg| async move {
            let t3 = t2.clone();
            tg.spawn(async move {
                evloop::sleep(Duration::from_secs(60)).await;
                t3.log("sibling finished");
            });
            tg.spawn(async {
                evloop::sleep(Duration::from_millis(10)).await;
                panic!("first");
            });
            tg.spawn(async {
                evloop::sleep(Duration::from_millis(10)).await;
                panic!("second");
            });
            evloop::sleep(Duration::from_secs(60)).await;
            t2.log("body finished");
        }))
        .unwrap();
    let err = out.unwrap_err();
    // Both failed in the same turn, before the group learned of the first: both collected,
    // in completion order (as asyncio's done callbacks see them).
    assert_eq!(
        err.errors,
        [
            TaskError::Panicked("first".into()),
            TaskError::Panicked("second".into())
        ]
    );
    assert!(
        err.to_string()
            .starts_with("unhandled errors in a TaskGroup")
    );
    t.assert(&[]); // sibling and body were cancelled
    assert_eq!(
        reports.get(),
        0,
        "collected panics are not 'never retrieved'"
    );
}

#[test]
fn cancelling_the_task_running_the_group_cancels_the_children() {
    let (ev, _c) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    ev.run_until_complete(async move {
        let t3 = t2.clone();
        let runner = evloop::spawn(TaskGroup::run(move |tg| async move {
            tg.spawn(async move {
                evloop::sleep(Duration::from_secs(10)).await;
                t3.log("child finished");
            });
        }));
        evloop::sleep(Duration::from_millis(1)).await;
        runner.cancel();
        assert!(runner.await.is_err());
        evloop::sleep(Duration::from_secs(20)).await;
    })
    .unwrap();
    t.assert(&[]);
}

#[test]
fn a_child_cancelled_from_outside_is_not_a_failure() {
    let (ev, _c) = manual_loop();
    let out = ev
        .run_until_complete(TaskGroup::run(|tg| async move {
            let child = tg.spawn(evloop::sleep(Duration::from_secs(10)));
            evloop::yield_now().await;
            child.cancel();
            1
        }))
        .unwrap();
    assert_eq!(out, Ok(1));
}
