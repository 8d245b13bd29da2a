//! Watching a set of tasks finish, in completion order.
//!
//! Every combinator that waits on several tasks needs the same thing: to learn, without
//! polling each task on every wake-up, which ones have finished and in what order. A
//! [`Completions`] attaches one done callback per task (asyncio's `gather` and `wait` do the
//! same) that records the task's index and wakes whoever waits. So a completion reaches the
//! waiter the way it does in asyncio: the done callback runs in the turn after the task
//! finished, and the waiting task in the turn after that.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use crate::task::TaskRef;

#[derive(Default)]
struct State {
    /// Indexes of tasks that finished and were not yet taken, in completion order.
    finished: VecDeque<usize>,
    /// Whoever waits for the next completion.
    waker: Option<Waker>,
}

/// Completion events of a fixed list of tasks.
pub(crate) struct Completions {
    state: Rc<RefCell<State>>,
}

impl Completions {
    /// Starts watching `tasks`; index `i` stands for `tasks[i]`.
    pub(crate) fn watch<'a>(tasks: impl IntoIterator<Item = &'a TaskRef>) -> Completions {
        let state = Rc::new(RefCell::new(State::default()));
        for (i, task) in tasks.into_iter().enumerate() {
            let state = state.clone();
            task.add_done_callback(move |_| {
                let mut st = state.borrow_mut();
                st.finished.push_back(i);
                let waker = st.waker.take();
                drop(st);
                if let Some(w) = waker {
                    w.wake();
                }
            });
        }
        Completions { state }
    }

    /// The next finished index, or `Pending` (registering the waker) if none is new.
    pub(crate) fn poll_next(&self, cx: &Context<'_>) -> Poll<usize> {
        let mut st = self.state.borrow_mut();
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
}

/// Cancels every task of `tasks` that is not done (dropping a gather or a task group).
pub(crate) fn cancel_unfinished<'a>(tasks: impl IntoIterator<Item = &'a TaskRef>) {
    for t in tasks {
        if !t.done() {
            t.cancel();
        }
    }
}
