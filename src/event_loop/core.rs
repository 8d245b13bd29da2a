//! The loop's state, shared by [`EventLoop`](crate::EventLoop), [`LoopHandle`](crate::LoopHandle)
//! and the running-loop context.
//!
//! Everything here is single-threaded interior mutability (`Cell`/`RefCell`): no locks, no
//! atomics, except in [`Inbox`], the only part other threads reach. One rule keeps the
//! `RefCell`s safe: **no user code runs while a borrow is held**. Callbacks and task steps
//! run after the item was popped and the borrow released; closures and futures are dropped
//! after being taken out.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::Waker;
use std::time::Instant;

use slab::Slab;

use super::components::Components;
use super::exception::{ExceptionContext, ExceptionHandler, default_exception_handler};
use super::handle::TimerHandle;
use super::ready::{Ready, ReadyQueue};
use super::remote::{Inbox, Remote};
use crate::callback::{Callback, HandleState, new_callback};
use crate::clock::Clock;
#[cfg(feature = "observe")]
use crate::debug::DebugMode;
use crate::error::{LoopError, NEVER_RETRIEVED, SHUTDOWN_FAILURE, panic_message};
#[cfg(feature = "observe")]
use crate::introspect::Counters;
use crate::reactor::Reactor;
use crate::task::blocks::Blocks;
use crate::task::cell::TaskCell;
use crate::task::header::TaskHeader;
use crate::task::layout::{NewTask, Schedule};
use crate::task::raw::TaskPtr;
use crate::task::state::Scheduling;
use crate::task::waker::Door;
use crate::task::{Task, TaskRef};
use crate::timers::{SleepId, Timers};

/// Whether the loop is idle, running or closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LoopState {
    /// Not running; may be run.
    Idle,
    /// Inside `run_forever` / `run_until_complete` / `run_once`.
    Running,
    /// Closed for good.
    Closed,
}

/// A task slab slot: the task, or `None` after it finished with its key still in the ready
/// queue (the queue entry then frees the slot).
pub(crate) type TaskSlot = Option<TaskPtr>;

pub(crate) struct Core {
    /// Work to run, in order (asyncio `_ready`). Pushed by `call_soon`, wakes, due timers and
    /// the remote queue; popped only by the turn.
    pub(super) ready: RefCell<ReadyQueue>,
    /// Pending timers, by deadline then scheduling order (asyncio `_scheduled`).
    pub(super) timers: RefCell<Timers>,
    /// Every unfinished task, by key. A slot is `None` once its task finished while its key
    /// was still queued.
    pub(super) tasks: RefCell<Slab<TaskSlot>>,
    /// The OS poller, the registered sources and their dispatch (see `reactor`); shared
    /// with the I/O registrations, which register and deregister through it.
    reactor: Rc<Reactor>,
    /// Subsystems made on first use: `add_reader` watches, signal handlers, the child
    /// watcher (see `components`).
    components: Components,
    /// The part other threads reach (`call_soon_threadsafe`, remote wakes).
    pub(super) shared: Arc<Inbox>,
    /// The door the tasks' wakers use from other threads (it forwards to `shared`); its
    /// address is the loop's id.
    pub(super) door: Arc<Door>,
    /// Where "now" comes from.
    pub(super) clock: Clock,
    /// Idle, running or closed; changed by `enter`/its guard and by `close`.
    pub(super) state: Cell<LoopState>,
    /// `stop()` was called; checked after each turn, reset when `run_forever` returns.
    pub(super) stopping: Cell<bool>,
    /// The `EventLoop` was dropped by code the loop was running: it closes as the run ends.
    pub(super) close_when_run_ends: Cell<bool>,
    /// `run()` is cancelling what is left (`shutdown`): failures get asyncio's shutdown
    /// message.
    shutting_down: Cell<bool>,
    /// Items run since the reactor was last polled; the turn skips the poll while work is
    /// ready and this is below `POLL_BUDGET`.
    pub(super) ran_since_poll: Cell<usize>,
    /// The slab key of the task whose step is running, if any (asyncio
    /// `_current_tasks[loop]`). The task stays in its slot while it runs.
    pub(super) current: Cell<Option<usize>>,
    /// The handler set with `set_exception_handler`; `None` means the default.
    pub(super) handler: RefCell<Option<ExceptionHandler>>,
    /// The id the next task gets; counts from 1.
    pub(super) next_task_id: Cell<u64>,
    /// The factory set with `set_task_factory`, if any (see `task_factory`), and whether
    /// one is: the flag is what `spawn` reads.
    pub(super) task_factory: RefCell<Option<crate::task::factory::TaskFactory>>,
    pub(super) custom_factory: Cell<bool>,
    /// The counters behind [`LoopStats`](crate::LoopStats).
    #[cfg(feature = "observe")]
    pub(super) stats: Counters,
    /// Debug mode's settings (see [`debug`](crate::debug)).
    #[cfg(feature = "observe")]
    pub(super) debug: DebugMode,
    /// Debug mode or a recording is on: the turn times each item (see `observe`).
    #[cfg(feature = "observe")]
    pub(super) observed: Cell<bool>,
    /// The timeline being recorded, if any.
    #[cfg(feature = "trace")]
    pub(super) recorder: RefCell<Option<crate::timeline::Recorder>>,
    /// A weak reference to this very core, handed to timers and tasks.
    pub(super) self_weak: Weak<Core>,
    /// Blocks of finished tasks, kept for the next spawns until the loop idles (see
    /// `task::blocks`).
    pub(super) blocks: Blocks,
}

