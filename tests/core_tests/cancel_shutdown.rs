//! Cleanup that awaits at the edges (docs/cancellation.md): `run()`'s shutdown, async
//! context managers and async generators. Each test is the twin of a Python program in
//! `tests/cancellation/` and prints the same lines.

use crate::util;

use std::time::Duration;

use evloop::async_iter::{AsyncIterator, async_gen};
use evloop::async_with::{AsyncContextManager, Exit, async_with};
use evloop::{catch_cancel, current_task, sleep, spawn, yield_now};
use util::{Trace, manual_loop};

use crate::py;
use py::{expect, py_bool};

const LONG: Duration = Duration::from_secs(10);
const SHORT: Duration = Duration::from_millis(10);

/// `numbers(name)`: yields 0..10; its cleanup (a `finally`) awaits before it prints.
fn numbers(
    t: Trace,
    name: &'static str,
) -> evloop::async_iter::AsyncGen<i32, impl std::future::Future<Output = ()>> {
    async_gen(move |co| async move {
        let r = catch_cancel(async {
            for i in 0..10 {
                co.yield_(i).await;
            }
        })
        .await;
        sleep(SHORT).await;
        t.log(format!("{name} after an await"));
        if let Err(c) = r {
            c.reraise::<()>().await;
        }
    })
}

#[test]
fn shutdown() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let t3 = t2.clone();
        evloop::get_running_loop()
            .unwrap()
            .set_exception_handler(move |ctx| {
                let msg = ctx.error.clone().unwrap_or_default();
                t3.log(format!("handler: {} ValueError('{msg}')", ctx.message));
            });
        let t3 = t2.clone();
        spawn(async move {
            if let Err(c) = catch_cancel(sleep(LONG)).await {
                t3.log("w1 cancelled at shutdown, saying goodbye");
                sleep(SHORT).await;
                t3.log("w1 goodbye sent");
                c.reraise::<()>().await;
            }
        });
        spawn(async {
            if catch_cancel(sleep(LONG)).await.is_err() {
                sleep(SHORT).await;
                panic!("cleanup failed");
            }
        });
        let mut numbers_gen = numbers(t2.clone(), "generator closed");
        t2.log(format!("first {}", numbers_gen.next().await.unwrap()));
        spawn(async move {
            let _still_open = numbers_gen; // open when run() shuts down
            sleep(LONG).await;
        });
        yield_now().await;
        t2.log("main returns");
    })
    .unwrap();
    t.log("run returned");
    expect("shutdown", &t.events());
}

struct Connection {
    t: Trace,
    suppress: bool,
}

impl AsyncContextManager for Connection {
    type Value = ();

    async fn aenter(&mut self) {
        self.t.log("connecting");
        sleep(SHORT).await;
        self.t.log("connected");
    }

    async fn aexit(&mut self, exit: &Exit) -> bool {
        let how = match exit {
            Exit::Normal => "None",
            Exit::Cancelled(_) => "CancelledError",
        };
        self.t.log(format!("closing politely after {how}"));
        sleep(SHORT).await;
        self.t.log("closed");
        self.suppress && matches!(exit, Exit::Cancelled(_))
    }
}

async fn use_connection(t: Trace, suppress: bool) -> &'static str {
    let conn = Connection {
        t: t.clone(),
        suppress,
    };
    async_with(conn, |()| sleep(LONG)).await;
    t.log("after the block: the cancel was suppressed");
    "value"
}

#[test]
fn async_with_and_generators() {
    let (ev, _clock) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    ev.run_until_complete(async move {
        let t = t2;
        let conn = Connection {
            t: t.clone(),
            suppress: false,
        };
        let t3 = t.clone();
        async_with(conn, |()| async move { t3.log("inside") }).await;

        let mut task = spawn(use_connection(t.clone(), false));
        sleep(Duration::from_millis(20)).await;
        task.cancel();
        if (&mut task).await.is_err() {
            t.log(format!("task cancelled {}", py_bool(task.cancelled())));
        }
        let mut task = spawn(use_connection(t.clone(), true));
        sleep(Duration::from_millis(20)).await;
        task.cancel();
        let v = (&mut task).await.unwrap();
        t.log(format!(
            "task returned {v} cancelling {}",
            task.cancelling()
        ));

        let mut numbers_gen = numbers(t.clone(), "closed gen cleaned up");
        t.log(format!("first {}", numbers_gen.next().await.unwrap()));
        numbers_gen.aclose().await;
        t.log("after aclose");
        let mut numbers_gen = numbers(t.clone(), "broken-out gen cleaned up");
        while let Some(i) = numbers_gen.next().await {
            if i == 1 {
                break;
            }
        }
        drop(numbers_gen); // asyncio's finalizer closes it in a task of its own
        t.log("after break");
        sleep(Duration::from_millis(50)).await;
        assert_eq!(current_task().unwrap().cancelling(), 0);
    })
    .unwrap();
    expect("async_with", &t.events());
}

#[test]
fn python_originals_print_the_expected_lines() {
    py::check_python_originals(&["shutdown", "async_with"]);
}

/// asyncio.run() ends with `shutdown_default_executor()`: a job still running on the
/// default executor when the main coroutine returns finishes before `run()` returns.
#[cfg(feature = "executor")]
#[test]
fn run_waits_for_the_default_executors_threads() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    let finished = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let (f, s) = (finished.clone(), started.clone());
    evloop::run(async move {
        let ev = evloop::get_running_loop().unwrap();
        let job = ev.run_in_executor(None, move || {
            s.store(true, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(50));
            f.store(true, Ordering::SeqCst);
        });
        while !started.load(Ordering::SeqCst) {
            sleep(Duration::from_millis(1)).await;
        }
        drop(job); // a running job runs to its end; nobody reads its result
    })
    .unwrap();
    assert!(finished.load(Ordering::SeqCst));
}
