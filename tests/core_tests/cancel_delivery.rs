//! Cancellation as asyncio delivers it (docs/cancellation.md): each test is the twin of a
//! Python program in `tests/cancellation/`, and checks that evloop prints the lines that
//! program prints (`tests/cancellation/<name>.txt`, checked against CPython below).

use crate::util;

use std::time::Duration;

use evloop::{Cancelled, TaskError, catch_cancel, current_task, sleep, spawn, yield_now};
use util::{Trace, run_traced as run};

use crate::py;
use py::{args, expect, py_bool};

fn cancelling() -> u16 {
    current_task().unwrap().cancelling()
}

/// `worker()` of delivery.py: catches, cleans up with an await, re-raises.
async fn worker(t: Trace) {
    if let Err(e) = catch_cancel(sleep(Duration::from_secs(10))).await {
        t.log(format!("worker caught {} {}", args(&e), cancelling()));
        sleep(Duration::from_millis(10)).await;
        t.log("worker cleaned up");
        e.reraise().await
    }
}

/// `swallow()` of delivery.py: catches, uncancels, returns a value.
async fn swallow(t: Trace) -> &'static str {
    match catch_cancel(sleep(Duration::from_secs(10))).await {
        Ok(()) => "slept",
        Err(_) => {
            t.log(format!("swallow caught, cancelling {}", cancelling()));
            t.log(format!(
                "uncancel -> {}",
                current_task().unwrap().uncancel()
            ));
            "swallowed"
        }
    }
}

#[test]
fn delivery() {
    let out = run(|t| async move {
        let mut w = spawn(worker(t.clone()));
        yield_now().await;
        let (a, b) = (w.cancel_with_message("bye"), w.cancel());
        t.log(format!(
            "cancel -> {} {} {}",
            py_bool(a),
            py_bool(b),
            w.cancelling()
        ));
        let r = (&mut w).await;
        assert_eq!(r, Err(TaskError::Cancelled));
        let msg = Cancelled::new(w.cancel_message());
        t.log(format!(
            "awaiter sees {} {}",
            args(&msg),
            py_bool(w.cancelled())
        ));
        let mut s = spawn(swallow(t.clone()));
        yield_now().await;
        s.cancel();
        let v = (&mut s).await.unwrap();
        t.log(format!(
            "swallow result {v} {} {}",
            py_bool(s.cancelled()),
            s.cancelling()
        ));
        t.log(format!("cancel done -> {}", py_bool(s.cancel())));
    });
    expect("delivery", &out);
}

async fn inner_work(t: Trace) {
    if let Err(e) = catch_cancel(sleep(Duration::from_secs(10))).await {
        t.log(format!("inner caught {}", args(&e)));
        sleep(Duration::from_millis(10)).await;
        t.log("inner cleaned up");
        e.reraise().await
    }
}

async fn swallowing_inner(t: Trace) -> &'static str {
    match catch_cancel(sleep(Duration::from_secs(10))).await {
        Ok(()) => "slept",
        Err(_) => {
            t.log("inner swallows");
            "inner value"
        }
    }
}

/// `outer(inner)` of awaiting.py.
async fn outer<T: 'static>(t: Trace, inner: evloop::Task<T>) -> T {
    let inner_ref = inner.task_ref();
    match catch_cancel(inner).await {
        Ok(v) => v.unwrap(),
        Err(e) => {
            let done = py_bool(inner_ref.done());
            t.log(format!("outer caught {} inner done: {done}", args(&e)));
            e.reraise().await
        }
    }
}

#[test]
fn awaiting() {
    let out = run(|t| async move {
        let inner = spawn(inner_work(t.clone()));
        let inner_ref = inner.task_ref();
        let o = spawn(outer(t.clone(), inner));
        yield_now().await;
        o.cancel_with_message("stop");
        let o_ref = o.task_ref();
        assert_eq!(o.await, Err(TaskError::Cancelled));
        t.log(format!(
            "main sees outer cancelled {} inner cancelled {}",
            py_bool(o_ref.cancelled()),
            py_bool(inner_ref.cancelled())
        ));
        let inner = spawn(swallowing_inner(t.clone()));
        let mut o = spawn(outer(t.clone(), inner));
        yield_now().await;
        o.cancel();
        let v = (&mut o).await.unwrap();
        t.log(format!("outer got {v} cancelling {}", o.cancelling()));
    });
    expect("awaiting", &out);
}

#[test]
fn edges() {
    let out = run(|t| async move {
        let t2 = t.clone();
        let mut b = spawn(async move { t2.log("never printed") });
        b.cancel();
        if (&mut b).await.is_err() {
            t.log(format!(
                "cancelled before its first step {}",
                py_bool(b.cancelled())
            ));
        }

        let t2 = t.clone();
        let mut sc = spawn(async move {
            current_task().unwrap().cancel();
            t2.log("self-cancel requested, still running");
            if let Err(e) = catch_cancel(yield_now()).await {
                t2.log("self-cancel delivered");
                e.reraise::<()>().await;
            }
        });
        if (&mut sc).await.is_err() {
            t.log(format!("self-cancelled {}", py_bool(sc.cancelled())));
        }

        let t2 = t.clone();
        let mut tw = spawn(async move {
            if let Err(e) = catch_cancel(sleep(Duration::from_secs(10))).await {
                t2.log("first delivered");
                if let Err(e2) = catch_cancel(sleep(Duration::from_secs(10))).await {
                    t2.log(format!("second delivered during cleanup {}", cancelling()));
                    e2.reraise::<()>().await;
                }
                e.reraise::<()>().await;
            }
        });
        yield_now().await;
        tw.cancel();
        yield_now().await;
        tw.cancel();
        if (&mut tw).await.is_err() {
            t.log(format!("cancelled twice {}", py_bool(tw.cancelled())));
        }

        // A task with no scope stops at its await; its destructors are its `finally`.
        struct Finally(Trace);
        impl Drop for Finally {
            fn drop(&mut self) {
                self.0.log("finally runs");
            }
        }
        let t2 = t.clone();
        let mut n = spawn(async move {
            let _finally = Finally(t2.clone());
            t2.log("working");
            sleep(Duration::from_secs(10)).await;
        });
        yield_now().await;
        n.cancel();
        if (&mut n).await.is_err() {
            t.log(format!("stopped {}", py_bool(n.cancelled())));
        }
    });
    expect("edges", &out);
}

