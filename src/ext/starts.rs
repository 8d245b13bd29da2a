//! The messages delivered to concurrent-mode extensions whose handlers have not started
//! yet, in delivery order: one queue for the whole graph, started by one loop callback per
//! batch rather than one task per message.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;

use super::inbound::Inbound;

/// Messages per segment of the queue: small enough that a segment comes from the
/// allocator's free lists (a burst grows the queue by segments, never by copying it into a
/// fresh, larger block that the kernel must map), large enough to amortise its allocation.
const SEGMENT: usize = 128;

/// Delivered messages waiting for their handler to start, with the node each goes to.
#[derive(Default)]
pub(crate) struct Starts {
    queue: RefCell<Segments>,
    /// A callback to start the queue is scheduled and has not begun yet.
    scheduled: Cell<bool>,
}

/// A FIFO in segments of [`SEGMENT`] messages; one emptied segment is kept for reuse.
#[derive(Default)]
struct Segments {
    segments: VecDeque<VecDeque<(usize, Inbound)>>,
    len: usize,
    spare: Option<VecDeque<(usize, Inbound)>>,
}

impl Segments {
    fn push(&mut self, item: (usize, Inbound)) {
        match self.segments.back_mut() {
            Some(last) if last.len() < SEGMENT => last.push_back(item),
            _ => {
                let mut segment = self
                    .spare
                    .take()
                    .unwrap_or_else(|| VecDeque::with_capacity(SEGMENT));
                segment.push_back(item);
                self.segments.push_back(segment);
            }
        }
        self.len += 1;
    }

    fn pop(&mut self) -> Option<(usize, Inbound)> {
        let first = self.segments.front_mut()?;
        let item = first.pop_front();
        // An emptied segment is set aside, unless it is the last (pushes go on into it).
        if first.is_empty() && self.segments.len() > 1 {
            let segment = self.segments.pop_front();
            if self.spare.is_none() {
                self.spare = segment;
            }
        }
        self.len -= usize::from(item.is_some());
        item
    }

    fn drain(&mut self) -> impl Iterator<Item = (usize, Inbound)> + use<> {
        self.len = 0;
        std::mem::take(&mut self.segments).into_iter().flatten()
    }
}

impl Starts {
    /// Queues `msg` for `node`; true if a callback must be scheduled to start it.
    pub(crate) fn push(&self, node: usize, msg: Inbound) -> bool {
        self.queue.borrow_mut().push((node, msg));
        !self.scheduled.replace(true)
    }

    /// The scheduled callback begins: how many messages it starts (those queued later wait
    /// for the next callback, which their push schedules).
    pub(crate) fn begin(&self) -> usize {
        self.scheduled.set(false);
        self.queue.borrow().len
    }

    /// True if no message waits to start.
    pub(crate) fn is_empty(&self) -> bool {
        self.queue.borrow().len == 0
    }

    /// The next message to start.
    pub(crate) fn pop(&self) -> Option<(usize, Inbound)> {
        self.queue.borrow_mut().pop()
    }

    /// Takes every message queued for `node` (its extension is closing), to be dropped as
    /// a handler task that never started would drop its message.
    pub(crate) fn take_node(&self, node: usize) -> Vec<Inbound> {
        let mut queue = self.queue.borrow_mut();
        let mut mine = Vec::new();
        for (n, msg) in queue.drain().collect::<Vec<_>>() {
            if n == node {
                mine.push(msg);
            } else {
                queue.push((n, msg));
            }
        }
        mine
    }

    /// Takes every queued message (the loop is gone).
    pub(crate) fn take_all(&self) -> Vec<Inbound> {
        self.queue.borrow_mut().drain().map(|(_, m)| m).collect()
    }
}