impl Core {
    pub(crate) fn new(clock: Clock) -> Result<Rc<Core>, LoopError> {
        let (reactor, waker) = Reactor::new()?;
        #[cfg(feature = "observe")]
        let debug = DebugMode::from_env();
        #[cfg(feature = "observe")]
        let observed = Cell::new(debug.on.get());
        let shared = Arc::new(Inbox::new(waker));
        let door = Door::new(shared.clone());
        Ok(Rc::new_cyclic(|weak| Core {
            ready: RefCell::new(ReadyQueue::default()),
            timers: RefCell::new(Timers::new(clock.now())),
            tasks: RefCell::new(Slab::new()),
            reactor: Rc::new(reactor),
            components: Components::default(),
            shared,
            door,
            clock,
            state: Cell::new(LoopState::Idle),
            stopping: Cell::new(false),
            close_when_run_ends: Cell::new(false),
            shutting_down: Cell::new(false),
            ran_since_poll: Cell::new(0),
            current: Cell::new(None),
            handler: RefCell::new(None),
            next_task_id: Cell::new(1),
            task_factory: RefCell::new(None),
            custom_factory: Cell::new(false),
            #[cfg(feature = "observe")]
            stats: Counters::default(),
            #[cfg(feature = "observe")]
            debug,
            #[cfg(feature = "observe")]
            observed,
            #[cfg(feature = "trace")]
            recorder: RefCell::new(None),
            self_weak: weak.clone(),
            blocks: Blocks::default(),
        }))
    }

    /// The loop's counters, with the kept blocks' count of reuses.
    #[cfg(feature = "observe")]
    pub(crate) fn stats(&self) -> crate::LoopStats {
        let mut stats = self.stats.snapshot();
        stats.task_blocks_reused = self.blocks.reused();
        stats
    }

    /// The loop's id: the address of its door, which wakers keep alive.
    pub(crate) fn id(&self) -> usize {
        Door::id(&self.door)
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.state.get() == LoopState::Closed
    }

    pub(crate) fn check_open(&self) -> Result<(), LoopError> {
        if self.is_closed() {
            Err(LoopError::Closed)
        } else {
            Ok(())
        }
    }

    pub(crate) fn now(&self) -> Instant {
        self.clock.now()
    }

    /// Appends a task to the ready queue unless it is already there or done (the local half
    /// of waking; the remote half ends here too after the drain).
    pub(crate) fn schedule(&self, task: &TaskHeader) {
        if !self.is_closed() && task.try_schedule() == Scheduling::Queue {
            self.ready
                .borrow_mut()
                .push_with(|| Ready::Task(task.key()));
        }
    }

    /// A wake on the loop's own thread (a waker, or a cancel): counted, then scheduled.
    pub(crate) fn wake_local(&self, task: &TaskHeader) {
        count!(self, local_wakes, 1);
        self.schedule(task);
    }

    /// Queues a finished task's done callbacks to run in a coming turn.
    pub(crate) fn schedule_done_callbacks(&self, task: TaskPtr) {
        if !self.is_closed() {
            self.ready.borrow_mut().push_with(|| Ready::Done(task));
        }
    }

    /// `call_soon` without the closed check, for the loop's own bookkeeping callbacks.
    #[inline]
    pub(crate) fn call_soon_internal(
        &self,
        f: impl FnOnce() + 'static,
        location: &'static Location<'static>,
    ) -> Rc<dyn Callback> {
        let cb = new_callback(f, HandleState::Pending, location);
        self.ready
            .borrow_mut()
            .push_with(|| Ready::Callback(cb.clone()));
        cb
    }

