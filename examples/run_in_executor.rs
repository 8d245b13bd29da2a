//! Seed 004 ("Asyncio Basics"), "Running Blocking Code in Executor".
//!
//! Mirrors `examples/python/run_in_executor.py`:
//!
//! ```python
//! loop = asyncio.get_event_loop()
//! # Run in default executor (ThreadPoolExecutor)
//! result1 = await loop.run_in_executor(None, blocking_io)
//! # Run in custom executor
//! with ThreadPoolExecutor(max_workers=4) as pool:
//!     result2 = await loop.run_in_executor(pool, cpu_bound)
//! ```
//!
//! Leaving Python's `with` block shuts the pool down and waits; the twin calls
//! `shutdown(true)` at the same point.
//!
//! Run: `cargo run --example run_in_executor` (takes 2 seconds).

use std::time::Duration;

use evloop::ThreadPool;

/// Simulates blocking I/O operation.
fn blocking_io() -> &'static str {
    std::thread::sleep(Duration::from_secs(2));
    "IO complete"
}

/// Simulates CPU-intensive operation.
fn cpu_bound() -> u64 {
    (0..1_000_000u64).map(|i| i * i).sum()
}

async fn main_() -> Result<(), evloop::TaskError> {
    let ev = evloop::get_running_loop().expect("inside evloop::run");

    // Run in default executor
    let result1 = ev.run_in_executor(None, blocking_io).await?;
    println!("{result1}");

    // Run in custom executor
    let pool = ThreadPool::new(4);
    let result2 = ev.run_in_executor(Some(&pool), cpu_bound).await?;
    println!("{result2}");
    pool.shutdown(true);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    evloop::run(main_())??;
    Ok(())
}
