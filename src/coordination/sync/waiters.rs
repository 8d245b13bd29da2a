//! The one FIFO waiter list behind every queue and sync primitive.
//!
//! asyncio keeps a deque of futures per primitive (`_getters`, `_putters`, `_waiters`) and
//! wakes "the first one that is not done". evloop keeps one structure for all of them, so
//! the subtle part — a waiter that is woken and then cancelled before it runs must pass its
//! wake-up on — is written once.
//!
//! A waiter joins at the back ([`WaitList::push`]) and gets a ticket. Waking the first
//! waiter ([`WaitList::notify_one`]) marks its entry *notified* and hands back its waker; the
//! entry stays in the list until its owner comes back to look (it then leaves with
//! [`WaitList::remove`]). A notified entry is still "in line", which is what keeps a
//! newcomer from barging past a woken waiter (asyncio's `Lock` relies on the same).
//!
//! Wakers are handed back rather than woken inside, so callers wake them after releasing
//! their own `RefCell` borrow.
//!
//! ```text
//!   push ──► Waiting ──notify_one──► Notified ──owner runs──► removed
//!               │                       │
//!               └──── owner dropped ────┴──► removed (if Notified: the caller passes the
//!                                              wake-up on to the next waiter)
//! ```

use std::collections::VecDeque;
use std::task::{Context, Waker};

/// One waiter.
struct WaiterEntry {
    /// The ticket its owner holds.
    ticket: u64,
    /// `Some` while waiting; taken (`None`) once notified.
    waker: Option<Waker>,
}

/// Waiters in arrival order.
#[derive(Default)]
pub(crate) struct WaitList {
    /// Entries, oldest first. Removal searches linearly: lists are short, and the entry
    /// removed is almost always the first.
    entries: VecDeque<WaiterEntry>,
    /// The next ticket; only grows.
    next_ticket: u64,
}

/// What happened to a waiter, as its owner finds out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WaiterStatus {
    /// Still waiting for a notification.
    Waiting,
    /// Notified, not yet removed.
    Notified,
    /// Not in the list (removed, or never there).
    Gone,
}

impl WaitList {
    /// Joins the back of the line.
    pub(crate) fn push(&mut self, waker: Waker) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.entries.push_back(WaiterEntry {
            ticket,
            waker: Some(waker),
        });
        ticket
    }

    fn find(&self, ticket: u64) -> Option<usize> {
        self.entries.iter().position(|e| e.ticket == ticket)
    }

    /// Where a waiter stands.
    pub(crate) fn status(&self, ticket: u64) -> WaiterStatus {
        match self.find(ticket).map(|i| &self.entries[i]) {
            None => WaiterStatus::Gone,
            Some(e) if e.waker.is_some() => WaiterStatus::Waiting,
            Some(_) => WaiterStatus::Notified,
        }
    }

    /// Refreshes a waiting entry's waker (the future was polled by another task).
    pub(crate) fn update(&mut self, ticket: u64, waker: &Waker) {
        if let Some(i) = self.find(ticket)
            && let Some(w) = &mut self.entries[i].waker
            && !w.will_wake(waker)
        {
            *w = waker.clone();
        }
    }

    /// Leaves the line; returns the status it had (so a notified waiter that gives up can
    /// pass its wake-up on).
    pub(crate) fn remove(&mut self, ticket: u64) -> WaiterStatus {
        match self.find(ticket) {
            None => WaiterStatus::Gone,
            Some(i) => {
                let e = self.entries.remove(i).expect("index from find");
                if e.waker.is_some() {
                    WaiterStatus::Waiting
                } else {
                    WaiterStatus::Notified
                }
            }
        }
    }

    /// Notifies the first waiter that is still waiting; returns its waker to wake.
    pub(crate) fn notify_one(&mut self) -> Option<Waker> {
        self.entries.iter_mut().find_map(|e| e.waker.take())
    }

    /// Notifies every waiting waiter; returns their wakers, in line order.
    pub(crate) fn notify_all(&mut self) -> Vec<Waker> {
        self.entries
            .iter_mut()
            .filter_map(|e| e.waker.take())
            .collect()
    }

    /// True if nobody is in line (waiting or notified).
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many are in line (waiting or notified).
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Waits in line: joins the back (first poll), or rejoins at the back after a wake-up
    /// that found nothing to take (asyncio appends a fresh future on each pass of its
    /// `while` loop), or refreshes the waker while still waiting.
    pub(crate) fn wait(&mut self, ticket: &mut Option<u64>, cx: &Context<'_>) {
        match *ticket {
            Some(t) if self.status(t) == WaiterStatus::Waiting => self.update(t, cx.waker()),
            Some(t) => {
                self.remove(t);
                *ticket = Some(self.push(cx.waker().clone()));
            }
            None => *ticket = Some(self.push(cx.waker().clone())),
        }
    }

    /// Leaves the line for good (the waiting future was dropped). If it had been woken and
    /// what it was woken for is still there (`still_claimable`), the wake-up passes to the
    /// next waiter (asyncio `test_get_cancelled_race`, `test_cancel_race`); the waker to
    /// wake is returned.
    pub(crate) fn leave(
        &mut self,
        ticket: &mut Option<u64>,
        still_claimable: bool,
    ) -> Option<Waker> {
        match ticket.take().map(|t| self.remove(t)) {
            Some(WaiterStatus::Notified) if still_claimable => self.notify_one(),
            _ => None,
        }
    }
}

/// Wakes every waker in `wakers` (call after releasing the borrow that produced them).
pub(crate) fn wake_all(wakers: impl IntoIterator<Item = Waker>) {
    for w in wakers {
        w.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notifies_in_arrival_order_and_tracks_status() {
        let mut l = WaitList::default();
        let a = l.push(Waker::noop().clone());
        let b = l.push(Waker::noop().clone());
        assert_eq!(l.status(a), WaiterStatus::Waiting);
        assert!(l.notify_one().is_some());
        assert_eq!(l.status(a), WaiterStatus::Notified);
        assert_eq!(l.status(b), WaiterStatus::Waiting);
        // A notified entry keeps its place; the next notification goes to b.
        assert!(l.notify_one().is_some());
        assert_eq!(l.status(b), WaiterStatus::Notified);
        assert!(l.notify_one().is_none());
        assert_eq!(l.remove(a), WaiterStatus::Notified);
        assert_eq!(l.remove(a), WaiterStatus::Gone);
        assert_eq!(l.len(), 1);
    }
}
