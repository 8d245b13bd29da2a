//! `Semaphore` and `BoundedSemaphore` (asyncio 3.11.7's algorithm).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::waiters::{WaitList, WaiterStatus, wake_all};
use crate::error::TooManyReleases;
use crate::task::cancel;

struct SemaphoreState {
    /// Units available now.
    value: usize,
    /// For a bounded semaphore, the initial value, which `value` may not exceed.
    bound: Option<usize>,
    /// Tasks waiting in `acquire`. A notified entry has already been given its unit.
    waiters: WaitList,
}

impl SemaphoreState {
    /// Gives one available unit to the first waiter still waiting (asyncio 3.11.7
    /// `_wake_up_next`: the unit changes hands at release time, so a newcomer cannot take
    /// it first); returns the waker to wake.
    fn hand_over(&mut self) -> Option<std::task::Waker> {
        if self.value == 0 {
            return None;
        }
        let w = self.waiters.notify_one()?;
        self.value -= 1;
        Some(w)
    }

    fn release(&mut self) -> Result<Option<std::task::Waker>, TooManyReleases> {
        if self.bound.is_some_and(|b| self.value >= b) {
            return Err(TooManyReleases("BoundedSemaphore released too many times"));
        }
        // asyncio's counter is unbounded; this one stops at `usize::MAX` and says so rather
        // than wrapping to zero.
        self.value = self
            .value
            .checked_add(1)
            .ok_or(TooManyReleases("Semaphore value would exceed usize::MAX"))?;
        Ok(self.hand_over())
    }
}

/// A counter of units that tasks take and give back, waiting while none is left.
///
/// [`acquire`](Semaphore::acquire) returns a [`Permit`] that gives its unit back when
/// dropped — also when the holder is cancelled. Waiters are served first come first served;
/// a waiter cancelled after it was handed a unit gives it back to the next waiter.
///
/// Rosetta: asyncio `asyncio.Semaphore`; tokio `sync::Semaphore`.
///
/// # Examples
///
/// ```
/// use evloop::sync::Semaphore;
///
/// evloop::run(async {
///     let sem = Semaphore::new(2);
///     let a = sem.acquire().await;
///     let _b = sem.acquire().await;
///     assert!(sem.locked());
///     drop(a);
///     assert!(!sem.locked());
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct Semaphore {
    state: Rc<RefCell<SemaphoreState>>,
}

impl Semaphore {
    /// A semaphore with `value` units.
    pub fn new(value: usize) -> Semaphore {
        Semaphore::with_bound(value, None)
    }

    fn with_bound(value: usize, bound: Option<usize>) -> Semaphore {
        Semaphore {
            state: Rc::new(RefCell::new(SemaphoreState {
                value,
                bound,
                waiters: WaitList::default(),
            })),
        }
    }

    /// Units available now.
    pub fn value(&self) -> usize {
        self.state.borrow().value
    }

    /// True if `acquire` would wait: no unit left, or tasks already waiting.
    ///
    /// ```
    /// # evloop::run(async {
    /// let sem = evloop::sync::Semaphore::new(1);
    /// assert!(!sem.locked());
    /// let _permit = sem.acquire().await;
    /// assert!(sem.locked()); // the next acquire would wait
    /// # }).unwrap();
    /// ```
    pub fn locked(&self) -> bool {
        let st = self.state.borrow();
        st.value == 0 || !st.waiters.is_empty()
    }

