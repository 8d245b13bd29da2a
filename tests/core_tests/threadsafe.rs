//! `RemoteHandle::run_coroutine_threadsafe`: work handed to a loop from another thread.
//! (Apart from `loop_threads.rs`, which Miri runs: these block on real thread pools.)
#![cfg(feature = "executor")]

use crate::py;

use std::time::Duration;

use evloop::TaskError;
use py::py_bool;

/// `run_coroutine_threadsafe` from another thread: a result, a timeout that leaves the task
/// running, a cancel delivered to it. Mirrors:
///
/// ```python
/// async def work():
///     await asyncio.sleep(0.01)
///     return 42
/// async def slow():
///     await asyncio.sleep(10)
/// async def main():
///     loop = asyncio.get_running_loop()
///     def other():
///         f = asyncio.run_coroutine_threadsafe(work(), loop)
///         print("result", f.result(timeout=5))
///         g = asyncio.run_coroutine_threadsafe(slow(), loop)
///         try:
///             g.result(timeout=0.05)
///         except TimeoutError:
///             print("timed out, still running:", not g.done())
///         print("cancel", g.cancel())
///         try:
///             g.result(timeout=5)
///         except concurrent.futures.CancelledError:
///             print("cancelled")
///         print("cancel again", g.cancel())
///     await asyncio.to_thread(other)
/// ```
///
/// which prints the lines asserted below (3.11 and 3.13).
#[test]
fn run_coroutine_threadsafe_as_asyncio() {
    use evloop::threadsafe::ConcurrentError;
    let lines = evloop::run(async {
        let remote = evloop::get_running_loop().unwrap().remote();
        evloop::to_thread(move || {
            let mut lines = Vec::new();
            let f = remote.run_coroutine_threadsafe(|| async {
                evloop::sleep(Duration::from_millis(10)).await;
                42
            });
            lines.push(format!(
                "result {}",
                f.result(Some(Duration::from_secs(5))).unwrap()
            ));
            let g = remote.run_coroutine_threadsafe(|| evloop::sleep(Duration::from_secs(10)));
            if g.result(Some(Duration::from_millis(50))) == Err(ConcurrentError::Timeout) {
                lines.push(format!("timed out, still running: {}", py_bool(!g.done())));
            }
            lines.push(format!("cancel {}", py_bool(g.cancel())));
            if let Err(ConcurrentError::Task(TaskError::Cancelled)) =
                g.result(Some(Duration::from_secs(5)))
            {
                lines.push("cancelled".to_string());
            }
            lines.push(format!("cancel again {}", py_bool(g.cancel())));
            lines
        })
        .await
        .unwrap()
    })
    .unwrap();
    assert_eq!(
        lines,
        [
            "result 42",
            "timed out, still running: True",
            "cancel True",
            "cancelled",
            "cancel again True"
        ]
    );
}

/// Work handed to a loop that closes first ends cancelled, not in a hang.
#[test]
fn run_coroutine_threadsafe_on_a_closed_loop_is_cancelled() {
    use evloop::threadsafe::ConcurrentError;
    let ev = evloop::EventLoop::new().unwrap();
    let remote = ev.remote();
    let pending = remote.run_coroutine_threadsafe(|| async { 1 });
    drop(ev);
    let late = remote.run_coroutine_threadsafe(|| async { 2 });
    for f in [pending, late] {
        assert_eq!(
            f.result(Some(Duration::from_secs(5))),
            Err(ConcurrentError::Task(TaskError::Cancelled))
        );
    }
}
