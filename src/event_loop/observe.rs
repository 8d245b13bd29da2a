//! The turn, watched: the hooks `run_once` calls while debug mode or a recording is on.
//!
//! The turn reads one flag, `Core::observed`, and only when it is set takes these paths:
//! each item of the batch is timed ([`Core::run_observed`]), its time is added to its task's
//! poll time, debug mode checks it against `slow_callback_duration`, and the recorder (feature
//! `trace`) logs it. With the flag clear the turn runs exactly as if this module did not
//! exist.

use std::time::Duration;
#[cfg(feature = "observe")]
use std::time::Instant;

use super::core::Core;
use super::ready::Ready;
#[cfg(feature = "observe")]
use crate::debug::{self, StepKind};
#[cfg(feature = "observe")]
use crate::task::TaskRef;

#[cfg(feature = "observe")]
impl Core {
    /// True while debug mode or a recording is on: the turn then times each item.
    #[inline(always)]
    pub(crate) fn is_observed(&self) -> bool {
        self.observed.get()
    }

    /// Adds a blocking poll's time to the counters.
    pub(crate) fn add_blocked(&self, d: Duration) {
        self.stats.blocked.set(self.stats.blocked.get() + d);
    }

    /// Recomputes `observed` after debug mode or recording changed.
    pub(crate) fn update_observed(&self) {
        #[cfg(feature = "trace")]
        let recording = self.recorder.borrow().is_some();
        #[cfg(not(feature = "trace"))]
        let recording = false;
        self.observed.set(self.debug.on.get() || recording);
    }

    /// Called at the start of an observed turn.
    pub(crate) fn turn_begins(&self) {
        #[cfg(feature = "trace")]
        if let Some(rec) = &mut *self.recorder.borrow_mut() {
            rec.turn_begins(self.stats.snapshot());
        }
    }

    /// Called when an observed turn has gathered its batch (after phase 4).
    pub(crate) fn batch_begins(&self) {
        #[cfg(feature = "trace")]
        if let Some(rec) = &mut *self.recorder.borrow_mut() {
            rec.batch_begins(self.stats.snapshot());
        }
    }

    /// Called at the end of an observed turn.
    pub(crate) fn turn_ends(&self) {
        #[cfg(feature = "trace")]
        if let Some(rec) = &mut *self.recorder.borrow_mut() {
            rec.turn_ends();
        }
    }

    /// Runs one item of the batch, timed: the observed twin of `run_item`.
    pub(crate) fn run_observed(&self, item: Ready) {
        let Some(kind) = self.step_kind(&item) else {
            return self.run_item::<false>(item); // nothing to report: a cancelled handle or a stale key
        };
        let start = Instant::now();
        self.run_item::<false>(item);
        let took = start.elapsed();
        if let StepKind::Task(t) = &kind {
            t.0.header().add_poll_time(took);
        }
        if self.debug.on.get() && took >= self.debug.slow.get() {
            self.report(&debug::slow_step(&kind, took));
        }
        #[cfg(feature = "trace")]
        if let Some(rec) = &mut *self.recorder.borrow_mut() {
            rec.step(&kind, start, took);
        }
    }

    /// What `item` is, or `None` if it will not run anything.
    fn step_kind(&self, item: &Ready) -> Option<StepKind> {
        match item {
            Ready::Callback(cb) => (cb.base().state() != crate::callback::HandleState::Cancelled)
                .then(|| StepKind::Callback(cb.name(), cb.base().location())),
            Ready::Task(key) => {
                let slot = self.tasks.borrow().get(*key).cloned().flatten();
                slot.map(|t| StepKind::Task(TaskRef(t)))
            }
            Ready::Done(task) => Some(StepKind::DoneCallbacks(TaskRef(task.clone()))),
            Ready::Sleep(id) => self
                .timers
                .borrow()
                .is_waiting(*id)
                .then_some(StepKind::Callback(
                    "Waker::wake",
                    crate::timers::SLEEP_LOCATION,
                )),
        }
    }
}

/// Without the `observe` feature nothing is watched: the turn never takes the observed path,
/// and these are what it calls in its place.
#[cfg(not(feature = "observe"))]
impl Core {
    #[inline(always)]
    pub(crate) fn is_observed(&self) -> bool {
        false
    }

    #[inline(always)]
    pub(crate) fn add_blocked(&self, _: Duration) {}

    #[inline(always)]
    pub(crate) fn turn_begins(&self) {}

    #[inline(always)]
    pub(crate) fn batch_begins(&self) {}

    #[inline(always)]
    pub(crate) fn turn_ends(&self) {}

    /// Never called (the turn is never observed); an item runs as in any turn.
    pub(crate) fn run_observed(&self, item: Ready) {
        self.run_item::<false>(item);
    }
}
