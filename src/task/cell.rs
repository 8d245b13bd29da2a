//! The task cell: one allocation holding a task's future, its bookkeeping and its result.
//!
//! The loop holds the cell as an `Rc<dyn Runnable>` (to poll it); the user's [`Task<T>`]
//! holds it as an `Rc<dyn Join<T>>` (to read the result). Both are the same `TaskCell<F>`.
//! All of it lives on the loop's thread: the only part other threads can reach is the
//! [`WakeTarget`] the waker points at.
//!
//! [`Task<T>`]: crate::Task

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use super::TaskRef;
use super::cancel;
use super::waker::{TaskWaker, WakeTarget};
use crate::error::{TaskError, panic_message};
use crate::event_loop::core::Core;
use crate::event_loop::exception::ExceptionContext;

/// Where a task is in its life.
///
/// ```text
///  spawn ──► Scheduled ──step──► Running ──Pending──► Waiting ──wake──► Scheduled
///                │                  │
///         cancel │                  └──Ready / panic / cancelled──► Done
///                ▼
///              Done (the body never runs)
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    /// In the ready queue, waiting for its next step.
    Scheduled,
    /// Its future is being polled right now.
    Running,
    /// Suspended, waiting for a wake.
    Waiting,
    /// Finished: with a value, a panic, or cancelled.
    Done,
}

/// How a finished task ended (before its result is taken).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Not finished yet.
    Pending,
    /// Returned a value.
    Returned,
    /// Cancelled.
    Cancelled,
    /// Panicked.
    Panicked,
}

/// A done callback waiting for its task to finish.
type DoneCallback = Box<dyn FnOnce(&TaskRef)>;

/// A task's done callbacks, in registration order. One callback (the common case: a single
/// watcher such as `gather` or `run_until_complete`) needs no list.
#[derive(Default)]
enum DoneCallbacks {
    #[default]
    None,
    One(DoneCallback),
    Many(Vec<DoneCallback>),
}

impl DoneCallbacks {
    fn push(self, f: DoneCallback) -> DoneCallbacks {
        match self {
            DoneCallbacks::None => DoneCallbacks::One(f),
            DoneCallbacks::One(g) => DoneCallbacks::Many(vec![g, f]),
            DoneCallbacks::Many(mut v) => {
                v.push(f);
                DoneCallbacks::Many(v)
            }
        }
    }

    /// Runs them in order. Each one's panic is caught and reported on its own, as if each
    /// had been a separate callback (asyncio schedules one `call_soon` per callback).
    fn run(self, me: &TaskRef, core: &Core) {
        let run_one = |f: DoneCallback| {
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| f(me))) {
                core.report_callback_panic(me.location(), &*p);
            }
        };
        match self {
            DoneCallbacks::None => {}
            DoneCallbacks::One(f) => run_one(f),
            DoneCallbacks::Many(v) => v.into_iter().for_each(run_one),
        }
    }
}

/// Everything about a task that does not depend on its future's type.
pub(crate) struct Header {
    /// Unique within the loop, from 1 upwards (asyncio's `Task-N` counter, but per loop).
    pub(crate) id: u64,
    /// A name set with `set_name`; `None` means the default `Task-{id}`.
    name: Cell<Option<Box<str>>>,
    /// The task's waker (made once at spawn and lent to every poll) and the target it
    /// points at, which carries the scheduled/done flags. Taken out by the loop for reuse
    /// once the task has finished.
    waker: RefCell<Option<TaskWaker>>,
    /// The owning loop.
    pub(crate) core: Weak<Core>,
    /// Life-cycle state; changed by the loop.
    state: Cell<TaskState>,
    /// How it ended; set once, by `finish`.
    outcome: Cell<Outcome>,
    /// A cancel was requested: the next step drops the future instead of polling it.
    must_cancel: Cell<bool>,
    /// How many cancels were requested (asyncio `Task.cancelling()`); saturates at
    /// `u16::MAX`, which keeps the header within its size budget.
    cancelling: Cell<u16>,
    /// The waker of whoever awaits the `Task<T>` handle.
    join_waker: Cell<Option<Waker>>,
    /// Done callbacks, in registration order; drained (and scheduled) when the task finishes.
    callbacks: Cell<DoneCallbacks>,
    /// False once the `Task<T>` handle was dropped: the result is then dropped at once.
    join_alive: Cell<bool>,
    /// A panic of this task is collected elsewhere (by a task group): never report it as
    /// "never retrieved".
    pub(crate) quiet: Cell<bool>,
    /// Where the task was spawned.
    pub(crate) location: &'static Location<'static>,
    /// How many steps the task took.
    polls: Cell<u32>,
    /// Nanoseconds spent in its steps, counted only while the loop is observed.
    poll_nanos: Cell<u64>,
}

