//! Async iteration: asyncio's `async for`, `__aiter__`/`__anext__`, and async generators.
//!
//! [`AsyncIterator`] has the shape of `futures::Stream` (and of std's unstable
//! `AsyncIterator`): `poll_next` gives `Some(item)` or `None` at the end. `__anext__` is
//! [`next`](AsyncIterator::next), and `async for x in it:` is
//! `while let Some(x) = it.next().await`. [`map`](AsyncIterator::map),
//! [`take`](AsyncIterator::take) and [`collect`](AsyncIterator::collect) cover async
//! comprehensions like `[x async for x in it]`.
//!
//! [`async_gen`] writes an async generator: an `async` block that awaits freely and hands
//! out values with `co.yield_(value).await`, the `yield` of an `async def` generator.
//!
//! **Closing and cancelling.** As in asyncio, a generator's cleanup may await:
//! [`AsyncGen::aclose`] throws a cancel into the body where it is suspended (asyncio throws
//! `GeneratorExit`), so a [`catch_cancel`](crate::catch_cancel) scope in the body catches
//! it and the code after it runs to the end, awaiting as it likes. A generator dropped
//! before it finished (an early `break` out of the loop over it) is closed the way asyncio's
//! finalizer hook does it: its body moves into a new task that runs `aclose()` on the
//! running loop, and [`run`](crate::run) waits for those tasks at shutdown (asyncio
//! `shutdown_asyncgens`). Without a running loop the body is dropped where it stands.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use evloop::async_iter::{AsyncIterator, async_gen};
//!
//! evloop::run(async {
//!     // async def async_range(start, stop): for i in range(...): await sleep(); yield i
//!     let mut numbers = async_gen(|co| async move {
//!         for i in 0..5 {
//!             evloop::sleep(Duration::from_millis(1)).await;
//!             co.yield_(i).await;
//!         }
//!     });
//!     assert_eq!(numbers.next().await, Some(0));
//!     let rest: Vec<i32> = numbers.map(|x| x * 10).take(3).collect().await;
//!     assert_eq!(rest, [10, 20, 30]);
//! })
//! .unwrap();
//! ```

use std::cell::Cell;
use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::error::Cancelled;
use crate::event_loop::{context, shutdown};
use crate::task::cancel;

/// Something that produces values asynchronously, one at a time.
///
/// Rosetta: asyncio's async iterator protocol (`__aiter__`, `__anext__`,
/// `StopAsyncIteration`); `futures::Stream`.
pub trait AsyncIterator {
    /// What it yields.
    type Item;

    /// Polls for the next item: `Ready(Some(item))`, `Ready(None)` at the end, or
    /// `Pending` (with the waker registered).
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>>;

    /// The next item, or `None` at the end (asyncio `await it.__anext__()`, with
    /// `StopAsyncIteration` as `None`).
    fn next(&mut self) -> impl Future<Output = Option<Self::Item>>
    where
        Self: Unpin,
    {
        poll_fn(move |cx| Pin::new(&mut *self).poll_next(cx))
    }

    /// Applies `f` to every item.
    fn map<B, F: FnMut(Self::Item) -> B>(self, f: F) -> Map<Self, F>
    where
        Self: Sized,
    {
        Map { iter: self, f }
    }

    /// Stops after `n` items.
    fn take(self, n: usize) -> Take<Self>
    where
        Self: Sized,
    {
        Take {
            iter: self,
            left: n,
        }
    }

    /// Drains the iterator into a collection (an async comprehension).
    fn collect<C: Default + Extend<Self::Item>>(self) -> impl Future<Output = C>
    where
        Self: Sized,
    {
        async move {
            let mut iter = std::pin::pin!(self);
            let mut out = C::default();
            while let Some(item) = poll_fn(|cx| iter.as_mut().poll_next(cx)).await {
                out.extend(Some(item));
            }
            out
        }
    }
}

impl<P> AsyncIterator for Pin<P>
where
    P: std::ops::DerefMut + Unpin,
    P::Target: AsyncIterator,
{
    type Item = <P::Target as AsyncIterator>::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().as_mut().poll_next(cx)
    }
}

impl<I: AsyncIterator + Unpin + ?Sized> AsyncIterator for &mut I {
    type Item = I::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        Pin::new(&mut **self).poll_next(cx)
    }
}

