//! The commands an extension sent that may still wait for results, in send order: what its
//! path sweep fails when they time out and its deinit fails when it closes.
//!
//! Most commands are answered in the order they were sent, so the list drops answered paths
//! from its front as new ones are pushed; with one command in flight at a time (a chain of
//! `send_cmd(..).await`), it never holds more than two. Answered paths stuck behind one that
//! waits long are dropped whenever the list has doubled since it last did so, so each push
//! costs amortised O(1) whatever the order of answers.
//!
//! The list holds its paths strongly, so a path at the front that is closed and held by no
//! one else (its sender has the result, its responder is gone) is a free block: the next
//! path sent is written into it (`reuse`) instead of allocating another.

use std::collections::VecDeque;
use std::rc::Rc;

use super::path::OutPath;

/// An extension's sent commands, oldest first.
pub(crate) struct OutPaths {
    items: VecDeque<Rc<OutPath>>,
    /// Drop closed paths from the whole list when it reaches this length.
    prune_at: usize,
}

/// The length below which the list is never swept whole.
const MIN_PRUNE: usize = 64;

impl Default for OutPaths {
    fn default() -> OutPaths {
        OutPaths {
            items: VecDeque::new(),
            prune_at: MIN_PRUNE,
        }
    }
}

impl OutPaths {
    /// Drops the closed paths at the front, but hands back the last of them if no one else
    /// holds it: its block can take the next path.
    pub(crate) fn reuse(&mut self) -> Option<Rc<OutPath>> {
        let mut spare = None;
        while self.items.front().is_some_and(|p| !p.is_open()) {
            let path = self.items.pop_front();
            spare = path.filter(|p| Rc::strong_count(p) == 1 && Rc::weak_count(p) == 0);
        }
        spare
    }

    /// Adds a path just sent.
    pub(crate) fn push(&mut self, path: Rc<OutPath>) {
        if self.items.len() >= self.prune_at {
            self.items.retain(|p| p.is_open());
            self.prune_at = (self.items.len() * 2).max(MIN_PRUNE);
        }
        self.items.push_back(path);
    }

    /// The paths, oldest first (closed ones included).
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Rc<OutPath>> {
        self.items.iter()
    }

    /// Takes every path out (the extension closes).
    pub(crate) fn take(&mut self) -> VecDeque<Rc<OutPath>> {
        self.prune_at = MIN_PRUNE;
        std::mem::take(&mut self.items)
    }

    /// How many paths are kept (closed ones included).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Instant;

    use super::*;
    use crate::ext::msg::{CmdResult, StatusCode};
    use crate::ext::path::{PendingSlot, Policy};

    fn path(spare: Option<Rc<OutPath>>, count: &Rc<Cell<usize>>) -> Rc<OutPath> {
        let slot = PendingSlot::take(count, usize::MAX).expect("no limit");
        OutPath::new(
            spare,
            &crate::ext::msg_name::MsgName::new("c"),
            Policy::FirstErrorOrLastOk,
            1,
            slot,
            0,
            None,
            std::time::Duration::from_secs(1),
            Some(Instant::now()),
        )
    }

    fn answer(path: &OutPath) {
        path.deliver(CmdResult::for_name(StatusCode::Ok, "c"));
    }

    #[test]
    fn one_command_at_a_time_keeps_at_most_two_and_reuses_the_block() {
        let count = Rc::new(Cell::new(0));
        let mut paths = OutPaths::default();
        let mut block = None;
        for i in 0..1000 {
            let spare = paths.reuse();
            if i > 1 {
                // The answered path before is held by no one: its block comes back.
                assert_eq!(spare.as_ref().map(Rc::as_ptr), block);
            }
            let p = path(spare, &count);
            block = Some(Rc::as_ptr(&p));
            paths.push(p.clone());
            assert!(paths.len() <= 2);
            answer(&p);
        }
        assert_eq!(
            count.get(),
            0,
            "every answered path gave its pending slot back"
        );
    }

    #[test]
    fn a_path_held_elsewhere_is_not_reused() {
        let count = Rc::new(Cell::new(0));
        let mut paths = OutPaths::default();
        let held = path(None, &count);
        paths.push(held.clone());
        answer(&held);
        assert!(paths.reuse().is_none());
        assert_eq!(paths.len(), 0);
    }

    #[test]
    fn answered_paths_behind_one_that_waits_are_dropped_as_the_list_doubles() {
        let count = Rc::new(Cell::new(0));
        let mut paths = OutPaths::default();
        let waiting = path(None, &count);
        paths.push(waiting.clone());
        for _ in 0..100_000 {
            let spare = paths.reuse();
            assert!(spare.is_none(), "the front still waits");
            let p = path(spare, &count);
            paths.push(p.clone());
            answer(&p);
            assert!(paths.len() <= 2 * MIN_PRUNE + 1, "{}", paths.len());
        }
        assert_eq!(count.get(), 1);
        assert!(paths.iter().next().is_some_and(|p| Rc::ptr_eq(p, &waiting)));
    }
}
