//! Coordination: gather, wait, timeouts, task groups, queues, locks and the other sync
//! primitives, intervals: each module mirrors an asyncio program or rule and checks the same
//! lines in the same order.
//!
//! One test binary for many files: each file is a module, so the suite links once.
//! Run one file's tests with `cargo test --test coord_tests <file>::`.

#[path = "../py/mod.rs"]
mod py;
#[path = "../util/mod.rs"]
mod util;

mod coord_gather;
mod coord_task_group;
mod coord_timeout;
mod coord_wait;
mod futures_combinators;
mod interval;
mod limits_matrix;
mod limits_sync;
mod model_sync;
mod queue;
mod sync_primitives;