impl<T> AsyncIterator for crate::combinators::AsCompleted<T> {
    type Item = Result<T, crate::TaskError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_next(cx)
    }
}

pin_project! {
    /// The iterator returned by [`AsyncIterator::map`].
    pub struct Map<I, F> {
        #[pin]
        iter: I,
        f: F,
    }
}

impl<I: AsyncIterator, B, F: FnMut(I::Item) -> B> AsyncIterator for Map<I, F> {
    type Item = B;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<B>> {
        let this = self.project();
        this.iter.poll_next(cx).map(|o| o.map(this.f))
    }
}

pin_project! {
    /// The iterator returned by [`AsyncIterator::take`].
    pub struct Take<I> {
        #[pin]
        iter: I,
        left: usize,
    }
}

impl<I: AsyncIterator> AsyncIterator for Take<I> {
    type Item = I::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<I::Item>> {
        let this = self.project();
        if *this.left == 0 {
            return Poll::Ready(None);
        }
        let item = std::task::ready!(this.iter.poll_next(cx));
        if item.is_some() {
            *this.left -= 1;
        }
        Poll::Ready(item)
    }
}

/// The handle an async generator's body yields through.
pub struct Co<T> {
    slot: Rc<Cell<Option<T>>>,
}

impl<T> Co<T> {
    /// Hands `value` to whoever iterates and suspends until the next item is asked for
    /// (the `yield` of an async generator).
    pub fn yield_(&self, value: T) -> impl Future<Output = ()> + '_ {
        self.slot.set(Some(value));
        let mut suspended = false;
        poll_fn(move |_| {
            // First poll: suspend, so `poll_next` finds the value and returns it. (No waker
            // is needed: `poll_next` returns `Ready` at once, and the next `poll_next`
            // resumes the body.) While a cancel or `aclose()` is thrown in, the body stays
            // at its `yield`, where the cancel is delivered.
            if suspended && !cancel::in_flight() {
                Poll::Ready(())
            } else {
                suspended = true;
                Poll::Pending
            }
        })
    }
}

/// Makes an async generator from a body that yields through its [`Co`].
///
/// Rosetta: an `async def` containing `yield`; `async-stream`'s `stream!`.
///
/// # Examples
///
/// A generator whose cleanup awaits, closed early:
///
/// ```
/// use std::cell::RefCell;
/// use std::rc::Rc;
/// use evloop::async_iter::{AsyncIterator, async_gen};
///
/// let log = Rc::new(RefCell::new(Vec::new()));
/// let l = log.clone();
/// evloop::run(async move {
///     let l2 = l.clone();
///     let mut numbers = async_gen(move |co| async move {
///         // try: while True: yield i  /  finally: await cleanup
///         let r = evloop::catch_cancel(async {
///             for i in 0.. {
///                 co.yield_(i).await;
///             }
///         })
///         .await;
///         evloop::sleep(std::time::Duration::from_millis(1)).await;
///         l2.borrow_mut().push("closed after an await");
///         if let Err(c) = r {
///             c.reraise::<()>().await;
///         }
///     });
///     assert_eq!(numbers.next().await, Some(0));
///     numbers.aclose().await;
///     l.borrow_mut().push("after aclose");
/// })
/// .unwrap();
/// assert_eq!(*log.borrow(), ["closed after an await", "after aclose"]);
/// ```
pub fn async_gen<T, F, Fut>(body: F) -> AsyncGen<T, Fut>
where
    T: 'static,
    F: FnOnce(Co<T>) -> Fut,
    Fut: Future<Output = ()> + 'static,
{
    let slot = Rc::new(Cell::new(None));
    AsyncGen {
        body: Some(Box::pin(body(Co { slot: slot.clone() }))),
        slot,
        started: false,
    }
}

/// An async generator; see [`async_gen`]. Its body is boxed, so the generator is `Unpin`
/// and `next()` works on it directly, as on any iterator.
pub struct AsyncGen<T: 'static, Fut: Future<Output = ()> + 'static> {
    /// The generator's body, until it finishes (then dropped).
    body: Option<Pin<Box<Fut>>>,
    /// Where `yield_` leaves a value for `poll_next` to hand out.
    slot: Rc<Cell<Option<T>>>,
    /// The body was polled: closing it has cleanup to run.
    started: bool,
}