impl Header {
    pub(crate) fn name(&self) -> String {
        let name = self.name.take();
        let shown = match &name {
            Some(n) => n.to_string(),
            None => format!("Task-{}", self.id),
        };
        self.name.set(name);
        shown
    }

    /// How reports name the task: `<Task name='worker' id=2 spawned at src/main.rs:9:5>`.
    pub(crate) fn describe(&self) -> String {
        format!(
            "<Task name='{}' id={} spawned at {}>",
            self.name(),
            self.id,
            self.location
        )
    }

    pub(crate) fn set_name(&self, name: String) {
        self.name.set(Some(name.into_boxed_str()));
    }

    pub(crate) fn state(&self) -> TaskState {
        self.state.get()
    }

    pub(crate) fn done(&self) -> bool {
        self.state.get() == TaskState::Done
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.outcome.get() == Outcome::Cancelled
    }

    /// True if the task finished without a value (cancelled or panicked).
    pub(crate) fn failed(&self) -> bool {
        matches!(self.outcome.get(), Outcome::Cancelled | Outcome::Panicked)
    }

    /// True if the task panicked (asyncio: finished with an exception other than
    /// `CancelledError`).
    pub(crate) fn panicked(&self) -> bool {
        self.outcome.get() == Outcome::Panicked
    }

    pub(crate) fn poll_count(&self) -> u32 {
        self.polls.get()
    }

    pub(crate) fn poll_time(&self) -> Duration {
        Duration::from_nanos(self.poll_nanos.get())
    }

    pub(crate) fn add_poll_time(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.poll_nanos
            .set(self.poll_nanos.get().saturating_add(nanos));
    }

    pub(crate) fn cancelling(&self) -> u16 {
        self.cancelling.get()
    }

    /// Requests cancellation (see [`Task::cancel`](crate::Task)): nothing happens now; the
    /// next step drops the future. Returns false if the task is already done.
    pub(crate) fn cancel(&self) -> bool {
        if self.done() {
            return false;
        }
        self.must_cancel.set(true);
        self.cancelling.set(self.cancelling.get().saturating_add(1));
        self.wake();
        true
    }

    /// Schedules the task's next step, as its waker would (loop thread only).
    pub(crate) fn wake(&self) {
        if let (Some(core), Some(w)) = (self.core.upgrade(), &*self.waker.borrow()) {
            core.wake_local(w.target());
        }
    }

    /// Runs `f` on the wake target while the task still has it.
    pub(crate) fn with_target<R>(&self, f: impl FnOnce(&WakeTarget) -> R) -> Option<R> {
        self.waker.borrow().as_ref().map(|w| f(w.target()))
    }

    /// Takes the waker out, for the loop to recycle its target. Only once the task is done.
    pub(crate) fn take_waker(&self) -> Option<TaskWaker> {
        debug_assert!(self.done());
        self.waker.borrow_mut().take()
    }

    /// Runs the done callbacks (the loop calls this for a `Ready::Done` item).
    pub(crate) fn run_done_callbacks(&self, me: &TaskRef, core: &Core) {
        self.callbacks.take().run(me, core);
    }

    /// Registers a done callback, or schedules it at once if the task is already done.
    /// Callbacks always run from the loop, never synchronously (asyncio §5.3).
    pub(crate) fn add_done_callback(&self, me: TaskRef, f: DoneCallback) {
        if self.done() {
            if let Some(core) = self.core.upgrade() {
                core.call_soon_internal(move || f(&me), self.location);
            }
        } else {
            let callbacks = self.callbacks.take();
            self.callbacks.set(callbacks.push(f));
        }
    }
}

/// What the loop needs from a task.
pub(crate) trait Runnable {
    fn header(&self) -> &Header;
    /// Runs one step (asyncio `Task.__step`); returns true when the task finished.
    fn step(&self, me: &Rc<dyn Runnable>) -> bool;
    /// Finishes the task as cancelled without polling it again (used by `close`).
    fn abort(&self, me: &Rc<dyn Runnable>);
}

