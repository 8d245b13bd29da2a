//! Coordinating tasks: futures, sleeps, the combinators (`gather`, `wait`, `wait_for`,
//! `timeout`, `shield`, `TaskGroup`), queues, the synchronisation primitives, and async
//! iteration. Everything here is built from tasks, wakers and the running loop; none of it
//! touches the reactor.
//!
//! **May import:** `task`, `driver`, `error`, and the loop through its context and its
//! public handle (`event_loop`). Not `io`, `system` or `ext`.

pub mod async_iter;
pub mod async_with;
pub mod combinators;
pub mod future;
pub mod interval;
pub mod queue;
pub mod shared_task;
pub mod sync;
pub mod threadsafe;
pub mod time;
