//! add_reader / remove_reader / add_writer / remove_writer: level-triggered like asyncio's.
#![cfg(unix)]

use std::cell::Cell;
use std::io::{Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::net::UnixStream;
use std::rc::Rc;

use evloop::EventLoop;

#[test]
fn a_reader_that_does_not_drain_is_called_again_and_removal_stops_it() {
    let ev = EventLoop::new().unwrap();
    let (mut a, b) = UnixStream::pair().unwrap();
    b.set_nonblocking(true).unwrap();
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    ev.add_reader(b.as_raw_fd(), move || c.set(c.get() + 1))
        .unwrap();
    a.write_all(b"x").unwrap();
    // A guard timer bounds each turn's wait: if the descriptor were not re-armed, the turns
    // would wait for it and the count would stay low (instead of the test hanging).
    ev.call_later(std::time::Duration::from_secs(10), || ())
        .unwrap();
    for _ in 0..5 {
        ev.run_once().unwrap();
    }
    assert_eq!(calls.get(), 5, "called on every turn while readable");
    assert!(ev.remove_reader(b.as_raw_fd()));
    assert!(!ev.remove_reader(b.as_raw_fd()), "already removed");
    let before = calls.get();
    for _ in 0..3 {
        ev.call_soon(|| ()).unwrap(); // something to do, so the turn does not wait
        ev.run_once().unwrap();
    }
    assert_eq!(calls.get(), before);
}

#[test]
fn a_draining_reader_runs_once_per_arrival() {
    let ev = EventLoop::new().unwrap();
    let (mut a, b) = UnixStream::pair().unwrap();
    b.set_nonblocking(true).unwrap();
    let got = Rc::new(Cell::new(0usize));
    let g = got.clone();
    let reader = Rc::new(std::cell::RefCell::new(b));
    let r = reader.clone();
    let fd = reader.borrow().as_raw_fd();
    ev.add_reader(fd, move || {
        let mut buf = [0u8; 64];
        while let Ok(n) = r.borrow_mut().read(&mut buf) {
            if n == 0 {
                break;
            }
            g.set(g.get() + n);
        }
    })
    .unwrap();
    a.write_all(b"hello").unwrap();
    ev.run_once().unwrap(); // blocks until readable, then runs the callback in the batch
    assert_eq!(got.get(), 5);
    a.write_all(b"again").unwrap();
    ev.run_once().unwrap();
    assert_eq!(got.get(), 10);
    ev.remove_reader(fd);
}

#[test]
fn a_writer_is_called_while_writable() {
    let ev = EventLoop::new().unwrap();
    let (a, _b) = UnixStream::pair().unwrap();
    let calls = Rc::new(Cell::new(0));
    let c = calls.clone();
    ev.add_writer(a.as_raw_fd(), move || c.set(c.get() + 1))
        .unwrap();
    ev.run_once().unwrap();
    assert!(calls.get() >= 1);
    assert!(ev.remove_writer(a.as_raw_fd()));
    ev.close().unwrap();
    assert!(ev.add_reader(a.as_raw_fd(), || ()).is_err(), "closed loop");
}
