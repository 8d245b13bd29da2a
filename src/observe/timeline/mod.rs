//! Timeline recording: a picture of the loop turning (feature `trace`).
//!
//! [`LoopHandle::start_recording`](crate::LoopHandle::start_recording) makes the loop log
//! every turn: when it began, how long the poll blocked, how many I/O events and timers it
//! brought in, and each callback and task step it then ran, with its duration.
//! [`stop_recording`](crate::LoopHandle::stop_recording) hands back the [`Timeline`], which
//! renders itself two ways:
//!
//! - [`Timeline::to_chrome_trace`]: Chrome Trace Event JSON. Open it in
//!   <https://ui.perfetto.dev> (or `chrome://tracing`): the loop and each task get a track;
//!   turns, polls, callbacks and steps are spans on a real time axis.
//! - [`Timeline::to_svg`] / [`Timeline::to_html`]: a self-contained picture evloop draws
//!   itself: one column per turn, one lane per task, so you can read off which task ran in
//!   which turn and how long the loop slept in between. No tool needed but a browser.
//!
//! Recording keeps everything in memory and costs two clock reads per item (see
//! `bench/benches/observe.rs`); record a stretch you want to look at, not a whole server's life.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! let ev = evloop::EventLoop::new().unwrap();
//! ev.start_recording();
//! ev.run_until_complete(async {
//!     let a = evloop::spawn(evloop::sleep(Duration::from_millis(5)));
//!     let b = evloop::spawn(evloop::sleep(Duration::from_millis(10)));
//!     let _ = (a.await, b.await);
//! })
//! .unwrap();
//! let timeline = ev.stop_recording().unwrap();
//! assert_eq!(timeline.tasks.len(), 3); // the main future and the two sleepers
//! assert!(timeline.to_chrome_trace().starts_with("{\"traceEvents\":["));
//! assert!(timeline.to_svg().starts_with("<svg"));
//! ```

mod chrome;
mod svg;

use std::collections::HashMap;
use std::panic::Location;
use std::time::{Duration, Instant};

use crate::debug::StepKind;
use crate::introspect::LoopStats;

/// A recorded stretch of the loop's life.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// The turns, in order.
    pub turns: Vec<TurnRecord>,
    /// The tasks that took a step while recording, in the order they first did.
    pub tasks: Vec<TaskLane>,
}

/// A task seen in a timeline: one lane of the picture.
#[derive(Clone, Debug)]
pub struct TaskLane {
    /// The task's id.
    pub id: u64,
    /// Its name when it first took a step, or when it finished if it did while recording.
    pub name: String,
    /// Where it was spawned.
    pub location: &'static Location<'static>,
}

/// One turn of the loop (one `_run_once`).
#[derive(Clone, Debug)]
pub struct TurnRecord {
    /// The turn's number: the loop's [`LoopStats::turns`] count for it.
    pub index: u64,
    /// When the turn began, from the start of the recording.
    pub start: Duration,
    /// When its last item finished.
    pub end: Duration,
    /// True if the turn called the OS poller (a busy turn may skip it).
    pub polled: bool,
    /// How long the poll blocked.
    pub poll_wait: Duration,
    /// I/O events the poll delivered.
    pub io_events: u64,
    /// Timers that came due in this turn.
    pub timers_fired: u64,
    /// The callbacks and task steps the turn ran, in order.
    pub steps: Vec<StepRecord>,
}

/// One item of a turn's batch.
#[derive(Clone, Debug)]
pub struct StepRecord {
    /// What ran.
    pub what: Step,
    /// When it started, from the start of the recording.
    pub start: Duration,
    /// How long it ran.
    pub duration: Duration,
}

/// What one item of a batch was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// A step of the task with this id; `finished` if the task ended in it.
    Task {
        /// The task's id.
        id: u64,
        /// The task finished in this step.
        finished: bool,
    },
    /// A callback scheduled at this place (`call_soon`, a timer, a remote call).
    Callback {
        /// Where it was scheduled.
        location: &'static Location<'static>,
    },
    /// The done callbacks of the task with this id.
    DoneCallbacks {
        /// The finished task's id.
        task: u64,
    },
}

