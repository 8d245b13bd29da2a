//! A task's one allocation and who frees it: the loop's side drops the future, the last
//! waker (on any thread) frees the memory. Run under valgrind by `scripts/memcheck`, which
//! turns a use after free or a leak here into a failure.

#![cfg(feature = "observe")]

use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};
use std::thread::{self, ThreadId};

use evloop::{EventLoop, TaskState};

/// A waker parked where another thread can take it.
type Parked = Arc<Mutex<Option<Waker>>>;

/// A future that parks a clone of its waker and stays pending until woken twice; records
/// the thread that drops it.
fn parks(parked: Parked, dropped_on: Arc<Mutex<Option<ThreadId>>>) -> impl Future<Output = u32> {
    struct OnDrop(Arc<Mutex<Option<ThreadId>>>);
    impl Drop for OnDrop {
        fn drop(&mut self) {
            *self.0.lock().unwrap() = Some(thread::current().id());
        }
    }
    let guard = OnDrop(dropped_on);
    let mut polls = 0;
    std::future::poll_fn(move |cx| {
        let _keep = &guard;
        polls += 1;
        *parked.lock().unwrap() = Some(cx.waker().clone());
        if polls >= 2 {
            Poll::Ready(polls)
        } else {
            Poll::Pending
        }
    })
}

#[test]
fn a_waker_outlives_its_task_and_its_loop_and_frees_the_task_on_another_thread() {
    let parked: Parked = Arc::default();
    let dropped_on = Arc::default();
    let ev = EventLoop::new().unwrap();
    let task = ev
        .create_task(parks(parked.clone(), Arc::clone(&dropped_on)))
        .unwrap();
    ev.run_once().unwrap();
    assert_eq!(task.state(), TaskState::Waiting);
    // Woken from another thread: the wake is queued and drained by the next turn.
    let p = parked.clone();
    thread::spawn(move || p.lock().unwrap().as_ref().unwrap().wake_by_ref())
        .join()
        .unwrap();
    ev.run_once().unwrap();
    assert!(task.done());
    drop(task);
    // The future was dropped when the task finished, on the loop's thread.
    assert_eq!(*dropped_on.lock().unwrap(), Some(thread::current().id()));
    ev.close().unwrap();
    drop(ev);
    // The parked waker is the last thing holding the task's memory. Waking it is a no-op
    // (its loop is gone); cloning and dropping it on another thread frees the block there.
    let p = parked.clone();
    thread::spawn(move || {
        let w = p.lock().unwrap().take().unwrap();
        let w2 = w.clone();
        w.wake();
        w2.wake_by_ref();
        drop(w2);
    })
    .join()
    .unwrap();
}

#[test]
fn a_remote_wake_queued_for_a_finished_task_is_ignored_when_drained() {
    let parked: Parked = Arc::default();
    let ev = EventLoop::new().unwrap();
    let task = ev
        .create_task(parks(parked.clone(), Arc::default()))
        .unwrap();
    drop(task); // detached: the slab slot is the only local reference left
    ev.run_once().unwrap();
    let waker = parked.lock().unwrap().clone().unwrap();
    waker.wake_by_ref(); // loop not running: the remote path
    ev.run_once().unwrap(); // second poll: the task finishes and its contents are dropped
    assert!(ev.all_tasks().is_empty());
    let polls_before = ev.stats().polls;
    // The task's memory lives on through the wakers; a wake queued now is drained and
    // ignored (the task is done), and nothing is polled.
    thread::spawn(move || waker.wake()).join().unwrap();
    ev.run_once().unwrap();
    assert_eq!(ev.stats().polls, polls_before);
    assert_eq!(ev.stats().remote_wakes, 2);
    assert_eq!(ev.ready_len(), 0);
    parked.lock().unwrap().take();
}

#[test]
fn the_first_clone_of_a_waker_may_be_made_on_another_thread() {
    let parked: Parked = Arc::default();
    let ev = EventLoop::new().unwrap();
    let p = parked.clone();
    let task = ev
        .create_task(std::future::poll_fn(move |cx| {
            // A scoped thread borrows the task's own (uncloned) waker and clones it there.
            let view: &Waker = cx.waker();
            thread::scope(|s| {
                s.spawn(|| *p.lock().unwrap() = Some(view.clone()));
            });
            Poll::<()>::Pending
        }))
        .unwrap();
    ev.run_once().unwrap();
    assert_eq!(task.state(), TaskState::Waiting);
    parked.lock().unwrap().as_ref().unwrap().wake_by_ref();
    ev.run_once().unwrap();
    assert_eq!(task.poll_count(), 2);
    drop(task);
    drop(ev); // closes the loop: the task is cancelled, its future dropped here
    // The clone kept the loop's door alive: waking now is refused quietly.
    let w = parked.lock().unwrap().take().unwrap();
    thread::spawn(move || w.wake()).join().unwrap();
}

