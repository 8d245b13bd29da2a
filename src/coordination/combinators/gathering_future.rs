//! A gather as asyncio gives it: started at the call, and a future of its own that can be
//! asked whether it is done, cancelled, and what it gave, before or without awaiting it.
//!
//! `evloop::gather(..)` is a Rust future: lazy, and nothing but awaitable. asyncio's
//! `gather()` returns a `_GatheringFuture` whose children run from the call on and which
//! answers `done()`, `cancel()`, `result()`, `exception()` and `add_done_callback()`.
//! `start()` on any gather gives that. As asyncio's, it is no task: each child's done
//! callback counts it off, and the last one (or the first failure) completes the gather,
//! so it is done in the very turn asyncio's is.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use super::catch::mark_current_task_catches;
use super::completion::PassOn;
use super::gather::{Gather, GatherResults, GatherTuple};
use super::task_tuple::TaskTuple;
use crate::error::TaskError;
use crate::task::{DoneCallbackId, Task, TaskRef};

/// How a gather ends, for its `collect` step.
enum Ending {
    /// Child `i` failed, and the gather stops at the first failure.
    Failed(usize),
    /// Every child is done.
    AllDone,
}

/// Takes a gather's outcome out of its children.
type Collect<T> = Box<dyn FnOnce(Ending) -> Result<T, TaskError>>;

/// What the children's done callbacks and the handle share.
struct State<T> {
    refs: Vec<TaskRef>,
    remaining: usize,
    stop_on_error: bool,
    /// `cancel()` cancelled a child: the gather ends cancelled once every child is done.
    cancel_requested: bool,
    /// `None` once used: the gather is done.
    collect: Option<Collect<T>>,
    outcome: Option<Result<T, TaskError>>,
    waker: Option<Waker>,
    callbacks: Vec<(u64, Box<dyn FnOnce()>)>,
    last_callback_id: u64,
}

impl<T> State<T> {
    fn done(&self) -> bool {
        self.collect.is_none()
    }
}

/// A started gather (asyncio's `gather()` result; see [`Gather::start`]). Awaiting it gives
/// what the gather gives; a cancel delivered to the awaiting task is passed on to the
/// children, as for any gather. Dropping the handle leaves the children running, as
/// dropping asyncio's does.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let g = evloop::gather([1, 2].map(|n| async move { n })).start();
///     assert!(!g.done());
///     assert_eq!(g.await, Ok(vec![1, 2]));
/// })
/// .unwrap();
/// ```
#[doc(alias("gather", "_GatheringFuture"))]
#[must_use = "a started gather runs anyway; keep the handle to read or cancel it"]
pub struct GatheringFuture<T: 'static> {
    state: Rc<RefCell<State<T>>>,
    pass_on: PassOn,
    marked: bool,
}

