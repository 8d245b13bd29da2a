//! How a task is woken: asyncio's `Task.__wakeup`, as a [`std::task::Waker`].
//!
//! A waker must be `Send + Sync` (any thread may hold one), but an evloop task and its future
//! live on one thread. The waker points at the task's own allocation, but it may touch only
//! the [`WakeHeader`] at its start: an atomic count of wakers, and the loop's thread-safe
//! door. Waking then takes one of two paths:
//!
//! - **local** (the waking thread is running the task's loop — the common case): mark the
//!   task scheduled and push its key onto the loop's ready queue. No lock, no atomic: those
//!   flags are plain `Cell`s of the header, touched only by the loop's thread.
//! - **remote** (any other thread, or the loop's thread while the loop is not running): push
//!   a [`WakeRef`] (a counted pointer to the task) onto the loop's thread-safe queue and wake
//!   its poll, through the task's [`Door`]. The loop applies the same check when it drains the queue, so a
//!   remote wake never touches the flags from another thread.
//!
//! Waking a task several times before it runs polls it once: `scheduled` stays true from the
//! first wake until the loop takes the task off the ready queue.
//!
//! # What the count keeps alive
//!
//! A waker can outlive its task (a timer thread holding it, a channel dropped late) and even
//! its loop. So the task's memory is freed only when both counts are zero: the local one
//! (`raw`) and this one. While any local reference lives, the local side holds one unit of
//! this count; a clone of the waker holds another. The task's own waker is a *borrowed view*
//! made on the stack for each poll: lending `&Waker` costs nothing; only a clone (a future
//! storing the waker) counts, with one atomic add.
//!
//! The loop's [`Door`] is reached through a plain pointer, valid while the loop is.
//! The first clone of a waker (always made while a step runs, so while the loop is alive)
//! makes the task own one `Arc` reference to it, given back when the memory is freed; a task
//! whose waker is never cloned never touches that `Arc`'s count.
//!
//! A wake on the scheduler's own thread must not go through the door (a lock and a
//! syscall): the scheduler running on this thread registers itself with [`enter`], and a
//! waker whose task belongs to it queues the task directly ([`schedule_local`]).
//!
//! This module and `raw` are where the task's unsafe code lives; each block says which
//! invariant it relies on. The loom models in `event_loop::loom_wake` (`scripts/loom`) run
//! the remote path, the coalescing and the count against the loop's thread in every
//! interleaving.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::cross_thread::{AtomicBool, AtomicU32, Ordering, fence};
pub(crate) use super::layout::{Door, RemoteWake, WakeHeader, WakeRef};
use super::layout::{TaskHeader, TaskPtr};
use super::raw::release_wake_ref;
use super::running::schedule_local;

impl WakeHeader {
    /// A fresh header: the local side's unit, and the door, borrowed or (`owns_door`: the
    /// block came with a reference to it, see `blocks`) owned.
    #[inline(always)]
    pub(crate) fn new(door: &Arc<Door>, owns_door: bool) -> WakeHeader {
        WakeHeader {
            count: AtomicU32::new(1),
            // From the `Arc`'s own pointer, not from a reference to its value, so that the
            // counts `own_door` changes are within what the pointer may reach.
            door: NonNull::new(Arc::as_ptr(door).cast_mut()).expect("an Arc is never null"),
            owns_door: AtomicBool::new(owns_door),
            remote_queued: AtomicBool::new(false),
        }
    }

    /// The id of the owning loop (the address of its door, `Door::id`), for the local-path
    /// check.
    pub(crate) fn owner(&self) -> usize {
        self.door.as_ptr() as usize
    }

    /// Takes one more unit of the count.
    fn acquire(&self) {
        // Relaxed, as `Arc::clone`: a new reference is made from an existing one, so the
        // memory is alive, and handing the clone to another thread synchronises on its own.
        if self.count.fetch_add(1, Ordering::Relaxed) > i32::MAX as u32 {
            std::process::abort(); // billions of leaked wakers: stop before the count wraps
        }
    }

    /// Gives back one unit; true if it was the last (the caller then frees the memory).
    pub(crate) fn release(&self) -> bool {
        // As `Arc::drop`: release our writes, and acquire everyone else's before freeing.
        if self.count.fetch_sub(1, Ordering::Release) != 1 {
            return false;
        }
        fence(Ordering::Acquire);
        true
    }

