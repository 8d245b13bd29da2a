//! Panic injection (issue 28, point 3): every kind of user code the crate calls panics in
//! turn, synchronously and, where it is a future, at its first poll. For each case:
//!
//! - the loop keeps serving the others: a bystander task and a chain of callbacks, started
//!   before the panic, finish their work;
//! - the panic is reported once through the exception handler, with asyncio's message
//!   (`Exception in callback ...`, `Task exception was never retrieved`, `Error on
//!   transport creation for incoming connection`, ...), or given to the code that awaits
//!   it and then not reported, as asyncio does for a retrieved exception;
//! - nothing leaks: what the panicking code held (a counted sentinel) is freed once the
//!   loop is dropped. `scripts/memcheck` and `scripts/asan` run this file too.
//!
//! The extension runtime's hooks have their own matrix in
//! `tests/ext_lifecycle.rs::a_panic_in_any_hook_is_logged_and_the_lifecycle_goes_on`.
#![cfg(all(feature = "net", feature = "signal", feature = "executor"))]

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use evloop::streams::{open_connection, start_server};
use evloop::transport::{Protocol, Transport, create_server};
use evloop::{EventLoop, LoopHandle};

/// Held by the code that panics; freed once that code is dropped.
type Sentinel = Arc<()>;

/// What drives a case to the point where its panic happened.
type Drive = Pin<Box<dyn Future<Output = ()>>>;

/// One report: the message and the panic's text.
type Report = (String, String);

/// Runs one case: `inject` registers the panicking code on the loop and gives the future
/// that drives it. Returns the reports, after checking that the bystanders finished and
/// that the sentinel was freed.
fn case(inject: impl FnOnce(&LoopHandle, Sentinel) -> Drive) -> Vec<Report> {
    case_expecting(0, inject)
}

/// As [`case`], waiting (up to 10 s) for at least `expected` reports: a report from
/// another thread arrives at a turn of its own.
fn case_expecting(
    expected: usize,
    inject: impl FnOnce(&LoopHandle, Sentinel) -> Drive,
) -> Vec<Report> {
    let sentinel = Sentinel::default();
    let reports = Rc::new(RefCell::new(Vec::new()));
    let ticks = Rc::new(Cell::new(0));
    let calls = Rc::new(Cell::new(0));
    {
        let ev = EventLoop::new().unwrap();
        let r = reports.clone();
        ev.set_exception_handler(move |ctx| {
            r.borrow_mut()
                .push((ctx.message.clone(), ctx.error.clone().unwrap_or_default()))
        });
        let t = ticks.clone();
        let bystander = ev
            .create_task(async move {
                for _ in 0..20 {
                    evloop::yield_now().await;
                    t.set(t.get() + 1);
                }
            })
            .unwrap();
        chain(&ev.handle(), calls.clone(), 20);
        let drive = inject(&ev.handle(), sentinel.clone());
        let r = reports.clone();
        ev.run_until_complete(async move {
            drive.await;
            bystander.await.unwrap();
            evloop::sleep(Duration::from_millis(5)).await;
            for _ in 0..10_000 {
                if r.borrow().len() >= expected {
                    break;
                }
                evloop::sleep(Duration::from_millis(1)).await;
            }
        })
        .unwrap();
    }
    assert_eq!(ticks.get(), 20, "the bystander task stopped");
    assert_eq!(calls.get(), 20, "the callback chain stopped");
    assert_eq!(Arc::strong_count(&sentinel), 1, "the panicking code leaked");
    Rc::try_unwrap(reports).unwrap().into_inner()
}

/// A callback that schedules itself `left` more times.
fn chain(h: &LoopHandle, calls: Rc<Cell<u32>>, left: u32) {
    if left == 0 {
        return;
    }
    let h2 = h.clone();
    h.call_soon(move || {
        calls.set(calls.get() + 1);
        chain(&h2, calls, left - 1);
    })
    .unwrap();
}

/// Checks there is exactly one report, with `message` (its start) and the injected panic.
fn reported_once(reports: &[Report], message: &str) {
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert!(reports[0].0.starts_with(message), "{reports:?}");
    assert!(reports[0].1.contains("injected"), "{reports:?}");
}

