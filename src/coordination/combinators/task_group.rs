//! `TaskGroup`: structured concurrency (asyncio 3.11 `asyncio.TaskGroup`).

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use pin_project_lite::pin_project;

use super::completion::cancel_unfinished;
use crate::error::{Cancelled, TaskError, panic_message};
use crate::event_loop::context;
use crate::task::{Task, TaskRef, cancel};

#[derive(Default)]
struct GroupState {
    /// Every child spawned, in spawn order.
    children: Vec<TaskRef>,
    /// Children not finished yet.
    unfinished: usize,
    /// Failures, in the order they happened (asyncio: completion order, body last).
    errors: Vec<TaskError>,
    /// Set by the first failure or cancel: the children are being cancelled.
    aborting: bool,
    /// The group cancelled the task running it (a child failed while the body ran), so
    /// the group calls `uncancel()` for it on the way out.
    parent_cancel_requested: bool,
    /// The task running the group, from the first poll.
    parent: Option<TaskRef>,
    /// Set when `run` returned; later spawns are born cancelled.
    finished: bool,
    /// The `run` future, to wake when a child finishes or fails.
    waker: Option<Waker>,
}

impl GroupState {
    /// asyncio `TaskGroup._abort`: cancel every unfinished child.
    fn abort(&mut self) {
        self.aborting = true;
        cancel_unfinished(self.children.iter());
    }

    /// asyncio `TaskGroup._on_task_done` for a failed child: record the failure; the first
    /// one cancels the other children and the task running the body, whose cancel comes
    /// back to the group at its await.
    fn child_failed(&mut self, error: TaskError) {
        self.errors.push(error);
        if self.aborting || self.parent_cancel_requested {
            return;
        }
        self.abort();
        if let Some(parent) = self.parent.as_ref().filter(|p| !p.done()) {
            self.parent_cancel_requested = true;
            parent.cancel();
        }
    }
}

/// A scope that owns tasks: [`run`](TaskGroup::run) returns only when every task spawned into
/// the group has finished; the first task to panic cancels the others and the body, and all
/// the failures come out together as a [`TaskGroupError`].
///
/// A child that is cancelled (by anyone but the group) is not a failure, as in asyncio. A
/// child that *returns* an `Err` is not a failure either — it is a value; panics are the
/// failures.
///
/// Cancellation follows asyncio's `TaskGroup` (`docs/cancellation.md#taskgroup`):
/// - the task running the group is cancelled from outside: the cancel is delivered in the
///   body (whose `catch_cancel` scopes may clean up); when it comes out of the body, or
///   reaches the group while it waits for its children, every child is cancelled, the group
///   waits for all of them (their async cleanup included), and only then does the cancel
///   go on to the caller;
/// - a child fails: the other children are cancelled, and so is the task running the body
///   (the body sees that cancel at its await); the group waits for every child, calls
///   `uncancel()` for the cancel it caused, and returns the failures.
///
/// Rosetta: asyncio `async with asyncio.TaskGroup() as tg:`; tokio `task::JoinSet` (which
/// does not cancel siblings on failure).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use evloop::TaskGroup;
///
/// evloop::run(async {
///     let total = TaskGroup::run(|tg| async move {
///         let a = tg.spawn(async { 1 });
///         let b = tg.spawn(async {
///             evloop::sleep(Duration::from_millis(1)).await;
///             2
///         });
///         a.await.unwrap() + b.await.unwrap()
///     })
///     .await
///     .unwrap();
///     assert_eq!(total, 3);
///
///     let failed = TaskGroup::run(|tg| async move {
///         tg.spawn(async { panic!("boom") });
///         tg.spawn(evloop::sleep(Duration::from_secs(60))); // cancelled by the failure
///     })
///     .await;
///     assert_eq!(failed.unwrap_err().errors.len(), 1);
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
#[doc(alias("JoinSet", "tokio::task::JoinSet"))]
pub struct TaskGroup {
    state: Rc<RefCell<GroupState>>,
}

impl TaskGroup {
    /// Runs `body` with a new group, then waits for every child.
    ///
    /// # Errors
    ///
    /// [`TaskGroupError`] with every failure (child panics, and a panic of the body itself)
    /// if any happened.
    pub async fn run<R, F, Fut>(body: F) -> Result<R, TaskGroupError>
    where
        F: FnOnce(TaskGroup) -> Fut,
        Fut: Future<Output = R>,
    {
        let group = TaskGroup {
            state: Rc::new(RefCell::new(GroupState::default())),
        };
        GroupRun {
            body: Some(body(group.clone())),
            group,
            output: None,
            body_error: None,
            propagate: None,
        }
        .await
    }

    /// Spawns `fut` as a child of the group. If the group is already shutting down (a child
    /// failed) or finished, the child is born cancelled (asyncio raises `RuntimeError`).
    ///
    /// # Panics
    ///
    /// Outside a running loop.
    ///
    /// ```
    /// # evloop::run(async {
    /// let r = evloop::TaskGroup::run(|tg| async move {
    ///     let child = tg.spawn(async { 21 }); // asyncio: tg.create_task(coro())
    ///     child.await.unwrap() * 2
    /// });
    /// assert_eq!(r.await.unwrap(), 42);
    /// # }).unwrap();
    /// ```
    #[track_caller]
    #[doc(alias("create_task", "spawn_local"))]
    pub fn spawn<F: Future + 'static>(&self, fut: F) -> Task<F::Output> {
        let panicked = Rc::new(Cell::new(None));
        let task = crate::spawn(GroupChild {
            fut,
            panicked: panicked.clone(),
        });
        // The group collects this task's panic; it is not "never retrieved".
        task.0
            .header()
            .update(crate::task::state::Lifecycle::make_quiet);
        let mut st = self.state.borrow_mut();
        if st.aborting || st.finished {
            task.cancel();
            return task;
        }
        st.children.push(task.task_ref());
        st.unfinished += 1;
        drop(st);
        // As in asyncio (`_on_task_done`), the group learns of a failure from the done
        // callback, a turn after the child finished: siblings failing in that same turn are
        // collected too, in completion order.
        let state = self.state.clone();
        task.add_done_callback(move |_| {
            let mut st = state.borrow_mut();
            st.unfinished -= 1;
            if let Some(msg) = panicked.take() {
                st.child_failed(TaskError::Panicked(msg));
            }
            let waker = st.waker.take();
            drop(st);
            if let Some(w) = waker {
                w.wake();
            }
        });
        task
    }
}

