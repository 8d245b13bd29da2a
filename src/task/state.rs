//! A task's state: two bytes, changed only through the transitions below.
//!
//! Where a task is in its life, how it ended, and the few facts the loop and the handle
//! need about it (is it queued, is a cancel waiting to be delivered, is its handle alive or
//! awaited, is its panic collected elsewhere) are one [`Lifecycle`] value, so that every
//! change of state has a name, and cancellation has one place to change.
//!
//! ```text
//!                 ┌──────────────── wake (scheduled bit) ─────────────────┐
//!                 ▼                                                       │
//!  spawn ──► Scheduled ──begin_step──► Running ──pending──► Waiting ──────┘
//!                 │                       │
//!  cancel pending, │                       ├── ready ──────────► Returned
//!  nothing catches │                       ├── ready, cancel uncaught ──┐
//!                 │                       ├── panic ──────────► Panicked
//!                 ▼                       ▼                            ▼
//!             Cancelled ◄──────────────────────────────────────── Cancelled
//! ```
//!
//! `Returned`, `Cancelled` and `Panicked` are final (`done()`); nothing leaves them. Beside
//! the life-cycle phase the state holds these bits:
//!
//! - `scheduled`: the task's key is in the ready queue. Set by
//!   [`schedule`](Lifecycle::schedule) (at most once until the loop takes the task off the
//!   queue with [`unschedule`](Lifecycle::unschedule)), never set on a done task: asyncio's
//!   "a task is scheduled at most once"
//!   (`docs/asyncio-semantics.md#a-task-is-scheduled-at-most-once`).
//! - `cancel_requested`: a cancel waits to be delivered at the next step (asyncio's
//!   `_must_cancel`). The step delivers it by polling the future with the cancel in flight
//!   (`docs/cancellation.md#delivery`) when the task `catches`, and otherwise ends the task
//!   as cancelled without polling it.
//! - `catches`: the task's code has polled a place that can take a delivered cancel (a
//!   `catch_cancel` scope, or an await that passes the cancel on); set once, never cleared.
//! - `abort`: `abort()` was called: the next step drops the future whatever it catches.
//! - `forwarded`: the task's cancel came from the task awaiting it, which observes its own
//!   cancel when this one ends cancelled.
//! - `joiner_queued`: the handle's awaiter started awaiting after done callbacks were
//!   added, so it is woken in its place among them, not before them (asyncio wakes an
//!   awaiter through a done callback of its own).
//! - `handle_alive`: the `Task<T>` handle exists, so a result is kept for it.
//! - `awaited`: the handle is being awaited; its drop while the awaiter is being
//!   cancelled passes the cancel on.
//! - `quiet`: the task's panic is collected elsewhere (a task group) and is never
//!   reported as "never retrieved".
//!
//! Each transition takes the state by value and returns the new one with what happened, so
//! the header stores the result in one place and callers must look at the outcome
//! (`#[must_use]`).

/// Where a task is in its life (the phase of its state; see the module `task::state`).
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

/// How a finished task ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ending {
    /// Returned a value.
    Returned,
    /// Cancelled.
    Cancelled,
    /// Panicked.
    Panicked,
}

/// What [`Lifecycle::schedule`] did.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Scheduling {
    /// The task was not queued: the caller queues it now.
    Queue,
    /// Already queued, or done: the caller queues nothing.
    Skip,
}

/// What [`Lifecycle::begin_step`] decided.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum StepStart {
    /// Poll the future (the task is now `Running`).
    Poll,
    /// A cancel was requested and the task catches none (or was aborted): end the task as
    /// cancelled without polling it.
    Cancel,
    /// A cancel was requested and the task may catch it: poll the future with the cancel in
    /// flight (the task is now `Running` and the request is consumed).
    Deliver,
}

/// What [`Lifecycle::request_cancel`] did.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CancelRequest {
    /// Recorded: the caller wakes the task so that its next step sees it. `first` is false
    /// when a cancel was already waiting (its message stays).
    Requested { first: bool },
    /// The task is already done (asyncio's `cancel()` returns False).
    AlreadyDone,
}