fn turns(n: usize) -> Drive {
    Box::pin(async move {
        for _ in 0..n {
            evloop::yield_now().await;
        }
    })
}

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

/// The protocol method that panics.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Method {
    Factory,
    ConnectionMade,
    DataReceived,
    EofReceived,
    ConnectionLost,
}

struct Bomb {
    at: Method,
    _s: Sentinel,
}

impl Bomb {
    fn maybe(&self, here: Method) {
        if self.at == here {
            panic!("injected")
        }
    }
}

impl Protocol for Bomb {
    fn connection_made(&mut self, _: &Transport) {
        self.maybe(Method::ConnectionMade);
    }
    fn data_received(&mut self, _: &[u8]) {
        self.maybe(Method::DataReceived);
    }
    fn eof_received(&mut self) -> bool {
        self.maybe(Method::EofReceived);
        false
    }
    fn connection_lost(&mut self, _: Option<std::io::Error>) {
        self.maybe(Method::ConnectionLost);
    }
}

/// A protocol (or its factory) that panics in any of its methods costs its connection
/// only: reported once, and the server accepts the next client.
#[test]
fn a_protocol_and_its_factory() {
    for at in [
        Method::Factory,
        Method::ConnectionMade,
        Method::DataReceived,
        Method::EofReceived,
        Method::ConnectionLost,
    ] {
        let reports = case(|_, s| {
            Box::pin(async move {
                let made = Cell::new(0);
                let server = create_server(
                    move || {
                        made.set(made.get() + 1);
                        if made.get() == 1 && at == Method::Factory {
                            panic!("injected")
                        }
                        Bomb {
                            at: if made.get() == 1 { at } else { Method::Factory },
                            _s: s.clone(),
                        }
                    },
                    "127.0.0.1",
                    0,
                )
                .unwrap();
                let port = server.local_addr().unwrap().port();
                // The first client sends, then ends its side: every method gets its call.
                let (mut reader, writer) = open_connection("127.0.0.1", port).await.unwrap();
                writer.write(b"ping");
                writer.write_eof().await.unwrap();
                let _ = reader.read(None).await;
                drop((reader, writer));
                evloop::sleep(Duration::from_millis(20)).await;
                let (_r, _w) = open_connection("127.0.0.1", port).await.unwrap();
                assert!(server.is_serving(), "{at:?}");
                server.close();
                server.wait_closed().await;
            })
        });
        // A method's panic fails the connection's driver task, reported as a task's.
        // (asyncio words it "Fatal error: protocol.data_received() call failed.", and
        // calls `connection_lost` with the exception; evloop drops the protocol.)
        let message = match at {
            Method::Factory => "Error on transport creation for incoming connection",
            _ => "Task exception was never retrieved",
        };
        reported_once(&reports, message);
    }
}

/// A `start_server` handler that panics when called, or whose future panics at its first
/// poll, costs one client.
#[test]
fn a_server_handler_at_once_and_at_its_first_poll() {
    for at_poll in [false, true] {
        let reports = case(|_, s| {
            Box::pin(async move {
                let calls = Cell::new(0);
                let server = start_server(
                    move |_r, w| {
                        calls.set(calls.get() + 1);
                        let first = calls.get() == 1;
                        if first && !at_poll {
                            panic!("injected")
                        }
                        let s = s.clone();
                        async move {
                            let _s = s;
                            if first {
                                panic!("injected")
                            }
                            w.write(b"hi\n");
                            w.close();
                        }
                    },
                    "127.0.0.1",
                    0,
                )
                .unwrap();
                let port = server.local_addr().unwrap().port();
                let (mut first, _w1) = open_connection("127.0.0.1", port).await.unwrap();
                assert_eq!(first.read(None).await.unwrap(), b"");
                let (mut second, _w2) = open_connection("127.0.0.1", port).await.unwrap();
                assert_eq!(second.readline().await.unwrap(), b"hi\n");
                server.close();
                server.wait_closed().await;
            })
        });
        let message = if at_poll {
            "Task exception was never retrieved"
        } else {
            "Error on transport creation for incoming connection"
        };
        reported_once(&reports, message);
    }
}
