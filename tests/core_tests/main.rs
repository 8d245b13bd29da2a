//! The loop, tasks, futures and cancellation: each module mirrors an asyncio program or rule
//! and checks the same lines in the same order (coordination is in `tests/coord_tests/`).
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
mod embed;
mod future;
mod interop;
mod introspection;
#[cfg(feature = "executor")]
mod io_executor;
mod loop_busy;
mod loop_errors;
mod loop_limits;
mod loop_ordering;
mod loop_threads;
mod model_loop;
mod task_cancel;
mod task_factory;
mod task_lifecycle;
mod threadsafe;
mod timeline;
