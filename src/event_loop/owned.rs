//! [`EventLoop`], the owner of a loop: making one, and closing it when it is dropped. Apart
//! from `mod.rs`, which holds what one does with a loop, on [`LoopHandle`].

use std::fmt;
use std::ops::Deref;

use super::LoopHandle;
use super::core::Core;
use crate::clock::Clock;
use crate::error::LoopError;

/// An event loop, owned: one per thread at a time, built on `mio::Poll`.
///
/// Dropping it closes the loop (see [`LoopHandle::close`]). All the scheduling and running
/// methods are on [`LoopHandle`], which `EventLoop` dereferences to.
///
/// Rosetta: asyncio `asyncio.new_event_loop()`; tokio `runtime::Builder::new_current_thread`
/// plus `LocalSet`.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// let ev = evloop::EventLoop::new().unwrap();
/// let out = ev
///     .run_until_complete(async {
///         evloop::sleep(Duration::from_millis(1)).await;
///         "slept"
///     })
///     .unwrap();
/// assert_eq!(out, "slept");
/// ev.close().unwrap();
/// assert!(ev.call_soon(|| ()).is_err());
/// ```
#[doc(alias("BaseEventLoop", "SelectorEventLoop", "Runner", "Runtime"))]
pub struct EventLoop {
    pub(super) handle: LoopHandle,
}

impl EventLoop {
    /// A new loop on the system clock.
    ///
    /// # Errors
    ///
    /// [`LoopError::Io`] if the OS refused to create the poller.
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap(); // asyncio: asyncio.new_event_loop()
    /// assert!(!ev.is_closed());
    /// ```
    #[doc(alias("new_event_loop", "asyncio.new_event_loop"))]
    pub fn new() -> Result<EventLoop, LoopError> {
        EventLoop::with_clock(Clock::System)
    }

    /// A new loop reading time from `clock` (use [`Clock::Manual`] in tests).
    ///
    /// # Errors
    ///
    /// [`LoopError::Io`] if the OS refused to create the poller.
    pub fn with_clock(clock: Clock) -> Result<EventLoop, LoopError> {
        Ok(EventLoop {
            handle: LoopHandle {
                core: Core::new(clock)?,
            },
        })
    }

    /// A handle to this loop, for callbacks to capture.
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let h = ev.handle(); // a clone a callback can keep
    /// assert_eq!(ev.run_until_complete(async move { evloop::get_running_loop().ok() }).unwrap(), Some(h));
    /// ```
    #[doc(alias = "get_loop")]
    pub fn handle(&self) -> LoopHandle {
        self.handle.clone()
    }
}

impl Deref for EventLoop {
    type Target = LoopHandle;

    fn deref(&self) -> &LoopHandle {
        &self.handle
    }
}

/// Dropping the loop closes it. Dropped by one of its own callbacks or tasks, it cannot close
/// under the code it is running: it stops after the current turn and closes as the run
/// returns.
impl Drop for EventLoop {
    fn drop(&mut self) {
        let core = &self.handle.core;
        if self.is_running() {
            core.close_when_run_ends.set(true);
            core.stopping.set(true);
        } else {
            core.close();
        }
    }
}

impl fmt::Debug for EventLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.handle.fmt(f)
    }
}
