//! Everything about a task that does not depend on its future's type: its name and id, its
//! life-cycle flags, who awaits it, its done callbacks, and the two reference counts that
//! decide when its memory goes (see `raw`).
//!
//! The header is the first field of the task's one allocation (`cell::TaskCell`), so a
//! pointer to the task is a pointer to its header, whatever the future's type.

use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::Waker;
use std::time::Duration;

use super::TaskRef;
use super::finished::Finished;
pub(crate) use super::layout::TaskHeader;
use super::layout::{
    DoneCallback, DoneCallbacks, Entry, Extras, Schedule, TaskPtr, Vtable, WakeHeader,
};
use super::running::schedule_local;
use super::state::{CancelRequest, Ending, Lifecycle, Scheduling, TaskState};
use super::waker::local_task;
use crate::error::{Cancelled, ExceptionContext};

impl DoneCallbacks {
    /// Appends `f`, registered under `id` (0: the loop's own, kept without a list while it
    /// is alone; a removable one always goes in the list, with its id).
    fn push(self, id: u64, f: DoneCallback) -> DoneCallbacks {
        match self {
            DoneCallbacks::None if id == 0 => DoneCallbacks::One(f),
            DoneCallbacks::None => DoneCallbacks::Many(vec![(id, f)]),
            DoneCallbacks::One(g) => DoneCallbacks::Many(vec![(0, g), (id, f)]),
            DoneCallbacks::Watch(w, i) => {
                DoneCallbacks::Many(vec![(0, Box::new(move |_: &TaskRef| w.record(i))), (id, f)])
            }
            DoneCallbacks::Many(mut v) => {
                v.push((id, f));
                DoneCallbacks::Many(v)
            }
        }
    }

    /// Takes out the callback registered under `id`, if the list holds it.
    fn remove(&mut self, id: u64) -> Option<DoneCallback> {
        match self {
            DoneCallbacks::Many(v) => take_entry(v, id),
            _ => None,
        }
    }

    /// Runs them in order. Each one's panic is caught and reported on its own, as if each
    /// had been a separate callback (asyncio schedules one `call_soon` per callback).
    fn run(self, me: &TaskRef, sched: &dyn Schedule) {
        match self {
            DoneCallbacks::None => {}
            DoneCallbacks::One(f) => guarded(me, sched, || f(me)),
            DoneCallbacks::Watch(w, i) => guarded(me, sched, || w.record(i)),
            DoneCallbacks::Many(v) => v
                .into_iter()
                .for_each(|(_, f)| guarded(me, sched, || f(me))),
        }
    }
}

/// Takes the entry registered under `id` out of `list`.
fn take_entry(list: &mut Vec<Entry>, id: u64) -> Option<DoneCallback> {
    let at = list.iter().position(|(i, _)| *i == id)?;
    Some(list.remove(at).1)
}

/// Runs `f`, a done callback of `me`, reporting its panic.
fn guarded(me: &TaskRef, sched: &dyn Schedule, f: impl FnOnce()) {
    if let Err(p) = catch_unwind(AssertUnwindSafe(f)) {
        let task = me.0.header().describe();
        let mut ctx =
            ExceptionContext::new(format!("Exception in callback a done callback of {task}"));
        ctx.error = Some(crate::error::panic_message(&*p));
        ctx.location = Some(me.location());
        ctx.task = Some(task);
        sched.report(&ctx);
    }
}

impl TaskHeader {
    /// Inlined into each cell's `allocate`, so the header is written straight into the new
    /// block rather than built on the stack and copied there.
    #[inline(always)]
    pub(crate) fn new(
        wake: WakeHeader,
        vtable: &'static Vtable,
        key: usize,
        id: u64,
        sched: Weak<dyn Schedule>,
        location: &'static Location<'static>,
    ) -> TaskHeader {
        TaskHeader {
            wake,
            vtable,
            refs: Cell::new(1),
            key: u32::try_from(key).expect("more than 2^32 live tasks"),
            id,
            sched: ManuallyDrop::new(sched),
            state: Cell::new(Lifecycle::NEW),
            cancelling: Cell::new(0),
            polls: Cell::new(0),
            join_task: Cell::new(None),
            callbacks: Cell::new(DoneCallbacks::None),
            location,
            extras: Cell::new(None),
        }
    }