/// The life-cycle phase, in the low three bits.
const PHASE: u16 = 0b0000_0111;
const SCHEDULED_PHASE: u16 = 0;
const RUNNING: u16 = 1;
const WAITING: u16 = 2;
const RETURNED: u16 = 3;
const CANCELLED: u16 = 4;
const PANICKED: u16 = 5;

const SCHEDULED: u16 = 1 << 3;
const CANCEL_REQUESTED: u16 = 1 << 4;
const HANDLE_ALIVE: u16 = 1 << 5;
const AWAITED: u16 = 1 << 6;
const QUIET: u16 = 1 << 7;
const CATCHES: u16 = 1 << 8;
const ABORT: u16 = 1 << 9;
const FORWARDED: u16 = 1 << 10;
const JOINER_QUEUED: u16 = 1 << 11;

/// A task's state: its phase and its bits (see the [module docs](self)).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lifecycle(u16);

impl Lifecycle {
    /// A new task: waiting for its first step, with its handle alive. The loop queues it
    /// right after (`schedule`).
    pub(crate) const NEW: Lifecycle = Lifecycle(SCHEDULED_PHASE | HANDLE_ALIVE);

    #[inline]
    fn phase(self) -> u16 {
        self.0 & PHASE
    }

    #[inline]
    fn with_phase(self, phase: u16) -> Lifecycle {
        Lifecycle((self.0 & !PHASE) | phase)
    }

    #[inline]
    fn has(self, bit: u16) -> bool {
        self.0 & bit != 0
    }

    #[inline]
    fn with(self, bit: u16, on: bool) -> Lifecycle {
        if on {
            Lifecycle(self.0 | bit)
        } else {
            Lifecycle(self.0 & !bit)
        }
    }

    /// The phase as the public [`TaskState`].
    #[inline]
    pub(crate) fn task_state(self) -> TaskState {
        match self.phase() {
            SCHEDULED_PHASE => TaskState::Scheduled,
            RUNNING => TaskState::Running,
            WAITING => TaskState::Waiting,
            _ => TaskState::Done,
        }
    }

    /// True once the task finished, however it ended.
    #[inline(always)]
    pub(crate) fn done(self) -> bool {
        self.phase() >= RETURNED
    }

    /// How the task ended; `None` while it runs.
    #[inline]
    pub(crate) fn ending(self) -> Option<Ending> {
        match self.phase() {
            RETURNED => Some(Ending::Returned),
            CANCELLED => Some(Ending::Cancelled),
            PANICKED => Some(Ending::Panicked),
            _ => None,
        }
    }

    /// True if the task ended cancelled.
    #[inline]
    pub(crate) fn cancelled_ending(self) -> bool {
        self.phase() == CANCELLED
    }

    /// True while the task's key is in the ready queue.
    #[inline]
    pub(crate) fn scheduled(self) -> bool {
        self.has(SCHEDULED)
    }

    /// True if a cancel was requested and not yet delivered.
    #[inline]
    pub(crate) fn cancel_requested(self) -> bool {
        self.has(CANCEL_REQUESTED)
    }

    /// True once the task's code polled a place that can take a delivered cancel.
    #[inline]
    pub(crate) fn catches(self) -> bool {
        self.has(CATCHES)
    }

    /// True if the awaiter is woken among the done callbacks, in registration order.
    #[inline]
    pub(crate) fn joiner_queued(self) -> bool {
        self.has(JOINER_QUEUED)
    }

    /// Sets (the awaiter registered after done callbacks were added) or clears (it was
    /// woken) `joiner_queued`.
    #[inline]
    pub(crate) fn with_joiner_queued(self, on: bool) -> Lifecycle {
        self.with(JOINER_QUEUED, on)
    }

    /// True if this task's cancel was passed on by the task awaiting it.
    #[inline]
    pub(crate) fn forwarded(self) -> bool {
        self.has(FORWARDED)
    }

