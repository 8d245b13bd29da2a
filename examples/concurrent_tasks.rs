//! Seed 004 ("Asyncio Basics"), "Creating and Managing Tasks".
//!
//! Mirrors `examples/python/concurrent_tasks.py`:
//!
//! ```python
//! async def main():
//!     task1 = asyncio.create_task(fetch("A", 2))
//!     task2 = asyncio.create_task(fetch("B", 1))
//!     result1 = await task1
//!     result2 = await task2
//!     print(result1, result2)
//! ```
//!
//! Run: `cargo run --example concurrent_tasks` (takes 2 seconds: the tasks run concurrently).

use std::time::Duration;

async fn fetch(name: &str, delay: u64) -> String {
    evloop::sleep(Duration::from_secs(delay)).await;
    format!("{name} done")
}

async fn main_() -> Result<(), evloop::TaskError> {
    // Create tasks - they start running at the loop's next turn
    let task1 = evloop::spawn(fetch("A", 2));
    let task2 = evloop::spawn(fetch("B", 1));

    // Wait for both to complete
    let result1 = task1.await?;
    let result2 = task2.await?;
    println!("{result1} {result2}");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    evloop::run(main_())??;
    Ok(())
}
