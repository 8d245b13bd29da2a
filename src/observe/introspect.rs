//! Looking inside a running loop: counters, and a table of its tasks.
//!
//! A learner's first questions about a loop are "how many turns did that take?" and "which
//! task is doing what?". Two answers, both cheap enough to leave on all the time:
//!
//! - [`LoopStats`]: a plain struct of counters (turns, callbacks run, task polls, local and
//!   remote wakes, timers scheduled/fired/cancelled, I/O events, reactor polls and the time
//!   spent blocked in them, spawns served by a kept task block). The loop keeps them in
//!   `Cell`s, so counting is one add on the loop's own thread: no atomics.
//! - [`dump`](crate::dump) / [`LoopHandle::dump`](crate::LoopHandle::dump): a text table of the unfinished
//!   tasks, one row per task, with the [`TaskRef`] accessors as columns: id, name, state,
//!   polls, time spent polling, and where it was spawned.
//!
//! A task's poll count is always kept. Its *poll time* costs two clock reads per step, so it
//! is measured only while the loop is observed: in [debug mode](crate::debug) or while a
//! [timeline](crate::LoopHandle::start_recording) is being recorded; otherwise it stays zero.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! evloop::run(async {
//!     let sleeper = evloop::spawn(async { evloop::sleep(Duration::from_secs(60)).await });
//!     sleeper.set_name("sleeper");
//!     evloop::yield_now().await; // let it take its first step
//!
//!     let table = evloop::dump();
//!     assert!(table.contains("sleeper"));
//!     assert!(table.contains("Waiting"));
//!     let stats = evloop::get_running_loop().unwrap().stats();
//!     assert_eq!(stats.timers_scheduled, 1);
//!     sleeper.cancel();
//! })
//! .unwrap();
//! ```

use std::cell::Cell;
use std::fmt::{self, Write};
use std::time::Duration;

use crate::task::TaskRef;

/// The loop's counters, as a plain struct (see [`LoopHandle::stats`](crate::LoopHandle::stats)).
///
/// All counts start at zero when the loop is made and only grow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LoopStats {
    /// Turns of the loop (asyncio `_run_once` calls).
    pub turns: u64,
    /// Callbacks run: `call_soon`, due timers, remote calls, done callbacks.
    pub callbacks: u64,
    /// Task steps (polls of a task's future, or the step that drops a cancelled one).
    pub polls: u64,
    /// Wakes of a task on the loop's own thread.
    pub local_wakes: u64,
    /// Wakes of a task that came from another thread (or from outside a run).
    pub remote_wakes: u64,
    /// Timers armed (`call_later`, `call_at`, `sleep`, timeouts).
    pub timers_scheduled: u64,
    /// Timers that fired (moved to the ready queue when due).
    pub timers_fired: u64,
    /// Timers cancelled while still pending.
    pub timers_cancelled: u64,
    /// I/O readiness events the reactor delivered.
    pub io_events: u64,
    /// Calls into the OS poller (the turns that skipped it while busy are not counted).
    pub reactor_polls: u64,
    /// Time spent blocked in the poller, waiting for I/O, a timer or another thread.
    pub blocked: Duration,
    /// Spawns whose task got the block of a finished task the loop had kept, instead of a
    /// fresh allocation. A loop keeps those blocks while it is busy and gives them back when
    /// it idles (see `docs/how-it-works.md`, "Task blocks").
    pub task_blocks_reused: u64,
}

/// The loop's live counters: one `Cell` per field of [`LoopStats`].
#[derive(Default)]
pub(crate) struct Counters {
    pub(crate) turns: Cell<u64>,
    pub(crate) callbacks: Cell<u64>,
    pub(crate) polls: Cell<u64>,
    pub(crate) local_wakes: Cell<u64>,
    pub(crate) remote_wakes: Cell<u64>,
    pub(crate) timers_scheduled: Cell<u64>,
    pub(crate) timers_fired: Cell<u64>,
    pub(crate) timers_cancelled: Cell<u64>,
    pub(crate) io_events: Cell<u64>,
    pub(crate) reactor_polls: Cell<u64>,
    pub(crate) blocked: Cell<Duration>,
}