    /// True while the `Task<T>` handle exists.
    #[inline]
    pub(crate) fn handle_alive(self) -> bool {
        self.has(HANDLE_ALIVE)
    }

    /// True while the handle is being awaited.
    #[inline]
    pub(crate) fn awaited(self) -> bool {
        self.has(AWAITED)
    }

    /// True if the task's panic is collected elsewhere.
    #[inline]
    pub(crate) fn quiet(self) -> bool {
        self.has(QUIET)
    }

    /// A wake: queue the task unless it is queued already or done.
    #[inline(always)]
    pub(crate) fn schedule(self) -> (Lifecycle, Scheduling) {
        if self.0 & SCHEDULED != 0 || self.done() {
            (self, Scheduling::Skip)
        } else {
            (Lifecycle(self.0 | SCHEDULED), Scheduling::Queue)
        }
    }

    /// The loop took the task off the ready queue to step it.
    #[inline(always)]
    pub(crate) fn unschedule(self) -> Lifecycle {
        Lifecycle(self.0 & !SCHEDULED)
    }

    /// A step begins: poll; or, if a cancel is pending, deliver it by polling when the task
    /// catches cancels, and end the task as cancelled otherwise.
    #[inline]
    pub(crate) fn begin_step(self) -> (Lifecycle, StepStart) {
        if !self.cancel_requested() {
            (self.with_phase(RUNNING), StepStart::Poll)
        } else if self.has(ABORT) || !self.catches() {
            (self, StepStart::Cancel)
        } else {
            let delivering = self.with(CANCEL_REQUESTED, false).with_phase(RUNNING);
            (delivering, StepStart::Deliver)
        }
    }

    /// The poll returned `Pending`.
    #[inline]
    pub(crate) fn suspend(self) -> Lifecycle {
        self.with_phase(WAITING)
    }

    /// The task ends as `ending` (its future was dropped).
    #[inline]
    pub(crate) fn finish(self, ending: Ending) -> Lifecycle {
        self.with_phase(match ending {
            Ending::Returned => RETURNED,
            Ending::Cancelled => CANCELLED,
            Ending::Panicked => PANICKED,
        })
    }

    /// `cancel()`: record the request unless the task is done.
    #[inline]
    pub(crate) fn request_cancel(self) -> (Lifecycle, CancelRequest) {
        if self.done() {
            (self, CancelRequest::AlreadyDone)
        } else {
            let first = !self.cancel_requested();
            (
                self.with(CANCEL_REQUESTED, true),
                CancelRequest::Requested { first },
            )
        }
    }

    /// `abort()`: like `request_cancel`, and the next step drops the future even if the task
    /// catches cancels.
    #[inline]
    pub(crate) fn request_abort(self) -> (Lifecycle, CancelRequest) {
        let (next, req) = self.request_cancel();
        (next.with(ABORT, req != CancelRequest::AlreadyDone), req)
    }

    /// `uncancel()` brought the count of requests to zero: a cancel not yet delivered is
    /// withdrawn (asyncio 3.13).
    #[inline]
    pub(crate) fn withdraw_cancel(self) -> Lifecycle {
        if self.has(ABORT) {
            self
        } else {
            self.with(CANCEL_REQUESTED, false)
        }
    }

    /// The task's code polled a place that can take a delivered cancel.
    #[inline]
    pub(crate) fn set_catches(self) -> Lifecycle {
        self.with(CATCHES, true)
    }

    /// The task awaiting this one passed its cancel on (or, `false`, has observed it since).
    #[inline]
    pub(crate) fn set_forwarded(self, on: bool) -> Lifecycle {
        self.with(FORWARDED, on)
    }

    /// The handle is (or no longer is) being awaited.
    #[inline]
    pub(crate) fn set_awaited(self, awaited: bool) -> Lifecycle {
        self.with(AWAITED, awaited)
    }

    /// The handle was dropped: nobody can read the result any more.
    #[inline]
    pub(crate) fn drop_handle(self) -> Lifecycle {
        self.with(HANDLE_ALIVE, false)
    }

