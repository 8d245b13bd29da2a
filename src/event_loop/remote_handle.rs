//! [`RemoteHandle`]: the `Send` handle other threads schedule work on a loop with; it
//! pushes onto the loop's thread-safe inbox (see `remote`).

use std::fmt;
use std::panic::Location;
use std::sync::Arc;

use super::context;
use super::remote::{Inbox, Remote};
use crate::error::LoopError;

/// A `Send + Clone` handle that schedules work on a loop from any thread.
///
/// Dropping it does nothing to the loop. Once the loop is closed every call returns
/// [`LoopError::Closed`] (the handle may outlive the loop safely).
///
/// Rosetta: asyncio `loop.call_soon_threadsafe`; tokio `runtime::Handle::spawn` /
/// `LocalSet`'s remote queue.
///
/// # Examples
///
/// ```
/// use evloop::EventLoop;
/// use std::sync::{Arc, Mutex};
///
/// let ev = EventLoop::new().unwrap();
/// let remote = ev.remote();
/// let seen = Arc::new(Mutex::new(None));
/// let seen2 = seen.clone();
/// let stopper = ev.remote();
/// std::thread::spawn(move || {
///     remote
///         .call_soon_threadsafe(move || {
///             *seen2.lock().unwrap() = Some("from another thread");
///         })
///         .unwrap();
///     stopper.stop().unwrap();
/// });
/// ev.run_forever().unwrap(); // blocks in poll until the other thread wakes it
/// assert_eq!(*seen.lock().unwrap(), Some("from another thread"));
/// ```
#[derive(Clone)]
pub struct RemoteHandle {
    pub(crate) shared: Arc<Inbox>,
}

impl RemoteHandle {
    /// Schedules `f` to run on the loop thread in a coming turn, waking the loop if it is
    /// blocked in poll. Calls from one thread run in the order they were made.
    ///
    /// # Errors
    ///
    /// [`LoopError::Closed`] if the loop was closed; `f` is dropped unrun.
    ///
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let remote = ev.remote(); // Send: another thread may hold it
    /// std::thread::spawn(move || remote.call_soon_threadsafe(|| evloop::running_loop().unwrap().stop()))
    ///     .join()
    ///     .unwrap()
    ///     .unwrap();
    /// ev.run_forever().unwrap(); // runs until the callback from the thread stops it
    /// ```
    #[track_caller]
    pub fn call_soon_threadsafe(&self, f: impl FnOnce() + Send + 'static) -> Result<(), LoopError> {
        self.shared
            .push(Remote::Call(Box::new(f), Location::caller()))
            .map_err(|_| LoopError::Closed)
    }

    /// Asks the loop to stop after its current turn (asyncio: `loop.call_soon_threadsafe(
    /// loop.stop)`).
    ///
    /// # Errors
    ///
    /// [`LoopError::Closed`] if the loop was closed.
    pub fn stop(&self) -> Result<(), LoopError> {
        self.call_soon_threadsafe(|| {
            if let Some(h) = context::running_loop() {
                h.stop();
            }
        })
    }

    /// True once the loop has been closed.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }
}

impl fmt::Debug for RemoteHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteHandle")
            .field("closed", &self.is_closed())
            .finish()
    }
}
