//! The task cell: the one allocation holding a task's header, then its future, then its
//! result (asyncio's `Task` object, with `__step` as [`TaskCell::step`]).
//!
//! Everything typed lives here; `raw` reaches it through the cell's [`Vtable`], so the loop
//! and the handles can hold plain pointers ([`TaskPtr`]) whatever the future's type. All of
//! it runs on the loop's thread: other threads reach only the `WakeHeader` at the start of
//! the block.

use std::cell::RefCell;
use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll};

use super::blocks;
use super::header::TaskHeader;
use super::layout::NewTask;
use super::raw::{TaskPtr, Vtable};
use super::state::{Ending, Lifecycle, StepStart};
use super::waker::{WakeHeader, with_waker};
use super::{Task, cancel};
use crate::error::{
    ExceptionContext, NEVER_RETRIEVED, TaskError, default_exception_handler, panic_message,
};

/// A task's future, then its result.
enum Progress<F: Future> {
    /// Still running; the future is pinned here (see `TaskCell::step`).
    Running(F),
    /// Finished; the result waits for the `Task<T>` handle.
    Finished(Result<F::Output, TaskError>),
    /// The result was taken (or dropped because nobody could take it).
    Consumed,
}

/// The block: `#[repr(C)]` puts the header at offset 0, so a `NonNull<TaskHeader>` is also a
/// pointer to the cell.
#[repr(C)]
pub(crate) struct TaskCell<F: Future> {
    header: TaskHeader,
    /// The future or its result. Borrowed mutably only for a poll, a drop or a take.
    stage: RefCell<Progress<F>>,
}

