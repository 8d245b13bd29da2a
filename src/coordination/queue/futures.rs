//! The futures `put`, `get` and `join` return: how a task waits on a queue, and how a
//! waiter that is dropped (cancelled) leaves the line without losing a wake-up.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::{BaseQueue, Store};
use crate::error::{GetError, PutError};
use crate::sync::waiters::wake_all;
use crate::task::cancel;

/// The future returned by [`BaseQueue::put`].
#[must_use = "futures do nothing unless awaited"]
pub struct Put<'a, T, S: Store<T>> {
    pub(super) queue: &'a BaseQueue<T, S>,
    /// The item, until it is placed.
    pub(super) item: Option<T>,
    /// Our place among the putters, while waiting.
    pub(super) ticket: Option<u64>,
}

impl<T, S: Store<T>> Unpin for Put<'_, T, S> {}

impl<T, S: Store<T>> Future for Put<'_, T, S> {
    type Output = Result<(), PutError<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if cancel::in_flight() {
            return Poll::Pending; // a cancel is delivered at this await (`task::cancel`)
        }
        let this = &mut *self;
        let mut st = this.queue.state.borrow_mut();
        if st.shut_down {
            if let Some(t) = this.ticket.take() {
                st.putters.remove(t);
            }
            let item = this.item.take().expect("Put polled after completion");
            return Poll::Ready(Err(PutError::ShutDown(item)));
        }
        if st.full() {
            st.putters.wait(&mut this.ticket, cx);
            return Poll::Pending;
        }
        if let Some(t) = this.ticket.take() {
            st.putters.remove(t);
        }
        let item = this.item.take().expect("Put polled after completion");
        let getter = BaseQueue::<T, S>::place(&mut st, item);
        drop(st);
        wake_all(getter);
        Poll::Ready(Ok(()))
    }
}

impl<T, S: Store<T>> Drop for Put<'_, T, S> {
    fn drop(&mut self) {
        if self.ticket.is_none() {
            return;
        }
        let mut st = self.queue.state.borrow_mut();
        let claimable = !st.full() && !st.shut_down;
        let next = st.putters.leave(&mut self.ticket, claimable);
        drop(st);
        wake_all(next);
    }
}

/// The future returned by [`BaseQueue::get`].
#[must_use = "futures do nothing unless awaited"]
pub struct Get<'a, T, S: Store<T>> {
    pub(super) queue: &'a BaseQueue<T, S>,
    /// Our place among the getters, while waiting.
    pub(super) ticket: Option<u64>,
}

impl<T, S: Store<T>> Future for Get<'_, T, S> {
    type Output = Result<T, GetError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if cancel::in_flight() {
            return Poll::Pending; // a cancel is delivered at this await (`task::cancel`)
        }
        let this = &mut *self;
        let mut st = this.queue.state.borrow_mut();
        match st.items.pop() {
            Some(item) => {
                if let Some(t) = this.ticket.take() {
                    st.getters.remove(t);
                }
                let putter = st.putters.notify_one();
                drop(st);
                wake_all(putter);
                Poll::Ready(Ok(item))
            }
            None if st.shut_down => {
                if let Some(t) = this.ticket.take() {
                    st.getters.remove(t);
                }
                Poll::Ready(Err(GetError::ShutDown))
            }
            None => {
                st.getters.wait(&mut this.ticket, cx);
                Poll::Pending
            }
        }
    }
}

impl<T, S: Store<T>> Drop for Get<'_, T, S> {
    fn drop(&mut self) {
        if self.ticket.is_none() {
            return;
        }
        let mut st = self.queue.state.borrow_mut();
        let claimable = !st.items.is_empty();
        let next = st.getters.leave(&mut self.ticket, claimable);
        drop(st);
        wake_all(next);
    }
}

/// The future returned by [`BaseQueue::join`].
#[must_use = "futures do nothing unless awaited"]
pub struct Join<'a, T, S: Store<T>> {
    pub(super) queue: &'a BaseQueue<T, S>,
    pub(super) ticket: Option<u64>,
}

impl<T, S: Store<T>> Future for Join<'_, T, S> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if cancel::in_flight() {
            return Poll::Pending; // a cancel is delivered at this await (`task::cancel`)
        }
        let this = &mut *self;
        let mut st = this.queue.state.borrow_mut();
        if st.unfinished == 0 {
            if let Some(t) = this.ticket.take() {
                st.joiners.remove(t);
            }
            return Poll::Ready(());
        }
        st.joiners.wait(&mut this.ticket, cx);
        Poll::Pending
    }
}

impl<T, S: Store<T>> Drop for Join<'_, T, S> {
    fn drop(&mut self) {
        if let Some(t) = self.ticket.take() {
            self.queue.state.borrow_mut().joiners.remove(t);
        }
    }
}
