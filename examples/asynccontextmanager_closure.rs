//! Seed 004 ("Asyncio Basics"), "Using @asynccontextmanager".
//!
//! Mirrors `examples/python/asynccontextmanager_closure.py`:
//!
//! ```python
//! @asynccontextmanager
//! async def managed_resource(name):
//!     print(f"Acquiring {name}")
//!     await asyncio.sleep(0.5)
//!     try:
//!         yield name
//!     finally:
//!         print(f"Releasing {name}")
//!         await asyncio.sleep(0.2)
//!
//! async with managed_resource("database") as resource:
//!     print(f"Using {resource}")
//! ```
//!
//! The generator's `yield` is where the body runs, so the Rust twin takes the body as an
//! async closure: code before the call is the setup, code after it the `finally`.
//!
//! Run: `cargo run --example asynccontextmanager_closure` (takes 0.7 seconds).

use std::time::Duration;

async fn managed_resource<R>(name: &str, body: impl AsyncFnOnce(&str) -> R) -> R {
    println!("Acquiring {name}");
    evloop::sleep(Duration::from_millis(500)).await;
    let result = body(name).await; // yield name
    println!("Releasing {name}");
    evloop::sleep(Duration::from_millis(200)).await;
    result
}

async fn main_() {
    managed_resource("database", async |resource| {
        println!("Using {resource}");
    })
    .await;
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(main_())
}
