//! A busy loop: while work is ready, the poll budget decides when the loop polls for I/O,
//! and a loop with no I/O source registered does not poll at all.

use evloop::EventLoop;
use evloop::event_loop::run_once::POLL_BUDGET;

/// Reactor polls during `10 * POLL_BUDGET` yields of the main task alone.
fn polls_while_yielding(ev: &EventLoop) -> u64 {
    ev.run_until_complete(async {
        let ev = evloop::get_running_loop().unwrap();
        let before = ev.stats().reactor_polls;
        for _ in 0..10 * POLL_BUDGET {
            evloop::yield_now().await;
        }
        ev.stats().reactor_polls - before
    })
    .unwrap()
}

#[test]
fn a_busy_loop_with_no_io_source_never_polls() {
    let ev = EventLoop::new().unwrap();
    assert_eq!(polls_while_yielding(&ev), 0);
}

#[cfg(unix)]
#[test]
fn a_busy_loop_with_an_io_source_polls_once_per_budget() {
    use std::os::fd::AsRawFd;
    use std::os::unix::net::UnixStream;

    let ev = EventLoop::new().unwrap();
    let (_tx, rx) = UnixStream::pair().unwrap();
    ev.add_reader(rx.as_raw_fd(), || {}).unwrap();
    let polls = polls_while_yielding(&ev);
    assert!((9..=11).contains(&polls), "{polls} polls");
    assert!(ev.remove_reader(rx.as_raw_fd()));
}
