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
//! The cancel is delivered at the task's next await, as in asyncio: `catch_cancel` is the
//! `try: ... except CancelledError:`, and `reraise()` is the bare `raise`
//! (see docs/cancellation.md).
//!
//! Run: `cargo run --example cancel_with_cleanup` (takes 3 seconds).

use std::time::Duration;

use evloop::{TaskError, catch_cancel};

async fn long_running() {
    let work = async {
        loop {
            println!("Working...");
            evloop::sleep(Duration::from_secs(1)).await;
        }
    };
    // try: ... except asyncio.CancelledError: (the loop never ends, so only a cancel leaves it)
    let Err(cancelled) = catch_cancel(work).await;
    println!("Task was cancelled, cleaning up...");
    cancelled.reraise().await // raise: re-raise to mark the task as cancelled
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
