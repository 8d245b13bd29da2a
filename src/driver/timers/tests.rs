//! The timer heap's unit tests: order, cancellation, compaction, the ends of time.

use super::*;
use crate::callback::{cancel_callback, new_callback};
use std::cell::RefCell;
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::task::Wake;

fn timer(log: &Rc<RefCell<Vec<u32>>>, n: u32) -> Rc<dyn Callback> {
    let log = log.clone();
    new_callback(
        move || log.borrow_mut().push(n),
        HandleState::InHeap,
        Location::caller(),
    )
}

/// Runs a due item the way the loop does (callbacks run; sleeps wake).
fn run(t: &mut Timers, item: Due) {
    match item {
        Due::Callback(cb) => cb.run(),
        Due::Sleep(id) => t.fire_sleep(id).into_iter().for_each(Waker::wake),
    }
}

fn pop_and_run(t: &mut Timers, now: Instant) {
    let mut due = vec![];
    t.pop_due(now, |item| due.push(item));
    due.into_iter().for_each(|item| run(t, item));
}

/// A waker that counts its wakes.
struct Count(AtomicUsize);
impl Wake for Count {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

fn counter() -> (Arc<Count>, Waker) {
    let c = Arc::new(Count(AtomicUsize::new(0)));
    (c.clone(), Waker::from(c))
}

#[test]
fn fires_by_deadline_then_by_scheduling_order() {
    let log = Rc::new(RefCell::new(vec![]));
    let t0 = Instant::now();
    let mut t = Timers::new(t0);
    t.push(t0 + Duration::from_millis(20), timer(&log, 1));
    t.push(t0 + Duration::from_millis(10), timer(&log, 2));
    t.push(t0 + Duration::from_millis(20), timer(&log, 3));
    t.push(t0 + Duration::from_millis(10), timer(&log, 4));
    pop_and_run(&mut t, t0 + Duration::from_millis(15));
    assert_eq!(*log.borrow(), [2, 4]);
    pop_and_run(&mut t, t0 + Duration::from_millis(25));
    assert_eq!(*log.borrow(), [2, 4, 1, 3]);
    assert_eq!(t.len(), 0);
}

/// asyncio keeps deadline order for deadlines in the past, ties in scheduling order;
/// clamping them at the epoch made them all ties.
#[test]
fn deadlines_before_the_epoch_keep_their_order() {
    let t0 = Instant::now();
    let epoch = t0 + Duration::from_secs(10);
    let mut t = Timers::new(epoch);
    let log = Rc::new(RefCell::new(vec![]));
    for (i, before) in [3, 1, 2, 1].into_iter().enumerate() {
        t.push(epoch - Duration::from_secs(before), timer(&log, i as u32));
    }
    assert_eq!(t.next_deadline(), Some(epoch - Duration::from_secs(3)));
    pop_and_run(&mut t, epoch);
    assert_eq!(*log.borrow(), [0, 2, 1, 3]);
}

#[test]
fn a_deadline_before_the_epoch_is_due_at_once() {
    let t0 = Instant::now();
    let mut t = Timers::new(t0 + Duration::from_secs(1));
    let log = Rc::new(RefCell::new(vec![]));
    t.push(t0, timer(&log, 1));
    pop_and_run(&mut t, t0 + Duration::from_secs(1));
    assert_eq!(*log.borrow(), [1]);
}

#[test]
fn cancelled_entries_are_skipped_and_compacted() {
    let log = Rc::new(RefCell::new(vec![]));
    let t0 = Instant::now();
    let mut t = Timers::new(t0);
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
    pop_and_run(&mut t, t0);
    assert_eq!(*log.borrow(), [999]);
    assert_eq!(t.next_deadline(), None);
}

#[test]
fn sleeps_and_callbacks_share_one_order() {
    let log = Rc::new(RefCell::new(vec![]));
    let t0 = Instant::now();
    let mut t = Timers::new(t0);
    let (count, waker) = counter();
    t.push(t0 + Duration::from_millis(10), timer(&log, 1));
    let id = t.arm_sleep(t0 + Duration::from_millis(10), waker.clone());
    t.push(t0 + Duration::from_millis(10), timer(&log, 2));
    let mut due = vec![];
    assert_eq!(
        t.pop_due(t0 + Duration::from_millis(10), |i| due.push(i)),
        3
    );
    assert!(matches!(due[1], Due::Sleep(d) if d == id));
    // Due but not yet woken: still pending, and its waker can still change.
    assert!(t.sleep_pending(id, &waker));
    due.into_iter().for_each(|item| run(&mut t, item));
    assert_eq!(*log.borrow(), [1, 2]);
    assert_eq!(count.0.load(SeqCst), 1);
    assert!(!t.sleep_pending(id, &waker), "woken: the sleep is over");
}

#[test]
fn a_cancelled_sleep_wakes_nobody_and_its_slot_is_reused() {
    let t0 = Instant::now();
    let mut t = Timers::new(t0);
    let (count, waker) = counter();
    let a = t.arm_sleep(t0, waker.clone());
    assert!(matches!(t.cancel_sleep(a), Some((_, true))));
    assert!(t.cancel_sleep(a).is_none(), "a second cancel finds nothing");
    // The slot is reused; the old id does not reach the new sleep.
    let b = t.arm_sleep(t0, waker.clone());
    assert_ne!(a, b);
    assert!(!t.sleep_pending(a, &waker));
    assert!(t.cancel_sleep(a).is_none());
    assert!(t.sleep_pending(b, &waker));
    pop_and_run(&mut t, t0);
    assert_eq!(count.0.load(SeqCst), 1, "only b woke");
    assert_eq!(t.len(), 0);
}

#[test]
fn a_sleep_dropped_after_it_came_due_is_not_counted_as_cancelled() {
    let t0 = Instant::now();
    let mut t = Timers::new(t0);
    let (count, waker) = counter();
    let id = t.arm_sleep(t0, waker);
    let mut due = vec![];
    t.pop_due(t0, |i| due.push(i));
    assert!(matches!(t.cancel_sleep(id), Some((_, false))));
    due.into_iter().for_each(|item| run(&mut t, item));
    assert_eq!(count.0.load(SeqCst), 0, "dropped before its turn: no wake");
    assert_eq!(t.cancelled, 0);
}

#[test]
fn take_all_hands_back_callbacks_and_wakers() {
    let log = Rc::new(RefCell::new(vec![]));
    let t0 = Instant::now();
    let mut t = Timers::new(t0);
    t.push(t0, timer(&log, 1));
    let (_, waker) = counter();
    let id = t.arm_sleep(t0, waker.clone());
    let (callbacks, wakers) = t.take_all();
    assert_eq!((callbacks.len(), wakers.len()), (1, 1));
    assert_eq!(t.len(), 0);
    assert!(!t.sleep_pending(id, &waker));
}
