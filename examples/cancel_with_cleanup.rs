//! Seed 004 ("Asyncio Basics"), "Cancelling Tasks".
//!
//! Mirrors `examples/python/cancel_with_cleanup.py`:
//!
//! ```python
//! async def long_running():
//!     try:
//!         while True:
//!             print("Working...")
//!             await asyncio.sleep(1)
//!     except asyncio.CancelledError:
//!         print("Task was cancelled, cleaning up...")
//!         raise  # Re-raise to mark task as cancelled
//!
//! task = asyncio.create_task(long_running())
//! await asyncio.sleep(3)
//! task.cancel()
//! try:
//!     await task
//! except asyncio.CancelledError:
//!     print("Task cancellation confirmed")
//! ```
//!
//! evloop cancels a task by dropping its future at its next suspension point, so the
//! `except CancelledError:` block becomes a destructor that checks `evloop::is_cancelling()`
//! (see docs/cancellation.md).
//!
//! Run: `cargo run --example cancel_with_cleanup` (takes 3 seconds).

use std::time::Duration;

use evloop::TaskError;

/// Runs the `except CancelledError:` block when the task is cancelled.
struct CleanupOnCancel;

impl Drop for CleanupOnCancel {
    fn drop(&mut self) {
        if evloop::is_cancelling() {
            println!("Task was cancelled, cleaning up...");
        }
    }
}

async fn long_running() {
    let _cleanup = CleanupOnCancel;
    loop {
        println!("Working...");
        evloop::sleep(Duration::from_secs(1)).await;
    }
}

async fn main_() {
    let task = evloop::spawn(long_running());

    evloop::sleep(Duration::from_secs(3)).await;
    task.cancel();

    if let Err(TaskError::Cancelled) = task.await {
        println!("Task cancellation confirmed");
    }
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(main_())
}
