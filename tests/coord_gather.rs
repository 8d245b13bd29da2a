//! gather, gather_results, gather! (asyncio-semantics.md §8).

mod util;

use std::time::Duration;

use evloop::{TaskError, gather, gather_results};
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