#[test]
fn many_tasks_with_parked_wakers_are_all_freed() {
    let ev = EventLoop::new().unwrap();
    let parked: Vec<Parked> = (0..1000).map(|_| Parked::default()).collect();
    let tasks: Vec<_> = parked
        .iter()
        .map(|p| ev.create_task(parks(p.clone(), Arc::default())).unwrap())
        .collect();
    ev.run_once().unwrap();
    // Half are woken and finish; the other half are still pending at close.
    for p in parked.iter().step_by(2) {
        p.lock().unwrap().as_ref().unwrap().wake_by_ref();
    }
    ev.run_once().unwrap();
    let done = tasks.iter().filter(|t| t.done()).count();
    assert_eq!(done, 500);
    ev.close().unwrap();
    assert!(tasks.iter().all(|t| t.done()));
    drop(tasks);
    drop(ev);
    // The wakers go last, from another thread.
    thread::spawn(move || drop(parked)).join().unwrap();
}

/// An awaiter of the same loop is kept as a local reference to it, not a waker: chains of
/// tasks awaiting tasks finish, in order, and every block is freed (under valgrind, a leak or
/// a use after free of the kept reference fails the run).
#[test]
fn tasks_awaiting_tasks_of_the_same_loop_are_woken_and_freed() {
    fn chain(n: u32) -> std::pin::Pin<Box<dyn Future<Output = u32>>> {
        Box::pin(async move {
            match n {
                0 => 0,
                _ => evloop::spawn(chain(n - 1)).await.unwrap() + 1,
            }
        })
    }
    let ev = EventLoop::new().unwrap();
    assert_eq!(ev.run_until_complete(chain(1_000)).unwrap(), 1_000);
    // An awaiter cancelled while it waits lets go of the task it awaited, which is
    // cancelled with it (asyncio passes the cancel on).
    let (waiter, inner) = ev
        .run_until_complete(async {
            let inner = evloop::spawn(evloop::sleep(std::time::Duration::from_secs(60)));
            let inner_ref = inner.task_ref();
            let waiter = evloop::spawn(inner);
            evloop::sleep(std::time::Duration::from_millis(1)).await;
            waiter.cancel();
            evloop::sleep(std::time::Duration::from_millis(1)).await;
            (waiter, inner_ref)
        })
        .unwrap();
    assert!(waiter.cancelled() && inner.cancelled());
    // Awaiters still waiting when the loop closes: both sides are dropped at close.
    let pending = ev
        .create_task(async {
            let inner = evloop::spawn(evloop::sleep(std::time::Duration::from_secs(60)));
            inner.await
        })
        .unwrap();
    ev.run_once().unwrap();
    ev.run_once().unwrap();
    assert!(!pending.done());
    ev.close().unwrap();
    assert!(pending.done());
}

/// A handle awaited from a task of *another* loop on the same thread: that task's waker is
/// not kept as a local reference (it is not a task of the handle's loop), so the finish wakes
/// it through its own loop.
#[test]
fn a_handle_awaited_from_another_loop_wakes_that_loop() {
    let a = EventLoop::new().unwrap();
    let b = EventLoop::new().unwrap();
    let t = a.create_task(async { 7 }).unwrap();
    let mut waiting = b.create_task(async move { t.await.unwrap() }).unwrap();
    b.run_once().unwrap(); // the task of `b` polls the handle: pending, its waker registered
    assert!(!waiting.done());
    a.run_until_complete(async {}).unwrap(); // `t` finishes on `a` and wakes the task of `b`
    // A turn of `b` sees the wake (queued on its thread-safe door) and runs the task. The
    // turns are bounded, so a lost wake fails here instead of hanging.
    for _ in 0..3 {
        b.run_once_timeout(Some(std::time::Duration::from_millis(50)))
            .unwrap();
    }
    assert!(waiting.done());
    assert_eq!(waiting.take_result().unwrap().unwrap(), 7);
}