    /// The task's key in its loop's task slab.
    pub(crate) fn key(&self) -> usize {
        self.key as usize
    }

    /// Drops the cells the header owns (the extras, the awaiter, the done callbacks);
    /// `raw::release_local` drops `sched` right after. Called once, when the last local
    /// reference goes; the rest is plain data.
    pub(crate) fn drop_owned(&self) {
        drop(self.extras.take());
        drop(self.join_task.take());
        drop(self.callbacks.take());
    }

    /// Runs `f` on the extras, if the task has them. `f` must not reach this header's
    /// extras again (they are out of their cell meanwhile), so it only reads or moves
    /// plain fields; whatever runs user code (a waker, a drop) runs after it returns.
    fn peek_extras<R>(&self, f: impl FnOnce(Option<&mut Extras>) -> R) -> R {
        let mut extras = self.extras.take();
        let r = f(extras.as_deref_mut());
        self.extras.set(extras);
        r
    }

    /// Runs `f` on the extras, allocating them first if the task has none (same rule as
    /// [`peek_extras`](Self::peek_extras)).
    fn extras_mut<R>(&self, f: impl FnOnce(&mut Extras) -> R) -> R {
        let mut extras = self.extras.take().unwrap_or_default();
        let r = f(&mut extras);
        self.extras.set(Some(extras));
        r
    }

    pub(crate) fn name(&self) -> String {
        self.peek_extras(|e| e.and_then(|e| e.name.clone()))
            .unwrap_or_else(|| format!("Task-{}", self.id))
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
        self.extras_mut(|e| e.name = Some(name)); // dropping the old name runs no user code
    }

    /// The task's state (see `state`).
    #[inline(always)]
    pub(crate) fn status(&self) -> Lifecycle {
        self.state.get()
    }

    /// Applies a transition that reports nothing.
    #[inline(always)]
    pub(crate) fn update(&self, f: impl FnOnce(Lifecycle) -> Lifecycle) {
        self.state.set(f(self.state.get()));
    }

    /// Applies a transition and returns what it reported.
    #[inline(always)]
    pub(crate) fn transition<R>(&self, f: impl FnOnce(Lifecycle) -> (Lifecycle, R)) -> R {
        let (next, r) = f(self.state.get());
        self.state.set(next);
        r
    }

    pub(crate) fn state(&self) -> TaskState {
        self.state.get().task_state()
    }

    #[inline(always)]
    pub(crate) fn done(&self) -> bool {
        self.state.get().done()
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.state.get().ending() == Some(Ending::Cancelled)
    }

    /// True if the task finished without a value (cancelled or panicked).
    pub(crate) fn failed(&self) -> bool {
        matches!(
            self.state.get().ending(),
            Some(Ending::Cancelled | Ending::Panicked)
        )
    }

    /// True if the task panicked (asyncio: finished with an exception other than
    /// `CancelledError`).
    pub(crate) fn panicked(&self) -> bool {
        self.state.get().ending() == Some(Ending::Panicked)
    }

    pub(crate) fn poll_count(&self) -> u32 {
        self.polls.get()
    }

    pub(crate) fn poll_time(&self) -> Duration {
        Duration::from_nanos(self.peek_extras(|e| e.map_or(0, |e| e.poll_nanos)))
    }

    #[cfg(feature = "observe")]
    pub(crate) fn add_poll_time(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.extras_mut(|e| e.poll_nanos = e.poll_nanos.saturating_add(nanos));
    }

    pub(crate) fn cancelling(&self) -> u16 {
        self.cancelling.get()
    }

    /// Requests cancellation (see [`TaskRef::cancel`](crate::TaskRef::cancel)): nothing
    /// happens now; the next step delivers it. `message` is kept unless a cancel was already
    /// pending. Returns false if the task is already done.
    pub(crate) fn cancel(&self, message: Option<Arc<str>>) -> bool {
        self.request(Lifecycle::request_cancel, message)
    }

    /// Requests a hard stop: the next step drops the future even if the task catches cancels.
    pub(crate) fn abort(&self) -> bool {
        self.request(Lifecycle::request_abort, None)
    }

