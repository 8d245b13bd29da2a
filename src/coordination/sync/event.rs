//! `Event`: a flag tasks can wait for (asyncio `asyncio.Event`).

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use super::waiters::{WaitList, WaiterStatus, wake_all};
use crate::task::cancel;

struct EventState {
    /// Set by `set`, cleared by `clear`.
    flag: bool,
    /// Tasks in `wait`, notified all at once by `set`.
    waiters: WaitList,
}

/// A flag that tasks wait on until another task sets it.
///
/// `set()` wakes every waiter in the order they started waiting; a `clear()` right after
/// does not un-wake them (asyncio `test_clear_with_waiters`). `Clone` gives another handle to
/// the same event.
///
/// Rosetta: asyncio `asyncio.Event`; tokio `sync::Notify` (`notify_waiters`) plus a flag.
///
/// # Examples
///
/// ```
/// use evloop::sync::Event;
///
/// evloop::run(async {
///     let ready = Event::new();
///     let waiter = {
///         let ready = ready.clone();
///         evloop::spawn(async move { ready.wait().await; "saw it" })
///     };
///     evloop::yield_now().await;
///     ready.set();
///     assert_eq!(waiter.await.unwrap(), "saw it");
/// })
/// .unwrap();
/// ```
#[derive(Clone)]
#[doc(alias("Notify", "tokio::sync::Notify"))]
pub struct Event {
    state: Rc<RefCell<EventState>>,
}

impl Event {
    /// A new, clear event.
    pub fn new() -> Event {
        Event {
            state: Rc::new(RefCell::new(EventState {
                flag: false,
                waiters: WaitList::default(),
            })),
        }
    }

    /// True if the flag is set.
    ///
    /// ```
    /// let event = evloop::sync::Event::new();
    /// assert!(!event.is_set());
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    pub fn is_set(&self) -> bool {
        self.state.borrow().flag
    }

    /// Sets the flag and wakes every waiter. Does nothing if already set.
    ///
    /// ```
    /// # evloop::run(async {
    /// let event = evloop::sync::Event::new();
    /// let waiter = evloop::spawn({ let e = event.clone(); async move { e.wait().await; "woken" } });
    /// evloop::yield_now().await; // the waiter waits
    /// event.set();
    /// assert_eq!(waiter.await, Ok("woken"));
    /// # }).unwrap();
    /// ```
    pub fn set(&self) {
        let mut st = self.state.borrow_mut();
        if st.flag {
            return;
        }
        st.flag = true;
        let wakers = st.waiters.notify_all();
        drop(st);
        wake_all(wakers);
    }

    /// Clears the flag; later `wait` calls wait again.
    ///
    /// ```
    /// let event = evloop::sync::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(!event.is_set());
    /// ```
    pub fn clear(&self) {
        self.state.borrow_mut().flag = false;
    }

    /// Waits until the flag is set (at once if it already is). Cancel-safe.
    ///
    /// ```
    /// # evloop::run(async {
    /// let event = evloop::sync::Event::new();
    /// event.set();
    /// event.wait().await; // already set: returns at once, as asyncio's `await event.wait()`
    /// assert!(event.is_set());
    /// # }).unwrap();
    /// ```
    pub fn wait(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            ticket: None,
        }
    }
}

impl Default for Event {
    fn default() -> Self {
        Event::new()
    }
}

/// The future returned by [`Event::wait`].
#[must_use = "futures do nothing unless awaited"]
pub struct EventWait<'a> {
    event: &'a Event,
    ticket: Option<u64>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if cancel::in_flight() {
            return Poll::Pending; // a cancel is delivered at this await (`task::cancel`)
        }
        let this = &mut *self;
        let mut st = this.event.state.borrow_mut();
        let notified = this
            .ticket
            .is_some_and(|t| st.waiters.status(t) == WaiterStatus::Notified);
        if notified || st.flag {
            if let Some(t) = this.ticket.take() {
                st.waiters.remove(t);
            }
            return Poll::Ready(());
        }
        st.waiters.wait(&mut this.ticket, cx);
        Poll::Pending
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if let Some(t) = self.ticket.take() {
            self.event.state.borrow_mut().waiters.remove(t);
        }
    }
}