impl<F: Future + 'static> TaskCell<F> {
    /// The operations `raw` calls, for this future type.
    const VTABLE: Vtable = Vtable {
        step: Self::step,
        abort: Self::abort,
        take_result: Self::take_result_into,
        handle_dropped: Self::handle_dropped,
        drop_contents: Self::drop_contents,
        layout: blocks::block_layout(mem::size_of::<Self>(), mem::align_of::<Self>()),
    };

    /// Allocates a task (its one allocation: a block its scheduler kept, if it has one of
    /// this size, see `blocks`) and returns its handle.
    pub(crate) fn allocate(fut: F, new: NewTask<'_>) -> Task<F::Output> {
        let layout = Self::VTABLE.layout;
        // A kept block may come with a reference to the loop's door, which the new task
        // then owns: its first waker clone needs no atomic update of the door's count.
        let (block, owns_door) = match new.blocks.take(layout) {
            Some((block, door)) => (block, door.is_some()),
            None => (blocks::allocate(layout), false),
        };
        let block = block.cast::<TaskCell<F>>();
        let cell = TaskCell {
            header: TaskHeader::new(
                WakeHeader::new(new.door, owns_door),
                &Self::VTABLE,
                new.key,
                new.id,
                new.sched,
                new.location,
            ),
            stage: RefCell::new(Progress::Running(fut)),
        };
        // Written straight into its block: `Box::new(cell)` would build it on the stack and
        // copy it over (see "Task blocks" in `docs/performance.md`).
        // SAFETY: the block is unused and has `block_layout` of this cell's size and
        // alignment, which is at least as large and as aligned as the cell.
        unsafe { block.write(cell) };
        // SAFETY: a fresh cell, with one local reference, a waker count of one and this
        // cell's vtable (`TaskHeader::new`), in a block of `VTABLE.layout` from the global
        // allocator; the handle's `T` is this future's output.
        unsafe { Task::new(TaskPtr::from_new(block.cast::<TaskHeader>())) }
    }

    /// The cell behind a task pointer.
    ///
    /// # Safety
    ///
    /// `ptr` points at a `TaskCell<F>` (its vtable is `Self::VTABLE`) whose contents are
    /// alive (some local reference holds it).
    unsafe fn cell<'a>(ptr: NonNull<TaskHeader>) -> &'a TaskCell<F> {
        // SAFETY: per the contract; the header is at offset 0 (`#[repr(C)]`).
        unsafe { ptr.cast::<TaskCell<F>>().as_ref() }
    }

    /// Runs one step (asyncio `Task.__step`); returns true when the task finished.
    ///
    /// # Safety
    ///
    /// `me` is a `TaskCell<F>` (`raw` calls this through the cell's own vtable).
    unsafe fn step(me: &TaskPtr) -> bool {
        // SAFETY: per the contract; `me` keeps the contents alive.
        let this = unsafe { Self::cell(me.as_raw()) };
        let h = &this.header;
        h.polls.set(h.polls.get().saturating_add(1));
        let start = h.transition(Lifecycle::begin_step);
        if start == StepStart::Cancel {
            // Cancelled while suspended (or before its first step) and nothing in the task
            // can catch it: the future is dropped instead of resumed, so its destructors are
            // the `finally` blocks that run.
            this.finish(me, Err(TaskError::Cancelled));
            return true;
        }
        let polled = {
            let mut stage = this.stage.borrow_mut();
            let Progress::Running(fut) = &mut *stage else {
                // Only a running task is ever scheduled; nothing to do otherwise.
                return true;
            };
            // SAFETY: the future lives inside this task's heap block, which is never moved.
            // `Progress::Running(fut)` is only ever left by assigning a new stage over it
            // (`finish`, `drop_contents`), which drops `fut` in place. So from its first poll
            // until its drop the future stays at this address, as `Pin` requires.
            let fut = unsafe { Pin::new_unchecked(fut) };
            if start == StepStart::Deliver {
                // asyncio throws `CancelledError` in at the await: the innermost scope that
                // takes cancels catches it during this poll (`task::cancel`).
                throw_pending(h);
            }
            with_waker(me, |w| {
                let mut cx = Context::from_waker(w);
                catch_unwind(AssertUnwindSafe(|| fut.poll(&mut cx)))
            })
        };
        // A cancel thrown in this step (delivered, or re-raised by the task's code) that no
        // scope caught ends the task here, as an uncaught `CancelledError` ends a coroutine.
        let uncaught = cancel::catch().is_some();
        match polled {
            Ok(Poll::Pending) if uncaught => {
                this.finish(me, Err(TaskError::Cancelled));
                true
            }
            Ok(Poll::Pending) => {
                h.update(Lifecycle::suspend);
                false
            }
            Ok(Poll::Ready(v)) => {
                // A cancel requested during this very step wins over the value (asyncio
                // `test_cancel_at_end`): the result is discarded.
                let out = if uncaught || h.status().cancel_requested() {
                    drop(v);
                    Err(TaskError::Cancelled)
                } else {
                    Ok(v)
                };
                this.finish(me, out);
                true
            }
            Err(p) => {
                this.finish(me, Err(TaskError::Panicked(panic_message(&*p))));
                true
            }
        }
    }

    /// # Safety
    ///
    /// As [`step`](Self::step).
    unsafe fn abort(me: &TaskPtr) {
        // SAFETY: per the contract.
        let this = unsafe { Self::cell(me.as_raw()) };
        if !this.header.done() {
            this.finish(me, Err(TaskError::Cancelled));
        }
    }

    /// Ends the task with `out`: drops the future in place, stores or drops the result, wakes
    /// the awaiter and schedules the done callbacks.
    fn finish(&self, me: &TaskPtr, out: Result<F::Output, TaskError>) {
        let h = &self.header;
        let mut out = out;
        // Drop the future where it is pinned (assignment drops the old value in place). While
        // cancelling, futures it owns see `is_cancelling()` and Task handles it was awaiting
        // pass the cancel on (`docs/asyncio-semantics.md#awaiting-a-task-passes-a-cancel-on`).
        let dropping = catch_unwind(AssertUnwindSafe(|| {
            let mut stage = self.stage.borrow_mut();
            if matches!(*stage, Progress::Running(_)) {
                let _cancelling = matches!(out, Err(TaskError::Cancelled)).then(cancel::enter);
                *stage = Progress::Consumed;
            }
        }));
        if let Err(p) = dropping {
            // A destructor panicked during cleanup: that panic is the task's outcome, as an
            // exception raised in `finally` replaces CancelledError in asyncio.
            out = Err(TaskError::Panicked(panic_message(&*p)));
        }
        let ending = match &out {
            Ok(_) => Ending::Returned,
            Err(TaskError::Cancelled) => Ending::Cancelled,
            Err(TaskError::Panicked(_)) => Ending::Panicked,
        };
        h.update(|s| s.finish(ending));
        if h.status().handle_alive() {
            *self.stage.borrow_mut() = Progress::Finished(out);
        } else {
            report_unretrieved(h, &out);
            drop(out);
        }
        h.wake_joiner_at_finish();
        // The done callbacks run from the loop, never here
        // (`docs/asyncio-semantics.md#done-callbacks-run-from-the-loop`): the task queues
        // itself as one ready item that runs them all, in order. That is the turn and order
        // of asyncio's one `call_soon` per callback, without allocating a handle.
        if h.has_done_callbacks()
            && let Some(sched) = h.sched.upgrade()
        {
            sched.schedule_done(me.clone());
        }
    }

    /// Moves the result out into `*out`, an `Option<Result<F::Output, TaskError>>`; leaves
    /// `None` there while the task runs.
    ///
    /// # Safety
    ///
    /// `ptr` is a live `TaskCell<F>` and `out` points at an `Option<Result<F::Output,
    /// TaskError>>` (`Task<T>` is only ever made for `T = F::Output`).
    unsafe fn take_result_into(ptr: NonNull<TaskHeader>, out: *mut ()) {
        // SAFETY: per the contract.
        let this = unsafe { Self::cell(ptr) };
        let mut stage = this
            .stage
            .try_borrow_mut()
            .expect("a task cannot await its own handle");
        let result = match &*stage {
            Progress::Running(_) => None,
            Progress::Finished(_) => match mem::replace(&mut *stage, Progress::Consumed) {
                Progress::Finished(res) => Some(res),
                _ => unreachable!("matched Finished just above"),
            },
            Progress::Consumed => panic!("Task polled again after it returned its result"),
        };
        // SAFETY: per the contract, `out` has this type; the old value (`None`) needs no drop.
        unsafe {
            out.cast::<Option<Result<F::Output, TaskError>>>()
                .write(result)
        };
    }

    /// # Safety
    ///
    /// `ptr` is a live `TaskCell<F>`.
    unsafe fn handle_dropped(ptr: NonNull<TaskHeader>) {
        // SAFETY: per the contract.
        let this = unsafe { Self::cell(ptr) };
        this.header.update(Lifecycle::drop_handle);
        // The result (if any) can no longer be read: drop it now, on the loop's thread.
        let leftover = match this.stage.try_borrow_mut() {
            Ok(mut stage) if matches!(*stage, Progress::Finished(_)) => {
                mem::replace(&mut *stage, Progress::Consumed)
            }
            _ => Progress::Consumed,
        };
        if let Progress::Finished(out) = leftover {
            report_unretrieved(&this.header, &out);
        }
    }

    /// # Safety
    ///
    /// `ptr` is a `TaskCell<F>` whose last local reference just went (`raw::release_local`).
    unsafe fn drop_contents(ptr: NonNull<TaskHeader>) {
        // SAFETY: per the contract the contents are still there, and nobody else reads them.
        let this = unsafe { Self::cell(ptr) };
        // Assigning drops the future (in place, where it was pinned) or the result, and
        // leaves `Consumed`, which owns nothing: freeing the block later needs no drop.
        *this.stage.borrow_mut() = Progress::Consumed;
    }
}

