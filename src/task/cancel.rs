//! Knowing, inside a destructor, that the drop is a cancellation.
//!
//! asyncio delivers cancellation as a `CancelledError` raised at the `await`; code tells it
//! apart from other exits with `except CancelledError:`. A Rust future cannot be resumed with
//! an error, so evloop cancels a task by dropping its future: destructors are the `finally`
//! blocks. [`is_cancelling`] is the `except CancelledError:` half: it is true exactly while a
//! task's future is being dropped because the task was cancelled.
//!
//! The flag is a per-thread depth counter (cancelling one task can drop the handle of
//! another it awaited, which cancels that one in turn), set only around the drop.

use std::cell::Cell;

thread_local! {
    /// How many cancellation drops are in progress on this thread.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Marks a cancellation drop in progress until the guard is dropped.
pub(crate) struct Cancelling(());

pub(crate) fn enter() -> Cancelling {
    DEPTH.with(|d| d.set(d.get() + 1));
    Cancelling(())
}

impl Drop for Cancelling {
    fn drop(&mut self) {
        DEPTH.with(|d| d.set(d.get() - 1));
    }
}

/// True while the current thread is dropping a task's future because the task was cancelled.
///
/// Use it in a destructor to tell cancellation from an ordinary exit, the way asyncio code
/// uses `except asyncio.CancelledError:`.
///
/// Rosetta: asyncio `except CancelledError:` in a coroutine; tokio has no equivalent (an
/// aborted task's future is simply dropped).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// struct Cleanup;
/// impl Drop for Cleanup {
///     fn drop(&mut self) {
///         if evloop::is_cancelling() {
///             println!("cancelled, cleaning up");
///         }
///     }
/// }
///
/// evloop::run(async {
///     let task = evloop::spawn(async {
///         let _guard = Cleanup;
///         evloop::sleep(Duration::from_secs(10)).await;
///     });
///     evloop::sleep(Duration::from_millis(1)).await;
///     task.cancel();
///     assert!(task.await.unwrap_err().is_cancelled());
/// })
/// .unwrap();
/// ```
pub fn is_cancelling() -> bool {
    DEPTH.with(|d| d.get() > 0)
}
