//! Limits of the coordination types (issue 28, point 4; the time limits and the whole
//! inventory are in `tests/coord_tests/limits_matrix.rs`): every capacity and count at 0, 1 and its
//! `MAX`; each saturates or returns a typed error, and none panics, overflows or allocates
//! what it was given.
//!
//! | function | extremes | behaviour |
//! |---|---|---|
//! | `Queue::new` (and Lifo, Priority) | 0, 1, `usize::MAX` | 0: unbounded; 1: one slot; `MAX`: nothing preallocated |
//! | `Semaphore::new`, `BoundedSemaphore::new` | 0, 1, `usize::MAX` | 0: acquire waits; `MAX`: a unit out and back, no overflow |
//! | `Barrier::new` | 0, 1, `usize::MAX` | 0: one party (std, tokio; asyncio: `ValueError`); `MAX`: waits |
//! | `Condition::notify` | 0, 1, `usize::MAX` | wakes that many waiters, at most all; allocates nothing for `MAX` |
//! | `TaskRef::cancel` / `uncancel` | `u16::MAX` + 1 requests; 0 | the count saturates at both ends |
//! | `gather`, `gather_results`, `TaskGroup::run` | no futures, no tasks | `[]` / the body's value at once |

use crate::util;

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use evloop::sync::{Barrier, BoundedSemaphore, Condition, Semaphore};
use evloop::{LifoQueue, PriorityQueue, PutError, Queue};
use util::manual_loop;

/// Queues at `maxsize` 0, 1 and `usize::MAX`. Mirrors asyncio's `Queue(0)` (unbounded) and
/// `Queue(1)` (`QueueFull` on the second `put_nowait`); `usize::MAX` preallocates nothing
/// (a queue that reserved its capacity would abort here).
#[test]
fn queues_at_maxsize_zero_one_and_max() {
    fn check<Q>(
        new: impl Fn(usize) -> Q,
        put: impl Fn(&Q, u32) -> Result<(), PutError<u32>>,
        full: impl Fn(&Q) -> bool,
    ) {
        for unbounded in [new(0), new(usize::MAX)] {
            for i in 0..1000 {
                put(&unbounded, i).unwrap();
            }
            assert!(!full(&unbounded));
        }
        let one = new(1);
        assert!(!full(&one));
        put(&one, 1).unwrap();
        assert!(full(&one));
        assert!(matches!(put(&one, 2), Err(PutError::Full(2))));
    }
    check(Queue::new, |q, i| q.put_nowait(i), |q| q.full());
    check(LifoQueue::new, |q, i| q.put_nowait(i), |q| q.full());
    check(PriorityQueue::new, |q, i| q.put_nowait(i), |q| q.full());
    assert_eq!(Queue::<u8>::new(usize::MAX).maxsize(), usize::MAX);
}

/// Semaphores at 0, 1 and `usize::MAX` units. `Semaphore(0)` is locked and its acquire waits
/// for a release (asyncio the same); `BoundedSemaphore(0).release()` is refused (asyncio
/// `ValueError: BoundedSemaphore released too many times`); a semaphore at `usize::MAX`
/// gives and takes back a unit without overflowing (one release past `MAX` is in
/// `tests/core_tests/loop_limits.rs`).
#[test]
fn semaphores_at_zero_one_and_max() {
    let (ev, _clock) = manual_loop();
    ev.run_until_complete(async {
        let ms = Duration::from_millis(1);
        let zero = Semaphore::new(0);
        assert!(zero.locked());
        assert!(evloop::wait_for(zero.acquire(), ms).await.is_err());
        zero.release().unwrap();
        drop(zero.acquire().await);
        assert_eq!(zero.value(), 1);

        let one = Semaphore::new(1);
        let p = one.acquire().await;
        assert!(one.locked());
        drop(p);
        assert!(!one.locked());

        let max = Semaphore::new(usize::MAX);
        let p = max.acquire().await;
        assert_eq!(max.value(), usize::MAX - 1);
        drop(p);
        assert_eq!(max.value(), usize::MAX);

        let bounded = BoundedSemaphore::new(0);
        assert!(bounded.release().is_err());
        assert!(evloop::wait_for(bounded.acquire(), ms).await.is_err());
        let bounded = BoundedSemaphore::new(usize::MAX);
        assert!(bounded.release().is_err());
        assert_eq!(bounded.value(), usize::MAX);
    })
    .unwrap();
}

