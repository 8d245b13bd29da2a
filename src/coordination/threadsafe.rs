//! Running a future on a loop from another thread: asyncio's `run_coroutine_threadsafe`.
//!
//! A thread that is not the loop's hands work to the loop through its [`RemoteHandle`] and
//! gets a [`ConcurrentFuture`] back: a thread-safe handle (asyncio
//! gives a `concurrent.futures.Future`) that blocks for the result with an optional timeout,
//! or cancels the task. The task runs on the loop like any other; a cancel asked from the
//! other thread is delivered to it at its next await, so its cleanup runs there.
//!
//! asyncio passes a coroutine object; here the work is a `Send` closure that makes the
//! future on the loop's thread, because evloop's futures (a `sleep`, a queue's `get`) hold
//! the loop's `Rc`s and are not `Send`, so most could not cross threads themselves.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! let ev = evloop::EventLoop::new().unwrap();
//! let remote = ev.remote();
//! let worker = std::thread::spawn(move || {
//!     let answer = remote.run_coroutine_threadsafe(|| async {
//!         evloop::sleep(Duration::from_millis(5)).await;
//!         42
//!     });
//!     let value = answer.result(Some(Duration::from_secs(10))).unwrap();
//!     remote.stop().unwrap();
//!     value
//! });
//! ev.run_forever().unwrap();
//! assert_eq!(worker.join().unwrap(), 42);
//! ```

use std::fmt;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Poll, Waker};
use std::time::{Duration, Instant};

use crate::error::{TaskError, panic_message};
use crate::event_loop::remote_handle::RemoteHandle;

/// What the loop's task and the other thread share.
struct State<T> {
    /// The task's outcome, until `result` takes it.
    outcome: Option<Result<T, TaskError>>,
    /// `result` took the outcome.
    taken: bool,
    /// `cancel` was called.
    cancel_asked: bool,
    /// The task's waker, for `cancel` to reach it.
    waker: Option<Waker>,
}

struct Shared<T> {
    state: Mutex<State<T>>,
    done: Condvar,
}

impl<T> Shared<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn finish(&self, outcome: Result<T, TaskError>) {
        let mut st = self.lock();
        if st.outcome.is_none() && !st.taken {
            st.outcome = Some(outcome);
        }
        drop(st);
        self.done.notify_all();
    }
}

/// The thread-safe handle [`RemoteHandle::run_coroutine_threadsafe`] gives (asyncio's
/// `concurrent.futures.Future`).
///
/// ```
/// let ev = evloop::EventLoop::new().unwrap();
/// let remote = ev.remote();
/// let thread = std::thread::spawn(move || {
///     let fut = remote.run_coroutine_threadsafe(|| async { 6 * 7 });
///     let out = fut.result(None); // asyncio: concurrent.futures.Future.result(), blocking
///     remote.stop().unwrap();
///     out
/// });
/// ev.run_forever().unwrap(); // runs the task until the thread stops the loop
/// assert_eq!(thread.join().unwrap(), Ok(42));
/// ```
#[doc(alias = "concurrent.futures.Future")]
#[doc(alias = "run_coroutine_threadsafe")]
pub struct ConcurrentFuture<T> {
    shared: Arc<Shared<T>>,
}

/// Why [`ConcurrentFuture::result`] gave no value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConcurrentError {
    /// The timeout passed first (asyncio `TimeoutError`); the task runs on.
    Timeout,
    /// The task failed or was cancelled, or its loop closed first.
    Task(TaskError),
    /// The value was taken by an earlier `result`.
    Taken,
}

impl fmt::Display for ConcurrentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConcurrentError::Timeout => f.write_str("TimeoutError"),
            ConcurrentError::Task(e) => e.fmt(f),
            ConcurrentError::Taken => f.write_str("the result was already taken"),
        }
    }
}

impl std::error::Error for ConcurrentError {}

