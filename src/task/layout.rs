//! The layout of a task's allocation: every type its parts are made of, with their fields,
//! in one place; the files beside this one give each part its behaviour (`header`: the
//! task's bookkeeping, `raw`: the local references and freeing, `waker`: wakers and the
//! door, `running`: the loop running on this thread).
//!
//! ```text
//!  one heap block (cell::TaskCell<F>, #[repr(C)])
//!  ┌──────────────────────────── TaskHeader ─────────────────────────────┐┌──────────┐
//!  │ wake: WakeHeader (count, Door) │ vtable │ refs │ key │ sched │ ... ││ future / │
//!  └─────────────────────────────────────────────────────────────────────┘│ result   │
//!   ▲ TaskPtr, TaskRef, Task<T> (local, counted in `refs`)                 └──────────┘
//!   ▲ Waker, WakeRef (any thread, counted in `wake.count`; reach only `wake`)
//! ```
//!
//! The task reaches whatever runs it through [`Schedule`], a trait the loop implements
//! (async-task's `Schedule` and tokio's `task::Schedule` have the same shape: the executor
//! is a parameter of the task, not a module it imports), and other threads reach the loop
//! through its [`Door`].

use std::alloc::Layout;
use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::ptr::NonNull;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::Waker;

use super::TaskRef;
use super::blocks::Blocks;
use super::cross_thread::{AtomicBool, AtomicU32};
use super::finished::Finished;
use super::state::Lifecycle;
use crate::error::ExceptionContext;

/// A done callback waiting for its task to finish.
pub(crate) type DoneCallback = Box<dyn FnOnce(&TaskRef)>;

/// A done callback in a list, with the id `TaskRef::remove_done_callback` finds it by (0 for
/// the loop's own callbacks, which nothing removes).
pub(crate) type Entry = (u64, DoneCallback);

/// A task's done callbacks, in registration order. One callback (the common case: a single
/// watcher such as `gather` or `run_until_complete`) needs no list, and a combinator's
/// watcher (`Watch`: `gather`, `wait`, `as_completed`) needs no allocation either.
#[derive(Default)]
pub(crate) enum DoneCallbacks {
    #[default]
    None,
    One(DoneCallback),
    /// Report index `.1` to the finished list of a set of watched tasks: what the closure of
    /// `combinators::completion` would do, kept as data (the enum stays 24 bytes).
    Watch(Rc<Finished>, usize),
    Many(Vec<Entry>),
}

/// The untyped part of a task. It starts the task's block (`cell::TaskCell` is `#[repr(C)]`),
/// so a waker's pointer is a pointer to the header; wakers reach their `wake` field by name.
pub(crate) struct TaskHeader {
    /// What wakers reach, from any thread: their count and the loop's remote door.
    pub(crate) wake: WakeHeader,
    /// The typed operations of this task's cell (step, read the result, drop, free).
    pub(crate) vtable: &'static Vtable,
    /// Local references: `TaskRef`s, `Task<T>` handles, the slab slot, queued done
    /// callbacks. When it reaches zero the task's contents are dropped (see `raw`).
    pub(crate) refs: Cell<u32>,
    /// The task's key in its loop's task slab. 32 bits keep the header at 112 bytes; four
    /// billion live tasks would need over 600 GiB.
    pub(super) key: u32,
    /// Unique within the loop, from 1 upwards (asyncio's `Task-N` counter, but per loop).
    pub(crate) id: u64,
    /// The scheduler (the owning loop). Dropped with the task's contents, never by whoever
    /// frees the memory.
    pub(crate) sched: ManuallyDrop<Weak<dyn Schedule>>,
    /// Phase, ending and flags, changed only through `Lifecycle`'s transitions (see `state`).
    pub(super) state: Cell<Lifecycle>,
    /// How many cancels were requested (asyncio `Task.cancelling()`); saturates at
    /// `u16::MAX`, which keeps the header within its size budget.
    pub(super) cancelling: Cell<u16>,
    /// How many steps the task took.
    pub(crate) polls: Cell<u32>,
    /// The awaiter of the `Task<T>` handle when it is a task of this loop polled with its
    /// own waker: a local reference, scheduled directly when this task finishes. Keeping it
    /// instead of a waker clone saves the atomics of the clone, the wake and the drop (and
    /// the awaiter's reference to the loop's door). Like a waker clone, it keeps the
    /// awaiter's block until this task finishes; a task that has not finished holds its
    /// contents anyway (the slab does), and a finished one has dropped its future. At most
    /// one of it and `Extras::join_waker` is set.
    pub(super) join_task: Cell<Option<TaskPtr>>,
    /// Done callbacks, in registration order; drained (and scheduled) when the task finishes.
    pub(crate) callbacks: Cell<DoneCallbacks>,
    /// Where the task was spawned.
    pub(crate) location: &'static Location<'static>,
    /// What few tasks use, allocated on first use (see [`Extras`]).
    pub(super) extras: Cell<Option<Box<Extras>>>,
}

/// The part of a task's header that most tasks never use: a name given with `set_name`, the
/// poll time counted while the loop is observed, and the waker of an awaiter that is not a
/// task of this loop. Every task pays one pointer for them, and the few that use them one
/// allocation. (A task's size is what its spawn costs most: see `docs/performance.md`.)
#[derive(Default)]
pub(super) struct Extras {
    /// `None` means the default `Task-{id}`.
    pub(super) name: Option<String>,
    /// Nanoseconds spent in its steps, counted only while the loop is observed.
    pub(super) poll_nanos: u64,
    /// The waker of whoever awaits the `Task<T>` handle, when that is not `join_task`.
    pub(super) join_waker: Option<Waker>,
    /// The message of the last cancel requested while none was pending (asyncio
    /// `Task._cancel_message`); a cancel without one allocates nothing.
    pub(super) cancel_message: Option<Arc<str>>,
    /// Done callbacks added after the handle's awaiter started awaiting while earlier
    /// callbacks were waiting (`joiner_queued`): they run after the awaiter is woken.
    pub(super) later_callbacks: Vec<Entry>,
    /// The last id given to a done callback added through the public API.
    pub(super) last_callback_id: u64,
}

