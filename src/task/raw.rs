//! One allocation per task, and the two counts that free it.
//!
//! A task is one heap block: its [`TaskHeader`] then its future (later its result), laid out by
//! `cell::TaskCell<F>`. Two kinds of reference point at it:
//!
//! - **local** ([`TaskPtr`]: `TaskRef`, `Task<T>`, the slab slot, a queued done-callbacks
//!   item), counted in a plain `Cell` because they never leave the loop's thread. When the
//!   last one goes, the task's *contents* are dropped there and then, on the loop's thread:
//!   the future or result, the name, the callbacks. The future is `!Send`; this is what
//!   makes that sound.
//! - **wakers** (see `waker`), counted atomically because any thread may hold one. They
//!   keep only the *memory* alive, and read only its `WakeHeader`.
//!
//! The local side holds one unit of the waker count for as long as it lives, so the block is
//! freed when both counts are done, by whichever side finishes last. In the common case (no
//! waker was cloned, or all clones are gone) the local side sees it is alone and frees the
//! block without an atomic read-modify-write.

use std::ptr::NonNull;

use super::blocks::{self, Blocks};
use super::layout::{TaskHeader, give_back_door};
pub(crate) use super::layout::{TaskPtr, Vtable};
use super::running;
use super::state::Lifecycle;

impl TaskPtr {
    /// Takes over the reference held by a freshly allocated block.
    ///
    /// # Safety
    ///
    /// `ptr` must be a task cell, in a block of its vtable's layout from the global allocator
    /// (fresh or kept by `blocks`), whose header has `refs == 1`, a waker count of 1, and the
    /// cell's own vtable.
    pub(crate) unsafe fn from_new(ptr: NonNull<TaskHeader>) -> TaskPtr {
        TaskPtr(ptr)
    }

    /// A new local reference to a task that some other local reference keeps alive.
    ///
    /// # Safety
    ///
    /// `ptr` must be a task block whose local count is above zero, read on the thread of
    /// the loop that owns it (the only thread that touches that count).
    pub(crate) unsafe fn new_ref(ptr: NonNull<TaskHeader>) -> TaskPtr {
        // SAFETY: per the contract, `ptr` is alive and counted by a reference that is not
        // ours; `clone` adds ours, and the borrowed view gives nothing back.
        let view = std::mem::ManuallyDrop::new(TaskPtr(ptr));
        TaskPtr::clone(&view)
    }

    pub(crate) fn as_raw(&self) -> NonNull<TaskHeader> {
        self.0
    }

    pub(crate) fn header(&self) -> &TaskHeader {
        // SAFETY: a local reference keeps the block and its contents alive.
        unsafe { self.0.as_ref() }
    }

    /// Runs one step of the task (asyncio `Task.__step`); true when it finished.
    pub(crate) fn step(&self) -> bool {
        // SAFETY: the vtable is the one of the cell this pointer came from.
        unsafe { (self.header().vtable.step)(self) }
    }

    /// Finishes the task as cancelled without polling it (used by `close`).
    pub(crate) fn abort(&self) {
        // SAFETY: as in `step`.
        unsafe { (self.header().vtable.abort)(self) }
    }
}

impl Clone for TaskPtr {
    fn clone(&self) -> TaskPtr {
        let refs = &self.header().refs;
        refs.set(
            refs.get()
                .checked_add(1)
                .expect("task reference count overflow"),
        );
        TaskPtr(self.0)
    }
}

impl Drop for TaskPtr {
    fn drop(&mut self) {
        let refs = &self.header().refs;
        refs.set(refs.get() - 1);
        if refs.get() == 0 {
            // SAFETY: that was the last local reference, and we are on the loop's thread.
            unsafe { release_local(self.0) };
        }
    }
}

/// The last local reference went: drop the contents here, then give back the local side's
/// unit of the waker count, freeing the block if no waker is left.
///
/// # Safety
///
/// `ptr` is a task whose local count just reached zero, on its loop's thread.
///
/// Out of line: it runs once per task, and kept apart it leaves `TaskPtr::drop` small
/// enough to be inlined into the loop's step.
#[inline(never)]
unsafe fn release_local(ptr: NonNull<TaskHeader>) {
    // SAFETY: the block is alive (the local side's unit), and with no local reference left
    // nothing else on this thread reads the header while we drop its contents.
    let header = unsafe { ptr.as_ref() };
    // Queued wakes for this task are ignored from now on.
    header.update(Lifecycle::release);
    // SAFETY: the vtable matches the cell; the contents are dropped once, here.
    unsafe { (header.vtable.drop_contents)(ptr) };
    header.drop_owned();
    // An open loop keeps the block for its next spawn (see `blocks`). The loop running on
    // this thread is found without upgrading the task's reference to it.
    let owner = header.wake.owner();
    let keeper = if running::is_running(owner) {
        None
    } else {
        header.sched.upgrade()
    };
    // SAFETY: as above; `sched` is not read again (see `TaskHeader::drop_owned`).
    unsafe { std::mem::ManuallyDrop::drop(&mut *std::ptr::addr_of_mut!((*ptr.as_ptr()).sched)) };
    if header.wake.only_local() || header.wake.release() {
        let freed = keeper.is_none()
            && running::with_running_blocks(owner, |blocks| {
                // SAFETY: no unit of the waker count is left: nobody can reach the block.
                unsafe { free(ptr, Some(blocks)) }
            })
            .is_some();
        if !freed {
            // SAFETY: as just above.
            unsafe { free(ptr, keeper.as_deref().map(|sched| sched.blocks())) };
        }
    }
}

/// Gives back one unit of the waker count held by a waker or a `WakeRef`, freeing the block
/// if it was the last.
///
/// # Safety
///
/// The caller owns one unit of `ptr`'s waker count and does not use `ptr` afterwards.
pub(crate) unsafe fn release_wake_ref(ptr: NonNull<TaskHeader>) {
    // SAFETY: the caller's unit keeps the block alive.
    let wake = unsafe { &(*ptr.as_ptr()).wake };
    if wake.release() {
        // SAFETY: that was the last unit, and the local side (which holds one while it
        // lives) is gone, so the contents were dropped already. This may be any thread, so
        // the block goes to the allocator, not to its loop's kept blocks.
        unsafe { free(ptr, None) };
    }
}

/// Frees the block, into `kept` (its loop's kept blocks, on the loop's thread) or to the
/// allocator. Only plain data is left in it: the contents and everything the header owned
/// were dropped by `release_local`.
///
/// # Safety
///
/// Both counts are zero, so no reference of either kind can reach `ptr`.
unsafe fn free(ptr: NonNull<TaskHeader>, kept: Option<&Blocks>) {
    // SAFETY: the block is still allocated; we are its only user.
    let header = unsafe { ptr.as_ref() };
    let layout = header.vtable.layout;
    let door = header.wake.owned_door();
    let block = ptr.cast::<u8>();
    // The block came from the global allocator with this layout (`cell::allocate`, directly
    // or through a loop's kept blocks), and nothing uses it now.
    match kept {
        // SAFETY: as just said; no contents are left to drop. The door's reference, if
        // any, goes with the block (the block's loop is the door's).
        Some(blocks) => unsafe { blocks.keep(block, layout, door) },
        None => {
            if let Some(door) = door {
                // SAFETY: the task's reference, taken over just above.
                unsafe { give_back_door(door) };
            }
            // SAFETY: as just said.
            unsafe { blocks::deallocate(block, layout) }
        }
    }
}