/// What a `Task<T>` handle needs from its task.
pub(crate) trait Join<T> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<T, TaskError>>;
    fn take_result(&self) -> Option<Result<T, TaskError>>;
    fn handle_dropped(&self);
}

/// A task's future, then its result.
enum Stage<F: Future> {
    /// Still running; the future is pinned here (see `TaskCell::step`).
    Running(F),
    /// Finished; the result waits for the `Task<T>` handle.
    Finished(Result<F::Output, TaskError>),
    /// The result was taken (or dropped because nobody could take it).
    Consumed,
}

pub(crate) struct TaskCell<F: Future> {
    header: Header,
    /// The future or its result. Borrowed mutably only for a poll, a drop or a take.
    stage: RefCell<Stage<F>>,
}

impl<F: Future + 'static> TaskCell<F> {
    pub(crate) fn new(
        fut: F,
        id: u64,
        waker: TaskWaker,
        core: Weak<Core>,
        location: &'static Location<'static>,
    ) -> TaskCell<F> {
        TaskCell {
            header: Header {
                id,
                name: Cell::new(None),
                waker: RefCell::new(Some(waker)),
                core,
                state: Cell::new(TaskState::Scheduled),
                outcome: Cell::new(Outcome::Pending),
                must_cancel: Cell::new(false),
                cancelling: Cell::new(0),
                join_waker: Cell::new(None),
                callbacks: Cell::new(DoneCallbacks::None),
                join_alive: Cell::new(true),
                quiet: Cell::new(false),
                location,
                polls: Cell::new(0),
                poll_nanos: Cell::new(0),
            },
            stage: RefCell::new(Stage::Running(fut)),
        }
    }

    /// Ends the task with `out`: drops the future in place, stores or drops the result, wakes
    /// the awaiter and schedules the done callbacks.
    fn finish(&self, me: &Rc<dyn Runnable>, out: Result<F::Output, TaskError>) {
        let h = &self.header;
        let mut out = out;
        // Drop the future where it is pinned (assignment drops the old value in place). While
        // cancelling, futures it owns see `is_cancelling()` and Task handles it was awaiting
        // pass the cancel on (asyncio cancels the awaited task, §6a.8).
        let dropping = catch_unwind(AssertUnwindSafe(|| {
            let mut stage = self.stage.borrow_mut();
            if matches!(*stage, Stage::Running(_)) {
                let _cancelling = matches!(out, Err(TaskError::Cancelled)).then(cancel::enter);
                *stage = Stage::Consumed;
            }
        }));
        if let Err(p) = dropping {
            // A destructor panicked during cleanup: that panic is the task's outcome, as an
            // exception raised in `finally` replaces CancelledError in asyncio.
            out = Err(TaskError::Panicked(panic_message(&*p)));
        }
        h.outcome.set(match &out {
            Ok(_) => Outcome::Returned,
            Err(TaskError::Cancelled) => Outcome::Cancelled,
            Err(TaskError::Panicked(_)) => Outcome::Panicked,
        });
        h.state.set(TaskState::Done);
        h.with_target(WakeTarget::set_done);
        if h.join_alive.get() {
            *self.stage.borrow_mut() = Stage::Finished(out);
        } else {
            report_unretrieved(h, &out);
            drop(out);
        }
        if let Some(w) = h.join_waker.take() {
            w.wake();
        }
        // The done callbacks run from the loop, never here (asyncio §5.3): the task queues
        // itself as one ready item that runs them all, in order. That is the turn and order
        // of asyncio's one `call_soon` per callback, without allocating a handle.
        let callbacks = h.callbacks.take();
        let any = !matches!(callbacks, DoneCallbacks::None);
        h.callbacks.set(callbacks);
        if any && let Some(core) = h.core.upgrade() {
            core.schedule_done_callbacks(me.clone());
        }
    }
}

/// Sends "Task exception was never retrieved" to the loop's exception handler when a task
/// panicked and its handle is gone without the result having been read.
fn report_unretrieved<T>(h: &Header, out: &Result<T, TaskError>) {
    if let (Err(TaskError::Panicked(msg)), false) = (out, h.quiet.get()) {
        let ctx = ExceptionContext {
            message: "Task exception was never retrieved".to_string(),
            error: Some(msg.clone()),
            task: Some(h.describe()),
            location: Some(h.location),
        };
        match h.core.upgrade() {
            Some(core) => core.report(&ctx),
            None => crate::event_loop::exception::default_exception_handler(&ctx),
        }
    }
}

