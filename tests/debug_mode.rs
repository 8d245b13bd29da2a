//! Debug mode: each warning fires exactly when it should, and never when debug is off.

#![cfg(feature = "observe")]

use std::cell::RefCell;
use std::future::pending;
use std::panic::Location;
use std::process::Command;
use std::rc::Rc;
use std::time::Duration;

use evloop::{EventLoop, ExceptionContext};

/// A loop in debug mode whose reports are collected instead of printed.
fn debug_loop(slow: Duration) -> (EventLoop, Rc<RefCell<Vec<ExceptionContext>>>) {
    let ev = EventLoop::new().unwrap();
    ev.set_debug(true);
    ev.set_slow_callback_duration(slow);
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    ev.set_exception_handler(move |ctx| s.borrow_mut().push(ctx.clone()));
    (ev, seen)
}

fn messages(seen: &RefCell<Vec<ExceptionContext>>) -> Vec<String> {
    seen.borrow().iter().map(|c| c.message.clone()).collect()
}

#[test]
fn a_slow_callback_is_reported_with_where_it_was_scheduled() {
    let (ev, seen) = debug_loop(Duration::from_millis(40));
    ev.call_soon(|| ()).unwrap(); // fast: no report
    let slow_at = Location::caller();
    ev.call_soon(|| std::thread::sleep(Duration::from_millis(60)))
        .unwrap();
    ev.stop();
    ev.run_forever().unwrap();
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let msg = &seen[0].message;
    assert!(
        msg.starts_with(
            "Executing <Handle debug_mode::a_slow_callback_is_reported_with_where_it_was_scheduled\
             ::{{closure}}() at tests/debug_mode.rs:"
        ),
        "{msg}"
    );
    assert!(msg.ends_with(" seconds"), "{msg}");
    let secs: f64 = msg.split(" took ").nth(1).unwrap()[..5].parse().unwrap();
    assert!(secs >= 0.060, "{msg}");
    assert_eq!(seen[0].location.unwrap().file(), slow_at.file());
}

#[test]
fn a_slow_task_step_names_the_task_and_its_spawn_location() {
    let (ev, seen) = debug_loop(Duration::from_millis(40));
    let spawned_at = line!() + 2;
    let task = ev
        .create_task(async {
            evloop::yield_now().await; // first step: fast
            std::thread::sleep(Duration::from_millis(60)); // second step: slow
            evloop::yield_now().await; // third step: fast
        })
        .unwrap();
    task.set_name("blocker");
    ev.run_until_complete(task).unwrap().unwrap();
    let msgs = messages(&seen);
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert!(
        msgs[0].starts_with("Executing <Task name='blocker' id=1 spawned at tests/debug_mode.rs:"),
        "{msgs:?}"
    );
    assert!(msgs[0].contains(&format!(":{spawned_at}:")), "{msgs:?}");
    assert!(seen.borrow()[0].task.as_ref().unwrap().contains("blocker"));
}

/// Debug mode off: no slow-callback report, but a task pending at close is still reported,
/// as asyncio does whatever the mode:
///
/// ```python
/// loop = asyncio.new_event_loop()
/// t = loop.create_task(asyncio.Event().wait())
/// loop.run_until_complete(asyncio.sleep(0))
/// loop.close(); del t; gc.collect()   # Task was destroyed but it is pending!
/// ```
#[test]
fn nothing_is_reported_when_debug_is_off() {
    let (ev, seen) = debug_loop(Duration::from_millis(1));
    ev.set_debug(false);
    assert!(!ev.get_debug());
    ev.call_soon(|| std::thread::sleep(Duration::from_millis(5)))
        .unwrap();
    let t = ev.create_task(pending::<()>()).unwrap();
    ev.stop();
    ev.run_forever().unwrap();
    ev.close().unwrap();
    // Only the pending task is reported, as asyncio reports it debug or not.
    assert_eq!(
        messages(&seen),
        ["Task was destroyed but it is pending!"],
        "no slow callback report with debug off"
    );
    assert!(t.cancelled());
}

