//! `evloop::run`: asyncio's `asyncio.run()`: a loop, the main task, Ctrl-C, and the
//! shutdown that cancels what is left.

use std::future::Future;

use crate::error::{LoopError, RunError};
use crate::event_loop::{EventLoop, context};

/// Runs `fut` to completion on a new loop, then cleans up: cancels every task still pending
/// and lets them finish their cancellation, then closes the loop. Returns `fut`'s output.
///
/// The clean-up runs after `fut`'s last line, as in asyncio, so tasks that `fut` spawned and
/// did not await are cancelled (their destructors run) rather than leaked.
///
/// **Ctrl-C.** With the `signal` feature, on the main thread, the first `SIGINT` cancels the
/// main task (its destructors run, as asyncio's `finally` blocks do) and `run` returns
/// [`RunError::Interrupted`] (asyncio: `KeyboardInterrupt`); a second Ctrl-C while that
/// cancellation is still running terminates the process, as the default action does.
/// A program that awaits [`signals::ctrl_c`](crate::signals::ctrl_c) handles Ctrl-C
/// itself: while it waits, the signal wakes it instead; `add_signal_handler(SIGINT, ..)`
/// replaces the cancel, as in asyncio.
///
/// Rosetta: asyncio `asyncio.run(main())`; tokio `Runtime::block_on` on a current-thread
/// runtime with a `LocalSet`.
///
/// # Errors
///
/// [`RunError::Loop`] with [`LoopError::RunInRunningLoop`] inside a running loop (asyncio's
/// message: "asyncio.run() cannot be called from a running event loop"), or [`LoopError::Io`] if the
/// poller could not be created; [`RunError::Task`] if `fut` panicked or was cancelled;
/// [`RunError::Interrupted`] after Ctrl-C.
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
#[doc(alias("asyncio.run", "block_on", "Runtime::block_on"))]
pub fn run<F: Future + 'static>(fut: F) -> Result<F::Output, RunError> {
    if context::running_loop().is_some() {
        return Err(LoopError::RunInRunningLoop.into());
    }
    let ev = EventLoop::new()?;
    let main = ev.create_task(fut)?;
    #[cfg(all(unix, feature = "signal"))]
    let interrupted = ctrl_c_cancels(&ev, &main.task_ref());
    let out = ev.run_task(main);
    shut_down(ev)?;
    #[cfg(all(unix, feature = "signal"))]
    if interrupted.get() {
        return Err(RunError::Interrupted);
    }
    out
}

/// What `asyncio.run` does once the main task is done: cancels what is left, shuts the
/// default executor down, closes the loop. Not generic, so each `run::<F>` does not compile
/// a copy of it.
fn shut_down(ev: EventLoop) -> Result<(), RunError> {
    ev.cancel_remaining()?;
    #[cfg(feature = "executor")]
    {
        // asyncio.run: `loop.shutdown_default_executor(THREAD_JOIN_TIMEOUT)`, 300 s.
        let handle = ev.handle();
        let timeout = std::time::Duration::from_secs(300);
        ev.run_until_complete(async move { handle.shutdown_default_executor(timeout).await })?;
    }
    ev.close()?;
    Ok(())
}

/// On the main thread, makes the first `SIGINT` that no `ctrl_c()` awaits cancel `main`
/// (asyncio `Runner._on_sigint`); it is used once, so a second `SIGINT` gets the default
/// action. Gives the flag that says it happened.
#[cfg(all(unix, feature = "signal"))]
fn ctrl_c_cancels(ev: &EventLoop, main: &crate::TaskRef) -> std::rc::Rc<std::cell::Cell<bool>> {
    let interrupted = std::rc::Rc::new(std::cell::Cell::new(false));
    if std::thread::current().name() != Some("main") {
        return interrupted;
    }
    let (flag, main) = (interrupted.clone(), main.clone());
    // A refusal (say, out of descriptors) leaves Ctrl-C with its default action: no loss.
    let _ = ev.set_ctrl_c_default(move || {
        flag.set(true);
        main.cancel();
    });
    interrupted
}
