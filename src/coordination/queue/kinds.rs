//! The three queue types, `Queue`, `LifoQueue` and `PriorityQueue`: each a `BaseQueue`
//! with its own order of items, made by one macro.

use std::fmt;
use std::ops::Deref;

use super::{BaseQueue, Fifo, Lifo, Priority};

macro_rules! queue_kind {
    ($(#[$doc:meta])* $name:ident, $store:ident $(, $bound:path)?) => {
        $(#[$doc])*
        pub struct $name<T $(: $bound)?>(BaseQueue<T, $store<T>>);

        impl<T $(: $bound)?> $name<T> {
            /// A queue holding at most `maxsize` items; 0 means unbounded.
            pub fn new(maxsize: usize) -> Self {
                $name(BaseQueue::with_maxsize(maxsize))
            }
        }

        impl<T $(: $bound)?> Clone for $name<T> {
            /// Another handle to the same queue.
            fn clone(&self) -> Self {
                $name(self.0.clone())
            }
        }

        impl<T $(: $bound)?> Deref for $name<T> {
            type Target = BaseQueue<T, $store<T>>;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl<T $(: $bound)?> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

queue_kind!(
    /// A first-in, first-out queue (asyncio `asyncio.Queue`). See the [module docs](super).
    /// ```
    /// let q = evloop::Queue::new(0);
    /// q.put_nowait('a').unwrap();
    /// q.put_nowait('b').unwrap();
    /// assert_eq!(q.get_nowait(), Ok('a'));
    /// ```
    #[doc(alias("mpsc", "tokio::sync::mpsc", "channel"))]
    Queue,
    Fifo
);
queue_kind!(
    /// A last-in, first-out queue (asyncio `asyncio.LifoQueue`).
    /// ```
    /// let q = evloop::LifoQueue::new(0);
    /// q.put_nowait('a').unwrap();
    /// q.put_nowait('b').unwrap();
    /// assert_eq!(q.get_nowait(), Ok('b'));
    /// ```
    LifoQueue,
    Lifo
);
queue_kind!(
    /// A queue that hands out the smallest item first (asyncio `asyncio.PriorityQueue`);
    /// among equal items the order is unspecified, as with `heapq`.
    /// ```
    /// let q = evloop::PriorityQueue::new(0);
    /// q.put_nowait((2, "low")).unwrap();
    /// q.put_nowait((1, "high")).unwrap();
    /// assert_eq!(q.get_nowait(), Ok((1, "high")));
    /// ```
    PriorityQueue,
    Priority,
    Ord
);
