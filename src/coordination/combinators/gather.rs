//! `gather`: run futures as tasks and collect their results in input order.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::catch::mark_current_task_catches;
use super::completion::{Completions, PassOn, cancel_unfinished};
use super::task_tuple::TaskTuple;
use crate::error::TaskError;
use crate::task::{Task, TaskRef};

/// Runs every future as a task and waits for all of them; the results come back in input
/// order, whatever order they finish in. Like every Rust future it is lazy: the children are
/// spawned when the gather is first polled (asyncio spawns them when `gather()` is called).
///
/// The first child to fail (panic, or be cancelled) makes the gather return that error at
/// once; the other children keep running, as in asyncio. A cancel delivered to the task
/// awaiting the gather cancels every child not done, waits for all of them (their cleanup
/// included), then goes on (`docs/cancellation.md#gather`); dropping the gather before it
/// finished cancels every child not done.
///
/// Rosetta: asyncio `asyncio.gather(*aws)`; tokio has no direct equivalent (`JoinSet`, or
/// `futures::future::try_join_all`).
///
/// # Panics
///
/// If polled outside a running loop (it spawns the children).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// evloop::run(async {
///     let delays = [30, 10, 20];
///     let results = evloop::gather(delays.map(|ms| async move {
///         evloop::sleep(Duration::from_millis(ms)).await;
///         ms
///     }))
///     .await
///     .unwrap();
///     assert_eq!(results, [30, 10, 20]); // input order, not completion order
/// })
/// .unwrap();
/// ```
#[doc(alias("join_all", "try_join_all", "futures::future::join_all"))]
pub fn gather<I>(futs: I) -> Gather<I::Item>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    Gather {
        core: Gathering::new(futs),
    }
}

/// Like [`gather`], but never stops early: every child's outcome comes back, in input order,
/// as a `Result` (asyncio `gather(*aws, return_exceptions=True)`).
///
/// # Panics
///
/// If polled outside a running loop.
///
/// # Examples
///
/// ```
/// use std::{future::Future, pin::Pin};
///
/// evloop::run(async {
///     let ok: Pin<Box<dyn Future<Output = u8>>> = Box::pin(async { 1 });
///     let bad: Pin<Box<dyn Future<Output = u8>>> = Box::pin(async { panic!("boom") });
///     let out = evloop::gather_results([ok, bad]).await;
///     assert_eq!(out[0], Ok(1));
///     assert_eq!(out[1], Err(evloop::TaskError::Panicked("boom".into())));
/// })
/// .unwrap();
/// ```
#[doc(alias("gather", "join_all"))]
pub fn gather_results<I>(futs: I) -> GatherResults<I::Item>
where
    I: IntoIterator,
    I::Item: Future + 'static,
{
    GatherResults {
        core: Gathering::new(futs),
    }
}

/// What [`gather`] and [`gather_results`] share: the children, their outcomes so far, and
/// the completion events.
struct Gathering<F: Future> {
    /// The futures, until the first poll spawns them.
    unspawned: Option<Vec<F>>,
    tasks: Vec<Task<F::Output>>,
    results: Vec<Option<Result<F::Output, TaskError>>>,
    completions: Option<Completions>,
    remaining: usize,
    /// Set once the gather returned: dropping it no longer cancels anything.
    finished: bool,
    /// A cancel delivered to the awaiting task, passed on to the children.
    pass_on: PassOn,
    /// The awaiting task was marked as one that takes delivered cancels.
    marked: bool,
}

impl<F: Future + 'static> Gathering<F> {
    fn new(futs: impl IntoIterator<Item = F>) -> Gathering<F> {
        Gathering {
            unspawned: Some(futs.into_iter().collect()),
            tasks: Vec::new(),
            results: Vec::new(),
            completions: None,
            remaining: 0,
            finished: false,
            pass_on: PassOn::default(),
            marked: false,
        }
    }

    /// Collects outcomes as children finish. With `stop_on_error`, returns the first error
    /// as soon as it is seen.
    fn poll_core(&mut self, cx: &Context<'_>, stop_on_error: bool) -> Poll<Result<(), TaskError>> {
        if !std::mem::replace(&mut self.marked, true) {
            mark_current_task_catches();
        }
        self.spawn_children();
        // Cancelled while gathering: every child is cancelled and awaited, then the cancel
        // goes on (`docs/cancellation.md#gather`).
        let passing_on = self.pass_on.check(self.tasks.iter().map(|t| &**t));
        while self.remaining > 0 {
            let completions = self.completions.as_ref().expect("spawned above");
            let i = std::task::ready!(completions.poll_next(cx));
            self.remaining -= 1;
            let out = self.tasks[i]
                .take_result()
                .expect("a finished task has its result");
            if stop_on_error
                && !passing_on
                && let Err(e) = out
            {
                self.finished = true;
                return Poll::Ready(Err(e));
            }
            self.results[i] = Some(out);
        }
        self.finished = true;
        if self.pass_on.finish() {
            return Poll::Pending;
        }
        Poll::Ready(Ok(()))
    }

    /// Spawns the children, unless that was done.
    fn spawn_children(&mut self) {
        if let Some(futs) = self.unspawned.take() {
            self.tasks = futs.into_iter().map(crate::spawn).collect();
            self.results = self.tasks.iter().map(|_| None).collect();
            self.remaining = self.tasks.len();
            self.completions = Some(Completions::watch(self.tasks.iter().map(|t| &**t)));
        }
    }

    /// Spawns the children (unless done) and gives them up: this gather no longer cancels
    /// them when dropped.
    fn hand_over_tasks(&mut self) -> Vec<Task<F::Output>> {
        self.spawn_children();
        self.finished = true;
        std::mem::take(&mut self.tasks)
    }

    fn take_results(&mut self) -> impl Iterator<Item = Result<F::Output, TaskError>> + '_ {
        self.results
            .iter_mut()
            .map(|r| r.take().expect("every child finished"))
    }
}