#[test]
fn callbacks() {
    let out = run(|t| async move {
        let t2 = t.clone();
        let task = spawn(async move {
            if let Err(c) = catch_cancel(sleep(Duration::from_secs(10))).await {
                yield_now().await;
                t2.log("cleanup done");
                c.reraise::<()>().await;
            }
        });
        let t2 = t.clone();
        task.add_done_callback(move |_| t2.log("callback 1"));
        let task_ref = task.task_ref();
        let t2 = t.clone();
        let awaiter = spawn(async move {
            if task.await.is_err() {
                t2.log("awaiter resumed");
            }
        });
        yield_now().await;
        let t2 = t.clone();
        task_ref.add_done_callback(move |_| t2.log("callback 2"));
        task_ref.cancel();
        awaiter.await.unwrap();
    });
    expect("callbacks", &out);
}

/// Code that never looks still stops: a task that catches cancels elsewhere, suspended on
/// a future evloop does not know, ends cancelled at that await; its destructors see
/// `is_cancelling()`.
#[test]
fn a_task_suspended_on_a_foreign_future_still_ends_cancelled_there() {
    let out = run(|t| async move {
        let t2 = t.clone();
        let task = spawn(async move {
            let _ = catch_cancel(yield_now()).await; // the task catches cancels from here on
            struct Guard(Trace);
            impl Drop for Guard {
                fn drop(&mut self) {
                    self.0
                        .log(format!("dropped, cancelling: {}", evloop::is_cancelling()));
                }
            }
            let _g = Guard(t2.clone());
            std::future::pending::<()>().await;
            t2.log("never printed");
        });
        yield_now().await;
        yield_now().await;
        task.cancel();
        assert_eq!(task.await, Err(TaskError::Cancelled));
    });
    assert_eq!(out, ["dropped, cancelling: true"]);
}

/// `abort()` is tokio's hard stop: a task that would swallow a cancel cannot swallow it.
#[test]
fn abort_stops_a_task_that_would_swallow_a_cancel() {
    let out = run(|t| async move {
        let swallowing = |t: Trace| async move {
            if catch_cancel(sleep(Duration::from_secs(10))).await.is_err() {
                t.log("swallowed");
            }
            "value"
        };
        let a = spawn(swallowing(t.clone()));
        let b = spawn(swallowing(t.clone()));
        yield_now().await;
        a.cancel();
        b.abort();
        t.log(format!("{:?} {:?}", a.await, b.await));
    });
    assert_eq!(out, ["swallowed", "Ok(\"value\") Err(Cancelled)"]);
}

/// asyncio 3.13: `uncancel()` down to zero withdraws a cancel not yet delivered.
#[test]
fn uncancel_to_zero_withdraws_a_pending_cancel() {
    let out = run(|t| async move {
        let t2 = t.clone();
        let task = spawn(async move {
            let me = current_task().unwrap();
            me.cancel();
            t2.log(format!("uncancel -> {}", me.uncancel()));
            let r = catch_cancel(yield_now()).await;
            t2.log(format!(
                "await went {}",
                if r.is_ok() { "through" } else { "cancelled" }
            ));
        });
        task.await.unwrap();
    });
    assert_eq!(out, ["uncancel -> 0", "await went through"]);
}

#[test]
fn primitives() {
    use std::rc::Rc;
    let out = run(|t| async move {
        let q = Rc::new(evloop::Queue::new(0));
        let (q2, t2) = (q.clone(), t.clone());
        let c = spawn(async move {
            match catch_cancel(q2.get()).await {
                Ok(item) => t2.log(format!("got {}", item.unwrap())),
                Err(e) => {
                    t2.log(format!("consumer cancelled, queue size {}", q2.qsize()));
                    e.reraise::<()>().await;
                }
            }
        });
        yield_now().await;
        q.put_nowait(1).unwrap();
        c.cancel();
        if c.await.is_err() {
            t.log(format!("item still there: {}", q.get_nowait().unwrap()));
        }

        let lock = Rc::new(evloop::sync::Lock::new());
        let held = lock.acquire().await;
        let waiter = |name: &'static str| {
            let (lock, t) = (lock.clone(), t.clone());
            async move {
                match catch_cancel(lock.acquire()).await {
                    Ok(_guard) => t.log(format!("{name} has the lock")),
                    Err(e) => {
                        t.log(format!("{name} cancelled while waiting"));
                        e.reraise::<()>().await;
                    }
                }
            }
        };
        let a = spawn(waiter("a"));
        let b = spawn(waiter("b"));
        yield_now().await;
        drop(held);
        a.cancel();
        let _ = evloop::gather_results(vec![a, b]).await;
        t.log(format!("lock free: {}", py_bool(!lock.locked())));
    });
    expect("primitives", &out);
}

#[test]
fn python_originals_print_the_expected_lines() {
    py::check_python_originals(&["delivery", "awaiting", "edges", "callbacks", "primitives"]);
}
