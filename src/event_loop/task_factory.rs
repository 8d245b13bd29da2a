//! How the loop makes its tasks: asyncio's task factories, and eager tasks.
//!
//! asyncio lets a program replace `Task` itself (`loop.set_task_factory`). evloop's tasks
//! are one type, `Task<T>`, generic over what the future gives, so a factory cannot return
//! another type; what programs use factories for is kept: running code on each new task
//! (naming it, counting it, recording where it came from), and **eager start**
//! (`asyncio.eager_task_factory`, Python 3.12).
//!
//! An eager task runs its first step inside `spawn`, before `spawn` returns, as the current
//! task. If that step finishes it, the task never touches the ready queue: it is done when
//! `spawn` returns. If it waits, it goes on as any task. A task spawned while the loop is
//! not running starts lazily, in the loop's next turn, as asyncio's does. The step runs
//! inside the step of whoever called `spawn`, so debug mode's slow-step timing and the
//! timeline count it as part of that caller's step.
//!
//! ```
//! use std::{cell::RefCell, rc::Rc};
//!
//! let log = Rc::new(RefCell::new(Vec::new()));
//! let l = log.clone();
//! evloop::run(async move {
//!     let ev = evloop::get_running_loop().unwrap();
//!     ev.set_task_factory(Some(evloop::eager_task_factory()));
//!     let l2 = l.clone();
//!     let quick = evloop::spawn(async move { l2.borrow_mut().push("quick runs"); 1 });
//!     l.borrow_mut().push(if quick.done() { "done at once" } else { "queued" });
//!     assert_eq!(quick.await.unwrap(), 1);
//! })
//! .unwrap();
//! assert_eq!(*log.borrow(), ["quick runs", "done at once"]);
//! ```

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::LoopHandle;
use super::core::{Core, LoopState};
use crate::error::{ExceptionContext, panic_message};
use crate::task::TaskRef;
use crate::task::cancel;
use crate::task::factory::TaskFactory;
use crate::task::raw::TaskPtr;

impl LoopHandle {
    /// Makes the loop's tasks with `factory` from now on; `None` goes back to the default
    /// (asyncio `loop.set_task_factory`).
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// ev.set_task_factory(Some(evloop::eager_task_factory()));
    /// assert!(ev.get_task_factory().unwrap().is_eager());
    /// ev.set_task_factory(None);
    /// assert!(ev.get_task_factory().is_none());
    /// ```
    pub fn set_task_factory(&self, factory: Option<TaskFactory>) {
        self.core.set_task_factory(factory);
    }

    /// The factory set with [`set_task_factory`](Self::set_task_factory), if any (asyncio
    /// `loop.get_task_factory()`, `None` for the default).
    ///
    /// # Examples
    ///
    /// ```
    /// let ev = evloop::EventLoop::new().unwrap();
    /// assert!(ev.get_task_factory().is_none());
    /// ```
    pub fn get_task_factory(&self) -> Option<TaskFactory> {
        self.core.task_factory.borrow().clone()
    }
}

impl Core {
    fn set_task_factory(&self, factory: Option<TaskFactory>) {
        self.custom_factory.set(factory.is_some());
        let old = self.task_factory.replace(factory);
        drop(old); // after the replace: dropping the hook may run code that reaches the loop
    }

    /// What the factory does with a task `spawn` just made and slotted under `key`: the
    /// hook, then the first step if eager and the loop is running. Returns false if the
    /// task is still to be scheduled the usual way.
    #[cold]
    #[inline(never)]
    pub(super) fn apply_factory(&self, key: usize, task: &TaskPtr) -> bool {
        let Some(factory) = self.task_factory.borrow().clone() else {
            return false;
        };
        if let Some(hook) = &factory.hook {
            let me = TaskRef(task.clone());
            if let Err(p) = catch_unwind(AssertUnwindSafe(|| hook(&me))) {
                let mut ctx = ExceptionContext::new("Exception in the task factory's hook");
                ctx.error = Some(panic_message(&*p));
                ctx.task = Some(task.header().describe());
                self.report(&ctx);
            }
        }
        let queued = task.header().status().scheduled(); // the hook woke or cancelled it
        if !factory.eager
            || self.state.get() != LoopState::Running
            || task.header().done()
            || queued
        {
            return false;
        }
        self.start_eagerly(key, task);
        true
    }

    /// Runs the first step of task `key` now, as the current task, then puts back the
    /// task that was running (asyncio `Task.__eager_start` swaps the current task the same
    /// way). A cancel thrown into the caller's step and not yet caught is kept aside, so
    /// the eager step neither takes nor sees it.
    fn start_eagerly(&self, key: usize, task: &TaskPtr) {
        let outer = self.current.replace(Some(key));
        let thrown = cancel::set_aside();
        let finished = task.step(); // panics are caught inside the step
        cancel::put_back(thrown);
        self.current.set(outer);
        if finished {
            self.release_slot(key, task.header());
        }
    }
}
