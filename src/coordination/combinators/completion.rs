//! Watching a set of tasks finish, in completion order.
//!
//! Every combinator that waits on several tasks needs the same thing: to learn, without
//! polling each task on every wake-up, which ones have finished and in what order. A
//! [`Completions`] attaches one done callback per task (asyncio's `gather` and `wait` do the
//! same) that records the task's index and wakes whoever waits. So a completion reaches the
//! waiter the way it does in asyncio: the done callback runs in the turn after the task
//! finished, and the waiting task in the turn after that.
//!
//! That callback is the same for every task but for the index, so it is not a closure: the
//! task keeps the shared finished list (`task::finished`) and its index as data
//! (`TaskHeader::add_watch`), which saves a boxed closure per child.

use std::rc::Rc;
use std::task::{Context, Poll};

use crate::error::Cancelled;
use crate::task::finished::Finished;
use crate::task::{TaskRef, cancel};

/// Completion events of a fixed list of tasks.
pub(crate) struct Completions {
    state: Rc<Finished>,
}

impl Completions {
    /// Starts watching `tasks`; index `i` stands for `tasks[i]`.
    pub(crate) fn watch<'a>(tasks: impl IntoIterator<Item = &'a TaskRef>) -> Completions {
        let state = Rc::new(Finished::default());
        for (i, task) in tasks.into_iter().enumerate() {
            task.add_watch(state.clone(), i);
        }
        Completions { state }
    }

    /// The next finished index, or `Pending` (registering the waker) if none is new.
    pub(crate) fn poll_next(&self, cx: &Context<'_>) -> Poll<usize> {
        if cancel::in_flight() {
            // `wait` and `as_completed` hold position while a cancel is delivered at them:
            // a completion is not consumed by an await that is being cancelled.
            return Poll::Pending;
        }
        self.state.poll_next(cx)
    }
}

/// Cancels every task of `tasks` that is not done (dropping a gather or a task group).
/// What a combinator that waits on child tasks does with a cancel delivered to the task
/// awaiting it (asyncio `_GatheringFuture.cancel`): cancel every child, wait for all of
/// them, then pass the cancel on.
#[derive(Default)]
pub(crate) struct PassOn {
    cancelled: Option<Cancelled>,
}

impl PassOn {
    /// At the start of a poll: catches a cancel in flight and cancels the children with its
    /// message. True while a caught cancel waits for the children.
    pub(crate) fn check<'a>(&mut self, tasks: impl IntoIterator<Item = &'a TaskRef>) -> bool {
        if self.cancelled.is_none()
            && let Some(c) = cancel::catch()
        {
            for t in tasks.into_iter().filter(|t| !t.done()) {
                t.pass_cancel(c.clone());
            }
            self.cancelled = Some(c);
        }
        self.cancelled.is_some()
    }

    /// Once every child is done: re-raises a caught cancel in the awaiting task. True if it
    /// did (the combinator then returns `Pending`; the cancel goes on outwards).
    pub(crate) fn finish(&mut self) -> bool {
        match self.cancelled.take() {
            Some(c) => {
                cancel::throw(c);
                true
            }
            None => false,
        }
    }
}

pub(crate) fn cancel_unfinished<'a>(tasks: impl IntoIterator<Item = &'a TaskRef>) {
    for t in tasks {
        if !t.done() {
            t.cancel();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use crate::EventLoop;
    use crate::task::finished::Finished;

    fn recorded(f: &Finished) -> Vec<usize> {
        f.recorded()
    }

    /// A watch is a done callback like any other: it runs in registration order with the
    /// task's other callbacks, whichever was added first, and never synchronously.
    #[test]
    fn a_watch_keeps_its_place_among_done_callbacks() {
        let ev = EventLoop::new().unwrap();
        let finished = Rc::new(Finished::default());
        let seen = Rc::new(RefCell::new(Vec::new()));
        let see = |label: &'static str| {
            let (finished, seen) = (finished.clone(), seen.clone());
            move |_: &crate::TaskRef| seen.borrow_mut().push((label, recorded(&finished)))
        };
        // Task 0: a closure first, then the watch.
        let a = ev.create_task(async {}).unwrap();
        a.add_done_callback(see("a"));
        a.add_watch(finished.clone(), 0);
        // Task 1: the watch first (stored as data), then a closure.
        let b = ev.create_task(async {}).unwrap();
        b.add_watch(finished.clone(), 1);
        b.add_done_callback(see("b"));
        ev.run_until_complete(async move {
            a.await.unwrap();
            b.await.unwrap();
        })
        .unwrap();
        assert_eq!(*seen.borrow(), [("a", vec![]), ("b", vec![0, 1])]);

        // A task already done: the watch runs in a later turn, not at once.
        let c = ev.create_task(async {}).unwrap();
        let c2 = c.task_ref();
        ev.run_until_complete(c).unwrap().unwrap();
        c2.add_watch(finished.clone(), 2);
        assert_eq!(recorded(&finished), [0, 1]);
        ev.run_until_complete(crate::yield_now()).unwrap();
        assert_eq!(recorded(&finished), [0, 1, 2]);
    }
}
