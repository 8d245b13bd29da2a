//! Seed 002 ("Introduction to Python Async"), Example #4: two interleaving countdowns.
//!
//! Mirrors `examples/python/countdown_interleaving.py`:
//!
//! ```python
//! async def countdown(number, n):
//!     while n > 0:
//!         print('Counter of ', n, '({})'.format(number))
//!         await asyncio.sleep(1)
//!         n -= 1
//!
//! tasks = [loop.create_task(countdown("First Count", 2)),
//!          loop.create_task(countdown("Second Count", 4))]
//! loop.run_until_complete(asyncio.wait(tasks))
//! ```
//!
//! Run: `cargo run --example countdown_interleaving` (takes 4 seconds).

use std::time::Duration;

use evloop::EventLoop;

async fn countdown(number: &str, mut n: u32) {
    while n > 0 {
        // Python's print(a, b, c) separates its arguments with one space each.
        println!("Counter of  {n} ({number})");
        evloop::sleep(Duration::from_secs(1)).await;
        n -= 1;
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ev = EventLoop::new()?;
    let tasks = [
        ev.create_task(countdown("First Count", 2))?,
        ev.create_task(countdown("Second Count", 4))?,
    ];
    // asyncio.wait(tasks): wait for all of them (the coordination layer brings `wait` itself).
    ev.run_until_complete(async move {
        for t in tasks {
            let _ = t.await;
        }
    })?;
    ev.close()?;
    Ok(())
}
