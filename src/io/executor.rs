//! Blocking work off the loop: asyncio's `run_in_executor` and `to_thread`.
//!
//! A blocking call (file I/O, a C library, heavy computation) would stall every task on the
//! loop. [`LoopHandle::run_in_executor`](crate::LoopHandle::run_in_executor) runs it on a
//! [`ThreadPool`] instead and gives back a future for its result. The worker hands the
//! result over under a mutex and wakes the awaiting task through its waker, which from
//! another thread takes the loop's thread-safe path (the remote queue and the `mio::Waker`),
//! so a loop blocked in poll wakes up.
//!
//! **Drop and cancel first.** Dropping the [`Blocking`] future (its task cancelled) cancels
//! the job if it has not started; a job already running on a thread cannot be interrupted
//! and runs to the end, its result dropped (asyncio behaves the same way). A panic in the
//! job comes back as [`TaskError::Panicked`], never as a crash of the loop.
//!
//! # Examples
//!
//! ```
//! evloop::run(async {
//!     let sum = evloop::to_thread(|| (0..1_000_000u64).sum::<u64>()).await.unwrap();
//!     assert_eq!(sum, 499_999_500_000);
//! })
//! .unwrap();
//! ```

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::thread;

use crate::error::{ExceptionContext, FUTURE_NEVER_RETRIEVED, TaskError, panic_message};
use crate::event_loop::LoopHandle;
use crate::event_loop::remote_handle::RemoteHandle;
use crate::task::cancel;

type Job = Box<dyn FnOnce() + Send + 'static>;

#[derive(Default)]
struct Queue {
    /// Jobs waiting for a worker, in submission order.
    jobs: VecDeque<Job>,
    /// Workers started so far.
    workers: usize,
    /// Workers waiting for a job.
    idle: usize,
    /// Set by `shutdown`: workers exit once the queue is empty.
    shut_down: bool,
}

struct Pool {
    queue: Mutex<Queue>,
    wakeup: Condvar,
    max_workers: usize,
    name: String,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A pool of worker threads for blocking work; cheap to clone (clones share the pool).
///
/// Workers start on demand, up to `max_workers`, and wait for more work when idle. Dropping
/// the last handle, or [`shutdown`](ThreadPool::shutdown), lets them finish the queued jobs
/// and exit.
///
/// Rosetta: Python's `concurrent.futures.ThreadPoolExecutor`; tokio's blocking pool.
#[derive(Clone)]
pub struct ThreadPool {
    handle: Arc<PoolHandle>,
}

/// Shared by the `ThreadPool` handles (workers hold only the `Pool`): when the last handle
/// goes, the pool shuts down.
struct PoolHandle {
    pool: Arc<Pool>,
}

impl Drop for PoolHandle {
    fn drop(&mut self) {
        shutdown(&self.pool, false);
    }
}

/// Stops accepting work and wakes every worker; with `wait`, blocks until they exited.
fn shutdown(pool: &Pool, wait: bool) {
    pool.lock().shut_down = true;
    pool.wakeup.notify_all();
    if wait {
        let mut q = pool.lock();
        while q.workers > 0 {
            q = pool.wakeup.wait(q).unwrap_or_else(|p| p.into_inner());
        }
    }
}

impl ThreadPool {
    /// A pool of at most `max_workers` threads (at least one).
    pub fn new(max_workers: usize) -> ThreadPool {
        ThreadPool::named(max_workers, "evloop-worker")
    }

    /// The size Python picks for its default executor: `min(32, cpus + 4)`.
    pub fn default_size() -> usize {
        let cpus = thread::available_parallelism().map_or(1, |n| n.get());
        (cpus + 4).min(32)
    }

    /// A pool whose threads are named `{prefix}-1`, `{prefix}-2`, ... (asyncio's
    /// `ThreadPoolExecutor(max_workers, thread_name_prefix=prefix)`).
    pub fn named(max_workers: usize, prefix: &str) -> ThreadPool {
        ThreadPool {
            handle: Arc::new(PoolHandle {
                pool: Arc::new(Pool {
                    queue: Mutex::new(Queue::default()),
                    wakeup: Condvar::new(),
                    max_workers: max_workers.max(1),
                    name: prefix.to_string(),
                }),
            }),
        }
    }

    fn pool(&self) -> &Arc<Pool> {
        &self.handle.pool
    }

    /// The most threads it will run.
    pub fn max_workers(&self) -> usize {
        self.pool().max_workers
    }

    /// Threads started so far.
    pub fn workers(&self) -> usize {
        self.pool().lock().workers
    }

