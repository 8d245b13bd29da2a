//! Structured concurrency under cancellation (docs/cancellation.md): TaskGroup, wait_for,
//! timeout, gather and shield, each test the twin of a Python program in
//! `tests/cancellation/` that prints the same lines.

use crate::util;

use std::time::Duration;

use evloop::{TaskError, TaskGroup, catch_cancel, current_task, sleep, spawn, yield_now};
use util::{Trace, run_traced as run};

use crate::py;
use py::{expect, py_bool};

/// `child(name, delay)`: sleeps, or cleans up with an await when cancelled and re-raises.
async fn child(t: Trace, name: &'static str, delay: Duration) -> &'static str {
    match catch_cancel(sleep(delay)).await {
        Ok(()) => {
            t.log(format!("{name} done"));
            name
        }
        Err(e) => {
            t.log(format!("{name} cancelled, cleaning up"));
            sleep(Duration::from_millis(10)).await;
            t.log(format!("{name} cleanup finished"));
            e.reraise().await
        }
    }
}

const LONG: Duration = Duration::from_secs(10);
const SHORT: Duration = Duration::from_millis(10);

#[test]
fn task_group() {
    let out = run(|t| async move {
        let t2 = t.clone();
        let owner = spawn(async move {
            let t3 = t2.clone();
            let r = catch_cancel(TaskGroup::run(|tg| async move {
                tg.spawn(child(t3.clone(), "a", LONG));
                tg.spawn(child(t3.clone(), "b", LONG));
                t3.log("body waits");
                sleep(LONG).await;
            }))
            .await;
            if let Err(e) = r {
                t2.log("owner sees the cancel after its children");
                e.reraise::<()>().await;
            }
        });
        sleep(Duration::from_millis(1)).await;
        owner.cancel();
        let owner_ref = owner.task_ref();
        assert_eq!(owner.await, Err(TaskError::Cancelled));
        t.log(format!(
            "owner task cancelled {}",
            py_bool(owner_ref.cancelled())
        ));

        let t3 = t.clone();
        let r = TaskGroup::run(|tg| async move {
            tg.spawn(child(t3.clone(), "c", LONG));
            tg.spawn(async {
                sleep(Duration::from_millis(1)).await;
                panic!("boom");
            });
            if let Err(e) = catch_cancel(sleep(LONG)).await {
                t3.log("body cancelled by the failure");
                sleep(Duration::from_millis(10)).await;
                t3.log("body cleanup done");
                e.reraise::<()>().await;
            }
        })
        .await;
        let errors: Vec<String> = r
            .unwrap_err()
            .errors
            .iter()
            .map(|e| match e {
                TaskError::Panicked(m) => format!("'{m}'"),
                other => format!("{other:?}"),
            })
            .collect();
        t.log(format!(
            "group failed [{}] cancelling {}",
            errors.join(", "),
            current_task().unwrap().cancelling()
        ));
    });
    expect("task_group", &out);
}

/// `work(name)` of timeouts.py.
async fn work(t: Trace, name: &'static str) {
    child(t, name, LONG).await;
}

#[test]
fn timeouts() {
    use std::error::Error;
    let out = run(|t| async move {
        let scope = evloop::timeout(Duration::from_millis(10));
        let r = scope.run(work(t.clone(), "timeout body")).await;
        let e = r.unwrap_err();
        let cause = e.source().unwrap().downcast_ref::<evloop::Cancelled>();
        assert!(cause.is_some());
        t.log(format!(
            "TimeoutError after cleanup, cause CancelledError cancelling {}",
            current_task().unwrap().cancelling()
        ));
        let r = evloop::wait_for(work(t.clone(), "wait_for inner"), Duration::from_millis(10));
        if let Err(e) = r.await
            && e.source().unwrap().is::<evloop::Cancelled>()
        {
            t.log("wait_for TimeoutError, cause CancelledError");
        }
        let cm = evloop::timeout(Duration::from_millis(10));
        let cm_after = cm.handle();
        let t2 = t.clone();
        let v = cm
            .run(async move {
                match catch_cancel(sleep(LONG)).await {
                    Ok(()) => "slept",
                    Err(_) => {
                        t2.log("work swallows the timeout's cancel");
                        "value anyway"
                    }
                }
            })
            .await
            .unwrap();
        t.log(format!(
            "timeout body returned {v} expired {}",
            py_bool(cm_after.expired())
        ));
        let t2 = t.clone();
        let task = spawn(async move {
            let r = evloop::timeout(Duration::from_millis(10))
                .run(async {
                    if let Err(e) = catch_cancel(sleep(LONG)).await {
                        current_task().unwrap().cancel(); // an outside cancel arrives meanwhile
                        e.reraise::<()>().await;
                    }
                })
                .await;
            if r.is_err() {
                t2.log("never: the outside cancel stays a cancel");
            }
        });
        let task_ref = task.task_ref();
        assert_eq!(task.await, Err(TaskError::Cancelled));
        t.log(format!("task cancelled {}", py_bool(task_ref.cancelled())));
    });
    expect("timeouts", &out);
}

#[test]
fn gather_shield() {
    let out = run(|t| async move {
        let t2 = t.clone();
        let g = spawn(async move {
            let children = vec![child(t2.clone(), "g1", LONG), child(t2.clone(), "g2", LONG)];
            if let Err(e) = catch_cancel(evloop::gather(children)).await {
                t2.log("gathering task sees the cancel after the children");
                e.reraise::<()>().await;
            }
        });
        sleep(Duration::from_millis(1)).await;
        g.cancel();
        let g_ref = g.task_ref();
        assert_eq!(g.await, Err(TaskError::Cancelled));
        t.log(format!(
            "gathering task cancelled {}",
            py_bool(g_ref.cancelled())
        ));

        let inner = spawn(child(t.clone(), "s", Duration::from_millis(20))).shared();
        let held = inner.clone();
        let o = spawn(async move { evloop::shield(held).await });
        yield_now().await;
        o.cancel();
        if o.await.is_err() {
            t.log(format!(
                "outer cancelled, inner still running: {}",
                py_bool(!inner.done())
            ));
        }
        let (a, b) = (inner.clone().await.unwrap(), inner.clone().await.unwrap());
        t.log(format!("inner result {a} {b}"));
    });
    expect("gather_shield", &out);
}

#[test]
fn shared() {
    let out = run(|t| async move {
        let task = spawn(async {
            sleep(Duration::from_millis(10)).await;
            42
        })
        .shared();
        let waiter = |n: u32| {
            let (task, t) = (task.clone(), t.clone());
            async move { t.log(format!("waiter {n} got {}", task.await.unwrap())) }
        };
        evloop::gather(vec![waiter(1), waiter(2)]).await.unwrap();
        let twice = evloop::gather(vec![task.clone(), task.clone()])
            .await
            .unwrap();
        let twice: Vec<i32> = twice.into_iter().map(Result::unwrap).collect();
        t.log(format!("gather twice {twice:?}"));
        let (a, b) = (task.result().unwrap(), task.result().unwrap());
        t.log(format!("result again {} {}", a.unwrap(), b.unwrap()));
        let failing = spawn(async {
            sleep(Duration::from_millis(10)).await;
            if true {
                panic!("bad");
            }
        })
        .shared();
        for n in [1, 2] {
            if let Err(TaskError::Panicked(m)) = failing.clone().await {
                t.log(format!("awaiter {n} sees ValueError('{m}')"));
            }
        }
    });
    expect("shared", &out);
}

#[test]
fn wait() {
    let out = run(|t| async move {
        let kids: Vec<_> = (0..2)
            .map(|i| {
                spawn(async move {
                    sleep(SHORT).await;
                    i
                })
                .shared()
            })
            .collect();
        let (watched, t2) = (kids.clone(), t.clone());
        let w = spawn(async move {
            let all = evloop::wait(watched.iter(), evloop::ReturnWhen::AllCompleted, None);
            if let Err(e) = catch_cancel(all).await {
                let running: Vec<&str> = watched.iter().map(|k| py_bool(!k.done())).collect();
                t2.log(format!(
                    "waiter cancelled; children still running: [{}]",
                    running.join(", ")
                ));
                e.reraise::<()>().await;
            }
        });
        yield_now().await;
        w.cancel();
        let w_ref = w.task_ref();
        if w.await.is_err() {
            t.log(format!("waiter cancelled {}", py_bool(w_ref.cancelled())));
        }
        let mut results = Vec::new();
        for k in &kids {
            results.push(k.clone().await.unwrap());
        }
        t.log(format!("children results {results:?}"));
    });
    expect("wait", &out);
}

#[test]
fn python_originals_print_the_expected_lines() {
    py::check_python_originals(&["task_group", "timeouts", "gather_shield", "shared", "wait"]);
}
