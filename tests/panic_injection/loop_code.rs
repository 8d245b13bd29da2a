//! Callbacks, tasks, done callbacks, the exception handler and blocking jobs.

use std::cell::{Cell, RefCell};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use super::{Sentinel, case, case_expecting, reported_once, turns};

#[test]
fn a_callback() {
    let reports = case(|h, s| {
        h.call_soon(move || {
            let _s = s;
            panic!("injected")
        })
        .unwrap();
        turns(3)
    });
    reported_once(&reports, "Exception in callback");
}

#[test]
fn a_timer_callback() {
    let reports = case(|h, s| {
        h.call_later(Duration::from_millis(1), move || {
            let _s = s;
            panic!("injected")
        })
        .unwrap();
        Box::pin(evloop::sleep(Duration::from_millis(5)))
    });
    reported_once(&reports, "Exception in callback");
}

#[test]
fn a_callback_from_another_thread() {
    let reports = case(|h, s| {
        let remote = h.remote();
        std::thread::spawn(move || {
            remote
                .call_soon_threadsafe(move || {
                    let _s = s;
                    panic!("injected")
                })
                .unwrap()
        })
        .join()
        .unwrap();
        turns(3)
    });
    reported_once(&reports, "Exception in callback");
}

#[test]
fn a_reader_callback() {
    let reports = case(|h, s| {
        let (ours, mut theirs) = UnixStream::pair().unwrap();
        ours.set_nonblocking(true).unwrap();
        let fd = ours.as_raw_fd();
        let fired = Rc::new(Cell::new(false));
        let f = fired.clone();
        h.add_reader(fd, move || {
            let mut buf = [0u8; 8];
            let _ = (&ours).read(&mut buf);
            let _s = &s;
            f.set(true);
            panic!("injected")
        })
        .unwrap();
        theirs.write_all(b"x").unwrap();
        let h = h.clone();
        Box::pin(async move {
            while !fired.get() {
                evloop::sleep(Duration::from_millis(1)).await;
            }
            assert!(h.remove_reader(fd));
            drop(theirs);
        })
    });
    reported_once(&reports, "Exception in callback");
}

/// A writer callback (called while the descriptor is writable) that panics once.
#[test]
fn a_writer_callback() {
    let reports = case(|h, s| {
        let (ours, theirs) = UnixStream::pair().unwrap();
        let fd = ours.as_raw_fd();
        let fired = Rc::new(Cell::new(false));
        let f = fired.clone();
        h.add_writer(fd, move || {
            let _s = &s;
            if !f.replace(true) {
                panic!("injected")
            }
        })
        .unwrap();
        let h = h.clone();
        Box::pin(async move {
            while !fired.get() {
                evloop::sleep(Duration::from_millis(1)).await;
            }
            assert!(h.remove_writer(fd));
            drop((ours, theirs));
        })
    });
    reported_once(&reports, "Exception in callback");
}

/// A TaskGroup child that panics: the group collects it (retrieved, so not reported) and
/// cancels its siblings, as asyncio's TaskGroup does with a child's exception.
#[test]
fn a_task_group_child() {
    let reports = case(|_, s| {
        Box::pin(async move {
            let failed = evloop::TaskGroup::run(|tg| async move {
                tg.spawn(async move {
                    let _s = s;
                    panic!("injected")
                });
                tg.spawn(evloop::sleep(Duration::from_secs(3600)));
            })
            .await
            .unwrap_err();
            assert_eq!(failed.errors.len(), 1);
            assert!(failed.errors[0].to_string().contains("injected"));
        })
    });
    assert!(reports.is_empty(), "{reports:?}");
}

#[test]
fn a_signal_handler() {
    let reports = case(|h, s| {
        let fired = Rc::new(Cell::new(false));
        let f = fired.clone();
        h.add_signal_handler(libc::SIGUSR1, move || {
            let _s = &s;
            f.set(true);
            panic!("injected")
        })
        .unwrap();
        evloop::signals::raise(libc::SIGUSR1).unwrap();
        let h = h.clone();
        Box::pin(async move {
            while !fired.get() {
                evloop::sleep(Duration::from_millis(1)).await;
            }
            assert!(h.remove_signal_handler(libc::SIGUSR1));
        })
    });
    reported_once(&reports, "Exception in callback");
}

/// asyncio: a task whose coroutine raises, and whose result nobody retrieves, is reported
/// as "Task exception was never retrieved" when it is collected.
#[test]
fn a_task_at_its_first_poll_and_later() {
    for later in [false, true] {
        let reports = case(|h, s| {
            drop(
                h.create_task(async move {
                    let _s = s;
                    if later {
                        evloop::yield_now().await;
                    }
                    panic!("injected")
                })
                .unwrap(),
            );
            turns(4)
        });
        reported_once(&reports, "Task exception was never retrieved");
    }
}