    /// Takes a unit, waiting for one if needed.
    ///
    /// ```
    /// # evloop::run(async {
    /// let sem = evloop::sync::Semaphore::new(2);
    /// let permit = sem.acquire().await; // asyncio: async with sem:
    /// assert_eq!(sem.value(), 1);
    /// drop(permit); // released at the end of the block
    /// assert_eq!(sem.value(), 2);
    /// # }).unwrap();
    /// ```
    pub fn acquire(&self) -> SemaphoreAcquire<'_> {
        SemaphoreAcquire {
            sem: self,
            ticket: None,
        }
    }

    /// Gives a unit back by hand (for units taken with [`Permit::forget`]).
    ///
    /// # Errors
    ///
    /// For a [`BoundedSemaphore`], [`TooManyReleases`] if this would exceed the initial value;
    /// for any semaphore, if the value would pass `usize::MAX` (the value is left as it is).
    ///
    /// ```
    /// # evloop::run(async {
    /// let sem = evloop::sync::Semaphore::new(1);
    /// sem.acquire().await.forget(); // asyncio: await sem.acquire()
    /// sem.release().unwrap(); // asyncio: sem.release()
    /// assert_eq!(sem.value(), 1);
    /// let bounded = evloop::sync::BoundedSemaphore::new(1);
    /// assert!(bounded.release().is_err()); // asyncio: ValueError, released too many times
    /// # }).unwrap();
    /// ```
    pub fn release(&self) -> Result<(), TooManyReleases> {
        let next = self.state.borrow_mut().release()?;
        wake_all(next);
        Ok(())
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        write!(
            f,
            "<Semaphore value={} waiters={}>",
            st.value,
            st.waiters.len()
        )
    }
}

/// A semaphore that refuses to be released above its initial value (asyncio
/// `asyncio.BoundedSemaphore`). Everything else is [`Semaphore`]'s, through `Deref`.
#[derive(Clone, Debug)]
pub struct BoundedSemaphore(Semaphore);

impl BoundedSemaphore {
    /// A bounded semaphore with `value` units, which is also its maximum.
    pub fn new(value: usize) -> BoundedSemaphore {
        BoundedSemaphore(Semaphore::with_bound(value, Some(value)))
    }
}

impl Deref for BoundedSemaphore {
    type Target = Semaphore;

    fn deref(&self) -> &Semaphore {
        &self.0
    }
}

/// One unit of a semaphore; dropping it gives the unit back.
#[must_use = "the unit is given back as soon as the permit is dropped"]
pub struct Permit {
    state: Option<Rc<RefCell<SemaphoreState>>>,
}

impl Permit {
    /// Keeps the unit taken: dropping the permit will not give it back (release it later
    /// with [`Semaphore::release`]).
    pub fn forget(mut self) {
        self.state = None;
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some(state) = self.state.take() {
            // A permit's unit was taken from this semaphore, so giving it back cannot exceed
            // a bound.
            let next = state.borrow_mut().release().unwrap_or(None);
            wake_all(next);
        }
    }
}

impl fmt::Debug for Permit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<Permit>")
    }
}

/// The future returned by [`Semaphore::acquire`].
#[must_use = "futures do nothing unless awaited"]
pub struct SemaphoreAcquire<'a> {
    sem: &'a Semaphore,
    ticket: Option<u64>,
}

impl Future for SemaphoreAcquire<'_> {
    type Output = Permit;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Permit> {
        if cancel::in_flight() {
            return Poll::Pending; // a cancel is delivered at this await (`task::cancel`)
        }
        let this = &mut *self;
        let mut st = this.sem.state.borrow_mut();
        let granted = match this.ticket {
            None if st.value > 0 && st.waiters.is_empty() => {
                st.value -= 1;
                true
            }
            None => false,
            // Notified: the unit was handed over at release time.
            Some(t) => st.waiters.status(t) == WaiterStatus::Notified,
        };
        if granted {
            if let Some(t) = this.ticket.take() {
                st.waiters.remove(t);
            }
            return Poll::Ready(Permit {
                state: Some(this.sem.state.clone()),
            });
        }
        st.waiters.wait(&mut this.ticket, cx);
        Poll::Pending
    }
}

impl Drop for SemaphoreAcquire<'_> {
    fn drop(&mut self) {
        let Some(t) = self.ticket.take() else {
            return;
        };
        let mut st = self.sem.state.borrow_mut();
        // Cancelled after being handed a unit: give it back and hand it on.
        let next = if st.waiters.remove(t) == WaiterStatus::Notified {
            st.value += 1;
            st.hand_over()
        } else {
            None
        };
        drop(st);
        wake_all(next);
    }
}
