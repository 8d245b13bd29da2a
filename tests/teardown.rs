//! Teardown from every place user code runs (issue 28, point 2): each of the loop, a task, a
//! future, a stream, a server and a timer handle is dropped or closed from a callback, a
//! task, a done callback, a destructor, the exception handler, a signal handler, a
//! thread-local's destructor, and after the loop is gone. Every case must finish (none
//! hangs: each runs on a thread of its own, with a deadline), let no panic out, report
//! nothing but what it provoked, and leave the loop usable (or, for the loop itself,
//! closed and refusing work with `Closed`). `scripts/memcheck` and `scripts/asan` run this
//! file to check that none leaks or touches freed memory.
//!
//! "Another thread" is in the matrix as a type: the loop, tasks, futures, streams, servers
//! and timer handles are `!Send` (they hold `Rc`s of the loop), so no other thread can drop
//! one; what other threads do hold, wakers and [`RemoteHandle`](evloop::RemoteHandle)s,
//! is torn down there in `wakers_and_remote_handles_dropped_on_other_threads_after_the_loop`.
//!
//! Dropping the `EventLoop` from code it runs cannot close it under that code: the loop
//! stops after the turn and closes as the run returns (asyncio can't express this case: a
//! running loop is referenced by the frame that runs it).
#![cfg(all(feature = "net", feature = "signal"))]

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Mutex;
use std::sync::mpsc;
use std::task::{Poll, Waker};
use std::time::Duration;

use evloop::{EventLoop, LoopError, LoopHandle};

/// The things torn down.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    /// The `EventLoop` itself, dropped.
    DropLoop,
    /// The loop, closed through a handle (refused with `CloseWhileRunning` while it runs).
    CloseLoop,
    /// A pending task: cancelled, and its handle dropped.
    Task,
    /// A future a task waits on: cancelled and dropped.
    Future,
    /// A connected stream: written to, closed, both halves dropped.
    Stream,
    /// A listening server: closed and dropped.
    Server,
    /// A pending timer: cancelled and its handle dropped.
    Timer,
}

/// Where the teardown runs.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Place {
    Callback,
    Task,
    DoneCallback,
    /// The destructor of a value held by a task that is cancelled.
    Destructor,
    ExceptionHandler,
    SignalHandler,
    /// A thread-local's destructor as the loop's thread exits (the loop lives in another
    /// thread-local and is dropped after).
    ThreadLocalDestructor,
    AfterLoopGone,
}

const TARGETS: [Target; 7] = [
    Target::DropLoop,
    Target::CloseLoop,
    Target::Task,
    Target::Future,
    Target::Stream,
    Target::Server,
    Target::Timer,
];

const PLACES: [Place; 8] = [
    Place::Callback,
    Place::Task,
    Place::DoneCallback,
    Place::Destructor,
    Place::ExceptionHandler,
    Place::SignalHandler,
    Place::ThreadLocalDestructor,
    Place::AfterLoopGone,
];

/// The teardown of one target, run once from the place under test.
type Tear = Box<dyn FnOnce()>;

/// A case's loop: owned by a slot that a teardown may empty, plus a handle that outlives it.
struct Case {
    slot: Rc<RefCell<Option<EventLoop>>>,
    handle: LoopHandle,
    /// Reports that reached the exception handler.
    reports: Rc<RefCell<Vec<String>>>,
    /// Set by the teardown when it ran.
    torn: Rc<Cell<bool>>,
}

impl Case {
    fn new() -> Case {
        let ev = EventLoop::new().unwrap();
        let handle = ev.handle();
        let reports = Rc::new(RefCell::new(Vec::new()));
        let seen = reports.clone();
        handle.set_exception_handler(move |ctx| seen.borrow_mut().push(ctx.message.clone()));
        Case {
            slot: Rc::new(RefCell::new(Some(ev))),
            handle,
            reports,
            torn: Rc::new(Cell::new(false)),
        }
    }