impl<F: Future> Drop for Gathering<F> {
    fn drop(&mut self) {
        if !self.finished {
            cancel_unfinished(self.tasks.iter().map(|t| &**t));
        }
    }
}

/// The future returned by [`gather`].
#[must_use = "futures do nothing unless awaited"]
pub struct Gather<F: Future> {
    core: Gathering<F>,
}

impl<F: Future + 'static> Gather<F> {
    /// Spawns the children (unless a poll did) and hands them over, for `start`.
    pub(super) fn into_tasks(mut self) -> Vec<Task<F::Output>> {
        self.core.hand_over_tasks()
    }
}

impl<F: Future + 'static> GatherResults<F> {
    /// As [`Gather::into_tasks`].
    pub(super) fn into_tasks(mut self) -> Vec<Task<F::Output>> {
        self.core.hand_over_tasks()
    }
}

impl<F: Future + 'static> Future for Gather<F> {
    type Output = Result<Vec<F::Output>, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let core = &mut self.core;
        std::task::ready!(core.poll_core(cx, true))?;
        Poll::Ready(core.take_results().collect())
    }
}

/// The future returned by [`gather_results`].
#[must_use = "futures do nothing unless awaited"]
pub struct GatherResults<F: Future> {
    core: Gathering<F>,
}

impl<F: Future + 'static> Future for GatherResults<F> {
    type Output = Vec<Result<F::Output, TaskError>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let core = &mut self.core;
        let _ = std::task::ready!(core.poll_core(cx, false));
        Poll::Ready(core.take_results().collect())
    }
}

// The futures are only moved (into tasks) before being polled.
impl<F: Future> Unpin for Gather<F> {}
impl<F: Future> Unpin for GatherResults<F> {}

/// Gathers tasks that are already running (asyncio `gather(task_a, task_b, ...)`): their
/// values in input order, or the first failure at once, a child cancelled or panicking
/// failing the gather as in asyncio. Dropping it unfinished (even before its first poll)
/// cancels the tasks not done, as cancelling asyncio's gather does; a cancel delivered to
/// the awaiting task is passed on to them.
///
/// [`gather`] takes futures and runs each as a new task: given tasks, it would wrap each
/// in another task whose value is the inner task's `Result`, since a generic `F: Future`
/// cannot tell a task from other futures. Use this for tasks, or [`gather!`](crate::gather!),
/// which tells them apart.
///
/// Rosetta: asyncio `asyncio.gather(*tasks)`; tokio `futures::future::try_join_all` over
/// `JoinHandle`s.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let tasks = vec![evloop::spawn(async { 1 }), evloop::spawn(async { 2 })];
///     assert_eq!(evloop::gather_tasks(tasks).await.unwrap(), [1, 2]);
///
///     let failing = vec![
///         evloop::spawn(evloop::sleep(std::time::Duration::from_secs(60))),
///         evloop::spawn(async { panic!("boom") }),
///     ];
///     let err = evloop::gather_tasks(failing).await.unwrap_err();
///     assert!(err.to_string().contains("boom"));
/// })
/// .unwrap();
/// ```
#[doc(alias = "gather")]
pub fn gather_tasks<T>(tasks: impl IntoIterator<Item = Task<T>>) -> GatherTuple<Vec<Task<T>>> {
    gather_tuple(tasks.into_iter().collect())
}

/// Gathers a tuple of tasks of different types; see [`gather!`](crate::gather!).
pub fn gather_tuple<Tup: TaskTuple>(tasks: Tup) -> GatherTuple<Tup> {
    let refs = tasks.task_refs();
    GatherTuple {
        completions: Completions::watch(refs.iter()),
        remaining: refs.len(),
        unfinished: CancelUnfinished { refs, armed: true },
        tasks,
        pass_on: PassOn::default(),
        marked: false,
    }
}

/// The future returned by [`gather!`](crate::gather!).
#[must_use = "futures do nothing unless awaited"]
pub struct GatherTuple<Tup> {
    pub(super) tasks: Tup,
    /// The tasks, erased; they are cancelled if the gather is dropped unfinished.
    pub(super) unfinished: CancelUnfinished,
    completions: Completions,
    remaining: usize,
    pass_on: PassOn,
    marked: bool,
}

