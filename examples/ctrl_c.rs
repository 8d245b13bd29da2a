//! Ctrl-C and `evloop::run`, as with `asyncio.run`: the first `SIGINT` cancels the main task
//! (its clean-up runs), `run` returns `RunError::Interrupted` (asyncio: `KeyboardInterrupt`).
//! Also shows `add_signal_handler` turning a signal into an ordinary loop callback.
//!
//! ```python
//! async def main():
//!     loop = asyncio.get_running_loop()
//!     loop.add_signal_handler(signal.SIGUSR1, lambda: print('got SIGUSR1 on the loop'))
//!     try:
//!         print('waiting for Ctrl-C', flush=True)
//!         await asyncio.sleep(3600)
//!     finally:
//!         print('main task cleaned up')
//!
//! try:
//!     asyncio.run(main())
//! except KeyboardInterrupt:
//!     print('interrupted')
//! ```
//!
//! Run: `cargo run --example ctrl_c`, then press Ctrl-C (or `kill -USR1 <pid>` first).
//! With `--handle-ctrl-c` the main task awaits `evloop::signals::ctrl_c()` instead (tokio's
//! `signal::ctrl_c`): Ctrl-C then wakes it, and `run` returns its value.

use std::io::Write;
use std::time::Duration;

use evloop::RunError;
use evloop::signals::SIGUSR1;

/// Prints when dropped: the task's `finally`.
struct Cleanup;

impl Drop for Cleanup {
    fn drop(&mut self) {
        println!("main task cleaned up");
    }
}

async fn main_() {
    let ev = evloop::get_running_loop().expect("inside run");
    ev.add_signal_handler(SIGUSR1, || println!("got SIGUSR1 on the loop"))
        .expect("SIGUSR1 can be caught");
    let _cleanup = Cleanup;
    println!("waiting for Ctrl-C (pid {})", std::process::id());
    std::io::stdout().flush().unwrap();
    if std::env::args().any(|a| a == "--handle-ctrl-c") {
        // tokio's way: await Ctrl-C and shut down on our own terms; `run` then cancels
        // nothing and returns the main task's value.
        evloop::signals::ctrl_c()
            .await
            .expect("SIGINT can be watched");
        println!("got Ctrl-C: shutting down");
        return;
    }
    evloop::sleep(Duration::from_secs(3600)).await;
}

fn main() {
    match evloop::run(main_()) {
        Err(RunError::Interrupted) => println!("interrupted"),
        other => println!("finished: {other:?}"),
    }
    std::io::stdout().flush().unwrap();
    // With the loop gone, SIGINT has its default action again: this ends the process.
    if std::env::args().any(|a| a == "--raise-after") {
        evloop::signals::raise(evloop::signals::SIGINT).unwrap();
        println!("not reached");
    }
}