impl Timeline {
    /// The lane of the task with this id.
    pub fn lane(&self, id: u64) -> Option<&TaskLane> {
        self.tasks.iter().find(|l| l.id == id)
    }

    /// The ids of the tasks stepped in each turn, turn by turn: the timeline's story in
    /// one value (what the tests compare).
    pub fn task_steps(&self) -> Vec<Vec<u64>> {
        self.turns
            .iter()
            .map(|t| {
                t.steps
                    .iter()
                    .filter_map(|s| match s.what {
                        Step::Task { id, .. } => Some(id),
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    }

    /// Chrome Trace Event JSON (see the [module docs](self)).
    pub fn to_chrome_trace(&self) -> String {
        chrome::render(self)
    }

    /// A self-contained SVG picture: one column per turn, one lane per task.
    pub fn to_svg(&self) -> String {
        svg::render(self)
    }

    /// The SVG inside a small HTML page with a title and a legend.
    pub fn to_html(&self, title: &str) -> String {
        svg::page(self, title)
    }
}

/// The loop's recorder: the timeline so far and the marks of the turn in progress.
pub(crate) struct Recorder {
    /// Time zero of the recording.
    origin: Instant,
    timeline: Timeline,
    /// The counters when the current turn began.
    before: LoopStats,
    /// Task id → index of its lane in `timeline.tasks`.
    lane_of: HashMap<u64, usize>,
}

impl Recorder {
    pub(crate) fn new(stats: LoopStats) -> Recorder {
        Recorder {
            origin: Instant::now(),
            timeline: Timeline::default(),
            before: stats,
            lane_of: HashMap::new(),
        }
    }

    /// A turn begins: remember the counters, to tell what its poll brought.
    pub(crate) fn turn_begins(&mut self, stats: LoopStats) {
        let start = self.origin.elapsed();
        self.before = stats;
        self.timeline.turns.push(TurnRecord {
            index: stats.turns,
            start,
            end: start,
            polled: false,
            poll_wait: Duration::ZERO,
            io_events: 0,
            timers_fired: 0,
            steps: Vec::new(),
        });
    }

    /// Phases 1-4 are over: what the poll and the timers brought.
    pub(crate) fn batch_begins(&mut self, stats: LoopStats) {
        let before = self.before;
        if let Some(turn) = self.timeline.turns.last_mut() {
            turn.polled = stats.reactor_polls > before.reactor_polls;
            turn.poll_wait = stats.blocked.saturating_sub(before.blocked);
            turn.io_events = stats.io_events - before.io_events;
            turn.timers_fired = stats.timers_fired - before.timers_fired;
        }
    }

    /// One item ran from `start` for `took`.
    pub(crate) fn step(&mut self, kind: &StepKind, start: Instant, took: Duration) {
        let what = match kind {
            StepKind::Task(t) => {
                let (id, finished) = (t.id(), t.done());
                let lanes = &mut self.timeline.tasks;
                match self.lane_of.get(&id) {
                    // The name is read when the lane is made and again at the last step
                    // (reading it allocates, so not at every step).
                    Some(&i) if finished => lanes[i].name = t.name(),
                    Some(_) => {}
                    None => {
                        self.lane_of.insert(id, lanes.len());
                        lanes.push(TaskLane {
                            id,
                            name: t.name(),
                            location: t.location(),
                        });
                    }
                }
                Step::Task { id, finished }
            }
            StepKind::Callback(_, location) => Step::Callback { location },
            StepKind::DoneCallbacks(t) => Step::DoneCallbacks { task: t.id() },
        };
        let start = start.saturating_duration_since(self.origin);
        if let Some(turn) = self.timeline.turns.last_mut() {
            turn.steps.push(StepRecord {
                what,
                start,
                duration: took,
            });
        }
    }

    /// The turn is over.
    pub(crate) fn turn_ends(&mut self) {
        let end = self.origin.elapsed();
        if let Some(turn) = self.timeline.turns.last_mut() {
            turn.end = end;
        }
    }

    pub(crate) fn finish(self) -> Timeline {
        self.timeline
    }
}