    /// Builds `target` on this loop and gives its teardown.
    fn build(&self, target: Target) -> Tear {
        let h = self.handle.clone();
        let torn = self.torn.clone();
        let tear: Tear = match target {
            Target::DropLoop => {
                let slot = self.slot.clone();
                Box::new(move || drop(slot.borrow_mut().take()))
            }
            Target::CloseLoop => Box::new(move || match h.close() {
                Ok(()) | Err(LoopError::CloseWhileRunning) => {}
                Err(e) => panic!("close: {e}"),
            }),
            Target::Task => {
                let task = h
                    .create_task(evloop::sleep(Duration::from_secs(3600)))
                    .unwrap();
                Box::new(move || {
                    task.cancel();
                    drop(task);
                })
            }
            Target::Future => {
                let fut = h.create_future::<u32>();
                let waiting = fut.clone();
                let waiter = h.create_task(waiting).unwrap();
                Box::new(move || {
                    fut.cancel();
                    drop((fut, waiter));
                })
            }
            Target::Stream => {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                let port = listener.local_addr().unwrap().port();
                let (reader, writer) = h
                    .run_until_complete(evloop::streams::open_connection("127.0.0.1", port))
                    .unwrap()
                    .unwrap();
                let peer = listener.accept().unwrap().0;
                Box::new(move || {
                    writer.write(b"bye");
                    writer.close();
                    drop((reader, writer, peer));
                })
            }
            Target::Server => {
                let server = h
                    .run_until_complete(async {
                        evloop::streams::start_server(|_, _| async {}, "127.0.0.1", 0)
                    })
                    .unwrap()
                    .unwrap();
                Box::new(move || {
                    server.close();
                    drop(server);
                })
            }
            Target::Timer => {
                let timer = h
                    .call_later(Duration::from_secs(3600), || unreachable!())
                    .unwrap();
                Box::new(move || {
                    timer.cancel();
                    drop(timer);
                })
            }
        };
        Box::new(move || {
            tear();
            torn.set(true);
        })
    }
}

/// Runs `tear` from `place`, driving the loop until it ran.
fn tear_from(case: &Case, place: Place, tear: Tear) {
    let h = case.handle.clone();
    let once = Rc::new(RefCell::new(Some(tear)));
    let fire = move || {
        if let Some(tear) = once.borrow_mut().take() {
            tear();
        }
    };
    match place {
        Place::Callback => {
            h.call_soon(fire).unwrap();
        }
        Place::Task => {
            h.create_task(async move {
                evloop::yield_now().await;
                fire();
                evloop::yield_now().await;
            })
            .unwrap();
        }
        Place::DoneCallback => {
            h.create_task(async {})
                .unwrap()
                .add_done_callback(move |_| fire());
        }
        Place::Destructor => {
            let held = OnDrop(Some(Box::new(fire)));
            let task = h
                .create_task(async move {
                    let _held = held;
                    evloop::sleep(Duration::from_secs(3600)).await;
                })
                .unwrap();
            h.call_soon(move || {
                task.cancel();
            })
            .unwrap();
        }
        Place::ExceptionHandler => {
            let reports = case.reports.clone();
            let fire = RefCell::new(Some(fire));
            h.set_exception_handler(move |ctx| {
                reports.borrow_mut().push(ctx.message.clone());
                if let Some(fire) = fire.borrow_mut().take() {
                    fire();
                }
            });
            h.call_soon(|| panic!("provoked")).unwrap();
        }
        Place::SignalHandler => {
            let fire = RefCell::new(Some(fire));
            h.add_signal_handler(libc::SIGUSR2, move || {
                if let Some(fire) = fire.borrow_mut().take() {
                    fire();
                }
            })
            .unwrap();
            evloop::signals::raise(libc::SIGUSR2).unwrap();
        }
        Place::ThreadLocalDestructor | Place::AfterLoopGone => unreachable!(),
    }
    // Turns until the teardown ran (a dropped loop stops after that turn).
    for _ in 0..100 {
        if case.torn.get() || h.is_closed() {
            break;
        }
        let _ = h.run_until_complete(evloop::sleep(Duration::from_millis(1)));
    }
}