impl<F: Future + 'static> Runnable for TaskCell<F> {
    fn header(&self) -> &Header {
        &self.header
    }

    fn step(&self, me: &Rc<dyn Runnable>) -> bool {
        let h = &self.header;
        h.polls.set(h.polls.get().saturating_add(1));
        if h.must_cancel.get() {
            // Cancelled while suspended (or before its first step): the future is dropped
            // instead of resumed, so its destructors are the `finally` blocks that run.
            self.finish(me, Err(TaskError::Cancelled));
            return true;
        }
        h.state.set(TaskState::Running);
        let polled = {
            let mut stage = self.stage.borrow_mut();
            let Stage::Running(fut) = &mut *stage else {
                // Only a running task is ever scheduled; nothing to do otherwise.
                return true;
            };
            // SAFETY: the future lives inside this task cell, which is heap-allocated in an
            // `Rc` and never moved out of it. `Stage::Running(fut)` is only ever left by
            // assigning a new stage over it (`finish`), which drops `fut` in place. So from
            // its first poll until its drop the future stays at this address, as `Pin`
            // requires.
            let fut = unsafe { Pin::new_unchecked(fut) };
            let waker = h.waker.borrow();
            let waker = waker.as_ref().expect("a running task has its waker");
            waker.with_waker(|w| {
                let mut cx = Context::from_waker(w);
                catch_unwind(AssertUnwindSafe(|| fut.poll(&mut cx)))
            })
        };
        match polled {
            Ok(Poll::Pending) => {
                h.state.set(TaskState::Waiting);
                false
            }
            Ok(Poll::Ready(v)) => {
                // A cancel requested during this very step wins over the value (asyncio
                // `test_cancel_at_end`): the result is discarded.
                let out = if h.must_cancel.get() {
                    drop(v);
                    Err(TaskError::Cancelled)
                } else {
                    Ok(v)
                };
                self.finish(me, out);
                true
            }
            Err(p) => {
                self.finish(me, Err(TaskError::Panicked(panic_message(&*p))));
                true
            }
        }
    }

    fn abort(&self, me: &Rc<dyn Runnable>) {
        if !self.header.done() {
            self.header.must_cancel.set(true);
            self.finish(me, Err(TaskError::Cancelled));
        }
    }
}

impl<F: Future + 'static> Join<F::Output> for TaskCell<F> {
    fn poll_join(&self, cx: &mut Context<'_>) -> Poll<Result<F::Output, TaskError>> {
        if let Some(out) = self.take_result() {
            return Poll::Ready(out);
        }
        let slot = &self.header.join_waker;
        let registered = match slot.take() {
            Some(w) if w.will_wake(cx.waker()) => w,
            _ => cx.waker().clone(),
        };
        slot.set(Some(registered));
        Poll::Pending
    }

    fn take_result(&self) -> Option<Result<F::Output, TaskError>> {
        let mut stage = self
            .stage
            .try_borrow_mut()
            .expect("a task cannot await its own handle");
        match &*stage {
            Stage::Running(_) => None,
            Stage::Finished(_) => match mem::replace(&mut *stage, Stage::Consumed) {
                Stage::Finished(out) => Some(out),
                _ => unreachable!("matched Finished just above"),
            },
            Stage::Consumed => panic!("Task polled again after it returned its result"),
        }
    }

    fn handle_dropped(&self) {
        self.header.join_alive.set(false);
        // The result (if any) can no longer be read: drop it now, on the loop's thread.
        let leftover = match self.stage.try_borrow_mut() {
            Ok(mut stage) if matches!(*stage, Stage::Finished(_)) => {
                mem::replace(&mut *stage, Stage::Consumed)
            }
            _ => Stage::Consumed,
        };
        if let Stage::Finished(out) = leftover {
            report_unretrieved(&self.header, &out);
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every live task costs its cell; with 100k tasks alive the cell size is what the cache
    /// sees. A guard against the header quietly growing back (it was 152 bytes before the
    /// `Cell`-based layout; 104 before the poll count and poll time of `introspect`).
    #[test]
    fn the_task_header_stays_small() {
        let header = std::mem::size_of::<super::Header>();
        let cell = std::mem::size_of::<super::TaskCell<std::future::Ready<()>>>();
        assert!(header <= 120, "Header is {header} bytes");
        assert!(cell <= 152, "TaskCell<Ready<()>> is {cell} bytes");
    }
}