/// Barriers of 0, 1 and `usize::MAX` parties. asyncio's `Barrier(0)` raises `ValueError`;
/// Rust's `std::sync::Barrier::new(0)` and tokio's `Barrier::new(0)` act as one party, and so
/// does evloop's rather than panic. `Barrier(1).wait()` returns 0 at once (asyncio the same);
/// a `usize::MAX` barrier waits, and a cancelled wait withdraws its arrival.
#[test]
fn barriers_of_zero_one_and_max_parties() {
    let (ev, _clock) = manual_loop();
    ev.run_until_complete(async {
        for parties in [0, 1] {
            let b = Barrier::new(parties);
            assert_eq!(b.parties(), 1);
            assert_eq!(b.wait().await, Ok(0));
            assert_eq!(b.wait().await, Ok(0));
        }
        let max = Barrier::new(usize::MAX);
        let r = evloop::wait_for(max.wait(), Duration::from_millis(1)).await;
        assert!(r.is_err());
        assert_eq!(max.n_waiting(), 0, "the cancelled arrival withdrew");
    })
    .unwrap();
}

/// `Condition::notify(n)` for n = 0, 1 and `usize::MAX`: wakes that many waiters, at most
/// all of them, and allocates nothing for `MAX` (asyncio `notify(0)` and `notify(10**30)`
/// do the same).
#[test]
fn condition_notify_zero_one_and_max() {
    let (ev, _clock) = manual_loop();
    let woken = ev
        .run_until_complete(async {
            let cond = Rc::new(Condition::new());
            let woken = Rc::new(Cell::new(0));
            for _ in 0..3 {
                let (cond, woken) = (cond.clone(), woken.clone());
                evloop::spawn(async move {
                    let g = cond.acquire().await;
                    let _g = cond.wait(g).await;
                    woken.set(woken.get() + 1);
                });
            }
            evloop::sleep(Duration::from_millis(1)).await;
            let mut seen = Vec::new();
            for n in [0, 1, usize::MAX] {
                let g = cond.acquire().await;
                cond.notify(&g, n);
                drop(g);
                evloop::sleep(Duration::from_millis(1)).await;
                seen.push(woken.get());
            }
            seen
        })
        .unwrap();
    assert_eq!(woken, [0, 1, 3]);
}

/// A task's count of cancel requests saturates at both ends: `u16::MAX` + 1 requests leave
/// it at `u16::MAX`, and `uncancel` at zero stays at zero (asyncio's count is an unbounded
/// int).
#[test]
fn cancel_requests_saturate_at_both_ends() {
    let (ev, _clock) = manual_loop();
    let task = ev.create_task(std::future::pending::<()>()).unwrap();
    assert_eq!(task.uncancel(), 0);
    for _ in 0..=u16::MAX {
        assert!(task.cancel());
    }
    assert_eq!(task.cancelling(), u16::MAX);
    assert!(
        ev.run_until_complete(task)
            .unwrap()
            .unwrap_err()
            .is_cancelled()
    );
}

/// The combinators with nothing to combine return at once, in no time: `gather` of no
/// futures is `[]` (asyncio `await gather()` is `[]`), and a task group that spawned nothing
/// gives its body's value (asyncio's empty `async with TaskGroup()` exits at once).
#[test]
fn combinators_of_nothing_return_at_once() {
    let (ev, _clock) = manual_loop();
    let t0 = ev.time();
    ev.run_until_complete(async {
        let none: Vec<std::future::Ready<u8>> = Vec::new();
        assert_eq!(evloop::gather(none).await, Ok(vec![]));
        let none: Vec<std::future::Ready<u8>> = Vec::new();
        assert!(evloop::gather_results(none).await.is_empty());
        let r = evloop::TaskGroup::run(async |_group| "empty").await;
        assert_eq!(r.unwrap(), "empty");
    })
    .unwrap();
    assert_eq!(ev.time(), t0);
}
