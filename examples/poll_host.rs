//! A C-style host with its own `poll(2)` loop registers evloop's descriptor and steps the
//! loop only when it is readable or evloop's next timer is due.
//!
//! Run: `cargo run --example poll_host`

// The one unsafe call is the host's own poll(2), as a C program would make it.
#![allow(unsafe_code)]

use std::os::fd::AsRawFd;
use std::time::Duration;

fn main() -> Result<(), evloop::LoopError> {
    let ev = evloop::EventLoop::new()?;
    let work = ev.create_task(async {
        evloop::sleep(Duration::from_millis(30)).await;
        println!("evloop: timer fired");
        let answer = evloop::to_thread(|| 6 * 7).await.unwrap();
        println!("evloop: worker thread answered {answer}");
    })?;

    let mut wakeups = 0;
    while !work.done() {
        // The host's poll set: here only evloop's descriptor (a real host has its own too).
        let mut fds = [libc::pollfd {
            fd: ev.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        }];
        // Wait no longer than evloop's next timer (-1: until the descriptor is readable).
        // Round up: rounding down wakes the host just before the timer is due, again and
        // again, until it is.
        let timeout_ms = ev.next_timeout().map_or(-1, |t| {
            t.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32
        });
        // SAFETY: `fds` is a valid, writable array of one `pollfd` for the whole call, and
        // the length passed is its length.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout_ms) };
        if n < 0 {
            return Err(evloop::LoopError::Io(std::io::Error::last_os_error()));
        }
        wakeups += 1;
        // Readable or timed out: one turn, without blocking.
        ev.run_once_timeout(Some(Duration::ZERO))?;
    }
    println!("host: done");
    eprintln!("(poll returned {wakeups} times)");
    Ok(())
}