#[test]
fn closing_with_pending_tasks_reports_each_one() {
    let (ev, seen) = debug_loop(Duration::from_secs(10));
    let waiter = ev.create_task(pending::<()>()).unwrap();
    waiter.set_name("waiter");
    let never_started = ev.create_task(async {}).unwrap();
    never_started.set_name("never-started");
    let finished = ev.create_task(async {}).unwrap();
    // One turn: all three take a step; `waiter` stays pending.
    ev.stop();
    ev.run_forever().unwrap();
    assert!(finished.done());
    let late = ev.create_task(async {}).unwrap(); // spawned, never stepped
    late.set_name("late");
    assert!(messages(&seen).is_empty());
    ev.close().unwrap();
    let seen = seen.borrow();
    let reported: Vec<&str> = seen.iter().map(|c| c.task.as_deref().unwrap()).collect();
    assert_eq!(seen.len(), 2, "{reported:?}");
    for ctx in seen.iter() {
        assert_eq!(ctx.message, "Task was destroyed but it is pending!");
    }
    assert!(
        reported[0].starts_with("<Task name='waiter' id=1"),
        "{reported:?}"
    );
    assert!(
        reported[1].starts_with("<Task name='late' id=4"),
        "{reported:?}"
    );
    assert!(waiter.cancelled() && late.cancelled());
}

#[test]
fn an_unretrieved_panic_names_where_the_task_was_spawned() {
    let (ev, seen) = debug_loop(Duration::from_secs(10));
    let line = line!() + 1;
    drop(ev.create_task(async { panic!("lost") }).unwrap());
    ev.stop();
    ev.run_forever().unwrap();
    let seen = seen.borrow();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].message, "Task exception was never retrieved");
    assert_eq!(seen[0].error.as_deref(), Some("lost"));
    let at = seen[0].location.unwrap();
    assert_eq!((at.file(), at.line()), ("tests/debug_mode.rs", line));
}

#[test]
fn spawning_from_a_thread_without_a_loop_says_which_thread_and_what_to_use() {
    let err = std::thread::Builder::new()
        .name("not-the-loop".into())
        .spawn(|| {
            evloop::spawn(async {});
        })
        .unwrap()
        .join()
        .unwrap_err();
    let msg = err.downcast_ref::<String>().unwrap();
    assert!(msg.contains("thread 'not-the-loop'"), "{msg}");
    assert!(msg.contains("RemoteHandle::call_soon_threadsafe"), "{msg}");
}

/// Run by `the_environment_variable_turns_debug_on` in a child process with `EVLOOP_DEBUG`
/// set; in the normal run it checks the default.
#[test]
fn env_child_reports_debug_mode() {
    let ev = EventLoop::new().unwrap();
    let expected = std::env::var("EVLOOP_DEBUG").is_ok_and(|v| !v.is_empty() && v != "0");
    assert_eq!(ev.get_debug(), expected);
    println!("debug={}", ev.get_debug());
}

#[test]
fn the_environment_variable_turns_debug_on() {
    for (value, expected) in [
        ("1", "debug=true"),
        ("0", "debug=false"),
        ("", "debug=false"),
    ] {
        let out = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "env_child_reports_debug_mode", "--nocapture"])
            .env("EVLOOP_DEBUG", value)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(
            stdout.contains(expected),
            "EVLOOP_DEBUG={value:?}: {stdout}"
        );
    }
}

#[test]
fn debug_mode_fills_in_poll_time() {
    let ev = EventLoop::new().unwrap();
    let plain = ev
        .create_task(async { std::thread::sleep(Duration::from_millis(5)) })
        .unwrap();
    let plain_ref = plain.task_ref();
    ev.run_until_complete(plain).unwrap().unwrap();
    assert_eq!(plain_ref.poll_time(), Duration::ZERO); // not observed: not measured
    assert_eq!(plain_ref.poll_count(), 1);

    ev.set_debug(true);
    ev.set_exception_handler(|_| ());
    let timed = ev
        .create_task(async {
            std::thread::sleep(Duration::from_millis(5));
            evloop::yield_now().await;
            std::thread::sleep(Duration::from_millis(5));
        })
        .unwrap();
    let timed_ref = timed.task_ref();
    ev.run_until_complete(timed).unwrap().unwrap();
    assert_eq!(timed_ref.poll_count(), 2);
    assert!(timed_ref.poll_time() >= Duration::from_millis(10));
}
