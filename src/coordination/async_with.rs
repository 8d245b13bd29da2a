//! `async with`: a context manager whose exit may await, and sees a cancel passing through.
//!
//! asyncio runs `__aexit__` on every way out of an `async with` block, cancellation
//! included: it is told a `CancelledError` is passing, may await (close a connection
//! politely), and may suppress the cancel by returning true. A Rust destructor cannot
//! await, so evloop writes the block as [`async_with`]: it awaits
//! [`aenter`](AsyncContextManager::aenter), runs the body inside a
//! [`catch_cancel`](crate::catch_cancel) scope, awaits [`aexit`](AsyncContextManager::aexit)
//! with how the body ended, and then passes a caught cancel on unless `aexit` suppressed it.
//! A panic in the body unwinds past the block as it would past any Rust scope
//! (destructors run; `aexit` does not).

use std::future::Future;

use crate::combinators::catch_cancel;
use crate::error::Cancelled;

/// How an `async with` body ended, as its exit sees it (asyncio `__aexit__`'s arguments).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// The body finished (`exc_type` is `None`).
    Normal,
    /// A cancel delivered to the task is passing through the block (`CancelledError`).
    Cancelled(Cancelled),
}

/// An async context manager (asyncio's `__aenter__` / `__aexit__`). Use it with
/// [`async_with`].
///
/// Rosetta: asyncio `async with cm as value:`; no tokio equivalent (async drop).
#[doc(alias = "__aenter__")]
#[doc(alias = "__aexit__")]
pub trait AsyncContextManager {
    /// What entering gives the body (the `as value` of `async with`).
    type Value;

    /// Enters the context (asyncio `__aenter__`).
    fn aenter(&mut self) -> impl Future<Output = Self::Value>;

    /// Leaves the context, told how the body ended; may await. Returning true suppresses a
    /// cancel passing through (asyncio: `__aexit__` returning true); it is ignored after a
    /// normal exit.
    fn aexit(&mut self, exit: &Exit) -> impl Future<Output = bool>;
}

/// Runs `body` inside `cm` (asyncio `async with cm as value: body`): `Some(output)` after a
/// normal exit, `None` if a cancel passed through and `aexit` suppressed it. An unsuppressed
/// cancel goes on outwards after `aexit` finished, as a re-raised `CancelledError` does.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::async_with::{AsyncContextManager, Exit, async_with};
///
/// struct Connection;
///
/// impl AsyncContextManager for Connection {
///     type Value = &'static str;
///
///     async fn aenter(&mut self) -> &'static str {
///         evloop::sleep(Duration::from_millis(1)).await; // connect
///         "conn"
///     }
///
///     async fn aexit(&mut self, exit: &Exit) -> bool {
///         evloop::sleep(Duration::from_millis(1)).await; // close politely, even on cancel
///         println!("closed after {exit:?}");
///         false // do not suppress a cancel
///     }
/// }
///
/// evloop::run(async {
///     let task = evloop::spawn(async_with(Connection, |conn| async move {
///         evloop::sleep(Duration::from_secs(60)).await;
///         conn
///     }));
///     evloop::sleep(Duration::from_millis(5)).await;
///     task.cancel();
///     assert!(task.await.unwrap_err().is_cancelled()); // after the polite close
/// })
/// .unwrap();
/// ```
#[doc(alias = "async with")]
pub async fn async_with<M, B, Fut>(mut cm: M, body: B) -> Option<Fut::Output>
where
    M: AsyncContextManager,
    B: FnOnce(M::Value) -> Fut,
    Fut: Future,
{
    let value = cm.aenter().await;
    match catch_cancel(body(value)).await {
        Ok(out) => {
            cm.aexit(&Exit::Normal).await;
            Some(out)
        }
        Err(cancelled) => {
            if cm.aexit(&Exit::Cancelled(cancelled.clone())).await {
                return None;
            }
            cancelled.reraise().await
        }
    }
}