/// Cancels the tasks not done when dropped, while armed: what dropping an unfinished
/// gather does.
pub(super) struct CancelUnfinished {
    pub(super) refs: Vec<TaskRef>,
    pub(super) armed: bool,
}

impl Drop for CancelUnfinished {
    fn drop(&mut self) {
        if self.armed {
            cancel_unfinished(self.refs.iter());
        }
    }
}

impl<Tup> Unpin for GatherTuple<Tup> {}

impl<Tup: TaskTuple> Future for GatherTuple<Tup> {
    type Output = Result<Tup::Output, TaskError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if !std::mem::replace(&mut this.marked, true) {
            mark_current_task_catches();
        }
        let passing_on = this.pass_on.check(this.unfinished.refs.iter());
        while this.remaining > 0 {
            let i = std::task::ready!(this.completions.poll_next(cx));
            this.remaining -= 1;
            if !passing_on && this.unfinished.refs[i].0.header().failed() {
                this.unfinished.armed = false;
                return Poll::Ready(Err(this.tasks.take_error(i)));
            }
        }
        this.unfinished.armed = false;
        if this.pass_on.finish() {
            return Poll::Pending;
        }
        Poll::Ready(this.tasks.take_all())
    }
}

/// One argument of [`gather!`](crate::gather!), on its way to being a task. The macro
/// calls `gather_task` on a `&GatherArg<X>`: for a [`Task`] the [`GatherTaskArg`] impl
/// matches that receiver as it is and is chosen; any other future only matches
/// [`GatherFutureArg`] through one more reference, so it is run as a new task. (Method
/// lookup tries the receiver before its reference: the "autoref specialisation" idiom,
/// which works in a macro because the argument's type is known there.)
#[doc(hidden)]
pub struct GatherArg<X>(pub std::cell::Cell<Option<X>>);

/// A [`Task`] argument of [`gather!`](crate::gather!): gathered as it is.
#[doc(hidden)]
pub trait GatherTaskArg {
    /// The task's value.
    type Out;
    /// The task.
    fn gather_task(&self) -> Task<Self::Out>;
}

impl<T> GatherTaskArg for GatherArg<Task<T>> {
    type Out = T;

    fn gather_task(&self) -> Task<T> {
        self.0.take().expect("each argument is taken once")
    }
}

/// An [`evloop::Future`](crate::Future) argument: a task awaits it, so that its value comes
/// out as the value, its cancel as the task's cancel and its error as the task's failure
/// (asyncio's gather takes a future's exception as the gather's).
impl<T: Clone + 'static> GatherTaskArg for GatherArg<crate::Future<T>> {
    type Out = T;

    #[track_caller]
    fn gather_task(&self) -> Task<T> {
        let fut = self.0.take().expect("each argument is taken once");
        crate::spawn(async move {
            match fut.await {
                Ok(v) => v,
                Err(crate::error::FutureError::Cancelled) => {
                    if let Some(me) = crate::current_task() {
                        me.cancel();
                    }
                    std::future::pending().await
                }
                // Fails the task as a panic does, without the panic hook's message.
                Err(e) => std::panic::resume_unwind(Box::new(e.to_string())),
            }
        })
    }
}

/// Any other future argument of [`gather!`](crate::gather!): run as a new task.
#[doc(hidden)]
pub trait GatherFutureArg {
    /// The future's output.
    type Out;
    /// The new task.
    fn gather_task(&self) -> Task<Self::Out>;
}

impl<F: Future + 'static> GatherFutureArg for &GatherArg<F> {
    type Out = F::Output;

    #[track_caller]
    fn gather_task(&self) -> Task<F::Output> {
        crate::spawn(self.0.take().expect("each argument is taken once"))
    }
}

/// Gathers futures of different types: gives a tuple of their values, in argument order
/// (asyncio `await asyncio.gather(a(), b(), task_c)`). A [`Task`] argument is gathered as
/// it is, an [`evloop::Future`](crate::Future) gives its value (or its error or cancel as
/// the gather's); any other future is run as a new task when the returned future is first
/// polled.
///
/// Evaluates to a future of `Result<(A, B, ...), TaskError>`; up to 8 arguments. The first
/// child to fail (a panic, or a task cancelled) makes it return that error at once (the
/// others keep running); dropping it unfinished cancels the children.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let (n, s) = evloop::gather!(async { 1 + 1 }, async { "two" }).await.unwrap();
///     assert_eq!((n, s), (2, "two"));
///
///     // A running task and a future, mixed: the task's value, not its `Result`.
///     let task = evloop::spawn(async { 3 });
///     let (t, f) = evloop::gather!(task, async { 4.0 }).await.unwrap();
///     assert_eq!((t, f), (3, 4.0));
/// })
/// .unwrap();
/// ```
#[macro_export]
macro_rules! gather {
    ($($fut:expr),+ $(,)?) => {
        async {
            #[allow(unused_imports)]
            use $crate::combinators::{GatherFutureArg as _, GatherTaskArg as _};
            $crate::combinators::gather_tuple((
                $((&$crate::combinators::GatherArg(::std::cell::Cell::new(Some($fut))))
                    .gather_task(),)+
            ))
            .await
        }
    };
}
