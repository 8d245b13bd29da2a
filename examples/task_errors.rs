//! Seed 004 ("Asyncio Basics"), "Exception Handling in Tasks".
//!
//! Mirrors `examples/python/task_errors.py`:
//!
//! ```python
//! async def failing_task():
//!     await asyncio.sleep(1)
//!     raise ValueError("Something went wrong")
//!
//! task = asyncio.create_task(failing_task())
//! try:
//!     await task
//! except ValueError as e:
//!     print(f"Caught exception: {e}")
//!
//! tasks = [asyncio.create_task(asyncio.sleep(1)), asyncio.create_task(failing_task())]
//! results = await asyncio.gather(*tasks, return_exceptions=True)
//! ```
//!
//! In Rust an error is a value: the task returns `Result`, and awaiting the task gives it
//! back. (A panic would be a bug, and comes back as `TaskError::Panicked`.)
//! `gather_results` is `gather(..., return_exceptions=True)`: every child's outcome, in
//! input order.
//!
//! Run: `cargo run --example task_errors` (takes 2 seconds).

use std::fmt;
use std::time::Duration;

#[derive(Debug)]
struct ValueError(&'static str);

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

async fn failing_task() -> Result<(), ValueError> {
    evloop::sleep(Duration::from_secs(1)).await;
    Err(ValueError("Something went wrong"))
}

async fn main_() {
    let task = evloop::spawn(failing_task());

    match task.await {
        Ok(Err(e)) => println!("Caught exception: {e}"),
        other => println!("unexpected: {other:?}"),
    }

    // Using gather with return_exceptions: every outcome, in input order.
    let tasks = [
        Box::pin(async {
            evloop::sleep(Duration::from_secs(1)).await;
            Ok(())
        }) as std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ValueError>>>>,
        Box::pin(failing_task()),
    ];
    let results = evloop::gather_results(tasks).await;
    for r in results {
        match r.expect("neither task panics") {
            Err(e) => println!("Task failed: {e}"),
            Ok(()) => println!("Task succeeded: None"),
        }
    }
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(main_())
}
