//! Seed 004 ("Asyncio Basics"), "Async Generators".
//!
//! Mirrors `examples/python/async_generator.py`:
//!
//! ```python
//! async def async_range(start, stop):
//!     for i in range(start, stop):
//!         await asyncio.sleep(0.5)
//!         yield i
//!
//! async for num in async_range(0, 5):
//!     print(num)
//! results = [x async for x in async_range(0, 3)]
//! print(results)
//! ```
//!
//! Run: `cargo run --example async_generator` (takes 4 seconds).

use std::time::Duration;

use evloop::async_iter::{AsyncIterator, async_gen};

/// Async generator that yields numbers with delays.
fn async_range(start: u32, stop: u32) -> impl AsyncIterator<Item = u32> + Unpin {
    async_gen(move |co| async move {
        for i in start..stop {
            evloop::sleep(Duration::from_millis(500)).await;
            co.yield_(i).await;
        }
    })
}

async fn main_() {
    let mut numbers = async_range(0, 5);
    while let Some(num) = numbers.next().await {
        println!("{num}");
    }

    // Async comprehension
    let results: Vec<u32> = async_range(0, 3).collect().await;
    println!("{results:?}");
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(main_())
}