    fn submit(&self, job: Job) -> Result<(), Job> {
        let mut q = self.pool().lock();
        if q.shut_down {
            return Err(job);
        }
        q.jobs.push_back(job);
        if q.idle == 0 && q.workers < self.pool().max_workers {
            q.workers += 1;
            let pool = self.pool().clone();
            let spawned = thread::Builder::new()
                .name(format!("{}-{}", pool.name, q.workers))
                .spawn(move || worker(&pool));
            if spawned.is_err() {
                q.workers -= 1; // the queued job waits for an existing worker
            }
        } else {
            self.pool().wakeup.notify_one();
        }
        Ok(())
    }

    /// Stops accepting work; workers finish what is queued, then exit. With `wait`, blocks
    /// until they have (asyncio `executor.shutdown(wait=True)`).
    pub fn shutdown(&self, wait: bool) {
        shutdown(self.pool(), wait);
    }

    /// Runs `f` on the pool; the returned future gives its result.
    pub fn spawn<F, T>(&self, f: F) -> Blocking<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let slot = Arc::new(Mutex::new(Slot {
            outcome: None,
            waker: None,
            cancelled: false,
            reporter: crate::running_loop().map(|h| h.remote()),
        }));
        let job_slot = slot.clone();
        let job: Job = Box::new(move || {
            if lock(&job_slot).cancelled {
                return; // cancelled before it started: never runs
            }
            let outcome = catch_unwind(AssertUnwindSafe(f))
                .map_err(|p| TaskError::Panicked(panic_message(&*p)));
            let waker = {
                let mut s = lock(&job_slot);
                if s.cancelled {
                    s.report_unread(outcome.err());
                    return;
                }
                s.outcome = Some(outcome);
                s.waker.take()
            };
            if let Some(w) = waker {
                w.wake(); // from this thread: the loop's thread-safe path
            }
        });
        if self.submit(job).is_err() {
            lock(&slot).outcome = Some(Err(TaskError::Cancelled));
        }
        Blocking { slot }
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let q = self.pool().lock();
        write!(
            f,
            "<ThreadPool max_workers={} workers={} idle={} queued={}>",
            self.pool().max_workers,
            q.workers,
            q.idle,
            q.jobs.len()
        )
    }
}

/// A worker thread: runs jobs until the pool shuts down and the queue is empty.
fn worker(pool: &Pool) {
    let mut q = pool.lock();
    loop {
        if let Some(job) = q.jobs.pop_front() {
            drop(q);
            job();
            q = pool.lock();
            continue;
        }
        if q.shut_down {
            q.workers -= 1;
            pool.wakeup.notify_all();
            return;
        }
        q.idle += 1;
        q = pool.wakeup.wait(q).unwrap_or_else(|p| p.into_inner());
        q.idle -= 1;
    }
}

struct Slot<T> {
    outcome: Option<Result<T, TaskError>>,
    waker: Option<Waker>,
    /// The `Blocking` was dropped: nobody will read the outcome.
    cancelled: bool,
    /// The loop that started the job, which hears of a panic nobody read.
    reporter: Option<RemoteHandle>,
}

impl<T> Slot<T> {
    /// A job's panic that nobody will read is reported on the loop that started it, as
    /// asyncio reports a future collected with its exception unread.
    fn report_unread(&mut self, error: Option<TaskError>) {
        let (Some(TaskError::Panicked(error)), Some(remote)) = (error, self.reporter.take()) else {
            return;
        };
        let _ = remote.call_soon_threadsafe(move || {
            if let Some(h) = crate::running_loop() {
                let mut ctx = ExceptionContext::new(FUTURE_NEVER_RETRIEVED);
                ctx.future = Some(format!("<Future finished exception=panic({error:?})>"));
                ctx.error = Some(error);
                h.call_exception_handler(&ctx);
            }
        });
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The result of blocking work; see the [module docs](self). Dropping it cancels the job if
/// it has not started.
#[must_use = "futures do nothing unless awaited"]
pub struct Blocking<T> {
    slot: Arc<Mutex<Slot<T>>>,
}

impl<T> Future for Blocking<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if cancel::in_flight() {
            return Poll::Pending; // a cancel is delivered at this await (`task::cancel`)
        }
        let mut s = lock(&self.slot);
        match s.outcome.take() {
            Some(out) => Poll::Ready(out),
            None => {
                match &s.waker {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => s.waker = Some(cx.waker().clone()),
                }
                Poll::Pending
            }
        }
    }
}

impl<T> Drop for Blocking<T> {
    fn drop(&mut self) {
        let mut s = lock(&self.slot);
        s.cancelled = true;
        if let Some(Err(e)) = s.outcome.take() {
            s.report_unread(Some(e));
        }
    }
}

