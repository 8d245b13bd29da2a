//! Seed 004 ("Asyncio Basics"), "Running Coroutines with asyncio.run".
//!
//! Mirrors `examples/python/run_entry_point.py`:
//!
//! ```python
//! async def hello():
//!     print("Hello")
//!     await asyncio.sleep(1)
//!     print("World")
//!
//! asyncio.run(hello())
//! ```
//!
//! Run: `cargo run --example run_entry_point` (takes 1 second).

use std::time::Duration;

async fn hello() {
    println!("Hello");
    evloop::sleep(Duration::from_secs(1)).await;
    println!("World");
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(hello())
}
