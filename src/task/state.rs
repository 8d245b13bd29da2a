//! A task's state: one byte, changed only through the transitions below.
//!
//! Where a task is in its life, how it ended, and the few facts the loop and the handle
//! need about it (is it queued, was a cancel requested, is its handle alive or awaited, is
//! its panic collected elsewhere) are one [`Lifecycle`] byte, so that every change of state
//! has a name, and cancellation has one place to change.
//!
//! ```text
//!                 ┌──────────────── wake (scheduled bit) ─────────────────┐
//!                 ▼                                                       │
//!  spawn ──► Scheduled ──begin_step──► Running ──pending──► Waiting ──────┘
//!                 │                       │
//!   cancel_requested                      ├── ready ──────────► Returned
//!   at begin_step │                       ├── ready, cancel requested ─┐
//!                 │                       ├── panic ──────────► Panicked
//!                 ▼                       ▼                            ▼
//!             Cancelled ◄──────────────────────────────────────── Cancelled
//! ```
//!
//! `Returned`, `Cancelled` and `Panicked` are final (`done()`); nothing leaves them. Beside
//! the life-cycle phase the byte holds five bits:
//!
//! - `scheduled`: the task's key is in the ready queue. Set by
//!   [`schedule`](Lifecycle::schedule) (at most once until the loop takes the task off the
//!   queue with [`unschedule`](Lifecycle::unschedule)), never set on a done task: asyncio's
//!   "a task is scheduled at most once"
//!   (`docs/asyncio-semantics.md#a-task-is-scheduled-at-most-once`).
//! - `cancel_requested`: the next step ends the task as cancelled instead of polling it.
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
    /// A cancel was requested: end the task as cancelled without polling it.
    Cancel,
}

/// What [`Lifecycle::request_cancel`] did.
#[must_use]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CancelRequest {
    /// Recorded: the caller wakes the task so that its next step sees it.
    Requested,
    /// The task is already done (asyncio's `cancel()` returns False).
    AlreadyDone,
}

/// The life-cycle phase, in the low three bits.
const PHASE: u8 = 0b0000_0111;
const SCHEDULED_PHASE: u8 = 0;
const RUNNING: u8 = 1;
const WAITING: u8 = 2;
const RETURNED: u8 = 3;
const CANCELLED: u8 = 4;
const PANICKED: u8 = 5;

const SCHEDULED: u8 = 1 << 3;
const CANCEL_REQUESTED: u8 = 1 << 4;
const HANDLE_ALIVE: u8 = 1 << 5;
const AWAITED: u8 = 1 << 6;
const QUIET: u8 = 1 << 7;

/// A task's state: its phase and five bits (see the [module docs](self)).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lifecycle(u8);

impl Lifecycle {
    /// A new task: waiting for its first step, with its handle alive. The loop queues it
    /// right after (`schedule`).
    pub(crate) const NEW: Lifecycle = Lifecycle(SCHEDULED_PHASE | HANDLE_ALIVE);

    #[inline]
    fn phase(self) -> u8 {
        self.0 & PHASE
    }

    #[inline]
    fn with_phase(self, phase: u8) -> Lifecycle {
        Lifecycle((self.0 & !PHASE) | phase)
    }

    #[inline]
    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }

    #[inline]
    fn with(self, bit: u8, on: bool) -> Lifecycle {
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

    /// True while the task's key is in the ready queue.
    #[inline]
    pub(crate) fn scheduled(self) -> bool {
        self.has(SCHEDULED)
    }

    /// True if a cancel was requested and not yet acted on.
    #[inline]
    pub(crate) fn cancel_requested(self) -> bool {
        self.has(CANCEL_REQUESTED)
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

    /// A step begins: poll, or end as cancelled if a cancel is pending.
    #[inline]
    pub(crate) fn begin_step(self) -> (Lifecycle, StepStart) {
        if self.cancel_requested() {
            (self, StepStart::Cancel)
        } else {
            (self.with_phase(RUNNING), StepStart::Poll)
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
            (self.with(CANCEL_REQUESTED, true), CancelRequest::Requested)
        }
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
        assert_eq!(req, CancelRequest::Requested);
        assert_eq!(s.begin_step().1, StepStart::Cancel);
        let (running, step) = Lifecycle::NEW.begin_step();
        assert_eq!(step, StepStart::Poll);
        assert_eq!(running.task_state(), TaskState::Running);
        assert_eq!(running.suspend().task_state(), TaskState::Waiting);
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
