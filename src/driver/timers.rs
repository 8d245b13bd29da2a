//! The timer heap: asyncio's `_scheduled`.
//!
//! Timers are kept in a binary min-heap ordered **by deadline, then by sequence number** (the
//! order they were armed in). asyncio's heap compares deadlines only, so equal deadlines fire
//! in an unspecified order there; evloop breaks ties first-armed-first, which is one of the
//! orders asyncio may produce.
//!
//! Two kinds of timer share the heap:
//! - a **callback** (`call_later`, `call_at`): the entry holds the callback cell, which its
//!   [`TimerHandle`](crate::TimerHandle) shares; cancelling marks the cell;
//! - a **sleep** ([`Sleep`](crate::Sleep)): the entry holds the key of a slot in the
//!   `sleeps` slab, and the slot holds the waker to wake. No allocation per sleep: the slab
//!   reuses freed slots, and the `Sleep` keeps only the slot's key and sequence number.
//!
//! A due sleep is not woken inside the heap scan: its slot is marked *due* and a
//! `Due::Sleep` item goes to the ready queue, which wakes the task when its turn in the
//! batch comes (asyncio's timer callback `_set_result_unless_cancelled`, then the task's
//! step a turn later). A sleep dropped in between removes its slot, and the item then wakes
//! nobody: asyncio's `finally: h.cancel()`.
//!
//! Cancelling a timer does not search the heap: the callback is marked cancelled, or the
//! sleep's slot freed, and the entry is skipped when it reaches the top (lazy deletion). So
//! that a program that arms and cancels many timeouts does not grow the heap without bound,
//! the heap is rebuilt without its cancelled entries whenever it holds more than
//! `MIN_COMPACT` entries and more than half of them are cancelled (asyncio:
//! `_MIN_SCHEDULED_TIMER_HANDLES = 100`, `_MIN_CANCELLED_TIMER_HANDLES_FRACTION = 0.5`).
//! asyncio checks only once per loop turn; evloop also checks on every cancellation, so even
//! a single callback that arms and cancels a million timers leaves the heap small. Each
//! rebuild removes at least half the heap and needs as many new cancellations before the
//! next, so the cost is amortised O(1) per cancel.
//!
//! Deadlines are stored as nanoseconds from the heap's epoch (the loop's creation), offset
//! by 2⁶⁰ so that deadlines before the epoch keep their order too (asyncio orders every
//! deadline, past ones included): eight bytes instead of an `Instant`'s sixteen, so an
//! entry is 32 bytes. That spans 36 years before the epoch (a monotonic clock does not go
//! back further) and 547 after (a manual clock may be moved centuries on), saturating
//! beyond.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::collections::binary_heap::PeekMut;
use std::rc::Rc;
use std::task::Waker;
use std::time::{Duration, Instant};

use slab::Slab;

use crate::callback::{Callback, HandleState};

/// The stored deadline of the epoch itself (see the module docs for the span).
const EPOCH_AT: u64 = 1 << 60;

/// `d` in nanoseconds, saturating at `u64::MAX` (584 years).
#[inline]
fn saturating_nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Where reports and recordings place a sleep's timer: sleeps keep no call site (it would
/// cost eight bytes per sleep), and waking a task is the loop's own work.
pub(crate) const SLEEP_LOCATION: &std::panic::Location<'static> = std::panic::Location::caller();

/// Below this many entries the heap is never rebuilt (asyncio's `_MIN_SCHEDULED_TIMER_HANDLES`).
pub(crate) const MIN_COMPACT: usize = 100;

/// Set in a sleep slot's `seq` once its entry left the heap (it is due, its wake queued).
const DUE: u64 = 1 << 63;

/// Names one armed sleep: its slot in the `sleeps` slab and the sequence number it was armed
/// with. Slots are reused; the sequence number tells this sleep's slot from a later one's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SleepId {
    key: u32,
    seq: u64,
}

/// What a timer does when due.
enum TimerTarget {
    /// Run this callback (it is cancelled through its own state).
    Callback(Rc<dyn Callback>),
    /// Wake the sleep in this slot of `sleeps`, if the slot still has the entry's `seq`.
    Sleep(u32),
}

/// One scheduled timer.
struct TimerEntry {
    /// The deadline, in nanoseconds since the heap's epoch.
    when: u64,
    /// Tie-break among equal deadlines: the order the timers were armed in.
    seq: u64,
    target: TimerTarget,
}

impl PartialEq for TimerEntry {
    fn eq(&self, other: &Self) -> bool {
        (self.when, self.seq) == (other.when, other.seq)
    }
}
impl Eq for TimerEntry {}

impl PartialOrd for TimerEntry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TimerEntry {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest deadline first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.when, other.seq).cmp(&(self.when, self.seq))
    }
}

