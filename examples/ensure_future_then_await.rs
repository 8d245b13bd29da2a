//! Seed 003 ("Asyncio" notes), "Chaining": `ensure_future` kicks off a task, `await`
//! collects its result.
//!
//! Mirrors `examples/python/ensure_future_then_await.py`:
//!
//! ```python
//! async def hello():
//!     w = asyncio.ensure_future(world())
//!     await asyncio.sleep(1)          # block (world begins executing)
//!     print('Hello ', end='', flush=True)
//!     print(await w)
//!
//! async def world():
//!     await asyncio.sleep(2)
//!     return 'world!'
//! ```
//!
//! Run: `cargo run --example ensure_future_then_await` (takes 2 seconds).

use std::io::Write;
use std::time::Duration;

use evloop::EventLoop;

async fn hello() {
    let w = evloop::spawn(world());

    // block (world begins executing)
    evloop::sleep(Duration::from_secs(1)).await;

    print!("Hello ");
    std::io::stdout().flush().unwrap();
    println!("{}", w.await.unwrap());
}

async fn world() -> &'static str {
    evloop::sleep(Duration::from_secs(2)).await;
    "world!"
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ev = EventLoop::new()?;
    ev.run_until_complete(hello())?;
    ev.close()?;
    Ok(())
}