/// Runs `f` on the running loop's default pool (asyncio `asyncio.to_thread(f)`).
///
/// ```
/// # evloop::run(async {
/// let main = std::thread::current().id();
/// let other = evloop::to_thread(move || std::thread::current().id() != main).await;
/// assert_eq!(other, Ok(true)); // ran on a pool thread
/// # }).unwrap();
/// ```
///
/// # Panics
///
/// Outside a running loop.
pub fn to_thread<F, T>(f: F) -> Blocking<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    crate::get_running_loop()
        .expect("evloop::to_thread called outside a running event loop")
        .run_in_executor(None, f)
}

/// The default executor of one loop, for `run_in_executor(None, ...)`: a loop component
/// made on first use (or set with `set_default_executor`) and shut down (without waiting)
/// when the loop closes, as asyncio does.
struct DefaultPool(std::cell::RefCell<ThreadPool>);

impl Drop for DefaultPool {
    fn drop(&mut self) {
        self.0.borrow().shutdown(false);
    }
}

impl LoopHandle {
    /// Runs the blocking `f` on `pool`, or on the loop's default pool (made on first use,
    /// `min(32, cpus + 4)` threads), and gives a future for its result; see
    /// [`executor`](crate::executor).
    ///
    /// Rosetta: asyncio `loop.run_in_executor(executor, f)`; tokio `task::spawn_blocking`.
    ///
    /// ```
    /// # evloop::run(async {
    /// let ev = evloop::get_running_loop().unwrap();
    /// let pool = evloop::executor::ThreadPool::new(1);
    /// assert_eq!(ev.run_in_executor(Some(&pool), || 6 * 7).await, Ok(42));
    /// # }).unwrap();
    /// ```
    pub fn run_in_executor<F, T>(&self, pool: Option<&ThreadPool>, f: F) -> Blocking<T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        match pool {
            Some(p) => p.spawn(f),
            None => self.default_pool().0.borrow().spawn(f),
        }
    }

    /// The default pool, made on first use.
    fn default_pool(&self) -> std::rc::Rc<DefaultPool> {
        self.core.components().get_or_insert_with(|| {
            let pool = ThreadPool::named(ThreadPool::default_size(), "evloop-default");
            DefaultPool(std::cell::RefCell::new(pool))
        })
    }

    /// Makes `pool` the default executor, the one `run_in_executor(None, ..)` and
    /// [`to_thread`] use from now on (asyncio `loop.set_default_executor(executor)`). The
    /// pool it replaces goes on with the jobs it has; the loop shuts the new one down when
    /// it closes, as asyncio does.
    ///
    /// # Examples
    ///
    /// ```
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     ev.set_default_executor(evloop::ThreadPool::named(2, "mine"));
    ///     let name = evloop::to_thread(|| std::thread::current().name().map(String::from));
    ///     assert!(name.await.unwrap().unwrap().starts_with("mine-"));
    /// })
    /// .unwrap();
    /// ```
    pub fn set_default_executor(&self, pool: ThreadPool) {
        let default = self.default_pool();
        let old = default.0.replace(pool);
        drop(old);
    }

    /// Shuts the default executor down and waits, running the loop, until its threads have
    /// finished the jobs they run (asyncio `loop.shutdown_default_executor()`, which
    /// `asyncio.run()` awaits before closing the loop). Jobs still queued are dropped. After
    /// `timeout` it stops waiting and reports the threads still busy through the exception
    /// handler, as asyncio warns after its `THREAD_JOIN_TIMEOUT`. A loop that never used
    /// its default executor returns at once.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// evloop::run(async {
    ///     let ev = evloop::get_running_loop().unwrap();
    ///     assert_eq!(ev.run_in_executor(None, || 6 * 7).await, Ok(42));
    ///     ev.shutdown_default_executor(Duration::from_secs(300)).await;
    /// })
    /// .unwrap();
    /// ```
    pub async fn shutdown_default_executor(&self, timeout: std::time::Duration) {
        let Some(default) = self.core.components().get::<DefaultPool>() else {
            return;
        };
        let default = default.0.borrow().clone();
        default.shutdown(false);
        let deadline = crate::clock::deadline_after(self.core.now(), timeout);
        while default.workers() > 0 {
            if self.core.now() >= deadline {
                self.core.report(&crate::ExceptionContext {
                    message: format!(
                        "The executor did not finish joining its threads within {timeout:?}."
                    ),
                    ..Default::default()
                });
                return;
            }
            crate::sleep(std::time::Duration::from_millis(1)).await;
        }
    }
}