    /// Schedules `f` at `when` on the loop's clock.
    pub(crate) fn call_at(
        &self,
        when: Instant,
        f: impl FnOnce() + 'static,
        location: &'static Location<'static>,
    ) -> Result<TimerHandle, LoopError> {
        let cb = new_callback(f, HandleState::InHeap, location);
        self.push_timer(when, cb.clone())?;
        Ok(TimerHandle {
            cell: cb,
            when,
            core: self.self_weak.clone(),
        })
    }

    /// Puts `cb` (in state `InHeap`) in the timer heap, due at `when`.
    pub(crate) fn push_timer(&self, when: Instant, cb: Rc<dyn Callback>) -> Result<(), LoopError> {
        self.check_open()?;
        self.timers.borrow_mut().push(when, cb);
        count!(self, timers_scheduled, 1);
        Ok(())
    }

    /// A timer still in the heap was cancelled.
    pub(crate) fn timer_cancelled(&self) {
        count!(self, timers_cancelled, 1);
        self.timers.borrow_mut().cancelled_one();
    }

    /// Arms a sleep's timer: at `when`, `waker` is woken.
    pub(crate) fn arm_sleep(&self, when: Instant, waker: &Waker) -> Result<SleepId, LoopError> {
        self.check_open()?;
        count!(self, timers_scheduled, 1);
        Ok(self.timers.borrow_mut().arm_sleep(when, waker.clone()))
    }

    /// A sleep polled again: true if it is still waiting (its deadline will then wake
    /// `waker`).
    pub(crate) fn sleep_pending(&self, id: SleepId, waker: &Waker) -> bool {
        self.timers.borrow_mut().sleep_pending(id, waker)
    }

    /// A weak reference to this loop, for what must not keep it alive (a sleep's timer).
    pub(crate) fn weak(&self) -> Weak<Core> {
        self.self_weak.clone()
    }

    /// A sleep dropped: frees its timer (counted as cancelled if it had not come due).
    pub(crate) fn cancel_sleep(&self, id: SleepId) {
        let cancelled = self.timers.borrow_mut().cancel_sleep(id);
        if let Some((waker, in_heap)) = cancelled {
            if in_heap {
                count!(self, timers_cancelled, 1);
            }
            drop(waker); // outside the borrow: the last waker of a task may free it
        }
    }