/// Throws the task's pending cancel into the poll about to run (out of line: rare).
#[cold]
#[inline(never)]
fn throw_pending(h: &TaskHeader) {
    cancel::throw(h.pending_cancel());
}

/// Sends "Task exception was never retrieved" to the loop's exception handler when a task
/// panicked and its handle is gone without the result having been read.
fn report_unretrieved<T>(h: &TaskHeader, out: &Result<T, TaskError>) {
    if let (Err(TaskError::Panicked(msg)), false) = (out, h.status().quiet()) {
        let ctx = ExceptionContext {
            message: NEVER_RETRIEVED.to_string(),
            error: Some(msg.clone()),
            task: Some(h.describe()),
            location: Some(h.location),
            ..Default::default()
        };
        match h.sched.upgrade() {
            Some(sched) => sched.report(&ctx),
            None => default_exception_handler(&ctx),
        }
    }
}

#[cfg(test)]
mod tests {
    /// Every live task costs its cell; with 100k tasks alive the cell size is what the cache
    /// sees. A guard against the header quietly growing (its history is in
    /// `docs/performance.md`).
    #[test]
    fn the_task_header_stays_small() {
        let header = std::mem::size_of::<super::TaskHeader>();
        let cell = std::mem::size_of::<super::TaskCell<std::future::Ready<()>>>();
        assert!(header <= 112, "TaskHeader is {header} bytes");
        assert!(cell <= 144, "TaskCell<Ready<()>> is {cell} bytes");
    }
}
