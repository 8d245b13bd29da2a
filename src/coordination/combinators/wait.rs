//! `wait` and `as_completed`: react to tasks as they finish, without cancelling any.

use std::future::poll_fn;
use std::pin::pin;
use std::task::{Context, Poll};
use std::time::Duration;

use super::completion::Completions;
use crate::error::{TaskError, TimeoutError};
use crate::task::{Task, TaskRef};

/// When [`wait`] returns (asyncio's `FIRST_COMPLETED`, `FIRST_EXCEPTION`, `ALL_COMPLETED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as any task finishes.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # evloop::run(async {
    /// let fast = evloop::spawn(async {});
    /// let slow = evloop::spawn(evloop::sleep(Duration::from_secs(60)));
    /// let (done, pending) = evloop::wait([fast, slow], evloop::ReturnWhen::FirstCompleted, None)
    ///     .await
    ///     .unwrap();
    /// assert_eq!((done.len(), pending.len()), (1, 1));
    /// # pending[0].cancel();
    /// # }).unwrap();
    /// ```
    #[doc(alias("FIRST_COMPLETED", "asyncio.FIRST_COMPLETED"))]
    FirstCompleted,
    /// As soon as a task panics (a cancelled task does not count), or when all finished.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # evloop::run(async {
    /// let bad = evloop::spawn(async { panic!("boom") });
    /// let slow = evloop::spawn(async { evloop::sleep(Duration::from_secs(60)).await });
    /// let (done, pending) = evloop::wait([bad, slow], evloop::ReturnWhen::FirstException, None)
    ///     .await
    ///     .unwrap();
    /// assert_eq!((done.len(), pending.len()), (1, 1));
    /// # pending[0].cancel();
    /// # }).unwrap();
    /// ```
    #[doc(alias("FIRST_EXCEPTION", "asyncio.FIRST_EXCEPTION"))]
    FirstException,
    /// When every task has finished.
    ///
    /// ```
    /// # evloop::run(async {
    /// let tasks = [evloop::spawn(async { 1 }), evloop::spawn(async { 2 })];
    /// let (done, pending) = evloop::wait(tasks, evloop::ReturnWhen::AllCompleted, None)
    ///     .await
    ///     .unwrap();
    /// assert_eq!((done.len(), pending.len()), (2, 0));
    /// # }).unwrap();
    /// ```
    #[doc(alias("ALL_COMPLETED", "asyncio.ALL_COMPLETED"))]
    AllCompleted,
}

/// Waits for `tasks` until `return_when` is met or `timeout` passes, and splits them into
/// `(done, pending)`, each in input order. It cancels nothing and never fails; whatever the
/// tasks ended with stays in them. Every task already done when it resumes is in `done`.
///
/// Accepts `Task<T>` handles (so done ones can be read with `take_result`) or [`TaskRef`]s.
///
/// # Errors
///
/// [`WaitError::Empty`] for an empty input (asyncio raises `ValueError('Set of
/// Tasks/Futures is empty.')`): waiting for nothing is a bug, and "every one of none is
/// done" would hide it.
///
/// Rosetta: asyncio `asyncio.wait(tasks, timeout=, return_when=)`; tokio `JoinSet` /
/// `select!`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::ReturnWhen;
///
/// evloop::run(async {
///     let fast = evloop::spawn(evloop::sleep(Duration::from_millis(1)));
///     let slow = evloop::spawn(evloop::sleep(Duration::from_secs(60)));
///     let (done, pending) = evloop::wait([fast, slow], ReturnWhen::FirstCompleted, None)
///         .await
///         .unwrap();
///     assert_eq!((done.len(), pending.len()), (1, 1));
///     pending[0].cancel();
/// })
/// .unwrap();
/// ```
pub async fn wait<W: AsRef<TaskRef>>(
    tasks: impl IntoIterator<Item = W>,
    return_when: ReturnWhen,
    timeout: Option<Duration>,
) -> Result<(Vec<W>, Vec<W>), WaitError> {
    let tasks: Vec<W> = tasks.into_iter().collect();
    if tasks.is_empty() {
        return Err(WaitError::Empty);
    }
    {
        let completions = Completions::watch(tasks.iter().map(|t| t.as_ref()));
        let mut remaining = tasks.len();
        let mut deadline = pin!(timeout.map(crate::time::sleep));
        poll_fn(|cx| {
            while let Poll::Ready(i) = completions.poll_next(cx) {
                remaining -= 1;
                let met = match return_when {
                    ReturnWhen::FirstCompleted => true,
                    ReturnWhen::FirstException => tasks[i].as_ref().0.header().panicked(),
                    ReturnWhen::AllCompleted => false,
                };
                if met || remaining == 0 {
                    return Poll::Ready(());
                }
            }
            match deadline.as_mut().as_pin_mut() {
                Some(sleep) => sleep.poll(cx),
                None => Poll::Pending,
            }
        })
        .await;
    }
    Ok(tasks.into_iter().partition(|t| t.as_ref().done()))
}