    /// A due sleep's turn came: wakes its task, unless the sleep was dropped meanwhile.
    pub(crate) fn fire_sleep(&self, id: SleepId) {
        let waker = self.timers.borrow_mut().fire_sleep(id);
        if let Some(waker) = waker {
            count!(self, callbacks, 1);
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| waker.wake())) {
                self.report_callback_panic("Waker::wake", crate::timers::SLEEP_LOCATION, &*p);
            }
        }
    }

    /// Creates a task and schedules its first step (asyncio `Task.__init__` does
    /// `call_soon(self.__step)`). On a closed loop the task is born cancelled and `fut` is
    /// dropped unpolled.
    #[inline]
    pub(crate) fn spawn<F: Future + 'static>(
        &self,
        fut: F,
        location: &'static Location<'static>,
    ) -> Task<F::Output> {
        let id = self.next_task_id.get();
        self.next_task_id.set(id + 1);
        let mut tasks = self.tasks.borrow_mut();
        let entry = tasks.vacant_entry();
        let new = NewTask {
            key: entry.key(),
            id,
            sched: self.self_weak.clone(),
            door: &self.door,
            blocks: &self.blocks,
            location,
        };
        let task = TaskCell::allocate(fut, new);
        let ptr = &task.as_ref().0;
        if self.is_closed() {
            drop(tasks);
            ptr.abort();
        } else {
            let key = entry.key();
            entry.insert(Some(ptr.clone()));
            drop(tasks);
            if !(self.custom_factory.get() && self.apply_factory(key, ptr)) {
                self.schedule(ptr.header());
            }
        }
        task
    }

    /// The unfinished tasks: every one in the slab (the one running included).
    pub(crate) fn all_tasks(&self) -> Vec<TaskRef> {
        self.tasks
            .borrow()
            .iter()
            .filter_map(|(_, slot)| slot.clone().map(TaskRef))
            .filter(|t| !t.done())
            .collect()
    }

    /// The task whose step is running, if any.
    pub(crate) fn current_task(&self) -> Option<TaskRef> {
        let key = self.current.get()?;
        self.tasks.borrow().get(key)?.clone().map(TaskRef)
    }

    /// Applies the I/O events of this turn's poll: each source records its readiness and
    /// wakes the task waiting for it (the readiness phase; asyncio `_process_events`).
    pub(crate) fn dispatch_io(&self) {
        let n = self.reactor.dispatch();
        count!(self, io_events, n as u64);
    }

    /// The reactor, for registering I/O sources.
    pub(crate) fn reactor(&self) -> &Rc<Reactor> {
        &self.reactor
    }

    /// The loop's optional subsystems, for the modules that define them.
    pub(crate) fn components(&self) -> &Components {
        &self.components
    }

    /// Moves everything other threads sent into the ready queue (the readiness phase).
    pub(crate) fn drain_remote(&self) {
        for item in self.shared.drain() {
            match item {
                Remote::Call(f, location) => {
                    self.call_soon_internal(f, location);
                }
                Remote::Wake(task) => {
                    count!(self, remote_wakes, 1);
                    self.schedule(task.deliver());
                }
            }
        }
    }

    /// Passes `ctx` to the exception handler. A handler that panics is itself reported
    /// through the default handler (asyncio: "Unhandled error in exception handler").
    pub(crate) fn report(&self, ctx: &ExceptionContext) {
        if self.shutting_down.get() && ctx.message == NEVER_RETRIEVED {
            // asyncio's runner reports a task that failed while it was being cancelled at
            // shutdown under its own message.
            let ctx = ExceptionContext {
                message: SHUTDOWN_FAILURE.to_string(),
                ..ctx.clone()
            };
            return self.report_now(&ctx);
        }
        self.report_now(ctx);
    }

    /// `run()` is shutting the loop down (`event_loop::shutdown`).
    pub(crate) fn begin_shutdown(&self) {
        self.shutting_down.set(true);
    }

    fn report_now(&self, ctx: &ExceptionContext) {
        let handler = self.handler.borrow().clone();
        match handler {
            None => default_exception_handler(ctx),
            Some(h) => {
                if let Err(p) = catch_unwind(AssertUnwindSafe(|| h(ctx))) {
                    default_exception_handler(&ExceptionContext {
                        message: "Unhandled error in exception handler".to_string(),
                        error: Some(panic_message(&*p)),
                        ..Default::default()
                    });
                    default_exception_handler(ctx);
                }
            }
        }
    }

    /// Reports a panic that escaped callback `name` scheduled at `location` (asyncio
    /// `Handle._run`: "Exception in callback ...").
    pub(crate) fn report_callback_panic(
        &self,
        name: &str,
        location: &'static Location<'static>,
        payload: &(dyn std::any::Any + Send),
    ) {
        let ctx = ExceptionContext::callback_panic(Some(name), location, payload);
        self.report(&ctx);
    }

    /// Closes the loop: refuses new work, drops queued callbacks and timers unrun, and
    /// finishes every task as cancelled, dropping its future here on the loop's thread.
    pub(crate) fn close(&self) {
        if self.is_closed() {
            return;
        }
        self.report_pending_at_close();
        self.state.set(LoopState::Closed);
        // Take everything out first, then drop it with no borrow held: dropping closures and
        // futures runs user code, which may call back into the loop (and get `Closed`).
        let remote = self.shared.close();
        let ready = std::mem::take(&mut *self.ready.borrow_mut());
        let timers = self.timers.borrow_mut().take_all();
        let io = self.reactor.take_sources();
        // The subsystems go too: asyncio's close removes the signal handlers.
        drop(self.components.take_all());
        let tasks = std::mem::take(&mut *self.tasks.borrow_mut());
        for task in tasks.into_iter().filter_map(|(_, slot)| slot) {
            task.abort();
        }
        drop((remote, ready, timers, io));
        let handler = self.handler.borrow_mut().take();
        drop(handler);
        // A closed loop spawns nothing more: what it kept goes back (and from now on it keeps
        // nothing, see `raw::release_local`).
        self.blocks.close();
    }
}

/// What the loop's tasks ask of it (the `Schedule` trait of `task::layout`).
impl Schedule for Core {
    #[inline(always)]
    fn schedule(&self, task: &TaskHeader) {
        self.wake_local(task);
    }

    fn schedule_done(&self, task: TaskPtr) {
        self.schedule_done_callbacks(task);
    }

    fn call_soon(&self, f: Box<dyn FnOnce()>, location: &'static Location<'static>) {
        self.call_soon_internal(f, location);
    }

    fn report(&self, ctx: &ExceptionContext) {
        Core::report(self, ctx);
    }

    fn blocks(&self) -> &Blocks {
        &self.blocks
    }
}
