//! Queues: asyncio's `Queue`, `LifoQueue` and `PriorityQueue`.
//!
//! **Drop and cancel first.** A queue is a shared handle (`Clone`); items live as long as any
//! handle does. A `put(item)` future that is dropped (its task cancelled) before it placed the
//! item drops the item with it — as asyncio's cancelled `put` never enqueues — and a
//! cancelled `get` never takes one: nothing is lost from the queue. A waiter that was woken
//! and is cancelled before it ran passes its wake-up to the next waiter, so no slot or item is
//! left unclaimed.
//!
//! Like asyncio, waking is not a hand-off: a woken getter looks again, and if another task
//! took the item meanwhile (with `get_nowait`, say) it goes back to the end of the line.
//! Waiters are woken first-come first-served.
//!
//! `shutdown` follows Python 3.13: `put` fails at once; `get` keeps returning what is queued
//! and fails once the queue is empty; every waiter wakes.
//!
//! Rosetta: asyncio `asyncio.Queue`; tokio `sync::mpsc` (bounded) — but an evloop queue has
//! many producers *and* many consumers, like asyncio's.
//!
//! # Examples
//!
//! ```
//! use evloop::Queue;
//!
//! evloop::run(async {
//!     let q = Queue::new(2); // at most two items
//!     let producer = {
//!         let q = q.clone();
//!         evloop::spawn(async move {
//!             for i in 0..5 {
//!                 q.put(i).await.unwrap(); // waits while the queue is full
//!             }
//!         })
//!     };
//!     let mut got = Vec::new();
//!     for _ in 0..5 {
//!         got.push(q.get().await.unwrap());
//!     }
//!     producer.await.unwrap();
//!     assert_eq!(got, [0, 1, 2, 3, 4]);
//! })
//! .unwrap();
//! ```

mod futures;
mod kinds;
mod store;

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

pub use futures::{Get, Join, Put};
pub use kinds::{LifoQueue, PriorityQueue, Queue};
pub use store::{Fifo, Lifo, Priority, Store};

use crate::error::{GetError, PutError, TooManyReleases};
use crate::sync::waiters::{WaitList, wake_all};

/// The shared state of one queue.
struct QueueState<S> {
    /// The items, in the order `S` gives them back.
    items: S,
    /// The capacity; 0 means unbounded.
    maxsize: usize,
    /// Tasks waiting in `get` for an item.
    getters: WaitList,
    /// Tasks waiting in `put` for a free slot.
    putters: WaitList,
    /// Items put and not yet marked done with `task_done`.
    unfinished: usize,
    /// Tasks waiting in `join` for `unfinished` to reach 0.
    joiners: WaitList,
    /// Set by `shutdown`; never cleared.
    shut_down: bool,
}

impl<S> QueueState<S> {
    fn full<T>(&self) -> bool
    where
        S: Store<T>,
    {
        self.maxsize > 0 && self.items.len() >= self.maxsize
    }
}

/// The queue itself, generic over the order items come out in; use it through [`Queue`],
/// [`LifoQueue`] or [`PriorityQueue`].
pub struct BaseQueue<T, S: Store<T>> {
    state: Rc<RefCell<QueueState<S>>>,
    _item: std::marker::PhantomData<T>,
}

impl<T, S: Store<T>> Clone for BaseQueue<T, S> {
    /// Another handle to the same queue.
    fn clone(&self) -> Self {
        BaseQueue {
            state: self.state.clone(),
            _item: std::marker::PhantomData,
        }
    }
}

impl<T, S: Store<T>> BaseQueue<T, S> {
    fn with_maxsize(maxsize: usize) -> Self {
        BaseQueue {
            state: Rc::new(RefCell::new(QueueState {
                items: S::default(),
                maxsize,
                getters: WaitList::default(),
                putters: WaitList::default(),
                unfinished: 0,
                joiners: WaitList::default(),
                shut_down: false,
            })),
            _item: std::marker::PhantomData,
        }
    }

