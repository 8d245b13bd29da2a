//! A task awaited by many: asyncio's `Task` as every awaiter sees it.
//!
//! In asyncio any number of coroutines may `await` the same task, and each gets its result
//! (or its exception) again and again. A Rust [`Task<T>`](crate::Task) handle is awaited
//! once and moves its result out, which is what a `T` that is not `Clone` allows and what
//! costs nothing. [`Task::shared`](crate::Task::shared) turns it into a [`SharedTask<T>`]
//! for a `T: Clone`: a cheap, clonable handle; awaiting any clone gives a clone of the
//! result, and [`result`](SharedTask::result) reads it without awaiting. So several tasks
//! can await one task, `gather` can list it twice, and `shield` can take a clone while the
//! caller keeps its own handle.
//!
//! Awaiting passes a cancel on as with a `Task<T>`
//! (`docs/cancellation.md#awaiting-passes-a-cancel-on`): the awaiting task, cancelled, cancels the shared task and observes its own
//! cancel when that one has finished. Awaiters are woken as asyncio's are: by a done
//! callback, in the turn after the task finished.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use slab::Slab;

use super::combinators::mark_current_task_catches;
use crate::error::{Cancelled, TaskError};
use crate::task::{Task, TaskRef, cancel};

struct Shared<T> {
    task: TaskRef,
    /// The handle, until its result is read into `result`.
    handle: RefCell<Option<Task<T>>>,
    result: RefCell<Option<Result<T, TaskError>>>,
    /// The wakers of the clones awaiting it, by each clone's slot.
    waiters: RefCell<Slab<Waker>>,
    /// A done callback that wakes the waiters is registered.
    watching: Cell<bool>,
}

impl<T> Shared<T> {
    /// Moves the result out of the finished task, once.
    fn fill(&self) {
        if self.result.borrow().is_some() || !self.task.done() {
            return;
        }
        let handle = self.handle.borrow_mut().take();
        if let Some(mut handle) = handle {
            let out = handle.take_result();
            *self.result.borrow_mut() = out;
        }
    }

    fn wake_all(&self) {
        let waiters = std::mem::take(&mut *self.waiters.borrow_mut());
        for (_, w) in waiters {
            w.wake();
        }
    }
}

/// A task handle that any number of awaiters can await, each getting a clone of the
/// result; see the [module docs](self).
///
/// Rosetta: asyncio `Task` awaited from several places; `futures::future::Shared` over a
/// tokio `JoinHandle`.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let task = evloop::spawn(async { String::from("once") }).shared();
///     let (a, b) = (task.clone(), task.clone());
///     let both = evloop::gather(vec![a, b]).await.unwrap();
///     assert_eq!(both, [Ok("once".to_string()), Ok("once".to_string())]);
///     assert_eq!(task.clone().await, Ok("once".to_string()));
///     assert_eq!(task.result(), Some(Ok("once".to_string())));
/// })
/// .unwrap();
/// ```
#[doc(alias = "Task")]
#[doc(alias = "Shared")]
pub struct SharedTask<T> {
    shared: Rc<Shared<T>>,
    /// This clone's waker slot while it is awaited.
    waiter: Option<usize>,
    /// This clone passed its awaiter's cancel on to the task.
    forwarded: bool,
    /// The awaiting task was marked as one that takes delivered cancels.
    marked: bool,
}

impl<T> Task<T> {
    /// Turns the handle into one that many can await (see [`SharedTask`]).
    pub fn shared(self) -> SharedTask<T>
    where
        T: Clone,
    {
        SharedTask {
            shared: Rc::new(Shared {
                task: self.task_ref(),
                handle: RefCell::new(Some(self)),
                result: RefCell::new(None),
                waiters: RefCell::new(Slab::new()),
                watching: Cell::new(false),
            }),
            waiter: None,
            forwarded: false,
            marked: false,
        }
    }
}

impl<T: Clone> SharedTask<T> {
    /// The task's result once it is done, as many times as asked (asyncio `Task.result()`).
    ///
    /// ```
    /// # evloop::run(async {
    /// let task = evloop::spawn(async { "value" }).shared();
    /// assert_eq!(task.result(), None); // not done yet (asyncio: InvalidStateError)
    /// task.clone().await.unwrap();
    /// assert_eq!(task.result(), Some(Ok("value")));
    /// assert_eq!(task.result(), Some(Ok("value"))); // again
    /// # }).unwrap();
    /// ```
    pub fn result(&self) -> Option<Result<T, TaskError>> {
        self.shared.fill();
        self.shared.result.borrow().clone()
    }
}

impl<T> Clone for SharedTask<T> {
    /// Another handle to the same task.
    fn clone(&self) -> Self {
        SharedTask {
            shared: self.shared.clone(),
            waiter: None,
            forwarded: false,
            marked: false,
        }
    }
}

impl<T> Deref for SharedTask<T> {
    type Target = TaskRef;

    fn deref(&self) -> &TaskRef {
        &self.shared.task
    }
}

impl<T> AsRef<TaskRef> for SharedTask<T> {
    fn as_ref(&self) -> &TaskRef {
        &self.shared.task
    }
}

impl<T> Unpin for SharedTask<T> {}

impl<T: Clone + 'static> Future for SharedTask<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if !std::mem::replace(&mut this.marked, true) {
            mark_current_task_catches();
        }
        let shared = &this.shared;
        shared.fill();
        if let Some(out) = &*shared.result.borrow() {
            if let Some(k) = this.waiter.take() {
                shared.waiters.borrow_mut().try_remove(k);
            }
            if std::mem::take(&mut this.forwarded) && matches!(out, Err(TaskError::Cancelled)) {
                // The awaiter's own cancel went into the task, which ended cancelled: the
                // awaiter observes it now.
                cancel::throw(Cancelled::new(shared.task.cancel_message()));
                return Poll::Pending;
            }
            return Poll::Ready(out.clone());
        }
        if let Some(c) = cancel::catch() {
            this.forwarded = true;
            shared.task.pass_cancel(c);
        }
        {
            let mut waiters = shared.waiters.borrow_mut();
            match this.waiter.and_then(|k| waiters.get_mut(k)) {
                Some(w) if w.will_wake(cx.waker()) => {}
                Some(w) => *w = cx.waker().clone(),
                None => this.waiter = Some(waiters.insert(cx.waker().clone())),
            }
        }
        if !shared.watching.replace(true) {
            let weak = Rc::downgrade(shared);
            shared.task.add_done_callback(move |_| {
                if let Some(shared) = weak.upgrade() {
                    shared.fill();
                    shared.wake_all();
                }
            });
        }
        Poll::Pending
    }
}

impl<T> Drop for SharedTask<T> {
    fn drop(&mut self) {
        if let Some(k) = self.waiter.take() {
            let removed = self.shared.waiters.borrow_mut().try_remove(k);
            drop(removed);
            // Dropped mid-await because the awaiting task is cancelled without a catch:
            // pass the cancel on, as a `Task<T>` handle does.
            if cancel::is_cancelling() {
                self.shared.task.cancel();
            }
        }
    }
}

impl<T> fmt::Debug for SharedTask<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shared{:?}", self.shared.task)
    }
}
