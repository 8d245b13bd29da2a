//! The finished list a set of watched tasks reports to.
//!
//! asyncio's `gather`, `wait` and `as_completed` attach one done callback per task that
//! records which task finished. That callback is the same for every task but for its
//! index, so a task keeps it as data (a shared [`Finished`] and an index, see
//! `TaskHeader::add_watch`) rather than as a boxed closure per child.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

#[derive(Default)]
struct Entries {
    /// Indexes of tasks that finished and were not yet taken, in completion order.
    finished: VecDeque<usize>,
    /// Whoever waits for the next completion.
    waker: Option<Waker>,
}

/// The finished list a set of watched tasks reports to.
#[derive(Default)]
pub(crate) struct Finished(RefCell<Entries>);

impl Finished {
    /// The task at index `i` finished: queue the index and wake whoever waits.
    pub(crate) fn record(&self, i: usize) {
        let mut st = self.0.borrow_mut();
        st.finished.push_back(i);
        let waker = st.waker.take();
        drop(st);
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The next finished index, or `Pending` (registering the waker) if none is new.
    pub(crate) fn poll_next(&self, cx: &Context<'_>) -> Poll<usize> {
        let mut st = self.0.borrow_mut();
        match st.finished.pop_front() {
            Some(i) => Poll::Ready(i),
            None => {
                match &st.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => st.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }

    /// The indexes recorded and not yet taken, in order (for tests).
    #[cfg(test)]
    pub(crate) fn recorded(&self) -> Vec<usize> {
        self.0.borrow().finished.iter().copied().collect()
    }
}
