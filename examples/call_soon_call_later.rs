//! Seed 003 ("Asyncio" notes), "The event loop": `call_soon`, `call_later`, and yielding to
//! the next item in the loop with `sleep(0)`.
//!
//! Mirrors `examples/python/call_soon_call_later.py` (the seed describes this in prose
//! only):
//!
//! ```python
//! loop.call_later(0.2, say, 'call_later: 0.2 s later')
//! loop.call_later(0.1, say, 'call_later: 0.1 s later')
//! loop.call_soon(say, 'call_soon: first')
//! loop.call_soon(say, 'call_soon: second')
//! loop.create_task(ping_pong('ping'))
//! loop.create_task(ping_pong('pong'))
//! loop.call_later(0.3, loop.stop)
//! loop.run_forever()
//! ```
//!
//! Run: `cargo run --example call_soon_call_later`

use std::time::Duration;

use evloop::EventLoop;

fn say(what: &'static str) -> impl FnOnce() {
    move || println!("{what}")
}

async fn ping_pong(name: &str) {
    for i in 0..2 {
        println!("{name} {i}");
        evloop::yield_now().await; // asyncio.sleep(0): yield to the next item in the loop
    }
}

fn main() -> Result<(), evloop::LoopError> {
    let ev = EventLoop::new()?;
    ev.call_later(Duration::from_millis(200), say("call_later: 0.2 s later"))?;
    ev.call_later(Duration::from_millis(100), say("call_later: 0.1 s later"))?;
    ev.call_soon(say("call_soon: first"))?;
    ev.call_soon(say("call_soon: second"))?;
    ev.create_task(ping_pong("ping"))?;
    ev.create_task(ping_pong("pong"))?;
    let h = ev.handle();
    ev.call_later(Duration::from_millis(300), move || h.stop())?;
    ev.run_forever()?;
    ev.close()
}
