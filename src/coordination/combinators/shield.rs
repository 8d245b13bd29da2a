//! `shield`: protect a task from the cancellation of whoever awaits it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::TaskError;
use crate::task::{Task, cancel};

/// Runs `fut` as a task and awaits it, but if the awaiting task is cancelled (the `Shield`
/// dropped) the inner task is **not** cancelled: it runs on to completion. The task is
/// spawned at the first poll (Rust futures are lazy).
///
/// Rosetta: asyncio `asyncio.shield(aw)`; tokio: a spawned task is never cancelled by
/// dropping its `JoinHandle` anyway.
///
/// # Panics
///
/// If polled outside a running loop.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let outer = evloop::spawn(evloop::shield(async {
///         evloop::sleep(Duration::from_millis(5)).await;
///         "finished anyway"
///     }));
///     evloop::yield_now().await;
///     outer.cancel();
///     assert!(outer.await.unwrap_err().is_cancelled());
///     // The inner task keeps running; give it time to finish.
///     evloop::sleep(Duration::from_millis(10)).await;
/// })
/// .unwrap();
/// ```
pub fn shield<F: Future + 'static>(fut: F) -> Shield<F> {
    Shield {
        fut: Some(fut),
        task: None,
    }
}

/// The future returned by [`shield`]; gives the inner task's result.
#[must_use = "futures do nothing unless awaited"]
pub struct Shield<F: Future> {
    /// The future, until the first poll spawns it.
    fut: Option<F>,
    task: Option<Task<F::Output>>,
}

// `fut` is only moved (into a task), never polled in place.
impl<F: Future> Unpin for Shield<F> {}

impl<F: Future + 'static> Future for Shield<F> {
    type Output = Result<F::Output, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if let Some(fut) = this.fut.take() {
            this.task = Some(crate::spawn(fut));
        }
        if cancel::in_flight() {
            // The awaiting task is being cancelled: the cancel goes past the shield (the
            // awaiter observes it at once) and the inner task runs on.
            return Poll::Pending;
        }
        Pin::new(this.task.as_mut().expect("spawned above")).poll(cx)
    }
}

impl<F: Future> Drop for Shield<F> {
    fn drop(&mut self) {
        if let Some(task) = &mut self.task {
            task.disown();
        }
    }
}
