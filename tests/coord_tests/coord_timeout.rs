//! wait_for, timeout scopes, shield (asyncio-semantics.md §10–§12).

use crate::util;

use std::time::Duration;

use evloop::{TaskError, TimeoutError, shield, timeout, timeout_at, wait_for};
use util::{Trace, manual_loop};

/// Logs when dropped; takes real time in its cleanup to resist the timeout.
struct SlowCleanup(Trace);

impl Drop for SlowCleanup {
    fn drop(&mut self) {
        std::thread::sleep(Duration::from_millis(20));
        self.0.log(format!(
            "cleanup done (cancelling={})",
            evloop::is_cancelling()
        ));
    }
}

#[test]
fn wait_for_times_out_after_the_inner_cleanup_ran() {
    let (ev, _c) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    let out = ev
        .run_until_complete(async move {
            let t3 = t2.clone();
            let r = wait_for(
                async move {
                    let _c = SlowCleanup(t3);
                    evloop::sleep(Duration::from_secs(10)).await;
                },
                Duration::from_secs(1),
            )
            .await;
            t2.log("wait_for returned");
            r
        })
        .unwrap();
    assert_eq!(out, Err(TimeoutError));
    t.assert(&["cleanup done (cancelling=true)", "wait_for returned"]);
}

#[test]
fn wait_for_returns_the_result_in_time() {
    let (ev, _c) = manual_loop();
    let out = ev
        .run_until_complete(wait_for(
            async {
                evloop::sleep(Duration::from_millis(10)).await;
                "done"
            },
            Duration::from_secs(1),
        ))
        .unwrap();
    assert_eq!(out, Ok("done"));
    assert_eq!(ev.timer_heap_len(), 0, "the timeout's timer was cancelled");
}

#[test]
fn a_timeout_scope_can_be_rescheduled_and_reports_expiry() {
    let (ev, _c) = manual_loop();
    ev.run_until_complete(async {
        let ev = evloop::get_running_loop().unwrap();
        let scope = timeout(Duration::from_secs(1));
        let inner = scope.handle();
        let after = scope.handle();
        let r = scope
            .run(async move {
                inner.reschedule(Some(
                    evloop::get_running_loop().unwrap().time() + Duration::from_secs(5),
                ));
                evloop::sleep(Duration::from_secs(3)).await;
                "extended"
            })
            .await;
        assert_eq!(r, Ok("extended"));
        assert!(!after.expired());
        let at = timeout_at(ev.time() + Duration::from_secs(2));
        let at_after = at.handle();
        let r = at.run(evloop::sleep(Duration::from_secs(10))).await;
        assert_eq!(r, Err(TimeoutError));
        assert!(at_after.expired());
        let never = evloop::TimeoutScope::never();
        assert_eq!(never.run(async { 7 }).await, Ok(7));
    })
    .unwrap();
}

#[test]
fn timing_out_cancels_a_task_being_awaited_inside() {
    let (ev, _c) = manual_loop();
    ev.run_until_complete(async {
        let inner = evloop::spawn(evloop::sleep(Duration::from_secs(60)));
        let inner_ref = inner.task_ref();
        assert_eq!(
            wait_for(inner, Duration::from_secs(1)).await,
            Err(TimeoutError)
        );
        evloop::yield_now().await;
        assert!(inner_ref.cancelled());
    })
    .unwrap();
}

#[test]
fn shield_keeps_the_inner_task_running_when_the_outer_is_cancelled() {
    let (ev, _c) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    ev.run_until_complete(async move {
        let t3 = t2.clone();
        let outer = evloop::spawn(async move {
            shield(async move {
                evloop::sleep(Duration::from_secs(1)).await;
                t3.log("inner finished");
            })
            .await
        });
        evloop::sleep(Duration::from_millis(1)).await;
        outer.cancel();
        assert_eq!(outer.await, Err(TaskError::Cancelled));
        t2.log("outer cancelled");
        evloop::sleep(Duration::from_secs(2)).await;
    })
    .unwrap();
    t.assert(&["outer cancelled", "inner finished"]);
}

/// `wait_for(x, 0)` gives up before the work starts, as asyncio 3.12+ does:
///
/// ```python
/// async def work():
///     print("work started")
///     return 1
///
/// async def main():
///     try:
///         await asyncio.wait_for(work(), 0)
///     except TimeoutError:
///         print("timed out")
/// ```
///
/// prints only `timed out`; the body ran up to its first await before.
#[test]
fn wait_for_zero_never_starts_the_work() {
    let (ev, _c) = manual_loop();
    let t = Trace::new();
    let t2 = t.clone();
    ev.run_until_complete(async move {
        let t3 = t2.clone();
        let work = async move {
            t3.log("work started");
            1
        };
        if wait_for(work, Duration::ZERO).await == Err(TimeoutError) {
            t2.log("timed out");
        }
    })
    .unwrap();
    t.assert(&["timed out"]);
}
