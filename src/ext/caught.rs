//! A hook or handler future whose error or panic comes back as a [`Failure`], so that a
//! failing extension is reported (and a failed command answered with its reason) instead of
//! taking the app down.

use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::error::TenError;
use crate::panic_message;

/// How a hook or handler failed: kept typed until it is logged or answered, so a command's
/// sender gets the error's own text and the log says which kind it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// It returned this error.
    Error(TenError),
    /// It panicked with this message.
    Panic(String),
}

impl Failure {
    /// A panic payload as a failure.
    pub(crate) fn panic(payload: &(dyn std::any::Any + Send)) -> Failure {
        Failure::Panic(panic_message(payload))
    }

    /// What the sender of a command whose handler failed reads in its ERROR result: the
    /// error's own text, or the panic's message.
    pub(crate) fn detail(&self) -> String {
        match self {
            Failure::Error(e) => e.to_string(),
            Failure::Panic(m) => format!("panic: {m}"),
        }
    }
}

/// As logged and as [`TenError::HookFailed`]'s reason: "error: ..." or "panic: ...".
impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Error(e) => write!(f, "error: {e}"),
            Failure::Panic(m) => write!(f, "panic: {m}"),
        }
    }
}

pin_project! {
    /// A hook or handler future whose panic is caught and returned as a [`Failure`].
    pub(crate) struct Caught<F> {
        #[pin]
        pub(crate) fut: F,
    }
}

impl<F: Future<Output = Result<(), TenError>>> Future for Caught<F> {
    type Output = Result<(), Failure>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = self.project().fut;
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Ok(()))) => Poll::Ready(Ok(())),
            Ok(Poll::Ready(Err(e))) => Poll::Ready(Err(Failure::Error(e))),
            Err(p) => Poll::Ready(Err(Failure::panic(&*p))),
        }
    }
}
