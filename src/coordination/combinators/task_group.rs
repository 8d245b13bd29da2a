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
use crate::error::{TaskError, panic_message};
use crate::task::{Task, TaskRef, cancel};

#[derive(Default)]
struct GroupState {
    /// Every child spawned, in spawn order.
    children: Vec<TaskRef>,
    /// Children not finished yet.
    unfinished: usize,
    /// Failures, in the order they happened (asyncio: completion order, body last).
    errors: Vec<TaskError>,
    /// Set by the first failure: the other children and the body are being cancelled.
    aborting: bool,
    /// Set when `run` returned; later spawns are born cancelled.
    finished: bool,
    /// The `run` future, to wake when a child finishes or fails.
    waker: Option<Waker>,
}

impl GroupState {
    /// The first failure cancels every unfinished child (and, through `aborting`, the body).
    fn fail(&mut self, error: TaskError) {
        self.errors.push(error);
        if !self.aborting {
            self.aborting = true;
            cancel_unfinished(self.children.iter());
        }
    }
}

/// A scope that owns tasks: [`run`](TaskGroup::run) returns only when every task spawned into
/// the group has finished; the first task to panic cancels the others and the body, and all
/// the failures come out together as a [`TaskGroupError`].
///
/// A child that is cancelled (by anyone but the group) is not a failure, as in asyncio. A
/// child that *returns* an `Err` is not a failure either — it is a value; panics are the
/// failures. If the task running the group is cancelled, every child is cancelled.
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
        }
        .await
    }

    /// Spawns `fut` as a child of the group. If the group is already shutting down (a child
    /// failed) or finished, the child is born cancelled (asyncio raises `RuntimeError`).
    ///
    /// # Panics
    ///
    /// Outside a running loop.
    #[track_caller]
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
                st.fail(TaskError::Panicked(msg));
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
    }

    impl<Fut, R> PinnedDrop for GroupRun<Fut, R> {
        fn drop(this: Pin<&mut Self>) {
            // Cancelled from outside before every child finished: cancel them all.
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
        let aborting = this.group.state.borrow().aborting;
        if let Some(body) = this.body.as_mut().as_pin_mut() {
            if aborting {
                // A child failed: cancel the body (asyncio cancels the parent task).
                let _cancelling = cancel::enter();
                this.body.set(None);
            } else {
                match catch_unwind(AssertUnwindSafe(|| body.poll(cx))) {
                    Ok(Poll::Ready(r)) => {
                        *this.output = Some(r);
                        this.body.set(None);
                    }
                    Ok(Poll::Pending) => {}
                    Err(payload) => {
                        this.body.set(None);
                        let msg = panic_message(&*payload);
                        this.group.state.borrow_mut().fail(TaskError::Panicked(msg));
                    }
                }
            }
        }
        let mut st = this.group.state.borrow_mut();
        if this.body.is_some() || st.unfinished > 0 {
            st.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        st.finished = true;
        if st.errors.is_empty() {
            Poll::Ready(Ok(this.output.take().expect("the body finished")))
        } else {
            Poll::Ready(Err(TaskGroupError {
                errors: std::mem::take(&mut st.errors),
            }))
        }
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
