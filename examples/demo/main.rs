//! The evloop demo, in two parts.
//!
//! 1. **Watch the loop turn.** Drives a loop one turn at a time with `run_once` and prints
//!    what ran in each turn: callbacks in FIFO order, a due timer after the ready work, two
//!    tasks alternating on `yield_now`, a cancelled task running its cleanup, a call from
//!    another thread waking the loop out of its poll, and a panicking callback reported
//!    without stopping the loop.
//! 2. **A voice agent on the extension runtime.** A TEN-style graph — a microphone sending
//!    10 ms audio frames → speech-to-text → a language model streaming its answer →
//!    text-to-speech → a speaker — with barge-in: when the user speaks again, a `flush`
//!    command travels down the chain and cancels the work in flight. It prints a timeline.
//!
//! Run: `cargo run -p evloop-demo` (or `cargo run --example demo`, which also builds the
//! test suite's dev-dependencies)

mod voice;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::{EventLoop, TaskError};

/// Prints a line prefixed with the current turn number.
#[derive(Clone)]
struct Log(Rc<Cell<u32>>);

impl Log {
    fn say(&self, what: impl AsRef<str>) {
        println!("  turn {:>2} | {}", self.0.get(), what.as_ref());
    }
}

struct Cleanup(Log);

impl Drop for Cleanup {
    fn drop(&mut self) {
        if evloop::is_cancelling() {
            self.0
                .say("sleeper: cancelled, cleanup runs as its future is dropped");
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("== part 1: watch the loop turn ==\n");
    // Rust's default panic hook prints every panic to stderr, even one that is caught; the
    // loop catches the demo's deliberate panic and reports it through its exception handler,
    // so keep stderr quiet here.
    std::panic::set_hook(Box::new(|_| {}));

    let ev = EventLoop::new()?;
    let turn = Rc::new(Cell::new(0));
    let log = Log(turn.clone());
    ev.set_exception_handler({
        let log = log.clone();
        move |ctx| {
            log.say(format!(
                "exception handler: {} ({})",
                ctx.message,
                ctx.error.as_deref().unwrap_or("")
            ))
        }
    });

    println!("evloop demo: one line per thing that ran, with the turn it ran in\n");

    // Callbacks: FIFO, and a zero-delay timer still runs after the ready callbacks.
    let l = log.clone();
    ev.call_soon(move || l.say("call_soon #1"))?;
    let l = log.clone();
    ev.call_later(Duration::ZERO, move || {
        l.say("call_later(0): due timers run after ready work")
    })?;
    let l = log.clone();
    ev.call_soon(move || l.say("call_soon #2"))?;

    // Two tasks alternating on yield_now (asyncio.sleep(0)).
    for name in ["ping", "pong"] {
        let l = log.clone();
        ev.create_task(async move {
            for i in 0..3 {
                l.say(format!("{name} {i}"));
                evloop::yield_now().await;
            }
        })?;
    }

    // A task that will be cancelled while it sleeps.
    let l = log.clone();
    let sleeper = ev.create_task(async move {
        let _cleanup = Cleanup(l.clone());
        l.say("sleeper: going to sleep for an hour");
        evloop::sleep(Duration::from_secs(3600)).await;
    })?;

    // A panicking callback: reported, and the loop goes on.
    ev.call_later(Duration::from_millis(5), || panic!("a bug in a callback"))?;

    // A call from another thread, 20 ms from now, wakes the loop out of its poll.
    let remote = ev.remote();
    let worker = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(20));
        remote
            .call_soon_threadsafe(|| {
                println!("           | call_soon_threadsafe from another thread")
            })
            .unwrap();
    });

    let l = log.clone();
    let main_task = ev.create_task(async move {
        evloop::sleep(Duration::from_millis(2)).await;
        l.say("main: cancelling the sleeper");
        sleeper.cancel();
        let outcome = sleeper.await;
        l.say(format!("main: sleeper ended with {outcome:?}"));
        evloop::sleep(Duration::from_millis(40)).await;
        l.say("main: done");
        outcome
    })?;

    // Drive the loop by hand, one turn at a time, until the main task is done.
    while !main_task.done() {
        turn.set(turn.get() + 1);
        ev.run_once()?;
    }
    worker.join().unwrap();

    let mut main_task = main_task;
    let outcome = main_task.take_result().expect("done")?;
    assert_eq!(outcome, Err(TaskError::Cancelled));
    println!("\n{} turns; the loop is {:?}", turn.get(), ev.handle());
    ev.close()?;
    println!("closed: {}", ev.is_closed());

    println!("\n== part 2: a voice agent on the extension runtime ==\n");
    voice::run()?;
    Ok(())
}