/// An armed sleep: the waker its deadline wakes.
struct SleepSlot {
    waker: Waker,
    /// The sequence number it was armed with, with `DUE` set once it left the heap.
    seq: u64,
}

impl SleepSlot {
    /// True if this slot holds sleep `id` (armed or due), not a later sleep in a reused slot.
    fn belongs_to(&self, id: SleepId) -> bool {
        self.seq & !DUE == id.seq
    }
}

/// The loop's pending timers.
pub(crate) struct Timers {
    /// Pending timers, earliest deadline (then lowest sequence number) on top. May hold
    /// cancelled entries, counted in `cancelled`.
    heap: BinaryHeap<TimerEntry>,
    /// The wakers of armed sleeps, by key.
    sleeps: Slab<SleepSlot>,
    /// Deadlines are counted from here (the loop's creation); earlier ones count as 0.
    epoch: Instant,
    /// The next sequence number to hand out; only grows.
    next_seq: u64,
    /// How many entries in `heap` are cancelled; changed by cancellations and by removals.
    cancelled: usize,
    /// The time the last `pop_due` was given, stored as a deadline is.
    checked_at: u64,
    /// `next_seq` at the last `pop_due`: a timer was armed since if it moved.
    seq_at_check: u64,
}

/// A timer that came due, as `pop_due` hands it to the loop.
pub(crate) enum Due {
    /// A `call_later` / `call_at` callback, now `Pending`.
    Callback(Rc<dyn Callback>),
    /// A sleep whose task is to be woken (unless the sleep is dropped before its turn).
    Sleep(SleepId),
}

/// What `Timers::take_all` hands back to be dropped outside the loop's borrows.
pub(crate) type Taken = (Vec<Rc<dyn Callback>>, Vec<Waker>);

impl Timers {
    /// An empty heap whose deadlines count from `epoch`.
    pub(crate) fn new(epoch: Instant) -> Timers {
        Timers {
            heap: BinaryHeap::new(),
            sleeps: Slab::new(),
            epoch,
            next_seq: 0,
            cancelled: 0,
            checked_at: 0,
            seq_at_check: 0,
        }
    }

    /// `when` as a stored deadline: `EPOCH_AT` plus or minus its distance from the epoch in
    /// nanoseconds, saturating at either end.
    #[inline]
    fn nanos(&self, when: Instant) -> u64 {
        match when.checked_duration_since(self.epoch) {
            Some(after) => EPOCH_AT.saturating_add(saturating_nanos(after)),
            None => self.nanos_before(when),
        }
    }

    /// [`nanos`](Self::nanos) of a deadline before the epoch (rare: out of line).
    #[cold]
    #[inline(never)]
    fn nanos_before(&self, when: Instant) -> u64 {
        EPOCH_AT.saturating_sub(saturating_nanos(self.epoch - when))
    }

    /// The instant a stored deadline stands for (saturating at what `Instant` can hold).
    fn instant(&self, when: u64) -> Instant {
        if when >= EPOCH_AT {
            let after = Duration::from_nanos(when - EPOCH_AT);
            self.epoch
                .checked_add(after)
                .unwrap_or(self.epoch + Duration::from_secs(1 << 32))
        } else {
            let before = Duration::from_nanos(EPOCH_AT - when);
            self.epoch.checked_sub(before).unwrap_or(self.epoch)
        }
    }

    #[inline]
    fn push_entry(&mut self, when: Instant, target: TimerTarget) -> u64 {
        let seq = self.next_seq;
        self.next_seq += 1;
        let when = self.nanos(when);
        self.heap.push(TimerEntry { when, seq, target });
        seq
    }

    /// Adds a callback timer. The callback must be in state `InHeap`.
    pub(crate) fn push(&mut self, when: Instant, cb: Rc<dyn Callback>) {
        self.push_entry(when, TimerTarget::Callback(cb));
    }

    /// Arms a sleep: at `when`, `waker` is woken (through a `Due::Sleep` item).
    pub(crate) fn arm_sleep(&mut self, when: Instant, waker: Waker) -> SleepId {
        let slot = self.sleeps.vacant_entry();
        let key = u32::try_from(slot.key()).expect("fewer than 4 billion armed sleeps");
        let seq = self.next_seq;
        slot.insert(SleepSlot { waker, seq });
        self.push_entry(when, TimerTarget::Sleep(key));
        SleepId { key, seq }
    }

    /// The slot of sleep `id`, if it is still armed or due (not yet woken, not cancelled).
    fn slot(&mut self, id: SleepId) -> Option<&mut SleepSlot> {
        let slot = self.sleeps.get_mut(id.key as usize)?;
        slot.belongs_to(id).then_some(slot)
    }

    #[cfg(feature = "observe")]
    /// True while sleep `id` is armed or due (not yet woken, not dropped).
    pub(crate) fn is_waiting(&self, id: SleepId) -> bool {
        let slot = self.sleeps.get(id.key as usize);
        slot.is_some_and(|s| s.belongs_to(id))
    }

