//! gather, gather_results, gather! (asyncio-semantics.md §8).

use crate::py;
use crate::util;

use std::future::Future;
use std::time::Duration;

use evloop::{TaskError, gather, gather_results};
use py::py_bool;
use util::{Trace, manual_loop};

async fn after(ms: u64, v: &'static str) -> &'static str {
    evloop::sleep(Duration::from_millis(ms)).await;
    v
}

#[test]
fn results_come_back_in_input_order() {
    let (ev, _c) = manual_loop();
    let out = ev
        .run_until_complete(gather([after(30, "a"), after(10, "b"), after(20, "c")]))
        .unwrap();
    assert_eq!(out, Ok(vec!["a", "b", "c"]));
    let empty: Vec<std::future::Ready<()>> = vec![];
    assert_eq!(ev.run_until_complete(gather(empty)).unwrap(), Ok(vec![]));
}

#[test]
fn the_first_failure_comes_out_and_the_others_keep_running() {
    let (ev, _c) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    let out = ev
        .run_until_complete(async move {
            let t3 = t2.clone();
            let r = gather(vec![
                Box::pin(async move {
                    evloop::sleep(Duration::from_millis(50)).await;
                    t3.log("slow sibling finished");
                }) as std::pin::Pin<Box<dyn std::future::Future<Output = ()>>>,
                Box::pin(async {
                    evloop::sleep(Duration::from_millis(10)).await;
                    panic!("bad child");
                }),
            ])
            .await;
            t2.log("gather returned");
            evloop::sleep(Duration::from_millis(100)).await;
            r
        })
        .unwrap();
    assert_eq!(out, Err(TaskError::Panicked("bad child".into())));
    t.assert(&["gather returned", "slow sibling finished"]);
}

#[test]
fn return_exceptions_gives_every_outcome() {
    let (ev, _c) = manual_loop();
    let out = ev
        .run_until_complete(gather_results([
            Box::pin(after(20, "ok")) as std::pin::Pin<Box<dyn std::future::Future<Output = &str>>>,
            Box::pin(async { panic!("failed") }),
        ]))
        .unwrap();
    assert_eq!(
        out,
        vec![Ok("ok"), Err(TaskError::Panicked("failed".into()))]
    );
}

#[test]
fn cancelling_the_gather_cancels_the_children() {
    let (ev, _c) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    ev.run_until_complete(async move {
        let t3 = t2.clone();
        let outer = evloop::spawn(async move {
            gather([0, 1].map(|i| {
                let t = t3.clone();
                async move {
                    evloop::sleep(Duration::from_secs(10)).await;
                    t.log(format!("child {i} finished"));
                }
            }))
            .await
        });
        evloop::sleep(Duration::from_millis(1)).await;
        outer.cancel();
        assert_eq!(outer.await.unwrap_err(), TaskError::Cancelled);
        evloop::sleep(Duration::from_secs(20)).await;
    })
    .unwrap();
    t.assert(&[]);
}

#[test]
fn the_tuple_form_gathers_different_types() {
    let (ev, _c) = manual_loop();
    let out = ev
        .run_until_complete(async {
            evloop::gather!(after(20, "x"), async { 42u8 }, async { vec![1, 2] }).await
        })
        .unwrap();
    assert_eq!(out, Ok(("x", 42u8, vec![1, 2])));
    let failed = ev
        .run_until_complete(async {
            evloop::gather!(after(20, "x"), async { panic!("tuple child") }).await
        })
        .unwrap();
    assert_eq!(
        failed.map(|_: (&str, ())| ()),
        Err(TaskError::Panicked("tuple child".into()))
    );
}

/// Gathering tasks that already run, as asyncio does (issue 25: each child came back as
/// `Ok([.., Err(..)])`, an unpolled gather left its children running, and a task, a done
/// future and a coroutine could not be mixed). Mirrors:
///
/// ```python
/// async def main():
///     async def boom():
///         await asyncio.sleep(0.01)
///         raise ValueError("boom")
///
///     async def slow(name):
///         try:
///             await asyncio.sleep(10)
///         except asyncio.CancelledError:
///             print(f"{name} cancelled")
///             raise
///
///     t1 = asyncio.create_task(boom())
///     t2 = asyncio.create_task(slow("t2"))
///     try:
///         await asyncio.gather(t1, t2)
///     except ValueError as e:
///         print("gather failed:", e)
///     print("t2 still running:", not t2.done())
///     t2.cancel()
///     await asyncio.sleep(0)
///
///     t3 = asyncio.create_task(asyncio.sleep(10))
///     t4 = asyncio.create_task(asyncio.sleep(0, "four"))
///     t3.cancel()
///     try:
///         await asyncio.gather(t3, t4)
///     except asyncio.CancelledError:
///         print("gather failed: a child was cancelled")
///
///     t5 = asyncio.create_task(slow("t5"))
///     g = asyncio.gather(t5)
///     g.cancel()
///     await asyncio.sleep(0)
///     await asyncio.sleep(0)
///     print("t5 cancelled:", t5.cancelled())
///
///     f = asyncio.get_running_loop().create_future()
///     f.set_result("done future")
///     t6 = asyncio.create_task(asyncio.sleep(0.01, "task"))
///     print(await asyncio.gather(t6, f, asyncio.sleep(0, "coroutine")))
/// ```
///
/// which prints (3.11 and 3.13 alike) the lines asserted below.
#[test]
fn gathering_running_tasks_fails_at_once_and_an_unpolled_gather_cancels_them() {
    let (ev, _c) = manual_loop();
    let t = Trace::new();
    let t0 = t.clone();
    ev.run_until_complete(async move {
        let t = t0;
        let slow = |name: &'static str| {
            let t = t.clone();
            evloop::spawn(async move {
                if let Err(e) = evloop::catch_cancel(evloop::sleep(Duration::from_secs(10))).await {
                    t.log(format!("{name} cancelled"));
                    e.reraise::<()>().await;
                }
            })
        };
        let t1 = evloop::spawn(async {
            evloop::sleep(Duration::from_millis(10)).await;
            panic!("boom");
        });
        let t2 = slow("t2");
        let t2_ref = t2.task_ref();
        if let Err(TaskError::Panicked(e)) = evloop::gather!(t1, t2).await {
            t.log(format!("gather failed: {e}"));
        }
        t.log(format!("t2 still running: {}", py_bool(!t2_ref.done())));
        t2_ref.cancel();
        evloop::yield_now().await;

        let t3 = evloop::spawn(evloop::sleep(Duration::from_secs(10)));
        let t4 = evloop::spawn(async { "four" });
        t3.cancel();
        if let Err(TaskError::Cancelled) = evloop::gather!(t3, t4).await {
            t.log("gather failed: a child was cancelled");
        }

        let t5 = slow("t5");
        let t5_ref = t5.task_ref();
        let g = evloop::gather_tasks(vec![t5]);
        drop(g); // asyncio's g.cancel(): the gather was never awaited
        evloop::yield_now().await;
        evloop::yield_now().await;
        t.log(format!("t5 cancelled: {}", py_bool(t5_ref.cancelled())));

        let f = evloop::Future::new();
        f.set_result("done future").unwrap();
        let t6 = evloop::spawn(after(10, "task"));
        let (a, b, c) = evloop::gather!(t6, f, async { "coroutine" }).await.unwrap();
        t.log(format!("['{a}', '{b}', '{c}']"));
    })
    .unwrap();
    t.assert(&[
        "gather failed: boom",
        "t2 still running: True",
        "t2 cancelled",
        "gather failed: a child was cancelled",
        "t5 cancelled: True",
        "['task', 'done future', 'coroutine']",
    ]);
}

