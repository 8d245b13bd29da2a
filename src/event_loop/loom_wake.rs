//! Loom models of waking a task from other threads (`task::waker`): the thread check, the
//! coalescing of remote wakes, and the waker count that frees the task's block.
//!
//! Built only with `--cfg evloop_loom` (`scripts/loom`). Each model makes a real task (a
//! `TaskCell`, its header, its vtable, its wakers) on a stand-in scheduler, with the real
//! [`Inbox`] as its door. In the loom build the header's atomics, the thread-local that
//! says which loop runs on a thread, and the allocator of task blocks are loom's
//! (`task::cross_thread`), so loom checks every interleaving of the wakers' threads with
//! the loop's, gives each model thread its own running loop, and reports a task block
//! leaked at the end of a model or freed twice.

use std::cell::Cell;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use loom::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use loom::thread::{self, ThreadId};

use super::loom_inbox::{Poller, model};
use super::remote::{Inbox, Remote};
use crate::error::ExceptionContext;
use crate::task::Task;
use crate::task::blocks::Blocks;
use crate::task::cell::TaskCell;
use crate::task::layout::{Door, NewTask, RemoteWake, Schedule, TaskHeader};
use crate::task::raw::TaskPtr;
use crate::task::running;
use crate::task::waker::{WakeRef, with_waker};

/// The loop as its task sees it. `schedule` is the local wake path, which must run on the
/// loop's thread only: a waker on another thread that took it would be touching the loop's
/// `!Sync` state.
struct Sched {
    /// Where the loop's finished blocks go, as the real loop's.
    blocks: Blocks,
    /// The loop's thread.
    thread: ThreadId,
    /// How many wakes took the local path.
    local_wakes: Cell<usize>,
}

impl Sched {
    fn new() -> Rc<Sched> {
        Rc::new(Sched {
            blocks: Blocks::default(),
            thread: thread::current().id(),
            local_wakes: Cell::new(0),
        })
    }

    /// Spawns `fut` as this loop's task (not scheduled: nothing here polls it).
    fn spawn<F: Future + 'static>(self: &Rc<Sched>, door: &Arc<Door>, fut: F) -> Task<F::Output> {
        let sched: Weak<dyn Schedule> = Rc::downgrade(self) as Weak<Sched>;
        let new = NewTask {
            key: 0,
            id: 1,
            sched,
            door,
            blocks: &self.blocks,
            location: Location::caller(),
        };
        TaskCell::allocate(fut, new)
    }
}

impl Schedule for Sched {
    fn schedule(&self, _task: &TaskHeader) {
        let here = thread::current().id();
        assert_eq!(
            here, self.thread,
            "the local wake path ran off the loop's thread"
        );
        self.local_wakes.set(self.local_wakes.get() + 1);
    }

    fn schedule_done(&self, _task: TaskPtr) {
        unreachable!("the task never finishes")
    }

    fn call_soon(&self, _f: Box<dyn FnOnce()>, _location: &'static Location<'static>) {
        unreachable!("the task never finishes")
    }

    fn report(&self, ctx: &ExceptionContext) {
        panic!("unexpected report: {}", ctx.message)
    }

    fn blocks(&self) -> &Blocks {
        &self.blocks
    }
}

/// A future that never finishes and counts its drops (the task's contents).
struct Forever(
    /// How many times it was dropped.
    Rc<Cell<usize>>,
);

impl Future for Forever {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Pending
    }
}