    /// True if only the local side's unit is left: no waker exists anywhere, and none can
    /// appear except from a step on this thread. Lets the local side skip the atomic
    /// subtract when it goes.
    pub(crate) fn only_local(&self) -> bool {
        self.count.load(Ordering::Acquire) == 1
    }

    /// Makes sure the task owns its reference to the loop's door, before a waker that may
    /// outlive the loop exists.
    fn own_door(&self) {
        if !self.owns_door.load(Ordering::Acquire) && !self.owns_door.swap(true, Ordering::AcqRel) {
            // SAFETY: the first clone is made from the borrowed view, which exists only while
            // a step of this task runs, so the loop (which owns an `Arc<Door>`) is alive
            // and `door` is that `Arc`'s pointer.
            unsafe { Arc::increment_strong_count(self.door.as_ptr()) };
        }
    }

    /// The door's reference, if the task holds one: the caller takes it over (to give it
    /// back with `give_back_door`, or to keep it with the block). Called once, when the
    /// memory is freed.
    pub(crate) fn owned_door(&self) -> Option<NonNull<Door>> {
        self.owns_door.load(Ordering::Acquire).then_some(self.door)
    }

    /// The loop's door.
    fn door(&self) -> &Door {
        // SAFETY: called by a waker, which is either the borrowed view (the loop is running
        // a step, so the door is alive) or a clone, which made the task own a reference.
        unsafe { self.door.as_ref() }
    }
}

impl WakeRef {
    /// The wake reached the loop's thread: clears the task's queued mark (so the next
    /// remote wake queues again) and gives the task's header, for the loop to schedule it.
    /// Loop thread only.
    ///
    /// No wake is lost: one that arrives before the mark is cleared was coalesced into
    /// this one, and the task is scheduled after it; the swap acquires what that wake's
    /// thread wrote before waking.
    pub(crate) fn deliver(&self) -> &TaskHeader {
        // SAFETY: the unit this `WakeRef` holds keeps the memory alive; the header's plain
        // data (flags, key) is never dropped, even after the task's contents are.
        let header = unsafe { self.0.as_ref() };
        header.wake.remote_queued.swap(false, Ordering::AcqRel);
        header
    }
}

impl Drop for WakeRef {
    fn drop(&mut self) {
        // SAFETY: this `WakeRef` owns one unit of the count.
        unsafe { release_wake_ref(self.0) };
    }
}

/// Calls `f` with a waker for the task `me`. Making the view costs nothing: it takes no
/// unit of the count; only clones of it do.
pub(crate) fn with_waker<R>(me: &TaskPtr, f: impl FnOnce(&Waker) -> R) -> R {
    let data = me.as_raw().as_ptr().cast::<()>().cast_const();
    // SAFETY: `data` points at a live task (`me` holds a local reference, whose side holds a
    // unit of the count), which is what every function of `VTABLE` expects. The view is never
    // dropped (`ManuallyDrop`), so it gives back no unit it does not own; it is only lent to
    // `f` while `me` is borrowed, so it cannot outlive the task. Clones made from it take
    // their own unit through `clone_raw`.
    let view = ManuallyDrop::new(unsafe { Waker::new(data, &VTABLE) });
    f(&view)
}

/// The task behind `waker`, as a new local reference, if `waker` is the waker of a task of
/// the loop `owner` whose contents are alive; `None` for any other waker.
///
/// The caller must run on the thread of the loop `owner`: a `Task<T>` handle, whose poll
/// calls this, is not `Send`, and neither is its loop, so it is polled on that thread.
pub(crate) fn local_task(waker: &Waker, owner: usize) -> Option<TaskPtr> {
    if !std::ptr::eq(waker.vtable(), &VTABLE) {
        return None;
    }
    let data = waker.data();
    // SAFETY: a waker with this vtable was made by `with_waker` or `clone_raw`, so `data` is
    // a task whose memory the waker keeps alive; `owner` is fixed when the task is made.
    if unsafe { wake_header(data) }.owner() != owner {
        return None;
    }
    // SAFETY: the task belongs to the loop `owner`, on whose thread we run (see above), so
    // its header's local fields may be read here.
    let header = unsafe { &*data.cast::<TaskHeader>() };
    if header.refs.get() == 0 {
        return None; // only the memory is left: the contents were dropped
    }
    // SAFETY: non-null (a task pointer), alive with a local count above zero, on its loop's
    // thread.
    Some(unsafe { TaskPtr::new_ref(NonNull::new_unchecked(data.cast_mut().cast())) })
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone_raw, wake_raw, wake_by_ref_raw, drop_raw);