impl<T> ConcurrentFuture<T> {
    /// Blocks this thread until the task is done, or `timeout` passed (`None`: no limit),
    /// and takes its value. Never call it on the loop's own thread: the loop could not run
    /// the task meanwhile.
    ///
    /// # Errors
    ///
    /// [`ConcurrentError::Timeout`], [`ConcurrentError::Task`] (a panic, a cancel, or the
    /// loop closed first), or [`ConcurrentError::Taken`].
    pub fn result(&self, timeout: Option<Duration>) -> Result<T, ConcurrentError> {
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        let mut st = self.shared.lock();
        loop {
            if let Some(out) = st.outcome.take() {
                st.taken = true;
                return out.map_err(ConcurrentError::Task);
            }
            if st.taken {
                return Err(ConcurrentError::Taken);
            }
            st = match deadline {
                None => self.shared.done.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Err(ConcurrentError::Timeout);
                    }
                    let waited = self.shared.done.wait_timeout(st, left);
                    waited.unwrap_or_else(|p| p.into_inner()).0
                }
            };
        }
    }

    /// True once the task finished (or its loop closed first).
    pub fn done(&self) -> bool {
        let st = self.shared.lock();
        st.outcome.is_some() || st.taken
    }

    /// Asks the loop to cancel the task (asyncio `future.cancel()`, which does
    /// `loop.call_soon_threadsafe(task.cancel)`): the cancel is delivered at its next await.
    /// True if it is cancelled or will be, false if it finished otherwise.
    pub fn cancel(&self) -> bool {
        let waker = {
            let mut st = self.shared.lock();
            if st.cancel_asked || matches!(st.outcome, Some(Err(TaskError::Cancelled))) {
                return true;
            }
            if st.outcome.is_some() || st.taken {
                return false;
            }
            st.cancel_asked = true;
            st.waker.take()
        };
        if let Some(w) = waker {
            w.wake(); // from this thread: the loop's thread-safe path
        }
        true
    }
}

impl<T> fmt::Debug for ConcurrentFuture<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = if self.done() { "finished" } else { "pending" };
        write!(f, "<ConcurrentFuture {state}>")
    }
}

impl RemoteHandle {
    /// Runs the future `make` makes as a task on this handle's loop, from any thread, and
    /// gives a thread-safe handle to its result (asyncio
    /// `asyncio.run_coroutine_threadsafe(coro, loop)`; `make` runs on the loop's thread, see
    /// the [module docs](self)). A panic comes back as [`TaskError::Panicked`]; if the loop
    /// is closed, or closes before the task finishes, the result is
    /// [`TaskError::Cancelled`].
    ///
    /// Rosetta: tokio `Handle::spawn` plus a blocking `oneshot` receive.
    ///
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let remote = ev.remote();
    /// let thread = std::thread::spawn(move || {
    ///     // asyncio: asyncio.run_coroutine_threadsafe(coro(), loop).result()
    ///     let out = remote.run_coroutine_threadsafe(|| async { "from the loop" }).result(None);
    ///     remote.stop().unwrap();
    ///     out
    /// });
    /// ev.run_forever().unwrap();
    /// assert_eq!(thread.join().unwrap(), Ok("from the loop"));
    /// ```
    #[doc(alias = "asyncio.run_coroutine_threadsafe")]
    pub fn run_coroutine_threadsafe<M, F>(&self, make: M) -> ConcurrentFuture<F::Output>
    where
        M: FnOnce() -> F + Send + 'static,
        F: Future + 'static,
        F::Output: Send + 'static,
    {
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                outcome: None,
                taken: false,
                cancel_asked: false,
                waker: None,
            }),
            done: Condvar::new(),
        });
        // Whatever drops the work unfinished (a closed loop refusing the call, or closing
        // under the task) reports a cancel through it.
        let reporter = Reporter(shared.clone());
        let _ = self.call_soon_threadsafe(move || {
            let reporter = reporter;
            match catch_unwind(AssertUnwindSafe(make)) {
                Ok(fut) => drop(crate::spawn(run_and_report(reporter, fut))),
                Err(p) => reporter
                    .0
                    .finish(Err(TaskError::Panicked(panic_message(&*p)))),
            }
        });
        ConcurrentFuture { shared }
    }
}

/// Reports a cancel when dropped, unless the outcome was reported first.
struct Reporter<T>(Arc<Shared<T>>);

impl<T> Drop for Reporter<T> {
    fn drop(&mut self) {
        self.0.finish(Err(TaskError::Cancelled));
    }
}

/// Runs `fut` on the loop and reports its outcome; registers the task's waker where
/// `cancel` finds it, and cancels the running task when the other thread asked.
async fn run_and_report<F: Future>(reporter: Reporter<F::Output>, fut: F) {
    let shared = &reporter.0;
    let mut fut = std::pin::pin!(fut);
    let mut cancelled = false;
    poll_fn(|cx| {
        if !cancelled {
            let mut st = shared.lock();
            if st.cancel_asked {
                cancelled = true;
                drop(st);
                if let Some(me) = crate::current_task() {
                    me.cancel();
                }
            } else if !st.waker.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
                st.waker = Some(cx.waker().clone());
            }
        }
        // A panic goes to whoever waits for the result, not to the loop's handler.
        match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => {
                shared.finish(Ok(v));
                Poll::Ready(())
            }
            Err(p) => {
                shared.finish(Err(TaskError::Panicked(panic_message(&*p))));
                Poll::Ready(())
            }
        }
    })
    .await
}