/// A task awaiting one that panics gets the panic as its error: retrieved, so not reported.
#[test]
fn a_task_whose_panic_is_awaited() {
    let reports = case(|h, s| {
        let failing = h
            .create_task(async move {
                let _s = s;
                panic!("injected")
            })
            .unwrap();
        Box::pin(async move {
            let err = failing.await.unwrap_err();
            assert!(err.to_string().contains("injected"), "{err}");
        })
    });
    assert!(reports.is_empty(), "{reports:?}");
}

/// A destructor that panics while its task is cancelled ends the task with that panic, as
/// asyncio's task ends with what a `finally:` raised while it was being cancelled: given to
/// an awaiter, or reported once if nobody awaits it.
#[test]
fn a_destructor_of_a_cancelled_task() {
    struct PanicOnDrop(#[allow(dead_code)] Sentinel);
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("injected")
        }
    }
    for awaited in [true, false] {
        let reports = case(|h, s| {
            let task = h
                .create_task(async move {
                    let _held = PanicOnDrop(s);
                    evloop::sleep(Duration::from_secs(3600)).await;
                })
                .unwrap();
            Box::pin(async move {
                evloop::yield_now().await;
                task.cancel();
                if awaited {
                    let err = task.await.unwrap_err();
                    assert!(err.to_string().contains("injected"), "{err}");
                } else {
                    drop(task);
                    evloop::yield_now().await;
                }
            })
        });
        if awaited {
            assert!(reports.is_empty(), "{reports:?}");
        } else {
            reported_once(&reports, "Task exception was never retrieved");
        }
    }
}

#[test]
fn a_done_callback_of_a_task_and_of_a_future() {
    let reports = case(|h, s| {
        let task = h.create_task(async {}).unwrap();
        let s2 = s.clone();
        task.add_done_callback(move |_| {
            let _s = s2;
            panic!("injected")
        });
        turns(3)
    });
    reported_once(&reports, "Exception in callback");
    let reports = case(|h, s| {
        let fut = h.create_future::<u8>();
        fut.add_done_callback(move |_| {
            let _s = s;
            panic!("injected")
        })
        .unwrap();
        fut.set_result(1).unwrap();
        turns(3)
    });
    reported_once(&reports, "Exception in callback");
}

/// asyncio: an exception handler that raises is reported by the default handler
/// ("Unhandled error in exception handler"); the handler stays installed.
#[test]
fn the_exception_handler() {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let s = seen.clone();
    case(move |h, sentinel| {
        h.set_exception_handler(move |ctx| {
            let _s = &sentinel;
            s.borrow_mut().push(ctx.error.clone().unwrap_or_default());
            if s.borrow().len() == 1 {
                panic!("injected")
            }
        });
        h.call_soon(|| panic!("first")).unwrap();
        h.call_soon(|| panic!("second")).unwrap();
        turns(3)
    });
    assert_eq!(*seen.borrow(), ["first", "second"]);
}

/// A blocking job that panics: the awaiting code gets the panic as an error. Nobody
/// awaiting it (its `Blocking` dropped before or after the job ended), the panic is
/// reported as asyncio reports a `run_in_executor` future dropped with its exception
/// unread: "Future exception was never retrieved".
#[test]
fn an_executor_job() {
    let reports = case(|_, s| {
        Box::pin(async move {
            let err = evloop::to_thread(move || {
                let _s = s;
                panic!("injected")
            })
            .await
            .unwrap_err();
            assert!(err.to_string().contains("injected"), "{err}");
        })
    });
    assert!(reports.is_empty(), "{reports:?}");
    for drop_first in [true, false] {
        let reports = case_expecting(1, |_, s| {
            Box::pin(async move {
                let (started, ended) = (Arc::new(Barrier::new(2)), Arc::new(Barrier::new(2)));
                let (st, en) = (started.clone(), ended.clone());
                let job = evloop::to_thread(move || {
                    let _s = s;
                    st.wait();
                    if drop_first {
                        en.wait();
                    }
                    panic!("injected")
                });
                evloop::to_thread(move || started.wait()).await.unwrap();
                if drop_first {
                    drop(job);
                    ended.wait();
                } else {
                    // The job's panic lands in its slot; then the future is dropped unread.
                    evloop::sleep(Duration::from_millis(50)).await;
                    drop(job);
                }
            })
        });
        reported_once(&reports, "Future exception was never retrieved");
    }
}
