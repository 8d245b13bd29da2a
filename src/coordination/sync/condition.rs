//! `Condition`: wait for a notification while holding a lock (asyncio `asyncio.Condition`).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::lock::{Acquire, Lock, LockGuard};
use super::waiters::{WaitList, WaiterStatus, wake_all};
use crate::task::cancel;

/// A lock plus a line of tasks waiting to be notified.
///
/// [`wait`](Condition::wait) takes the [`LockGuard`] (proof the lock is held, which asyncio
/// checks at run time), releases the lock, waits for a notification, takes the lock again
/// and gives the guard back. `notify` and `notify_all` also take the guard as proof.
///
/// Cancelled while waiting, the task simply gives up: the lock was released when it started
/// waiting and is not taken again (a destructor cannot await); if it had been notified, the
/// notification passes to the next waiter.
///
/// Rosetta: asyncio `asyncio.Condition`; tokio has no condition variable (`Notify` is
/// closest).
///
/// # Examples
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use evloop::sync::Condition;
///
/// evloop::run(async {
///     let cond = Rc::new(Condition::new());
///     let ready = Rc::new(Cell::new(false));
///     let consumer = {
///         let (cond, ready) = (cond.clone(), ready.clone());
///         evloop::spawn(async move {
///             let guard = cond.acquire().await;
///             let _guard = cond.wait_for(guard, || ready.get()).await;
///             "consumed"
///         })
///     };
///     evloop::yield_now().await;
///     let guard = cond.acquire().await;
///     ready.set(true);
///     cond.notify_all(&guard);
///     drop(guard);
///     assert_eq!(consumer.await.unwrap(), "consumed");
/// })
/// .unwrap();
/// ```
pub struct Condition {
    lock: Lock,
    waiters: Rc<RefCell<WaitList>>,
}

impl Condition {
    /// A condition with a lock of its own.
    pub fn new() -> Condition {
        Condition::with_lock(Lock::new())
    }

    /// A condition over an existing lock (asyncio `Condition(lock)`).
    pub fn with_lock(lock: Lock) -> Condition {
        Condition {
            lock,
            waiters: Rc::new(RefCell::new(WaitList::default())),
        }
    }

    /// Takes the underlying lock.
    ///
    /// ```
    /// # evloop::run(async {
    /// let cond = evloop::sync::Condition::new();
    /// let guard = cond.acquire().await; // asyncio: async with cond:
    /// assert!(cond.locked());
    /// drop(guard);
    /// # }).unwrap();
    /// ```
    pub fn acquire(&self) -> Acquire<'_> {
        self.lock.acquire()
    }

    /// True while the underlying lock is held.
    ///
    /// ```
    /// # evloop::run(async {
    /// let lock = evloop::sync::Lock::new();
    /// let cond = evloop::sync::Condition::with_lock(lock.clone()); // asyncio: Condition(lock)
    /// let _guard = lock.acquire().await;
    /// assert!(cond.locked());
    /// # }).unwrap();
    /// ```
    pub fn locked(&self) -> bool {
        self.lock.locked()
    }

    /// Releases the lock, waits to be notified, re-takes the lock.
    ///
    /// # Panics
    ///
    /// If `guard` is not a guard of this condition's lock (asyncio raises `RuntimeError`).
    pub fn wait(&self, guard: LockGuard) -> ConditionWait<'_> {
        assert!(
            self.lock.owns(&guard),
            "Condition::wait needs a guard of the condition's own lock"
        );
        ConditionWait {
            cond: self,
            phase: Phase::Start { _held: guard },
        }
    }

    /// Waits until `predicate` is true, checking it first and after every notification.
    pub async fn wait_for(
        &self,
        mut guard: LockGuard,
        mut predicate: impl FnMut() -> bool,
    ) -> LockGuard {
        while !predicate() {
            guard = self.wait(guard).await;
        }
        guard
    }

    /// Wakes up to `n` waiters, first come first served.
    pub fn notify(&self, guard: &LockGuard, n: usize) {
        debug_assert!(self.lock.owns(guard));
        let mut list = self.waiters.borrow_mut();
        let wakers: Vec<_> = (0..n).map_while(|_| list.notify_one()).collect();
        drop(list);
        wake_all(wakers);
    }

    /// Wakes every waiter.
    pub fn notify_all(&self, guard: &LockGuard) {
        debug_assert!(self.lock.owns(guard));
        let wakers = self.waiters.borrow_mut().notify_all();
        wake_all(wakers);
    }
}

impl Default for Condition {
    fn default() -> Self {
        Condition::new()
    }
}

enum Phase<'a> {
    /// Not polled yet; holds the caller's guard until the first poll drops it.
    Start { _held: LockGuard },
    /// Lock released, in line for a notification.
    Waiting(u64),
    /// Notified; taking the lock again.
    Reacquiring(Acquire<'a>),
    /// Returned its guard.
    Done,
}

/// The future returned by [`Condition::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct ConditionWait<'a> {
    cond: &'a Condition,
    phase: Phase<'a>,
}

impl Future for ConditionWait<'_> {
    type Output = LockGuard;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<LockGuard> {
        if cancel::in_flight() {
            return Poll::Pending; // a cancel is delivered at this await (`task::cancel`)
        }
        let this = &mut *self;
        loop {
            match &mut this.phase {
                Phase::Start { .. } => {
                    let ticket = this.cond.waiters.borrow_mut().push(cx.waker().clone());
                    // Dropping the guard releases the lock (and may wake a lock waiter).
                    this.phase = Phase::Waiting(ticket);
                    return Poll::Pending;
                }
                Phase::Waiting(ticket) => {
                    let mut list = this.cond.waiters.borrow_mut();
                    if list.status(*ticket) != WaiterStatus::Notified {
                        list.update(*ticket, cx.waker());
                        return Poll::Pending;
                    }
                    list.remove(*ticket);
                    drop(list);
                    this.phase = Phase::Reacquiring(this.cond.lock.acquire());
                }
                Phase::Reacquiring(acquire) => {
                    let guard = std::task::ready!(Pin::new(acquire).poll(cx));
                    this.phase = Phase::Done;
                    return Poll::Ready(guard);
                }
                Phase::Done => panic!("ConditionWait polled after completion"),
            }
        }
    }
}

impl Drop for ConditionWait<'_> {
    fn drop(&mut self) {
        if let Phase::Waiting(ticket) = self.phase {
            let mut list = self.cond.waiters.borrow_mut();
            let next = list.leave(&mut Some(ticket), true);
            drop(list);
            wake_all(next);
        }
    }
}
