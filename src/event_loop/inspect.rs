//! What a loop tells about itself, and its debug switches: queue lengths, its tasks, its
//! counters, debug mode and the timeline recorder. Apart from `mod.rs` because none of it
//! schedules or runs anything.

#[cfg(feature = "observe")]
use std::time::Duration;

use super::LoopHandle;
#[cfg(feature = "observe")]
use crate::introspect::LoopStats;
use crate::task::TaskRef;

impl LoopHandle {
    /// How many entries the timer heap holds, cancelled ones not yet removed included. It
    /// stays small however many timers are armed and cancelled (see [`timers`](crate::timers)).
    pub fn timer_heap_len(&self) -> usize {
        self.core.timers.borrow().len()
    }

    /// How many callbacks and task steps are queued for the coming turns.
    pub fn ready_len(&self) -> usize {
        self.core.ready.borrow().len()
    }

    /// The loop's unfinished tasks (asyncio `asyncio.all_tasks(loop)`).
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// let task = ev.create_task(std::future::pending::<()>()).unwrap();
    /// assert_eq!(ev.all_tasks().len(), 1);
    /// task.cancel();
    /// ```
    pub fn all_tasks(&self) -> Vec<TaskRef> {
        self.core.all_tasks()
    }

    /// The loop's counters now (see [`introspect`](crate::introspect)).
    #[cfg(feature = "observe")]
    pub fn stats(&self) -> LoopStats {
        self.core.stats()
    }

    /// The loop's unfinished tasks as a table, then its counters (see
    /// [`introspect`](crate::introspect)).
    #[cfg(feature = "observe")]
    pub fn dump(&self) -> String {
        format!(
            "{}\n{}\n",
            crate::introspect::task_table(&self.all_tasks()),
            self.stats()
        )
    }

    /// Turns debug mode on or off (asyncio `loop.set_debug`; see [`debug`](crate::debug)).
    /// It is also on from the start when the environment variable `EVLOOP_DEBUG` is set.
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// ev.set_debug(true); // asyncio: loop.set_debug(True)
    /// assert!(ev.get_debug());
    /// ```
    #[cfg(feature = "observe")]
    pub fn set_debug(&self, on: bool) {
        self.core.debug.on.set(on);
        self.core.update_observed();
    }

    /// True in debug mode (asyncio `loop.get_debug()`).
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// ev.set_debug(false);
    /// assert!(!ev.get_debug());
    /// ```
    #[cfg(feature = "observe")]
    pub fn get_debug(&self) -> bool {
        self.core.debug.on.get()
    }

    /// How long a callback or task step may run before debug mode reports it (asyncio
    /// `loop.slow_callback_duration`; 100 ms by default).
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// assert_eq!(ev.slow_callback_duration(), std::time::Duration::from_millis(100));
    /// ```
    #[cfg(feature = "observe")]
    pub fn slow_callback_duration(&self) -> Duration {
        self.core.debug.slow.get()
    }

    /// Sets the slow-step threshold of debug mode.
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// ev.set_slow_callback_duration(std::time::Duration::from_millis(10));
    /// assert_eq!(ev.slow_callback_duration().as_millis(), 10);
    /// ```
    #[cfg(feature = "observe")]
    #[doc(alias = "slow_callback_duration")]
    pub fn set_slow_callback_duration(&self, limit: Duration) {
        self.core.debug.slow.set(limit);
    }

    /// Starts recording a [`Timeline`](crate::timeline::Timeline) of the loop's turns, from
    /// the next turn on (a recording already going on starts over).
    #[cfg(feature = "trace")]
    pub fn start_recording(&self) {
        let rec = crate::timeline::Recorder::new(self.stats());
        *self.core.recorder.borrow_mut() = Some(rec);
        self.core.update_observed();
    }

    /// Stops recording and returns the timeline (`None` if nothing was being recorded).
    #[cfg(feature = "trace")]
    pub fn stop_recording(&self) -> Option<crate::timeline::Timeline> {
        let rec = self.core.recorder.borrow_mut().take();
        self.core.update_observed();
        rec.map(crate::timeline::Recorder::finish)
    }
}
