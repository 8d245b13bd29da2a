//! The handler tasks an extension has running: each task takes a slot before it is spawned
//! and gives it back as it ends, so the list holds no finished task (whose block the loop
//! could not then reuse) and never needs a sweep.

use crate::TaskRef;

/// Where a handler task sits in its extension's [`Live`] list: the slot, and the list's
/// epoch when the slot was taken (a slot of an earlier epoch is no longer there).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slot {
    index: u32,
    epoch: u32,
}

/// The running handler tasks of one extension, in slots reused as tasks end.
#[derive(Default)]
pub(crate) struct Live {
    slots: Vec<Option<TaskRef>>,
    /// Slots given back, reused first.
    free: Vec<usize>,
    /// Bumped by [`Live::take`] (once per stop of the extension): slots taken before it
    /// belong to the list taken.
    epoch: u32,
}

impl Live {
    /// A slot for a task about to be spawned; [`Live::fill`] puts its reference there.
    pub(crate) fn reserve(&mut self) -> Slot {
        let index = self.free.pop().unwrap_or_else(|| {
            self.slots.push(None);
            self.slots.len() - 1
        });
        Slot {
            index: u32::try_from(index).expect("fewer than 2^32 handlers running at once"),
            epoch: self.epoch,
        }
    }

    /// Puts the spawned task's reference in its slot.
    pub(crate) fn fill(&mut self, slot: Slot, task: TaskRef) {
        if slot.epoch == self.epoch {
            self.slots[slot.index as usize] = Some(task);
        }
    }

    /// Gives a slot back as its task ends (nothing if the list was taken since). The
    /// reference is returned, to be dropped once the list is no longer borrowed.
    pub(crate) fn release(&mut self, slot: Slot) -> Option<TaskRef> {
        if slot.epoch != self.epoch {
            return None;
        }
        let task = self.slots[slot.index as usize].take();
        self.free.push(slot.index as usize);
        task
    }

    /// Every task still running, leaving the list empty (in a new epoch).
    pub(crate) fn take(&mut self) -> Vec<TaskRef> {
        self.free.clear();
        self.epoch = self.epoch.wrapping_add(1);
        std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .collect()
    }
}
