//! `catch_cancel`: asyncio's `try: ... except CancelledError:` as a future.
//!
//! A cancel is delivered to a task at its next step (`task::cancel`): thrown into the poll,
//! it travels outwards through the futures being polled until a scope catches it. A
//! [`CatchCancel`] is such a scope: when its inner future returns `Pending` with a cancel in
//! flight, the cancel reached it from the await where the task is suspended, so it drops
//! the inner future (its destructors run, seeing [`is_cancelling`](crate::is_cancelling))
//! and resolves to `Err(Cancelled)`. The code after it runs on: it may await while it
//! cleans up, then pass the cancel on with [`Cancelled::reraise`] or swallow it.
//!
//! A scope nested inside another catches first, as the innermost `except` does in Python.

use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::error::Cancelled;
use crate::event_loop::context;
use crate::task::cancel;

/// Runs `fut`, catching a cancel delivered to the task while `fut` is suspended: resolves to
/// `Ok(output)`, or to `Err(Cancelled)` once `fut` has been dropped because of a cancel.
///
/// This is how evloop code writes asyncio's `except CancelledError:`. After catching, the
/// task's code keeps running and can await (close a connection politely, tell a peer,
/// await a child); then either [`reraise`](Cancelled::reraise) the cancel (the task ends
/// cancelled, or an outer scope catches it) or carry on (the task swallowed it; call
/// [`uncancel`](crate::TaskRef::uncancel) as asyncio code does).
///
/// A task that never polls a `catch_cancel` (nor awaits a task, a gather, a `TaskGroup`, a
/// `timeout`) is cancelled by dropping its future, as before: code that never looks still
/// stops. See `docs/cancellation.md`.
///
/// Rosetta: asyncio `try: await ... except asyncio.CancelledError:`; tokio has no delivered
/// cancel (a task learns of `abort()` only through destructors).
///
/// # Examples
///
/// The asyncio program:
///
/// ```python
/// async def worker():
///     try:
///         await asyncio.sleep(10)
///     except asyncio.CancelledError:
///         await asyncio.sleep(0.01)   # cleanup that awaits
///         print("cleaned up")
///         raise
/// ```
///
/// and its evloop twin:
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let worker = evloop::spawn(async {
///         match evloop::catch_cancel(evloop::sleep(Duration::from_secs(10))).await {
///             Ok(()) => {}
///             Err(cancelled) => {
///                 evloop::sleep(Duration::from_millis(10)).await; // cleanup that awaits
///                 println!("cleaned up");
///                 cancelled.reraise().await
///             }
///         }
///     });
///     evloop::yield_now().await;
///     worker.cancel();
///     assert!(worker.await.unwrap_err().is_cancelled());
/// })
/// .unwrap();
/// ```
#[doc(alias = "CancelledError")]
#[doc(alias = "except CancelledError")]
pub fn catch_cancel<F: Future>(fut: F) -> CatchCancel<F> {
    CatchCancel {
        fut: Some(fut),
        marked: false,
    }
}

pin_project! {
    /// The future returned by [`catch_cancel`].
    #[must_use = "futures do nothing unless awaited"]
    pub struct CatchCancel<F> {
        #[pin]
        fut: Option<F>,
        marked: bool,
    }
}

impl<F: Future> Future for CatchCancel<F> {
    type Output = Result<F::Output, Cancelled>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if !*this.marked {
            *this.marked = true;
            mark_current_task_catches();
        }
        let fut = this
            .fut
            .as_mut()
            .as_pin_mut()
            .expect("CatchCancel polled after it completed");
        if let Poll::Ready(v) = fut.poll(cx) {
            this.fut.set(None);
            return Poll::Ready(Ok(v));
        }
        match cancel::catch() {
            Some(cancelled) => {
                // Dropped as a cancellation, so destructors inside see `is_cancelling()`.
                let _cancelling = cancel::enter();
                this.fut.set(None);
                Poll::Ready(Err(cancelled))
            }
            None => Poll::Pending,
        }
    }
}

/// Marks the running task as one whose cancels are delivered by a poll, so that the scope
/// polling now gets the chance to catch them.
pub(crate) fn mark_current_task_catches() {
    if let Some(task) = context::with_current(|core| core.current_task()).flatten() {
        task.set_catches();
    }
}

impl Cancelled {
    /// Passes the caught cancel on (Python's bare `raise` in an `except CancelledError:`
    /// block): the enclosing scope catches it, or the task ends cancelled. Never resolves.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use evloop::catch_cancel;
    ///
    /// evloop::run(async {
    ///     let task = evloop::spawn(async {
    ///         let outer = catch_cancel(async {
    ///             match catch_cancel(evloop::sleep(Duration::from_secs(10))).await {
    ///                 Ok(()) => "slept",
    ///                 Err(c) => c.reraise().await, // inner except: clean up, raise
    ///             }
    ///         });
    ///         match outer.await {
    ///             Ok(v) => v,
    ///             Err(_) => "outer caught it", // outer except: swallow
    ///         }
    ///     });
    ///     evloop::yield_now().await;
    ///     task.cancel();
    ///     assert_eq!(task.await, Ok("outer caught it"));
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "raise")]
    pub fn reraise<T>(self) -> Reraise<T> {
        Reraise {
            cancelled: self,
            _never: PhantomData,
        }
    }
}

/// The future returned by [`Cancelled::reraise`]: throws the cancel again and never
/// resolves.
#[must_use = "futures do nothing unless awaited"]
pub struct Reraise<T> {
    cancelled: Cancelled,
    _never: PhantomData<fn() -> T>,
}

impl<T> Future for Reraise<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<T> {
        cancel::throw(self.cancelled.clone());
        Poll::Pending
    }
}
