//! Seed 004 ("Asyncio Basics"), "Waiting with Timeout".
//!
//! Mirrors `examples/python/wait_for_timeout.py`:
//!
//! ```python
//! try:
//!     result = await asyncio.wait_for(slow_operation(), timeout=2.0)
//! except asyncio.TimeoutError:
//!     print("Operation timed out!")
//! ```
//!
//! Run: `cargo run --example wait_for_timeout` (takes 2 seconds).

use std::time::Duration;

async fn slow_operation() -> &'static str {
    evloop::sleep(Duration::from_secs(10)).await;
    "done"
}

async fn main_() {
    match evloop::wait_for(slow_operation(), Duration::from_secs(2)).await {
        Ok(result) => println!("{result}"),
        Err(evloop::TimeoutError) => println!("Operation timed out!"),
    }
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(main_())
}