    /// The capacity given at creation; 0 means unbounded.
    /// ```
    /// assert_eq!(evloop::Queue::<u8>::new(3).maxsize(), 3); // asyncio.Queue(maxsize=3).maxsize
    /// ```
    pub fn maxsize(&self) -> usize {
        self.state.borrow().maxsize
    }

    /// How many items are queued.
    /// ```
    /// let q = evloop::Queue::new(0);
    /// q.put_nowait("job").unwrap();
    /// assert_eq!(q.qsize(), 1);
    /// ```
    pub fn qsize(&self) -> usize {
        self.state.borrow().items.len()
    }

    /// True if no item is queued.
    /// ```
    /// let q = evloop::Queue::new(0);
    /// assert!(q.empty());
    /// q.put_nowait(1).unwrap();
    /// assert!(!q.empty());
    /// ```
    pub fn empty(&self) -> bool {
        self.qsize() == 0
    }

    /// True if `maxsize` items are queued (never for an unbounded queue).
    /// ```
    /// let q = evloop::Queue::new(1);
    /// q.put_nowait(1).unwrap();
    /// assert!(q.full());
    /// ```
    pub fn full(&self) -> bool {
        self.state.borrow().full()
    }

    /// Puts `item` without waiting, and wakes the first waiting getter.
    ///
    /// # Errors
    ///
    /// [`PutError::Full`] if the queue is full, [`PutError::ShutDown`] after `shutdown`; the
    /// item comes back inside the error.
    /// ```
    /// let q = evloop::Queue::new(1);
    /// assert_eq!(q.put_nowait(1), Ok(()));
    /// assert_eq!(q.put_nowait(2), Err(evloop::PutError::Full(2))); // asyncio: QueueFull
    /// ```
    pub fn put_nowait(&self, item: T) -> Result<(), PutError<T>> {
        let mut st = self.state.borrow_mut();
        if st.shut_down {
            return Err(PutError::ShutDown(item));
        }
        if st.full() {
            return Err(PutError::Full(item));
        }
        let getter = Self::place(&mut st, item);
        drop(st);
        wake_all(getter);
        Ok(())
    }

    /// Stores an item and picks the getter to wake (asyncio `_put` + `_wakeup_next`).
    fn place(st: &mut QueueState<S>, item: T) -> Option<std::task::Waker> {
        st.items.push(item);
        st.unfinished += 1;
        st.getters.notify_one()
    }

    /// Takes an item without waiting, and wakes the first waiting putter.
    ///
    /// # Errors
    ///
    /// [`GetError::Empty`] if no item is queued, [`GetError::ShutDown`] if none is and the
    /// queue was shut down.
    /// ```
    /// let q = evloop::LifoQueue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.put_nowait(2).unwrap();
    /// assert_eq!(q.get_nowait(), Ok(2)); // last in, first out
    /// assert_eq!(q.get_nowait(), Ok(1));
    /// assert_eq!(q.get_nowait(), Err(evloop::GetError::Empty)); // asyncio: QueueEmpty
    /// ```
    pub fn get_nowait(&self) -> Result<T, GetError> {
        let mut st = self.state.borrow_mut();
        let item = st.items.pop().ok_or(if st.shut_down {
            GetError::ShutDown
        } else {
            GetError::Empty
        })?;
        let putter = st.putters.notify_one();
        drop(st);
        wake_all(putter);
        Ok(item)
    }

