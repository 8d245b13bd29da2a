//! The task blocks a loop keeps for its next spawns: one free list per block size.
//!
//! **Why.** A task is one heap block (see `raw`), and a burst of spawns is a burst of
//! allocations: 100k tasks alive at once are about 16 MB. Given back to glibc one by one as
//! the tasks finish, those blocks cost twice. Each `free` of a block too big for glibc's fast
//! bins (a small task's block is 144 bytes, its chunk 160) merges it with its free
//! neighbours; and once the whole burst is free, glibc hands the top of its heap back to the
//! OS, so the next burst faults every page in again (measured in `docs/performance.md`).
//! One thread owns every task of a loop, so the loop can do what a general-purpose allocator
//! cannot: keep the blocks of its finished tasks, by size, and hand them to its next spawns
//! with no locking, no merging and no page faults. CPython does the same for its small
//! objects (its free lists); tokio cannot, since its tasks are freed on any thread.
//!
//! **When blocks are kept.** Only a block freed on the loop's thread while the loop is
//! open: the last local reference of a finished task went (`raw::release_local`). A block
//! whose last reference is a waker dropped on another thread, or that outlives its loop, goes
//! back to the allocator, as before. So does a block bigger than 1 KiB or aligned to more
//! than 16 bytes.
//!
//! **When they are given back.** When the loop has nothing ready at the start of a turn (it
//! is about to sleep, or a host stepping it found no work), and when it closes or is dropped.
//! So a loop keeps at most what its busy stretch freed, and an idle loop keeps nothing; the
//! frees it skipped while busy are paid then, when it has nothing better to do.
//! [`LoopStats::task_blocks_reused`](crate::LoopStats::task_blocks_reused) counts the spawns
//! a kept block served.
//!
//! **The door goes with the block.** A task whose waker was cloned holds a reference to its
//! loop's door (so that a waker on another thread can reach the loop after it). A kept block
//! keeps that reference, and the next task written into it starts out owning it: its first
//! waker clone then costs no atomic update of the door's count, nor its free another. A
//! block given back to the allocator gives the reference back with it.
//!
//! Every task block has the layout [`block_layout`] gives (its size rounded up to 16 bytes,
//! aligned to at least 16), whether it came from here or from the allocator, so either may
//! free it.

use std::alloc::Layout;
use std::cell::Cell;
use std::ptr::NonNull;

// loom's allocator in the loom models, which tracks each block for leaks (see `cross_thread`).
use super::cross_thread;
use super::layout::{Door, give_back_door};

/// The granule of block sizes, and the least alignment of a block. glibc's chunks are
/// 16-byte multiples anyway, so the rounding costs no memory there.
const GRANULE: usize = 16;
/// Size classes: blocks of 16, 32, ... 1024 bytes.
const CLASSES: usize = 64;

/// A kept block: its first word links to the next kept block of its size.
struct Free {
    next: Option<NonNull<Free>>,
    /// The reference to the loop's door that the block's last task held (its waker had
    /// been cloned), kept with the block for the next task in it.
    door: Option<NonNull<Door>>,
}

/// The kept blocks of one loop, by size.
pub(crate) struct Blocks {
    /// The head of each size's list.
    heads: [Cell<Option<NonNull<Free>>>; CLASSES],
    /// How many blocks are kept, over every size.
    kept: Cell<usize>,
    /// How many spawns a kept block served (`LoopStats::task_blocks_reused`).
    reused: Cell<u64>,
    /// Set when the loop closes: from then on nothing is kept.
    closed: Cell<bool>,
}

impl Default for Blocks {
    fn default() -> Blocks {
        Blocks {
            heads: std::array::from_fn(|_| Cell::new(None)),
            kept: Cell::new(0),
            reused: Cell::new(0),
            closed: Cell::new(false),
        }
    }
}

/// The layout of a task block holding a `size`-byte, `align`-aligned cell.
pub(crate) const fn block_layout(size: usize, align: usize) -> Layout {
    let align = if align > GRANULE { align } else { GRANULE };
    let size = size.next_multiple_of(align);
    match Layout::from_size_align(size, align) {
        Ok(layout) => layout,
        Err(_) => panic!("a task block must fit in isize::MAX bytes"),
    }
}

/// The list a block of `layout` is kept in, if any.
#[inline]
fn class(layout: Layout) -> Option<usize> {
    let granules = layout.size() / GRANULE;
    (layout.align() == GRANULE && (1..=CLASSES).contains(&granules)).then(|| granules - 1)
}

/// A fresh block from the global allocator.
pub(crate) fn allocate(layout: Layout) -> NonNull<u8> {
    // SAFETY: a task block is never empty (its header alone is over 100 bytes).
    let block = unsafe { cross_thread::alloc(layout) };
    NonNull::new(block).unwrap_or_else(|| std::alloc::handle_alloc_error(layout))
}

/// Gives a block back to the global allocator, and the door's reference it held, if any.
///
/// # Safety
///
/// As [`deallocate`]; `door`, if any, is a strong reference to a door, given back once.
unsafe fn free_block(block: NonNull<u8>, layout: Layout, door: Option<NonNull<Door>>) {
    if let Some(door) = door {
        // SAFETY: per the contract.
        unsafe { give_back_door(door) };
    }
    // SAFETY: per the contract.
    unsafe { deallocate(block, layout) };
}

