//! The task as code outside it sees it: a type-erased reference that inspects, names and
//! cancels a task and registers its done callbacks, but cannot read its result (that is
//! the typed [`Task<T>`](super::Task) handle's).

use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::sync::Arc;

use super::callback_id::DoneCallbackId;
use super::finished::Finished;
use super::raw::TaskPtr;
use super::state::{self, TaskState};

/// A type-erased reference to a task: what `current_task()`, `all_tasks()` and done callbacks
/// give. It can inspect and cancel the task but not read its result.
///
/// Rosetta: the `asyncio.Task` object as seen by `asyncio.current_task()`; tokio
/// `task::Id` plus `AbortHandle`.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let me: evloop::TaskRef = evloop::current_task().unwrap();
///     assert_eq!((me.id(), me.name()), (1, "Task-1".to_owned()));
///     assert!(!me.done());
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
#[doc(alias("Task", "asyncio.Task"))]
pub struct TaskRef(pub(crate) TaskPtr);

impl TaskRef {
    /// The task's id: unique within its loop, counting from 1 in spawn order.
    pub fn id(&self) -> u64 {
        self.0.header().id
    }

    /// The task's name: the one given with [`set_name`](TaskRef::set_name), or `Task-{id}`
    /// (asyncio `Task.get_name`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(async {});
    ///     assert_eq!(task.name(), format!("Task-{}", task.id()));
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "get_name")]
    pub fn name(&self) -> String {
        self.0.header().name()
    }

    /// Renames the task (asyncio `Task.set_name`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(async { evloop::current_task().unwrap().name() });
    ///     task.set_name("worker");
    ///     assert_eq!(task.await.unwrap(), "worker");
    /// })
    /// .unwrap();
    /// ```
    pub fn set_name(&self, name: impl Into<String>) {
        self.0.header().set_name(name.into())
    }

    /// Where the task was spawned.
    pub fn location(&self) -> &'static Location<'static> {
        self.0.header().location
    }

    /// Where the task is in its life cycle.
    pub fn state(&self) -> TaskState {
        self.0.header().state()
    }

    /// How many steps the task has taken (polls of its future).
    pub fn poll_count(&self) -> u32 {
        self.0.header().poll_count()
    }

    /// Total time spent in the task's steps. Measured only while its loop is in
    /// [debug mode](crate::debug) or recording a timeline; zero otherwise (timing every step
    /// costs two clock reads).
    pub fn poll_time(&self) -> std::time::Duration {
        self.0.header().poll_time()
    }

    /// True once the task finished: with a value, a panic, or cancelled (asyncio
    /// `Task.done`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(async {});
    ///     assert!(!task.done()); // its first step is in a later turn
    ///     evloop::yield_now().await;
    ///     assert!(task.done());
    /// })
    /// .unwrap();
    /// ```
    pub fn done(&self) -> bool {
        self.0.header().done()
    }

    /// True if the task finished by being cancelled (asyncio `Task.cancelled`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(evloop::sleep(std::time::Duration::from_secs(60)));
    ///     task.cancel();
    ///     assert!(!task.cancelled()); // requested, not yet delivered
    ///     assert!(task.await.is_err());
    /// })
    /// .unwrap();
    /// ```
    pub fn cancelled(&self) -> bool {
        self.0.header().cancelled()
    }

    /// How many times cancellation was requested (asyncio `Task.cancelling()`), saturating
    /// at `u16::MAX`.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(evloop::sleep(std::time::Duration::from_secs(60)));
    ///     assert_eq!(task.cancelling(), 0);
    ///     task.cancel();
    ///     assert_eq!(task.cancelling(), 1);
    ///     assert!(task.await.is_err());
    /// })
    /// .unwrap();
    /// ```
    pub fn cancelling(&self) -> u16 {
        self.0.header().cancelling()
    }

    /// Requests cancellation; returns false if the task is already done.
    ///
    /// Nothing happens synchronously: right after `cancel()` the task is neither done nor
    /// cancelled. At its next step the cancel is delivered: a
    /// [`catch_cancel`](crate::catch_cancel) scope around the await where the task is
    /// suspended gets `Err(Cancelled)` and the task's code goes on (it may clean up with
    /// awaits, then [`reraise`](crate::Cancelled::reraise) or swallow it); with no scope
    /// there, the task ends cancelled at that point and its future is dropped. Calling
    /// `cancel` again before then returns true again but delivers one cancel, and
    /// [`cancelling`](TaskRef::cancelling) counts both (as asyncio 3.11+ does). See
    /// `docs/cancellation.md`.
    ///
    /// Rosetta: asyncio `Task.cancel()`; tokio has no delivered cancel (its
    /// `JoinHandle::abort()` is [`abort`](TaskRef::abort)).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(evloop::sleep(std::time::Duration::from_secs(60)));
    ///     evloop::yield_now().await;
    ///     assert!(task.cancel());
    ///     assert!(!task.done(), "a request: nothing happened yet");
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "abort")]
    pub fn cancel(&self) -> bool {
        self.0.header().cancel(None)
    }

    /// [`cancel`](TaskRef::cancel) with a message, which the
    /// [`Cancelled`](crate::Cancelled) delivered to the task carries (asyncio
    /// `Task.cancel(msg)`). While a cancel is already pending, its message stays.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(async {
    ///         let caught = evloop::catch_cancel(evloop::sleep(std::time::Duration::from_secs(60)));
    ///         caught.await.unwrap_err().message().map(str::to_owned)
    ///     });
    ///     evloop::yield_now().await;
    ///     task.cancel_with_message("shutting down");
    ///     assert_eq!(task.await.unwrap().as_deref(), Some("shutting down"));
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias = "cancel")]
    pub fn cancel_with_message(&self, message: impl Into<Arc<str>>) -> bool {
        self.0.header().cancel(Some(message.into()))
    }

    /// The message of the task's last cancel, if it had one (what an awaiter of a task
    /// cancelled with a message sees in asyncio's `CancelledError.args`).
    pub fn cancel_message(&self) -> Option<Arc<str>> {
        self.0.header().cancel_message()
    }

    /// One cancel request fewer (asyncio `Task.uncancel()`): a task that swallowed a cancel
    /// calls it so that scopes above it (`timeout`, `TaskGroup`) no longer see the request.
    /// When the count reaches zero, a cancel not yet delivered is withdrawn (asyncio 3.13).
    /// Returns the count left.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(async {
    ///         let r = evloop::catch_cancel(evloop::sleep(std::time::Duration::from_secs(60)));
    ///         if r.await.is_err() {
    ///             let me = evloop::current_task().unwrap();
    ///             assert_eq!(me.cancelling(), 1);
    ///             assert_eq!(me.uncancel(), 0);
    ///         }
    ///         "carried on"
    ///     });
    ///     evloop::yield_now().await;
    ///     task.cancel();
    ///     assert_eq!(task.await, Ok("carried on"));
    /// })
    /// .unwrap();
    /// ```
    pub fn uncancel(&self) -> u16 {
        self.0.header().uncancel()
    }

    /// Stops the task at its next step whatever it catches: its future is dropped there
    /// (destructors run, [`is_cancelling`](crate::is_cancelling) is true) and it ends
    /// cancelled. Returns false if it is already done.
    ///
    /// Rosetta: tokio `JoinHandle::abort()`; asyncio has no hard stop.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(async {
    ///         // Would swallow a cancel, but an abort is not delivered.
    ///         let _ = evloop::catch_cancel(evloop::sleep(std::time::Duration::from_secs(60))).await;
    ///         "swallowed"
    ///     });
    ///     evloop::yield_now().await;
    ///     assert!(task.abort());
    ///     assert!(task.await.unwrap_err().is_cancelled());
    /// })
    /// .unwrap();
    /// ```
    pub fn abort(&self) -> bool {
        self.0.header().abort()
    }

    /// Passes a caught cancel on to this task, message included (what awaiting a task or
    /// a gather does with a cancel delivered to the awaiter).
    pub(crate) fn pass_cancel(&self, cancelled: crate::error::Cancelled) -> bool {
        self.0.header().cancel(cancelled.message)
    }

    /// Marks the task as one whose code can take a delivered cancel, so that its next
    /// cancel is delivered by a poll rather than a drop (`state::Lifecycle::catches`).
    pub(crate) fn set_catches(&self) {
        self.0.header().update(state::Lifecycle::set_catches);
    }

    /// Schedules `f` to run on the loop, with this task, once it is done (at once if it
    /// already is). Callbacks run in registration order, always in a later turn, never
    /// synchronously (asyncio `Task.add_done_callback`). If the loop is closed before the
    /// task finishes, the callbacks are dropped unrun. The id it gives takes `f` back with
    /// [`remove_done_callback`](Self::remove_done_callback).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{cell::RefCell, rc::Rc};
    ///
    /// evloop::run(async {
    ///     let seen = Rc::new(RefCell::new(Vec::new()));
    ///     let task = evloop::spawn(async { 7 });
    ///     let s = seen.clone();
    ///     task.add_done_callback(move |t| s.borrow_mut().push(t.name()));
    ///     assert_eq!(task.await.unwrap(), 7);
    ///     evloop::yield_now().await;
    ///     assert_eq!(*seen.borrow(), ["Task-2"]);
    /// })
    /// .unwrap();
    /// ```
    pub fn add_done_callback(&self, f: impl FnOnce(&TaskRef) + 'static) -> DoneCallbackId {
        let id = self
            .0
            .header()
            .add_removable_done_callback(self.clone(), Box::new(f));
        DoneCallbackId::new(id)
    }

    /// Takes back a done callback not yet scheduled, and gives how many were removed: 1, or
    /// 0 if the task is already done (its callbacks were scheduled then) or the id is unknown
    /// (asyncio `Task.remove_done_callback(fn)`; each registration has its own id, as
    /// [`DoneCallbackId`] explains).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let task = evloop::spawn(evloop::yield_now());
    ///     let id = task.add_done_callback(|_| unreachable!("removed"));
    ///     assert_eq!(task.remove_done_callback(id), 1);
    ///     assert_eq!(task.remove_done_callback(id), 0);
    ///     task.await.unwrap();
    ///     evloop::yield_now().await;
    /// })
    /// .unwrap();
    /// ```
    pub fn remove_done_callback(&self, id: DoneCallbackId) -> usize {
        self.0.header().remove_done_callback(id.get())
    }

    /// Reports this task's index `i` to `finished` once it is done (see
    /// `combinators::completion`); a done callback that allocates nothing.
    pub(crate) fn add_watch(&self, finished: Rc<Finished>, i: usize) {
        self.0.header().add_watch(self.clone(), finished, i)
    }
}

impl fmt::Debug for TaskRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "<Task name='{}' id={} {:?} polls={} spawned at {}>",
            self.name(),
            self.id(),
            self.state(),
            self.poll_count(),
            self.location()
        )
    }
}
