//! A hook or handler future whose error or panic comes back as a message, so that a failing
//! extension is reported instead of taking the app down.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use super::error::TenError;
use crate::panic_message;

pin_project! {
    /// A hook or handler future whose panic is caught and returned as a message.
    pub(crate) struct Caught<F> {
        #[pin]
        pub(crate) fut: F,
    }
}

impl<F: Future<Output = Result<(), TenError>>> Future for Caught<F> {
    type Output = Result<(), String>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = self.project().fut;
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(Ok(()))) => Poll::Ready(Ok(())),
            Ok(Poll::Ready(Err(e))) => Poll::Ready(Err(format!("error: {e}"))),
            Err(p) => Poll::Ready(Err(format!("panic: {}", panic_message(&*p)))),
        }
    }
}
