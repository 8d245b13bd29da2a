//! Seed 003 ("Asyncio" notes), "Queues": puts run "at their next chance to run".
//!
//! Mirrors `examples/python/queue_puts_run_later.py` (the seed's snippet is a fragment; the twin
//! completes it the same way):
//!
//! ```python
//! q = asyncio.Queue()
//! asyncio.ensure_future(q.put(1))
//! asyncio.ensure_future(q.put(2))
//! asyncio.ensure_future(q.put(3))
//! ...
//! do_something(await q.get())
//! ```
//!
//! `q.put(1)` is a future: like a Python coroutine it does nothing until it runs, so the
//! queue is still empty right after the spawns.
//!
//! Run: `cargo run --example queue_puts_run_later`

use evloop::Queue;

async fn main_() {
    let q = Queue::new(0);
    for item in 1..=3 {
        let q = q.clone();
        evloop::spawn(async move { q.put(item).await });
    }
    println!("queued right after ensure_future: {}", q.qsize());

    evloop::yield_now().await; // the put tasks get their chance to run
    println!("queued after one turn: {}", q.qsize());

    for _ in 0..3 {
        println!("do_something({})", q.get().await.unwrap());
    }
}

fn main() -> Result<(), evloop::RunError> {
    evloop::run(main_())
}
