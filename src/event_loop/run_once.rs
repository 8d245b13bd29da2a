//! One turn of the loop: asyncio's `BaseEventLoop._run_once`.
//!
//! **This is the only place where callbacks and task steps run.** Everything else —
//! `call_soon`, wakers, timers, other threads — only *enqueues* work. Read `Core::run_once`
//! top to bottom; each phase is one numbered paragraph:
//!
//! ```text
//!           ┌──────────────────────────────────────────────────────────────┐
//!           │ 1. timeout = 0 if work is ready or stop() was called,        │
//!           │              else time to the nearest timer, else forever    │
//!           │ 2. poll the reactor for at most `timeout` (skipped while work │
//!           │    is ready, for at most POLL_BUDGET items)                  │
//!           │ 3. readiness → ready queue (remote calls and wakes; I/O)     │
//!           │ 4. due timers → ready queue (by deadline, then FIFO)         │
//!           │ 5. run exactly the items that are ready *now*;               │
//!           │    whatever they schedule waits for the next turn            │
//!           │ 6. (run_forever) a lone task that queued only itself:        │
//!           │    its next turns, taken right here (see below)              │
//!           └──────────────────────────────────────────────────────────────┘
//! ```
//!
//! A deliberate difference from asyncio, in phase 2: asyncio calls `select(0)` on every
//! iteration even when callbacks are waiting, which costs a system call per turn. evloop
//! skips the poll while work is ready, until [`POLL_BUDGET`] items have run since the last
//! poll, so a busy loop still sees I/O within a bounded delay (tokio's `event_interval`
//! does the same). A loop with no I/O source registered skips that poll too, since it could
//! report nothing: the budget just starts over. Other threads' calls are not delayed: the
//! remote queue's flag is checked every turn. An idle loop always polls.
//!
//! A second one, in phase 4, follows from it: the same budget applies to the clock.
//! asyncio reads `time()` every turn to find the due timers; a busy evloop turn reads the
//! clock only if a timer was armed since the last look, if the nearest deadline had passed
//! by the time of that look, when the budget ran out, or when the loop is idle. So a timer
//! already due when it was scheduled (`call_later(0, f)`, a deadline in the past) fires in
//! the very next turn, as in asyncio, while one that comes due as the loop is busy fires at
//! most [`POLL_BUDGET`] items late: no program can tell that from the clock having been read
//! a little earlier. A manual clock is read every turn (a read costs nothing there, and
//! tests step it by hand). tokio, likewise, moves its timers only when its driver is
//! polled.
//!
//! Phase 6 is a shortcut, not a rule. When a turn's last step was a task that queued itself
//! again (a `yield_now` loop, a task polling a busy resource) and nothing else is ready, the
//! next turn would skip the poll, find no remote call, no timer and no stop, and step that
//! task once more. So `run_task` checks exactly those conditions after the step and, if
//! they hold, counts a turn and steps the task again without leaving. Nothing observable
//! changes: every condition that would make the next turn do more (a remote call, any
//! timer, a stop, debug mode, the poll budget running out, a second ready item) sends it
//! back through the full turn. It saves the turn's bookkeeping, a large share of a lone
//! yield's cost (measured in `docs/performance.md`). A host that steps the loop itself
//! ([`run_once`](crate::LoopHandle::run_once)) always gets exactly one turn.
//!
//! Phase 5's snapshot is what makes ordering predictable: a callback that schedules another
//! never starves the loop, and every hop (a future completes → its awaiter resumes) costs
//! exactly one turn, as in asyncio.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;
use std::time::{Duration, Instant};

use super::core::Core;
use super::ready::Ready;
use crate::callback::{Callback, HandleState};
use crate::clock::Clock;
use crate::error::LoopError;
use crate::reactor::MAX_POLL_TIMEOUT;
use crate::task::TaskRef;
use crate::task::header::TaskHeader;
use crate::task::state::Lifecycle;

/// How many callbacks and task steps may run between two polls of the reactor while work
/// keeps being ready (tokio's `event_interval` is 61).
pub const POLL_BUDGET: usize = 64;