impl<T, Fut: Future<Output = ()>> AsyncIterator for AsyncGen<T, Fut> {
    type Item = T;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let this = &mut *self;
        let Some(body) = this.body.as_mut() else {
            return Poll::Ready(None);
        };
        this.started = true;
        let finished = body.as_mut().poll(cx).is_ready();
        if let Some(value) = this.slot.take() {
            return Poll::Ready(Some(value));
        }
        if finished {
            this.body = None;
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}

impl<T, Fut: Future<Output = ()>> AsyncGen<T, Fut> {
    /// Closes the generator (asyncio `agen.aclose()`): throws a cancel in where the body is
    /// suspended and runs the body to its end, so cleanup after a `catch_cancel` in it may
    /// await. A body that yields again while closing is dropped there (asyncio raises
    /// "async generator ignored GeneratorExit"). Later `next()` calls give `None`.
    pub async fn aclose(&mut self) {
        let body = self.body.take();
        if let (Some(body), true) = (body, self.started) {
            Closing::new(body, self.slot.clone()).await;
        }
    }
}

impl<T: 'static, Fut: Future<Output = ()> + 'static> Drop for AsyncGen<T, Fut> {
    fn drop(&mut self) {
        let Some(body) = self.body.take().filter(|_| self.started) else {
            return;
        };
        // asyncio's finalizer hook: an unfinished generator is closed by a task of its own.
        let closing = Closing::new(body, self.slot.clone());
        let open = context::with_current(|core| core.check_open().is_ok()).unwrap_or(false);
        if open {
            let task = crate::spawn(closing);
            task.set_name("async generator finalizer");
            shutdown::awaited_at_shutdown(&task);
        }
    }
}

/// Runs a generator's body to its end after throwing a cancel into it.
struct Closing<T, Fut> {
    body: Option<Pin<Box<Fut>>>,
    slot: Rc<Cell<Option<T>>>,
    thrown: bool,
}

impl<T, Fut> Closing<T, Fut> {
    fn new(body: Pin<Box<Fut>>, slot: Rc<Cell<Option<T>>>) -> Closing<T, Fut> {
        Closing {
            body: Some(body),
            slot,
            thrown: false,
        }
    }
}

impl<T, Fut> Unpin for Closing<T, Fut> {}

impl<T, Fut: Future<Output = ()>> Future for Closing<T, Fut> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let Some(body) = this.body.as_mut() else {
            return Poll::Ready(());
        };
        // A cancel of the task awaiting the close, thrown in while the body cleans up: it
        // is delivered in the body, and goes on outwards if the body does not catch it.
        let outer = this.thrown && cancel::in_flight();
        if !this.thrown {
            if cancel::in_flight() {
                return Poll::Pending; // cancelled before the close began: nothing to run
            }
            this.thrown = true;
            cancel::throw(Cancelled::new(Some("GeneratorExit".into())));
        }
        let finished = body.as_mut().poll(cx).is_ready();
        let uncaught = cancel::in_flight();
        if uncaught && outer {
            let _cancelling = cancel::enter();
            this.body = None;
            return Poll::Pending;
        }
        // Our cancel still in flight was not caught (or was re-raised): the body is done.
        let uncaught = uncaught && cancel::catch().is_some();
        let yielded = this.slot.take().is_some();
        if finished || uncaught || yielded {
            let _cancelling = (uncaught || yielded).then(cancel::enter);
            this.body = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generator_yields_then_ends_and_runs_its_cleanup_on_drop() {
        let cleaned = Rc::new(Cell::new(false));
        struct Flag(Rc<Cell<bool>>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.set(true);
            }
        }
        let c = cleaned.clone();
        crate::run(async move {
            let mut g = async_gen(|co| async move {
                let _f = Flag(c);
                co.yield_(1).await;
                co.yield_(2).await;
            });
            assert_eq!(g.next().await, Some(1));
            assert_eq!(g.next().await, Some(2));
            assert_eq!(g.next().await, None);
            assert_eq!(g.next().await, None);
        })
        .unwrap();
        assert!(cleaned.get());
    }
}
