//! The ready queue (asyncio's `_ready` deque): a FIFO ring of [`Ready`] items.
//!
//! Why not `std::collections::VecDeque`? It is the same ring, but its `push_back` takes
//! the item by value, and an item of 24 bytes is passed through a stack slot: it is written
//! there in two 8-byte halves and read back as one 16-byte copy into the ring. The processor
//! cannot forward two stores to one wider load, so every push stalled on that copy. `perf`
//! put two thirds of a local wake's time on that one instruction; a `yield_now` loop spent
//! about a third of its time there. The pushes here build the item directly in its slot
//! (the grow check runs first), so each half is stored once, where it belongs.
//!
//! The ring is a `Vec<Option<Ready>>` whose length is a power of two (or zero), so the code
//! is safe: an empty slot is `None`, which costs nothing, since `Option<Ready>` uses a spare
//! value of the item's tag.

use std::rc::Rc;

use crate::callback::Callback;
use crate::task::raw::TaskPtr;
use crate::timers::{Due, SleepId};

/// One unit of ready work (asyncio: a `Handle` in `_ready`).
pub(crate) enum Ready {
    /// A scheduled callback (`call_soon`, a due timer, a done callback, a remote call).
    Callback(Rc<dyn Callback>),
    /// A task to step, by its key in the task slab.
    Task(usize),
    /// A finished task whose done callbacks are to run.
    Done(TaskPtr),
    /// A due sleep whose task is to be woken (unless the sleep was dropped meanwhile).
    Sleep(SleepId),
}

impl From<Due> for Ready {
    fn from(due: Due) -> Ready {
        match due {
            Due::Callback(cb) => Ready::Callback(cb),
            Due::Sleep(id) => Ready::Sleep(id),
        }
    }
}

/// A FIFO of ready work, growing by doubling and never shrinking.
#[derive(Default)]
pub(crate) struct ReadyQueue {
    /// The slots; the length is zero or a power of two.
    slots: Vec<Option<Ready>>,
    /// Index of the front item.
    head: usize,
    /// Number of items.
    len: usize,
}

impl ReadyQueue {
    /// How many items are queued.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// True if nothing is queued.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The front item, if any.
    pub(crate) fn front(&self) -> Option<&Ready> {
        match self.len {
            0 => None,
            _ => self.slots[self.head].as_ref(),
        }
    }

    /// Takes the front item.
    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<Ready> {
        if self.len == 0 {
            return None;
        }
        let slot = &mut self.slots[self.head];
        // A task's entry is copied out by its key, not moved as a whole: it was often
        // written a moment ago (the task woke itself), and a 16-byte load of two 8-byte
        // stores still in flight stalls just like the push did (see the module docs).
        let item = match slot {
            Some(Ready::Task(key)) => {
                let key = *key;
                *slot = None;
                Some(Ready::Task(key))
            }
            _ => slot.take(),
        };
        self.head = (self.head + 1) & (self.slots.len() - 1);
        self.len -= 1;
        item
    }

    /// Appends `item`. Prefer [`push_with`](Self::push_with) on hot paths: there the item is
    /// built in its slot instead of being copied in (see the module docs).
    #[inline]
    pub(crate) fn push_back(&mut self, item: Ready) {
        self.push_with(|| item);
    }

    /// Appends the item `make` builds, building it in its slot.
    #[inline(always)]
    pub(crate) fn push_with(&mut self, make: impl FnOnce() -> Ready) {
        if self.len == self.slots.len() {
            self.grow();
        }
        let at = (self.head + self.len) & (self.slots.len() - 1);
        let slot = &mut self.slots[at];
        // The check lets the compiler drop nothing before the store; without it, the item
        // would be kept alive across a possible drop, in a stack slot again.
        assert!(slot.is_none(), "a ready slot past the end is empty");
        *slot = Some(make());
        self.len += 1; // only once the item is in: a panicking `make` leaves no hole
    }

    /// Doubles the ring (8 slots at first). The vector grows in place where the allocator
    /// can (a large block is remapped, not copied); then the items that had wrapped around to
    /// the start move up behind the others, so the ring is in order again.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let old = self.slots.len();
        self.slots.resize_with((old * 2).max(8), || None);
        // Full, so the items run from `head` to the old end, then from 0 to `head`.
        for i in 0..self.head {
            self.slots[old + i] = self.slots[i].take();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(item: Option<Ready>) -> usize {
        match item {
            Some(Ready::Task(k)) => k,
            _ => panic!("expected a task key"),
        }
    }

    #[test]
    fn it_is_fifo_across_growth_and_wrap_around() {
        let mut q = ReadyQueue::default();
        assert!(q.pop_front().is_none());
        let (mut next_in, mut next_out) = (0, 0);
        // Interleave pushes and pops so the ring wraps before each growth.
        for round in 1..=6 {
            for _ in 0..round * 5 {
                q.push_with(|| Ready::Task(next_in));
                next_in += 1;
            }
            for _ in 0..round * 3 {
                assert_eq!(key(q.pop_front()), next_out);
                next_out += 1;
            }
            assert_eq!(q.len(), next_in - next_out);
            assert!(q.slots.len().is_power_of_two());
        }
        assert!(matches!(q.front(), Some(Ready::Task(k)) if *k == next_out));
        while let Some(item) = q.pop_front() {
            assert_eq!(key(Some(item)), next_out);
            next_out += 1;
        }
        assert_eq!(next_out, next_in);
        assert!(q.is_empty() && q.front().is_none());
    }
}