/// Runs `f` when dropped.
struct OnDrop(Option<Box<dyn FnOnce()>>);

impl Drop for OnDrop {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

thread_local! {
    /// The loop of a thread-local-destructor case; registered before `TEARDOWN`, so it is
    /// destroyed after it.
    static LOOP: RefCell<Option<Rc<RefCell<Option<EventLoop>>>>> = const { RefCell::new(None) };
    static TEARDOWN: RefCell<Option<OnDrop>> = const { RefCell::new(None) };
}

/// One case on a fresh thread; gives what went wrong, if anything.
fn run_case(target: Target, place: Place) -> Result<(), String> {
    if place == Place::ThreadLocalDestructor {
        return run_in_thread_exit(target);
    }
    let case = Case::new();
    let tear = case.build(target);
    if place == Place::AfterLoopGone {
        drop(case.slot.borrow_mut().take());
        tear();
    } else {
        tear_from(&case, place, tear);
    }
    if !case.torn.get() {
        return Err("the teardown never ran".into());
    }
    check_after(&case, target, place)
}

/// Checks the loop after a case: closed if the loop was the target (or is gone), usable
/// otherwise, and nothing reported but what the case provoked.
fn check_after(case: &Case, target: Target, place: Place) -> Result<(), String> {
    let h = &case.handle;
    // Closing a running loop is refused, so only a drop (or the loop's end) closes it.
    if target == Target::DropLoop || place == Place::AfterLoopGone {
        if !h.is_closed() {
            return Err("the loop is still open".into());
        }
        match h.call_soon(|| ()) {
            Err(LoopError::Closed) => {}
            other => return Err(format!("a closed loop took work: {other:?}")),
        }
    } else {
        let out = h.run_until_complete(async { 42 });
        if !matches!(out, Ok(42)) {
            return Err(format!("the loop no longer runs: {out:?}"));
        }
    }
    let expected: &[&str] = if place == Place::ExceptionHandler {
        &["Exception in callback"]
    } else {
        &[]
    };
    // A loop closed with tasks still pending reports each one, as asyncio does.
    let closed = h.is_closed();
    let reports = case.reports.borrow();
    let reports: Vec<&String> = reports
        .iter()
        .filter(|r| !(closed && r.as_str() == evloop::error::DESTROYED_PENDING))
        .collect();
    if reports.len() != expected.len()
        || !reports.iter().zip(expected).all(|(r, e)| r.starts_with(e))
    {
        return Err(format!("reports: {reports:?}"));
    }
    Ok(())
}

/// A thread-local-destructor case: the teardown and the loop sit in thread-locals of a
/// thread that then exits.
fn run_in_thread_exit(target: Target) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let case = Case::new();
        let tear = case.build(target);
        let torn = case.torn.clone();
        let handle = case.handle.clone();
        LOOP.with(|l| *l.borrow_mut() = Some(case.slot.clone()));
        let tx2 = tx.clone();
        TEARDOWN.with(|t| {
            *t.borrow_mut() = Some(OnDrop(Some(Box::new(move || {
                tear();
                let _ = tx2.send(torn.get());
                drop(handle);
            }))))
        });
        drop(case);
    })
    .join()
    .map_err(|_| "the thread panicked".to_string())?;
    match rx.try_recv() {
        Ok(true) => Ok(()),
        _ => Err("the teardown never ran".into()),
    }
}

/// Signal handlers are per process: cases with one take turns.
static SIGNALS: Mutex<()> = Mutex::new(());

