//! Seed 002 ("Introduction to Python Async"), Example #2: `call_soon` + `stop`.
//!
//! Mirrors `examples/python/call_soon_then_stop.py`:
//!
//! ```python
//! loop.call_soon(functools.partial(event_handler, loop))
//! print('Loop is being started')
//! loop.call_soon(functools.partial(event_handler, loop, stop=True))
//! loop.run_forever()
//! ```
//!
//! Run: `cargo run --example call_soon_then_stop`

use evloop::{EventLoop, LoopHandle};

fn event_handler(ev: &LoopHandle, stop: bool) {
    println!("Calling event handler");
    if stop {
        println!("Loop is being stopped");
        ev.stop();
    }
}

fn main() -> Result<(), evloop::LoopError> {
    let ev = EventLoop::new()?;
    // try: ... finally: — the closure is the `try` body; closing happens after it either way.
    let body = || -> Result<(), evloop::LoopError> {
        let h = ev.handle();
        ev.call_soon(move || event_handler(&h, false))?;
        println!("Loop is being started");

        let h = ev.handle();
        ev.call_soon(move || event_handler(&h, true))?;
        ev.run_forever()
    };
    let result = body();
    println!("Loop is being closed");
    ev.close()?;
    result
}
