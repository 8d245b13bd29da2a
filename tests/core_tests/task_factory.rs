//! Task factories and eager tasks (asyncio `loop.set_task_factory`,
//! `asyncio.eager_task_factory`, `create_eager_task_factory`).

use crate::util;

use std::cell::RefCell;
use std::rc::Rc;

use evloop::{EventLoop, TaskError, TaskRef};

fn current_name() -> String {
    evloop::current_task().unwrap().name()
}

/// Mirrors, line for line, this program under Python 3.13:
///
/// ```python
/// async def child(n):
///     print(f"child {n} start in {asyncio.current_task().get_name()}")
///     await asyncio.sleep(0)
///     print(f"child {n} end")
///     return n
/// async def quick():
///     print("quick runs")
///     return "q"
/// async def fails():
///     raise ValueError("boom")
/// async def main():
///     loop = asyncio.get_running_loop()
///     loop.set_task_factory(asyncio.eager_task_factory)
///     t = asyncio.create_task(child(1))
///     print("created", t.done(), asyncio.current_task().get_name())
///     q = asyncio.create_task(quick())
///     print("quick done", q.done(), q.take_result())
///     f = asyncio.create_task(fails())
///     print("fails done", f.done(), repr(f.exception()))
///     print(await t)
///     loop.set_task_factory(None)
///     lazy = asyncio.create_task(quick())
///     print("lazy done", lazy.done())
///     await lazy
/// ```
///
/// The eager child runs up to its first await inside `create_task`, as the current task;
/// the caller is the current task again once it returns. A task that finishes in that
/// first step is done at once, its panic (asyncio: exception) included.
#[test]
fn eager_tasks_run_their_first_step_inside_spawn() {
    let events = util::run_traced(|t| async move {
        let ev = evloop::get_running_loop().unwrap();
        ev.set_task_factory(Some(evloop::eager_task_factory()));
        let tc = t.clone();
        let child = evloop::spawn(async move {
            tc.log(format!("child 1 start in {}", current_name()));
            evloop::yield_now().await;
            tc.log("child 1 end");
            1
        });
        t.log(format!("created {} {}", child.done(), current_name()));
        let tq = t.clone();
        let quick = move || {
            let tq = tq.clone();
            async move {
                tq.log("quick runs");
                "q"
            }
        };
        let mut q = evloop::spawn(quick());
        t.log(format!("quick done {} {:?}", q.done(), q.take_result()));
        let mut f = evloop::spawn(async { panic!("boom") });
        t.log(format!("fails done {} {:?}", f.done(), f.take_result()));
        t.log(child.await.unwrap().to_string());
        ev.set_task_factory(None);
        let lazy = evloop::spawn(quick());
        t.log(format!("lazy done {}", lazy.done()));
        lazy.await.unwrap();
    });
    assert_eq!(
        events,
        [
            "child 1 start in Task-2",
            "created false Task-1",
            "quick runs",
            "quick done true Some(Ok(\"q\"))",
            "fails done true Some(Err(Panicked(\"boom\")))",
            "child 1 end",
            "1",
            "lazy done false",
            "quick runs",
        ]
    );
}

/// An eager task that spawns an eager task in its first step: each runs as the current
/// task, and each caller is the current task again afterwards (asyncio swaps the current
/// task around `__eager_start` the same way).
#[test]
fn nested_eager_starts_put_each_current_task_back() {
    let events = util::run_traced(|t| async move {
        let ev = evloop::get_running_loop().unwrap();
        ev.set_task_factory(Some(evloop::create_eager_task_factory(|task| {
            task.set_name(format!("eager-{}", task.id()))
        })));
        let to = t.clone();
        let outer = evloop::spawn(async move {
            to.log(format!("outer in {}", current_name()));
            let ti = to.clone();
            let inner = evloop::spawn(async move {
                ti.log(format!("inner in {}", current_name()));
            });
            to.log(format!(
                "inner done {}, back in {}",
                inner.done(),
                current_name()
            ));
        });
        t.log(format!(
            "outer done {}, back in {}",
            outer.done(),
            current_name()
        ));
    });
    assert_eq!(
        events,
        [
            "outer in eager-2",
            "inner in eager-3",
            "inner done true, back in eager-2",
            "outer done true, back in Task-1",
        ]
    );
}

/// From a plain callback there is no current task before or after the eager step; before
/// the loop runs, a task starts lazily (asyncio starts eagerly only on a running loop).
/// (`Task-3`: `run_until_complete` wraps what it is given in a task of its own.)
#[test]
fn eager_from_a_callback_and_before_the_loop_runs() {
    let ev = EventLoop::new().unwrap();
    ev.set_task_factory(Some(evloop::eager_task_factory()));
    let early = ev
        .create_task(async { evloop::current_task().is_some() })
        .unwrap();
    assert!(!early.done(), "not running: lazy");
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    ev.call_soon(move || {
        let s2 = s.clone();
        let task = evloop::spawn(async move { s2.borrow_mut().push(current_name()) });
        s.borrow_mut().push(format!("done {}", task.done()));
        s.borrow_mut()
            .push(format!("current {:?}", evloop::current_task()));
    })
    .unwrap();
    ev.run_until_complete(early).unwrap().unwrap();
    assert_eq!(*seen.borrow(), ["Task-3", "done true", "current None"]);
}

/// A hook that panics is reported through the exception handler and the task is made all
/// the same; a hook that cancels its task leaves it to be cancelled in the next turn,
/// before its first step, as any task cancelled before it starts.
#[test]
fn a_panicking_or_cancelling_hook() {
    let ev = EventLoop::new().unwrap();
    let reports = Rc::new(RefCell::new(Vec::new()));
    let r = reports.clone();
    ev.set_exception_handler(move |ctx| r.borrow_mut().push(ctx.message.clone()));
    ev.set_task_factory(Some(evloop::create_eager_task_factory(|task: &TaskRef| {
        if task.id() == 2 {
            panic!("hook failed");
        }
        if task.id() == 3 {
            task.cancel();
        }
    })));
    let out = ev
        .run_until_complete(async {
            let ran = Rc::new(RefCell::new(0));
            let (r2, r3) = (ran.clone(), ran.clone());
            let second = evloop::spawn(async move { *r2.borrow_mut() += 1 });
            let third = evloop::spawn(async move { *r3.borrow_mut() += 10 });
            let third_done = third.done();
            (second.await, third_done, third.await, *ran.borrow())
        })
        .unwrap();
    assert_eq!(out, (Ok(()), false, Err(TaskError::Cancelled), 1));
    assert_eq!(*reports.borrow(), ["Exception in the task factory's hook"]);
}
