//! The errors of the coordination layer: a queue refusing an item, a count given back too
//! often, a broken barrier, a passed deadline. Apart from the loop and task errors because
//! only queues, the `sync` primitives and the timeouts return them.

use std::error::Error;
use std::fmt;

use super::Cancelled;

/// Why `Queue::put_nowait` refused an item; the item is handed back, so nothing is lost.
///
/// Rosetta: asyncio `QueueFull` / `QueueShutDown`; tokio `mpsc::error::TrySendError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue is at its `maxsize` (asyncio `QueueFull`).
    /// ```
    /// let q = evloop::Queue::new(1);
    /// q.put_nowait('a').unwrap();
    /// assert_eq!(q.put_nowait('b'), Err(evloop::PutError::Full('b')));
    /// ```
    #[doc(alias("QueueFull", "asyncio.QueueFull", "TrySendError"))]
    Full(T),
    /// The queue was shut down (asyncio 3.13 `QueueShutDown`).
    /// ```
    /// let q = evloop::Queue::new(0);
    /// q.shutdown(false);
    /// assert_eq!(q.put_nowait(1), Err(evloop::PutError::ShutDown(1)));
    /// ```
    #[doc(alias("QueueShutDown", "asyncio.QueueShutDown"))]
    ShutDown(T),
}

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            PutError::Full(t) | PutError::ShutDown(t) => t,
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PutError::Full(_) => f.write_str("QueueFull"),
            PutError::ShutDown(_) => f.write_str("QueueShutDown"),
        }
    }
}

impl<T: fmt::Debug> Error for PutError<T> {}

/// Why a `Queue::get_nowait` or `get` gave no item.
///
/// Rosetta: asyncio `QueueEmpty` / `QueueShutDown`; tokio `mpsc::error::TryRecvError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// The queue is empty (asyncio `QueueEmpty`); only from `get_nowait`.
    /// ```
    /// let q = evloop::Queue::<i32>::new(0);
    /// assert_eq!(q.get_nowait(), Err(evloop::GetError::Empty));
    /// ```
    #[doc(alias("QueueEmpty", "asyncio.QueueEmpty", "TryRecvError"))]
    Empty,
    /// The queue was shut down and is empty (asyncio 3.13 `QueueShutDown`).
    /// ```
    /// let q = evloop::Queue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.shutdown(false); // what is queued can still be taken
    /// assert_eq!(q.get_nowait(), Ok(1));
    /// assert_eq!(q.get_nowait(), Err(evloop::GetError::ShutDown));
    /// ```
    #[doc(alias("QueueShutDown", "asyncio.QueueShutDown"))]
    ShutDown,
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GetError::Empty => f.write_str("QueueEmpty"),
            GetError::ShutDown => f.write_str("QueueShutDown"),
        }
    }
}

impl Error for GetError {}

/// A counted resource was given back more often than it was taken: `Queue::task_done` called
/// more times than items were put, or a `BoundedSemaphore` released too often.
///
/// Rosetta: asyncio `ValueError('task_done() called too many times')` /
/// `ValueError('BoundedSemaphore released too many times')`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooManyReleases(pub &'static str);

impl fmt::Display for TooManyReleases {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Error for TooManyReleases {}

/// A barrier was aborted or reset while a party waited (asyncio `BrokenBarrierError`).
/// ```
/// # evloop::run(async {
/// let barrier = evloop::sync::Barrier::new(2);
/// barrier.abort();
/// assert_eq!(barrier.wait().await, Err(evloop::BrokenBarrierError));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BrokenBarrierError;

impl fmt::Display for BrokenBarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BrokenBarrierError")
    }
}

impl Error for BrokenBarrierError {}

/// A deadline passed before the future finished (asyncio `TimeoutError`; tokio `Elapsed`).
///
/// As in asyncio, the timeout cancelled the work it guarded and waited for its cleanup:
/// [`source()`](Error::source) is that cancel (asyncio: `TimeoutError.__cause__` is the
/// `CancelledError`).
/// ```
/// # use std::time::Duration;
/// # evloop::run(async {
/// // asyncio.wait_for(fut, 0.001) raises TimeoutError
/// let slow = evloop::wait_for(std::future::pending::<()>(), Duration::from_millis(1));
/// assert_eq!(slow.await, Err(evloop::TimeoutError));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeoutError;

/// The cancel a timeout caused: what [`TimeoutError`]'s `source()` gives.
static TIMEOUT_CAUSE: Cancelled = Cancelled { message: None };

impl fmt::Display for TimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TimeoutError")
    }
}

impl Error for TimeoutError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        Some(&TIMEOUT_CAUSE)
    }
}
