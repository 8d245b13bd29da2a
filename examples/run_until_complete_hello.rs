//! Seed 003 ("Asyncio" notes), "The event loop": `run_until_complete` on a coroutine.
//!
//! Mirrors `examples/python/run_until_complete_hello.py`:
//!
//! ```python
//! async def hello_world():
//!     print('Hello world!')
//!
//! loop.run_until_complete(hello_world())
//! loop.close()
//! ```
//!
//! Run: `cargo run --example run_until_complete_hello`

use evloop::EventLoop;

async fn hello_world() {
    println!("Hello world!");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let ev = EventLoop::new()?;
    // Calling an async fn only creates the coroutine; nothing runs until the loop drives it.
    let coro = hello_world();
    ev.run_until_complete(coro)?;
    ev.close()?;
    Ok(())
}
