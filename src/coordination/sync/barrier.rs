//! `Barrier`: parties wait until all have arrived (asyncio 3.11 `asyncio.Barrier`).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::waiters::{WaitList, wake_all};
use crate::error::BrokenBarrierError;
use crate::task::cancel;

struct BarrierState {
    /// How many parties make a full barrier.
    parties: usize,
    /// How many have arrived in the current round.
    count: usize,
    /// Bumped each time a round fills; waiters of an older round are released.
    round: u64,
    /// Bumped by `reset`; waiters of an older epoch get `BrokenBarrierError`.
    epoch: u64,
    /// Set by `abort`; every current and future waiter gets `BrokenBarrierError`.
    broken: bool,
    /// Waiting parties.
    waiters: WaitList,
}

/// A meeting point for `parties` tasks: each waits until all have arrived, then all go on.
///
/// `wait` returns the arrival index (0 for the first). The last to arrive releases the others
/// and returns at once. A party cancelled while waiting no longer counts as arrived.
///
/// Rosetta: asyncio `asyncio.Barrier`; tokio `sync::Barrier`.
///
/// # Examples
///
/// ```
/// use evloop::sync::Barrier;
///
/// evloop::run(async {
///     let barrier = Barrier::new(3);
///     let parties: Vec<_> = (0..3)
///         .map(|_| {
///             let b = barrier.clone();
///             evloop::spawn(async move { b.wait().await.unwrap() })
///         })
///         .collect();
///     let mut indexes = Vec::new();
///     for p in parties {
///         indexes.push(p.await.unwrap());
///     }
///     assert_eq!(indexes, [0, 1, 2]);
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct Barrier {
    state: Rc<RefCell<BarrierState>>,
}

impl Barrier {
    /// A barrier for `parties` tasks. Zero parties act as one, as Rust's
    /// `std::sync::Barrier` and tokio's `Barrier` do (asyncio raises `ValueError`): every
    /// `wait` passes at once.
    pub fn new(parties: usize) -> Barrier {
        Barrier {
            state: Rc::new(RefCell::new(BarrierState {
                parties: parties.max(1),
                count: 0,
                round: 0,
                epoch: 0,
                broken: false,
                waiters: WaitList::default(),
            })),
        }
    }

    /// Arrives and waits for the others; returns this party's arrival index.
    ///
    /// # Errors
    ///
    /// [`BrokenBarrierError`] if the barrier is aborted, or reset while waiting.
    ///
    /// ```
    /// # evloop::run(async {
    /// let barrier = evloop::sync::Barrier::new(2);
    /// let other = evloop::spawn({ let b = barrier.clone(); async move { b.wait().await } });
    /// assert_eq!(barrier.wait().await, Ok(0)); // the first to arrive waits for `other`
    /// assert_eq!(other.await.unwrap(), Ok(1));
    /// # }).unwrap();
    /// ```
    pub fn wait(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            arrival: None,
        }
    }

    /// How many parties the barrier needs.
    ///
    /// ```
    /// assert_eq!(evloop::sync::Barrier::new(3).parties(), 3);
    /// ```
    pub fn parties(&self) -> usize {
        self.state.borrow().parties
    }

    /// How many parties are waiting now.
    ///
    /// ```
    /// # evloop::run(async {
    /// let barrier = evloop::sync::Barrier::new(2);
    /// let first = evloop::spawn({ let b = barrier.clone(); async move { b.wait().await } });
    /// evloop::yield_now().await;
    /// assert_eq!(barrier.n_waiting(), 1); // `first` waits for a second party
    /// barrier.wait().await.unwrap();
    /// # first.await.unwrap().unwrap();
    /// # }).unwrap();
    /// ```
    pub fn n_waiting(&self) -> usize {
        self.state.borrow().count
    }

    /// True once aborted.
    ///
    /// ```
    /// let barrier = evloop::sync::Barrier::new(2);
    /// barrier.abort();
    /// assert!(barrier.broken());
    /// ```
    pub fn broken(&self) -> bool {
        self.state.borrow().broken
    }

    /// Breaks the barrier: every waiter, and every later `wait`, gets [`BrokenBarrierError`].
    ///
    /// ```
    /// # evloop::run(async {
    /// let barrier = evloop::sync::Barrier::new(2);
    /// let waiter = evloop::spawn({ let b = barrier.clone(); async move { b.wait().await } });
    /// evloop::yield_now().await;
    /// barrier.abort();
    /// assert_eq!(waiter.await.unwrap(), Err(evloop::BrokenBarrierError));
    /// # }).unwrap();
    /// ```
    pub fn abort(&self) {
        let mut st = self.state.borrow_mut();
        st.broken = true;
        let wakers = st.waiters.notify_all();
        drop(st);
        wake_all(wakers);
    }

    /// Empties the barrier: current waiters get [`BrokenBarrierError`], and it is usable again.
    ///
    /// ```
    /// # evloop::run(async {
    /// let barrier = evloop::sync::Barrier::new(2);
    /// barrier.abort();
    /// barrier.reset(); // usable again
    /// assert!(!barrier.broken());
    /// let other = evloop::spawn({ let b = barrier.clone(); async move { b.wait().await } });
    /// assert!(barrier.wait().await.is_ok());
    /// # other.await.unwrap().unwrap();
    /// # }).unwrap();
    /// ```
    pub fn reset(&self) {
        let mut st = self.state.borrow_mut();
        st.epoch += 1;
        st.count = 0;
        st.broken = false;
        let wakers = st.waiters.notify_all();
        drop(st);
        wake_all(wakers);
    }
}

/// Where a waiting party arrived.
struct Arrival {
    ticket: u64,
    index: usize,
    round: u64,
    epoch: u64,
}

/// The future returned by [`Barrier::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    arrival: Option<Arrival>,
}

impl Future for BarrierWait<'_> {
    type Output = Result<usize, BrokenBarrierError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if cancel::in_flight() {
            return Poll::Pending; // a cancel is delivered at this await (`task::cancel`)
        }
        let this = &mut *self;
        let mut st = this.barrier.state.borrow_mut();
        let Some(a) = &this.arrival else {
            if st.broken {
                return Poll::Ready(Err(BrokenBarrierError));
            }
            let index = st.count;
            st.count += 1;
            if st.count == st.parties {
                // The last party releases the round and goes on at once.
                st.count = 0;
                st.round += 1;
                let wakers = st.waiters.notify_all();
                drop(st);
                wake_all(wakers);
                return Poll::Ready(Ok(index));
            }
            let ticket = st.waiters.push(cx.waker().clone());
            let (round, epoch) = (st.round, st.epoch);
            this.arrival = Some(Arrival {
                ticket,
                index,
                round,
                epoch,
            });
            return Poll::Pending;
        };
        let outcome = if st.broken || st.epoch != a.epoch {
            Some(Err(BrokenBarrierError))
        } else if st.round != a.round {
            Some(Ok(a.index))
        } else {
            None
        };
        match outcome {
            Some(out) => {
                let a = this.arrival.take().expect("matched Some");
                st.waiters.remove(a.ticket);
                Poll::Ready(out)
            }
            None => {
                st.waiters.update(a.ticket, cx.waker());
                Poll::Pending
            }
        }
    }
}

impl Drop for BarrierWait<'_> {
    fn drop(&mut self) {
        if let Some(a) = self.arrival.take() {
            let mut st = self.barrier.state.borrow_mut();
            st.waiters.remove(a.ticket);
            // Cancelled while the round is still filling: no longer arrived.
            if st.round == a.round && st.epoch == a.epoch && !st.broken {
                st.count -= 1;
            }
        }
    }
}