impl<T: 'static> GatheringFuture<T> {
    /// Gathers `tasks`; with `stop_on_error` the first failure ends the gather.
    fn new<Tup: TaskTuple<Output = T> + 'static>(mut tasks: Tup, stop_on_error: bool) -> Self {
        let refs = tasks.task_refs();
        let collect: Collect<T> = Box::new(move |ending| match ending {
            Ending::Failed(i) => Err(tasks.take_error(i)),
            Ending::AllDone => tasks.take_all(),
        });
        Self::watch(refs, stop_on_error, collect)
    }

    fn watch(refs: Vec<TaskRef>, stop_on_error: bool, collect: Collect<T>) -> Self {
        let state = Rc::new(RefCell::new(State {
            remaining: refs.len(),
            refs: refs.clone(),
            stop_on_error,
            cancel_requested: false,
            collect: Some(collect),
            outcome: None,
            waker: None,
            callbacks: Vec::new(),
            last_callback_id: 0,
        }));
        if refs.is_empty() {
            conclude(&state, Ending::AllDone); // asyncio: an empty gather is done at once
        }
        for (i, child) in refs.iter().enumerate() {
            let weak = Rc::downgrade(&state);
            child.add_done_callback(move |_| child_done(&weak, i));
        }
        GatheringFuture {
            state,
            pass_on: PassOn::default(),
            marked: false,
        }
    }

    /// True once the gather has its outcome (asyncio `done()`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let g = evloop::gather([async { 1 }]).start();
    ///     assert!(!g.done());
    ///     evloop::yield_now().await; // the child runs
    ///     evloop::yield_now().await; // its done callback completes the gather
    ///     assert!(g.done());
    /// })
    /// .unwrap();
    /// ```
    pub fn done(&self) -> bool {
        self.state.borrow().done()
    }

    /// Cancels every child not done; the gather then ends with [`TaskError::Cancelled`]
    /// once they all are. False if the gather is done or no child could be cancelled
    /// (asyncio `_GatheringFuture.cancel()`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let g = evloop::gather([evloop::sleep(std::time::Duration::from_secs(60))]).start();
    ///     evloop::yield_now().await;
    ///     assert!(g.cancel());
    ///     assert_eq!(g.await, Err(evloop::TaskError::Cancelled));
    /// })
    /// .unwrap();
    /// ```
    pub fn cancel(&self) -> bool {
        let refs = {
            let state = self.state.borrow();
            if state.done() {
                return false;
            }
            state.refs.clone()
        };
        // Outside the borrow: a cancel may run code (a destructor) that reaches the gather.
        let any = refs.iter().fold(false, |any, child| child.cancel() | any);
        if any {
            self.state.borrow_mut().cancel_requested = true;
        }
        any
    }

    /// Always false, as asyncio's: a cancelled gather ends with the cancel as its
    /// *exception* (`CancelledError` from `result()` and from awaiting it), not in the
    /// cancelled state, so `_GatheringFuture.cancelled()` answers `False`. Here that
    /// exception is `Some(Err(TaskError::Cancelled))` from
    /// [`take_result`](Self::take_result).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let mut g = evloop::gather([evloop::sleep(std::time::Duration::from_secs(60))]).start();
    ///     evloop::yield_now().await;
    ///     g.cancel();
    ///     while !g.done() {
    ///         evloop::yield_now().await;
    ///     }
    ///     assert!(!g.cancelled());
    ///     assert_eq!(g.take_result(), Some(Err(evloop::TaskError::Cancelled)));
    /// })
    /// .unwrap();
    /// ```
    pub fn cancelled(&self) -> bool {
        false
    }

    /// The gather's outcome once it is done, moving it out (asyncio `result()` and
    /// `exception()` in one): `None` while it runs, or once taken (by an earlier call or
    /// by awaiting the handle).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let bad = evloop::spawn(async { panic!("boom") });
    ///     let mut g = evloop::gather_tasks([bad]).start();
    ///     assert_eq!(g.take_result(), None);
    ///     while !g.done() {
    ///         evloop::yield_now().await;
    ///     }
    ///     assert_eq!(g.take_result(), Some(Err(evloop::TaskError::Panicked("boom".into()))));
    /// })
    /// .unwrap();
    /// ```
    #[doc(alias("result", "exception"))]
    pub fn take_result(&mut self) -> Option<Result<T, TaskError>> {
        self.state.borrow_mut().outcome.take()
    }

    /// Schedules `f` to run on the loop once the gather is done (at once if it is), in
    /// registration order, never synchronously (asyncio `add_done_callback`). The id takes
    /// it back with [`remove_done_callback`](Self::remove_done_callback).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::{cell::Cell, rc::Rc};
    ///
    /// evloop::run(async {
    ///     let ran = Rc::new(Cell::new(false));
    ///     let r = ran.clone();
    ///     let g = evloop::gather([async { 1 }]).start();
    ///     g.add_done_callback(move || r.set(true));
    ///     g.await.unwrap();
    ///     assert!(ran.get());
    /// })
    /// .unwrap();
    /// ```
    pub fn add_done_callback(&self, f: impl FnOnce() + 'static) -> DoneCallbackId {
        let mut state = self.state.borrow_mut();
        state.last_callback_id += 1;
        let id = state.last_callback_id;
        if state.done() {
            drop(state);
            schedule(Box::new(f));
        } else {
            state.callbacks.push((id, Box::new(f)));
        }
        DoneCallbackId::new(id)
    }

    /// Takes back a done callback not yet scheduled: 1 if it was, 0 otherwise (asyncio
    /// `remove_done_callback`).
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let g = evloop::gather([async { 1 }]).start();
    ///     let id = g.add_done_callback(|| unreachable!("removed"));
    ///     assert_eq!(g.remove_done_callback(id), 1);
    ///     g.await.unwrap();
    /// })
    /// .unwrap();
    /// ```
    pub fn remove_done_callback(&self, id: DoneCallbackId) -> usize {
        let removed = {
            let mut state = self.state.borrow_mut();
            let at = state.callbacks.iter().position(|(i, _)| *i == id.get());
            at.map(|at| state.callbacks.remove(at))
        };
        usize::from(removed.is_some()) // the closure is dropped outside the borrow
    }
}

