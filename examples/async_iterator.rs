//! Seed 004 ("Asyncio Basics"), "Asynchronous Iteration": an async iterator type.
//!
//! Mirrors `examples/python/async_iterator.py`:
//!
//! ```python
//! class AsyncRange:
//!     def __aiter__(self): return self
//!     async def __anext__(self):
//!         if self.current >= self.stop:
//!             raise StopAsyncIteration
//!         await asyncio.sleep(0.5)
//!         ...
//!
//! async for num in AsyncRange(0, 5):
//!     print(num)
//! ```
//!
//! `__anext__` becomes `poll_next`, `StopAsyncIteration` becomes `None`, and the pending
//! `sleep` is kept in the iterator between polls (a Rust future must remember where it
//! was). `async for` is `while let Some(x) = it.next().await`.
//!
//! Run: `cargo run --example async_iterator` (takes 2.5 seconds).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use evloop::Sleep;
use evloop::async_iter::AsyncIterator;

/// Async iterator that yields numbers with delays.
struct AsyncRange {
    current: u32,
    stop: u32,
    /// The `await asyncio.sleep(0.5)` in progress, if any.
    delay: Option<Pin<Box<Sleep>>>,
}

impl AsyncRange {
    fn new(start: u32, stop: u32) -> AsyncRange {
        AsyncRange {
            current: start,
            stop,
            delay: None,
        }
    }
}

impl AsyncIterator for AsyncRange {
    type Item = u32;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u32>> {
        if self.current >= self.stop {
            return Poll::Ready(None); // raise StopAsyncIteration
        }
        let delay = self
            .delay
            .get_or_insert_with(|| Box::pin(evloop::sleep(Duration::from_millis(500))));
        std::task::ready!(delay.as_mut().poll(cx));
        self.delay = None;
        let value = self.current;
        self.current += 1;
        Poll::Ready(Some(value))
    }
}

async fn main_() {
    let mut numbers = AsyncRange::new(0, 5);
    while let Some(num) = numbers.next().await {
        println!("{num}");
    }
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(main_())
}