impl Core {
    /// Runs one turn of the loop, blocking in the poll for at most `max_wait` (`None`: as
    /// long as phase 1 says). With `shortcut`, a lone task may take its next turns at once
    /// (phase 6); without it, this is exactly one turn. The caller has entered the loop (it
    /// is the running loop of this thread).
    pub(crate) fn run_once(
        &self,
        max_wait: Option<Duration>,
        shortcut: bool,
    ) -> Result<(), LoopError> {
        count!(self, turns, 1);
        // Debug mode or a recording is on: time each item (see `observe`). Read once, so a
        // change made during the turn applies from the next one.
        let observed = self.is_observed();
        if observed {
            self.turn_begins();
        }

        // 1. How long may the poll block? Not at all if something is ready or a stop is
        //    pending; until the nearest timer if there is one; otherwise until woken. A host
        //    that steps the loop may cap it.
        let busy = !self.ready.borrow().is_empty();
        if !busy {
            // Idle: the task blocks kept while busy go back to the allocator (`task::blocks`).
            self.blocks.release();
        }
        let timeout = if busy || self.stopping.get() {
            Some(Duration::ZERO)
        } else {
            match (self.idle_timeout(), max_wait) {
                (Some(t), Some(cap)) => Some(t.min(cap)),
                (t, cap) => t.or(cap),
            }
        };

        // 2. Wait for readiness. This is the only place the loop blocks. While work is
        //    ready anyway, skip the system call until POLL_BUDGET items have run, and skip
        //    it then too if no I/O source is registered (other threads' calls are seen in
        //    phase 3 without a poll).
        let budget_spent = busy && self.budget_spent();
        let polled = !busy || (budget_spent && !self.reactor().is_empty());
        let mut woken = false;
        if polled {
            self.ran_since_poll.set(0);
            count!(self, reactor_polls, 1);
            // Only a poll that may block is timed: a zero-timeout poll blocks for nothing.
            let blocking = (timeout != Some(Duration::ZERO)).then(Instant::now);
            woken = self.reactor().poll(timeout)?.woken;
            if let Some(t0) = blocking {
                self.add_blocked(t0.elapsed());
            }
        }

        // 3. Turn readiness into ready work. Other threads' calls and wakes were queued on
        //    the shared queue; they join the ready queue behind what was already there. The
        //    queue's flag is checked every turn (a load, not a syscall), so this happens
        //    even in a turn that skipped the poll. Then each I/O event of the poll wakes the
        //    task (or reader/writer callback) waiting on its source.
        if woken || self.shared.has_pending() {
            self.drain_remote();
        }
        if polled {
            self.dispatch_io();
        }

        // 4. Move every timer whose deadline has passed to the ready queue, earliest first
        //    (asyncio appends due timers after I/O callbacks). A busy turn with budget left
        //    reads the clock only if a timer may be due (armed since the last look, or due
        //    by then).
        let mut timers = self.timers.borrow_mut();
        if timers.len() > 0
            && (!busy
                || budget_spent
                || matches!(self.clock, Clock::Manual(_))
                || timers.may_be_due())
        {
            let now = self.now();
            let mut ready = self.ready.borrow_mut();
            let fired = timers.pop_due(now, |item| ready.push_back(item.into()));
            count!(self, timers_fired, fired);
        }
        drop(timers);

        // 5. Run the batch: exactly the items ready at this point. Work they schedule lands
        //    behind them and waits for the next turn (asyncio's `ntodo`).
        let ntodo = self.ready.borrow().len();
        self.ran_since_poll.set(self.ran_since_poll.get() + ntodo);
        if observed {
            self.batch_begins();
            self.run_batch(ntodo, Core::run_observed);
            self.turn_ends();
        } else if shortcut && ntodo == 1 {
            // 6. A batch of one: if it is a task step that queues only itself again, the
            //    task may take its next turns here, while nothing else could happen in them
            //    (`run_task`, `next_turn_only_steps`).
            self.run_batch(1, Core::run_item::<true>);
        } else {
            self.run_batch(ntodo, Core::run_item::<false>);
        }
        Ok(())
    }

    /// Runs the first `ntodo` items of the ready queue with `run`.
    #[inline(always)]
    fn run_batch(&self, ntodo: usize, run: impl Fn(&Core, Ready)) {
        for _ in 0..ntodo {
            let item = self.ready.borrow_mut().pop_front();
            // `None` cannot happen: only this loop pops, and it cannot be closed while running.
            let Some(item) = item else { break };
            run(self, item);
        }
    }

    /// Runs one item of the batch (`SHORTCUT`: phase 6 is allowed).
    #[inline(always)]
    pub(crate) fn run_item<const SHORTCUT: bool>(&self, item: Ready) {
        match item {
            Ready::Callback(cb) => self.run_callback(&cb),
            Ready::Task(key) => self.run_task::<SHORTCUT>(key),
            Ready::Done(task) => {
                let task = TaskRef(task);
                task.0.header().run_done_callbacks(&task, self);
            }
            Ready::Sleep(id) => self.fire_sleep(id),
        }
    }