    /// Puts `item`, waiting while the queue is full.
    ///
    /// Cancel-safe: if the returned future is dropped before the item was placed, the item
    /// is dropped with it and the queue is unchanged.
    ///
    /// # Errors
    ///
    /// [`PutError::ShutDown`] (with the item) if the queue is or gets shut down.
    /// ```
    /// # evloop::run(async {
    /// let q = evloop::Queue::new(1);
    /// q.put(1).await.unwrap();
    /// let consumer = evloop::spawn({ let q = q.clone(); async move { q.get().await } });
    /// q.put(2).await.unwrap(); // waits until the consumer took 1
    /// assert_eq!((consumer.await.unwrap(), q.get_nowait()), (Ok(1), Ok(2)));
    /// # }).unwrap();
    /// ```
    pub fn put(&self, item: T) -> Put<'_, T, S> {
        Put {
            queue: self,
            item: Some(item),
            ticket: None,
        }
    }

    /// Takes an item, waiting while the queue is empty.
    ///
    /// Cancel-safe: a dropped `get` takes nothing.
    ///
    /// # Errors
    ///
    /// [`GetError::ShutDown`] once the queue is shut down and empty.
    /// ```
    /// # evloop::run(async {
    /// let q = evloop::Queue::new(0);
    /// let producer = evloop::spawn({ let q = q.clone(); async move { q.put_nowait(7) } });
    /// assert_eq!(q.get().await, Ok(7)); // waits until the producer ran
    /// # producer.await.unwrap().unwrap();
    /// # }).unwrap();
    /// ```
    pub fn get(&self) -> Get<'_, T, S> {
        Get {
            queue: self,
            ticket: None,
        }
    }

    /// Marks one item taken with `get` as processed; when every item put has been marked,
    /// `join` returns.
    ///
    /// # Errors
    ///
    /// [`TooManyReleases`] if called more times than items were put.
    /// ```
    /// let q = evloop::Queue::new(0);
    /// q.put_nowait("job").unwrap();
    /// q.get_nowait().unwrap();
    /// assert!(q.task_done().is_ok());
    /// assert!(q.task_done().is_err()); // asyncio: ValueError, called too many times
    /// ```
    pub fn task_done(&self) -> Result<(), TooManyReleases> {
        let mut st = self.state.borrow_mut();
        if st.unfinished == 0 {
            return Err(TooManyReleases("task_done() called too many times"));
        }
        st.unfinished -= 1;
        let joiners = if st.unfinished == 0 {
            st.joiners.notify_all()
        } else {
            Vec::new()
        };
        drop(st);
        wake_all(joiners);
        Ok(())
    }

    /// Waits until every item put has been marked with `task_done`.
    /// ```
    /// # evloop::run(async {
    /// let q = evloop::Queue::new(0);
    /// q.put_nowait(1).unwrap();
    /// let worker = evloop::spawn({ let q = q.clone(); async move { q.get().await.unwrap(); q.task_done() } });
    /// q.join().await; // returns once the worker called task_done
    /// assert!(worker.done());
    /// # }).unwrap();
    /// ```
    pub fn join(&self) -> Join<'_, T, S> {
        Join {
            queue: self,
            ticket: None,
        }
    }

    /// Shuts the queue down (Python 3.13): `put` fails from now on, `get` fails once the
    /// queue is empty, and every waiting getter and putter wakes. With `immediate`, queued
    /// items are dropped too (each counting as done for `join`). Idempotent.
    /// ```
    /// let q = evloop::Queue::new(0);
    /// q.put_nowait(1).unwrap();
    /// q.shutdown(true); // immediate: the queued item is dropped
    /// assert_eq!(q.get_nowait(), Err(evloop::GetError::ShutDown));
    /// ```
    pub fn shutdown(&self, immediate: bool) {
        let mut st = self.state.borrow_mut();
        st.shut_down = true;
        let mut drained = Vec::new();
        if immediate {
            while let Some(item) = st.items.pop() {
                drained.push(item);
                st.unfinished = st.unfinished.saturating_sub(1);
            }
        }
        let mut wakers = st.getters.notify_all();
        wakers.extend(st.putters.notify_all());
        if st.unfinished == 0 {
            wakers.extend(st.joiners.notify_all());
        }
        drop(st);
        drop(drained);
        wake_all(wakers);
    }

    /// True once `shutdown` was called.
    pub fn is_shut_down(&self) -> bool {
        self.state.borrow().shut_down
    }
}

impl<T, S: Store<T>> fmt::Debug for BaseQueue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let st = self.state.borrow();
        write!(
            f,
            "<Queue maxsize={} qsize={} getters={} putters={} unfinished={}{}>",
            st.maxsize,
            st.items.len(),
            st.getters.len(),
            st.putters.len(),
            st.unfinished,
            if st.shut_down { " shut down" } else { "" }
        )
    }
}
