//! Model-based tests of queues, locks and semaphores (issue "Prove it holds", item 1):
//! random mixes of immediate and waiting operations, with waiters cancelled at random
//! moments, checked against the rules asyncio's versions keep.
//!
//! Queue: every item put is taken once or is still queued, never lost or duplicated, and
//! items leave in the order they went in; once things settle, nobody waits for an item
//! that is there or for a free slot that is there. Lock and semaphore: never more holders
//! than units; holders are granted in request order (no barging, no starvation); every
//! waiter not cancelled gets its turn.

use crate::util;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use evloop::Queue;
use evloop::sync::{Lock, Semaphore};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum QueueOp {
    PutNowait,
    GetNowait,
    /// A task that awaits `get`.
    Getter,
    /// A task that awaits `put`.
    Putter,
    /// Cancel the n-th task made so far (modulo).
    Cancel(usize),
    /// Let the loop run a few turns.
    Yield(u8),
}

fn queue_op() -> impl Strategy<Value = QueueOp> {
    prop_oneof![
        Just(QueueOp::PutNowait),
        Just(QueueOp::GetNowait),
        Just(QueueOp::Getter),
        Just(QueueOp::Putter),
        (0usize..16).prop_map(QueueOp::Cancel),
        (0u8..4).prop_map(QueueOp::Yield),
    ]
}

async fn turns(n: usize) {
    for _ in 0..n {
        evloop::yield_now().await;
    }
}

/// Runs `ops` on a queue of `maxsize`; gives (items in put order, items in take order and
/// still queued, waiting getters and putters left while items or slots were free).
fn run_queue(maxsize: usize, ops: Vec<QueueOp>) -> (Vec<u32>, Vec<u32>, usize) {
    let put = Rc::new(RefCell::new(Vec::new()));
    let taken = Rc::new(RefCell::new(Vec::new()));
    let (put2, taken2) = (put.clone(), taken.clone());
    let stranded = evloop::run(async move {
        let q: Queue<u32> = Queue::new(maxsize);
        let next = Rc::new(Cell::new(0u32));
        let mut tasks: Vec<evloop::Task<()>> = Vec::new();
        let (getters, putters) = (Rc::new(Cell::new(0)), Rc::new(Cell::new(0)));
        let fresh = |next: &Rc<Cell<u32>>| {
            next.set(next.get() + 1);
            next.get()
        };
        for op in ops {
            match op {
                QueueOp::PutNowait => {
                    let v = fresh(&next);
                    if q.put_nowait(v).is_ok() {
                        put2.borrow_mut().push(v);
                    }
                }
                QueueOp::GetNowait => {
                    if let Ok(v) = q.get_nowait() {
                        taken2.borrow_mut().push(v);
                    }
                }
                QueueOp::Getter => {
                    let (q, taken, waiting) = (q.clone(), taken2.clone(), getters.clone());
                    tasks.push(evloop::spawn(async move {
                        waiting.set(waiting.get() + 1);
                        let _count = Counted(waiting);
                        if let Ok(v) = q.get().await {
                            // Recorded in the step that took it: take order is this order.
                            taken.borrow_mut().push(v);
                        }
                    }));
                }
                QueueOp::Putter => {
                    let v = fresh(&next);
                    let (q, put, waiting) = (q.clone(), put2.clone(), putters.clone());
                    tasks.push(evloop::spawn(async move {
                        waiting.set(waiting.get() + 1);
                        let _count = Counted(waiting);
                        if q.put(v).await.is_ok() {
                            put.borrow_mut().push(v);
                        }
                    }));
                }
                QueueOp::Cancel(i) => {
                    if !tasks.is_empty() {
                        let n = tasks.len();
                        tasks[i % n].cancel();
                    }
                }
                QueueOp::Yield(n) => turns(usize::from(n)).await,
            }
        }
        // Settle: let every task run as far as it can.
        turns(50).await;
        let stranded = usize::from(q.qsize() > 0 && getters.get() > 0)
            + usize::from(q.qsize() < maxsize && putters.get() > 0);
        // Drain; a drained slot lets a waiting putter in, so settle and drain again until
        // nothing moves.
        loop {
            let mut moved = false;
            while let Ok(v) = q.get_nowait() {
                taken2.borrow_mut().push(v);
                moved = true;
            }
            turns(5).await;
            if !moved && q.qsize() == 0 {
                break;
            }
        }
        stranded
    })
    .unwrap();
    let (put, taken) = (put.borrow().clone(), taken.borrow().clone());
    (put, taken, stranded)
}