pin_project! {
    /// A child's future: keeps a copy of its panic message for the group (whoever holds the
    /// `Task` handle may take the result first), then lets the panic end the task.
    struct GroupChild<F> {
        #[pin]
        fut: F,
        panicked: Rc<Cell<Option<String>>>,
    }
}

impl<F: Future> Future for GroupChild<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        match catch_unwind(AssertUnwindSafe(|| this.fut.poll(cx))) {
            Ok(p) => p,
            Err(payload) => {
                this.panicked.set(Some(panic_message(&*payload)));
                resume_unwind(payload)
            }
        }
    }
}

pin_project! {
    /// The future behind [`TaskGroup::run`].
    struct GroupRun<Fut, R> {
        #[pin]
        body: Option<Fut>,
        group: TaskGroup,
        output: Option<R>,
        // The body panicked (asyncio: the exception leaving `async with`); reported last.
        body_error: Option<TaskError>,
        // A cancel that reached the group from outside, passed on once the children are done.
        propagate: Option<Cancelled>,
    }

    impl<Fut, R> PinnedDrop for GroupRun<Fut, R> {
        fn drop(this: Pin<&mut Self>) {
            // Dropped before every child finished (the task running it was aborted, or the
            // future was dropped): cancel them all.
            let st = this.group.state.borrow();
            if !st.finished {
                cancel_unfinished(st.children.iter());
            }
        }
    }
}

impl<Fut: Future<Output = R>, R> Future for GroupRun<Fut, R> {
    type Output = Result<R, TaskGroupError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.group.state.borrow().parent.is_none() {
            // `__aenter__`: the group cancels this task when a child fails, and takes the
            // cancels delivered to it.
            let parent = context::with_current(|core| core.current_task()).flatten();
            if let Some(p) = &parent {
                p.set_catches();
            }
            this.group.state.borrow_mut().parent = parent;
        }
        if let Some(body) = this.body.as_mut().as_pin_mut() {
            let left = match catch_unwind(AssertUnwindSafe(|| body.poll(cx))) {
                Ok(Poll::Ready(r)) => {
                    *this.output = Some(r);
                    true
                }
                Ok(Poll::Pending) => match cancel::catch() {
                    // A cancel came out of the body (`__aexit__` with CancelledError).
                    Some(cancelled) => {
                        *this.propagate = Some(cancelled);
                        true
                    }
                    None => false,
                },
                Err(payload) => {
                    *this.body_error = Some(TaskError::Panicked(panic_message(&*payload)));
                    true
                }
            };
            if left {
                let _cancelling = this.propagate.is_some().then(cancel::enter);
                this.body.set(None);
                let mut st = this.group.state.borrow_mut();
                let failed = this.propagate.is_some() || this.body_error.is_some();
                if failed && !st.aborting {
                    st.abort();
                }
            }
        } else if let Some(cancelled) = cancel::catch() {
            // Cancelled while waiting for the children: cancel them and keep waiting. A
            // cancel arriving while the group aborts anyway is absorbed (asyncio does too).
            let mut st = this.group.state.borrow_mut();
            if !st.aborting {
                *this.propagate = Some(cancelled);
                st.abort();
            }
        }
        let mut st = this.group.state.borrow_mut();
        if this.body.is_some() || st.unfinished > 0 {
            st.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        st.finished = true;
        let parent = st.parent.take(); // the task's future holds the group: no cycle left
        if st.parent_cancel_requested
            && let Some(p) = &parent
            && p.uncancel() == 0
        {
            *this.propagate = None; // the only cancel was the group's own
        }
        if let Some(e) = this.body_error.take() {
            st.errors.push(e);
        }
        if st.errors.is_empty() {
            if let Some(cancelled) = this.propagate.take() {
                drop(st);
                cancel::throw(cancelled); // the outside cancel goes on to the caller
                return Poll::Pending;
            }
            return Poll::Ready(Ok(this.output.take().expect("the body finished")));
        }
        if let Some(p) = parent.filter(|p| p.cancelling() > 0) {
            // Cancelled from outside as well: the failures replace that cancel here, so
            // ask again for it to be delivered at the caller's next await (asyncio 3.13).
            p.uncancel();
            p.cancel();
        }
        Poll::Ready(Err(TaskGroupError {
            errors: std::mem::take(&mut st.errors),
        }))
    }
}

/// Every failure of a task group, in the order they happened (asyncio's
/// `ExceptionGroup('unhandled errors in a TaskGroup', errors)`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskGroupError {
    /// The failures; never empty.
    pub errors: Vec<TaskError>,
}

impl fmt::Display for TaskGroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unhandled errors in a TaskGroup ({} sub-exception{})",
            self.errors.len(),
            if self.errors.len() == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for TaskGroupError {}
