//! The loop, tasks, cancellation and coordination: each module mirrors an asyncio program or rule
//! and checks the same lines in the same order.
//!
//! One test binary for many files: each file is a module, so the suite links once.
//! Run one file's tests with `cargo test --test core_tests <file>::`.

#[path = "../py/mod.rs"]
mod py;
#[path = "../util/mod.rs"]
mod util;

mod cancel_delivery;
mod cancel_shutdown;
mod cancel_structured;
mod coord_gather;
mod coord_task_group;
mod coord_timeout;
mod coord_wait;
mod embed;
mod future;
mod futures_combinators;
mod interop;
mod interval;
mod introspection;
#[cfg(feature = "executor")]
mod io_executor;
mod limits_matrix;
mod limits_sync;
mod loop_busy;
mod loop_errors;
mod loop_limits;
mod loop_ordering;
mod loop_threads;
mod model_loop;
mod model_sync;
mod queue;
mod sync_primitives;
mod task_cancel;
mod task_factory;
mod task_lifecycle;
mod threadsafe;
mod timeline;