/// The awaiter of a handle is whoever polled it last: a waker from outside the loop's tasks
/// is cloned into the task's extras (and its clone dropped once a task of the loop takes
/// over), a task of the loop is kept as a local reference. Only the last one is woken.
#[test]
fn the_awaiter_that_polled_last_is_the_one_woken() {
    use std::future::{Future, poll_fn};
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Wake};
    use std::time::Duration;

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let finishes_soon = || {
        evloop::spawn(async {
            evloop::sleep(Duration::from_millis(1)).await;
            5
        })
    };
    evloop::run(async move {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let foreign = Waker::from(count.clone());
        let mut from_outside = Context::from_waker(&foreign);

        // Outside first, then this task: the stored clone goes, this task is woken.
        let mut t = finishes_soon();
        poll_fn(|cx| {
            assert!(Pin::new(&mut t).poll(&mut from_outside).is_pending());
            assert!(Pin::new(&mut t).poll(&mut from_outside).is_pending());
            assert_eq!(Arc::strong_count(&count), 3); // ours, `foreign`, one stored clone
            assert!(Pin::new(&mut t).poll(cx).is_pending());
            assert_eq!(Arc::strong_count(&count), 2); // the stored clone was dropped
            Poll::Ready(())
        })
        .await;
        assert_eq!(t.await, Ok(5));
        assert_eq!(count.0.load(Ordering::SeqCst), 0);

        // This task first, then outside: only the outside waker hears of the finish.
        let mut t = finishes_soon();
        poll_fn(|cx| {
            assert!(Pin::new(&mut t).poll(cx).is_pending());
            assert!(Pin::new(&mut t).poll(&mut from_outside).is_pending());
            Poll::Ready(())
        })
        .await;
        evloop::sleep(Duration::from_millis(20)).await;
        assert!(t.done());
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert_eq!(Arc::strong_count(&count), 2); // the wake consumed the stored clone
        assert_eq!(t.await, Ok(5));
    })
    .unwrap();
}

/// Spawns `n` tasks of one future type on the running loop and awaits them all.
async fn burst(n: u64) -> u64 {
    let tasks: Vec<_> = (0..n)
        .map(|i| evloop::spawn(async move { i * 2 }))
        .collect();
    let mut sum = 0;
    for t in tasks {
        sum += t.await.unwrap();
    }
    sum
}

#[test]
fn a_busy_loop_serves_its_next_spawns_with_the_blocks_of_finished_tasks() {
    let ev = EventLoop::new().unwrap();
    let reused = || ev.stats().task_blocks_reused;
    // The first burst allocates: nothing was kept yet.
    assert_eq!(ev.run_until_complete(burst(1000)).unwrap(), 999 * 1000);
    let first = reused();
    assert!(first < 1000, "reused {first} blocks in the first burst");
    // The loop never idled, so the second burst's tasks all get kept blocks, and run
    // correctly in them (a kept block holds nothing of its former task).
    assert_eq!(ev.run_until_complete(burst(1000)).unwrap(), 999 * 1000);
    assert!(reused() - first >= 1000, "reused {}", reused() - first);
}

#[test]
fn an_idle_loop_gives_its_kept_blocks_back() {
    let ev = EventLoop::new().unwrap();
    ev.run_until_complete(burst(100)).unwrap();
    let reused = ev
        .run_until_complete(async {
            let stats = || evloop::get_running_loop().unwrap().stats();
            // Nothing is ready while this sleeps: the loop idles and frees what it kept.
            evloop::sleep(std::time::Duration::from_millis(1)).await;
            let before = stats().task_blocks_reused;
            // So this burst allocates afresh (no task of it finishes before the last spawn).
            assert_eq!(burst(100).await, 99 * 100);
            stats().task_blocks_reused - before
        })
        .unwrap();
    assert_eq!(reused, 0);
}

#[test]
fn blocks_kept_by_a_loop_are_freed_when_it_closes_or_drops() {
    // memcheck turns a kept block that is never freed into a leak.
    let ev = EventLoop::new().unwrap();
    ev.run_until_complete(burst(100)).unwrap();
    ev.close().unwrap();
    let ev = EventLoop::new().unwrap();
    ev.run_until_complete(burst(100)).unwrap();
    // A task that outlives its loop is freed by its handle, not kept.
    let late = ev
        .run_until_complete(async {
            let late = evloop::spawn(async { 7 });
            // Finished, its result unread: the handle keeps the block past the loop.
            evloop::yield_now().await;
            Some(late)
        })
        .unwrap();
    drop(ev);
    let late = late.unwrap();
    assert!(late.done());
    drop(late);
}