/// The wake header behind a waker's data pointer.
///
/// # Safety
///
/// `data` must be a task pointer whose memory some unit of the count keeps alive.
unsafe fn wake_header<'a>(data: *const ()) -> &'a WakeHeader {
    // SAFETY: per the contract the memory is alive, and the header starts the block.
    unsafe { &(*data.cast::<TaskHeader>()).wake }
}

/// Local path if this thread runs the task's loop, else queue a `WakeRef` made by `make_ref`.
fn wake_by_header(data: *const (), make_ref: impl FnOnce() -> WakeRef) {
    // SAFETY: every caller holds a waker for this task, which keeps the memory alive.
    let wake = unsafe { wake_header(data) };
    let owner = wake.owner();
    // SAFETY: only reached on the loop's own thread, while it runs (`schedule_local` checks
    // the owner), where the rest of the header may be read.
    let local = schedule_local(owner, || unsafe { &*data.cast::<TaskHeader>() });
    // One remote wake per task in the queue: a later one would schedule the task the same
    // way. AcqRel: the wake that finds one queued publishes what its thread wrote before it
    // to the loop, whose delivery swaps the mark back (see `WakeRef::deliver`).
    if !local && !wake.remote_queued.swap(true, Ordering::AcqRel) {
        wake.door().wake(make_ref());
    }
}

/// # Safety
///
/// `data` must come from [`with_waker`] or [`clone_raw`]: a task pointer whose memory a
/// unit of the count keeps alive.
unsafe fn clone_raw(data: *const ()) -> RawWaker {
    // SAFETY: per the contract.
    let wake = unsafe { wake_header(data) };
    wake.acquire();
    wake.own_door();
    RawWaker::new(data, &VTABLE)
}

/// # Safety
///
/// As [`clone_raw`], and the waker owns one unit (it was made by `clone_raw`: the borrowed
/// view is never woken by value, since it is never dropped or moved out).
unsafe fn wake_raw(data: *const ()) {
    // SAFETY: the consumed waker's unit becomes the `WakeRef`'s. On the local path the
    // closure is dropped unused, and the unit with it, after the task was scheduled.
    let owned = WakeRef(unsafe { NonNull::new_unchecked(data.cast_mut().cast::<TaskHeader>()) });
    wake_by_header(data, move || owned);
}

/// # Safety
///
/// As [`clone_raw`].
unsafe fn wake_by_ref_raw(data: *const ()) {
    wake_by_header(data, || {
        // SAFETY: the caller's waker keeps the memory alive; the `WakeRef` takes a unit of
        // its own.
        unsafe { wake_header(data) }.acquire();
        // SAFETY: `data` is a non-null task pointer (per the contract).
        WakeRef(unsafe { NonNull::new_unchecked(data.cast_mut().cast::<TaskHeader>()) })
    });
}

/// # Safety
///
/// As [`wake_raw`].
unsafe fn drop_raw(data: *const ()) {
    // SAFETY: the dropped waker owned one unit; `release_wake_ref` gives it back.
    unsafe { release_wake_ref(NonNull::new_unchecked(data.cast_mut().cast::<TaskHeader>())) };
}

impl Door {
    /// A door that sends remote wakes to `target`.
    pub(crate) fn new(target: Arc<dyn RemoteWake>) -> Arc<Door> {
        Arc::new(Door(target))
    }

    /// The identity of the loop behind `door`: tasks compare it to find their own loop.
    pub(crate) fn id(door: &Arc<Door>) -> usize {
        Arc::as_ptr(door) as usize
    }

    /// Sends `task` to the loop's thread.
    pub(crate) fn wake(&self, task: WakeRef) {
        self.0.wake(task);
    }
}