    /// A sleep polled again: true if it is still waiting, and then its deadline will wake
    /// `waker` (swapped in unless it wakes the same task).
    pub(crate) fn sleep_pending(&mut self, id: SleepId, waker: &Waker) -> bool {
        let Some(slot) = self.slot(id) else {
            return false;
        };
        if !slot.waker.will_wake(waker) {
            slot.waker = waker.clone();
        }
        true
    }

    /// A sleep dropped: frees its slot. Returns the waker (to drop outside the borrow) and
    /// whether its entry was still in the heap (a cancellation to count).
    pub(crate) fn cancel_sleep(&mut self, id: SleepId) -> Option<(Waker, bool)> {
        let in_heap = self.slot(id)?.seq & DUE == 0;
        let slot = self.sleeps.remove(id.key as usize);
        if in_heap {
            self.cancelled_one();
        }
        Some((slot.waker, in_heap))
    }

    /// A `Due::Sleep` item's turn came: frees the slot and gives the waker to wake, unless
    /// the sleep was dropped meanwhile.
    pub(crate) fn fire_sleep(&mut self, id: SleepId) -> Option<Waker> {
        self.slot(id)?;
        Some(self.sleeps.remove(id.key as usize).waker)
    }

    /// Records that one timer in the heap was cancelled, and rebuilds the heap if cancelled
    /// entries have become the majority.
    pub(crate) fn cancelled_one(&mut self) {
        self.cancelled += 1;
        if self.heap.len() > MIN_COMPACT && self.cancelled * 2 > self.heap.len() {
            let sleeps = &self.sleeps;
            self.heap.retain(|e| live(sleeps, e));
            self.cancelled = 0;
        }
    }

    /// Drops cancelled entries from the top, then returns the earliest live deadline.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        while let Some(top) = self.heap.peek() {
            if live(&self.sleeps, top) {
                return Some(self.instant(top.when));
            }
            self.heap.pop();
            self.cancelled -= 1;
        }
        None
    }

    /// May a timer be due, without reading the clock? Yes if one was armed since the last
    /// `pop_due` (it may have been due at once: `call_later(0, f)`), or if the earliest
    /// deadline had passed by the time that `pop_due` was given. A busy turn asks this
    /// before it reads the clock.
    pub(crate) fn may_be_due(&self) -> bool {
        self.next_seq != self.seq_at_check
            || self
                .heap
                .peek()
                .is_some_and(|top| top.when <= self.checked_at)
    }

    /// Pops every live timer due at `now`, earliest first, handing each to `ready` as the
    /// item that runs it. Returns how many fired.
    pub(crate) fn pop_due(&mut self, now: Instant, mut ready: impl FnMut(Due)) -> u64 {
        let now = self.nanos(now);
        self.checked_at = now;
        self.seq_at_check = self.next_seq;
        let mut fired = 0;
        while let Some(top) = self.heap.peek_mut() {
            if !live(&self.sleeps, &top) {
                PeekMut::pop(top);
                self.cancelled -= 1;
                continue;
            }
            if top.when > now {
                break;
            }
            let entry = PeekMut::pop(top);
            fired += 1;
            ready(match entry.target {
                TimerTarget::Callback(cb) => {
                    cb.base().set_state(HandleState::Pending);
                    Due::Callback(cb)
                }
                TimerTarget::Sleep(key) => {
                    self.sleeps[key as usize].seq |= DUE;
                    Due::Sleep(SleepId {
                        key,
                        seq: entry.seq,
                    })
                }
            });
        }
        fired
    }

    /// How many entries the heap holds, cancelled ones included.
    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Takes every callback and waker out (for `close`), leaving the heap empty. The caller
    /// drops them outside any borrow of the loop, since dropping a closure runs user code.
    pub(crate) fn take_all(&mut self) -> Taken {
        self.cancelled = 0;
        let callbacks = std::mem::take(&mut self.heap)
            .into_vec()
            .into_iter()
            .filter_map(|e| match e.target {
                TimerTarget::Callback(cb) => Some(cb),
                TimerTarget::Sleep(_) => None,
            })
            .collect();
        let wakers = std::mem::take(&mut self.sleeps)
            .into_iter()
            .map(|(_, s)| s.waker)
            .collect();
        (callbacks, wakers)
    }
}

/// True unless `e` was cancelled: its callback marked, or its sleep's slot freed or reused.
fn live(sleeps: &Slab<SleepSlot>, e: &TimerEntry) -> bool {
    match &e.target {
        TimerTarget::Callback(cb) => cb.base().state() != HandleState::Cancelled,
        TimerTarget::Sleep(key) => sleeps.get(*key as usize).is_some_and(|s| s.seq == e.seq),
    }
}

#[cfg(test)]
mod tests;
