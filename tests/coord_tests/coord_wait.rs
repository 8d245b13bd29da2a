//! wait and as_completed (asyncio-semantics.md §9, §12.2).

use crate::util;

use std::time::Duration;

use evloop::{ReturnWhen, as_completed, wait};
use util::manual_loop;

fn sleeper(ms: u64) -> evloop::Task<u64> {
    evloop::spawn(async move {
        evloop::sleep(Duration::from_millis(ms)).await;
        ms
    })
}

#[test]
fn first_completed_returns_after_the_first_and_cancels_nothing() {
    let (ev, _c) = manual_loop();
    ev.run_until_complete(async {
        let (mut done, pending) =
            wait([sleeper(10), sleeper(50)], ReturnWhen::FirstCompleted, None)
                .await
                .unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].take_result(), Some(Ok(10)));
        assert_eq!(pending.len(), 1);
        assert!(!pending[0].cancelled());
        let (done, pending) = wait(pending, ReturnWhen::AllCompleted, None).await.unwrap();
        assert_eq!((done.len(), pending.len()), (1, 0));
    })
    .unwrap();
}

#[test]
fn first_exception_waits_for_a_panic_not_a_cancel() {
    let (ev, _c) = manual_loop();
    ev.run_until_complete(async {
        let cancelled = sleeper(5);
        cancelled.cancel();
        let failing = evloop::spawn(async {
            evloop::sleep(Duration::from_millis(20)).await;
            panic!("boom");
        });
        let slow = evloop::spawn(async {
            evloop::sleep(Duration::from_millis(100)).await;
        });
        let refs = [cancelled.task_ref(), failing.task_ref(), slow.task_ref()];
        let (done, pending) = wait(refs, ReturnWhen::FirstException, None).await.unwrap();
        assert_eq!((done.len(), pending.len()), (2, 1));
        assert_eq!(pending[0].id(), slow.id());
        drop((cancelled, failing));
        slow.cancel();
    })
    .unwrap();
}

#[test]
fn a_timeout_returns_what_is_pending() {
    let (ev, _c) = manual_loop();
    ev.run_until_complete(async {
        let (done, pending) = wait(
            [sleeper(10), sleeper(1000)],
            ReturnWhen::AllCompleted,
            Some(Duration::from_millis(100)),
        )
        .await
        .unwrap();
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(!pending[0].cancelled(), "wait cancels nothing");
        pending[0].cancel();
    })
    .unwrap();
}

#[test]
fn as_completed_yields_in_completion_order() {
    let (ev, _c) = manual_loop();
    let seen = ev
        .run_until_complete(async {
            let mut it = as_completed([sleeper(30), sleeper(10), sleeper(20)]);
            let mut seen = Vec::new();
            while let Some(r) = it.next().await {
                seen.push(r.unwrap());
            }
            seen
        })
        .unwrap();
    assert_eq!(seen, [10, 20, 30]);
}

/// Waiting on nothing is refused, as asyncio refuses it:
///
/// ```python
/// async def main():
///     try:
///         await asyncio.wait([])
///     except ValueError as e:
///         print(e)
/// ```
///
/// prints `Set of Tasks/Futures is empty.`; it returned two empty lists at once.
#[test]
fn wait_on_nothing_is_refused() {
    let (ev, _c) = manual_loop();
    let err = ev
        .run_until_complete(wait(
            Vec::<evloop::TaskRef>::new(),
            ReturnWhen::AllCompleted,
            None,
        ))
        .unwrap()
        .unwrap_err();
    assert_eq!(err, evloop::WaitError::Empty);
    assert_eq!(err.to_string(), "Set of Tasks/Futures is empty.");
}

/// `as_completed` with a timeout: one deadline for the whole iteration; the tasks still
/// running are not cancelled. Mirrors:
///
/// ```python
/// async def main():
///     async def after(d, v):
///         await asyncio.sleep(d)
///         return v
///     tasks = [asyncio.create_task(after(d, d)) for d in (0.03, 0.01, 10)]
///     try:
///         for f in asyncio.as_completed(tasks, timeout=0.1):
///             print(await f)
///     except TimeoutError:
///         print("timed out")
///     print([t.done() for t in tasks])
/// ```
///
/// which prints `0.01`, `0.03`, `timed out`, `[True, True, False]` (3.11 and 3.13).
#[test]
fn as_completed_with_a_timeout() {
    let (ev, _c) = manual_loop();
    let lines = ev
        .run_until_complete(async {
            let ev = evloop::get_running_loop().unwrap();
            let tasks = [30, 10, 10_000].map(sleeper);
            let refs: Vec<_> = tasks.iter().map(|t| t.task_ref()).collect();
            let mut lines = Vec::new();
            let deadline = ev.time() + Duration::from_millis(100);
            let mut in_order = evloop::as_completed(tasks);
            loop {
                match in_order.next_before(deadline).await {
                    Ok(Some(r)) => lines.push(format!("0.{:02}", r.unwrap() / 10)),
                    Ok(None) => break,
                    Err(evloop::TimeoutError) => {
                        lines.push("timed out".to_string());
                        break;
                    }
                }
            }
            let done: Vec<&str> = refs
                .iter()
                .map(|t| if t.done() { "True" } else { "False" })
                .collect();
            lines.push(format!("[{}]", done.join(", ")));
            refs[2].cancel();
            lines
        })
        .unwrap();
    assert_eq!(lines, ["0.01", "0.03", "timed out", "[True, True, False]"]);
}