/// Decrements a live-waiter count when its task ends (finished or cancelled).
struct Counted(Rc<Cell<usize>>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

#[derive(Debug, Clone)]
enum LockOp {
    /// A task that takes a unit, holds it for n turns, and gives it back.
    Acquirer(u8),
    Cancel(usize),
    Yield(u8),
}

fn lock_op() -> impl Strategy<Value = LockOp> {
    prop_oneof![
        (0u8..4).prop_map(LockOp::Acquirer),
        (0usize..16).prop_map(LockOp::Cancel),
        (0u8..4).prop_map(LockOp::Yield),
    ]
}

/// How a test takes one unit of a lock or semaphore: the guard gives it back on drop.
type AcquireFn =
    Rc<dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Box<dyn std::any::Any>>>>>;

/// Runs `ops` against `acquire` with `units`; checks no over-grant as it goes, and gives
/// (acquirers in request order, acquirers in grant order, those never granted and not
/// cancelled).
fn run_lock(units: usize, acquire: AcquireFn, ops: Vec<LockOp>) -> (Vec<usize>, Vec<usize>, usize) {
    let requested = Rc::new(RefCell::new(Vec::new()));
    let granted = Rc::new(RefCell::new(Vec::new()));
    let (req2, gr2) = (requested.clone(), granted.clone());
    let starved = evloop::run(async move {
        let holders = Rc::new(Cell::new(0usize));
        let mut tasks: Vec<(evloop::Task<()>, Rc<Cell<bool>>)> = Vec::new();
        for op in ops {
            match op {
                LockOp::Acquirer(hold) => {
                    let id = tasks.len();
                    let (acquire, holders, req, gr) =
                        (acquire.clone(), holders.clone(), req2.clone(), gr2.clone());
                    let done = Rc::new(Cell::new(false));
                    let d = done.clone();
                    let task = evloop::spawn(async move {
                        req.borrow_mut().push(id);
                        let guard = acquire().await;
                        holders.set(holders.get() + 1);
                        assert!(
                            holders.get() <= units,
                            "{} holders of {units}",
                            holders.get()
                        );
                        // Counts the holder out when the unit goes back, also on a cancel.
                        let _holding = (Counted(holders), guard);
                        gr.borrow_mut().push(id);
                        turns(usize::from(hold)).await;
                        d.set(true);
                    });
                    tasks.push((task, done));
                }
                LockOp::Cancel(i) => {
                    if !tasks.is_empty() {
                        let n = tasks.len();
                        tasks[i % n].0.cancel();
                    }
                }
                LockOp::Yield(n) => turns(usize::from(n)).await,
            }
        }
        turns(200).await;
        // Everybody not cancelled got a turn and finished.
        tasks
            .iter()
            .filter(|(t, done)| !done.get() && !t.cancelled())
            .count()
    })
    .unwrap();
    let (requested, granted) = (requested.borrow().clone(), granted.borrow().clone());
    (requested, granted, starved)
}

/// Grants must follow requests, skipping only those that never got one (cancelled).
fn in_request_order(requested: &[usize], granted: &[usize]) -> bool {
    let mut it = requested.iter();
    granted.iter().all(|g| it.any(|r| r == g))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(util::cases(1000)))]

    #[test]
    fn a_queue_loses_nothing_duplicates_nothing_and_keeps_fifo(
        maxsize in 1usize..4,
        ops in prop::collection::vec(queue_op(), 0..40),
    ) {
        let (put, taken, stranded) = run_queue(maxsize, ops);
        prop_assert_eq!(&taken, &put, "taken (then drained) must be exactly the put order");
        prop_assert_eq!(stranded, 0, "a waiter left waiting for what was there");
    }

    #[test]
    fn a_lock_grants_one_holder_in_request_order(
        ops in prop::collection::vec(lock_op(), 0..30),
    ) {
        let lock = Lock::new();
        let acquire: AcquireFn = Rc::new(move || {
            let lock = lock.clone();
            Box::pin(async move { Box::new(lock.acquire().await) as Box<dyn std::any::Any> })
        });
        let (requested, granted, starved) = run_lock(1, acquire, ops);
        prop_assert!(in_request_order(&requested, &granted), "{:?} then {:?}", requested, granted);
        prop_assert_eq!(starved, 0);
    }

    #[test]
    fn a_semaphore_never_over_grants_and_keeps_request_order(
        units in 1usize..4,
        ops in prop::collection::vec(lock_op(), 0..30),
    ) {
        let sem = Semaphore::new(units);
        let acquire: AcquireFn = Rc::new(move || {
            let sem = sem.clone();
            Box::pin(async move { Box::new(sem.acquire().await) as Box<dyn std::any::Any> })
        });
        let (requested, granted, starved) = run_lock(units, acquire, ops);
        prop_assert!(in_request_order(&requested, &granted), "{:?} then {:?}", requested, granted);
        prop_assert_eq!(starved, 0);
    }
}
