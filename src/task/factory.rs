//! A task factory as data: start eagerly or not, and a hook on each new task. The loop
//! applies it when it spawns (see `event_loop::task_factory`, where the why is told).

use std::fmt;
use std::rc::Rc;

use super::TaskRef;

/// What the loop does with each task it makes: start it eagerly or not, and a hook that
/// sees each new task (asyncio's task factory). Cloning is cheap: clones share the hook.
///
/// asyncio lets a program replace `Task` itself. evloop's tasks are one type, `Task<T>`,
/// generic over what the future gives, so a factory cannot return another type; what
/// programs use factories for is kept: running code on each new task (naming it, counting
/// it, recording where it came from), and eager start ([`eager_task_factory`]).
///
/// # Examples
///
/// Counting the tasks a program makes, as a factory wrapping `asyncio.Task` would:
///
/// ```
/// use std::{cell::Cell, rc::Rc};
///
/// evloop::run(async {
///     let made = Rc::new(Cell::new(0));
///     let m = made.clone();
///     let ev = evloop::get_running_loop().unwrap();
///     ev.set_task_factory(Some(evloop::TaskFactory::new(move |_| m.set(m.get() + 1))));
///     evloop::spawn(async {}).await.unwrap();
///     evloop::spawn(async {}).await.unwrap();
///     assert_eq!(made.get(), 2);
/// })
/// .unwrap();
/// ```
///
/// As in asyncio, the factory also makes the tasks `evloop::run` spawns as it shuts down.
#[doc(alias = "task_factory")]
#[derive(Clone)]
pub struct TaskFactory {
    pub(crate) eager: bool,
    pub(crate) hook: Option<Hook>,
}

/// The code a factory runs on each new task.
pub(crate) type Hook = Rc<dyn Fn(&TaskRef)>;

impl TaskFactory {
    /// A factory whose tasks start in a later turn, as always, and that calls `hook` with
    /// each new task before `spawn` returns it. A panic in `hook` is reported through the
    /// exception handler; the task is made all the same.
    pub fn new(hook: impl Fn(&TaskRef) + 'static) -> TaskFactory {
        TaskFactory {
            eager: false,
            hook: Some(Rc::new(hook)),
        }
    }

    /// True if its tasks start eagerly.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(evloop::eager_task_factory().is_eager());
    /// assert!(!evloop::TaskFactory::new(|_| ()).is_eager());
    /// ```
    pub fn is_eager(&self) -> bool {
        self.eager
    }
}

impl fmt::Debug for TaskFactory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskFactory")
            .field("eager", &self.eager)
            .field("hook", &self.hook.is_some())
            .finish()
    }
}

/// The factory of eager tasks (asyncio `asyncio.eager_task_factory`, 3.12): each task runs
/// its first step inside `spawn`, and one that finishes there never waits for a turn.
///
/// The first step runs as the current task, before `spawn` returns. If that step finishes
/// the task, it never touches the ready queue; if it waits, the task goes on as any task.
/// A task spawned while the loop is not running starts lazily, in the loop's next turn, as
/// asyncio's does. The step runs inside the step of whoever called `spawn`, so debug mode's
/// slow-step timing and the timeline count it as part of that caller's step.
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let ev = evloop::get_running_loop().unwrap();
///     ev.set_task_factory(Some(evloop::eager_task_factory()));
///     let task = evloop::spawn(async { 7 });
///     assert!(task.done());
///     assert_eq!(task.await.unwrap(), 7);
/// })
/// .unwrap();
/// ```
pub fn eager_task_factory() -> TaskFactory {
    TaskFactory {
        eager: true,
        hook: None,
    }
}

/// A factory of eager tasks that also calls `hook` with each new task, before its first
/// step (asyncio `create_eager_task_factory(custom_task_constructor)`; a Rust task cannot
/// be another type, so the constructor's part is a hook on evloop's own task).
///
/// # Examples
///
/// ```
/// evloop::run(async {
///     let ev = evloop::get_running_loop().unwrap();
///     let factory = evloop::create_eager_task_factory(|t| t.set_name("eager"));
///     ev.set_task_factory(Some(factory));
///     let task = evloop::spawn(async { evloop::current_task().unwrap().name() });
///     assert_eq!(task.await.unwrap(), "eager");
/// })
/// .unwrap();
/// ```
pub fn create_eager_task_factory(hook: impl Fn(&TaskRef) + 'static) -> TaskFactory {
    TaskFactory {
        eager: true,
        hook: Some(Rc::new(hook)),
    }
}