/// Runs every place for `target`, each with a deadline, and fails with every case that
/// went wrong.
fn matrix(target: Target) {
    let mut failures = Vec::new();
    for place in PLACES {
        let _turn = (place == Place::SignalHandler)
            .then(|| SIGNALS.lock().unwrap_or_else(|e| e.into_inner()));
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(run_case(target, place));
        });
        match rx.recv_timeout(Duration::from_secs(10)) {
            Ok(Ok(())) => {}
            Ok(Err(why)) => failures.push(format!("{target:?} from {place:?}: {why}")),
            Err(_) => failures.push(format!("{target:?} from {place:?}: hung or panicked")),
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn dropping_the_loop_from_anywhere() {
    matrix(TARGETS[0]);
}

#[test]
fn closing_the_loop_from_anywhere() {
    matrix(TARGETS[1]);
}

#[test]
fn dropping_a_task_from_anywhere() {
    matrix(TARGETS[2]);
}

#[test]
fn dropping_a_future_from_anywhere() {
    matrix(TARGETS[3]);
}

#[test]
fn closing_a_stream_from_anywhere() {
    matrix(TARGETS[4]);
}

#[test]
fn closing_a_server_from_anywhere() {
    matrix(TARGETS[5]);
}

#[test]
fn cancelling_a_timer_from_anywhere() {
    matrix(TARGETS[6]);
}

/// What other threads hold, wakers and remote handles, dropped or used there after the
/// loop is gone: a no-op or `Closed`.
#[test]
fn wakers_and_remote_handles_dropped_on_other_threads_after_the_loop() {
    let ev = EventLoop::new().unwrap();
    let remote = ev.remote();
    let kept: Rc<RefCell<Option<Waker>>> = Rc::default();
    let keep = kept.clone();
    ev.create_task(std::future::poll_fn(move |cx| {
        *keep.borrow_mut() = Some(cx.waker().clone());
        Poll::<()>::Pending
    }))
    .unwrap();
    ev.run_until_complete(evloop::yield_now()).unwrap();
    let waker = kept.borrow_mut().take().unwrap();
    let (w2, r2) = (waker.clone(), remote.clone());
    drop(ev);
    std::thread::spawn(move || {
        waker.wake_by_ref();
        drop(waker);
        assert!(matches!(
            remote.call_soon_threadsafe(|| ()),
            Err(LoopError::Closed)
        ));
    })
    .join()
    .unwrap();
    // And a wake on the loop's own thread after it is gone is a no-op too.
    w2.wake();
    drop(r2);
}

/// The loop dropped by a task of its own: mirrors nothing in asyncio (there a running loop
/// cannot be collected); the loop stops after that turn, the run reports the task
/// cancelled by the close, and a later call gets `Closed`.
#[test]
fn a_loop_dropped_by_its_own_task_closes_when_the_run_returns() {
    let case = Case::new();
    let slot = case.slot.clone();
    let after = Rc::new(Cell::new(false));
    let seen = after.clone();
    let out = case.handle.run_until_complete(async move {
        drop(slot.borrow_mut().take());
        evloop::sleep(Duration::from_millis(1)).await;
        seen.set(true);
    });
    assert!(out.is_err(), "{out:?}");
    assert!(!after.get(), "the task ran on after its loop was dropped");
    assert!(case.handle.is_closed());
    assert!(matches!(
        case.handle.call_soon(|| ()),
        Err(LoopError::Closed)
    ));
}

/// Running a loop from a thread-local's destructor is refused with `ThreadExiting`, where
/// it aborted the process ("thread local panicked on drop"); the free functions return
/// `None` there instead of panicking.
#[test]
fn a_loop_run_from_a_thread_local_destructor_is_refused_not_an_abort() {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        // The run registers the loop's thread-locals, after `TEARDOWN`: they are destroyed
        // first, and the destructor below finds them gone.
        TEARDOWN.with(|t| {
            *t.borrow_mut() = Some(OnDrop(Some(Box::new(move || {
                let running = evloop::running_loop().is_none() && evloop::current_task().is_none();
                let ran = evloop::run(async { 5 });
                let _ = tx.send((running, ran.map_err(|e| e.to_string())));
            }))))
        });
        evloop::run(evloop::sleep(Duration::from_millis(1))).unwrap();
    })
    .join()
    .unwrap();
    let (none_running, ran) = rx.recv().unwrap();
    assert!(none_running);
    assert_eq!(
        ran,
        Err("Cannot run an event loop while its thread is exiting".to_string())
    );
}