/// The typed operations of a task cell, so that untyped pointers can reach them.
pub(crate) struct Vtable {
    /// Runs one step; true when the task finished.
    pub(crate) step: unsafe fn(&TaskPtr) -> bool,
    /// Finishes the task as cancelled without polling it again (used by `close`).
    pub(crate) abort: unsafe fn(&TaskPtr),
    /// Moves the result out into `*out` (an `Option<Result<T, TaskError>>`).
    pub(crate) take_result: unsafe fn(NonNull<TaskHeader>, *mut ()),
    /// The `Task<T>` handle is gone: drop the result now, reporting an unread panic.
    pub(crate) handle_dropped: unsafe fn(NonNull<TaskHeader>),
    /// Drops the future or the result in place (the last local reference went).
    pub(crate) drop_contents: unsafe fn(NonNull<TaskHeader>),
    /// The block's layout, to free it without knowing its type.
    pub(crate) layout: Layout,
}

/// A local reference to a task: counted without atomics, never sent to another thread
/// (`NonNull` is neither `Send` nor `Sync`).
pub(crate) struct TaskPtr(pub(super) NonNull<TaskHeader>);

/// The part of a task that wakers reach from any thread. Nothing else of the task may be
/// touched off the loop's thread.
pub(crate) struct WakeHeader {
    /// Wakers (clones, queued remote wakes) plus one for the task's local side while any
    /// local reference lives. The memory is freed when it reaches zero. 32 bits, so that
    /// it and `owns_door` share one word: two billion live wakers of one task would be a
    /// leak, and `acquire` aborts before the count could wrap.
    pub(super) count: AtomicU32,
    /// The owning loop's thread-safe queue. Borrowed (valid while the loop is) until
    /// `owns_door` is set; from then on the task holds an `Arc` reference to it.
    pub(super) door: NonNull<Door>,
    /// Set by the first clone of the waker; the reference is given back in `release`.
    pub(super) owns_door: AtomicBool,
    /// A remote wake of this task is in the loop's queue and not yet delivered: further
    /// remote wakes are coalesced into it, so a task woken a million times from another
    /// thread while it waits costs one queue entry, not a million.
    pub(super) remote_queued: AtomicBool,
}

/// A counted pointer to a task, for waking it from another thread: holds one unit of the
/// waker count, so the task's memory stays while it is queued.
pub(crate) struct WakeRef(pub(super) NonNull<TaskHeader>);

// SAFETY: a `WakeRef` touches only the task's `WakeHeader` (atomics and the thread-safe
// `Door`) on whatever thread holds it; the loop reads the rest of the header only after
// the queue hands the `WakeRef` to its own thread.
#[allow(unsafe_code)]
unsafe impl Send for WakeRef {}

/// Where a waker on another thread sends its task: the loop's thread-safe queue.
pub(crate) trait RemoteWake: Send + Sync {
    /// Queues `task` for the loop's thread and wakes that thread. A closed loop drops it.
    fn wake(&self, task: WakeRef);
}

/// A loop's door for remote wakes, shared by its tasks (each task that has a cloned waker
/// keeps one strong reference). Its address is the loop's identity for the local check.
pub(crate) struct Door(pub(super) Arc<dyn RemoteWake>);

/// Gives back a reference to a door taken over with `WakeHeader::owned_door`.
///
/// # Safety
///
/// `door` is such a reference, given back once.
pub(crate) unsafe fn give_back_door(door: NonNull<Door>) {
    // SAFETY: per the contract, one strong reference `own_door` took is given back.
    unsafe { Arc::decrement_strong_count(door.as_ptr()) };
}

/// The loop as its tasks see it. Every method is called on the loop's thread.
pub(crate) trait Schedule {
    /// Queues the task's next step, unless it is queued already or done (a wake or a cancel
    /// on the loop's thread).
    fn schedule(&self, task: &TaskHeader);

    /// Queues one item that runs the finished task's done callbacks in a later turn.
    fn schedule_done(&self, task: TaskPtr);

    /// Runs `f` in a later turn (a done callback added to a task that is already done).
    fn call_soon(&self, f: Box<dyn FnOnce()>, location: &'static Location<'static>);

    /// Passes a report to the loop's exception handler.
    fn report(&self, ctx: &ExceptionContext);

    /// Where a finished task's block may be kept for the next spawn (see `blocks`; a closed
    /// scheduler's blocks keep nothing).
    fn blocks(&self) -> &Blocks;
}

/// What a scheduler gives a task it creates (`cell::TaskCell::allocate`).
pub(crate) struct NewTask<'a> {
    /// The task's key in the scheduler's task table.
    pub(crate) key: usize,
    /// The task's id, unique within the scheduler.
    pub(crate) id: u64,
    /// The scheduler itself.
    pub(crate) sched: Weak<dyn Schedule>,
    /// The scheduler's door for remote wakes.
    pub(crate) door: &'a Arc<Door>,
    /// The blocks the scheduler kept for new tasks.
    pub(crate) blocks: &'a Blocks,
    /// Where the task was spawned.
    pub(crate) location: &'static Location<'static>,
}