    fn request(
        &self,
        transition: fn(Lifecycle) -> (Lifecycle, CancelRequest),
        message: Option<Arc<str>>,
    ) -> bool {
        match self.transition(transition) {
            CancelRequest::AlreadyDone => false,
            CancelRequest::Requested { first } => {
                self.cancelling.set(self.cancelling.get().saturating_add(1));
                if first {
                    self.set_cancel_message(message);
                }
                self.wake();
                true
            }
        }
    }

    /// asyncio `Task.uncancel()`: one cancel request fewer; at zero a cancel not yet
    /// delivered is withdrawn. Returns the count left.
    pub(crate) fn uncancel(&self) -> u16 {
        let left = self.cancelling.get().saturating_sub(1);
        self.cancelling.set(left);
        if left == 0 {
            self.update(Lifecycle::withdraw_cancel);
        }
        left
    }

    fn set_cancel_message(&self, message: Option<Arc<str>>) {
        if message.is_some() {
            let old = self.extras_mut(|e| std::mem::replace(&mut e.cancel_message, message));
            drop(old);
        } else {
            let old = self.peek_extras(|e| e.and_then(|e| e.cancel_message.take()));
            drop(old);
        }
    }

    /// The message of the task's last cancel, if it had one.
    pub(crate) fn cancel_message(&self) -> Option<Arc<str>> {
        self.peek_extras(|e| e.and_then(|e| e.cancel_message.clone()))
    }

    /// The task's cancel as a value: the one its next step delivers, or (once it ended
    /// cancelled) the one it passes to an awaiter that forwarded it.
    pub(crate) fn pending_cancel(&self) -> Cancelled {
        Cancelled::new(self.cancel_message())
    }

    /// Schedules the task's next step, as its waker would (loop thread only).
    pub(crate) fn wake(&self) {
        if let Some(sched) = self.sched.upgrade() {
            sched.schedule(self);
        }
    }

    /// Marks the task scheduled; `Skip` if it was already scheduled or is done (then
    /// nothing must be queued): `docs/asyncio-semantics.md#a-task-is-scheduled-at-most-once`.
    #[inline(always)]
    pub(crate) fn try_schedule(&self) -> Scheduling {
        self.transition(Lifecycle::schedule)
    }

    /// Runs the done callbacks (the loop calls this for a `Ready::Done` item). An awaiter
    /// that registered after some of them is woken after those, and the callbacks added
    /// after it run in a further item, after its step: asyncio's registration order.
    pub(crate) fn run_done_callbacks(&self, me: &TaskRef, sched: &dyn Schedule) {
        self.callbacks.take().run(me, sched);
        if self.status().joiner_queued() {
            self.update(|s| s.with_joiner_queued(false));
            self.wake_joiner();
            let later = self.peek_extras(|e| e.map(|e| std::mem::take(&mut e.later_callbacks)));
            if let Some(later) = later.filter(|l| !l.is_empty()) {
                self.callbacks.set(DoneCallbacks::Many(later));
                sched.schedule_done(me.0.clone());
            }
        }
    }

    /// Registers a done callback, or schedules it at once if the task is already done.
    /// Callbacks always run from the loop, never synchronously
    /// (`docs/asyncio-semantics.md#done-callbacks-run-from-the-loop`).
    pub(crate) fn add_done_callback(&self, me: TaskRef, f: DoneCallback) {
        self.add_entry(me, 0, f);
    }

    /// As [`add_done_callback`](Self::add_done_callback), under a new id that
    /// [`remove_done_callback`](Self::remove_done_callback) takes it back by.
    pub(crate) fn add_removable_done_callback(&self, me: TaskRef, f: DoneCallback) -> u64 {
        let id = self.extras_mut(|e| {
            e.last_callback_id += 1;
            e.last_callback_id
        });
        self.add_entry(me, id, f);
        id
    }

    fn add_entry(&self, me: TaskRef, id: u64, f: DoneCallback) {
        if self.done() {
            if let Some(sched) = self.sched.upgrade() {
                sched.call_soon(Box::new(move || f(&me)), self.location);
            }
        } else if self.status().joiner_queued() {
            self.extras_mut(|e| e.later_callbacks.push((id, f)));
        } else {
            let callbacks = self.callbacks.take();
            self.callbacks.set(callbacks.push(id, f));
        }
    }