/// Adds `n` to a counter.
pub(crate) fn add(counter: &Cell<u64>, n: u64) {
    counter.set(counter.get() + n);
}

impl Counters {
    /// A copy of the counters as they are now.
    pub(crate) fn snapshot(&self) -> LoopStats {
        LoopStats {
            turns: self.turns.get(),
            callbacks: self.callbacks.get(),
            polls: self.polls.get(),
            local_wakes: self.local_wakes.get(),
            remote_wakes: self.remote_wakes.get(),
            timers_scheduled: self.timers_scheduled.get(),
            timers_fired: self.timers_fired.get(),
            timers_cancelled: self.timers_cancelled.get(),
            io_events: self.io_events.get(),
            reactor_polls: self.reactor_polls.get(),
            blocked: self.blocked.get(),
            // The loop fills this in from its kept blocks (`Core::stats`).
            task_blocks_reused: 0,
        }
    }
}

impl fmt::Display for LoopStats {
    /// One line per counter, aligned: what `dump` prints under the task table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: [(&str, u64); 11] = [
            ("turns", self.turns),
            ("callbacks", self.callbacks),
            ("task polls", self.polls),
            ("local wakes", self.local_wakes),
            ("remote wakes", self.remote_wakes),
            ("timers scheduled", self.timers_scheduled),
            ("timers fired", self.timers_fired),
            ("timers cancelled", self.timers_cancelled),
            ("I/O events", self.io_events),
            ("reactor polls", self.reactor_polls),
            ("blocks reused", self.task_blocks_reused),
        ];
        for (name, n) in rows {
            writeln!(f, "{name:>16}: {n}")?;
        }
        write!(
            f,
            "{:>16}: {:.3} s",
            "blocked in poll",
            self.blocked.as_secs_f64()
        )
    }
}

/// Renders `tasks` as a table, one row per task, ordered by id.
///
/// ```text
///   id  name     state       polls  poll time  spawned at
///    1  Task-1   Running         2    0.000 s  src/main.rs:3:5
///    2  sleeper  Waiting         1    0.000 s  src/main.rs:4:19
/// ```
pub fn task_table(tasks: &[TaskRef]) -> String {
    let mut rows: Vec<&TaskRef> = tasks.iter().collect();
    rows.sort_by_key(|t| t.id());
    let names: Vec<String> = rows.iter().map(|t| t.name()).collect();
    let name_w = names.iter().map(|n| n.len()).max().unwrap_or(0).max(4);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<name_w$}  {:<9}  {:>6}  {:>9}  spawned at",
        "id", "name", "state", "polls", "poll time"
    );
    for (t, name) in rows.iter().zip(&names) {
        let _ = writeln!(
            out,
            "{:>4}  {:<name_w$}  {:<9}  {:>6}  {:>7.3} s  {}",
            t.id(),
            name,
            format!("{:?}", t.state()),
            t.poll_count(),
            t.poll_time().as_secs_f64(),
            t.location()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_snapshot_every_field() {
        let c = Counters::default();
        add(&c.turns, 3);
        add(&c.io_events, 2);
        c.blocked.set(Duration::from_millis(5));
        let s = c.snapshot();
        assert_eq!((s.turns, s.io_events, s.callbacks), (3, 2, 0));
        assert_eq!(s.blocked, Duration::from_millis(5));
        let text = s.to_string();
        assert!(text.contains("           turns: 3"), "{text}");
        assert!(text.ends_with("blocked in poll: 0.005 s"), "{text}");
    }

    #[test]
    fn an_empty_table_has_its_header() {
        let t = task_table(&[]);
        assert!(t.starts_with("  id  name  state"), "{t}");
        assert_eq!(t.lines().count(), 1);
    }
}