/// An `evloop::Future` in `gather!` gives its value; its error or cancel fails the gather,
/// as a future's exception or cancel fails asyncio's gather.
#[test]
fn a_future_in_gather_gives_its_value_error_or_cancel() {
    #[derive(Debug)]
    struct Oops;
    impl std::fmt::Display for Oops {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("oops")
        }
    }
    impl std::error::Error for Oops {}

    let (ev, _c) = manual_loop();
    ev.run_until_complete(async {
        let failed = evloop::Future::<u8>::new();
        failed.set_exception(Oops).unwrap();
        let r = evloop::gather!(failed, after(10, "later")).await;
        assert!(
            matches!(r, Err(TaskError::Panicked(ref m)) if m == "oops"),
            "{r:?}"
        );
        let cancelled = evloop::Future::<u8>::new();
        cancelled.cancel();
        let r = evloop::gather!(async { 1 }, cancelled).await;
        assert!(matches!(r, Err(TaskError::Cancelled)), "{r:?}");
    })
    .unwrap();
}

/// A started gather is asyncio's `gather()` result: children run from the call on, and
/// the gather answers `done`, `cancel`, `cancelled`, a done callback and its outcome.
/// Mirrors, line for line (Python 3.11 to 3.13 print the same):
///
/// ```python
/// async def child(n, delay):
///     try:
///         print(f"child {n} start")
///         await asyncio.sleep(delay)
///         print(f"child {n} end")
///         return n
///     except asyncio.CancelledError:
///         print(f"child {n} cancelled")
///         raise
/// async def main():
///     g = asyncio.gather(child(1, 0.01), child(2, 0.02))
///     print("gathered", g.done())
///     await asyncio.sleep(0)
///     print("after one turn")
///     g.add_done_callback(lambda f: print("done callback", f.result()))
///     print(await g)
///     await asyncio.sleep(0)
///     g2 = asyncio.gather(child(3, 10), child(4, 10))
///     await asyncio.sleep(0)
///     print("cancel", g2.cancel())
///     print("done", g2.done())
///     try:
///         await g2
///     except asyncio.CancelledError:
///         print("gather cancelled", g2.cancelled())
///     async def boom():
///         raise ValueError("boom")
///     g3 = asyncio.gather(boom())
///     await asyncio.sleep(0); await asyncio.sleep(0)
///     print("g3", g3.done(), repr(g3.exception()))
/// ```
///
/// The done callback cannot read the result (the handle owns it), so it says it ran.
#[test]
fn a_started_gather_is_a_future_as_asyncio_s() {
    fn child(t: &Trace, n: u32, ms: u64) -> impl Future<Output = u32> + 'static {
        let t = t.clone();
        async move {
            t.log(format!("child {n} start"));
            match evloop::catch_cancel(evloop::sleep(Duration::from_millis(ms))).await {
                Ok(()) => {
                    t.log(format!("child {n} end"));
                    n
                }
                Err(cancelled) => {
                    t.log(format!("child {n} cancelled"));
                    cancelled.reraise().await
                }
            }
        }
    }
    let events = util::run_traced(|t| async move {
        let g = gather([child(&t, 1, 10), child(&t, 2, 20)]).start();
        t.log(format!("gathered {}", py_bool(g.done())));
        evloop::yield_now().await;
        t.log("after one turn");
        let tc = t.clone();
        g.add_done_callback(move || tc.log("done callback"));
        t.log(format!("{:?}", g.await.unwrap()));
        evloop::yield_now().await;
        let g2 = gather([child(&t, 3, 10_000), child(&t, 4, 10_000)]).start();
        evloop::yield_now().await;
        t.log(format!("cancel {}", py_bool(g2.cancel())));
        t.log(format!("done {}", py_bool(g2.done())));
        let cancelled = py_bool(g2.cancelled());
        if g2.await == Err(TaskError::Cancelled) {
            t.log(format!("gather cancelled {cancelled}"));
        }
        let mut g3 = evloop::gather_tasks([evloop::spawn(async { panic!("boom") })]).start();
        evloop::yield_now().await;
        evloop::yield_now().await;
        t.log(format!("g3 {} {:?}", py_bool(g3.done()), g3.take_result()));
    });
    assert_eq!(
        events,
        [
            "gathered False",
            "child 1 start",
            "child 2 start",
            "after one turn",
            "child 1 end",
            "child 2 end",
            "done callback",
            "[1, 2]",
            "child 3 start",
            "child 4 start",
            "cancel True",
            "done False",
            "child 3 cancelled",
            "child 4 cancelled",
            "gather cancelled False",
            "g3 True Some(Err(Panicked(\"boom\")))",
        ]
    );
}

