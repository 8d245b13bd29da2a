//! Seed 003 ("Asyncio" notes), "Generators": a generator used as a coroutine, with `send`.
//!
//! Mirrors `examples/python/generator_as_coroutine.py`:
//!
//! ```python
//! def double():
//!     v = None
//!     while True:
//!         v = 2 * (yield v)
//!
//! gen = double()
//! next(gen)            # advance to the first yield point
//! print(gen.send(3))   # 6
//! print(gen.send(8))   # 16
//! ```
//!
//! (The seed calls `next(double)` on the function; it must be the generator object.)
//!
//! A coroutine is a state machine that stops at each suspension point and is resumed with a
//! value. Rust shows this twice over: `Double` below is the state machine written by hand,
//! and `double()` is the same coroutine as an `async fn`, which the compiler turns into
//! such a state machine. We drive the `async` one by hand, the way an event loop would.
//!
//! Run: `cargo run --example generator_as_coroutine`

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The generator as a hand-written state machine: which `yield` it is suspended at.
enum Double {
    /// Created; the body has not started.
    Created,
    /// Suspended at `yield v`, inside the `while True` loop.
    AtYield,
}

impl Double {
    /// `next(gen)`: run to the first `yield`, which yields `v = None`.
    fn start(&mut self) -> Option<i64> {
        *self = Double::AtYield;
        None
    }

    /// `gen.send(x)`: resume at the `yield` with `x`, run to the next `yield`, yield `2 * x`.
    fn send(&mut self, x: i64) -> i64 {
        match self {
            Double::Created => panic!("can't send a value to a just-started generator"),
            Double::AtYield => 2 * x,
        }
    }
}

/// The slot a `send` writes into and a `yield` reads from (and the other way round).
#[derive(Default)]
struct Channel {
    sent: Cell<Option<i64>>,
    yielded: Cell<Option<i64>>,
}

/// `yield v` as a future: hands `v` out, suspends once, and resumes with the sent value.
struct Yield {
    chan: Rc<Channel>,
    value: Option<i64>,
    suspended: bool,
}

impl Future for Yield {
    type Output = i64;

    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<i64> {
        if !self.suspended {
            self.suspended = true;
            self.chan.yielded.set(self.value);
            return Poll::Pending;
        }
        Poll::Ready(self.chan.sent.take().expect("resumed by send"))
    }
}

/// `double()` as an `async fn`: the compiler writes the state machine.
async fn double(chan: Rc<Channel>) {
    let mut v = None;
    loop {
        let x = Yield {
            chan: chan.clone(),
            value: v,
            suspended: false,
        }
        .await;
        v = Some(2 * x);
    }
}

fn main() {
    // The async coroutine, driven by hand: each poll runs it to its next suspension point.
    let chan = Rc::new(Channel::default());
    let mut gen_ = Box::pin(double(chan.clone()));
    let mut cx = Context::from_waker(Waker::noop());
    let mut send = |x: Option<i64>| {
        chan.sent.set(x);
        assert!(gen_.as_mut().poll(&mut cx).is_pending());
        chan.yielded.take()
    };
    send(None); // next(gen): advance to the first yield point
    let six = send(Some(3)).unwrap();
    println!("{six}");
    let sixteen = send(Some(8)).unwrap();
    println!("{sixteen}");

    // The hand-written state machine gives the same answers.
    let mut machine = Double::Created;
    assert_eq!(machine.start(), None);
    assert_eq!((machine.send(3), machine.send(8)), (six, sixteen));
}
