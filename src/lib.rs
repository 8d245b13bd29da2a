//! # evloop: asyncio, rebuilt in Rust
//!
//! A small, fast, single-threaded event loop and coroutine executor with asyncio's names and
//! asyncio's observable behaviour: the same ordering of callbacks, the same cancellation
//! rules, the same errors. It is meant to be read: each concept lives in one module named
//! after it, and the loop's one turn is one function.
//!
//! ## Coming from asyncio
//!
//! Write the program you would write in Python; the names are asyncio's, and where a name
//! had to change, rustdoc's search box finds it by the asyncio spelling (`create_task`,
//! `CancelledError`, `run_coroutine_threadsafe` ...). Every asyncio 3.13 name is in the
//! [mapping table](guide::mapping), with its evloop twin and any difference.
//!
//! | asyncio | evloop |
//! |---|---|
//! | `asyncio.run(main())` | [`run`]`(main())` |
//! | `asyncio.create_task(coro)` | [`spawn`]`(fut)` |
//! | `await task` / `task.result()` | `task.await` / [`Task::take_result`]: a `Result` |
//! | `except asyncio.CancelledError:` | `match` [`catch_cancel`]`(fut).await` |
//! | `asyncio.gather(a, b)` | [`gather!`]`(a, b)`, [`gather`](gather())`(iter)` (`.start()` for the future) |
//! | `async with asyncio.timeout(1):` | [`timeout`]`(d).run(fut).await` |
//! | `async with lock:` | `let _guard = lock.acquire().await;` (released on drop) |
//!
//! ```
//! use std::time::Duration;
//!
//! // async def main():
//! //     task = asyncio.create_task(asyncio.sleep(1))
//! //     task.cancel()
//! //     try: await task
//! //     except asyncio.CancelledError: print("cancelled")
//! let out = evloop::run(async {
//!     let task = evloop::spawn(evloop::sleep(Duration::from_secs(1)));
//!     task.cancel();
//!     match task.await {
//!         Err(e) if e.is_cancelled() => "cancelled",
//!         _ => "finished",
//!     }
//! })
//! .unwrap();
//! assert_eq!(out, "cancelled");
//! ```
//!
//! ## Coming from tokio
//!
//! evloop is a `current_thread` runtime with `LocalSet` built in: tasks need not be `Send`,
//! and [`spawn`] is tokio's `spawn_local`. The [`Task`] handle is a `JoinHandle` whose
//! `cancel` is asyncio's (delivered at the next await, which can catch it and clean up with
//! awaits); tokio's hard stop is [`TaskRef::abort`]. Other threads reach the loop through a
//! `Send` [`RemoteHandle`] (`call_soon_threadsafe`, and `run_coroutine_threadsafe` where
//! tokio has `Handle::spawn`). Futures written for any runtime
//! (the `futures` crate, `async-channel`) run unchanged, and evloop's own futures run
//! under `futures::select!` and `join!`.
//!
//! ```
//! // tokio: let rt = Builder::new_current_thread().enable_all().build()?;
//! //        LocalSet::new().block_on(&rt, async { spawn_local(async { 1 }).await })
//! let ev = evloop::EventLoop::new().unwrap();
//! let one = ev.run_until_complete(async { evloop::spawn(async { 1 }).await }).unwrap();
//! assert_eq!(one, Ok(1));
//! ```
//!
//! ## A tour in five stops
//!
//! 1. [`EventLoop`] / [`LoopHandle`]: `call_soon`, `call_later`, `call_at`, `time`,
//!    `run_forever`, `run_until_complete`, `stop`, `close`. One loop per thread.
//! 2. [`event_loop::run_once`]: **the turn** (asyncio's `_run_once`): work out a timeout,
//!    poll the [reactor](mod@reactor), move readiness and due [timers](mod@timers) to the ready
//!    queue, run exactly the batch that was ready. Nothing runs anywhere else.
//! 3. [`Task`] ([`task`]): a future driven by wakers. A local wake pushes the task's key onto
//!    the ready queue with no lock and no atomic read-modify-write; a wake from another
//!    thread goes through [`RemoteHandle`]'s queue and the `mio::Waker`.
//! 4. Cancellation: [`Task::cancel`](TaskRef::cancel) is delivered at the task's next
//!    await, where [`catch_cancel`] catches it (asyncio's `except CancelledError:`) so the
//!    task can clean up with awaits, then [`reraise`](Cancelled::reraise) or swallow it; a
//!    cancel nothing catches ends the task there. See the [guide](guide::cancellation).
//! 5. [`Future`]: asyncio's `Future`, a result set later and awaited by many.
//!
//! The long version is the [guided tour](guide::tour) (`docs/tour/`): nine chapters, each
//! next to the source it explains. To watch a loop while you read, use
//! [debug mode](mod@debug), the [task table and counters](mod@introspect), and (feature
//! `trace`) a recorded timeline of its turns.
//!
//! ## Hello, asyncio
//!
//! ```
//! use std::time::Duration;
//!
//! // asyncio.run(main())
//! let out = evloop::run(async {
//!     let world = evloop::spawn(async {
//!         evloop::sleep(Duration::from_millis(2)).await;
//!         "world!"
//!     });
//!     evloop::sleep(Duration::from_millis(1)).await;
//!     format!("Hello {}", world.await.unwrap())
//! })
//! .unwrap();
//! assert_eq!(out, "Hello world!");
//! ```
//!
//! ## Where evloop differs from asyncio
//!
//! Rust forces a few differences (a cancel is caught by a `catch_cancel` scope rather than
//! an `except` clause; results are `Result`s, not raised errors); each is listed in the
//! [mapping table](guide::mapping).

