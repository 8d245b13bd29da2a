//! asyncio's Future (asyncio-semantics.md §5).

use crate::util;

use std::time::Duration;

use evloop::{EventLoop, FutureError, InvalidStateError};
use util::Trace;

#[derive(Debug)]
struct Oops;
impl std::fmt::Display for Oops {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("oops")
    }
}
impl std::error::Error for Oops {}

#[test]
fn setting_twice_is_invalid_state_not_a_panic() {
    let ev = EventLoop::new().unwrap();
    let f = ev.create_future::<i32>();
    assert!(matches!(f.result(), Err(FutureError::NotDone)));
    f.set_result(1).unwrap();
    assert_eq!(f.set_result(2), Err(InvalidStateError));
    assert_eq!(f.set_exception(Oops), Err(InvalidStateError));
    assert!(!f.cancel());
    assert_eq!(f.result().unwrap(), 1);
}

#[test]
fn many_tasks_await_one_future() {
    let t = Trace::new();
    let t2 = t.clone();
    evloop::run(async move {
        let fut = evloop::Future::<&'static str>::new();
        let waiters: Vec<_> = (0..3)
            .map(|i| {
                let (f, t) = (fut.clone(), t2.clone());
                evloop::spawn(async move { t.log(format!("{i}: {}", f.await.unwrap())) })
            })
            .collect();
        evloop::sleep(Duration::from_millis(1)).await;
        fut.set_result("go").unwrap();
        for w in waiters {
            w.await.unwrap();
        }
    })
    .unwrap();
    t.assert(&["0: go", "1: go", "2: go"]);
}

#[test]
fn exceptions_and_cancellation_reach_every_awaiter() {
    evloop::run(async {
        let f = evloop::Future::<()>::new();
        let g = f.clone();
        let waiter = evloop::spawn(g);
        evloop::yield_now().await;
        f.set_exception(Oops).unwrap();
        match waiter.await.unwrap() {
            Err(FutureError::Exception(e)) => assert_eq!(e.to_string(), "oops"),
            other => panic!("unexpected {other:?}"),
        }
        let c = evloop::Future::<()>::new();
        assert!(c.cancel());
        assert!(c.cancelled() && c.done());
        assert!(matches!(c.await, Err(FutureError::Cancelled)));
    })
    .unwrap();
}

#[test]
fn done_callbacks_are_scheduled_in_order_never_synchronous() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let f = ev.create_future::<u8>();
    for name in ["first", "second"] {
        let t = t.clone();
        f.add_done_callback(move |f| t.log(format!("{name} {:?}", f.result())))
            .unwrap();
    }
    f.set_result(7).unwrap();
    t.assert(&[]);
    ev.run_once().unwrap();
    t.assert(&["first Ok(7)", "second Ok(7)"]);
}

#[test]
fn a_done_callback_needs_a_loop() {
    let f = evloop::Future::<u8>::new(); // no running loop: unbound
    assert!(f.add_done_callback(|_| ()).is_err());
}

/// A future whose error nobody read is reported when its last handle goes, as asyncio
/// reports it when the future is collected:
///
/// ```python
/// async def main():
///     loop = asyncio.get_running_loop()
///     loop.set_exception_handler(lambda l, c: print(c["message"], c["exception"]))
///     f = loop.create_future()
///     f.set_exception(ValueError("lost"))
///     del f; gc.collect()
///     g = loop.create_future(); g.set_exception(ValueError("read"))
///     try:
///         g.result()
///     except ValueError:
///         print("read it")
///     del g; gc.collect()
///     print("end")
/// ```
///
/// prints `Future exception was never retrieved lost`, `read it`, `end`.
#[test]
fn an_error_nobody_read_is_reported_when_the_future_goes() {
    #[derive(Debug)]
    struct ValueError(&'static str);
    impl std::fmt::Display for ValueError {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str(self.0)
        }
    }
    impl std::error::Error for ValueError {}

    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let t2 = t.clone();
    ev.set_exception_handler(move |c| {
        t2.log(format!(
            "{} {}",
            c.message,
            c.error.clone().unwrap_or_default()
        ))
    });
    let t3 = t.clone();
    ev.run_until_complete(async move {
        let ev = evloop::get_running_loop().unwrap();
        let f = ev.create_future::<()>();
        f.set_exception(ValueError("lost")).unwrap();
        drop(f);
        let g = ev.create_future::<()>();
        g.set_exception(ValueError("read")).unwrap();
        if g.result().is_err() {
            t3.log("read it");
        }
        drop(g);
        t3.log("end");
    })
    .unwrap();
    t.assert(&[
        "Future exception was never retrieved lost",
        "read it",
        "end",
    ]);
}

/// Done callbacks taken back before the future is done do not run; once it is done they
/// were scheduled and cannot be. Mirrors:
///
/// ```python
/// async def main():
///     loop = asyncio.get_running_loop()
///     f = loop.create_future()
///     def a(fut): print("a")
///     def b(fut): print("b")
///     f.add_done_callback(a); f.add_done_callback(b); f.add_done_callback(a)
///     print(f.remove_done_callback(a))
///     f.set_result(1)
///     print(f.remove_done_callback(b))
///     await asyncio.sleep(0)
/// ```
///
/// which prints `2`, `0`, `b` (a closure has no identity, so each registration of `a` is
/// taken back by its id).
#[test]
fn remove_done_callback_as_asyncio() {
    let ev = EventLoop::new().unwrap();
    let t = Trace::new();
    let t2 = t.clone();
    ev.run_until_complete(async move {
        let t = t2;
        let f = evloop::Future::<u8>::new();
        let a1 = f.add_done_callback(cb(&t, "a")).unwrap();
        let b = f.add_done_callback(cb(&t, "b")).unwrap();
        let a2 = f.add_done_callback(cb(&t, "a")).unwrap();
        t.log((f.remove_done_callback(a1) + f.remove_done_callback(a2)).to_string());
        f.set_result(1).unwrap();
        t.log(f.remove_done_callback(b).to_string());
        evloop::yield_now().await;
    })
    .unwrap();
    t.assert(&["2", "0", "b"]);
}

fn cb(t: &Trace, name: &'static str) -> impl FnOnce(&evloop::Future<u8>) + 'static {
    let t = t.clone();
    move |_| t.log(name)
}

/// `get_loop` of a future: the loop it belongs to, compared as asyncio compares loops with
/// `is`. Mirrors:
///
/// ```python
/// async def main():
///     loop = asyncio.get_running_loop()
///     print(loop.create_future().get_loop() is loop)
/// ```
///
/// which prints `True` (a server's `get_loop` is in `tests/io_tests/net_streams.rs`).
#[test]
fn get_loop_gives_the_loop_a_future_belongs_to() {
    let ev = EventLoop::new().unwrap();
    let h = ev.handle();
    let fut_loop = ev
        .run_until_complete(async {
            let ev = evloop::get_running_loop().unwrap();
            ev.create_future::<u8>().get_loop()
        })
        .unwrap();
    assert_eq!(fut_loop, Some(h));
    assert!(
        evloop::Future::<u8>::new().get_loop().is_none(),
        "made outside a loop"
    );
}
