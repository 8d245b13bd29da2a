//! A host program that owns its loop (a game loop here) and steps evloop once per frame:
//! the host draws, then gives evloop the rest of the frame with `run_once_timeout`.
//!
//! Run: `cargo run --example host_loop`

use std::cell::RefCell;
use std::rc::Rc;
use std::time::{Duration, Instant};

const FRAME: Duration = Duration::from_millis(16);

fn main() -> Result<(), evloop::LoopError> {
    let ev = evloop::EventLoop::new()?;
    let log = Rc::new(RefCell::new(Vec::new()));

    // Async game logic on evloop: a countdown, and a "download" on a worker thread.
    let l = log.clone();
    let countdown = ev.create_task(async move {
        for n in (1..=3).rev() {
            l.borrow_mut().push(format!("countdown {n}"));
            evloop::sleep(Duration::from_millis(50)).await;
        }
        l.borrow_mut().push("go!".to_string());
    })?;
    let l = log.clone();
    let download = ev.create_task(async move {
        let bytes = evloop::to_thread(|| {
            std::thread::sleep(Duration::from_millis(80)); // blocking work, off the loop
            1024
        })
        .await
        .unwrap();
        l.borrow_mut().push(format!("downloaded {bytes} bytes"));
    })?;

    // The host's loop: its own work each frame, then evloop until the frame is used up.
    let mut frames = 0u32;
    while !(countdown.done() && download.done()) {
        let frame_start = Instant::now();
        frames += 1; // update and draw the frame here
        for line in log.borrow_mut().drain(..) {
            println!("frame: {line}");
        }
        // Turns until the frame's time is up (at least one, never past the frame).
        loop {
            let left = FRAME.saturating_sub(frame_start.elapsed());
            ev.run_once_timeout(Some(left))?;
            if left.is_zero() || frame_start.elapsed() >= FRAME {
                break;
            }
        }
    }
    for line in log.borrow_mut().drain(..) {
        println!("frame: {line}");
    }
    eprintln!("(the host drew {frames} frames meanwhile)");
    Ok(())
}
