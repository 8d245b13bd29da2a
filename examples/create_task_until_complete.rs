//! Seed 002 ("Introduction to Python Async"), Example #3: `create_task` +
//! `run_until_complete`.
//!
//! Mirrors `examples/python/create_task_until_complete.py`:
//!
//! ```python
//! task_object_loop = sample_event.create_task(sample_task(task_seconds=3))
//! sample_event.run_until_complete(task_object_loop)
//! ...
//! print("Task status: {}".format(task_object_loop.result()))
//! ```
//!
//! Run: `cargo run --example create_task_until_complete` (takes 3 seconds, as the Python does).

use std::time::Duration;

use evloop::EventLoop;

async fn sample_task(task_seconds: u64) -> &'static str {
    println!("Task takes {task_seconds} seconds to complete");
    evloop::sleep(Duration::from_secs(task_seconds)).await;
    "task has been completed"
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sample_event = EventLoop::new()?;
    println!("Creation of tasks started");
    let task_object_loop = sample_event.create_task(sample_task(3))?;

    // run_until_complete hands back what awaiting the task gives: the task's result.
    let result = sample_event.run_until_complete(task_object_loop);
    sample_event.close()?;
    println!("Task status: {}", result??);
    Ok(())
}
