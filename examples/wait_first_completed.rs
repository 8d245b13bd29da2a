//! Seed 004 ("Asyncio Basics"), "Waiting for First Completed".
//!
//! Mirrors `examples/python/wait_first_completed.py`:
//!
//! ```python
//! done, pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
//! for task in done:
//!     print(f"Completed: {task.result()}")
//! print(f"Still pending: {len(pending)}")
//! for task in pending:
//!     task.cancel()
//! ```
//!
//! Run: `cargo run --example wait_first_completed` (takes 1 second).

use std::time::Duration;

use evloop::ReturnWhen;

async fn fetch(name: &str, delay: u64) -> String {
    evloop::sleep(Duration::from_secs(delay)).await;
    format!("{name}: {delay}s")
}

async fn main_() {
    let tasks = [
        evloop::spawn(fetch("fast", 1)),
        evloop::spawn(fetch("slow", 3)),
    ];

    // Wait for first to complete
    let (done, pending) = evloop::wait(tasks, ReturnWhen::FirstCompleted, None)
        .await
        .expect("three tasks to wait for");

    for mut task in done {
        println!(
            "Completed: {}",
            task.take_result().expect("done").expect("no panic")
        );
    }
    println!("Still pending: {}", pending.len());

    // Cancel pending tasks
    for task in pending {
        task.cancel();
    }
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(main_())
}