/// Gives a block back to the global allocator.
///
/// # Safety
///
/// `block` was allocated with `layout` by the global allocator, and nothing will use it
/// again.
pub(crate) unsafe fn deallocate(block: NonNull<u8>, layout: Layout) {
    // SAFETY: per the contract.
    unsafe { cross_thread::dealloc(block.as_ptr(), layout) };
}

impl Blocks {
    /// A kept block of `layout`, if there is one, with the reference to the loop's door it
    /// holds, if any (the caller takes it over).
    #[inline]
    pub(crate) fn take(&self, layout: Layout) -> Option<(NonNull<u8>, Option<NonNull<Door>>)> {
        let head = &self.heads[class(layout)?];
        let block = head.get()?;
        // SAFETY: a block on a list is one `keep` wrote a `Free` into, owned by this list
        // alone until it leaves it here.
        let free = unsafe { block.as_ref() };
        head.set(free.next);
        self.kept.set(self.kept.get() - 1);
        self.reused.set(self.reused.get() + 1);
        Some((block.cast(), free.door))
    }

    /// Keeps `block` for a later [`take`](Self::take), with `door`, a reference to this
    /// loop's door (or frees both, if its size has no list or the loop closed).
    ///
    /// # Safety
    ///
    /// `block` was allocated with `layout` by the global allocator, holds nothing that needs
    /// a drop, and nothing will use it again; `door`, if any, is a strong reference to this
    /// loop's door that the caller hands over.
    #[inline]
    pub(crate) unsafe fn keep(
        &self,
        block: NonNull<u8>,
        layout: Layout,
        door: Option<NonNull<Door>>,
    ) {
        let Some(c) = class(layout).filter(|_| !self.closed.get()) else {
            // SAFETY: per the contract.
            unsafe { free_block(block, layout, door) };
            return;
        };
        let free = block.cast::<Free>();
        // SAFETY: the block is ours (per the contract), at least 16 bytes long and 16-byte
        // aligned (`class`), so a `Free` (two words) fits at its start.
        unsafe {
            free.write(Free {
                next: self.heads[c].get(),
                door,
            })
        };
        self.heads[c].set(Some(free));
        self.kept.set(self.kept.get() + 1);
    }

    #[cfg(feature = "observe")]
    /// How many spawns a kept block served.
    pub(crate) fn reused(&self) -> u64 {
        self.reused.get()
    }

    /// How many blocks are kept.
    #[cfg(test)]
    fn kept(&self) -> usize {
        self.kept.get()
    }

    /// The loop closed: gives back what is kept, and keeps nothing from now on.
    pub(crate) fn close(&self) {
        self.closed.set(true);
        self.release();
    }

    /// Gives every kept block back to the allocator.
    pub(crate) fn release(&self) {
        if self.kept.get() == 0 {
            return;
        }
        for (c, head) in self.heads.iter().enumerate() {
            let layout = block_layout((c + 1) * GRANULE, GRANULE);
            let mut next = head.take();
            while let Some(free) = next {
                // SAFETY: a listed block holds a `Free` (see `take`), was allocated with its
                // class's layout (`keep` lists it by its layout) and is off the list now,
                // with the door's reference it holds.
                unsafe {
                    let Free { next: after, door } = free.read();
                    next = after;
                    free_block(free.cast(), layout, door);
                }
            }
        }
        self.kept.set(0);
    }
}

impl Drop for Blocks {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_round_up_to_the_granule() {
        let l = block_layout(144, 8);
        assert_eq!((l.size(), l.align()), (144, 16));
        let l = block_layout(145, 8);
        assert_eq!((l.size(), l.align()), (160, 16));
        let l = block_layout(100, 64);
        assert_eq!((l.size(), l.align()), (128, 64));
        assert_eq!(class(block_layout(1024, 8)), Some(63));
        assert_eq!(class(block_layout(1025, 8)), None);
        assert_eq!(class(block_layout(64, 32)), None);
    }

    #[test]
    fn a_kept_block_serves_the_next_take_of_its_size_only() {
        let blocks = Blocks::default();
        let small = block_layout(144, 8);
        let big = block_layout(400, 8);
        assert!(blocks.take(small).is_none());
        let (a, b) = (allocate(small), allocate(small));
        // SAFETY: fresh blocks of that layout, unused.
        unsafe {
            blocks.keep(a, small, None);
            blocks.keep(b, small, None);
        }
        assert_eq!(blocks.kept(), 2);
        assert!(blocks.take(big).is_none(), "another size's list is empty");
        // Last kept, first taken: its memory is the likeliest to be in cache.
        assert_eq!(blocks.take(small), Some((b, None)));
        assert_eq!(blocks.take(small), Some((a, None)));
        assert!(blocks.take(small).is_none());
        // SAFETY: as above; `release` and the drop free what is kept (memcheck checks).
        unsafe {
            blocks.keep(a, small, None);
            blocks.keep(b, small, None);
        }
        blocks.release();
        assert_eq!(blocks.kept(), 0);
        assert!(blocks.take(small).is_none());
        // SAFETY: a fresh block, kept until the drop.
        unsafe { blocks.keep(allocate(big), big, None) };
    }

    #[test]
    fn a_block_without_a_list_is_freed_at_once() {
        let blocks = Blocks::default();
        for layout in [block_layout(2048, 8), block_layout(64, 64)] {
            // SAFETY: a fresh block of that layout, unused.
            unsafe { blocks.keep(allocate(layout), layout, None) };
            assert_eq!(blocks.kept(), 0);
        }
    }
}