    /// Phases 2 and 4 while work is ready: have POLL_BUDGET items run since the last poll?
    /// Then the budget starts over, and the turn polls (if any I/O source is registered:
    /// with none, the poll could only report the remote queue's wake-up, which phase 3 sees
    /// anyway) and reads the clock.
    fn budget_spent(&self) -> bool {
        if self.ran_since_poll.get() < POLL_BUDGET {
            return false;
        }
        self.ran_since_poll.set(0);
        true
    }

    /// Phase 1 with nothing ready and no stop pending: the poll timeout is the time to the
    /// nearest timer, or `None` (block until woken) if there is none.
    fn idle_timeout(&self) -> Option<Duration> {
        let deadline = self.timers.borrow_mut().next_deadline()?;
        let now = self.now();
        if deadline <= now {
            return Some(Duration::ZERO);
        }
        match &self.clock {
            Clock::System => Some((deadline - now).min(MAX_POLL_TIMEOUT)),
            // Virtual time never blocks for real: an idle loop on an auto-advancing clock
            // jumps to the deadline (tokio's paused time); a hand-stepped clock just polls.
            Clock::Manual(clock) => {
                if clock.auto_advance() {
                    clock.advance_to(deadline);
                }
                Some(Duration::ZERO)
            }
        }
    }

    /// Runs one callback, catching a panic and reporting it (asyncio `Handle._run`).
    fn run_callback(&self, cb: &Rc<dyn Callback>) {
        if cb.base().state() == HandleState::Cancelled {
            return; // a cancelled handle never runs
        }
        count!(self, callbacks, 1);
        if let Err(p) = catch_unwind(AssertUnwindSafe(|| cb.run())) {
            self.report_callback_panic(cb.name(), cb.base().location(), &*p);
        }
    }

    /// Runs one step of the task with slab key `key` (asyncio `Task.__step`), and with
    /// `SHORTCUT` the steps of the turns after it while it is the loop's only work (phase 6).
    ///
    /// The task stays in its slot while it runs, so `current_task()` finds it there by key.
    fn run_task<const SHORTCUT: bool>(&self, key: usize) {
        let slot = self.tasks.borrow().get(key).cloned().flatten();
        let Some(task) = slot else {
            // The task finished while its key was still queued: free the slot now.
            self.tasks.borrow_mut().try_remove(key);
            return;
        };
        count!(self, polls, 1);
        let header = task.header();
        header.update(Lifecycle::unschedule);
        self.current.set(Some(key));
        let mut finished = task.step(); // panics are caught inside the step
        while SHORTCUT && !finished && header.status().scheduled() && self.next_turn_only_steps(key)
        {
            count!(self, turns, 1);
            count!(self, polls, 1);
            header.update(Lifecycle::unschedule);
            finished = task.step();
        }
        self.current.set(None);
        if finished {
            self.release_slot(key, header);
        }
    }

    /// A task finished: it leaves the slab now, unless it woke itself during its last step;
    /// then the key is queued again, and running it frees the slot.
    pub(super) fn release_slot(&self, key: usize, header: &TaskHeader) {
        let slot = if header.status().scheduled() {
            self.tasks.borrow_mut()[key].take()
        } else {
            self.tasks.borrow_mut().try_remove(key).flatten()
        };
        drop(slot); // outside the borrow (the caller still holds a reference anyway)
    }

    /// Phase 6: would the next turn do nothing but step task `key` once more? That is so
    /// when the ready queue holds only that task, no stop or debug mode is pending, the
    /// next turn would skip the poll (budget left), no other thread queued work, and no
    /// timer exists that could be due. If so, the next turn's batch is taken (the task's
    /// entry leaves the queue and counts against the poll budget) and `true` returned.
    #[inline(always)]
    fn next_turn_only_steps(&self, key: usize) -> bool {
        let mut ready = self.ready.borrow_mut();
        let only_this =
            ready.len() == 1 && matches!(ready.front(), Some(Ready::Task(k)) if *k == key);
        if !only_this
            || self.stopping.get()
            || self.is_observed()
            || self.ran_since_poll.get() >= POLL_BUDGET
            || self.timers.borrow().len() > 0
            || self.shared.has_pending()
        {
            return false;
        }
        ready.pop_front();
        self.ran_since_poll.set(self.ran_since_poll.get() + 1);
        true
    }
}
