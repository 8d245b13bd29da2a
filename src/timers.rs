//! The timer heap: asyncio's `_scheduled`.
//!
//! Timers are kept in a binary min-heap ordered **by deadline, then by sequence number** (the
//! order `call_later`/`call_at` was called). asyncio's heap compares deadlines only, so equal
//! deadlines fire in an unspecified order there; evloop breaks ties first-scheduled-first,
//! which is one of the orders asyncio may produce.
//!
//! Cancelling a timer does not search the heap: the entry is marked cancelled and skipped
//! when it reaches the top (lazy deletion). So that a program that arms and cancels many
//! timeouts does not grow the heap without bound, the heap is rebuilt without its cancelled
//! entries whenever it holds more than `MIN_COMPACT` entries and more than half of them
//! are cancelled (asyncio: `_MIN_SCHEDULED_TIMER_HANDLES = 100`,
//! `_MIN_CANCELLED_TIMER_HANDLES_FRACTION = 0.5`). asyncio checks only once per loop turn;
//! evloop also checks on every cancellation, so even a single callback that arms and cancels
//! a million timers leaves the heap small. Each rebuild removes at least half the heap and
//! needs as many new cancellations before the next, so the cost is amortised O(1) per cancel.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::rc::Rc;
use std::time::Instant;

use crate::event_loop::handle::{Callback, HandleState};

/// Below this many entries the heap is never rebuilt (asyncio's `_MIN_SCHEDULED_TIMER_HANDLES`).
pub(crate) const MIN_COMPACT: usize = 100;

/// One scheduled timer.
struct Entry {
    /// The deadline on the loop's clock.
    when: Instant,
    /// Tie-break among equal deadlines: the order the timers were scheduled in.
    seq: u64,
    /// The callback to move to the ready queue when due.
    cb: Rc<dyn Callback>,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.when == other.when && self.seq == other.seq
    }
}
impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest deadline first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.when, other.seq).cmp(&(self.when, self.seq))
    }
}

/// The loop's pending timers.
#[derive(Default)]
pub(crate) struct Timers {
    /// Pending timers, earliest deadline (then lowest sequence number) on top. May hold
    /// cancelled entries, counted in `cancelled`.
    heap: BinaryHeap<Entry>,
    /// The next sequence number to hand out; only grows.
    next_seq: u64,
    /// How many entries in `heap` are cancelled; changed by `cancelled_one` and by removals.
    cancelled: usize,
}

impl Timers {
    /// Adds a timer. The callback must be in state `InHeap`.
    pub(crate) fn push(&mut self, when: Instant, cb: Rc<dyn Callback>) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Entry { when, seq, cb });
    }

    /// Records that one timer in the heap was cancelled, and rebuilds the heap if cancelled
    /// entries have become the majority.
    pub(crate) fn cancelled_one(&mut self) {
        self.cancelled += 1;
        if self.heap.len() > MIN_COMPACT && self.cancelled * 2 > self.heap.len() {
            self.heap
                .retain(|e| e.cb.base().state() != HandleState::Cancelled);
            self.cancelled = 0;
        }
    }

    /// Drops cancelled entries from the top, then returns the earliest live deadline.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(top) = self.heap.peek() {
            if top.cb.base().state() == HandleState::Cancelled {
                self.heap.pop();
                self.cancelled -= 1;
            } else {
                return Some(top.when);
            }
        }
        None
    }

    /// Pops every live timer due at `now`, earliest first, handing each to `ready`.
    pub(crate) fn pop_due(&mut self, now: Instant, mut ready: impl FnMut(Rc<dyn Callback>)) {
        while let Some(when) = self.next_deadline() {
            if when > now {
                break;
            }
            let entry = self.heap.pop().expect("next_deadline saw an entry");
            entry.cb.base().set_state(HandleState::Pending);
            ready(entry.cb);
        }
    }

    /// How many entries the heap holds, cancelled ones included.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Takes every callback out (for `close`), leaving the heap empty. The caller drops them
    /// outside any borrow of the loop, since dropping a closure runs user code.
    pub(crate) fn take_all(&mut self) -> Vec<Rc<dyn Callback>> {
        self.cancelled = 0;
        std::mem::take(&mut self.heap)
            .into_vec()
            .into_iter()
            .map(|e| e.cb)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_loop::handle::{cancel_callback, new_callback};
    use std::cell::RefCell;
    use std::panic::Location;
    use std::time::Duration;

    fn timer(log: &Rc<RefCell<Vec<u32>>>, n: u32) -> Rc<dyn Callback> {
        let log = log.clone();
        new_callback(
            move || log.borrow_mut().push(n),
            HandleState::InHeap,
            Location::caller(),
        )
    }

    #[test]
    fn fires_by_deadline_then_by_scheduling_order() {
        let log = Rc::new(RefCell::new(vec![]));
        let mut t = Timers::default();
        let t0 = Instant::now();
        t.push(t0 + Duration::from_millis(20), timer(&log, 1));
        t.push(t0 + Duration::from_millis(10), timer(&log, 2));
        t.push(t0 + Duration::from_millis(20), timer(&log, 3));
        t.push(t0 + Duration::from_millis(10), timer(&log, 4));
        t.pop_due(t0 + Duration::from_millis(15), |cb| cb.run());
        assert_eq!(*log.borrow(), [2, 4]);
        t.pop_due(t0 + Duration::from_millis(25), |cb| cb.run());
        assert_eq!(*log.borrow(), [2, 4, 1, 3]);
        assert_eq!(t.len(), 0);
    }

    #[test]
    fn cancelled_entries_are_skipped_and_compacted() {
        let log = Rc::new(RefCell::new(vec![]));
        let mut t = Timers::default();
        let t0 = Instant::now();
        let cbs: Vec<_> = (0..1000).map(|i| timer(&log, i)).collect();
        for cb in &cbs {
            t.push(t0, cb.clone());
        }
        for cb in cbs.iter().take(999) {
            let (_, in_heap) = cancel_callback(&**cb);
            assert!(in_heap);
            t.cancelled_one();
        }
        // More than half were cancelled more than once over: the heap has been rebuilt.
        assert!(t.len() < 600, "heap still holds {}", t.len());
        t.pop_due(t0, |cb| cb.run());
        assert_eq!(*log.borrow(), [999]);
        assert_eq!(t.next_deadline(), None);
    }
}