impl Drop for Forever {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

/// The inbox as a door, counting the remote wakes queued and not yet delivered.
struct CountingDoor {
    /// The loop's inbox, as the real door's.
    inbox: Inbox<Poller>,
    /// Raised as a wake is queued, lowered by the loop just before it delivers one.
    in_flight: AtomicUsize,
}

impl RemoteWake for CountingDoor {
    fn wake(&self, task: WakeRef) {
        let before = self.in_flight.fetch_add(1, Relaxed);
        assert_eq!(before, 0, "two remote wakes of one task queued at once");
        let _ = self.inbox.push(Remote::Wake(task));
    }
}

/// Two threads wake a waiting task with clones of its waker (one by reference twice, the
/// last time by value; the other once by reference, then drops its clone), each after
/// writing news the task's next step must see, while the loop thread sleeps in its poll,
/// drains and delivers. The loop's own wake takes the local path; the other threads' never
/// do. At most one remote wake of the task is queued at any time (the others coalesce into
/// it), and none is lost: the loop reaches a delivery after which the task sees both
/// threads' last news (a wake that neither queued nor was covered by a later delivery
/// would leave the loop asleep for ever, a deadlock to loom). Whatever is left queued is
/// dropped at close, and the block and the door's reference are given back exactly once.
#[test]
fn remote_wakes_coalesce_and_none_is_lost() {
    model(4, || {
        let poller = Poller::default();
        let door_target = Arc::new(CountingDoor {
            inbox: Inbox::new(poller.clone()),
            in_flight: AtomicUsize::new(0),
        });
        let door = Door::new(door_target.clone());
        let sched = Sched::new();
        let drops = Rc::new(Cell::new(0));
        let task = sched.spawn(&door, Forever(drops.clone()));
        let ptr = &task.as_ref().0;
        let entered = running::enter(Door::id(&door), sched.clone());
        // What each thread wrote before its wakes; the task's step reads it.
        let news = loom::sync::Arc::new([AtomicUsize::new(0), AtomicUsize::new(0)]);

        let waker = with_waker(ptr, Waker::clone);
        let n = news.clone();
        let twice = thread::spawn(move || {
            n[0].store(1, Relaxed);
            waker.wake_by_ref();
            n[0].store(2, Relaxed);
            waker.wake();
        });
        let waker = with_waker(ptr, Waker::clone);
        let n = news.clone();
        let once = thread::spawn(move || {
            n[1].store(1, Relaxed);
            waker.wake_by_ref();
        });

        // A wake on the loop's own thread, while it runs, is local.
        with_waker(ptr, Waker::wake_by_ref);
        assert_eq!(sched.local_wakes.get(), 1);

        let mut seen = [0, 0];
        while seen != [2, 1] {
            poller.wait();
            for item in door_target.inbox.drain() {
                let Remote::Wake(wake) = item else {
                    unreachable!("only wakes are sent here")
                };
                door_target.in_flight.fetch_sub(1, Relaxed);
                wake.deliver();
                // The step this delivery schedules.
                seen = [news[0].load(Relaxed), news[1].load(Relaxed)];
            }
        }
        twice.join().unwrap();
        once.join().unwrap();
        assert_eq!(
            sched.local_wakes.get(),
            1,
            "a remote wake took the local path"
        );

        // A wake whose news an earlier step already saw may still be queued.
        drop(door_target.inbox.close());
        drop(task);
        assert_eq!(drops.get(), 1);
        drop(entered);
        // A kept block holds its last task's door reference until the blocks are released.
        sched.blocks.release();
        assert_eq!(
            Arc::strong_count(&door),
            1,
            "the task kept its door reference"
        );
    });
}

/// The task's local side goes (its handle dropped) on the loop's thread while one thread
/// wakes the task by value and another clones its waker, drops the original and wakes by
/// reference with the clone, racing with the loop's close: each wake is coalesced, or
/// queued and dropped by the close, or refused and dropped on its own thread. The
/// future is dropped once, on the loop's thread; whoever gives back the last unit of the
/// waker count frees the block, exactly once (loom's allocator would report a leak at the
/// end of the model, or a block freed twice), and the door's reference goes with it.
#[test]
fn the_last_of_wakers_and_local_side_frees_the_task_once() {
    model(4, || {
        let inbox = Arc::new(Inbox::new(Poller::default()));
        let door = Door::new(inbox.clone());
        let sched = Sched::new();
        let drops = Rc::new(Cell::new(0));
        let task = sched.spawn(&door, Forever(drops.clone()));
        let ptr = &task.as_ref().0;
        let waker = with_waker(ptr, Waker::clone);
        let waking = thread::spawn(move || waker.wake());
        let waker = with_waker(ptr, Waker::clone);
        let cloning = thread::spawn(move || {
            let clone = waker.clone();
            drop(waker);
            clone.wake_by_ref();
        });

        let entered = running::enter(Door::id(&door), sched.clone());
        drop(task);
        assert_eq!(
            drops.get(),
            1,
            "the future is dropped with the last local reference"
        );
        drop(inbox.close());
        waking.join().unwrap();
        cloning.join().unwrap();
        assert!(inbox.drain().is_empty());
        drop(entered);
        assert_eq!(sched.local_wakes.get(), 0);
        sched.blocks.release();
        assert_eq!(
            Arc::strong_count(&door),
            1,
            "the task kept its door reference"
        );
    });
}
