//! `Cancelled`: asyncio's `CancelledError` as a value, delivered to a task and caught by
//! `catch_cancel` (see `docs/cancellation.md`).

use std::error::Error;
use std::fmt;
use std::sync::Arc;

use super::TaskError;

/// A cancel delivered to a task: what [`catch_cancel`](crate::catch_cancel) gives when the
/// task it runs in is cancelled (asyncio's `CancelledError`, with its message).
///
/// Holding one means the cancel was caught. Pass it on with
/// [`reraise`](crate::Cancelled::reraise) (asyncio's bare `raise`), or drop it to swallow the
/// cancel (then the task goes on; asyncio code also calls `uncancel()`).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let task = evloop::spawn(async {
///         match evloop::catch_cancel(evloop::sleep(Duration::from_secs(10))).await {
///             Ok(()) => "slept",
///             Err(cancelled) => {
///                 assert_eq!(cancelled.message(), Some("enough"));
///                 "swallowed"
///             }
///         }
///     });
///     evloop::yield_now().await;
///     task.cancel_with_message("enough");
///     assert_eq!(task.await, Ok("swallowed"));
/// })
/// .unwrap();
/// ```
#[doc(alias = "CancelledError")]
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cancelled {
    pub(crate) message: Option<Arc<str>>,
}

impl Cancelled {
    /// A cancel with `message` (asyncio `CancelledError(msg)`).
    pub fn new(message: Option<Arc<str>>) -> Cancelled {
        Cancelled { message }
    }

    /// The message given to `cancel_with_message`, if any (asyncio `CancelledError.args`).
    pub fn message(&self) -> Option<&str> {
        self.message.as_deref()
    }
}

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(m) => f.write_str(m),
            None => f.write_str("cancelled"),
        }
    }
}

impl Error for Cancelled {}

impl From<Cancelled> for TaskError {
    fn from(_: Cancelled) -> TaskError {
        TaskError::Cancelled
    }
}