    /// Takes back the done callback registered under `id` while the task is not done, and
    /// gives how many were removed (1 or 0). Once the task is done its callbacks count as
    /// scheduled, as asyncio's are, and nothing is removed.
    pub(crate) fn remove_done_callback(&self, id: u64) -> usize {
        if id == 0 || self.done() {
            return 0;
        }
        let mut callbacks = self.callbacks.take();
        let mut removed = callbacks.remove(id);
        self.callbacks.set(callbacks);
        if removed.is_none() {
            removed = self.peek_extras(|e| e.and_then(|e| take_entry(&mut e.later_callbacks, id)));
        }
        // Dropped outside the cells: the closure's captures may run code that reaches them.
        usize::from(removed.is_some())
    }

    /// Registers "report index `i` to `finished`" as a done callback: the same as a
    /// closure that calls `finished.record(i)`, without allocating one while it is the
    /// task's only callback.
    pub(crate) fn add_watch(&self, me: TaskRef, finished: Rc<Finished>, i: usize) {
        let callbacks = self.callbacks.take();
        if matches!(callbacks, DoneCallbacks::None)
            && !self.done()
            && !self.status().joiner_queued()
        {
            self.callbacks.set(DoneCallbacks::Watch(finished, i));
        } else {
            self.callbacks.set(callbacks);
            self.add_done_callback(me, Box::new(move |_| finished.record(i)));
        }
    }

    /// True if finishing must queue a `Ready::Done` item.
    pub(crate) fn has_done_callbacks(&self) -> bool {
        let callbacks = self.callbacks.take();
        let any = !matches!(callbacks, DoneCallbacks::None);
        self.callbacks.set(callbacks);
        any
    }

    /// Registers `waker` as the awaiter of the task's handle. The waker of a task of this
    /// loop is kept as a local reference to that task; any other waker is cloned (or the
    /// stored clone kept, if it would wake the same task).
    pub(crate) fn set_join_waker(&self, waker: &Waker) {
        if !self.status().joiner_queued() && self.has_done_callbacks() {
            // Done callbacks were added before this awaiter: it is woken after them.
            self.update(|s| s.with_joiner_queued(true));
        }
        if let Some(task) = local_task(waker, self.wake.owner()) {
            // The awaiter passes its cancels on through this await (`Task<T>::poll`).
            task.header().update(Lifecycle::set_catches);
            let foreign = self.take_join_waker();
            let old = self.join_task.replace(Some(task));
            drop((foreign, old)); // after the replace: dropping a reference may run destructors
            return;
        }
        drop(self.join_task.take());
        let same = self.peek_extras(|e| {
            e.and_then(|e| e.join_waker.as_ref())
                .is_some_and(|w| w.will_wake(waker))
        });
        if !same {
            let clone = waker.clone();
            let old = self.extras_mut(|e| e.join_waker.replace(clone));
            drop(old);
        }
    }

    /// Takes the waker of an awaiter that is not a task of this loop, if there is one.
    fn take_join_waker(&self) -> Option<Waker> {
        self.peek_extras(|e| e.and_then(|e| e.join_waker.take()))
    }

    /// The task finished: wakes whoever awaits the handle, unless it is woken among the
    /// done callbacks (`run_done_callbacks`).
    #[inline(always)]
    pub(crate) fn wake_joiner_at_finish(&self) {
        if !self.status().joiner_queued() {
            self.wake_joiner();
        }
    }

    /// Wakes whoever awaits the handle.
    #[inline(always)]
    pub(crate) fn wake_joiner(&self) {
        if let Some(task) = self.join_task.take() {
            self.wake_local_joiner(task);
        } else if let Some(w) = self.take_join_waker() {
            w.wake();
        }
    }

    /// Schedules the awaiting task `task` of this loop, if the loop is still there.
    fn wake_local_joiner(&self, task: TaskPtr) {
        if !schedule_local(self.wake.owner(), || task.header())
            && let Some(sched) = self.sched.upgrade()
        {
            sched.schedule(task.header());
        }
    }
}