    /// The task's panic is collected elsewhere.
    #[inline]
    pub(crate) fn make_quiet(self) -> Lifecycle {
        self.with(QUIET, true)
    }

    /// The last local reference went: whatever the phase, wakes are ignored from now on.
    /// A task's slab slot holds a reference until it finishes, so it is done already;
    /// should it not be, it counts as cancelled.
    #[inline]
    pub(crate) fn release(self) -> Lifecycle {
        if self.done() {
            self
        } else {
            self.finish(Ending::Cancelled)
        }
    }
}

impl std::fmt::Debug for Lifecycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lifecycle")
            .field("phase", &self.task_state())
            .field("ending", &self.ending())
            .field("scheduled", &self.scheduled())
            .field("cancel_requested", &self.cancel_requested())
            .field("handle_alive", &self.handle_alive())
            .field("awaited", &self.awaited())
            .field("quiet", &self.quiet())
            .field("catches", &self.catches())
            .field("abort", &self.has(ABORT))
            .field("forwarded", &self.forwarded())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_is_queued_once_until_the_loop_takes_it() {
        let (s, first) = Lifecycle::NEW.schedule();
        assert_eq!(first, Scheduling::Queue);
        let (s, again) = s.schedule();
        assert_eq!(again, Scheduling::Skip);
        let (_, after) = s.unschedule().schedule();
        assert_eq!(after, Scheduling::Queue);
    }

    #[test]
    fn a_done_task_is_never_queued_nor_cancelled() {
        for ending in [Ending::Returned, Ending::Cancelled, Ending::Panicked] {
            let s = Lifecycle::NEW.finish(ending);
            assert!(s.done());
            assert_eq!(s.ending(), Some(ending));
            assert_eq!(s.task_state(), TaskState::Done);
            assert_eq!(s.schedule().1, Scheduling::Skip);
            assert_eq!(s.request_cancel().1, CancelRequest::AlreadyDone);
        }
    }

    #[test]
    fn a_requested_cancel_replaces_the_next_poll() {
        let (s, req) = Lifecycle::NEW.request_cancel();
        assert_eq!(req, CancelRequest::Requested { first: true });
        assert_eq!(
            s.request_cancel().1,
            CancelRequest::Requested { first: false }
        );
        assert_eq!(s.begin_step().1, StepStart::Cancel);
        let (running, step) = Lifecycle::NEW.begin_step();
        assert_eq!(step, StepStart::Poll);
        assert_eq!(running.task_state(), TaskState::Running);
        assert_eq!(running.suspend().task_state(), TaskState::Waiting);
    }

    #[test]
    fn a_task_that_catches_gets_its_cancel_delivered_once_unless_aborted() {
        let catching = Lifecycle::NEW.set_catches();
        let (s, _) = catching.request_cancel();
        let (delivering, step) = s.begin_step();
        assert_eq!(step, StepStart::Deliver);
        assert!(!delivering.cancel_requested(), "delivered once");
        assert_eq!(delivering.task_state(), TaskState::Running);
        let (aborted, _) = catching.request_abort();
        assert_eq!(aborted.begin_step().1, StepStart::Cancel);
        assert_eq!(aborted.withdraw_cancel().begin_step().1, StepStart::Cancel);
        assert_eq!(s.withdraw_cancel().begin_step().1, StepStart::Poll);
    }

    #[test]
    fn the_bits_do_not_touch_the_phase() {
        let s = Lifecycle::NEW
            .make_quiet()
            .set_awaited(true)
            .drop_handle()
            .schedule()
            .0;
        assert_eq!(s.task_state(), TaskState::Scheduled);
        assert!(s.quiet() && s.awaited() && !s.handle_alive() && s.scheduled());
        let s = s.finish(Ending::Panicked);
        assert!(s.quiet() && s.awaited() && s.scheduled());
        assert_eq!(s.ending(), Some(Ending::Panicked));
        assert_eq!(s.release(), s);
        assert_eq!(Lifecycle::NEW.release().ending(), Some(Ending::Cancelled));
    }
}