/// Child `i` is done: count it off, and complete the gather if that ends it.
fn child_done<T>(state: &Weak<RefCell<State<T>>>, i: usize) {
    let Some(state) = state.upgrade() else {
        return; // the handle is gone: nobody can read the outcome
    };
    let ending = {
        let mut s = state.borrow_mut();
        if s.done() {
            return;
        }
        s.remaining -= 1;
        let failed = s.refs[i].0.header().failed();
        if s.stop_on_error && failed && !s.cancel_requested {
            Some(Ending::Failed(i))
        } else if s.remaining == 0 {
            Some(Ending::AllDone)
        } else {
            None
        }
    };
    if let Some(ending) = ending {
        conclude(&state, ending);
    }
}

/// Sets the gather's outcome, wakes its awaiter and schedules its done callbacks.
fn conclude<T>(state: &Rc<RefCell<State<T>>>, ending: Ending) {
    let (collect, cancelled) = {
        let mut s = state.borrow_mut();
        (s.collect.take(), s.cancel_requested)
    };
    let Some(collect) = collect else { return };
    // The children's results are taken outside the borrow: dropping a value may run code.
    let outcome = if cancelled {
        drop(collect);
        Err(TaskError::Cancelled)
    } else {
        collect(ending)
    };
    let (waker, callbacks) = {
        let mut s = state.borrow_mut();
        s.outcome = Some(outcome);
        (s.waker.take(), std::mem::take(&mut s.callbacks))
    };
    callbacks.into_iter().for_each(|(_, f)| schedule(f));
    if let Some(w) = waker {
        w.wake();
    }
}

/// Runs `f` in a later turn of the running loop (a done callback is never synchronous).
fn schedule(f: Box<dyn FnOnce()>) {
    if let Some(ev) = crate::running_loop() {
        let _ = ev.call_soon(f);
    }
}

impl<T> Unpin for GatheringFuture<T> {}

impl<T> Future for GatheringFuture<T> {
    type Output = Result<T, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if !std::mem::replace(&mut this.marked, true) {
            mark_current_task_catches();
        }
        let refs = this.state.borrow().refs.clone();
        if this.pass_on.check(refs.iter()) {
            this.state.borrow_mut().cancel_requested = true;
        }
        let mut state = this.state.borrow_mut();
        if !state.done() {
            state.waker = Some(cx.waker().clone());
            return Poll::Pending;
        }
        drop(state);
        if this.pass_on.finish() {
            return Poll::Pending; // the cancel goes on outwards
        }
        let outcome = this.state.borrow_mut().outcome.take();
        Poll::Ready(outcome.expect("a gathering future's outcome is taken once"))
    }
}

impl<F: Future + 'static> Gather<F> {
    /// Starts the gather now, as asyncio's `gather()` does at the call: every child is
    /// spawned before this returns (its first step runs in the next turn, as in asyncio),
    /// and the gather is a [`GatheringFuture`] to await, ask or cancel.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let g = evloop::gather([evloop::sleep(std::time::Duration::from_secs(60))]).start();
    ///     evloop::yield_now().await;
    ///     assert!(g.cancel());
    ///     assert_eq!(g.await, Err(evloop::TaskError::Cancelled));
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a running loop (it spawns the children).
    pub fn start(self) -> GatheringFuture<Vec<F::Output>> {
        GatheringFuture::new(self.into_tasks(), true)
    }
}

impl<F: Future + 'static> GatherResults<F> {
    /// Starts the gather now, as [`Gather::start`] does; its outcome is every child's.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let g = evloop::gather_results([async { 1 }]).start();
    ///     assert_eq!(g.await, Ok(vec![Ok(1)]));
    /// })
    /// .unwrap();
    /// ```
    ///
    /// # Panics
    ///
    /// Outside a running loop (it spawns the children).
    pub fn start(self) -> GatheringFuture<Vec<Result<F::Output, TaskError>>> {
        let mut tasks = self.into_tasks();
        let refs = tasks.iter().map(Task::task_ref).collect();
        let collect: Collect<_> = Box::new(move |_| {
            Ok(tasks
                .iter_mut()
                .map(|t| t.take_result().expect("every child is done"))
                .collect())
        });
        GatheringFuture::watch(refs, false, collect)
    }
}

impl<Tup: TaskTuple + 'static> GatherTuple<Tup> {
    /// Gives the gather of these running tasks ([`gather_tasks`](crate::gather_tasks), or
    /// a tuple of tasks of different types) as a [`GatheringFuture`], as asyncio's
    /// `gather()` result.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let (one, two) = (evloop::spawn(async { 1 }), evloop::spawn(async { "two" }));
    ///     let g = evloop::combinators::gather_tuple((one, two)).start();
    ///     assert_eq!(g.await, Ok((1, "two")));
    /// })
    /// .unwrap();
    /// ```
    pub fn start(mut self) -> GatheringFuture<Tup::Output> {
        self.unfinished.armed = false;
        GatheringFuture::new(self.tasks, true)
    }
}