// The folders of `src/` are the layers, lowest first (see docs/architecture.md). Each
// folder's module docs say what it may import. The modules keep their flat public paths
// (`evloop::sync`, `evloop::net`, ...) through the re-exports below.
#[cfg(any(feature = "hyper", feature = "tokio-io"))]
pub mod compat;
mod coordination;
mod driver;
pub mod error;
pub mod event_loop;
#[cfg(feature = "ext")]
pub mod ext;
pub mod io;
#[cfg(feature = "observe")]
mod observe;
mod system;
pub mod task;

pub use coordination::{
    async_iter, async_with, combinators, future, interval, queue, shared_task, sync, threadsafe,
    time,
};
pub(crate) use driver::callback;
pub use driver::{clock, reactor, timers};
#[cfg(feature = "dns")]
pub use io::dns::NameInfoFlags;
#[cfg(feature = "executor")]
pub use io::executor;
#[cfg(feature = "tls")]
pub use io::tls;
#[cfg(feature = "net")]
pub use io::{net, server, streams, transport};
#[cfg(feature = "trace")]
pub use observe::timeline;
#[cfg(feature = "observe")]
pub use observe::{debug, introspect};
#[cfg(all(unix, feature = "process"))]
pub use system::process;
#[cfg(all(unix, feature = "signal"))]
pub use system::signals;

pub mod guide {
    //! The prose documentation from `docs/`, with its examples compiled and run as tests.

    #[doc = include_str!("../docs/how-it-works.md")]
    pub mod how_it_works {}

    #[doc = include_str!("../docs/cancellation.md")]
    pub mod cancellation {}

    #[doc = include_str!("../docs/asyncio-mapping.md")]
    pub mod mapping {}

    #[doc = include_str!("../docs/embedding.md")]
    pub mod embedding {}

    #[doc = include_str!("../docs/reliability.md")]
    pub mod reliability {}

    #[cfg(feature = "ext")]
    #[doc = include_str!("../docs/extensions.md")]
    pub mod extensions {}

    /// The guided tour, `docs/tour/`: nine chapters, each ending in an example run here (the
    /// chapters whose example reads the loop's counters need the `observe` feature).
    pub mod tour {
        #[doc = include_str!("../docs/tour/README.md")]
        pub mod contents {}
        #[doc = include_str!("../docs/tour/01-coroutines.md")]
        pub mod ch1_coroutines {}
        #[cfg(feature = "observe")]
        #[doc = include_str!("../docs/tour/02-one-turn.md")]
        pub mod ch2_one_turn {}
        #[cfg(feature = "observe")]
        #[doc = include_str!("../docs/tour/03-handles-and-timers.md")]
        pub mod ch3_handles_and_timers {}
        #[cfg(feature = "observe")]
        #[doc = include_str!("../docs/tour/04-tasks-and-wakers.md")]
        pub mod ch4_tasks_and_wakers {}
        #[doc = include_str!("../docs/tour/05-futures.md")]
        pub mod ch5_futures {}
        #[doc = include_str!("../docs/tour/06-cancellation.md")]
        pub mod ch6_cancellation {}
        #[cfg(all(unix, feature = "observe"))]
        #[doc = include_str!("../docs/tour/07-reactor.md")]
        pub mod ch7_reactor {}
        #[doc = include_str!("../docs/tour/08-queues-and-locks.md")]
        pub mod ch8_queues_and_locks {}
        #[cfg(feature = "ext")]
        #[doc = include_str!("../docs/tour/09-extensions.md")]
        pub mod ch9_extensions {}
    }
}

pub use clock::{Clock, ManualClock};
pub use combinators::{
    GatheringFuture, ReturnWhen, TaskGroup, TaskGroupError, TimeoutHandle, TimeoutScope, WaitError,
    as_completed, catch_cancel, gather, gather_results, gather_tasks, shield, timeout, timeout_at,
    wait, wait_for,
};
#[cfg(all(unix, feature = "signal"))]
pub use error::SignalError;
#[cfg(feature = "net")]
pub use error::StreamError;
pub use error::{
    BrokenBarrierError, Cancelled, FutureError, GetError, InvalidStateError, LoopError, PutError,
    RunError, TaskError, TimeoutError, TooManyReleases, panic_message,
};
#[cfg(feature = "observe")]
pub use event_loop::context::dump;
pub use event_loop::context::{all_tasks, current_task, get_running_loop, running_loop, spawn};
pub use event_loop::embed::block_on;
pub use event_loop::exception::{ExceptionContext, ExceptionHandler, default_exception_handler};
pub use event_loop::handle::{Handle, TimerHandle};
pub use event_loop::remote_handle::RemoteHandle;
pub use event_loop::{EventLoop, LoopHandle};
#[cfg(feature = "executor")]
pub use executor::{ThreadPool, to_thread};
pub use future::Future;
pub use interval::{Interval, MissedTickBehavior, interval, interval_at};
#[cfg(feature = "observe")]
pub use introspect::LoopStats;
pub use queue::{LifoQueue, PriorityQueue, Queue};
pub use shared_task::SharedTask;
pub use system::runner::run;
pub use task::cancel::is_cancelling;
pub use task::factory::{TaskFactory, create_eager_task_factory, eager_task_factory};
pub use task::{DoneCallbackId, Task, TaskRef, TaskState};
pub use time::{Sleep, YieldNow, sleep, sleep_until, yield_now};
