//! `evloop::run`: asyncio's `asyncio.run()`.

use std::future::Future;

use super::EventLoop;
use super::context;
use crate::error::{LoopError, RunError};

/// Runs `fut` to completion on a new loop, then cleans up: cancels every task still pending
/// and lets them finish their cancellation, then closes the loop. Returns `fut`'s output.
///
/// The clean-up runs after `fut`'s last line, as in asyncio, so tasks that `fut` spawned and
/// did not await are cancelled (their destructors run) rather than leaked.
///
/// Rosetta: asyncio `asyncio.run(main())`; tokio `Runtime::block_on` on a current-thread
/// runtime with a `LocalSet`.
///
/// # Errors
///
/// [`RunError::Loop`] with [`LoopError::AnotherLoopRunning`] inside a running loop (asyncio:
/// "asyncio.run() cannot be called from a running event loop"), or [`LoopError::Io`] if the
/// poller could not be created; [`RunError::Task`] if `fut` panicked or was cancelled.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let answer = evloop::run(async {
///     evloop::sleep(Duration::from_millis(1)).await;
///     42
/// })
/// .unwrap();
/// assert_eq!(answer, 42);
/// ```
#[track_caller]
pub fn run<F: Future + 'static>(fut: F) -> Result<F::Output, RunError> {
    if context::running_loop().is_some() {
        return Err(LoopError::AnotherLoopRunning.into());
    }
    let ev = EventLoop::new()?;
    let out = ev.run_until_complete(fut);
    // asyncio `_cancel_all_tasks`: cancel what is left and let it finish cancelling.
    let left = ev.all_tasks();
    for task in &left {
        task.cancel();
    }
    while left.iter().any(|t| !t.done()) {
        ev.run_once()?;
    }
    ev.close()?;
    out
}