/// The edges of a started gather: empty (asyncio: done at once with `[]`), a cancel
/// delivered to the task awaiting it (passed on to the children, which are awaited), and
/// `cancel()` once it is done (false, as asyncio's).
#[test]
fn a_started_gather_at_its_edges() {
    let events = util::run_traced(|t| async move {
        let empty = gather(Vec::<std::future::Ready<u8>>::new()).start();
        t.log(format!("empty done {}", py_bool(empty.done())));
        t.log(format!("{:?}", empty.await));
        let tc = t.clone();
        let g = gather([async move {
            let slept = evloop::catch_cancel(evloop::sleep(Duration::from_secs(60))).await;
            tc.log(format!("child cancelled {}", py_bool(slept.is_err())));
        }])
        .start();
        let waiter = evloop::spawn(g);
        evloop::yield_now().await;
        waiter.cancel();
        t.log(format!("waiter {:?}", waiter.await));
        let done = gather([async { 1 }]).start();
        evloop::yield_now().await;
        evloop::yield_now().await;
        t.log(format!("cancel when done {}", py_bool(done.cancel())));
    });
    assert_eq!(
        events,
        [
            "empty done True",
            "Ok([])",
            "child cancelled True",
            "waiter Err(Cancelled)",
            "cancel when done False",
        ]
    );
}