/// Why [`wait`] refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitError {
    /// No task was given.
    Empty,
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitError::Empty => f.write_str("Set of Tasks/Futures is empty."),
        }
    }
}

impl std::error::Error for WaitError {}

use std::future::Future as _;

/// Yields the results of `tasks` in the order they finish (asyncio `as_completed`).
///
/// Call [`next`](AsCompleted::next) until it gives `None`. Dropping it cancels nothing.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let tasks = [30u64, 10, 20].map(|ms| {
///         evloop::spawn(async move {
///             evloop::sleep(Duration::from_millis(ms)).await;
///             ms
///         })
///     });
///     let mut in_order = evloop::as_completed(tasks);
///     let mut seen = Vec::new();
///     while let Some(r) = in_order.next().await {
///         seen.push(r.unwrap());
///     }
///     assert_eq!(seen, [10, 20, 30]);
/// })
/// .unwrap();
/// ```
#[doc(alias = "FuturesUnordered")]
pub fn as_completed<T>(tasks: impl IntoIterator<Item = Task<T>>) -> AsCompleted<T> {
    let tasks: Vec<Task<T>> = tasks.into_iter().collect();
    AsCompleted {
        completions: Completions::watch(tasks.iter().map(|t| &**t)),
        remaining: tasks.len(),
        tasks,
    }
}

/// The iterator-like value returned by [`as_completed`].
pub struct AsCompleted<T> {
    tasks: Vec<Task<T>>,
    completions: Completions,
    remaining: usize,
}

impl<T> AsCompleted<T> {
    /// The result of the next task to finish, or `None` once all were given out.
    pub async fn next(&mut self) -> Option<Result<T, TaskError>> {
        poll_fn(|cx| self.poll_next(cx)).await
    }

    /// Like [`next`](AsCompleted::next), but gives up at `deadline` with [`TimeoutError`]
    /// (asyncio `as_completed(aws, timeout=)`, whose timeout is one deadline for the whole
    /// iteration: compute it once, before the loop). Giving up consumes nothing and cancels
    /// none of the tasks.
    ///
    /// # Errors
    ///
    /// [`TimeoutError`] once `deadline` passed with tasks still running.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     let tasks = [20u64, 10, 10_000].map(|ms| {
    ///         evloop::spawn(async move {
    ///             evloop::sleep(Duration::from_millis(ms)).await;
    ///             ms
    ///         })
    ///     });
    ///     let deadline = ev.time() + Duration::from_millis(500);
    ///     let mut in_order = evloop::as_completed(tasks);
    ///     let mut seen = Vec::new();
    ///     while let Some(r) = in_order.next_before(deadline).await.transpose() {
    ///         match r {
    ///             Ok(r) => seen.push(r.unwrap()),
    ///             Err(evloop::TimeoutError) => break,
    ///         }
    ///     }
    ///     assert_eq!(seen, [10, 20]);
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "as_completed")]
    pub async fn next_before(
        &mut self,
        deadline: std::time::Instant,
    ) -> Result<Option<Result<T, TaskError>>, TimeoutError> {
        super::timeout::timeout_at(deadline).run(self.next()).await
    }

    /// Poll form of [`next`](AsCompleted::next).
    pub fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, TaskError>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        let i = std::task::ready!(self.completions.poll_next(cx));
        self.remaining -= 1;
        Poll::Ready(self.tasks[i].take_result())
    }
}
